"""`ceasefire sweep SCENARIO --grid KEY=START:STOP:COUNT ...`: a full factorial parameter sweep."""

from __future__ import annotations

import argparse
import shlex
import sys

from sim.commands._common import add_override_arguments, add_scenario_argument, parse_overrides

DESCRIPTION = """\
Simulate every point of a grid over one or more parameters under every
mediator, as one batch with common random numbers (run i of every point and
mediator shares its seeds, so differences between points come from the
parameter, not from noise). Then print, per mediator and point, the Kaplan-
Meier share of runs holding the whole truce and the median time to collapse
(with 95% intervals; 'not reached' when more than half the runs hold), and
draw both against each parameter in DIR/figures/sweep_<key>.png|svg.

DIR holds the batch (runs.parquet, manifest.json) and sweep.json (the grid).
Interrupted? Run the same command with --resume.

Example:
  ceasefire sweep --grid escalation.collapse_threshold=1.5:4:6 \\
      --mediator russia --mediator turkey --runs 2000 --seed 1 --out results/sweep"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `sweep` sub-command."""
    parser = subparsers.add_parser(
        "sweep",
        help="sweep parameters over a grid: survival against each parameter, per mediator",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_scenario_argument(parser)
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        required=True,
        metavar="KEY=START:STOP:COUNT",
        help="sweep KEY over COUNT evenly spaced values from START to STOP (repeatable: "
        "the full factorial of every --grid is run)",
    )
    add_batch_arguments(parser, runs_default=1000, runs_help="runs per grid point and mediator")
    parser.add_argument(
        "--json", action="store_true", help="print the estimates as JSON instead of a table"
    )
    parser.set_defaults(func=run)


def add_batch_arguments(
    parser: argparse.ArgumentParser, *, runs_default: int, runs_help: str, runs_flag: str = "--runs"
) -> None:
    """Options shared by `sweep` and `sensitivity`: mediators, runs, seed, folder, executors."""
    parser.add_argument(
        "--mediator",
        dest="mediators",
        action="append",
        default=[],
        metavar="NAME",
        help="mediator to compare (repeatable; default: the scenario's scenario.mediators)",
    )
    parser.add_argument(
        runs_flag, dest="runs", type=int, default=runs_default, metavar="N", help=runs_help
    )
    parser.add_argument("--seed", type=int, default=20210828, help="seed of the whole batch")
    parser.add_argument("--out", required=True, metavar="DIR", help="results folder")
    add_override_arguments(parser)
    parser.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: all cores)"
    )
    parser.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster: a scheduler address, or 'local'",
    )
    parser.add_argument(
        "--chunk-size", type=int, default=None, metavar="K", help="worlds per chunk"
    )
    parser.add_argument("--resume", action="store_true", help="finish an interrupted run in DIR")


def command_line() -> str:
    """The command as typed, for the manifest."""
    return "ceasefire " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def run(args: argparse.Namespace) -> int:
    """Plan, run, analyse and plot the sweep; exit status 2 on bad input."""
    import matplotlib

    matplotlib.use("Agg")
    from pathlib import Path

    from sim.sweep import analyse_sweep, plan_sweep, run_sweep, write_sweep_figures

    plan = plan_sweep(
        args.scenario,
        args.grid,
        mediators=args.mediators,
        overlays=args.variants,
        overrides=parse_overrides(args.overrides),
    )
    n_variants = plan.n_points * len(plan.mediators)
    print(
        f"Sweep: {plan.n_points:,} grid points x {len(plan.mediators)} mediator(s) x "
        f"{args.runs:,} runs = {n_variants * args.runs:,} runs",
        file=sys.stderr,
    )
    run_sweep(
        args.scenario,
        plan,
        runs=args.runs,
        seed=args.seed,
        out=args.out,
        workers=args.workers,
        dask=args.dask,
        chunk_size=args.chunk_size,
        resume=args.resume,
        command=command_line(),
    )
    analysis = analyse_sweep(args.out)
    paths = write_sweep_figures(analysis)
    if args.json:
        import json

        print(json.dumps(analysis.to_dict(), indent=2))
    else:
        print(analysis.format_table())
        print(f"\nFigures written to {Path(args.out) / 'figures'} ({len(paths)} files).")
    return 0
