"""Prior against posterior, one panel per calibrated parameter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

if TYPE_CHECKING:  # pragma: no cover
    from sim.calibration.abc import CalibrationResult


def posterior_plot(result: CalibrationResult, key: str, *, ax: Axes | None = None) -> Axes:
    """Histogram of the prior draws and of the (weighted) posterior for one parameter.

    Args:
        result: the calibration.
        key: the parameter.
        ax: axes to draw on (a new figure when None).

    Returns:
        The axes.
    """
    if ax is None:
        _fig, ax = plt.subplots(figsize=(6, 3.8))
    prior = next(p for p in result.spec.priors if p.key == key)
    x = result.draws[key].to_numpy(float)
    w = result.draws["weight"].to_numpy(float)
    bins = np.linspace(prior.low, prior.high, 31) if np.isfinite(prior.low + prior.high) else 30
    ax.hist(x, bins=bins, density=True, color="0.75", label=f"prior: {prior.describe()}")
    ax.hist(
        x[w > 0],
        bins=bins,
        weights=w[w > 0],
        density=True,
        histtype="step",
        linewidth=2,
        color="C3",
        label="posterior",
    )
    row = result.summary().set_index("parameter").loc[key]
    for q in ("posterior_q05", "posterior_q95"):
        ax.axvline(row[q], color="C3", linestyle=":", linewidth=1)
    ax.set_xlabel(key)
    ax.set_ylabel("density")
    ax.set_title(
        f"{key}: 90% interval {row['posterior_q05']:.2f} to {row['posterior_q95']:.2f} "
        f"({row['spread_ratio']:.0%} of the prior's)",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    return ax


def write_posterior_figures(
    result: CalibrationResult, outdir: str | Path, formats: tuple[str, ...] = ("png", "svg")
) -> list[Path]:
    """One figure per parameter, `posterior_<key>.<fmt>`, plus `posterior.<fmt>` with all."""
    from sim.results.writer import save_figure

    outdir = Path(outdir)
    written: list[Path] = []

    def save(fig, stem: str) -> None:
        fig.tight_layout()
        for fmt in formats:
            path = outdir / f"{stem}.{fmt}"
            save_figure(fig, path, dpi=130)
            written.append(path)
        plt.close(fig)

    for key in result.spec.keys:
        fig, ax = plt.subplots(figsize=(6, 3.8))
        posterior_plot(result, key, ax=ax)
        save(fig, f"posterior_{key}")
    n = len(result.spec.keys)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.4 * rows), squeeze=False)
    for ax, key in zip(axes.flat, result.spec.keys, strict=False):
        posterior_plot(result, key, ax=ax)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    save(fig, "posterior")
    return written
