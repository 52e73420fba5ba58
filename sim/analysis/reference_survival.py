"""How long the ceasefires of a reference class lasted, and against a simulated batch.

Kaplan-Meier (lifelines, `sim.stats.km`) with expiries, replacements and ceasefires
still in force right-censored; a summary table, the comparison with simulated runs
(log-rank test, difference in survival at the horizon) in plain words, and the curve
drawn on the `ax` it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.analysis.reference_class import (
    ALPHA,
    DEFAULT_KM_DAYS,
    DEFAULT_SHARE_DAYS,
    HOURS_PER_DAY,
    SIM_HORIZON_H,
    ReferenceClass,
)
from sim.errors import UserError
from sim.stats import km as _km
from sim.stats.twosample import logrank, survival_difference

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def fit_km(
    durations: Sequence[float] | np.ndarray, events: Sequence[bool] | np.ndarray, label: str
):
    """Fit a lifelines KaplanMeierFitter with 95% (log-log) confidence intervals."""
    return _km.fit_km(durations, events, label=label, level=1 - ALPHA)


def survival_at(kmf, t: float) -> tuple[float, float, float]:
    """S(t) with its 95% confidence interval (low, high).

    lifelines' log-log interval as it is, even where it collapses to a point (S = 1
    before the first breakdown): the reference-class tables have always shown it so.
    """
    est = _km.survival_at(kmf, t, exact_if_degenerate=False)
    return est.estimate, float(est.low), float(est.high)


def median_with_ci(kmf) -> dict[str, float | None]:
    """Median survival time and its 95% CI; None where not reached (or unbounded)."""
    estimate, low, high = _km.median_with_ci(kmf)
    return {"estimate": estimate, "ci_low": low, "ci_high": high}


greenwood_variance = _km.greenwood_variance


def summarize(
    ref: ReferenceClass,
    share_days: Sequence[float] = DEFAULT_SHARE_DAYS,
    km_days: Sequence[float] = DEFAULT_KM_DAYS,
) -> dict[str, Any]:
    """Kaplan-Meier summary of a reference class, JSON-ready.

    Args:
        ref: the reference class.
        share_days: times (days) at which to give the share that broke down, 1 - S(t).
        km_days: times (days) for the KM table.

    Returns:
        {"filter", "filter_text", counts (n, events, censored, censored_by_reason,
        excluded_by_reason), "median_days" and "median_hours" ({estimate, ci_low,
        ci_high}, None = not reached), "ending_within" ([{days, hours, share, ci_low,
        ci_high}]), "survival" ([{days, hours, survival, ci_low, ci_high, at_risk}])}.
    """
    kmf = fit_km(ref.durations_days, ref.events, "reference")
    median = median_with_ci(kmf)

    def row(t: float, **values: Any) -> dict[str, Any]:
        return {"days": float(t), "hours": float(t) * HOURS_PER_DAY, **values}

    shares = []
    for t in share_days:
        s, low, high = survival_at(kmf, t)
        shares.append(row(t, share=1.0 - s, ci_low=1.0 - high, ci_high=1.0 - low))
    durations = ref.durations_days
    km_rows = []
    for t in km_days:
        s, low, high = survival_at(kmf, t)
        # at risk just after t: still observed beyond it
        at_risk = _km.number_at_risk(durations, t)
        km_rows.append(row(t, survival=s, ci_low=low, ci_high=high, at_risk=at_risk))
    return {
        "filter": ref.filter.as_dict(),
        "filter_text": ref.filter.describe(),
        **ref.counts(),
        "median_days": median,
        "median_hours": {k: (None if v is None else v * HOURS_PER_DAY) for k, v in median.items()},
        "ending_within": shares,
        "survival": km_rows,
        "notes": [
            "Breakdowns are events; expiries, replacements and ceasefires still in "
            "force are right-censored at their end (or at 2020-12-31).",
            "Durations are whole calendar days from the effect date; 'within 1 day' "
            "means it ended the day it took effect or the next day.",
        ],
    }


def compare_with_simulated(
    reference: ReferenceClass,
    durations_h: Sequence[float] | np.ndarray | pd.Series,
    collapsed: Sequence[bool] | np.ndarray | pd.Series,
    horizon_h: float = SIM_HORIZON_H,
) -> dict[str, Any]:
    """Compare a reference class with simulated runs over the simulation's horizon.

    Simulated runs are right-censored at the horizon (336 h for the two-week Daraa
    truce), so nothing is known about them after it. To compare like with like the
    reference durations (converted to hours) are censored at the same horizon before
    the two-sample log-rank test: a real ceasefire that lasted past two weeks
    counts as "survived the horizon", whatever happened to it later.

    Args:
        reference: the reference class.
        durations_h: simulated durations in hours (`runs.parquet` `duration_h`).
        collapsed: whether each run collapsed (`collapsed`; False = censored).
        horizon_h: the simulation's horizon in hours.

    Returns:
        {"horizon_h", "n_reference", "n_simulated", "events_reference",
        "events_simulated", "logrank": {"statistic", "p_value"}, "survival_at_horizon":
        {"reference": {estimate, ci_low, ci_high}, "simulated": {...},
        "difference": {estimate, ci_low, ci_high}} (reference minus simulated,
        normal approximation with Greenwood variances), "statement", "note"}.
    """
    sim_t = np.asarray(durations_h, dtype=float)
    sim_e = np.asarray(collapsed, dtype=bool)
    if sim_t.size == 0 or sim_t.shape != sim_e.shape:
        raise UserError(
            "simulated durations and collapsed flags must be non-empty and of equal length"
        )
    ref_t_full = reference.durations_h
    ref_e = reference.events & (ref_t_full <= horizon_h)
    ref_t = np.minimum(ref_t_full, horizon_h)
    sim_e = sim_e & (sim_t <= horizon_h)
    sim_t = np.minimum(sim_t, horizon_h)

    test = logrank(ref_t, ref_e, sim_t, sim_e)
    km_ref = fit_km(ref_t, ref_e, "reference")
    km_sim = fit_km(sim_t, sim_e, "simulated")
    s_ref = survival_at(km_ref, horizon_h)
    s_sim = survival_at(km_sim, horizon_h)
    # Reference minus simulated, within [-1, 1].
    diff = survival_difference(
        s_sim[0],
        greenwood_variance(km_sim, horizon_h),
        s_ref[0],
        greenwood_variance(km_ref, horizon_h),
        level=1 - ALPHA,
    )
    p_value = test.p_value
    result = {
        "horizon_h": float(horizon_h),
        "n_reference": int(ref_t.size),
        "n_simulated": int(sim_t.size),
        "events_reference": int(ref_e.sum()),
        "events_simulated": int(sim_e.sum()),
        "logrank": {"statistic": test.statistic, "p_value": p_value},
        "survival_at_horizon": {
            "reference": dict(zip(("estimate", "ci_low", "ci_high"), s_ref, strict=True)),
            "simulated": dict(zip(("estimate", "ci_low", "ci_high"), s_sim, strict=True)),
            "difference": {
                "estimate": diff.estimate,
                "ci_low": diff.low,
                "ci_high": diff.high,
            },
        },
        "note": (
            f"Reference durations converted to hours (days * 24) and censored at the "
            f"simulated horizon ({horizon_h:g} h) before testing; the comparison covers "
            f"only the first {horizon_h / HOURS_PER_DAY:g} days. Reference durations have "
            f"one-day resolution."
        ),
    }
    result["statement"] = _plain_statement(result, reference.filter.describe())
    return result


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _plain_statement(result: dict[str, Any], what: str) -> str:
    surv = result["survival_at_horizon"]
    ref, sim, diff = surv["reference"], surv["simulated"], surv["difference"]
    days = result["horizon_h"] / HOURS_PER_DAY
    p = result["logrank"]["p_value"]
    p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    # The log-rank test weighs the whole horizon, the difference only its end, so
    # they can disagree when the curves cross or one sample has few breakdowns.
    if p < ALPHA:
        verdict = (
            f"over the whole {days:g} days the log-rank test says the curves differ ({p_text})"
        )
    else:
        verdict = (
            f"over the whole {days:g} days the log-rank test finds no clear difference ({p_text})"
        )
    direction = "higher" if diff["estimate"] >= 0 else "lower"
    return (
        f"Real ceasefires ({what}) survived {days:g} days in {_pct(ref['estimate'])} "
        f"of cases (95% CI {_pct(ref['ci_low'])}-{_pct(ref['ci_high'])}), the simulated "
        f"truce in {_pct(sim['estimate'])} ({_pct(sim['ci_low'])}-{_pct(sim['ci_high'])}): "
        f"the real share is {abs(100 * diff['estimate']):.0f} points {direction} "
        f"(95% CI {100 * diff['ci_low']:+.0f} to {100 * diff['ci_high']:+.0f}), and {verdict}."
    )


# --------------------------------------------------------------------------- plotting


def plot_reference(
    ax: Axes,
    reference: ReferenceClass,
    label: str | None = None,
    in_hours: bool = True,
    max_time: float | None = None,
    color: str = "0.35",
) -> Axes:
    """Draw the reference class's KM curve with its 95% CI band, dashed and grey.

    Meant to be overlaid on simulated survival curves, so it draws only the step
    curve and the band and leaves axes labels and limits to the caller.

    Args:
        ax: matplotlib axes to draw on.
        reference: the reference class.
        label: legend label (default: "Real ceasefires (<filter>), n=<n>").
        in_hours: x in hours (the simulator's unit) rather than days.
        max_time: cut the curve at this time, in the x unit (e.g. 336 h).
        color: line and band colour.

    Returns:
        The axes.
    """
    kmf = fit_km(reference.durations_days, reference.events, "reference")
    scale = HOURS_PER_DAY if in_hours else 1.0
    sf = kmf.survival_function_
    ci = kmf.confidence_interval_survival_function_
    times = sf.index.to_numpy(dtype=float) * scale
    surv = sf.iloc[:, 0].to_numpy(dtype=float)
    low = ci.iloc[:, 0].to_numpy(dtype=float)
    high = ci.iloc[:, 1].to_numpy(dtype=float)
    # Beyond the longest ceasefire observed nobody is at risk and the curve is unknown:
    # stop it there (and say so) rather than draw a flat line to the edge of the plot.
    last_at_risk = float(np.max(reference.durations_days)) * scale if len(times) else 0.0
    stops_early = max_time is None or last_at_risk < max_time
    if stops_early:
        max_time = last_at_risk
    if max_time is not None:
        keep = times <= max_time
        end_vals = (
            surv[keep][-1] if keep.any() else 1.0,
            low[keep][-1] if keep.any() else 1.0,
            high[keep][-1] if keep.any() else 1.0,
        )
        times = np.append(times[keep], max_time)
        surv = np.append(surv[keep], end_vals[0])
        low = np.append(low[keep], end_vals[1])
        high = np.append(high[keep], end_vals[2])
    if label is None:
        label = f"Real ceasefires ({reference.filter.describe()}), n={len(reference.sample)}"
    ax.step(times, surv, where="post", linestyle="--", color=color, label=label)
    ax.fill_between(times, low, high, step="post", color=color, alpha=0.15, linewidth=0)
    if stops_early and len(times):
        unit = "h" if in_hours else "days"
        ax.plot(times[-1], surv[-1], marker="|", markersize=10, color=color)
        ax.annotate(
            f"none left at risk after {times[-1]:.0f} {unit}",
            (times[-1], surv[-1]),
            xytext=(4, 6),
            textcoords="offset points",
            fontsize=7,
            color=color,
        )
    return ax
