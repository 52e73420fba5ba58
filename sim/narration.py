"""The story of world 0, told by an observer of the state after each step.

The rules never narrate: `Narrator.observe` reads what the last step left in world 0
(its violations, what the mediator saw and did, terms delivered or reversed, a switch,
the end) and turns it into `Event`s for `ceasefire run` and its timeline figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.rules.layout import DUE_H, OBJECTIVE, RETALIATION, SPOILING
from sim.rules.state import CAUSE_PARTY, CAUSE_RETALIATION, CAUSE_WALKOUT, CENSORED, COLLAPSED

if TYPE_CHECKING:
    from sim.model import CeasefireModel


@dataclass(frozen=True)
class Event:
    """One line of a world's timeline."""

    hour: float
    actor: str  # a party key, "mediator", or a cause
    kind: str
    detail: str


class Narrator:
    """Watches world 0 of a model and records its events."""

    def __init__(self, model: CeasefireModel) -> None:
        self.model = model
        self.events: list[Event] = []
        self._switch_requested = False

    def _add(self, hour: float, actor: str, kind: str, detail: str) -> None:
        self.events.append(Event(hour, actor, kind, detail))

    def observe(self, step: int) -> None:
        """Record what step `step` did in world 0."""
        model = self.model
        ws = model.worlds
        st, pr, scenario = ws.state, ws.params, ws.scenario
        w = 0
        g = int(st.pset[w])
        hour = (step + 1) * model.step_h
        keys = scenario.party_keys
        labels = {p.key: p.label for p in scenario.parties}
        for p, key in enumerate(keys):
            if st.violated[w, p]:
                self._add(hour, key, "violation", self._motive(p, g))
        for p, key in enumerate(keys):
            if st.step_seen[w, p]:
                blamed = keys[int(st.step_blamed[w, p])]
                seen = f"seen by the mediator, blamed on {labels[blamed]}"
                if blamed != key:
                    seen += f" (it was {labels[key]})"
                self._add(hour, key, "detected", seen)
                if st.step_punished[w, p]:
                    self._add(hour, "mediator", "pressure", f"presses {labels[blamed]}")
                else:
                    self._add(
                        hour, "mediator", "no response", f"does not act against {labels[blamed]}"
                    )
        for t, term in enumerate(scenario.terms):
            change = int(st.step_delivered[w, t])
            if change > 0:
                self._add(hour, "mediator", "term delivered", f"{term.label}: delivered")
            elif change < 0:
                self._add(hour, term.controller, "term reversed", f"{term.label}: reversed")
            due = pr.term[g, t, DUE_H]
            if (
                term.delivery == "mediated"
                and hour >= due > hour - model.step_h
                and not st.term_on[w, t]
            ):
                self._add(hour, "mediator", "term overdue", f"{term.label}: due and not delivered")
        self._observe_switch(hour)
        self._observe_end(hour)

    def _motive(self, p: int, g: int) -> str:
        pr, st = self.model.worlds.params, self.model.worlds.state
        if st.grievance[0, p] >= 0.5 and pr.party[g, p, RETALIATION] > 0:
            return "retaliation for fire received"
        if pr.party[g, p, SPOILING] > 0 or st.pulse[0, p] > 0.5:
            return "spoiling the deal"
        if pr.party[g, p, OBJECTIVE] > 0:
            return "pressing its objective"
        return "breaks the truce"

    def _observe_switch(self, hour: float) -> None:
        st = self.model.worlds.state
        names = self.model.worlds.mediators
        if not self._switch_requested and not math.isinf(st.switch_at[0]):
            self._switch_requested = True
            scenario = self.model.config
            delay = st.switch_at[0] - hour
            requester = scenario.strings.get("switch.requested_by", "")
            self._add(
                hour,
                requester or "mediator",
                "switch requested",
                f"asks for {scenario.strings.get('switch.to')} to take over (in {delay:g} h)",
            )
        if st.switch_h[0] == hour:
            self._add(
                hour,
                "mediator",
                "mediator switch",
                f"{names[st.mediator[0]]} takes over as mediator",
            )

    def _observe_end(self, hour: float) -> None:
        st = self.model.worlds.state
        scenario = self.model.config
        if st.status[0] == COLLAPSED and st.duration_h[0] == hour:
            cause = int(st.cause[0])
            if cause == CAUSE_RETALIATION:
                actor, text = (
                    "retaliation",
                    "the truce collapses in an escalation spiral fed by two sides",
                )
            elif cause == CAUSE_WALKOUT:
                actor, text = "mediator_walkout", "the mediator walks away; the truce collapses"
            else:
                party = scenario.parties[cause - CAUSE_PARTY]
                actor, text = party.key, f"the truce collapses under fire from {party.label}"
            self._add(hour, actor, "collapse", text)
        elif st.status[0] == CENSORED and st.duration_h[0] == hour:
            text = (
                "talks reach a long-term agreement"
                if st.agreement[0]
                else "talks end without an agreement"
            )
            self._add(hour, "mediator", "talks", text)
