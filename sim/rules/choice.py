"""ODD 7.1: each party's hourly choice to violate or hold (eq. 1-2).

Part of the rules of one world (`sim.rules.world` gives their order and the
conventions every rule follows: state, parameter set, draws).
"""

from __future__ import annotations

import math

import numpy as np

from sim.rules.basics import _draw, coverage, per_step, sigmoid
from sim.rules.jit import rule
from sim.rules.layout import (
    BASE,
    BENEFITS,
    DETERRENCE,
    EARLY_FRAGILITY,
    FEAR_REPLY,
    FRAGILITY_TAU,
    OBJECTIVE,
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


@rule
def threat(st, pr, g, m, w, p):
    """The pressure party p expects for a violation: leverage x resolve x credibility (eq. 2);
    leverage x resolve is computed once per set (`sim.rules.derive`)."""
    return pr.threat_weight[g, m, p] * st.credibility[w, p]


@rule
def adversary_intensity(st, sc, w, p):
    """Recent violence of the parties on other sides than p's."""
    total = 0.0
    for q in range(sc.side.size):
        if sc.side[q] != sc.side[p]:
            total += st.intensity[w, q]
    return total


# ------------------------------------------------------------------------- 7.1 choice


@rule
def fragility(pr, sc, g, s):
    """exp(-t0 / tau): the early fragility still felt in step s (ODD eq. 1); tabled per
    set by `sim.rules.derive` when the table is small, else computed here."""
    if s < pr.fragility[g].size:
        return pr.fragility[g, s]
    return math.exp(-(s * sc.step_h) / pr.glob[g, FRAGILITY_TAU])


@rule
def propensity(st, pr, sc, w, p, g, m, early, patrols):
    """Log-odds that party p violates now (ODD eq. 1), in world w under parameter set g
    and mediator m; `early` = fragility(...) and `patrols` = coverage(...) of this step,
    the same for every party."""
    relief = 0.0
    threatened = 0.0
    held = 0.0
    for t in range(st.term_x.shape[1]):
        x = st.term_x[w, t]
        relief += pr.term_party[g, t, p, RELIEVES] * x
        threatened += pr.term_party[g, t, p, THREATENS] * x
        held += pr.term_party[g, t, p, BENEFITS] * x
    a = pr.party[g, p]
    gain = (
        a[BASE]
        + a[EARLY_FRAGILITY] * early
        + a[OBJECTIVE] * (1.0 - min(relief, 1.0))
        + a[SPOILING] * (1.0 + pr.glob[g, SPOILER_GROWTH] * threatened)
        + st.pulse[w, p]
        + a[RETALIATION] * st.grievance[w, p]
    )
    hold = a[TRUCE_VALUE] + held + a[TRUST_WEIGHT] * st.trust[w, p]
    fear = (
        a[FEAR_REPLY] * adversary_intensity(st, sc, w, p)
        + a[REPUTATION] * patrols
        + a[DETERRENCE] * threat(st, pr, g, m, w, p)
        + a[PRESSURE] * st.pressure[w, p]
    )
    return gain - hold - fear


@rule
def surely_holds(x, u, step_h):
    """True if a draw u already exceeds the chance per_step(sigmoid(x), step_h): a bound
    that decides most choices without `exp` (a speed-up; the decision is the same).

    For y = -x > 0, e^y >= 1 + y + y^2/2 + y^3/6 + y^4/24, so sigmoid(x) <= 1 / d with
    d = 2 + y + ... + y^4/24; and for step_h >= 1, 1 - (1 - q)^step_h <= step_h * q. The
    margins (relative 1e-9, absolute 1e-12) dwarf the rounding of either side. d is
    evaluated in Estrin's order (a shorter chain of dependent operations than Horner's)."""
    if x >= 0.0 or step_h < 1.0:
        return False
    y = -x
    y2 = y * y
    d = (2.0 + y) + y2 * ((0.5 + y * (1.0 / 6.0)) + y2 * (1.0 / 24.0))
    return (u - 1e-12) * d > step_h * (1.0 + 1e-9)


@rule
def violates(x, u, step_h):
    """A violation with chance per_step(sigmoid(x), step_h), decided by the draw u."""
    if surely_holds(x, u, step_h):
        return False
    return u < per_step(sigmoid(x), step_h)


@rule
def choose(st, pr, sc, w, s, p):
    """Party p violates in step s with chance sigma(net), per step (ODD 7.1)."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    early = fragility(pr, sc, g, s - st.step0[w])
    patrols = coverage(pr, g, m, (s - st.step0[w]) * sc.step_h)
    x = propensity(st, pr, sc, w, p, g, m, early, patrols)
    st.violated[w, p] = violates(x, _draw(st, w, s, p), sc.step_h)


@rule
def choose_all(st, pr, sc, w, s):
    """Every party chooses, on the state the last step left (simultaneous choices).

    The same as `choose` for each party in turn; what every party shares (parameter set,
    mediator, early fragility, patrols) is read once, not once per party."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    early = fragility(pr, sc, g, s - st.step0[w])
    patrols = coverage(pr, g, m, (s - st.step0[w]) * sc.step_h)
    for p in range(sc.side.size):
        x = propensity(st, pr, sc, w, p, g, m, early, patrols)
        st.violated[w, p] = violates(x, _draw(st, w, s, p), sc.step_h)


# ------------------------------------------------------------------------- 7.5 record
