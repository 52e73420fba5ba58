"""Calibration of actor parameters to the observed case by Approximate Bayesian Computation.

Modules: `priors` (the priors file), `summaries` (the case's facts as rules on a
world), `abc` (the rejection/kernel ABC on the many-worlds model), `posterior`
(the posterior file, and draws from it for batches), `plots`. See
docs/calibration.md. Typical use::

    scenario = load_scenario("scenarios/daraa_2021.toml")
    spec = load_priors("scenarios/priors/daraa_2021.toml", scenario)
    result = run_abc(scenario, spec, draws=4000, replicates=100, seed=1)
    result.summary()                                  # prior vs posterior per parameter
    write_posterior(result, "out/posterior.parquet")
    posterior = load_posterior("out/posterior.parquet", scenario)
    world_params = posterior.draw(20_000, posterior_seed(batch_seed, chunk_index))
"""

from __future__ import annotations

from sim.calibration.abc import CalibrationResult, run_abc
from sim.calibration.posterior import Posterior, load_posterior, posterior_seed, write_posterior
from sim.calibration.priors import (
    CalibrationSpec,
    FactSpec,
    Prior,
    default_priors_path,
    load_priors,
)
from sim.calibration.summaries import FACTS, observe_worlds

__all__ = [
    "FACTS",
    "CalibrationResult",
    "CalibrationSpec",
    "FactSpec",
    "Posterior",
    "Prior",
    "default_priors_path",
    "load_posterior",
    "load_priors",
    "observe_worlds",
    "posterior_seed",
    "run_abc",
    "write_posterior",
]
