"""What a redesign of the state layout would buy, measured on the hottest rule.

Issue 10 asks for <= 20 ns per world-step; the rules take ~110 (`benchmarks/profile_step.py`),
about half of it in the parties' choices (ODD 7.1, `sim.rules.choice.choose_all`). Two
redesigns were proposed in `docs/benchmarks.md`; this script measures both before anyone
rewrites the rules for them:

1. **One packed row per world and per parameter set.** `choose_all` as the rules write it
   (named arrays: `st.grievance[w, p]`, `pr.party[g, p, BASE]`, ...) against the same
   arithmetic, in the same order, on one float row per world and one per parameter set
   with fixed offsets (`f[GRIEVANCE + p]`, `q[PARTY + 16 p + BASE]`). Both run every
   world for the whole horizon from the same mid-run state; the script checks that they
   take the same decisions, then times them alternately in this one process (paired, as
   `benchmarks/paired.py`), since this machine's speed drifts by tens of percent.
2. **Draws across worlds in lockstep (SIMD).** The three choices' uniforms of each
   world-step, one world after another (as `run_worlds`) against the draws of a block of
   16 worlds in one inner loop that LLVM may vectorise. SplitMix64 needs 64-bit
   multiplies, which AVX2 lacks (AVX-512DQ has them).

Usage (from the repository root):
    PYTHONPATH=$PWD .venv/bin/python benchmarks/layout_experiment.py [--rounds 80]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from numba import njit
from paired import alternate, summary  # benchmarks/paired.py, beside this script

from sim.rules import drive
from sim.rules import world as rules
from sim.rules.layout import (
    BASE,
    BENEFITS,
    DETERRENCE,
    EARLY_FRAGILITY,
    FEAR_REPLY,
    OBJECTIVE,
    PATROL_CAPACITY,
    PATROL_START_H,
    PRESSURE,
    RELIEVES,
    REPUTATION,
    RETALIATION,
    SPOILER_GROWTH,
    SPOILING,
    THREATENS,
    TRUCE_VALUE,
    TRUST_WEIGHT,
)
from sim.rules.rng import uniform
from sim.scenario import load_scenario
from sim.worlds import WorldSet

MAX_PARTIES = 8
# The packed world row: the terms' progress, then one block of MAX_PARTIES per field.
TERM_X, PULSE, GRIEVANCE, TRUST, PRESSURE_FELT, CREDIBILITY, INTENSITY = (
    i * MAX_PARTIES for i in range(7)
)
WORLD_ROW = 7 * MAX_PARTIES
# The packed set row: 16 fields per party, 3 per (term, party), then scalars.
PARTY_ROW, PARTY_FIELDS = 0, 16
TERM_PARTY_ROW = PARTY_ROW + PARTY_FIELDS * MAX_PARTIES
GROWTH = TERM_PARTY_ROW + 3 * MAX_PARTIES * MAX_PARTIES
THREAT = GROWTH + 1
PATROL_START, PATROL_CAP = THREAT + MAX_PARTIES, THREAT + MAX_PARTIES + 1
SET_ROW = PATROL_CAP + 1


@njit(_nrt=False, error_model="numpy")
def choose_named(st, pr, sc, ends, violated):
    for w in range(ends.size):
        for s in range(ends[w]):
            rules.choose_all(st, pr, sc, w, s)
            for p in range(sc.side.size):
                violated[w, p] = st.violated[w, p]


@njit(_nrt=False, error_model="numpy")
def choose_packed(world, sets, key, stride, side, n_terms, fragility, ends, violated):
    """`choose_all` (step_h = 1, one set, mediator 0) on packed rows, same arithmetic."""
    n_parties = side.size
    q = sets[0]
    for w in range(ends.size):
        f = world[w]
        for s in range(ends[w]):
            early = fragility[0, s]
            patrols = q[PATROL_CAP] if s * 1.0 >= q[PATROL_START] else 0.0
            for p in range(n_parties):
                relief = 0.0
                threatened = 0.0
                held = 0.0
                for t in range(n_terms):
                    x = f[TERM_X + t]
                    b = TERM_PARTY_ROW + 3 * (t * MAX_PARTIES + p)
                    relief += q[b + RELIEVES] * x
                    threatened += q[b + THREATENS] * x
                    held += q[b + BENEFITS] * x
                a = PARTY_ROW + PARTY_FIELDS * p
                adversaries = 0.0
                for r in range(n_parties):
                    if side[r] != side[p]:
                        adversaries += f[INTENSITY + r]
                gain = (
                    q[a + BASE]
                    + q[a + EARLY_FRAGILITY] * early
                    + q[a + OBJECTIVE] * (1.0 - min(relief, 1.0))
                    + q[a + SPOILING] * (1.0 + q[GROWTH] * threatened)
                    + f[PULSE + p]
                    + q[a + RETALIATION] * f[GRIEVANCE + p]
                )
                hold = q[a + TRUCE_VALUE] + held + q[a + TRUST_WEIGHT] * f[TRUST + p]
                fear = (
                    q[a + FEAR_REPLY] * adversaries
                    + q[a + REPUTATION] * patrols
                    + q[a + DETERRENCE] * (q[THREAT + p] * f[CREDIBILITY + p])
                    + q[a + PRESSURE] * f[PRESSURE_FELT + p]
                )
                x = gain - hold - fear
                u = uniform(key[w], stride[w], s, p)
                decided = False
                if x < 0.0:  # the bound of `sim.rules.choice.surely_holds`
                    y = -x
                    y2 = y * y
                    d = (2.0 + y) + y2 * ((0.5 + y * (1.0 / 6.0)) + y2 * (1.0 / 24.0))
                    decided = (u - 1e-12) * d > 1.0 + 1e-9
                violated[w, p] = False if decided else u < 1.0 / (1.0 + math.exp(-x))


@njit(_nrt=False)
def draws_scalar(key, stride, steps, out):
    total = 0.0
    for w in range(key.size):
        for s in range(steps):
            for slot in range(3):
                total += uniform(key[w], stride[w], s, slot)
    out[0] = total


@njit(_nrt=False)
def draws_lockstep(key, stride, steps, block, out):
    total = 0.0
    for w0 in range(0, key.size - block.size + 1, block.size):
        for s in range(steps):
            for slot in range(3):
                for i in range(block.size):
                    block[i] = uniform(key[w0 + i], stride[w0 + i], s, slot)
                for i in range(block.size):
                    total += block[i]
    out[0] = total


def pack(ws: WorldSet) -> tuple[np.ndarray, np.ndarray]:
    st, pr = ws.state, ws.params
    n_parties, n_terms = st.grievance.shape[1], st.term_x.shape[1]
    world = np.zeros((ws.runs.size, WORLD_ROW))
    world[:, TERM_X : TERM_X + n_terms] = st.term_x
    for start, field in [
        (PULSE, st.pulse),
        (GRIEVANCE, st.grievance),
        (TRUST, st.trust),
        (PRESSURE_FELT, st.pressure),
        (CREDIBILITY, st.credibility),
        (INTENSITY, st.intensity),
    ]:
        world[:, start : start + n_parties] = field
    sets = np.zeros((1, SET_ROW))
    for p in range(n_parties):
        a = PARTY_ROW + PARTY_FIELDS * p
        sets[0, a : a + pr.party.shape[2]] = pr.party[0, p]
        for t in range(n_terms):
            b = TERM_PARTY_ROW + 3 * (t * MAX_PARTIES + p)
            sets[0, b : b + 3] = pr.term_party[0, t, p]
        sets[0, THREAT + p] = pr.threat_weight[0, 0, p]
    sets[0, GROWTH] = pr.glob[0, SPOILER_GROWTH]
    sets[0, PATROL_START] = pr.med[0, 0, PATROL_START_H]
    sets[0, PATROL_CAP] = pr.med[0, 0, PATROL_CAPACITY]
    return world, sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=80)
    parser.add_argument("--worlds", type=int, default=3000)
    args = parser.parse_args()

    ws = WorldSet.build(load_scenario(), "russia", args.worlds, 7)
    st, pr, sc = ws.state, ws.params, ws.structure
    assert sc.step_h == 1.0 and pr.party.shape[0] == 1, "the packed copy assumes these"
    # A mid-run state: every world as its truce ended (grievance, trust, terms in force),
    # then held there, under the first mediator, for the whole horizon.
    drive.run_worlds(st, pr, sc, ws.key, ws.runs, ws.psets, sc.n_steps)
    st.mediator[:] = 0
    st.step0[:] = 0
    ends = np.full(ws.runs.size, int(sc.n_steps), np.int64)
    world, sets = pack(ws)
    named = np.zeros(st.violated.shape, np.bool_)
    packed = np.zeros(st.violated.shape, np.bool_)

    n_terms = st.term_x.shape[1]
    per_step = 1e9 / float(ends.sum())

    def run_named() -> float:
        start = time.process_time()
        choose_named(st, pr, sc, ends, named)
        return (time.process_time() - start) * per_step

    def run_packed() -> float:
        start = time.process_time()
        choose_packed(world, sets, st.key, st.stride, sc.side, n_terms, pr.fragility, ends, packed)
        return (time.process_time() - start) * per_step

    run_named()
    run_packed()
    same = np.array_equal(named, packed)
    print(f"{ws.runs.size:,} worlds x {sc.n_steps} steps; the same decisions: {same}")
    if not same:
        raise SystemExit("the packed copy decides differently: fix it before timing")
    ns = alternate(run_named, run_packed, args.rounds)
    print(summary("choose_all", ("named", "packed"), ns))

    rng = np.random.default_rng(0)
    key = rng.integers(0, 2**63, 4096, dtype=np.uint64)
    stride = key | np.uint64(1)
    out, block = np.zeros(1), np.zeros(16)
    draws_scalar(key[:16], stride[:16], 2, out)
    draws_lockstep(key[:16], stride[:16], 2, block, out)
    per_draw_step = 1e9 / (key.size * 300)

    def one_at_a_time() -> float:
        start = time.process_time()
        draws_scalar(key, stride, 300, out)
        return (time.process_time() - start) * per_draw_step

    def in_lockstep() -> float:
        start = time.process_time()
        draws_lockstep(key, stride, 300, block, out)
        return (time.process_time() - start) * per_draw_step

    ns = alternate(one_at_a_time, in_lockstep, args.rounds // 4)
    print(summary("3 draws", ("one world at a time", "16 in lockstep"), ns))


if __name__ == "__main__":
    main()
