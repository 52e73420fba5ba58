"""The backtest's scoring engine: cases x predictors -> scores, skill, JSON, figure.

A case is a real truce: its id, its ETH/PRIO `uniq_id`(s) (so baselines can leave it
out), what happened (`Outcome`), its covariates for the survival regression and the
reference class a user would pick for it. A predictor is any object with a `name`
and `predict(case) -> PredictiveDistribution`; the simulator plugs in through
`SamplePredictor`, a callable returning simulated (ending, time in days) samples for
a case, discretised like every other predictor. The engine scores each predictor on
each case (Brier within 1, 7, 14 days; log score of the ending and time) and each
predictor's skill against each baseline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from sim.evidence.distribution import Discretisation, PredictiveDistribution
from sim.evidence.scores import BRIER_DAYS, LOG_FLOOR, Outcome, brier, brier_skill, log_score
from sim.evidence.scores import log_skill as _log_skill
from sim.reference import ReferenceFilter

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class Case:
    """A real truce to predict.

    Attributes:
        id: short name ("daraa-2018").
        uniq_ids: its ETH/PRIO `uniq_id`(s), left out of the baselines' fits.
        outcome: how and when it ended (or when observation stopped).
        covariates: description for the survival regression (`baselines.case_covariates`).
        reference_filter: the reference class a user would pick for it.
    """

    id: str
    uniq_ids: tuple[str, ...]
    outcome: Outcome
    covariates: Mapping[str, Any] = field(default_factory=dict)
    reference_filter: ReferenceFilter = field(default_factory=ReferenceFilter)


class Predictor(Protocol):
    """Anything that gives a predictive distribution for a case."""

    name: str

    def predict(self, case: Case) -> PredictiveDistribution:  # pragma: no cover
        """The predictive distribution of the case's ending and time."""
        ...


Sampler = Callable[[Case], tuple[Sequence[str | None], Sequence[float]]]


class SamplePredictor:
    """A predictor from simulated samples: the model's way in.

    `simulate(case)` returns (endings, times in days) of simulated truces for the
    case (an ending None where a run stopped without one, which must be at or after
    the last bin edge); the samples are discretised with the shared bins.
    """

    def __init__(
        self, name: str, simulate: Sampler, discretisation: Discretisation | None = None
    ) -> None:
        self.name = name
        self.simulate = simulate
        self.discretisation = discretisation or Discretisation()

    def predict(self, case: Case) -> PredictiveDistribution:
        """Discretised simulated samples of the case."""
        endings, times = self.simulate(case)
        return PredictiveDistribution.from_samples(
            endings, times, self.discretisation, note=f"{len(times)} simulated samples"
        )


def _key(days: float) -> str:
    return f"brier_{days:g}d"


@dataclass
class BacktestResult:
    """Scores per case and predictor, and the summary with skill against baselines."""

    per_case: pd.DataFrame
    overall: pd.DataFrame
    skill: pd.DataFrame
    baselines: tuple[str, ...]
    discretisation: Discretisation
    predictions: dict[tuple[str, str], PredictiveDistribution] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN as None)."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
            ]

        return {
            "discretisation": self.discretisation.to_dict(),
            "log_floor": LOG_FLOOR,
            "brier_days": list(BRIER_DAYS),
            "baselines": list(self.baselines),
            "per_case": records(self.per_case),
            "overall": records(self.overall),
            "skill": records(self.skill),
            "scores": {
                "brier": "(p - y)^2 of breakdown within d days; lower is better; cases whose "
                "fate at d is unknown are not scored at d",
                "log_score": f"ln p of the observed (ending, time bin), p floored at {LOG_FLOOR}; "
                "higher is better",
                "skill": "Brier: 1 - BS / BS_baseline; log: mean ln p - ln p_baseline (nats "
                "per case); above 0 beats the baseline; paired t intervals over cases",
            },
        }

    def write(self, outdir: str | Path) -> list[Path]:
        """Write backtest.json and backtest.png into `outdir`; return the paths.

        Through the one results writer: atomic files, OS errors as one `OutputError`
        line, and nothing left behind in a folder this call created if it fails.
        """
        import matplotlib.pyplot as plt

        from sim.results import ResultsFolder

        folder = ResultsFolder(outdir)
        with folder.undo_on_error():
            json_path = folder.write_json("backtest.json", self.to_dict())
            fig, axes = plt.subplots(1, 2, figsize=(11, 5.2))
            try:
                self.plot(axes)
                fig.tight_layout()
                png = folder.save_figure("backtest.png", fig, dpi=110)
            finally:
                plt.close(fig)
        return [json_path, png]

    def plot(self, axes: Sequence[Axes]) -> Sequence[Axes]:
        """Left: log score per case and predictor; right: mean Brier score by horizon."""
        left, right = axes
        cases = list(dict.fromkeys(self.per_case["case"]))
        predictors = list(dict.fromkeys(self.per_case["predictor"]))
        width = 0.8 / max(len(predictors), 1)
        x = np.arange(len(cases))
        for j, name in enumerate(predictors):
            rows = self.per_case[self.per_case["predictor"] == name].set_index("case")
            left.bar(x + j * width, rows.loc[cases, "log_score"], width, label=name)
            means = [self.overall.set_index("predictor").loc[name, _key(d)] for d in BRIER_DAYS]
            right.bar(np.arange(len(BRIER_DAYS)) + j * width, means, width, label=name)
        left.set_xticks(x + width * (len(predictors) - 1) / 2, cases, rotation=30, ha="right")
        left.set_ylabel("log score (ln p; higher is better)")
        left.axhline(0, color="0.5", linewidth=0.8)
        left.axhline(math.log(LOG_FLOOR), color="0.5", linewidth=0.8, linestyle=":")
        left.set_title(f"Per case (n = {len(cases)})")
        right.set_xticks(
            np.arange(len(BRIER_DAYS)) + width * (len(predictors) - 1) / 2,
            [f"within {d:g} d" for d in BRIER_DAYS],
        )
        right.set_ylabel("mean Brier score (lower is better)")
        n_scored = [int(self.per_case[_key(d)].notna().sum() / len(predictors)) for d in BRIER_DAYS]
        right.set_title(
            "Breakdown within d days (cases scored: " + ", ".join(map(str, n_scored)) + ")"
        )
        right.legend(fontsize=8)
        return axes


def _clean(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def run_backtest(
    cases: Sequence[Case],
    predictors: Sequence[Predictor],
    baselines: Sequence[str] = ("reference class", "survival regression"),
    discretisation: Discretisation | None = None,
) -> BacktestResult:
    """Score every predictor on every case.

    Args:
        cases: the cases (distinct ids).
        predictors: the predictors (distinct names), baselines included.
        baselines: names of the predictors that every predictor's skill is computed
            against.
        discretisation: the shared bins; every prediction must use the same.

    Raises:
        ValueError: duplicate names, an unknown baseline, or a prediction on other bins.
    """
    disc = discretisation or Discretisation()
    names = [p.name for p in predictors]
    if len(set(names)) != len(names) or len({c.id for c in cases}) != len(cases):
        raise ValueError("predictor names and case ids must be distinct")
    missing = [b for b in baselines if b not in names]
    if missing:
        raise ValueError(f"baselines {missing} are not among the predictors {names}")
    rows, predictions = [], {}
    for case in cases:
        for predictor in predictors:
            dist = predictor.predict(case)
            if dist.discretisation != disc:
                raise ValueError(f"{predictor.name} predicted on other bins for {case.id}")
            predictions[(case.id, predictor.name)] = dist
            row: dict[str, Any] = {
                "case": case.id,
                "predictor": predictor.name,
                "ending": case.outcome.ending or "none observed",
                "time_days": case.outcome.time_days,
            }
            for d in BRIER_DAYS:
                row[f"p_breakdown_{d:g}d"] = dist.p_ending_within("breakdown", d)
                score = brier(dist, case.outcome, d)
                row[_key(d)] = np.nan if score is None else score
            row["log_score"] = log_score(dist, case.outcome)
            row["note"] = dist.note
            rows.append(row)
    per_case = pd.DataFrame(rows)
    overall = per_case.groupby("predictor", sort=False)[
        [_key(d) for d in BRIER_DAYS] + ["log_score"]
    ].mean()
    overall.insert(0, "cases", per_case.groupby("predictor", sort=False).size())
    overall = overall.reset_index()
    return BacktestResult(
        per_case=per_case,
        overall=overall,
        skill=_skill_table(per_case, names, baselines),
        baselines=tuple(baselines),
        discretisation=disc,
        predictions=predictions,
    )


def _skill_table(per_case: pd.DataFrame, names: Sequence[str], baselines: Sequence[str]):
    wide = {n: per_case[per_case["predictor"] == n].set_index("case") for n in names}
    rows = []
    for name in names:
        for base in baselines:
            if base == name:
                continue
            a, b = wide[name], wide[base].loc[wide[name].index]
            for score in [_key(d) for d in BRIER_DAYS] + ["log_score"]:
                if score == "log_score":
                    s = _log_skill(a[score], b[score], base)
                else:
                    s = brier_skill(a[score], b[score], base)
                rows.append(
                    {
                        "predictor": name,
                        "baseline": base,
                        "score": score,
                        "cases": s.n,
                        "skill": s.value,
                        "low": s.low,
                        "high": s.high,
                    }
                )
    return pd.DataFrame(
        rows, columns=["predictor", "baseline", "score", "cases", "skill", "low", "high"]
    )


def format_table(result: BacktestResult) -> str:
    """The per-case and overall tables and the skill, as text."""
    lines = ["Per case (p = predicted chance of breakdown within 1/7/14 days):"]
    width = max(len("case"), *(len(str(c)) for c in result.per_case["case"]))
    head = f"  {'case':<{width}} {'predictor':<22} {'ended':<14} {'days':>6}"
    head += "  p1d   p7d  p14d  Brier1 Brier7 Brier14  log"
    lines.append(head)
    for row in result.per_case.itertuples(index=False):
        r = row._asdict()
        lines.append(
            f"  {r['case']:<{width}} {r['predictor']:<22} {r['ending']:<14} {r['time_days']:>6g}"
            f" {r['p_breakdown_1d']:5.2f} {r['p_breakdown_7d']:5.2f} {r['p_breakdown_14d']:5.2f}"
            + "".join(f" {_fmt(r[_key(d)]):>6}" for d in BRIER_DAYS)
            + f" {r['log_score']:6.2f}"
        )
    lines += ["", "Where each prediction came from:"]
    for row in result.per_case.itertuples(index=False):
        lines.append(f"  {row.case} / {row.predictor}: {row.note}")
    lines += ["", "Overall (means over cases):"]
    for row in result.overall.to_dict(orient="records"):
        lines.append(
            f"  {row['predictor']:<22} cases {row['cases']:>3}"
            + "".join(f"  Brier {d:g}d {_fmt(row[_key(d)])}" for d in BRIER_DAYS)
            + f"  log {row['log_score']:.3f}"
        )
    lines += ["", "Skill against each baseline (above 0 beats it; 95% paired t interval):"]
    for row in result.skill.to_dict(orient="records"):
        interval = (
            f"({_fmt(row['low'])} to {_fmt(row['high'])})"
            if row["low"] is not None and not pd.isna(row["low"])
            else "(no interval)"
        )
        lines.append(
            f"  {row['predictor']:<22} vs {row['baseline']:<20} {row['score']:<10} "
            f"{_fmt(row['skill'])} {interval}  n={row['cases']}"
        )
    return "\n".join(lines)


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.3f}"
