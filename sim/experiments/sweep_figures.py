"""The figures and report section of a sweep (read from its folder, never simulated)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.batch.design import DESIGN_PREFIX
from sim.experiments.sweep import SWEEP_FILE
from sim.experiments.sweep_analysis import (
    SweepAnalysis,
    _value_column,
    analyse_sweep,
    format_median,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.presentation import Section


def _key_label(key: str) -> str:
    return key


def sweep_figure(analysis: SweepAnalysis, key: str) -> Figure:
    """Two-week survival (left) and median time to collapse (right) against `key`.

    One grid axis: one line per mediator. Two axes: one panel row per mediator,
    one line per value of the other parameter. More axes: the runs of the other
    grid points are pooled (the Kaplan-Meier estimate over the grid's other
    values), one line per mediator.
    """
    from sim.presentation.figures import pyplot

    plt = pyplot()

    from sim.analysis.style import variant_colours

    keys = analysis.keys
    others = [k for k in keys if k != key]
    mediators = analysis.mediators
    table = analysis.table
    if len(others) == 1:
        other = others[0]
        other_values = sorted(table[_value_column(other)].unique())
        fig, axes = plt.subplots(
            len(mediators), 2, figsize=(11, 3.6 * len(mediators)), squeeze=False
        )
        cmap = plt.get_cmap("viridis")
        for row, mediator in enumerate(mediators):
            sub = table[table["mediator"] == mediator]
            for j, value in enumerate(other_values):
                colour = cmap(j / max(1, len(other_values) - 1) * 0.9)
                line = sub[sub[_value_column(other)] == value].sort_values(_value_column(key))
                _draw_pair(axes[row], line, key, colour, f"{value:g}", analysis.horizon_h, j)
            axes[row, 0].set_title(f"{mediator}: held the whole truce", fontsize=10)
            axes[row, 1].set_title(f"{mediator}: median time to collapse", fontsize=10)
            axes[row, 1].legend(fontsize=8, title=other, title_fontsize=8)
    else:
        if others:
            table = _pooled_table(analysis, key)
        colours = variant_colours(mediators)
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), squeeze=False)
        for position, mediator in enumerate(mediators):
            line = table[table["mediator"] == mediator].sort_values(_value_column(key))
            _draw_pair(
                axes[0], line, key, colours[mediator], mediator, analysis.horizon_h, position
            )
        axes[0, 0].set_title("Held the whole truce", fontsize=10)
        axes[0, 1].set_title("Median time to collapse", fontsize=10)
        axes[0, 1].legend(fontsize=8, title="mediator", title_fontsize=8)
        if others:
            fig.text(
                0.5,
                -0.02,
                "Pooled over the grid values of " + ", ".join(others),
                ha="center",
                fontsize=8,
            )
    _mark_baseline(fig.axes, analysis, key)
    days = analysis.horizon_h / 24
    fig.suptitle(
        f"Sweep over {key}: survival at {days:g} days and median time to collapse\n"
        f"(Kaplan-Meier, {analysis.level:.0%} intervals; triangles above the horizon: "
        "median not reached)",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def baseline_values(analysis: SweepAnalysis, key: str) -> dict[str, float]:
    """{mediator: the value `key` has in the swept scenario}, before the sweep changes it."""
    from sim.batch.variants import parameter_value
    from sim.errors import UserError
    from sim.scenario import load_scenario

    sweep = analysis.sweep
    try:
        scenario = load_scenario(
            sweep["scenario"],
            mediators=list(sweep.get("mediators") or []),
            variants=list(sweep.get("overlays") or []),
            overrides=dict(sweep.get("overrides") or {}),
        )
    except (UserError, KeyError, TypeError):  # the scenario moved: no baseline to mark
        return {}
    values = {m: parameter_value(scenario, key, m) for m in analysis.mediators}
    return {m: v for m, v in values.items() if v == v}  # drop NaN


def _mark_baseline(axes: Sequence[Any], analysis: SweepAnalysis, key: str) -> None:
    """A dotted vertical line at the scenario's own value of `key` on every panel."""
    baselines = sorted(set(baseline_values(analysis, key).values()))
    for ax in axes:
        for value in baselines:
            ax.axvline(value, color="0.25", linestyle=":", linewidth=1.2)
            ax.annotate(
                f"baseline {value:g}",
                xy=(value, 0.98),
                xycoords=("data", "axes fraction"),
                xytext=(3, 0),
                textcoords="offset points",
                fontsize=7,
                color="0.25",
                ha="left",
                va="top",
            )


def _draw_pair(
    axes: Any,
    line: pd.DataFrame,
    key: str,
    colour: Any,
    label: str,
    horizon: float,
    position: int = 0,
) -> None:
    """Draw one line on the survival (left) and median (right) axes."""
    import numpy as np

    x = line[_value_column(key)].to_numpy(float)
    # Lines at the same grid values would hide each other: nudge each line sideways by
    # a small share of the grid's span and give it its own marker shape.
    span = float(np.ptp(x)) if len(x) > 1 else 1.0
    x = x + span * 0.012 * ((position % 4) - 1.5)
    marker = "osD^v"[position % 5]
    p = line["p_hold"].to_numpy(float)
    left, right = axes[0], axes[1]
    left.errorbar(
        x,
        p,
        yerr=[p - line["p_hold_lower"].to_numpy(float), line["p_hold_upper"].to_numpy(float) - p],
        color=colour,
        marker=marker,
        markersize=4,
        capsize=3,
        label=label,
    )
    left.set_ylim(-0.02, 1.02)
    left.set_xlabel(_key_label(key))
    left.set_ylabel(f"Share holding at {horizon:g} h")
    left.grid(alpha=0.3)
    median = line["median_h"].to_numpy(float)
    lower = line["median_lower"].to_numpy(float)
    upper = line["median_upper"].to_numpy(float)
    reached = np.isfinite(median)
    # An unreached upper bound is drawn up to the horizon (the data stop there).
    upper = np.where(np.isfinite(upper), upper, horizon)
    lower = np.where(np.isfinite(lower), lower, 0.0)
    right.errorbar(
        x[reached],
        median[reached],
        yerr=[median[reached] - lower[reached], upper[reached] - median[reached]],
        color=colour,
        marker=marker,
        markersize=4,
        capsize=3,
        label=label,
    )
    if (~reached).any():
        # Stagger the markers of different lines so one does not hide another.
        y = horizon * (1.02 + 0.025 * (position % 4))
        right.scatter(x[~reached], np.full((~reached).sum(), y), marker="^", color=colour)
    right.axhline(horizon, color="0.4", linestyle="--", linewidth=0.8)
    right.annotate(
        "horizon (above: not reached)",
        xy=(0.01, horizon),
        xycoords=("axes fraction", "data"),
        fontsize=7,
        color="0.4",
        va="bottom",
    )
    right.set_ylim(0, horizon * 1.13)
    right.set_xlabel(_key_label(key))
    right.set_ylabel("Median hours to collapse")
    right.grid(alpha=0.3)


def _pooled_table(analysis: SweepAnalysis, key: str) -> pd.DataFrame:
    """KM estimates per (mediator, value of `key`), pooling every other grid point."""
    import numpy as np
    import pandas as pd

    from sim.analysis.load import load_batch
    from sim.analysis.survival import durations_and_events, fit_variant

    runs = load_batch(analysis.path).runs
    mediator_of = {p["label"]: p["mediator"] for p in analysis.sweep["points"]}
    runs = runs[runs["variant"].isin(mediator_of)]
    runs = runs.assign(_m=runs["variant"].map(mediator_of), _v=runs[f"{DESIGN_PREFIX}{key}"])
    rows = []
    for (mediator, value), group in runs.groupby(["_m", "_v"]):
        horizon = float(group["horizon_h"].max())
        fit = fit_variant(str(mediator), *durations_and_events(group, "collapse"), horizon)
        at = fit.p_survive_horizon
        low, high = fit.median_ci_h
        rows.append(
            {
                "mediator": mediator,
                _value_column(key): value,
                "p_hold": at.p,
                "p_hold_lower": np.nan if at.lower is None else at.lower,
                "p_hold_upper": np.nan if at.upper is None else at.upper,
                "median_h": np.nan if fit.median_h is None else fit.median_h,
                "median_lower": np.nan if low is None else low,
                "median_upper": np.nan if high is None else high,
            }
        )
    return pd.DataFrame(rows)


def save_figure(fig: Figure, outdir: Path, name: str, formats: Sequence[str] = ("png", "svg")):
    """Save `fig` as ``outdir/name.<fmt>`` for each format, byte-stable; return the paths."""
    from sim.presentation.figures import pyplot

    plt = pyplot()

    from sim.results.writer import save_figure as write_figure

    paths = []
    try:
        for fmt in formats:
            path = outdir / f"{name}.{fmt}"
            paths.append(write_figure(fig, path, dpi=150, bbox_inches="tight"))
    finally:
        plt.close(fig)
    return paths


def figure_name(key: str) -> str:
    """File stem of the figure for one swept key."""
    return "sweep_" + key.replace(".", "_")


def write_sweep_figures(analysis: SweepAnalysis, outdir: str | Path | None = None) -> list[Path]:
    """One figure per swept parameter, PNG and SVG, in ``DIR/figures/``; return the paths."""
    outdir = Path(outdir) if outdir is not None else Path(analysis.path) / "figures"
    paths: list[Path] = []
    for key in analysis.keys:
        paths += save_figure(sweep_figure(analysis, key), outdir, figure_name(key))
    return paths


# --------------------------------------------------------------------------- report


def sweep_sections(directory: str | Path) -> list[Section]:
    """Report sections for a sweep folder (empty if the folder holds no sweep).

    For ``write_report(DIR, extra_sections=sweep_sections(DIR))``: a table of the
    Kaplan-Meier estimates per point and the sweep figures, embedded as PNG.
    """
    import html

    from sim.presentation import Section, html_table
    from sim.presentation.figures import figure_html

    directory = Path(directory)
    if not (directory / SWEEP_FILE).exists():
        return []
    analysis = analyse_sweep(directory)
    rows = []
    for row in analysis.table.to_dict("records"):
        rows.append(
            [
                row["mediator"],
                *(f"{row[_value_column(k)]:g}" for k in analysis.keys),
                f"{row['runs']:,}",
                f"{100 * row['p_hold']:.1f}% ({100 * row['p_hold_lower']:.1f}-"
                f"{100 * row['p_hold_upper']:.1f})",
                format_median(row["median_h"], row["median_lower"], row["median_upper"]),
                f"{row['rmst_h']:.0f}",
            ]
        )
    headers = [
        "mediator",
        *analysis.keys,
        "runs",
        "held to the horizon",
        "median to collapse",
        "RMST h",
    ]
    figures = []
    for key in analysis.keys:
        png = directory / "figures" / f"{figure_name(key)}.png"
        if not png.exists():
            write_sweep_figures(analysis)
        figures.append(figure_html(figure_name(key), f"Sweep over {key}", png))
    axes = "; ".join(
        f"{a['key']}: {', '.join(f'{v:g}' for v in a['values'])}" for a in analysis.sweep["axes"]
    )
    body = [
        f"<p>Full factorial sweep ({html.escape(axes)}), under "
        f"{html.escape(', '.join(analysis.mediators))}; "
        f"{analysis.sweep.get('runs_per_point'):,} runs per point with common random numbers "
        "(run i of every point and mediator shares its seeds). Kaplan-Meier estimates with "
        f"{analysis.level:.0%} intervals; runs holding at the horizon are censored; a median "
        "is 'not reached' when more than half the runs held.</p>",
        html_table(headers, rows),
        *figures,
    ]
    return [Section("sweep", "Parameter sweep", "\n".join(body))]
