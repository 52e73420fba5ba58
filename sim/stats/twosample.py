"""Comparing two groups: log-rank, Cox hazard ratio, McNemar, paired differences, Holm.

lifelines computes the log-rank test and the Cox model, scipy the exact binomial
(McNemar) and t quantiles. Intervals of differences of probabilities are clipped to
[-1, 1], the range a difference of two probabilities can take.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.stats.intervals import Interval, clipped_normal, z_value


@dataclass(frozen=True)
class LogRank:
    """Two-sample log-rank test (1 degree of freedom)."""

    statistic: float
    p_value: float


def logrank(
    durations_a: np.ndarray, events_a: np.ndarray, durations_b: np.ndarray, events_b: np.ndarray
) -> LogRank:
    """Log-rank test of equal survival curves (lifelines' `logrank_test`).

    On frequency cells (`sim.stats.km.frequency_cells`): the same test, computed on a
    few hundred weighted rows instead of every observation.
    """
    from lifelines.statistics import logrank_test

    from sim.stats.km import frequency_cells

    t_a, e_a, w_a = frequency_cells(durations_a, events_a)
    t_b, e_b, w_b = frequency_cells(durations_b, events_b)
    test = logrank_test(
        t_a, t_b, event_observed_A=e_a, event_observed_B=e_b, weights_A=w_a, weights_B=w_b
    )
    return LogRank(float(test.test_statistic), float(test.p_value))


def cox_hazard_ratio(
    durations_a: np.ndarray,
    events_a: np.ndarray,
    durations_b: np.ndarray,
    events_b: np.ndarray,
    level: float = 0.95,
) -> Interval:
    """Hazard ratio of b relative to a from a Cox model with one indicator.

    lifelines' CoxPHFitter (Efron ties) on a covariate that is 1 for b's subjects.
    Above 1: the event comes faster under b. Observations are first collapsed into
    (time, event, group) cells with frequency weights, so 2 x 100,000 runs on whole
    steps become a few hundred rows (lifelines' weighted Efron correction differs
    from the unweighted one by well under a tenth of a standard error here).

    Returns:
        Interval(ratio, low, high), all None when the ratio is not estimable: a
        group is empty, has a single subject, or has no event (the ratio is then 0
        or infinite), the fit does not converge, or its interval is not finite.
    """
    not_estimable = Interval(None, None, None)
    events_a = np.asarray(events_a, bool)
    events_b = np.asarray(events_b, bool)
    if len(events_a) < 2 or len(events_b) < 2 or not events_a.any() or not events_b.any():
        return not_estimable
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    frame = pd.DataFrame(
        {
            "T": np.concatenate([durations_a, durations_b]).astype(float),
            "E": np.concatenate([events_a, events_b]),
            "b": np.concatenate([np.zeros(len(durations_a)), np.ones(len(durations_b))]),
        }
    )
    cells = frame.groupby(["T", "E", "b"]).size().rename("weight").reset_index()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitter = CoxPHFitter(alpha=1 - level).fit(cells, "T", "E", weights_col="weight")
    except ConvergenceError:
        return not_estimable
    row = fitter.summary.loc["b"]
    bounds = [c for c in fitter.summary.columns if c.startswith("exp(coef) ")]
    values = (float(row["exp(coef)"]), float(row[bounds[0]]), float(row[bounds[1]]))
    if not all(math.isfinite(v) for v in values) or values[1] <= 0:
        # e.g. one run per variant: the fit "converges" to a ratio with an interval from
        # 0 to infinity, which says nothing; report it as not estimable.
        return not_estimable
    return Interval(*values)


@dataclass(frozen=True)
class McNemar:
    """McNemar's test on paired binary outcomes.

    `a_only`: pairs where the outcome held under a only; `b_only`: under b only.
    """

    a_only: int
    b_only: int
    exact_p: float
    chi2_p: float


def mcnemar_exact(a_only: int, b_only: int) -> McNemar:
    """McNemar's exact test (binomial on the discordant pairs) and its chi-square form.

    Both p-values are 1 when there is no discordant pair.
    """
    discordant = a_only + b_only
    if discordant == 0:
        return McNemar(a_only, b_only, 1.0, 1.0)
    exact = float(stats.binomtest(b_only, discordant, 0.5).pvalue)
    chi2 = (abs(b_only - a_only) - 1) ** 2 / discordant
    return McNemar(a_only, b_only, exact, float(stats.chi2.sf(chi2, 1)))


def paired_proportion_difference(a_only: int, b_only: int, n: int, level: float = 0.95) -> Interval:
    """Difference of paired proportions (b - a) with its Wald interval, within [-1, 1].

    Var = ((b + c) - (b - c)^2 / n) / n^2 (Agresti, Categorical Data Analysis, 10.1).
    """
    if n <= 0:
        return Interval(None, None, None)
    diff = (b_only - a_only) / n
    variance = max(0.0, (a_only + b_only - (b_only - a_only) ** 2 / n) / n**2)
    return clipped_normal(diff, math.sqrt(variance), level, lower=-1.0, upper=1.0)


def mean_t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean with its Student-t interval, ignoring NaN (a point when n < 2 or no spread).

    Returns:
        (mean, lower, upper, n); NaNs when there is no value.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(values.mean())
    if n < 2:
        return mean, mean, mean, n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def paired_difference(
    values_a: np.ndarray, values_b: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, int]:
    """Mean paired difference b - a with its t interval (pairs by position).

    Returns:
        (mean, lower, upper, n pairs), as `mean_t_interval`.
    """
    return mean_t_interval(np.asarray(values_b, float) - np.asarray(values_a, float), level)


def wilcoxon_signed_rank(differences: np.ndarray) -> float | None:
    """Two-sided Wilcoxon signed-rank p-value of paired differences (scipy).

    Zero differences are dropped ("wilcox"); None when every difference is zero
    (nothing to test).
    """
    values = np.asarray(differences, dtype=float)
    if not np.any(values != 0):
        return None
    return float(stats.wilcoxon(values, zero_method="wilcox").pvalue)


def survival_difference(
    p_a: float, var_a: float, p_b: float, var_b: float, level: float = 0.95
) -> Interval:
    """Unpaired difference of two survival probabilities (b - a), Greenwood variances.

    Normal interval clipped to [-1, 1].
    """
    return clipped_normal(p_b - p_a, math.sqrt(var_a + var_b), level, lower=-1.0, upper=1.0)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of p-values (controls the family-wise error).

    The k-th smallest p-value (k = 1..m) is multiplied by (m - k + 1), then the
    adjusted values are made non-decreasing in that order and capped at 1. (scipy
    has only the Benjamini-Hochberg adjustment, hence these few lines.)

    Returns:
        Adjusted p-values in the input order.
    """
    m = len(pvalues)
    order = np.argsort(pvalues, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[index]))
        adjusted[index] = running
    return [float(p) for p in adjusted]


__all__ = [
    "LogRank",
    "McNemar",
    "cox_hazard_ratio",
    "holm",
    "logrank",
    "mcnemar_exact",
    "mean_t_interval",
    "paired_difference",
    "paired_proportion_difference",
    "survival_difference",
    "wilcoxon_signed_rank",
    "z_value",
]
