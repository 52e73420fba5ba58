"""The analysis of a sensitivity folder: per-point outputs, then SALib's indices."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.experiments.sensitivity import (
    OUTPUTS,
    RESAMPLES,
    RESULTS_FILE,
    Design,
    check_design,
    load_design,
    point_labels,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def point_outputs(runs: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """The three outputs of each design point under each mediator (`Design.label`).

    Returns:
        One row per label: ``p_hold``, ``median_collapse_h``, ``first_violation_h``,
        ``median_reached`` (False: the median was capped at the horizon) and ``horizon_h``.
    """
    import pandas as pd

    from sim.analysis.survival import durations_and_events
    from sim.stats.km import fit_km, step_value
    from sim.stats.rmst import rmst_with_se

    rows = {}
    groups = dict(tuple(runs.groupby(point_labels(runs), sort=False)))
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
