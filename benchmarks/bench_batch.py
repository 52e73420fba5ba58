"""Benchmark the batch engine on this machine, in one go, with the targets beside each figure.

On the default scenario (mediators russia and turkey) it prints:

1. runs per second at 1 and 2 workers: `sim.run_batch` into a temporary folder, and the
   compiled model alone (`simulate_worlds_counted`, no tables, no disk);
2. ns per world-step at 1 worker (model alone, CPU time of this process);
3. the ratio to a bare four-agent Mesa model stepped 336 times under `mesa.batch_run`
   (idle agents: the least any per-run Mesa model costs) and to `CeasefireModel` under
   `mesa.batch_run` (n_worlds=1);
4. `ceasefire batch` with --runs R per mediator on 2 workers (4,000,000 and 1,000,000),
   run as a user runs it, with the peak resident memory of its whole process tree (sampled
   every 50 ms) and whether it stays flat in the number of runs;
5. `--dask local` against the process pool on the same (1,000,000-run) batch;
6. the same kind of batch with every parameter drawn per world (a Sobol design of 1,000
   parameter sets x 1,000 replicates, `world_params` + `psets`) against fixed parameters;
7. the speed with 6 parties (scenarios/cases/daraa_2018 with two parties added, built in
   a temporary folder) against the same case's 4 parties;
8. the time spent building tables, writing chunks and assembling runs.parquet, apart
   from the simulation.

The machine is shared: each figure says whether it is wall time (depends on the load) or
CPU time of the measuring process (depends much less); the load average is printed.

Usage::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_batch.py          # full, ~10 min
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_batch.py --quick  # < 1 min
    ... --only large dask              # some sections only

Figures measured on the project's machine are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_parts as bp

MEDIATORS = ["russia", "turkey"]
FLOOR_RATIO = 250  # >= 250x the bare Mesa floor (1 worker, per core)
NS_PER_STEP = 20.0  # <= 20 ns per world-step, 1 worker
MEMORY_GB = 1.0  # < 1.0 GB peak for 4,000,000 runs per mediator, flat in runs
DASK_RATIO = 1.3  # dask local within 1.3x of the process pool
PER_WORLD_RATIO = 1.5  # every parameter per world within 1.5x of fixed parameters
CAMPAIGN_RATIO = 1_000  # >= 1,000x mesa.batch_run on CeasefireModel (2 workers)
WALL_1M_S = 30.0  # 1,000,000 runs per mediator in < 30 s on 2 cores (issue 12)

SECTIONS = ("rates", "perworld", "parties", "large", "dask")
FULL = {
    "rate_runs": 200_000,
    "mesa_runs": 200,
    "mesa_model_runs": 100,
    "large_runs": [1_000_000, 4_000_000],
    "dask_runs": 1_000_000,
    "design": (1_000, 1_000),
    "six_runs": 100_000,
}
QUICK = {
    "rate_runs": 20_000,
    "mesa_runs": 20,
    "mesa_model_runs": 10,
    "large_runs": [20_000, 100_000],
    "dask_runs": 20_000,
    "design": (100, 200),
    "six_runs": 10_000,
}


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: under a minute")
    parser.add_argument("--rate-runs", type=int, help="runs per mediator for the rates")
    parser.add_argument("--large-runs", type=int, nargs="+", help="runs per mediator, CLI")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        help="measure only these sections (default: all; dask needs large)",
    )
    args = parser.parse_args(argv)
    chosen = set(args.only or SECTIONS)

    def want(section: str) -> bool:
        return section in chosen

    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they are measured
    size = dict(QUICK if args.quick else FULL)
    if args.rate_runs:
        size["rate_runs"] = args.rate_runs
    if args.large_runs:
        size["large_runs"] = sorted(args.large_runs)

    import mesa
    import numpy
    import numpy as np

    import sim
    from sim.scenario import load_scenario

    cores = len(os.sched_getaffinity(0))
    print(f"sim {sim.__version__}, Python {sys.version.split()[0]}, numpy {numpy.__version__},")
    print(
        f"mesa {mesa.__version__}; {cores} cores; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(f"default scenario, mediators {', '.join(MEDIATORS)}; {load()}")
    scenario = load_scenario(mediators=MEDIATORS)
    runs = size["rate_runs"]

    if want("rates"):
        print(f"\n-- throughput ({runs:,} runs per mediator; chunks of {bp.CHUNK:,})")
        alone1 = bp.model_rate(scenario, MEDIATORS, runs, 1)
        per_cpu = alone1.runs / alone1.cpu_s
        print(
            f"model alone, 1 worker : {alone1.runs_per_s:9,.0f} runs/s wall, "
            f"{per_cpu:9,.0f} runs per CPU-s; "
            f"{alone1.world_steps / alone1.runs:.1f} world-steps per run"
        )
        print(
            f"ns per world-step, 1 worker (CPU): {alone1.ns_per_step:6.1f}   "
            f"target <= {NS_PER_STEP:.0f}: {verdict(alone1.ns_per_step <= NS_PER_STEP)}"
        )
        alone2 = bp.model_rate(scenario, MEDIATORS, runs, 2)
        print(f"model alone, 2 workers: {alone2.runs_per_s:9,.0f} runs/s wall")
        batch1 = bp.batch_rate(MEDIATORS, runs, 1)
        batch2 = bp.batch_rate(MEDIATORS, runs, 2)
        rate_b1, rate_b2 = batch1.runs / batch1.wall_s, batch2.runs / batch2.wall_s
        print(f"sim.run_batch, 1 worker : {rate_b1:9,.0f} runs/s wall ({batch1.wall_s:.1f} s)")
        print(f"sim.run_batch, 2 workers: {rate_b2:9,.0f} runs/s wall ({batch2.wall_s:.1f} s)")
        parts = batch1.parts
        other = batch1.wall_s - sum(parts.values())
        print(
            "  1-worker run_batch by part: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
            + f", other {other:.2f} s; outside the model "
            f"{(batch1.wall_s - parts['model']) / batch1.wall_s:.0%} of the wall time"
        )
        print(f"  {load()}")

        print("\n-- against mesa.batch_run (1 process each)")
        bare_cpu0 = time.process_time()
        bare = bp.bare_mesa_rate(size["mesa_runs"])
        bare_cpu = size["mesa_runs"] / (time.process_time() - bare_cpu0)
        print(
            f"bare Mesa model (4 idle agents, 336 steps): {bare:8,.1f} runs/s wall, "
            f"{bare_cpu:8,.1f} runs per CPU-s ({size['mesa_runs']} runs)"
        )
        floor_ratio = per_cpu / bare_cpu
        print(
            f"model alone 1 worker / bare Mesa, per CPU-s: {floor_ratio:7,.0f}x   "
            f"target >= {FLOOR_RATIO}x: {verdict(floor_ratio >= FLOOR_RATIO)}"
        )
        print(
            f"  (wall: model alone {alone1.runs_per_s / bare:,.0f}x, run_batch 1 worker "
            f"{rate_b1 / bare:,.0f}x, 2 workers {rate_b2 / bare:,.0f}x)"
        )
        bp.ceasefire_mesa_rate(scenario, MEDIATORS, 2)  # compile the per-step rules first
        model_mesa = bp.ceasefire_mesa_rate(scenario, MEDIATORS, size["mesa_model_runs"])
        campaign = rate_b2 / model_mesa
        print(f"CeasefireModel (n_worlds=1) under mesa.batch_run: {model_mesa:8,.1f} runs/s wall")
        print(
            f"run_batch 2 workers / mesa.batch_run on CeasefireModel: {campaign:7,.0f}x   "
            f"target >= {CAMPAIGN_RATIO:,}x: {verdict(campaign >= CAMPAIGN_RATIO)} "
            f"(1 worker: {rate_b1 / model_mesa:,.0f}x)"
        )

    if want("perworld"):
        print("\n-- every parameter per world vs fixed (model alone, 1 mediator, 1 worker, CPU)")
        n_sets, replicates = size["design"]
        design = bp.world_design(scenario, n_sets)
        n = n_sets * replicates
        fixed = bp.model_rate(scenario, MEDIATORS[:1], n, 1)
        varied = bp.model_rate(scenario, MEDIATORS[:1], n, 1, design, n_sets)
        # The same mechanism with every set at the scenario's value: the same histories as fixed
        # parameters (bit for bit), so the difference is the cost of reading per-world sets.
        same = {k: np.full(n_sets, v[0]) for k, v in design.items()}
        for key in same:
            same[key][:] = bp.scenario_value(scenario, key)
        equal = bp.model_rate(scenario, MEDIATORS[:1], n, 1, same, n_sets)
        for label, r in (("Sobol design", varied), ("sets equal to fixed", equal)):
            per_run = (r.cpu_s / r.runs) / (fixed.cpu_s / fixed.runs)
            per_step = r.ns_per_step / fixed.ns_per_step
            print(
                f"{label}: {len(design)} parameters, {n_sets:,} sets x {replicates:,} replicates: "
                f"{r.runs / r.cpu_s:,.0f} vs fixed {fixed.runs / fixed.cpu_s:,.0f} runs per CPU-s; "
                f"{per_run:.2f}x the time per run, {per_step:.2f}x per world-step "
                f"({r.ns_per_step:.0f} vs {fixed.ns_per_step:.0f} ns)   "
                f"target <= {PER_WORLD_RATIO}x: "
                f"{verdict(max(per_run, per_step) <= PER_WORLD_RATIO)}"
            )
        print(
            f"  sets equal to fixed: same world-steps as fixed: "
            f"{equal.world_steps == fixed.world_steps}"
        )
        print(f"  {load()}")

    if want("parties"):
        print("\n-- 6 parties (daraa_2018 + 2 parties) vs its 4 (model alone, 1 worker)")
        case = bp.ROOT / "scenarios" / "cases" / "daraa_2018" / "daraa_2018.toml"
        four = load_scenario(case)
        with tempfile.TemporaryDirectory() as tmp:
            six = load_scenario(bp.six_party_case(Path(tmp)))
        for name, sc in (("4 parties", four), ("6 parties", six)):
            r = bp.model_rate(sc, sc.default_mediators, size["six_runs"], 1)
            print(
                f"{name}: {r.runs / r.cpu_s:9,.0f} runs per CPU-s, {r.ns_per_step:6.1f} ns per "
                f"world-step, {r.world_steps / r.runs:.1f} world-steps per run "
                f"({', '.join(sc.default_mediators)})"
            )
        print(f"  {load()}")
    if want("large"):
        print("\n-- ceasefire batch as a user runs it, 2 workers (process tree RSS, 50 ms)")
        large = {}
        for n in size["large_runs"]:
            run = bp.large_run(MEDIATORS, n, 2)
            large[n] = run
            p = run.parts
            print(
                f"{n:>9,} runs per mediator: {run.wall_s:6.1f} s wall, "
                f"{run.runs / run.wall_s:8,.0f} runs/s, peak {run.peak_gb:.2f} GB; in the "
                f"parent: writing chunks {p['write chunks']:.1f} s (overlaps the workers), "
                f"assembling runs.parquet {p['assemble']:.1f} s ({p['assemble'] / run.wall_s:.0%}"
                " of the wall time, after the last chunk)"
            )
        small, big = large[min(large)], large[max(large)]
        flat = big.peak_gb <= small.peak_gb * 1.10 + 0.05
        print(
            f"peak at {max(large):,} vs {min(large):,}: {big.peak_gb:.2f} vs {small.peak_gb:.2f}"
            f" GB   target < {MEMORY_GB} GB and flat: "
            f"{verdict(big.peak_gb < MEMORY_GB and flat)} ({'flat' if flat else 'grows'})"
        )
        if 1_000_000 in large:
            wall = large[1_000_000].wall_s
            print(
                f"1,000,000 runs per mediator: {wall:.1f} s   target < {WALL_1M_S:.0f} s: "
                f"{verdict(wall < WALL_1M_S)}"
            )
        print(f"  {load()}")
        if want("dask"):
            n = size["dask_runs"]
            pool = large[n] if n in large else bp.large_run(MEDIATORS, n, 2)
            dask = bp.large_run(MEDIATORS, n, 2, dask=True)
            ratio = dask.wall_s / pool.wall_s
            print(
                f"--dask local, {n:,} runs per mediator, 2 workers: {dask.wall_s:.1f} s vs pool "
                f"{pool.wall_s:.1f} s = {ratio:.2f}x, peak {dask.peak_gb:.2f} GB   "
                f"target <= {DASK_RATIO}x: {verdict(ratio <= DASK_RATIO)}"
            )
            print(f"  {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
