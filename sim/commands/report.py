"""`ceasefire report DIR`: one self-contained HTML report of a batch."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """\
Write DIR/report.html: the question, the scenario and mediator files used (with
their hashes and contents), survival per variant, comparisons with their tests
in plain words, the causes of collapse, every figure (embedded, so the file
stands alone; PNG and SVG copies go to DIR/figures/) and the command and seed
that reproduce the batch. A batch with one variant gets a report without the
comparisons. A sweep or sensitivity folder gets its own report: the grid or the
indices, with the scenario and how to reproduce it. Prints the path of the
report."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `report` sub-command."""
    parser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report of a batch (DIR/report.html)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", metavar="DIR", help="batch results folder")
    from sim.commands.compare import add_reference_argument

    add_reference_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Analyse DIR, write the report, print its path."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis import analyse, write_report
    from sim.sensitivity import sensitivity_sections
    from sim.sweep import sweep_sections

    directory = Path(args.dir)
    extra = [*sweep_sections(directory), *sensitivity_sections(directory)]
    if extra:
        # Hundreds of design points are not variants to compare pairwise: the sweep or
        # sensitivity sections are the analysis.
        print(_write_focused_report(directory, extra))
        return 0
    analysis = analyse(directory)
    overlay = None
    if getattr(args, "reference", None) is not None:
        from sim.analysis.reference_overlay import reference_overlay

        overlay = reference_overlay(analysis, args.reference)
    from sim.experiments.uncertainty_batch import report_sections
    from sim.explain.batch import report_section

    section = report_section(directory)
    extra_sections = [section] if section is not None else []
    extra_sections += report_sections(directory)
    print(write_report(directory, analysis, reference=overlay, extra_sections=extra_sections))
    return 0


def _write_focused_report(directory: Path, extra: list) -> Path:
    """Report of a sweep or sensitivity folder: scenario, its sections, how to reproduce."""
    from types import SimpleNamespace

    from sim.analysis.load import load_batch
    from sim.analysis.report import (
        REPORT_FILE,
        Section,
        render_html,
        reproduce_section,
        scenario_section,
    )

    batch = load_batch(directory)
    view = SimpleNamespace(batch=batch)  # the two sections read only the manifest and path
    question = Section(
        "question",
        "The question",
        '<p class="question">Which assumptions drive how long the truce holds?</p>',
    )
    sections = [question, scenario_section(view), *extra, reproduce_section(view)]
    name = (batch.manifest.get("scenario") or {}).get("name", "")
    from sim.results import ResultsFolder

    kind = "sweep" if extra[0].id == "sweep" else "sensitivity"
    folder = ResultsFolder(directory)
    path = folder.write_text(REPORT_FILE, render_html(sections, f"Ceasefire {kind} report: {name}"))
    folder.record()
    return path
