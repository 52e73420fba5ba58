"""Where each parameter sits in the arrays the compiled rules read.

Parameters are held as *parameter sets*: row `g` of every array below is one complete
set of values, and each world reads the set `pset[w]`. A batch with fixed parameters has
one set; a sweep or a sensitivity design has one set per design point; posterior draws
have one set per world. Every numeric parameter of the scenario and of each mediator can
therefore differ between worlds of one model.

Arrays (G sets, P parties, T terms, M mediators, K fields):

- `party[G, P, K]`: `actors.<party>.*` in the order of `sim.schema.ACTOR_PARAMS`;
- `term[G, T, K]`: `terms.<term>.*` in the order of `sim.schema.TERM_PARAMS`;
- `term_party[G, T, P, K]`: `terms.<term>.{benefits,threatens,relieves}.<party>`;
- `med[G, M, K]`: `conduct.*` of each mediator, in the order of `CONDUCT_PARAMS`;
- `med_party[G, M, P, K]`: `{leverage,credibility,bias,patron_pressure}.<party>`;
- `glob[G, K]`: the scenario-wide parameters below (`GLOBAL_KEYS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from sim.errors import UserError
from sim.schema import (
    ACTOR_PARAMS,
    CONDUCT_PARAMS,
    MEDIATOR_PARTY_PARAMS,
    TERM_PARAMS,
    TERM_PARTY_PARAMS,
)

PARTY_KEYS = tuple(ACTOR_PARAMS)
TERM_KEYS = tuple(TERM_PARAMS)
TERM_PARTY_KEYS = tuple(TERM_PARTY_PARAMS)
CONDUCT_KEYS = tuple(k.removeprefix("conduct.") for k in CONDUCT_PARAMS)
MED_PARTY_KEYS = tuple(MEDIATOR_PARTY_PARAMS)
GLOBAL_KEYS = (
    "time.fragility_tau_h",
    "talks.base",
    "talks.credibility",
    "talks.delivered",
    "talks.violations",
    "monitoring.attribution_accuracy",
    "monitoring.blame_adversary",
    "monitoring.patrol_detection",
    "escalation.grievance_decay",
    "escalation.intensity_decay",
    "escalation.collapse_threshold",
    "escalation.spiral_share",
    "spoilers.growth",
    "spoilers.half_life_h",
    "trust.initial",
    "trust.gain_per_h",
    "trust.loss_per_violation",
    "switch.enabled",
    "switch.trust_below",
    "switch.unpunished_at_least",
    "switch.delay_h",
    "campaign.replace_per_h",
    "campaign.replace_credibility",
    "campaign.extension",
    "campaign.rebroker_delay_h",
    "campaign.rebroker_base",
    "campaign.rebroker_credibility",
    "campaign.rebroker_leverage",
    "campaign.rebroker_failures",
    "campaign.trust_kept",
)
FIXED_KEYS = ("time.step_h", "time.horizon_h", "campaign.length_h")
"""Parameters that set the shape of a run (how many steps): the same in every world."""

# Field indices, read by the compiled rules as constants.
(
    BASE,
    OBJECTIVE,
    SPOILING,
    SPOILER_PULSE,
    RETALIATION,
    TRUCE_VALUE,
    FEAR_REPLY,
    REPUTATION,
    DETERRENCE,
    PRESSURE,
    EARLY_FRAGILITY,
    TRUST_WEIGHT,
) = (PARTY_KEYS.index(k) for k in (
    "base", "objective", "spoiling", "spoiler_pulse", "retaliation", "truce_value",
    "fear_reply", "reputation", "deterrence", "pressure", "early_fragility", "trust_weight",
))  # fmt: skip
DUE_H, DURATION_H, REVOKE, OPEN_AT_START = (
    TERM_KEYS.index(k) for k in ("due_h", "duration_h", "revoke", "open_at_start")
)
BENEFITS, THREATENS, RELIEVES = (
    TERM_PARTY_KEYS.index(k) for k in ("benefits", "threatens", "relieves")
)
(
    RESOLVE,
    PATROL_CAPACITY,
    PATROL_START_H,
    MONITORING,
    DELIVERY,
    CREDIBILITY_GAIN,
    CREDIBILITY_LOSS,
    UNDELIVERED_LOSS,
    PRESSURE_DECAY,
    WALKS_AWAY,
    PATIENCE,
    FRUSTRATION_DECAY,
    CLOSENESS_LEVERAGE,
) = (CONDUCT_KEYS.index(k) for k in (
    "resolve", "patrol_capacity", "patrol_start_h", "monitoring", "delivery",
    "credibility_gain", "credibility_loss", "undelivered_loss_per_h", "pressure_decay",
    "walks_away", "patience", "frustration_decay", "closeness_leverage",
))  # fmt: skip
LEVERAGE, CREDIBILITY, BIAS, PATRON_PRESSURE = (
    MED_PARTY_KEYS.index(k) for k in ("leverage", "credibility", "bias", "patron_pressure")
)
(
    FRAGILITY_TAU,
    TALKS_BASE,
    TALKS_CREDIBILITY,
    TALKS_DELIVERED,
    TALKS_VIOLATIONS,
    ATTRIBUTION_ACCURACY,
    BLAME_ADVERSARY,
    PATROL_DETECTION,
    GRIEVANCE_DECAY,
    INTENSITY_DECAY,
    COLLAPSE_THRESHOLD,
    SPIRAL_SHARE,
    SPOILER_GROWTH,
    SPOILER_HALF_LIFE,
    TRUST_INITIAL,
    TRUST_GAIN,
    TRUST_LOSS,
    SWITCH_ENABLED,
    SWITCH_TRUST_BELOW,
    SWITCH_UNPUNISHED,
    SWITCH_DELAY,
    REPLACE_PER_H,
    REPLACE_CREDIBILITY,
    EXTENSION,
    REBROKER_DELAY,
    REBROKER_BASE,
    REBROKER_CREDIBILITY,
    REBROKER_LEVERAGE,
    REBROKER_FAILURES,
    TRUST_KEPT,
) = range(len(GLOBAL_KEYS))


class Params(NamedTuple):
    """Every numeric parameter, as G parameter sets (see the module docstring)."""

    party: np.ndarray
    term: np.ndarray
    term_party: np.ndarray
    med: np.ndarray
    med_party: np.ndarray
    glob: np.ndarray
    # Derived once per set by `sim.rules.derive` (so a world-step need not recompute them):
    lev: np.ndarray  # (G, M, P) leverage with the closeness lift (eq. 2b)
    threat_weight: np.ndarray  # (G, M, P) leverage x resolve (eq. 2)
    punish: np.ndarray  # (G, M, P) chance a blamed party is punished (eq. 5)
    progress: np.ndarray  # (G, T) a term's progress per step (eq. 7)
    pulse_fade: np.ndarray  # (G,) share of a spoiler pulse kept over one step (eq. 11)
    fragility: np.ndarray  # (G, n_steps) exp(-t0 / tau) by step (eq. 1); (G, 0): not tabled
    keep_grievance: np.ndarray  # (G,) grievance kept over one step (eq. 8)
    keep_intensity: np.ndarray  # (G,) intensity kept over one step (eq. 8)
    trust_gain: np.ndarray  # (G,) trust gained in a quiet step (eq. 12)
    keep_frustration: np.ndarray  # (G, M) frustration kept over one step (7.3)
    keep_pressure: np.ndarray  # (G, M) applied pressure kept over one step (7.3)


class Structure(NamedTuple):
    """What the scenario's structure fixes for every world: who is whose adversary, etc."""

    side: np.ndarray  # (P,) int64: side index of each party
    signatory: np.ndarray  # (P,) bool
    controller: np.ndarray  # (T,) int64: party that controls each term
    mediated: np.ndarray  # (T,) bool: the mediator must obtain the term
    switch_target: int  # mediator index that takes over (-1: none)
    switch_requester: int  # party whose trust asks for the switch (-1: none)
    n_steps: int  # steps in one truce (its horizon)
    step_h: float
    horizon_h: float
    campaign: bool  # successive truces follow one another (ODD 7.11)
    campaign_steps: int  # steps in the campaign (n_steps without a campaign)


def locations(
    party_keys: Sequence[str], term_keys: Sequence[str], mediator_names: Sequence[str]
) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Every parameter path -> (array name, index within one parameter set).

    Mediator parameters appear as `mediators.<name>.<param>` (one mediator) and
    `mediator.<param>` (every mediator: several locations, handled by `assign`).
    """
    out: dict[str, tuple[str, tuple[int, ...]]] = {}
    for p, party in enumerate(party_keys):
        for k, name in enumerate(PARTY_KEYS):
            out[f"actors.{party}.{name}"] = ("party", (p, k))
    # a term and a mediator have the same shape: scalars, then one table per party key
    owners = (  # (key of owner i's scalars, key of its tables, arrays, fields, owners)
        ("terms.{}.", "terms.{}.", "term", TERM_KEYS, TERM_PARTY_KEYS, term_keys),
        ("mediators.{}.conduct.", "mediators.{}.", "med", CONDUCT_KEYS, MED_PARTY_KEYS,
         mediator_names),
    )  # fmt: skip
    for scalars_at, tables_at, array, scalar_keys, party_tables, names in owners:
        for i, owner in enumerate(names):
            for k, name in enumerate(scalar_keys):
                out[scalars_at.format(owner) + name] = (array, (i, k))
            for k, table in enumerate(party_tables):
                for p, party in enumerate(party_keys):
                    key = f"{tables_at.format(owner)}{table}.{party}"
                    out[key] = (f"{array}_party", (i, p, k))
    for k, key in enumerate(GLOBAL_KEYS):
        out[key] = ("glob", (k,))
    return out


def empty_params(n_sets: int, n_parties: int, n_terms: int, n_mediators: int) -> Params:
    g, p, t, m = n_sets, n_parties, n_terms, n_mediators
    return Params(
        party=np.zeros((g, p, len(PARTY_KEYS))),
        term=np.zeros((g, t, len(TERM_KEYS))),
        term_party=np.zeros((g, t, p, len(TERM_PARTY_KEYS))),
        med=np.zeros((g, m, len(CONDUCT_KEYS))),
        med_party=np.zeros((g, m, p, len(MED_PARTY_KEYS))),
        glob=np.zeros((g, len(GLOBAL_KEYS))),
        lev=np.zeros((g, m, p)),
        threat_weight=np.zeros((g, m, p)),
        punish=np.zeros((g, m, p)),
        progress=np.zeros((g, t)),
        pulse_fade=np.zeros(g),
        fragility=np.zeros((g, 0)),
        keep_grievance=np.zeros(g),
        keep_intensity=np.zeros(g),
        trust_gain=np.zeros(g),
        keep_frustration=np.zeros((g, m)),
        keep_pressure=np.zeros((g, m)),
    )


def with_derived(params: Params, step_h: float, n_steps: int) -> Params:
    """`params` with its derived fields computed from its parameter arrays."""
    from sim.rules.derive import derive  # derive reads this module's field indices

    base = (params.term, params.med, params.med_party, params.glob)
    return params._replace(**derive(*base, step_h, n_steps))


def expand_key(key: str, mediator_names: Sequence[str]) -> list[str]:
    """A user's parameter path as the locations it sets (`mediator.x` -> every mediator)."""
    if key.startswith("mediator."):
        return [f"mediators.{m}.{key.removeprefix('mediator.')}" for m in mediator_names]
    if key.startswith("mediators.") and key.split(".")[1] not in mediator_names:
        # A named mediator who never acts in these worlds: its values change nothing here
        # (a batch comparing mediators gives each of its worlds only its own mediators).
        return []
    return [key]


def build_params(
    values: Mapping[str, float],
    mediator_values: Mapping[str, Mapping[str, float]],
    party_keys: Sequence[str],
    term_keys: Sequence[str],
    mediator_names: Sequence[str],
    sets: Mapping[str, np.ndarray] | None = None,
) -> Params:
    """The parameter sets: the scenario's values, then per-set values for some keys.

    Args:
        values: the scenario's numeric values by path (booleans as 0/1).
        mediator_values: each mediator's values by its own path (`conduct.resolve`, ...).
        sets: optional arrays of length G by path (`actors.regime.base`,
            `mediator.conduct.resolve`, `mediators.russia.leverage.regime`, ...): set g
            takes element g. Without it there is one set.
    """
    sets = dict(sets or {})
    lengths = {len(np.atleast_1d(v)) for v in sets.values()}
    if len(lengths) > 1:
        raise ValueError(f"parameter-set arrays differ in length: {sorted(lengths)}")
    n_sets = lengths.pop() if lengths else 1
    params = empty_params(n_sets, len(party_keys), len(term_keys), len(mediator_names))
    where = locations(party_keys, term_keys, mediator_names)
    for key, (array_name, index) in where.items():
        if array_name in ("med", "med_party"):
            mediator, _, own = key.removeprefix("mediators.").partition(".")
            value = mediator_values[mediator][own]
        else:
            value = values[key]
        getattr(params, array_name)[(slice(None), *index)] = float(value)
    for key, column in sets.items():
        targets = expand_key(key, mediator_names)
        for target in targets:
            if target not in where:
                raise UserError(f"no such parameter in this model: {key!r}", key=key)
            array_name, index = where[target]
            getattr(params, array_name)[(slice(None), *index)] = np.asarray(column, dtype=float)
    step_h = float(values["time.step_h"])
    n_steps = round(float(values["time.horizon_h"]) / step_h)  # as Scenario.n_steps
    return with_derived(params, step_h, n_steps)
