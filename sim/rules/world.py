"""The rules of one world, one function per rule of `docs/ODD.md` section 7.

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

from sim.rules.jit import compiled, rule
from sim.rules.layout import (
    ATTRIBUTION_ACCURACY,
    BASE,
    BENEFITS,
    BLAME_ADVERSARY,
    COLLAPSE_THRESHOLD,
    CREDIBILITY,
    CREDIBILITY_GAIN,
    CREDIBILITY_LOSS,
    DELIVERY,
    DETERRENCE,
    DUE_H,
    DURATION_H,
    EARLY_FRAGILITY,
    EXTENSION,
    FEAR_REPLY,
    FRAGILITY_TAU,
    MONITORING,
    OBJECTIVE,
    OPEN_AT_START,
    PATIENCE,
    PATROL_CAPACITY,
    PATROL_DETECTION,
    PATROL_START_H,
    PATRON_PRESSURE,
    PRESSURE,
    REBROKER_BASE,
    REBROKER_CREDIBILITY,
    REBROKER_DELAY,
    REBROKER_FAILURES,
    REBROKER_LEVERAGE,
    RELIEVES,
    REPLACE_CREDIBILITY,
    REPLACE_PER_H,
    REPUTATION,
    RETALIATION,
    REVOKE,
    SPIRAL_SHARE,
    SPOILER_GROWTH,
    SPOILER_PULSE,
    SPOILING,
    SWITCH_DELAY,
    SWITCH_ENABLED,
    SWITCH_TRUST_BELOW,
    SWITCH_UNPUNISHED,
    TALKS_BASE,
    TALKS_CREDIBILITY,
    TALKS_DELIVERED,
    TALKS_VIOLATIONS,
    THREATENS,
    TRUCE_VALUE,
    TRUST_INITIAL,
    TRUST_KEPT,
    TRUST_LOSS,
    TRUST_WEIGHT,
    UNDELIVERED_LOSS,
    WALKS_AWAY,
)
from sim.rules.rng import SLOTS, uniform, world_keys
from sim.rules.state import (
    AGREEMENT,
    BREAKDOWN,
    CAMPAIGN_OVER,
    CAUSE_NONE,
    CAUSE_PARTY,
    CAUSE_RETALIATION,
    CAUSE_WALKOUT,
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

TALKS_SLOT = SLOTS - 1
REPLACE_SLOT = SLOTS - 2
EXTEND_SLOT = SLOTS - 3
REBROKER_SLOT = SLOTS - 4


@rule
def _draw(st, w, s, slot):
    return uniform(st.key[w], st.stride[w], s, slot)


@rule
def per_step(chance, step_h):
    """A per-hour chance as a per-step chance (ODD 7.8)."""
    return chance if step_h == 1.0 else 1.0 - (1.0 - chance) ** step_h


@rule
def kept(share, step_h):
    """A per-hour share kept as the share kept over one step (ODD 7.8).

    LLVM folds this to `share ** step_h` (equal when step_h is 1), a call of `pow`: the
    rules read these shares from `sim.rules.derive`, computed once per parameter set."""
    return share if step_h == 1.0 else share**step_h


@rule
def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# ------------------------------------------------------------------------- start


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
def leverage(pr, g, m, p):
    """Leverage over party p, raised by closeness: bias's second face (ODD eq. 2b):
    leverage + closeness x bias x (1 - leverage), computed once per set (`sim.rules.derive`)."""
    return pr.lev[g, m, p]


@rule
def coverage(pr, g, m, hour):
    """Patrol coverage at `hour`: the capacity once the patrols have started."""
    if hour >= pr.med[g, m, PATROL_START_H]:
        return pr.med[g, m, PATROL_CAPACITY]
    return 0.0


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
def propensity(st, pr, sc, w, s, p, early):
    """Log-odds that party p violates in step s (ODD eq. 1); `early` = fragility(...)."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    start = (s - st.step0[w]) * sc.step_h
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
        + a[REPUTATION] * coverage(pr, g, m, start)
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
def choose_with(st, pr, sc, w, s, p, early):
    x = propensity(st, pr, sc, w, s, p, early)
    u = _draw(st, w, s, p)
    if surely_holds(x, u, sc.step_h):
        st.violated[w, p] = False
    else:
        st.violated[w, p] = u < per_step(sigmoid(x), sc.step_h)


@rule
def choose(st, pr, sc, w, s, p):
    """Party p violates in step s with chance sigma(net), per step (ODD 7.1)."""
    choose_with(st, pr, sc, w, s, p, fragility(pr, sc, st.pset[w], s - st.step0[w]))


@rule
def choose_all(st, pr, sc, w, s):
    """Every party chooses, on the state the last step left (simultaneous choices)."""
    early = fragility(pr, sc, st.pset[w], s - st.step0[w])
    for p in range(sc.side.size):
        choose_with(st, pr, sc, w, s, p, early)


# ------------------------------------------------------------------------- 7.5 record


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


@rule
def collapse_cause(st, pr, sc, w):
    """CAUSE_NONE if the truce holds this step, else what ended it (ODD eq. 9, 7.6)."""
    g = np.uint64(st.pset[w])
    m = np.uint64(st.mediator[w])
    n_parties = sc.side.size
    total = 0.0
    for p in range(n_parties):
        total += st.intensity[w, p]
    if total >= pr.glob[g, COLLAPSE_THRESHOLD]:
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
    if pr.med[g, m, WALKS_AWAY] > 0.0 and st.frustration[w] >= pr.med[g, m, PATIENCE]:
        return CAUSE_WALKOUT
    return CAUSE_NONE


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
