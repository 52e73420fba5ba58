"""Figures for a batch analysis, written for a reader rather than a debugger.

Every function draws on an `ax=` it is given (or `fig=` where it draws several axes) or
on a new figure, and returns it, like lifelines' and seaborn's plotting functions;
`write_figures` draws them all and saves PNG and SVG files. Time axes are in hours with
day marks, actors carry their display names, and each variant keeps one colour in every
figure (`BatchAnalysis.colours`).

This module gathers the names; the figures live by job: `sim.analysis.axes` (time axes,
horizon, holding counts), `plots_survival` (curves), `plots_breakdown` (bars and sample
runs) and `figures` (the list of figures and writing them).
"""

from __future__ import annotations

from sim.analysis.axes import format_hour_axis, holding_counts, hour_ticks
from sim.analysis.figures import FIGURES, FigureSpec, causes_figure, write_figures
from sim.analysis.plots_breakdown import (
    causes_plot,
    first_violator_plot,
    shared_runs,
    timelines_plot,
    violations_plot,
)
from sim.analysis.plots_survival import (
    collapse_times_plot,
    endings_figure,
    endings_plot,
    survival_plot,
)

__all__ = [
    "FIGURES",
    "FigureSpec",
    "causes_figure",
    "causes_plot",
    "collapse_times_plot",
    "endings_figure",
    "endings_plot",
    "first_violator_plot",
    "format_hour_axis",
    "holding_counts",
    "hour_ticks",
    "shared_runs",
    "survival_plot",
    "timelines_plot",
    "violations_plot",
    "write_figures",
]
