"""Calibration across cases: rejection ABC of parameters shared by every case.

The shared parameters (`SHARED_PRIORS`) are the escalation threshold, trust building,
the spoilers' half-life and a common shift of every party's baseline propensity.
Each prior draw is one parameter set; the many-worlds model runs every draw of a case
in one call (`world_params`), one world per draw. A draw's distance to the observed
outcomes is summed over the training cases; the draws closest (the `accept` share)
are the posterior sample.

Distance of one simulated outcome (e_s, t_s) to the observed (e, t), times in days
capped at the last bin edge T = 14 (the scores do not tell times beyond it apart):
|ln(1 + min(t_s, T)) - ln(1 + min(t, T))|, plus 1 when the endings differ (both beyond
T count as the same ending). Why our own rejection ABC and not pyabc: see
docs/calibration.md ("Across cases").
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
    case_seed,
    simulate_case,
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


def distance(
    endings: Sequence[str | None], times_days: np.ndarray, observed: Outcome, cap: float
) -> np.ndarray:
    """Per-run distance to the observed outcome (module docstring)."""
    t_sim = np.minimum(np.asarray(times_days, float), cap)
    t_obs = min(observed.time_days, cap)
    beyond_sim = np.asarray(times_days, float) > cap
    same = np.array([e == observed.ending for e in endings]) | (
        beyond_sim & (observed.time_days > cap)
    )
    return np.abs(np.log1p(t_sim) - math.log1p(t_obs)) + (~same).astype(float)


Samples = tuple[list[str | None], np.ndarray]


def simulate_table(
    cases: Sequence[ModelCase], theta: Mapping[str, np.ndarray], seed: int
) -> list[Samples]:
    """One simulated outcome of every case (list) for every draw (one world per draw)."""
    n = len(next(iter(theta.values())))
    return [
        simulate_case(case, n, case_seed(seed, case.name), world_params(case, theta))
        for case in cases
    ]


def table_distances(table: Sequence[Samples], observed: Sequence[Outcome]) -> np.ndarray:
    """Distance of every draw (columns) to every case's observed outcome (rows)."""
    cap = Discretisation().last_edge
    rows = [distance(e, t, obs, cap) for (e, t), obs in zip(table, observed, strict=True)]
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
    theta = sample_prior(n_draws, np.random.SeedSequence([seed, 1]), priors)
    if not training:
        k = max(1, round(accept * n_draws))
        return {key: v[:k] for key, v in theta.items()}
    table = simulate_table(training, theta, seed)
    observed = [case.observed for case in training]
    return accept_closest(theta, table_distances(table, observed), accept)
