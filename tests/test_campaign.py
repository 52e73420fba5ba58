"""Successive truces (ODD 7.11): spells nested in the campaign, the first truce unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model import CeasefireModel, simulate_with_spells, simulate_worlds
from sim.outcomes import CAMPAIGN_ENDS, SPELL_ENDINGS
from sim.scenario import DEFAULT_SCENARIO, load_scenario
from sim.schema import MAX_SPELLS

LENGTH = 2016.0
# A campaign in which truces often follow one another: extensions likely, re-brokering easy.
BUSY = {
    "campaign.length_h": LENGTH,
    "campaign.replace_per_h": 0.0005,
    "campaign.replace_credibility": 2.0,
    "campaign.extension": 0.7,
    "campaign.rebroker_delay_h": 48.0,
    "campaign.rebroker_base": 1.0,
    "campaign.rebroker_credibility": 2.0,
    "campaign.rebroker_leverage": 1.0,
    "campaign.rebroker_failures": 0.3,
    "campaign.trust_kept": 0.5,
}
NEW_COLUMNS = ("n_truces", "truce_hours", "campaign_end")
N = 2_000


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def _scenario(**overrides: float):
    return load_scenario(DEFAULT_SCENARIO, overrides=overrides or None)


@pytest.fixture(scope="module")
def busy() -> tuple[dict, pd.DataFrame]:
    runs, spells = simulate_with_spells(_scenario(**BUSY), "russia", N, 21)
    return runs, pd.DataFrame(spells)


def test_a_campaign_has_runs_with_several_truces(busy) -> None:
    runs, spells = busy
    assert runs["n_truces"].max() >= 3
    assert (runs["n_truces"] > 1).mean() > 0.2
    assert set(spells.ending) <= set(SPELL_ENDINGS)
    assert set(runs["campaign_end"]) <= set(CAMPAIGN_ENDS)
    # Each of the three endings occurs, and every campaign ending that can occur does.
    assert {"breakdown", "replaced", "expired"} <= set(spells.ending)
    assert {"agreement", "lapsed", "no_new_truce"} <= set(runs["campaign_end"])


def test_spells_are_nested_in_the_campaign_and_ordered(busy) -> None:
    runs, spells = busy
    assert (spells.start_h >= 0).all() and (spells.end_h <= LENGTH).all()
    assert (spells.end_h > spells.start_h).all()
    for run, group in spells.groupby("run"):
        assert list(group.spell) == list(range(len(group)))
        assert (group.start_h.iloc[1:].to_numpy() >= group.end_h.iloc[:-1].to_numpy()).all()
        assert len(group) == min(runs["n_truces"][run], MAX_SPELLS)
        assert runs["truce_hours"][run] == pytest.approx((group.end_h - group.start_h).sum())
        # Only the last truce may end a campaign; an earlier one ended by breakdown or term.
        assert set(group.ending.iloc[:-1]) <= {"breakdown", "expired"}
    first_violations = spells.first_violation_h.dropna()
    owners = spells.loc[first_violations.index]
    assert ((first_violations > owners.start_h) & (first_violations <= owners.end_h)).all()


def test_first_truce_columns_do_not_change_with_a_campaign_without_replacement() -> None:
    plain = simulate_worlds(_scenario(), "russia", N, 9)
    campaign = simulate_worlds(_scenario(**{**BUSY, "campaign.replace_per_h": 0.0}), "russia", N, 9)
    for name, values in plain.items():
        if name not in NEW_COLUMNS:
            assert _same(values, campaign[name]), name


def test_replacement_changes_only_the_replaced_first_truces(busy) -> None:
    runs, spells = busy
    plain = simulate_worlds(_scenario(), "russia", N, 21)
    first = spells[spells.spell == 0].set_index("run")
    kept = (first.ending != "replaced").to_numpy()
    assert 0 < kept.sum() < N
    for name, values in plain.items():
        if name not in NEW_COLUMNS:
            assert _same(np.asarray(values)[kept], np.asarray(runs[name])[kept]), name
    replaced = ~kept  # replaced before the end it had without a campaign: censored, not collapsed
    assert (runs["duration_h"][replaced] <= plain["duration_h"][replaced]).all()
    assert not runs["collapsed"][replaced].any()


def test_without_a_campaign_spells_hold_the_first_truce_once_per_run() -> None:
    runs, spells = simulate_with_spells(_scenario(), "russia", 500, 4)
    spells = pd.DataFrame(spells)
    assert list(spells.run) == list(range(500)) and (spells.spell == 0).all()
    assert np.array_equal(spells.end_h, runs["duration_h"])
    assert set(spells.ending) <= {"breakdown", "expired"}
    assert np.array_equal(spells.ending == "breakdown", runs["collapsed"])
    assert (runs["n_truces"] == 1).all()
    assert np.array_equal(runs["truce_hours"], runs["duration_h"])


def test_mesa_stepping_and_the_batch_loop_agree_on_a_campaign() -> None:
    scenario = _scenario(**BUSY)
    model = CeasefireModel(scenario, "russia", 150, rng=5, trace=False, collect=False)
    stepped = model.run()
    key_seed = int(np.random.default_rng(5).integers(0, 2**63 - 1))
    looped = simulate_worlds(scenario, "russia", 150, key_seed)
    for name, values in looped.items():
        assert _same(values, stepped[name]), name
    assert model.hour <= LENGTH


def test_a_campaign_shorter_than_the_truce_is_refused() -> None:
    from sim.errors import UserError

    with pytest.raises(UserError, match=r"campaign\.length_h"):
        _scenario(**{"campaign.length_h": 100.0})


def test_compare_shows_how_the_first_truce_ended(tmp_path) -> None:
    from sim.analysis import analyse
    from sim.analysis.report import build_sections
    from sim.batch import run_batch

    out = tmp_path / "b"
    run_batch(
        DEFAULT_SCENARIO,
        out=out,
        mediators=["russia", "turkey"],
        variants=["campaign"],
        runs=600,
        seed=2,
        chunk_size=300,
        workers=1,
        progress=False,
    )
    spells = pd.read_parquet(out / "spells.parquet")
    assert (spells[spells.spell == 0].groupby("variant").size() == 600).all()
    analysis = analyse(out)
    endings = analysis.to_dict()["endings"]
    for label, entry in endings["variants"].items():
        # Every first truce has ended by its horizon, one way or another.
        total = sum(e["estimate"] for e in entry["at_horizon"].values())
        assert total == pytest.approx(1.0, abs=1e-9), label
        replaced = entry["at_horizon"]["replaced"]["estimate"]
        assert (replaced > 0) == label.endswith("+campaign"), label
    assert len(endings["breakdown_difference"]) == 6
    assert all(0.0 <= d["p"] <= 1.0 for d in endings["breakdown_difference"])
    assert "How the first truce ended" in analysis.format_table()
    assert "endings" in [s.id for s in build_sections(analysis)]
