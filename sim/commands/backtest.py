"""`ceasefire backtest`: score forecasts of real truces against what happened.

For now the two baselines only: the ETH/PRIO reference-class base rate and a
survival regression on ETH/PRIO covariates, each fitted without the case itself
(leave one out), scored on ceasefires of the ETH/PRIO table chosen by uniq_id:
Brier score of breakdown within 1, 7 and 14 days, log score of the observed ending
and time (docs/statistics.md). The simulator joins as a predictor when the case
library exists (sim.evidence.backtest.SamplePredictor).
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `backtest` sub-command."""
    parser = subparsers.add_parser(
        "backtest",
        help="score the baselines' forecasts of real ceasefires (ETH/PRIO), leave one out",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--case",
        action="append",
        required=True,
        metavar="UNIQ_ID",
        help="ETH/PRIO uniq_id of a ceasefire to predict (repeatable)",
    )
    parser.add_argument(
        "--min-n",
        type=int,
        default=10,
        metavar="N",
        help="widen a reference class smaller than N ceasefires (default 10)",
    )
    parser.add_argument("--out", metavar="DIR", help="write backtest.json and backtest.png here")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Score the baselines on the chosen cases."""
    import json

    from sim.errors import UserError
    from sim.evidence.backtest import format_table, run_backtest
    from sim.evidence.baselines import ReferenceClassBaseline, SurvivalRegressionBaseline
    from sim.evidence.cases import case_from_table
    from sim.reference import load_reference_table

    if args.min_n < 1:
        raise UserError(f"--min-n must be at least 1, not {args.min_n}")
    if len(set(args.case)) != len(args.case):
        raise UserError("--case: each uniq_id once")
    if args.out:
        from sim.commands._common import check_writable

        check_writable(args.out)  # refused before any work, not after the scoring
    table = load_reference_table()
    cases = [case_from_table(uid, table) for uid in args.case]
    predictors = [
        ReferenceClassBaseline(min_n=args.min_n, table=table),
        SurvivalRegressionBaseline(table=table),
    ]
    result = run_backtest(cases, predictors)
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        paths = result.write(args.out)  # OS errors: one line from the results writer
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_table(result))
        if args.out:
            print("\nWritten: " + ", ".join(str(p) for p in paths))
    return 0
