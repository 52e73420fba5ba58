"""`ceasefire discover DIR`: PRIM boxes and a CART tree over a sweep or sensitivity folder."""

from __future__ import annotations

import argparse

from sim.commands._common import add_command

HELP = "scenario discovery (PRIM, CART) over a sweep or sensitivity folder"

DESCRIPTION = """\
Scenario discovery: under which assumptions does the truce hold two weeks?
Reads the runs of a sweep or sensitivity folder (every parameter that varied
between runs, and the mediator when there are several, as inputs; whether the
truce held past two weeks as the outcome) and finds PRIM boxes and a CART tree
with EMA Workbench (pip install 'ceasefire-sim[discover]'). Prints each box's
limits, coverage, density and mass; writes DIR/discovery/ (JSON, text, figure).

Example:
  ceasefire sensitivity --method morris --samples 10 --out results/morris
  ceasefire discover results/morris --threshold 0.8"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `discover` sub-command."""
    parser = add_command(subparsers, "discover", HELP, DESCRIPTION)
    parser.add_argument("dir", metavar="DIR", help="sweep or sensitivity results folder")
    parser.add_argument(
        "--outcome",
        choices=("holds", "collapses"),
        default="holds",
        help="cases of interest: the truce holds two weeks (default) or collapses before",
    )
    parser.add_argument(
        "--threshold", type=float, default=0.8, help="PRIM's least box density (default 0.8)"
    )
    parser.add_argument("--boxes", type=int, default=2, help="PRIM boxes to find (default 2)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the tables")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, check, discover, print and write; exit status 2 on bad input."""
    import json

    from sim.errors import UserError

    if not 0 < args.threshold <= 1:
        raise UserError(f"--threshold: expected a number in (0, 1], got {args.threshold}")
    if args.boxes < 1:
        raise UserError(f"--boxes: expected an integer >= 1, got {args.boxes}")
    import importlib.util

    if importlib.util.find_spec("ema_workbench") is None:
        raise UserError(
            "discover needs EMA Workbench: pip install 'ceasefire-sim[discover]'"
        ) from None
    from sim.presentation.figures import pyplot

    pyplot()  # headless, set in one place
    from sim.discover import discover, load_cases, write_outputs

    x, y = load_cases(args.dir, args.outcome)
    result = discover(x, y, threshold=args.threshold, n_boxes=args.boxes, outcome=args.outcome)
    paths = write_outputs(result, args.dir)
    if args.json:
        from sim.analysis import _nan_to_none

        print(json.dumps(_nan_to_none(result.to_dict()), indent=2, default=str))
    else:
        print(result.format_table())
        print(f"\n{len(paths)} files written to {args.dir}/discovery.")
    return 0
