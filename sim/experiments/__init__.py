"""The experiment layer: a design makes parameter points, the batch runs them as worlds,
an analysis reads the per-point results.

An experiment is one module in this package that defines ``EXPERIMENT``, an
`Experiment`: its name, a one-line summary, and two functions that are the whole
contract,

* ``design(scenario, **options) -> ParameterDesign``: the parameter points and the
  replicates per point (`sim.batch.design`); the batch engine runs them as worlds of one
  batch, with common random numbers across points and mediators;
* ``analyse(directory) -> object with format_text() and sections()``: reads the batch
  folder (runs.parquet with its `point` and ``design.<key>`` columns, manifest.json)
  and never runs the model.

Modules are found automatically (`experiments`), like the command-line commands, so
adding a design is adding one module. `run_experiment` is the one pipeline:
design -> `run_batch` -> analysis.
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
    from sim.scenario import Scenario


@dataclass(frozen=True)
class Experiment:
    """A kind of experiment: a design maker and the analysis of its batch.

    Attributes:
        name: what the experiment is called (``sweep``, ``sensitivity``, ...).
        summary: one line on what it answers.
        design: ``design(scenario, **options) -> ParameterDesign``.
        analysis: ``"module:function"`` of ``analyse(directory)``, imported when used
            (an analysis pulls in pandas, lifelines and SALib; a design does not).
    """

    name: str
    summary: str
    design: Callable[..., ParameterDesign]
    analysis: str

    def analyse(self, directory: str | Path) -> Any:
        """The analysis of a batch folder this experiment made."""
        from sim.presentation.kinds import resolve

        return resolve(self.analysis)(directory)


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
    out: str | Path,
    design_options: Mapping[str, Any],
    **batch_options: Any,
) -> tuple[ParameterDesign, Any]:
    """Design, run as one batch, analyse: returns the design and the analysis."""
    from sim.batch import run_batch

    experiment = experiments()[name]
    design = experiment.design(scenario, **design_options)
    run_batch(scenario, mediators=mediators, seed=seed, out=out, design=design, **batch_options)
    return design, experiment.analyse(out)


__all__ = ["Experiment", "experiments", "run_experiment"]
