"""Violations per 100 truce-hours: a rate over the time each truce was in force.

Counting violations per run rewards a short truce: a run that collapses in three
hours has little time to record any, so a mediator whose truces last longer seems
to provoke more violations. Dividing by exposure, the hours each truce was in
force (its duration, or the horizon when it held), compares like with like.

The interval is the exact (Garwood) Poisson interval of the count, scaled by the
exposure: it never goes below zero. assumption: violations arrive as a Poisson
process given the exposure; they cluster (retaliation), so the interval is a
lower bound on the uncertainty and is labelled as Poisson.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim import stats
from sim.analysis.style import actors
from sim.analysis.survival import variant_groups

PER_HOURS = 100.0
"""Rates are given per this many truce-hours."""


@dataclass(frozen=True)
class Rate:
    """Violations per `PER_HOURS` truce-hours, with an exact Poisson interval."""

    count: int
    exposure_h: float
    rate: float
    lower: float
    upper: float
    level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "exposure_h": self.exposure_h,
            "per_hours": PER_HOURS,
            "rate": self.rate,
            "ci": [self.lower, self.upper],
            "interval": "exact Poisson (Garwood) on the count, divided by the exposure",
        }


def poisson_rate(count: int, exposure_h: float, level: float = 0.95) -> Rate:
    """Rate per `PER_HOURS` hours with the exact Poisson interval (sim.stats.poisson_rate)."""
    if exposure_h <= 0:
        nan = float("nan")
        return Rate(count, exposure_h, nan, nan, nan, level)
    rate = stats.poisson_rate(count, exposure_h, level, per=PER_HOURS)
    return Rate(count, exposure_h, rate.estimate, rate.low, rate.high, level)


def violation_rates(
    runs: pd.DataFrame, variants: list[str], level: float = 0.95
) -> dict[str, dict[str, Rate]]:
    """{variant: {actor: Rate}}: violations per 100 hours the truce was in force."""
    out: dict[str, dict[str, Rate]] = {}
    groups = variant_groups(runs, variants)
    for label in variants:
        subset = groups[label]
        # The truce is in force from hour 0 until it collapses, or to the horizon.
        exposure = float(subset["duration_h"].clip(upper=subset["horizon_h"]).sum())
        out[label] = {
            actor: poisson_rate(int(subset[f"violations_{actor}"].sum()), exposure, level)
            for actor in actors()
        }
    return out


def fmt_rate(rate: Rate) -> str:
    """`1.23 (1.20–1.26)`."""
    return f"{rate.rate:.2f} ({rate.lower:.2f}–{rate.upper:.2f})"
