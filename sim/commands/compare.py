"""`ceasefire compare DIR`: survival per variant and tests between variants."""

from __future__ import annotations

import argparse

from sim.commands._common import add_command, add_reference_argument, add_uncertainty_arguments

HELP = "compare mediators/variants of a batch: survival, tests, causes"

DESCRIPTION = """\
Read a batch folder (DIR/runs.parquet and DIR/manifest.json) and print, per
variant, Kaplan-Meier survival of the truce (runs that hold to the horizon are
censored): median time to collapse, the share still holding at 1, 3, 7 days
and at the horizon, the restricted mean survival time; the same for time to
the first violation; then for every pair of variants the log-rank test (Holm-
adjusted when there are more than two), the Cox hazard ratio, the difference in
survival at the horizon, and paired tests that use the common random numbers
(McNemar's exact test, Wilcoxon's signed-rank test); and the causes of collapse,
first violators and violations per actor with 95% intervals.

A comparison needs at least two variants: on a batch with one variant this
command stops with status 2 unless --single is given, which prints the single
variant's survival instead."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `compare` sub-command."""
    parser = add_command(subparsers, "compare", HELP, DESCRIPTION)
    parser.add_argument("dir", metavar="DIR", help="batch results folder")
    parser.add_argument(
        "--json", action="store_true", help="print the results as JSON instead of tables"
    )
    parser.add_argument(
        "--plots",
        action="store_true",
        help="also write the figures to DIR/figures/ (PNG and SVG)",
    )
    parser.add_argument(
        "--single",
        action="store_true",
        help="accept a batch with a single variant (print its survival, no comparison) "
        "instead of stopping with status 2",
    )
    parser.add_argument(
        "--explain",
        type=int,
        nargs="?",
        const=200,
        default=None,
        metavar="RUNS",
        help="with exactly two mediators: also split their difference over parameter groups "
        "(as `ceasefire explain`, RUNS runs per coalition, default 200; the batch's seed) and "
        "write it to DIR/explain/, where `ceasefire report` finds it",
    )
    add_reference_argument(parser)
    add_uncertainty_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Analyse DIR and print tables or JSON; exit status 2 on bad input."""
    from pathlib import Path

    from sim.analysis import analyse
    from sim.errors import UserError

    analysis = analyse(args.dir)
    if not analysis.can_compare and not args.single:
        raise UserError(
            f"a comparison needs at least two variants, but this batch has only "
            f"{analysis.variants[0]!r}; run a batch with two or more mediators "
            "(e.g. --mediator russia --mediator turkey), or pass --single to see its survival",
            file=str(args.dir),
        )
    overlay = None
    if getattr(args, "reference", None) is not None:
        from sim.analysis.reference_overlay import reference_overlay

        overlay = reference_overlay(analysis, args.reference)
    explained = None
    if getattr(args, "explain", None) is not None:
        import json as _json

        from sim.explain.batch import explain_batch, two_mediators

        if args.explain < 1:
            raise UserError(f"--explain: expected runs >= 1, got {args.explain}")
        manifest = _json.loads((Path(args.dir) / "manifest.json").read_text(encoding="utf-8"))
        two_mediators(manifest)  # refuse before any work
        from sim.presentation.figures import pyplot

        pyplot()  # headless, set in one place
        explained = explain_batch(args.dir, args.explain)
    from sim.commands._common import run_uncertainty_for, uncertainty_requested
    from sim.experiments.uncertainty_batch import found

    if uncertainty_requested(args):  # run it now into DIR/uncertainty/
        uncertainty = run_uncertainty_for(args, args.dir)
    else:  # or show what an earlier study or compare left there
        uncertainty = found(args.dir)
    if args.json:
        if uncertainty is not None:
            import json

            from sim.analysis import _nan_to_none

            data = analysis.to_dict()
            if overlay is not None:
                data["reference"] = overlay.to_dict()
            data["uncertainty"] = uncertainty.to_json()
            print(json.dumps(_nan_to_none(data), indent=2))
        elif overlay is None:
            print(analysis.to_json())
        else:
            import json

            from sim.analysis import _nan_to_none

            data = analysis.to_dict()
            data["reference"] = overlay.to_dict()
            print(json.dumps(_nan_to_none(data), indent=2))
    else:
        print(analysis.format_table())
        if overlay is not None:
            print("\n" + overlay.format_text())
        if explained is not None:
            print("\n" + explained)
        if uncertainty is not None:
            print("\n" + uncertainty.format_text())
    if args.plots:
        from sim.presentation.figures import pyplot

        pyplot()  # headless, set in one place
        from sim.analysis.figures import write_figures

        paths = write_figures(analysis, Path(args.dir) / "figures", reference=overlay)
        if not args.json:  # keep --json output parseable
            print(f"\nFigures written to {Path(args.dir) / 'figures'} ({len(paths)} files).")
    return 0
