"""Which package of levers is best for a mediator, under a budget the user states?

A package raises some of a mediator's levers above the values in its file (patrols,
resolve, delivery effort, monitoring, pressure on the spoilers' patron); each unit costs
what `LEVERS` says (or what the user says instead), and a package may not cost more than
the budget. The search is scipy's differential evolution (`vectorized=True`): a whole
generation of candidate packages, times the draws of the uncertain parameters, is one set
of parameter sets run on the same runs (common random numbers: each world's luck is
keyed by its run, repeated under every set; `sim.simulate.simulate_worlds`),
so candidates are compared on the same random numbers and the objective is a
deterministic function of the package.

A candidate outside the budget is scaled back onto it (every increase by the same
factor): the search space is the box of increases, and every point of it maps to a
package that fits. The objective is two-week survival, averaged over the uncertainty
draws ("expected") or the lowest over them ("worst"). The best few packages are then
re-run on fresh runs (indices after those the search used), so their reported survival
and intervals are not inflated by having been selected on the same noise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.scenario import Scenario


@dataclass(frozen=True)
class Lever:
    name: str
    key: str  # mediator parameter
    cost: float  # budget units per unit of the parameter
    high: float  # the most the lever can be raised to


# assumption: costs are relative budget units, not money: a full patrol force (capacity
# 1.0) is the dearest lever (troops on the ground, Fortna 2004), full resolve and full
# monitoring cost about half of it (political will; observers and intelligence), delivery
# effort per unit of hourly rate is dear because its range is small (0 to 0.2), pressure
# through a patron is cheapest but capped by what the patron will do. Users who know
# better pass --cost NAME=VALUE.
LEVERS: tuple[Lever, ...] = (
    Lever("patrols", "conduct.patrol_capacity", 10.0, 1.0),
    Lever("resolve", "conduct.resolve", 5.0, 1.0),
    Lever("delivery", "conduct.delivery", 50.0, 0.2),
    Lever("monitoring", "conduct.monitoring", 4.0, 1.0),
    Lever("spoilers", "patron_pressure.{spoiler}", 3.0, 1.0),
)


def resolve_levers(
    scenario: Scenario, costs: Mapping[str, float] | None = None, spoiler: str = "militia"
) -> list[Lever]:
    """The table for this scenario: `{spoiler}` filled in, user costs applied."""
    costs = dict(costs or {})
    unknown = set(costs) - {lv.name for lv in LEVERS}
    if unknown:
        raise ValueError(f"unknown lever {sorted(unknown)[0]!r}")
    out = []
    for lv in LEVERS:
        key = lv.key.format(spoiler=spoiler)
        if "{" in lv.key and spoiler not in scenario.party_keys:
            continue
        out.append(Lever(lv.name, key, float(costs.get(lv.name, lv.cost)), lv.high))
    return out


def fit_budget(increase: np.ndarray, costs: np.ndarray, budget: float) -> np.ndarray:
    """Packages (rows of increases) scaled back to cost at most `budget`."""
    cost = increase @ costs
    factor = np.where(cost > budget, budget / np.maximum(cost, 1e-300), 1.0)
    return increase * factor[:, None]


@dataclass
class Package:
    levels: dict[str, float]  # lever -> value of the parameter
    cost: float
    survival: float
    low: float
    high: float
    by_draw: list[float]


@dataclass
class Optimum:
    mediator: str
    budget: float
    robust: str
    baseline: Package
    best: list[Package]
    evaluations: int
    search_runs: int
    check_runs: int

    def to_dict(self) -> dict[str, Any]:
        def pkg(p: Package) -> dict[str, Any]:
            return p.__dict__

        return {
            "mediator": self.mediator,
            "budget": self.budget,
            "objective": self.robust,
            "baseline": pkg(self.baseline),
            "best": [pkg(p) for p in self.best],
            "candidates_evaluated": self.evaluations,
            "search_runs": self.search_runs,
            "check_runs": self.check_runs,
        }

    def format_table(self) -> str:
        names = list(self.baseline.levels)
        head = f"{'package':<10}" + "".join(f"{n:>11}" for n in names)
        lines = [
            f"{self.mediator}: budget {self.budget:g}, objective: {self.robust} two-week "
            f"survival; {self.evaluations:,} candidates searched on {self.search_runs:,} runs, "
            f"the best re-run on {self.check_runs:,} fresh runs",
            head + f"{'cost':>8}  survival (95% CI)",
        ]
        for label, p in [("file", self.baseline)] + [
            (f"#{i}", p) for i, p in enumerate(self.best, 1)
        ]:
            row = f"{label:<10}" + "".join(f"{p.levels[n]:>11.3g}" for n in names)
            lines.append(row + f"{p.cost:>8.2f}  {p.survival:.1%} ({p.low:.1%} to {p.high:.1%})")
        return "\n".join(lines)


Evaluate = Callable[[np.ndarray], np.ndarray]


def search(
    evaluate: Evaluate,
    base: np.ndarray,
    high: np.ndarray,
    costs: np.ndarray,
    budget: float,
    *,
    seed: int,
    maxiter: int = 30,
    popsize: int = 6,
    keep: int = 3,
) -> tuple[np.ndarray, int]:
    """The `keep` best distinct packages (rows of lever values) and the evaluations made.

    `evaluate` takes a (candidates, levers) array of lever values and returns the
    objective of each (higher is better); it is called once per generation.
    """
    from scipy.optimize import differential_evolution

    span = high - base
    seen: dict[tuple, tuple[float, np.ndarray]] = {}  # rounded package -> (score, package)

    def levels(unit: np.ndarray) -> np.ndarray:
        return base + fit_budget(unit * span, costs, budget)

    def objective(pop: np.ndarray) -> np.ndarray:  # pop: (levers, candidates)
        values = levels(pop.T)
        scores = np.asarray(evaluate(values), dtype=float)
        for row, s in zip(values, scores, strict=True):
            seen[tuple(np.round(row, 6))] = (float(s), row)
        return -scores

    differential_evolution(
        objective,
        bounds=[(0.0, 1.0)] * base.size,
        vectorized=True,
        updating="deferred",
        maxiter=maxiter,
        popsize=popsize,
        polish=False,
        rng=np.random.default_rng(seed),
        tol=0,
    )
    ranked = sorted(seen.values(), key=lambda sv: -sv[0])
    return np.array([row for _, row in ranked[:keep]]), len(seen)


def survival_evaluator(
    scenario: Scenario,
    mediator: str,
    levers: Sequence[Lever],
    draws: Mapping[str, np.ndarray],
    runs: np.ndarray,
    seed: int,
) -> Callable[[np.ndarray], np.ndarray]:
    """A function: packages (candidates, levers) -> two-week survival, (candidates, draws).

    Every package under every draw of the uncertain parameters is one parameter set; all
    run on the same `runs` in one call.
    """
    from sim.simulate import simulate_worlds

    n_draws = len(next(iter(draws.values()))) if draws else 1
    t_h = min(336.0, scenario.horizon_h)

    def evaluate(packages: np.ndarray) -> np.ndarray:
        n = packages.shape[0]
        sets = {
            f"mediators.{mediator}.{lv.key}": np.repeat(packages[:, j], n_draws)
            for j, lv in enumerate(levers)
        }
        for key, values in draws.items():
            sets[key] = np.tile(values, n)
        n_sets = n * n_draws  # set-major: world g * len(runs) + r is set g, run r
        out = simulate_worlds(
            scenario,
            mediator,
            n_sets * runs.size,
            seed,
            world_params=sets,
            psets=np.repeat(np.arange(n_sets, dtype=np.int64), runs.size),
            luck=np.tile(runs.astype(np.int64), n_sets),
        )
        held = ~(out["collapsed"] & (out["duration_h"] <= t_h))
        return held.reshape(n, n_draws, runs.size).mean(axis=2)

    return evaluate


def optimise(
    scenario: Scenario,
    mediator: str,
    budget: float,
    *,
    costs: Mapping[str, float] | None = None,
    uncertain: Mapping[str, tuple[float, float]] | None = None,
    robust: str = "expected",
    n_draws: int = 8,
    runs: int = 300,
    check_runs: int = 2000,
    seed: int = 0,
    maxiter: int = 20,
    keep: int = 3,
) -> Optimum:
    """Search the mediator's levers under `budget`; re-run the best on fresh runs."""
    from scipy.stats import qmc

    from sim.stats import wilson

    scenario = scenario.with_mediators([mediator])
    mediator = scenario.resolve_mediator(mediator)
    levers = resolve_levers(scenario, costs)
    values = scenario.mediator(mediator).values
    base = np.array([float(values[lv.key]) for lv in levers])
    high = np.maximum(base, [lv.high for lv in levers])
    cost_vec = np.array([lv.cost for lv in levers])
    draws: dict[str, np.ndarray] = {}
    if uncertain:
        sample = qmc.LatinHypercube(len(uncertain), rng=np.random.default_rng(seed)).random(n_draws)
        for j, (key, (low, hi)) in enumerate(uncertain.items()):
            draws[key] = low + sample[:, j] * (hi - low)
    reduce = np.min if robust == "worst" else np.mean
    search_eval = survival_evaluator(scenario, mediator, levers, draws, np.arange(runs), seed)
    best, n_eval = search(
        lambda p: reduce(search_eval(p), axis=1),
        base,
        high,
        cost_vec,
        budget,
        seed=seed,
        maxiter=maxiter,
        keep=keep,
    )
    fresh = np.arange(runs, runs + check_runs)  # runs the search never saw
    check = survival_evaluator(scenario, mediator, levers, draws, fresh, seed)
    by_draw = check(np.vstack([base, best]))
    packages = []
    for row, per_draw in zip(np.vstack([base, best]), by_draw, strict=True):
        j = int(np.argmin(per_draw)) if robust == "worst" else None
        total = check_runs if j is not None else check_runs * per_draw.size
        share = per_draw[j] if j is not None else per_draw.mean()
        ci = wilson(round(share * total), total)
        packages.append(
            Package(
                {lv.name: float(v) for lv, v in zip(levers, row, strict=True)},
                float((row - base) @ cost_vec),
                float(share),
                float(ci.low),
                float(ci.high),
                [float(v) for v in per_draw],
            )
        )
    return Optimum(mediator, budget, robust, packages[0], packages[1:], n_eval, runs, check_runs)
