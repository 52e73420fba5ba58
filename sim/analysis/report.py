"""The self-contained HTML report of a batch (and of a sweep or sensitivity folder).

`write_report` analyses a batch folder (unless given the analysis), draws the figures,
builds the sections (`sim.analysis.sections`) and writes DIR/report.html through the
one results writer; `write_focused_report` writes the report of a folder of another
kind (`sim.presentation.kinds`). Later analyses add sections with `extra_sections`.

The names of the tables and sections are re-exported here, where callers found them
before the split (`from sim.analysis.report import Section, html_table` in sweeps and
sensitivity).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.analysis.sections import (
    QUESTION,
    answer_section,
    breakdown_section,
    build_sections,
    comparisons_section,
    endings_section,
    figures_section,
    glossary_section,
    question_section,
    reproduce_section,
    scenario_section,
    survival_section,
)
from sim.analysis.tables import (
    comparison_rows,
    fmt_hours,
    fmt_mean,
    fmt_median,
    fmt_pct,
    fmt_share,
    format_text,
    share_table_rows,
    survival_table,
    violations_rows,
)
from sim.analysis.verdict import title_suffix
from sim.presentation.html import Section, render_html
from sim.presentation.tables import html_table, text_table

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis
    from sim.analysis.reference_overlay import ReferenceOverlay
    from sim.presentation.kinds import ReportKind

REPORT_FILE = "report.html"

__all__ = [
    "QUESTION",
    "REPORT_FILE",
    "Section",
    "answer_section",
    "breakdown_section",
    "build_sections",
    "comparison_rows",
    "comparisons_section",
    "endings_section",
    "figures_section",
    "fmt_hours",
    "fmt_mean",
    "fmt_median",
    "fmt_pct",
    "fmt_share",
    "format_text",
    "glossary_section",
    "html_table",
    "question_section",
    "render_html",
    "reproduce_section",
    "scenario_section",
    "share_table_rows",
    "survival_section",
    "survival_table",
    "text_table",
    "violations_rows",
    "write_focused_report",
    "write_report",
]


def write_report(
    directory: str | Path,
    analysis: BatchAnalysis | None = None,
    *,
    extra_sections: Sequence[Section] = (),
    figures: bool = True,
    reference: ReferenceOverlay | None = None,
) -> Path:
    """Analyse a batch folder (unless given the analysis) and write DIR/report.html.

    Figures are also written to DIR/figures/ as PNG and SVG.

    Args:
        directory: The batch folder.
        analysis: An existing analysis of that folder, to avoid redoing it.
        extra_sections: Sections appended before "How to reproduce" (e.g.
            sensitivity analysis from another module).
        figures: Draw and embed the figures.
        reference: Real ceasefires to overlay on the survival figure, with their own
            section (id ``reference``) after the comparisons
            (`sim.analysis.reference_overlay.reference_overlay`).

    Returns:
        The path of the report.
    """
    from sim.analysis.result import analyse

    directory = Path(directory)
    if analysis is None:
        analysis = analyse(directory)
    embedded: list[tuple[str, str, Path]] = []
    if figures:
        from sim.analysis.figures import FIGURES, write_figures

        paths = write_figures(analysis, directory / "figures", reference=reference)
        by_name = {p.stem: p for p in paths if p.suffix == ".png"}
        embedded = [(s.name, s.title, by_name[s.name]) for s in FIGURES if s.name in by_name]
    sections = build_sections(analysis, embedded)
    if reference is not None:
        after = next(i for i, s in enumerate(sections) if s.id == "comparisons") + 1
        sections.insert(after, reference.section())
    sections = sections[:-1] + list(extra_sections) + sections[-1:]
    scenario = (analysis.batch.manifest.get("scenario") or {}).get("name")
    title = "Ceasefire batch report" + (f": {scenario}" if scenario else "")
    suffix = title_suffix(analysis.batch.manifest)
    if suffix:
        title += f" ({suffix})"
    from sim.results import ResultsFolder

    folder = ResultsFolder(directory)
    for figure in embedded:
        folder.note(figure[2])
    path = folder.write_text(REPORT_FILE, render_html(sections, title))
    folder.record()  # the manifest lists the report and figures with their hashes
    return path


def write_focused_report(directory: str | Path, kind: ReportKind, extra: Sequence[Section]) -> Path:
    """Report of a folder of another kind (sweep, sensitivity): its question, the
    scenario, the kind's sections and how to reproduce it; returns the path."""
    from types import SimpleNamespace

    from sim.analysis.load import load_batch
    from sim.presentation.html import paragraph
    from sim.results import ResultsFolder

    directory = Path(directory)
    batch = load_batch(directory)
    view = SimpleNamespace(batch=batch)  # the two sections read only the manifest and path
    question = Section("question", "The question", paragraph(kind.question, "question"))
    sections = [question, scenario_section(view), *extra, reproduce_section(view)]
    name = (batch.manifest.get("scenario") or {}).get("name", "")
    folder = ResultsFolder(directory)
    path = folder.write_text(
        REPORT_FILE, render_html(sections, f"Ceasefire {kind.name} report: {name}")
    )
    folder.record()
    return path
