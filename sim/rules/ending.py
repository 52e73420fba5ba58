"""ODD 7.3, 7.5-7.7, 7.9: decay, collapse and its cause, the walkout, the mediator switch, talks.

Part of the rules of one world (`sim.rules.world` gives their order and the
conventions every rule follows: state, parameter set, draws).
"""

from __future__ import annotations

import math

import numpy as np

from sim.rules.basics import TALKS_SLOT, _draw, sigmoid
from sim.rules.jit import rule
from sim.rules.layout import (
    COLLAPSE_THRESHOLD,
    CREDIBILITY,
    PATIENCE,
    SPIRAL_SHARE,
    SWITCH_DELAY,
    SWITCH_ENABLED,
    SWITCH_TRUST_BELOW,
    SWITCH_UNPUNISHED,
    TALKS_BASE,
    TALKS_CREDIBILITY,
    TALKS_DELIVERED,
    TALKS_VIOLATIONS,
    WALKS_AWAY,
)
from sim.rules.state import (
    CAUSE_NONE,
    CAUSE_PARTY,
    CAUSE_RETALIATION,
    CAUSE_WALKOUT,
)


@rule
def collapse_cause(st, pr, sc, w):
    """CAUSE_NONE if the truce holds this step, else what ended it (ODD eq. 9, 7.6)."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    total = 0.0
    for p in range(sc.side.size):
        total += st.intensity[w, p]
    if total >= pr.glob[g, COLLAPSE_THRESHOLD]:
        return spiral_or_leader(st, pr, sc, w, total)
    if pr.med[g, m, WALKS_AWAY] > 0.0 and st.frustration[w] >= pr.med[g, m, PATIENCE]:
        return CAUSE_WALKOUT
    return CAUSE_NONE


@rule
def spiral_or_leader(st, pr, sc, w, total):
    """The cause of a collapse: a spiral if two sides or more each carry `spiral_share` of
    the violence, else the party that led it (ODD 7.6)."""
    g = np.uint64(st.pset[w])
    n_parties = sc.side.size
    share = pr.glob[g, SPIRAL_SHARE] * total
    n_sides = 0
    for side in range(n_parties):
        side_total = 0.0
        present = False
        for p in range(n_parties):
            if sc.side[p] == side:
                side_total += st.intensity[w, p]
                present = True
        if present and side_total >= share:
            n_sides += 1
    if n_sides >= 2:
        return CAUSE_RETALIATION
    leader = 0
    for p in range(1, n_parties):
        if st.intensity[w, p] > st.intensity[w, leader]:
            leader = p
    return CAUSE_PARTY + leader


@rule
def decay(st, pr, sc, w):
    """Frustration, applied pressure and spoiler pulses fade (ODD 7.3, eq. 11)."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    # kept(frustration_decay) and kept(pressure_decay), computed once per set: derive.py
    st.frustration[w] *= pr.keep_frustration[g, m]
    fade = pr.keep_pressure[g, m]
    pulsing = False
    for p in range(sc.side.size):
        st.pressure[w, p] *= fade
        pulsing = pulsing or st.pulse[w, p] != 0.0
    if pulsing:  # the pulse halves every spoilers.half_life_h hours
        pulse_fade = pr.pulse_fade[g]  # 0.5 ** (step_h / half_life_h), from derive.py
        for p in range(sc.side.size):
            st.pulse[w, p] *= pulse_fade


@rule
def check_switch(st, pr, sc, w, s):
    """Another mediator takes over when trust runs out (ODD 7.7)."""
    g = np.uint64(st.pset[w])
    if pr.glob[g, SWITCH_ENABLED] <= 0.0 or sc.switch_target < 0:
        return
    hour = (s + 1 - st.step0[w]) * sc.step_h  # hours into the current truce
    if st.mediator[w] != sc.switch_target and math.isinf(st.switch_at[w]):
        trust = st.credibility[w, sc.switch_requester]
        if (
            trust < pr.glob[g, SWITCH_TRUST_BELOW]
            or st.unpunished[w] >= pr.glob[g, SWITCH_UNPUNISHED]
        ):
            st.switch_at[w] = hour + pr.glob[g, SWITCH_DELAY]
    if st.switch_at[w] <= hour + 1e-9:
        take_over(st, pr, sc, w, hour)


@rule
def take_over(st, pr, sc, w, hour):
    """The switch takes effect: the new mediator starts with its own credibility (ODD 7.7)."""
    g = np.uint64(st.pset[w])
    target = sc.switch_target
    st.mediator[w] = target
    for p in range(sc.side.size):
        st.credibility[w, p] = pr.med_party[g, target, p, CREDIBILITY]
    st.frustration[w] = 0.0
    st.switch_at[w] = np.inf
    if st.n_ended[w] == 0:  # the runs table reports the first truce's switch
        st.switch_h[w] = hour


# ------------------------------------------------------------------------- 7.9 the end


@rule
def mean_signatory_credibility(st, sc, w):
    cred = 0.0
    n_signatories = 0
    for p in range(sc.side.size):
        if sc.signatory[p]:
            cred += st.credibility[w, p]
            n_signatories += 1
    return cred / max(n_signatories, 1)


@rule
def talks(st, pr, sc, w, s):
    """At the horizon, talks reach a long-term agreement or not (ODD eq. 10)."""
    g = np.uint64(st.pset[w])
    cred = 0.0
    n_signatories = 0
    violations = 0
    for p in range(sc.side.size):
        violations += st.violations[w, p]
        if sc.signatory[p]:
            cred += st.credibility[w, p]
            n_signatories += 1
    delivered = 0.0
    n_mediated = 0
    for t in range(sc.controller.size):
        if sc.mediated[t]:
            delivered += st.term_hours[w, t] / sc.horizon_h
            n_mediated += 1
    logit = (
        pr.glob[g, TALKS_BASE]
        + pr.glob[g, TALKS_CREDIBILITY] * cred / max(n_signatories, 1)
        + pr.glob[g, TALKS_DELIVERED] * delivered / max(n_mediated, 1)
        - pr.glob[g, TALKS_VIOLATIONS] * violations
    )
    return _draw(st, w, s, TALKS_SLOT) < sigmoid(logit)


# ------------------------------------------------------------------------- 7.11 campaign
