"""The statistics layer: every estimator, interval and test the project reports.

One job per module, all glue over lifelines and scipy (which compute the estimates):

- `km`: Kaplan-Meier with Greenwood variance and bounded log-log intervals, survival
  at fixed times, medians ("not reached" as None), numbers at risk.
- `rmst`: restricted mean survival time with its standard error and interval.
- `intervals`: shares (Wilson, Clopper-Pearson) and counts or rates (exact Poisson),
  and normal intervals clipped to the range the quantity can take.
- `twosample`: log-rank, Cox hazard ratio ("not estimable" as None), McNemar exact,
  Wilcoxon signed-rank, Holm's correction, paired differences.
- `bootstrap`: the two-way (pigeonhole) bootstrap of a crossed table (parameter draws
  x replicates sharing their luck).
- `competing`: cumulative incidence per ending (Aalen-Johansen) with intervals, and a
  z-test of the difference in one ending's cumulative incidence between two groups.

docs/statistics.md says what each estimator is and how censoring is treated.
"""

from sim.stats.competing import (
    CumulativeIncidence,
    cif_difference_test,
    cumulative_incidence,
)
from sim.stats.intervals import (
    Interval,
    clipped_normal,
    clopper_pearson,
    poisson_count,
    poisson_rate,
    wilson,
)
from sim.stats.km import (
    Estimate,
    fit_km,
    greenwood_variance,
    median_with_ci,
    number_at_risk,
    step_value,
    survival_at,
)
from sim.stats.rmst import rmst_interval, rmst_with_se
from sim.stats.twosample import (
    LogRank,
    cox_hazard_ratio,
    holm,
    logrank,
    mcnemar_exact,
    paired_difference,
    survival_difference,
    wilcoxon_signed_rank,
)

__all__ = [
    "CumulativeIncidence",
    "Estimate",
    "Interval",
    "LogRank",
    "cif_difference_test",
    "clipped_normal",
    "clopper_pearson",
    "cox_hazard_ratio",
    "cumulative_incidence",
    "fit_km",
    "greenwood_variance",
    "holm",
    "logrank",
    "mcnemar_exact",
    "median_with_ci",
    "number_at_risk",
    "paired_difference",
    "poisson_count",
    "poisson_rate",
    "rmst_interval",
    "rmst_with_se",
    "step_value",
    "survival_at",
    "survival_difference",
    "wilcoxon_signed_rank",
    "wilson",
]
