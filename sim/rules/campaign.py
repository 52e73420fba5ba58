"""ODD 7.11: successive truces in a campaign: replacement, re-brokering, the spells' records.

Part of the rules of one world (`sim.rules.world` gives their order and the
conventions every rule follows: state, parameter set, draws).
"""

from __future__ import annotations

import math

import numpy as np

from sim.rules.basics import (
    EXTEND_SLOT,
    REBROKER_SLOT,
    REPLACE_SLOT,
    _draw,
    leverage,
    per_step,
    sigmoid,
)
from sim.rules.ending import mean_signatory_credibility
from sim.rules.jit import rule
from sim.rules.layout import (
    EXTENSION,
    REBROKER_BASE,
    REBROKER_CREDIBILITY,
    REBROKER_DELAY,
    REBROKER_FAILURES,
    REBROKER_LEVERAGE,
    REPLACE_CREDIBILITY,
    REPLACE_PER_H,
    TRUST_KEPT,
)
from sim.rules.state import (
    AGREEMENT,
    BREAKDOWN,
    CAMPAIGN_OVER,
    CAUSE_NONE,
    CENSORED,
    COLLAPSED,
    CUT,
    EXPIRED,
    LAPSED,
    NO_NEW_TRUCE,
    REPLACED,
    RUNNING,
    SPELL_LIMIT,
    WAITING,
)


@rule
def replaced(st, pr, sc, w, s):
    """A holding truce is replaced by a broader agreement this step (ODD eq. 13)."""
    g = np.uint64(st.pset[w])
    base = pr.glob[g, REPLACE_PER_H]
    if base <= 0.0:
        return False
    cred = mean_signatory_credibility(st, sc, w)
    hazard = min(1.0, base * math.exp(pr.glob[g, REPLACE_CREDIBILITY] * (cred - 0.5)))
    return _draw(st, w, s, REPLACE_SLOT) < per_step(hazard, sc.step_h)


@rule
def rebroker_chance(st, pr, sc, w):
    """Chance the mediator brokers a new truce after a breakdown (ODD eq. 14)."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    n_parties = sc.side.size
    least = 1.0  # credibility with the side that trusts the mediator least
    lev = 0.0
    for side in range(n_parties):
        total = 0.0
        n = 0
        for p in range(n_parties):
            if sc.side[p] == side:
                total += st.credibility[w, p]
                n += 1
        if n > 0:
            least = min(least, total / n)
    for p in range(n_parties):
        lev += leverage(pr, g, m, p)
    logit = (
        pr.glob[g, REBROKER_BASE]
        + pr.glob[g, REBROKER_CREDIBILITY] * least
        + pr.glob[g, REBROKER_LEVERAGE] * lev / n_parties
        - pr.glob[g, REBROKER_FAILURES] * st.failures[w]
    )
    return sigmoid(logit)


@rule
def record_spell(st, sc, w, k, hour, ending, cause):
    """Row k of the truces table (rows beyond the table's width are not kept)."""
    if k >= st.sp_start_h.shape[1]:
        return
    st.sp_start_h[w, k] = st.step0[w] * sc.step_h
    st.sp_end_h[w, k] = hour
    st.sp_ending[w, k] = ending
    st.sp_cause[w, k] = cause
    st.sp_first_violation_h[w, k] = st.first_violation_h[w]
    st.sp_first_violator[w, k] = st.first_violator[w]
    st.sp_mediator[w, k] = st.mediator[w]
    for p in range(sc.side.size):
        st.sp_violations[w, k, p] = st.violations[w, p]


@rule
def record_first(st, sc, w, hour, cause, agreed):
    """The first truce's outcomes, the columns of runs.parquet (unchanged by a campaign)."""
    st.status[w] = COLLAPSED if cause != CAUSE_NONE else CENSORED
    st.duration_h[w] = hour
    st.cause[w] = cause
    st.agreement[w] = agreed
    st.first_mediator[w] = st.mediator[w]
    for p in range(sc.side.size):
        st.first_credibility[w, p] = st.credibility[w, p]
    for t in range(sc.controller.size):
        st.first_term_hours[w, t] = st.term_hours[w, t]


@rule
def wait_for(st, sc, w, resume):
    """The next truce starts at campaign step `resume`, unless the campaign is over."""
    if resume >= sc.campaign_steps:
        st.campaign_end[w] = CAMPAIGN_OVER
    else:
        st.status[w] = WAITING
        st.wait_steps[w] = resume - st.resume_step[w]
        st.resume_step[w] = resume


@rule
def end_spell(st, pr, sc, w, s, ending, cause, agreed):
    """The current truce ends; the campaign ends, or waits for the next truce (ODD 7.11)."""
    # An expired truce ends exactly at its term (no rounding of steps x step length).
    hour = st.step0[w] * sc.step_h + sc.horizon_h if ending == EXPIRED else (s + 1) * sc.step_h
    k = st.n_ended[w]
    st.truce_hours[w] += hour - st.step0[w] * sc.step_h
    record_spell(st, sc, w, k, hour, ending, cause)
    if k == 0:
        record_first(st, sc, w, hour, cause, agreed)
    else:
        st.status[w] = COLLAPSED if cause != CAUSE_NONE else CENSORED
    st.n_ended[w] = k + 1
    st.resume_step[w] = s + 1  # the step the truce ended (wait_for measures the gap)
    if ending == BREAKDOWN:
        st.failures[w] += 1
    if ending == REPLACED or agreed:
        st.campaign_end[w] = AGREEMENT
    elif not sc.campaign:
        st.campaign_end[w] = NO_NEW_TRUCE if ending == BREAKDOWN else LAPSED
    elif ending == CUT:
        st.campaign_end[w] = CAMPAIGN_OVER
    elif k + 1 >= st.sp_start_h.shape[1]:
        st.campaign_end[w] = SPELL_LIMIT
    elif ending == EXPIRED:
        if _draw(st, w, s, EXTEND_SLOT) < pr.glob[st.pset[w], EXTENSION]:
            wait_for(st, sc, w, s + 1)
        else:
            st.campaign_end[w] = LAPSED
    elif _draw(st, w, s, REBROKER_SLOT) < rebroker_chance(st, pr, sc, w):
        delay = math.ceil(pr.glob[st.pset[w], REBROKER_DELAY] / sc.step_h - 1e-9)
        wait_for(st, sc, w, s + 1 + delay)
    else:
        st.campaign_end[w] = NO_NEW_TRUCE


@rule
def start_spell(st, pr, sc, w, s):
    """A new truce starts at campaign step s: violence, the early fragility, pressure and
    the mediator's frustration start afresh; grievance decays over the gap; the mediator's
    credibility, the terms delivered and a share of trust carry over (ODD 7.11)."""
    g = np.uint64(st.pset[w])
    st.step0[w] = s
    st.status[w] = RUNNING
    keep_g = pr.keep_grievance[g] ** st.wait_steps[w]  # kept(grievance_decay): derive.py
    trust_kept = pr.glob[g, TRUST_KEPT]
    for p in range(sc.side.size):
        st.intensity[w, p] = 0.0
        st.grievance[w, p] *= keep_g
        st.pressure[w, p] = 0.0
        st.pending[w, p] = 0
        st.violations[w, p] = 0
        st.trust[w, p] *= trust_kept
        st.pulse[w, p] = 0.0
        st.violated[w, p] = False
    st.frustration[w] = 0.0
    st.unpunished[w] = 0
    st.switch_at[w] = np.inf
    for t in range(sc.controller.size):
        st.term_hours[w, t] = 0.0
    st.first_violation_h[w] = np.nan
    st.first_violator[w] = -1
