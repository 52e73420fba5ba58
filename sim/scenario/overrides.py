"""`--set KEY=VALUE` overrides: which keys exist, and applying them like file values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sim.errors import UserError
from sim.safe_input import is_ascii_number_text
from sim.scenario.model import Mediator, ReadOnlyDict, Scenario, Value
from sim.scenario.parsing import _coerce, _suggest
from sim.scenario.structure import _check_consistency
from sim.schema import (
    Param,
    mediator_params,
)


def parse_assignment(text: str) -> tuple[str, str]:
    """Split a `KEY=VALUE` command-line assignment."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise UserError(f"expected KEY=VALUE (for example actors.regime.base=-6), got '{text}'")
    return key.strip(), value.strip()


def _parse_literal(text: str) -> Any:
    lowered = text.lower()
    if not is_ascii_number_text(text):  # int("-٦") is -6: not what the user typed
        return text
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def override_param(key: str, scenario: Scenario) -> Param:
    """The declaration behind an override key, or a UserError saying what keys exist.

    Keys are scenario paths (`actors.regime.base`, `terms.crossing.due_h`),
    `mediator.<param>` (every mediator in the run) or `mediators.<name>.<param>`
    (one mediator).
    """
    declared = scenario.params()
    if key in declared:
        return declared[key]
    per_mediator = mediator_params(scenario.party_keys)
    head, _, rest = key.partition(".")
    if head == "mediator" and rest in per_mediator:
        return per_mediator[rest]
    if head == "mediators":
        name, _, param = rest.partition(".")
        if param in per_mediator:
            if name not in scenario.mediators:
                raise UserError(
                    f"no mediator '{name}' in this run "
                    f"(loaded: {', '.join(sorted(scenario.mediators))})",
                    key=key,
                )
            return per_mediator[param]
    known = [*declared, *(f"mediator.{p}" for p in per_mediator)]
    raise UserError(f"no such parameter; {_suggest(key, known)}", key=key)


def _apply_values(
    scenario: Scenario, assignments: Mapping[str, Any], *, file: str
) -> tuple[dict[str, Value], dict[str, Mediator]]:
    values = dict(scenario.values)
    mediator_values = {name: dict(m.values) for name, m in scenario.mediators.items()}
    declared = scenario.params()
    for key, raw in assignments.items():
        param = override_param(key, scenario)
        value = _coerce(
            _parse_literal(raw) if isinstance(raw, str) else raw, param, file=file, key=key
        )
        head, _, rest = key.partition(".")
        if key in declared:
            values[key] = value
        elif head == "mediator":
            for per_mediator in mediator_values.values():
                per_mediator[rest] = value
        else:
            name, _, param_key = rest.partition(".")
            mediator_values[name][param_key] = value
    mediators = {
        name: replace(m, values=ReadOnlyDict(mediator_values[name]))
        for name, m in scenario.mediators.items()
    }
    return values, mediators


def apply_overrides(
    scenario: Scenario, overrides: Mapping[str, Any], *, file: str = "--set"
) -> Scenario:
    """A copy of `scenario` with `overrides` applied, each validated like a file value."""
    if not overrides:
        return scenario
    typed = {}
    for key, raw in overrides.items():
        try:
            param = override_param(key, scenario)
        except UserError as error:  # say where the key came from
            raise UserError(error.detail, file=file, key=key) from None
        typed[key] = _coerce(
            _parse_literal(raw) if isinstance(raw, str) else raw, param, file=file, key=key
        )
    values, mediators = _apply_values(scenario, typed, file=file)
    new = replace(
        scenario,
        values=ReadOnlyDict(values),
        mediators=ReadOnlyDict(mediators),
        overrides=ReadOnlyDict({**scenario.overrides, **typed}),
    )
    _check_consistency(new, file=file)
    return new
