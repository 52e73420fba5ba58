"""`ceasefire optimise [SCENARIO] --mediator NAME --budget B`: the best package of levers."""

from __future__ import annotations

import argparse

from sim.commands._common import DEFAULT_SEED, add_command, add_scenario_argument, check_writable

HELP = "best package of a mediator's levers under a budget (scipy)"

DESCRIPTION = """\
Search a mediator's levers (patrols, resolve, delivery, monitoring, pressure on
the spoilers' patron; costs per unit in sim/optimise.py, LEVERS) for the
package that most raises two-week survival within a budget, with scipy's
differential evolution. Each generation of candidates is one set of worlds on
the same runs (common random numbers). With --uncertain, every candidate is
run under a Latin hypercube of draws of those parameters and judged by the
mean (--robust expected) or the worst draw (--robust worst). The best packages
are re-run on fresh runs for their survival and 95% Wilson intervals.

Example:
  ceasefire optimise --mediator turkey --budget 5 \\
      --uncertain actors.militia.spoiling=1:4 --robust worst"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `optimise` sub-command."""
    parser = add_command(subparsers, "optimise", HELP, DESCRIPTION)
    add_scenario_argument(parser)
    parser.add_argument("--mediator", required=True, metavar="NAME", help="the mediator")
    parser.add_argument("--budget", type=float, required=True, help="budget (cost units)")
    parser.add_argument(
        "--cost", action="append", default=[], metavar="LEVER=VALUE", help="cost per unit"
    )
    parser.add_argument(
        "--uncertain",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH",
        help="an uncertain parameter and its range (repeatable)",
    )
    parser.add_argument("--robust", choices=("expected", "worst"), default="expected")
    parser.add_argument("--draws", type=int, default=8, help="draws of the uncertain (8)")
    parser.add_argument("--runs", type=int, default=300, help="runs per candidate (300)")
    parser.add_argument("--check-runs", type=int, default=2000, help="fresh runs (2000)")
    parser.add_argument("--generations", type=int, default=20, help="generations (20)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", default=None, metavar="DIR", help="write optimum.json there")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def _pairs(items: list[str], option: str) -> dict[str, str]:
    from sim.errors import UserError

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise UserError(f"{option}: expected NAME=VALUE, got '{item}'")
        out[key.strip()] = value.strip()
    return out


def run(args: argparse.Namespace) -> int:
    """Check everything, search, print and write; exit status 2 on bad input."""
    import json

    from sim.errors import UserError
    from sim.optimise import LEVERS, optimise
    from sim.scenario import load_scenario, override_param

    scenario = load_scenario(args.scenario).with_mediators([args.mediator])
    if not args.budget > 0:
        raise UserError(f"--budget: expected a positive number, got {args.budget:g}")
    costs = {}
    for name, text in _pairs(args.cost, "--cost").items():
        if name not in {lv.name for lv in LEVERS}:
            raise UserError(
                f"--cost: no lever '{name}' (levers: {', '.join(lv.name for lv in LEVERS)})"
            )
        try:
            costs[name] = float(text)
        except ValueError:
            raise UserError(f"--cost: expected a number for {name}, got '{text}'") from None
        if not costs[name] > 0:
            raise UserError(f"--cost: expected a positive cost for {name}, got '{text}'")
    uncertain = {}
    for key, text in _pairs(args.uncertain, "--uncertain").items():
        param = override_param(key, scenario)
        try:
            low, high = (float(v) for v in text.split(":"))
        except ValueError:
            raise UserError(f"--uncertain: expected LOW:HIGH, got '{text}'", key=key) from None
        if not (low < high and param.accepts(low) and param.accepts(high)):
            raise UserError(f"--uncertain: range outside {param.expected()}", key=key)
        uncertain[key] = (low, high)
    for option in ("draws", "runs", "check_runs", "generations"):
        if getattr(args, option) < 1:
            raise UserError(f"--{option.replace('_', '-')}: expected an integer >= 1")
    if args.out is not None:
        check_writable(args.out)
    result = optimise(
        scenario,
        args.mediator,
        args.budget,
        costs=costs,
        uncertain=uncertain,
        robust=args.robust,
        n_draws=args.draws,
        runs=args.runs,
        check_runs=args.check_runs,
        seed=args.seed,
        maxiter=args.generations,
    )
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.format_table())
    if args.out is not None:
        from sim.results import ResultsFolder

        folder = ResultsFolder(args.out)
        with folder.undo_on_error():
            folder.write_json("optimum.json", {**result.to_dict(), "uncertain": uncertain})
    return 0
