"""Variant overlays and the mediator switch (issue 5, parts 1 and 2)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli import main
from sim.errors import UserError
from sim.model import CeasefireModel, simulate_worlds
from sim.scenario import apply_overrides, load_scenario
from sim.schema import ACTOR_PARAMS
from tests.helpers import DEFAULT, scenario_copy

ACTORS = ("regime", "militia", "opposition")


def _write_variant(folder, name: str, body: str):
    path = folder / "variants" / f"{name}.toml"
    path.write_text(f'[variant]\nname = "{name}"\ndescription = "test"\n{body}')
    return path


def test_every_shipped_variant_validates_strictly():
    for name in (
        "patrols_in_force",
        "crossing_open",
        "militias_restrained",
        "militias_withdrawn",
        "no_mediator",
        "mediator_switch",
    ):
        scenario = load_scenario(DEFAULT, variants=[name], strict=True)
        assert scenario.variant_names == (name,)


def test_overlays_apply_in_order_then_overrides(tmp_path):
    path = scenario_copy(tmp_path)
    _write_variant(
        path.parent,
        "a",
        '[set]\n"escalation.collapse_threshold" = 4.0\n"mediator.conduct.resolve" = 0.9\n',
    )
    _write_variant(path.parent, "b", '[set]\n"escalation.collapse_threshold" = 5.0\n')
    ab = load_scenario(path, variants=["a", "b"])
    ba = load_scenario(path, variants=["b", "a"])
    assert ab["escalation.collapse_threshold"] == 5.0  # the later overlay wins
    assert ba["escalation.collapse_threshold"] == 4.0
    assert all(m["conduct.resolve"] == 0.9 for m in ab.mediators.values())
    last = load_scenario(
        path, variants=["a", "b"], overrides={"escalation.collapse_threshold": "6"}
    )
    assert last["escalation.collapse_threshold"] == 6.0  # --set comes after the overlays


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[set]\n"actors.regime.bse" = 1\n', "'actors.regime.bse'"),
        ('[set]\n"monitoring.attribution_accuracy" = 1.5\n', "from 0 to 1"),
        ('colour = "red"\n', "'variant.colour'"),
        ("[extra]\nx = 1\n", "unknown section"),
        ('mediator = "atlantis"\n', "unknown mediator 'atlantis'"),
    ],
)
def test_bad_variant_files_are_refused_with_file_and_key(tmp_path, body, message):
    path = scenario_copy(tmp_path)
    variant = _write_variant(path.parent, "bad", body)
    with pytest.raises(UserError) as info:
        load_scenario(path, variants=["bad"])
    assert message in str(info.value)
    if "atlantis" not in message:
        assert str(variant) in str(info.value)


def test_no_mediator_variant_gives_its_documented_outcome():
    """Without a mediator nobody delivers the crossing, punishes or walks away (ODD 7.3-7.6)."""
    scenario = load_scenario(DEFAULT, variants=["no_mediator"])
    assert scenario.resolve_mediator("russia") == "none"
    alone = simulate_worlds(scenario, "none", 5_000, 8)
    russia = simulate_worlds(load_scenario(DEFAULT), "russia", 5_000, 8)
    assert alone["crossing_open_h"].max() == 0
    assert not np.any(alone["cause"] == "mediator_walkout")
    assert alone["credibility_opposition"].max() == 0
    # Documented in README ("What if"): without a mediator the truce collapses much sooner
    # (median within a day against about a week under Russia).
    assert np.median(alone["duration_h"]) < 48 < np.median(russia["duration_h"])


def _deterministic(**extra: float):
    """Only the militia fires, exactly once, in hour 1; the mediator sees it at once."""
    base = load_scenario(DEFAULT)
    quiet = {f"actors.{a}.{k}": 0 for a in ACTORS for k in ACTOR_PARAMS if k != "base"}
    quiet |= {f"actors.{a}.base": -50 for a in ACTORS}
    fire_once = {
        "actors.militia.base": 0,
        "actors.militia.early_fragility": 50,
        "actors.militia.truce_value": 40,
        "time.fragility_tau_h": 0.1,
    }
    mediator = {
        "mediator.conduct.monitoring": 1,
        "mediator.conduct.resolve": 0,
        "mediator.conduct.walks_away": False,
        "mediator.conduct.credibility_loss": 0.2,
        "mediator.conduct.undelivered_loss_per_h": 0,
        "mediator.credibility.opposition": 0.5,
    }
    switch = {
        "switch.enabled": True,
        "switch.trust_below": 0.0,
        "switch.unpunished_at_least": 1_000,
        "switch.delay_h": 5,
        "escalation.collapse_threshold": 100,
    }
    scenario = apply_overrides(base, quiet | fire_once | mediator | switch | extra)
    model = CeasefireModel(scenario, "russia", 1, rng=0, trace=True)
    out = model.run()
    assert out["violations_militia"][0] == 1 and out["first_violation_h"][0] == 1
    return out, model.events


def test_switch_fires_on_unpunished_violations_after_its_delay():
    out, events = _deterministic(**{"switch.unpunished_at_least": 1})
    assert out["switch_h"][0] == 6  # condition at hour 1, takeover 5 h later
    assert out["final_mediator"][0] == "turkey"
    kinds = [(e.hour, e.kind) for e in events]
    assert (1.0, "switch requested") in kinds and (6.0, "mediator switch") in kinds


def test_switch_does_not_fire_when_its_condition_never_holds():
    out, events = _deterministic(**{"switch.unpunished_at_least": 2})
    assert np.isnan(out["switch_h"][0]) and out["final_mediator"][0] == "russia"
    assert not any(e.kind.startswith("switch") or e.kind == "mediator switch" for e in events)


def test_switch_fires_when_trust_falls_below_the_threshold():
    # One unanswered violation costs 20% of the opposition's trust: 0.5 -> 0.4.
    fired, _ = _deterministic(**{"switch.trust_below": 0.45})
    held, _ = _deterministic(**{"switch.trust_below": 0.35})
    assert fired["switch_h"][0] == 6 and np.isnan(held["switch_h"][0])


def test_switch_to_an_unknown_mediator_is_refused(tmp_path, capsys):
    path = scenario_copy(tmp_path)
    text = path.read_text().replace('to = "turkey"', 'to = "china"')
    path.write_text(text.replace("enabled = { value = false,", "enabled = { value = true,"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown mediator 'china'" in err and "'switch.to'" in err


def test_run_timeline_shows_the_switch(capsys):
    assert (
        main(
            [
                "run",
                "--variant",
                "mediator_switch",
                "--set",
                "switch.trust_below=0.99",
                "--set",
                "switch.delay_h=1",
                "--seed",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "switch requested" in out and "takes over as mediator" in out
