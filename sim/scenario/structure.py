"""The structure of a scenario: parties, sides and terms, and rules across values."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sim.errors import UserError
from sim.scenario.model import _KEY_PATTERN, Party, Scenario, Term
from sim.schema import (
    MAX_PARTIES,
    MAX_TERMS,
    RESERVED_KEYS,
    TERM_DELIVERY,
)


def _check_consistency(scenario: Scenario, *, file: str) -> None:
    """Rules that involve more than one value."""
    steps = scenario.horizon_h / scenario.step_h
    if abs(steps - round(steps)) > 1e-9:
        raise UserError(
            f"expected a whole number of steps: horizon {scenario.horizon_h:g} h is not a "
            f"multiple of the step {scenario.step_h:g} h",
            file=file,
            key="time.horizon_h",
        )
    if scenario.campaign:
        length = float(scenario.values["campaign.length_h"])
        steps = length / scenario.step_h
        if length < scenario.horizon_h or abs(steps - round(steps)) > 1e-9:
            raise UserError(
                f"expected a campaign at least as long as the truce's horizon "
                f"({scenario.horizon_h:g} h) and a whole number of steps of "
                f"{scenario.step_h:g} h; got {length:g} h",
                file=file,
                key="campaign.length_h",
            )
    if scenario.values["switch.enabled"]:
        target = scenario.strings.get("switch.to")
        if not target:
            raise UserError(
                "switch.enabled is true but no mediator is named; expected "
                'switch.to = "<mediator>"',
                file=file,
                key="switch.to",
            )
        if target not in scenario.mediators:
            raise UserError(f"unknown mediator '{target}' to switch to", file=file, key="switch.to")
        requester = scenario.strings.get("switch.requested_by")
        if requester not in scenario.party_keys:
            raise UserError(
                f"expected the key of the party that asks for the switch, one of: "
                f"{', '.join(scenario.party_keys)}; got {requester!r}",
                file=file,
                key="switch.requested_by",
            )


def _check_key(key: str, *, kind: str, file: str, where: str) -> None:
    if not _KEY_PATTERN.fullmatch(key):
        raise UserError(
            f"expected a {kind} key of lower-case letters, digits and _ "
            f"(starting with a letter, at most 32 characters), got '{key}'",
            file=file,
            key=where,
        )
    if key in RESERVED_KEYS:
        raise UserError(
            f"'{key}' is a reserved word; expected another {kind} key", file=file, key=where
        )


def _take_string(
    table: dict[str, Any], name: str, *, file: str, where: str, required: bool
) -> str | None:
    raw = table.pop(name, None)
    if raw is None:
        if required:
            raise UserError("missing; expected a string", file=file, key=f"{where}.{name}")
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise UserError(
            f"expected a non-empty string, got {raw!r}", file=file, key=f"{where}.{name}"
        )
    return raw


def _keyed_tables(
    raw: dict[str, Any], section: str, kind: str, file: str
) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """Each `[section.<key>]` table, its key checked: (key, dotted name, table, label)."""
    for key, table in raw.items():
        where = f"{section}.{key}"
        _check_key(key, kind=kind, file=file, where=where)
        if not isinstance(table, dict):
            raise UserError("expected a table", file=file, key=where)
        label = _take_string(table, "label", file=file, where=where, required=False) or key
        yield key, where, table, label


def _read_parties(raw: Any, *, file: str) -> tuple[Party, ...]:
    """The `[actors.<key>]` tables: who fights, on which side, who signed, who restrains it."""
    if not isinstance(raw, dict) or not raw:
        raise UserError(
            "missing; expected a table [actors.<party>] per party", file=file, key="actors"
        )
    parties = []
    for key, where, table, label in _keyed_tables(raw, "actors", "party", file):
        side = _take_string(table, "side", file=file, where=where, required=True)
        patron = _take_string(table, "patron", file=file, where=where, required=False)
        signatory = table.pop("signatory", None)
        if not isinstance(signatory, bool):
            raise UserError(
                f"expected true or false, got {signatory!r}", file=file, key=f"{where}.signatory"
            )
        parties.append(Party(key, label, side, signatory, patron))
    if not 2 <= len(parties) <= MAX_PARTIES:
        raise UserError(
            f"expected from 2 to {MAX_PARTIES} parties, got {len(parties)}", file=file, key="actors"
        )
    sides = {p.side for p in parties}
    if len(sides) < 2:
        raise UserError(
            f"every party is on side '{parties[0].side}': a party with no adversary; expected "
            "parties on at least two sides",
            file=file,
            key=f"actors.{parties[0].key}.side",
        )
    return tuple(parties)


def _read_terms(raw: Any, parties: tuple[Party, ...], *, file: str) -> tuple[Term, ...]:
    """The `[terms.<key>]` tables: what each term is, who controls it, how it comes about."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise UserError("expected a table [terms.<term>] per term", file=file, key="terms")
    keys = tuple(p.key for p in parties)
    terms = []
    for key, where, table, label in _keyed_tables(raw, "terms", "term", file):
        controller = _take_string(table, "controller", file=file, where=where, required=True)
        if controller not in keys:
            raise UserError(
                f"no party '{controller}'; expected the key of the party that controls the "
                f"term, one of: {', '.join(keys)}",
                file=file,
                key=f"{where}.controller",
            )
        delivery = _take_string(table, "delivery", file=file, where=where, required=False)
        delivery = delivery or "mediated"
        if delivery not in TERM_DELIVERY:
            raise UserError(
                f"expected one of {', '.join(TERM_DELIVERY)}, got '{delivery}'",
                file=file,
                key=f"{where}.delivery",
            )
        for table_name in ("benefits", "threatens", "relieves"):
            sub = table.get(table_name, {})
            if not isinstance(sub, dict):
                raise UserError(
                    "expected a table of party = value", file=file, key=f"{where}.{table_name}"
                )
            for party in sub:
                if party not in keys:
                    raise UserError(
                        f"no party '{party}'; expected one of: {', '.join(keys)}",
                        file=file,
                        key=f"{where}.{table_name}.{party}",
                    )
        terms.append(Term(key, label, controller, delivery))
    if len(terms) > MAX_TERMS:
        raise UserError(f"expected at most {MAX_TERMS} terms", file=file, key="terms")
    return tuple(terms)


def _read_sides(declared: Sequence[str], parties: tuple[Party, ...], *, file: str) -> None:
    """An optional `scenario.sides` list must match the parties' sides exactly."""
    if not declared:
        return
    used = {p.side for p in parties}
    for side in declared:
        if side not in used:
            raise UserError(
                f"side '{side}' has no party; expected each side to have at least one party",
                file=file,
                key="scenario.sides",
            )
    for party in parties:
        if party.side not in declared:
            raise UserError(
                f"side '{party.side}' is not in scenario.sides ({', '.join(declared)})",
                file=file,
                key=f"actors.{party.key}.side",
            )
