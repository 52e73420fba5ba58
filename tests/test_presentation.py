"""The presentation layer: tables, embedded figures, headless plotting, report kinds."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

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


def test_a_figure_cropped_by_tight_box_is_the_png_tight_gives(tmp_path):
    import io

    from sim.presentation.figures import tight_box

    plt = pyplot()

    def drawn():
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot([0, 24, 48], [1.0, 0.6, 0.4], label="russia")
        ax.set_xlabel("hours since the truce was agreed")
        ax.set_title("a title wider than the axes, to be kept when cropping")
        ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.0))
        fig.tight_layout()
        return fig

    tight, boxed = io.BytesIO(), io.BytesIO()
    first, second = drawn(), drawn()
    first.savefig(tight, format="png", dpi=150, bbox_inches="tight")
    second.savefig(boxed, format="png", dpi=150, bbox_inches=tight_box(second, 150))
    plt.close(first)
    plt.close(second)
    assert tight.getvalue() == boxed.getvalue()


def test_json_text_and_figures_are_written_together_or_not_at_all(tmp_path):
    from sim.presentation.figures import write_json_text_figures
    from sim.results import ResultsFolder

    plt = pyplot()

    def figure():
        return plt.subplots()[1]

    def broken():
        raise RuntimeError("the figure could not be drawn")

    out = tmp_path / "new" / "result"
    paths = write_json_text_figures(
        ResultsFolder(out), "result", {"a": 1}, "a = 1", {"figures/one": figure}
    )
    names = sorted(p.relative_to(out).as_posix() for p in paths)
    assert names == ["figures/one.png", "figures/one.svg", "result.json", "result.txt"]
    assert (out / "result.txt").read_text(encoding="utf-8") == "a = 1\n"

    failed = tmp_path / "failed"
    with pytest.raises(RuntimeError):
        write_json_text_figures(
            ResultsFolder(failed), "result", {"a": 1}, "a = 1", {"figures/one": broken}
        )
    assert not failed.exists()  # nothing half-written is left in a folder it created
