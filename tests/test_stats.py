"""The statistics layer (sim/stats) against hand computations and its bounds."""

from __future__ import annotations

import numpy as np
import pytest

from sim import stats
from sim.stats.twosample import paired_proportion_difference

# Hand-worked sample: times 1, 2, 2, 3+, 4, 5 (+ = censored), events at 1, 2, 2, 4, 5.
T = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0]
E = [True, True, True, False, True, True]


def test_kaplan_meier_matches_hand_computation():
    # S(1) = 5/6; S(2) = 5/6 * 3/5 = 1/2; S(3) unchanged (censoring); S(4) = 1/2 * 1/2 = 1/4.
    km = stats.fit_km(T, E)
    assert stats.survival_at(km, 1.0).estimate == pytest.approx(5 / 6)
    assert stats.survival_at(km, 2.5).estimate == pytest.approx(1 / 2)
    assert stats.survival_at(km, 4.0).estimate == pytest.approx(1 / 4)
    # Greenwood: S^2 * sum d / (n (n - d)) = (1/2)^2 * (1/30 + 2/15) at t = 2.
    assert stats.greenwood_variance(km, 2.0) == pytest.approx(0.25 * (1 / 30 + 2 / 15))
    # Median: S is exactly 1/2 on [2, 4); lifelines takes the first time S falls
    # below 1/2, 4 (R's survfit would print the midpoint, 3; docs/statistics.md).
    assert stats.median_with_ci(km)[0] == 4.0
    assert stats.number_at_risk(T, 2.0) == 3
    assert stats.number_at_risk(T, 2.0, just_after=False) == 5


def test_median_not_reached_is_none():
    km = stats.fit_km([1.0, 5.0, 5.0, 5.0], [True, False, False, False])
    median, _low, high = stats.median_with_ci(km)
    assert median is None and high is None


def test_survival_interval_bounded_and_exact_when_degenerate():
    km = stats.fit_km([5.0] * 20, [False] * 20)
    est = stats.survival_at(km, 3.0)
    # No event, no censoring before t: Wilson interval of 20/20, not a point.
    assert est.estimate == 1.0 and est.high == pytest.approx(1.0) and 0.8 < est.low < 0.9
    rng = np.random.default_rng(3)
    km = stats.fit_km(rng.exponential(5, 30), rng.random(30) < 0.7)
    for t in np.linspace(0, 20, 41):
        e = stats.survival_at(km, t)
        assert 0.0 <= e.low <= e.estimate <= e.high <= 1.0


def test_rmst_interval_within_zero_and_tau():
    km = stats.fit_km(T, E)
    # Area under S from 0 to 4: 1*1 + 5/6*1 + 1/2*2 = 2.8333.
    rmst, se = stats.rmst_with_se(km, 4.0)
    assert rmst == pytest.approx(1 + 5 / 6 + 1.0)
    interval = stats.rmst_interval(km, 4.0)
    assert 0.0 <= interval.low <= rmst <= interval.high <= 4.0
    assert se > 0


@pytest.mark.parametrize("count,total", [(0, 5), (5, 5), (1, 3), (0, 1), (100, 100)])
def test_share_intervals_stay_in_unit_interval(count, total):
    for method in (stats.wilson, stats.clopper_pearson):
        ci = method(count, total)
        assert 0.0 <= ci.low <= ci.estimate <= ci.high <= 1.0


def test_clopper_pearson_zero_of_n_is_the_rule_of_three_region():
    # Exact upper bound for 0 of n at 95%: 1 - 0.025^(1/n).
    ci = stats.clopper_pearson(0, 10)
    assert ci.high == pytest.approx(1 - 0.025 ** (1 / 10))


def test_poisson_intervals_never_below_zero():
    zero = stats.poisson_count(0)
    assert zero.low == 0.0 and zero.high == pytest.approx(3.689, abs=1e-3)
    five = stats.poisson_count(5)
    assert five.low == pytest.approx(1.6235, abs=1e-3) and five.high == pytest.approx(
        11.668, abs=1e-3
    )
    rate = stats.poisson_rate(2, 500.0, per=1000)
    assert rate.estimate == pytest.approx(4.0) and rate.low > 0


def test_differences_are_clipped_to_minus_one_one():
    # A Wald interval of 49 of 50 discordant in one direction would pass -1.
    d = paired_proportion_difference(49, 1, 50)
    assert -1.0 <= d.low <= d.estimate <= d.high <= 1.0
    s = stats.survival_difference(0.98, 0.01, 0.02, 0.01)
    # Difference -0.96 with se 0.14: the unclipped interval would pass -1.
    assert s.low == -1.0 and s.high <= 1.0


def test_cox_not_estimable_with_one_run_per_group_or_no_events():
    one = stats.cox_hazard_ratio(
        np.array([3.0]), np.array([True]), np.array([4.0]), np.array([True])
    )
    assert one.estimate is None
    none = stats.cox_hazard_ratio(
        np.array([3.0, 4.0]), np.array([False, False]), np.array([1.0, 2.0]), np.array([True, True])
    )
    assert none.estimate is None


def test_cox_estimates_a_known_ratio():
    rng = np.random.default_rng(11)
    a = rng.exponential(1.0, 3000)
    b = rng.exponential(0.5, 3000)  # hazard twice as high
    hr = stats.cox_hazard_ratio(a, np.ones(3000, bool), b, np.ones(3000, bool))
    assert hr.low < 2.0 < hr.high


def test_mcnemar_exact_hand_value_and_holm():
    # 1 vs 9 discordant pairs: two-sided binomial p = 2 * P(X <= 1 | 10, 0.5) = 22/1024.
    assert stats.mcnemar_exact(9, 1).exact_p == pytest.approx(22 / 1024)
    assert stats.mcnemar_exact(0, 0).exact_p == 1.0
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_logrank_detects_a_difference():
    rng = np.random.default_rng(5)
    a, b = rng.exponential(1.0, 400), rng.exponential(0.5, 400)
    test = stats.logrank(a, np.ones(400, bool), b, np.ones(400, bool))
    assert test.p_value < 1e-6


# ------------------------------------------------------------------ competing risks

# Hand-worked Aalen-Johansen: 1a, 2b, 2a, 3+, 4a, 5b (a tie of two endings at 2).
# t=1: n=6, a: F_a = 1/6, S = 5/6.  t=2: n=5, a and b: F_a += 5/6 * 1/5, F_b = 1/6,
# S = 1/2.  t=3: censored.  t=4: n=2, a: F_a += 1/2 * 1/2 = 7/12, S = 1/4.
# t=5: n=1, b: F_b += 1/4 = 5/12, S = 0.
AJ_T = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0]
AJ_E = ["a", "b", "a", None, "a", "b"]


def test_aalen_johansen_matches_hand_computation():
    cif = stats.cumulative_incidence(AJ_T, AJ_E, ["a", "b"])
    expected_a = {0: 0, 1: 1 / 6, 2: 1 / 3, 3: 1 / 3, 4: 7 / 12, 5: 7 / 12}
    expected_b = {0: 0, 1: 0, 2: 1 / 6, 3: 1 / 6, 4: 1 / 6, 5: 5 / 12}
    for t, value in expected_a.items():
        assert cif.at("a", t).estimate == pytest.approx(value)
    for t, value in expected_b.items():
        assert cif.at("b", t).estimate == pytest.approx(value)
    # Collett's variance at t=1 for a: S(0)^2 d (n - d) / n^3 = 5/216.
    assert cif.at("a", 1.0).variance == pytest.approx(5 / 216)
    assert cif.counts() == {"a": 3, "b": 2, "censored": 1}


def test_cumulative_incidences_and_survival_sum_to_one_and_stay_bounded():
    rng = np.random.default_rng(8)
    n = 300
    times = np.round(rng.exponential(10, n))  # whole days: many ties across endings
    endings = rng.choice(["breakdown", "replaced", "expired", None], n, p=[0.3, 0.3, 0.2, 0.2])
    cif = stats.cumulative_incidence(times, endings, ["breakdown", "replaced", "expired"])
    km = stats.fit_km(times, np.array([e is not None for e in endings]))
    for t in (0.0, 1.0, 3.0, 7.0, 14.0, 30.0):
        total = sum(cif.at(e, t).estimate for e in cif.endings)
        assert total + stats.survival_at(km, t).estimate == pytest.approx(1.0)
        for e in cif.endings:
            est = cif.at(e, t)
            assert 0.0 <= est.low <= est.estimate <= est.high <= 1.0
    # Deterministic: no random jitter of ties.
    again = stats.cumulative_incidence(times, endings, ["breakdown", "replaced", "expired"])
    assert again.at("replaced", 14.0) == cif.at("replaced", 14.0)


def test_cif_difference_test_finds_a_real_difference_and_not_a_null_one():
    rng = np.random.default_rng(2)

    def sample(p_breakdown: float, n: int = 600):
        times = rng.exponential(5, n)
        ends = np.where(rng.random(n) < p_breakdown, "breakdown", "replaced")
        return stats.cumulative_incidence(times, ends, ["breakdown", "replaced"])

    base = sample(0.3)
    different = stats.cif_difference_test(base, sample(0.6), "breakdown", 5.0)
    assert different.p_value < 0.001 and different.difference.estimate > 0
    same = stats.cif_difference_test(base, sample(0.3), "breakdown", 5.0)
    assert same.p_value > 0.001
    assert -1.0 <= same.difference.low <= same.difference.high <= 1.0


def test_endings_at_time_zero_are_counted():
    # lifelines zeroes the first row of its table; a ceasefire that ended the day it
    # began (duration 0) must still count: 2 of 4 broke down at 0, 1 replaced at 3.
    cif = stats.cumulative_incidence([0.0, 0.0, 3.0, 5.0], ["a", "a", "b", None], ["a", "b"])
    assert cif.at("a", 0.0).estimate == pytest.approx(0.5)
    assert cif.at("b", 3.0).estimate == pytest.approx(0.25)
    assert cif.at_risk(0.0) == 2


def test_cumulative_incidence_rejects_bad_input():
    with pytest.raises(ValueError):
        stats.cumulative_incidence([1.0, -1.0], ["a", "a"])
    with pytest.raises(ValueError):
        stats.cumulative_incidence([1.0, 2.0], ["a", "z"], ["a"])


def test_wilcoxon_signed_rank_hand_value_and_all_ties():
    # Five positive differences: the exact two-sided p is 2 / 2**5.
    assert stats.wilcoxon_signed_rank(np.array([1.0, 2, 3, 4, 5])) == pytest.approx(0.0625)
    assert stats.wilcoxon_signed_rank(np.zeros(10)) is None


def test_an_ending_that_takes_everyone_left_gets_the_other_endings_interval_reflected():
    # Every run still holding at the horizon expires at once: lifelines' variance is 0/0
    # there, but with two endings and no one left, P(expired) = 1 - P(breakdown).
    rng = np.random.default_rng(3)
    horizon = 336.0
    broke = rng.random(4000) < 0.7
    times = np.where(broke, rng.uniform(1, horizon - 1, 4000).round(), horizon)
    endings = np.where(broke, "breakdown", "expired")
    cif = stats.cumulative_incidence(times, endings, ["breakdown", "expired"])
    breakdown, expired = cif.at("breakdown", horizon), cif.at("expired", horizon)
    assert expired.low is not None and expired.high is not None
    assert expired.estimate == pytest.approx(1 - breakdown.estimate, abs=1e-12)
    assert expired.low == pytest.approx(1 - breakdown.high)
    assert expired.high == pytest.approx(1 - breakdown.low)
    assert expired.low < expired.estimate < expired.high
    # the interval's width is that of a binomial share of n = 4000 (z sd * 2)
    sd = np.sqrt(expired.estimate * (1 - expired.estimate) / 4000)
    assert expired.high - expired.low == pytest.approx(2 * 1.96 * sd, rel=0.1)


def test_no_interval_is_made_up_for_an_absorbing_ending_among_three():
    # With two other endings the reflected interval would need their covariance: the
    # last ending's interval stays undefined rather than wrong.
    rng = np.random.default_rng(4)
    first = rng.choice(["a", "b", "c"], size=3000, p=[0.4, 0.3, 0.3])
    times = np.where(first == "c", 100.0, rng.uniform(1, 99, 3000).round())
    cif = stats.cumulative_incidence(times, first, ["a", "b", "c"])
    last = cif.at("c", 100.0)
    assert last.estimate == pytest.approx(
        1 - cif.at("a", 100.0).estimate - cif.at("b", 100.0).estimate
    )
    assert last.low is None and last.high is None
