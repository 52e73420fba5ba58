"""Experiment ``calibration``: which actor parameters reproduce what the case showed (ABC).

The design's points are N draws from the priors (`sim.calibration.abc.prior_design`),
each simulated R times with luck of its own (``luck="run"``: the draws' weights are
independent estimates); the evaluator is the in-memory one, observing every world at
the end of the observation window (`sim.calibration.summaries.WindowFacts`), which a
batch folder does not hold; the analysis (`sim.calibration.abc.analyse`) weighs the
draws by the facts their worlds show. `sim.calibration.run_abc` and
``ceasefire calibrate`` run it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.experiments import Experiment

if TYPE_CHECKING:
    from sim.batch.design import ParameterDesign
    from sim.calibration.summaries import WindowFacts
    from sim.scenario import Scenario


def design(scenario: Scenario, **options: Any) -> ParameterDesign:
    """The prior draws as design points (options: spec, draws, replicates, seed)."""
    from sim.calibration.abc import prior_design

    return prior_design(scenario, **options)


def observe(**design_options: Any) -> WindowFacts:
    """The spec's facts of every world at the end of the observation window."""
    from sim.calibration.abc import window_facts

    return window_facts(**design_options)


EXPERIMENT = Experiment(
    name="calibration",
    summary="weigh prior draws of actor parameters by the case's facts (ABC)",
    design=design,
    analysis="sim.calibration.abc:analyse",
    evaluators=("memory",),
    observe=observe,
)
