"""`ceasefire study`: the main job. Batch, comparison and report in one command."""

from __future__ import annotations

import argparse

DEFAULT_RUNS = 100_000

DESCRIPTION = f"""\
Answer "how long does this truce hold, and would another mediator do better?"
in one go: run a batch of the scenario under each mediator (default: the Daraa
2021 scenario, Russia against Turkey, {DEFAULT_RUNS:,} runs each), compare them
(Kaplan-Meier survival with censoring, log-rank and paired tests, causes of
collapse, first violators), draw the figures and write a self-contained HTML
report, all into results/<scenario>-<timestamp>/ (or --out). Prints the table
and where the report is."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `study` sub-command."""
    from sim.commands._common import add_override_arguments, add_scenario_argument

    parser = subparsers.add_parser(
        "study",
        help="the main job: batch + comparison + report (default: Daraa, Russia vs Turkey)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_scenario_argument(parser)
    parser.add_argument(
        "--mediator",
        dest="mediators",
        action="append",
        default=None,
        metavar="NAME",
        help="mediator to compare (repeatable; default: the scenario's)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=DEFAULT_RUNS,
        help=f"runs per mediator and variant (default: {DEFAULT_RUNS:,})",
    )
    parser.add_argument("--seed", type=int, default=20210828, help="batch seed (default: 20210828)")
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="results folder (default: results/<scenario>-<timestamp>)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: all cores)"
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="run the batch on a Dask cluster ('local' starts one)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="finish an interrupted study in --out DIR"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_override_arguments(parser)
    parser.set_defaults(func=run)


def _default_out(scenario_path: str) -> str:
    from datetime import datetime
    from pathlib import Path

    from sim.scenario import load_scenario

    name = load_scenario(scenario_path).name
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return str(Path("results") / f"{name}-{stamp}")


def run(args: argparse.Namespace) -> int:
    """Batch, analyse, plot, report; print the table and the report's path."""
    import shlex
    import sys
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis import analyse, write_report
    from sim.batch import BatchFailed, run_batch
    from sim.commands._common import parse_overrides
    from sim.errors import UserError

    overrides = parse_overrides(args.overrides)
    if args.resume and args.out is None:
        raise UserError("--resume needs --out DIR: the folder of the study to finish")
    out = args.out or _default_out(args.scenario)  # run_batch creates it once input is valid
    command = shlex.join(["ceasefire", *sys.argv[1:]]) if sys.argv[1:2] == ["study"] else None
    try:
        result = run_batch(
            args.scenario,
            mediators=args.mediators,
            variants=args.variants,
            overrides=overrides,
            runs=args.runs,
            seed=args.seed,
            out=out,
            workers=args.workers,
            dask=args.dask,
            resume=args.resume,
            progress=not args.quiet,
            command=command,
        )
    except BatchFailed as error:
        print(f"ceasefire study: {error}", file=sys.stderr)
        return 1
    analysis = analyse(result.path)
    print(analysis.format_table())
    report = write_report(result.path, analysis)
    print(f"\n{result.n_runs:,} runs in {result.path}")
    print(f"Report: {report}")
    print(f"Figures: {Path(result.path) / 'figures'}")
    return 0
