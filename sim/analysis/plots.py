"""Figures for a batch analysis, written for a reader rather than a debugger.

Every function draws on an `ax=` it is given (or a new figure) and returns it,
like lifelines' and seaborn's plotting functions; `write_figures` draws them
all and saves PNG and SVG files. Time axes are in hours with day marks, actors
carry their display names, and each variant keeps one colour in every figure
(`BatchAnalysis.colours`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# The backend is left to the caller (a notebook keeps its own); the command-line
# sub-commands select Agg, and matplotlib falls back to Agg without a display.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.style import actor_name, actors, cause_colour, cause_name, causes
from sim.analysis.survival import ENDPOINT_TITLES, SurvivalAnalysis

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis
    from sim.analysis.reference_overlay import ReferenceOverlay


def _horizon(analysis: BatchAnalysis) -> float:
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


def _zoomed_span(survival: SurvivalAnalysis, horizon_h: float) -> float:
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


def _mark_horizon(ax: Axes, horizon_h: float) -> None:
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


def holding_counts(durations: np.ndarray, events: np.ndarray, times: list[float]) -> list[int]:
    """Runs still event-free at each time: not yet had the event and not censored before it."""
    durations = np.asarray(durations, float)
    events = np.asarray(events, bool)
    return [int(np.sum((durations > t) | ((durations == t) & ~events))) for t in times]


def survival_plot(
    analysis: BatchAnalysis,
    *,
    endpoint: str = "collapse",
    ax: Axes | None = None,
    risk_ax: Axes | None = None,
    reference: ReferenceOverlay | None = None,
) -> Axes:
    """Kaplan-Meier curves per variant with confidence bands and a holding table.

    Args:
        analysis: The batch analysis.
        endpoint: ``"collapse"`` or ``"first_violation"``.
        ax: Axes for the curves (a new figure when None).
        risk_ax: Axes below the curves for the number-at-risk table; when None
            and `ax` is None, one is created; when None and `ax` is given, the
            table is left out.
        reference: Real ceasefires to overlay (dashed grey Kaplan-Meier curve),
            from `sim.analysis.reference_overlay.reference_overlay`; collapse only.

    Returns:
        The curve axes.
    """
    from sim.analysis.survival import durations_and_events

    if ax is None:
        _fig, (ax, risk_ax) = plt.subplots(
            2,
            1,
            figsize=(9, 5.2 + 0.25 * len(analysis.variants)),
            gridspec_kw={"height_ratios": [4, 0.35 + 0.25 * len(analysis.variants)]},
            sharex=True,
        )
    survival = analysis.survival if endpoint == "collapse" else analysis.first_violation
    horizon = _horizon(analysis)
    # The span of the x axis: the whole horizon, or the first hours where everything happens.
    shown = horizon if endpoint == "collapse" else _zoomed_span(survival, horizon)
    for result in survival:
        colour = analysis.colours[result.variant]
        curve = result.fitter.survival_function_.iloc[:, 0]
        band = result.fitter.confidence_interval_
        # Extend each step to the horizon so the last level is visible: runs are censored
        # only at the horizon, so until then some run is at risk or the curve is at 0 (known).
        times = np.append(curve.index.to_numpy(float), result.horizon_h)
        values = np.append(curve.to_numpy(float), curve.iloc[-1])
        ax.step(times, values, where="post", color=colour, linewidth=1.8, label=result.variant)
        ax.fill_between(
            np.append(band.index.to_numpy(float), result.horizon_h),
            np.append(band.iloc[:, 0].to_numpy(float), band.iloc[-1, 0]),
            np.append(band.iloc[:, 1].to_numpy(float), band.iloc[-1, 1]),
            step="post",
            color=colour,
            alpha=0.2,
            linewidth=0,
        )
    if reference is not None and endpoint == "collapse":
        from sim.reference import plot_reference

        plot_reference(ax, reference.reference, label=reference.label, max_time=horizon)
    if shown == horizon:
        _mark_horizon(ax, horizon)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(
        "Share of runs with the truce still holding"
        if endpoint == "collapse"
        else "Share of runs without any violation yet"
    )
    what = ENDPOINT_TITLES[endpoint]
    zoom = "" if shown == horizon else f"\n(only the first {shown:g} h of {horizon:g} h shown)"
    ax.set_title(
        f"Kaplan-Meier survival: {what}, per variant (shaded: {analysis.level:.0%} confidence "
        f"band){zoom}"
    )
    ax.grid(alpha=0.3)
    ax.legend(title="Variant", loc="upper right", bbox_to_anchor=(1.0, 0.93), fontsize=9)
    format_hour_axis(ax, shown, label=risk_ax is None)
    if risk_ax is not None:
        ticks = hour_ticks(shown)
        risk_ax.set_ylim(-0.5, len(survival) - 0.5)
        risk_ax.invert_yaxis()
        for row, result in enumerate(survival):
            group = analysis.runs[analysis.runs["variant"] == result.variant]
            counts = holding_counts(*durations_and_events(group, endpoint), ticks)
            for t, count in zip(ticks, counts, strict=True):
                risk_ax.text(
                    t,
                    row,
                    f"{count:,}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=analysis.colours[result.variant],
                )
        risk_ax.set_yticks(range(len(survival)))
        risk_ax.set_yticklabels(survival.variants, fontsize=8)
        for side in ("top", "right", "left"):
            risk_ax.spines[side].set_visible(False)
        risk_ax.tick_params(axis="y", length=0, pad=18)
        risk_ax.set_title(
            "Number of runs still holding"
            if endpoint == "collapse"
            else "Number of runs still without a violation",
            fontsize=9,
            loc="left",
        )
        format_hour_axis(risk_ax, shown)
        ax.tick_params(labelbottom=False)
    return ax


def collapse_times_plot(
    analysis: BatchAnalysis, *, axes: tuple[Axes, Axes] | None = None, bin_h: float = 6.0
) -> tuple[Axes, Axes]:
    """When the truce collapsed (left) and how often it held to the end (right).

    Left: share of each variant's runs collapsing in each `bin_h`-hour bin
    (a step histogram; heights are shares of all runs so variants of different
    size compare). Right: share of runs that held the whole horizon (censored),
    with Wilson intervals, kept apart because it is not a collapse time.

    Returns:
        (histogram axes, survived axes).
    """
    from sim.analysis.compare import wilson

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4.5), gridspec_kw={"width_ratios": [5, 1.3]})
    hist_ax, held_ax = axes
    horizon = _horizon(analysis)
    bins = np.arange(0, horizon + bin_h, bin_h)
    runs = analysis.runs
    for position, label in enumerate(analysis.variants):
        group = runs[runs["variant"] == label]
        colour = analysis.colours[label]
        collapsed = group.loc[group["collapsed"], "duration_h"].to_numpy(float)
        if len(collapsed):
            hist_ax.hist(
                collapsed,
                bins=bins,
                weights=np.full(len(collapsed), 1 / len(group)),
                histtype="step",
                linewidth=1.6,
                color=colour,
                label=label,
            )
        held = wilson(int((~group["collapsed"]).sum()), len(group))
        held_ax.bar(
            position,
            held.share,
            color=colour,
            yerr=[[held.share - held.lower], [held.upper - held.share]],
            capsize=3,
        )
        held_ax.text(
            position,
            held.upper,
            f"{100 * held.share:.1f}%",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    format_hour_axis(hist_ax, horizon)
    hist_ax.set_ylabel(f"Share of runs collapsing per {bin_h:g} h")
    hist_ax.set_title("When the truce collapsed (collapsed runs only)")
    hist_ax.grid(alpha=0.3)
    hist_ax.legend(title="Variant", fontsize=9)
    held_ax.set_xticks(range(len(analysis.variants)))
    held_ax.set_xticklabels(analysis.variants, rotation=30, ha="right", fontsize=8)
    held_ax.set_ylim(0, max(0.1, min(1.1, 1.3 * held_ax.get_ylim()[1])))
    held_ax.set_ylabel("Share of runs")
    held_ax.set_title(f"Held all {horizon / 24:g} days\n(censored)", fontsize=10)
    held_ax.grid(alpha=0.3, axis="y")
    return hist_ax, held_ax


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
    for label in variants:
        indices = runs.loc[runs["variant"] == label, "run"].to_numpy()
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
    horizon = _horizon(analysis)
    labels: list[str] = []
    positions: list[float] = []
    row = 0.0
    for label in analysis.variants:
        group = runs[(runs["variant"] == label) & runs["run"].isin(chosen)].sort_values("run")
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
    handles = (
        [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color=cause_colour(a),
                label=f"first: {actor_name(a)}",
            )
            for a in actors()
        ]
        + [
            Line2D(
                [],
                [],
                marker="s",
                linestyle="",
                color=cause_colour(c),
                label=f"end: {cause_name(c)}",
            )
            for c in causes()
        ]
        + [Line2D([], [], marker=">", linestyle="", color="0.5", label="held to the end")]
    )
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class FigureSpec:
    """One figure that `write_figures` writes.

    Attributes:
        name: File stem (e.g. ``survival`` -> survival.png, survival.svg).
        title: Caption for reports.
        draw: Function that builds and returns the Figure.
    """

    name: str
    title: str
    draw: Callable[[BatchAnalysis], Figure]


def _figure_of(result: Axes | tuple[Axes, ...]) -> Figure:
    axes = result[0] if isinstance(result, tuple) else result
    return axes.figure


def endings_figure(analysis: BatchAnalysis) -> Figure:
    """Cumulative incidence of each ending of the first truce per variant (colour: variant,
    line style: ending, shaded intervals), with the number of runs at risk under the axis."""
    endings = analysis.endings
    n_variants = len(analysis.variants)
    fig, (ax, risk_ax) = plt.subplots(
        2,
        1,
        figsize=(9, 5.2 + 0.25 * n_variants),
        gridspec_kw={"height_ratios": [4, 0.35 + 0.25 * n_variants]},
        sharex=True,
    )
    if endings is None:
        return fig
    horizon = endings.horizon_h
    styles = {"breakdown": "-", "replaced": ":", "expired": "--"}
    for label, cif in endings.incidence.items():
        colour = analysis.colours[label]
        for ending in cif.endings:
            curve = cif.curve(ending)
            times = np.append(0.0, np.append(curve.index.to_numpy(float), horizon))

            def padded(values: np.ndarray) -> np.ndarray:
                values = np.nan_to_num(values, nan=0.0)
                return np.append(0.0, np.append(values, values[-1] if values.size else 0.0))

            ax.step(
                times,
                padded(curve["estimate"].to_numpy(float)),
                where="post",
                color=colour,
                linestyle=styles.get(ending, "-"),
                linewidth=1.6,
                label=f"{label}: {ending}",
            )
            ax.fill_between(
                times,
                padded(curve["low"].to_numpy(float)),
                padded(curve["high"].to_numpy(float)),
                step="post",
                color=colour,
                alpha=0.15,
                linewidth=0,
            )
    _mark_horizon(ax, horizon)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("Share of runs whose first truce ended this way")
    ax.set_title(
        "How the first truce ended: cumulative incidence of each ending per variant\n"
        f"(Aalen-Johansen; solid breakdown, dotted replaced, dashed expired; shaded: "
        f"{endings.level:.0%} interval)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    format_hour_axis(ax, horizon, label=False)
    ticks = hour_ticks(horizon)
    risk_ax.set_ylim(-0.5, n_variants - 0.5)
    risk_ax.invert_yaxis()
    for row, (label, cif) in enumerate(endings.incidence.items()):
        for t in ticks:
            risk_ax.text(
                t, row, f"{cif.at_risk(t):,}", ha="center", va="center", fontsize=8,
                color=analysis.colours[label],
            )  # fmt: skip
    risk_ax.set_yticks(range(n_variants))
    risk_ax.set_yticklabels(list(endings.incidence), fontsize=8)
    for side in ("top", "right", "left"):
        risk_ax.spines[side].set_visible(False)
    risk_ax.tick_params(axis="y", length=0, pad=18)
    risk_ax.set_title("Number of runs whose first truce is still in force", fontsize=9, loc="left")
    format_hour_axis(risk_ax, horizon)
    ax.tick_params(labelbottom=False)
    return fig


def _causes_figure(analysis: BatchAnalysis) -> Figure:
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
    causes_plot(analysis, ax=left)
    first_violator_plot(analysis, ax=right)
    return fig


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        "survival",
        "How long the truce holds: Kaplan-Meier survival per variant",
        lambda a: _figure_of(survival_plot(a)),
    ),
    FigureSpec(
        "first_violation",
        "How long until the first violation",
        lambda a: _figure_of(survival_plot(a, endpoint="first_violation")),
    ),
    FigureSpec(
        "collapse_times",
        "When the truce collapsed, and how often it held to the end",
        lambda a: _figure_of(collapse_times_plot(a)),
    ),
    FigureSpec(
        "endings",
        "How the first truce ended: cumulative incidence of each ending",
        endings_figure,
    ),
    FigureSpec("causes", "What collapsed the truce and who violated first", _causes_figure),
    FigureSpec(
        "violations",
        "Violations by each actor",
        lambda a: _figure_of(violations_plot(a)),
    ),
    FigureSpec(
        "timelines",
        "Sample runs, one strip each",
        lambda a: _figure_of(timelines_plot(a)),
    ),
)


def write_figures(
    analysis: BatchAnalysis,
    outdir: str | Path,
    *,
    formats: tuple[str, ...] = ("png", "svg"),
    dpi: int = 150,
    reference: ReferenceOverlay | None = None,
) -> list[Path]:
    """Draw every figure in `FIGURES` and save it in each format.

    Args:
        analysis: The batch analysis.
        outdir: Folder to write to (created if missing), usually DIR/figures.
        formats: File formats, by extension.
        dpi: Resolution of raster formats.
        reference: Real ceasefires to overlay on the survival figure.

    Returns:
        The paths written, in `FIGURES` order.
    """
    from sim.results.writer import save_figure

    outdir = Path(outdir)
    written: list[Path] = []
    for spec in FIGURES:
        if reference is not None and spec.name == "survival":
            fig = _figure_of(survival_plot(analysis, reference=reference))
        else:
            fig = spec.draw(analysis)
        try:
            fig.tight_layout()
            for fmt in formats:
                path = outdir / f"{spec.name}.{fmt}"
                save_figure(fig, path, dpi=dpi, bbox_inches="tight")
                written.append(path)
        finally:
            plt.close(fig)
    return written
