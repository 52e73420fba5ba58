"""`ceasefire explain [SCENARIO] --mediator A --mediator B`: why B differs from A."""

from __future__ import annotations

import argparse

from sim.commands._common import (
    DEFAULT_SEED,
    add_command,
    add_mediators_argument,
    add_scenario_argument,
    check_writable,
)

HELP = "why one mediator does better: Shapley decomposition over parameter groups"

DESCRIPTION = """\
Split the difference between two mediators in two-week survival and in
restricted mean survival over groups of mediator parameters (patrols,
monitoring, leverage over each party, credibility with each party, bias,
resolve, delivery, patience, spoiler management, everything else; declared in
sim/explain/groups.py) by exact Shapley values over group swaps.

Every world starts with the first mediator; a coalition of groups is a
parameter set in which those groups take the second mediator's values. All
2^k coalitions of the k groups on which the two differ run on the same runs
0..N-1 under the same seed (common random numbers), so the contributions add
up exactly to the difference; each gets a paired bootstrap interval over runs.
Groups on which the two agree contribute exactly 0 and are not simulated.

The coalitions are the points of a parameter design (the experiment
`explain`), run in memory in chunks of 50,000 worlds, on --workers processes;
the result does not depend on them.

Cost: 2^k x N worlds (8,192 x N for Russia against Turkey).

Example:
  ceasefire explain --mediator russia --mediator turkey --runs 200 --out results/explain"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `explain` sub-command."""
    parser = add_command(subparsers, "explain", HELP, DESCRIPTION)
    add_scenario_argument(parser)
    add_mediators_argument(
        parser,
        "the two mediators, A then B (the difference is B - A; default: the "
        "scenario's two mediators)",
    )
    parser.add_argument("--runs", type=int, default=200, help="runs per coalition (default 200)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed (as for batch)")
    parser.add_argument(
        "--bootstrap", type=int, default=2000, metavar="B", help="bootstrap resamples (2000)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (default: 1, this process)"
    )
    parser.add_argument("--out", default=None, metavar="DIR", help="write JSON, table, figures")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the options, decompose, print and write; exit status 2 on bad input."""
    import json

    from sim.errors import UserError
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    names = args.mediators or list(scenario.default_mediators)
    if len(names) != 2:
        raise UserError(f"--mediator: expected exactly two mediators, got {len(names)}")
    scenario = scenario.with_mediators(names)
    a, b = (scenario.resolve_mediator(n) for n in names)
    if a == b:
        raise UserError(f"--mediator: the two mediators are the same ('{a}')")
    if args.runs < 1:
        raise UserError(f"--runs: expected an integer >= 1, got {args.runs}")
    if args.bootstrap < 1:
        raise UserError(f"--bootstrap: expected an integer >= 1, got {args.bootstrap}")
    from sim.batch.limits import MAX_WORKERS, bounded

    bounded("--workers", args.workers, 1, MAX_WORKERS)
    if args.out is not None:
        check_writable(args.out)
    from sim.explain.decompose import decompose
    from sim.explain.output import format_table, to_dict, write_outputs

    result = decompose(
        scenario, a, b, runs=args.runs, seed=args.seed, n_boot=args.bootstrap, workers=args.workers
    )
    if args.json:
        print(json.dumps(to_dict(result), indent=2))
    else:
        print(format_table(result))
    if args.out is not None:
        from sim.presentation.figures import pyplot

        pyplot()  # headless, set in one place
        paths = write_outputs(result, args.out)
        if not args.json:
            print(f"\n{len(paths)} files written to {args.out}.")
    return 0
