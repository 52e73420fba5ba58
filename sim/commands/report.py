"""`ceasefire report DIR`: one self-contained HTML report of a batch."""

from __future__ import annotations

import argparse

DESCRIPTION = """\
Write DIR/report.html: the question, the scenario and mediator files used (with
their hashes and contents), survival per variant, comparisons with their tests
in plain words, the causes of collapse, every figure (embedded, so the file
stands alone; PNG and SVG copies go to DIR/figures/) and the command and seed
that reproduce the batch. A batch with one variant gets a report without the
comparisons. Prints the path of the report."""


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

    analysis = analyse(args.dir)
    overlay = None
    if getattr(args, "reference", None) is not None:
        from sim.analysis.reference_overlay import reference_overlay

        overlay = reference_overlay(analysis, args.reference)
    print(write_report(args.dir, analysis, reference=overlay))
    return 0
