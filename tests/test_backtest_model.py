"""The model in the backtest: case folders, the run -> ending rule, a synthetic case with a
known answer, leave-one-out calibration, the CLI end to end, and an SBC coverage check."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom

from sim.cli import main
from sim.evidence.library import CASES_DIR, list_cases, load_case
from sim.evidence.library_backtest import (
    CALIBRATED,
    MODEL,
    backtest_library,
    scoreable,
    training_only,
)
from sim.evidence.model_predictor import model_case, runs_to_samples
from sim.evidence.sbc import sbc_coverage
from sim.evidence.scores import Outcome
from sim.reference import load_reference_table

DARAA = CASES_DIR / "daraa_2018"


def synthetic_case(root: Path, name: str, base: float, threshold: float, **outcome) -> Path:
    """daraa_2018 with every party's base log-odds and the collapse threshold replaced.

    One truce per run: the case's `[campaign]` table and its count are left out, so that
    each test adds a campaign only where it means to.
    """
    folder = root / name
    shutil.copytree(DARAA, folder)
    (folder / "daraa_2018.toml").unlink()
    text = (DARAA / "daraa_2018.toml").read_text()
    text = re.sub(r"(?ms)^\[campaign\]\n.*?(?=^\[|\Z)", "", text)
    assert "[campaign]" not in text
    # Actor bases are the only ones at -6 or below; talks.base (-0.5) stays.
    text = re.sub(r"base = \{ value = -[678]\.\d", f"base = {{ value = {base}", text)
    text = text.replace(
        "collapse_threshold = { value = 2.5", f"collapse_threshold = {{ value = {threshold}"
    )
    (folder / f"{name}.toml").write_text(text)
    data = json.loads((DARAA / "outcome.json").read_text())
    data.pop("n_truces_in_campaign", None)
    data = data | outcome
    (folder / "outcome.json").write_text(json.dumps(data))
    return folder


@pytest.fixture(scope="module")
def table():
    return load_reference_table()


def test_library_lists_every_case_folder(tmp_path):
    assert DARAA in list_cases()
    synthetic_case(tmp_path, "b_case", -6.5, 2.5)
    synthetic_case(tmp_path, "a_case", -6.5, 2.5)
    (tmp_path / "not_a_case").mkdir()
    assert [p.name for p in list_cases(tmp_path)] == ["a_case", "b_case"]
    case = load_case(DARAA)
    assert case.ending == "breakdown" and case.ending_h == 48 and case.uniq_ids == ("652132",)


def test_runs_map_to_endings_by_the_kind_of_term():
    runs = {"collapsed": np.array([True, False]), "duration_h": np.array([30.0, 336.0])}
    endings, days = runs_to_samples(runs, 336.0, fixed_term=True)
    assert endings == ["breakdown", "expired"] and list(days) == [1.25, 14.0]
    endings, days = runs_to_samples(runs, 336.0, fixed_term=False)
    assert endings == ["breakdown", None]


def test_open_ended_horizon_is_extended_to_the_last_bin_edge(tmp_path):
    folder = synthetic_case(tmp_path, "short", -6.5, 2.5)
    path = folder / "short.toml"
    path.write_text(
        path.read_text().replace("horizon_h = { value = 336.0", "horizon_h = { value = 48.0")
    )
    lib = load_case(folder)
    assert model_case(lib, False, Outcome("breakdown", 1.0)).scenario.horizon_h == 336.0
    assert model_case(lib, True, Outcome("expired", 2.0)).scenario.horizon_h == 48.0


def test_a_truce_made_to_collapse_at_once_scores_by_what_happened(tmp_path, table):
    # Known answer: parties that fire every hour and a hair-trigger threshold collapse in
    # the first day. When the truce did break down within hours, that model must beat both
    # base rates; when it held for the whole two weeks (open-ended, censored), it must lose.
    quick = synthetic_case(tmp_path, "quick", 3.0, 0.05, ending="breakdown", ending_h=6)
    held = synthetic_case(tmp_path / "h", "held", 3.0, 0.05, ending="breakdown", ending_h=600)
    for folder, wins in ((quick, True), (held, False)):
        result = backtest_library([folder], table, runs=400, seed=1).result
        rows = result.per_case.set_index("predictor")
        assert rows.loc[MODEL, "p_breakdown_1d"] > 0.95
        for base in ("reference class", "survival regression"):  # those forecasting endings
            assert bool(rows.loc[MODEL, "log_score"] > rows.loc[base, "log_score"]) is wins


def test_leave_one_out_calibration_uses_only_the_other_cases(tmp_path, table):
    synthetic_case(tmp_path, "quick", 3.0, 0.05, ending="breakdown", ending_h=6)
    # Daraa's own scenario, but as if it had broken down after six hours.
    synthetic_case(tmp_path, "early", -6.5, 2.5, ending="breakdown", ending_h=6)
    done = backtest_library(
        list_cases(tmp_path), table, runs=200, seed=2, calibrate=True, draws=2000, accept=0.05
    )
    notes = done.result.per_case.set_index(["case", "predictor"])["note"]
    assert "1 other case" in notes[("quick", CALIBRATED)]
    assert set(done.posteriors) == {"quick", "early"}
    # The posterior for "quick" learned only from "early", an ordinary truce that broke
    # down within hours: the shared shift of the bases moves up (more violence). With no
    # learning the mean of 100 uniform(-1.5, 1.5) draws has sd 0.087; 3 sd = 0.26.
    shift = done.posteriors["quick"]["base_shift"]
    assert len(shift) == 100 and shift.mean() > 0.26


def test_backtest_command_scores_the_model_on_the_library(tmp_path, capsys):
    synthetic_case(tmp_path / "cases", "quick", 3.0, 0.05, ending="breakdown", ending_h=6)
    synthetic_case(tmp_path / "cases", "unknown", -6.5, 2.5, ending=None)
    out = tmp_path / "out"
    args = ["backtest", "--cases-dir", str(tmp_path / "cases"), "--runs", "200", "--out", str(out)]
    assert main([*args, "--calibrate", "--draws", "500"]) == 0
    text = capsys.readouterr().out
    assert "Does the model beat the baselines?" in text and "Skipped unknown" in text
    data = json.loads((out / "backtest.json").read_text())
    assert {r["predictor"] for r in data["per_case"]} == {
        MODEL,
        CALIBRATED,
        "reference class",
        "survival regression",
        "case base rate",
    }
    # One scored case: the case base rate has no other case, so every score is n/a.
    assert "log_first_violation" in data["per_case"][0]
    assert "n/a" in text
    assert (out / "backtest.png").is_file()


def test_backtest_command_refuses_a_bad_outcome_file(tmp_path, capsys):
    folder = synthetic_case(tmp_path, "bad", -6.5, 2.5, ending="surrender")
    assert main(["backtest", "--cases-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(folder / "outcome.json") in err and "ending" in err and "Traceback" not in err
    assert main(["backtest", "--cases-dir", str(tmp_path / "none")]) == 2
    assert "no case" in capsys.readouterr().err


def test_abc_intervals_cover_about_ninety_percent_of_synthetic_truths():
    template = model_case(load_case(DARAA), False, Outcome("breakdown", 2.0))
    n = 100
    cov = sbc_coverage(template, n_cases=3, n_truths=n, n_draws=5000, accept=0.02, seed=0)
    # Each parameter's count is Binomial(100, 0.9) if the method is calibrated; the
    # central 99.9% range, so four parameters fail together by chance about 0.4% of the time.
    low, high = binom.ppf(0.0005, n, 0.9), binom.isf(0.0005, n, 0.9)
    for key, covered in cov.covered.items():
        assert low <= covered <= high, (key, covered, (low, high))


def test_a_truce_still_in_force_is_censored_at_its_last_observation(tmp_path, table):
    # Hodeidah (678060) is still in force at the end of the ETH/PRIO data.
    folder = synthetic_case(
        tmp_path, "holding", -6.5, 2.5, ending="in_force", ending_h=None, ethprio_uniq_id=[678060]
    )
    pairs, skipped = scoreable([folder], table)
    assert not skipped
    ((case, model),) = pairs
    assert case.outcome.ending is None and case.outcome.time_days > 14
    assert model.observed == case.outcome


def test_first_violation_and_truce_count_enter_only_where_the_case_can_produce_them(tmp_path):
    plain = load_case(synthetic_case(tmp_path, "plain", -6.5, 2.5, n_truces_in_campaign=3))
    mc = model_case(plain, False, Outcome("breakdown", 2.0))
    assert mc.first_violation_h == 45.0 and mc.n_truces is None
    assert any("no [campaign]" in why for why in mc.left_out)
    folder = synthetic_case(tmp_path, "campaign", -6.5, 2.5, n_truces_in_campaign=3)
    path = folder / "campaign.toml"
    values = {"length_h": 2016.0, "extension": 0.5, "rebroker_base": -1.0}
    path.write_text(
        path.read_text()
        + "\n[campaign]\n"
        + "".join(
            f'{k} = {{ value = {v}, source = "assumption: test" }}\n' for k, v in values.items()
        )
    )
    mc = model_case(load_case(folder), False, Outcome("breakdown", 2.0))
    assert mc.n_truces == 3 and mc.left_out == ()
    # The model then forecasts the count: more than one truce in some runs.
    from sim.evidence.model_predictor import simulate_runs

    runs = simulate_runs(mc, 200, 0)
    assert runs.n_truces.max() > 1 and runs.n_truces.min() >= 1


def test_the_time_to_first_violation_moves_the_shared_posterior():
    # Same ending and time, first violation within the hour or after ten days: the shared
    # shift of the parties' violence must come out higher for the early one.
    from sim.evidence.shared_abc import LeaveOneOutABC

    lib = load_case(DARAA)
    base = model_case(lib, False, Outcome(None, 14.0))
    early = dataclasses.replace(base, name="early", first_violation_h=0.5)
    late = dataclasses.replace(base, name="late", first_violation_h=240.0)
    shifts = {}
    for case in (early, late):
        shifts[case.name] = LeaveOneOutABC([case], 2000, 0.05, seed=3).posterior(None)["base_shift"]
    # 100 kept draws each; prior sd of a mean of 100 uniform(-1.5, 1.5) draws is 0.087.
    assert shifts["early"].mean() - shifts["late"].mean() > 3 * 0.087 * 2**0.5


def test_a_case_without_an_ethprio_row_joins_the_calibration_only(tmp_path, table):
    synthetic_case(tmp_path, "scored", -6.5, 2.5)
    synthetic_case(tmp_path, "rowless", 3.0, 0.05, ethprio_uniq_id=[], fixed_term=False)
    synthetic_case(tmp_path, "unknown_term", 3.0, 0.05, ethprio_uniq_id=[])
    (extra,) = training_only(list_cases(tmp_path))
    assert extra.name == "rowless" and not extra.fixed_term
    done = backtest_library(
        list_cases(tmp_path), table, runs=50, seed=0, calibrate=True, draws=200, accept=0.1
    )
    assert set(done.result.per_case["case"]) == {"scored"}
    notes = done.result.per_case.set_index(["case", "predictor"])["note"]
    assert "1 other case" in notes[("scored", CALIBRATED)]
    why = dict(done.skipped)
    assert "calibration only" in why["rowless"] and "calibration only" not in why["unknown_term"]
