"""The simulator as a backtest predictor: simulated runs of a case -> (ending, days).

Mapping of a run to an ending (docs/trace.md, "model output corroboration"):

- a run that collapsed before its horizon is a **breakdown** at its `duration_h`;
- a run that reached the horizon is **expired** there when the truce had a fixed
  term (the scenario's horizon is then the stated term), and **still in force**
  (censored at the horizon, ending None) when it was open-ended;
- a run whose first truce ended before its horizon without collapsing was **replaced**
  by a broader agreement at its `duration_h`: only a case scenario with a `[campaign]`
  can end a truce that way (ODD 7.11). Without a campaign the model never predicts
  "replaced", and a case that was replaced costs it the floored log score, as it should.

Whether a truce had a fixed term is read from its ETH/PRIO row (`fixed`), the same
covariate the survival regression uses, so every predictor sees the same facts. An
open-ended truce's horizon is an assumption (outcome notes say so); when it is shorter
than the last bin edge (14 days) it is extended to 14 days, because a censored run must
reach the last edge to be scored and the horizon of an open-ended truce is not a fact.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.evidence.backtest import Case
from sim.evidence.distribution import Discretisation, PredictiveDistribution
from sim.evidence.library import LibraryCase
from sim.evidence.quantities import (
    FIRST_VIOLATION,
    FV_LABELS,
    MAX_TRUCES,
    N_TRUCES,
    TRUCE_LABELS,
    CategoricalForecast,
    from_categories,
    fv_categories,
)
from sim.evidence.scores import Outcome
from sim.scenario import Scenario, load_scenario

HOURS_PER_DAY = 24.0
BASE_SHIFT = "base_shift"  # a shared shift added to every party's base log-odds


@dataclass(frozen=True)
class ModelCase:
    """What the model needs to simulate a case: its scenario, first mediator, term kind.

    Attributes:
        observed: the observed ending and time.
        first_violation_h: observed hours from the truce taking effect to its first
            violation, rounded up to the end of the model's step and capped at the
            scenario's horizon (None: not used).
        n_truces: observed truces from this one on within the scenario's campaign
            (None: not used; see `model_case`).
        left_out: why an observed quantity is not used for this case.
    """

    name: str
    scenario: Scenario
    mediator: str
    fixed_term: bool
    observed: Outcome
    first_violation_h: float | None = None
    n_truces: int | None = None
    left_out: tuple[str, ...] = ()


def has_campaign(scenario: Scenario) -> bool:
    """The scenario follows successive truces (a `[campaign]` table, ODD 7.11)."""
    return float(scenario["campaign.length_h"]) > 0


def model_case(lib: LibraryCase, fixed_term: bool, observed: Outcome) -> ModelCase:
    """Load a library case's scenario under its first mediator (see the module for horizons).

    The first violation is read from `first_violation_from_effective_h` (else
    `first_violation_h`, from signing). The number of truces is used only when the
    scenario has a campaign and outcome.json gives `n_truces_in_campaign`: the truces
    from this one on within the campaign's length. The `n_truces` of outcome.json
    counts whole sequences, often from before the case's truce and over months or
    years, which a scenario without a campaign (every case today) cannot represent.
    """
    scenario = load_scenario(lib.scenario_path)
    min_h = Discretisation().last_edge * HOURS_PER_DAY
    if not fixed_term and scenario.horizon_h < min_h:
        scenario = load_scenario(lib.scenario_path, overrides={"time.horizon_h": min_h})
    data, left_out = lib.outcome, []
    fv = data.get("first_violation_from_effective_h", data.get("first_violation_h"))
    if not _hours(fv):
        fv = None
        left_out.append("first violation: not in outcome.json")
    n = data.get("n_truces_in_campaign")
    if not has_campaign(scenario):
        n = None
        left_out.append("number of truces: the scenario has no [campaign]")
    elif not (isinstance(n, int) and not isinstance(n, bool) and n >= 1):
        n = None
        left_out.append("number of truces: no n_truces_in_campaign in outcome.json")
    if fv is not None:
        # The model records a violation at the end of its step: align the observed hour
        # so (a violation 0.3 h in is 1.0 h with hourly steps), and cap it at the horizon.
        step = scenario.step_h
        fv = min(max(step, math.ceil(float(fv) / step - 1e-9) * step), scenario.horizon_h)
    return ModelCase(
        lib.name,
        scenario,
        scenario.default_mediators[0],
        fixed_term,
        observed,
        fv,
        n,
        tuple(left_out),
    )


def _hours(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and x >= 0


@dataclass(frozen=True)
class RunSamples:
    """Simulated runs of a case: (ending, days) as `runs_to_samples`, and the other outcomes.

    Attributes:
        first_violation_h: hour of each run's first violation (NaN: none).
        end_h: hour each run's first truce ended (collapse, or the horizon).
        n_truces: truces in each run's campaign (1 without a campaign).
    """

    endings: list[str | None]
    times_days: np.ndarray
    first_violation_h: np.ndarray
    end_h: np.ndarray
    n_truces: np.ndarray


def runs_to_samples(
    outcomes: Mapping[str, np.ndarray], horizon_h: float, fixed_term: bool
) -> tuple[list[str | None], np.ndarray]:
    """Simulated runs as (ending, time in days) samples (rule in the module docstring)."""
    collapsed = np.asarray(outcomes["collapsed"], dtype=bool)
    duration = np.asarray(outcomes["duration_h"], float)
    # A first truce that neither collapsed nor reached its horizon was replaced (campaign).
    replaced = ~collapsed & (duration < horizon_h - 1e-9)
    times = np.where(collapsed | replaced, duration, horizon_h)
    held = "expired" if fixed_term else None
    endings = [
        "breakdown" if c else "replaced" if r else held
        for c, r in zip(collapsed, replaced, strict=True)
    ]
    return endings, times / HOURS_PER_DAY


def case_seed(seed: int, name: str) -> np.random.SeedSequence:
    """A case's simulation seed: from the run's seed and the case name, not its position."""
    return np.random.SeedSequence([seed, zlib.crc32(name.encode())])


def simulate_case(
    case: ModelCase,
    n: int,
    seed: np.random.SeedSequence | int,
    world_params: Mapping[str, np.ndarray] | None = None,
    psets: np.ndarray | None = None,
) -> tuple[list[str | None], np.ndarray]:
    """`n` runs of a case -> samples; per-world parameters as in `simulate_worlds`."""
    runs = simulate_runs(case, n, seed, world_params, psets)
    return runs.endings, runs.times_days


def simulate_runs(
    case: ModelCase,
    n: int,
    seed: np.random.SeedSequence | int,
    world_params: Mapping[str, np.ndarray] | None = None,
    psets: np.ndarray | None = None,
) -> RunSamples:
    """`n` runs of a case with every outcome the evidence uses."""
    from sim.model import simulate_worlds

    out = simulate_worlds(
        case.scenario, case.mediator, n, seed, world_params=world_params, psets=psets
    )
    endings, days = runs_to_samples(out, case.scenario.horizon_h, case.fixed_term)
    return RunSamples(
        endings,
        days,
        np.asarray(out["first_violation_h"], float),
        np.asarray(out["duration_h"], float),
        np.asarray(out["n_truces"], int),
    )


def world_params(case: ModelCase, theta: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Shared draws as the case's per-world parameters (the base shift per party)."""
    out = {k: np.asarray(v, float) for k, v in theta.items() if k != BASE_SHIFT}
    if BASE_SHIFT in theta:
        shift = np.asarray(theta[BASE_SHIFT], float)
        for party in case.scenario.party_keys:
            key = f"actors.{party}.base"
            out[key] = case.scenario[key] + shift
    return out


ParamsFor = Callable[[str], tuple[dict[str, np.ndarray] | None, str]]


class ModelPredictor:
    """The simulator as a predictor: `n` runs per case, optionally over parameter draws.

    Args:
        name: row name in the backtest table.
        cases: model cases by backtest case id.
        n: runs per case.
        seed: run seed (each case's own stream comes from it and the case name).
        params_for: case id -> (per-set parameter values or None, note); the runs
            cycle through the sets (e.g. leave-one-out posterior draws).
    """

    def __init__(
        self,
        name: str,
        cases: Mapping[str, ModelCase],
        n: int = 2000,
        seed: int = 0,
        params_for: ParamsFor | None = None,
    ) -> None:
        self.name = name
        self.cases = dict(cases)
        self.n = n
        self.seed = seed
        self.params_for = params_for
        self.discretisation = Discretisation()
        self._cache: dict[str, tuple[RunSamples, str]] = {}

    def _runs(self, case: Case) -> tuple[RunSamples, str]:
        """The case's runs (simulated once, then kept for every score) and their note."""
        if case.id in self._cache:
            return self._cache[case.id]
        mc = self.cases[case.id]
        sets, note = (
            (None, "scenario values") if self.params_for is None else self.params_for(case.id)
        )
        psets = None
        if sets is not None:
            g = len(next(iter(sets.values())))
            psets = np.arange(self.n) % g
        params = None if sets is None else world_params(mc, sets)
        runs = simulate_runs(mc, self.n, case_seed(self.seed, mc.name), params, psets)
        rule = "fixed term: held = expired" if mc.fixed_term else "open-ended: held = censored"
        note = (
            f"{self.n} runs, {mc.mediator}, horizon {mc.scenario.horizon_h:g} h ({rule}); " + note
        )
        self._cache = {case.id: (runs, note)}  # one case at a time: the engine moves on
        return runs, note

    def predict(self, case: Case) -> PredictiveDistribution:
        runs, note = self._runs(case)
        return PredictiveDistribution.from_samples(
            runs.endings, runs.times_days, self.discretisation, note=note
        )

    def predict_quantities(self, case: Case) -> dict[str, CategoricalForecast | None]:
        """Forecasts of the first violation and, with a campaign, of the number of truces."""
        runs, note = self._runs(case)
        mc = self.cases[case.id]
        fv = from_categories(fv_categories(runs.first_violation_h, runs.end_h), FV_LABELS, note)
        n = None
        if has_campaign(mc.scenario):
            n = from_categories(np.minimum(runs.n_truces, MAX_TRUCES) - 1, TRUCE_LABELS, note)
        return {FIRST_VIOLATION: fv, N_TRUCES: n}


def observed_outcome(lib: LibraryCase, last_seen_days: float | None = None) -> Outcome | None:
    """The case's observed ending and time in days, or None when not observed.

    A truce still in force is censored at its `ending_h` or, when that is not given,
    at `last_seen_days` (its ETH/PRIO row's duration to the end of the data).
    """
    if lib.in_force:
        if lib.ending_h is not None:
            return Outcome(None, lib.ending_h / HOURS_PER_DAY)
        return None if last_seen_days is None else Outcome(None, last_seen_days)
    if lib.ending is None or lib.ending_h is None:
        return None
    return Outcome(lib.ending, lib.ending_h / HOURS_PER_DAY)
