"""Mediator files: found by name or path beside the scenario, validated against its parties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.resources import find_in_folder, looks_like_path
from sim.scenario.model import Mediator, Party, ReadOnlyDict, SourceFile
from sim.scenario.parsing import MEDIATOR_FILE, _flatten, _parse_toml, parse_declared
from sim.schema import MEDIATOR_PARTY_PARAMS


def _find_file(kind: str, name: str, folder: Path) -> Path:
    """The file of a named mediator or variant: `folder/<name>.toml`, or `name` as a path."""
    path = Path(name) if looks_like_path(name) else find_in_folder(name, folder)
    if not path.exists():
        available = sorted(p.stem for p in folder.glob("*.toml"))
        raise UserError(
            f"unknown {kind} '{name}': no file {path} (available: {', '.join(available) or 'none'})"
        )
    return path


def _party_keys_in_file(flat: Mapping[str, Any]) -> tuple[str, ...]:
    """The party keys a mediator file names (for checking it without a scenario)."""
    keys = [k.split(".")[1] for k in flat if k.split(".")[0] in MEDIATOR_PARTY_PARAMS]
    return tuple(dict.fromkeys(k for k in keys if k))


def load_mediator(
    name_or_path: str,
    mediators_dir: Path,
    *,
    parties: Sequence[Party] | None = None,
    strict: bool = False,
) -> Mediator:
    """Load one mediator by name (a file in `mediators_dir`) or by path.

    Args:
        parties: the scenario's parties; the file must give leverage and credibility for
            each and may name no other. Without them (validating a file on its own) the
            parties the file names are taken as given.
    """
    path = _find_file("mediator", name_or_path, mediators_dir)
    source = SourceFile.read(path)
    flat = _flatten(_parse_toml(source))
    keys = tuple(p.key for p in parties) if parties is not None else _party_keys_in_file(flat)
    for key in flat:
        table, _, party = key.partition(".")
        if table in MEDIATOR_PARTY_PARAMS and party not in keys:
            raise UserError(
                f"no party '{party}' in the scenario; expected one of: {', '.join(keys)}",
                file=source.path,
                key=key,
            )
    parsed = parse_declared(flat, MEDIATOR_FILE, keys, file=source.path, strict=strict)
    if parties is not None:
        for party in parties:
            if parsed.values[f"patron_pressure.{party.key}"] > 0 and party.patron is None:
                raise UserError(
                    f"party '{party.key}' has no patron in the scenario, so no pressure "
                    "can reach it through one; expected 0 or a patron for the party",
                    file=source.path,
                    key=f"patron_pressure.{party.key}",
                )
    name = parsed.strings.get("mediator.name", path.stem)
    if name != path.stem:
        raise UserError(
            f"expected the file's name '{path.stem}', got '{name}'",
            file=source.path,
            key="mediator.name",
        )
    return Mediator(
        name=name,
        label=parsed.strings.get("mediator.label", name.capitalize()),
        description=parsed.strings.get("mediator.description", ""),
        values=ReadOnlyDict(parsed.values),
        provenance=ReadOnlyDict(parsed.provenance),
        source=source,
    )
