"""A decomposition as a table, one sentence, JSON and a waterfall figure."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.style import variant_colours

if TYPE_CHECKING:  # pragma: no cover (the results, not the simulation, are shown here)
    from sim.explain.decompose import Decomposition

UNITS = {"survival": "points", "rmst": "hours"}
TITLES = {"survival": "two-week survival", "rmst": "restricted mean survival"}


def _scale(metric: str) -> float:
    return 100.0 if metric == "survival" else 1.0  # survival in percentage points


def to_dict(d: Decomposition) -> dict[str, Any]:
    """Everything a reader needs to check the decomposition, JSON-ready."""
    metrics = {}
    for m in d.contributions:
        s = _scale(m)
        metrics[m] = {
            "unit": "percentage points" if m == "survival" else "hours",
            "at_h": d.survival_t_h if m == "survival" else d.tau_h,
            "value_a": d.value_a[m] * s,
            "value_b": d.value_b[m] * s,
            "difference": d.difference[m] * s,
            "difference_ci": [x * s for x in d.difference_ci[m]],
            "sum_of_contributions": float(d.contributions[m].sum() * s),
            "contributions": [
                {
                    "group": g.name,
                    "label": g.label,
                    "keys": list(g.keys),
                    "simulated": sim,
                    "contribution": float(c * s),
                    "ci": [float(x * s) for x in ci],
                }
                for g, sim, c, ci in zip(
                    d.groups, d.simulated, d.contributions[m], d.intervals[m], strict=True
                )
            ],
        }
    return {
        "scenario": d.scenario,
        "mediator_a": d.mediator_a,
        "mediator_b": d.mediator_b,
        "method": "exact Shapley values over group swaps; every coalition of the differing "
        "groups simulated on the same runs (common random numbers); paired bootstrap "
        "intervals over runs; groups on which A and B agree contribute exactly 0",
        "runs": d.runs,
        "seed": d.seed,
        "coalitions": d.n_coalitions,
        "bootstrap": d.n_boot,
        "level": d.level,
        "metrics": metrics,
        "sentence": sentence(d),
    }


def format_table(d: Decomposition) -> str:
    """One table per metric: group, contribution, interval; the total last."""
    lines = [
        f"{d.label_b} against {d.label_a} ({d.scenario}): {d.runs:,} runs per coalition, "
        f"{d.n_coalitions:,} coalitions, seed {d.seed}; {d.level:.0%} paired bootstrap intervals"
    ]
    for m in d.contributions:
        s, unit = _scale(m), UNITS[m]
        lines += [
            "",
            f"{TITLES[m]}: {d.label_a} {d.value_a[m] * s:.1f}, {d.label_b} "
            f"{d.value_b[m] * s:.1f} ({'%' if m == 'survival' else 'h'})",
            f"{'group':<32} {'contribution':>12}  interval ({unit})",
        ]
        order = np.argsort(-np.abs(d.contributions[m]), kind="stable")
        for i in order:
            g, c, ci = d.groups[i], d.contributions[m][i] * s, d.intervals[m][i] * s
            note = "" if d.simulated[i] else "  (same in both)"
            lines.append(f"{g.label:<32} {c:>+12.2f}  {ci[0]:+.2f} to {ci[1]:+.2f}{note}")
        lo, hi = (x * s for x in d.difference_ci[m])
        lines.append(
            f"{'total difference':<32} {d.difference[m] * s:>+12.2f}  {lo:+.2f} to {hi:+.2f}"
        )
    lines += ["", sentence(d)]
    return "\n".join(lines)


def sentence(d: Decomposition, top: int = 3) -> str:
    """ "... -34.0 points, of which taking Turkey's patrols accounts for -12.1; ..." """
    m = "survival"
    s = _scale(m)
    total = d.difference[m] * s
    order = [i for i in np.argsort(-np.abs(d.contributions[m]), kind="stable") if d.simulated[i]]
    if not order:
        return f"{d.label_b} and {d.label_a} agree on every parameter: no difference to explain."
    parts = [f"{d.groups[i].label} {d.contributions[m][i] * s:+.1f}" for i in order[:top]]
    rest = sum(d.contributions[m][i] for i in order[top:]) * s
    text = (
        f"Under {d.label_b} the truce holds {d.survival_t_h / 24:g} days in "
        f"{d.value_b[m] * s:.1f}% of runs against {d.label_a}'s {d.value_a[m] * s:.1f}%: "
        f"{total:+.1f} points, of which taking {d.label_b}'s " + "; ".join(parts)
    )
    if len(order) > top:
        text += f"; the other groups together {rest:+.1f}"
    return text + "."


def waterfall(d: Decomposition, metric: str = "survival", *, ax=None):
    """Bars from A's value to B's: one step per group (largest first), with intervals.

    Draws on `ax` (a new figure sized to the groups when None) and returns the axes.
    """
    s = _scale(metric)
    order = [i for i in np.argsort(-np.abs(d.contributions[metric]), kind="stable")]
    steps = d.contributions[metric][order] * s
    ci = d.intervals[metric][order] * s
    labels = [d.label_a, *(d.groups[i].label for i in order), d.label_b]
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1.5))
    fig = ax.figure
    # The two mediators in their colours of every other figure (sim.analysis.style).
    colours = variant_colours([d.label_a, d.label_b])
    start = d.value_a[metric] * s
    y = np.arange(len(labels))[::-1]
    ax.barh(y[0], start, color=colours[d.label_a])
    level = start
    for k, (step, (lo, hi)) in enumerate(zip(steps, ci, strict=True), start=1):
        ax.barh(y[k], step, left=level, color="tab:green" if step >= 0 else "tab:red")
        ax.errorbar(level + step, y[k], xerr=[[step - lo], [hi - step]], fmt="none", color="k")
        level += step
    ax.barh(y[-1], d.value_b[metric] * s, color=colours[d.label_b])
    ax.set_yticks(y, labels)
    unit = "% of runs holding two weeks" if metric == "survival" else "hours (restricted mean)"
    ax.set_xlabel(unit)
    ax.set_title(f"{TITLES[metric]}: from {d.label_a} to {d.label_b}, group by group")
    fig.tight_layout()
    return ax


def write_outputs(d: Decomposition, out: str | Path) -> list[Path]:
    """decomposition.json, decomposition.txt and the waterfall figures (PNG and SVG)."""
    from sim.presentation.figures import write_json_text_figures
    from sim.results import ResultsFolder

    figures = {f"figures/waterfall_{m}": partial(waterfall, d, m) for m in d.contributions}
    return write_json_text_figures(
        ResultsFolder(out), "decomposition", to_dict(d), format_table(d), figures
    )
