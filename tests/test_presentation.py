"""The presentation layer: tables, embedded figures, headless plotting, report kinds."""

from __future__ import annotations

import base64
from pathlib import Path

from sim.cli import main
from sim.presentation import Section, html_table, render_html, text_table
from sim.presentation import kinds as report_kinds
from sim.presentation.figures import figure_html, pyplot
from tests.test_cli_compare_report import write_batch

TOY_FILE = "toy.json"


def toy_sections(directory: Path) -> list[Section]:
    """Sections of the test's own kind of folder: present only beside a toy.json."""
    if not (directory / TOY_FILE).is_file():
        return []
    return [Section("toy", "A toy design", "<p>toy body</p>")]


def test_text_and_html_tables_show_the_same_cells_escaped_in_html():
    headers, rows = ["variant", "runs"], [["russia", "1,000"], ["<b>x</b>", "7"]]
    text = text_table(headers, rows).splitlines()
    assert text[0].split() == ["variant", "runs"] and text[2].endswith("1,000")
    table = html_table(headers, rows)
    assert "<td>&lt;b&gt;x&lt;/b&gt;</td>" in table and "<th>runs</th>" in table


def test_figure_is_embedded_as_base64_png_with_its_caption(tmp_path):
    png = b"\x89PNG\r\n\x1a\nfake"
    (tmp_path / "f.png").write_bytes(png)
    block = figure_html("survival", "How long <it> holds", tmp_path / "f.png")
    assert block.startswith('<figure id="figure-survival">')
    assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in block
    assert "<figcaption>How long &lt;it&gt; holds</figcaption>" in block
    page = render_html([Section("figures", "Figures", block)], "T")
    assert page.count('<section id="figures">') == 1 and "<title>T</title>" in page


def test_pyplot_is_headless():
    import matplotlib

    plt = pyplot()
    assert matplotlib.get_backend().lower() == "agg"
    assert plt.get_backend().lower() == "agg"


def test_the_designs_are_registered_by_dotted_name():
    registered = {k.name: k.sections for k in report_kinds.kinds()}
    assert {"sweep", "sensitivity", "uncertainty"} <= set(registered)
    for name in ("sweep", "sensitivity", "uncertainty"):
        target = registered[name]
        assert isinstance(target, str) and target.startswith("sim.experiments.")
        assert callable(report_kinds.resolve(target))


def test_a_new_kind_is_one_registration(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report_kinds, "_KINDS", dict(report_kinds._KINDS))
    report_kinds.register_kind(
        "toy", "tests.test_presentation:toy_sections", question="What does the toy show?"
    )
    folder = write_batch(tmp_path / "b", {"russia": 0.01, "turkey": 0.008}, n=40)
    assert report_kinds.detect(folder) is None  # a plain batch: the full report
    (folder / TOY_FILE).write_text("{}")
    kind, sections = report_kinds.detect(folder)
    assert kind.name == "toy" and [s.id for s in sections] == ["toy"]
    assert main(["report", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == str(folder / "report.html")
    page = (folder / "report.html").read_text()
    for section in ("question", "scenario", "toy", "reproduce"):
        assert f'id="{section}"' in page
    assert "What does the toy show?" in page and "Ceasefire toy report" in page
    assert 'id="comparisons"' not in page


def test_a_bad_dotted_name_says_what_was_expected():
    import pytest

    with pytest.raises(ValueError, match=r"target: expected 'package\.module:function'"):
        report_kinds.resolve("sim.sweep.sweep_sections")
