"""`ceasefire sweep SCENARIO --grid KEY=START:STOP:COUNT ...`: a full factorial parameter sweep."""

from __future__ import annotations

import argparse
import sys

from sim.commands._common import add_batch_arguments, add_command, add_scenario_argument

HELP = "sweep parameters over a grid: survival against each parameter, per mediator"

DESCRIPTION = """\
Simulate every point of a grid over one or more parameters under every
mediator, as one batch with common random numbers (replicate i of every point and
mediator meets the same luck, so differences between points come from the
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
    parser = add_command(subparsers, "sweep", HELP, DESCRIPTION)
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


def run(args: argparse.Namespace) -> int:
    """Plan, run, analyse and plot the sweep; exit status 2 on bad input."""
    from sim.presentation.figures import pyplot

    pyplot()  # headless, chosen in one place

    from sim.commands._common import design_inputs, execution_options, print_design_result
    from sim.experiments.sweep import plan_sweep, run_sweep
    from sim.experiments.sweep_analysis import analyse_sweep
    from sim.experiments.sweep_figures import write_sweep_figures

    scenario, overlays, overrides = design_inputs(args)
    plan = plan_sweep(
        scenario,
        args.grid,
        mediators=args.mediators,
        overlays=overlays,
        overrides=overrides,
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
    print_design_result(args, analysis, write_sweep_figures(analysis))
    return 0
