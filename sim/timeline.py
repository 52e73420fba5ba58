"""One world's story: its timeline as text and as a figure.

`ceasefire run` traces world 0 of a `CeasefireModel` (see `CeasefireModel.events`)
and hands the events and outcomes here to be printed or drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.style import ACTOR_NAMES, actors, lane_colour

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.narration import Event

_OTHERS = {"mediator": "Mediator", "retaliation": "Two sides", "mediator_walkout": "Mediator"}


def _who(key: str) -> str:
    return ACTOR_NAMES.get(key) or _OTHERS.get(key, key)


def _when(hour: float) -> str:
    day, rest = divmod(hour, 24.0)
    return f"{hour:5.0f} h  day {int(day) + 1:>2} {rest:02.0f}:00"


def format_timeline(
    events: Sequence[Event],
    outcome: Mapping[str, Any],
    *,
    mediator: str,
    scenario_title: str,
    seed: int | None,
) -> str:
    """The timeline of one world and its outcome, as lines a person can read."""
    lines = [f"{scenario_title}: mediator {mediator}, seed {seed}", ""]
    lines.append(f"{'hour':>7}  {'(day, clock)':<12}  {'actor':<26} event")
    for event in events:
        who = _who(event.actor)
        lines.append(f"{_when(event.hour)}  {who:<26} {event.kind}: {event.detail}")
    lines.append("")
    lines.extend(format_outcome(outcome))
    return "\n".join(lines)


def format_outcome(outcome: Mapping[str, Any]) -> list[str]:
    """Outcome lines for one world (values as decoded by `sim.model.decode_outcomes`)."""
    horizon = float(outcome["horizon_h"])
    if outcome["collapsed"]:
        cause = str(outcome["cause"])
        fate = f"collapsed after {outcome['duration_h']:.0f} h; cause: {_who(cause)}"
        if cause in ACTOR_NAMES:
            fate += " (led the escalation)"
    else:
        fate = f"held to the horizon ({horizon:.0f} h; right-censored)"
    first = outcome["first_violation_h"]
    first_text = (
        "no violation"
        if first is None or np.isnan(first)
        else f"hour {first:.0f}, by {_who(str(outcome['first_violator']))}"
    )
    violations = ", ".join(f"{_who(a)} {int(outcome[f'violations_{a}'])}" for a in actors())
    credibility = ", ".join(f"{a} {float(outcome[f'credibility_{a}']):.2f}" for a in actors())
    terms = ", ".join(
        f"{k.removesuffix('_open_h')} {float(v):.0f} h"
        for k, v in outcome.items()
        if k.endswith("_open_h")
    )
    switch = outcome.get("switch_h")
    lines = [
        "Outcome",
        f"  truce:            {fate}",
        f"  first violation:  {first_text}",
        f"  violations:       {violations}",
        f"  terms in force:   {terms or 'none declared'}",
        f"  agreement:        {'yes' if outcome['agreement'] else 'no'}",
        f"  credibility:      {credibility} (mediator: {outcome['final_mediator']})",
    ]
    if switch is not None and not np.isnan(switch):
        lines.append(f"  mediator switch:  hour {switch:.0f}")
    return lines


def plot_timeline(
    events: Sequence[Event], outcome: Mapping[str, Any], *, title: str, ax: Axes | None = None
) -> Axes:
    """Draw one world's timeline: a lane per actor, a mark per event, days on the axis."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 3.6), constrained_layout=True)
    lanes = ["mediator", *reversed(actors())]
    y_of = {lane: i for i, lane in enumerate(lanes)}
    markers = {
        "violation": ("v", 70),
        "detected": ("o", 30),
        "pressure": ("P", 70),
        "no response": ("x", 40),
        "term delivered": ("^", 80),
        "term reversed": ("s", 60),
        "term overdue": ("d", 50),
        "mediator switch": ("*", 140),
        "switch requested": ("*", 70),
        "talks": ("D", 70),
    }
    seen: set[str] = set()
    for event in events:
        if event.kind == "collapse":
            continue
        lane = event.actor if event.actor in y_of else "mediator"
        marker, size = markers.get(event.kind, ("o", 30))
        label = event.kind if event.kind not in seen else None
        seen.add(event.kind)
        ax.scatter(
            event.hour,
            y_of[lane],
            marker=marker,
            s=size,
            color=lane_colour(lane),
            label=label,
            zorder=3,
        )
    end = float(outcome["duration_h"])
    horizon = float(outcome["horizon_h"])
    ax.axvspan(0, end, color="#d9f0d3", alpha=0.5, zorder=0, label="truce in force")
    if outcome["collapsed"]:
        ax.axvline(end, color="#000000", lw=2, label=f"collapse ({outcome['cause']})")
    ax.axvline(horizon, color="#777777", ls="--", lw=1, label=f"stated end ({horizon / 24:g} days)")
    ax.set_yticks(range(len(lanes)), [_who(lane) for lane in lanes])
    ticks = np.arange(0, horizon + 1, 24 if horizon <= 24 * 21 else 24 * 7)
    ax.set_xticks(ticks, [f"{t / 24:.0f}" for t in ticks])
    ax.set_xlim(-horizon * 0.01, horizon * 1.01)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlabel("days since the truce was agreed")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return ax


def save_timeline_plot(
    path: Path, events: Sequence[Event], outcome: Mapping[str, Any], *, title: str
) -> Path:
    """Write the timeline figure to `path` (format from its extension)."""
    from sim.presentation.figures import pyplot

    plt = pyplot()  # headless, set in one place

    fig, ax = plt.subplots(figsize=(11, 3.6), constrained_layout=True)
    plot_timeline(events, outcome, title=title, ax=ax)
    from sim.results.writer import save_figure

    try:
        return save_figure(fig, path, dpi=150)  # atomic: never a half-written figure
    finally:
        plt.close(fig)
