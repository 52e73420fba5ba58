"""`CeasefireModel`: many replicate worlds of one truce, advanced together.

One model carries `n_worlds` independent replicates of the same scenario. The agents
(one per armed party, and the mediator) own their part of every world's state and apply
their rules (`sim.rules.world`, compiled) to the worlds still running, so one `step()`
advances all of them. At `n_worlds=1` it is an ordinary Mesa model: `running` turns False
when the truce collapses or reaches its horizon, and the DataCollector records
`duration_h` and `collapsed` every step, so `mesa.batch_run` works on it.

Batches do not step the model hour by hour: `simulate_worlds` runs the same rules with
the hours inside (`sim.rules.drive.run_worlds`), and a world has the same history either
way, because its random numbers depend only on its run index, the step and the draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.agents import MediatorAgent, PartyAgent
from sim.narration import Event, Narrator
from sim.rules import drive
from sim.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from sim.simulate import (
    run_to_the_end,
    simulate_with_spells,
    simulate_worlds,
    simulate_worlds_counted,
)
from sim.worlds import WorldSet, decode


class CeasefireModel(mesa.Model):
    """A truce (the Daraa scenario, or any scenario file) in `n_worlds` replicate worlds.

    Args:
        scenario: a loaded `Scenario`, or the path of a scenario file
            (default: the Daraa 2021 scenario).
        mediator: the mediator in charge at hour 0 (default: the scenario's first).
        n_worlds: number of independent replicate worlds stepped together.
        seed: passed to `mesa.Model` (seeds its numpy Generator `rng`).
        rng: a numpy Generator, SeedSequence or seed for the model's Generator.
        overrides: `--set`-style overrides by dotted path, applied when `scenario` is a path.
        world_params: per-world values of any numeric parameter (arrays of length
            n_worlds) by dotted path: `actors.regime.base`, `terms.crossing.due_h`,
            `mediator.conduct.resolve`, `mediators.russia.leverage.regime`, ...
        first_run: run index of world 0 (worlds are runs first_run, first_run + 1, ...).
        trace: record the timeline of world 0 (default: only when n_worlds == 1).
        collect: run the DataCollector every step (default: only when n_worlds == 1).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        mediator: str | None = None,
        n_worlds: int = 1,
        *,
        seed: Any = None,
        rng: Any = None,
        overrides: Mapping[str, Any] | None = None,
        world_params: Mapping[str, np.ndarray] | None = None,
        first_run: int = 0,
        trace: bool | None = None,
        collect: bool | None = None,
    ) -> None:
        if seed is not None and rng is not None:
            raise ValueError("pass either seed or rng, not both")
        super().__init__(**({"seed": seed} if seed is not None else {"rng": rng}))
        if n_worlds < 1:
            raise ValueError(f"n_worlds must be at least 1, got {n_worlds}")
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(
                scenario or DEFAULT_SCENARIO,
                mediators=[mediator] if mediator else None,
                overrides=overrides,
            )
        start = mediator or scenario.default_mediators[0]
        # The worlds' random numbers are keyed by one draw from the model's Generator, so
        # the same seed gives the same key, and world w meets the same luck under any
        # mediator, variant or parameters (common random numbers).
        key_seed = int(self.rng.integers(0, 2**63 - 1))
        self.worlds = WorldSet.build(
            scenario, start, n_worlds, key_seed, first_run=first_run, sets=world_params
        )
        # Not `self.scenario`: Mesa 3.5 reserves that name for its own scenario objects.
        self.config = self.worlds.scenario
        self.n_worlds = n_worlds
        self.step_h = self.config.step_h
        self.horizon_h = self.config.horizon_h
        self.hour = 0.0
        self.running = True
        self.mediator_names = self.worlds.mediators
        ws = self.worlds
        drive.init_worlds(ws.state, ws.params, ws.structure, ws.key, ws.runs, ws.psets)

        self.parties = [PartyAgent(self, party, i) for i, party in enumerate(self.config.parties)]
        self.mediator = MediatorAgent(self)
        self.trace_on = n_worlds == 1 if trace is None else trace
        self.narrator = Narrator(self) if self.trace_on else None
        self.collect_on = n_worlds == 1 if collect is None else collect
        self.datacollector = mesa.DataCollector(
            model_reporters={"duration_h": _report_duration, "collapsed": _report_collapsed}
        )
        # Collected at the end of each step only (not here): `mesa.batch_run` reads row
        # `model.steps - 1`, which is then the state after the last step.

    @property
    def events(self) -> list[Event]:
        """The timeline of world 0 (empty unless traced)."""
        return self.narrator.events if self.narrator else []

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        """Advance every still-running world by one step of `time.step_h` hours (ODD 3)."""
        ws = self.worlds
        step = round(self.hour / self.step_h)
        if not drive.going_on(ws.state):
            self.running = False
            return
        # 0. New truces of a campaign start (ODD 7.11); none without a campaign.
        if ws.structure.campaign:
            drive.wake_worlds(ws.state, ws.params, ws.structure, step)
        worlds = drive.running(ws.state)
        # 1. Each armed party weighs its incentives and chooses, in every world (7.1).
        for party in self.parties:
            party.choose(worlds, step)
        # 2. Violations are counted; grievance, intensity and trust follow (7.5, 7.10).
        drive.record_worlds(ws.state, ws.params, ws.structure, worlds, step)
        # 3. The mediator sees some violations, blames someone, punishes or not (7.2-7.3).
        self.mediator.monitor_and_respond(worlds, step)
        # 4. The terms fall due, are delivered, progress or are reversed (7.4).
        self.mediator.deliver_terms(worlds, step)
        # 5-7. Collapse or walkout, decay, the switch, the end of finished worlds (7.5-7.9).
        drive.end_step_worlds(ws.state, ws.params, ws.structure, worlds, step)
        self.hour = (step + 1) * self.step_h
        if self.narrator is not None:
            self.narrator.observe(step)
        if self.collect_on:
            self.datacollector.collect(self)
        if not drive.going_on(ws.state):
            self.running = False

    # ------------------------------------------------------------------ results
    @property
    def outcomes(self) -> dict[str, np.ndarray]:
        """Every world's outcome columns (`sim.outcomes`); running worlds as they stand."""
        return decode(self.worlds)

    def run(self) -> dict[str, np.ndarray]:
        """Step until every world has collapsed or reached the horizon; return the outcomes."""
        while self.running:
            self.step()
        return self.outcomes


def _report_duration(model: CeasefireModel) -> float:
    """Hours the truce has lasted so far (world mean when n_worlds > 1)."""
    st = model.worlds.state
    durations = np.where(st.n_ended == 0, model.hour, st.duration_h)
    return float(durations.mean())


def _report_collapsed(model: CeasefireModel) -> float | bool:
    share = float((model.worlds.state.cause != 0).mean())
    return bool(share) if model.n_worlds == 1 else share


__all__ = [
    "CeasefireModel",
    "Event",
    "run_to_the_end",
    "simulate_with_spells",
    "simulate_worlds",
    "simulate_worlds_counted",
]
