"""Backtest cases described from their ETH/PRIO row.

Until the case library (scenario files with their own fact sheets) exists, a case
can be built from the ETH/PRIO table alone: its outcome (ending and duration), its
covariates for the survival regression, and the reference class a user would pick
for it (same country, same kind of term, its first-named mediator).
"""

from __future__ import annotations

import math
import re

import pandas as pd

from sim.errors import UserError
from sim.evidence.backtest import Case
from sim.evidence.distribution import ENDINGS
from sim.evidence.scores import Outcome
from sim.reference import PURPOSES, ReferenceFilter, load_reference_table, term_days


def case_from_table(
    uniq_id: str, table: pd.DataFrame | None = None, *, need_outcome: bool = True
) -> Case:
    """The case of one ETH/PRIO ceasefire, by `uniq_id`.

    With `need_outcome=False` a row whose ending or dates are unknown still gives its
    covariates and reference class (the outcome then comes from elsewhere, e.g. a
    case library's outcome.json); its `outcome` is a placeholder (None, 0 days).

    Raises:
        UserError: the id is not in the table, or its ending or dates are unknown
            (nothing to score it against).
    """
    table = load_reference_table() if table is None else table
    rows = table[table["uniq_id"].astype(str) == str(uniq_id)]
    if rows.empty:
        raise UserError(f"uniq_id {uniq_id} is not in the ETH/PRIO reference table")
    row = rows.iloc[0]
    known = row["included"] == 1
    if not known and need_outcome:
        raise UserError(
            f"uniq_id {uniq_id} cannot be scored: its ending or dates are unknown "
            f"({row['exclusion']})"
        )
    ending = row["outcome"] if row["outcome"] in ENDINGS else None
    term = term_days(rows.iloc[[0]]).iloc[0]
    mediators = [m.strip() for m in re.split(r"[,;]", row["mediators"]) if m.strip()]
    fixed = {0: False, 1: True}.get(int(row["fixed"]))
    return Case(
        id=f"{row['country'].strip()} {row['start_date']} ({uniq_id})",
        uniq_ids=(str(uniq_id),),
        outcome=Outcome(ending, float(row["duration_days"])) if known else Outcome(None, 0.0),
        covariates={
            "written": int(row["written"]) in (1, 2),
            "fixed": bool(fixed),
            "term_days": 0.0 if math.isnan(term) else float(term),
            "mediated": int(row["mediated"]) == 1,
            "purposes": [p for p in PURPOSES if int(row[f"p_{p}"]) == 1],
            "country": row["country"],
        },
        reference_filter=ReferenceFilter(
            country=row["country"],
            country_exact=True,
            fixed_term=fixed,
            mediator=mediators[0] if mediators else None,
            mediated=None if mediators else (False if int(row["mediated"]) == 0 else None),
        ),
    )
