"""Per-world bookkeeping: from a scenario to the arrays the compiled rules read, and back.

- `mediator_order`: which mediators a run may meet (the starting one first, then the
  switch target).
- `structure`, `parameter_sets`: the scenario as `sim.rules.layout` arrays.
- `WorldSet`: the state of many worlds with their run indices and random-number keys.
- `decode`: the state at the end as named outcome columns (`sim.outcomes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.outcomes import CAMPAIGN_ENDS, SPELL_ENDINGS, scenario_columns, spell_columns
from sim.rules import layout
from sim.rules.rng import batch_key
from sim.rules.state import CAUSE_PARTY, RUNNING, State, allocate
from sim.scenario import Scenario, override_param
from sim.schema import BASE_CAUSES, MAX_SPELLS


def mediator_order(scenario: Scenario, start: str) -> list[str]:
    """The mediators a run may meet: the one it starts with, then the switch target."""
    names = [start]
    if scenario["switch.enabled"]:
        target = scenario.strings["switch.to"]
        if target not in names:
            names.append(target)
    return names


def structure(scenario: Scenario, mediators: Sequence[str]) -> layout.Structure:
    sides = scenario.sides
    switch_on = bool(scenario["switch.enabled"])
    return layout.Structure(
        side=np.array([sides.index(p.side) for p in scenario.parties], dtype=np.int64),
        signatory=np.array([p.signatory for p in scenario.parties], dtype=np.bool_),
        controller=np.array(
            [scenario.party_keys.index(t.controller) for t in scenario.terms], dtype=np.int64
        ),
        mediated=np.array([t.delivery == "mediated" for t in scenario.terms], dtype=np.bool_),
        switch_target=mediators.index(scenario.strings["switch.to"]) if switch_on else -1,
        switch_requester=(
            scenario.party_keys.index(scenario.strings["switch.requested_by"]) if switch_on else -1
        ),
        n_steps=scenario.n_steps,
        step_h=scenario.step_h,
        horizon_h=scenario.horizon_h,
        campaign=scenario.campaign,
        campaign_steps=scenario.campaign_steps,
    )


def check_sets(scenario: Scenario, sets: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-set parameter values, each checked against its declared range."""
    checked = {}
    for key, values in sets.items():
        param = override_param(key, scenario)
        array = np.asarray(values, dtype=float)
        if array.ndim != 1:
            raise ValueError(f"values for {key!r} must be one-dimensional")
        if param.kind == "bool":
            ok = bool(np.isin(array, (0.0, 1.0)).all())
        else:  # NaN fails every comparison; inf only where the range is open above
            ok = not np.isnan(array).any() and all(
                param.accepts(float(x)) for x in (array.min(), array.max())
            )
        if not ok:
            raise ValueError(f"values for {key!r} outside {param.expected()}")
        checked[key] = array
    return checked


def parameter_sets(
    scenario: Scenario, mediators: Sequence[str], sets: Mapping[str, np.ndarray] | None = None
) -> layout.Params:
    """The scenario's parameters as parameter sets (one, or one per element of `sets`)."""
    for key in layout.FIXED_KEYS:
        if sets and key in sets:
            raise ValueError(f"{key} sets the number of steps and must be the same in every world")
    values = {k: float(v) for k, v in scenario.values.items()}
    mediator_values = {
        name: {k: float(v) for k, v in scenario.mediator(name).values.items()} for name in mediators
    }
    return layout.build_params(
        values,
        mediator_values,
        scenario.party_keys,
        scenario.term_keys,
        mediators,
        check_sets(scenario, sets) if sets else None,
    )


@dataclass
class WorldSet:
    """Many worlds of one scenario, ready for the rules."""

    scenario: Scenario
    mediators: list[str]
    structure: layout.Structure
    params: layout.Params
    state: State
    key: np.ndarray
    runs: np.ndarray
    psets: np.ndarray
    run_ids: np.ndarray | None = None  # the runs' indices when `runs` holds other luck keys

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        mediator: str,
        n_worlds: int,
        seed: int | np.random.SeedSequence,
        *,
        first_run: int = 0,
        sets: Mapping[str, np.ndarray] | None = None,
        psets: np.ndarray | None = None,
        luck: np.ndarray | None = None,
    ) -> WorldSet:
        """Worlds for runs `first_run .. first_run + n_worlds - 1` under `seed`.

        Args:
            sets: per-set parameter values (arrays of equal length G).
            psets: the set each world reads (length n_worlds, values < G); default: world i
                reads set i when there are n_worlds sets, else set 0.
            luck: the index each world's random numbers are keyed by (default: its run
                index); a design keys them by replicate so that every point meets the
                same luck (`sim.batch.design`).
        """
        start = scenario.resolve_mediator(mediator)
        scenario = scenario.with_mediators([start])
        names = mediator_order(scenario, start)
        params = parameter_sets(scenario, names, sets)
        n_sets = params.glob.shape[0]
        if psets is None:
            psets = np.arange(n_worlds) if n_sets == n_worlds else np.zeros(n_worlds, np.int64)
        psets = np.asarray(psets, dtype=np.int64)
        if psets.shape != (n_worlds,) or (
            psets.size and (psets.min() < 0 or psets.max() >= n_sets)
        ):
            raise ValueError(f"psets must be {n_worlds} indices below {n_sets}")
        run_ids = np.arange(first_run, first_run + n_worlds, dtype=np.int64)
        if luck is not None and np.shape(luck) != (n_worlds,):
            raise ValueError(f"luck must hold {n_worlds} indices")
        return cls(
            scenario=scenario,
            mediators=names,
            structure=structure(scenario, names),
            params=params,
            state=allocate(
                n_worlds,
                len(scenario.parties),
                len(scenario.terms),
                MAX_SPELLS if scenario.campaign else 1,
            ),
            key=batch_key(seed),
            runs=run_ids if luck is None else np.asarray(luck, dtype=np.int64),
            psets=psets,
            run_ids=run_ids,
        )


def decode(worlds: WorldSet) -> dict[str, np.ndarray]:
    """The outcome columns (`sim.outcomes`) of every world, from its state.

    The columns of the truce are those of the first truce; a world still in its first
    truce (the Mesa model mid-run) reports it as it stands.
    """
    st = worlds.state
    scenario = worlds.scenario
    causes = np.asarray([*BASE_CAUSES, *scenario.party_keys], dtype=object)
    parties = np.asarray([*scenario.party_keys, None], dtype=object)
    ended = st.n_ended > 0
    first_h = np.where(ended, st.sp_first_violation_h[:, 0], st.first_violation_h)
    first_by = np.where(ended, st.sp_first_violator[:, 0], st.first_violator)
    violations = np.where(ended[:, None], st.sp_violations[:, 0, :], st.violations)
    credibility = np.where(ended[:, None], st.first_credibility, st.credibility)
    term_hours = np.where(ended[:, None], st.first_term_hours, st.term_hours)
    mediator = np.where(ended, st.first_mediator, st.mediator)
    under_truce = st.status == RUNNING
    out: dict[str, np.ndarray] = {
        "duration_h": st.duration_h.copy(),
        "collapsed": st.cause != 0,
        "cause": causes[st.cause],
        "first_violation_h": first_h,
        "first_violator": parties[first_by],  # -1 -> None
        "agreement": st.agreement.copy(),
        "switch_h": st.switch_h.copy(),
        "final_mediator": np.asarray(worlds.mediators, dtype=object)[mediator],
        "n_truces": (st.n_ended + under_truce).astype(np.int32),
        "truce_hours": st.truce_hours.copy(),
        "campaign_end": np.asarray([*CAMPAIGN_ENDS, None], dtype=object)[st.campaign_end],
    }
    for p, key in enumerate(scenario.party_keys):
        out[f"violations_{key}"] = violations[:, p].copy()
        out[f"credibility_{key}"] = credibility[:, p].copy()
    for t, key in enumerate(scenario.term_keys):
        out[f"{key}_open_h"] = term_hours[:, t].copy()
    assert len(BASE_CAUSES) == CAUSE_PARTY
    columns = scenario_columns(scenario)
    return {c.name: out[c.name] for c in columns if c.name != "run"}


def decode_spells(worlds: WorldSet) -> dict[str, np.ndarray]:
    """One row per ended truce (`sim.outcomes.spell_columns`), ordered by run and truce."""
    st = worlds.state
    scenario = worlds.scenario
    width = st.sp_start_h.shape[1]
    rows = np.minimum(st.n_ended, width)
    keep = np.arange(width)[None, :] < rows[:, None]
    w_idx, k_idx = np.nonzero(keep)
    parties = np.asarray([*scenario.party_keys, None], dtype=object)
    out: dict[str, np.ndarray] = {
        "run": (worlds.runs if worlds.run_ids is None else worlds.run_ids)[w_idx],
        "spell": k_idx.astype(np.int32),
        "start_h": st.sp_start_h[w_idx, k_idx],
        "end_h": st.sp_end_h[w_idx, k_idx],
        "ending": np.asarray(SPELL_ENDINGS, dtype=object)[st.sp_ending[w_idx, k_idx]],
        "first_violation_h": st.sp_first_violation_h[w_idx, k_idx],
        "first_violator": parties[st.sp_first_violator[w_idx, k_idx]],
        "mediator": np.asarray(worlds.mediators, dtype=object)[st.sp_mediator[w_idx, k_idx]],
    }
    for p, key in enumerate(scenario.party_keys):
        out[f"violations_{key}"] = st.sp_violations[w_idx, k_idx, p]
    return {c.name: out[c.name] for c in spell_columns(scenario.party_keys)}
