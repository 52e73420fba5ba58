"""`load_scenario`: a scenario file with its mediators, variants and overrides, validated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.safe_input import check_name
from sim.scenario.mediators import load_mediator
from sim.scenario.model import DEFAULT_SCENARIO, Mediator, ReadOnlyDict, Scenario, SourceFile
from sim.scenario.overlays import apply_overlay
from sim.scenario.overrides import apply_overrides
from sim.scenario.parsing import SCENARIO_FILE, _flatten, _parse_toml, parse_declared
from sim.scenario.structure import _check_consistency, _read_parties, _read_sides, _read_terms


def load_scenario(
    path: str | Path = DEFAULT_SCENARIO,
    *,
    mediators: Sequence[str] | None = None,
    variants: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
    strict: bool = False,
) -> Scenario:
    """Load, validate and assemble a scenario.

    Args:
        path: the scenario TOML file.
        mediators: mediators to load besides the scenario's defaults and its switch target;
            names of files in `mediators/` beside the scenario, or paths.
        variants: variant overlays (names of files in `variants/`, or paths), applied in order.
        overrides: `KEY=VALUE` overrides by dotted path, applied after the variants.
        strict: require a provenance note on every number.

    Returns:
        The validated `Scenario`.

    Raises:
        UserError: for any problem, naming the file, the key and what was expected.
    """
    path = Path(path)
    source = SourceFile.read(path)
    table = _parse_toml(source)
    parties = _read_parties(table.get("actors"), file=source.path)
    terms = _read_terms(table.get("terms"), parties, file=source.path)
    header = table.get("scenario", {})
    sides = header.pop("sides", []) if isinstance(header, dict) else []
    if not isinstance(sides, list) or not all(isinstance(x, str) for x in sides):
        raise UserError(
            f"expected a list of strings, got {sides!r}", file=source.path, key="scenario.sides"
        )
    _read_sides(sides, parties, file=source.path)
    uniq = header.pop("ethprio_uniq_id", []) if isinstance(header, dict) else []
    if not isinstance(uniq, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in uniq
    ):
        raise UserError(
            f"expected a list of integers, got {uniq!r}",
            file=source.path,
            key="scenario.ethprio_uniq_id",
        )
    party_keys = tuple(p.key for p in parties)
    term_keys = tuple(t.key for t in terms)
    flat = _flatten(table)
    parsed = parse_declared(
        flat, SCENARIO_FILE, party_keys, term_keys, file=source.path, strict=strict
    )
    for key in ("scenario.name",):
        if key not in parsed.strings:
            raise UserError("missing; expected a string", file=source.path, key=key)
    check_name(parsed.strings["scenario.name"], file=source.path, key="scenario.name")
    defaults = parsed.lists.get("scenario.mediators", ())
    if not defaults:
        raise UserError(
            "missing; expected a non-empty list of mediator names",
            file=source.path,
            key="scenario.mediators",
        )

    mediators_dir = path.parent / "mediators"
    # Each mediator with the key that asked for it, so an error can point there.
    wanted = [(name, "scenario.mediators") for name in defaults]
    wanted += [(name, None) for name in mediators or ()]
    if parsed.values.get("switch.enabled") and parsed.strings.get("switch.to"):
        wanted.append((parsed.strings["switch.to"], "switch.to"))
    loaded: dict[str, Mediator] = {}
    for name, asked_by in wanted:
        try:
            mediator = load_mediator(name, mediators_dir, parties=parties, strict=strict)
        except UserError as error:
            if error.file is not None or asked_by is None:
                raise
            raise UserError(error.detail, file=source.path, key=asked_by) from None
        loaded.setdefault(mediator.name, mediator)

    scenario = Scenario(
        name=parsed.strings["scenario.name"],
        title=parsed.strings.get("scenario.title", parsed.strings["scenario.name"]),
        values=ReadOnlyDict(parsed.values),
        strings=ReadOnlyDict(parsed.strings),
        default_mediators=tuple(defaults),
        mediators=ReadOnlyDict(loaded),
        provenance=ReadOnlyDict(parsed.provenance),
        source=source,
        parties=parties,
        terms=terms,
        ethprio_uniq_id=tuple(uniq),
    )
    _check_consistency(scenario, file=source.path)
    scenario = scenario.with_overlays(variants, strict=strict)
    for variant in variants:
        scenario = apply_overlay(scenario, scenario.overlays[variant])
    return apply_overrides(scenario, overrides or {})
