"""The scenario as one frozen object: its values, parties, terms, mediators and files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UserError
from sim.resources import default_scenario, match_name
from sim.safe_input import decode_utf8
from sim.schema import (
    BASE_CAUSES,
    Param,
    scenario_params,
)

DEFAULT_SCENARIO = default_scenario()  # inside the installed package, or the checkout's

Value = float | int | bool
_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")

if TYPE_CHECKING:
    from sim.scenario.overlays import Overlay


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
        from sim.scenario.mediators import load_mediator as _load_mediator

        mediators_dir = Path(self.source.path).parent / "mediators"
        loaded = dict(self.mediators)
        for name in missing:
            mediator = _load_mediator(name, mediators_dir, parties=self.parties)
            loaded[mediator.name] = mediator
        new = replace(self, mediators=ReadOnlyDict(loaded))
        # Overrides addressed to every mediator reach the newcomers too.
        every = {k: v for k, v in self.overrides.items() if k.startswith("mediator.")}
        if every:
            from sim.scenario.overrides import _apply_values

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
        from sim.scenario.overlays import read_overlay

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
        from sim.scenario.overlays import apply_overlay
        from sim.scenario.overrides import apply_overrides

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
