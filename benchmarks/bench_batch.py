"""Benchmark the batch engine against Mesa's own `batch_run`, on this machine, in one go.

Prints, for the default scenario (mediators russia and turkey):

1. runs per second of the batch engine at 1 and 2 worker processes
   (`sim.run_batch`, writing chunks and runs.parquet as `ceasefire batch` does);
2. runs per second of `mesa.batch_run` on the same model at n_worlds=1
   (one process), and the ratios;
3. wall time and peak memory (resident set of the whole process tree, sampled)
   of `ceasefire batch` for --runs runs per mediator (default 1,000,000) on 2
   workers, run as a separate process exactly as a user would.

Usage::

    .venv/bin/python benchmarks/bench_batch.py                 # the full benchmark
    .venv/bin/python benchmarks/bench_batch.py --runs 100000   # a smaller large run
    .venv/bin/python benchmarks/bench_batch.py --skip-large    # throughput only

Figures measured on the project's machine are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MEDIATORS = ["russia", "turkey"]
TARGET_RATIO = 1_000
TARGET_WALL_S = 60.0
TARGET_MEMORY_GB = 1.5


def batch_rate(runs: int, workers: int, chunk_size: int | None) -> float:
    """Runs per second of run_batch (all mediators together), including writing."""
    from sim.batch import run_batch

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = run_batch(
            mediators=MEDIATORS,
            runs=runs,
            seed=1,
            out=Path(tmp) / "batch",
            workers=workers,
            chunk_size=chunk_size,
            progress=False,
        )
        elapsed = time.perf_counter() - start
    return result.n_runs / elapsed


def mesa_rate(runs: int) -> float:
    """Runs per second of mesa.batch_run on CeasefireModel at n_worlds=1, one process.

    The scenario is loaded once and passed in, so Mesa is not charged for parsing files.
    """
    import mesa

    from sim.model import CeasefireModel
    from sim.scenario import load_scenario

    scenario = load_scenario()
    iterations = max(1, runs // len(MEDIATORS))
    start = time.perf_counter()
    results = mesa.batch_run(
        CeasefireModel,
        parameters={"scenario": [scenario], "mediator": MEDIATORS},
        iterations=iterations,
        max_steps=400,
        number_processes=1,
        display_progress=False,
    )
    elapsed = time.perf_counter() - start
    return len(results) / elapsed


def large_run(runs: int, workers: int, chunk_size: int | None) -> tuple[float, float, float]:
    """Run `ceasefire batch` as a user would; return wall s, peak tree RSS GB, maxrss GB."""
    import psutil

    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable,
            "-m",
            "sim",
            "batch",
            *(arg for m in MEDIATORS for arg in ("--mediator", m)),
            "--runs",
            str(runs),
            "--seed",
            "1",
            "--workers",
            str(workers),
            "--out",
            str(Path(tmp) / "batch"),
            "--quiet",
        ]
        if chunk_size:
            command += ["--chunk-size", str(chunk_size)]
        peak = 0
        start = time.perf_counter()
        process = subprocess.Popen(command)
        done = threading.Event()

        def sample() -> None:
            # Sum the resident memory of the CLI and all its workers, every 50 ms.
            nonlocal peak
            parent = psutil.Process(process.pid)
            while not done.is_set():
                with contextlib.suppress(psutil.Error):
                    total = 0
                    for child in [parent, *parent.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):  # it may just have exited
                            total += child.memory_info().rss
                    peak = max(peak, total)
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status = process.wait()
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        if status != 0:
            raise SystemExit(f"ceasefire batch failed with status {status}")
    # ru_maxrss (KiB on Linux): the largest single child process, for comparison.
    child_maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return elapsed, peak / 1e9, child_maxrss / 1e9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=1_000_000, help="runs per mediator for the large run"
    )
    parser.add_argument(
        "--rate-runs",
        type=int,
        default=500_000,
        help="runs per mediator for the 1- and 2-worker throughput (default 500000)",
    )
    parser.add_argument(
        "--mesa-runs", type=int, default=200, help="runs for mesa.batch_run (default 200)"
    )
    parser.add_argument("--chunk-size", type=int, default=None, help="worlds per chunk")
    parser.add_argument("--skip-large", action="store_true", help="skip the large run")
    args = parser.parse_args(argv)

    import numpy

    import sim

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"sim {sim.__version__}, Python {sys.version.split()[0]}, numpy {numpy.__version__}")
    print(f"machine: {cores} cores available; default scenario; mediators {', '.join(MEDIATORS)}")

    rate_1 = batch_rate(args.rate_runs, 1, args.chunk_size)
    print(f"ceasefire batch, 1 worker : {rate_1:12,.0f} runs/s  ({2 * args.rate_runs:,} runs)")
    rate_2 = batch_rate(args.rate_runs, 2, args.chunk_size)
    print(f"ceasefire batch, 2 workers: {rate_2:12,.0f} runs/s  ({2 * args.rate_runs:,} runs)")
    base = mesa_rate(args.mesa_runs)
    print(f"mesa.batch_run, 1 process : {base:12,.1f} runs/s  ({args.mesa_runs:,} runs)")
    print(f"ratio, 1 worker vs mesa.batch_run : {rate_1 / base:8,.0f}x")
    print(
        f"ratio, 2 workers vs mesa.batch_run: {rate_2 / base:8,.0f}x  (target >= {TARGET_RATIO:,}x)"
    )
    if not args.skip_large:
        wall, peak, child = large_run(args.runs, 2, args.chunk_size)
        total = args.runs * len(MEDIATORS)
        print(
            f"{args.runs:,} runs per mediator ({total:,} runs), 2 workers: {wall:.1f} s wall "
            f"({total / wall:,.0f} runs/s; target < {TARGET_WALL_S:.0f} s); "
            f"{total / wall / base:,.0f}x mesa.batch_run"
        )
        print(
            f"peak memory, whole process tree: {peak:.2f} GB (target < {TARGET_MEMORY_GB} GB); "
            f"largest single worker ru_maxrss {child:.2f} GB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
