"""Parameter sweeps: a full factorial grid over one or more parameters, per mediator.

The grid is a parameter design (`sim.batch.design`): every grid point is a parameter
set of ONE batch, run ``runs`` times under every mediator, and replicate *i* of every
point and mediator meets the same luck (common random numbers). A sweep runs in
parallel, on Dask and resumes exactly like any batch. The folder holds the batch
files (``runs.parquet`` with the `point` and ``design.<key>`` columns,
``manifest.json``, ``chunks/``) plus

* ``sweep.json``: the grid (axes, values, one entry per point and mediator), the
  scenario and the command;
* ``figures/sweep_<key>.png|svg``: two-week survival and median time to collapse
  against each swept parameter, per mediator, with 95% intervals
  (`sim.experiments.sweep_figures`).

The analysis (`sim.experiments.sweep_analysis`) uses the Kaplan-Meier estimates of
`sim.analysis.survival` (runs that hold to the horizon are right-censored there); a
median that is not reached is reported as such, never as the horizon.
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
from sim.experiments import Experiment
from sim.experiments.params import check_in_range, numeric_param, parse_number, round_value

if TYPE_CHECKING:  # pragma: no cover
    from sim.batch import BatchResult, VariantSpec
    from sim.batch.design import ParameterDesign
    from sim.scenario import Scenario

SWEEP_FILE = "sweep.json"

MAX_GRID_POINTS = 10_000
"""A grid larger than this is refused (it is almost certainly a typo in COUNT)."""


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
    """One grid point under one mediator.

    Attributes:
        index: position of the grid point (row-major over the axes), from 0: its design
            point, the `point` column of runs.parquet.
        mediator: the mediator requested at hour 0.
        values: the swept values at this point, by key.
        label: the variant label in runs.parquet (the mediator and any overlays).
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

    def specs(self) -> list[VariantSpec]:
        """The batch's variants: one per mediator, with the overlays of every point."""
        from sim.batch import VariantSpec

        return [VariantSpec(m, self.overlays) for m in self.mediators]

    def design(self, runs: int) -> ParameterDesign:
        """The grid as a parameter design of `runs` replicates per point."""
        from sim.batch.design import ParameterDesign

        return ParameterDesign.from_points(self.grid(), runs, kind="sweep", source="grid")

    def points(self) -> list[SweepPoint]:
        """Every grid point under every mediator (mediator-major)."""
        return [
            SweepPoint(index, spec.mediator, values, spec.label)
            for spec in self.specs()
            for index, values in enumerate(self.grid())
        ]


def plan_sweep(
    scenario: Scenario | str | Path,
    grids: Sequence[str],
    *,
    mediators: Sequence[str] = (),
    overlays: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
) -> SweepPlan:
    """Parse and validate a sweep before anything runs or is written.

    Args:
        scenario: the loaded scenario (or its file).
        grids: ``KEY=START:STOP:COUNT`` texts, one per swept parameter.
        mediators: mediators to compare (default: the scenario's ``scenario.mediators``).
        overlays: variant overlays applied at every point.
        overrides: batch-wide overrides (``--set``); may not name a swept key.

    Raises:
        UserError: any problem with the grid or the scenario, before any work.
    """
    from sim.scenario import Scenario, load_scenario

    if not grids:
        raise UserError("expected at least one --grid KEY=START:STOP:COUNT")
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
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
    scenario: Scenario | str | Path,
    plan: SweepPlan,
    *,
    runs: int,
    seed: int,
    out: str | Path,
    **execution: Any,
) -> BatchResult:
    """Run the grid under every mediator as one batch (a parameter design) and write
    ``sweep.json``.

    The batch engine validates every variant and refuses a non-empty folder (unless
    resuming) before it writes anything; ``sweep.json`` is written once the batch
    is complete. `execution`: as `sim.batch.run_batch` (workers, dask, chunk_size,
    resume, progress, command).

    Returns:
        The batch's `BatchResult`.
    """
    from sim.batch import run_batch

    result = run_batch(
        scenario,
        variants=plan.specs(),
        overrides=plan.overrides,
        design=plan.design(runs),
        seed=seed,
        out=out,
        **execution,
    )
    write_sweep_file(Path(out), plan, plan.points(), result.manifest)
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
        "runs_per_point": (manifest.get("design") or {}).get("replicates"),
        "seed": manifest.get("seed"),
        "scenario": (manifest.get("scenario") or {}).get("path"),
        "scenario_sha256": (manifest.get("scenario") or {}).get("sha256"),
        "command": manifest.get("command"),
        "common_random_numbers": (
            "replicate i of every point and mediator meets the same luck (sim.batch.design)"
        ),
    }
    data["sha256"] = sweep_digest(data)
    from sim.results import ResultsFolder

    folder = ResultsFolder(out)
    path = folder.write_json(SWEEP_FILE, data)
    folder.record()
    return path


def sweep_digest(data: Mapping[str, Any]) -> str:
    text = json.dumps({k: v for k, v in data.items() if k != "sha256"}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _design(scenario: Scenario, *, grids: Sequence[str], runs: int, **plan: Any) -> ParameterDesign:
    return plan_sweep(scenario, grids, **plan).design(runs)


EXPERIMENT = Experiment(
    name="sweep",
    summary="a full factorial grid over parameters, per mediator (Kaplan-Meier per point)",
    design=_design,
    analysis="sim.experiments.sweep_analysis:analyse_sweep",
)
