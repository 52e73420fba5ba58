"""The reference overlay of `ceasefire compare` and `ceasefire report` (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.analysis import analyse
from sim.analysis.plots import survival_plot
from sim.analysis.reference_overlay import parse_reference_filter, reference_overlay
from sim.cli import main
from sim.errors import UserError
from sim.reference import ReferenceFilter
from tests.test_cli_compare_report import write_batch


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    return write_batch(tmp_path_factory.mktemp("refbatch"), {"russia": 0.012, "turkey": 0.008})


def test_filter_parsing():
    assert parse_reference_filter("all") == ReferenceFilter()
    assert parse_reference_filter("") == ReferenceFilter()
    filt = parse_reference_filter(
        "country=Syria, mediator=Russia,written=yes,fixed-term=false,class=definitive,"
        "enforcement=1+2,purpose=humanitarian,since=2012,until=2020"
    )
    assert filt == ReferenceFilter(
        country="Syria",
        mediator="Russia",
        written=True,
        fixed_term=False,
        ceasefire_class=3,
        enforcement=(1, 2),
        purposes=("humanitarian",),
        since=2012,
        until=2020,
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("colour=red", "unknown reference filter key 'colour'"),
        ("country", "expected KEY=VALUE"),
        ("written=perhaps", "expected true or false"),
        ("since=last year", "expected an integer"),
        ("purpose=festival", "unknown purpose festival"),
        ("country_exact=true", "country_exact needs country"),
    ],
)
def test_bad_filters_are_user_errors(text, fragment):
    with pytest.raises(UserError, match=fragment):
        parse_reference_filter(text)


def test_overlay_numbers(batch):
    analysis = analyse(batch)
    overlay = reference_overlay(analysis, "country=Syria")
    assert overlay.n == 69 and overlay.events == 10  # docs/reference-class.md
    data = overlay.to_dict()
    assert data["filter"]["country"] == "Syria"
    assert 0.5 < data["p_survive_336h"] < 0.9  # 25% broke down within 14 days
    low, high = data["p_survive_336h_ci"]
    assert low < data["p_survive_336h"] < high
    assert data["median_h"] == pytest.approx(41 * 24)  # 41 days
    for label in ("russia", "turkey"):
        entry = data["variants"][label]
        assert 0 <= entry["logrank_p"] <= 1
        diff = entry["difference_p_survive_336h"]
        sim = analysis.survival[label].p_survive_horizon.p
        assert diff == pytest.approx(data["p_survive_336h"] - sim)
        assert entry["difference_p_survive_336h_ci"][0] < diff
    # The simulated truce collapses far more often than Syrian ceasefires did.
    assert data["variants"]["russia"]["logrank_p"] < 0.001


def test_overlay_draws_the_dashed_reference_curve(batch):
    analysis = analyse(batch)
    overlay = reference_overlay(analysis, "country=Syria,mediator=Russia")
    ax = survival_plot(analysis, reference=overlay)
    labels = [line.get_label() for line in ax.get_lines()]
    assert overlay.label in labels
    assert overlay.label.startswith("real ceasefires: ") and overlay.label.endswith("(n=25)")
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == overlay.label]
    assert line.get_linestyle() == "--"
    assert max(line.get_xdata()) == pytest.approx(336.0)  # cut at the simulated horizon
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_compare_json_has_reference(batch, capsys):
    assert main(["compare", str(batch), "--json", "--reference", "country=Syria"]) == 0
    data = json.loads(capsys.readouterr().out)
    ref = data["reference"]
    assert {"filter", "n", "events", "p_survive_336h", "p_survive_336h_ci", "median_h"} <= set(ref)
    assert set(ref["variants"]) == {"russia", "turkey"}
    assert {"logrank_p", "difference_p_survive_336h", "difference_p_survive_336h_ci"} <= set(
        ref["variants"]["russia"]
    )
    assert set(data["variants"]) == {"russia", "turkey"}  # the usual output is all there


def test_compare_json_median_not_reached_is_null(batch, capsys):
    assert main(["compare", str(batch), "--json", "--reference"]) == 0  # every ceasefire
    ref = json.loads(capsys.readouterr().out)["reference"]
    assert ref["filter_text"] == "all ceasefires" and ref["n"] == 1127
    assert ref["median_h"] is None


def test_compare_text_and_plots(tmp_path, capsys):
    folder = write_batch(tmp_path / "b", {"russia": 0.012, "turkey": 0.008}, n=60)
    args = ["compare", str(folder), "--plots", "--reference", "country=Syria,mediator=Russia"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Reference class: real ceasefires: country contains 'Syria'" in out
    assert "russia: Real ceasefires" in out and "log-rank" in out
    assert (folder / "figures" / "survival.png").stat().st_size > 0


def test_report_has_reference_section(tmp_path, capsys):
    folder = write_batch(tmp_path / "b", {"russia": 0.012, "turkey": 0.008}, n=60)
    assert main(["report", str(folder), "--reference", "mediator=Russia"]) == 0
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="reference"' in text
    assert (
        text.index('id="comparisons"') < text.index('id="reference"') < text.index('id="reproduce"')
    )
    assert "mediator contains &#x27;Russia&#x27;" in text
    assert main(["report", str(folder)]) == 0  # without the option: no section
    assert 'id="reference"' not in (folder / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["compare", "report"])
@pytest.mark.parametrize(
    ("filt", "message"),
    [
        ("country=Narnia", "no ceasefire in the ETH/PRIO reference class matches"),
        ("colour=red", "unknown reference filter key"),
    ],
)
def test_bad_reference_exits_2(batch, capsys, command, filt, message):
    assert main([command, str(batch), "--reference", filt]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
