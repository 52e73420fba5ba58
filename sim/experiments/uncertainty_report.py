"""How an uncertainty analysis is shown: a text block, a figure, report sections."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.presentation.figures import pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.experiments.uncertainty_analysis import PairUncertainty, UncertaintyAnalysis

FIGURE = "uncertainty_difference"
NOISY = 0.25
"""Above this share of run noise in the spread between draws, the text says to add runs."""


def _value(pair: PairUncertainty, x: float) -> str:
    return f"{100 * x:+.1f} pts" if pair.metric == "survival" else f"{x:+.0f} h"


def _level(pair: PairUncertainty, x: float) -> str:
    return f"{100 * x:.1f}%" if pair.metric == "survival" else f"{x:.0f} h"


def sentence(pair: PairUncertainty, t_h: float) -> str:
    """One line a reader can quote."""
    what = f"holds {t_h:g} h" if pair.metric == "survival" else "lasts (restricted mean)"
    lo, hi = pair.parameter_range
    return (
        f"Over {pair.draws} parameter draws x {pair.replicates} paired runs, the truce {what} "
        f"{_level(pair, pair.mean_b)} ({_level(pair, pair.mean_b_ci[0])}-"
        f"{_level(pair, pair.mean_b_ci[1])}) under {pair.label_b} against "
        f"{_level(pair, pair.mean_a)} ({_level(pair, pair.mean_a_ci[0])}-"
        f"{_level(pair, pair.mean_a_ci[1])}) under {pair.label_a}: "
        f"difference {_value(pair, pair.difference)} "
        f"({_value(pair, pair.difference_ci[0])} to {_value(pair, pair.difference_ci[1])}, "
        f"parameters and runs); {pair.label_b} does better with probability "
        f"{pair.p_better:.2f} ({pair.p_better_ci[0]:.2f}-{pair.p_better_ci[1]:.2f}); over the "
        f"parameters alone the difference ranges {_value(pair, lo)} to {_value(pair, hi)}."
    )


def format_text(analysis: UncertaintyAnalysis) -> str:
    lines = [
        f"Answers under parameter uncertainty ({analysis.source}; "
        f"parameters: {', '.join(analysis.keys)})",
    ]
    for pair in analysis.pairs:
        lines.append("")
        lines.append(sentence(pair, analysis.survival_t_h))
        lines.append(
            f"  precision: each draw's difference +-{_value(pair, pair.per_draw_se)[1:]} "
            f"(1 s.e.); run noise is {100 * pair.noise_share:.0f}% of the spread between "
            f"draws; raw share of draws with {pair.label_b} ahead {pair.share_better_raw:.2f}"
        )
        if pair.noise_share > NOISY:
            lines.append(
                f"  more runs per draw would sharpen this: run noise is more than "
                f"{100 * NOISY:.0f}% of the spread between draws (--runs-per-draw)"
            )
        if pair.dependence:
            lines.append("  the sign depends on (Spearman rho with the difference, Holm p;")
            lines.append(
                f"  P({pair.label_b} better) with the parameter below / above its median):"
            )
            for dep in pair.dependence[:5]:
                lines.append(
                    f"    {dep.key:<44} rho {dep.rho:+.2f}  p {dep.p_holm:.3g}  "
                    f"{dep.better_below:.2f} / {dep.better_above:.2f}"
                )
    return "\n".join(lines)


def difference_figure(
    analysis: UncertaintyAnalysis, pair: PairUncertainty | None = None, *, ax: Axes | None = None
) -> Axes:
    """The per-draw differences (B - A in two-week survival) as a histogram, with zero,
    the mean and the interval over parameters marked. Returns the axes."""
    from sim.analysis.style import variant_colours

    plt = pyplot()
    pair = pair or analysis.pairs[0]
    if ax is None:
        _fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    scale = 100.0 if pair.metric == "survival" else 1.0
    values = pair.per_draw * scale
    ax.hist(
        values,
        bins=min(40, max(10, pair.draws // 5)),
        color=variant_colours([pair.label_a, pair.label_b])[pair.label_b],
        alpha=0.75,
        edgecolor="white",
    )
    ax.axvline(0, color="black", lw=1, label="no difference")
    ax.axvline(
        pair.difference * scale,
        color="black",
        ls="--",
        lw=1.2,
        label=f"mean {pair.difference * scale:+.1f}",
    )
    lo, hi = (x * scale for x in pair.parameter_range)
    ax.axvspan(lo, hi, color="grey", alpha=0.15, label="95% over parameters (run noise removed)")
    unit = "percentage points" if pair.metric == "survival" else "hours"
    ax.set_xlabel(f"{pair.label_b} minus {pair.label_a}, per parameter draw ({unit})")
    ax.set_ylabel(f"draws (of {pair.draws}; {pair.replicates} paired runs each)")
    ax.set_title(
        f"P({pair.label_b} better) = {pair.p_better:.2f} "
        f"({pair.p_better_ci[0]:.2f}-{pair.p_better_ci[1]:.2f})",
        fontsize=10,
    )
    ax.legend(frameon=False, fontsize=8)
    return ax


def dependence_figure(
    analysis: UncertaintyAnalysis, pair: PairUncertainty | None = None, *, ax: Axes | None = None
) -> Axes:
    """Each draw's difference against the parameter the sign depends on most (largest
    |Spearman rho|), draws where B does better filled. Returns the axes."""
    plt = pyplot()
    pair = pair or analysis.pairs[0]
    if ax is None:
        _fig, ax = plt.subplots(figsize=(6, 4.2), layout="constrained")
    scale = 100.0 if pair.metric == "survival" else 1.0
    if not pair.dependence:
        ax.text(0.5, 0.5, "no parameter varies", ha="center", transform=ax.transAxes)
        return ax
    top = pair.dependence[0]
    theta = pair.design_values[top.key]
    better = pair.per_draw > 0
    ax.scatter(
        theta[better],
        pair.per_draw[better] * scale,
        s=14,
        color="#1b7837",
        label=f"{pair.label_b} ahead ({better.sum()} draws)",
    )
    ax.scatter(
        theta[~better],
        pair.per_draw[~better] * scale,
        s=14,
        facecolors="none",
        edgecolors="#762a83",
        label=f"{pair.label_a} ahead or equal ({(~better).sum()})",
    )
    ax.axhline(0, color="black", lw=1)
    ax.set_xlabel(top.key)
    unit = "points" if pair.metric == "survival" else "hours"
    ax.set_ylabel(f"{pair.label_b} minus {pair.label_a} ({unit})")
    ax.set_title(f"Spearman rho {top.rho:+.2f} (Holm p {top.p_holm:.2g})", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return ax


def write_figure(analysis: UncertaintyAnalysis) -> Path:
    """Both panels as one PNG under DIR/figures, through the one writer."""
    from sim.results.writer import ResultsFolder

    plt = pyplot()
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(13, 4.4), layout="constrained", gridspec_kw={"width_ratios": [1.2, 1]}
    )
    difference_figure(analysis, ax=left)
    dependence_figure(analysis, ax=right)
    folder = ResultsFolder(analysis.path)
    path = folder.save_figure(f"figures/{FIGURE}.png", fig, dpi=130)
    folder.record()
    plt.close(fig)
    return path


def sections(analysis: UncertaintyAnalysis) -> list[Any]:
    """The report section: the sentences, the dependence table and the figure."""
    from sim.presentation import Section, html_table
    from sim.presentation.figures import figure_html

    png = write_figure(analysis)
    keys = html.escape(", ".join(analysis.keys))
    body = [f"<p>{html.escape(analysis.source)}; parameters {keys}.</p>"]
    for pair in analysis.pairs:
        body.append(f"<p>{html.escape(sentence(pair, analysis.survival_t_h))}</p>")
        if pair.metric == "survival" and pair.dependence:
            rows = [
                [
                    d.key,
                    f"{d.rho:+.2f}",
                    f"{d.p_holm:.3g}",
                    f"{d.better_below:.2f}",
                    f"{d.better_above:.2f}",
                ]
                for d in pair.dependence
            ]
            body.append(
                html_table(
                    [
                        "parameter",
                        "Spearman rho",
                        "Holm p",
                        f"P({pair.label_b} better), below median",
                        "above median",
                    ],
                    rows,
                )
            )
    body.append(figure_html(FIGURE, "Difference per parameter draw", png))
    return [Section("uncertainty", "Answers under parameter uncertainty", "\n".join(body))]
