"""The difference between two mediators, split over parameter groups by exact Shapley values.

Every world starts with mediator A; a coalition S of groups is the parameter set in which
A's parameters of the groups in S take mediator B's values. So the empty coalition is
mediator A, the full one is B played under A's name (the same structure: switch target,
start order), and every coalition runs the same runs 0..n-1 under the same seed (common
random numbers), all coalitions of a block of runs in one many-worlds call.

With common random numbers the coalitions' outcomes are paired run by run, so the
contributions are computed per run (Shapley values are linear in the coalition values)
and their intervals come from a paired bootstrap over runs: resampling run indices and
recomputing every coalition's mean is the same as resampling the per-run contributions.

Survival at `t` is the share of runs whose truce has not collapsed by t, and the
restricted mean is the mean of min(duration, tau): runs are censored only at the horizon,
so these equal the Kaplan-Meier estimates (`sim.stats`) at any t and tau up to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.explain.groups import GROUPS, Group, GroupSpec, differing, resolve_groups
from sim.explain.shapley import MAX_PLAYERS, coalitions, weight_matrix
from sim.scenario import Scenario

CHUNK_WORLDS = 50_000  # worlds per call: the batch engine's default chunk (docs/batch.md)
TWO_WEEKS_H = 336.0
METRICS = ("survival", "rmst")


def simulate_coalitions(
    scenario: Scenario,
    mediator: str,
    sets: dict[str, np.ndarray],
    runs: np.ndarray,
    seed: int,
) -> dict[str, np.ndarray]:
    """Every parameter set of `sets` on every run of `runs`, in one call of the rules.

    `sim.model.simulate_worlds` numbers its worlds' runs consecutively; here the same run
    indices are repeated under every set so that all sets meet the same random numbers.
    Built exactly as `simulate_worlds` builds its worlds (`WorldSet.build`), with only the
    run indices replaced. Outcomes are set-major: world g * len(runs) + r is set g, run r.
    """
    from sim.rules import drive
    from sim.worlds import WorldSet, decode

    n_sets = len(next(iter(sets.values())))
    n_worlds = n_sets * runs.size
    psets = np.repeat(np.arange(n_sets, dtype=np.int64), runs.size)
    ws = WorldSet.build(scenario, mediator, n_worlds, seed, sets=sets, psets=psets)
    ws.runs = np.tile(runs.astype(np.int64), n_sets)
    drive.run_worlds(
        ws.state, ws.params, ws.structure, ws.key, ws.runs, ws.psets, ws.structure.n_steps
    )
    return decode(ws)


@dataclass
class Decomposition:
    """Shapley contributions of each group to B - A, per metric, with intervals."""

    scenario: str
    mediator_a: str
    mediator_b: str
    label_a: str
    label_b: str
    groups: list[Group]
    simulated: list[bool]
    runs: int
    seed: int
    survival_t_h: float
    tau_h: float
    level: float
    n_boot: int
    # per metric: value under A, under B, the difference, contributions (one per group)
    value_a: dict[str, float] = field(default_factory=dict)
    value_b: dict[str, float] = field(default_factory=dict)
    difference: dict[str, float] = field(default_factory=dict)
    difference_ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    contributions: dict[str, np.ndarray] = field(default_factory=dict)
    intervals: dict[str, np.ndarray] = field(default_factory=dict)  # (groups, 2)

    @property
    def n_coalitions(self) -> int:
        return 2 ** sum(self.simulated)


def coalition_sets(
    groups: Sequence[Group], players: Sequence[int], a: dict, b: dict, mediator: str
) -> dict[str, np.ndarray]:
    """Parameter sets of all 2^k coalitions of `players` (indices into `groups`).

    Keys are `mediators.<A>.<param>` for every parameter of the players' groups; set c
    takes B's value for the groups whose bit is set in c, A's otherwise.
    """
    members = coalitions(len(players))
    sets: dict[str, np.ndarray] = {}
    for j, g in enumerate(players):
        for key in groups[g].keys:
            values = np.where(members[:, j], float(b[key]), float(a[key]))
            sets[f"mediators.{mediator}.{key}"] = values
    if not sets:  # no group differs: one set, A itself
        sets[f"mediators.{mediator}.{groups[0].keys[0]}"] = np.array([float(a[groups[0].keys[0]])])
    return sets


def per_run_outcomes(
    scenario: Scenario,
    mediator: str,
    sets: dict[str, np.ndarray],
    n_runs: int,
    seed: int,
    t_h: float,
    tau_h: float,
    chunk_worlds: int = CHUNK_WORLDS,
) -> dict[str, np.ndarray]:
    """Per metric, a (coalitions, runs) array: survived past t_h (0/1), min(duration, tau)."""
    n_sets = len(next(iter(sets.values())))
    block = max(1, chunk_worlds // n_sets)
    out = {m: np.empty((n_sets, n_runs)) for m in METRICS}
    for start in range(0, n_runs, block):
        runs = np.arange(start, min(n_runs, start + block))
        res = simulate_coalitions(scenario, mediator, sets, runs, seed)
        duration = np.asarray(res["duration_h"], float).reshape(n_sets, runs.size)
        collapsed = np.asarray(res["collapsed"], bool).reshape(n_sets, runs.size)
        out["survival"][:, runs] = ~(collapsed & (duration <= t_h))
        out["rmst"][:, runs] = np.minimum(duration, tau_h)
    return out


def decompose(
    scenario: Scenario,
    mediator_a: str,
    mediator_b: str,
    *,
    runs: int,
    seed: int,
    table: Sequence[GroupSpec] = GROUPS,
    n_boot: int = 2000,
    level: float = 0.95,
    chunk_worlds: int = CHUNK_WORLDS,
) -> Decomposition:
    """Decompose B - A in two-week survival and restricted mean survival over the groups."""
    scenario = scenario.with_mediators([mediator_a, mediator_b])
    a = dict(scenario.mediator(mediator_a).values)
    b = dict(scenario.mediator(mediator_b).values)
    groups = resolve_groups(scenario.party_keys, list(a), table)
    simulated = differing(groups, a, b)
    players = [i for i, s in enumerate(simulated) if s]
    if len(players) > MAX_PLAYERS:
        raise ValueError(f"{len(players)} groups differ; at most {MAX_PLAYERS} can be simulated")
    t_h = min(TWO_WEEKS_H, scenario.horizon_h)
    tau_h = scenario.horizon_h
    sets = coalition_sets(groups, players, a, b, mediator_a)
    per_run = per_run_outcomes(scenario, mediator_a, sets, runs, seed, t_h, tau_h, chunk_worlds)
    result = Decomposition(
        scenario=scenario.name,
        mediator_a=mediator_a,
        mediator_b=mediator_b,
        label_a=scenario.mediator(mediator_a).label,
        label_b=scenario.mediator(mediator_b).label,
        groups=groups,
        simulated=simulated,
        runs=runs,
        seed=seed,
        survival_t_h=t_h,
        tau_h=tau_h,
        level=level,
        n_boot=n_boot,
    )
    w = weight_matrix(len(players))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))  # the bootstrap's own stream
    boot_idx = rng.integers(0, runs, size=(n_boot, runs))
    alpha = (1 - level) / 2
    for metric, y in per_run.items():
        phi_runs = (w @ y).T  # (runs, players): each run's contributions
        diff_runs = y[-1] - y[0]
        full = np.zeros(len(groups))
        full[players] = phi_runs.mean(axis=0)
        ci = np.zeros((len(groups), 2))
        if players:
            boot = np.stack([phi_runs[i].mean(axis=0) for i in boot_idx])  # (n_boot, players)
            ci[players] = np.quantile(boot, [alpha, 1 - alpha], axis=0).T
        diff_boot = np.array([diff_runs[i].mean() for i in boot_idx])
        result.value_a[metric] = float(y[0].mean())
        result.value_b[metric] = float(y[-1].mean())
        result.difference[metric] = float(diff_runs.mean())
        result.difference_ci[metric] = tuple(np.quantile(diff_boot, [alpha, 1 - alpha]))
        result.contributions[metric] = full
        result.intervals[metric] = ci
    return result
