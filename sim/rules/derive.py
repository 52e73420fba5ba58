"""Constants derived once per parameter set, so that a world-step does not recompute them.

A world-step (ODD 3) used to recompute, for every world and every hour, values that depend
only on the parameter set and the mediator in charge: the leverage with its closeness
lift (eq. 2b), leverage x resolve (eq. 2), the chance a blamed party is punished (eq. 5),
a term's progress per step (eq. 7), the fade of a spoiler pulse per step (eq. 11), the
early fragility of each step of a truce (eq. 1), and the per-hour shares and chances
over one step (ODD 7.8: LLVM compiles `kept` to a call of `pow` even when step_h is 1). They
are computed here, once per set and mediator, with the same arithmetic in the same order,
so every value is the same to the last bit and the rules of `sim.rules.world` only read
them. A mediator switch only changes which mediator's row is read.

`derive` is called by `sim.rules.layout.build_params`: every `Params` carries them.
"""

from __future__ import annotations

import math

import numpy as np

from sim.rules.jit import compiled
from sim.rules.layout import (
    BIAS,
    CLOSENESS_LEVERAGE,
    DURATION_H,
    FRAGILITY_TAU,
    FRUSTRATION_DECAY,
    GRIEVANCE_DECAY,
    INTENSITY_DECAY,
    LEVERAGE,
    PRESSURE_DECAY,
    RESOLVE,
    SPOILER_HALF_LIFE,
    TRUST_GAIN,
)
from sim.rules.world import kept, per_step


@compiled
def _derive(term, med, med_party, glob, step_h, out):
    (
        lev,
        threat_weight,
        punish,
        progress,
        pulse_fade,
        fragility,
        keep_grievance,
        keep_intensity,
        trust_gain,
        keep_frustration,
        keep_pressure,
    ) = out
    n_sets, n_mediators, n_parties = lev.shape
    for g in range(n_sets):
        # ODD 7.8: per-hour shares and chances over one step (eq. 8, 12)
        keep_grievance[g] = kept(glob[g, GRIEVANCE_DECAY], step_h)
        keep_intensity[g] = kept(glob[g, INTENSITY_DECAY], step_h)
        trust_gain[g] = per_step(glob[g, TRUST_GAIN], step_h)
        for m in range(n_mediators):
            keep_frustration[g, m] = kept(med[g, m, FRUSTRATION_DECAY], step_h)
            keep_pressure[g, m] = kept(med[g, m, PRESSURE_DECAY], step_h)
            resolve = med[g, m, RESOLVE]
            for p in range(n_parties):
                # eq. 2b: closeness lifts leverage towards 1 (bias's second face)
                own = med_party[g, m, p, LEVERAGE]
                lift = med[g, m, CLOSENESS_LEVERAGE] * med_party[g, m, p, BIAS]
                lev[g, m, p] = own + lift * (1.0 - own)
                # eq. 2: the threat is leverage x resolve x credibility
                threat_weight[g, m, p] = lev[g, m, p] * resolve
                # eq. 5: a blamed party is punished with chance resolve x (1 - bias)
                punish[g, m, p] = resolve * (1.0 - med_party[g, m, p, BIAS])
        for t in range(term.shape[1]):
            # eq. 7: a term in force progresses step_h / duration_h per step
            duration = term[g, t, DURATION_H]
            progress[g, t] = step_h / duration if duration > 0.0 else 1.0
        # eq. 11: the pulse halves every spoilers.half_life_h hours
        pulse_fade[g] = 0.5 ** (step_h / glob[g, SPOILER_HALF_LIFE])
        # eq. 1: the early fragility exp(-t0 / tau) in each step of a truce
        for s in range(fragility.shape[1]):
            fragility[g, s] = math.exp(-(s * step_h) / glob[g, FRAGILITY_TAU])


FRAGILITY_TABLE_MAX = 1 << 20
"""Most entries (sets x steps) of the fragility table; with more sets (a posterior, one
set per world) the rules compute exp(-t0 / tau) each step instead (8 MB at most)."""


def derive(
    term: np.ndarray,
    med: np.ndarray,
    med_party: np.ndarray,
    glob: np.ndarray,
    step_h: float,
    n_steps: int,
) -> dict[str, np.ndarray]:
    """The derived fields of `sim.rules.layout.Params`, from its parameter arrays."""
    n_sets, n_mediators, n_parties = med_party.shape[:3]
    tabled = n_steps if n_sets * n_steps <= FRAGILITY_TABLE_MAX else 0
    out = {
        "lev": np.empty((n_sets, n_mediators, n_parties)),
        "threat_weight": np.empty((n_sets, n_mediators, n_parties)),
        "punish": np.empty((n_sets, n_mediators, n_parties)),
        "progress": np.empty((n_sets, term.shape[1])),
        "pulse_fade": np.empty(n_sets),
        "fragility": np.empty((n_sets, tabled)),
        "keep_grievance": np.empty(n_sets),
        "keep_intensity": np.empty(n_sets),
        "trust_gain": np.empty(n_sets),
        "keep_frustration": np.empty((n_sets, n_mediators)),
        "keep_pressure": np.empty((n_sets, n_mediators)),
    }
    _derive(term, med, med_party, glob, float(step_h), tuple(out.values()))
    return out
