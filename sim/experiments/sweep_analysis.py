"""The analysis of a sweep folder: Kaplan-Meier estimates at every grid point."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.batch.design import DESIGN_POINT
from sim.errors import UserError
from sim.experiments.sweep import SWEEP_FILE, sweep_digest

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


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
    if data.get("sha256") != sweep_digest(data):
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
    if DESIGN_POINT not in runs.columns:
        raise UserError(
            "runs.parquet has no design points: a sweep made before sweeps ran as one "
            "design; run it again",
            file=str(directory),
        )
    groups = {key: group for key, group in runs.groupby(["variant", DESIGN_POINT], sort=False)}
    expected = sweep.get("runs_per_point")
    rows = []
    for point in sweep["points"]:
        group = groups.get((point["label"], point["index"]))
        name = f"{point['label']} at point {point['index']}"
        if group is None or (expected is not None and len(group) != expected):
            found = 0 if group is None else len(group)
            raise UserError(
                f"sweep.json and runs.parquet disagree: {name} has {found} runs, "
                f"expected {expected}",
                file=str(directory),
            )
        horizon = float(group["horizon_h"].max())
        collapse = fit_variant(name, *durations_and_events(group, "collapse"), horizon, level=level)
        first = fit_variant(
            name, *durations_and_events(group, "first_violation"), horizon, level=level
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
