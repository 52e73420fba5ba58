"""Restricted mean survival time: the expected time held, out of a horizon tau."""

from __future__ import annotations

import math

import numpy as np
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time

from sim.stats.intervals import Interval, clipped_normal


def rmst_with_se(fitter: KaplanMeierFitter, tau: float) -> tuple[float, float]:
    """Restricted mean survival time up to `tau` and its standard error.

    The point estimate is lifelines' `restricted_mean_survival_time` (area under
    the Kaplan-Meier curve from 0 to tau). Its variance is the Greenwood-type
    formula of Klein & Moeschberger (2003, section 4.5), the one R's survRM2 and
    `print.survfit(rmean=)` use:

        Var = sum_{t_i <= tau} A_i^2 d_i / (n_i (n_i - d_i)),  A_i = integral_{t_i}^{tau} S(u) du.

    (lifelines' `return_variance=True` gives the variance of min(T, tau) in the
    population, not of the estimate, so it is not used for the interval.)

    Returns:
        (rmst, standard error), in the fitter's time unit.
    """
    rmst = float(restricted_mean_survival_time(fitter, t=tau))
    curve = fitter.survival_function_.iloc[:, 0]
    curve = curve[curve.index <= tau]
    times = curve.index.to_numpy(float)
    values = curve.to_numpy(float)
    # Area of each step [t_j, t_{j+1}) cut at tau, then areas from each t_j to tau.
    widths = np.diff(np.append(times, tau))
    area_from = np.cumsum((values * widths)[::-1])[::-1]
    table = fitter.event_table.reindex(times)
    d = table["observed"].fillna(0).to_numpy(float)
    n = table["at_risk"].fillna(0).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # When n == d the curve drops to 0 and the remaining area is 0 too.
        terms = np.where((d > 0) & (n > d), area_from**2 * d / (n * (n - d)), 0.0)
    return rmst, float(math.sqrt(terms.sum()))


def rmst_interval(fitter: KaplanMeierFitter, tau: float, level: float = 0.95) -> Interval:
    """RMST up to `tau` with its normal interval, clipped to [0, tau]."""
    rmst, se = rmst_with_se(fitter, tau)
    return clipped_normal(rmst, se, level, lower=0.0, upper=tau)
