"""Parties and terms as data, parameters per world, one implementation of the rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.errors import UserError
from sim.model import CeasefireModel, simulate_worlds
from sim.rules import layout
from sim.scenario import apply_overrides, load_scenario
from sim.worlds import parameter_sets
from tests.helpers import DEFAULT, SCENARIOS, edit, scenario_copy

BASE = load_scenario(DEFAULT, mediators=["none"])
FOUR = SCENARIOS / "cases" / "daraa_2018" / "daraa_2018.toml"


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], *, ulps: bool = False) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if ulps and a[key].dtype.kind == "f":
            # The same history; a credibility may differ in its last bit where the compiler
            # fuses a multiply and an add in one loop and not in the other.
            np.testing.assert_allclose(a[key], b[key], rtol=1e-13, atol=1e-15, err_msg=key)
        else:
            assert np.array_equal(a[key], b[key], equal_nan=a[key].dtype.kind == "f"), key


def test_mesa_stepping_and_the_batch_loop_give_identical_worlds():
    """The Mesa agents and the batch driver apply the same rules to the same draws."""
    for mediator in ("russia", "turkey"):
        model = CeasefireModel(BASE, mediator, 200, rng=11, trace=False, collect=False)
        stepped = model.run()
        key_seed = int(np.random.default_rng(11).integers(0, 2**63 - 1))
        _same(stepped, simulate_worlds(BASE, mediator, 200, key_seed), ulps=True)


def test_results_do_not_depend_on_how_runs_are_split_into_chunks():
    whole = simulate_worlds(BASE, "russia", 300, 5)
    first = simulate_worlds(BASE, "russia", 120, 5)
    rest = simulate_worlds(BASE, "russia", 180, 5, first_run=120)
    _same(whole, {k: np.concatenate([first[k], rest[k]]) for k in whole})


def test_per_world_parameters_equal_fixed_ones_when_every_world_shares_the_value():
    """Bit for bit, over every numeric parameter of the scenario and of the mediator."""
    scenario = BASE.with_mediators(["russia"])
    n = 400
    sets = {
        key: np.full(n, float(value))
        for key, value in scenario.values.items()
        if key not in layout.FIXED_KEYS
    }
    for key, value in scenario.mediator("russia").values.items():
        sets[f"mediator.{key}"] = np.full(n, float(value))
    _same(
        simulate_worlds(scenario, "russia", n, 3),
        simulate_worlds(scenario, "russia", n, 3, world_params=sets),
    )


def test_per_world_parameters_reach_mediator_terms_and_escalation():
    n = 2_000
    half = np.arange(n) < n // 2
    out = simulate_worlds(
        BASE,
        "russia",
        n,
        4,
        world_params={
            "mediator.conduct.delivery": np.where(half, 0.0, 1.0),
            "terms.crossing.due_h": np.where(half, 24.0, 0.0),
            "escalation.collapse_threshold": np.where(half, 2.5, 1e6),
        },
    )
    assert out["crossing_open_h"][half].sum() == 0  # nobody delivers it
    assert out["crossing_open_h"][~half].mean() > 0
    assert not out["collapsed"][~half & (out["cause"] != "mediator_walkout")].any()


def test_a_parameter_set_outside_its_range_is_refused():
    with pytest.raises(ValueError, match=r"mediator\.conduct\.resolve"):
        simulate_worlds(
            BASE, "russia", 10, 1, world_params={"mediator.conduct.resolve": np.full(10, 1.5)}
        )
    with pytest.raises(ValueError, match="number of steps"):
        parameter_sets(BASE, ["russia"], {"time.horizon_h": np.full(3, 100.0)})


# Pre-change figures, measured on the three-party model before parties became data
# (commit 394aa9e, 200,000 worlds per mediator, seed 12345, /tmp/baseline.py in the
# commit message of this test): two-week survival, restricted mean, first violators.
BEFORE = {
    "russia": {"held": 0.336485, "rmst": 167.974535, "militia_first": 0.72834},
    "turkey": {"held": 0.25554, "rmst": 131.12355, "militia_first": 0.65356},
}


# The mechanisms of the three-party model, as settings of the general one: spoilers gain
# for good as the deal progresses, no pulse, no trust, bias with one face only.
OLD_MECHANISMS = {
    "spoilers.growth": 1.0,
    "actors.militia.spoiler_pulse": 0.0,
    "trust.gain_per_h": 0.0,
    "trust.loss_per_violation": 0.0,
    **{f"actors.{p}.trust_weight": 0.0 for p in ("regime", "militia", "opposition")},
    "mediator.conduct.closeness_leverage": 0.0,
    "mediator.patron_pressure.militia": 0.0,
}


@pytest.mark.slow
@pytest.mark.parametrize("mediator", ["russia", "turkey"])
def test_daraa_answers_unchanged_by_the_general_model(mediator):
    """With the old mechanisms, the same distribution as the three-party model (tolerance:
    4 standard errors of the difference of two independent samples, the old of 200,000)."""
    n = 100_000
    scenario = load_scenario(DEFAULT, mediators=[mediator], overrides=OLD_MECHANISMS)
    out = simulate_worlds(scenario, mediator, n, 2021)
    before = BEFORE[mediator]
    held = float((~out["collapsed"]).mean())
    se = math.sqrt(held * (1 - held) * (1 / n + 1 / 200_000))
    assert abs(held - before["held"]) < 4 * se
    militia = float((out["first_violator"] == "militia").mean())
    se = math.sqrt(militia * (1 - militia) * (1 / n + 1 / 200_000))
    assert abs(militia - before["militia_first"]) < 4 * se
    duration = out["duration_h"]
    se = duration.std() * math.sqrt(1 / n + 1 / 200_000)
    assert abs(duration.mean() - before["rmst"]) < 4 * se


def test_a_four_party_scenario_runs_and_names_its_new_party_everywhere():
    scenario = load_scenario(FOUR, strict=True)
    assert scenario.party_keys == ("regime", "militia", "opposition", "hardliners")
    out = simulate_worlds(scenario, "russia", 3_000, 1)
    assert "violations_hardliners" in out and "credibility_hardliners" in out
    assert (out["first_violator"] == "hardliners").any()
    assert set(out["cause"]) <= set(scenario.causes)
    model = CeasefireModel(scenario, "russia", rng=8)
    model.run()
    assert {party.key for party in model.parties} == set(scenario.party_keys)


def test_sides_drive_grievance_a_party_is_hit_only_by_its_adversaries():
    """Only the hardliners can fire: their adversaries build grievance, their ally none."""
    scenario = load_scenario(FOUR)
    silent = {f"actors.{p}.base": -50.0 for p in ("regime", "militia", "opposition")}
    silent |= {
        f"actors.{p}.{k}": 0.0
        for p in ("regime", "militia", "opposition")
        for k in ("early_fragility", "objective", "spoiling", "retaliation")
    }
    scenario = apply_overrides(scenario, silent | {"actors.hardliners.base": 2.0})
    model = CeasefireModel(scenario, "russia", 50, rng=1, trace=False, collect=False)
    for _ in range(3):
        model.step()
    grievance = {p.key: p.grievance for p in model.parties}
    assert np.all(grievance["opposition"] == 0)  # the hardliners' ally
    assert np.all(grievance["hardliners"] == 0)  # nobody fires at them
    assert np.all(grievance["regime"] > 0) and np.all(grievance["militia"] > 0)


def test_a_term_declared_only_in_the_file_changes_the_runs(tmp_path):
    path = scenario_copy(tmp_path)
    edit(
        path,
        "[spoilers]",
        """[terms.aid]
label = "Aid convoys enter"
controller = "regime"
delivery = "mediated"
due_h = { value = 0.0, source = "assumption: test" }
benefits.regime = { value = 5.0, source = "assumption: test" }

[spoilers]""",
    )
    scenario = load_scenario(path, mediators=["russia"])
    assert "aid" in scenario.term_keys
    out = simulate_worlds(scenario, "russia", 2_000, 1)
    before = simulate_worlds(BASE.with_mediators(["russia"]), "russia", 2_000, 1)
    assert out["aid_open_h"].mean() > 0
    assert out["violations_regime"].mean() < before["violations_regime"].mean()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'side = "opposition"\nsignatory = true',
            'side = "government"\nsignatory = true',
            "no adversary",
        ),
        (
            'controller = "regime"\ndelivery = "mediated"',
            'controller = "hezbollah"\ndelivery = "mediated"',
            "no party 'hezbollah'",
        ),
        ('controller = "regime"\ndelivery = "mediated"', 'delivery = "mediated"', "missing"),
        (
            'sources = ["seeds/daraa_2021.md"]',
            'sources = ["seeds/daraa_2021.md"]\nsides = ["government", "opposition", "kurds"]',
            "side 'kurds' has no party",
        ),
        ("[actors.militia]", "[actors.none]", "reserved"),
    ],
)
def test_bad_structure_is_refused_naming_file_and_key(tmp_path, old, new, message):
    path = edit(scenario_copy(tmp_path), old, new)
    with pytest.raises(UserError, match=message) as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)


def test_a_mediator_file_must_name_exactly_the_scenario_parties(tmp_path):
    path = scenario_copy(tmp_path)
    russia = path.parent / "mediators" / "russia.toml"
    edit(russia, "militia = { value = 0.15,", "hezbollah = { value = 0.15,")
    with pytest.raises(UserError, match="no party 'hezbollah'") as caught:
        load_scenario(path)
    assert "russia.toml" in str(caught.value) and "leverage.hezbollah" in str(caught.value)
    russia.write_text(russia.read_text().replace("hezbollah = { value = 0.15,", "# removed = {"))
    with pytest.raises(UserError, match=r"leverage\.militia"):
        load_scenario(path)
