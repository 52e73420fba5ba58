"""The explorer's adapter (`sim.explore.backend`): what the page shows is what the model says.

These run on the core install: no Solara needed.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import UserError
from sim.explore import backend, figures, saving
from sim.model import CeasefireModel
from sim.scenario import load_scenario, override_param
from tests.helpers import DEFAULT, SCENARIOS, edit, scenario_copy

SMALL = 300  # worlds per mediator: enough to tell the mediators apart, fast


def settings(**fields: object) -> backend.Settings:
    base = backend.default_settings(DEFAULT)[0]
    return backend.Settings(**{**base.__dict__, "n_worlds": SMALL, **fields})


def test_parties_are_read_from_the_scenario() -> None:
    scenario = load_scenario(DEFAULT)
    assert backend.parties(scenario) == [(p.key, p.label) for p in scenario.parties]
    four = load_scenario(SCENARIOS / "cases" / "daraa_2018" / "daraa_2018.toml")
    assert [key for key, _ in backend.parties(four)][-1] == "hardliners"


def test_every_lever_spans_exactly_its_schema_range() -> None:
    scenario = load_scenario(DEFAULT)
    found = backend.levers(scenario, "russia")
    keys = {lever.key for lever in found}
    for party, _label in backend.parties(scenario):
        assert f"mediators.russia.leverage.{party}" in keys
        assert f"mediators.russia.credibility.{party}" in keys
        assert f"actors.{party}.spoiling" in keys
        assert f"mediators.russia.bias.{party}" in keys
    for name in ("patrol_capacity", "resolve", "delivery"):
        assert f"mediators.russia.conduct.{name}" in keys
    for lever in found:
        param = override_param(lever.key, scenario)
        assert (lever.low, lever.high) == (param.low, param.high)
        assert lever.low <= lever.value <= lever.high
        assert 0 < lever.step <= (lever.high - lever.low) / 50


def test_lever_values_follow_variants_and_overrides() -> None:
    plain = {lv.key: lv.value for lv in backend.levers(load_scenario(DEFAULT), "russia")}
    moved = settings(variants=("patrols_in_force",)).with_override(
        "mediators.russia.conduct.resolve", 0.8
    )
    now = {lv.key: lv.value for lv in backend.levers(backend.load(moved), "russia")}
    assert (
        now["mediators.russia.conduct.patrol_capacity"]
        == 0.9
        != plain["mediators.russia.conduct.patrol_capacity"]
    )
    assert now["mediators.russia.conduct.resolve"] == 0.8


def test_an_invalid_scenario_gives_its_message_not_an_exception(tmp_path: Path) -> None:
    path = scenario_copy(tmp_path)
    edit(path, "horizon_h = { value = 336.0", "horizon_h = { value = -5.0")
    result, message = backend.default_settings(path)
    assert result.scenario == str(path)
    assert message is not None and "time.horizon_h" in message and "expected" in message


def test_run_many_is_reproducible_and_reports_progress() -> None:
    ticks: list[float] = []
    first = backend.run_many(settings(), progress=ticks.append)
    second = backend.run_many(settings())
    assert [m.mediator for m in first.by_mediator] == ["russia", "turkey"]
    for a, b in zip(first.by_mediator, second.by_mediator, strict=True):
        assert a.n == SMALL
        np.testing.assert_array_equal(a.outcomes["duration_h"], b.outcomes["duration_h"])
    assert ticks == sorted(ticks) and ticks[0] > 0 and ticks[-1] == pytest.approx(1.0)


def test_run_many_stops_when_cancelled() -> None:
    with pytest.raises(backend.Cancelled):
        backend.run_many(settings(), cancelled=lambda: True)


def test_curves_and_tables_agree_with_the_outcomes() -> None:
    result = backend.run_many(settings())
    for item in result.by_mediator:
        held = ~item.outcomes["collapsed"]
        # No collapse is censored before the horizon, so KM at the horizon = share held.
        assert item.survival.p_survive_horizon.p == pytest.approx(held.mean())
        assert np.all(np.diff(item.surv) <= 1e-12)
        assert np.all((item.lower <= item.surv + 1e-12) & (item.surv <= item.upper + 1e-12))
        assert sum(item.causes.values()) == (~held).sum()
        assert "none" not in item.causes
    rows = figures.summary_rows(result)
    share = 100 * result.by_mediator[0].survival.p_survive_horizon.p
    assert rows[0]["holding at 336 h"].startswith(f"{share:.1f}%")
    png, alt = figures.survival_png(result)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"{share:.1f}% holding at 336 h" in alt


def test_a_stronger_lever_moves_the_curve() -> None:
    """A mediator that punishes every violation it sees holds more truces (same worlds)."""
    base = backend.run_many(settings(mediators=("russia",)))
    strong = backend.run_many(
        settings(mediators=("russia",)).with_override("mediators.russia.conduct.resolve", 1)
    )
    p0 = base.by_mediator[0].survival.p_survive_horizon.p
    p1 = strong.by_mediator[0].survival.p_survive_horizon.p
    se = math.sqrt(p0 * (1 - p0) / SMALL + p1 * (1 - p1) / SMALL)
    assert p1 - p0 > 3 * se


def test_one_world_tells_the_same_story_as_ceasefire_run() -> None:
    world = backend.OneWorld(settings=settings(), mediator="russia", seed=7)
    assert world.steps == 0 and world.hours == [0.0]
    while world.running:
        world.step()
    reference = CeasefireModel(
        load_scenario(DEFAULT), "russia", n_worlds=1, rng=np.random.SeedSequence(7), trace=True
    )
    reference.run()
    assert world.events == reference.events
    outcome = world.outcome()
    assert outcome is not None and outcome["duration_h"] == reference.outcomes["duration_h"][0]
    for key, _label in world.parties:
        assert len(world.credibility[key]) == len(world.grievance[key]) == len(world.hours)
        assert all(0.0 <= c <= 1.0 for c in world.credibility[key])
        assert all(g >= 0.0 for g in world.grievance[key])
    steps = world.steps
    world.step()  # an ended world stays as it is
    assert world.steps == steps
    state = world.state()
    assert state.hours == tuple(world.hours)
    assert state.outcome is not None and state.outcome["cause"] == outcome["cause"]
    assert figures.world_alt(state).startswith(f"One world at hour {world.hours[-1]:g}")
    png, _alt = figures.world_png(state)
    assert png[:4] == b"\x89PNG"


def test_saved_variant_loads_and_batch_reproduces_the_page(tmp_path: Path) -> None:
    chosen = settings(variants=("crossing_open",), seed=11).with_override(
        "mediators.russia.conduct.patrol_capacity", 0.85
    )
    path, command = saving.save_variant(chosen, tmp_path / "kept", "my_settings")
    assert path == tmp_path / "kept" / "my_settings.toml"
    assert [p.name for p in path.parent.iterdir()] == ["my_settings.toml"]  # no temp left
    table = tomllib.loads(path.read_text())
    assert table["variant"]["name"] == "my_settings"
    # The project's variant loader gives the explorer's scenario, value for value.
    loaded = load_scenario(DEFAULT, variants=[str(path)])
    current = backend.load(chosen)
    assert loaded.values == current.values
    assert loaded.mediator("russia").values == current.mediator("russia").values

    words = command.split()
    assert words[:2] == ["ceasefire", "batch"]
    out = tmp_path / "batch"
    words[words.index("--out") + 1] = str(out)
    assert main([*words[1:], "--workers", "1", "--quiet"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    page = backend.run_many(chosen)
    for item in page.by_mediator:
        group = runs[runs["variant"] == f"{item.mediator}+my_settings"].sort_values("run")
        np.testing.assert_array_equal(group["duration_h"], item.outcomes["duration_h"])


@pytest.mark.parametrize("name", ["", "../escape", "has space"])
def test_bad_variant_names_are_refused_before_writing(tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError, match="variant name"):
        saving.save_variant(settings(), tmp_path, name)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_one_user_error(tmp_path: Path) -> None:
    # Written through the one results writer: the OS error names the path, nothing is left.
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(UserError, match="taken"):
        saving.save_variant(settings(), tmp_path / "taken", "my_settings")
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
