"""`run_batch`: many runs of many variants, chunked, seeded, parallel and resumable.

The engine plans the work in the parent (every variant loaded and validated,
every chunk's seed fixed), then hands chunks to any `concurrent.futures.Executor`
(in-process, a process pool, or a Dask client's executor), writes each chunk to
disk as soon as it finishes and finally assembles ``runs.parquet``. See
docs/batch.md for the user's view and `sim.batch.seeding` for the seeding rule.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.batch import limits
from sim.batch.design import DESIGN_POINT, POSTERIOR_PREFIX, ParameterDesign, check_design
from sim.batch.errors import BatchFailed
from sim.batch.execute import _execute
from sim.batch.executors import (
    _executor_or_given,
    default_workers,
)
from sim.batch.manifest import (
    _RESUME_KEYS,
    _check_resumable,
    _describe_call,
    _manifest,
    _now,
    _posterior_entry,
)
from sim.batch.record import ChunkRecord, fingerprint, results_folder
from sim.batch.seeding import DEFAULT_CHUNK_SIZE
from sim.batch.store import (
    BatchStore,
    ChunkId,
    ChunkMismatch,
    runs_schema,
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

    from sim.batch.posterior import Posterior


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
        from sim.batch.posterior import load_posterior

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
    with _assembling(out, hint):
        rows = store.assemble(
            parts, runs_schema(columns, override_keys, drawn_keys), columns, drawn_keys
        )
    if rows != manifest["runs_total"]:  # assemble checks each chunk; this checks the count
        raise BatchFailed(f"runs.parquet would hold {rows} runs, not {manifest['runs_total']}")
    from sim.outcomes import spell_columns

    spell_parts = [
        (v.spec.label, slug, ids) for v, (slug, ids, _) in zip(planned, parts, strict=True)
    ]
    with _assembling(out, hint):
        spell_rows = store.assemble_spells(spell_parts, spell_columns(base.party_keys))
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


@contextmanager
def _assembling(out: Path, hint: str) -> Iterator[None]:
    """Assembling a results file: a disk error or a damaged chunk becomes `BatchFailed`,
    saying how to finish; the chunks stay."""
    try:
        yield
    except OutputError as error:
        raise BatchFailed(
            f"{error}; finished chunks are kept in {out}; to finish the batch run: {hint}"
        ) from None
    except ChunkMismatch as error:
        raise BatchFailed(f"{error}; to redo it run: {hint}") from None


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


def _resume_hint(command: str, out: Path) -> str:
    if command.startswith("sim.run_batch("):
        return f"call run_batch again with resume=True (folder {out})"
    return command if "--resume" in command.split() else f"{command} --resume"
