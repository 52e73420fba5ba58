"""`ceasefire optimise`: the search finds a known optimum and never exceeds the budget."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.cli import main
from sim.optimise import fit_budget, search
from tests.helpers import DEFAULT


def test_search_finds_the_known_optimum_of_a_toy_budget_problem():
    # Maximise sum w_i sqrt(x_i) subject to sum c_i x_i <= B: by Lagrange,
    # x_i = B w_i^2 / (c_i^2 sum_j w_j^2 / c_j).
    w = np.array([1.0, 2.0, 0.5])
    c = np.array([1.0, 4.0, 0.5])
    budget = 2.0
    optimum = budget * w**2 / (c**2 * np.sum(w**2 / c))
    best, n = search(
        lambda x: np.sqrt(x) @ w,
        base=np.zeros(3),
        high=np.full(3, 2.0),
        costs=c,
        budget=budget,
        seed=1,
        maxiter=150,
        popsize=10,
    )
    assert n > 100
    assert best[0] == pytest.approx(optimum, abs=0.03)
    assert best[0] @ c <= budget + 1e-9


def test_packages_over_budget_are_scaled_back_onto_it():
    inc = np.array([[1.0, 1.0], [0.1, 0.0]])
    fitted = fit_budget(inc, np.array([2.0, 3.0]), 1.0)
    assert fitted[0] @ [2.0, 3.0] == pytest.approx(1.0)
    assert np.allclose(fitted[1], inc[1])


def test_cli_returns_packages_within_budget(tmp_path, capsys):
    argv = ["optimise", str(DEFAULT), "--mediator", "turkey", "--budget", "2", "--runs", "40"]
    argv += ["--check-runs", "200", "--generations", "2", "--json", "--out", str(tmp_path / "o")]
    argv += ["--uncertain", "actors.militia.spoiling=1:3", "--draws", "2", "--robust", "worst"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert all(p["cost"] <= 2 + 1e-9 for p in data["best"])
    assert all(p["low"] <= p["survival"] <= p["high"] for p in data["best"])
    assert (tmp_path / "o" / "optimum.json").exists()


def test_cli_refuses_an_unknown_lever(capsys):
    argv = ["optimise", str(DEFAULT), "--mediator", "turkey", "--budget", "2", "--cost", "x=1"]
    assert main(argv) == 2
    assert "no lever 'x'" in capsys.readouterr().err
