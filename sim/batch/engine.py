"""`run_batch`: many runs of many variants, chunked, seeded, parallel and resumable.

The engine plans the work in the parent (every variant loaded and validated,
every chunk's seed fixed), then hands chunks to any `concurrent.futures.Executor`
(in-process, a process pool, or a Dask client's executor), writes each chunk to
disk as soon as it finishes and finally assembles ``runs.parquet``. See
docs/batch.md for the user's view and `sim.batch.seeding` for the seeding rule.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.batch import limits
from sim.batch.design import DESIGN_POINT, ParameterDesign, check_design
from sim.batch.record import ChunkRecord, fingerprint, results_folder
from sim.batch.seeding import DEFAULT_CHUNK_SIZE
from sim.batch.store import (
    BatchStore,
    ChunkId,
    ChunkMismatch,
    outcomes_table,
    runs_schema,
    spells_table,
)
from sim.batch.variants import (
    VariantSpec,
    parameter_value,
    plan_specs,
    with_everything_for,
)
from sim.errors import UserError
from sim.results.writer import OutputError, sha256_file
from sim.scenario import DEFAULT_SCENARIO, Scenario, load_scenario

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from sim.calibration import Posterior

_DASK_ADDRESS = re.compile(
    r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):"
    r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
)
DASK_CONNECT_TIMEOUT_S = 5.0
"""How long `--dask ADDRESS` waits for the scheduler before giving up (exit 2)."""

_VERSIONED = ("ceasefire-sim", "numpy", "mesa", "pyarrow", "pandas", "dask", "distributed", "tqdm")


POSTERIOR_PREFIX = "posterior."
"""Prefix of the runs.parquet columns that hold parameters drawn from a posterior."""


class BatchFailed(RuntimeError):
    """A chunk failed (a worker died, a cluster went away): finished chunks are kept.

    The message says how to resume.
    """


# --------------------------------------------------------------------------- the unit of work


def simulate_chunk(
    scenario: Scenario,
    mediator: str,
    batch_seed: int,
    index: int,
    start: int,
    stop: int,
    posterior: Posterior | None = None,
    design: ParameterDesign | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Simulate runs ``[start, stop)`` of one variant: chunk `index` of the batch.

    This is what workers execute. Its result depends on its arguments only: each run's
    random numbers are keyed by the batch seed and the run's index (`sim.rules.rng`),
    whoever runs it and however the runs are split into chunks. With a posterior, each
    run's parameters are drawn from it with a stream of its own per chunk
    (`posterior_seed`), the same for every variant, so paired runs share them. With a
    design, run r simulates point ``r // R`` with the luck of replicate ``r % R``
    (`sim.batch.design`).

    Returns:
        The chunk's outcomes as an Arrow table (columns: `sim.outcomes`), plus one
        `posterior.<key>` column per drawn parameter; and its truces, one row each
        (`sim.outcomes.spell_columns`).
    """
    from sim.model import simulate_with_spells
    from sim.outcomes import scenario_columns, spell_columns

    world_params = None
    drawn = None
    psets = luck = None
    if design is not None:  # the chunk's points as parameter sets, luck keyed by replicate
        part = design.chunk(start, stop)
        world_params, psets, luck = part.sets, part.psets, part.luck
        drawn = part.columns(design)
    elif posterior is not None:
        from sim.calibration import posterior_seed

        world_params = posterior.draw(stop - start, posterior_seed(batch_seed, index))
        drawn = {f"{POSTERIOR_PREFIX}{k}": v for k, v in world_params.items()}
    outcomes, spells = simulate_with_spells(
        scenario,
        mediator,
        stop - start,
        batch_seed,
        first_run=start,
        world_params=world_params,
        psets=psets,
        luck=luck,
    )
    return (
        outcomes_table(outcomes, scenario_columns(scenario), start, drawn),
        spells_table(spells, spell_columns(scenario.party_keys)),
    )


# --------------------------------------------------------------------------- executors


class InlineExecutor(cf.Executor):
    """Runs each task in the calling process, at submit: the ``workers=1`` executor.

    No pool, no pickling: the simplest way to run a batch and the reference the
    parallel executors must match.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # reported through the future, like a pool would
            future.set_exception(error)
        return future


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def connect_dask(address: str, *, timeout: float | None = None) -> Any:
    """A `dask.distributed.Client` for `address`, or a UserError if it cannot be reached.

    Args:
        address: the scheduler's address, e.g. ``tcp://10.0.0.5:8786``.
        timeout: seconds to wait (default: `DASK_CONNECT_TIMEOUT_S`).
    """
    timeout = DASK_CONNECT_TIMEOUT_S if timeout is None else timeout
    # Checked here, not by Client: a Client made with a malformed address fails half-built
    # and its __del__ then stalls 10 s and prints a traceback at exit.
    if not _DASK_ADDRESS.fullmatch(address):
        raise UserError(
            f"--dask: expected a scheduler address such as tcp://host:8786 (scheme tcp, tls, "
            f"ws or wss, a host and a port), or 'local', got {address!r}"
        )
    try:
        from dask.distributed import Client
    except ImportError:
        raise UserError("--dask needs dask.distributed: pip install 'dask[distributed]'") from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise UserError(
            f"cannot reach the Dask scheduler at '{address}' within {timeout:g} s "
            f"({type(error).__name__}: {error}); expected a running scheduler address such "
            "as tcp://host:8786, or 'local'"
        ) from None


@contextmanager
def open_executor(workers: int, dask: str | None = None) -> Iterator[tuple[cf.Executor, int, str]]:
    """The executor the options ask for, with its number of parallel slots and a description.

    Args:
        workers: local worker processes (1: run in this process, no pool); with
            ``dask="local"``, the number of LocalCluster workers.
        dask: None (local processes), ``"local"`` (start a LocalCluster on 127.0.0.1)
            or a scheduler address (``tcp://host:port``).

    Raises:
        UserError: if the Dask scheduler cannot be reached (before anything is written).
    """
    if dask is None:
        if workers == 1:
            yield InlineExecutor(), 1, "in-process"
            return
        import multiprocessing

        # forkserver: workers start from a clean process, not a copy of a parent that may
        # hold threads (a progress bar, a Dask client) -- fork with threads can deadlock.
        # As with any multiprocessing code, a script calling run_batch must do so under
        # `if __name__ == "__main__":` (the workers import the main module).
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            # Workers fork from a server that has already imported the model: fast start.
            context.set_forkserver_preload(["sim.batch.engine", "sim.model"])
        else:
            context = multiprocessing.get_context()
        from sim.batch.watchdog import init_worker, start_time

        pool = cf.ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=init_worker,
            initargs=(os.getpid(), start_time(os.getpid())),
        )
        try:
            yield pool, workers, f"process pool ({workers} workers)"
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if dask == "local":
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            processes=True,
        )
        client = Client(cluster, set_as_default=False)
        try:
            yield client.get_executor(), workers, f"dask LocalCluster ({workers} workers)"
        finally:
            client.close()
            cluster.close()
        return
    client = connect_dask(dask)
    try:
        slots = max(1, sum(client.nthreads().values()))
        with _quiet_dask_logs():
            yield client.get_executor(), slots, f"dask {dask} ({slots} threads)"
    finally:
        with _quiet_dask_logs():
            client.close(timeout=DASK_CONNECT_TIMEOUT_S)


@contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    """Keep distributed's logged tracebacks (a scheduler that went away, reconnect attempts)
    off the terminal: the batch ends with one line that says how to resume."""
    import logging

    # distributed's configuration gives some child loggers levels of their own.
    names = ["distributed"] + [
        name for name in logging.root.manager.loggerDict if name.startswith("distributed.")
    ]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Variant:
    spec: VariantSpec
    scenario: Scenario
    mediator: str  # who actually starts (an overlay may replace the requested mediator)


@dataclass(frozen=True)
class _Task:
    variant: _Variant
    index: int
    start: int
    stop: int
    fingerprint: str = ""

    @property
    def rows(self) -> int:
        return self.stop - self.start

    @property
    def chunk_id(self) -> ChunkId:
        return ChunkId(self.fingerprint, self.variant.spec.label, self.index, self.start, self.rows)


@dataclass
class BatchResult:
    """What `run_batch` returns: where the results are and what made them.

    The runs table is not held in memory (a batch may hold millions of rows);
    `frame` reads it on demand.

    Attributes:
        path: the batch folder.
        manifest: the final manifest (as written to ``manifest.json``).
        chunks_run: chunks simulated by this call (fewer than all on resume).
        runs_run: runs simulated by this call.
        elapsed_s: wall time of this call, seconds.
    """

    path: Path
    manifest: dict[str, Any]
    chunks_run: int
    runs_run: int
    elapsed_s: float
    _frame: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def runs_path(self) -> Path:
        """``DIR/runs.parquet``."""
        return self.path / "runs.parquet"

    @property
    def n_runs(self) -> int:
        """Rows in runs.parquet (runs of every variant)."""
        return int(self.manifest["runs_total"])

    @property
    def frame(self) -> pd.DataFrame:
        """The runs table as a pandas DataFrame (read once, then cached)."""
        if self._frame is None:
            import pandas as pd

            self._frame = pd.read_parquet(self.runs_path)
        return self._frame

    def to_pandas(self) -> pd.DataFrame:
        """Same as `frame`."""
        return self.frame


def _versions() -> dict[str, str]:
    from importlib import metadata

    import sim

    versions = {"sim": sim.__version__, "python": sys.version.split()[0]}
    for name in _VERSIONED:
        with suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _source_entry(source: Any) -> dict[str, str]:
    return {"path": source.path, "sha256": source.sha256, "text": source.text}


def _plan_variants(
    scenario: Scenario,
    mediators: Sequence[str] | None,
    variants: Sequence[str | Sequence[str] | VariantSpec],
    overrides: Mapping[str, Any],
) -> tuple[Scenario, list[_Variant]]:
    """Build and validate every variant before any work starts (from the loaded scenario)."""
    specs = plan_specs(scenario, mediators, variants)
    scenario = with_everything_for(scenario, specs)
    # Batch-wide overrides are validated once against every mediator the batch names,
    # so that an error names the override rather than one variant.
    base = scenario.variant((), overrides)
    planned = []
    labels: dict[str, VariantSpec] = {}
    for spec in specs:
        if spec.label in labels:
            raise UserError(f"two variants share the label '{spec.label}'")
        labels[spec.label] = spec
        built = spec.build(scenario, overrides)
        planned.append(_Variant(spec, built, built.resolve_mediator(spec.mediator)))
        if planned[-1].mediator not in built.mediators:
            built.mediator(planned[-1].mediator)  # raises the UserError naming it
    return base, planned


def _override_keys(global_keys: Sequence[str], planned: Sequence[_Variant]) -> list[str]:
    keys = list(global_keys)
    for variant in planned:
        keys.extend(k for k in variant.scenario.overrides if k not in keys)
    return keys


def _manifest(
    *,
    scenario_path: Path,
    base: Scenario,
    planned: Sequence[_Variant],
    overrides: Mapping[str, Any],
    seed: int,
    runs: int,
    chunk_size: int,
    n_chunks: int,
    command: str,
) -> dict[str, Any]:
    mediator_files: dict[str, dict[str, str]] = {}
    variant_files: dict[str, dict[str, str]] = {}
    for variant in planned:
        for name, mediator in sorted(variant.scenario.mediators.items()):
            if mediator.source is not None:
                mediator_files.setdefault(name, _source_entry(mediator.source))
        for source in variant.scenario.variants:
            variant_files.setdefault(Path(source.path).stem, _source_entry(source))
    return {
        "kind": "batch",
        "scenario": {
            "path": str(scenario_path),
            "name": base.name,
            "sha256": base.source.sha256,
            "text": base.source.text,
        },
        "mediators": mediator_files,
        "variant_files": variant_files,
        "variants": [{**v.spec.as_dict(), "starts_with": v.mediator} for v in planned],
        "overrides": dict(base.overrides),
        "seed": seed,
        "runs_per_variant": runs,
        "chunk_size": chunk_size,
        "n_chunks": n_chunks,
        "runs_total": runs * len(planned),
        "horizon_h": base.horizon_h,
        "parties": [
            {"key": p.key, "label": p.label, "side": p.side, "signatory": p.signatory}
            for p in base.parties
        ],
        "terms": [
            {"key": t.key, "label": t.label, "controller": t.controller, "delivery": t.delivery}
            for t in base.terms
        ],
        "seeding": (
            "run i of every variant: counter-based draws keyed by "
            "SeedSequence(seed).generate_state(2) and i (sim.rules.rng); "
            "posterior draws: chunk k of every variant, SeedSequence(seed, spawn_key=(k, 1))"
        ),
        "versions": _versions(),
        "command": command,
        "started": _now(),
        "finished": None,
        "complete": False,
    }


# What must match for --resume to continue a batch: everything that decides the results.
_RESUME_KEYS = ("variants", "overrides", "seed", "runs_per_variant", "chunk_size", "seeding")


def _check_resumable(old: Mapping[str, Any], new: Mapping[str, Any], out: Path) -> None:
    def hashes(manifest: Mapping[str, Any], key: str) -> dict[str, str]:
        return {name: entry.get("sha256") for name, entry in manifest.get(key, {}).items()}

    differences = []
    if old.get("kind") != "batch":
        differences.append("it is not a batch manifest")
    if old.get("scenario", {}).get("sha256") != new["scenario"]["sha256"]:
        differences.append("the scenario file changed")
    if hashes(old, "mediators") != hashes(new, "mediators"):
        differences.append("the mediator files changed")
    if hashes(old, "variant_files") != hashes(new, "variant_files"):
        differences.append("the variant files changed")
    for key in _RESUME_KEYS:
        if old.get(key) != new[key]:
            differences.append(f"{key} was {old.get(key)!r}, now {new[key]!r}")
    if (old.get("posterior") or {}).get("sha256") != (new.get("posterior") or {}).get("sha256"):
        differences.append("the posterior file changed")
    if (old.get("design") or {}).get("sha256") != (new.get("design") or {}).get("sha256"):
        differences.append("the parameter design changed")
    if old.get("versions", {}).get("sim") != new["versions"]["sim"]:
        differences.append(
            f"sim version was {old.get('versions', {}).get('sim')}, now {new['versions']['sim']}"
        )
    if differences:
        raise UserError(
            "cannot resume: this batch was started with other settings ("
            + "; ".join(differences)
            + "); resume with the original command, or start a new batch in an empty folder",
            file=str(out / "manifest.json"),
        )


def _posterior_entry(path: str | Path | None, posterior: Posterior | None) -> dict | None:
    """The manifest's record of the posterior runs drew their parameters from."""
    if path is None or posterior is None:
        return None
    import hashlib

    return {
        "path": str(path),
        "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        "keys": posterior.keys,
        "draws": len(posterior.samples),
        "columns": [f"{POSTERIOR_PREFIX}{k}" for k in posterior.keys],
    }


def _constant_columns(
    variant: _Variant, override_keys: Sequence[str]
) -> Callable[[pa.Table], pa.Table]:
    values = {
        key: parameter_value(variant.scenario, key, variant.mediator) for key in override_keys
    }
    label, mediator, horizon = variant.spec.label, variant.mediator, variant.scenario.horizon_h

    def complete(chunk: pa.Table) -> pa.Table:
        import pyarrow as pa

        n = chunk.num_rows
        table = chunk.append_column("variant", pa.array([label] * n, pa.string()))
        table = table.append_column("mediator", pa.array([mediator] * n, pa.string()))
        table = table.append_column("horizon_h", pa.array([horizon] * n, pa.float64()))
        for key, value in values.items():
            table = table.append_column(key, pa.array([value] * n, pa.float64()))
        return table

    return complete


def _runs_of(runs: int | None, design: ParameterDesign | None, posterior: Any) -> int:
    """Runs per variant: as given, or a design's points x replicates."""
    if design is None:
        if runs is None:
            raise UserError("--runs: expected the number of runs per variant")
        return runs
    if posterior is not None:
        raise UserError("give either a posterior or a parameter design, not both")
    if runs is not None and runs != design.runs:
        raise UserError(
            f"--runs: a design of {design.n_points} points x {design.replicates} replicates "
            f"has {design.runs} runs per variant, not {runs}"
        )
    return design.runs


def _describe_call(**kwargs: Any) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"sim.run_batch({args})"


# --------------------------------------------------------------------------- run_batch


def run_batch(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    *,
    mediators: Sequence[str] | None = None,
    variants: Sequence[str | Sequence[str] | VariantSpec] = (),
    overrides: Mapping[str, Any] | None = None,
    runs: int | None = None,
    seed: int,
    out: str | Path,
    chunk_size: int | None = None,
    executor: cf.Executor | None = None,
    workers: int | None = None,
    dask: str | None = None,
    resume: bool = False,
    progress: bool = True,
    command: str | None = None,
    posterior: str | Path | None = None,
    design: ParameterDesign | None = None,
) -> BatchResult:
    """Run `runs` runs of every variant and write them to the folder `out`.

    Args:
        scenario: the loaded scenario (`sim.batch.load_for_batch` reads every file a
            batch needs, once), or its file's path.
        mediators: mediators to start with (default: the scenario's
            `scenario.mediators`); each gives a baseline variant.
        variants: overlay groups, each simulated under every mediator: ``"a"``,
            ``"a+b"`` (a then b) or ``("a", "b")``; or `VariantSpec` objects, added as they are.
        overrides: batch-wide ``{dotted key: value}`` overrides (values may be strings,
            as from ``--set``), validated like the scenario file.
        runs: runs per variant (at least 1).
        seed: batch seed, a non-negative integer (see `sim.batch.seeding`).
        out: the batch folder; must be empty or absent unless `resume`.
        chunk_size: worlds per chunk (default `DEFAULT_CHUNK_SIZE`). Part of the
            design: another chunk size gives other (equally valid) random numbers.
        executor: any `concurrent.futures.Executor` (a process pool, a Dask
            ``client.get_executor()``); it is not shut down. Default: one made from
            `workers` / `dask`.
        workers: local worker processes when no executor is given (default: all
            cores; 1 runs in this process).
        dask: ``"local"`` (start a LocalCluster on 127.0.0.1 with `workers` workers) or
            a scheduler address; ignored when `executor` is given.
        resume: continue the batch in `out`: simulate only the chunks missing there.
        progress: show a progress bar on stderr (only when it is a terminal).
        command: the command line to record in the manifest (default: this call).
        posterior: a posterior file from `ceasefire calibrate`: each run's actor parameters
            are drawn from it (the same draws for every variant), and recorded as
            `posterior.<key>` columns.
        design: a `sim.batch.design.ParameterDesign`: every variant simulates its P points
            x R replicates (then `runs` may be omitted; given, it must equal P x R), with
            common random numbers across points; recorded as the `point` and
            ``design.<key>`` columns.

    Returns:
        A `BatchResult`; ``result.frame`` is the runs table as a DataFrame.

    Raises:
        UserError: bad input (unknown mediator, override or value, runs < 1, a
            non-empty folder without `resume`, an unreachable Dask scheduler),
            raised before anything is written.
        BatchFailed: a chunk failed; finished chunks are kept for `resume`.
        KeyboardInterrupt: after cancelling pending chunks; finished ones are kept.
    """
    started = time.perf_counter()
    runs = _runs_of(runs, design, posterior)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario_path = Path(scenario.source.path)
    out = Path(out)
    limits.bounded("--runs", runs, 1, limits.MAX_RUNS)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UserError(f"--seed: expected an integer >= 0, got {seed!r}")
    chunk_size = DEFAULT_CHUNK_SIZE if chunk_size is None else chunk_size
    limits.bounded("--chunk-size", chunk_size, 1, limits.MAX_CHUNK_SIZE)
    if workers is not None:
        limits.bounded("--workers", workers, 1, limits.MAX_WORKERS)
    if executor is not None and dask is not None:
        raise UserError("give either an executor or a Dask address, not both")
    overrides = dict(overrides or {})
    if command is None:
        command = _describe_call(
            scenario_path=str(scenario_path),
            mediators=mediators,
            variants=variants,
            overrides=overrides,
            runs=runs,
            seed=seed,
            out=str(out),
            chunk_size=chunk_size,
        )

    base, planned = _plan_variants(scenario, mediators, variants, overrides)
    drawn_from = None
    if posterior is not None:
        from sim.calibration import load_posterior

        drawn_from = load_posterior(posterior, base)  # refuses another scenario's posterior
    n_chunks = -(-runs // chunk_size)
    manifest = _manifest(
        scenario_path=scenario_path,
        base=base,
        planned=planned,
        overrides=overrides,
        seed=seed,
        runs=runs,
        chunk_size=chunk_size,
        n_chunks=n_chunks,
        command=command,
    )
    manifest["posterior"] = _posterior_entry(posterior, drawn_from)
    if design is not None:
        for variant in planned:  # every value in range for every variant, before any work
            check_design(design, variant.scenario, variant.mediator)
        manifest["design"] = design.manifest_entry()
    manifest["fingerprint"] = fingerprint(manifest, _RESUME_KEYS)
    if out.exists() and not out.is_dir():
        raise UserError("expected a folder for the results, but it is a file", file=str(out))
    workers = workers or default_workers()
    limits.check_batch(manifest["runs_total"], chunk_size, workers, n_chunks * len(planned), out)
    store = BatchStore(out)
    with results_folder(out, command):
        return _run_locked(
            store,
            manifest,
            planned,
            base,
            executor,
            workers,
            dask,
            resume,
            progress,
            drawn_from,
            started,
            design,
        )


def _run_locked(
    store: BatchStore,
    manifest: dict[str, Any],
    planned: Sequence[_Variant],
    base: Scenario,
    executor: cf.Executor | None,
    workers: int,
    dask: str | None,
    resume: bool,
    progress: bool,
    drawn_from: Posterior | None,
    started: float,
    design: ParameterDesign | None = None,
) -> BatchResult:
    """The batch, with the folder locked: check it, run the missing chunks, assemble."""
    out, command = store.root, manifest["command"]
    chunks: dict[str, str] = {}
    if resume:
        old = store.read_manifest()
        if old is None:
            raise UserError(
                "nothing to resume: no manifest.json here; start the batch without --resume",
                file=str(out),
            )
        _check_resumable(old, manifest, out)
        manifest["started"] = old.get("started", manifest["started"])
        manifest["resumed"] = [*old.get("resumed", []), _now()]
        if isinstance(old.get("chunks"), dict):
            chunks = {str(k): str(v) for k, v in old["chunks"].items()}
    elif not store.is_empty():
        raise UserError(
            "the results folder is not empty; choose a new folder, or add --resume to "
            "finish the batch that was started there",
            file=str(out),
        )
    hint = _resume_hint(command, out)
    drawn_keys = [f"{POSTERIOR_PREFIX}{k}" for k in drawn_from.keys] if drawn_from else []
    if design is not None:
        drawn_keys = [DESIGN_POINT, *design.columns]
    runs, chunk_size = manifest["runs_per_variant"], manifest["chunk_size"]
    record = ChunkRecord(store, manifest, chunks)
    with _executor_or_given(executor, workers, dask) as (pool, slots, description):
        # Only now, with every input checked and the executor reachable, touch the disk.
        store.clean_temporary()
        manifest["executor"] = description
        record.flush()
        tasks = _plan_tasks(planned, runs, chunk_size, manifest["fingerprint"])
        try:
            ran = _execute(
                pool,
                slots,
                tasks,
                store,
                manifest["seed"],
                manifest["runs_total"],
                progress=progress,
                resume_hint=hint,
                posterior=drawn_from,
                design=design,
                record=record,
            )
        except BaseException:
            with suppress(OutputError):  # the error on its way says what went wrong
                record.flush()
            raise
        _flush_or_fail(record, hint)

    override_keys = _override_keys(list(base.overrides), planned)
    parts = [
        (
            v.spec.slug,
            [t.chunk_id for t in _plan_tasks([v], runs, chunk_size, manifest["fingerprint"])],
            _constant_columns(v, override_keys),
        )
        for v in planned
    ]
    from sim.outcomes import scenario_columns

    columns = scenario_columns(base)
    try:
        rows = store.assemble(
            parts, runs_schema(columns, override_keys, drawn_keys), columns, drawn_keys
        )
    except OutputError as error:
        raise BatchFailed(
            f"{error}; finished chunks are kept in {out}; to finish the batch run: {hint}"
        ) from None
    except ChunkMismatch as error:
        raise BatchFailed(f"{error}; to redo it run: {hint}") from None
    if rows != manifest["runs_total"]:  # assemble checks each chunk; this checks the count
        raise BatchFailed(f"runs.parquet would hold {rows} runs, not {manifest['runs_total']}")
    from sim.outcomes import spell_columns

    spell_parts = [
        (v.spec.label, slug, ids) for v, (slug, ids, _) in zip(planned, parts, strict=True)
    ]
    try:
        spell_rows = store.assemble_spells(spell_parts, spell_columns(base.party_keys))
    except OutputError as error:
        raise BatchFailed(
            f"{error}; finished chunks are kept in {out}; to finish the batch run: {hint}"
        ) from None
    except ChunkMismatch as error:
        raise BatchFailed(f"{error}; to redo it run: {hint}") from None
    manifest.update(
        finished=_now(),
        complete=True,
        runs_done=rows,
        chunks_done=len(planned) * manifest["n_chunks"],
        override_columns=override_keys,
    )
    manifest["spells_done"] = spell_rows
    manifest["written"] = {
        "runs.parquet": sha256_file(store.runs_path),
        "spells.parquet": sha256_file(store.spells_path),
    }
    _flush_or_fail(record, hint)
    return BatchResult(out, manifest, ran[0], ran[1], time.perf_counter() - started)


def _plan_tasks(
    planned: Sequence[_Variant], runs: int, chunk_size: int, fingerprint: str
) -> Iterator[_Task]:
    """Every chunk of the batch, chunk-major (every variant advances together), made as
    they are needed: the plan takes the same memory for a thousand runs or a billion."""
    for index, start in enumerate(range(0, runs, chunk_size)):
        stop = min(start + chunk_size, runs)
        for variant in planned:
            yield _Task(variant, index, start, stop, fingerprint)


def _flush_or_fail(record: ChunkRecord, hint: str) -> None:
    """Rewrite the manifest; if the disk refuses, the batch is interrupted: say how to resume."""
    try:
        record.flush()
    except OutputError as error:
        raise BatchFailed(
            f"{error}; finished chunks are kept in {record.store.root}; to finish the batch "
            f"run: {hint}"
        ) from None


@contextmanager
def _executor_or_given(
    executor: cf.Executor | None, workers: int, dask: str | None
) -> Iterator[tuple[cf.Executor, int, str]]:
    if executor is None:
        with open_executor(workers, dask) as opened:
            yield opened
        return
    slots = getattr(executor, "_max_workers", None) or workers
    yield executor, int(slots), type(executor).__name__


def _resume_hint(command: str, out: Path) -> str:
    if command.startswith("sim.run_batch("):
        return f"call run_batch again with resume=True (folder {out})"
    return command if "--resume" in command.split() else f"{command} --resume"


def _execute(
    executor: cf.Executor,
    slots: int,
    tasks: Iterator[_Task],
    store: BatchStore,
    seed: int,
    total_runs: int,
    *,
    progress: bool,
    resume_hint: str,
    posterior: Posterior | None = None,
    design: ParameterDesign | None = None,
    record: ChunkRecord,
) -> tuple[int, int]:
    """Run the tasks not already done on `executor`, writing each chunk as it completes.

    Tasks are taken from the (lazy) plan only as slots free up, and a chunk already
    on disk is kept only if `record` trusts it (its hash and identity match). At
    most ``2 * slots`` chunks are in flight, so memory stays bounded: a worker is
    never idle waiting for the parent, and finished chunks never pile up.

    Returns:
        Chunks and runs simulated by this call.
    """
    from tqdm import tqdm

    in_flight: dict[cf.Future, _Task] = {}
    limit = max(2, 2 * slots)
    show = progress and sys.stderr.isatty()
    bar = tqdm(
        total=total_runs,
        unit="run",
        unit_scale=True,
        smoothing=0.05,
        desc="batch",
        file=sys.stderr,
        disable=not show,
        dynamic_ncols=True,
    )
    failure: BaseException | None = None
    ran = [0, 0]
    pending = iter(tasks)
    try:
        while True:
            while failure is None and len(in_flight) < limit:
                task = next(pending, None)
                if task is None:
                    break
                if record.trusted(task):
                    bar.update(task.rows)
                    continue
                v = task.variant
                future = executor.submit(
                    simulate_chunk,
                    v.scenario,
                    v.spec.mediator,
                    seed,
                    task.index,
                    task.start,
                    task.stop,
                    posterior,
                    design,
                )
                in_flight[future] = task
            if not in_flight:
                break
            done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            for future in done:
                task = in_flight.pop(future)
                try:
                    table = future.result()
                    sha256 = store.write_chunk(task.variant.spec.slug, task.chunk_id, table)
                except Exception as error:  # keep going until in-flight chunks are saved
                    failure = failure or error
                    continue
                record.add(task, sha256)
                ran[0] += 1
                ran[1] += task.rows
                bar.update(task.rows)
    except KeyboardInterrupt:
        for future in in_flight:
            future.cancel()
        bar.close()
        print(
            f"\ninterrupted: finished chunks are kept in {store.root}; to finish the batch "
            f"run: {resume_hint}",
            file=sys.stderr,
        )
        raise
    bar.close()
    if failure is not None:
        if isinstance(failure, BrokenProcessPool):
            resume_hint += (
                " (a worker process died; if run_batch was called from a script, the call "
                "must be under `if __name__ == '__main__':`)"
            )
        if isinstance(failure, OutputError):
            what = str(failure)
        elif type(failure).__name__ == "CancelledError":  # Dask dropped the task
            what = "the Dask scheduler stopped or dropped the work (CancelledError)"
        else:
            what = f"a chunk failed ({type(failure).__name__}: {failure})"

        raise BatchFailed(
            f"{what}; finished chunks are kept in {store.root}; to finish the batch run: "
            f"{resume_hint}"
        ) from failure
    return ran[0], ran[1]
