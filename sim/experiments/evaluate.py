"""The evaluators of a design: the batch engine's folder, or per-point columns in memory.

As in the EMA Workbench, the design (parameter points), the evaluator (what runs them)
and the model (the rules) are separate. A `ParameterDesign` is run either

* by the batch engine (`sim.batch.run_batch`), which writes a results folder: the
  evaluator of designs whose runs are worth keeping and reading again; or
* by `evaluate_in_memory`, which runs the same worlds in this process (or a pool) and
  hands back `PointResults`, the columns an analysis asked for, run by run with their
  `point`: the evaluator of designs whose runs are consumed at once (explain's 2^k
  coalitions x N runs, ABC's prior draws x R worlds), which written out would be
  millions of rows nobody reads again.

Both cut a variant's P x R runs into the same chunks and call the model the same way
(`ParameterDesign.chunk`: the chunk's points as parameter sets, the set each world reads,
its luck), with the batch seed as key, so a design point gives the same runs under
either evaluator (`tests/test_evaluate.py`). Only plain mediators are evaluated in memory
(overlays and per-variant overrides are the batch engine's).

What is kept of a chunk's worlds is the *observer*'s choice: by default the named
outcome columns of `sim.simulate.simulate_worlds`; an experiment may observe something
else of the same worlds (ABC reads them at the end of an observation window).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from sim.batch.design import DESIGN_POINT, DESIGN_PREFIX, ParameterDesign, check_design
from sim.batch.seeding import DEFAULT_CHUNK_SIZE, chunk_bounds

if TYPE_CHECKING:
    from sim.scenario import Scenario

Columns = dict[str, np.ndarray]


class Observer(Protocol):
    """What is kept of one chunk's worlds; called as `sim.simulate.simulate_worlds` is.

    Must be picklable (a module-level function or a dataclass instance) to reach workers.
    """

    def __call__(
        self, scenario: Scenario, mediator: str, n_worlds: int, seed: int, **worlds: Any
    ) -> Columns: ...


@dataclass(frozen=True)
class Outcomes:
    """The default observer: these outcome columns (`sim.outcomes`) of worlds run to the end.

    Attributes:
        columns: the columns to keep (None: all); an explain over 4.9 million worlds
            keeps two of them, not thirty.
    """

    columns: tuple[str, ...] | None = None

    def __call__(
        self, scenario: Scenario, mediator: str, n_worlds: int, seed: int, **worlds: Any
    ) -> Columns:
        from sim.simulate import simulate_worlds

        out = simulate_worlds(scenario, mediator, n_worlds, seed, **worlds)
        return out if self.columns is None else {c: out[c] for c in self.columns}


@dataclass(frozen=True)
class PointResults:
    """Per-run results of a design, by mediator: what an in-memory analysis consumes.

    Attributes:
        design: the design that was run.
        seed: the batch seed it was run under.
        mediators: the mediators, in the order they were run.
        runs: per mediator, ``{column: array over the P x R runs}`` in run order (run r is
            replicate ``r % R`` of point ``r // R``), with the `point` column.
    """

    design: ParameterDesign
    seed: int
    mediators: tuple[str, ...]
    runs: Mapping[str, Columns]

    def column(self, name: str, mediator: str | None = None) -> np.ndarray:
        """One column over all runs of a mediator (the first one by default)."""
        return self.runs[mediator or self.mediators[0]][name]

    def per_point(self, name: str, mediator: str | None = None) -> np.ndarray:
        """One column as a (points, replicates) array: row p holds point p's runs."""
        shape = (self.design.n_points, self.design.replicates)
        return np.asarray(self.column(name, mediator)).reshape(shape)

    @classmethod
    def from_folder(cls, directory: str | Path, columns: Sequence[str]) -> PointResults:
        """The same results read from a batch folder the batch engine wrote for a design."""
        import pandas as pd

        directory = Path(directory)
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        entry = manifest.get("design")
        if not entry:
            raise ValueError(f"{directory} holds no parameter design")
        wanted = ["variant", "run", DESIGN_POINT, *entry["columns"], *columns]
        frame = pd.read_parquet(directory / "runs.parquet", columns=list(dict.fromkeys(wanted)))
        frame = frame.sort_values(["variant", "run"], kind="stable")
        first = frame[frame["run"] % entry["replicates"] == 0].drop_duplicates(DESIGN_POINT)
        values = first.sort_values(DESIGN_POINT)[entry["columns"]].to_numpy(float)
        design = ParameterDesign(
            tuple(c.removeprefix(DESIGN_PREFIX) for c in entry["columns"]),
            values,
            entry["replicates"],
            entry["kind"],
            entry.get("source", ""),
            entry.get("luck", "replicate"),
        )
        labels = [v["label"] for v in manifest["variants"]]
        runs = {}
        for label in labels:
            rows = frame[frame["variant"] == label]
            runs[label] = {c: rows[c].to_numpy() for c in [*columns, DESIGN_POINT]}
        return cls(design, int(manifest["seed"]), tuple(labels), runs)


def evaluate_chunk(
    scenario: Scenario,
    mediator: str,
    seed: int,
    start: int,
    stop: int,
    design: ParameterDesign,
    observe: Observer,
) -> Columns:
    """Runs ``[start, stop)`` of a design under one mediator, as the batch engine runs them
    (`sim.batch.chunk.simulate_chunk`): the unit of work sent to workers."""
    part = design.chunk(start, stop)
    out = observe(
        scenario,
        mediator,
        stop - start,
        seed,
        first_run=start,
        world_params=part.sets,
        psets=part.psets,
        luck=part.luck,
    )
    out[DESIGN_POINT] = part.point
    return out


def evaluate_in_memory(
    scenario: Scenario,
    design: ParameterDesign,
    *,
    mediators: Sequence[str] | None,
    seed: int,
    observe: Observer | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> PointResults:
    """Run every point of `design` R times under each mediator; keep what `observe` keeps.

    Args:
        scenario: the scenario (with the mediators loaded).
        design: the points and replicates.
        mediators: plain mediators to run the design under (default: the scenario's).
        seed: the batch seed (a non-negative integer): the same runs as `run_batch`
            with this seed and design.
        observe: what to keep of each chunk's worlds (default: every outcome column).
        chunk_size: worlds per call of the model; results do not depend on it.
        workers: processes (1: in this process); results do not depend on them.
        progress: optional callable(done_chunks, total_chunks).

    Raises:
        UserError: a design value the scenario cannot take (before any simulation).
    """
    import concurrent.futures as cf

    from sim.batch.executors import open_executor

    if seed < 0:
        raise ValueError("the seed must be a non-negative integer")
    names = [scenario.resolve_mediator(m) for m in mediators or scenario.default_mediators]
    for name in names:
        check_design(design, scenario, name)
    observe = observe or Outcomes()
    bounds = chunk_bounds(design.runs, chunk_size)
    tasks = [(name, start, stop) for name in names for start, stop in bounds]
    parts: list[Columns] = [{}] * len(tasks)
    with open_executor(workers) as (pool, _slots, _description):
        futures = {
            pool.submit(evaluate_chunk, scenario, name, seed, start, stop, design, observe): i
            for i, (name, start, stop) in enumerate(tasks)
        }
        for done, future in enumerate(cf.as_completed(futures), start=1):
            parts[futures[future]] = future.result()
            if progress:
                progress(done, len(tasks))
    runs = {}
    for m, name in enumerate(names):
        mine = parts[m * len(bounds) : (m + 1) * len(bounds)]
        runs[name] = {c: np.concatenate([p[c] for p in mine]) for c in mine[0]}
    return PointResults(design, seed, tuple(names), runs)


__all__ = ["Observer", "Outcomes", "PointResults", "evaluate_chunk", "evaluate_in_memory"]
