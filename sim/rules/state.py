"""The state of every world, as arrays over worlds (W worlds, P parties, T terms).

The Mesa agents own views of these arrays (a party agent reads its column); the compiled
rules read and write them in place. Scratch fields prefixed `step_` hold what happened in
the last step, for observers (the narration of `ceasefire run`), and are never read by a
rule of a later step.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

RUNNING, COLLAPSED, CENSORED, WAITING = 0, 1, 2, 3
# WAITING: between two truces of a campaign (a new one is brokered at `resume_step`).
# Spell endings (ODD 7.11); CUT: still holding when the campaign ended (censored).
BREAKDOWN, REPLACED, EXPIRED, CUT = 0, 1, 2, 3
# How a campaign ended.
AGREEMENT, LAPSED, NO_NEW_TRUCE, CAMPAIGN_OVER, SPELL_LIMIT = 0, 1, 2, 3, 4
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
    # the campaign of successive truces (ODD 7.11); the fields above are the current truce's
    step0: np.ndarray  # (W,) int64: campaign step at which the current truce started
    n_ended: np.ndarray  # (W,) int64: truces ended so far (the current one is number n_ended)
    resume_step: np.ndarray  # (W,) int64: campaign step of the next truce (when WAITING)
    wait_steps: np.ndarray  # (W,) int64: steps without a truce before the next one
    failures: np.ndarray  # (W,) int32: truces that broke down
    truce_hours: np.ndarray  # (W,) hours under truce over the campaign
    campaign_end: np.ndarray  # (W,) int8: AGREEMENT, LAPSED, ... (-1: not ended)
    first_credibility: np.ndarray  # (W, P) credibility when the first truce ended
    first_term_hours: np.ndarray  # (W, T) hours each term was in force in the first truce
    first_mediator: np.ndarray  # (W,) int64: mediator in charge when the first truce ended
    # one row per truce (K = MAX_SPELLS with a campaign, else 1)
    sp_start_h: np.ndarray  # (W, K) campaign hour the truce started
    sp_end_h: np.ndarray  # (W, K) campaign hour it ended
    sp_ending: np.ndarray  # (W, K) int8: BREAKDOWN, REPLACED, EXPIRED or CUT
    sp_cause: np.ndarray  # (W, K) int8: cause code of a breakdown (CAUSE_NONE otherwise)
    sp_first_violation_h: np.ndarray  # (W, K) campaign hour of its first violation (NaN)
    sp_first_violator: np.ndarray  # (W, K) int8 (-1: none)
    sp_violations: np.ndarray  # (W, K, P) int32
    sp_mediator: np.ndarray  # (W, K) int64: mediator in charge when it ended
    # what happened in the last step, for observers
    step_seen: np.ndarray  # (W, P) int32: violations of each party detected
    step_blamed: np.ndarray  # (W, P) int8: whom they were blamed on (-1: none seen)
    step_punished: np.ndarray  # (W, P) bool
    step_delivered: np.ndarray  # (W, T) int8: +1 delivered, -1 reversed, 0 no change


def allocate(n_worlds: int, n_parties: int, n_terms: int, n_spells: int = 1) -> State:
    """Arrays for `n_worlds` worlds; `sim.rules.world.init_world` sets their start.

    `n_spells`: truces recorded per world (1 without a campaign, else `MAX_SPELLS`).
    """
    w, p, t, k = n_worlds, n_parties, n_terms, n_spells
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
        step0=np.zeros(w, np.int64),
        n_ended=np.zeros(w, np.int64),
        resume_step=np.zeros(w, np.int64),
        wait_steps=np.zeros(w, np.int64),
        failures=np.zeros(w, np.int32),
        truce_hours=np.zeros(w),
        campaign_end=np.zeros(w, np.int8),
        first_credibility=np.zeros((w, p)),
        first_term_hours=np.zeros((w, t)),
        first_mediator=np.zeros(w, np.int64),
        sp_start_h=np.zeros((w, k)),
        sp_end_h=np.zeros((w, k)),
        sp_ending=np.zeros((w, k), np.int8),
        sp_cause=np.zeros((w, k), np.int8),
        sp_first_violation_h=np.zeros((w, k)),
        sp_first_violator=np.zeros((w, k), np.int8),
        sp_violations=np.zeros((w, k, p), np.int32),
        sp_mediator=np.zeros((w, k), np.int64),
        step_seen=np.zeros((w, p), np.int32),
        step_blamed=np.zeros((w, p), np.int8),
        step_punished=np.zeros((w, p), np.bool_),
        step_delivered=np.zeros((w, t), np.int8),
    )
