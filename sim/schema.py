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

RESERVED_KEYS = frozenset({"none", "retaliation", "mediator_walkout", "mediator", "all", "any"})
"""Names a party may not take: they are values of the `cause` outcome or words of the CLI."""

MAX_PARTIES = 8
MAX_TERMS = 16
MAX_SPELLS = 16
"""Truces recorded per run of a campaign; when the 16th ends, no further truce is brokered
(the campaign ends as 'spell_limit')."""
BASE_CAUSES: tuple[str, ...] = ("none", "retaliation", "mediator_walkout")
"""Causes that are not a party; a run's `cause` is one of these or a party key."""

TERM_DELIVERY = ("mediated", "scheduled")


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


def _hours(doc: str) -> Param:
    return Param("float", 0.0, 87600.0, doc)


# Terms of each armed party's hourly choice, in log-odds of violating (ODD section 7.1).
# Declared for every party key as `actors.<party>.<name>`.
ACTOR_PARAMS: dict[str, Param] = {
    "base": _logodds("log-odds of violating in an hour with every other term at zero"),
    "objective": _weight(
        "gain from violating: pressing a military objective the truce leaves unmet "
        "(relieved by the terms that meet it)"
    ),
    "spoiling": _weight(
        "gain from violating: wrecking a deal that ends the party's project "
        "(grows with the progress of the terms that threaten it, spoilers.growth)"
    ),
    "spoiler_pulse": _weight(
        "urge to strike added when a term that threatens the party is delivered; "
        "fades with spoilers.half_life_h (Stedman 1997)"
    ),
    "retaliation": _weight("weight on grievance: the drive to hit back after being hit"),
    "truce_value": _weight("what the truce holding is worth to the party"),
    "fear_reply": _weight("fear of the adversaries' reply, times their recent intensity"),
    "reputation": _weight("fear of being seen violating, times the mediator's patrol coverage"),
    "deterrence": _weight("fear of mediator pressure: times leverage x resolve x credibility"),
    "pressure": _weight("restraint from pressure the mediator has actually applied"),
    "early_fragility": _weight("extra log-odds at hour 0 that decays with time.fragility_tau_h"),
    "trust_weight": _weight(
        "restraint from trust in the adversaries, built by quiet hours (ODD 7.10)"
    ),
}
ACTOR_DEFAULTS: dict[str, float] = {"spoiler_pulse": 0.0, "trust_weight": 0.0}
"""Per-party parameters a file may leave out: their mechanism is then off."""

ACTOR_STRINGS: dict[str, str] = {
    "label": "display name of the party",
    "side": "the side it fights on (any name); parties on different sides are adversaries",
    "patron": "optional: the outside power that can restrain it (free text)",
}
ACTOR_BOOLS: dict[str, str] = {"signatory": "true if the party signed or accepted the truce"}

# Each term of the truce, declared as `terms.<term>.<name>` (ODD section 7.4).
TERM_PARAMS: dict[str, Param] = {
    "due_h": _hours("hour the term falls due (mediated) or starts (scheduled)"),
    "duration_h": _hours("hours from start to completion; 0: it takes effect at once"),
    "revoke": _prob("chance the controlling party reverses the term in an hour it violates"),
    "open_at_start": Param("bool", None, None, "the term is already delivered at hour 0"),
}
TERM_DEFAULTS: dict[str, float | bool] = {"duration_h": 0.0, "revoke": 0.0, "open_at_start": False}
TERM_PARTY_PARAMS: dict[str, Param] = {
    "benefits": _weight("added to what the truce is worth to the party while the term holds"),
    "threatens": _prob(
        "how much the term's delivery threatens the party's project (spoiler gain and pulse)"
    ),
    "relieves": _prob("share of the party's objective met once the term is complete"),
}
TERM_STRINGS: dict[str, str] = {
    "label": "what the term is, in words",
    "controller": "the party whose consent delivers (and can reverse) the term",
    "delivery": "'mediated': the mediator must obtain it; 'scheduled': it starts on the clock",
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
    "talks.base": _logodds("log-odds that talks at the horizon reach an agreement, all else zero"),
    "talks.credibility": _weight("weight on the mediator's mean credibility with the signatories"),
    "talks.delivered": _weight("weight on the share of hours the mediated terms were in force"),
    "talks.violations": _weight("penalty per violation during the truce"),
    "monitoring.attribution_accuracy": _prob(
        "chance a detected violation is blamed on the party that committed it"
    ),
    "monitoring.blame_adversary": _prob(
        "when a violation is misattributed and the violator has allies, the chance it is "
        "blamed on an adversary rather than an ally"
    ),
    "monitoring.patrol_detection": _prob(
        "chance per hour that patrols covering the whole area see a given violation"
    ),
    "escalation.grievance_decay": _prob("share of a party's grievance left after one hour"),
    "escalation.intensity_decay": _prob(
        "share of each party's violation intensity left after one hour"
    ),
    "escalation.collapse_threshold": Param(
        "float", 0.01, 1e6, "total intensity at which the truce has collapsed"
    ),
    "escalation.spiral_share": Param(
        "float",
        0.0,
        0.5,
        "if two sides each carry at least this share of the intensity at collapse, "
        "the cause is retaliation",
    ),
    "spoilers.growth": _weight(
        "how much a spoiler's gain grows, for good, with the progress of threatening terms"
    ),
    "spoilers.half_life_h": Param(
        "float", 0.1, 87600.0, "hours in which a spoiler's pulse falls to half"
    ),
    "trust.initial": _prob("trust between the parties at hour 0"),
    "trust.gain_per_h": _prob("share of the gap to full trust closed by each quiet hour"),
    "trust.loss_per_violation": _prob("share of trust lost when an adversary violates"),
    "switch.enabled": Param("bool", None, None, "another mediator may take over (see switch.to)"),
    "switch.trust_below": _prob(
        "switch when the requesting party's trust in the mediator falls below"
    ),
    "switch.unpunished_at_least": Param(
        "int", 1, 1_000_000, "or when this many detected violations went unpunished"
    ),
    "switch.delay_h": Param("float", 0.0, 8760.0, "hours from the condition to the takeover"),
    # Successive truces (ODD 7.11): off while campaign.length_h is 0 (no [campaign] table).
    "campaign.length_h": Param(
        "float",
        0.0,
        87600.0,
        "hours the run follows the campaign of successive truces; 0: one truce only",
    ),
    "campaign.replace_per_h": _prob(
        "chance per hour that a holding truce is replaced by a broader agreement, when the "
        "mediator's mean credibility with the signatories is 0.5"
    ),
    "campaign.replace_credibility": Param(
        "float",
        -50.0,
        50.0,
        "log-hazard of replacement per unit of the mediator's mean credibility with the "
        "signatories (above or below 0.5)",
    ),
    "campaign.extension": _prob(
        "chance a truce that reaches its term without agreement is extended (a new truce)"
    ),
    "campaign.rebroker_delay_h": Param(
        "float", 0.0, 87600.0, "hours from a breakdown to a new truce, if one is brokered"
    ),
    "campaign.rebroker_base": _logodds("log-odds of a new truce after a breakdown, all else zero"),
    "campaign.rebroker_credibility": _weight(
        "weight on the mediator's credibility with the side that trusts it least"
    ),
    "campaign.rebroker_leverage": _weight(
        "weight on the mediator's mean leverage over the parties"
    ),
    "campaign.rebroker_failures": _weight("penalty per truce that has already broken down"),
    "campaign.trust_kept": _prob(
        "share of the trust between the parties that carries over into a new truce"
    ),
}
SCENARIO_DEFAULTS: dict[str, float | int | bool] = {
    "switch.enabled": False,
    "switch.trust_below": 0.0,
    "switch.unpunished_at_least": 1_000_000,
    "switch.delay_h": 0.0,
    "spoilers.growth": 0.0,
    "spoilers.half_life_h": 24.0,
    "trust.initial": 0.0,
    "trust.gain_per_h": 0.0,
    "trust.loss_per_violation": 0.0,
    "campaign.length_h": 0.0,
    "campaign.replace_per_h": 0.0,
    "campaign.replace_credibility": 0.0,
    "campaign.extension": 0.0,
    "campaign.rebroker_delay_h": 0.0,
    "campaign.rebroker_base": -50.0,
    "campaign.rebroker_credibility": 0.0,
    "campaign.rebroker_leverage": 0.0,
    "campaign.rebroker_failures": 0.0,
    "campaign.trust_kept": 0.0,
}
"""Scenario parameters a file may leave out, with the value that turns their mechanism off."""

SCENARIO_STRINGS: dict[str, str] = {
    "scenario.name": "short identifier, used in result folder names (a-z, 0-9, _ and -)",
    "scenario.title": "one-line title",
    "scenario.description": "what the scenario represents",
    "scenario.signed": "date the truce was agreed (YYYY-MM-DD)",
    "switch.to": "mediator that takes over when the switch fires (a file in mediators/)",
    "switch.requested_by": "the party whose loss of trust asks for the switch",
}

SCENARIO_LISTS: dict[str, str] = {
    "scenario.mediators": "mediators compared by default (names of files in mediators/)",
    "scenario.sources": "fact sheets the provenance notes cite",
}

# The mediator's conduct, one value per mediator file (ODD sections 7.2-7.7).
CONDUCT_PARAMS: dict[str, Param] = {
    "conduct.resolve": _prob(
        "chance it punishes a violation it has detected and attributed, before bias"
    ),
    "conduct.patrol_capacity": _prob("share of the area its patrols cover"),
    "conduct.patrol_start_h": Param("float", 0.0, 8760.0, "hour its patrols begin"),
    "conduct.monitoring": _prob("chance per hour of detecting a given violation without patrols"),
    "conduct.delivery": _prob(
        "ability to deliver the mediated terms: per-hour chance an overdue term is delivered, "
        "times its leverage over the term's controller"
    ),
    "conduct.credibility_gain": _prob(
        "share of the gap to 1 that credibility gains on a just punishment or a delivered term"
    ),
    "conduct.credibility_loss": _prob(
        "share of credibility lost on an unpunished or unjust outcome"
    ),
    "conduct.undelivered_loss_per_h": _prob(
        "share of the beneficiaries' trust lost per hour a mediated term is overdue"
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
    "conduct.closeness_leverage": _prob(
        "how far closeness to a party raises leverage over it: the second face of bias "
        "(Kydd 2003, Svensson 2009)"
    ),
}
CONDUCT_DEFAULTS: dict[str, float] = {"conduct.closeness_leverage": 0.0}

# Declared for every party key of the scenario as `<table>.<party>`.
MEDIATOR_PARTY_PARAMS: dict[str, Param] = {
    "leverage": _prob("the mediator's leverage over the party"),
    "credibility": _prob("initial credibility of the mediator's threats with (trust of) the party"),
    "bias": _prob("closeness to the party (0: neutral): it punishes the party's violations less"),
    "patron_pressure": _prob(
        "share of the party's spoiler pulse the mediator defuses through the party's patron"
    ),
}
MEDIATOR_PARTY_REQUIRED = ("leverage", "credibility")
"""Tables a mediator file must give for every party; the others default to 0."""

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


def party_params(parties: tuple[str, ...]) -> dict[str, Param]:
    """Every per-party scenario parameter, by dotted path, for these party keys."""
    return {
        f"actors.{party}.{name}": param for party in parties for name, param in ACTOR_PARAMS.items()
    }


def term_params(terms: tuple[str, ...], parties: tuple[str, ...]) -> dict[str, Param]:
    """Every per-term scenario parameter, by dotted path."""
    out: dict[str, Param] = {}
    for term in terms:
        for name, param in TERM_PARAMS.items():
            out[f"terms.{term}.{name}"] = param
        for table, param in TERM_PARTY_PARAMS.items():
            for party in parties:
                out[f"terms.{term}.{table}.{party}"] = param
    return out


def scenario_params(parties: tuple[str, ...], terms: tuple[str, ...]) -> dict[str, Param]:
    """Every numeric parameter of a scenario with these parties and terms."""
    return {**SCENARIO_PARAMS, **party_params(parties), **term_params(terms, parties)}


def scenario_defaults(
    parties: tuple[str, ...], terms: tuple[str, ...]
) -> dict[str, float | int | bool]:
    """Values given to the parameters a scenario file leaves out (mechanism off)."""
    out: dict[str, float | int | bool] = dict(SCENARIO_DEFAULTS)
    for party in parties:
        for name, value in ACTOR_DEFAULTS.items():
            out[f"actors.{party}.{name}"] = value
    for term in terms:
        for name, value in TERM_DEFAULTS.items():
            out[f"terms.{term}.{name}"] = value
        for table in TERM_PARTY_PARAMS:
            for party in parties:
                out[f"terms.{term}.{table}.{party}"] = 0.0
    return out


def mediator_params(parties: tuple[str, ...]) -> dict[str, Param]:
    """Every parameter of a mediator file for a scenario with these parties."""
    out = dict(CONDUCT_PARAMS)
    for table, param in MEDIATOR_PARTY_PARAMS.items():
        for party in parties:
            out[f"{table}.{party}"] = param
    return out


def mediator_defaults(parties: tuple[str, ...]) -> dict[str, float]:
    """Values given to the mediator parameters a file leaves out (neutral, mechanism off)."""
    out: dict[str, float] = dict(CONDUCT_DEFAULTS)
    for table in MEDIATOR_PARTY_PARAMS:
        if table not in MEDIATOR_PARTY_REQUIRED:
            for party in parties:
                out[f"{table}.{party}"] = 0.0
    return out
