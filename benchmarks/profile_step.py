"""Where a world-step's time goes: the rules of `sim.rules.world` applied a few at a time.

Each world first runs for real (`sim.rules.drive.run_worlds`) to learn how many steps it
takes; then drivers that apply only the first k parts of the schedule (ODD 3) run every
world for exactly that many steps, and the CPU time per world-step of each is printed.
The difference between consecutive drivers is the cost of the part added. Drivers
without `end_step` skip decay and collapse, so their states drift from the real run's;
the costs are indicative (+-10%), not exact.

Usage: PYTHONPATH=$PWD .venv/bin/python benchmarks/profile_step.py [--worlds 20000]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from numba import njit

from sim.rules import drive
from sim.rules import world as rules
from sim.rules.rng import uniform
from sim.scenario import load_scenario
from sim.worlds import WorldSet

PARTS = [
    "loop + init_world",
    "choose_all (7.1)",
    "record (7.5)",
    "monitor_and_respond (7.2-7.3)",
    "update_terms (7.4)",
    "end_step (7.5-7.9)",
]


def make_driver(level: int) -> Any:  # a numba dispatcher
    @njit(_nrt=False, error_model="numpy")
    def driver(st, pr, sc, key, runs, psets, ends):
        for w in range(runs.size):
            rules.init_world(st, pr, sc, w, key, runs[w], psets[w])
            for s in range(ends[w]):
                if level >= 1:
                    rules.choose_all(st, pr, sc, w, s)
                if level >= 2:
                    rules.record(st, pr, sc, w, s)
                if level >= 3:
                    rules.monitor_and_respond(st, pr, sc, w, s)
                if level >= 4:
                    rules.update_terms(st, pr, sc, w, s)
                if level >= 5:
                    rules.end_step(st, pr, sc, w, s)

    return driver


@njit(_nrt=False)
def draws_only(st, ends, slots):
    """`slots` uniforms per world-step and nothing else: the cost of the random numbers."""
    total = 0.0
    for w in range(ends.size):
        for s in range(ends[w]):
            for k in range(slots):
                total += uniform(st.key[w], st.stride[w], s, k)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worlds", type=int, default=20_000)
    parser.add_argument("--mediator", default="russia")
    args = parser.parse_args()
    scenario = load_scenario()
    ws = WorldSet.build(scenario, args.mediator, args.worlds, 1)
    st, pr, sc = ws.state, ws.params, ws.structure
    steps = drive.run_worlds(st, pr, sc, ws.key, ws.runs, ws.psets, sc.n_steps)
    ends = np.minimum(np.ceil(st.duration_h / sc.step_h), sc.n_steps).astype(np.int64)
    ends[st.status == 0] = sc.n_steps
    print(
        f"{args.worlds:,} worlds ({args.mediator}), {steps:,} world-steps "
        f"({steps / args.worlds:.1f} per world); reconstructed {int(ends.sum()):,}"
    )
    previous = 0.0
    for level, part in enumerate(PARTS):
        driver = make_driver(level)
        driver(st, pr, sc, ws.key, ws.runs[:2], ws.psets[:2], ends[:2])  # compile
        best = np.inf
        for _ in range(3):  # the least of three: the machine is shared
            start = time.process_time()
            driver(st, pr, sc, ws.key, ws.runs, ws.psets, ends)
            best = min(best, time.process_time() - start)
        ns = best / ends.sum() * 1e9
        print(f"  + {part:32s} {ns:7.1f} ns per world-step (this part {ns - previous:6.1f})")
        previous = ns
    n_draws = 5 * len(scenario.parties) + 2 * len(scenario.terms)
    draws_only(st, ends[:2], n_draws)
    start = time.process_time()
    draws_only(st, ends, n_draws)
    ns = (time.process_time() - start) / ends.sum() * 1e9
    print(f"  {n_draws} uniforms per world-step alone: {ns:.1f} ns")
    start = time.process_time()
    drive.run_worlds(st, pr, sc, ws.key, ws.runs, ws.psets, sc.n_steps)
    ns = (time.process_time() - start) / steps * 1e9
    print(f"  the batch driver itself (run_worlds): {ns:.1f} ns per world-step")


if __name__ == "__main__":
    main()
