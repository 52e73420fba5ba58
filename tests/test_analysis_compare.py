"""Comparisons between variants against hand-computed or closed-form references."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import analyse
from sim.analysis.compare import holm, mean_ci, paired_comparison, wilson

HORIZON = 336.0


def runs_table(hazards: dict[str, float], n: int, seed: int, *, paired: bool) -> pd.DataFrame:
    """Constant-hazard runs; with `paired`, every variant inverts the same uniforms
    (common random numbers), otherwise each variant draws its own."""
    rng = np.random.default_rng(seed)
    shared = rng.random(n)
    frames = []
    for variant, h in hazards.items():
        u = shared if paired else rng.random(n)
        t = np.maximum(1.0, np.ceil(np.log(u) / np.log(1 - h)))  # geometric by inversion
        collapsed = t <= HORIZON
        cause = rng.choice(["regime", "militia", "retaliation"], n, p=[0.2, 0.5, 0.3])
        frames.append(
            pd.DataFrame(
                {
                    "variant": variant,
                    "run": np.arange(n),
                    "horizon_h": HORIZON,
                    "duration_h": np.minimum(t, HORIZON),
                    "collapsed": collapsed,
                    "cause": np.where(collapsed, cause, "none"),
                    "first_violation_h": np.where(collapsed, t, np.nan),
                    "first_violator": np.where(collapsed, "militia", None),
                    "violations_regime": rng.poisson(1.0, n).astype("int32"),
                    "violations_militia": rng.poisson(2.0, n).astype("int32"),
                    "violations_opposition": np.zeros(n, dtype="int32"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_holm_matches_hand_computation():
    # sorted: 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; 0.04 * 1 = 0.04 -> raised to 0.06 (monotone)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_wilson_interval_matches_formula():
    # Wilson score interval: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    k, n, z = 3, 10, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    share = wilson(k, n)
    assert share.share == pytest.approx(0.3)
    assert share.lower == pytest.approx(centre - half)
    assert share.upper == pytest.approx(centre + half)
    assert wilson(0, 0).share is None


def test_mean_ci_matches_t_interval():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    # mean 2.5, sd = sqrt(5/3) = 1.2910, t(0.975, 3) = 3.182446
    estimate = mean_ci(values)
    half = 3.182446305284263 * math.sqrt(5 / 3) / 2
    assert estimate.mean == 2.5
    assert estimate.lower == pytest.approx(2.5 - half)
    assert estimate.upper == pytest.approx(2.5 + half)


def test_logrank_separates_different_hazards_and_not_identical_ones():
    different = analyse(runs_table({"russia": 0.02, "turkey": 0.01}, 400, seed=1, paired=False))
    (pair,) = different.comparisons
    assert (pair.a, pair.b) == ("russia", "turkey")
    assert pair.logrank_p < 1e-6
    # Discrete hazards: the true hazard ratio is ln(1 - 0.01) / ln(1 - 0.02) = 0.4975.
    low, high = pair.hazard_ratio_ci
    assert low < 0.4975 < high
    assert pair.logrank_p_adjusted == pair.logrank_p  # only one pair: no adjustment

    same = analyse(runs_table({"russia": 0.01, "turkey": 0.01}, 400, seed=2, paired=False))
    assert same.comparisons[0].logrank_p > 0.05


def test_difference_in_two_week_survival_covers_truth():
    h_a, h_b = 0.01, 0.007
    analysis = analyse(runs_table({"russia": h_a, "turkey": h_b}, 3000, seed=4, paired=False))
    (pair,) = analysis.comparisons
    truth = (1 - h_b) ** 336 - (1 - h_a) ** 336  # 0.0948 - 0.0342 = 0.0606
    assert pair.diff_ci[0] < truth < pair.diff_ci[1]
    assert pair.diff == pytest.approx(pair.p_survive_b - pair.p_survive_a)


def test_paired_tests_use_common_random_numbers():
    analysis = analyse(runs_table({"russia": 0.01, "turkey": 0.007}, 1000, seed=6, paired=True))
    paired = analysis.comparisons[0].paired
    assert paired is not None
    # With the same uniforms, a lower hazard never shortens a run: discordant pairs
    # all go one way, so McNemar's exact p is 2 * 0.5^k.
    assert paired.survived_a_only == 0
    k = paired.survived_b_only
    assert paired.mcnemar_exact_p == pytest.approx(min(1.0, 2 * 0.5**k))
    assert paired.rmst_diff_h > 0
    # The paired interval is narrower than the unpaired one.
    unpaired = analysis.comparisons[0].diff_ci
    assert paired.diff_ci[1] - paired.diff_ci[0] < unpaired[1] - unpaired[0]


def test_paired_counts_and_mcnemar_on_hand_made_pairs():
    # 10 paired runs: a held & b collapsed in 2, a collapsed & b held in 8 -> discordant 10
    # exact McNemar p = 2 * P(X >= 8 | Bin(10, 1/2)) = 2 * (45 + 10 + 1) / 1024 = 0.109375
    a_held = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], bool)
    b_held = ~a_held
    frame_a = pd.DataFrame(
        {"run": range(10), "collapsed": ~a_held, "duration_h": np.where(a_held, 336.0, 100.0)}
    ).assign(horizon_h=336.0)
    frame_b = pd.DataFrame(
        {"run": range(10), "collapsed": ~b_held, "duration_h": np.where(b_held, 336.0, 100.0)}
    ).assign(horizon_h=336.0)
    result = paired_comparison(frame_a, frame_b)
    assert (result.survived_a_only, result.survived_b_only) == (2, 8)
    assert result.mcnemar_exact_p == pytest.approx(0.109375)
    assert result.diff == pytest.approx(0.6)
    # chi2 with continuity correction: (|8 - 2| - 1)^2 / 10 = 2.5 -> p = 0.11385
    assert result.mcnemar_chi2_p == pytest.approx(0.113846, rel=1e-4)
    # Durations: b - a = +236 in 8 pairs and -236 in 2 -> mean +141.6 h
    assert result.rmst_diff_h == pytest.approx(141.6)


def test_holm_applies_with_three_variants():
    analysis = analyse(
        runs_table({"russia": 0.01, "turkey": 0.008, "none": 0.02}, 300, seed=8, paired=True)
    )
    assert len(analysis.comparisons) == 3
    raw = [c.logrank_p for c in analysis.comparisons]
    assert [c.logrank_p_adjusted for c in analysis.comparisons] == pytest.approx(holm(raw))


def test_cause_and_first_violator_shares_on_hand_table():
    runs = pd.DataFrame(
        {
            "variant": ["russia"] * 5,
            "run": range(5),
            "horizon_h": 336.0,
            "duration_h": [10.0, 20.0, 30.0, 336.0, 336.0],
            "collapsed": [True, True, True, False, False],
            "cause": ["militia", "militia", "retaliation", "none", "none"],
            "first_violation_h": [1.0, 2.0, 3.0, 50.0, None],
            "first_violator": ["militia", "regime", "militia", "opposition", None],
            "violations_regime": [0, 1, 2, 0, 0],
            "violations_militia": [3, 1, 2, 0, 0],
            "violations_opposition": [0, 0, 0, 1, 0],
        }
    )
    analysis = analyse(runs)
    causes = analysis.causes["russia"]
    assert (causes["militia"].count, causes["militia"].total) == (2, 3)  # among collapsed runs
    assert causes["retaliation"].share == pytest.approx(1 / 3)
    assert causes["regime"].share == 0.0 and causes["regime"].upper > 0
    first = analysis.breakdown.first_violator["russia"]
    assert (first["militia"].count, first["militia"].total) == (2, 4)  # among runs with one
    violations = analysis.breakdown.violations["russia"]
    assert violations["militia"].mean == pytest.approx(6 / 5)
    assert violations["regime"].mean == pytest.approx(3 / 5)


def test_json_fields():
    analysis = analyse(runs_table({"russia": 0.01, "turkey": 0.008}, 300, seed=9, paired=True))
    data = analysis.to_dict()
    for label in ("russia", "turkey"):
        entry = data["variants"][label]
        for key in ("n", "median_h", "p_survive_336h", "p_survive_24h", "rmst_h", "rmst_ci_h"):
            assert key in entry
        assert entry["n"] == 300
        assert "first_violation" in entry and "causes" in entry
    (pair,) = data["comparisons"]
    for key in ("a", "b", "logrank_p", "logrank_p_adjusted", "hazard_ratio", "paired"):
        assert key in pair
    assert "mcnemar_exact_p" in pair["paired"]


def test_single_variant_has_no_comparisons_and_says_why():
    analysis = analyse(runs_table({"russia": 0.01}, 100, seed=10, paired=True))
    assert analysis.comparisons == []
    assert not analysis.can_compare
    assert any("two variants" in note for note in analysis.notes)
    assert "russia" in analysis.format_table()
