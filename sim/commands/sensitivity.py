"""`ceasefire sensitivity SCENARIO --method morris|sobol`: global sensitivity analysis (SALib)."""

from __future__ import annotations

import argparse
import sys

from sim.commands._common import add_batch_arguments, add_command, add_scenario_argument

HELP = "global sensitivity analysis (Morris or Sobol', with SALib)"

DESCRIPTION = """\
Which parameters matter? Draw a design with SALib (Morris trajectories or a
Sobol'/Saltelli sample, seeded), simulate every design point under every
mediator as one batch with common random numbers, then compute with SALib,
per mediator, the sensitivity of three outputs:

  p_hold             Kaplan-Meier share of runs holding to the horizon
  median_collapse_h  Kaplan-Meier median hours to collapse (the horizon where
                     more than half the runs hold; the output says how often)
  first_violation_h  Kaplan-Meier restricted mean hours to the first violation,
                     up to the horizon (runs without one censored when
                     observation ended)

Morris prints mu*, sigma and mu*_conf; Sobol' prints S1, S1_conf, ST, ST_conf
(95% bootstrap intervals). Ranked bar charts go to DIR/figures/; the design
(DIR/design.json, design.npy, with a hash) is checked against the runs before
any analysis.

Without --param, the default set in scenarios/sensitivity_default.toml is used
(12 parameters: every actor's main incentive, the mediator's leverage, bias,
credibility, patrols and resolve; escalation; attribution).

Example:
  ceasefire sensitivity --method morris --mediator russia --mediator turkey \\
      --samples 10 --runs-per-point 1000 --seed 1 --out results/morris"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `sensitivity` sub-command."""
    parser = add_command(subparsers, "sensitivity", HELP, DESCRIPTION)
    add_scenario_argument(parser)
    parser.add_argument(
        "--method", choices=("morris", "sobol"), default="morris", help="(default: morris)"
    )
    parser.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH",
        help="a parameter and its bounds (repeatable; default: the set in "
        "scenarios/sensitivity_default.toml)",
    )
    parser.add_argument(
        "--params-file",
        default=None,
        metavar="FILE",
        help="read the parameters from a TOML file like scenarios/sensitivity_default.toml",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=None,
        metavar="N",
        help="Morris: trajectories (default 10); Sobol': base sample size N, a power of 2 "
        "(default 64; N x (parameters + 2) points)",
    )
    add_batch_arguments(
        parser,
        runs_default=1000,
        runs_help="runs per design point and mediator",
        runs_flag="--runs-per-point",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the indices as JSON instead of tables"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, design, run, analyse and plot; exit status 2 on bad input."""
    from sim.presentation.figures import pyplot

    pyplot()  # headless, chosen in one place

    from sim.commands._common import design_inputs, execution_options, print_design_result
    from sim.errors import UserError
    from sim.experiments.sensitivity import make_design, run_sensitivity
    from sim.experiments.sensitivity_analysis import analyse_sensitivity, write_results
    from sim.experiments.sensitivity_figures import write_sensitivity_figures
    from sim.experiments.sensitivity_params import (
        DEFAULT_PARAMS_FILE,
        load_default_params,
        parse_param,
    )

    scenario, overlays, overrides = design_inputs(args)
    mediators = list(dict.fromkeys(args.mediators or scenario.default_mediators))
    if args.params and args.params_file:
        raise UserError("give --param or --params-file, not both")
    if args.params:
        params = [parse_param(text, scenario) for text in args.params]
        keys = [p.key for p in params]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise UserError(f"--param: '{repeated[0]}' is given twice", key=repeated[0])
    else:
        params = load_default_params(args.params_file or DEFAULT_PARAMS_FILE, scenario)
    clash = sorted(set(overrides) & {p.key for p in params})
    if clash:
        raise UserError(f"--set: '{clash[0]}' is also a sampled parameter", key=clash[0])
    if args.runs < 1:
        raise UserError(f"--runs-per-point: expected an integer >= 1, got {args.runs}")
    design = make_design(
        args.method,
        params,
        samples=args.samples,
        seed=args.seed,
        mediators=mediators,
        runs_per_point=args.runs,
        overlays=overlays,
        overrides=overrides,
    )
    n_points = int(design.unique_points()[0].shape[0])
    print(
        f"Sensitivity ({args.method}): {design.n_rows:,} design points ({n_points:,} distinct) x "
        f"{len(mediators)} mediator(s) x {args.runs:,} runs = "
        f"{n_points * len(mediators) * args.runs:,} runs",
        file=sys.stderr,
    )
    run_sensitivity(
        scenario,
        design,
        out=args.out,
        **execution_options(args),
    )
    analysis = analyse_sensitivity(args.out)
    write_results(analysis)
    print_design_result(args, analysis, write_sensitivity_figures(analysis))
    return 0
