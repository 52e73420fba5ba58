"""Kaplan-Meier survival: the only product-limit code in the project.

lifelines' `KaplanMeierFitter` computes the estimate and its pointwise interval: the
"exponential Greenwood" (log(-log)) interval, which always lies in [0, 1]. This
module adds what lifelines leaves to the caller: values of the step function at
fixed times, Greenwood's variance (for differences between groups), the median
with "not reached" as None, and the number at risk.

Censoring: an observation with `event` False is right-censored at its time (we know
it lasted at least that long). At a time with both events and censorings the events
come first, as in lifelines and R's survival.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from sim.stats.intervals import wilson

ArrayLike = Sequence[float] | np.ndarray | pd.Series


@dataclass(frozen=True)
class Estimate:
    """S(t) at one time with its interval and Greenwood variance.

    `low` / `high` are None where no interval exists (an infinite bound).
    """

    time: float
    estimate: float
    low: float | None
    high: float | None
    variance: float


def frequency_cells(
    durations: ArrayLike, events: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Collapse observations into (time, event) cells with their counts.

    Run times are whole steps, so a million runs become a few hundred cells. lifelines
    sums frequency weights where it would count rows, so every estimate, interval and
    test is the same as on the rows themselves, in a fraction of the time and memory.

    Returns:
        (times, events, counts): events first, then censorings, each by time.
    """
    times = np.asarray(durations, dtype=float)
    observed = np.asarray(events, dtype=bool)
    # Hashing (pandas) rather than sorting every observation (np.unique): only the few
    # hundred distinct times are sorted.
    event = pd.Series(times[observed]).value_counts(sort=False, dropna=False).sort_index()
    censor = pd.Series(times[~observed]).value_counts(sort=False, dropna=False).sort_index()
    return (
        np.concatenate([event.index.to_numpy(float), censor.index.to_numpy(float)]),
        np.concatenate([np.ones(len(event), bool), np.zeros(len(censor), bool)]),
        np.concatenate([event.to_numpy(float), censor.to_numpy(float)]),
    )


def fit_km(
    durations: ArrayLike, events: ArrayLike, label: str = "KM", level: float = 0.95
) -> KaplanMeierFitter:
    """Fit lifelines' Kaplan-Meier estimator with `level` log-log intervals.

    The observations are passed as frequency cells (`frequency_cells`): the fit is the
    same, but the fitter's `durations` are the distinct times and `weights` their counts.
    """
    times, observed, counts = frequency_cells(durations, events)
    fitter = KaplanMeierFitter(alpha=1 - level)
    return fitter.fit(times, observed, label=label, weights=counts)


def step_value(frame: pd.DataFrame | pd.Series, time: float) -> Any:
    """Value of a right-continuous step function (indexed by time) at `time`.

    Before the first index the first row is returned (lifelines' curves start at 0).
    """
    position = int(frame.index.searchsorted(time, side="right")) - 1
    return frame.iloc[max(position, 0)]


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def greenwood_variance(fitter: KaplanMeierFitter, time: float) -> float:
    """Greenwood's variance of S(time).

    Var S(t) = S(t)^2 * sum_{t_i <= t} d_i / (n_i (n_i - d_i)); 0 once S reaches 0.
    """
    s = float(step_value(fitter.survival_function_.iloc[:, 0], time))
    if s <= 0.0:
        return 0.0
    table = fitter.event_table
    table = table[table.index <= time]
    d = table["observed"].to_numpy(float)
    n = table["at_risk"].to_numpy(float)
    ok = (d > 0) & (n > d)
    return float(s * s * np.sum(d[ok] / (n[ok] * (n[ok] - d[ok]))))


def survival_at(
    fitter: KaplanMeierFitter, time: float, exact_if_degenerate: bool = True
) -> Estimate:
    """S(time) with its interval and Greenwood variance.

    Args:
        fitter: a fitted KaplanMeierFitter.
        time: the time, in the fitter's unit.
        exact_if_degenerate: the log-log interval collapses to a point when S is 0
            or 1; with no censoring before `time` the estimate is then a plain share
            of the sample, so give its Wilson interval instead (True), or keep
            lifelines' degenerate interval (False).
    """
    p = float(step_value(fitter.survival_function_.iloc[:, 0], time))
    band = step_value(fitter.confidence_interval_, time).to_numpy(float)
    low, high = _finite(band[0]), _finite(band[1])
    table = fitter.event_table
    degenerate = low is None or high is None or high - low < 1e-12
    if exact_if_degenerate and degenerate and not table.loc[table.index < time, "censored"].any():
        n = int(table["at_risk"].iloc[0])
        interval = wilson(round(p * n), n, level=1 - fitter.alpha)
        low, high = interval.low, interval.high
    return Estimate(
        time=float(time),
        estimate=p,
        low=low,
        high=high,
        variance=greenwood_variance(fitter, time),
    )


def median_with_ci(fitter: KaplanMeierFitter) -> tuple[float | None, float | None, float | None]:
    """Median time to the event and its interval; None where not reached.

    The interval is where the pointwise band crosses 0.5 (lifelines'
    `median_survival_times` on the band; the lower band crosses first and gives the
    lower bound), the Brookmeyer-Crowley-type reading used by R's survfit.
    """
    bounds = median_survival_times(fitter.confidence_interval_)
    return (
        _finite(fitter.median_survival_time_),
        _finite(bounds.iloc[0, 0]),
        _finite(bounds.iloc[0, 1]),
    )


def number_at_risk(durations: ArrayLike, time: float, *, just_after: bool = True) -> int:
    """How many are still observed at `time`.

    Args:
        durations: time to the event or censoring of each subject.
        time: the time.
        just_after: count those observed beyond `time` (the set at risk for what
            happens after it, as printed under curves); False counts those with
            duration >= time (at risk at `time` itself).
    """
    values = np.asarray(durations, dtype=float)
    return int(np.sum(values > time)) if just_after else int(np.sum(values >= time))
