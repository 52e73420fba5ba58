"""Simulation-based check of the cross-case ABC: do its 90% intervals cover 90% of truths?

Synthetic library: `n_cases` copies of one case (same scenario, their own random
streams). For each of `n_truths` parameter sets drawn from the prior, every synthetic
case gets one simulated outcome at that truth (ending, time, first violation, and the
number of truces when the scenario has a campaign); the ABC posterior (rejection on one
shared reference table of `n_draws` prior draws, the `accept` share kept) gives a
central interval per parameter, and we count how often it holds the truth. A
calibrated method covers about `level` of the truths (binomial spread); the mean width
relative to the prior's says how much the outcomes teach about each parameter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.evidence.model_predictor import (
    ModelCase,
    case_seed,
    has_campaign,
    simulate_runs,
    world_params,
)
from sim.evidence.scores import Outcome
from sim.evidence.shared_abc import (
    SHARED_PRIORS,
    Target,
    accept_closest,
    fv_summary,
    sample_prior,
    simulate_table,
    table_distances,
)


@dataclass(frozen=True)
class Coverage:
    """Per parameter: truths covered, out of how many, mean interval width / prior width."""

    covered: dict[str, int]
    n_truths: int
    relative_width: dict[str, float]
    level: float


def sbc_coverage(
    template: ModelCase,
    *,
    n_cases: int = 3,
    n_truths: int = 100,
    n_draws: int = 5000,
    accept: float = 0.02,
    level: float = 0.9,
    seed: int = 0,
) -> Coverage:
    """Coverage of the central `level` ABC intervals on synthetic cases (module docstring)."""
    cases = [dataclasses.replace(template, name=f"synthetic_{k}") for k in range(n_cases)]
    ss = np.random.SeedSequence(seed)
    prior_seed, table_seed, truth_seed, obs_seed = (
        int(s.generate_state(1)[0]) for s in ss.spawn(4)
    )
    theta = sample_prior(n_draws, prior_seed)
    table = simulate_table(cases, theta, table_seed)
    truths = sample_prior(n_truths, truth_seed)
    observed = [
        simulate_runs(c, n_truths, case_seed(obs_seed, c.name), world_params(c, truths))
        for c in cases
    ]
    campaign = has_campaign(template.scenario)
    q = ((1 - level) / 2, (1 + level) / 2)
    keys = [p.key for p in SHARED_PRIORS]
    covered = dict.fromkeys(keys, 0)
    widths: dict[str, list[float]] = {k: [] for k in keys}
    prior_width = {k: float(np.diff(np.quantile(theta[k], q))[0]) for k in keys}
    for m in range(n_truths):
        obs = [
            Target(
                Outcome(r.endings[m], float(r.times_days[m])),
                float(fv_summary(r)[m]),
                int(r.n_truces[m]) if campaign else None,
            )
            for r in observed
        ]
        post = accept_closest(theta, table_distances(table, obs), accept)
        for k in keys:
            low, high = np.quantile(post[k], q)
            covered[k] += int(low <= truths[k][m] <= high)
            widths[k].append((high - low) / prior_width[k])
    return Coverage(covered, n_truths, {k: float(np.mean(v)) for k, v in widths.items()}, level)
