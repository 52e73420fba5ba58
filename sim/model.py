"""`CeasefireModel`: many replicate worlds of one truce, advanced together.

One model carries `n_worlds` independent replicates of the same scenario. Each
agent keeps its state as numpy arrays over the worlds, so a `step()` advances
all of them with a few array operations, and worlds whose truce has ended are
dropped from the arrays so later steps cost only what is still running. At
`n_worlds=1` it is an ordinary Mesa model: `running` turns False when the truce
collapses or its horizon ends, and the DataCollector records `duration_h` and
`collapsed` every step, so `mesa.batch_run` works on it.

The schedule of one step (ODD section 3) is in `step()`; the rules are in
`sim.agents` and the equations in `docs/ODD.md`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.agents import (
    MILITIA,
    OPPOSITION,
    PRO_REGIME,
    REGIME,
    ArmedActor,
    MediatorAgent,
    MilitiaAgent,
    OppositionAgent,
    RegimeAgent,
    StepContext,
)
from sim.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from sim.schema import ACTORS, CAUSES

_WORLD_DRAWS = 5  # per world and step: three choices, the crossing opening, its reclosing
CAUSE_CODE = {name: code for code, name in enumerate(CAUSES)}


@dataclass(frozen=True)
class Event:
    """One line of a world's timeline."""

    hour: float
    actor: str
    kind: str
    detail: str


class CeasefireModel(mesa.Model):
    """The Daraa truce (or any scenario file) in `n_worlds` replicate worlds.

    Args:
        scenario: a loaded `Scenario`, or the path of a scenario file
            (default: the Daraa 2021 scenario).
        mediator: the mediator in charge at hour 0 (default: the scenario's first).
        n_worlds: number of independent replicate worlds stepped together.
        seed: passed to `mesa.Model` (seeds its numpy Generator `rng`).
        rng: a numpy Generator, SeedSequence or seed for the model's Generator.
        overrides: `--set`-style overrides by dotted path, applied when `scenario` is a path.
        world_params: per-world values of actor parameters (arrays of length n_worlds), for
            draws from a posterior; keys are scenario paths such as `actors.regime.base`.
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
        # Common random numbers: the draws that steer each world's course (choices, the
        # crossing) come from a stream of their own, drawn for every world, finished or
        # not, and read by world id, so world w meets the same luck under any mediator or
        # variant however the other worlds fare. Sparse draws stay on `self.rng`.
        self.world_rng = self.rng.spawn(1)[0]
        # Not `self.scenario`: Mesa 3.5 reserves that name for its own scenario objects.
        self.config = scenario
        self.n_worlds = n_worlds
        self.step_h = scenario.step_h
        self.horizon_h = scenario.horizon_h
        self.hour = 0.0
        self.running = True
        self.world_params = {k: np.asarray(v, dtype=float) for k, v in (world_params or {}).items()}
        self._apply_world_params(scenario)

        start = scenario.resolve_mediator(mediator or scenario.default_mediators[0])
        scenario = self.config = scenario.with_mediators([start])
        names = list(dict.fromkeys([start, *scenario.mediators]))
        self.mediator_names = names
        self.regime = RegimeAgent(self, REGIME)
        self.militia = MilitiaAgent(self, MILITIA)
        self.opposition = OppositionAgent(self, OPPOSITION)
        self.armed: tuple[ArmedActor, ...] = (self.regime, self.militia, self.opposition)
        self._override_actor_params()
        self.mediator = MediatorAgent(self, names, start)

        # Terms of the truce, per world (ODD 7.4).
        self.crossing_open = np.full(n_worlds, bool(scenario["terms.crossing_open_at_start"]))
        self.crossing_hours = np.zeros(n_worlds)
        self.evacuated = 0.0  # the same in every world: the evacuation is paced by the clock
        self.switch_at = np.full(n_worlds, np.inf)
        self.world = np.arange(n_worlds)  # active position -> world id

        self.outcomes = _empty_outcomes(n_worlds, self.horizon_h)
        self.trace_on = n_worlds == 1 if trace is None else trace
        self.events: list[Event] = []
        if not self.trace_on:
            self.trace_detection = _no_trace  # type: ignore[method-assign]
        self.collect_on = n_worlds == 1 if collect is None else collect
        self.datacollector = mesa.DataCollector(
            model_reporters={"duration_h": _report_duration, "collapsed": _report_collapsed}
        )
        # Collected at the end of each step only (not here): `mesa.batch_run` reads row
        # `model.steps - 1`, which is then the state after the last step.

    # ------------------------------------------------------------------ parameters per world
    def _apply_world_params(self, scenario: Scenario) -> None:
        from sim.scenario import override_param

        for key, values in self.world_params.items():
            if not key.startswith("actors."):
                raise ValueError(f"world_params supports actor parameters (actors.*), not {key!r}")
            param = override_param(key, scenario.mediators)
            if values.shape != (self.n_worlds,):
                raise ValueError(f"world_params[{key!r}] must have shape ({self.n_worlds},)")
            if not all(param.accepts(float(x)) for x in (values.min(), values.max())):
                raise ValueError(f"world_params[{key!r}] outside {param.expected()}")

    def _override_actor_params(self) -> None:
        for key, values in self.world_params.items():
            parts = key.split(".")
            if parts[0] == "actors":
                self.armed[ACTORS.index(parts[1])].params[parts[2]] = values

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        """Advance every still-running world by one step of `time.step_h` hours."""
        if self.world.size == 0:
            self.running = False
            return
        start, hour = self.hour, self.hour + self.step_h
        n = self.world.size
        mediator = self.mediator

        # 1. Each armed actor weighs its incentives and chooses, in every world.
        coverage = mediator.coverage(start)
        open_now = self.crossing_open.astype(float)
        ctx = StepContext(
            fragility=float(np.exp(-start / self.config["time.fragility_tau_h"])),
            coverage=coverage,
            progress=0.5 * (self.evacuated + open_now),
            crossing_open=open_now,
            evacuated=self.evacuated,
        )
        uniforms = self.world_rng.random((_WORLD_DRAWS, self.n_worlds))
        if n != self.n_worlds:
            uniforms = uniforms.take(self.world, axis=1)
        violated = [actor.decide(ctx, uniforms[i]) for i, actor in enumerate(self.armed)]

        # 2. Record what happened; the side that was hit builds grievance (ODD 7.5).
        self._record_violations(hour, violated)

        # 3. The mediator sees some violations (late, sometimes never), blames someone and
        #    punishes or not; its credibility moves with its record (ODD 7.2-7.3).
        mediator.monitor_and_respond(hour, coverage)

        # 4. The terms: the crossing opens if the mediator delivers, recloses on regime fire.
        self._update_terms(hour, violated[REGIME], uniforms[3], uniforms[4])

        # 5. Escalation, collapse and the mediator walking away.
        collapsed, cause = self._check_collapse(violated)
        mediator.decay()
        self._check_switch(hour)
        self.hour = hour
        self._finish(collapsed, cause, hour)
        if self.hour >= self.horizon_h - 1e-9:
            self._finish_horizon()
        if self.collect_on:
            self.datacollector.collect(self)
        if self.world.size == 0:
            self.running = False

    # ------------------------------------------------------------------ sub-models
    def other_side_intensity(self, actor: int) -> np.ndarray:
        """Recent violence by the side opposing `actor` (what it fears will come back)."""
        if actor == OPPOSITION:
            return self.regime.intensity + self.militia.intensity
        return self.opposition.intensity

    def _record_violations(self, hour: float, violated: list[np.ndarray]) -> None:
        decay_g = self.config["escalation.grievance_decay"] ** self.step_h
        decay_e = self.config["escalation.intensity_decay"] ** self.step_h
        out = self.outcomes
        hit_opposition = violated[REGIME].astype(float) + violated[MILITIA]
        for actor, v in zip(self.armed, violated, strict=True):
            actor.violations += v
            actor.pending += v
            actor.intensity *= decay_e
            actor.intensity += v
            actor.grievance *= decay_g
            # Only worlds where the actor violated can have a first violation: look there
            # rather than gather every world's record each step.
            ids = self.world[v]
            if ids.size:
                ids = ids[np.isnan(out["first_violation_h"][ids])]
                out["first_violation_h"][ids] = hour
                out["first_violator"][ids] = actor.index
        self.opposition.grievance += hit_opposition
        self.regime.grievance += violated[OPPOSITION]
        self.militia.grievance += violated[OPPOSITION]
        if self.trace_on and self.world[0] == 0:
            for actor, v in zip(self.armed, violated, strict=True):
                if v[0]:
                    motive = _motive(actor, float(actor.grievance[0]))
                    self._event(hour, actor.key, "violation", motive)

    def _update_terms(
        self, hour: float, regime_violated: np.ndarray, u_open: np.ndarray, u_close: np.ndarray
    ) -> None:
        mediator = self.mediator
        was_open = self.crossing_open.copy()
        due = hour >= self.config["terms.crossing_due_h"]
        if due:
            # The mediator's pull over the regime, which holds the crossing, opens it.
            p_hour = mediator.param("conduct.delivery") * mediator.param("leverage.regime")
            p = p_hour if self.step_h == 1.0 else 1.0 - (1.0 - p_hour) ** self.step_h
            opens = ~self.crossing_open & (u_open < p)
            self.crossing_open |= opens
        reclose = self.config["terms.crossing_reclose"]
        closes = self.crossing_open & regime_violated & (u_close < reclose)
        self.crossing_open &= ~closes
        self.crossing_hours += self.step_h * self.crossing_open
        cred = mediator.credibility[OPPOSITION]
        opened = self.crossing_open & ~was_open
        if opened.any():
            cred[opened] += mediator.values["conduct.credibility_gain"][opened] * (
                1.0 - cred[opened]
            )
        if due:
            overdue = ~self.crossing_open
            keep = (1.0 - mediator.param("conduct.undelivered_loss_per_h")) ** self.step_h
            loss = 1.0 - keep
            # cred -= loss * cred where overdue; elsewhere subtracts an exact 0.0 (no change).
            cred -= (loss * cred) * overdue
        if hour >= self.config["terms.evacuation_start_h"]:
            rate = self.config["terms.evacuation_rate_per_h"]
            self.evacuated = min(1.0, self.evacuated + rate * self.step_h)
        if self.trace_on and self.world.size and self.world[0] == 0:
            if self.crossing_open[0] and not was_open[0]:
                self._event(hour, "mediator", "crossing opened", "the Saraya crossing reopens")
            elif was_open[0] and not self.crossing_open[0]:
                self._event(hour, "regime", "crossing closed", "regime forces close it again")
            elif (
                due
                and hour - self.step_h < self.config["terms.crossing_due_h"]
                and not self.crossing_open[0]
            ):
                self._event(
                    hour,
                    "mediator",
                    "crossing overdue",
                    "the crossing was due to reopen and is still closed",
                )

    def _check_collapse(self, violated: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        # Total intensity summed in actor order, as the sum over a stacked array would.
        total = self.regime.intensity + self.militia.intensity
        total += self.opposition.intensity
        collapsed = total >= self.config["escalation.collapse_threshold"]
        cause = np.zeros(self.world.size, dtype=np.int8)
        if collapsed.any():
            idx = np.flatnonzero(collapsed)
            # Only the collapsing worlds need the per-actor breakdown.
            sub = np.stack([a.intensity[idx] for a in self.armed])
            tot = total[idx]
            share = self.config["escalation.spiral_share"]
            pro = sub[REGIME] + sub[MILITIA]
            spiral = (sub[OPPOSITION] >= share * tot) & (pro >= share * tot)
            leader = np.argmax(sub, axis=0)
            cause[idx] = np.where(
                spiral,
                CAUSE_CODE["retaliation"],
                np.asarray([CAUSE_CODE[a] for a in ACTORS])[leader],
            )
        walkout = ~collapsed & self.mediator.walks_away()
        if walkout.any():
            collapsed = collapsed | walkout
            cause[walkout] = CAUSE_CODE["mediator_walkout"]
        return collapsed, cause

    def _check_switch(self, hour: float) -> None:
        scenario = self.config
        if not scenario["switch.enabled"]:
            return
        target = self.mediator_names.index(scenario.strings["switch.to"])
        mediator = self.mediator
        eligible = (mediator.current != target) & np.isinf(self.switch_at)
        condition = eligible & (
            (mediator.credibility[OPPOSITION] < scenario["switch.trust_below"])
            | (mediator.unpunished >= scenario["switch.unpunished_at_least"])
        )
        if condition.any():
            self.switch_at[condition] = hour + scenario["switch.delay_h"]
            if self.trace_on and condition[0] and self.world[0] == 0:
                self._event(
                    hour,
                    "opposition",
                    "switch requested",
                    f"asks for {scenario.strings['switch.to']} to take over "
                    f"(in {scenario['switch.delay_h']:g} h)",
                )
        due = self.switch_at <= hour + 1e-9
        if due.any():
            worlds = np.flatnonzero(due)
            mediator.switch_to(worlds, target)
            self.switch_at[worlds] = np.inf  # done: the new mediator is now `target`
            self.outcomes["switch_h"][self.world[worlds]] = hour
            if self.trace_on and due[0] and self.world[0] == 0:
                self._event(
                    hour,
                    "mediator",
                    "mediator switch",
                    f"{scenario.strings['switch.to']} takes over as mediator",
                )

    # ------------------------------------------------------------------ ending worlds
    def _write_outcomes(self, positions: np.ndarray, hour: float | np.ndarray) -> None:
        out, ids = self.outcomes, self.world[positions]
        out["duration_h"][ids] = hour
        for actor in self.armed:
            out[f"violations_{actor.key}"][ids] = actor.violations[positions]
        out["crossing_open_h"][ids] = self.crossing_hours[positions]
        for i, key in enumerate(ACTORS):
            out[f"credibility_{key}"][ids] = self.mediator.credibility[i, positions]
        out["final_mediator"][ids] = self.mediator.current[positions]

    def _finish(self, collapsed: np.ndarray, cause: np.ndarray, hour: float) -> None:
        if not collapsed.any():
            return
        positions = np.flatnonzero(collapsed)
        self._write_outcomes(positions, hour)
        ids = self.world[positions]
        self.outcomes["collapsed"][ids] = True
        self.outcomes["cause"][ids] = cause[positions]
        if self.trace_on and self.world[0] == 0 and collapsed[0]:
            self._event(hour, CAUSES[cause[0]], "collapse", _collapse_text(CAUSES[cause[0]]))
        self._compact(~collapsed)

    def _finish_horizon(self) -> None:
        """Worlds that reach the horizon are censored; talks decide on an agreement."""
        positions = np.arange(self.world.size)
        if positions.size == 0:
            return
        self._write_outcomes(positions, self.horizon_h)
        s = self.config
        cred = self.mediator.credibility
        violations = sum(a.violations for a in self.armed)
        logit = (
            s["talks.base"]
            + s["talks.credibility"] * 0.5 * (cred[REGIME] + cred[OPPOSITION])
            + s["talks.crossing"] * self.crossing_hours / self.horizon_h
            - s["talks.violations"] * violations
        )
        agreement = self.rng.random(positions.size) < 1.0 / (1.0 + np.exp(-logit))
        self.outcomes["agreement"][self.world] = agreement
        if self.trace_on and self.world[0] == 0:
            self._event(
                self.horizon_h,
                "mediator",
                "talks",
                "talks reach a long-term agreement"
                if agreement[0]
                else "talks end without an agreement",
            )
        self._compact(np.zeros(self.world.size, dtype=bool))

    def _compact(self, keep: np.ndarray) -> None:
        """Drop finished worlds from every agent's arrays: later steps skip them."""
        # Positions once, then `take` for every array: cheaper than a boolean mask per array.
        keep = np.flatnonzero(keep)
        self.world = self.world[keep]
        self.crossing_open = self.crossing_open[keep]
        self.crossing_hours = self.crossing_hours[keep]
        self.switch_at = self.switch_at[keep]
        self.world_params = {k: v[keep] for k, v in self.world_params.items()}
        for actor in self.armed:
            actor.compact(keep)
            for name, value in actor.params.items():
                if isinstance(value, np.ndarray):
                    actor.params[name] = value[keep]
        self.mediator.compact(keep)

    # ------------------------------------------------------------------ running and results
    def run(self) -> dict[str, np.ndarray]:
        """Step until every world has collapsed or reached the horizon; return the outcomes."""
        while self.running:
            self.step()
        return self.outcomes

    def trace_detection(
        self, hour: float, worlds: np.ndarray, actor: int, blamed: int, punished: np.ndarray
    ) -> None:
        """Timeline entry when the mediator sees a violation in world 0."""
        if worlds.size == 0 or worlds[0] != 0 or self.world[0] != 0:
            return
        who, target = ACTORS[actor], ACTORS[blamed]
        seen = f"seen by the mediator, blamed on the {target}"
        if blamed != actor:
            seen += f" (it was the {who})"
        self._event(hour, who, "detected", seen)
        self._event(
            hour,
            "mediator",
            "pressure" if punished[0] else "no response",
            f"presses the {target}" if punished[0] else f"does not act against the {target}",
        )

    def _event(self, hour: float, actor: str, kind: str, detail: str) -> None:
        self.events.append(Event(hour, actor, kind, detail))


# ---------------------------------------------------------------------- helpers


def _no_trace(*_args: Any) -> None:
    return None


def _motive(actor: ArmedActor, grievance: float) -> str:
    if grievance >= 0.5 and actor.params["retaliation"]:
        return "retaliation for fire received"
    if isinstance(actor.params["spoiling"], float) and actor.params["spoiling"] > 0:
        return "spoiling the deal"
    if isinstance(actor.params["objective"], float) and actor.params["objective"] > 0:
        return "pressing the siege"
    return "breaks the truce"


def _collapse_text(cause: str) -> str:
    return {
        "retaliation": "the truce collapses in an escalation spiral fed by both sides",
        "mediator_walkout": "the mediator walks away; the truce collapses",
    }.get(cause, f"the truce collapses under fire from the {cause}")


def _empty_outcomes(n: int, horizon_h: float) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {
        "duration_h": np.full(n, horizon_h),
        "collapsed": np.zeros(n, dtype=bool),
        "cause": np.zeros(n, dtype=np.int8),
        "first_violation_h": np.full(n, np.nan),
        "first_violator": np.full(n, -1, dtype=np.int8),
        "crossing_open_h": np.zeros(n),
        "agreement": np.zeros(n, dtype=bool),
        "switch_h": np.full(n, np.nan),
        "final_mediator": np.zeros(n, dtype=np.int8),
    }
    for key in ACTORS:
        out[f"violations_{key}"] = np.zeros(n, dtype=np.int32)
        out[f"credibility_{key}"] = np.zeros(n)
    return out


def _report_duration(model: CeasefireModel) -> float:
    """Hours the truce has lasted so far (world mean when n_worlds > 1)."""
    out = model.outcomes
    running = np.ones(model.n_worlds, dtype=bool)
    running[model.world] = False
    durations = np.where(running, out["duration_h"], model.hour)
    return float(durations.mean())


def _report_collapsed(model: CeasefireModel) -> float | bool:
    share = float(model.outcomes["collapsed"].mean())
    return bool(share) if model.n_worlds == 1 else share


def decode_outcomes(
    outcomes: Mapping[str, np.ndarray], mediator_names: list[str]
) -> dict[str, np.ndarray]:
    """Outcome arrays with codes turned into names (cause, first violator, final mediator)."""
    decoded = dict(outcomes)
    decoded["cause"] = np.asarray(CAUSES, dtype=object)[outcomes["cause"]]
    violator = np.asarray([*ACTORS, None], dtype=object)
    decoded["first_violator"] = violator[outcomes["first_violator"]]  # -1 -> None
    decoded["final_mediator"] = np.asarray(mediator_names, dtype=object)[outcomes["final_mediator"]]
    return decoded


def simulate_worlds(
    scenario: Scenario,
    mediator: str,
    n_worlds: int,
    seed: np.random.SeedSequence | int,
    *,
    world_params: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Run `n_worlds` replicate worlds to the end and return their decoded outcomes.

    This is the unit of work of a batch: one call per chunk, seeded by the chunk's
    own SeedSequence, so results never depend on which worker ran it.
    """
    rng = np.random.default_rng(seed)
    model = CeasefireModel(
        scenario, mediator, n_worlds, rng=rng, world_params=world_params, trace=False, collect=False
    )
    outcomes = model.run()
    return decode_outcomes(outcomes, model.mediator_names)


__all__ = ["PRO_REGIME", "CeasefireModel", "Event", "decode_outcomes", "simulate_worlds"]
