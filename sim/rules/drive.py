"""The loops that apply the rules of `sim.rules.world`.

`run_worlds` runs each world from hour 0 to its end (collapse or horizon), hours inside:
the batch path. The `*_worlds` functions apply one rule to a set of worlds for one step:
the Mesa path, where each agent's `step()` calls its rule. Both apply the same rule
functions in the same order to the same random numbers (which depend only on run, step
and slot), so a world has the same history either way.
"""

from __future__ import annotations

import numpy as np

from sim.rules.jit import compiled
from sim.rules.state import RUNNING, WAITING
from sim.rules.world import (
    choose,
    end_step,
    init_world,
    monitor_and_respond,
    record,
    start_spell,
    step_world,
    update_terms,
)


@compiled
def run_worlds(st, pr, sc, batch_key, runs, psets, max_steps):
    """Run world i (run `runs[i]`, parameter set `psets[i]`) to its end, or for at most
    `max_steps` steps (to observe a window); return the number of world-steps.

    With a campaign a world goes on after its truce ends: the steps without a truce are
    skipped (nothing happens in them but the decay of grievance, which `start_spell`
    applies at once) and the next truce starts at its step."""
    steps = 0
    for w in range(runs.size):
        init_world(st, pr, sc, w, batch_key, runs[w], psets[w])
        limit = min(sc.campaign_steps, max_steps)
        s = 0
        while s < limit:
            step_world(st, pr, sc, w, s)
            steps += 1
            s += 1
            status = st.status[w]
            if status == WAITING:
                s = st.resume_step[w]
                if s >= limit:
                    break
                start_spell(st, pr, sc, w, s)
            elif status != RUNNING:
                break
    return steps


@compiled
def wake_worlds(st, pr, sc, s):
    """Start the truces due at campaign step s (the Mesa path's `start_spell`)."""
    for w in range(st.status.size):
        if st.status[w] == WAITING and st.resume_step[w] == s:
            start_spell(st, pr, sc, w, s)


@compiled
def init_worlds(st, pr, sc, batch_key, runs, psets):
    for w in range(runs.size):
        init_world(st, pr, sc, w, batch_key, runs[w], psets[w])


@compiled
def choose_worlds(st, pr, sc, worlds, s, p):
    for w in worlds:
        choose(st, pr, sc, w, s, p)


@compiled
def record_worlds(st, pr, sc, worlds, s):
    for w in worlds:
        record(st, pr, sc, w, s)


@compiled
def monitor_worlds(st, pr, sc, worlds, s):
    for w in worlds:
        monitor_and_respond(st, pr, sc, w, s)


@compiled
def terms_worlds(st, pr, sc, worlds, s):
    for w in worlds:
        update_terms(st, pr, sc, w, s)


@compiled
def end_step_worlds(st, pr, sc, worlds, s):
    """Collapse or walkout, decay, switch, and the end of finished worlds."""
    for w in worlds:
        end_step(st, pr, sc, w, s)


def running(st) -> np.ndarray:
    """Positions of the worlds under a truce now."""
    return np.flatnonzero(st.status == RUNNING)


def going_on(st) -> bool:
    """True while some world is under a truce or waiting for the next one."""
    return bool(np.any((st.status == RUNNING) | (st.status == WAITING)))
