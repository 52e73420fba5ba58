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
from sim.evidence.quantities import FIRST_VIOLATION, N_TRUCES, fv_category, truce_category
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
        first_violation_h: observed hours to its first violation (None: not scored).
        n_truces: observed number of truces a predictor can be scored on (None: not
            scored; see `model_predictor.model_case`).
    """

    id: str
    uniq_ids: tuple[str, ...]
    outcome: Outcome
    covariates: Mapping[str, Any] = field(default_factory=dict)
    reference_filter: ReferenceFilter = field(default_factory=ReferenceFilter)
    first_violation_h: float | None = None
    n_truces: int | None = None


class Predictor(Protocol):
    """Anything that gives a predictive distribution for a case.

    `predict` may return None when the predictor cannot forecast the ending and time
    (its scores are then n/a). A predictor may also have `predict_quantities(case)`,
    returning {"first_violation": CategoricalForecast | None, "n_truces": ... | None}
    (`sim.evidence.quantities`); without it, those scores are n/a.
    """

    name: str

    def predict(self, case: Case) -> PredictiveDistribution | None:  # pragma: no cover
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


LOG_FV, LOG_TRUCES = "log_first_violation", "log_n_truces"
SCORES: tuple[str, ...] = (*(_key(d) for d in BRIER_DAYS), "log_score", LOG_FV, LOG_TRUCES)


def _quantity_scores(predictor: Predictor, case: Case) -> dict[str, float]:
    """Log scores of the first violation and the number of truces (NaN: n/a)."""
    forecasts = getattr(predictor, "predict_quantities", lambda _c: {})(case)
    fv, n = forecasts.get(FIRST_VIOLATION), forecasts.get(N_TRUCES)
    return {
        LOG_FV: np.nan
        if fv is None or case.first_violation_h is None
        else fv.log_score(fv_category(case.first_violation_h)),
        LOG_TRUCES: np.nan
        if n is None or case.n_truces is None
        else n.log_score(truce_category(case.n_truces)),
    }


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
                LOG_FV: "ln p of the observed time to first violation's bin (hours: 0-1, 1-3, "
                "3-6, 6-12, 12-24, 24-48, 48-96, 96-168, 168-336, >= 336, or none before "
                f"the ending), p floored at {LOG_FLOOR}; null = n/a (the predictor cannot "
                "forecast it)",
                LOG_TRUCES: "ln p of the observed number of truces (1..16), p floored at "
                f"{LOG_FLOOR}; null = n/a (the case's scenario has no campaign, or the "
                "predictor cannot forecast it)",
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
            fig, axes = plt.subplots(1, 3, figsize=(16, 5.2))
            try:
                self.plot(axes)
                fig.tight_layout()
                png = folder.save_figure("backtest.png", fig, dpi=110)
            finally:
                plt.close(fig)
        return [json_path, png]

    def plot(self, axes: Sequence[Axes]) -> Sequence[Axes]:
        """Log score per case; mean Brier score by horizon; mean log scores of the other
        quantities (a predictor that cannot forecast one has no bar and says n/a)."""
        left, middle, right = axes
        cases = list(dict.fromkeys(self.per_case["case"]))
        predictors = list(dict.fromkeys(self.per_case["predictor"]))
        width = 0.8 / max(len(predictors), 1)
        x = np.arange(len(cases))
        overall = self.overall.set_index("predictor")
        extra = ("log_score", LOG_FV, LOG_TRUCES)
        for j, name in enumerate(predictors):
            rows = self.per_case[self.per_case["predictor"] == name].set_index("case")
            left.bar(x + j * width, rows.loc[cases, "log_score"], width, label=name)
            means = [overall.loc[name, _key(d)] for d in BRIER_DAYS]
            middle.bar(np.arange(len(BRIER_DAYS)) + j * width, means, width, label=name)
            for i, key in enumerate(extra):
                value = overall.loc[name, key]
                if pd.isna(value):
                    right.text(i + j * width, -0.1, "n/a", rotation=90, ha="center", va="top",
                               fontsize=7)  # fmt: skip
                else:
                    right.bar(i + j * width, value, width, color=f"C{j}")
        left.set_xticks(x + width * (len(predictors) - 1) / 2, cases, rotation=30, ha="right")
        left.set_ylabel("log score of the ending and time (ln p; higher is better)")
        left.axhline(0, color="0.5", linewidth=0.8)
        left.axhline(math.log(LOG_FLOOR), color="0.5", linewidth=0.8, linestyle=":")
        left.set_title(f"Per case (n = {len(cases)})")
        middle.set_xticks(
            np.arange(len(BRIER_DAYS)) + width * (len(predictors) - 1) / 2,
            [f"within {d:g} d" for d in BRIER_DAYS],
        )
        middle.set_ylabel("mean Brier score (lower is better)")
        by = self.per_case["predictor"]
        n_scored = [int(self.per_case[_key(d)].notna().groupby(by).sum().max()) for d in BRIER_DAYS]
        middle.set_title(
            "Breakdown within d days (cases scored: " + ", ".join(map(str, n_scored)) + ")"
        )
        middle.legend(fontsize=8)
        counts = [int(self.per_case[k].notna().groupby(by).sum().max()) for k in extra]
        right.set_xticks(
            np.arange(len(extra)) + width * (len(predictors) - 1) / 2,
            [f"ending and time\n(n = {counts[0]})", f"first violation\n(n = {counts[1]})",
             f"number of truces\n(n = {counts[2]})"],
        )  # fmt: skip
        right.axhline(0, color="0.5", linewidth=0.8)
        right.set_ylabel("mean log score (higher is better)")
        right.set_title("Mean log score by quantity (n/a: cannot predict)")
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
            if dist is not None and dist.discretisation != disc:
                raise ValueError(f"{predictor.name} predicted on other bins for {case.id}")
            row: dict[str, Any] = {
                "case": case.id,
                "predictor": predictor.name,
                "ending": case.outcome.ending or "none observed",
                "time_days": case.outcome.time_days,
                "first_violation_h": np.nan
                if case.first_violation_h is None
                else case.first_violation_h,
                "n_truces": np.nan if case.n_truces is None else case.n_truces,
            }
            if dist is not None:
                predictions[(case.id, predictor.name)] = dist
            for d in BRIER_DAYS:
                row[f"p_breakdown_{d:g}d"] = (
                    np.nan if dist is None else dist.p_ending_within("breakdown", d)
                )
                score = None if dist is None else brier(dist, case.outcome, d)
                row[_key(d)] = np.nan if score is None else score
            row["log_score"] = np.nan if dist is None else log_score(dist, case.outcome)
            row.update(_quantity_scores(predictor, case))
            row["note"] = "cannot predict the ending (n/a)" if dist is None else dist.note
            rows.append(row)
    per_case = pd.DataFrame(rows)
    overall = per_case.groupby("predictor", sort=False)[list(SCORES)].mean()
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
            for score in SCORES:
                if score.startswith("log"):
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
    """The per-case and overall tables and the skill, as text ("n/a": cannot predict)."""
    lines = ["Per case (p = predicted chance of breakdown within 1/7/14 days; fv = log score of"]
    lines.append("the time to first violation, n = of the number of truces; n/a: cannot predict):")
    width = max(len("case"), *(len(str(c)) for c in result.per_case["case"]))
    head = f"  {'case':<{width}} {'predictor':<22} {'ended':<14} {'days':>6}"
    head += "  p1d   p7d  p14d  Brier1 Brier7 Brier14    log     fv      n"
    lines.append(head)
    for row in result.per_case.itertuples(index=False):
        r = row._asdict()
        lines.append(
            f"  {r['case']:<{width}} {r['predictor']:<22} {r['ending']:<14} {r['time_days']:>6g}"
            + "".join(f" {_na(r[f'p_breakdown_{d:g}d'], '.2f'):>5}" for d in BRIER_DAYS)
            + "".join(f" {_fmt(r[_key(d)]):>6}" for d in BRIER_DAYS)
            + "".join(f" {_na(r[k], '.2f'):>6}" for k in ("log_score", LOG_FV, LOG_TRUCES))
        )
    lines += ["", "Where each prediction came from:"]
    for row in result.per_case.itertuples(index=False):
        lines.append(f"  {row.case} / {row.predictor}: {row.note}")
    lines += ["", "Overall (means over the cases each predictor could be scored on):"]
    for row in result.overall.to_dict(orient="records"):
        lines.append(
            f"  {row['predictor']:<22} cases {row['cases']:>3}"
            + "".join(f"  Brier {d:g}d {_na(row[_key(d)])}" for d in BRIER_DAYS)
            + f"  log {_na(row['log_score'])}  fv {_na(row[LOG_FV])}"
            + f"  n {_na(row[LOG_TRUCES])}"
        )
    lines += ["", "Skill against each baseline (above 0 beats it; 95% paired t interval):"]
    for row in result.skill.to_dict(orient="records"):
        if row["skill"] is None or pd.isna(row["skill"]):
            lines.append(
                f"  {row['predictor']:<22} vs {row['baseline']:<20} {row['score']:<19} "
                "n/a (no case both could be scored on)"
            )
            continue
        interval = (
            f"({_fmt(row['low'])} to {_fmt(row['high'])})"
            if row["low"] is not None and not pd.isna(row["low"])
            else "(no interval)"
        )
        lines.append(
            f"  {row['predictor']:<22} vs {row['baseline']:<20} {row['score']:<19} "
            f"{_fmt(row['skill'])} {interval}  n={row['cases']}"
        )
    return "\n".join(lines)


def _na(x: Any, spec: str = ".3f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return format(x, spec)


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.3f}"
