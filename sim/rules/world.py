"""The rules of one world, one function per rule of `docs/ODD.md` section 7, in order.

This module holds the step's order (`step_world`, `end_step`), the world's start
(`init_world`), the record of an hour (`record`, ODD 7.5 and 7.10) and the horizon
(`finish`); the rules themselves are in one module per part of section 7: `choice`
(7.1), `mediation` (7.2-7.3), `terms` (7.4), `ending` (7.3, 7.5-7.7, 7.9), `campaign`
(7.11), with what they share in `basics`. Every name is importable from here.

Every function reads and writes world `w` of the state `st` (`sim.rules.state.State`) at
step `s` (hours `s * step_h` to `(s + 1) * step_h`), with the parameter set `pr[st.pset[w]]`
(`sim.rules.layout`) and the scenario's structure `sc`. They are compiled with numba and
called in the same order by the batch driver and by the Mesa agents (`sim.rules.drive`).

Random draws: `_draw(st, w, s, slot)`; slots per step, for P parties and T terms:
p (choice of party p), P + p (detection of p's violations), 2P + p and 3P + p
(attribution), 4P + p (punishment), 5P + t (delivery of term t), 5P + T + t (its
reversal), and `TALKS_SLOT` (the talks at the horizon); with a campaign (ODD 7.11) also
`REPLACE_SLOT` (replacement of a holding truce), `EXTEND_SLOT` (extension at its term)
and `REBROKER_SLOT` (a new truce after a breakdown).

Steps `s` count from the start of the campaign (hour 0), so a draw depends only on the
run, the campaign step and the slot; the rules read the hours of the current truce as
`s - st.step0[w]` steps (its early fragility, its terms' due hours, the patrols' start).
Without a campaign `step0` is 0 and the two clocks are the same.

A rule reads its world's parameter set and mediator as `g = np.uint64(st.pset[w])` and
`m = np.uint64(st.mediator[w])`: an unsigned index spares numba's check for negative
indices (wrap-around) at every parameter read, ~10% of a world-step. The values are
the same.
"""

from __future__ import annotations

import math

import numpy as np

from sim.rules.basics import (
    EXTEND_SLOT,
    REBROKER_SLOT,
    REPLACE_SLOT,
    TALKS_SLOT,
    _draw,
    coverage,
    kept,
    leverage,
    per_step,
    sigmoid,
)
from sim.rules.campaign import (
    end_spell,
    rebroker_chance,
    record_first,
    record_spell,
    replaced,
    start_spell,
    wait_for,
)
from sim.rules.choice import (
    adversary_intensity,
    choose,
    choose_all,
    fragility,
    propensity,
    surely_holds,
    threat,
    violates,
)
from sim.rules.ending import (
    check_switch,
    collapse_cause,
    decay,
    mean_signatory_credibility,
    spiral_or_leader,
    take_over,
    talks,
)
from sim.rules.jit import compiled, rule
from sim.rules.layout import (
    CREDIBILITY,
    OPEN_AT_START,
    TRUST_INITIAL,
    TRUST_LOSS,
)
from sim.rules.mediation import (
    attribute,
    binomial_from_uniform,
    detection_chance,
    monitor_and_respond,
    respond,
)
from sim.rules.rng import world_keys
from sim.rules.state import (
    BREAKDOWN,
    CAUSE_NONE,
    CUT,
    EXPIRED,
    REPLACED,
    RUNNING,
)
from sim.rules.terms import (
    spoiler_pulse,
    update_terms,
)


@compiled
def init_world(st, pr, sc, w, batch_key, run, pset):
    """Hour 0 (ODD 5): no grievance, intensity, pressure; terms as agreed; mediator 0."""
    st.run[w] = run
    st.pset[w] = pset
    key, stride = world_keys(batch_key, run)
    st.key[w] = key
    st.stride[w] = stride
    st.status[w] = RUNNING
    g = pset
    n_parties = st.grievance.shape[1]
    for p in range(n_parties):
        st.grievance[w, p] = 0.0
        st.intensity[w, p] = 0.0
        st.pressure[w, p] = 0.0
        st.pending[w, p] = 0
        st.violations[w, p] = 0
        st.trust[w, p] = pr.glob[g, TRUST_INITIAL]
        st.pulse[w, p] = 0.0
        st.credibility[w, p] = pr.med_party[g, 0, p, CREDIBILITY]
        st.violated[w, p] = False
        st.step_seen[w, p] = 0
        st.step_blamed[w, p] = -1
        st.step_punished[w, p] = False
    st.mediator[w] = 0
    st.frustration[w] = 0.0
    st.unpunished[w] = 0
    st.switch_at[w] = np.inf
    for t in range(st.term_on.shape[1]):
        on = pr.term[g, t, OPEN_AT_START] > 0.0
        st.term_on[w, t] = on
        st.term_x[w, t] = 1.0 if on else 0.0
        st.term_hours[w, t] = 0.0
        st.step_delivered[w, t] = 0
    st.duration_h[w] = sc.horizon_h
    st.cause[w] = CAUSE_NONE
    st.first_violation_h[w] = np.nan
    st.first_violator[w] = -1
    st.agreement[w] = False
    st.switch_h[w] = np.nan
    st.step0[w] = 0
    st.n_ended[w] = 0
    st.resume_step[w] = 0
    st.wait_steps[w] = 0
    st.failures[w] = 0
    st.truce_hours[w] = 0.0
    st.campaign_end[w] = -1


# ------------------------------------------------------------------------- helpers


@rule
def record(st, pr, sc, w, s):
    """Count the step's violations; grievance, intensity and trust follow (eq. 8, 12)."""
    g = np.uint64(st.pset[w])
    hour = (s + 1) * sc.step_h
    # kept(grievance_decay), kept(intensity_decay), per_step(trust.gain_per_h): derive.py
    keep_g = pr.keep_grievance[g]
    keep_e = pr.keep_intensity[g]
    trust_gain = pr.trust_gain[g]
    trust_loss = pr.glob[g, TRUST_LOSS]
    n_parties = sc.side.size
    quiet = True  # nobody violated: no party is hit (saves the loop below, ~95% of steps)
    for p in range(n_parties):
        v = st.violated[w, p]
        st.intensity[w, p] = st.intensity[w, p] * keep_e + v
        st.grievance[w, p] *= keep_g
        if v:
            quiet = False
            st.violations[w, p] += 1
            st.pending[w, p] += 1
            if math.isnan(st.first_violation_h[w]):
                st.first_violation_h[w] = hour
                st.first_violator[w] = p
    for p in range(n_parties):
        hits = 0
        for q in range(0 if quiet else n_parties):
            if sc.side[q] != sc.side[p] and st.violated[w, q]:
                hits += 1
        st.grievance[w, p] += hits
        if hits:  # each adversary's violation costs a share of the trust built
            st.trust[w, p] *= (1.0 - trust_loss) ** hits
        else:  # a quiet step closes part of the gap to full trust
            st.trust[w, p] += trust_gain * (1.0 - st.trust[w, p])


# ------------------------------------------------------------------------- 7.2-7.3 mediator


@rule
def finish(st, pr, sc, w, s, cause):
    """The truce breaks down, reaches its term (talks), is replaced, or is cut off."""
    if cause != CAUSE_NONE:
        end_spell(st, pr, sc, w, s, BREAKDOWN, cause, False)
    elif s + 1 - st.step0[w] >= sc.n_steps:
        end_spell(st, pr, sc, w, s, EXPIRED, CAUSE_NONE, talks(st, pr, sc, w, s))
    elif sc.campaign:
        if replaced(st, pr, sc, w, s):
            end_spell(st, pr, sc, w, s, REPLACED, CAUSE_NONE, False)
        elif s + 1 >= sc.campaign_steps:
            end_spell(st, pr, sc, w, s, CUT, CAUSE_NONE, False)


# ------------------------------------------------------------------------- one step


@rule
def end_step(st, pr, sc, w, s):
    """Collapse or walkout, then decay, the switch, and the end of a finished world."""
    cause = collapse_cause(st, pr, sc, w)
    decay(st, pr, sc, w)
    if cause == CAUSE_NONE:
        check_switch(st, pr, sc, w, s)
    finish(st, pr, sc, w, s, cause)


@rule
def step_world(st, pr, sc, w, s):
    """One step of world w, the schedule of ODD section 3."""
    choose_all(st, pr, sc, w, s)
    record(st, pr, sc, w, s)
    monitor_and_respond(st, pr, sc, w, s)
    update_terms(st, pr, sc, w, s)
    end_step(st, pr, sc, w, s)


__all__ = [
    "EXTEND_SLOT",
    "REBROKER_SLOT",
    "REPLACE_SLOT",
    "TALKS_SLOT",
    "_draw",
    "adversary_intensity",
    "attribute",
    "binomial_from_uniform",
    "check_switch",
    "choose",
    "choose_all",
    "collapse_cause",
    "coverage",
    "decay",
    "detection_chance",
    "end_spell",
    "end_step",
    "finish",
    "fragility",
    "init_world",
    "kept",
    "leverage",
    "mean_signatory_credibility",
    "monitor_and_respond",
    "per_step",
    "propensity",
    "rebroker_chance",
    "record",
    "record_first",
    "record_spell",
    "replaced",
    "respond",
    "sigmoid",
    "spiral_or_leader",
    "spoiler_pulse",
    "start_spell",
    "step_world",
    "surely_holds",
    "take_over",
    "talks",
    "threat",
    "update_terms",
    "violates",
    "wait_for",
]
