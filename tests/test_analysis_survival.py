"""Survival estimates against references that do not come from this code.

* A constant per-hour hazard h gives a geometric time to collapse, whose law is
  known in closed form: S(t) = (1 - h)^floor(t), median = ceil(ln 0.5 / ln(1 - h)),
  RMST up to H = sum_{k=0}^{H-1} (1 - h)^k = (1 - (1 - h)^H) / h.
* Small tables whose Kaplan-Meier values are worked out by hand below.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import analyse
from sim.analysis.survival import fit_survival, fit_variant

HORIZON = 336.0


def geometric_runs(hazards: dict[str, float], n: int, seed: int) -> pd.DataFrame:
    """Runs with a constant per-hour collapse hazard per variant, censored at 336 h."""
    rng = np.random.default_rng(seed)
    frames = []
    for variant, h in hazards.items():
        t = rng.geometric(h, n).astype(float)  # P(T = k) = (1-h)^(k-1) h, k >= 1
        collapsed = t <= HORIZON
        frames.append(
            pd.DataFrame(
                {
                    "variant": variant,
                    "run": np.arange(n),
                    "horizon_h": HORIZON,
                    "duration_h": np.minimum(t, HORIZON),
                    "collapsed": collapsed,
                    "cause": np.where(collapsed, "militia", "none"),
                    "first_violation_h": np.where(collapsed, t, np.nan),
                    "first_violator": np.where(collapsed, "militia", None),
                    "violations_regime": np.zeros(n, dtype="int32"),
                    "violations_militia": collapsed.astype("int32"),
                    "violations_opposition": np.zeros(n, dtype="int32"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_constant_hazard_matches_closed_form():
    h, n = 0.01, 4000
    result = fit_survival(geometric_runs({"russia": h}, n, seed=11))["russia"]

    true_median = math.ceil(math.log(0.5) / math.log(1 - h))  # 69 h
    # SE of a sample median ~ sqrt(0.25 / n) / f(median), with density f = h * 0.5.
    median_se = math.sqrt(0.25 / n) / (0.5 * h)
    assert result.median_h == pytest.approx(true_median, abs=4 * median_se)
    low, high = result.median_ci_h
    assert low <= result.median_h <= high

    for t in (24.0, 72.0, 168.0, 336.0):
        true = (1 - h) ** t
        se = math.sqrt(true * (1 - true) / n)  # binomial SE (no censoring before 336 h)
        item = result.survival_at(t)
        assert item.p == pytest.approx(true, abs=4 * se), t
        assert item.lower < item.p < item.upper

    true_rmst = (1 - (1 - h) ** HORIZON) / h
    assert result.rmst_h == pytest.approx(true_rmst, abs=4 * result.rmst_se_h)
    # Reported at 24 h, 72 h, 168 h and the horizon.
    assert [a.time_h for a in result.at] == [24.0, 72.0, 168.0, 336.0]


def test_rmst_standard_error_matches_sample_mean_when_censoring_only_at_horizon():
    # With censoring only at the horizon, the KM RMST equals mean(min(T, H)), whose
    # standard error is the sample SD / sqrt(n) (up to the n vs n-1 divisor).
    runs = geometric_runs({"a": 0.02}, 1500, seed=3)
    result = fit_survival(runs)["a"]
    durations = runs["duration_h"].to_numpy()
    assert result.rmst_h == pytest.approx(durations.mean(), rel=1e-9)
    assert result.rmst_se_h == pytest.approx(durations.std(ddof=0) / math.sqrt(len(durations)))


def test_hand_worked_kaplan_meier_with_censoring():
    # time : 2  3  3  5  8  10 10 10      horizon 10
    # event: 1  1  0  1  0  1  0  0
    # t=2 : at risk 8, 1 event      S = 7/8            = 0.875
    # t=3 : at risk 7 (the run censored at 3 is still at risk), 1 event
    #                               S = 0.875 * 6/7    = 0.75
    # t=5 : at risk 5, 1 event      S = 0.75 * 4/5     = 0.6
    # t=8 : censored only; at risk afterwards 3
    # t=10: at risk 3, 1 event      S = 0.6 * 2/3      = 0.4
    # median: first time S <= 0.5 -> 10
    # RMST(10) = 2*1 + 1*0.875 + 2*0.75 + 5*0.6 = 7.375
    # Greenwood at 5: 0.6^2 * (1/(8*7) + 1/(7*6) + 1/(5*4)) = 0.36 * 0.0916667 = 0.033
    # RMST variance: A(2) = 0.875 + 1.5 + 3 = 5.375, A(3) = 4.5, A(5) = 3, A(10) = 0
    #   5.375^2/(8*7) + 4.5^2/(7*6) + 3^2/(5*4) = 0.515904 + 0.482143 + 0.45 = 1.448047
    durations = np.array([2, 3, 3, 5, 8, 10, 10, 10], float)
    events = np.array([1, 1, 0, 1, 0, 1, 0, 0], bool)
    result = fit_variant("x", durations, events, 10.0, times_h=(2.0, 3.0, 5.0, 8.0))
    expected = {2.0: 0.875, 3.0: 0.75, 5.0: 0.6, 8.0: 0.6, 10.0: 0.4}
    for t, s in expected.items():
        assert result.survival_at(t).p == pytest.approx(s)
    assert result.survival_at(4.0).p == pytest.approx(0.75)  # step function between events
    assert result.median_h == 10.0
    assert result.rmst_h == pytest.approx(7.375)
    assert result.survival_at(5.0).variance == pytest.approx(0.033)
    assert result.rmst_se_h == pytest.approx(math.sqrt(1.448047), rel=1e-5)
    assert result.n == 8 and result.n_events == 4


def test_first_violation_censors_runs_without_violation_at_their_duration():
    # first_violation_h: 1, none (collapsed at 6 by a mediator walkout), 4, none (held)
    # -> times 1, 6, 4, 10 with events 1, 0, 1, 0
    # t=1: at risk 4, 1 event -> S = 0.75
    # t=4: at risk 3, 1 event -> S = 0.75 * 2/3 = 0.5  => median 4
    # t=6: censored; t=10: censored -> S stays 0.5
    runs = pd.DataFrame(
        {
            "variant": "russia",
            "run": [0, 1, 2, 3],
            "horizon_h": 10.0,
            "duration_h": [5.0, 6.0, 9.0, 10.0],
            "collapsed": [True, True, True, False],
            "cause": ["regime", "mediator_walkout", "militia", "none"],
            "first_violation_h": [1.0, None, 4.0, None],
            "first_violator": ["regime", None, "militia", None],
            "violations_regime": [1, 0, 0, 0],
            "violations_militia": [0, 0, 2, 0],
            "violations_opposition": [0, 0, 0, 0],
        }
    )
    first = analyse(runs).first_violation["russia"]
    assert first.survival_at(1.0).p == pytest.approx(0.75)
    assert first.survival_at(4.0).p == pytest.approx(0.5)
    assert first.survival_at(10.0).p == pytest.approx(0.5)
    assert first.median_h == 4.0
    assert first.n_events == 2


def test_median_not_reached_when_most_runs_survive():
    # h = 0.0005: S(336) = 0.9995^336 = 0.845, far above one half.
    analysis = analyse(geometric_runs({"turkey": 0.0005}, 600, seed=5))
    result = analysis.survival["turkey"]
    assert result.median_h is None
    assert result.median_ci_h[1] is None
    data = json.loads(analysis.to_json())
    assert data["variants"]["turkey"]["median_h"] is None
    assert "Infinity" not in analysis.to_json()
    assert data["variants"]["turkey"]["p_survive_336h"] == pytest.approx(0.845, abs=0.06)


def test_to_frame_has_one_row_per_variant():
    survival = fit_survival(geometric_runs({"russia": 0.01, "turkey": 0.02}, 300, seed=1))
    frame = survival.to_frame()
    assert list(frame.index) == ["russia", "turkey"]
    for column in ("n", "median_h", "p_survive_336h", "p_survive_336h_lower", "rmst_h"):
        assert column in frame.columns


def test_interval_at_the_edges_is_wilson_not_a_point():
    # No collapse in 300 runs: S = 1 and the Greenwood band is the point [1, 1]; the
    # binomial (Wilson) interval for 300/300 is [1 - z^2 / (n + z^2), 1] = [0.98736, 1].
    durations = np.full(300, HORIZON)
    result = fit_variant("calm", durations, np.zeros(300, bool), HORIZON)
    item = result.p_survive_horizon
    z2 = 1.959963984540054**2
    assert item.p == 1.0
    assert item.lower == pytest.approx(1 - z2 / (300 + z2))
    assert item.upper == pytest.approx(1.0)
    assert result.median_h is None and result.rmst_h == pytest.approx(HORIZON)


def test_variant_groups_are_the_groupby_groups_sorted_or_not():
    from sim.analysis.survival import variant_groups

    sorted_runs = pd.DataFrame(
        {"variant": ["russia"] * 3 + ["turkey"] * 2, "duration_h": [1.0, 2, 3, 4, 5]}
    )
    interleaved = sorted_runs.iloc[[0, 3, 1, 4, 2]].reset_index(drop=True)
    for runs in (sorted_runs, interleaved, sorted_runs.astype({"variant": "category"})):
        groups = variant_groups(runs)
        expected = {str(k): g for k, g in runs.groupby("variant", sort=False, observed=True)}
        assert list(groups) == list(expected)
        for label, group in groups.items():
            pd.testing.assert_frame_equal(group, expected[label])


def test_holding_counts_on_kaplan_meier_cells_equal_the_counts_over_runs():
    from sim.analysis.axes import holding_counts
    from sim.stats.km import fit_km

    rng = np.random.default_rng(3)
    durations = rng.integers(0, 40, size=5_000).astype(float)
    events = rng.random(5_000) < 0.7
    fit = fit_km(durations, events)
    times = [0.0, 6.0, 12.0, 24.0, 39.0]
    assert holding_counts(fit.durations, fit.event_observed, times, fit.weights) == (
        holding_counts(durations, events, times)
    )
