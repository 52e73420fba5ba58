"""The first violation and the number of truces: their categories and log scores on hand-made
examples, the calibration's distance on a tiny synthetic case, and the backtest's n/a rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.evidence.backtest import LOG_FV, LOG_TRUCES, Case, format_table, run_backtest
from sim.evidence.distribution import Discretisation, PredictiveDistribution
from sim.evidence.model_predictor import RunSamples
from sim.evidence.quantities import (
    FIRST_VIOLATION,
    FV_LABELS,
    N_TRUCES,
    NONE,
    TRUCE_LABELS,
    CategoricalForecast,
    LibraryBaseRate,
    base_rate,
    from_categories,
    fv_categories,
    fv_category,
    truce_category,
)
from sim.evidence.scores import LOG_FLOOR, Outcome
from sim.evidence.shared_abc import Target, case_distances, mid_ecdf


@pytest.mark.parametrize(
    "hours,category",
    [(0.0, 0), (0.3, 0), (1.0, 0), (1.01, 1), (13.0, 4), (48.0, 5), (336.0, 8), (630.0, 9)],
)
def test_first_violation_bins(hours, category):
    assert fv_category(hours) == category
    assert fv_category(None) == NONE == len(FV_LABELS) - 1


def test_simulated_runs_without_a_violation_are_censored_inside_one_category():
    first = np.array([0.5, 50.0, np.nan, np.nan])
    end = np.array([10.0, 336.0, 400.0, 100.0])
    # Held past 336 h quietly -> the last time bin; ended at 100 h quietly -> "none".
    assert list(fv_categories(first, end)) == [0, 6, NONE - 1, NONE]


def test_log_scores_of_the_quantities_on_a_hand_made_example():
    # 8 runs: 2 violate within the hour, 4 at 24-48 h, 1 after 336 h, 1 never (ended early).
    first = np.array([0.2, 0.9, 30, 30, 40, 47, np.nan, np.nan])
    end = np.array([5, 5, 60, 60, 60, 60, 400, 20])
    fc = from_categories(fv_categories(first, end), FV_LABELS, "hand")
    assert fc.log_score(fv_category(0.5)) == pytest.approx(math.log(2 / 8))
    assert fc.log_score(fv_category(45.0)) == pytest.approx(math.log(4 / 8))
    assert fc.log_score(fv_category(630.0)) == pytest.approx(math.log(1 / 8))
    assert fc.log_score(fv_category(5.0)) == pytest.approx(math.log(LOG_FLOOR))  # floored
    n = from_categories(np.array([0, 0, 2, 15]), TRUCE_LABELS, "hand")
    assert n.log_score(truce_category(3)) == pytest.approx(math.log(1 / 4))
    assert truce_category(40) == 15 and n.log_score(truce_category(40)) == pytest.approx(
        math.log(1 / 4)
    )
    with pytest.raises(ValueError):
        truce_category(0)
    with pytest.raises(ValueError):
        CategoricalForecast(("a", "b"), np.array([0.5, 0.6]))


def test_base_rate_is_jeffreys_smoothed():
    k = len(FV_LABELS)
    fc = base_rate([0, 0, 5], FV_LABELS, "three cases")
    assert fc.probs[0] == pytest.approx(2.5 / (3 + k / 2))
    assert fc.probs[5] == pytest.approx(1.5 / (3 + k / 2))
    assert fc.probs[1] == pytest.approx(0.5 / (3 + k / 2))


class EndingOnly:
    """Ending from a fixed distribution, nothing else (like the ETH/PRIO baselines)."""

    name = "ending only"

    def predict(self, case):
        disc = Discretisation()
        probs = np.zeros((len(disc.endings), len(disc.edges_days)))
        probs[0, 0] = 0.5
        return PredictiveDistribution(disc, probs, 0.5)


class HandModel(EndingOnly):
    """And a first violation in 0-1 h with chance 0.75, in 12-24 h with 0.25."""

    name = "hand"

    def predict_quantities(self, case):
        p = np.zeros(len(FV_LABELS))
        p[0], p[4] = 0.75, 0.25
        return {FIRST_VIOLATION: CategoricalForecast(FV_LABELS, p), N_TRUCES: None}


def test_backtest_scores_the_quantities_and_says_na_where_a_predictor_cannot():
    cases = [
        Case("a", ("1",), Outcome("breakdown", 0.5), first_violation_h=0.5, n_truces=None),
        Case("b", ("2",), Outcome("breakdown", 0.5), first_violation_h=13.0, n_truces=None),
        Case("c", ("3",), Outcome("breakdown", 0.5), first_violation_h=0.2, n_truces=None),
    ]
    predictors = [HandModel(), EndingOnly(), LibraryBaseRate(cases)]
    result = run_backtest(cases, predictors, baselines=("ending only", "case base rate"))
    rows = result.per_case.set_index(["case", "predictor"])
    assert rows.loc[("a", "hand"), LOG_FV] == pytest.approx(math.log(0.75))
    assert rows.loc[("b", "hand"), LOG_FV] == pytest.approx(math.log(0.25))
    assert np.isnan(rows.loc[("a", "ending only"), LOG_FV])
    assert np.isnan(rows.loc[("a", "hand"), LOG_TRUCES])  # no case has a count
    # The case base rate leaves the case out: for "b", the others are both in 0-1 h.
    k = len(FV_LABELS)
    assert rows.loc[("b", "case base rate"), LOG_FV] == pytest.approx(math.log(0.5 / (2 + k / 2)))
    assert np.isnan(rows.loc[("b", "case base rate"), "log_score"])
    skill = result.skill.set_index(["predictor", "baseline", "score"])
    assert pd.isna(skill.loc[("hand", "ending only", LOG_FV), "skill"])
    seen, unseen = math.log(1.5 / (2 + k / 2)), math.log(0.5 / (2 + k / 2))
    expected = np.mean([math.log(0.75) - seen, math.log(0.25) - unseen, math.log(0.75) - seen])
    assert skill.loc[("hand", "case base rate", LOG_FV), "skill"] == pytest.approx(expected)
    text = format_table(result)
    assert "n/a" in text and "cannot predict" in text
    data = result.to_dict()
    assert data["per_case"][1][LOG_FV] is None and LOG_FV in data["scores"]


def runs(endings, days, first, end, n=None) -> RunSamples:
    return RunSamples(
        list(endings),
        np.array(days, float),
        np.array(first, float),
        np.array(end, float),
        np.array(n if n is not None else [1] * len(endings), int),
    )


def test_calibration_distance_on_a_tiny_synthetic_case():
    r = runs(
        ["breakdown", "breakdown", None, "breakdown"],
        [2.0, 0.5, 14.0, 2.0],
        [45.0, 2.0, np.nan, 45.0],
        [48.0, 12.0, 336.0, 48.0],
        [3, 1, 1, 2],
    )
    target = Target(Outcome("breakdown", 2.0), 45.0, 3)
    d = case_distances(r, target, cap=14.0)
    # Run 0 reproduces everything: distance 0.
    assert d[0] == pytest.approx(0.0)
    # Run 1: same ending; time, first violation and count each at a different quantile.
    t = np.array([2.0, 0.5, 14.0, 2.0])
    v = np.array([45.0, 2.0, 336.0, 45.0])  # no violation: compared at its end (336 h)
    n = np.array([3, 1, 1, 2], float)
    expected = (
        abs(mid_ecdf(t, 0.5) - mid_ecdf(t, 2.0))
        + abs(mid_ecdf(v, 2.0) - mid_ecdf(v, 45.0))
        + abs(mid_ecdf(n, 1.0) - mid_ecdf(n, 3.0))
    )
    assert d[1] == pytest.approx(expected) and expected == pytest.approx(0.375 + 0.375 + 0.625)
    # Run 2 held (no ending): ending mismatch 1 plus its quantile gaps.
    assert d[2] > 1.0
    # Leaving a quantity out removes its term only.
    d_no_n = case_distances(r, Target(Outcome("breakdown", 2.0), 45.0, None), cap=14.0)
    assert d_no_n[3] == pytest.approx(d[3] - abs(mid_ecdf(n, 2.0) - mid_ecdf(n, 3.0)))


def test_calibration_distance_respects_a_censored_observation():
    # Observed: still in force when last seen at 3 days.
    r = runs(
        ["breakdown", None, "breakdown", None],
        [1.0, 2.0, 10.0, 14.0],
        [1.0, 1.0, 1.0, 1.0],
        [24.0, 48.0, 240.0, 336.0],
    )
    d = case_distances(r, Target(Outcome(None, 3.0)), cap=14.0)
    # Runs in force at or past 3 days (or censored earlier) agree; the early breakdown does not.
    assert list(d[1:]) == [0.0, 0.0, 0.0]
    assert d[0] == pytest.approx(1.0 + mid_ecdf(r.times_days, 3.0) - mid_ecdf(r.times_days, 1.0))
