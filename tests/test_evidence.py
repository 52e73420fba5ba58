"""Evidence tooling: scores on a hand-made example, baselines, the backtest engine and
the competing-risks reference class."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim.cli import main
from sim.evidence.backtest import Case, SamplePredictor, format_table, run_backtest
from sim.evidence.baselines import (
    ReferenceClassBaseline,
    SurvivalRegressionBaseline,
    case_covariates,
    region_of,
)
from sim.evidence.distribution import Discretisation, PredictiveDistribution
from sim.evidence.scores import LOG_FLOOR, Outcome, brier, brier_skill, log_score, log_skill
from sim.reference import ReferenceFilter, load_reference_table, reference_class, term_days

DISC = Discretisation(edges_days=(1.0, 7.0, 14.0))
# Bins [0, 1], (1, 7], (7, 14], > 14. Rows: breakdown, replaced, expired.
PROBS = np.array([[0.1, 0.2, 0.1], [0.05, 0.1, 0.05], [0.0, 0.1, 0.1]])
HAND = PredictiveDistribution(DISC, PROBS, 0.2)


@pytest.mark.parametrize(
    "outcome,briers,log_p",
    [
        # Broke down on day 5: p(within 1) = 0.1 (y 0), p(7) = 0.3 (y 1), p(14) = 0.4 (y 1).
        (Outcome("breakdown", 5.0), (0.01, 0.49, 0.36), 0.2),
        # Replaced on day 10: never broke down: y = 0 at every horizon.
        (Outcome("replaced", 10.0), (0.01, 0.09, 0.16), 0.05),
        # Still holding when observation stopped on day 3: only "within 1 day" is known;
        # log score of "no ending by day 3": bins (1, 7], (7, 14] and > 14 = 0.85.
        (Outcome(None, 3.0), (0.01, None, None), 0.85),
        # Expired within the first day: a cell given 0, floored.
        (Outcome("expired", 0.5), (0.01, 0.09, 0.16), LOG_FLOOR),
        # Broke down on day 20: after the last edge, scored as "beyond" whatever the ending.
        (Outcome("breakdown", 20.0), (0.01, 0.09, 0.16), 0.2),
        # Seen holding at exactly 14 days: it did not end in (7, 14].
        (Outcome(None, 14.0), (0.01, 0.09, 0.16), 0.2),
    ],
)
def test_brier_and_log_score_on_a_hand_made_example(outcome, briers, log_p):
    for days, expected in zip((1.0, 7.0, 14.0), briers, strict=True):
        got = brier(HAND, outcome, days)
        assert got is None if expected is None else got == pytest.approx(expected)
    assert log_score(HAND, outcome) == pytest.approx(math.log(log_p))


def test_skills_hand_values():
    assert brier_skill([0.1, 0.3], [0.2, 0.4], "b").value == pytest.approx(1 - 0.2 / 0.3)
    skill = log_skill([-1.0, -2.0, -1.5], [-2.0, -2.5, -2.0], "b")
    assert skill.value == pytest.approx(2 / 3) and skill.low < skill.value < skill.high


def test_distribution_from_samples_and_its_checks():
    dist = PredictiveDistribution.from_samples(
        ["breakdown", "replaced", None, "expired"], [0.5, 3.0, 14.0, 30.0], DISC
    )
    assert dist.probs[0, 0] == 0.25 and dist.probs[1, 1] == 0.25 and dist.p_beyond == 0.5
    with pytest.raises(ValueError, match="before the last edge"):
        PredictiveDistribution.from_samples([None], [10.0], DISC)
    with pytest.raises(ValueError, match="sum to 1"):
        PredictiveDistribution(DISC, PROBS, 0.5)


# ------------------------------------------------------------------ baselines and engine


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    """Six coded ceasefires of the table, described as a user would."""
    table = load_reference_table()
    rows = table[(table["included"] == 1) & table["country"].isin(["Colombia", "Syria"])]
    rows = rows.groupby("outcome").head(2).head(6)
    out = []
    for r in rows.itertuples():
        ending = r.outcome if r.outcome in ("breakdown", "replaced", "expired") else None
        term = term_days(table.loc[[r.Index]]).iloc[0]
        out.append(
            Case(
                id=f"cf-{r.uniq_id}",
                uniq_ids=(str(r.uniq_id),),
                outcome=Outcome(ending, float(r.duration_days)),
                covariates={
                    "written": r.written in (1, 2),
                    "fixed": r.fixed == 1,
                    "term_days": 0.0 if math.isnan(term) else float(term),
                    "mediated": r.mediated == 1,
                    "country": r.country,
                },
                reference_filter=ReferenceFilter(country=r.country, fixed_term=r.fixed == 1),
            )
        )
    return out


def test_reference_baseline_leaves_the_case_out(cases):
    case = cases[0]
    baseline = ReferenceClassBaseline(DISC, min_n=1)
    dist = baseline.predict(case)
    assert dist.probs.sum() + dist.p_beyond == pytest.approx(1.0)
    n_with = len(reference_class(case.reference_filter).sample)
    assert f"n={n_with - 1})" in dist.note


def test_reference_baseline_widens_a_class_too_small():
    case = Case("tiny", ("0",), Outcome(None, 1.0),
                reference_filter=ReferenceFilter(country="Syria", mediator="Turkey"))  # fmt: skip
    dist = ReferenceClassBaseline(DISC, min_n=30).predict(case)
    assert "Turkey" not in dist.note


def test_survival_regression_predicts_a_proper_distribution(cases):
    model = SurvivalRegressionBaseline(DISC)
    dist = model.predict(cases[0])
    assert np.all(dist.probs >= 0) and dist.probs.sum() + dist.p_beyond == pytest.approx(1.0)
    # Open-ended, unwritten ceasefires break down more often than written fixed-term ones
    # in the data; the fitted model must say so.
    risky = Case("risky", (), Outcome(None, 1.0), {"fixed": False, "country": "Syria"})
    safe = Case("safe", (), Outcome(None, 1.0),
                {"fixed": True, "term_days": 30, "written": True, "country": "Syria"})  # fmt: skip
    assert model.predict(risky).p_ending_within("breakdown", 14.0) > model.predict(
        safe
    ).p_ending_within("breakdown", 14.0)


def test_case_covariates_regions():
    assert region_of("Turkey ") == "Middle East" and region_of("Mali") == "Africa"
    frame = case_covariates({"region": "Europe", "fixed": True, "term_days": 6})
    assert frame.loc[0, "region_Europe"] == 1.0
    assert frame.loc[0, "log_term_days"] == pytest.approx(math.log(7))


def test_backtest_engine_scores_and_ranks_an_oracle_first(cases, tmp_path):
    rng = np.random.default_rng(20210828)
    truth = {c.id: c.outcome for c in cases}

    def oracle(case: Case):
        # 90% of samples reproduce what happened (ending, time), 10% are noise.
        o = truth[case.id]
        n = 500
        keep = rng.random(n) < 0.9
        times = np.where(keep, o.time_days, rng.uniform(0, 30, n))
        ends = [(o.ending if k else "breakdown") for k in keep]
        ends = [
            e if (e is not None or t >= 14) else "replaced"
            for e, t in zip(ends, times, strict=True)
        ]
        times = np.where([e is None for e in ends], np.maximum(times, 14.0), times)
        return ends, times

    predictors = [
        SamplePredictor("oracle", oracle, DISC),
        ReferenceClassBaseline(DISC),
        SurvivalRegressionBaseline(DISC),
    ]
    result = run_backtest(cases, predictors, discretisation=DISC)
    assert len(result.per_case) == len(cases) * 3
    overall = result.overall.set_index("predictor")
    assert overall.loc["oracle", "log_score"] > overall.loc["reference class", "log_score"]
    assert overall.loc["oracle", "log_score"] > overall.loc["survival regression", "log_score"]
    skill = result.skill.set_index(["predictor", "baseline", "score"])
    assert skill.loc[("oracle", "reference class", "log_score"), "skill"] > 0
    paths = result.write(tmp_path)
    data = json.loads(paths[0].read_text())
    assert data["log_floor"] == LOG_FLOOR and len(data["per_case"]) == len(cases) * 3
    assert paths[1].stat().st_size > 1000
    assert "Skill against each baseline" in format_table(result)


def test_backtest_refuses_mismatched_bins_and_unknown_baselines(cases):
    with pytest.raises(ValueError, match="baselines"):
        run_backtest(cases[:1], [ReferenceClassBaseline(DISC)], baselines=("nope",))
    with pytest.raises(ValueError, match="other bins"):
        run_backtest(cases[:1], [ReferenceClassBaseline()], baselines=(), discretisation=DISC)


# ------------------------------------------------------------------ competing reference


def test_min_term_days_keeps_open_ended_and_long_terms():
    ref = reference_class(ReferenceFilter(min_term_days=7))
    sample = ref.sample
    term = term_days(sample)
    assert ((sample["fixed"] == 0) | ((sample["fixed"] == 1) & (term >= 7))).all()
    assert len(sample) < len(reference_class().sample)


def test_reference_competing_command_json(capsys, tmp_path):
    plot = tmp_path / "cif.png"
    code = main(["reference", "--competing", "--min-term-days", "7", "--json",
                 "--plot", str(plot)])  # fmt: skip
    assert code == 0 and plot.stat().st_size > 1000
    data = json.loads(capsys.readouterr().out)
    counts = data["counts"]
    assert sum(counts.values()) == data["n"]
    previous = data["n"] + 1
    for row in data["table"]:
        total = sum(row[e]["estimate"] for e in ("breakdown", "replaced", "expired"))
        assert total <= 1.0 + 1e-9
        # Censoring the other endings can only overstate breakdown.
        assert row["km_breakdown"]["estimate"] >= row["breakdown"]["estimate"] - 1e-9
        assert row["at_risk"] <= previous
        previous = row["at_risk"]
        for e in ("breakdown", "replaced", "expired"):
            if row[e]["low"] is not None:
                assert 0.0 <= row[e]["low"] <= row[e]["estimate"] <= row[e]["high"] <= 1.0
    assert data["unknown_endings"]["n"] > 0 and data["unknown_endings"]["statement"]


def test_reference_competing_text_prints_at_risk(capsys):
    assert main(["reference", "--competing", "--country", "Syria"]) == 0
    out = capsys.readouterr().out
    assert "at risk" in out and "Unclear endings:" in out


def test_backtest_command_scores_the_baselines(capsys, tmp_path):
    # Daraa, July 2018 (broke down after 2 days) and Hodeidah, December 2018 (in force).
    code = main(["backtest", "--case", "652132", "--case", "678060", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "reference class" in out and "survival regression" in out
    data = json.loads((tmp_path / "backtest.json").read_text())
    assert {r["case"] for r in data["per_case"]} == {
        "Syria 2018-07-06 (652132)",
        "Yemen (North Yemen) 2018-12-13 (678060)",
    }
    assert (tmp_path / "backtest.png").is_file()


def test_backtest_command_refuses_an_unscorable_case(capsys):
    # Minsk II (369034): the dataset does not say how it ended.
    assert main(["backtest", "--case", "369034"]) == 2
    err = capsys.readouterr().err
    assert "369034" in err and "unknown" in err and "Traceback" not in err
