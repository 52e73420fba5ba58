"""Calibration across cases: rejection ABC of parameters shared by every case.

The shared parameters (`SHARED_PRIORS`) are the escalation threshold, trust building,
the spoilers' half-life, how readily a mediator brokers a new truce after a breakdown
(only cases with a campaign feel it) and a common shift of every party's baseline
propensity.
Each prior draw is one parameter set; the many-worlds model runs every draw of a case
in one call (`world_params`), one world per draw. A draw's distance to the observed
outcomes is summed over the training cases; the draws closest (the `accept` share)
are the posterior sample.

Distance of one simulated run to a case, summed over the quantities the case has
(`Target`; a quantity the case's scenario cannot produce is left out, see
`model_predictor.model_case`). Each quantity is put on the scale of its prior
predictive distribution: F is the mid-rank empirical CDF of the quantity over all the
draws' runs of that case, and a quantity contributes |F(simulated) - F(observed)|, in
[0, 1], so no quantity's units weigh more than another's:

- ending: 1 when the endings differ, else 0 (both beyond T = 14 days count as the same);
- time to the ending in days, capped at T (the scores do not tell later times apart);
  for a truce still in force at t_obs (censored), only runs that ended before t_obs
  are penalised, by max(0, F(t_obs) - F(t_sim)), and their ending counts as different;
- time to the first violation in hours: a run with no violation is compared at the
  hour it ended (censored there; the observed value is capped at the horizon alike);
- number of truces, only for a case whose scenario has a campaign (`Target.n_truces`).

Why our own rejection ABC and not pyabc or ELFI: see docs/calibration.md ("Across
cases").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.evidence.distribution import Discretisation
from sim.evidence.model_predictor import (
    BASE_SHIFT,
    ModelCase,
    RunSamples,
    case_seed,
    simulate_runs,
    world_params,
)
from sim.evidence.scores import Outcome


@dataclass(frozen=True)
class SharedPrior:
    """Uniform (or log-uniform) prior of one shared parameter, with its reason."""

    key: str
    low: float
    high: float
    log: bool = False
    source: str = ""

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.log:
            return np.exp(rng.uniform(math.log(self.low), math.log(self.high), n))
        return rng.uniform(self.low, self.high, n)


SHARED_PRIORS: tuple[SharedPrior, ...] = (
    SharedPrior(
        "escalation.collapse_threshold", 1.0, 6.0,
        source="assumption: cases use 2.5 (ref 2021); from a single exchange to a long spiral",
    ),
    SharedPrior(
        "trust.gain_per_h", 0.0, 0.02,
        source="assumption: 0 (off) to closing the trust gap in about two quiet days",
    ),
    SharedPrior(
        "spoilers.half_life_h", 6.0, 168.0, log=True,
        source="assumption: cases use 24 h; a spoiler's pulse fades in hours to a week",
    ),
    SharedPrior(
        "campaign.rebroker_base", -3.0, 2.0,
        source="assumption: the cases with a campaign use -1 (a new truce after about one "
        "breakdown in four, all else zero); from one in twenty to nine in ten. Moves runs "
        "only in cases with a campaign, whose counts of truces are what constrain it",
    ),
    SharedPrior(
        BASE_SHIFT, -1.5, 1.5,
        source="assumption: added to every party's base log-odds per hour; +-1.5 scales the "
        "hourly violation odds by about 4.5 either way",
    ),
)  # fmt: skip


def sample_prior(
    n: int, seed: np.random.SeedSequence | int, priors: Sequence[SharedPrior] = SHARED_PRIORS
) -> dict[str, np.ndarray]:
    """`n` independent draws of every shared parameter."""
    rng = np.random.default_rng(seed)
    return {p.key: p.sample(rng, n) for p in priors}


@dataclass(frozen=True)
class Target:
    """A case's observed quantities as the distance uses them (None: left out)."""

    outcome: Outcome
    first_violation_h: float | None = None
    n_truces: int | None = None


def target_of(case: ModelCase) -> Target:
    """The observed quantities of a model case."""
    return Target(case.observed, case.first_violation_h, case.n_truces)


def mid_ecdf(reference: np.ndarray, x: np.ndarray | float) -> np.ndarray:
    """Mid-rank empirical CDF of `reference` at `x`: (#{< x} + #{<= x}) / (2 n)."""
    ref = np.sort(np.asarray(reference, float))
    return (np.searchsorted(ref, x, "left") + np.searchsorted(ref, x, "right")) / (2 * ref.size)


def fv_summary(runs: RunSamples) -> np.ndarray:
    """Hour of the first violation, or the hour the run ended when it had none (censored)."""
    return np.where(np.isnan(runs.first_violation_h), runs.end_h, runs.first_violation_h)


def case_distances(runs: RunSamples, target: Target, cap: float) -> np.ndarray:
    """Per-run distance to a case's observed quantities (module docstring)."""
    t_sim = np.minimum(np.asarray(runs.times_days, float), cap)
    t_obs = min(target.outcome.time_days, cap)
    beyond_sim = np.asarray(runs.times_days, float) > cap
    ended = np.array([e is not None for e in runs.endings])
    same = np.array([e == target.outcome.ending for e in runs.endings]) | (
        beyond_sim & (target.outcome.time_days > cap)
    )
    gap = mid_ecdf(t_sim, t_sim) - mid_ecdf(t_sim, t_obs)
    if target.outcome.ending is None:
        # Censored at t_obs: a run still in force then (or ending later) agrees with it.
        early = ended & (t_sim < t_obs)
        same |= ~early
        total = np.where(early, np.maximum(0.0, -gap), 0.0) + (~same)
    else:
        total = np.abs(gap) + (~same)
    if target.first_violation_h is not None:
        v = fv_summary(runs)
        total = total + np.abs(mid_ecdf(v, v) - mid_ecdf(v, target.first_violation_h))
    if target.n_truces is not None:
        n = np.asarray(runs.n_truces, float)
        total = total + np.abs(mid_ecdf(n, n) - mid_ecdf(n, target.n_truces))
    return total


def simulate_table(
    cases: Sequence[ModelCase], theta: Mapping[str, np.ndarray], seed: int
) -> list[RunSamples]:
    """One simulated run of every case (list) for every draw (one world per draw)."""
    n = len(next(iter(theta.values())))
    return [
        simulate_runs(case, n, case_seed(seed, case.name), world_params(case, theta))
        for case in cases
    ]


def table_distances(table: Sequence[RunSamples], targets: Sequence[Target]) -> np.ndarray:
    """Distance of every draw (columns) to every case's observed quantities (rows)."""
    cap = Discretisation().last_edge
    rows = [case_distances(r, t, cap) for r, t in zip(table, targets, strict=True)]
    return np.array(rows).reshape(len(table), -1)


def accept_closest(
    theta: Mapping[str, np.ndarray], distances: np.ndarray, accept: float
) -> dict[str, np.ndarray]:
    """The draws with the smallest summed distance (the `accept` share, at least 1)."""
    total = distances.sum(axis=0)
    k = max(1, round(accept * total.size))
    keep = np.argsort(total, kind="stable")[:k]
    return {key: np.asarray(v)[keep] for key, v in theta.items()}


def abc_posterior(
    training: Sequence[ModelCase],
    n_draws: int = 20_000,
    accept: float = 0.01,
    seed: int = 0,
    priors: Sequence[SharedPrior] = SHARED_PRIORS,
) -> dict[str, np.ndarray]:
    """Rejection-ABC posterior sample of the shared parameters from the training cases.

    With no training case the prior sample itself is returned (nothing to learn from).
    """
    return LeaveOneOutABC(training, n_draws, accept, seed, priors).posterior(None)


class LeaveOneOutABC:
    """One reference table of every case, and the posterior without any one of them.

    Each case's runs depend only on the seed, its name and the draws, and each case's
    distance only on its own runs, so leaving a case out of one shared table gives the
    same posterior as simulating the other cases alone (`abc_posterior`), once.
    """

    def __init__(
        self,
        cases: Sequence[ModelCase],
        n_draws: int = 20_000,
        accept: float = 0.01,
        seed: int = 0,
        priors: Sequence[SharedPrior] = SHARED_PRIORS,
    ) -> None:
        self.cases = list(cases)
        self.accept = accept
        self.theta = sample_prior(n_draws, np.random.SeedSequence([seed, 1]), priors)
        self.seed = seed
        self._distances: np.ndarray | None = None

    def distances(self) -> np.ndarray:
        """Distance of every draw to every case (rows in the order of `cases`)."""
        if self._distances is None:
            table = simulate_table(self.cases, self.theta, self.seed)
            self._distances = table_distances(table, [target_of(c) for c in self.cases])
        return self._distances

    def posterior(self, held_out: str | None) -> dict[str, np.ndarray]:
        """The posterior from every case but `held_out` (the prior when none is left)."""
        keep = [i for i, c in enumerate(self.cases) if c.name != held_out]
        if not keep:
            k = max(1, round(self.accept * len(next(iter(self.theta.values())))))
            return {key: v[:k] for key, v in self.theta.items()}
        return accept_closest(self.theta, self.distances()[keep], self.accept)
