"""What every rule uses: the world's random draws, hourly chances per step, the sigmoid,
the mediator's leverage and its patrols' coverage (ODD 7.1-7.4, 7.8).

Part of the rules of one world (`sim.rules.world` gives their order and the
conventions every rule follows: state, parameter set, draws).
"""

from __future__ import annotations

import math

from sim.rules.jit import rule
from sim.rules.layout import (
    PATROL_CAPACITY,
    PATROL_START_H,
)
from sim.rules.rng import SLOTS, uniform

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
