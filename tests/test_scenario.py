"""Loading scenario and mediator files: valid files load, every kind of bad input is named."""

from __future__ import annotations

import pickle
import re

import pytest

from sim.errors import UserError
from sim.scenario import apply_overrides, load_scenario
from sim.schema import mediator_defaults, mediator_params, scenario_defaults
from tests.helpers import DEFAULT, SCENARIOS, edit, scenario_copy


def test_default_scenario_loads_with_provenance_on_every_number():
    scenario = load_scenario(DEFAULT, strict=True)
    assert scenario.name == "daraa_2021"
    assert scenario.horizon_h == 336.0  # two weeks (fact T4)
    assert scenario.default_mediators == ("russia", "turkey")
    declared = scenario.params()
    assert set(scenario.values) == set(declared)
    # Every number the file gives has its provenance; the others take the value that
    # turns their mechanism off (sim.schema.scenario_defaults).
    defaults = scenario_defaults(scenario.party_keys, scenario.term_keys)
    assert set(declared) - set(scenario.provenance) <= set(defaults)
    for key in set(declared) - set(scenario.provenance):
        assert scenario.values[key] == defaults[key]
    for mediator in scenario.mediators.values():
        params = mediator_params(scenario.party_keys)
        assert set(mediator.values) == set(params)
        assert set(params) - set(mediator.provenance) <= set(mediator_defaults(scenario.party_keys))


def test_every_source_cites_a_fact_or_states_its_reasoning():
    """Provenance notes start from a fact ID in seeds/daraa_2021.md or say 'assumption'."""
    facts = set(
        re.findall(
            r"^\| ([A-Z]\d+) \|",
            (SCENARIOS.parent / "seeds" / "daraa_2021.md").read_text(),
            flags=re.M,
        )
    )
    scenario = load_scenario(DEFAULT, mediators=["none"], strict=True)
    notes = list(scenario.provenance.values())
    for mediator in scenario.mediators.values():
        notes.extend(mediator.provenance.values())
    for note in notes:
        cited = set(re.findall(r"\b([ABHNT]\d+)\b", note))
        assert cited <= facts, f"unknown fact ID in {note!r}"
        assert cited or "assumption" in note or note.startswith(("no ", "no mediator")), note


def test_scenario_pickles_for_worker_processes():
    scenario = load_scenario(DEFAULT)
    assert pickle.loads(pickle.dumps(scenario)) == scenario


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        (
            "attribution_accuracy = { value = 0.6,",
            "attribution_accuracy = { value = 1.3,",
            "monitoring.attribution_accuracy",
            "from 0 to 1",
        ),
        (
            "horizon_h = { value = 336.0,",
            "horizon_h = { value = -336.0,",
            "time.horizon_h",
            "from 1 to 8760",
        ),
        (
            "horizon_h = { value = 336.0,",
            'horizon_h = { value = "two weeks",',
            "time.horizon_h",
            "a number",
        ),
        (
            "open_at_start = { value = false,",
            "open_at_start = { value = 0,",
            "terms.crossing.open_at_start",
            "true or false",
        ),
        ("[talks]\n", "[talks]\nbribes = 3\n", "talks.bribes", "unknown key"),
        ("[talks]\n", "[talkz]\nbase = 1\n[talks]\n", "talkz.base", "unknown key"),
        (
            "step_h = { value = 1.0,",
            "step_h = { value = 5.0,",
            "time.horizon_h",
            "whole number of steps",
        ),
        ('to = "turkey"', 'to = "atlantis"', None, "unknown mediator 'atlantis'"),
    ],
)
def test_bad_scenario_values_name_file_key_and_expectation(tmp_path, old, new, key, expected):
    path = edit(scenario_copy(tmp_path), old, new)
    if "switch" in new or "atlantis" in new:
        edit(path, "enabled = { value = false,", "enabled = { value = true,")
    with pytest.raises(UserError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    if key:
        assert f"'{key}'" in message
    assert expected in message


def test_missing_key_is_reported(tmp_path):
    path = scenario_copy(tmp_path)
    text = path.read_text()
    path.write_text(re.sub(r"^patrol_detection = .*\n", "", text, flags=re.M))
    with pytest.raises(UserError, match=r"key 'monitoring.patrol_detection': missing; expected"):
        load_scenario(path)


def test_invalid_toml_is_reported(tmp_path):
    path = edit(scenario_copy(tmp_path), "[talks]", "[talks")
    with pytest.raises(UserError, match="not valid TOML"):
        load_scenario(path)


def test_missing_mediator_file(tmp_path):
    path = scenario_copy(tmp_path)
    (path.parent / "mediators" / "turkey.toml").unlink()
    with pytest.raises(UserError, match=r"unknown mediator 'turkey'.*available: none, russia"):
        load_scenario(path)


def test_bad_mediator_value_names_the_mediator_file(tmp_path):
    path = scenario_copy(tmp_path)
    mediator = path.parent / "mediators" / "russia.toml"
    edit(mediator, "resolve = { value = 0.25,", "resolve = { value = 2.5,")
    with pytest.raises(UserError) as info:
        load_scenario(path)
    assert str(mediator) in str(info.value)
    assert "'conduct.resolve'" in str(info.value)


def test_strict_requires_provenance(tmp_path):
    path = edit(
        scenario_copy(tmp_path),
        'base = { value = -1.5, source = "B2, T4: the last '
        "Russian-mediated deal was broken for three years; a lasting agreement is the "
        'exception" }',
        "base = -1.5",
    )
    assert load_scenario(path).values["talks.base"] == -1.5  # plain numbers are fine...
    with pytest.raises(UserError, match=r"'talks\.base': has no provenance"):
        load_scenario(path, strict=True)  # ...but not under --strict


def test_overrides_are_validated_like_the_file():
    scenario = load_scenario(DEFAULT)
    changed = apply_overrides(
        scenario, {"actors.regime.base": "-5", "mediator.conduct.resolve": "0.9"}
    )
    assert changed["actors.regime.base"] == -5.0
    assert all(m["conduct.resolve"] == 0.9 for m in changed.mediators.values())
    assert scenario["actors.regime.base"] == -6.5  # the original is untouched
    with pytest.raises(UserError, match=r"'monitoring.attribution_accuracy'.*from 0 to 1"):
        apply_overrides(scenario, {"monitoring.attribution_accuracy": "1.3"})
    with pytest.raises(UserError, match=r"'actors.regime.bse'.*did you mean"):
        apply_overrides(scenario, {"actors.regime.bse": "1"})
    with pytest.raises(UserError, match="no mediator 'china'"):
        apply_overrides(scenario, {"mediators.china.conduct.resolve": "0.5"})
