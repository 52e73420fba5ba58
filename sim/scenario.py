"""Load and validate scenario, mediator and variant files.

A scenario is a TOML file (for example `scenarios/daraa_2021.toml`); mediators
are TOML files in the `mediators/` folder beside it and variants (named
interventions, overlays of parameter changes) in `variants/`. Everything is
checked before any simulation starts: unknown keys, wrong types, values out of
range, missing files. Every error names the file, the key and what was
expected, as a `sim.errors.UserError`.

The loaded result is one frozen `Scenario` object that carries its mediators,
the applied variants and overrides, and the text and hash of every file read,
so a batch can record exactly what made it.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.resources import default_scenario, find_in_folder, looks_like_path, match_name
from sim.safe_input import check_name, decode_utf8, is_ascii_number_text, parse_toml
from sim.schema import (
    BASE_CAUSES,
    MAX_PARTIES,
    MAX_TERMS,
    MEDIATOR_LISTS,
    MEDIATOR_PARTY_PARAMS,
    MEDIATOR_STRINGS,
    RESERVED_KEYS,
    SCENARIO_LISTS,
    SCENARIO_STRINGS,
    TERM_DELIVERY,
    VARIANT_STRINGS,
    Param,
    mediator_defaults,
    mediator_params,
    scenario_defaults,
    scenario_params,
)

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = default_scenario()  # inside the installed package, or the checkout's

Value = float | int | bool
_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")


class ReadOnlyDict(dict):
    """A read-only dict that, unlike `types.ReadOnlyDict`, pickles.

    Scenarios travel to worker processes and Dask workers, so they must pickle.
    """

    def _readonly(self, *_args: Any, **_kwargs: Any) -> None:
        raise TypeError("scenario values are read-only; use apply_overrides")

    __setitem__ = __delitem__ = _readonly  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (ReadOnlyDict, (dict(self),))

    def __hash__(self) -> int:  # frozen dataclasses holding it stay hashable-by-identity
        return id(self)


@dataclass(frozen=True)
class SourceFile:
    """A file that was read, kept whole so results can record what made them."""

    path: str
    text: str
    sha256: str

    @classmethod
    def read(cls, path: Path) -> SourceFile:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise UserError("file not found", file=str(path)) from None
        except OSError as error:
            raise UserError(f"cannot read: {error.strerror}", file=str(path)) from None
        text = decode_utf8(raw, str(path))
        return cls(str(path), text, hashlib.sha256(raw).hexdigest())


@dataclass(frozen=True)
class Mediator:
    """A mediator as loaded from its file (see `sim.schema.MEDIATOR_PARAMS`)."""

    name: str
    label: str
    description: str
    values: Mapping[str, Value]
    provenance: Mapping[str, str]
    source: SourceFile | None = None

    def __getitem__(self, key: str) -> Value:
        return self.values[key]


@dataclass(frozen=True)
class Party:
    """An armed party of the scenario (`[actors.<key>]`)."""

    key: str
    label: str
    side: str
    signatory: bool
    patron: str | None = None


@dataclass(frozen=True)
class Term:
    """A term of the truce (`[terms.<key>]`)."""

    key: str
    label: str
    controller: str
    delivery: str  # "mediated" or "scheduled"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with every mediator it may need.

    Attributes:
        name: short identifier (`scenario.name`).
        title: one-line title.
        values: every numeric and boolean parameter, by dotted path.
        strings: labels and names, by dotted path.
        default_mediators: the mediators compared when the user names none.
        mediators: every loaded mediator, by name.
        provenance: the source note of each number that carried one.
        source: the scenario file as read.
        variants: names of the variant overlays applied, in order.
        overrides: `--set` overrides applied last, by dotted path.
        parties: the armed parties, in the order of the file (array order in the model).
        terms: the terms of the truce, in the order of the file.
    """

    name: str
    title: str
    values: Mapping[str, Value]
    strings: Mapping[str, str]
    default_mediators: tuple[str, ...]
    mediators: Mapping[str, Mediator]
    provenance: Mapping[str, str]
    source: SourceFile
    variants: tuple[SourceFile, ...] = ()
    overrides: Mapping[str, Value] = field(default_factory=dict)
    replacement_mediator: str | None = None
    parties: tuple[Party, ...] = ()
    terms: tuple[Term, ...] = ()
    ethprio_uniq_id: tuple[int, ...] = ()
    overlays: Mapping[str, Overlay] = field(default_factory=dict)

    @property
    def party_keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.parties)

    @property
    def term_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.terms)

    @property
    def sides(self) -> tuple[str, ...]:
        """The sides, in order of first appearance among the parties."""
        return tuple(dict.fromkeys(p.side for p in self.parties))

    @property
    def causes(self) -> tuple[str, ...]:
        """Every value the `cause` outcome can take: "none", a party, retaliation, walkout."""
        return (BASE_CAUSES[0], *self.party_keys, *BASE_CAUSES[1:])

    def party(self, key: str) -> Party:
        return self.parties[self.party_keys.index(key)]

    def params(self) -> dict[str, Param]:
        """Every numeric parameter of this scenario, by dotted path."""
        return scenario_params(self.party_keys, self.term_keys)

    def __getitem__(self, key: str) -> Value:
        return self.values[key]

    def resolve_mediator(self, requested: str) -> str:
        """The mediator a run asked to start with `requested` actually starts with.

        A variant may replace the mediator (the "no mediator" intervention does).
        """
        return self.replacement_mediator or match_name(requested, self.mediators) or requested

    def with_mediators(self, names: Iterable[str]) -> Scenario:
        """This scenario with the named mediators loaded too (from `mediators/` beside it)."""
        missing = [n for n in names if n not in self.mediators]
        if not missing:
            return self
        mediators_dir = Path(self.source.path).parent / "mediators"
        loaded = dict(self.mediators)
        for name in missing:
            mediator = load_mediator(name, mediators_dir, parties=self.parties)
            loaded[mediator.name] = mediator
        new = replace(self, mediators=ReadOnlyDict(loaded))
        # Overrides addressed to every mediator reach the newcomers too.
        every = {k: v for k, v in self.overrides.items() if k.startswith("mediator.")}
        if every:
            _values, mediators = _apply_values(new, every, file="--set")
            new = replace(new, mediators=ReadOnlyDict(mediators))
        return new

    def with_overlays(self, names: Iterable[str], *, strict: bool = False) -> Scenario:
        """This scenario with the named variant files read (from `variants/` beside it), not
        applied, together with any mediator they put in charge: `variant` then needs no file."""
        missing = [n for n in dict.fromkeys(names) if n not in self.overlays]
        if not missing:
            return self
        folder = Path(self.source.path).parent
        read = {n: read_overlay(n, folder / "variants", strict=strict) for n in missing}
        new = self.with_mediators([o.mediator for o in read.values() if o.mediator])
        return replace(new, overlays=ReadOnlyDict({**self.overlays, **read}))

    def variant(
        self, overlays: Sequence[str] = (), overrides: Mapping[str, Any] | None = None
    ) -> Scenario:
        """This scenario with loaded overlays applied in order, then `overrides`; reads no file.

        Raises:
            UserError: a value out of range, an unknown key, or an overlay not loaded
                (`with_overlays` loads it).
        """
        scenario = self
        for name in overlays:
            if name not in self.overlays:
                raise UserError(f"variant '{name}' was not loaded")
            scenario = apply_overlay(scenario, self.overlays[name])
        return apply_overrides(scenario, overrides or {})

    def mediator(self, name: str) -> Mediator:
        """The loaded mediator called `name`."""
        try:
            return self.mediators[name]
        except KeyError:
            known = ", ".join(sorted(self.mediators)) or "none"
            raise UserError(f"unknown mediator '{name}' (loaded: {known})") from None

    @property
    def horizon_h(self) -> float:
        return float(self.values["time.horizon_h"])

    @property
    def step_h(self) -> float:
        return float(self.values["time.step_h"])

    @property
    def n_steps(self) -> int:
        return round(self.horizon_h / self.step_h)

    @property
    def campaign(self) -> bool:
        """True if the run follows a campaign of successive truces (a [campaign] table)."""
        return float(self.values["campaign.length_h"]) > 0.0

    @property
    def campaign_steps(self) -> int:
        """Steps in the campaign: the first truce's steps when there is no campaign."""
        if not self.campaign:
            return self.n_steps
        return round(float(self.values["campaign.length_h"]) / self.step_h)

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(Path(v.path).stem for v in self.variants)

    def files(self) -> list[SourceFile]:
        """Every file this scenario was built from: scenario, mediators, variants."""
        mediator_files = [m.source for m in self.mediators.values() if m.source is not None]
        return [self.source, *mediator_files, *self.variants]


# --------------------------------------------------------------------------- parsing helpers


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


# --------------------------------------------------------------------------- mediators


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
    declared = mediator_params(keys)
    for key in flat:
        table, _, party = key.partition(".")
        if table in MEDIATOR_PARTY_PARAMS and party not in keys:
            raise UserError(
                f"no party '{party}' in the scenario; expected one of: {', '.join(keys)}",
                file=source.path,
                key=key,
            )
    parsed = _parse_table(
        flat,
        file=source.path,
        params=declared,
        strings=MEDIATOR_STRINGS,
        lists=MEDIATOR_LISTS,
        strict=strict,
    )
    _require_all(parsed, declared, file=source.path, optional=mediator_defaults(keys))
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


# --------------------------------------------------------------------------- overrides


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


# --------------------------------------------------------------------------- variants


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


# --------------------------------------------------------------------------- scenarios


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


def _read_parties(raw: Any, *, file: str) -> tuple[Party, ...]:
    """The `[actors.<key>]` tables: who fights, on which side, who signed, who restrains it."""
    if not isinstance(raw, dict) or not raw:
        raise UserError(
            "missing; expected a table [actors.<party>] per party", file=file, key="actors"
        )
    parties = []
    for key, table in raw.items():
        where = f"actors.{key}"
        _check_key(key, kind="party", file=file, where=where)
        if not isinstance(table, dict):
            raise UserError("expected a table", file=file, key=where)
        label = _take_string(table, "label", file=file, where=where, required=False) or key
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
    for key, table in raw.items():
        where = f"terms.{key}"
        _check_key(key, kind="term", file=file, where=where)
        if not isinstance(table, dict):
            raise UserError("expected a table", file=file, key=where)
        label = _take_string(table, "label", file=file, where=where, required=False) or key
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
    declared = scenario_params(party_keys, term_keys)
    flat = _flatten(table)
    parsed = _parse_table(
        flat,
        file=source.path,
        params=declared,
        strings=SCENARIO_STRINGS,
        lists=SCENARIO_LISTS,
        strict=strict,
    )
    _require_all(
        parsed, declared, file=source.path, optional=scenario_defaults(party_keys, term_keys)
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
