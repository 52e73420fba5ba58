"""The figures and report section of a sensitivity analysis (read, never simulated)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.experiments.sensitivity import DESIGN_FILE, MU_STAR_UNITS, OUTPUTS
from sim.experiments.sensitivity_analysis import (
    SensitivityAnalysis,
    _fmt_index,
    analyse_sensitivity,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from sim.presentation import Section


def sensitivity_figure(analysis: SensitivityAnalysis, output: str) -> Figure:
    """Ranked horizontal bars with CI whiskers, one panel per mediator, for one output."""
    from sim.presentation.figures import pyplot

    plt = pyplot()

    from sim.analysis.style import variant_colours

    mediators = analysis.design.mediators
    colours = variant_colours(mediators)
    d = len(analysis.design.params)
    fig, axes = plt.subplots(
        1, len(mediators), figsize=(6.5 * len(mediators), 1.2 + 0.42 * d), squeeze=False
    )
    morris = analysis.design.method == "morris"
    for ax, mediator in zip(axes[0], mediators, strict=True):
        sub = analysis.indices[
            (analysis.indices["mediator"] == mediator) & (analysis.indices["output"] == output)
        ]
        sub = sub.iloc[::-1]  # largest at the top
        y = np.arange(len(sub))
        if morris:
            # mu* is a mean of absolute values: its whisker stops at zero.
            conf = sub["mu_star_conf"].to_numpy(float)
            mu_star = sub["mu_star"].to_numpy(float)
            ax.barh(
                y,
                mu_star,
                xerr=[np.minimum(conf, mu_star), conf],
                color=colours[mediator],
                capsize=3,
                label="mu* (mean |elementary effect|)",
            )
            ax.plot(
                sub["sigma"], y, "k|", markersize=12, label="sigma (interactions, nonlinearity)"
            )
            ax.set_xlabel(f"mu* of {output} ({MU_STAR_UNITS.get(output, 'output units')})")
            ax.set_xlim(left=0)
        else:
            ax.barh(
                y + 0.2,
                sub["ST"],
                height=0.4,
                xerr=sub["ST_conf"],
                color=colours[mediator],
                capsize=3,
                label="ST (total)",
            )
            ax.barh(
                y - 0.2,
                sub["S1"],
                height=0.4,
                xerr=sub["S1_conf"],
                color=colours[mediator],
                alpha=0.45,
                capsize=3,
                label="S1 (first order)",
            )
            ax.axvline(0, color="0.3", linewidth=0.8)
            ax.set_xlabel("Sobol' index (share of output variance)")
        ax.set_yticks(y)
        ax.set_yticklabels(sub["param"], fontsize=8)
        ax.set_title(f"{mediator}", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(
        f"What moves {OUTPUTS[output]}\n({analysis.design.method}, ranked; whiskers: "
        f"{analysis.level:.0%} bootstrap intervals)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def write_sensitivity_figures(
    analysis: SensitivityAnalysis, outdir: str | Path | None = None
) -> list[Path]:
    """One ranked bar chart per output (panels per mediator), PNG and SVG; return the paths."""
    from sim.experiments.sweep_figures import save_figure

    outdir = Path(outdir) if outdir is not None else Path(analysis.path) / "figures"
    paths: list[Path] = []
    for output in OUTPUTS:
        paths += save_figure(sensitivity_figure(analysis, output), outdir, f"sensitivity_{output}")
    return paths


# --------------------------------------------------------------------------- report


def sensitivity_sections(directory: str | Path) -> list[Section]:
    """Report sections for a sensitivity folder (empty if the folder holds no design).

    For ``write_report(DIR, extra_sections=sensitivity_sections(DIR))``: the method,
    the parameters and bounds, ranked index tables and the bar charts (base64 PNG).
    """
    import html

    from sim.presentation import Section, html_table
    from sim.presentation.figures import figure_html

    directory = Path(directory)
    if not (directory / DESIGN_FILE).exists():
        return []
    analysis = analyse_sensitivity(directory)
    d = analysis.design
    if not all((directory / "figures" / f"sensitivity_{o}.png").exists() for o in OUTPUTS):
        write_sensitivity_figures(analysis)
    method = (
        f"Morris elementary effects ({d.samples} trajectories, {d.num_levels} levels): mu* "
        "ranks a parameter's overall influence, sigma shows interactions or nonlinearity."
        if d.method == "morris"
        else f"Sobol' indices (Saltelli sample, N = {d.samples}): S1 is the share of the "
        "output's variance due to the parameter alone, ST including its interactions."
    )
    parts = [
        f"<p>{html.escape(method)} {d.n_rows} design points x {len(d.mediators)} mediator(s) x "
        f"{d.runs_per_point:,} runs, common random numbers, seed {d.seed}. Outputs per point: "
        + html.escape("; ".join(f"{k}: {v}" for k, v in OUTPUTS.items()))
        + ". Time to first violation: runs without one are censored when observation "
        "ended. Morris mu* is the mean absolute change of the output over a step of the "
        "Morris grid, per unit of the parameter's range scaled to [0, 1].</p>",
        html_table(
            ["parameter", "low", "high", "why these bounds"],
            [[p.key, f"{p.low:g}", f"{p.high:g}", p.reason or "–"] for p in d.params],
        ),
    ]
    columns = (
        ["mu_star", "mu_star_conf", "sigma"]
        if d.method == "morris"
        else [
            "S1",
            "S1_conf",
            "ST",
            "ST_conf",
        ]
    )
    for output, title in OUTPUTS.items():
        parts.append(f"<h3>{html.escape(title)}</h3>")
        for mediator in d.mediators:
            sub = analysis.indices[
                (analysis.indices["mediator"] == mediator) & (analysis.indices["output"] == output)
            ]
            rows = [
                [r["param"], *(_fmt_index(r[c]) for c in columns)] for r in sub.to_dict("records")
            ]
            parts.append(f"<h4>{html.escape(mediator)}</h4>")
            parts.append(html_table(["parameter", *columns], rows))
        png = directory / "figures" / f"sensitivity_{output}.png"
        parts.append(figure_html(f"sensitivity_{output}", f"What moves the {title}", png))
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in analysis.notes]
    return [Section("sensitivity", "Which parameters matter", "\n".join(parts))]
