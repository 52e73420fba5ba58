"""Wall time and peak memory of `ceasefire compare` and `ceasefire report` on a big batch.

Usage:
    python benchmarks/bench_analysis.py                 # makes a 2,000,000-run batch first
    python benchmarks/bench_analysis.py --dir DIR       # reuses a batch folder
    python benchmarks/bench_analysis.py --runs 100000   # a smaller batch (per mediator)

The batch is `ceasefire batch --runs RUNS` with the scenario's default mediators (russia
and turkey: 2 x RUNS runs), written once into a temporary folder (kept with --keep).
Each command runs in a child process (as a user runs it); its wall time, CPU time and
peak resident memory (summed over the process tree, sampled every 20 ms with psutil)
are printed with the machine's load (`uptime`). `report` writes DIR/report.html and
DIR/figures/ into the batch folder (overwritten with the same content on a rerun).

Run with the worktree on PYTHONPATH, e.g.
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_analysis.py --dir /tmp/b2m
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

SAMPLE_S = 0.02


def measure(command: list[str]) -> tuple[float, float, int, int]:
    """Run `command`; return (wall s, CPU s of the tree, peak summed RSS bytes, status)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:  # a child ended between listing and reading it
            pass
        time.sleep(SAMPLE_S)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak, int(process.returncode)


def uptime() -> str:
    """The `uptime` line (load averages), or the load from os if the command is missing."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        import os

        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def ceasefire(*args: str) -> list[str]:
    """The command line of `ceasefire ARGS` with this interpreter (the caller's PYTHONPATH)."""
    return [sys.executable, "-m", "sim", *args]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="reuse this batch folder instead of making one")
    parser.add_argument("--runs", type=int, default=1_000_000, help="runs per mediator")
    parser.add_argument("--keep", action="store_true", help="keep the batch it makes")
    parser.add_argument("--repeat", type=int, default=1, help="times to run each command")
    args = parser.parse_args()

    scratch = None
    directory = args.dir
    if directory is None:
        scratch = Path(tempfile.mkdtemp(prefix="bench-analysis-"))
        directory = scratch / "batch"
        print(f"making the batch: ceasefire batch --runs {args.runs} --out {directory}")
        wall, cpu, peak, status = measure(
            ceasefire("batch", "--runs", str(args.runs), "--out", str(directory), "--quiet")
        )
        print(f"  batch: {wall:.1f} s wall, peak {peak / 2**30:.2f} GB, status {status}")
        if status:
            return status
    try:
        import pyarrow.parquet as pq

        n_runs = pq.read_metadata(directory / "runs.parquet").num_rows
        print(f"batch {directory}: {n_runs:,} runs")
        for name in ("compare", "report"):
            for _ in range(args.repeat):
                print(f"  {uptime()}")
                wall, cpu, peak, status = measure(ceasefire(name, str(directory)))
                print(
                    f"ceasefire {name:8s} {wall:6.2f} s wall  {cpu:6.2f} s CPU  "
                    f"peak {peak / 2**30:.2f} GB  status {status}"
                )
        print(f"  {uptime()}")
    finally:
        if scratch is not None and not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        elif scratch is not None:
            print(f"kept {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
