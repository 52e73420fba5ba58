"""The state of every world, as arrays over worlds (W worlds, P parties, T terms).

The Mesa agents own views of these arrays (a party agent reads its column); the compiled
rules read and write them in place. Scratch fields prefixed `step_` hold what happened in
the last step, for observers (the narration of `ceasefire run`), and are never read by a
rule of a later step.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

RUNNING, COLLAPSED, CENSORED = 0, 1, 2
# Cause codes: 0 none, 1 retaliation spiral, 2 mediator walkout, 3 + p: party p led.
CAUSE_NONE, CAUSE_RETALIATION, CAUSE_WALKOUT, CAUSE_PARTY = 0, 1, 2, 3


class State(NamedTuple):
    """Per-world state and outcomes."""

    run: np.ndarray  # (W,) int64: run index, keys the random numbers
    pset: np.ndarray  # (W,) int64: parameter set the world reads
    key: np.ndarray  # (W,) uint64: random-number key
    stride: np.ndarray  # (W,) uint64: random-number stride
    status: np.ndarray  # (W,) int8: RUNNING, COLLAPSED or CENSORED
    # parties
    grievance: np.ndarray  # (W, P) decayed count of violations suffered
    intensity: np.ndarray  # (W, P) decayed count of own violations
    pressure: np.ndarray  # (W, P) mediator pressure applied and still felt
    pending: np.ndarray  # (W, P) int32: own violations the mediator has not seen
    violations: np.ndarray  # (W, P) int32
    trust: np.ndarray  # (W, P) trust in the adversaries
    pulse: np.ndarray  # (W, P) spoiler pulse still felt
    credibility: np.ndarray  # (W, P) the mediator's credibility with each party
    violated: np.ndarray  # (W, P) bool: violated in the last step
    # the mediator
    mediator: np.ndarray  # (W,) int64: mediator in charge (index)
    frustration: np.ndarray  # (W,)
    unpunished: np.ndarray  # (W,) int32
    switch_at: np.ndarray  # (W,) hour a requested switch takes effect (inf: none)
    # terms
    term_on: np.ndarray  # (W, T) bool: delivered (or started) and not reversed
    term_x: np.ndarray  # (W, T) progress in [0, 1]
    term_hours: np.ndarray  # (W, T) hours in force
    # outcomes
    duration_h: np.ndarray  # (W,)
    cause: np.ndarray  # (W,) int8
    first_violation_h: np.ndarray  # (W,) NaN: none
    first_violator: np.ndarray  # (W,) int8, -1: none
    agreement: np.ndarray  # (W,) bool
    switch_h: np.ndarray  # (W,) NaN: no switch
    # what happened in the last step, for observers
    step_seen: np.ndarray  # (W, P) int32: violations of each party detected
    step_blamed: np.ndarray  # (W, P) int8: whom they were blamed on (-1: none seen)
    step_punished: np.ndarray  # (W, P) bool
    step_delivered: np.ndarray  # (W, T) int8: +1 delivered, -1 reversed, 0 no change


def allocate(n_worlds: int, n_parties: int, n_terms: int) -> State:
    """Arrays for `n_worlds` worlds; `sim.rules.world.init_world` sets their start."""
    w, p, t = n_worlds, n_parties, n_terms
    return State(
        run=np.zeros(w, np.int64),
        pset=np.zeros(w, np.int64),
        key=np.zeros(w, np.uint64),
        stride=np.zeros(w, np.uint64),
        status=np.zeros(w, np.int8),
        grievance=np.zeros((w, p)),
        intensity=np.zeros((w, p)),
        pressure=np.zeros((w, p)),
        pending=np.zeros((w, p), np.int32),
        violations=np.zeros((w, p), np.int32),
        trust=np.zeros((w, p)),
        pulse=np.zeros((w, p)),
        credibility=np.zeros((w, p)),
        violated=np.zeros((w, p), np.bool_),
        mediator=np.zeros(w, np.int64),
        frustration=np.zeros(w),
        unpunished=np.zeros(w, np.int32),
        switch_at=np.zeros(w),
        term_on=np.zeros((w, t), np.bool_),
        term_x=np.zeros((w, t)),
        term_hours=np.zeros((w, t)),
        duration_h=np.zeros(w),
        cause=np.zeros(w, np.int8),
        first_violation_h=np.zeros(w),
        first_violator=np.zeros(w, np.int8),
        agreement=np.zeros(w, np.bool_),
        switch_h=np.zeros(w),
        step_seen=np.zeros((w, p), np.int32),
        step_blamed=np.zeros((w, p), np.int8),
        step_punished=np.zeros((w, p), np.bool_),
        step_delivered=np.zeros((w, t), np.int8),
    )
