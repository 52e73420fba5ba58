"""The difference between two mediators, split over parameter groups by exact Shapley values.

Every world starts with mediator A; a coalition S of groups is the parameter set in which
A's parameters of the groups in S take mediator B's values. So the empty coalition is
mediator A, the full one is B played under A's name (the same structure: switch target,
start order). The coalitions are the points of a parameter design (`coalition_design`),
each run N times with the luck of replicates 0..N-1 under the same seed (common random
numbers); the experiment ``explain`` (`sim.experiments.explain`) runs it in memory
(`sim.experiments.evaluate`) and `analyse` turns the per-point outcomes into the
decomposition. `decompose` is that pipeline in one call.

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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.explain.groups import GROUPS, Group, GroupSpec, differing, resolve_groups
from sim.explain.shapley import MAX_PLAYERS, coalitions, weight_matrix
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.batch.design import ParameterDesign
    from sim.experiments.evaluate import PointResults

TWO_WEEKS_H = 336.0
METRICS = ("survival", "rmst")
OUTCOMES = ("duration_h", "collapsed")
"""The outcome columns the decomposition reads (of the first truce)."""


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


@dataclass(frozen=True)
class Game:
    """The coalition game of B against A in one scenario: its groups and players."""

    scenario: Scenario  # holding both mediators
    mediator_a: str
    mediator_b: str
    groups: list[Group]
    simulated: list[bool]  # whether each group differs (and so is a player)
    sets: dict[str, np.ndarray]  # every coalition as a parameter set of A

    @property
    def players(self) -> list[int]:
        return [i for i, s in enumerate(self.simulated) if s]


def game(
    scenario: Scenario, mediator_a: str, mediator_b: str, table: Sequence[GroupSpec] = GROUPS
) -> Game:
    """The groups of the two mediators, which of them differ, and every coalition's set."""
    scenario = scenario.with_mediators([mediator_a, mediator_b])
    a = dict(scenario.mediator(mediator_a).values)
    b = dict(scenario.mediator(mediator_b).values)
    groups = resolve_groups(scenario.party_keys, list(a), table)
    simulated = differing(groups, a, b)
    players = [i for i, s in enumerate(simulated) if s]
    if len(players) > MAX_PLAYERS:
        raise ValueError(f"{len(players)} groups differ; at most {MAX_PLAYERS} can be simulated")
    sets = coalition_sets(groups, players, a, b, mediator_a)
    return Game(scenario, mediator_a, mediator_b, groups, simulated, sets)


def coalition_design(
    scenario: Scenario,
    *,
    mediator_a: str,
    mediator_b: str,
    runs: int,
    table: Sequence[GroupSpec] = GROUPS,
) -> ParameterDesign:
    """Every coalition as a point of a design, run `runs` times under mediator A.

    Point c is coalition c (bit j set: player j takes B's values); replicate r has the
    luck of run r at every point (common random numbers), as the Shapley pairing needs.
    """
    from sim.batch.design import ParameterDesign

    return ParameterDesign.from_sets(
        game(scenario, mediator_a, mediator_b, table).sets,
        runs,
        kind="explain",
        source=f"the 2^k coalitions of the groups on which {mediator_b} differs from {mediator_a}",
    )


def analyse(
    results: PointResults | str | Path,
    *,
    scenario: Scenario,
    mediator_a: str,
    mediator_b: str,
    table: Sequence[GroupSpec] = GROUPS,
    n_boot: int = 2000,
    level: float = 0.95,
) -> Decomposition:
    """The decomposition from the coalitions' per-run outcomes (in memory, or a batch folder
    the batch engine wrote for `coalition_design`)."""
    from sim.experiments.evaluate import PointResults

    if not isinstance(results, PointResults):
        results = PointResults.from_folder(results, OUTCOMES)
    g = game(scenario, mediator_a, mediator_b, table)
    scenario = g.scenario
    t_h = min(TWO_WEEKS_H, scenario.horizon_h)
    tau_h = scenario.horizon_h
    duration = np.asarray(results.per_point("duration_h", mediator_a), float)
    collapsed = np.asarray(results.per_point("collapsed", mediator_a), bool)
    per_run = {  # (coalitions, runs)
        "survival": (~(collapsed & (duration <= t_h))).astype(float),
        "rmst": np.minimum(duration, tau_h),
    }
    runs, seed, players = results.design.replicates, results.seed, g.players
    result = Decomposition(
        scenario=scenario.name,
        mediator_a=mediator_a,
        mediator_b=mediator_b,
        label_a=scenario.mediator(mediator_a).label,
        label_b=scenario.mediator(mediator_b).label,
        groups=g.groups,
        simulated=g.simulated,
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
        full = np.zeros(len(g.groups))
        full[players] = phi_runs.mean(axis=0)
        ci = np.zeros((len(g.groups), 2))
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


def decompose(
    scenario: Scenario,
    mediator_a: str,
    mediator_b: str,
    *,
    runs: int,
    seed: int,
    workers: int = 1,
    chunk_size: int | None = None,
    **analysis_options: Any,
) -> Decomposition:
    """Decompose B - A in two-week survival and restricted mean survival over the groups:
    the experiment ``explain`` run in memory on `workers` processes (the result depends
    on neither them nor `chunk_size`); `analysis_options`: `analyse`'s table, n_boot,
    level."""
    from sim.experiments import run_experiment

    pair = {"mediator_a": mediator_a, "mediator_b": mediator_b}
    pair["table"] = analysis_options.pop("table", GROUPS)
    scenario = scenario.with_mediators([mediator_a, mediator_b])
    evaluator_options = {"workers": workers} | ({"chunk_size": chunk_size} if chunk_size else {})
    _design, result = run_experiment(
        "explain",
        scenario,
        mediators=[mediator_a],
        seed=seed,
        design_options={**pair, "runs": runs},
        analysis_options={**pair, "scenario": scenario, **analysis_options},
        **evaluator_options,
    )
    return result
