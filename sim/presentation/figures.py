"""Headless plotting, set once, and figures embedded in a report.

`pyplot()` is the one place that chooses matplotlib's backend: the command line and the
files it writes never need a display, so it selects Agg (before pyplot is first imported
where it can, or switches to it). Figure functions take `ax=` (or `fig=` when they draw
several axes) and return it, like lifelines; the caller decides where they go.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

HEADLESS_BACKEND = "agg"


def pyplot(*, headless: bool = True) -> Any:
    """`matplotlib.pyplot`, with the Agg backend unless `headless` is False.

    Call it instead of `import matplotlib.pyplot` wherever a command or a writer draws:
    with `headless` it selects Agg first (a no-op when it is already in use), so a
    figure is drawn the same with or without a display. A notebook that wants its own
    backend calls the figure functions with its own `ax=` and never needs this.
    """
    import matplotlib

    if headless:
        # A no-op when Agg is already selected (matplotlib.use returns early; open
        # figures are kept); asking get_backend() first would itself import pyplot.
        matplotlib.use(HEADLESS_BACKEND)
    import matplotlib.pyplot as plt

    return plt


def png_data_uri(png: bytes | str | Path) -> str:
    """A PNG (bytes or a file) as a `data:` URI, so the page stands alone."""
    data = png if isinstance(png, bytes) else Path(png).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def figure_html(name: str, caption: str, png: bytes | str | Path) -> str:
    """One embedded figure: `<figure id="figure-NAME">`, the PNG inline, its caption."""
    return (
        f'<figure id="figure-{html.escape(name)}"><img alt="{html.escape(caption)}" '
        f'src="{png_data_uri(png)}"><figcaption>{html.escape(caption)}'
        "</figcaption></figure>"
    )


def tight_box(fig: Any, dpi: float) -> Any:
    """What ``savefig(bbox_inches="tight")`` crops `fig` to at `dpi`, measured once.

    Saving with the returned box (a `Bbox` in inches, padded by ``savefig.pad_inches``)
    gives the same PNG as "tight", and an SVG whose bounds differ by a fraction of a
    point; but "tight" lays the whole figure out again for every file before drawing
    it. The figure must already be laid out (e.g. `tight_layout`): its layout engine is
    removed, so saving does not lay it out once more.
    """
    import matplotlib

    screen_dpi = fig.dpi
    fig.dpi = dpi  # text is measured at the resolution it is drawn at, as savefig does
    try:
        box = fig.get_tightbbox(fig.canvas.get_renderer())
    finally:
        fig.dpi = screen_dpi
    fig.set_layout_engine(None)
    return box.padded(matplotlib.rcParams["savefig.pad_inches"])


def save_png_svg(folder: Any, stem: str, fig: Any) -> list[Path]:
    """Save `fig` as ``stem.png`` and ``stem.svg`` through a `ResultsFolder`, then close it."""
    plt = pyplot()
    try:
        return [folder.save_figure(f"{stem}.{ext}", fig) for ext in ("png", "svg")]
    finally:
        plt.close(fig)


def write_json_text_figures(
    folder: Any,
    stem: str,
    data: Mapping[str, Any],
    text: str,
    figures: Mapping[str, Callable[[], Any]],
) -> list[Path]:
    """A result's ``stem.json``, ``stem.txt`` and figures, all or nothing, in a `ResultsFolder`.

    `figures` maps each figure's stem (relative to the folder) to a function that draws
    it and returns its axes; each is drawn, saved as PNG and SVG and closed in turn. If
    anything fails, a folder this call created is left as it was (nothing half-written).
    """
    paths = []
    with folder.undo_on_error():
        paths.append(folder.write_json(f"{stem}.json", data))
        paths.append(folder.write_text(f"{stem}.txt", text + "\n"))
        for figure_stem, draw in figures.items():
            paths += save_png_svg(folder, figure_stem, draw().figure)
    return paths
