"""The explorer's figures, drawn with matplotlib to PNG, each with its text alternative.

PNG rather than a JavaScript chart library: the page must work offline and every
figure must have the numbers behind it in words (the `alt` text and the tables the
page shows beside it).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

# Figure objects, not pyplot: pyplot's global state is not safe in the server's threads
# and would change the backend of whoever imports this module.
from matplotlib.figure import Figure

from sim.explore.backend import ManyResult, WorldState

_WIDTH_IN = 7.0
_DPI = 96


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight")
    return buffer.getvalue()


def survival_png(result: ManyResult) -> tuple[bytes, str]:
    """Kaplan-Meier curves with 95% bands per mediator, and their text alternative."""
    figure = Figure(figsize=(_WIDTH_IN, 3.6))
    axes = figure.subplots()
    for item in result.by_mediator:
        (line,) = axes.step(
            item.times, item.surv, where="post", label=f"{item.label} ({item.n:,} worlds)"
        )
        axes.fill_between(
            item.times, item.lower, item.upper, step="post", alpha=0.25, color=line.get_color()
        )
    axes.set_xlim(0, result.horizon_h)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("hours since the truce began")
    axes.set_ylabel("share of truces still holding")
    axes.set_title("Survival of the truce (Kaplan-Meier, 95% intervals)")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right")
    return _png(figure), survival_alt(result)


def survival_alt(result: ManyResult) -> str:
    """The survival figure in words: share holding at each reporting time, per mediator."""
    parts = []
    for item in result.by_mediator:
        at = "; ".join(f"{100 * a.p:.1f}% holding at {a.time_h:g} h" for a in item.survival.at)
        parts.append(f"{item.label}, {item.n} worlds: {at}")
    return "Survival curves. " + ". ".join(parts) + "."


def world_png(world: WorldState) -> tuple[bytes, str]:
    """One world's mediator credibility and party grievance over time, with events marked."""
    figure = Figure(figsize=(_WIDTH_IN, 4.4))
    top, bottom = figure.subplots(2, 1, sharex=True)
    hours = world.hours
    for key, label in world.parties:
        top.plot(hours, world.credibility[key], label=label)
        bottom.plot(hours, world.grievance[key], label=label)
    for event in world.events:
        if event.kind == "violation":
            bottom.axvline(event.hour, color="0.6", lw=0.6, alpha=0.6)
    top.set_ylabel("mediator's credibility")
    top.set_ylim(0, 1.02)
    bottom.set_ylabel("grievance")
    bottom.set_xlabel("hour (grey lines: violations)")
    end = max(hours[-1] if hours else 0.0, 24.0)
    bottom.set_xlim(0, min(end, world.horizon_h))
    top.legend(loc="upper right", fontsize="small")
    top.set_title(f"One world under {world.mediator} (seed {world.seed}), hour {world.hour:g}")
    for axes in (top, bottom):
        axes.grid(alpha=0.3)
    return _png(figure), world_alt(world)


def world_alt(world: WorldState) -> str:
    """The one-world figure in words: the latest credibility and grievance of each party."""
    if not world.hours:
        return "One world: no state recorded yet."
    parts = [
        f"{label}: credibility {world.credibility[key][-1]:.2f}, "
        f"grievance {world.grievance[key][-1]:.2f}"
        for key, label in world.parties
    ]
    return f"One world at hour {world.hours[-1]:g}. " + "; ".join(parts) + "."


def sampled_rows(world: WorldState, every: int = 12) -> list[dict[str, str]]:
    """The one-world figure's numbers every `every` hours (and the last hour), as rows."""
    rows = []
    count = len(world.hours)
    indices: Sequence[int] = sorted({*range(0, count, every), count - 1}) if count else []
    for i in indices:
        row = {"hour": f"{world.hours[i]:g}"}
        for key, label in world.parties:
            row[f"credibility: {label}"] = f"{world.credibility[key][i]:.2f}"
            row[f"grievance: {label}"] = f"{world.grievance[key][i]:.2f}"
        rows.append(row)
    return rows


def summary_rows(result: ManyResult) -> list[dict[str, Any]]:
    """The numbers behind the survival figure, one row per mediator (its text alternative)."""
    rows = []
    for item in result.by_mediator:
        fit = item.survival
        row: dict[str, Any] = {"mediator": item.label, "worlds": item.n}
        for at in fit.at:
            row[f"holding at {at.time_h:g} h"] = _percent_ci(at.p, at.lower, at.upper)
        median = "not reached" if fit.median_h is None else f"{fit.median_h:g} h"
        row["median to collapse"] = median
        rows.append(row)
    return rows


def _percent_ci(p: float, lower: float | None, upper: float | None) -> str:
    if lower is None or upper is None:
        return f"{100 * p:.1f}%"
    return f"{100 * p:.1f}% ({100 * lower:.1f}-{100 * upper:.1f})"


def share_table(counts_by_mediator: Sequence[tuple[str, Mapping[str, int], int]]) -> list[dict]:
    """Rows of shares (percent of all worlds) per category and mediator."""
    categories = list(dict.fromkeys(c for _, counts, _ in counts_by_mediator for c in counts))
    rows = []
    for category in categories:
        row: dict[str, Any] = {"": category}
        for label, counts, n in counts_by_mediator:
            row[label] = f"{100 * counts.get(category, 0) / max(n, 1):.1f}%"
        rows.append(row)
    return rows
