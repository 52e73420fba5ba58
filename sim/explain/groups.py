"""The groups of mediator parameters a difference between two mediators is split over.

One table (`GROUPS`), the only place groups are declared: add a row to add a group. A
key may hold `{party}`, which stands for every party of the scenario; a row with
`per_party=True` becomes one group per party (leverage over the regime, over the
militias, ...). Every mediator parameter no row claims falls into the group "other", so
the groups always partition the mediator file and the decomposition is complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

OTHER = "other"


@dataclass(frozen=True)
class GroupSpec:
    """A row of the table: a name, a label for people, the parameter keys it holds."""

    name: str
    label: str
    keys: tuple[str, ...]
    per_party: bool = False


# Why these groups: they are the mediator's levers as docs/levers.md and docs/ODD.md
# name them (issue 13), each a mechanism a reader can act on or argue about.
GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("patrols", "patrols", ("conduct.patrol_capacity", "conduct.patrol_start_h")),
    GroupSpec("monitoring", "monitoring", ("conduct.monitoring",)),
    GroupSpec("leverage.{party}", "leverage over the {party}", ("leverage.{party}",), True),
    GroupSpec(
        "credibility.{party}", "credibility with the {party}", ("credibility.{party}",), True
    ),
    GroupSpec("bias", "bias (closeness)", ("bias.{party}", "conduct.closeness_leverage")),
    GroupSpec("resolve", "resolve", ("conduct.resolve",)),
    GroupSpec("delivery", "delivery", ("conduct.delivery",)),
    GroupSpec(
        "patience",
        "patience",
        ("conduct.patience", "conduct.walks_away", "conduct.frustration_decay"),
    ),
    GroupSpec("spoilers", "spoiler management", ("patron_pressure.{party}",)),
)


@dataclass(frozen=True)
class Group:
    """A group resolved for one scenario: its mediator parameter keys."""

    name: str
    label: str
    keys: tuple[str, ...]


def resolve_groups(
    parties: Sequence[str],
    mediator_keys: Sequence[str],
    table: Sequence[GroupSpec] = GROUPS,
) -> list[Group]:
    """The groups of `table` for these parties, plus "other" for the keys none claims.

    Keys a row names but the mediator file lacks are ignored (a scenario without a party
    has no leverage over it); a key claimed twice is an error in the table.
    """
    known = set(mediator_keys)
    groups: list[Group] = []
    claimed: dict[str, str] = {}
    for spec in table:
        rows = (
            [(spec.name.format(party=p), spec.label.format(party=p), [p]) for p in parties]
            if spec.per_party
            else [(spec.name, spec.label, list(parties))]
        )
        for name, label, its_parties in rows:
            keys = []
            for pattern in spec.keys:
                expanded = (
                    [pattern.format(party=p) for p in its_parties]
                    if "{party}" in pattern
                    else [pattern]
                )
                keys.extend(k for k in expanded if k in known)
            for key in keys:
                if key in claimed:
                    raise ValueError(f"{key} is in groups {claimed[key]} and {name}")
                claimed[key] = name
            if keys:
                groups.append(Group(name, label, tuple(keys)))
    rest = tuple(k for k in mediator_keys if k not in claimed)
    if rest:
        groups.append(Group(OTHER, "everything else", rest))
    return groups


def differing(
    groups: Sequence[Group], a: Mapping[str, float], b: Mapping[str, float]
) -> list[bool]:
    """Whether each group holds a parameter on which the two mediators differ.

    A group on which they agree changes no coalition's value, so its Shapley value is
    exactly zero (the null-player property): it need not be simulated.
    """
    return [any(float(a[k]) != float(b[k]) for k in g.keys) for g in groups]
