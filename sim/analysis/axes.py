"""Axes shared by the batch figures: hours with day marks, the horizon, holding counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes

from sim.analysis.survival import SurvivalAnalysis

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis


def horizon_of(analysis: BatchAnalysis) -> float:
    return max(result.horizon_h for result in analysis.survival)


def hour_ticks(horizon_h: float, max_ticks: int = 8) -> list[float]:
    """Tick positions at whole days (every 1, 2, 3.. days) covering 0..horizon."""
    days = horizon_h / 24
    step = 1
    while days / step > max_ticks - 1:
        step += 1
    ticks = list(np.arange(0, horizon_h + 1e-9, 24 * step))
    if horizon_h <= 48:  # a short span: six-hour ticks
        ticks = list(np.arange(0, horizon_h + 1e-9, 6))
    return [float(t) for t in ticks]


def format_hour_axis(ax: Axes, horizon_h: float, *, label: bool = True) -> Axes:
    """Put hour ticks with their day under them on the x axis, 0 to the horizon."""
    ticks = hour_ticks(horizon_h)
    ax.set_xticks(ticks)
    ax.set_xticklabels(
        [f"{t:g} h\nday {t / 24:g}" if t and t % 24 == 0 else f"{t:g} h" for t in ticks]
    )
    # A little room left of 0 so the at-risk counts at hour 0 are not clipped.
    ax.set_xlim(-0.03 * horizon_h, horizon_h * 1.03)
    if label:
        ax.set_xlabel("Time since the truce was agreed")
    return ax


def zoomed_span(survival: SurvivalAnalysis, horizon_h: float) -> float:
    """Hours to show: the horizon, or less when every curve is flat near 0 long before it.

    Time to first violation is usually over within hours; on a two-week axis its
    curves would be a vertical line. Show up to the whole day by which fewer than
    1% of runs in every variant are still without an event, if that is at most a
    quarter of the horizon.
    """
    latest = 0.0
    for result in survival:
        curve = result.fitter.survival_function_.iloc[:, 0]
        below = curve.index[curve.to_numpy() < 0.01]
        if len(below) == 0:
            return horizon_h
        latest = max(latest, float(below[0]))
    span = 24.0 * np.ceil(max(latest, 1.0) / 24.0)
    return span if span <= horizon_h / 4 else horizon_h


def mark_horizon(ax: Axes, horizon_h: float) -> None:
    ax.axvline(horizon_h, color="0.3", linestyle="--", linewidth=1)
    ax.annotate(
        f"end of the {horizon_h / 24:g}-day truce",
        xy=(horizon_h, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(-4, -4),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=8,
        color="0.3",
    )


def holding_counts(
    durations: np.ndarray,
    events: np.ndarray,
    times: list[float],
    weights: np.ndarray | None = None,
) -> list[int]:
    """Runs still event-free at each time: not yet had the event and not censored before it.

    With `weights`, each (duration, event) is a cell of that many runs (the cells a
    Kaplan-Meier fit is made of, `sim.stats.km.frequency_cells`): a few hundred cells
    instead of a million runs.
    """
    durations = np.asarray(durations, float)
    events = np.asarray(events, bool)
    # Sums of whole numbers of runs: exact in floating point (below 2**53).
    counts = np.ones(len(durations)) if weights is None else np.asarray(weights, float)
    return [int(np.sum(counts[(durations > t) | ((durations == t) & ~events)])) for t in times]
