"""What kills the truce and who breaks it, per variant: shares, means and rates.

Shares of collapse causes among collapsed runs and of the first violator among runs
with a violation (Wilson intervals), the mean number of violations per actor (t
intervals), violations per 100 truce-hours (exact Poisson, `sim.analysis.exposure`)
and the share of runs whose talks reached an agreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim import stats as _stats
from sim.analysis.exposure import violation_rates
from sim.analysis.style import actors, causes
from sim.analysis.survival import variant_groups
from sim.stats.twosample import mean_t_interval

# --------------------------------------------------------------------------- shares


@dataclass(frozen=True)
class Share:
    """A proportion with its Wilson score interval.

    Attributes:
        category: What is counted (a cause or an actor key).
        count: Runs in the category.
        total: Runs it is a share of (collapsed runs, runs with a violation).
        share: count / total, None when total is 0.
        lower: Lower bound of the Wilson interval.
        upper: Upper bound of the Wilson interval.
    """

    category: str
    count: int
    total: int
    share: float | None
    lower: float | None
    upper: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "count": self.count,
            "total": self.total,
            "share": self.share,
            "ci": [self.lower, self.upper],
        }


def wilson(count: int, total: int, *, category: str = "", level: float = 0.95) -> Share:
    """Share `count / total` with its Wilson score interval (scipy's binomtest).

    The Wilson interval keeps sensible bounds for shares near 0 or 1 and small
    totals, where the normal (Wald) interval fails.
    """
    if total <= 0:
        return Share(category, int(count), int(total), None, None, None)
    interval = _stats.wilson(int(count), int(total), level)
    return Share(category, int(count), int(total), interval.estimate, interval.low, interval.high)


def share_table(
    runs: pd.DataFrame,
    column: str,
    categories: tuple[str, ...],
    *,
    among: pd.Series | None = None,
    variants: list[str] | None = None,
    level: float = 0.95,
) -> dict[str, dict[str, Share]]:
    """Shares of each category of `column` per variant, among a subset of runs.

    Args:
        runs: Validated runs table.
        column: Column holding the category (e.g. `cause`, `first_violator`).
        categories: Categories to report, in order; any others present in the
            data are appended so nothing is silently dropped.
        among: Boolean mask of the runs the shares are of (default: all runs).
        variants: Variant labels in display order.
        level: Confidence level.

    Returns:
        {variant: {category: Share}}.
    """
    # Only the two columns read, not every column of the runs kept.
    subset = runs[["variant", column]] if among is None else runs.loc[among, ["variant", column]]
    present = [str(c) for c in pd.unique(subset[column].dropna()) if str(c) not in categories]
    every = list(categories) + sorted(present)
    labels = variants or sorted(pd.unique(runs["variant"]))
    groups = variant_groups(subset, labels)
    out: dict[str, dict[str, Share]] = {}
    for label in labels:
        values = groups[label][column]
        total = int(values.notna().sum())
        counts = values.value_counts()
        out[label] = {
            c: wilson(int(counts.get(c, 0)), total, category=c, level=level) for c in every
        }
    return out


# --------------------------------------------------------------------------- means


@dataclass(frozen=True)
class MeanEstimate:
    """A mean with its t interval.

    Attributes:
        mean: Sample mean.
        lower: Lower bound.
        upper: Upper bound.
        n: Sample size.
    """

    mean: float
    lower: float
    upper: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"mean": self.mean, "ci": [self.lower, self.upper], "n": self.n}


def mean_ci(values: np.ndarray, level: float = 0.95) -> MeanEstimate:
    """Mean and Student-t confidence interval (a point when n < 2 or no spread)."""
    return MeanEstimate(*mean_t_interval(values, level))


def violations_per_actor(
    runs: pd.DataFrame, variants: list[str] | None = None, level: float = 0.95
) -> dict[str, dict[str, MeanEstimate]]:
    """Mean violations per run by each actor, per variant: {variant: {actor: estimate}}."""
    labels = variants or sorted(pd.unique(runs["variant"]))
    groups = variant_groups(runs, labels)
    return {
        label: {actor: mean_ci(groups[label][f"violations_{actor}"], level) for actor in actors()}
        for label in labels
    }


@dataclass
class Breakdown:
    """What kills the truce and who breaks it first, per variant.

    Attributes:
        causes: {variant: {cause: Share}} among collapsed runs.
        first_violator: {variant: {actor: Share}} among runs with a violation.
        violations: {variant: {actor: MeanEstimate}} violations per run.
        rates: {variant: {actor: Rate}} violations per 100 truce-hours (exposure).
        agreement: {variant: Share} of runs whose talks reached an agreement
            (empty when the column is absent).
    """

    causes: dict[str, dict[str, Share]]
    first_violator: dict[str, dict[str, Share]]
    violations: dict[str, dict[str, MeanEstimate]]
    agreement: dict[str, Share] = field(default_factory=dict)
    rates: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """{variant: {"causes": ..., "first_violator": ..., "violations": ...}}."""
        out: dict[str, dict[str, Any]] = {}
        for label in self.causes:
            out[label] = {
                "causes": {k: v.to_dict() for k, v in self.causes[label].items()},
                "first_violator": {k: v.to_dict() for k, v in self.first_violator[label].items()},
                "violations": {k: v.to_dict() for k, v in self.violations[label].items()},
                "violations_per_100h": {
                    k: v.to_dict() for k, v in self.rates.get(label, {}).items()
                },
            }
            if label in self.agreement:
                out[label]["agreement"] = self.agreement[label].to_dict()
        return out


def breakdown(
    runs: pd.DataFrame, variants: list[str] | None = None, level: float = 0.95
) -> Breakdown:
    """Cause shares, first-violator shares and violations per actor, per variant."""
    labels = variants or sorted(pd.unique(runs["variant"]))
    agreement: dict[str, Share] = {}
    if "agreement" in runs.columns:
        groups = variant_groups(runs, labels)
        for label in labels:
            values = groups[label]["agreement"].fillna(False).astype(bool)
            agreement[label] = wilson(int(values.sum()), len(values), category="agreement")
    return Breakdown(
        causes=share_table(
            runs, "cause", causes(), among=runs["collapsed"], variants=labels, level=level
        ),
        first_violator=share_table(
            runs,
            "first_violator",
            actors(),
            among=runs["first_violator"].notna(),
            variants=labels,
            level=level,
        ),
        violations=violations_per_actor(runs, labels, level),
        agreement=agreement,
        rates=violation_rates(runs, labels, level),
    )
