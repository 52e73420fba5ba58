"""The explorer's adapter to the model: everything the page asks of `sim`, in one file.

The page never touches the model, the scenario loader or the schema directly: it
asks this module for the parties, the levers and their valid ranges, "run N worlds
for these settings and give me outcomes and Kaplan-Meier curves", "step one world
and give me its state", and "what do these settings change in the scenario" (which
`saving` writes as a variant file). When the model changes (parties read from the
scenario, parameters per world), this file is the one to adapt.

Runs are seeded exactly as chunk 0 of a batch with ``--chunk-size N``, so the batch
command shown beside a saved variant reproduces the explorer's numbers run for run.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UserError

#: Worlds per mediator by default: enough for intervals of about +-2 points on a
#: survival share, and recomputed in about a second for two mediators on this machine.
DEFAULT_WORLDS = 2000
#: The environment variable through which `ceasefire explore` hands the page its scenario.
SCENARIO_ENV = "CEASEFIRE_EXPLORE_SCENARIO"
DEFAULT_SEED = 20210828  # the batch's default seed (sim.commands._common.DEFAULT_SEED)

# The levers the page offers: (parameter, label). Mediator parameters are set for one
# mediator (`mediators.<name>.<param>`); "{party}" expands to every party of the scenario.
MEDIATOR_LEVERS: tuple[tuple[str, str], ...] = (
    ("conduct.patrol_capacity", "patrol coverage"),
    ("conduct.resolve", "resolve to punish"),
    ("conduct.delivery", "delivery of the terms"),
    ("leverage.{party}", "leverage over {label}"),
    ("bias.{party}", "closeness to {label} (bias)"),
    ("credibility.{party}", "credibility with {label}"),
)
PARTY_LEVERS: tuple[tuple[str, str], ...] = (("spoiling", "spoiling: {label}"),)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    """Everything that determines what the explorer simulates.

    Attributes:
        scenario: path of the scenario file.
        mediators: mediators compared, each in charge at hour 0 of its own worlds.
        variants: variant overlays (names in ``variants/`` or paths), applied in order.
        overrides: lever values set on the page, as ``(dotted key, value)`` pairs.
        n_worlds: worlds per mediator.
        seed: seed of the runs (the batch seed of the reproducing command).
    """

    scenario: str
    mediators: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    overrides: tuple[tuple[str, float], ...] = ()
    n_worlds: int = DEFAULT_WORLDS
    seed: int = DEFAULT_SEED

    def with_override(self, key: str, value: float) -> Settings:
        """These settings with one lever set (replacing any earlier value)."""
        kept = tuple((k, v) for k, v in self.overrides if k != key)
        return Settings(
            self.scenario,
            self.mediators,
            self.variants,
            (*kept, (key, value)),
            self.n_worlds,
            self.seed,
        )


def load(settings: Settings, *, with_overrides: bool = True) -> Any:
    """The validated Scenario for `settings` (UserError, naming file and key, if invalid)."""
    from sim.scenario import load_scenario

    return load_scenario(
        settings.scenario,
        mediators=list(settings.mediators) or None,
        variants=list(settings.variants),
        overrides=dict(settings.overrides) if with_overrides else None,
    )


def default_settings(scenario_path: str | Path) -> tuple[Settings, str | None]:
    """Settings for a scenario file as given, and the validation message if it is invalid."""
    path = str(scenario_path)
    try:
        scenario = load(Settings(path))
    except UserError as error:
        return Settings(path), str(error)
    return Settings(path, mediators=tuple(scenario.default_mediators)), None


def available(scenario_path: str | Path, kind: str) -> list[str]:
    """Names of the mediator or variant files beside a scenario (kind: mediators|variants)."""
    folder = Path(scenario_path).parent / kind
    return sorted(p.stem for p in folder.glob("*.toml"))


# --------------------------------------------------------------------------- parties and levers


def parties(scenario: Any) -> list[tuple[str, str]]:
    """The scenario's parties as (key, label), in the model's order.

    Read from the scenario's declared parties: nothing here names a party.
    """
    return [(party.key, party.label) for party in scenario.parties]


@dataclass(frozen=True)
class Lever:
    """One slider: a parameter, its valid range (from the schema) and its current value."""

    key: str
    label: str
    low: float
    high: float
    step: float
    value: float


def _step(low: float, high: float) -> float:
    span = high - low
    return 0.01 if span <= 2 else 0.1


def levers(scenario: Any, mediator: str) -> list[Lever]:
    """The levers of `mediator` and of every party, with ranges from the parameter schema.

    A lever the schema does not declare, or declares unbounded, is left out, so a slider
    can only ever hold a valid value.
    """
    from sim.scenario import override_param

    found: list[Lever] = []
    party_list = parties(scenario)
    values = scenario.mediator(mediator).values
    for template, label in MEDIATOR_LEVERS:
        expanded = (
            [(template.format(party=k), label.format(label=lab)) for k, lab in party_list]
            if "{party}" in template
            else [(template, label)]
        )
        for param_key, text in expanded:
            key = f"mediators.{mediator}.{param_key}"
            lever = _lever(key, text, values.get(param_key), override_param, scenario)
            if lever is not None:
                found.append(lever)
    for name, label in PARTY_LEVERS:
        for k, lab in party_list:
            key = f"actors.{k}.{name}"
            lever = _lever(
                key, label.format(label=lab), scenario.values.get(key), override_param, scenario
            )
            if lever is not None:
                found.append(lever)
    return found


def _lever(
    key: str, label: str, value: Any, override_param: Callable, scenario: Any
) -> Lever | None:
    try:
        param = override_param(key, scenario)
    except UserError:
        return None
    if param.kind != "float" or param.low is None or param.high is None or value is None:
        return None
    low, high = float(param.low), float(param.high)
    return Lever(key, label, low, high, _step(low, high), float(value))


# --------------------------------------------------------------------------- many worlds


@dataclass
class MediatorResult:
    """The outcomes of one mediator's worlds, summarised for the page."""

    mediator: str
    label: str
    n: int
    survival: Any  # sim.analysis.survival.VariantSurvival
    times: np.ndarray
    surv: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    causes: dict[str, int]
    first_violators: dict[str, int]
    outcomes: Mapping[str, np.ndarray]  # decoded, one entry per world (as a batch's rows)


@dataclass
class ManyResult:
    """What `run_many` returns: per mediator, in the order asked."""

    settings: Settings
    horizon_h: float
    by_mediator: list[MediatorResult] = field(default_factory=list)
    elapsed_s: float = 0.0


class Cancelled(Exception):
    """The settings changed while computing: the result is no longer wanted."""


def run_many(
    settings: Settings,
    *,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ManyResult:
    """Run `settings.n_worlds` worlds per mediator and summarise them.

    Seeded as chunk 0 of ``ceasefire batch --seed S --chunk-size N``; the same
    worlds meet the same luck under every mediator (common random numbers).

    Args:
        settings: what to simulate.
        progress: called with the share done (0 to 1) as the worlds advance.
        cancelled: polled every step; if it returns True, `Cancelled` is raised.
    """
    import time

    from sim.model import simulate_worlds

    started = time.perf_counter()
    scenario = load(settings)
    mediators = settings.mediators or tuple(scenario.default_mediators)
    result = ManyResult(settings, scenario.horizon_h)
    slices = 10  # progress is reported after each tenth of the worlds
    for i, mediator in enumerate(mediators):
        # Exactly the runs of `ceasefire batch --seed SEED`: runs 0..n-1 under the batch
        # key, simulated a slice at a time so the page can show progress and cancel.
        bounds = np.linspace(0, settings.n_worlds, slices + 1).astype(int)
        parts = []
        for j, (start, stop) in enumerate(itertools.pairwise(bounds)):
            if cancelled is not None and cancelled():
                raise Cancelled
            if stop > start:
                parts.append(
                    simulate_worlds(
                        scenario, mediator, stop - start, settings.seed, first_run=start
                    )
                )
            if progress is not None:
                progress((i + (j + 1) / slices) / len(mediators))
        outcomes = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
        result.by_mediator.append(_summarise(scenario, mediator, outcomes))
    result.elapsed_s = time.perf_counter() - started
    return result


def _summarise(scenario: Any, mediator: str, outcomes: Mapping[str, np.ndarray]) -> MediatorResult:
    from sim.analysis.survival import fit_variant

    fit = fit_variant(mediator, outcomes["duration_h"], outcomes["collapsed"], scenario.horizon_h)
    fitter = fit.fitter
    times = fitter.survival_function_.index.to_numpy(float)
    bands = fitter.confidence_interval_survival_function_
    collapsed = outcomes["collapsed"]
    first = [v for v in outcomes["first_violator"] if v is not None]
    started = scenario.resolve_mediator(mediator)
    return MediatorResult(
        mediator=mediator,
        label=str(scenario.mediator(started).label) if started in scenario.mediators else started,
        n=len(collapsed),
        survival=fit,
        times=times,
        surv=fitter.survival_function_.iloc[:, 0].to_numpy(float),
        lower=bands.iloc[:, 0].to_numpy(float),
        upper=bands.iloc[:, 1].to_numpy(float),
        causes=dict(Counter(str(c) for c in outcomes["cause"][collapsed]).most_common()),
        first_violators=dict(Counter(str(v) for v in first).most_common()),
        outcomes=outcomes,
    )


# --------------------------------------------------------------------------- one world


@dataclass(frozen=True)
class WorldState:
    """A consistent copy of one world's history, safe to draw while the world steps on."""

    mediator: str
    seed: int
    horizon_h: float
    parties: tuple[tuple[str, str], ...]
    steps: int
    hour: float
    hours: tuple[float, ...]
    credibility: Mapping[str, tuple[float, ...]]
    grievance: Mapping[str, tuple[float, ...]]
    events: tuple[Any, ...]
    outcome: Mapping[str, Any] | None


class OneWorld:
    """One world stepped hour by hour, with the history the page draws.

    Constructed from keyword arguments only, so Mesa's `ModelController` can reset it
    (it calls ``type(world)(**model_parameters)``). Seeded as ``ceasefire run --seed``.
    """

    def __init__(self, settings: Settings, mediator: str, seed: int = 7) -> None:
        from sim.model import CeasefireModel

        self.settings = settings
        self.seed = seed
        scenario = load(settings)
        self.parties = parties(scenario)
        self.horizon_h = scenario.horizon_h
        self.model = CeasefireModel(
            scenario, mediator, n_worlds=1, rng=np.random.SeedSequence(seed), trace=True
        )
        self.mediator = self.model.mediator_names[0]
        # Mesa's controller steps in a thread while the page draws: both hold this lock.
        self._lock = threading.Lock()
        self.hours: list[float] = []
        self.credibility: dict[str, list[float]] = {k: [] for k, _ in self.parties}
        self.grievance: dict[str, list[float]] = {k: [] for k, _ in self.parties}
        self._record()

    @property
    def running(self) -> bool:
        return bool(self.model.running)

    @property
    def steps(self) -> int:
        return int(self.model.steps)

    @property
    def hour(self) -> float:
        return float(self.model.hour)

    @property
    def events(self) -> list[Any]:
        return list(self.model.events)

    def step(self) -> None:
        """Advance the world one step (an hour by default); nothing once it has ended."""
        with self._lock:
            if self.model.running:
                self.model.step()
                self._record()

    def state(self) -> WorldState:
        """A consistent copy of the history so far."""
        with self._lock:
            return WorldState(
                mediator=self.mediator,
                seed=self.seed,
                horizon_h=self.horizon_h,
                parties=tuple(self.parties),
                steps=self.steps,
                hour=self.hour,
                hours=tuple(self.hours),
                credibility={k: tuple(v) for k, v in self.credibility.items()},
                grievance={k: tuple(v) for k, v in self.grievance.items()},
                events=tuple(self.model.events),
                outcome=self.outcome(),
            )

    def _record(self) -> None:
        self.hours.append(float(self.model.hour))
        credibility = self.model.mediator.credibility
        for index, (key, _label) in enumerate(self.parties):
            self.credibility[key].append(float(credibility[0, index]))
            self.grievance[key].append(float(self.model.parties[index].grievance[0]))

    def outcome(self) -> dict[str, Any] | None:
        """The world's outcome once it has ended, else None."""
        if self.model.running:
            return None
        return {key: value[0] for key, value in self.model.outcomes.items()}


# --------------------------------------------------------------------------- saving settings


def variant_assignments(settings: Settings) -> tuple[dict[str, Any], str | None]:
    """What the current settings change from the plain scenario, as variant keys.

    The picked overlays and the levers together, as scenario keys and
    ``mediators.<name>.<param>`` keys, plus the mediator a picked overlay puts in
    charge instead (or None).
    """
    plain = load(Settings(settings.scenario, settings.mediators))
    current = load(settings)
    changed: dict[str, Any] = {k: v for k, v in current.values.items() if plain.values.get(k) != v}
    for name, mediator in current.mediators.items():
        before = plain.mediators.get(name)
        if before is None:
            continue
        for k, v in mediator.values.items():
            if before.values.get(k) != v:
                changed[f"mediators.{name}.{k}"] = v
    return changed, current.replacement_mediator
