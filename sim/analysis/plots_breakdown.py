"""Bars and strips of a batch: causes, first violators, violation rates, sample runs.

Every function draws on the `ax=` it is given (or a new figure) and returns it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# The backend is left to the caller (a notebook keeps its own); the commands select Agg
# through sim.presentation.figures.pyplot(), and matplotlib falls back to Agg without a
# display.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.analysis.axes import format_hour_axis, horizon_of
from sim.analysis.style import actor_name, actors, cause_colour, cause_name, causes
from sim.analysis.survival import variant_groups

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis


def _grouped_bars(
    ax: Axes,
    analysis: BatchAnalysis,
    categories: list[str],
    names: list[str],
    values: dict[str, dict[str, tuple[float | None, float | None, float | None]]],
) -> None:
    """Bars grouped by category, one bar per variant in its colour, with error bars."""
    variants = analysis.variants
    width = 0.8 / len(variants)
    x = np.arange(len(categories))
    for i, label in enumerate(variants):
        triples = [values[label].get(c, (None, None, None)) for c in categories]
        heights = np.array([t[0] if t[0] is not None else np.nan for t in triples], float)
        low = np.array([t[0] - t[1] if t[1] is not None else 0 for t in triples], float)
        high = np.array([t[2] - t[0] if t[2] is not None else 0 for t in triples], float)
        ax.bar(
            x - 0.4 + width * (i + 0.5),
            heights,
            width,
            color=analysis.colours[label],
            yerr=[low, high],
            capsize=2,
            label=label,
        )
    ax.set_xticks(x)
    ax.set_xticklabels(names, fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(title="Variant", fontsize=9)


def _share_triples(shares: dict) -> dict[str, dict[str, tuple]]:
    return {
        label: {c: (s.share, s.lower, s.upper) for c, s in by_category.items()}
        for label, by_category in shares.items()
    }


def causes_plot(analysis: BatchAnalysis, *, ax: Axes | None = None) -> Axes:
    """What collapsed the truce: share of each cause among collapsed runs (Wilson CIs)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.2))
    present = {c for shares in analysis.causes.values() for c in shares}
    categories = [c for c in causes() if c in present] + sorted(present - set(causes()))
    _grouped_bars(
        ax,
        analysis,
        categories,
        [cause_name(c).replace(" ", "\n", 1) for c in categories],
        _share_triples(analysis.causes),
    )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Share of collapsed runs")
    ax.set_title(f"What collapsed the truce (bars: {analysis.level:.0%} Wilson intervals)")
    return ax


def first_violator_plot(analysis: BatchAnalysis, *, ax: Axes | None = None) -> Axes:
    """Who broke the truce first: share of each actor among runs with a violation."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.2))
    shares = analysis.breakdown.first_violator
    present = {c for by in shares.values() for c in by}
    categories = [a for a in actors() if a in present] + sorted(present - set(actors()))
    _grouped_bars(
        ax,
        analysis,
        categories,
        [actor_name(a) for a in categories],
        _share_triples(shares),
    )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Share of runs with a violation")
    ax.set_title(f"Who violated first (bars: {analysis.level:.0%} Wilson intervals)")
    return ax


def violations_plot(analysis: BatchAnalysis, *, ax: Axes | None = None) -> Axes:
    """Violations per 100 truce-hours by each actor, per variant (exact Poisson intervals).

    A rate over the hours each truce was in force, not a count per run: a mediator
    whose truces last longer would otherwise seem to provoke more violations.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.2))
    values = {
        label: {a: (r.rate, r.lower, r.upper) for a, r in by_actor.items()}
        for label, by_actor in analysis.breakdown.rates.items()
    }
    _grouped_bars(ax, analysis, list(actors()), [actor_name(a) for a in actors()], values)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Violations per 100 truce-hours\n(hours the truce was in force)")
    ax.set_title(f"Violations by each actor, per exposure ({analysis.level:.0%} Poisson intervals)")
    return ax


def shared_runs(runs: pd.DataFrame, variants: list[str]) -> np.ndarray:
    """Run indices present in every variant, ascending.

    Binary search in each variant's sorted indices instead of hashing millions of them.
    """
    shared: np.ndarray | None = None
    groups = variant_groups(runs, variants)
    for label in variants:
        indices = groups[label]["run"].to_numpy()
        if len(indices) > 1 and not np.all(indices[1:] > indices[:-1]):
            indices = np.unique(indices)
        if shared is None:
            shared = indices
            continue
        if len(indices) == 0:
            return indices
        pos = np.clip(np.searchsorted(indices, shared), 0, len(indices) - 1)
        shared = shared[indices[pos] == shared]
    return shared if shared is not None else np.array([], dtype=np.int64)


def timelines_plot(
    analysis: BatchAnalysis, *, ax: Axes | None = None, runs_per_variant: int = 10
) -> Axes:
    """A strip per sample run: how long it held, who violated first, what ended it.

    Shows the runs with the lowest `run` indices present in every variant, so
    rows of different variants with the same index saw the same random numbers.
    The bar runs from hour 0 to the collapse (or the horizon); a circle marks
    the first violation, coloured by the violator; the end marker is a square
    coloured by the cause, or an arrow when the truce held.

    Args:
        analysis: The batch analysis.
        ax: Axes to draw on (a new figure when None).
        runs_per_variant: How many runs to show per variant.

    Returns:
        The axes.
    """
    runs = analysis.runs
    chosen = [int(i) for i in shared_runs(runs, analysis.variants)[:runs_per_variant]]
    n_rows = len(chosen) * len(analysis.variants)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 1.2 + 0.22 * n_rows))
    horizon = horizon_of(analysis)
    labels: list[str] = []
    positions: list[float] = []
    row = 0.0
    groups = variant_groups(runs, analysis.variants)
    for label in analysis.variants:
        group = groups[label]
        group = group[group["run"].isin(chosen)].sort_values("run")
        colour = analysis.colours[label]
        for record in group.itertuples(index=False):
            ax.barh(row, record.duration_h, height=0.55, color=colour, alpha=0.35)
            # The first violation and the end often fall in the same hour: draw the first
            # in the upper half of the row and the end in the lower half so both show.
            if record.first_violation_h == record.first_violation_h:  # not NaN
                ax.plot(
                    record.first_violation_h,
                    row - 0.2,
                    "o",
                    markersize=5,
                    color=cause_colour(record.first_violator or ""),
                    markeredgecolor="white",
                )
            end = row + 0.2
            if record.collapsed:
                ax.plot(
                    record.duration_h,
                    end,
                    "s",
                    markersize=5,
                    color=cause_colour(record.cause),
                    markeredgecolor="black",
                    markeredgewidth=0.5,
                )
            else:
                ax.plot(record.duration_h, end, ">", markersize=5, color="0.5")
            labels.append(f"{label} #{record.run}")
            positions.append(row)
            row += 1
        row += 0.6  # gap between variants
    ax.set_yticks(positions)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    format_hour_axis(ax, horizon)
    ax.axvline(horizon, color="0.3", linestyle="--", linewidth=1)
    ax.set_title(
        f"Sample runs (the first {len(chosen)} of each variant, paired by random numbers; "
        "upper marker: first violation, lower: end)"
    )

    def marker(symbol: str, colour: str, label: str) -> Line2D:
        return Line2D([], [], marker=symbol, linestyle="", color=colour, label=label)

    handles = (
        [marker("o", cause_colour(a), f"first: {actor_name(a)}") for a in actors()]
        + [marker("s", cause_colour(c), f"end: {cause_name(c)}") for c in causes()]
        + [marker(">", "0.5", "held to the end")]
    )
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
