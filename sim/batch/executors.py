"""Where chunks run: in this process, a local process pool, or a Dask cluster.

Any `concurrent.futures.Executor` will do; these are the ones `run_batch` makes itself.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sim.errors import UserError

_DASK_ADDRESS = re.compile(
    r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):"
    r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
)
DASK_CONNECT_TIMEOUT_S = 5.0
"""How long `--dask ADDRESS` waits for the scheduler before giving up (exit 2)."""


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
            # The server preloads only the light unit of work; each worker imports the
            # compiled rules itself, once. A server holding numba and the rules would
            # add its ~200 MB to the process tree for nothing a worker needs from it.
            context.set_forkserver_preload(["sim.batch.chunk"])
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
