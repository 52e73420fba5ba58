"""Running a batch's chunks on an executor: bounded in flight, each written as it ends."""

from __future__ import annotations

import concurrent.futures as cf
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from sim.batch.chunk import simulate_chunk
from sim.batch.errors import BatchFailed
from sim.results.writer import OutputError

if TYPE_CHECKING:
    from sim.batch.design import ParameterDesign
    from sim.batch.engine import _Task
    from sim.batch.posterior import Posterior
    from sim.batch.record import ChunkRecord
    from sim.batch.store import BatchStore


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
