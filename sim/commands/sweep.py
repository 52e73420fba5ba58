"""`ceasefire sweep SCENARIO --grid KEY=START:STOP:COUNT ...`: a full factorial parameter sweep."""

from __future__ import annotations

import argparse
import sys

from sim.commands._common import (
    add_execution_arguments,
    add_override_arguments,
    add_scenario_argument,
    execution_options,
    overlay_names,
    parse_overrides,
)

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
    """Options shared by `sweep` and `sensitivity`: mediators, runs, overlays, execution."""
    parser.add_argument(
        "--mediator",
        dest="mediators",
        action="append",
        default=[],
        metavar="NAME",
        help="mediator to compare: a name (any case) or a file path (repeatable; default: "
        "the scenario's scenario.mediators)",
    )
    parser.add_argument(
        runs_flag,
        dest="runs",
        type=int,
        default=runs_default,
        metavar="N",
        help=f"{runs_help} (default: {runs_default:,})",
    )
    add_override_arguments(parser)
    add_execution_arguments(parser, out_help="results folder")


def run(args: argparse.Namespace) -> int:
    """Plan, run, analyse and plot the sweep; exit status 2 on bad input."""
    import matplotlib

    matplotlib.use("Agg")
    from pathlib import Path

    from sim.batch import load_for_batch
    from sim.experiments.sweep import plan_sweep, run_sweep
    from sim.experiments.sweep_analysis import analyse_sweep
    from sim.experiments.sweep_figures import write_sweep_figures

    overlays = overlay_names(args.variants)
    scenario = load_for_batch(  # every file the sweep needs, read once
        args.scenario, args.mediators or None, ["+".join(overlays)] if overlays else []
    )
    plan = plan_sweep(
        scenario,
        args.grid,
        mediators=args.mediators,
        overlays=overlays,
        overrides=parse_overrides(args.overrides),
    )
    n_variants = plan.n_points * len(plan.mediators)
    print(
        f"Sweep: {plan.n_points:,} grid points x {len(plan.mediators)} mediator(s) x "
        f"{args.runs:,} runs = {n_variants * args.runs:,} runs",
        file=sys.stderr,
    )
    run_sweep(
        scenario,
        plan,
        runs=args.runs,
        seed=args.seed,
        out=args.out,
        **execution_options(args),
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
