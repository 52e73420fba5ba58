"""Variant files (named interventions): read once, applied without reading again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.scenario.mediators import _find_file
from sim.scenario.model import ReadOnlyDict, Scenario, SourceFile
from sim.scenario.overrides import _apply_values
from sim.scenario.parsing import _parse_toml, _split_provenance
from sim.scenario.structure import _check_consistency
from sim.schema import (
    VARIANT_STRINGS,
)


@dataclass(frozen=True)
class Overlay:
    """A variant file, read and checked once: what it sets, and whom it puts in charge.

    Attributes:
        name: as it was asked for (a name in `variants/`, or a path).
        source: the file as read.
        mediator: the mediator the variant puts in charge at hour 0 (``none``, say), if any.
        assignments: ``{dotted key: value}`` of its ``[set]`` table, typed as in the file.
    """

    name: str
    source: SourceFile
    mediator: str | None
    assignments: Mapping[str, Any]


def read_overlay(name: str, variants_dir: Path, *, strict: bool) -> Overlay:
    """Read and check the structure of one variant file (its values are checked on use)."""
    path = _find_file("variant", name, variants_dir)
    source = SourceFile.read(path)
    table = _parse_toml(source)
    unknown = set(table) - {"variant", "set"}
    if unknown:
        raise UserError(
            "unknown section; expected [variant] and [set]",
            file=source.path,
            key=sorted(unknown)[0],
        )
    header = table.get("variant", {})
    if not isinstance(header, dict):
        raise UserError("expected a table", file=source.path, key="variant")
    replacement_mediator = None
    for key, raw in header.items():
        full = f"variant.{key}"
        if full == "variant.mediator":
            if not isinstance(raw, str):
                raise UserError(
                    f"expected a mediator name, got {raw!r}", file=source.path, key=full
                )
            replacement_mediator = raw
        elif full not in VARIANT_STRINGS:
            raise UserError(
                "unknown key; expected name, description or mediator", file=source.path, key=full
            )
        elif not isinstance(raw, str):
            raise UserError(f"expected a string, got {raw!r}", file=source.path, key=full)
        elif full == "variant.name" and raw != path.stem:
            raise UserError(
                f"expected the file's name '{path.stem}', got '{raw}'", file=source.path, key=full
            )
    assignments = {}
    set_table = table.get("set", {})
    if not isinstance(set_table, dict):
        raise UserError("expected a table of KEY = value", file=source.path, key="set")
    for key, raw in set_table.items():
        value, _note = _split_provenance(raw, file=source.path, key=f"set.{key}", strict=strict)
        if isinstance(value, str):  # a file's values are typed, as in a scenario file
            raise UserError(
                f"expected a number or true/false, got the string {value!r}",
                file=source.path,
                key=f"set.{key}",
            )
        assignments[key] = value
    return Overlay(name, source, replacement_mediator, ReadOnlyDict(assignments))


def apply_overlay(scenario: Scenario, overlay: Overlay) -> Scenario:
    """`scenario` with one variant applied; reads no file (its mediator must be loaded)."""
    if overlay.mediator is not None and overlay.mediator not in scenario.mediators:
        raise UserError(
            f"mediator '{overlay.mediator}' is not loaded",
            file=overlay.source.path,
            key="variant.mediator",
        )
    try:
        values, mediators = _apply_values(scenario, overlay.assignments, file=overlay.source.path)
    except UserError as error:
        if error.file is None:
            raise UserError(error.detail, file=overlay.source.path, key=error.key) from None
        raise
    new = replace(
        scenario,
        values=ReadOnlyDict(values),
        mediators=ReadOnlyDict(mediators),
        variants=(*scenario.variants, overlay.source),
    )
    if overlay.mediator is not None:
        new = replace(new, replacement_mediator=overlay.mediator)
    _check_consistency(new, file=overlay.source.path)
    return new
