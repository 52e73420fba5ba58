"""The Mesa agents: the armed parties and the mediator.

Each agent owns its part of the state of every world (views into `sim.rules.state`
arrays: a party's column of grievance, intensity, pressure...) and applies its rules by
calling the compiled rules of `sim.rules.world` over the worlds still running. The model
calls them in the order of ODD section 3 (`CeasefireModel.step`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.rules import drive

if TYPE_CHECKING:
    from sim.model import CeasefireModel
    from sim.scenario import Party


class PartyAgent(mesa.Agent):
    """An armed party: each hour, in each world, it holds fire or violates (ODD 7.1).

    The choice is a logit over its incentives (eq. 1): what violating gains (objective,
    spoiling, retaliation, early fragility) against what holding is worth (the truce,
    the terms it benefits from, trust in its adversaries) and what it fears (the
    adversaries' reply, being seen by patrols, the mediator's threatened and applied
    pressure).
    """

    def __init__(self, model: CeasefireModel, party: Party, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.key = party.key
        self.label = party.label
        self.side = party.side
        self.signatory = party.signatory
        self.patron = party.patron

    # The agent's state in every world: views into the model's arrays.
    @property
    def grievance(self) -> np.ndarray:
        return self.model.worlds.state.grievance[:, self.index]

    @property
    def intensity(self) -> np.ndarray:
        return self.model.worlds.state.intensity[:, self.index]

    @property
    def pressure(self) -> np.ndarray:
        return self.model.worlds.state.pressure[:, self.index]

    @property
    def trust(self) -> np.ndarray:
        return self.model.worlds.state.trust[:, self.index]

    @property
    def violations(self) -> np.ndarray:
        return self.model.worlds.state.violations[:, self.index]

    def choose(self, worlds: np.ndarray, step: int) -> None:
        """Violate or hold in each world, by eq. 1 (`sim.rules.world.choose`)."""
        ws = self.model.worlds
        drive.choose_worlds(ws.state, ws.params, ws.structure, worlds, step, self.index)


class MediatorAgent(mesa.Agent):
    """The broker and guarantor: monitors, attributes, punishes, delivers, may walk away.

    Which mediator is in charge can differ between worlds after a switch (ODD 7.7);
    `names[current[w]]` is the one in charge of world w.
    """

    def __init__(self, model: CeasefireModel) -> None:
        super().__init__(model)
        self.names = model.worlds.mediators

    @property
    def current(self) -> np.ndarray:
        return self.model.worlds.state.mediator

    @property
    def credibility(self) -> np.ndarray:
        """Credibility with each party, shape (worlds, parties)."""
        return self.model.worlds.state.credibility

    @property
    def frustration(self) -> np.ndarray:
        return self.model.worlds.state.frustration

    def monitor_and_respond(self, worlds: np.ndarray, step: int) -> None:
        """See pending violations (late, maybe never), blame someone, punish or not
        (ODD 7.2-7.3, eq. 3-6)."""
        ws = self.model.worlds
        drive.monitor_worlds(ws.state, ws.params, ws.structure, worlds, step)

    def deliver_terms(self, worlds: np.ndarray, step: int) -> None:
        """Terms fall due and are delivered, progress or are reversed (ODD 7.4, eq. 7)."""
        ws = self.model.worlds
        drive.terms_worlds(ws.state, ws.params, ws.structure, worlds, step)
