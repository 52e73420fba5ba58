"""The many-worlds model: invariants over scenario parameters, determinism, mechanisms."""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.model import CeasefireModel, simulate_worlds
from sim.scenario import apply_overrides, load_scenario
from sim.schema import ACTOR_PARAMS
from tests.helpers import DEFAULT

BASE = load_scenario(DEFAULT, mediators=["none"])
ACTORS = BASE.party_keys
CAUSES = BASE.causes
SCENARIO_PARAMS = BASE.params()


def _check_invariants(out: dict[str, np.ndarray], horizon: float, step: float) -> None:
    duration, collapsed = out["duration_h"], out["collapsed"]
    # Durations lie within the horizon and fall on step boundaries.
    assert np.all(duration > 0) and np.all(duration <= horizon + 1e-9)
    assert np.allclose(np.round(duration / step) * step, duration)
    # Censored worlds are exactly those that never collapsed: they reach the horizon
    # with no cause; collapsed worlds have a cause.
    assert np.all(duration[~collapsed] == horizon)
    assert np.all(out["cause"][~collapsed] == "none")
    assert np.all(out["cause"][collapsed] != "none")
    assert set(out["cause"]) <= set(CAUSES)
    # The first violation never comes after the collapse, and names its author.
    first = out["first_violation_h"]
    seen = ~np.isnan(first)
    assert np.all(first[seen] <= duration[seen])
    assert all((v is None) == (not s) for v, s in zip(out["first_violator"], seen, strict=True))
    assert set(out["first_violator"][seen]) <= set(ACTORS)
    # A collapse by escalation needs violations; only a walk-out can end a quiet truce.
    escalated = collapsed & (out["cause"] != "mediator_walkout")
    assert np.all(seen[escalated])
    total = sum(out[f"violations_{a}"] for a in ACTORS)
    assert np.all((total > 0) == seen)
    # Probabilities and shares stay in range.
    for actor in ACTORS:
        cred = out[f"credibility_{actor}"]
        assert np.all((cred >= 0) & (cred <= 1))
    assert np.all((out["crossing_open_h"] >= 0) & (out["crossing_open_h"] <= duration + 1e-9))
    assert not np.any(out["agreement"] & collapsed)  # talks only follow a truce that held
    switched = ~np.isnan(out["switch_h"])
    assert np.all(out["switch_h"][switched] <= duration[switched])


_FLOAT_KEYS = sorted(
    k
    for k, p in SCENARIO_PARAMS.items()
    # campaign.length_h shapes the run like time.* (a whole number of steps, at least the
    # horizon); tests/test_campaign.py covers campaigns.
    if p.kind == "float" and not k.startswith(("time.", "switch.")) and k != "campaign.length_h"
)


def _value(key: str):
    param = SCENARIO_PARAMS[key]
    low = max(param.low, -12.0) if param.low is not None else -12.0
    high = min(param.high, 12.0) if param.high is not None else 12.0
    if key.endswith("_h") and param.high is not None and param.high > 400:
        high = 400.0  # hours: beyond the horizon is as good as never
    return st.floats(low, high, allow_nan=False)


overrides_strategy = st.dictionaries(
    st.sampled_from(_FLOAT_KEYS), st.none(), min_size=0, max_size=8
).flatmap(lambda keys: st.fixed_dictionaries({k: _value(k) for k in keys}))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    overrides=overrides_strategy,
    mediator=st.sampled_from(["russia", "turkey", "none"]),
    step_h=st.sampled_from([1.0, 2.0, 6.0]),
    switch=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_invariants_hold_over_scenario_parameters(overrides, mediator, step_h, switch, seed):
    scenario = apply_overrides(BASE, {**overrides, "time.step_h": step_h, "switch.enabled": switch})
    out = simulate_worlds(scenario, mediator, 300, seed)
    _check_invariants(out, scenario.horizon_h, step_h)


def test_default_scenario_invariants_on_many_worlds():
    out = simulate_worlds(BASE, "russia", 20_000, 11)
    _check_invariants(out, 336.0, 1.0)


def test_same_seed_same_results_and_different_seed_differs():
    a = simulate_worlds(BASE, "russia", 2_000, 5)
    b = simulate_worlds(BASE, "russia", 2_000, 5)
    c = simulate_worlds(BASE, "russia", 2_000, 6)
    for key in a:
        assert np.array_equal(a[key], b[key], equal_nan=a[key].dtype.kind == "f")
    assert not np.array_equal(a["duration_h"], c["duration_h"])


def test_case_facts_first_violation_within_hours_and_not_by_the_opposition():
    """The default scenario reproduces what the report says happened (H1, H2, H5)."""
    out = simulate_worlds(BASE, "russia", 10_000, 3)
    within_day = np.mean(out["first_violation_h"] <= 24)
    assert within_day > 0.8
    first = out["first_violator"]
    assert np.mean(first == "opposition") < 0.02
    assert np.mean((first == "militia") | (first == "regime")) > 0.97


def _regime_violations(leverage: float, n: int = 4_000) -> np.ndarray:
    scenario = apply_overrides(
        BASE,
        {"mediators.russia.leverage.regime": leverage, "mediators.russia.conduct.resolve": 0.8},
    )
    return simulate_worlds(scenario, "russia", n, 2024)["violations_regime"]


def test_more_leverage_over_the_regime_means_fewer_regime_violations():
    low, high = _regime_violations(0.05), _regime_violations(0.95)
    # Honest tolerance: the difference must exceed three standard errors.
    se = math.sqrt(low.var() / low.size + high.var() / high.size)
    assert low.mean() - high.mean() > 3 * se


def test_no_violations_possible_means_no_collapse_from_fire():
    scenario = apply_overrides(
        BASE,
        {f"actors.{a}.base": -50 for a in ACTORS}
        | {f"actors.{a}.{k}": 0 for a in ACTORS for k in ACTOR_PARAMS if k not in {"base"}},
    )
    out = simulate_worlds(scenario, "russia", 1_000, 1)
    assert not out["collapsed"].any()
    assert np.isnan(out["first_violation_h"]).all()


def test_n_worlds_one_is_an_ordinary_mesa_model():
    model = CeasefireModel(mediator="turkey", rng=42)
    assert isinstance(model, mesa.Model)
    kinds = sorted(type(agent).__name__ for agent in model.agents)
    assert kinds == ["MediatorAgent", "PartyAgent", "PartyAgent", "PartyAgent"]
    assert [party.key for party in model.parties] == ["regime", "militia", "opposition"]
    steps = 0
    while model.running:
        model.step()
        steps += 1
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == ["duration_h", "collapsed"]
    assert len(frame) == steps
    assert frame["duration_h"].iloc[-1] == model.outcomes["duration_h"][0]
    assert frame["collapsed"].iloc[-1] == bool(model.outcomes["collapsed"][0])
    assert steps <= 336


def test_mesa_batch_run_on_the_default_scenario():
    results = mesa.batch_run(
        sim.CeasefireModel,
        parameters={"mediator": ["russia", "turkey"]},
        iterations=4,
        max_steps=400,
        display_progress=False,
    )
    assert len(results) == 8
    assert {r["mediator"] for r in results} == {"russia", "turkey"}
    for row in results:
        assert 0 < row["duration_h"] <= 336
        assert row["collapsed"] in (True, False)
        assert row["collapsed"] or row["duration_h"] == 336


def test_mediator_switch_hands_worlds_to_the_new_mediator():
    scenario = apply_overrides(
        BASE, {"switch.enabled": True, "switch.trust_below": 0.99, "switch.delay_h": 10}
    )
    out = simulate_worlds(scenario, "russia", 500, 9)
    switched = ~np.isnan(out["switch_h"])
    # Trust starts below 0.99, so every world that lasts past the delay switches at hour 10
    # (the condition is checked at the end of hour 1, the takeover comes 10 h later).
    assert np.all(out["switch_h"][switched] == 11)
    # A world whose truce collapses in hour 11 ends before anyone takes over.
    assert np.all(switched[out["duration_h"] > 11])
    assert not np.any(switched[out["duration_h"] < 11])
    assert set(out["final_mediator"][switched]) == {"turkey"}
    assert set(out["final_mediator"][~switched]) == {"russia"}


def test_world_params_vary_parameters_per_world():
    draws = np.where(np.arange(2_000) < 1_000, -50.0, 5.0)
    model = CeasefireModel(
        BASE,
        "russia",
        2_000,
        rng=1,
        trace=False,
        collect=False,
        world_params={"actors.militia.base": draws},
    )
    out = model.run()
    assert out["violations_militia"][:1_000].sum() == 0
    assert out["violations_militia"][1_000:].mean() > 1


def test_bad_model_arguments():
    with pytest.raises(ValueError, match="n_worlds"):
        CeasefireModel(BASE, "russia", 0)
    with pytest.raises(ValueError, match="either seed or rng"):
        CeasefireModel(BASE, "russia", 1, seed=1, rng=1)


def test_world_params_on_every_actor_parameter():
    """Per-world values work for every actor parameter, including the skipped-when-zero ones."""
    n = 400
    params = {
        f"actors.{a}.{k}": np.linspace(0.0, 1.0, n)
        for a in ACTORS
        for k in ACTOR_PARAMS
        if k != "base"
    }
    out = CeasefireModel(
        BASE, "russia", n, rng=3, trace=False, collect=False, world_params=params
    ).run()
    _check_invariants(out, 336.0, 1.0)


def test_common_random_numbers_pair_runs_across_mediators():
    """Run i under Russia and run i under Turkey share the draws that steer them.

    Pairing is what makes the paired tests of `ceasefire compare` sharper than
    unpaired ones: the paired standard error of the two-week difference must be
    well below the unpaired one (independent samples would make them equal).
    """
    russia = simulate_worlds(BASE, "russia", 20_000, 12)
    turkey = simulate_worlds(BASE, "turkey", 20_000, 12)
    held_r = (russia["duration_h"] >= 336).astype(float)
    held_t = (turkey["duration_h"] >= 336).astype(float)
    paired_se = (held_t - held_r).std() / math.sqrt(held_r.size)
    unpaired_se = math.sqrt(held_r.var() / held_r.size + held_t.var() / held_t.size)
    assert paired_se < 0.75 * unpaired_se
    assert np.corrcoef(russia["duration_h"], turkey["duration_h"])[0, 1] > 0.5
