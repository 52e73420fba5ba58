"""Reading TOML tables into typed, checked values (scenario, mediator and variant files)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.errors import UserError
from sim.safe_input import parse_toml
from sim.scenario.model import SourceFile, Value
from sim.schema import (
    MEDIATOR_LISTS,
    MEDIATOR_STRINGS,
    SCENARIO_LISTS,
    SCENARIO_STRINGS,
    Param,
    mediator_defaults,
    mediator_params,
    scenario_defaults,
    scenario_params,
)


def _parse_toml(source: SourceFile) -> dict[str, Any]:
    return parse_toml(source.text, source.path)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested tables to dotted paths, keeping {value, source} leaves whole."""
    flat: dict[str, Any] = {}
    for key, item in table.items():
        path = f"{prefix}{key}"
        if isinstance(item, dict) and not ("value" in item and set(item) <= {"value", "source"}):
            flat.update(_flatten(item, f"{path}."))
        else:
            flat[path] = item
    return flat


def _coerce(value: Any, param: Param, *, file: str, key: str) -> Value:
    """Check type and range of one value; return it as the declared type."""
    if param.kind == "bool":
        if not isinstance(value, bool):
            raise UserError(f"expected {param.expected()}, got {value!r}", file=file, key=key)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"expected {param.expected()}, got {value!r}", file=file, key=key)
    if param.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise UserError(f"expected {param.expected()}, got {value!r}", file=file, key=key)
        value = int(value)
    else:
        value = float(value)
    if (isinstance(value, float) and math.isnan(value)) or not param.accepts(value):
        raise UserError(f"expected {param.expected()}, got {value!r}", file=file, key=key)
    return value


def _split_provenance(raw: Any, *, file: str, key: str, strict: bool) -> tuple[Any, str | None]:
    if isinstance(raw, dict):
        if "value" not in raw:
            raise UserError(
                'expected a value or a table { value = ..., source = "..." }', file=file, key=key
            )
        source = raw.get("source")
        if source is not None and (not isinstance(source, str) or not source.strip()):
            raise UserError("expected 'source' to be a non-empty string", file=file, key=key)
        if strict and source is None:
            raise UserError(
                'has no provenance; expected { value = ..., source = "..." }', file=file, key=key
            )
        return raw["value"], source
    if strict and not isinstance(raw, str | list):
        raise UserError(
            'has no provenance; expected { value = ..., source = "..." }', file=file, key=key
        )
    return raw, None


@dataclass
class _Parsed:
    values: dict[str, Value] = field(default_factory=dict)
    strings: dict[str, str] = field(default_factory=dict)
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)


def _parse_table(
    flat: Mapping[str, Any],
    *,
    file: str,
    params: Mapping[str, Param],
    strings: Mapping[str, str],
    lists: Mapping[str, str],
    strict: bool,
) -> _Parsed:
    parsed = _Parsed()
    for key, raw in flat.items():
        if key in strings:
            if not isinstance(raw, str):
                raise UserError(f"expected a string, got {raw!r}", file=file, key=key)
            parsed.strings[key] = raw
        elif key in lists:
            if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
                raise UserError(f"expected a list of strings, got {raw!r}", file=file, key=key)
            parsed.lists[key] = tuple(raw)
        elif key in params:
            value, note = _split_provenance(raw, file=file, key=key, strict=strict)
            parsed.values[key] = _coerce(value, params[key], file=file, key=key)
            if note:
                parsed.provenance[key] = note
        else:
            raise UserError(
                f"unknown key; {_suggest(key, [*params, *strings, *lists])}", file=file, key=key
            )
    return parsed


def _suggest(key: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    section = key.split(".")[0]
    same_section = sorted(k for k in known if k.startswith(section + "."))
    if same_section:
        return "expected one of: " + ", ".join(same_section)
    sections = sorted({k.split(".")[0] for k in known})
    return "expected a key under one of: " + ", ".join(f"[{s}]" for s in sections)


def _require_all(
    parsed: _Parsed,
    params: Mapping[str, Param],
    *,
    file: str,
    optional: Mapping[str, Value] | None = None,
) -> None:
    optional = optional or {}
    for key, param in params.items():
        if key in parsed.values:
            continue
        if key in optional:
            parsed.values[key] = optional[key]
            continue
        raise UserError(f"missing; expected {param.expected()}", file=file, key=key)


@dataclass(frozen=True)
class FileKind:
    """What one kind of file declares (`sim.schema`), given its scenario's party (and term) keys.

    Attributes:
        params: the numeric parameters, from those keys.
        defaults: values of the parameters a file may leave out, from the same keys.
        strings: the string keys.
        lists: the keys holding lists of strings.
    """

    params: Callable[..., Mapping[str, Param]]
    defaults: Callable[..., Mapping[str, Value]]
    strings: Mapping[str, str]
    lists: Mapping[str, str]


SCENARIO_FILE = FileKind(scenario_params, scenario_defaults, SCENARIO_STRINGS, SCENARIO_LISTS)
MEDIATOR_FILE = FileKind(mediator_params, mediator_defaults, MEDIATOR_STRINGS, MEDIATOR_LISTS)


def parse_declared(
    flat: Mapping[str, Any],
    kind: FileKind,
    *keys: tuple[str, ...],
    file: str,
    strict: bool,
) -> _Parsed:
    """A file's flat table, typed and checked against what `kind` declares for `keys`
    (``kind.params(*keys)``), every required parameter present, the rest defaulted."""
    params = kind.params(*keys)
    parsed = _parse_table(
        flat, file=file, params=params, strings=kind.strings, lists=kind.lists, strict=strict
    )
    _require_all(parsed, params, file=file, optional=kind.defaults(*keys))
    return parsed
