"""Experiment ``explain``: why mediator B does better or worse than A, by Shapley values.

The design's points are the 2^k coalitions of the k parameter groups on which the two
mediators differ (`sim.explain.decompose.coalition_design`), each run N times under A
with common random numbers; the analysis (`sim.explain.decompose.analyse`) splits B - A
over the groups. It runs in memory by default: 8,192 coalitions x 600 runs would be
4.9 million rows of runs.parquet that nobody reads again; given a batch folder the same
analysis reads it instead. `sim.explain.decompose.decompose` and ``ceasefire explain``
run it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.experiments import Experiment

if TYPE_CHECKING:
    from sim.batch.design import ParameterDesign
    from sim.experiments.evaluate import Outcomes
    from sim.scenario import Scenario


def design(scenario: Scenario, **options: Any) -> ParameterDesign:
    """The coalitions as design points (options: mediator_a, mediator_b, runs, table)."""
    from sim.explain.decompose import coalition_design

    return coalition_design(scenario, **options)


def observe(**_design_options: Any) -> Outcomes:
    """Keep the two outcome columns the decomposition reads, of every world."""
    from sim.experiments.evaluate import Outcomes
    from sim.explain.decompose import OUTCOMES

    return Outcomes(OUTCOMES)


EXPERIMENT = Experiment(
    name="explain",
    summary="split the difference between two mediators over parameter groups (Shapley)",
    design=design,
    analysis="sim.explain.decompose:analyse",
    evaluators=("memory", "batch"),
    observe=observe,
)
