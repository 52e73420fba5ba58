"""The figures of a batch report, drawn and written as files (PNG and SVG).

`FIGURES` lists them in report order with their captions; `write_figures` draws each
and saves it through the one results writer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# The backend is left to the caller (a notebook keeps its own); the commands select Agg
# through sim.presentation.figures.pyplot(), and matplotlib falls back to Agg without a
# display.
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.plots_breakdown import (
    causes_plot,
    first_violator_plot,
    timelines_plot,
    violations_plot,
)
from sim.analysis.plots_survival import collapse_times_plot, endings_plot, survival_plot

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis
    from sim.analysis.reference_overlay import ReferenceOverlay


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


def causes_figure(analysis: BatchAnalysis, *, fig: Figure | None = None) -> Figure:
    """Causes of collapse (left) and first violators (right) side by side, on `fig`
    (two axes; a new figure when None); returns the figure."""
    if fig is None:
        fig = plt.figure(figsize=(13, 4.5))
    left, right = fig.subplots(1, 2)
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
        endings_plot,
    ),
    FigureSpec(
        "causes", "What collapsed the truce and who violated first", lambda a: causes_figure(a)
    ),
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
    from sim.presentation.figures import tight_box
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
            box = tight_box(fig, dpi)  # cropped as "tight" would, measured once for all formats
            for fmt in formats:
                path = outdir / f"{spec.name}.{fmt}"
                save_figure(fig, path, dpi=dpi, bbox_inches=box)
                written.append(path)
        finally:
            plt.close(fig)
    return written
