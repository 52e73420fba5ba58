"""The outcome columns of a run, declared once.

Every layer reads this declaration: the model fills these columns, the batch store gives
them their Arrow types, the loader and the analysis find the parties and terms in them,
and `docs/results-format.md` describes them. A column the store does not know is an
error, never silently dropped (`check_columns`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.scenario import Scenario


@dataclass(frozen=True)
class Column:
    """One outcome column: its name, Arrow type, whether NaN means missing, and meaning."""

    name: str
    kind: str  # "int64", "int32", "float64", "bool" or "string"
    doc: str
    nullable: bool = False


def outcome_columns(party_keys: Sequence[str], term_keys: Sequence[str]) -> tuple[Column, ...]:
    """The outcome columns of a run of a scenario with these parties and terms, in order."""
    return (
        Column("run", "int64", "run index within its variant (pairs runs across variants)"),
        Column(
            "duration_h",
            "float64",
            "hours until collapse, or the horizon if it held (with a campaign: the hour a "
            "broader agreement replaced it, if one did first)",
        ),
        Column("collapsed", "bool", "the truce collapsed before its horizon"),
        Column(
            "cause",
            "string",
            "what ended it: a party key (its violence led), 'retaliation' (a spiral fed by "
            "two sides), 'mediator_walkout', or 'none' (it held)",
        ),
        Column("first_violation_h", "float64", "hour of the first violation", nullable=True),
        Column("first_violator", "string", "party that violated first (null: none)"),
        *(
            Column(f"violations_{p}", "int32", f"violations by {p} (hours in which it fired)")
            for p in party_keys
        ),
        *(
            Column(f"{t}_open_h", "float64", f"hours the term '{t}' was in force")
            for t in term_keys
        ),
        Column("agreement", "bool", "talks at the horizon reached a long-term agreement"),
        *(
            Column(f"credibility_{p}", "float64", f"the mediator's final credibility with {p}")
            for p in party_keys
        ),
        Column("switch_h", "float64", "hour another mediator took over", nullable=True),
        Column("final_mediator", "string", "the mediator in charge at the end"),
        Column("n_truces", "int32", "truces in the campaign (1 without a [campaign] table)"),
        Column(
            "truce_hours",
            "float64",
            "hours under truce over the campaign (duration_h without a campaign)",
        ),
        Column(
            "campaign_end",
            "string",
            "how the campaign ended: 'agreement' (talks at a term, or a truce replaced by a "
            "broader agreement), 'lapsed' (a term reached, no agreement, no extension), "
            "'no_new_truce' (a breakdown and no new truce brokered), 'campaign_over' "
            "(campaign.length_h reached) or 'spell_limit' (the 16th truce ended)",
        ),
    )


SPELL_ENDINGS = ("breakdown", "replaced", "expired", "cut")
"""How a truce ended (codes of `sim.rules.state`); 'cut': still holding when the campaign
ended (right-censored)."""
CAMPAIGN_ENDS = ("agreement", "lapsed", "no_new_truce", "campaign_over", "spell_limit")


def spell_columns(party_keys: Sequence[str]) -> tuple[Column, ...]:
    """The columns of spells.parquet: one row per truce of a run."""
    return (
        Column("run", "int64", "run index within its variant (as in runs.parquet)"),
        Column("spell", "int32", "truce number within the run, from 0 (the first truce)"),
        Column("start_h", "float64", "campaign hour the truce started"),
        Column("end_h", "float64", "campaign hour it ended"),
        Column(
            "ending",
            "string",
            "'breakdown' (collapse or walkout), 'replaced' (by a broader agreement), "
            "'expired' (reached its term) or 'cut' (held until the campaign's end)",
        ),
        Column(
            "first_violation_h",
            "float64",
            "campaign hour of its first violation",
            nullable=True,
        ),
        Column("first_violator", "string", "party that violated first (null: none)"),
        *(
            Column(f"violations_{p}", "int32", f"violations by {p} during this truce")
            for p in party_keys
        ),
        Column("mediator", "string", "the mediator in charge when it ended"),
    )


def scenario_columns(scenario: Scenario) -> tuple[Column, ...]:
    return outcome_columns(scenario.party_keys, scenario.term_keys)


def parties_in(columns: Iterable[str]) -> tuple[str, ...]:
    """The party keys of a results table, read from its `violations_<party>` columns."""
    return tuple(c.removeprefix("violations_") for c in columns if c.startswith("violations_"))


def check_columns(outcomes: Mapping[str, np.ndarray], columns: Sequence[Column]) -> None:
    """Every outcome must be declared and every declared column present."""
    declared = {c.name for c in columns} - {"run"}
    given = set(outcomes)
    if given != declared:
        extra = sorted(given - declared)
        missing = sorted(declared - given)
        raise ValueError(
            f"outcomes do not match their declaration: extra {extra}, missing {missing}"
        )
