"""The backtest over the case library: the model (plain and calibrated) beside the baselines.

For every case folder with an observed ending and an ETH/PRIO row (the baselines need
its covariates and must leave it out), the predictors are:

- "model": the case's scenario under its first mediator, its own parameter values;
- "model (LOO ABC)" with `calibrate`: the shared parameters drawn from the rejection-ABC
  posterior fitted to every *other* case (`shared_abc`), one draw per run; cases the
  baselines cannot score (no ETH/PRIO row) join the fit when their outcome.json gives
  the term kind (`training_only`);
- the reference-class base rate and the survival regression (`baselines`), which
  forecast the ending and time but not the first violation or the number of truces
  (ETH/PRIO records neither): those scores are n/a for them;
- "case base rate": the other cases' own first violations (and numbers of truces),
  the only baseline for those quantities (`quantities.LibraryBaseRate`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.evidence.backtest import (
    LOG_FV,
    LOG_TRUCES,
    BacktestResult,
    Case,
    Predictor,
    run_backtest,
)
from sim.evidence.baselines import ReferenceClassBaseline, SurvivalRegressionBaseline
from sim.evidence.cases import case_from_table
from sim.evidence.library import LibraryCase, load_case
from sim.evidence.model_predictor import ModelCase, ModelPredictor, model_case, observed_outcome
from sim.evidence.quantities import LibraryBaseRate
from sim.evidence.shared_abc import LeaveOneOutABC

MODEL = "model"
CALIBRATED = "model (LOO ABC)"


@dataclass
class LibraryBacktest:
    """The result, the cases skipped (and why) and the posteriors used."""

    result: BacktestResult
    skipped: list[tuple[str, str]] = field(default_factory=list)
    posteriors: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def scoreable(
    folders: Sequence[Path], table: pd.DataFrame
) -> tuple[list[tuple[Case, ModelCase]], list[tuple[str, str]]]:
    """Cases that can be scored, as backtest and model cases; the others with a reason."""
    out, skipped = [], []
    for folder in folders:
        lib: LibraryCase = load_case(folder)
        if not lib.uniq_ids:
            skipped.append((lib.name, "no ETH/PRIO uniq_id: the baselines have no covariates"))
            continue
        try:
            row_case = case_from_table(lib.uniq_ids[0], table, need_outcome=False)
        except UserError as exc:
            skipped.append((lib.name, exc.detail))
            continue
        row = row_case.outcome
        last_seen = row.time_days if row.ending is None and row.time_days > 0 else None
        observed = observed_outcome(lib, last_seen)
        if observed is None:
            skipped.append((lib.name, "no observed ending (or time of last observation)"))
            continue
        fixed = bool(row_case.covariates.get("fixed", False))
        mc = model_case(lib, fixed, observed)
        case = dataclasses.replace(
            row_case,
            id=lib.name,
            uniq_ids=lib.uniq_ids,
            outcome=observed,
            first_violation_h=mc.first_violation_h,
            n_truces=mc.n_truces,
        )
        out.append((case, mc))
    return out, skipped


def training_only(folders: Sequence[Path]) -> list[ModelCase]:
    """Cases the baselines cannot score (no ETH/PRIO row) that can still teach the ABC.

    Such a case needs an observed ending and time, and its term kind in outcome.json
    (`fixed_term`, from its fact sheet), which the scored cases take from their
    ETH/PRIO row. It is never predicted, only used to fit the shared parameters.
    """
    out = []
    for folder in folders:
        lib = load_case(folder)
        fixed = lib.outcome.get("fixed_term")
        observed = observed_outcome(lib)
        if lib.uniq_ids or not isinstance(fixed, bool) or observed is None:
            continue
        out.append(model_case(lib, fixed, observed))
    return out


def backtest_library(
    folders: Sequence[Path],
    table: pd.DataFrame,
    *,
    runs: int = 2000,
    seed: int = 0,
    calibrate: bool = False,
    draws: int = 20_000,
    accept: float = 0.01,
    min_n: int = 10,
) -> LibraryBacktest:
    """Score the model (and, with `calibrate`, its leave-one-out ABC version) and baselines."""
    pairs, skipped = scoreable(folders, table)
    if not pairs:
        raise UserError(
            "no case can be scored: "
            + ("; ".join(f"{n}: {why}" for n, why in skipped) or "no case folder found")
        )
    cases = [c for c, _ in pairs]
    models = {c.id: m for c, m in pairs}
    predictors: list[Predictor] = [ModelPredictor(MODEL, models, runs, seed)]
    posteriors: dict[str, dict[str, np.ndarray]] = {}
    if calibrate:
        extra = training_only(folders)
        skipped = [
            (n, why + ("; used in the calibration only" if n in {m.name for m in extra} else ""))
            for n, why in skipped
        ]
        abc = LeaveOneOutABC([*models.values(), *extra], draws, accept, seed)

        def loo(case_id: str) -> tuple[dict[str, np.ndarray], str]:
            training = [m for cid, m in models.items() if cid != case_id] + extra
            post = abc.posterior(case_id)
            posteriors[case_id] = post
            what = f"{len(training)} other case(s)" if training else "no other case: the prior"
            return post, f"shared parameters from the ABC posterior on {what}"

        predictors.append(ModelPredictor(CALIBRATED, models, runs, seed, params_for=loo))
    predictors += [
        ReferenceClassBaseline(min_n=min_n, table=table),
        SurvivalRegressionBaseline(table=table),
        LibraryBaseRate(cases),
    ]
    baselines = (ReferenceClassBaseline.name, SurvivalRegressionBaseline.name, LibraryBaseRate.name)
    return LibraryBacktest(run_backtest(cases, predictors, baselines), skipped, posteriors)


def verdict(result: BacktestResult) -> list[str]:
    """Plain sentences: does each model row beat each baseline, score by score?"""
    lines = []
    overall = result.overall.set_index("predictor")
    sk = result.skill
    for name in (MODEL, CALIBRATED):
        if name not in overall.index:
            continue
        for base in result.baselines:
            for score, what in (
                ("log_score", "the log score of the ending and time"),
                ("brier_14d", "the Brier score of breakdown within 14 days"),
                (LOG_FV, "the log score of the time to first violation"),
                (LOG_TRUCES, "the log score of the number of truces"),
            ):
                row = sk[(sk.predictor == name) & (sk.baseline == base) & (sk.score == score)]
                lines.append(_sentence(name, base, what, score, row, overall))
    return lines


def _sentence(name, base, what, score, row, overall) -> str:
    value = None if row.empty else row["skill"].iloc[0]
    if value is None or pd.isna(value):
        mine, theirs = overall.loc[name, score], overall.loc[base, score]
        if pd.isna(mine) and pd.isna(theirs):
            why = "neither can predict it on these cases"
        elif pd.isna(mine):
            why = f"{name} cannot predict it on these cases"
        elif pd.isna(theirs):
            why = f"the {base} cannot predict it"
        else:
            why = "no case both could be scored on"
        return f"{name} vs {base}, {what}: n/a ({why})"
    low, high, n = row["low"].iloc[0], row["high"].iloc[0], int(row["cases"].iloc[0])
    unit = "nats per case" if score.startswith("log") else "Brier skill"
    sure = (
        f"no interval from {n} case(s)"
        if n < 2 or low is None or pd.isna(low)
        else ("clearly" if low > 0 or high < 0 else "not clearly: the interval spans 0")
        + f" ({low:+.2f} to {high:+.2f})"
    )
    word = "BEATS" if value > 0 else "does NOT beat"
    return f"{name} {word} the {base} on {what}: {value:+.2f} {unit}, {sure}; n = {n}"
