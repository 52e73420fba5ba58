"""Answers under parameter uncertainty: the mediators compared over many parameter draws.

The headline comparison (`ceasefire study`) is made at the scenario's values. Here the
uncertain parameters are drawn (from a calibrated posterior, or uniformly within ranges
the user declares), each draw is simulated `replicates` times under every mediator with
the same luck (`sim.batch.design`), and the analysis (`sim.experiments.uncertainty_analysis`)
gives the difference between the mediators as a distribution over parameters as well as
over runs: the probability that the second mediator does better, an interval that
integrates both sources, and the parameters on which the sign depends.

Precision: with D draws and R runs per draw, the probability is estimated to about
``sqrt(0.25 / D)`` (0.035 at the default D = 200) and each draw's paired difference in
two-week survival to about ``sqrt(v / R)``, v the per-run variance of the paired
difference (at most 1; about 0.3-0.5 in the Daraa scenario, so 4-5 points at the default
R = 200). The analysis prints the precision it reached, and how much of the spread
between draws is run-to-run noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import UserError
from sim.experiments import Experiment

if TYPE_CHECKING:  # imported inside the functions: the command line reads the defaults
    from sim.batch.design import ParameterDesign
    from sim.scenario import Scenario

DEFAULT_DRAWS = 200
DEFAULT_RUNS_PER_DRAW = 200
KIND = "uncertainty"


def parse_range(text: str, scenario: Scenario) -> tuple[str, float, float]:
    """``KEY=LOW:HIGH`` from ``--vary``, checked against the parameter's declared range."""
    from sim.experiments.sensitivity_params import parse_param

    param = parse_param(text, scenario, option="--vary")
    return param.key, param.low, param.high


def ranges_design(
    scenario: Scenario,
    ranges: Sequence[str],
    *,
    draws: int = DEFAULT_DRAWS,
    replicates: int = DEFAULT_RUNS_PER_DRAW,
    seed: int = 0,
) -> ParameterDesign:
    """`draws` points spread uniformly over the declared ranges (Latin hypercube, seeded)."""
    import numpy as np
    from scipy.stats import qmc

    from sim.batch.design import ParameterDesign

    _check_sizes(draws, replicates)
    parsed = [parse_range(text, scenario) for text in ranges]
    if not parsed:
        raise UserError("--vary: expected at least one KEY=LOW:HIGH")
    keys = [k for k, _, _ in parsed]
    if len(set(keys)) != len(keys):
        raise UserError(f"--vary: each parameter once, got {keys}")
    # Latin hypercube: every parameter's range is covered evenly at any number of draws.
    sampler = qmc.LatinHypercube(len(parsed), seed=np.random.default_rng([seed, 7]))
    unit = sampler.random(draws)
    low = np.array([lo for _, lo, _ in parsed])
    high = np.array([hi for _, _, hi in parsed])
    values = qmc.scale(unit, low, high)
    for j, key in enumerate(keys):  # integer parameters take whole values
        if scenario.params().get(key) is not None and scenario.params()[key].kind == "int":
            values[:, j] = np.round(values[:, j])
    source = "uniform over declared ranges " + ", ".join(
        f"{k}={lo:g}:{hi:g}" for k, lo, hi in parsed
    )
    return ParameterDesign(tuple(keys), values, replicates, KIND, source)


def posterior_design(
    scenario: Scenario,
    posterior: str | Path,
    *,
    draws: int = DEFAULT_DRAWS,
    replicates: int = DEFAULT_RUNS_PER_DRAW,
    seed: int = 0,
) -> ParameterDesign:
    """`draws` parameter sets resampled from a calibrated posterior (by weight, seeded)."""
    import numpy as np

    from sim.batch.design import ParameterDesign
    from sim.batch.posterior import load_posterior

    _check_sizes(draws, replicates)
    drawn = load_posterior(posterior, scenario).draw(draws, np.random.SeedSequence([seed, 8]))
    keys = tuple(drawn)
    values = np.column_stack([np.asarray(drawn[k], float) for k in keys])
    return ParameterDesign(keys, values, replicates, KIND, f"draws from the posterior {posterior}")


def design(
    scenario: Scenario,
    *,
    ranges: Sequence[str] = (),
    posterior: str | Path | None = None,
    draws: int = DEFAULT_DRAWS,
    replicates: int = DEFAULT_RUNS_PER_DRAW,
    seed: int = 0,
) -> ParameterDesign:
    """The design of an uncertainty analysis: from a posterior, or from declared ranges."""
    if (posterior is None) == (not ranges):
        raise UserError("expected either --uncertainty-posterior FILE or --vary KEY=LOW:HIGH")
    if posterior is not None:
        return posterior_design(scenario, posterior, draws=draws, replicates=replicates, seed=seed)
    return ranges_design(scenario, ranges, draws=draws, replicates=replicates, seed=seed)


def _check_sizes(draws: int, replicates: int) -> None:
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 10:
        raise UserError(f"--draws: expected an integer >= 10, got {draws!r}")
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 10:
        raise UserError(f"--runs-per-draw: expected an integer >= 10, got {replicates!r}")


EXPERIMENT = Experiment(
    name=KIND,
    summary="the mediators compared over parameter draws (posterior or declared ranges)",
    design=design,
    analysis="sim.experiments.uncertainty_analysis:analyse_uncertainty",
)
