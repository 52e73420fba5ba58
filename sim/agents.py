"""The four actors of the Daraa truce as Mesa agents.

Each agent holds its state as numpy arrays over the model's active replicate
worlds, so one call advances every world at once. Array position `i` is the
same world in every agent; `CeasefireModel` drops finished worlds from all of
them together (see `compact`).

The equations are in `docs/ODD.md`, section 7; comments name the sub-model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.schema import ACTOR_LABELS, ACTOR_PARAMS, ACTORS, MEDIATOR_PARAMS

if TYPE_CHECKING:
    from sim.model import CeasefireModel

REGIME, MILITIA, OPPOSITION = range(3)
PRO_REGIME = (REGIME, MILITIA)


@dataclass(frozen=True)
class StepContext:
    """What every armed actor sees when it decides, this step (all worlds).

    Attributes:
        fragility: exp(-t0 / time.fragility_tau_h), t0 the hour the step starts.
        coverage: the mediator's patrol coverage per world (0 before its patrols start);
            a float while every world has the same mediator.
        progress: the deal's progress per world: mean of evacuation share and crossing open.
        crossing_open: 1.0 where the crossing is open.
        evacuated: share of the fighters already evacuated (the same in every world).
    """

    fragility: float
    coverage: float | np.ndarray
    progress: np.ndarray
    crossing_open: np.ndarray
    evacuated: float


def _nonzero(weight: float | np.ndarray) -> bool:
    """False only for a weight that is exactly zero in every world."""
    return bool(np.any(weight)) if isinstance(weight, np.ndarray) else weight != 0.0


class ArmedActor(mesa.Agent):
    """An armed party that chooses each hour, in each world, whether to violate.

    The choice is a logit over the actor's incentives (ODD 7.1):
    what violating gains (objective, spoiling, retaliation, early fragility)
    against what holding is worth and what it fears (the other side's reply,
    being seen by patrols, the mediator's threatened and applied pressure).
    """

    key: str = ""

    def __init__(self, model: CeasefireModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.label = model.config.strings.get(f"actors.{self.key}.label", ACTOR_LABELS[self.key])
        self.params = {
            name: float(model.config[f"actors.{self.key}.{name}"]) for name in ACTOR_PARAMS
        }
        n = model.n_worlds
        self.grievance = np.zeros(n)  # decayed count of violations suffered (drives retaliation)
        self.intensity = np.zeros(n)  # decayed count of own violations (escalation, ODD 7.5)
        self.pressure = np.zeros(n)  # mediator pressure applied and still felt (ODD 7.3)
        self.pending = np.zeros(n, dtype=np.int32)  # own violations not yet seen by the mediator
        self.violations = np.zeros(n, dtype=np.int32)

    def propensity(self, ctx: StepContext) -> np.ndarray:
        """Log-odds of violating this hour, per world (ODD eq. 1)."""
        p = self.params
        model = self.model
        mediator = model.mediator
        gain = p["base"] + p["early_fragility"] * ctx.fragility
        if _nonzero(p["objective"]):
            relief = model.config["terms.objective_relief"]
            gain = gain + p["objective"] * (1.0 - relief * ctx.evacuated)
        if _nonzero(p["spoiling"]):
            gain = gain + p["spoiling"] * (
                1.0 + model.config["terms.spoiler_urgency"] * ctx.progress
            )
        # Performance: the terms are summed in place, in the order of ODD eq. 1, and a term
        # whose weight is exactly zero is skipped (adding 0.0 leaves every value unchanged),
        # so the result is bit-for-bit that of the plain expression
        #   gain + retaliation * grievance - hold - fear.
        hold = p["truce_value"]
        if _nonzero(p["crossing_value"]):
            hold = hold + p["crossing_value"] * ctx.crossing_open
        fear = p["fear_reply"] * model.other_side_intensity(self.index)
        fear += p["reputation"] * ctx.coverage
        fear += p["deterrence"] * mediator.threat(self.index)
        if _nonzero(p["pressure"]):
            fear += p["pressure"] * self.pressure
        net = gain + p["retaliation"] * self.grievance
        net -= hold
        net -= fear
        return net

    @property
    def pending_any(self) -> bool:
        """True if some world holds a violation of this actor the mediator has not seen."""
        return bool(self.pending.any())

    def decide(self, ctx: StepContext, uniform: np.ndarray) -> np.ndarray:
        """Draw this step's choice in every world; True where the actor violates."""
        net = self.propensity(ctx)
        # p_hour = 1 / (1 + exp(-net)), computed in one buffer (no temporaries).
        p_hour = np.negative(net)
        np.exp(p_hour, out=p_hour)
        p_hour += 1.0
        np.divide(1.0, p_hour, out=p_hour)
        step_h = self.model.step_h
        p_step = p_hour if step_h == 1.0 else 1.0 - (1.0 - p_hour) ** step_h
        return uniform < p_step

    def compact(self, keep: np.ndarray) -> None:
        """Keep only the worlds at positions `keep` (the others have finished)."""
        for name in ("grievance", "intensity", "pressure", "pending", "violations"):
            setattr(self, name, getattr(self, name).take(keep))


class RegimeAgent(ArmedActor):
    """The Assad regime (its Fourth Division laid the siege: fact A1)."""

    key = "regime"


class MilitiaAgent(ArmedActor):
    """The Iranian-backed militias: the spoiler the deal's progress threatens (H3, H4)."""

    key = "militia"


class OppositionAgent(ArmedActor):
    """The fighters of Daraa al-Balad and their families' committee (A3)."""

    key = "opposition"


class MediatorAgent(mesa.Agent):
    """The broker and guarantor: monitors, attributes, punishes, delivers, may walk away.

    Its parameters are arrays over the worlds, because a mediator switch
    (ODD 7.7) hands some worlds to another mediator while others keep theirs.
    """

    def __init__(self, model: CeasefireModel, mediator_names: list[str], initial: str) -> None:
        super().__init__(model)
        self.names = mediator_names
        self.table = {
            key: np.array([float(model.config.mediator(m)[key]) for m in mediator_names])
            for key in MEDIATOR_PARAMS
        }
        n = model.n_worlds
        self.current = np.full(n, mediator_names.index(initial), dtype=np.int8)
        # Performance: until a switch hands some worlds to another mediator, every world has
        # the same mediator. Its parameters are then held as plain floats (`self.scalar`,
        # used by the arithmetic of the hot paths) and as read-only broadcast views over the
        # worlds (`self.values`, for the code that selects worlds), which cost nothing to
        # compact. The first switch turns them into ordinary per-world arrays.
        first = mediator_names.index(initial)
        self.scalar: dict[str, float] | None = {k: float(c[first]) for k, c in self.table.items()}
        self.values: dict[str, np.ndarray] = {
            k: np.broadcast_to(v, (n,)) for k, v in self.scalar.items()
        }
        self.credibility = np.zeros((3, n))
        for actor in range(3):
            self.credibility[actor] = self.scalar[f"credibility.{ACTORS[actor]}"]
        self.frustration = np.zeros(n)
        self.unpunished = np.zeros(n, dtype=np.int32)

    # -- parameters ------------------------------------------------------------------------
    def param(self, key: str) -> float | np.ndarray:
        """A mediator parameter: one float while every world has the same mediator."""
        return self.scalar[key] if self.scalar is not None else self.values[key]

    def _load(self, worlds: np.ndarray) -> None:
        """(Re)load the parameters of the mediator now in charge of `worlds`."""
        if self.scalar is not None:  # worlds now differ: per-world arrays from here on
            self.values = {k: np.array(v) for k, v in self.values.items()}
            self.scalar = None
        idx = self.current[worlds]
        for key, column in self.table.items():
            self.values[key][worlds] = column[idx]
        for actor in range(3):
            self.credibility[actor, worlds] = self.values[f"credibility.{ACTORS[actor]}"][worlds]

    def leverage(self, actor: int) -> np.ndarray:
        return self.values[f"leverage.{ACTORS[actor]}"]

    def threat(self, actor: int) -> np.ndarray:
        """Expected pressure an actor weighs before violating: leverage x resolve x credibility."""
        lever = self.param(f"leverage.{ACTORS[actor]}") * self.param("conduct.resolve")
        return lever * self.credibility[actor]

    def coverage(self, hour: float) -> float | np.ndarray:
        """Patrol coverage of the district in each world (0 before the patrols start).

        A float when every world has the same mediator.
        """
        if self.scalar is not None:
            on = hour >= self.scalar["conduct.patrol_start_h"]
            return self.scalar["conduct.patrol_capacity"] if on else 0.0
        v = self.values
        return np.where(hour >= v["conduct.patrol_start_h"], v["conduct.patrol_capacity"], 0.0)

    def punish_chance(self, blamed: int, worlds: np.ndarray) -> np.ndarray:
        """Chance of punishing a violation blamed on `blamed`: resolve, less the bias toward it."""
        bias = self.values["conduct.bias"][worlds]
        toward = np.maximum(bias, 0.0) if blamed in PRO_REGIME else np.maximum(-bias, 0.0)
        return self.values["conduct.resolve"][worlds] * (1.0 - toward)

    # -- monitoring and response (ODD 7.2, 7.3) --------------------------------------------
    def monitor_and_respond(self, hour: float, coverage: np.ndarray) -> None:
        """See pending violations (late, maybe never), blame someone, punish or not."""
        model = self.model
        scenario = model.config
        rng = model.rng
        step_h = model.step_h
        if not any(actor.pending_any for actor in model.armed):
            return  # nothing to see this step (the usual case): skip the work
        monitoring = self.param("conduct.monitoring")
        detect_hour = monitoring + (1.0 - monitoring) * (
            coverage * scenario["monitoring.patrol_detection"]
        )
        accuracy = scenario["monitoring.attribution_accuracy"]
        blame_opposition = scenario["monitoring.blame_opposition"]
        gain = self.values["conduct.credibility_gain"]
        loss = self.values["conduct.credibility_loss"]
        for actor in model.armed:
            worlds = np.flatnonzero(actor.pending)
            if worlds.size == 0:
                continue
            q = detect_hour[worlds] if np.ndim(detect_hour) else detect_hour
            if step_h != 1.0:
                q = 1.0 - (1.0 - q) ** step_h
            seen = rng.binomial(actor.pending[worlds], q)
            hit = seen > 0
            worlds, seen = worlds[hit], seen[hit]
            if worlds.size == 0:
                continue
            actor.pending[worlds] -= seen
            # Attribution: right with `accuracy`, else blamed on another actor (ODD eq. 4).
            u = rng.random((3, worlds.size))
            blamed = np.full(worlds.size, actor.index, dtype=np.int8)
            wrong = u[0] >= accuracy
            if actor.index == OPPOSITION:
                blamed[wrong] = np.where(u[1][wrong] < 0.5, REGIME, MILITIA)
            else:
                other = MILITIA if actor.index == REGIME else REGIME
                blamed[wrong] = np.where(u[1][wrong] < blame_opposition, OPPOSITION, other)
            victim = REGIME if actor.index == OPPOSITION else OPPOSITION
            for target in range(3):
                sel = blamed == target
                if not sel.any():
                    continue
                w = worlds[sel]
                punished = u[2][sel] < self.punish_chance(target, w)
                just = target == actor.index
                self._respond(w, punished, target, victim, just, seen[sel], gain, loss)
                model.trace_detection(hour, w, actor.index, target, punished)

    def _respond(
        self,
        worlds: np.ndarray,
        punished: np.ndarray,
        blamed: int,
        victim: int,
        just: bool,
        seen: np.ndarray,
        gain: np.ndarray,
        loss: np.ndarray,
    ) -> None:
        cred = self.credibility
        pw, uw = worlds[punished], worlds[~punished]
        if pw.size:
            # Pressure on the blamed party, in proportion to the mediator's leverage over it.
            target = self.model.armed[blamed]
            target.pressure[pw] += self.leverage(blamed)[pw] * seen[punished]
            if just:
                cred[blamed, pw] += gain[pw] * (1.0 - cred[blamed, pw])
            else:
                cred[blamed, pw] -= loss[pw] * cred[blamed, pw]
            # The victims see the mediator act, unless it was they who were (wrongly) punished.
            if (blamed == OPPOSITION) != (victim == OPPOSITION):
                cred[victim, pw] += gain[pw] * (1.0 - cred[victim, pw])
        if uw.size:
            cred[victim, uw] -= loss[uw] * cred[victim, uw]
            cred[blamed, uw] -= loss[uw] * cred[blamed, uw]
            self.frustration[uw] += seen[~punished]
            self.unpunished[uw] += seen[~punished]

    def decay(self) -> None:
        """Frustration and applied pressure fade each step."""
        step_h = self.model.step_h
        self.frustration *= self.param("conduct.frustration_decay") ** step_h
        fade = self.param("conduct.pressure_decay") ** step_h
        for actor in self.model.armed:
            actor.pressure *= fade

    def walks_away(self) -> np.ndarray:
        """True where the mediator's frustration has reached its patience (ODD 7.6)."""
        if self.scalar is not None and not self.scalar["conduct.walks_away"]:
            return np.zeros(self.frustration.size, dtype=bool)
        return (self.param("conduct.walks_away") > 0) & (
            self.frustration >= self.param("conduct.patience")
        )

    def switch_to(self, worlds: np.ndarray, target: int) -> None:
        """Hand `worlds` to mediator number `target`: its parameters and credibility."""
        self.current[worlds] = target
        self._load(worlds)
        self.frustration[worlds] = 0.0

    def compact(self, keep: np.ndarray) -> None:
        """Keep only the worlds at positions `keep`."""
        n = keep.size
        self.current = self.current.take(keep)
        if self.scalar is not None:
            self.values = {k: np.broadcast_to(v, (n,)) for k, v in self.scalar.items()}
        else:
            self.values = {k: v.take(keep) for k, v in self.values.items()}
        self.credibility = self.credibility.take(keep, axis=1)
        self.frustration = self.frustration.take(keep)
        self.unpunished = self.unpunished.take(keep)
