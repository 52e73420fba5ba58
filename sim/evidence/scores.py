"""Proper scores of a predictive distribution against what happened.

Brier score (lower is better) of the binary event "the truce broke down within d
days" for d = 1, 7, 14: (p - y)^2 with p the predicted probability and y the
outcome. A truce replaced or expired before d days did not break down within d
(y = 0: it can no longer break down); a truce still in force (or of unknown fate)
when observation stopped before d days has no outcome and is not scored at d.

Log score (higher is better, at most 0) of the observed ending and time: ln p of the
cell (ending, time bin) that happened, ln P(beyond) for a truce that lasted past
the last edge whatever its ending, and ln P(no ending before the censoring bin) for
a truce censored earlier. Zero probabilities are floored: p is replaced by
max(p, LOG_FLOOR) = 0.001 before the logarithm (so one impossible outcome costs
ln 0.001 = -6.9 nats, not infinity); the floor is the same for every predictor.

Skill against a baseline: for the Brier score 1 - BS / BS_baseline (above 0 beats
the baseline), for the log score the mean difference in nats per case (above 0
beats it), each with a paired t interval over cases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.evidence.distribution import PredictiveDistribution
from sim.stats.twosample import mean_t_interval

LOG_FLOOR = 1e-3
BRIER_DAYS: tuple[float, ...] = (1.0, 7.0, 14.0)
EVENT = "breakdown"


@dataclass(frozen=True)
class Outcome:
    """What happened to a truce.

    Attributes:
        ending: how it ended (an ending of the discretisation), or None when it had
            not ended (or its ending is unknown) when observation stopped.
        time_days: days from taking effect to its ending, or to the end of
            observation when `ending` is None.
    """

    ending: str | None
    time_days: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.time_days) or self.time_days < 0:
            raise ValueError(f"time_days must be finite and >= 0, got {self.time_days}")


def broke_down_within(outcome: Outcome, days: float, event: str = EVENT) -> int | None:
    """1 if `event` happened within `days`, 0 if it did not, None if unknown."""
    if outcome.ending is None:
        return 0 if outcome.time_days >= days else None
    return int(outcome.ending == event and outcome.time_days <= days)


def brier(
    dist: PredictiveDistribution, outcome: Outcome, days: float, event: str = EVENT
) -> float | None:
    """Brier score of "`event` within `days`" (None when the outcome is unknown)."""
    y = broke_down_within(outcome, days, event)
    if y is None:
        return None
    return (dist.p_ending_within(event, days) - y) ** 2


def log_score(dist: PredictiveDistribution, outcome: Outcome, floor: float = LOG_FLOOR) -> float:
    """ln p of the observed (ending, time bin), floored at `floor` (see the module)."""
    if outcome.ending is None:
        p = dist.p_not_before(outcome.time_days)
    else:
        p = dist.p_cell(outcome.ending, outcome.time_days)
    return math.log(max(p, floor))


@dataclass(frozen=True)
class Skill:
    """Skill of a predictor against a baseline over the cases both scored."""

    baseline: str
    n: int
    value: float | None
    low: float | None
    high: float | None


def brier_skill(scores: Sequence[float], baseline: Sequence[float], name: str) -> Skill:
    """1 - mean(BS) / mean(BS_baseline) over cases both scored, with an interval.

    The interval is the paired t interval of BS_baseline - BS divided by the
    baseline's mean score (the baseline's mean is treated as fixed), capped at 1.
    """
    a, b = np.asarray(scores, float), np.asarray(baseline, float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size == 0 or b.mean() <= 0:
        return Skill(name, int(a.size), None, None, None)
    mean, low, high, _ = mean_t_interval(b - a)
    base = float(b.mean())
    upper = _div(high, base)
    # Brier skill cannot exceed 1 (a perfect forecast); keep the interval there.
    return Skill(
        name, int(a.size), mean / base, _div(low, base), None if upper is None else min(1.0, upper)
    )


def log_skill(scores: Sequence[float], baseline: Sequence[float], name: str) -> Skill:
    """Mean paired difference of log scores (nats per case) with its t interval."""
    a, b = np.asarray(scores, float), np.asarray(baseline, float)
    keep = ~(np.isnan(a) | np.isnan(b))
    if not keep.any():
        return Skill(name, 0, None, None, None)
    mean, low, high, n = mean_t_interval(a[keep] - b[keep])
    return Skill(name, n, mean, _nan_none(low), _nan_none(high))


def _div(x: float, d: float) -> float | None:
    return None if math.isnan(x) else x / d


def _nan_none(x: float) -> float | None:
    return None if math.isnan(x) else float(x)
