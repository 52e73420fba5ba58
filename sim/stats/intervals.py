"""Intervals that respect the range of what they bound.

A share lives in [0, 1] and a count or rate is never negative, so their intervals are
the score (Wilson) or exact (Clopper-Pearson, Poisson) intervals that scipy computes,
never a normal interval that can cross a bound. Quantities estimated with a normal
approximation (a difference of survival probabilities, a restricted mean) are clipped
to the range they can take with `clipped_normal`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A point estimate with its interval (None where it cannot be estimated)."""

    estimate: float | None
    low: float | None
    high: float | None

    def as_tuple(self) -> tuple[float | None, float | None]:
        """(low, high)."""
        return self.low, self.high


def z_value(level: float) -> float:
    """The two-sided normal quantile for a confidence level (1.96 for 0.95)."""
    return float(stats.norm.ppf(0.5 + level / 2))


def _check_counts(count: int, total: int) -> None:
    if total < 0 or count < 0 or count > total:
        raise ValueError(f"need 0 <= count <= total, got count={count}, total={total}")


def wilson(count: int, total: int, level: float = 0.95) -> Interval:
    """Share `count / total` with its Wilson score interval (scipy's binomtest).

    Returns an all-None interval for total 0 (nothing to estimate).
    """
    _check_counts(count, total)
    if total == 0:
        return Interval(None, None, None)
    ci = stats.binomtest(int(count), int(total)).proportion_ci(
        confidence_level=level, method="wilson"
    )
    return Interval(count / total, max(0.0, float(ci.low)), min(1.0, float(ci.high)))


def clopper_pearson(count: int, total: int, level: float = 0.95) -> Interval:
    """Share `count / total` with its exact (Clopper-Pearson) interval (scipy)."""
    _check_counts(count, total)
    if total == 0:
        return Interval(None, None, None)
    ci = stats.binomtest(int(count), int(total)).proportion_ci(
        confidence_level=level, method="exact"
    )
    return Interval(count / total, float(ci.low), float(ci.high))


def poisson_count(count: int, level: float = 0.95) -> Interval:
    """Exact (Garwood) interval of a Poisson mean from one observed count.

    Lower bound chi2(alpha/2, 2k)/2 (0 when k = 0), upper chi2(1 - alpha/2, 2k + 2)/2.
    """
    if count < 0:
        raise ValueError(f"a count cannot be negative, got {count}")
    alpha = 1 - level
    low = 0.0 if count == 0 else float(stats.chi2.ppf(alpha / 2, 2 * count) / 2)
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2)
    return Interval(float(count), low, high)


def poisson_rate(count: int, exposure: float, level: float = 0.95, per: float = 1.0) -> Interval:
    """Rate `count / exposure * per` with the exact Poisson interval.

    Example: breakdowns per 1,000 ceasefire-days is `poisson_rate(k, days, per=1000)`.
    """
    if exposure <= 0:
        return Interval(None, None, None)
    c = poisson_count(count, level)
    scale = per / exposure
    return Interval(c.estimate * scale, c.low * scale, c.high * scale)


def clipped_normal(
    estimate: float,
    se: float,
    level: float = 0.95,
    lower: float = -math.inf,
    upper: float = math.inf,
) -> Interval:
    """Normal interval estimate +- z * se, clipped to [lower, upper]."""
    half = z_value(level) * se
    return Interval(
        float(estimate), float(max(lower, estimate - half)), float(min(upper, estimate + half))
    )
