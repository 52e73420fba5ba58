"""Pieces of `bench_batch.py`: each measures one thing and returns plain numbers.

Kept apart from the printing so that worker processes (which import this module by name)
load only what they need.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHUNK = 50_000  # the engine's default chunk size (sim.batch.seeding.DEFAULT_CHUNK_SIZE)


# ----------------------------------------------------------------------- the model alone


def model_chunk(
    scenario: Any,
    mediator: str,
    start: int,
    stop: int,
    world_params: Mapping[str, np.ndarray] | None = None,
    n_sets: int = 0,
) -> tuple[int, int]:
    """Simulate runs [start, stop) with `simulate_worlds_counted`; return (runs, world-steps).

    With `world_params` (n_sets sets), run i reads set i // replicates, i.e. the design
    is set-major: each set's replicates are consecutive runs.
    """
    from sim.model import simulate_worlds_counted

    psets = None
    if world_params is not None:
        runs = np.arange(start, stop, dtype=np.int64)
        psets = runs % n_sets  # replicate r of set g is run r * n_sets + g
    _, steps = simulate_worlds_counted(
        scenario, mediator, stop - start, 1, first_run=start, world_params=world_params, psets=psets
    )
    return stop - start, steps


@dataclass
class ModelRate:
    runs: int
    world_steps: int
    wall_s: float
    cpu_s: float

    @property
    def runs_per_s(self) -> float:
        return self.runs / self.wall_s

    @property
    def ns_per_step(self) -> float:
        """Wall ns per world-step per worker (CPU time when it is one worker in-process)."""
        return self.cpu_s / self.world_steps * 1e9


def _chunks(mediators: Sequence[str], runs: int) -> Iterator[tuple[str, int, int]]:
    for start in range(0, runs, CHUNK):
        for mediator in mediators:
            yield mediator, start, min(start + CHUNK, runs)


def model_rate(
    scenario: Any,
    mediators: Sequence[str],
    runs: int,
    workers: int,
    world_params: Mapping[str, np.ndarray] | None = None,
    n_sets: int = 0,
) -> ModelRate:
    """Runs per second of the compiled model alone (no tables, no disk), `runs` per mediator.

    One worker runs in this process; more use a process pool (forkserver, as the engine).
    `cpu_s` is this process's CPU time for one worker, wall time x workers otherwise.
    """
    model_chunk(scenario, mediators[0], 0, 10, world_params, n_sets)  # load compiled code
    tasks = list(_chunks(mediators, runs))
    if workers == 1:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        done = [model_chunk(scenario, m, a, b, world_params, n_sets) for m, a, b in tasks]
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    else:
        context = multiprocessing.get_context("forkserver")
        with cf.ProcessPoolExecutor(workers, mp_context=context) as pool:
            # Warm every worker (imports, compiled code from the cache) before timing.
            warm = [pool.submit(model_chunk, scenario, mediators[0], 0, 10) for _ in range(workers)]
            [f.result() for f in warm]
            wall0 = time.perf_counter()
            futures = [
                pool.submit(model_chunk, scenario, m, a, b, world_params, n_sets)
                for m, a, b in tasks
            ]
            done = [f.result() for f in futures]
            wall = time.perf_counter() - wall0
        cpu = wall * workers
    return ModelRate(sum(r for r, _ in done), sum(s for _, s in done), wall, cpu)


# ----------------------------------------------------------------------- the Mesa floor


def bare_mesa_rate(runs: int, steps: int = 336, agents: int = 4) -> float:
    """Runs per second of `mesa.batch_run` on the least a per-run Mesa model can be:
    `agents` agents whose step does nothing, stepped `steps` times, one process.

    Any Mesa model with one run per model pays at least this (model and agent creation,
    the scheduler's calls, batch_run's bookkeeping); `steps` is the default scenario's
    horizon in steps (336 h at 1 h)."""
    import mesa

    class Idle(mesa.Agent):
        def step(self) -> None:
            pass

    class Bare(mesa.Model):
        def __init__(self, seed: int | None = None) -> None:
            super().__init__(seed=seed)
            Idle.create_agents(self, agents)
            self.datacollector = mesa.DataCollector(model_reporters={"steps": "steps"})

        def step(self) -> None:
            self.agents.shuffle_do("step")
            self.datacollector.collect(self)
            if self.steps >= steps:
                self.running = False

    start = time.perf_counter()
    results = mesa.batch_run(
        Bare,
        parameters={},
        iterations=runs,
        max_steps=steps,
        number_processes=1,
        display_progress=False,
    )
    return len(results) / (time.perf_counter() - start)


def ceasefire_mesa_rate(scenario: Any, mediators: Sequence[str], runs: int) -> float:
    """Runs per second of `mesa.batch_run` on `CeasefireModel` at n_worlds=1, one process
    (the scenario is passed in already loaded: Mesa is not charged for parsing files)."""
    import mesa

    from sim.model import CeasefireModel

    iterations = max(1, runs // len(mediators))
    start = time.perf_counter()
    results = mesa.batch_run(
        CeasefireModel,
        parameters={"scenario": [scenario], "mediator": list(mediators)},
        iterations=iterations,
        max_steps=scenario.n_steps + 1,
        number_processes=1,
        display_progress=False,
    )
    return len(results) / (time.perf_counter() - start)


# ----------------------------------------------------------------------- run_batch


@dataclass
class BatchTiming:
    runs: int
    wall_s: float
    parts: dict[str, float]  # seconds in the model, table building, chunk writing, assembly


@contextlib.contextmanager
def timed_engine() -> Iterator[dict[str, float]]:
    """Time the model, the outcome tables, chunk writing and assembly inside `run_batch`
    (in this process: the parent's writing and assembly, and the model when workers=1)."""
    import sim.batch.chunk as engine  # where the chunk tables are made
    import sim.simulate as model  # where workers run the worlds (no Mesa)
    from sim.batch.store import BatchStore

    parts = {"model": 0.0, "tables": 0.0, "write chunks": 0.0, "assemble": 0.0}

    def timer(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[name] += time.perf_counter() - t

        return wrapped

    saved = (model.simulate_worlds, engine.outcomes_table, BatchStore.write_chunk)
    saved_assemble = BatchStore.assemble
    # the engine simulates a chunk with simulate_with_spells (campaigns), others with
    # simulate_worlds: time both as the model
    saved_spells = model.simulate_with_spells
    model.simulate_with_spells = timer("model", saved_spells)
    model.simulate_worlds = timer("model", saved[0])
    engine.outcomes_table = timer("tables", saved[1])
    BatchStore.write_chunk = timer("write chunks", saved[2])
    BatchStore.assemble = timer("assemble", saved_assemble)
    try:
        yield parts
    finally:
        model.simulate_worlds, engine.outcomes_table, BatchStore.write_chunk = saved
        model.simulate_with_spells = saved_spells
        BatchStore.assemble = saved_assemble


def batch_rate(mediators: Sequence[str], runs: int, workers: int) -> BatchTiming:
    """`sim.run_batch` into a temporary folder, `runs` per mediator, timed by part."""
    import sim

    with tempfile.TemporaryDirectory() as tmp, timed_engine() as parts:
        start = time.perf_counter()
        result = sim.run_batch(
            mediators=list(mediators),
            runs=runs,
            seed=1,
            out=Path(tmp) / "batch",
            workers=workers,
            progress=False,
        )
        wall = time.perf_counter() - start
    return BatchTiming(result.n_runs, wall, dict(parts))


# ----------------------------------------------------------------------- a batch as a user runs it


@dataclass
class LargeRun:
    runs: int
    wall_s: float
    peak_gb: float
    parts: dict[str, float]  # the CLI process's own writing and assembly


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    import psutil

    total = 0
    with contextlib.suppress(psutil.Error):
        parent = psutil.Process(pid)
        for proc in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # it may just have exited
                total += proc.memory_info().rss
    return total


def large_run(mediators: Sequence[str], runs: int, workers: int, dask: bool = False) -> LargeRun:
    """`ceasefire batch` in a child process (through `timed_cli.py`, which only adds timers),
    with the resident memory of its whole process tree sampled every 50 ms."""
    with tempfile.TemporaryDirectory() as tmp:
        timings = Path(tmp) / "timings.json"
        command = [
            sys.executable,
            str(HERE / "timed_cli.py"),
            str(timings),
            "batch",
            *(arg for m in mediators for arg in ("--mediator", m)),
            *("--runs", str(runs), "--seed", "1", "--workers", str(workers)),
            *(("--dask", "local") if dask else ()),
            *("--out", str(Path(tmp) / "batch"), "--quiet"),
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        peak = 0
        done = threading.Event()
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env)

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(process.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status = process.wait()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        if status != 0:
            raise SystemExit(f"ceasefire batch failed with status {status}: {command}")
        parts = json.loads(timings.read_text())
    return LargeRun(runs * len(mediators), wall, peak / 1e9, parts)


# ----------------------------------------------------------------------- per-world parameters


def world_design(scenario: Any, n_sets: int, spread: float = 0.2, seed: int = 1) -> dict:
    """A scrambled Sobol design over every numeric parameter of the scenario and of its
    mediators (`mediator.<param>`): each within +-`spread` of its value, clipped to its
    declared range, integers rounded; booleans kept at their value, per world all the same.
    `time.*` keys are left out: they set the number of steps, fixed for a batch."""
    from scipy.stats import qmc

    from sim.rules import layout
    from sim.schema import mediator_params

    declared = scenario.params()
    base = {k: (declared[k], float(v)) for k, v in scenario.values.items() if k in declared}
    first = scenario.mediator(scenario.default_mediators[0]).values
    for name, param in mediator_params(scenario.party_keys).items():
        if name in first:
            base[f"mediator.{name}"] = (param, float(first[name]))
    keys = [k for k in base if k not in layout.FIXED_KEYS and not k.startswith("time.")]
    numeric = [k for k in keys if base[k][0].kind != "bool" and np.isfinite(base[k][1])]
    points = qmc.Sobol(len(numeric), seed=seed).random_base2(int(np.ceil(np.log2(n_sets))))
    points = points[:n_sets]
    design: dict[str, np.ndarray] = {}
    for column, key in enumerate(numeric):
        param, value = base[key]
        width = spread * abs(value) if value else spread
        values = value - width + 2 * width * points[:, column]
        low = -np.inf if param.low is None else param.low
        high = np.inf if param.high is None else param.high
        values = np.clip(values, low, high)
        design[key] = np.round(values) if param.kind == "int" else values
    for key in keys:
        if key not in design:
            design[key] = np.full(n_sets, base[key][1])
    return design


# ----------------------------------------------------------------------- six parties


def six_party_case(folder: Path) -> Path:
    """Copy scenarios/cases/daraa_2018 (4 parties) into `folder` with two more parties:
    `militia2` (government side, a copy of `militia`) and `hardliners2` (opposition, a copy
    of `hardliners`), and the mediator files given the same two keys. Returns the file."""
    source = ROOT / "scenarios" / "cases" / "daraa_2018"
    target = folder / "daraa_2018_six"
    shutil.copytree(source, target)
    path = target / "daraa_2018.toml"
    text = path.read_text()
    for party in ("militia", "hardliners"):
        block = re.search(rf"^\[actors\.{party}\]\n.*?(?=^\[)", text, re.S | re.M)
        assert block, party
        copy = block.group(0).replace(f"[actors.{party}]", f"[actors.{party}2]", 1)
        text = text.replace("[terms.", copy + "[terms.", 1)
    path.write_text(text)
    for mediator in (target / "mediators").glob("*.toml"):
        lines = []
        for line in mediator.read_text().splitlines():
            lines.append(line)
            match = re.match(r"^(militia|hardliners)(\s*=.*)$", line)
            if match:
                lines.append(f"{match.group(1)}2{match.group(2)}")
        mediator.write_text("\n".join(lines) + "\n")
    return path


def scenario_value(scenario: Any, key: str) -> float:
    """The scenario's value of a `world_design` key (`mediator.<param>`: the first mediator)."""
    if key.startswith("mediator."):
        mediator = scenario.mediator(scenario.default_mediators[0])
        return float(mediator.values[key.removeprefix("mediator.")])
    return float(scenario.values[key])
