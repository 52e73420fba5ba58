"""Parameter sweeps: a full factorial grid over one or more parameters, per mediator.

Every grid point under every mediator is one variant of ONE batch on the batch
engine (`sim.batch.run_batch`), so run *i* of every point and every mediator
shares its random numbers (common random numbers), and a sweep runs in
parallel, on Dask and resumes exactly like any batch. The folder holds the
batch files (``runs.parquet``, ``manifest.json``, ``chunks/``) plus

* ``sweep.json``: the grid (axes, values, one entry per point and mediator with
  its variant label), the scenario and the command;
* ``figures/sweep_<key>.png|svg``: two-week survival and median time to
  collapse against each swept parameter, per mediator, with 95% intervals.

The analysis uses the Kaplan-Meier estimates of `sim.analysis.survival`
(runs that hold to the horizon are right-censored there); a median that is not
reached is reported as such, never as the horizon.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UserError
from sim.scenario import Scenario
from sim.schema import Param

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.analysis.report import Section
    from sim.batch import BatchResult, VariantSpec

SWEEP_FILE = "sweep.json"
SIGNIFICANT_DIGITS = 6
"""Swept and sampled values are rounded to this many significant digits, so the
variant label (which prints values with ``%g``) names exactly the value simulated."""

MAX_GRID_POINTS = 10_000
"""A grid larger than this is refused (it is almost certainly a typo in COUNT)."""


# --------------------------------------------------------------------------- parameters


def numeric_param(key: str, scenario: Scenario, *, option: str) -> Param:
    """The declaration of a parameter that can be swept or sampled.

    Args:
        key: dotted path (``actors.militia.spoiling``, ``mediator.conduct.resolve``,
            ``mediators.russia.leverage.regime``).
        scenario: the scenario with the run's mediators loaded (its parties, terms and
            mediators say which keys exist).
        option: the option the key came from, for the error message.

    Raises:
        UserError: unknown key, or a true/false parameter (nothing to sweep between).
    """
    from sim.scenario import override_param

    try:
        param = override_param(key, scenario)
    except UserError as error:
        raise UserError(f"{option}: {error}") from None
    if param.kind == "bool":
        raise UserError(
            f"{option}: '{key}' is true or false, so it cannot be swept or sampled; "
            "compare its two settings as variants (--set or a variant overlay) instead",
            key=key,
        )
    return param


def round_value(value: float, param: Param) -> float | int:
    """`value` as it will be simulated: an integer for int parameters, else 6 significant digits."""
    if param.kind == "int":
        return round(float(value))
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def check_in_range(key: str, value: float, param: Param, *, option: str) -> None:
    """Refuse a value outside the parameter's valid range, naming the range."""
    if not math.isfinite(value) or not param.accepts(value):
        raise UserError(
            f"{option}: {value:g} is outside the valid range of '{key}' ({param.expected()})",
            key=key,
        )


def parse_number(text: str, what: str, option: str) -> float:
    """A float from the command line, or a UserError naming the option."""
    try:
        if not text.isascii():  # float("٦") is 6.0: not what the user typed
            raise ValueError(text)
        value = float(text)
    except ValueError:
        raise UserError(f"{option}: expected a number for {what}, got '{text}'") from None
    if not math.isfinite(value):
        raise UserError(f"{option}: expected a finite number for {what}, got '{text}'")
    return value


# --------------------------------------------------------------------------- the grid


@dataclass(frozen=True)
class GridAxis:
    """One swept parameter: its key and its values, in increasing order.

    Attributes:
        key: dotted parameter path.
        values: the values simulated (already rounded as `round_value` does).
    """

    key: str
    values: tuple[float | int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "values": list(self.values)}


def parse_grid(text: str, scenario: Scenario) -> GridAxis:
    """Parse and validate ``KEY=START:STOP:COUNT`` (COUNT values evenly spaced, both ends in).

    Raises:
        UserError: malformed text, unknown key, STOP <= START, COUNT < 2, values out of
            the parameter's valid range, or values that coincide once rounded.
    """
    option = "--grid"
    key, sep, spec = text.partition("=")
    key = key.strip()
    parts = spec.split(":")
    if not sep or not key or len(parts) != 3:
        raise UserError(
            f"{option}: expected KEY=START:STOP:COUNT "
            f"(for example escalation.collapse_threshold=1.5:4:6), got '{text}'"
        )
    param = numeric_param(key, scenario, option=option)
    start = parse_number(parts[0], "START", option)
    stop = parse_number(parts[1], "STOP", option)
    try:
        if not parts[2].isascii():
            raise ValueError(parts[2])
        count = int(parts[2])
    except ValueError:
        raise UserError(f"{option}: expected an integer COUNT, got '{parts[2]}'") from None
    if not 2 <= count <= MAX_GRID_POINTS:
        raise UserError(
            f"{option}: expected COUNT from 2 to {MAX_GRID_POINTS:,} for '{key}', got {count:,}",
            key=key,
        )
    if stop <= start:
        raise UserError(
            f"{option}: expected STOP > START for '{key}', got {start:g}:{stop:g}", key=key
        )
    for value in (start, stop):
        check_in_range(key, value, param, option=option)
    import numpy as np

    values = tuple(round_value(float(v), param) for v in np.linspace(start, stop, count))
    if len(set(values)) != len(values):
        raise UserError(
            f"{option}: {count} values from {start:g} to {stop:g} repeat once rounded "
            f"({'to integers' if param.kind == 'int' else 'to 6 significant digits'}); "
            "use a smaller COUNT",
            key=key,
        )
    return GridAxis(key, values)


@dataclass(frozen=True)
class SweepPoint:
    """One grid point under one mediator: one variant of the batch.

    Attributes:
        index: position of the grid point (row-major over the axes), from 0.
        mediator: the mediator requested at hour 0.
        values: the swept values at this point, by key.
        label: the variant label in runs.parquet.
    """

    index: int
    mediator: str
    values: Mapping[str, float | int]
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "mediator": self.mediator,
            "values": dict(self.values),
            "label": self.label,
        }


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the grid, the mediators and the batch's variants.

    Attributes:
        axes: the swept parameters, in the order given.
        mediators: mediators compared, in order.
        overlays: variant overlays applied at every point.
        overrides: batch-wide ``--set`` overrides.
    """

    axes: tuple[GridAxis, ...]
    mediators: tuple[str, ...]
    overlays: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_points(self) -> int:
        """Grid points (without the mediators)."""
        return math.prod(len(a.values) for a in self.axes)

    def grid(self) -> list[dict[str, float | int]]:
        """Every grid point as {key: value}, row-major (the last axis varies fastest)."""
        keys = [a.key for a in self.axes]
        return [
            dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(a.values for a in self.axes))
        ]

    def specs_and_points(self) -> tuple[list[VariantSpec], list[SweepPoint]]:
        """The batch's variants (mediator-major) and the matching sweep points."""
        from sim.batch import VariantSpec

        specs, points = [], []
        for mediator in self.mediators:
            for index, values in enumerate(self.grid()):
                spec = VariantSpec(mediator, self.overlays, tuple(values.items()))
                specs.append(spec)
                points.append(SweepPoint(index, mediator, values, spec.label))
        return specs, points


def plan_sweep(
    scenario_path: str | Path,
    grids: Sequence[str],
    *,
    mediators: Sequence[str] = (),
    overlays: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
) -> SweepPlan:
    """Parse and validate a sweep before anything runs or is written.

    Args:
        scenario_path: the scenario file.
        grids: ``KEY=START:STOP:COUNT`` texts, one per swept parameter.
        mediators: mediators to compare (default: the scenario's ``scenario.mediators``).
        overlays: variant overlays applied at every point.
        overrides: batch-wide overrides (``--set``); may not name a swept key.

    Raises:
        UserError: any problem with the grid or the scenario, before any work.
    """
    from sim.scenario import load_scenario

    if not grids:
        raise UserError("expected at least one --grid KEY=START:STOP:COUNT")
    base = load_scenario(scenario_path)
    mediators = tuple(dict.fromkeys(mediators or base.default_mediators))
    base = base.with_mediators(mediators)
    axes = tuple(parse_grid(text, base) for text in grids)
    keys = [a.key for a in axes]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise UserError(f"--grid: '{repeated[0]}' is swept twice", key=repeated[0])
    overrides = dict(overrides or {})
    clash = sorted(set(overrides) & set(keys))
    if clash:
        raise UserError(
            f"--set: '{clash[0]}' is also swept by --grid; drop one of them", key=clash[0]
        )
    plan = SweepPlan(axes, mediators, tuple(overlays), overrides)
    if plan.n_points > MAX_GRID_POINTS:
        raise UserError(
            f"--grid: {plan.n_points:,} grid points is more than {MAX_GRID_POINTS:,}; "
            "use fewer values per parameter"
        )
    return plan


# --------------------------------------------------------------------------- running


def run_sweep(
    scenario_path: str | Path,
    plan: SweepPlan,
    *,
    runs: int,
    seed: int,
    out: str | Path,
    workers: int | None = None,
    dask: str | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    progress: bool = True,
    command: str | None = None,
) -> BatchResult:
    """Run every grid point under every mediator as one batch and write ``sweep.json``.

    The batch engine validates every variant and refuses a non-empty folder (unless
    resuming) before it writes anything; ``sweep.json`` is written once the batch
    is complete.

    Returns:
        The batch's `BatchResult`.
    """
    from sim.batch import run_batch

    specs, points = plan.specs_and_points()
    result = run_batch(
        scenario_path,
        variants=specs,
        overrides=plan.overrides,
        runs=runs,
        seed=seed,
        out=out,
        chunk_size=chunk_size,
        workers=workers,
        dask=dask,
        resume=resume,
        progress=progress,
        command=command,
    )
    write_sweep_file(Path(out), plan, points, result.manifest)
    return result


def write_sweep_file(
    out: Path, plan: SweepPlan, points: Sequence[SweepPoint], manifest: Mapping[str, Any]
) -> Path:
    """Write ``DIR/sweep.json``: the grid and the variant label of every point."""
    data = {
        "kind": "sweep",
        "axes": [a.to_dict() for a in plan.axes],
        "mediators": list(plan.mediators),
        "overlays": list(plan.overlays),
        "overrides": dict(plan.overrides),
        "n_points": plan.n_points,
        "points": [p.to_dict() for p in points],
        "runs_per_point": manifest.get("runs_per_variant"),
        "seed": manifest.get("seed"),
        "scenario": (manifest.get("scenario") or {}).get("path"),
        "scenario_sha256": (manifest.get("scenario") or {}).get("sha256"),
        "command": manifest.get("command"),
        "common_random_numbers": "run i of every point and mediator shares its seeds",
    }
    data["sha256"] = _digest(data)
    from sim.results import ResultsFolder

    folder = ResultsFolder(out)
    path = folder.write_json(SWEEP_FILE, data)
    folder.record()
    return path


def _digest(data: Mapping[str, Any]) -> str:
    text = json.dumps({k: v for k, v in data.items() if k != "sha256"}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- analysis


@dataclass
class SweepAnalysis:
    """Kaplan-Meier estimates at every grid point under every mediator.

    Attributes:
        path: the sweep folder.
        sweep: the parsed ``sweep.json``.
        table: one row per (mediator, point): the swept values, ``runs``,
            ``p_hold`` with ``p_hold_lower``/``p_hold_upper`` (KM survival at the
            horizon), ``median_h`` with ``median_lower``/``median_upper`` (NaN = not
            reached), ``rmst_h`` with its interval, ``first_violation_median_h``.
        horizon_h: the truce's stated length.
        level: confidence level of every interval.
    """

    path: Path | None
    sweep: dict[str, Any]
    table: pd.DataFrame
    horizon_h: float
    level: float = 0.95

    @property
    def keys(self) -> list[str]:
        """The swept parameters, in order."""
        return [a["key"] for a in self.sweep["axes"]]

    @property
    def mediators(self) -> list[str]:
        return list(self.sweep["mediators"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the grid and one record per (mediator, point); None = not reached."""
        records = []
        for row in self.table.to_dict("records"):
            records.append({k: _json_number(v) for k, v in row.items()})
        return {
            "folder": str(self.path) if self.path else None,
            "axes": self.sweep["axes"],
            "mediators": self.mediators,
            "horizon_h": self.horizon_h,
            "confidence_level": self.level,
            "estimates": "Kaplan-Meier; runs that hold to the horizon are right-censored; "
            "median_h null = not reached (more than half the runs held)",
            "points": records,
        }

    def format_table(self) -> str:
        """Plain-text table: one row per mediator and point."""
        from sim.analysis.report import fmt_pct, text_table

        h = self.horizon_h
        horizon = f"{h / 24:g} d" if h % 24 == 0 else f"{h:g} h"
        headers = [
            "mediator",
            *self.keys,
            "runs",
            f"held {horizon} [95% CI]",
            "median to collapse [95% CI]",
            "RMST h",
            "median to 1st violation",
        ]
        rows = []
        for r in self.table.to_dict("records"):
            rows.append(
                [
                    r["mediator"],
                    *(f"{r[_value_column(k)]:g}" for k in self.keys),
                    f"{r['runs']:,}",
                    fmt_pct(r["p_hold"], r["p_hold_lower"], r["p_hold_upper"]),
                    format_median(r["median_h"], r["median_lower"], r["median_upper"]),
                    f"{r['rmst_h']:.0f}",
                    format_median(r["first_violation_median_h"], None, None),
                ]
            )
        lines = [
            f"Sweep: {self.path}   runs per point: {self.sweep.get('runs_per_point')}   "
            f"seed: {self.sweep.get('seed')}",
            f"Kaplan-Meier estimates; runs holding at {self.horizon_h:g} h are censored; "
            f"intervals {self.level:.0%}; 'not reached' = more than half the runs held.",
            "",
            text_table(headers, rows),
        ]
        return "\n".join(lines)


def _value_column(key: str) -> str:
    # Swept values get their own prefix so a key can never clash with an estimate column.
    return "v_" + key


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            return None
    return value


def format_median(median: float, lower: float | None, upper: float | None) -> str:
    """``170 h [150-190]``; ``not reached`` when NaN/None (never the horizon)."""
    if median is None or not math.isfinite(median):
        if lower is not None and math.isfinite(lower):
            return f"not reached [>= {lower:.0f} h]"
        return "not reached"
    if lower is None or upper is None:
        return f"{median:.0f} h"
    low = f"{lower:.0f}" if math.isfinite(lower) else "?"
    high = f"{upper:.0f}" if math.isfinite(upper) else "not reached"
    return f"{median:.0f} h [{low}-{high}]"


def read_sweep_file(directory: Path) -> dict[str, Any]:
    """``DIR/sweep.json``, checked against its own hash."""
    path = directory / SWEEP_FILE
    if not path.exists():
        raise UserError(f"not a sweep folder: no {SWEEP_FILE}", file=str(directory))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise UserError(f"cannot read the sweep file: {error}", file=str(path)) from None
    if data.get("sha256") != _digest(data):
        raise UserError("the sweep file was changed after the sweep ran", file=str(path))
    return data


def analyse_sweep(directory: str | Path, *, level: float = 0.95) -> SweepAnalysis:
    """Kaplan-Meier survival at every grid point of a finished sweep.

    Raises:
        UserError: not a sweep folder, or ``sweep.json`` and ``runs.parquet`` disagree.
    """
    import numpy as np
    import pandas as pd

    from sim.analysis.load import load_batch
    from sim.analysis.survival import durations_and_events, fit_variant

    directory = Path(directory)
    sweep = read_sweep_file(directory)
    runs = load_batch(directory).runs
    groups = {label: group for label, group in runs.groupby("variant", sort=False)}
    expected = sweep.get("runs_per_point")
    rows = []
    for point in sweep["points"]:
        group = groups.get(point["label"])
        if group is None or (expected is not None and len(group) != expected):
            found = 0 if group is None else len(group)
            raise UserError(
                f"sweep.json and runs.parquet disagree: point {point['label']!r} has {found} "
                f"runs, expected {expected}",
                file=str(directory),
            )
        horizon = float(group["horizon_h"].max())
        collapse = fit_variant(
            point["label"], *durations_and_events(group, "collapse"), horizon, level=level
        )
        first = fit_variant(
            point["label"], *durations_and_events(group, "first_violation"), horizon, level=level
        )
        at = collapse.p_survive_horizon
        low, high = collapse.median_ci_h
        row = {"mediator": point["mediator"], "index": point["index"], "label": point["label"]}
        row.update({_value_column(k): v for k, v in point["values"].items()})
        row.update(
            runs=collapse.n,
            p_hold=at.p,
            p_hold_lower=np.nan if at.lower is None else at.lower,
            p_hold_upper=np.nan if at.upper is None else at.upper,
            median_h=np.nan if collapse.median_h is None else collapse.median_h,
            median_lower=np.nan if low is None else low,
            median_upper=np.nan if high is None else high,
            rmst_h=collapse.rmst_h,
            rmst_lower=collapse.rmst_ci_h[0],
            rmst_upper=collapse.rmst_ci_h[1],
            first_violation_median_h=np.nan if first.median_h is None else first.median_h,
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    return SweepAnalysis(directory, sweep, table, float(runs["horizon_h"].max()), level)


# --------------------------------------------------------------------------- figures


def _key_label(key: str) -> str:
    return key


def sweep_figure(analysis: SweepAnalysis, key: str) -> Figure:
    """Two-week survival (left) and median time to collapse (right) against `key`.

    One grid axis: one line per mediator. Two axes: one panel row per mediator,
    one line per value of the other parameter. More axes: the runs of the other
    grid points are pooled (the Kaplan-Meier estimate over the grid's other
    values), one line per mediator.
    """
    import matplotlib.pyplot as plt

    from sim.analysis.style import variant_colours

    keys = analysis.keys
    others = [k for k in keys if k != key]
    mediators = analysis.mediators
    table = analysis.table
    if len(others) == 1:
        other = others[0]
        other_values = sorted(table[_value_column(other)].unique())
        fig, axes = plt.subplots(
            len(mediators), 2, figsize=(11, 3.6 * len(mediators)), squeeze=False
        )
        cmap = plt.get_cmap("viridis")
        for row, mediator in enumerate(mediators):
            sub = table[table["mediator"] == mediator]
            for j, value in enumerate(other_values):
                colour = cmap(j / max(1, len(other_values) - 1) * 0.9)
                line = sub[sub[_value_column(other)] == value].sort_values(_value_column(key))
                _draw_pair(axes[row], line, key, colour, f"{value:g}", analysis.horizon_h, j)
            axes[row, 0].set_title(f"{mediator}: held the whole truce", fontsize=10)
            axes[row, 1].set_title(f"{mediator}: median time to collapse", fontsize=10)
            axes[row, 1].legend(fontsize=8, title=other, title_fontsize=8)
    else:
        if others:
            table = _pooled_table(analysis, key)
        colours = variant_colours(mediators)
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), squeeze=False)
        for position, mediator in enumerate(mediators):
            line = table[table["mediator"] == mediator].sort_values(_value_column(key))
            _draw_pair(
                axes[0], line, key, colours[mediator], mediator, analysis.horizon_h, position
            )
        axes[0, 0].set_title("Held the whole truce", fontsize=10)
        axes[0, 1].set_title("Median time to collapse", fontsize=10)
        axes[0, 1].legend(fontsize=8, title="mediator", title_fontsize=8)
        if others:
            fig.text(
                0.5,
                -0.02,
                "Pooled over the grid values of " + ", ".join(others),
                ha="center",
                fontsize=8,
            )
    _mark_baseline(fig.axes, analysis, key)
    days = analysis.horizon_h / 24
    fig.suptitle(
        f"Sweep over {key}: survival at {days:g} days and median time to collapse\n"
        f"(Kaplan-Meier, {analysis.level:.0%} intervals; triangles above the horizon: "
        "median not reached)",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def baseline_values(analysis: SweepAnalysis, key: str) -> dict[str, float]:
    """{mediator: the value `key` has in the swept scenario}, before the sweep changes it."""
    from sim.batch.variants import parameter_value
    from sim.errors import UserError
    from sim.scenario import load_scenario

    sweep = analysis.sweep
    try:
        scenario = load_scenario(
            sweep["scenario"],
            mediators=list(sweep.get("mediators") or []),
            variants=list(sweep.get("overlays") or []),
            overrides=dict(sweep.get("overrides") or {}),
        )
    except (UserError, KeyError, TypeError):  # the scenario moved: no baseline to mark
        return {}
    values = {m: parameter_value(scenario, key, m) for m in analysis.mediators}
    return {m: v for m, v in values.items() if v == v}  # drop NaN


def _mark_baseline(axes: Sequence[Any], analysis: SweepAnalysis, key: str) -> None:
    """A dotted vertical line at the scenario's own value of `key` on every panel."""
    baselines = sorted(set(baseline_values(analysis, key).values()))
    for ax in axes:
        for value in baselines:
            ax.axvline(value, color="0.25", linestyle=":", linewidth=1.2)
            ax.annotate(
                f"baseline {value:g}",
                xy=(value, 0.98),
                xycoords=("data", "axes fraction"),
                xytext=(3, 0),
                textcoords="offset points",
                fontsize=7,
                color="0.25",
                ha="left",
                va="top",
            )


def _draw_pair(
    axes: Any,
    line: pd.DataFrame,
    key: str,
    colour: Any,
    label: str,
    horizon: float,
    position: int = 0,
) -> None:
    """Draw one line on the survival (left) and median (right) axes."""
    import numpy as np

    x = line[_value_column(key)].to_numpy(float)
    # Lines at the same grid values would hide each other: nudge each line sideways by
    # a small share of the grid's span and give it its own marker shape.
    span = float(np.ptp(x)) if len(x) > 1 else 1.0
    x = x + span * 0.012 * ((position % 4) - 1.5)
    marker = "osD^v"[position % 5]
    p = line["p_hold"].to_numpy(float)
    left, right = axes[0], axes[1]
    left.errorbar(
        x,
        p,
        yerr=[p - line["p_hold_lower"].to_numpy(float), line["p_hold_upper"].to_numpy(float) - p],
        color=colour,
        marker=marker,
        markersize=4,
        capsize=3,
        label=label,
    )
    left.set_ylim(-0.02, 1.02)
    left.set_xlabel(_key_label(key))
    left.set_ylabel(f"Share holding at {horizon:g} h")
    left.grid(alpha=0.3)
    median = line["median_h"].to_numpy(float)
    lower = line["median_lower"].to_numpy(float)
    upper = line["median_upper"].to_numpy(float)
    reached = np.isfinite(median)
    # An unreached upper bound is drawn up to the horizon (the data stop there).
    upper = np.where(np.isfinite(upper), upper, horizon)
    lower = np.where(np.isfinite(lower), lower, 0.0)
    right.errorbar(
        x[reached],
        median[reached],
        yerr=[median[reached] - lower[reached], upper[reached] - median[reached]],
        color=colour,
        marker=marker,
        markersize=4,
        capsize=3,
        label=label,
    )
    if (~reached).any():
        # Stagger the markers of different lines so one does not hide another.
        y = horizon * (1.02 + 0.025 * (position % 4))
        right.scatter(x[~reached], np.full((~reached).sum(), y), marker="^", color=colour)
    right.axhline(horizon, color="0.4", linestyle="--", linewidth=0.8)
    right.annotate(
        "horizon (above: not reached)",
        xy=(0.01, horizon),
        xycoords=("axes fraction", "data"),
        fontsize=7,
        color="0.4",
        va="bottom",
    )
    right.set_ylim(0, horizon * 1.13)
    right.set_xlabel(_key_label(key))
    right.set_ylabel("Median hours to collapse")
    right.grid(alpha=0.3)


def _pooled_table(analysis: SweepAnalysis, key: str) -> pd.DataFrame:
    """KM estimates per (mediator, value of `key`), pooling every other grid point."""
    import numpy as np
    import pandas as pd

    from sim.analysis.load import load_batch
    from sim.analysis.survival import durations_and_events, fit_variant

    runs = load_batch(analysis.path).runs
    labels = {p["label"]: (p["mediator"], p["values"][key]) for p in analysis.sweep["points"]}
    runs = runs[runs["variant"].isin(labels)]
    runs = runs.assign(
        _m=runs["variant"].map(lambda v: labels[v][0]),
        _v=runs["variant"].map(lambda v: labels[v][1]),
    )
    rows = []
    for (mediator, value), group in runs.groupby(["_m", "_v"]):
        horizon = float(group["horizon_h"].max())
        fit = fit_variant(str(mediator), *durations_and_events(group, "collapse"), horizon)
        at = fit.p_survive_horizon
        low, high = fit.median_ci_h
        rows.append(
            {
                "mediator": mediator,
                _value_column(key): value,
                "p_hold": at.p,
                "p_hold_lower": np.nan if at.lower is None else at.lower,
                "p_hold_upper": np.nan if at.upper is None else at.upper,
                "median_h": np.nan if fit.median_h is None else fit.median_h,
                "median_lower": np.nan if low is None else low,
                "median_upper": np.nan if high is None else high,
            }
        )
    return pd.DataFrame(rows)


def save_figure(fig: Figure, outdir: Path, name: str, formats: Sequence[str] = ("png", "svg")):
    """Save `fig` as ``outdir/name.<fmt>`` for each format, byte-stable; return the paths."""
    import matplotlib.pyplot as plt

    from sim.results.writer import save_figure as write_figure

    paths = []
    try:
        for fmt in formats:
            path = outdir / f"{name}.{fmt}"
            paths.append(write_figure(fig, path, dpi=150, bbox_inches="tight"))
    finally:
        plt.close(fig)
    return paths


def figure_name(key: str) -> str:
    """File stem of the figure for one swept key."""
    return "sweep_" + key.replace(".", "_")


def write_sweep_figures(analysis: SweepAnalysis, outdir: str | Path | None = None) -> list[Path]:
    """One figure per swept parameter, PNG and SVG, in ``DIR/figures/``; return the paths."""
    outdir = Path(outdir) if outdir is not None else Path(analysis.path) / "figures"
    paths: list[Path] = []
    for key in analysis.keys:
        paths += save_figure(sweep_figure(analysis, key), outdir, figure_name(key))
    return paths


# --------------------------------------------------------------------------- report


def embed_png(path: Path, caption: str, name: str) -> str:
    """An HTML <figure> with the PNG embedded as base64."""
    import base64
    import html

    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure id="figure-{html.escape(name)}"><img alt="{html.escape(caption)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{html.escape(caption)}'
        "</figcaption></figure>"
    )


def sweep_sections(directory: str | Path) -> list[Section]:
    """Report sections for a sweep folder (empty if the folder holds no sweep).

    For ``write_report(DIR, extra_sections=sweep_sections(DIR))``: a table of the
    Kaplan-Meier estimates per point and the sweep figures, embedded as PNG.
    """
    import html

    from sim.analysis.report import Section, html_table

    directory = Path(directory)
    if not (directory / SWEEP_FILE).exists():
        return []
    analysis = analyse_sweep(directory)
    rows = []
    for row in analysis.table.to_dict("records"):
        rows.append(
            [
                row["mediator"],
                *(f"{row[_value_column(k)]:g}" for k in analysis.keys),
                f"{row['runs']:,}",
                f"{100 * row['p_hold']:.1f}% ({100 * row['p_hold_lower']:.1f}-"
                f"{100 * row['p_hold_upper']:.1f})",
                format_median(row["median_h"], row["median_lower"], row["median_upper"]),
                f"{row['rmst_h']:.0f}",
            ]
        )
    headers = [
        "mediator",
        *analysis.keys,
        "runs",
        "held to the horizon",
        "median to collapse",
        "RMST h",
    ]
    figures = []
    for key in analysis.keys:
        png = directory / "figures" / f"{figure_name(key)}.png"
        if not png.exists():
            write_sweep_figures(analysis)
        figures.append(embed_png(png, f"Sweep over {key}", figure_name(key)))
    axes = "; ".join(
        f"{a['key']}: {', '.join(f'{v:g}' for v in a['values'])}" for a in analysis.sweep["axes"]
    )
    body = [
        f"<p>Full factorial sweep ({html.escape(axes)}), under "
        f"{html.escape(', '.join(analysis.mediators))}; "
        f"{analysis.sweep.get('runs_per_point'):,} runs per point with common random numbers "
        "(run i of every point and mediator shares its seeds). Kaplan-Meier estimates with "
        f"{analysis.level:.0%} intervals; runs holding at the horizon are censored; a median "
        "is 'not reached' when more than half the runs held.</p>",
        html_table(headers, rows),
        *figures,
    ]
    return [Section("sweep", "Parameter sweep", "\n".join(body))]
