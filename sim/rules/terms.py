"""ODD 7.4: the terms fall due, are delivered or reversed, and strike spoilers' pulses (eq. 7).

Part of the rules of one world (`sim.rules.world` gives their order and the
conventions every rule follows: state, parameter set, draws).
"""

from __future__ import annotations

import numpy as np

from sim.rules.basics import _draw, leverage, per_step
from sim.rules.jit import rule
from sim.rules.layout import (
    BENEFITS,
    CREDIBILITY_GAIN,
    DELIVERY,
    DUE_H,
    DURATION_H,
    PATRON_PRESSURE,
    REVOKE,
    SPOILER_PULSE,
    THREATENS,
    UNDELIVERED_LOSS,
)


@rule
def spoiler_pulse(st, pr, w, g, m, t):
    """A delivered term jolts the parties it threatens (Stedman 1997; ODD eq. 11)."""
    for q in range(st.pulse.shape[1]):
        threatened = pr.term_party[g, t, q, THREATENS]
        if threatened > 0.0:
            defused = pr.med_party[g, m, q, PATRON_PRESSURE]
            st.pulse[w, q] += pr.party[g, q, SPOILER_PULSE] * threatened * (1.0 - defused)


@rule
def update_terms(st, pr, sc, w, s):
    """Terms fall due, are delivered, progress or are reversed (ODD 7.4, eq. 7)."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    hour = (s + 1 - st.step0[w]) * sc.step_h  # hours into the current truce
    n_parties = sc.side.size
    n_terms = sc.controller.size
    gain = pr.med[g, m, CREDIBILITY_GAIN]
    for t in range(n_terms):
        was_on = st.term_on[w, t]
        due = hour >= pr.term[g, t, DUE_H]
        controller = sc.controller[t]
        on = was_on
        if not on and due:
            if sc.mediated[t]:
                chance = pr.med[g, m, DELIVERY] * leverage(pr, g, m, controller)
                on = _draw(st, w, s, 5 * n_parties + t) < per_step(chance, sc.step_h)
            else:
                on = True
        reversed_now = on and st.violated[w, controller]
        if reversed_now and _draw(st, w, s, 5 * n_parties + n_terms + t) < pr.term[g, t, REVOKE]:
            on = False
            st.term_x[w, t] = 0.0
        if on:
            if pr.term[g, t, DURATION_H] > 0.0:  # step_h / duration_h (derive.py)
                st.term_x[w, t] = min(1.0, st.term_x[w, t] + pr.progress[g, t])
            else:
                st.term_x[w, t] = 1.0
            st.term_hours[w, t] += sc.step_h
        st.term_on[w, t] = on
        st.step_delivered[w, t] = 1 if on and not was_on else (-1 if was_on and not on else 0)
        if on and not was_on:
            spoiler_pulse(st, pr, w, g, m, t)
        if sc.mediated[t]:
            cred = st.credibility
            if on and not was_on:
                for b in range(n_parties):
                    if pr.term_party[g, t, b, BENEFITS] > 0.0:
                        cred[w, b] += gain * (1.0 - cred[w, b])
            elif due and not on:
                lost = per_step(pr.med[g, m, UNDELIVERED_LOSS], sc.step_h)
                for b in range(n_parties):
                    if pr.term_party[g, t, b, BENEFITS] > 0.0:
                        cred[w, b] -= lost * cred[w, b]


# ------------------------------------------------------------------------- 7.5-7.6 collapse
