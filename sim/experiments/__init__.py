"""The experiment layer: a design makes parameter points, an evaluator runs them as
worlds, an analysis reads the per-point results.

An experiment is one module in this package that defines ``EXPERIMENT``, an
`Experiment`: its name, a one-line summary, and two functions that are the whole
contract,

* ``design(scenario, **options) -> ParameterDesign``: the parameter points and the
  replicates per point (`sim.batch.design`), with common random numbers across points
  and mediators (or independent luck per point, ``luck="run"``);
* ``analyse(results, **options)``: reads the per-point results and never runs the model.

Between them sits the evaluator (`sim.experiments.evaluate`), as in the EMA Workbench:

* ``"batch"``: `sim.batch.run_batch` writes a results folder and the analysis gets its
  path (runs.parquet with `point` and ``design.<key>`` columns, manifest.json): sweep,
  sensitivity, uncertainty;
* ``"memory"``: `evaluate_in_memory` runs the same worlds in process and the analysis
  gets `PointResults` (the columns it needs, run by run, with `point`): explain's
  coalitions and calibration's prior draws, whose runs are used once.

A design point gives the same runs under either evaluator. Modules are found
automatically (`experiments`), like the command-line commands, so adding a design is
adding one module. `run_experiment` is the one pipeline: design -> evaluator -> analysis.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command line imports this package at --help: keep it light
    from sim.batch.design import ParameterDesign
    from sim.experiments.evaluate import Observer, PointResults
    from sim.scenario import Scenario


EVALUATORS = ("batch", "memory")


@dataclass(frozen=True)
class Experiment:
    """A kind of experiment: a design maker, the evaluators it runs on, its analysis.

    Attributes:
        name: what the experiment is called (``sweep``, ``sensitivity``, ...).
        summary: one line on what it answers.
        design: ``design(scenario, **options) -> ParameterDesign``.
        analysis: ``"module:function"`` of ``analyse(results, **options)``, imported when
            used (an analysis pulls in pandas, lifelines and SALib; a design does not).
            `results` is the batch folder's path (evaluator ``"batch"``) or
            `sim.experiments.evaluate.PointResults` (``"memory"``).
        evaluators: the evaluators its analysis can read, the default first.
        observe: for the in-memory evaluator, ``observe(**design options) -> Observer``:
            what to keep of each chunk's worlds (None: every outcome column).
    """

    name: str
    summary: str
    design: Callable[..., ParameterDesign]
    analysis: str
    evaluators: tuple[str, ...] = ("batch",)
    observe: Callable[..., Observer] | None = None

    def __post_init__(self) -> None:
        if not self.evaluators or not set(self.evaluators) <= set(EVALUATORS):
            raise ValueError(f"{self.name}: evaluators must be among {EVALUATORS}")

    def analyse(self, results: str | Path | PointResults, **options: Any) -> Any:
        """The analysis of the results of this experiment's design."""
        from sim.presentation.kinds import resolve

        return resolve(self.analysis)(results, **options)


def experiments() -> dict[str, Experiment]:
    """Every experiment module of this package, by name (found, not listed)."""
    found: dict[str, Experiment] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        experiment = getattr(module, "EXPERIMENT", None)
        if isinstance(experiment, Experiment):
            found[experiment.name] = experiment
    return found


def run_experiment(
    name: str,
    scenario: Scenario,
    *,
    mediators: Sequence[str] | None,
    seed: int,
    design_options: Mapping[str, Any],
    analysis_options: Mapping[str, Any] | None = None,
    evaluator: str | None = None,
    out: str | Path | None = None,
    **evaluator_options: Any,
) -> tuple[ParameterDesign, Any]:
    """Design, evaluate, analyse: returns the design and the analysis.

    Args:
        name: the experiment (`experiments`).
        scenario: the loaded scenario, with the mediators loaded.
        mediators: the mediators every point is run under (default: the scenario's).
        seed: the batch seed.
        design_options: keyword arguments of the experiment's design.
        analysis_options: keyword arguments of its analysis.
        evaluator: ``"batch"`` or ``"memory"`` (default: the experiment's first).
        out: the batch folder (evaluator ``"batch"`` only).
        evaluator_options: passed to `sim.batch.run_batch` or
            `sim.experiments.evaluate.evaluate_in_memory`.
    """
    experiment = experiments()[name]
    evaluator = evaluator or experiment.evaluators[0]
    if evaluator not in experiment.evaluators:
        raise ValueError(f"{name} runs on {', '.join(experiment.evaluators)}, not {evaluator}")
    design = experiment.design(scenario, **design_options)
    if evaluator == "batch":
        from sim.batch import run_batch

        if out is None:
            raise ValueError("the batch evaluator needs a folder (out)")
        run_batch(
            scenario, mediators=mediators, seed=seed, out=out, design=design, **evaluator_options
        )
        results: Any = out
    else:
        from sim.experiments.evaluate import evaluate_in_memory

        observe = experiment.observe(**design_options) if experiment.observe else None
        results = evaluate_in_memory(
            scenario, design, mediators=mediators, seed=seed, observe=observe, **evaluator_options
        )
    return design, experiment.analyse(results, **(analysis_options or {}))


__all__ = ["EVALUATORS", "Experiment", "experiments", "run_experiment"]
