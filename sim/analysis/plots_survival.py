"""Curves of a batch: Kaplan-Meier survival, collapse times, how the first truce ended.

Every function draws on the `ax=` (or `fig=`, when it draws several axes) it is given,
or on a new figure, and returns it, like lifelines' plotting functions. Each variant
keeps one colour in every figure (`BatchAnalysis.colours`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# The backend is left to the caller (a notebook keeps its own); the commands select Agg
# through sim.presentation.figures.pyplot(), and matplotlib falls back to Agg without a
# display.
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.axes import (
    format_hour_axis,
    holding_counts,
    horizon_of,
    hour_ticks,
    mark_horizon,
    zoomed_span,
)
from sim.analysis.survival import ENDPOINT_TITLES, variant_groups

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis
    from sim.analysis.reference_overlay import ReferenceOverlay


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

    if ax is None:
        _fig, (ax, risk_ax) = plt.subplots(
            2,
            1,
            figsize=(9, 5.2 + 0.25 * len(analysis.variants)),
            gridspec_kw={"height_ratios": [4, 0.35 + 0.25 * len(analysis.variants)]},
            sharex=True,
        )
    survival = analysis.survival if endpoint == "collapse" else analysis.first_violation
    horizon = horizon_of(analysis)
    # The span of the x axis: the whole horizon, or the first hours where everything happens.
    shown = horizon if endpoint == "collapse" else zoomed_span(survival, horizon)
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
        from sim.analysis.reference_survival import plot_reference

        plot_reference(ax, reference.reference, label=reference.label, max_time=horizon)
    if shown == horizon:
        mark_horizon(ax, horizon)
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
            fit = result.fitter  # fitted on (time, event) cells weighted by their runs
            counts = holding_counts(fit.durations, fit.event_observed, ticks, fit.weights)
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
    horizon = horizon_of(analysis)
    bins = np.arange(0, horizon + bin_h, bin_h)
    groups = variant_groups(analysis.runs)
    for position, label in enumerate(analysis.variants):
        group = groups[label]
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


def endings_plot(analysis: BatchAnalysis, *, fig: Figure | None = None) -> Figure:
    """Cumulative incidence of each ending of the first truce per variant (colour: variant,
    line style: ending, shaded intervals), with the number of runs at risk under the axis.

    Draws two axes (curves, and the at-risk table under them) on `fig`, a new figure
    when None, and returns the figure.
    """
    endings = analysis.endings
    n_variants = len(analysis.variants)
    if fig is None:
        fig = plt.figure(figsize=(9, 5.2 + 0.25 * n_variants))
    ax, risk_ax = fig.subplots(
        2,
        1,
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
    mark_horizon(ax, horizon)
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


endings_figure = endings_plot  # the name before figure functions took fig=
