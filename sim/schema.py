"""What a scenario file and a mediator file may contain.

Every parameter is declared here once, by its dotted path, with its type, its
valid range and one line saying what it means. The loader (`sim.scenario`)
validates files against these declarations, the `--set` overrides use the same
paths, and `docs/ODD.md` names parameters the same way.

Numbers in a file may be written plain (``base = -6.0``) or with their
provenance (``base = { value = -6.0, source = "H1; reasoning ..." }``). The
shipped scenario writes every number the second way; `ceasefire validate
--strict` insists on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ACTORS: tuple[str, ...] = ("regime", "militia", "opposition")
"""The armed actors, in the order used for arrays throughout the model."""

ACTOR_LABELS: dict[str, str] = {
    "regime": "Assad regime",
    "militia": "Iranian militias",
    "opposition": "Daraa al-Balad opposition",
}

CAUSES: tuple[str, ...] = (
    "none",
    "regime",
    "militia",
    "opposition",
    "retaliation",
    "mediator_walkout",
)
"""Values of the `cause` outcome: what collapsed the truce (`none`: it held)."""


@dataclass(frozen=True)
class Param:
    """One numeric or boolean parameter.

    Attributes:
        kind: "float", "int" or "bool".
        low: smallest valid value (inclusive); None for unbounded.
        high: largest valid value (inclusive); None for unbounded.
        doc: what the parameter means, with its unit.
    """

    kind: str
    low: float | None
    high: float | None
    doc: str

    def expected(self) -> str:
        """Describe the valid values in words, for error messages."""
        if self.kind == "bool":
            return "true or false"
        noun = "an integer" if self.kind == "int" else "a number"
        if self.low is not None and self.high is not None:
            return f"{noun} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{noun} >= {self.low:g}"
        if self.high is not None:
            return f"{noun} <= {self.high:g}"
        return noun

    def accepts(self, value: float) -> bool:
        """True if `value` (already of the right type) lies in the valid range."""
        if self.kind == "bool":
            return True
        if not math.isfinite(value):
            return self.kind == "float" and value == math.inf and self.high is None
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def _prob(doc: str) -> Param:
    return Param("float", 0.0, 1.0, doc)


def _logodds(doc: str) -> Param:
    return Param("float", -50.0, 50.0, doc)


def _weight(doc: str) -> Param:
    return Param("float", 0.0, 50.0, doc)


# Terms of each armed actor's hourly choice, in log-odds of violating (see ODD, section 7.1).
ACTOR_PARAMS: dict[str, Param] = {
    "base": _logodds("log-odds of violating in an hour with every other term at zero"),
    "objective": _weight("gain from violating: pressing the military objective (the siege)"),
    "spoiling": _weight(
        "gain from violating: wrecking a deal that ends the actor's project; "
        "grows with the deal's progress"
    ),
    "retaliation": _weight("weight on grievance: the drive to hit back after being hit"),
    "truce_value": _weight("what the truce holding is worth to the actor"),
    "crossing_value": _weight("extra worth of the truce while the Saraya crossing is open"),
    "fear_reply": _weight("fear of the other side's reply, times its recent intensity"),
    "reputation": _weight("fear of being seen violating, times the mediator's patrol coverage"),
    "deterrence": _weight("fear of mediator pressure: times leverage x resolve x credibility"),
    "pressure": _weight("restraint from pressure the mediator has actually applied"),
    "early_fragility": _weight("extra log-odds at hour 0 that decays with time.fragility_tau_h"),
}

SCENARIO_PARAMS: dict[str, Param] = {
    "time.step_h": Param("float", 0.25, 24.0, "length of one model step, hours"),
    "time.horizon_h": Param(
        "float",
        1.0,
        8760.0,
        "stated length of the truce, hours; runs that reach it are right-censored",
    ),
    "time.fragility_tau_h": Param("float", 0.1, 8760.0, "e-folding time of early fragility, hours"),
    "terms.crossing_due_h": Param("float", 0.0, 8760.0, "hour by which the crossing should reopen"),
    "terms.crossing_open_at_start": Param("bool", None, None, "the crossing is open at hour 0"),
    "terms.crossing_reclose": _prob(
        "chance the regime closes an open crossing in an hour in which it violates"
    ),
    "terms.evacuation_start_h": Param("float", 0.0, 8760.0, "hour the evacuation to Idlib begins"),
    "terms.evacuation_rate_per_h": _prob(
        "share of the fighters to be evacuated who leave per hour, at full mediator delivery"
    ),
    "terms.objective_relief": _prob(
        "share of the regime's siege objective met once the evacuation is complete"
    ),
    "terms.spoiler_urgency": _weight("how much a spoiler's gain grows as the deal progresses"),
    "talks.base": _logodds("log-odds that talks at the horizon reach an agreement, all else zero"),
    "talks.credibility": _weight("weight on the mediator's mean credibility with both sides"),
    "talks.crossing": _weight("weight on the share of hours the crossing was open"),
    "talks.violations": _weight("penalty per violation during the truce"),
    "monitoring.attribution_accuracy": _prob(
        "chance a detected violation is blamed on the actor that committed it"
    ),
    "monitoring.blame_opposition": _prob(
        "when a pro-regime violation is misattributed, the chance it is blamed on the opposition"
    ),
    "monitoring.patrol_detection": _prob(
        "chance per hour that patrols covering the whole district see a given violation"
    ),
    "escalation.grievance_decay": _prob("share of an actor's grievance left after one hour"),
    "escalation.intensity_decay": _prob(
        "share of each actor's violation intensity left after one hour"
    ),
    "escalation.collapse_threshold": Param(
        "float", 0.01, 1e6, "total intensity at which the truce has collapsed"
    ),
    "escalation.spiral_share": Param(
        "float",
        0.0,
        0.5,
        "if both sides carry at least this share "
        "of the intensity at collapse, the cause is retaliation",
    ),
    "switch.enabled": Param("bool", None, None, "another mediator may take over (see switch.to)"),
    "switch.trust_below": _prob("switch when the opposition's trust in the mediator falls below"),
    "switch.unpunished_at_least": Param(
        "int", 1, 1_000_000, "or when this many detected violations went unpunished"
    ),
    "switch.delay_h": Param("float", 0.0, 8760.0, "hours from the condition to the takeover"),
}
for _actor in ACTORS:
    for _name, _param in ACTOR_PARAMS.items():
        SCENARIO_PARAMS[f"actors.{_actor}.{_name}"] = _param

SCENARIO_STRINGS: dict[str, str] = {
    "scenario.name": "short identifier, used in result folder names",
    "scenario.title": "one-line title",
    "scenario.description": "what the scenario represents",
    "switch.to": "mediator that takes over when the switch fires (a file in mediators/)",
}
for _actor in ACTORS:
    SCENARIO_STRINGS[f"actors.{_actor}.label"] = "display name of the actor"

SCENARIO_LISTS: dict[str, str] = {
    "scenario.mediators": "mediators compared by default (names of files in mediators/)",
    "scenario.sources": "fact sheets the provenance notes cite",
}

MEDIATOR_PARAMS: dict[str, Param] = {
    "leverage.regime": _prob("the mediator's leverage over the regime"),
    "leverage.militia": _prob("the mediator's leverage over the Iranian militias"),
    "leverage.opposition": _prob("the mediator's leverage over the opposition"),
    "credibility.regime": _prob("initial credibility of the mediator's threats with the regime"),
    "credibility.militia": _prob("initial credibility with the militias"),
    "credibility.opposition": _prob("initial credibility with (trust of) the opposition"),
    "conduct.bias": Param(
        "float", -1.0, 1.0, "+1: wholly on the regime's side, -1: the opposition's"
    ),
    "conduct.resolve": _prob(
        "chance it punishes a violation it has detected and attributed, before bias"
    ),
    "conduct.patrol_capacity": _prob("share of the district its patrols cover"),
    "conduct.patrol_start_h": Param("float", 0.0, 8760.0, "hour its patrols begin"),
    "conduct.monitoring": _prob("chance per hour of detecting a given violation without patrols"),
    "conduct.delivery": _prob(
        "ability to deliver the terms: per-hour chance the overdue crossing "
        "opens, times its leverage over the regime"
    ),
    "conduct.credibility_gain": _prob(
        "share of the gap to 1 that credibility gains on a just punishment"
    ),
    "conduct.credibility_loss": _prob(
        "share of credibility lost on an unpunished or unjust outcome"
    ),
    "conduct.undelivered_loss_per_h": _prob(
        "share of the opposition's trust lost per hour the crossing is overdue and closed"
    ),
    "conduct.pressure_decay": _prob(
        "share of the pressure it applied that is still felt after one hour"
    ),
    "conduct.walks_away": Param("bool", None, None, "the mediator may abandon the truce"),
    "conduct.patience": Param(
        "float",
        0.1,
        1e6,
        "frustration (decayed count of unpunished detected violations) at which it walks away",
    ),
    "conduct.frustration_decay": _prob("share of frustration left after one hour"),
}

MEDIATOR_STRINGS: dict[str, str] = {
    "mediator.name": "identifier (the file's stem)",
    "mediator.label": "display name",
    "mediator.description": "who this mediator is and what the numbers rest on",
}
MEDIATOR_LISTS: dict[str, str] = {}

VARIANT_STRINGS: dict[str, str] = {
    "variant.name": "identifier (the file's stem)",
    "variant.description": "what the intervention means",
}
