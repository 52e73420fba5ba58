"""`ceasefire report DIR`: one self-contained HTML report of a batch."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.commands._common import add_command, add_reference_argument

HELP = "write a self-contained HTML report of a batch (DIR/report.html)"

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
    parser = add_command(subparsers, "report", HELP, DESCRIPTION)
    parser.add_argument("dir", metavar="DIR", help="batch results folder")
    add_reference_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Analyse DIR, write the report of its kind, print its path."""
    from sim.presentation.figures import pyplot

    pyplot()  # headless, set in one place
    from sim.analysis import analyse, write_report
    from sim.analysis.report import write_focused_report
    from sim.presentation.kinds import batch_extras, detect

    directory = Path(args.dir)
    found = detect(directory)  # the registry of report kinds: sweep, sensitivity, ...
    if found is not None:
        # Hundreds of design points are not variants to compare pairwise: the kind's
        # sections are the analysis.
        print(write_focused_report(directory, *found))
        return 0
    analysis = analyse(directory)
    overlay = None
    if getattr(args, "reference", None) is not None:
        from sim.analysis.reference_overlay import reference_overlay

        overlay = reference_overlay(analysis, args.reference)
    extra = batch_extras(directory)
    print(write_report(directory, analysis, reference=overlay, extra_sections=extra))
    return 0
