"""Upper bounds on every size option, and an up-front estimate for a large design.

A request the machine cannot finish (23 GB for ``--runs 99999999999999999999``, a
Sobol design of a billion rows) is refused before any work, with what it would
cost. The figures are measured on the development machine (docs/benchmarks.md)
and are deliberately rough: they decide only whether to refuse.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sim.errors import UserError

MAX_RUNS = 1_000_000_000
"""Runs per variant or design point (assumption: a billion runs is about seven
core-hours at 40,000 runs/s, the most a batch on one machine is meant to take)."""
MAX_CHUNK_SIZE = 500_000
"""Worlds per chunk: a chunk's worlds live in one worker's memory at once."""
MAX_CHUNKS = 200_000
"""Chunks per batch, all variants together: the manifest records each one's hash."""
MAX_WORKERS = 1_024
"""Local worker processes."""
MAX_WORLDS = 10_000_000_000
"""Worlds simulated by one command (a sensitivity design, a calibration)."""

RUNS_PER_SECOND = 40_000
"""Runs per second on one core (docs/benchmarks.md: 41,312 for a 1,000,000-run batch)."""
WORKER_BASE_BYTES = 200_000_000
BYTES_PER_WORLD = 2_500
"""Memory of one process simulating a chunk: about 200 MB plus 2.5 KB per world of the
chunk. Measured (peak RSS, /usr/bin/time -v, `batch --mediator russia --workers 1`):
208 MB with --chunk-size 10000, 304 MB with 50000, 315 MB with 200000; the per-world
slope (2.4 KB between 10,000 and 50,000) is used for every size, an upper bound."""
DISK_BYTES_PER_RUN = 60
"""Disk per run, chunk file and runs.parquet together. Measured: 5.9 MB for 200,000
runs (30 bytes a run, one mediator, no override or posterior columns); doubled for
the columns a batch may add."""


def bounded(name: str, value: object, low: int, high: int) -> int:
    """`value` as an int in ``[low, high]``, or a UserError naming the option."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UserError(f"{name}: expected an integer from {low:,} to {high:,}, got {value!r}")
    return value


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} h" if seconds >= 3600 else f"{seconds / 60:,.1f} min"


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _free_disk(folder: Path) -> int | None:
    folder = Path(os.path.abspath(folder))
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def check_batch(runs_total: int, chunk_size: int, slots: int, n_chunks: int, out: Path) -> None:
    """Refuse a batch the machine cannot hold, with its estimated time, memory and disk."""
    seconds = runs_total / (RUNS_PER_SECOND * max(1, slots))
    memory = (WORKER_BASE_BYTES + BYTES_PER_WORLD * chunk_size) * max(1, slots)
    disk = DISK_BYTES_PER_RUN * runs_total
    estimate = (
        f"{runs_total:,} runs in {n_chunks:,} chunks: about {_hours(seconds)} on {slots} "
        f"worker(s), {memory / 1e9:,.2f} GB of memory and {disk / 1e9:,.2f} GB of disk"
    )
    if n_chunks > MAX_CHUNKS:
        raise UserError(f"too many chunks ({estimate}); at most {MAX_CHUNKS:,}: raise --chunk-size")
    available = _available_memory()
    if available is not None and memory > available:
        raise UserError(
            f"too large for this machine's memory ({estimate}; {available / 1e9:.2f} GB "
            "available): lower --chunk-size or --workers"
        )
    free = _free_disk(out)
    if free is not None and disk > free:
        raise UserError(
            f"too large for the disk ({estimate}; {free / 1e9:.2f} GB free under {out}): "
            "lower --runs or choose another folder"
        )


def check_worlds(worlds: int, what: str, slots: int = 1) -> None:
    """Refuse a design of more than `MAX_WORLDS` simulated worlds, with its estimated time."""
    if worlds > MAX_WORLDS:
        seconds = worlds / (RUNS_PER_SECOND * max(1, slots))
        raise UserError(
            f"{what}: {worlds:,} simulated worlds would take about {_hours(seconds)} on "
            f"{slots} worker(s); at most {MAX_WORLDS:,}"
        )
