"""ODD 7.2-7.3: detection, attribution, punishment, pressure and credibility (eq. 3-6).

Part of the rules of one world (`sim.rules.world` gives their order and the
conventions every rule follows: state, parameter set, draws).
"""

from __future__ import annotations

import numpy as np

from sim.rules.basics import _draw, coverage, leverage, per_step
from sim.rules.jit import rule
from sim.rules.layout import (
    ATTRIBUTION_ACCURACY,
    BLAME_ADVERSARY,
    CREDIBILITY_GAIN,
    CREDIBILITY_LOSS,
    MONITORING,
    PATROL_DETECTION,
)


@rule
def binomial_from_uniform(n, q, u):
    """The Binomial(n, q) draw whose CDF first exceeds u (inversion: one uniform)."""
    if n <= 0 or q <= 0.0:
        return 0
    if q >= 1.0:
        return n
    prob = (1.0 - q) ** n
    cdf = prob
    k = 0
    ratio = q / (1.0 - q)
    while u >= cdf and k < n:
        prob *= (n - k) / (k + 1) * ratio
        k += 1
        cdf += prob
    return k


@rule
def attribute(sc, p, u_right, u_whom, blame_adversary, accuracy):
    """Whom the mediator blames for a violation by p (ODD eq. 4)."""
    if u_right < accuracy:
        return p
    n_parties = sc.side.size
    allies = 0
    adversaries = 0
    for q in range(n_parties):
        if q != p:
            if sc.side[q] == sc.side[p]:
                allies += 1
            else:
                adversaries += 1
    if allies == 0 or u_whom < blame_adversary:
        r = u_whom if allies == 0 else u_whom / blame_adversary
        pick = min(int(r * adversaries), adversaries - 1)
        same = False
    else:
        r = (u_whom - blame_adversary) / (1.0 - blame_adversary)
        pick = min(int(r * allies), allies - 1)
        same = True
    for q in range(n_parties):
        if q != p and (sc.side[q] == sc.side[p]) == same:
            if pick == 0:
                return q
            pick -= 1
    return p  # unreachable: every party has an adversary


@rule
def respond(st, pr, sc, w, author, blamed, punished, seen):
    """Pressure and credibility after a detected violation (ODD eq. 6)."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    gain = pr.med[g, m, CREDIBILITY_GAIN]
    loss = pr.med[g, m, CREDIBILITY_LOSS]
    cred = st.credibility
    n_parties = sc.side.size
    if punished:
        st.pressure[w, blamed] += leverage(pr, g, m, blamed) * seen
        if blamed == author:
            cred[w, blamed] += gain * (1.0 - cred[w, blamed])
        else:
            cred[w, blamed] -= loss * cred[w, blamed]
        for v in range(n_parties):  # the victims see the mediator act, unless against them
            if sc.side[v] != sc.side[author] and sc.side[v] != sc.side[blamed]:
                cred[w, v] += gain * (1.0 - cred[w, v])
    else:
        for v in range(n_parties):
            if sc.side[v] != sc.side[author]:
                cred[w, v] -= loss * cred[w, v]
        cred[w, blamed] -= loss * cred[w, blamed]
        st.frustration[w] += seen
        st.unpunished[w] += seen


@rule
def detection_chance(pr, sc, g, m, start):
    """Chance per step that a pending violation is seen: monitoring, or the patrols (eq. 3)."""
    monitoring = pr.med[g, m, MONITORING]
    chance = monitoring + (1.0 - monitoring) * (
        coverage(pr, g, m, start) * pr.glob[g, PATROL_DETECTION]
    )
    return per_step(chance, sc.step_h)


@rule
def monitor_and_respond(st, pr, sc, w, s):
    """Detect pending violations, blame someone, punish or not (ODD 7.2-7.3)."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    n_parties = sc.side.size
    start = (s - st.step0[w]) * sc.step_h
    for p in range(n_parties):
        st.step_seen[w, p] = 0
        st.step_blamed[w, p] = -1
        st.step_punished[w, p] = False
    for p in range(n_parties):
        if st.pending[w, p] == 0:
            continue
        seen_chance = detection_chance(pr, sc, g, m, start)
        seen = binomial_from_uniform(st.pending[w, p], seen_chance, _draw(st, w, s, n_parties + p))
        if seen == 0:
            continue
        st.pending[w, p] -= seen
        blamed = attribute(
            sc,
            p,
            _draw(st, w, s, 2 * n_parties + p),
            _draw(st, w, s, 3 * n_parties + p),
            pr.glob[g, BLAME_ADVERSARY],
            pr.glob[g, ATTRIBUTION_ACCURACY],
        )
        punish_chance = pr.punish[g, m, blamed]  # resolve x (1 - bias), eq. 5 (derive.py)
        punished = _draw(st, w, s, 4 * n_parties + p) < punish_chance
        respond(st, pr, sc, w, p, blamed, punished, seen)
        st.step_seen[w, p] = seen
        st.step_blamed[w, p] = blamed
        st.step_punished[w, p] = punished


# ------------------------------------------------------------------------- 7.4 terms
