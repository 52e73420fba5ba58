"""Rejection ABC: which actor parameters make the simulated truce look like the real one.

For each of N draws θ from the prior, R replicate worlds are simulated and each
world is scored on the facts (`summaries.FACTS`). The draws are the points of a
parameter design (`prior_design`) and the experiment ``calibration``
(`sim.experiments.calibration`) runs it through the in-memory evaluator
(`sim.experiments.evaluate`, the batch engine's chunks and seeding), observing each
world at the end of the observation window (`summaries.WindowFacts`); `analyse`
weighs the draws. `run_abc` is that pipeline in one call. Two rules:

* ``kernel`` (default; for one case's yes/no facts): each world is weighted by
  how well it reproduces the observed pattern, Π_j (1 if it shows fact j as
  observed else 1 − w_j), where w_j is the fact's weight (1: the world must
  match; 0.7: a claim that would be made anyway 30% of the time). θ's weight is
  the mean over its R worlds: an unbiased estimate of the likelihood of the
  observed facts under that noisy-report model, so the weighted draws are the
  ABC posterior with zero tolerance on discrete data.
* ``rejection`` (for observed frequencies, e.g. from many cases or synthetic
  data): the distance between θ's R-world fact frequencies and the observed
  values, sqrt(Σ_j w_j (f_j − o_j)² / Σ_j w_j); the best `accept` share of
  draws is kept, each with weight 1.

Seeding is the batch engine's: prior draws come from
``SeedSequence(seed, spawn_key=(0,))``; the worlds' random numbers are keyed by the
batch key ``SeedSequence(seed)`` and each world's run index (the design's
``luck="run"``: draw d's replicate r is run d * R + r), so every world of every draw
has luck of its own -- the draws' weights are independent estimates, whose noise the
posterior averages out -- and results depend neither on the chunks nor on the workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.calibration.priors import CalibrationSpec
from sim.calibration.summaries import WindowFacts
from sim.errors import UserError
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.batch.design import ParameterDesign
    from sim.experiments.evaluate import PointResults

METHODS = ("kernel", "rejection")
CHUNK_WORLDS = 20_000
"""Worlds per call of the model (results do not depend on it; memory does)."""


def prior_seed(seed: int) -> np.random.SeedSequence:
    """The stream the prior draws come from."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(0,))


def prior_design(
    scenario: Scenario, *, spec: CalibrationSpec, draws: int, replicates: int, seed: int
) -> ParameterDesign:
    """N prior draws as design points, R worlds each, every world with luck of its own."""
    from sim.batch.design import ParameterDesign

    return ParameterDesign.from_sets(
        spec.sample_prior(draws, prior_seed(seed)),
        replicates,
        kind="calibration",
        source=f"{draws} draws from the priors of {spec.path or 'the calibration'}",
        luck="run",
    )


def window_facts(*, spec: CalibrationSpec, **_design_options: Any) -> WindowFacts:
    """What the ABC observes of each world: the spec's facts at the end of its window."""
    return WindowFacts(tuple(f.name for f in spec.facts), spec.window_h, spec.first_violation_by_h)


def score_draws(spec: CalibrationSpec, shown: np.ndarray) -> dict[str, np.ndarray]:
    """Per draw, from `shown` (draws, replicates, facts): whether each world shows each fact.

    Returns:
        {"frequencies": (n_draws, n_facts), "kernel": (n_draws,), "p_match": (n_draws,)}:
        per draw, the share of its worlds showing each fact, the mean kernel weight
        and the share of worlds matching every binary fact exactly.
    """
    observed = np.array([f.observed for f in spec.facts])
    weights = np.array([f.weight for f in spec.facts])
    frequencies = shown.mean(axis=1)
    if spec.binary:
        agrees = shown == observed.astype(bool)
        per_world = np.where(agrees, 1.0, 1.0 - weights).prod(axis=2)
        kernel = per_world.mean(axis=1)
        p_match = agrees.all(axis=2).mean(axis=1)
    else:
        kernel = p_match = np.full(shown.shape[0], np.nan)
    return {"frequencies": frequencies, "kernel": kernel, "p_match": p_match}


@dataclass
class CalibrationResult:
    """What the ABC found.

    Attributes:
        spec: the priors file's content.
        draws: every prior draw: parameter columns, ``freq_<fact>`` columns,
            ``distance``, ``kernel``, ``p_match``, ``weight`` (0 if rejected).
        method: "kernel" or "rejection".
        accept: share of draws kept (rejection).
        threshold: distance of the last accepted draw (rejection).
        replicates: worlds per draw.
        seed: the seed.
        seconds: wall time of the simulations.
        workers: processes used.
    """

    spec: CalibrationSpec
    draws: pd.DataFrame
    method: str
    accept: float
    threshold: float | None
    replicates: int
    seed: int
    seconds: float
    workers: int
    scenario_name: str = ""
    scenario_sha256: str = ""
    scenario_path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_simulations(self) -> int:
        """Worlds simulated (draws x replicates)."""
        return len(self.draws) * self.replicates

    @property
    def posterior(self) -> pd.DataFrame:
        """Draws with positive weight: parameters, distance, kernel, p_match, weight."""
        keep = self.draws["weight"] > 0
        cols = [*self.spec.keys, "distance", "kernel", "p_match", "weight"]
        return self.draws.loc[keep, cols].reset_index(drop=True)

    @property
    def effective_sample_size(self) -> float:
        """Kish's effective number of posterior draws, (Σw)² / Σw²."""
        w = self.draws["weight"].to_numpy(float)
        return float(w.sum() ** 2 / np.sum(w**2)) if w.sum() > 0 else 0.0

    def summary(self) -> pd.DataFrame:
        """Per parameter: prior and posterior mean, median, 90% interval, and spread ratio.

        `spread_ratio` is the posterior's 90% width over the prior's (measured on the
        draws): near 1 the facts said nothing about the parameter; well below 1 they
        constrain it. `shift` is the posterior mean's move in prior standard deviations.
        """
        rows = []
        w = self.draws["weight"].to_numpy(float)
        for key in self.spec.keys:
            x = self.draws[key].to_numpy(float)
            prior = _weighted_stats(x, np.ones_like(x))
            post = _weighted_stats(x, w)
            width_prior = prior["q95"] - prior["q05"]
            rows.append(
                {
                    "parameter": key,
                    **{f"prior_{k}": v for k, v in prior.items()},
                    **{f"posterior_{k}": v for k, v in post.items()},
                    "spread_ratio": (post["q95"] - post["q05"]) / width_prior
                    if width_prior > 0
                    else float("nan"),
                    "shift": (post["mean"] - prior["mean"]) / prior["sd"]
                    if prior["sd"] > 0
                    else float("nan"),
                }
            )
        return pd.DataFrame(rows)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """Quantile `q` of `x` with weights `w` (inverse of the weighted empirical CDF)."""
    order = np.argsort(x)
    x, w = x[order], w[order]
    cdf = np.cumsum(w) / w.sum()
    return float(x[min(int(np.searchsorted(cdf, q, side="left")), len(x) - 1)])


def _weighted_stats(x: np.ndarray, w: np.ndarray) -> dict[str, float]:
    if w.sum() <= 0:
        nan = float("nan")
        return {"mean": nan, "sd": nan, "median": nan, "q05": nan, "q95": nan}
    mean = float(np.average(x, weights=w))
    return {
        "mean": mean,
        "sd": float(np.sqrt(np.average((x - mean) ** 2, weights=w))),
        "median": weighted_quantile(x, w, 0.5),
        "q05": weighted_quantile(x, w, 0.05),
        "q95": weighted_quantile(x, w, 0.95),
    }


def run_abc(
    scenario: Scenario,
    spec: CalibrationSpec,
    *,
    draws: int = 2000,
    replicates: int = 100,
    method: str = "kernel",
    accept: float = 0.02,
    seed: int = 20210828,
    workers: int = 1,
    progress: Any = None,
) -> CalibrationResult:
    """Calibrate the priors in `spec` to its facts: the experiment ``calibration``.

    Args:
        scenario: the loaded scenario (with the spec's mediator available).
        spec: priors and facts (`load_priors`).
        draws: prior draws N.
        replicates: worlds per draw R.
        method: "kernel" (weights, for yes/no facts) or "rejection" (best `accept` share).
        accept: share of draws kept by rejection (ignored by kernel).
        seed: non-negative integer; every random number descends from it.
        workers: processes (1: in this process).
        progress: optional callable(done_chunks, total_chunks).

    Returns:
        The result (prior draws with their scores and weights).

    Raises:
        UserError: bad options (before any simulation).
    """
    if method not in METHODS:
        raise UserError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if method == "kernel" and not spec.binary:
        raise UserError(
            "the kernel method needs yes/no facts (observed 0 or 1); use --method rejection "
            "for observed frequencies",
            file=spec.path or None,
            key="facts",
        )
    if draws < 1 or replicates < 1:
        raise UserError("--draws and --replicates must be at least 1")
    if not 0.0 < accept <= 1.0:
        raise UserError(f"--accept must be a share in (0, 1], got {accept:g}")
    if seed < 0:
        raise UserError("--seed must be a non-negative integer")
    if workers < 1:
        raise UserError("--workers must be at least 1")
    from sim.experiments import run_experiment

    scenario = scenario.with_mediators([spec.mediator])
    started = time.perf_counter()
    design, result = run_experiment(
        "calibration",
        scenario,
        mediators=[spec.mediator],
        seed=seed,
        design_options={"spec": spec, "draws": draws, "replicates": replicates, "seed": seed},
        analysis_options={"scenario": scenario, "spec": spec, "method": method, "accept": accept},
        chunk_size=CHUNK_WORLDS,
        workers=workers,
        progress=progress,
    )
    result.seconds = time.perf_counter() - started
    result.workers = workers
    result.extra = {
        "luck": design.luck,
        "chunk_size": CHUNK_WORLDS,
        "n_chunks": -(-design.runs // CHUNK_WORLDS),
    }
    return result


def analyse(
    results: PointResults,
    *,
    scenario: Scenario,
    spec: CalibrationSpec,
    method: str = "kernel",
    accept: float = 0.02,
) -> CalibrationResult:
    """Weigh the prior draws by the facts their worlds show (the design's per-point results)."""
    design = results.design
    names = [f.name for f in spec.facts]
    mediator = scenario.resolve_mediator(spec.mediator)
    shown = np.stack([results.per_point(n, mediator) for n in names], axis=2)
    scores = score_draws(spec, shown.astype(bool))
    draws = design.n_points
    frequencies = scores["frequencies"]
    table = pd.DataFrame(design.sets())
    table.insert(0, "draw", np.arange(draws))
    for j, name in enumerate(names):
        table[f"freq_{name}"] = frequencies[:, j]
    observed = np.array([f.observed for f in spec.facts])
    fact_weights = np.array([f.weight for f in spec.facts])
    table["distance"] = np.sqrt(
        ((frequencies - observed) ** 2 * fact_weights).sum(axis=1) / fact_weights.sum()
    )
    table["kernel"] = scores["kernel"]
    table["p_match"] = scores["p_match"]
    threshold = None
    if method == "kernel":
        table["weight"] = table["kernel"]
        if not (table["weight"] > 0).any():
            raise UserError(
                "no simulated world reproduced the observed facts: widen the priors, add "
                "replicates, or lower the weights of facts that are only claimed"
            )
    else:
        n_keep = max(1, round(accept * draws))
        # Stable sort by distance then draw index, so ties are broken the same way always.
        order = np.lexsort((table["draw"].to_numpy(), table["distance"].to_numpy()))
        weight = np.zeros(draws)
        weight[order[:n_keep]] = 1.0
        table["weight"] = weight
        threshold = float(table["distance"].to_numpy()[order[n_keep - 1]])
    return CalibrationResult(
        spec=spec,
        draws=table,
        method=method,
        accept=accept,
        threshold=threshold,
        replicates=design.replicates,
        seed=results.seed,
        seconds=0.0,
        workers=1,
        scenario_name=scenario.name,
        scenario_sha256=scenario.source.sha256,
        scenario_path=scenario.source.path,
    )
