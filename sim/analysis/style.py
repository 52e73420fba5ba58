"""Names and colours shared by every table, figure and report.

One place decides how an actor, a cause or a variant looks, so that Russia is
the same colour in the survival curves, the cause bars and the timelines, and
the Iranian militias are called the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Display names of the parties of the scenario in use, by key, in scenario order.
#: Filled by `register_parties` when a scenario or a results folder is loaded; a key
#: not registered is shown as given.
ACTOR_NAMES: dict[str, str] = {}

#: Causes that are not a party (`none` = did not collapse).
OTHER_CAUSES: tuple[str, ...] = ("retaliation", "mediator_walkout")

OTHER_CAUSE_NAMES: dict[str, str] = {
    "retaliation": "Retaliation spiral",
    "mediator_walkout": "Mediator walked out",
    "none": "Did not collapse",
}

# Party colours go to parties by their position in the scenario, and are chosen apart
# from the mediator colours below so a cause bar is never mistaken for a variant.
PARTY_PALETTE: tuple[str, ...] = (
    "#8c2d04",  # dark red-brown
    "#54278f",  # purple
    "#1b7837",  # green
    "#b35806",  # burnt orange
    "#01665e",  # dark teal
    "#762a83",  # plum
    "#8e0152",  # wine
    "#4d9221",  # olive green
)
OTHER_CAUSE_COLOURS: dict[str, str] = {
    "retaliation": "#e6550d",  # orange: both sides fed it
    "mediator_walkout": "#636363",  # grey: the broker left
    "none": "#bdbdbd",
}


def register_parties(parties: Iterable[tuple[str, str]]) -> None:
    """Make these (key, label) pairs the parties every table and figure names and colours."""
    ACTOR_NAMES.clear()
    ACTOR_NAMES.update(dict(parties))


def actors() -> tuple[str, ...]:
    """The registered party keys, in scenario order."""
    return tuple(ACTOR_NAMES)


def causes() -> tuple[str, ...]:
    """Collapse causes in display order: every party, then the others."""
    return (*ACTOR_NAMES, *OTHER_CAUSES)


def party_colour(key: str) -> str:
    keys = list(ACTOR_NAMES)
    if key in keys:
        return PARTY_PALETTE[keys.index(key) % len(PARTY_PALETTE)]
    return "#969696"


#: Fixed colours for the two mediators of the source case.
MEDIATOR_COLOURS: dict[str, str] = {
    "russia": "#c0392b",  # red
    "turkey": "#2471a3",  # blue
}

# Any other variant takes the next colour of this palette in order of first
# appearance (sorted labels), skipping the fixed ones so no two variants clash.
PALETTE: tuple[str, ...] = (
    "#17a589",  # teal
    "#d4ac0d",  # mustard
    "#884ea0",  # violet
    "#ca6f1e",  # copper
    "#2e4053",  # slate
    "#f1948a",  # pink
    "#7dcea0",  # mint
    "#5dade2",  # sky
    "#a04000",  # rust
    "#1c2833",  # near black
)


def actor_name(actor: str | None) -> str:
    """Return the display name of an actor key (unknown keys are returned as given)."""
    if actor is None:
        return "nobody"
    return ACTOR_NAMES.get(actor, actor)


def cause_name(cause: str) -> str:
    """Return the display name of a collapse cause."""
    if cause in ACTOR_NAMES:
        return ACTOR_NAMES[cause]
    return OTHER_CAUSE_NAMES.get(cause, cause.replace("_", " "))


#: The mediator's lane in a run's timeline (not a variant: the mediator in charge).
MEDIATOR_LANE_COLOUR = "#4d4d4d"


def lane_colour(key: str) -> str:
    """Colour of a lane of a run's timeline: a party, the mediator, or a cause."""
    return MEDIATOR_LANE_COLOUR if key == "mediator" else cause_colour(key)


def cause_colour(cause: str) -> str:
    """Return the colour of a collapse cause or party (grey for anything unknown)."""
    if cause in ACTOR_NAMES:
        return party_colour(cause)
    return OTHER_CAUSE_COLOURS.get(cause, "#969696")


def _base_mediator(label: str) -> str:
    """The mediator a variant label starts with: `russia+patrols[x=1]` -> `russia`."""
    for stop in ("+", "["):
        label = label.split(stop, 1)[0]
    return label.strip().lower()


def variant_colours(labels: Iterable[str]) -> dict[str, str]:
    """Assign one colour per variant label, stable for a given set of labels.

    A bare `russia` or `turkey` gets its fixed colour. Every other label (including
    overlays such as `russia+patrols_in_force`, which must be told apart from plain
    `russia` in the same plot) gets palette colours in sorted-label order.

    Args:
        labels: Variant labels, in any order, duplicates allowed.

    Returns:
        Mapping from label to a hex colour.
    """
    unique = sorted(set(labels))
    colours: dict[str, str] = {}
    for label in unique:
        if label.lower() in MEDIATOR_COLOURS:
            colours[label] = MEDIATOR_COLOURS[label.lower()]
    free = [c for c in PALETTE if c not in colours.values()]
    index = 0
    for label in unique:
        if label in colours:
            continue
        if index < len(free):
            colours[label] = free[index]
        else:
            # More variants than palette entries: fall back to a matplotlib
            # colormap, still deterministic in the sorted order.
            from matplotlib import colormaps
            from matplotlib.colors import to_hex

            colours[label] = to_hex(colormaps["tab20"]((index - len(free)) % 20))
        index += 1
    return colours


def hours_and_days(hours: float | None, *, digits: int = 1) -> str:
    """Format a duration for readers: `84.0 h (3.5 d)`; `not reached` for None."""
    if hours is None:
        return "not reached"
    return f"{hours:.{digits}f} h ({hours / 24:.1f} d)"
