"""Comparisons between variants: tests, effect sizes and breakdowns.

Two kinds of comparison are made for every pair of variants (a, b):

* **Unpaired** (treat the two variants as independent samples): the log-rank
  test on the survival curves, a Cox hazard ratio, and the difference in
  survival at the horizon from the two Kaplan-Meier estimates.
* **Paired** (use the common random numbers): run *i* of variant a and run *i*
  of variant b meet the same draws for their actors' choices and the crossing
  (and share any parameters drawn from a posterior), so their outcomes are
  compared run by run (docs/batch.md). McNemar's exact test on
  "survived the horizon" and the paired difference in survival; the paired
  difference in restricted mean survival (hours held, out of the horizon) with
  a t interval and Wilcoxon's signed-rank test. Pairing removes the noise both
  variants share, so these tests are sharper.

Breakdowns per variant (causes, first violators, violations) are in
`sim.analysis.breakdown`; their names are re-exported here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from sim import stats as _stats
from sim.analysis.breakdown import (
    Breakdown,
    MeanEstimate,
    Share,
    breakdown,
    mean_ci,
    share_table,
    violations_per_actor,
    wilson,
)
from sim.analysis.survival import (
    SurvivalAnalysis,
    VariantSurvival,
    durations_and_events,
    rmst_with_se,
    variant_groups,
)
from sim.stats.twosample import paired_proportion_difference

__all__ = [
    "Breakdown",
    "MeanEstimate",
    "PairComparison",
    "PairedComparison",
    "Share",
    "breakdown",
    "compare_all",
    "compare_pair",
    "format_p",
    "hazard_ratio",
    "holm",
    "mean_ci",
    "paired_comparison",
    "share_table",
    "violations_per_actor",
    "wilson",
]


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values (sim.stats.holm), in the input order."""
    return _stats.holm(pvalues)


# --------------------------------------------------------------------------- pairs


@dataclass(frozen=True)
class PairedComparison:
    """Run-by-run comparison of b against a using common random numbers.

    Attributes:
        n_pairs: Run indices present in both variants.
        survived_both: Pairs where the truce held the horizon under both.
        survived_a_only: Pairs where it held under a but collapsed under b.
        survived_b_only: Pairs where it held under b but collapsed under a.
        collapsed_both: Pairs where it collapsed under both.
        mcnemar_exact_p: McNemar's exact test (two-sided binomial test of the
            discordant pairs against 1/2) of "survived the horizon".
        mcnemar_chi2_p: McNemar's chi-square test with continuity correction
            (for reference; the exact p is the one to quote).
        diff: Paired difference in survival at the horizon, p_b - p_a.
        diff_ci: Its Wald interval for paired proportions.
        rmst_diff_h: Mean of the paired differences min(T_b, H) - min(T_a, H),
            i.e. the difference in restricted mean survival in hours.
        rmst_diff_ci_h: Its Student-t interval.
        wilcoxon_p: Wilcoxon signed-rank test of those paired differences
            (None when every pair is tied).
    """

    n_pairs: int
    survived_both: int
    survived_a_only: int
    survived_b_only: int
    collapsed_both: int
    mcnemar_exact_p: float
    mcnemar_chi2_p: float
    diff: float
    diff_ci: tuple[float, float]
    rmst_diff_h: float
    rmst_diff_ci_h: tuple[float, float]
    wilcoxon_p: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples as lists)."""
        out = asdict(self)
        out["diff_ci"] = list(self.diff_ci)
        out["rmst_diff_ci_h"] = list(self.rmst_diff_ci_h)
        out["tests"] = {
            "mcnemar_exact_p": "McNemar exact test (binomial on discordant pairs) of "
            "survived-the-horizon, paired by run index",
            "wilcoxon_p": "Wilcoxon signed-rank test of paired hours held (capped at the horizon)",
        }
        return out


def paired_comparison(
    runs_a: pd.DataFrame, runs_b: pd.DataFrame, level: float = 0.95
) -> PairedComparison | None:
    """Compare two variants run by run (same `run` index = same random numbers).

    Args:
        runs_a: Runs of variant a.
        runs_b: Runs of variant b.
        level: Confidence level.

    Returns:
        The paired comparison, or None when no run index is shared or the
        horizons differ (then outcomes are not comparable run by run).
    """
    if runs_a["horizon_h"].max() != runs_b["horizon_h"].max():
        return None
    if np.array_equal(runs_a["run"].to_numpy(), runs_b["run"].to_numpy()):
        # The usual case (same runs, same order): pair rows by position, as the merge would,
        # reading the columns as arrays (no table of the pairs is built).
        collapsed = runs_a["collapsed"].to_numpy(bool), runs_b["collapsed"].to_numpy(bool)
        hours = runs_a["duration_h"].to_numpy(float), runs_b["duration_h"].to_numpy(float)
    else:
        columns = ["run", "collapsed", "duration_h"]
        merged = runs_a[columns].merge(runs_b[columns], on="run", suffixes=("_a", "_b"))
        collapsed = merged["collapsed_a"].to_numpy(bool), merged["collapsed_b"].to_numpy(bool)
        hours = merged["duration_h_a"].to_numpy(float), merged["duration_h_b"].to_numpy(float)
    n = len(hours[0])
    if n == 0:
        return None
    held_a, held_b = ~collapsed[0], ~collapsed[1]
    a_only = int(np.sum(held_a & ~held_b))
    b_only = int(np.sum(~held_a & held_b))
    mcnemar = _stats.mcnemar_exact(a_only, b_only)
    diff = paired_proportion_difference(a_only, b_only, n, level)
    # duration_h is min(T, horizon) for every run (censoring only at the horizon),
    # so its paired mean difference is the paired difference in RMST.
    delta = hours[1] - hours[0]
    rmst = mean_ci(delta, level)
    wilcoxon_p = _stats.wilcoxon_signed_rank(delta)
    return PairedComparison(
        n_pairs=n,
        survived_both=int(np.sum(held_a & held_b)),
        survived_a_only=a_only,
        survived_b_only=b_only,
        collapsed_both=int(np.sum(~held_a & ~held_b)),
        mcnemar_exact_p=mcnemar.exact_p,
        mcnemar_chi2_p=mcnemar.chi2_p,
        diff=float(diff.estimate),
        diff_ci=(float(diff.low), float(diff.high)),
        rmst_diff_h=rmst.mean,
        rmst_diff_ci_h=(rmst.lower, rmst.upper),
        wilcoxon_p=wilcoxon_p,
    )


def hazard_ratio(
    durations_a: np.ndarray,
    events_a: np.ndarray,
    durations_b: np.ndarray,
    events_b: np.ndarray,
    level: float = 0.95,
) -> tuple[float | None, tuple[float | None, float | None]]:
    """Hazard ratio of b relative to a from a Cox model with one indicator.

    lifelines' CoxPHFitter (Efron ties) on a covariate that is 1 for b's runs.
    Above 1: the truce collapses faster under b. The ratio summarises the whole
    two weeks in one number and assumes it is constant in time; the survival
    curves show whether that is fair.

    Runs are first collapsed into (time, event, variant) cells with frequency
    weights: times are whole steps, so 2 x 100,000 runs become a few hundred rows
    and the fit takes milliseconds instead of seconds. lifelines' weighted Efron
    correction differs slightly from the unweighted one with many ties (in tests,
    by well under a tenth of the standard error of the log ratio).

    Returns:
        (ratio, (lower, upper)); Nones when it cannot be estimated (no events in
        one variant, so the ratio is 0 or infinite, or too few runs for a finite interval).
    """
    ratio = _stats.cox_hazard_ratio(durations_a, events_a, durations_b, events_b, level)
    return ratio.estimate, (ratio.low, ratio.high)


@dataclass
class PairComparison:
    """Every comparison of variant b against variant a.

    Attributes:
        a: Reference variant (earlier in display order).
        b: Compared variant.
        logrank_chi2: Log-rank test statistic (1 degree of freedom).
        logrank_p: Log-rank p-value (unpaired test of equal survival curves).
        logrank_p_adjusted: Holm-adjusted p-value across all pairs (equal to
            `logrank_p` when there are only two variants).
        hazard_ratio: Cox hazard ratio of collapse under b relative to a.
        hazard_ratio_ci: Its interval.
        horizon_h: The horizon both are compared at (the smaller of the two).
        p_survive_a: Kaplan-Meier survival at the horizon under a.
        p_survive_b: The same under b.
        diff: p_survive_b - p_survive_a (unpaired).
        diff_ci: Normal interval from the two Greenwood variances.
        rmst_a_h: Restricted mean survival under a (hours).
        rmst_b_h: The same under b.
        paired: Run-by-run comparison, when runs are paired.
        level: Confidence level.
        holm_adjusted: True when `logrank_p_adjusted` was Holm-adjusted over
            several pairs.
    """

    a: str
    b: str
    logrank_chi2: float
    logrank_p: float
    logrank_p_adjusted: float
    hazard_ratio: float | None
    hazard_ratio_ci: tuple[float | None, float | None]
    horizon_h: float
    p_survive_a: float
    p_survive_b: float
    diff: float
    diff_ci: tuple[float, float]
    rmst_a_h: float
    rmst_b_h: float
    paired: PairedComparison | None = None
    level: float = 0.95
    holm_adjusted: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; names which test each p-value comes from."""
        key = f"{self.horizon_h:g}h"
        return {
            "a": self.a,
            "b": self.b,
            "logrank_chi2": self.logrank_chi2,
            "logrank_p": self.logrank_p,
            "logrank_p_adjusted": self.logrank_p_adjusted,
            "hazard_ratio": self.hazard_ratio,
            "hazard_ratio_ci": list(self.hazard_ratio_ci),
            "horizon_h": self.horizon_h,
            f"p_survive_{key}_a": self.p_survive_a,
            f"p_survive_{key}_b": self.p_survive_b,
            f"diff_p_survive_{key}": self.diff,
            f"diff_p_survive_{key}_ci": list(self.diff_ci),
            "rmst_a_h": self.rmst_a_h,
            "rmst_b_h": self.rmst_b_h,
            "rmst_diff_h": self.rmst_b_h - self.rmst_a_h,
            "paired": self.paired.to_dict() if self.paired else None,
            "tests": {
                "logrank_p": "log-rank test, unpaired, of equal survival curves",
                "logrank_p_adjusted": "Holm-adjusted across all pairs",
                "hazard_ratio": "Cox proportional hazards, b relative to a (above 1: "
                "collapses faster under b)",
                "diff": "difference of Kaplan-Meier survival at the horizon, b minus a, "
                "Greenwood variances",
            },
        }

    def sentence(self) -> str:
        """The comparison in plain words, for reports."""
        from sim.analysis.style import hours_and_days

        low, high = (100 * x for x in self.diff_ci)
        horizon = _horizon_words(self.horizon_h)
        text = (
            f"Under {self.b} the truce survives {horizon} in {100 * self.p_survive_b:.1f}% "
            f"of runs against {100 * self.p_survive_a:.1f}% under {self.a} "
            f"(difference {100 * self.diff:+.1f} points, {self.level:.0%} CI "
            f"{low:+.1f} to {high:+.1f}; log-rank {format_p(self.logrank_p_adjusted)}"
            f"{' after Holm correction' if self.holm_adjusted else ''})."
        )
        text += (
            f" On average it holds {hours_and_days(self.rmst_b_h)} of the first "
            f"{self.horizon_h:g} h under {self.b} and {hours_and_days(self.rmst_a_h)} "
            f"under {self.a}."
        )
        if self.hazard_ratio is not None:
            low_hr, high_hr = self.hazard_ratio_ci
            text += (
                f" The hazard of collapse under {self.b} is {self.hazard_ratio:.2f} times "
                f"that under {self.a} ({self.level:.0%} CI {low_hr:.2f} to {high_hr:.2f})."
            )
        if self.paired is not None:
            p = self.paired
            low_p, high_p = (100 * x for x in p.diff_ci)
            text += (
                f" Run by run (same random numbers), it held under {self.b} but not under "
                f"{self.a} in {p.survived_b_only} runs and the reverse in {p.survived_a_only} "
                f"of {p.n_pairs} (paired difference {100 * p.diff:+.1f} points, "
                f"{low_p:+.1f} to {high_p:+.1f}; McNemar exact {format_p(p.mcnemar_exact_p)})."
            )
        return text


def _horizon_words(horizon_h: float) -> str:
    if horizon_h == 336:
        return "the two weeks"
    if horizon_h % 24 == 0:
        return f"the {horizon_h / 24:g} days"
    return f"the {horizon_h:g} hours"


def format_p(p: float) -> str:
    """`p < 0.001`, `p = 0.012`, `p = 0.43`: how p-values are quoted."""
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    return f"p = {p:.2f}"


def compare_pair(
    runs: pd.DataFrame,
    a: VariantSurvival,
    b: VariantSurvival,
    *,
    level: float = 0.95,
) -> PairComparison:
    """Compare two variants' time to collapse (unpaired and paired).

    Args:
        runs: Validated runs table holding both variants.
        a: Survival of the reference variant.
        b: Survival of the compared variant.
        level: Confidence level.

    Returns:
        The comparison; `logrank_p_adjusted` equals `logrank_p` until
        `compare_all` adjusts it.
    """
    # Each variant's rows (a view of the table when it is sorted by variant, as validated).
    groups = variant_groups(runs, (a.variant, b.variant))
    runs_a, runs_b = groups[a.variant], groups[b.variant]
    t_a, e_a = durations_and_events(runs_a, "collapse")
    t_b, e_b = durations_and_events(runs_b, "collapse")
    test = _stats.logrank(t_a, e_a, t_b, e_b)
    ratio, ratio_ci = hazard_ratio(t_a, e_a, t_b, e_b, level)
    horizon = min(a.horizon_h, b.horizon_h)
    s_a, s_b = a.survival_at(horizon), b.survival_at(horizon)
    diff = _stats.survival_difference(s_a.p, s_a.variance, s_b.p, s_b.variance, level)
    rmst_a = a.rmst_h if a.horizon_h == horizon else rmst_with_se(a.fitter, horizon)[0]
    rmst_b = b.rmst_h if b.horizon_h == horizon else rmst_with_se(b.fitter, horizon)[0]
    p_value = test.p_value
    return PairComparison(
        a=a.variant,
        b=b.variant,
        logrank_chi2=test.statistic,
        logrank_p=p_value,
        logrank_p_adjusted=p_value,
        hazard_ratio=ratio,
        hazard_ratio_ci=ratio_ci,
        horizon_h=horizon,
        p_survive_a=s_a.p,
        p_survive_b=s_b.p,
        diff=diff.estimate,
        diff_ci=(diff.low, diff.high),
        rmst_a_h=rmst_a,
        rmst_b_h=rmst_b,
        paired=paired_comparison(runs_a, runs_b, level),
        level=level,
    )


def compare_all(
    runs: pd.DataFrame, survival: SurvivalAnalysis, *, level: float = 0.95
) -> list[PairComparison]:
    """Compare every pair of variants, Holm-adjusting the log-rank p-values.

    Args:
        runs: Validated runs table.
        survival: Time-to-collapse survival per variant (gives the order and fits).
        level: Confidence level.

    Returns:
        One comparison per pair (a before b in display order); empty with fewer
        than two variants.
    """
    results = [
        compare_pair(runs, survival[a], survival[b], level=level)
        for a, b in combinations(survival.variants, 2)
    ]
    if len(results) > 1:
        adjusted = holm([r.logrank_p for r in results])
        for result, p in zip(results, adjusted, strict=True):
            result.logrank_p_adjusted = p
            result.holm_adjusted = True
    return results
