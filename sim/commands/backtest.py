"""`ceasefire backtest`: score forecasts of real truces against what happened.

Without --case: every case folder of the library (scenarios/cases/<case>/ with an
outcome.json) is predicted by the model (its scenario under its first mediator), with
--calibrate also by the model with shared parameters fitted by ABC to the other cases
(leave one out), and by three baselines: the ETH/PRIO reference-class base rate and a
survival regression on ETH/PRIO covariates, each fitted without the case itself, and
the other cases' own first violations ("case base rate"; ETH/PRIO records none).
With --case UNIQ_ID: the two ETH/PRIO baselines only, on ceasefires chosen by uniq_id.
Scores: Brier score of breakdown within 1, 7 and 14 days, log score of the observed
ending and time (docs/statistics.md), log scores of the time to first violation and,
where a case's scenario has a campaign, of the number of truces (sim/evidence/
quantities.py); "n/a" where a predictor cannot forecast a quantity. Skill of each
predictor against each baseline, and a plain verdict score by score.
"""

from __future__ import annotations

import argparse
from typing import Any

from sim.commands._common import add_command

HELP = "score the model's and the baselines' forecasts of real ceasefires, leave one out"


def register(subparsers: Any) -> None:
    """Add the `backtest` sub-command."""
    parser = add_command(subparsers, "backtest", HELP, __doc__)
    parser.add_argument(
        "--case",
        action="append",
        metavar="UNIQ_ID",
        help="score the baselines only on this ETH/PRIO ceasefire (repeatable); "
        "default: the model and baselines on every library case",
    )
    parser.add_argument(
        "--cases-dir", metavar="DIR", help="case library folder (default scenarios/cases)"
    )
    parser.add_argument(
        "--runs", type=int, default=2000, metavar="N", help="model runs per case (default 2000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="simulation seed (default 0)")
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="add a row for the model with shared parameters fitted by ABC to the other cases",
    )
    parser.add_argument(
        "--draws", type=int, default=20_000, metavar="N", help="ABC prior draws (default 20000)"
    )
    parser.add_argument(
        "--accept",
        type=float,
        default=0.01,
        metavar="Q",
        help="share of ABC draws kept (default 0.01; docs/calibration.md)",
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
    """Score the predictors on the chosen cases."""
    import json

    from sim.errors import UserError
    from sim.evidence.backtest import format_table, run_backtest
    from sim.evidence.baselines import ReferenceClassBaseline, SurvivalRegressionBaseline
    from sim.evidence.cases import case_from_table
    from sim.reference import load_reference_table

    if args.min_n < 1:
        raise UserError(f"--min-n must be at least 1, not {args.min_n}")
    for name in ("runs", "draws"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name} must be at least 1, not {getattr(args, name)}")
    if not 0 < args.accept <= 1:
        raise UserError(f"--accept must be in (0, 1], not {args.accept}")
    if args.case and len(set(args.case)) != len(args.case):
        raise UserError("--case: each uniq_id once")
    if args.out:
        from sim.commands._common import check_writable

        check_writable(args.out)  # refused before any work, not after the scoring
    table = load_reference_table()
    lines: list[str] = []
    if args.case:
        cases = [case_from_table(uid, table) for uid in args.case]
        predictors = [
            ReferenceClassBaseline(min_n=args.min_n, table=table),
            SurvivalRegressionBaseline(table=table),
        ]
        result = run_backtest(cases, predictors)
    else:
        from sim.evidence.library import CASES_DIR, list_cases
        from sim.evidence.library_backtest import backtest_library, verdict

        folders = list_cases(args.cases_dir or CASES_DIR)
        done = backtest_library(
            folders,
            table,
            runs=args.runs,
            seed=args.seed,
            calibrate=args.calibrate,
            draws=args.draws,
            accept=args.accept,
            min_n=args.min_n,
        )
        result = done.result
        lines += [f"Skipped {name}: {why}" for name, why in done.skipped]
        lines += ["", "Does the model beat the baselines?", *verdict(result)]
    if args.out:
        from sim.presentation.figures import pyplot

        pyplot()  # headless, set in one place
        paths = result.write(args.out)  # OS errors: one line from the results writer
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_table(result))
        if lines:
            print("\n".join(lines))
        if args.out:
            print("\nWritten: " + ", ".join(str(p) for p in paths))
    return 0
