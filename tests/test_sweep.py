"""Parameter sweeps: grid parsing and its refusals, the CRN batch, KM estimates, figures."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import UserError
from sim.scenario import load_scenario
from sim.sweep import analyse_sweep, parse_grid, sweep_sections
from tests.helpers import DEFAULT

MEDIATORS = load_scenario(DEFAULT, mediators=["russia", "turkey"])


# --------------------------------------------------------------------------- parsing


def test_grid_values_are_evenly_spaced_and_include_both_ends():
    axis = parse_grid("escalation.collapse_threshold=1.5:4:6", MEDIATORS)
    assert axis.key == "escalation.collapse_threshold"
    assert axis.values == (1.5, 2.0, 2.5, 3.0, 3.5, 4.0)


def test_grid_on_an_integer_parameter_rounds_and_refuses_repeats():
    assert parse_grid("switch.unpunished_at_least=2:10:5", MEDIATORS).values == (2, 4, 6, 8, 10)
    with pytest.raises(UserError, match="repeat once rounded"):
        parse_grid("switch.unpunished_at_least=1:3:6", MEDIATORS)


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("actors.militia.spoil=0:3:4", "no such parameter; did you mean 'actors.militia.spoiling'"),
        ("escalation.collapse_threshold=4:2:3", "expected STOP > START"),
        ("escalation.collapse_threshold=2:2:3", "expected STOP > START"),
        ("escalation.collapse_threshold=1:3:1", "expected COUNT from 2 to"),
        ("mediator.conduct.resolve=0.5:1.5:3", "outside the valid range"),
        ("actors.regime.base=-60:0:3", "outside the valid range"),
        ("terms.crossing.open_at_start=0:1:2", "true or false"),
        ("mediators.egypt.conduct.resolve=0:1:3", "no mediator 'egypt'"),
        ("escalation.collapse_threshold=1:3", "expected KEY=START:STOP:COUNT"),
        ("escalation.collapse_threshold=a:3:3", "expected a number for START"),
    ],
)
def test_bad_grids_exit_2_with_a_clear_message_and_write_nothing(tmp_path, capsys, grid, message):
    out = tmp_path / "sweep"
    status = main(["sweep", "--grid", grid, "--runs", "10", "--workers", "1", "--out", str(out)])
    assert status == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1  # one line, no traceback
    assert not out.exists()


def test_a_set_override_of_a_swept_key_is_refused(tmp_path, capsys):
    out = tmp_path / "sweep"
    args = ["sweep", "--grid", "escalation.collapse_threshold=2:3:2", "--out", str(out)]
    assert main([*args, "--set", "escalation.collapse_threshold=2"]) == 2
    assert "also swept" in capsys.readouterr().err
    assert not out.exists()


# --------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def threshold_sweep(tmp_path_factory) -> tuple:
    """Collapse threshold swept without a mediator (no walk-outs, no pressure)."""
    out = tmp_path_factory.mktemp("sweep") / "threshold"
    runs = 400
    args = [
        "sweep",
        "--grid",
        "escalation.collapse_threshold=1.5:4:4",
        "--mediator",
        "none",
        "--runs",
        str(runs),
        "--seed",
        "7",
        "--workers",
        "1",
        "--out",
        str(out),
        "--json",
    ]
    assert main(args) == 0
    return out, runs


def test_sweep_writes_batch_grid_and_figures(threshold_sweep, capsys):
    out, runs = threshold_sweep
    for name in ("runs.parquet", "manifest.json", "sweep.json"):
        assert (out / name).exists()
    figures = {p.name for p in (out / "figures").iterdir()}
    assert figures == {
        "sweep_escalation_collapse_threshold.png",
        "sweep_escalation_collapse_threshold.svg",
    }
    sweep = json.loads((out / "sweep.json").read_text())
    assert sweep["axes"] == [
        {"key": "escalation.collapse_threshold", "values": [1.5, 2.33333, 3.16667, 4.0]}
    ]
    table = pd.read_parquet(out / "runs.parquet")
    assert set(table["variant"]) == {p["label"] for p in sweep["points"]} == {"none"}
    # One batch of one variant per mediator; each grid point a design point of `runs` runs.
    assert (table.groupby(["variant", "point"]).size() == runs).all()
    assert sorted(table["point"].unique()) == [p["index"] for p in sweep["points"]]


def test_survival_rises_with_the_collapse_threshold(threshold_sweep):
    """What the model guarantees: run by run, a higher threshold never ends a truce sooner.

    The threshold enters only the collapse check (ODD 7.5, equation 9), and replicate i
    meets the same random numbers at every grid point (they are keyed by replicate, hour
    and slot, `sim.rules.rng`, not drawn from a shared stream). Until the truce at the
    lower threshold collapses, both worlds are the same world; so every replicate's
    duration is monotone in the threshold, exactly, and the share holding rises.
    """
    out, runs = threshold_sweep
    frame = pd.read_parquet(out / "runs.parquet").sort_values("run")
    values = frame.groupby("point")["design.escalation.collapse_threshold"].first()
    assert values.is_monotonic_increasing
    durations = frame["duration_h"].to_numpy().reshape(len(values), runs)
    assert (np.diff(durations, axis=0) >= 0).all()
    table = analyse_sweep(out).table.sort_values("v_escalation.collapse_threshold")
    p = table["p_hold"].to_numpy()
    assert (np.diff(p) >= 0).all() and p[-1] - p[0] > 0.5  # and the effect is large


def test_json_reports_unreached_medians_as_null(threshold_sweep, capsys):
    out, _ = threshold_sweep
    data = analyse_sweep(out).to_dict()
    medians = {r["v_escalation.collapse_threshold"]: r["median_h"] for r in data["points"]}
    assert medians[1.5] is not None and medians[1.5] < 50
    assert medians[4.0] is None  # most runs hold: not reached, never the horizon
    assert "not reached" in analyse_sweep(out).format_table()


def test_sweep_sections_embed_the_figure(threshold_sweep):
    out, _ = threshold_sweep
    (section,) = sweep_sections(out)
    assert section.id == "sweep"
    assert "data:image/png;base64," in section.html
    assert "not reached" in section.html
    assert sweep_sections(out.parent / "elsewhere") == []


def test_two_parameter_sweep_under_two_mediators(tmp_path, capsys):
    out = tmp_path / "grid"
    args = [
        "sweep",
        "--grid",
        "escalation.collapse_threshold=2:3:2",
        "--grid",
        "actors.militia.spoiling=0:2:3",
        "--mediator",
        "russia",
        "--mediator",
        "turkey",
        "--runs",
        "100",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    printed = capsys.readouterr()
    assert "2 grid points" not in printed.err and "6 grid points x 2 mediator(s)" in printed.err
    analysis = analyse_sweep(out)
    assert len(analysis.table) == 12
    assert len(list((out / "figures").glob("*.png"))) == 2
    # One batch: a variant per mediator, the grid as its 6 design points.
    manifest = json.loads((out / "manifest.json").read_text())
    assert [v["label"] for v in manifest["variants"]] == ["russia", "turkey"]
    assert manifest["design"]["points"] == 6 and manifest["design"]["kind"] == "sweep"
    assert all(math.isfinite(v) for v in analysis.table["p_hold"])
