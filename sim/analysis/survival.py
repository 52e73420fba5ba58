"""Survival of the truce per variant, with right-censoring at the horizon.

A run that is still holding at `horizon_h` is right-censored there: we know it
lasted at least that long, not when it would have collapsed. Every estimate here
is a Kaplan-Meier (product-limit) estimate, which uses censored runs correctly;
the plain mean or median of `duration_h` would not.

Two endpoints are analysed the same way:

* ``collapse``: time `duration_h`, event `collapsed`.
* ``first_violation``: time `first_violation_h`, event "a violation happened".
  A run without any violation is censored at `duration_h` (which equals the
  horizon unless the truce ended without a violation, e.g. a mediator walkout).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from sim.stats import km as _km

# rmst_with_se and greenwood_variance are re-exported for callers of this module.
from sim.stats.rmst import rmst_interval, rmst_with_se

Endpoint = Literal["collapse", "first_violation"]

#: Fixed reporting times (hours): the first day, three days, a week; the horizon is added.
REPORT_TIMES_H: tuple[float, ...] = (24.0, 72.0, 168.0)

ENDPOINT_TITLES: dict[str, str] = {
    "collapse": "time to collapse",
    "first_violation": "time to first violation",
}


def survival_key(time_h: float) -> str:
    """Name of the survival-probability field for a time: `p_survive_336h`."""
    return f"p_survive_{time_h:g}h"


def durations_and_events(runs: pd.DataFrame, endpoint: Endpoint) -> tuple[np.ndarray, np.ndarray]:
    """Turn a runs table into (time, event observed) arrays for one endpoint.

    Args:
        runs: Validated runs (see `sim.analysis.load.validate_runs`).
        endpoint: ``"collapse"`` or ``"first_violation"``.

    Returns:
        Durations in hours (float) and event indicators (bool); False = censored.
    """
    if endpoint == "collapse":
        return runs["duration_h"].to_numpy(float), runs["collapsed"].to_numpy(bool)
    if endpoint == "first_violation":
        first = runs["first_violation_h"].to_numpy(float)
        seen = ~np.isnan(first)
        # No violation: we only know none happened while the truce was being
        # observed, i.e. up to duration_h.
        return np.where(seen, first, runs["duration_h"].to_numpy(float)), seen
    raise ValueError(f"unknown endpoint {endpoint!r}")


def variant_groups(runs: pd.DataFrame, labels: Iterable[str] = ()) -> dict[str, pd.DataFrame]:
    """The runs of each variant, keyed by label in order of first appearance.

    A validated table is sorted by variant, so each variant's runs are one block of rows:
    they are then slices of `runs` (views, no copy; at millions of runs a groupby copied
    every column of every group). Any other table is grouped. The variant column may
    hold strings or categories (empty categories are skipped). Each of `labels` that has
    no runs maps to an empty table with the same columns. Treat the groups as read-only.
    """
    blocks = _variant_blocks(runs["variant"])
    if blocks is not None:
        groups = {label: runs.iloc[start:stop] for label, (start, stop) in blocks.items()}
    else:
        groups = {
            str(label): group
            for label, group in runs.groupby("variant", sort=False, observed=True)
            if len(group)
        }
    for label in labels:
        groups.setdefault(label, runs.iloc[:0])
    return groups


def _variant_blocks(variant: pd.Series) -> dict[str, tuple[int, int]] | None:
    """{label: (first row, end row)} when each variant's rows are contiguous, else None."""
    if isinstance(variant.dtype, pd.CategoricalDtype):
        keys = variant.cat.codes.to_numpy()
        if len(keys) and keys.min() < 0:  # a missing label: leave it to groupby
            return None
    else:
        keys = variant.to_numpy(object)
        if pd.isna(variant).any():
            return None
    if len(keys) == 0:
        return {}
    starts = np.concatenate([[0], np.flatnonzero(keys[1:] != keys[:-1]) + 1])
    labels = [str(v) for v in variant.iloc[starts]]
    if len(set(labels)) != len(labels):  # a variant in two places: not contiguous
        return None
    ends = [*starts[1:], len(keys)]
    return {label: (int(a), int(b)) for label, a, b in zip(labels, starts, ends, strict=True)}


@dataclass(frozen=True)
class SurvivalAt:
    """Kaplan-Meier survival probability at one time with its confidence interval.

    Attributes:
        time_h: The time in hours.
        p: Estimated probability that the truce still holds at `time_h`.
        lower: Lower confidence bound (lifelines' exponential Greenwood interval;
            Wilson's interval when that collapses to a point at S = 0 or 1 with no
            censoring before `time_h`).
        upper: Upper confidence bound.
        variance: Greenwood variance of `p` (used for differences between variants).
    """

    time_h: float
    p: float
    lower: float | None
    upper: float | None
    variance: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dict (JSON-ready)."""
        return {
            "time_h": self.time_h,
            "p": self.p,
            "ci": [self.lower, self.upper],
        }


@dataclass
class VariantSurvival:
    """Survival estimates of one variant for one endpoint.

    Attributes:
        variant: The variant label.
        endpoint: ``"collapse"`` or ``"first_violation"``.
        n: Number of runs.
        n_events: Runs whose event was observed (collapsed / had a violation).
        horizon_h: The truce's stated length (largest `horizon_h` of the variant).
        median_h: Median time to the event; None when not reached (more than
            half of the runs are still event-free at the end of follow-up).
        median_ci_h: 95% interval of the median from the pointwise survival
            bands (lifelines `median_survival_times` on the CI frame); an
            unreached bound is None.
        at: Survival probabilities at the reporting times (24 h, 72 h, 168 h and
            the horizon), in time order.
        rmst_h: Restricted mean survival time up to the horizon: the expected
            number of hours, out of the horizon, that the truce holds.
        rmst_se_h: Standard error of `rmst_h`.
        rmst_ci_h: Normal-approximation interval of `rmst_h`, clipped to [0, horizon].
        level: Confidence level of every interval (0.95).
        fitter: The fitted lifelines KaplanMeierFitter (for plots and more).
    """

    variant: str
    endpoint: str
    n: int
    n_events: int
    horizon_h: float
    median_h: float | None
    median_ci_h: tuple[float | None, float | None]
    at: list[SurvivalAt]
    rmst_h: float
    rmst_se_h: float
    rmst_ci_h: tuple[float, float]
    level: float = 0.95
    fitter: KaplanMeierFitter | None = field(default=None, repr=False, compare=False)

    def survival_at(self, time_h: float) -> SurvivalAt:
        """Survival at one time: a reported one if present, else computed from the fit."""
        for item in self.at:
            if math.isclose(item.time_h, time_h):
                return item
        if self.fitter is None:
            raise KeyError(time_h)
        return _survival_at(self.fitter, time_h)

    @property
    def p_survive_horizon(self) -> SurvivalAt:
        """Survival at the horizon (the two weeks of the Daraa truce)."""
        return self.survival_at(self.horizon_h)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with `n`, `median_h`, `p_survive_<t>h`, `rmst_h` and intervals."""
        out: dict[str, Any] = {
            "n": self.n,
            "n_events": self.n_events,
            "horizon_h": self.horizon_h,
            "median_h": self.median_h,
            "median_ci_h": list(self.median_ci_h),
        }
        for item in self.at:
            out[survival_key(item.time_h)] = item.p
            out[survival_key(item.time_h) + "_ci"] = [item.lower, item.upper]
        out["rmst_h"] = self.rmst_h
        out["rmst_ci_h"] = list(self.rmst_ci_h)
        out["rmst_se_h"] = self.rmst_se_h
        return out


greenwood_variance = _km.greenwood_variance


def _survival_at(fitter: KaplanMeierFitter, time_h: float) -> SurvivalAt:
    est = _km.survival_at(fitter, time_h, exact_if_degenerate=True)
    return SurvivalAt(
        time_h=est.time, p=est.estimate, lower=est.low, upper=est.high, variance=est.variance
    )


def fit_variant(
    variant: str,
    durations: np.ndarray,
    events: np.ndarray,
    horizon_h: float,
    *,
    endpoint: str = "collapse",
    times_h: tuple[float, ...] = REPORT_TIMES_H,
    level: float = 0.95,
) -> VariantSurvival:
    """Fit Kaplan-Meier for one variant and summarise it.

    Args:
        variant: Label used for the fit (and plots).
        durations: Hours to the event or to censoring.
        events: True where the event was observed.
        horizon_h: The truce's stated length; RMST is restricted to it and
            survival is reported there too.
        endpoint: Name of the endpoint (kept on the result).
        times_h: Reporting times besides the horizon; those beyond it are dropped.
        level: Confidence level.

    Returns:
        The summary, with the fitted `KaplanMeierFitter` attached.
    """
    fitter = _km.fit_km(durations, events, label=variant, level=level)
    median, *median_ci = _km.median_with_ci(fitter)
    report = sorted({float(t) for t in times_h if t < horizon_h} | {float(horizon_h)})
    rmst, se = rmst_with_se(fitter, horizon_h)
    rmst_ci = rmst_interval(fitter, horizon_h, level)
    return VariantSurvival(
        variant=variant,
        endpoint=endpoint,
        n=len(durations),
        n_events=int(np.sum(events)),
        horizon_h=float(horizon_h),
        median_h=median,
        median_ci_h=(median_ci[0], median_ci[1]),
        at=[_survival_at(fitter, t) for t in report],
        rmst_h=rmst,
        rmst_se_h=se,
        rmst_ci_h=(float(rmst_ci.low), float(rmst_ci.high)),
        level=level,
        fitter=fitter,
    )


@dataclass
class SurvivalAnalysis:
    """Survival per variant for one endpoint (like a fitted lifelines model).

    Attributes:
        endpoint: ``"collapse"`` or ``"first_violation"``.
        by_variant: Results keyed by variant label, in display order.
    """

    endpoint: str
    by_variant: dict[str, VariantSurvival]

    def __getitem__(self, variant: str) -> VariantSurvival:
        return self.by_variant[variant]

    def __iter__(self):
        return iter(self.by_variant.values())

    def __len__(self) -> int:
        return len(self.by_variant)

    @property
    def variants(self) -> list[str]:
        """Variant labels in display order."""
        return list(self.by_variant)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Per-variant JSON-ready dicts."""
        return {label: result.to_dict() for label, result in self.by_variant.items()}

    def to_frame(self) -> pd.DataFrame:
        """One row per variant, flat columns (interval bounds as `_lower`/`_upper`)."""
        rows = []
        for label, result in self.by_variant.items():
            row: dict[str, Any] = {"variant": label}
            for key, value in result.to_dict().items():
                if isinstance(value, list):
                    row[key.removesuffix("_ci").removesuffix("_ci_h") + "_lower"] = value[0]
                    row[key.removesuffix("_ci").removesuffix("_ci_h") + "_upper"] = value[1]
                else:
                    row[key] = value
            rows.append(row)
        return pd.DataFrame(rows).set_index("variant")


def fit_survival(
    runs: pd.DataFrame,
    endpoint: Endpoint = "collapse",
    *,
    variants: list[str] | None = None,
    times_h: tuple[float, ...] = REPORT_TIMES_H,
    level: float = 0.95,
) -> SurvivalAnalysis:
    """Kaplan-Meier survival per variant, censoring at the horizon.

    Args:
        runs: Validated runs table.
        endpoint: ``"collapse"`` (default) or ``"first_violation"``.
        variants: Variant labels in display order (default: sorted labels).
        times_h: Reporting times besides each variant's horizon.
        level: Confidence level of every interval.

    Returns:
        A `SurvivalAnalysis` keyed by variant.

    Example:
        >>> import pandas as pd
        >>> runs = pd.DataFrame({"variant": ["russia"] * 4, "horizon_h": 336.0,
        ...     "duration_h": [10.0, 20.0, 336.0, 336.0],
        ...     "collapsed": [True, True, False, False]})
        >>> fit_survival(runs)["russia"].median_h
        20.0
    """
    groups = variant_groups(runs)
    labels = variants or sorted(groups)
    results: dict[str, VariantSurvival] = {}
    for label in labels:
        group = groups.get(label)
        if group is None or group.empty:
            continue
        durations, events = durations_and_events(group, endpoint)
        results[label] = fit_variant(
            label,
            durations,
            events,
            float(group["horizon_h"].max()),
            endpoint=endpoint,
            times_h=times_h,
            level=level,
        )
    return SurvivalAnalysis(endpoint=endpoint, by_variant=results)
