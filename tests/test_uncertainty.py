"""Answers under parameter uncertainty (sim.experiments.uncertainty*): the statistics on
made-up tables whose answer is known, and the command line end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.experiments import experiments
from sim.experiments.uncertainty_analysis import pair_uncertainty


def _table(rng: np.random.Generator, effect: np.ndarray, reps: int, shared: float = 0.3):
    """Paired 0/1 outcomes: A holds with 0.5 + shared luck; B = A's chance + effect[p]."""
    luck = rng.normal(0, shared, reps)  # replicate i's luck, the same at every draw
    u = rng.random((effect.size, reps))
    p_a = np.clip(0.5 + luck, 0.05, 0.95)[None, :]
    p_b = np.clip(p_a + effect[:, None], 0.0, 1.0)
    return (u < p_a).astype(float), (u < p_b).astype(float)


def test_the_sign_is_traced_to_the_parameter_that_sets_it() -> None:
    """B is 30 points better where x > 0.5 and 30 points worse below; y does nothing."""
    rng = np.random.default_rng(5)
    draws, reps = 200, 200
    x, y = rng.random(draws), rng.random(draws)
    y_a, y_b = _table(rng, np.where(x > 0.5, 0.3, -0.3), reps)
    pair = pair_uncertainty("A", "B", "survival", y_a, y_b, {"x": x, "y": y}, seed=1)
    share = (x > 0.5).mean()
    se = np.sqrt(share * (1 - share) / draws)
    assert abs(pair.p_better - share) < 4 * se + 0.02
    assert pair.p_better_ci[0] < share < pair.p_better_ci[1]
    assert [d.key for d in pair.dependence] == ["x", "y"]
    top, other = pair.dependence
    assert top.rho > 0.6 and top.p_holm < 1e-6  # a step in x: rho at most sqrt(3)/2
    assert abs(other.rho) < 0.2 and other.p_holm > 0.01
    assert top.better_below < 0.05 and top.better_above > 0.95
    lo, hi = pair.parameter_range
    assert lo < -0.2 and hi > 0.2  # the spread over parameters, not only run noise


def test_pure_run_noise_is_not_reported_as_parameter_spread() -> None:
    """No parameter matters: the spread between draws is run noise, and the range over
    parameters shrinks to (nearly) nothing."""
    rng = np.random.default_rng(6)
    draws, reps = 100, 100
    y_a, y_b = _table(rng, np.full(draws, 0.1), reps)
    pair = pair_uncertainty("A", "B", "survival", y_a, y_b, {"x": rng.random(draws)}, seed=2)
    raw = np.quantile(pair.per_draw, [0.025, 0.975])
    assert pair.noise_share > 0.6
    assert pair.parameter_range[1] - pair.parameter_range[0] < 0.6 * (raw[1] - raw[0])
    assert pair.p_better > 0.9  # B is better at every draw


def test_the_interval_of_the_difference_covers_with_shared_luck() -> None:
    """Replicates share their luck across draws, and here the luck moves B more than A,
    so the difference itself depends on it. The two-way bootstrap interval of the mean
    difference must still cover the truth about 95% of the time (an interval over draws
    alone covers about 70% here)."""
    rng = np.random.default_rng(0)
    e, luck = rng.normal(0.05, 0.05, 1_000_000), rng.normal(0, 0.2, 1_000_000)
    truth = np.mean(np.clip(0.5 + e + 1.8 * luck, 0, 1) - np.clip(0.5 + luck, 0, 1))
    rng = np.random.default_rng(7)
    trials, draws, reps = 120, 30, 40
    covered = 0
    for t in range(trials):
        effect = rng.normal(0.05, 0.05, draws)
        luck = rng.normal(0, 0.2, reps)
        u = rng.random((draws, reps))
        y_a = (u < np.clip(0.5 + luck, 0, 1)[None, :]).astype(float)
        y_b = (u < np.clip(0.5 + effect[:, None] + 1.8 * luck[None, :], 0, 1)).astype(float)
        pair = pair_uncertainty("A", "B", "survival", y_a, y_b, {}, seed=t, n_boot=400)
        covered += pair.difference_ci[0] <= truth <= pair.difference_ci[1]
    # 95% nominal; the binomial sd at 120 trials is 2 points: allow 3 sd below.
    assert covered / trials > 0.95 - 3 * np.sqrt(0.95 * 0.05 / trials)


def test_the_experiment_is_found() -> None:
    assert "uncertainty" in experiments()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_study_compare_and_report_carry_the_uncertainty(tmp_path: Path) -> None:
    out = tmp_path / "study"
    run = _cli(
        "study",
        "--runs",
        "300",
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
        "--vary",
        "mediators.turkey.conduct.patrol_capacity=0:0.5",
        "--vary",
        "mediators.turkey.leverage.militia=0:0.4",
        "--draws",
        "16",
        "--runs-per-draw",
        "20",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "does better with probability" in run.stdout
    data = json.loads((out / "uncertainty" / "uncertainty.json").read_text())
    survival = data["pairs"][0]
    assert survival["label_a"] == "russia" and survival["label_b"] == "turkey"
    assert 0.0 <= survival["p_better"] <= 1.0 and survival["draws"] == 16
    assert 'id="uncertainty"' in (out / "report.html").read_text()
    shown = _cli("compare", str(out), cwd=tmp_path)
    assert shown.returncode == 0 and "P(turkey better)" in shown.stdout


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("mediators.turkey.no_such=0:1", "no_such"),
        ("mediators.turkey.conduct.patrol_capacity=0.5:0.1", "LOW < HIGH"),
        ("mediators.turkey.conduct.patrol_capacity", "KEY=LOW:HIGH"),
    ],
)
def test_bad_ranges_are_refused_before_any_work(tmp_path: Path, option: str, message: str):
    out = tmp_path / "study"
    run = _cli("study", "--runs", "50", "--out", str(out), "--vary", option, cwd=tmp_path)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_pigeonhole_weights_resample_rows_and_columns_independently() -> None:
    from sim.stats.bootstrap import grand_means, pigeonhole_weights, row_moments

    rng = np.random.default_rng(3)
    y = rng.random((7, 11))
    rows, cols = pigeonhole_weights(7, 11, 500, rng)
    assert (rows.sum(axis=1) == 7).all() and (cols.sum(axis=1) == 11).all()
    ones = grand_means(y, np.ones((1, 7)), np.ones((1, 11)))
    assert ones[0] == pytest.approx(y.mean())
    first, sd = row_moments(y, np.ones((1, 11)))
    assert np.allclose(first[:, 0], y.mean(axis=1)) and np.allclose(sd[:, 0], y.std(1, ddof=1))
    # Every replicate is a mean of resampled cells: inside the table's range.
    means = grand_means(y, rows, cols)
    assert y.min() <= means.min() and means.max() <= y.max()
