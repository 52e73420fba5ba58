"""What the report says happened, as facts each simulated world either shows or not.

The Daraa fact sheet (`seeds/daraa_2021.md`) records one truce: broken within
hours (H1, N2), by the regime and the militias (H2), the militias first by the
committee's account (H3), the opposition holding (H5, N6), the crossing still
closed (H6). Each fact here is a rule on a world's first hours (the
*observation window*, the time between the agreement and the report), so every
simulated world yields a yes/no per fact, and R worlds at one parameter set
give the frequency of each fact.

The window matters: the model writes a world's outcome when its truce ends,
but the report saw only the first day or two. `observe_worlds` therefore steps
the same many-worlds model as `sim.model.simulate_worlds` (same construction,
same random stream) only up to the window and reads the state there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.scenario import Scenario


@dataclass(frozen=True)
class WindowOutcomes:
    """What each world shows at the end of the observation window (arrays over worlds).

    Attributes:
        first_violation_h: hour of the first violation (NaN: none yet).
        first_violator: index of the party in the scenario (-1: none yet).
        violations: violations per party within the window, shape (parties, n).
        crossing_open_h: hours the crossing was open within the window.
        parties: the scenario's party keys, in index order.
        collapsed: the truce collapsed within the window.
        first_violation_by_h: the "within hours" threshold of fact H1.
    """

    first_violation_h: np.ndarray
    first_violator: np.ndarray
    violations: np.ndarray
    crossing_open_h: np.ndarray
    collapsed: np.ndarray
    first_violation_by_h: float
    parties: tuple[str, ...]

    def index(self, party: str) -> int:
        """The index of a party of the Daraa facts (a UserError if the scenario lacks it)."""
        if party not in self.parties:
            from sim.errors import UserError

            raise UserError(
                f"the Daraa facts need a party '{party}'; "
                f"this scenario has {', '.join(self.parties)}"
            )
        return self.parties.index(party)


@dataclass(frozen=True)
class Fact:
    """One observed fact as a rule on a world.

    Attributes:
        name: identifier used in the priors file's [facts] table.
        ids: the fact-sheet IDs it rests on.
        text: the rule in words.
        rule: WindowOutcomes -> bool array over worlds.
    """

    name: str
    ids: str
    text: str
    rule: Callable[[WindowOutcomes], np.ndarray]


def _within_hours(o: WindowOutcomes) -> np.ndarray:
    return o.first_violation_h <= o.first_violation_by_h  # NaN (no violation) compares False


FACTS: dict[str, Fact] = {
    f.name: f
    for f in (
        Fact(
            "first_violation_within_hours",
            "H1, N2",
            "the first violation came within `first_violation_by_h` hours of the agreement",
            _within_hours,
        ),
        Fact(
            "first_violator_pro_regime",
            "H2, H3, H5",
            "the first violation was by the regime or the militias, not the opposition",
            lambda o: (
                (o.first_violator == o.index("regime")) | (o.first_violator == o.index("militia"))
            ),
        ),
        Fact(
            "first_violator_militia",
            "H3 (claimed)",
            "the militias violated first",
            lambda o: o.first_violator == o.index("militia"),
        ),
        Fact(
            "regime_and_militia_fired",
            "H2",
            "both the regime and the militias violated within the window",
            lambda o: (
                (o.violations[o.index("regime")] > 0) & (o.violations[o.index("militia")] > 0)
            ),
        ),
        Fact(
            "opposition_held",
            "H5, N6 (claimed)",
            "the opposition did not violate within the window",
            lambda o: o.violations[o.index("opposition")] == 0,
        ),
        Fact(
            "crossing_closed",
            "H6",
            "the Saraya crossing was never open within the window",
            lambda o: o.crossing_open_h == 0,
        ),
    )
}


def observe_worlds(
    scenario: Scenario,
    mediator: str,
    n_worlds: int,
    seed: np.random.SeedSequence | int,
    *,
    window_h: float,
    first_violation_by_h: float,
    world_params: Mapping[str, np.ndarray] | None = None,
    **worlds: Any,
) -> WindowOutcomes:
    """Run `n_worlds` worlds up to `window_h` hours and read what each shows there.

    Seeded and built exactly as `sim.simulate.simulate_worlds`, so the first
    `window_h` hours of world i are the same as in a full run with that seed.

    Args:
        scenario: the loaded scenario.
        mediator: the mediator in charge at hour 0.
        n_worlds: number of worlds.
        seed: the batch seed (an integer or SeedSequence) keying the worlds' draws.
        window_h: the observation window in hours.
        first_violation_by_h: threshold of the "within hours" fact.
        world_params: per-set values of any parameter (as `simulate_worlds` takes them).
        worlds: `first_run`, `psets`, `luck`, as `simulate_worlds` takes them.
    """
    from sim.rules import drive
    from sim.worlds import WorldSet, decode

    ws = WorldSet.build(scenario, mediator, n_worlds, seed, sets=world_params, **worlds)
    window_steps = int(np.ceil(window_h / scenario.step_h - 1e-9))
    drive.run_worlds(ws.state, ws.params, ws.structure, ws.key, ws.runs, ws.psets, window_steps)
    out = decode(ws)
    crossing = out.get("crossing_open_h")
    return WindowOutcomes(
        first_violation_h=out["first_violation_h"].astype(float),
        first_violator=ws.state.first_violator.astype(np.int64),
        violations=ws.state.violations.T.astype(np.int64),
        crossing_open_h=(crossing.astype(float) if crossing is not None else np.zeros(n_worlds)),
        collapsed=out["collapsed"].astype(bool),
        first_violation_by_h=float(first_violation_by_h),
        parties=scenario.party_keys,
    )


def fact_matrix(outcomes: WindowOutcomes, names: list[str] | tuple[str, ...]) -> np.ndarray:
    """Bool array (n_worlds, n_facts): whether each world shows each named fact."""
    return np.stack([FACTS[name].rule(outcomes) for name in names], axis=1)


@dataclass(frozen=True)
class WindowFacts:
    """An observer for the in-memory evaluator (`sim.experiments.evaluate`): which facts
    each world shows at the end of the observation window, one bool column per fact.

    Attributes:
        names: the facts, in column order.
        window_h: the observation window in hours.
        first_violation_by_h: threshold of the "within hours" fact.
    """

    names: tuple[str, ...]
    window_h: float
    first_violation_by_h: float

    def __call__(
        self, scenario: Scenario, mediator: str, n_worlds: int, seed: int, **worlds: Any
    ) -> dict[str, np.ndarray]:
        outcomes = observe_worlds(
            scenario,
            mediator,
            n_worlds,
            seed,
            window_h=self.window_h,
            first_violation_by_h=self.first_violation_by_h,
            **worlds,
        )
        shown = fact_matrix(outcomes, self.names)
        return {name: shown[:, j] for j, name in enumerate(self.names)}
