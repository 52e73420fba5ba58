"""`ceasefire explain`: exact Shapley values over group swaps, with common random numbers."""

from __future__ import annotations

import json
from itertools import combinations
from math import factorial

import numpy as np
import pytest

from sim.cli import main
from sim.explain.decompose import coalition_sets, decompose
from sim.explain.groups import GROUPS, GroupSpec, resolve_groups
from sim.explain.shapley import coalitions, shapley
from sim.model import simulate_worlds
from sim.scenario import apply_overrides, load_scenario
from tests.helpers import DEFAULT, edit, scenario_copy


def _mask(members) -> int:
    return sum(1 << j for j in members)


def _shapley_by_definition(v, k: int) -> np.ndarray:
    """The textbook formula, one marginal contribution at a time (the reference)."""
    phi = np.zeros(k)
    for j in range(k):
        others = [i for i in range(k) if i != j]
        for size in range(k):
            for s in combinations(others, size):
                w = factorial(size) * factorial(k - size - 1) / factorial(k)
                phi[j] += w * (v[_mask((*s, j))] - v[_mask(s)])
    return phi


def test_k_groups_give_2_to_the_k_coalitions():
    for k in range(6):
        members = coalitions(k)
        assert members.shape == (2**k, k)
        assert len({tuple(r) for r in members}) == 2**k  # all distinct
    assert not coalitions(3)[0].any() and coalitions(3)[-1].all()  # A first, B last


def test_additive_game_gives_each_player_its_own_effect():
    effects = np.array([3.0, -1.5, 0.25, 7.0])
    v = coalitions(4) @ effects + 10.0
    assert np.allclose(shapley(v), effects, atol=1e-12)


def test_symmetric_players_share_equally_and_the_null_player_gets_nothing():
    # Only the pair {0, 1} together produces 6 (an interaction); player 2 never matters.
    members = coalitions(3)
    v = np.where(members[:, 0] & members[:, 1], 6.0, 0.0)
    assert np.allclose(shapley(v), [3.0, 3.0, 0.0], atol=1e-12)


def test_efficiency_and_the_textbook_formula_on_random_games():
    rng = np.random.default_rng(7)
    for k in (1, 2, 5, 7):
        v = rng.normal(size=2**k) * 100
        phi = shapley(v)
        assert phi.sum() == pytest.approx(v[-1] - v[0], abs=1e-9)
        assert np.allclose(phi, _shapley_by_definition(v, k), atol=1e-9)


def test_groups_partition_the_mediator_file():
    scenario = load_scenario(DEFAULT)
    keys = list(scenario.mediator("russia").values)
    groups = resolve_groups(scenario.party_keys, keys)
    flat = [k for g in groups for k in g.keys]
    assert sorted(flat) == sorted(keys)  # every key once
    names = [g.name for g in groups]
    assert {"patrols", "leverage.militia", "credibility.regime", "spoilers"} <= set(names)
    with pytest.raises(ValueError, match=r"conduct\.resolve"):
        resolve_groups(
            scenario.party_keys, keys, (*GROUPS, GroupSpec("x", "x", ("conduct.resolve",)))
        )


def test_coalition_sets_swap_exactly_the_groups_in_the_coalition():
    scenario = load_scenario(DEFAULT).with_mediators(["russia", "turkey"])
    a, b = dict(scenario.mediator("russia").values), dict(scenario.mediator("turkey").values)
    groups = resolve_groups(scenario.party_keys, list(a))
    names = [g.name for g in groups]
    players = [names.index("patrols"), names.index("resolve")]
    sets = coalition_sets(groups, players, a, b, "russia")
    assert {len(v) for v in sets.values()} == {4}
    cap = sets["mediators.russia.conduct.patrol_capacity"]
    res = sets["mediators.russia.conduct.resolve"]
    assert list(cap) == [0.4, 0.0, 0.4, 0.0] and list(res) == [0.25, 0.25, 0.5, 0.5]


@pytest.fixture(scope="module")
def russia_turkey_patrols():
    """Russia, and Russia with Turkey's patrols plus a tiny change in "other"."""
    scenario = load_scenario(DEFAULT).with_mediators(["russia", "turkey"])
    russia = scenario.mediator("russia").values
    turkey = scenario.mediator("turkey").values
    overrides = {f"mediators.turkey.{k}": v for k, v in russia.items()}
    for key in ("conduct.patrol_capacity", "conduct.patrol_start_h"):
        overrides[f"mediators.turkey.{key}"] = turkey[key]
    overrides["mediators.turkey.conduct.credibility_loss"] = 0.105  # 0.1 in Russia's file
    return apply_overrides(scenario, overrides)


def test_a_difference_caused_by_patrols_is_assigned_to_patrols(russia_turkey_patrols):
    runs = 2000
    d = decompose(russia_turkey_patrols, "russia", "turkey", runs=runs, seed=3, n_boot=300)
    names = [g.name for g in d.groups]
    assert d.n_coalitions == 4  # patrols and "other" differ
    for metric in ("survival", "rmst"):
        phi = d.contributions[metric]
        assert phi.sum() == pytest.approx(d.difference[metric], abs=1e-9)
        patrols = phi[names.index("patrols")]
        # Turkey has no patrols: a large loss (docs/levers.md: -14 points under Russia).
        assert patrols < 0 and abs(patrols) >= 0.9 * abs(d.difference[metric])
        lo, hi = d.intervals[metric][names.index("patrols")]
        assert lo <= patrols <= hi < 0
    assert d.difference["survival"] < -0.05


def test_russia_turkey_decomposition_adds_up_and_its_ends_are_the_mediators():
    """The full coalition is Turkey itself: same runs, same outcomes as simulating Turkey."""
    scenario = load_scenario(DEFAULT).with_mediators(["russia", "turkey"])
    runs, seed = 3, 11
    d = decompose(scenario, "russia", "turkey", runs=runs, seed=seed, n_boot=20)
    assert d.n_coalitions == 2**13  # 13 of the 14 groups differ; "other" does not
    for metric in ("survival", "rmst"):
        assert d.contributions[metric].sum() == pytest.approx(d.difference[metric], abs=1e-9)
    for name, value in (("russia", d.value_a), ("turkey", d.value_b)):
        out = simulate_worlds(scenario, name, runs, seed)
        assert value["rmst"] == pytest.approx(np.minimum(out["duration_h"], 336.0).mean())


def test_cli_writes_table_json_and_figures(tmp_path, capsys):
    path = scenario_copy(tmp_path)
    mediators = path.parent / "mediators"
    twin = mediators / "russia_nopatrols.toml"
    twin.write_text((mediators / "russia.toml").read_text())
    edit(twin, 'name = "russia"', 'name = "russia_nopatrols"')
    edit(twin, "patrol_capacity = { value = 0.4,", "patrol_capacity = { value = 0.0,")
    out = tmp_path / "out"
    argv = ["explain", str(path), "--mediator", "russia", "--mediator", "russia_nopatrols"]
    assert main([*argv, "--runs", "200", "--bootstrap", "100", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "patrols" in text and "total difference" in text
    data = json.loads((out / "decomposition.json").read_text())
    assert data["coalitions"] == 2
    surv = data["metrics"]["survival"]
    assert surv["sum_of_contributions"] == pytest.approx(surv["difference"], abs=1e-9)
    assert (out / "figures" / "waterfall_survival.png").stat().st_size > 0


def test_cli_refuses_one_mediator(capsys):
    assert main(["explain", str(DEFAULT), "--mediator", "russia"]) == 2
    assert "expected exactly two mediators" in capsys.readouterr().err


@pytest.mark.slow
def test_compare_explains_two_mediators_and_the_report_shows_it(tmp_path, capsys):
    batch = tmp_path / "batch"
    argv = ["batch", str(DEFAULT), "--mediator", "russia", "--mediator", "turkey"]
    assert main([*argv, "--runs", "50", "--workers", "1", "--quiet", "--out", str(batch)]) == 0
    assert main(["compare", str(batch), "--explain", "2"]) == 0
    out = capsys.readouterr().out
    assert "total difference" in out and "patrols" in out
    data = json.loads((batch / "explain" / "decomposition.json").read_text())
    assert data["seed"] == json.loads((batch / "manifest.json").read_text())["seed"]
    assert main(["report", str(batch)]) == 0
    assert 'id="explain"' in (batch / "report.html").read_text()


def test_compare_explain_refuses_more_than_two_variants(tmp_path, capsys):
    batch = tmp_path / "batch"
    argv = ["batch", str(DEFAULT), "--mediator", "russia", "--mediator", "turkey"]
    argv += ["--variant", "patrols_in_force", "--runs", "5", "--workers", "1", "--quiet"]
    assert main([*argv, "--out", str(batch)]) == 0
    capsys.readouterr()
    assert main(["compare", str(batch), "--explain", "2"]) == 2
    assert "exactly two mediators" in capsys.readouterr().err
