"""Global sensitivity analysis with SALib: Morris screening and Sobol' indices.

The design (SALib's problem dict and sample matrix) is drawn in the parent with
a seed; every distinct design point under every mediator becomes one variant of
ONE batch on the batch engine (so run *i* of every point shares its random
numbers, and the analysis scales out and resumes like any batch); then SALib
analyses three outputs per mediator, each estimated per design point from that
point's runs:

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
``design.json`` (method, seed, problem, sample matrix, the variant label of
every row, a SHA-256 over all of it), ``design.npy`` (the matrix),
``sensitivity.json`` (the indices) and ``figures/sensitivity_<output>.png|svg``.
The analysis refuses a design that does not match the runs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.batch.variants import VariantSpec
from sim.errors import UserError
from sim.resources import scenarios_dir
from sim.scenario import Scenario
from sim.schema import Param
from sim.sweep import check_in_range, embed_png, numeric_param, parse_number, round_value

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.analysis.report import Section
    from sim.batch import BatchResult

DEFAULT_PARAMS_FILE = scenarios_dir() / "sensitivity_default.toml"
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


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class SensitivityParam:
    """One input of the analysis: a parameter and the bounds it is sampled between.

    Attributes:
        key: dotted parameter path (as for ``--set``).
        low: lower bound (inside the parameter's valid range).
        high: upper bound (> low, inside the valid range).
        kind: "float" or "int" (int values are rounded when simulated).
        reason: why these bounds (from the defaults file; empty for ``--param``).
    """

    key: str
    low: float
    high: float
    kind: str = "float"
    reason: str = ""


def make_param(
    key: str, low: float, high: float, scenario: Scenario, *, option: str, reason: str = ""
) -> SensitivityParam:
    """Validate bounds against the parameter's declared range and build the input.

    Raises:
        UserError: unknown or true/false parameter, LOW >= HIGH, or a bound out of range.
    """
    param = numeric_param(key, scenario, option=option)
    if not low < high:
        raise UserError(f"{option}: expected LOW < HIGH for '{key}', got {low:g}:{high:g}", key=key)
    for value in (low, high):
        check_in_range(key, value, param, option=option)
    return SensitivityParam(key, float(low), float(high), param.kind, reason)


def parse_param(text: str, scenario: Scenario) -> SensitivityParam:
    """Parse ``KEY=LOW:HIGH`` from the command line and validate it."""
    key, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or not key.strip() or len(parts) != 2:
        raise UserError(
            "--param: expected KEY=LOW:HIGH (for example actors.militia.spoiling=1:3), "
            f"got '{text}'"
        )
    low = parse_number(parts[0], "LOW", "--param")
    high = parse_number(parts[1], "HIGH", "--param")
    return make_param(key.strip(), low, high, scenario, option="--param")


def load_default_params(
    path: str | Path = DEFAULT_PARAMS_FILE, scenario: Scenario | None = None
) -> list[SensitivityParam]:
    """Read and validate the default parameter set (``scenarios/sensitivity_default.toml``).

    Raises:
        UserError: the file is missing or malformed, or a bound is out of range.
    """
    path = Path(path)
    if scenario is None:
        from sim.scenario import load_scenario

        scenario = load_scenario()
    from sim.safe_input import decode_utf8, parse_toml

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError("file not found", file=str(path)) from None
    except OSError as error:
        raise UserError(f"cannot read: {error.strerror}", file=str(path)) from None
    data = parse_toml(decode_utf8(raw, str(path)), str(path))
    entries = data.get("param")
    if set(data) != {"param"} or not isinstance(entries, list) or not entries:
        raise UserError("expected one or more [[param]] tables and nothing else", file=str(path))
    params = []
    for number, entry in enumerate(entries, 1):
        where = f"param #{number}"
        if not isinstance(entry, dict) or set(entry) != {"key", "low", "high", "reason"}:
            raise UserError("expected key, low, high and reason", file=str(path), key=where)
        bounds = (entry["low"], entry["high"])
        if not isinstance(entry["key"], str) or not all(
            isinstance(b, int | float) and not isinstance(b, bool) for b in bounds
        ):
            raise UserError("expected a string key and numeric bounds", file=str(path), key=where)
        if not isinstance(entry["reason"], str) or not entry["reason"].strip():
            raise UserError("expected a non-empty reason", file=str(path), key=entry["key"])
        try:
            params.append(
                make_param(
                    entry["key"],
                    float(bounds[0]),
                    float(bounds[1]),
                    scenario,
                    option=str(path),
                    reason=entry["reason"],
                )
            )
        except UserError as error:
            raise UserError(error.detail, file=str(path), key=error.key) from None
    _refuse_repeats([p.key for p in params])
    return params


def _refuse_repeats(keys: Sequence[str]) -> None:
    repeated = sorted({k for k in keys if list(keys).count(k) > 1})
    if repeated:
        raise UserError(f"--param: '{repeated[0]}' is given twice", key=repeated[0])


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

    def label(self, mediator: str, point: int) -> str:
        """The variant label of a distinct point under a mediator."""
        return PointSpec(mediator, tuple(self.overlays), (), point).label

    def specs(self) -> list[PointSpec]:
        """The batch's variants: each distinct point under each mediator (mediator-major)."""
        points, _ = self.unique_points()
        names = [p.key for p in self.params]
        return [
            PointSpec(
                mediator,
                tuple(self.overlays),
                tuple(
                    zip(
                        names,
                        (_as_python(v, p) for v, p in zip(row, self.params, strict=True)),
                        strict=True,
                    )
                ),
                index,
            )
            for mediator in self.mediators
            for index, row in enumerate(points)
        ]

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


def _as_python(value: float, param: SensitivityParam) -> float | int:
    return int(value) if param.kind == "int" else float(value)


@dataclass(frozen=True)
class PointSpec(VariantSpec):
    """A `VariantSpec` whose label names the design point instead of listing its values.

    A design point sets a dozen parameters; written out, the label (and the chunk
    folder named after it) would exceed the file-name limit of most file systems.
    The values are still in the manifest and in one runs.parquet column each.

    Attributes:
        point: index of the distinct design point, from 0.
    """

    point: int = -1

    @property
    def label(self) -> str:
        """``mediator[+overlay...][point N]``."""
        base = self.mediator + "".join(f"+{Path(o).stem}" for o in self.overlays)
        return f"{base}[point {self.point}]"


MAX_POINTS = 20_000
"""Most design points (each is a variant of the batch, loaded and validated up front)."""


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
    scenario_path: str | Path,
    design: Design,
    *,
    out: str | Path,
    workers: int | None = None,
    dask: str | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    progress: bool = True,
    command: str | None = None,
) -> BatchResult:
    """Run every distinct design point under every mediator as one batch; save the design.

    The design files are written when the batch is complete (the engine wants an
    empty folder to start); a resumed run redraws the same design from the same
    seed and the engine refuses to resume if any point differs.
    """
    from sim.batch import run_batch

    out = Path(out)
    if resume and (out / DESIGN_FILE).exists():
        stored = load_design(out)
        if stored.sha256 != design.sha256:
            raise UserError(
                "cannot resume: the stored design differs from this command's (method, "
                "parameters, bounds, samples, seed or mediators changed)",
                file=str(out / DESIGN_FILE),
            )
    result = run_batch(
        scenario_path,
        variants=design.specs(),
        overrides=design.overrides,
        runs=design.runs_per_point,
        seed=design.seed,
        out=out,
        chunk_size=chunk_size,
        workers=workers,
        dask=dask,
        resume=resume,
        progress=progress,
        command=command,
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
    points, _ = design.unique_points()
    expected = {design.label(m, i): (m, i) for m in design.mediators for i in range(len(points))}
    found = runs.groupby("variant").size()
    missing = sorted(set(expected) - set(found.index))
    extra = sorted(set(found.index) - set(expected))
    problems = []
    if missing or extra:
        problems.append(
            f"the design has {len(expected)} variants ({len(points)} points x "
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
        names = [p.key for p in design.params]
        absent = [k for k in names if k not in runs.columns]
        if absent:
            problems.append(f"the runs have no column for the parameter '{absent[0]}'")
        else:
            values = runs.groupby("variant")[names].first()
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


# --------------------------------------------------------------------------- analysis


def point_outputs(runs: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """The three outputs of each variant (design point under a mediator).

    Returns:
        One row per label: ``p_hold``, ``median_collapse_h``, ``first_violation_h``,
        ``median_reached`` (False: the median was capped at the horizon) and ``horizon_h``.
    """
    import pandas as pd

    from sim.analysis.survival import durations_and_events
    from sim.stats.km import fit_km, step_value
    from sim.stats.rmst import rmst_with_se

    rows = {}
    groups = dict(tuple(runs.groupby("variant", sort=False)))
    for label in labels:
        group = groups[label]
        horizon = float(group["horizon_h"].max())
        collapse = fit_km(*durations_and_events(group, "collapse"))
        first = fit_km(*durations_and_events(group, "first_violation"))
        median = float(collapse.median_survival_time_)
        first_mean = rmst_with_se(first, horizon)[0]
        # Right-continuous step function: collapses at the horizon itself count.
        p_hold = float(step_value(collapse.survival_function_.iloc[:, 0], horizon))
        rows[label] = {
            "p_hold": p_hold,
            "median_collapse_h": min(median, horizon),
            "median_reached": math.isfinite(median) and median <= horizon,
            "first_violation_h": first_mean,
            "horizon_h": horizon,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass
class SensitivityAnalysis:
    """SALib indices per mediator and output.

    Attributes:
        path: the folder.
        design: the design analysed.
        indices: one row per (mediator, output, parameter): Morris ``mu_star``,
            ``mu_star_conf``, ``sigma``, ``mu``; Sobol' ``S1``, ``S1_conf``, ``ST``,
            ``ST_conf``. Ranked by ``mu_star`` / ``ST`` within each (mediator, output).
        outputs: per variant label, the three outputs.
        notes: what the reader must know (capped medians, constant outputs).
    """

    path: Path | None
    design: Design
    indices: pd.DataFrame
    outputs: pd.DataFrame
    notes: list[str]
    level: float = 0.95

    @property
    def rank_by(self) -> str:
        return "mu_star" if self.design.method == "morris" else "ST"

    def ranking(self, mediator: str, output: str) -> list[str]:
        """Parameters from most to least influential on `output` under `mediator`."""
        sub = self.indices[
            (self.indices["mediator"] == mediator) & (self.indices["output"] == output)
        ]
        return list(sub["param"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (what ``--json`` prints and sensitivity.json holds)."""
        records = [
            {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in r.items()
            }
            for r in self.indices.to_dict("records")
        ]
        return {
            "folder": str(self.path) if self.path else None,
            "method": self.design.method,
            "seed": self.design.seed,
            "samples": self.design.samples,
            "design_points": self.design.n_rows,
            "distinct_points": int(self.design.unique_points()[0].shape[0]),
            "runs_per_point": self.design.runs_per_point,
            "mediators": self.design.mediators,
            "design_sha256": self.design.sha256,
            "confidence_level": self.level,
            "outputs": OUTPUTS,
            "indices": records,
            "notes": self.notes,
        }

    def format_table(self) -> str:
        """Plain-text tables, one per mediator and output, ranked."""
        from sim.analysis.report import text_table

        d = self.design
        lines = [
            f"Sensitivity ({d.method}, seed {d.seed}): {d.n_rows} design points "
            f"({int(d.unique_points()[0].shape[0])} distinct) x {len(d.mediators)} mediator(s) "
            f"x {d.runs_per_point:,} runs; intervals {self.level:.0%} (bootstrap, "
            f"{RESAMPLES} resamples)",
        ]
        columns = (
            ["mu_star", "mu_star_conf", "sigma"]
            if d.method == "morris"
            else ["S1", "S1_conf", "ST", "ST_conf"]
        )
        headers = {
            "mu_star": "mu*",
            "mu_star_conf": "mu*_conf",
            "sigma": "sigma",
            "S1": "S1",
            "S1_conf": "S1_conf",
            "ST": "ST",
            "ST_conf": "ST_conf",
        }
        for mediator in d.mediators:
            for output, title in OUTPUTS.items():
                sub = self.indices[
                    (self.indices["mediator"] == mediator) & (self.indices["output"] == output)
                ]
                rows = [
                    [str(r["param"])] + [_fmt_index(r[c]) for c in columns]
                    for r in sub.to_dict("records")
                ]
                lines += ["", f"{mediator}: {title}"]
                lines.append(text_table(["parameter", *(headers[c] for c in columns)], rows))
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines)


def _fmt_index(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.4g}"


def analyse_sensitivity(directory: str | Path, *, level: float = 0.95) -> SensitivityAnalysis:
    """Check the design against the runs and compute the SALib indices.

    Raises:
        UserError: not a sensitivity folder, or the design does not match the runs.
    """
    import warnings

    import pandas as pd

    from sim.analysis.load import load_batch

    directory = Path(directory)
    design = load_design(directory)
    batch = load_batch(directory)
    check_design(design, batch.runs, batch.manifest)
    points, row_point = design.unique_points()
    labels = [design.label(m, i) for m in design.mediators for i in range(len(points))]
    outputs = point_outputs(batch.runs, labels)
    records, notes = [], []
    for mediator in design.mediators:
        per_point = outputs.loc[[design.label(mediator, i) for i in range(len(points))]]
        for output in OUTPUTS:
            y = per_point[output].to_numpy(float)[row_point]
            if output == "median_collapse_h":
                capped = int((~per_point["median_reached"].to_numpy(bool)).sum())
                if capped:
                    notes.append(
                        f"{mediator}, {output}: the median was not reached at {capped} of "
                        f"{len(points)} points (more than half the runs held); the horizon "
                        f"({per_point['horizon_h'].max():g} h) is used there, a lower bound"
                    )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                result = _salib_indices(design, y, level)
            if np.ptp(y) == 0:
                notes.append(
                    f"{mediator}, {output}: constant over the whole design ({y[0]:g}); "
                    "no parameter moves it"
                )
            for i, param in enumerate(design.params):
                records.append(
                    {"mediator": mediator, "output": output, "param": param.key}
                    | {k: float(v[i]) for k, v in result.items()}
                )
    indices = pd.DataFrame(records)
    rank = "mu_star" if design.method == "morris" else "ST"
    indices = (
        indices.assign(_order=indices[rank].fillna(-np.inf))
        .sort_values(["mediator", "output", "_order"], ascending=[True, True, False], kind="stable")
        .drop(columns="_order")
    )
    # Keep the user's mediator and output order, not the alphabetical one.
    indices["mediator"] = pd.Categorical(indices["mediator"], design.mediators, ordered=True)
    indices["output"] = pd.Categorical(indices["output"], list(OUTPUTS), ordered=True)
    indices = indices.sort_values(["mediator", "output"], kind="stable").reset_index(drop=True)
    indices["mediator"] = indices["mediator"].astype(str)
    indices["output"] = indices["output"].astype(str)
    return SensitivityAnalysis(directory, design, indices, outputs, notes, level)


def _salib_indices(design: Design, y: np.ndarray, level: float) -> dict[str, np.ndarray]:
    d = len(design.params)
    if np.ptp(y) == 0:
        # Nothing varies: every effect is exactly zero (SALib's Sobol' would divide by 0).
        zero = np.zeros(d)
        if design.method == "morris":
            return {"mu_star": zero, "mu_star_conf": zero, "sigma": zero, "mu": zero}
        return {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
    if design.method == "morris":
        from SALib.analyze import morris

        out = morris.analyze(
            design.problem,
            design.matrix,
            y,
            num_resamples=RESAMPLES,
            conf_level=level,
            num_levels=design.num_levels,
            seed=design.seed,
        )
        return {k: np.asarray(out[k], float) for k in ("mu_star", "mu_star_conf", "sigma", "mu")}
    from SALib.analyze import sobol

    out = sobol.analyze(
        design.problem,
        y,
        calc_second_order=design.calc_second_order,
        num_resamples=RESAMPLES,
        conf_level=level,
        seed=design.seed,
    )
    return {k: np.asarray(out[k], float) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def write_results(analysis: SensitivityAnalysis) -> Path:
    """Write DIR/sensitivity.json (the indices and notes)."""
    from sim.results import ResultsFolder

    folder = ResultsFolder(analysis.path)
    path = folder.write_json(RESULTS_FILE, analysis.to_dict())
    folder.record()
    return path


# --------------------------------------------------------------------------- figures


def sensitivity_figure(analysis: SensitivityAnalysis, output: str) -> Figure:
    """Ranked horizontal bars with CI whiskers, one panel per mediator, for one output."""
    import matplotlib.pyplot as plt

    from sim.analysis.style import variant_colours

    mediators = analysis.design.mediators
    colours = variant_colours(mediators)
    d = len(analysis.design.params)
    fig, axes = plt.subplots(
        1, len(mediators), figsize=(6.5 * len(mediators), 1.2 + 0.42 * d), squeeze=False
    )
    morris = analysis.design.method == "morris"
    for ax, mediator in zip(axes[0], mediators, strict=True):
        sub = analysis.indices[
            (analysis.indices["mediator"] == mediator) & (analysis.indices["output"] == output)
        ]
        sub = sub.iloc[::-1]  # largest at the top
        y = np.arange(len(sub))
        if morris:
            # mu* is a mean of absolute values: its whisker stops at zero.
            conf = sub["mu_star_conf"].to_numpy(float)
            mu_star = sub["mu_star"].to_numpy(float)
            ax.barh(
                y,
                mu_star,
                xerr=[np.minimum(conf, mu_star), conf],
                color=colours[mediator],
                capsize=3,
                label="mu* (mean |elementary effect|)",
            )
            ax.plot(
                sub["sigma"], y, "k|", markersize=12, label="sigma (interactions, nonlinearity)"
            )
            ax.set_xlabel(f"mu* of {output} ({MU_STAR_UNITS.get(output, 'output units')})")
            ax.set_xlim(left=0)
        else:
            ax.barh(
                y + 0.2,
                sub["ST"],
                height=0.4,
                xerr=sub["ST_conf"],
                color=colours[mediator],
                capsize=3,
                label="ST (total)",
            )
            ax.barh(
                y - 0.2,
                sub["S1"],
                height=0.4,
                xerr=sub["S1_conf"],
                color=colours[mediator],
                alpha=0.45,
                capsize=3,
                label="S1 (first order)",
            )
            ax.axvline(0, color="0.3", linewidth=0.8)
            ax.set_xlabel("Sobol' index (share of output variance)")
        ax.set_yticks(y)
        ax.set_yticklabels(sub["param"], fontsize=8)
        ax.set_title(f"{mediator}", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(
        f"What moves {OUTPUTS[output]}\n({analysis.design.method}, ranked; whiskers: "
        f"{analysis.level:.0%} bootstrap intervals)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def write_sensitivity_figures(
    analysis: SensitivityAnalysis, outdir: str | Path | None = None
) -> list[Path]:
    """One ranked bar chart per output (panels per mediator), PNG and SVG; return the paths."""
    from sim.sweep import save_figure

    outdir = Path(outdir) if outdir is not None else Path(analysis.path) / "figures"
    paths: list[Path] = []
    for output in OUTPUTS:
        paths += save_figure(sensitivity_figure(analysis, output), outdir, f"sensitivity_{output}")
    return paths


# --------------------------------------------------------------------------- report


def sensitivity_sections(directory: str | Path) -> list[Section]:
    """Report sections for a sensitivity folder (empty if the folder holds no design).

    For ``write_report(DIR, extra_sections=sensitivity_sections(DIR))``: the method,
    the parameters and bounds, ranked index tables and the bar charts (base64 PNG).
    """
    import html

    from sim.analysis.report import Section, html_table

    directory = Path(directory)
    if not (directory / DESIGN_FILE).exists():
        return []
    analysis = analyse_sensitivity(directory)
    d = analysis.design
    if not all((directory / "figures" / f"sensitivity_{o}.png").exists() for o in OUTPUTS):
        write_sensitivity_figures(analysis)
    method = (
        f"Morris elementary effects ({d.samples} trajectories, {d.num_levels} levels): mu* "
        "ranks a parameter's overall influence, sigma shows interactions or nonlinearity."
        if d.method == "morris"
        else f"Sobol' indices (Saltelli sample, N = {d.samples}): S1 is the share of the "
        "output's variance due to the parameter alone, ST including its interactions."
    )
    parts = [
        f"<p>{html.escape(method)} {d.n_rows} design points x {len(d.mediators)} mediator(s) x "
        f"{d.runs_per_point:,} runs, common random numbers, seed {d.seed}. Outputs per point: "
        + html.escape("; ".join(f"{k}: {v}" for k, v in OUTPUTS.items()))
        + ". Time to first violation: runs without one are censored when observation "
        "ended. Morris mu* is the mean absolute change of the output over a step of the "
        "Morris grid, per unit of the parameter's range scaled to [0, 1].</p>",
        html_table(
            ["parameter", "low", "high", "why these bounds"],
            [[p.key, f"{p.low:g}", f"{p.high:g}", p.reason or "–"] for p in d.params],
        ),
    ]
    columns = (
        ["mu_star", "mu_star_conf", "sigma"]
        if d.method == "morris"
        else [
            "S1",
            "S1_conf",
            "ST",
            "ST_conf",
        ]
    )
    for output, title in OUTPUTS.items():
        parts.append(f"<h3>{html.escape(title)}</h3>")
        for mediator in d.mediators:
            sub = analysis.indices[
                (analysis.indices["mediator"] == mediator) & (analysis.indices["output"] == output)
            ]
            rows = [
                [r["param"], *(_fmt_index(r[c]) for c in columns)] for r in sub.to_dict("records")
            ]
            parts.append(f"<h4>{html.escape(mediator)}</h4>")
            parts.append(html_table(["parameter", *columns], rows))
        png = directory / "figures" / f"sensitivity_{output}.png"
        parts.append(embed_png(png, f"What moves the {title}", f"sensitivity_{output}"))
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in analysis.notes]
    return [Section("sensitivity", "Which parameters matter", "\n".join(parts))]
