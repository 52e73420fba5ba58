"""What a batch simulates: variants, each a mediator plus overlays and overrides.

A *variant* is the unit of a batch: one mediator in charge at hour 0, the
variant overlays (files in ``scenarios/variants/``) applied in order, and
overrides specific to it. Its label, the `variant` column of ``runs.parquet``,
reads ``mediator[+overlay...][[key=value,...]]``, for example ``russia``,
``russia+patrols_in_force`` or ``turkey[conduct.resolve=0.8]``.

Overrides given for the whole batch (``--set``) apply to every variant; they go
in the manifest and in one column each, not in the labels.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.scenario import Scenario, load_scenario

_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]+")


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class VariantSpec:
    """One variant of a batch.

    Attributes:
        mediator: the mediator requested at hour 0 (an overlay may replace it, e.g.
            with ``none``; the `mediator` column then says who actually started).
        overlays: variant overlays, by name (a file in ``variants/``) or path, in order.
        overrides: overrides specific to this variant, as ``(dotted key, value)`` pairs;
            applied after the batch-wide overrides.
    """

    mediator: str
    overlays: tuple[str, ...] = ()
    overrides: tuple[tuple[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        # Accept lists and dicts from callers but keep the frozen object hashable.
        object.__setattr__(self, "overlays", tuple(self.overlays))
        pairs = self.overrides.items() if isinstance(self.overrides, Mapping) else self.overrides
        object.__setattr__(self, "overrides", tuple((str(k), v) for k, v in pairs))

    @property
    def label(self) -> str:
        """``mediator+overlay...[key=value,...]``: the `variant` column's value."""
        label = self.mediator + "".join(f"+{Path(o).stem}" for o in self.overlays)
        if self.overrides:
            label += "[" + ",".join(f"{k}={_format_value(v)}" for k, v in self.overrides) + "]"
        return label

    @property
    def slug(self) -> str:
        """A folder name for this variant's chunk files, unique per label."""
        label = self.label
        slug = _SLUG_UNSAFE.sub("_", label)
        if slug.startswith("."):  # never ".", ".." or a hidden folder
            slug = "_" + slug
        if slug != label:
            slug += "-" + hashlib.sha256(label.encode()).hexdigest()[:8]
        return slug

    def as_dict(self) -> dict[str, Any]:
        """The manifest entry of this variant."""
        return {
            "label": self.label,
            "mediator": self.mediator,
            "overlays": list(self.overlays),
            "overrides": {k: v for k, v in self.overrides},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VariantSpec:
        """The inverse of `as_dict` (the label is derived, not read)."""
        return cls(
            mediator=str(data["mediator"]),
            overlays=tuple(data.get("overlays", ())),
            overrides=tuple(dict(data.get("overrides", {})).items()),
        )

    def build(self, base: Scenario, overrides: Mapping[str, Any] | None = None) -> Scenario:
        """The scenario this variant simulates, made from `base`.

        Reads no file when `base` holds this variant's mediator and overlays, as the one
        `load_for_batch` returns does.

        Args:
            base: the loaded scenario, with this variant's mediator and overlays loaded
                (`Scenario.with_mediators`, `Scenario.with_overlays`).
            overrides: batch-wide overrides, applied before this variant's own.

        Raises:
            UserError: a parameter unknown or a value out of range.
        """
        merged = {**(overrides or {}), **dict(self.overrides)}
        return base.with_mediators([self.mediator]).variant(self.overlays, merged)

    def load(
        self, scenario_path: str | Path, overrides: Mapping[str, Any] | None = None
    ) -> Scenario:
        """Read the scenario file and build this variant (for callers holding only a path)."""
        base = load_scenario(scenario_path, mediators=[self.mediator])
        return self.build(base.with_overlays(self.overlays), overrides)


def expand_variants(
    mediators: Sequence[str], groups: Iterable[str | Sequence[str]] = ()
) -> list[VariantSpec]:
    """The variants of a ``--mediator ... --variant ...`` command line.

    Every mediator's plain baseline comes first, in the order given; then, for
    each group, that group's overlays under every mediator. A group written
    ``a+b`` applies overlays ``a`` then ``b`` as one variant.

    Args:
        mediators: mediator names, in order (duplicates are dropped).
        groups: overlay groups: a string ``"a+b"`` or a sequence of overlay names.

    Raises:
        UserError: if no mediator is given or a group is empty.
    """
    mediators = list(dict.fromkeys(mediators))
    if not mediators:
        raise UserError("expected at least one mediator")
    specs = [VariantSpec(m) for m in mediators]
    for group in groups:
        overlays = tuple(group.split("+")) if isinstance(group, str) else tuple(group)
        if not overlays or not all(o.strip() for o in overlays):
            raise UserError(f"--variant: expected NAME or NAME+NAME, got '{group}'")
        specs.extend(VariantSpec(m, tuple(o.strip() for o in overlays)) for m in mediators)
    return list(dict.fromkeys(specs))


def parameter_value(scenario: Scenario, key: str, mediator: str) -> float:
    """The value a dotted parameter key has in `scenario`, as a float (NaN if not loaded).

    Used for the override columns: a variant that does not override a key still
    gets the value in effect for it, so the column is never misleading.
    """
    head, _, rest = key.partition(".")
    if key in scenario.values:
        value = scenario.values[key]
    elif head == "mediator" and mediator in scenario.mediators:
        value = scenario.mediators[mediator].values.get(rest, float("nan"))
    elif head == "mediators":
        name, _, param = rest.partition(".")
        found = scenario.mediators.get(name)
        value = found.values.get(param, float("nan")) if found else float("nan")
    else:
        value = float("nan")
    return float(value)


def split_variants(
    variants: Sequence[str | Sequence[str] | VariantSpec],
) -> tuple[list[VariantSpec], list[str | Sequence[str]]]:
    """`VariantSpec` objects given as they are, and overlay groups to expand."""
    specs = [v for v in variants if isinstance(v, VariantSpec)]
    groups = [v for v in variants if not isinstance(v, VariantSpec)]
    return specs, groups


def plan_specs(
    scenario: Scenario,
    mediators: Sequence[str] | None,
    variants: Sequence[str | Sequence[str] | VariantSpec],
) -> list[VariantSpec]:
    """Every variant a batch simulates: mediators x overlay groups, then the specs given.

    With no mediators named, the scenario's defaults (unless only specs were given).
    """
    specs_given, groups = split_variants(variants)
    if mediators is None:
        mediators = [] if specs_given and not groups else list(scenario.default_mediators)
    specs = expand_variants(mediators, groups) if mediators else []
    specs = list(dict.fromkeys([*specs, *specs_given]))
    if not specs:
        raise UserError("expected at least one mediator or variant to simulate")
    return specs


def with_everything_for(scenario: Scenario, specs: Sequence[VariantSpec]) -> Scenario:
    """`scenario` holding every mediator and overlay `specs` need (no-op when it does)."""
    overlays = [o for spec in specs for o in spec.overlays]
    return scenario.with_mediators([s.mediator for s in specs]).with_overlays(overlays)


def load_for_batch(
    scenario_path: str | Path,
    mediators: Sequence[str] | None = None,
    variants: Sequence[str | Sequence[str] | VariantSpec] = (),
) -> Scenario:
    """Read every file a batch needs, once: the scenario, its mediators and the variants.

    The command line calls this and passes the `Scenario` down; nothing below reads a file.
    """
    base = load_scenario(scenario_path)
    return with_everything_for(base, plan_specs(base, mediators, variants))
