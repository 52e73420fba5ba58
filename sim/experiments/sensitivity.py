"""Global sensitivity analysis with SALib: Morris screening and Sobol' indices.

The design (SALib's problem dict and sample matrix) is drawn in the parent with
a seed; its distinct points are a parameter design (`sim.batch.design`) of ONE
batch with one variant per mediator, so replicate *i* of every point and mediator
meets the same luck, and the analysis scales out and resumes like any batch; then
SALib analyses three outputs per mediator, each estimated per design point from
that point's runs (`sim.experiments.sensitivity_analysis`):

``p_hold``
    Kaplan-Meier survival at the horizon: the share of runs in which the truce
    holds the two weeks.
``median_collapse_h``
    Kaplan-Meier median time to collapse. When it is not reached (more than half
    of the point's runs hold to the horizon) the horizon is used: the output is
    then the median of the time held *within the horizon*, a lower bound of the
    true median. How many points were capped is reported with the indices.
``first_violation_h``
    Restricted mean time to the first violation: the area under the Kaplan-Meier
    curve of time to first violation up to the horizon (a run without any
    violation is censored when its observation ended, `duration_h`). The mean,
    not the median, because the median is almost always one or two hours, a
    step of the model's clock, and would hide every effect.

Files written under DIR besides the batch's (``runs.parquet``, ``manifest.json``):
``design.json`` (method, seed, problem, sample matrix, the distinct point of
every row, a SHA-256 over all of it), ``design.npy`` (the matrix),
``sensitivity.json`` (the indices) and ``figures/sensitivity_<output>.png|svg``.
The analysis refuses a design that does not match the runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import UserError
from sim.experiments import Experiment
from sim.experiments.params import round_value
from sim.experiments.sensitivity_params import (
    SensitivityParam,
)
from sim.schema import Param

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.batch import BatchResult, VariantSpec
    from sim.batch.design import ParameterDesign
    from sim.scenario import Scenario

DESIGN_FILE = "design.json"
DESIGN_MATRIX_FILE = "design.npy"
RESULTS_FILE = "sensitivity.json"
METHODS = ("morris", "sobol")
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
"""Morris: trajectories (10 x 13 = 130 points for 12 parameters); Sobol': N (N (D + 2) points)."""
MORRIS_LEVELS = 4
RESAMPLES = 1000
"""Bootstrap resamples for SALib's confidence intervals."""

OUTPUTS: dict[str, str] = {
    "p_hold": "share holding to the horizon (KM survival at the horizon)",
    "median_collapse_h": "median hours to collapse (KM; the horizon where not reached)",
    "first_violation_h": "mean hours to the first violation (KM restricted mean up to the horizon)",
}


MU_STAR_UNITS: dict[str, str] = {
    "p_hold": "share 0-1 per full parameter range",
    "median_collapse_h": "hours per full parameter range",
    "first_violation_h": "hours per full parameter range",
}
"""Units of Morris mu*: SALib scales each parameter's range to [0, 1], so mu* is a slope,
the output's change per whole range (extrapolated from one grid step: it may exceed 1)."""


# --------------------------------------------------------------------------- the design


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass
class Design:
    """A SALib design paired with the batch that simulates it.

    Attributes:
        method: "morris" or "sobol".
        params: the inputs, in column order.
        samples: Morris trajectories, or Sobol's base sample size N.
        seed: seed of the sample, the analysis' bootstrap and the batch.
        matrix: the sample (rows = design points, columns = `params`), rounded as simulated.
        mediators: mediators the design is run under.
        runs_per_point: runs per design point and mediator.
        overlays: variant overlays applied at every point.
        overrides: batch-wide ``--set`` overrides.
        num_levels: Morris grid levels.
        calc_second_order: Sobol' sample built for second-order indices too.
    """

    method: str
    params: list[SensitivityParam]
    samples: int
    seed: int
    matrix: np.ndarray
    mediators: list[str]
    runs_per_point: int
    overlays: list[str] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)
    num_levels: int = MORRIS_LEVELS
    calc_second_order: bool = False

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem dict."""
        return {
            "num_vars": len(self.params),
            "names": [p.key for p in self.params],
            "bounds": [[p.low, p.high] for p in self.params],
        }

    @property
    def n_rows(self) -> int:
        return int(self.matrix.shape[0])

    def unique_points(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct rows (in order of first appearance) and, per row, its distinct point.

        A Morris design can visit the same point twice; with common random numbers
        the same point gives the same runs, so each distinct point is simulated once.
        """
        _, first, inverse = np.unique(self.matrix, axis=0, return_index=True, return_inverse=True)
        order = np.argsort(first)  # keep the design's own order, not numpy's sorted one
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        return self.matrix[np.sort(first)], rank[np.asarray(inverse).reshape(-1)]

    def variant(self, mediator: str) -> VariantSpec:
        """The batch's variant of `mediator`: the mediator with the design's overlays."""
        from sim.batch import VariantSpec

        return VariantSpec(mediator, tuple(self.overlays))

    def label(self, mediator: str, point: int) -> str:
        """A distinct point under a mediator: ``mediator[+overlay...][point N]``."""
        return f"{self.variant(mediator).label}[point {point}]"

    def batch_design(self) -> ParameterDesign:
        """The distinct points as a parameter design of `runs_per_point` replicates."""
        from sim.batch.design import ParameterDesign

        points, _ = self.unique_points()
        keys = tuple(p.key for p in self.params)
        return ParameterDesign(keys, points, self.runs_per_point, self.method, "SALib sample")

    def to_dict(self) -> dict[str, Any]:
        """design.json's content (without the hash)."""
        points, row_point = self.unique_points()
        return {
            "kind": "sensitivity_design",
            "method": self.method,
            "seed": self.seed,
            "samples": self.samples,
            "num_levels": self.num_levels if self.method == "morris" else None,
            "calc_second_order": self.calc_second_order if self.method == "sobol" else None,
            "problem": self.problem,
            "params": [
                {"key": p.key, "low": p.low, "high": p.high, "kind": p.kind, "reason": p.reason}
                for p in self.params
            ],
            "mediators": list(self.mediators),
            "overlays": list(self.overlays),
            "overrides": dict(self.overrides),
            "runs_per_point": self.runs_per_point,
            "n_rows": self.n_rows,
            "n_points": int(points.shape[0]),
            "matrix": self.matrix.tolist(),
            "row_point": row_point.tolist(),
            "labels": {
                m: [self.label(m, i) for i in range(points.shape[0])] for m in self.mediators
            },
        }

    @property
    def sha256(self) -> str:
        """Hash of the whole design (what `check_design` verifies)."""
        return hashlib.sha256(_canonical(self.to_dict()).encode()).hexdigest()

    def save(self, directory: Path) -> None:
        """Write design.json (with its hash) and design.npy."""
        from sim.results import ResultsFolder

        data = self.to_dict()
        data["sha256"] = hashlib.sha256(_canonical(data).encode()).hexdigest()
        folder = ResultsFolder(directory)
        folder.write_npy(DESIGN_MATRIX_FILE, self.matrix)
        folder.write_json(DESIGN_FILE, data)
        folder.record()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Design:
        params = [
            SensitivityParam(p["key"], p["low"], p["high"], p.get("kind", "float"), p["reason"])
            for p in data["params"]
        ]
        return cls(
            method=data["method"],
            params=params,
            samples=int(data["samples"]),
            seed=int(data["seed"]),
            matrix=np.asarray(data["matrix"], dtype=float).reshape(-1, len(params)),
            mediators=list(data["mediators"]),
            runs_per_point=int(data["runs_per_point"]),
            overlays=list(data.get("overlays", [])),
            overrides=dict(data.get("overrides", {})),
            num_levels=int(data.get("num_levels") or MORRIS_LEVELS),
            calc_second_order=bool(data.get("calc_second_order")),
        )


MAX_POINTS = 20_000
"""Most design points (a bound on the design's size, checked before SALib draws it)."""


def _check_size(method: str, samples: int, n_params: int, n_mediators: int, runs: int) -> None:
    """Refuse, before SALib draws anything, a design too large to run, with its cost."""
    from sim.batch.limits import check_worlds

    points = samples * (n_params + (1 if method == "morris" else 2))
    if points > MAX_POINTS:
        raise UserError(
            f"--samples: {samples:,} gives {points:,} design points ({n_mediators} mediator(s) x "
            f"{runs:,} runs each = {points * n_mediators * runs:,} worlds); at most "
            f"{MAX_POINTS:,} points"
        )
    check_worlds(points * n_mediators * runs, "design x --runs-per-point")


def make_design(
    method: str,
    params: Sequence[SensitivityParam],
    *,
    samples: int | None,
    seed: int,
    mediators: Sequence[str],
    runs_per_point: int,
    overlays: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
    num_levels: int = MORRIS_LEVELS,
) -> Design:
    """Draw the SALib sample (seeded) and round it to the values that will be simulated.

    Raises:
        UserError: unknown method, too few samples, a Sobol' N that is not a power of 2,
            or fewer than two parameters.
    """
    if method not in METHODS:
        raise UserError(f"--method: expected one of {', '.join(METHODS)}, got '{method}'")
    if len(params) < 2:
        raise UserError("expected at least two parameters to compare (--param KEY=LOW:HIGH)")
    samples = DEFAULT_SAMPLES[method] if samples is None else samples
    if method == "morris" and samples < 2:
        raise UserError(f"--samples: expected at least 2 Morris trajectories, got {samples}")
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise UserError(f"--samples: expected a power of 2 >= 2 for Sobol' (N), got {samples}")
    _check_size(method, samples, len(params), len(mediators), runs_per_point)
    design = Design(
        method,
        list(params),
        samples,
        seed,
        np.empty((0, len(params))),
        list(mediators),
        runs_per_point,
        list(overlays),
        dict(overrides or {}),
        num_levels,
        False,
    )
    if method == "morris":
        from SALib.sample import morris as sampler

        raw = sampler.sample(design.problem, samples, num_levels=num_levels, seed=seed)
    else:
        from SALib.sample import sobol as sampler

        raw = sampler.sample(design.problem, samples, calc_second_order=False, seed=seed)
    # Simulate exactly the value the label and the override column record.
    declared = [Param(p.kind, p.low, p.high, "") for p in params]
    matrix = np.array(
        [[float(round_value(v, d)) for v, d in zip(row, declared, strict=True)] for row in raw],
        dtype=float,
    )
    if method == "morris":
        _check_morris_steps(matrix, len(params))
    design.matrix = matrix
    return design


def _check_morris_steps(matrix: np.ndarray, d: int) -> None:
    steps = np.diff(matrix.reshape(-1, d + 1, d), axis=1)
    if (np.count_nonzero(steps, axis=2) != 1).any():
        raise UserError(
            "--param: an integer parameter's range is too narrow for the Morris grid "
            "(a step leaves its rounded value unchanged); widen its bounds"
        )


# --------------------------------------------------------------------------- running


def run_sensitivity(
    scenario: Scenario | str | Path,
    design: Design,
    *,
    out: str | Path,
    **execution: Any,
) -> BatchResult:
    """Run the distinct design points under every mediator as one batch; save the design.

    The design files are written when the batch is complete (the engine wants an
    empty folder to start); a resumed run redraws the same design from the same
    seed and the engine refuses to resume if any point differs. `execution`: as
    `sim.batch.run_batch` (workers, dask, chunk_size, resume, progress, command).
    """
    from sim.batch import run_batch

    out = Path(out)
    if execution.get("resume") and (out / DESIGN_FILE).exists():
        stored = load_design(out)
        if stored.sha256 != design.sha256:
            raise UserError(
                "cannot resume: the stored design differs from this command's (method, "
                "parameters, bounds, samples, seed or mediators changed)",
                file=str(out / DESIGN_FILE),
            )
    result = run_batch(
        scenario,
        variants=[design.variant(m) for m in design.mediators],
        overrides=design.overrides,
        design=design.batch_design(),
        seed=design.seed,
        out=out,
        **execution,
    )
    design.save(out)
    return result


def load_design(directory: str | Path) -> Design:
    """Read design.json and design.npy and check them against the stored hash.

    Raises:
        UserError: missing files, a changed file (hash mismatch) or a matrix that
            differs between the two files.
    """
    directory = Path(directory)
    path = directory / DESIGN_FILE
    if not path.exists():
        raise UserError(f"not a sensitivity folder: no {DESIGN_FILE}", file=str(directory))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stored = data.pop("sha256")
        design = Design.from_dict(data)
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise UserError(f"cannot read the design: {error}", file=str(path)) from None
    if hashlib.sha256(_canonical(data).encode()).hexdigest() != stored:
        raise UserError(
            "the design file was changed after the runs were made (its hash does not match)",
            file=str(path),
        )
    matrix_path = directory / DESIGN_MATRIX_FILE
    try:
        matrix = np.load(matrix_path, allow_pickle=False)
    except FileNotFoundError:
        matrix = None
    except (OSError, ValueError, EOFError) as error:  # truncated, not .npy, a folder
        raise UserError(f"cannot read the design matrix: {error}", file=str(matrix_path)) from None
    if matrix is None or not np.array_equal(matrix, design.matrix):
        raise UserError(
            f"{DESIGN_MATRIX_FILE} is missing or differs from the matrix in {DESIGN_FILE}",
            file=str(matrix_path),
        )
    return design


def check_design(design: Design, runs: pd.DataFrame, manifest: Mapping[str, Any]) -> None:
    """Refuse to analyse runs that were not made from this design.

    Checks that the batch simulated exactly the design's variants (labels, in
    number and name), each with ``runs_per_point`` runs, with the parameter values
    of its design point, and with the design's seed.

    Raises:
        UserError: naming the first disagreement.
    """
    from sim.batch.design import DESIGN_POINT, DESIGN_PREFIX

    points, _ = design.unique_points()
    expected = {design.label(m, i): (m, i) for m in design.mediators for i in range(len(points))}
    problems = []
    if DESIGN_POINT not in runs.columns:
        problems.append("the runs have no design points (made before designs ran as one batch)")
        labels = None
    else:
        labels = point_labels(runs)
    found = runs.groupby(labels).size() if labels is not None else None
    if found is None:
        pass
    elif set(found.index) != set(expected):
        missing = sorted(set(expected) - set(found.index))
        extra = sorted(set(found.index) - set(expected))
        problems.append(
            f"the design has {len(expected)} points x mediators ({len(points)} points x "
            f"{len(design.mediators)} mediators) but the runs have {len(found)}"
            + (f"; missing e.g. {missing[0]!r}" if missing else "")
            + (f"; unexpected e.g. {extra[0]!r}" if extra else "")
        )
    elif (found != design.runs_per_point).any():
        bad = found[found != design.runs_per_point].index[0]
        problems.append(
            f"{bad!r} has {found[bad]} runs, the design expects {design.runs_per_point}"
        )
    elif manifest.get("seed") is not None and manifest.get("seed") != design.seed:
        problems.append(f"the runs used seed {manifest.get('seed')}, the design {design.seed}")
    else:
        names = [f"{DESIGN_PREFIX}{p.key}" for p in design.params]
        absent = [k for k in names if k not in runs.columns]
        if absent:
            problems.append(f"the runs have no column for the parameter '{absent[0]}'")
        else:
            values = runs.groupby(labels)[names].first()
            for label, (_m, index) in expected.items():
                if not np.allclose(values.loc[label].to_numpy(float), points[index], rtol=1e-9):
                    problems.append(f"{label!r} was run with other parameter values")
                    break
    if problems:
        raise UserError(
            "the stored design does not match the runs: "
            + problems[0]
            + "; rerun the analysis on the folder the design was made for",
        )


def point_labels(runs: pd.DataFrame) -> pd.Series:
    """Each run's design point under its variant, as `Design.label` names it."""
    from sim.batch.design import DESIGN_POINT

    return runs["variant"].astype(str) + "[point " + runs[DESIGN_POINT].astype(str) + "]"


def _design(scenario: Scenario, **options: Any) -> ParameterDesign:
    return make_design(**options).batch_design()


EXPERIMENT = Experiment(
    name="sensitivity",
    summary="Morris screening or Sobol' indices over sampled parameters (SALib), per mediator",
    design=_design,
    analysis="sim.experiments.sensitivity_analysis:analyse_sensitivity",
)
