"""Priors and observed facts for calibration, read from a priors file.

A priors file sits beside its scenario (`scenarios/priors/daraa_2021.toml` for
`scenarios/daraa_2021.toml`) and says three things:

```toml
[calibration]
scenario = "daraa_2021"          # must match the scenario's [scenario] name
mediator = "russia"              # who brokered the truce that was observed
window_h = { value = 48.0, source = "..." }            # agreement -> report
first_violation_by_h = { value = 12.0, source = "H1, N2: ..." }

[facts]                          # which facts of sim.calibration.summaries.FACTS to match
first_violation_within_hours = { observed = 1, weight = 1.0, source = "H1, N2" }
first_violator_militia = { observed = 1, weight = 0.7, source = "H3, claimed" }

[priors]                         # actor parameters only: they vary per world in one model
"actors.militia.spoiling" = { dist = "uniform", low = 0.0, high = 4.0, source = "H3, H4: ..." }
"actors.regime.base" = { dist = "normal", mean = -6.5, sd = 1.0, source = "..." }
"actors.militia.base" = { dist = "loguniform", low = 0.1, high = 10, source = "..." }
```

A fact's `observed` is 1 (the case showed it) or 0, or a frequency in [0, 1]
when calibrating to many cases; its `weight` in (0, 1] is how much the fact is
trusted (1: certain; a claim by one party less). Normal priors are truncated
to the parameter's valid range (and to `low`/`high` if given).

Any numeric parameter may have a prior (of the scenario, its terms, or the
mediators: `mediator.conduct.resolve`, `mediators.russia.leverage.regime`): the
many-worlds model takes per-world values for every one of them
(`CeasefireModel(world_params=)`), which lets one model carry every prior draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.scenario import Scenario, override_param

DISTRIBUTIONS = ("uniform", "normal", "loguniform")
_DIST_KEYS = {
    "uniform": ({"low", "high"}, set()),
    "loguniform": ({"low", "high"}, set()),
    "normal": ({"mean", "sd"}, {"low", "high"}),
}


@dataclass(frozen=True)
class Prior:
    """The prior of one actor parameter.

    Attributes:
        key: dotted path, e.g. ``actors.militia.spoiling``.
        dist: "uniform", "normal" (truncated) or "loguniform".
        low: lower end of the support.
        high: upper end of the support.
        mean: mean of the normal before truncation (None otherwise).
        sd: standard deviation of the normal before truncation (None otherwise).
        source: why this prior (fact IDs or reasoning).
    """

    key: str
    dist: str
    low: float
    high: float
    mean: float | None = None
    sd: float | None = None
    source: str = ""

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` independent draws."""
        if self.dist == "uniform":
            return rng.uniform(self.low, self.high, n)
        if self.dist == "loguniform":
            return np.exp(rng.uniform(math.log(self.low), math.log(self.high), n))
        from scipy.special import ndtr, ndtri

        # Truncated normal by inverting the CDF between the truncation points.
        a = ndtr((self.low - self.mean) / self.sd)
        b = ndtr((self.high - self.mean) / self.sd)
        x = self.mean + self.sd * ndtri(rng.uniform(a, b, n))
        return np.clip(x, self.low, self.high)

    def describe(self) -> str:
        """The prior in words, e.g. ``uniform(0, 4)``."""
        if self.dist == "normal":
            return f"normal({self.mean:g}, sd {self.sd:g}) on [{self.low:g}, {self.high:g}]"
        return f"{self.dist}({self.low:g}, {self.high:g})"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        out: dict[str, Any] = {"dist": self.dist, "low": self.low, "high": self.high}
        if self.dist == "normal":
            out.update(mean=self.mean, sd=self.sd)
        out["source"] = self.source
        return out


@dataclass(frozen=True)
class FactSpec:
    """One fact to match: its name (see `summaries.FACTS`), observed value and weight."""

    name: str
    observed: float
    weight: float = 1.0
    source: str = ""


@dataclass(frozen=True)
class CalibrationSpec:
    """Everything a priors file declares, validated.

    Attributes:
        priors: one per calibrated parameter, in file order.
        facts: the facts to match, in file order.
        mediator: the mediator of the observed truce.
        window_h: hours from the agreement to the report (observation window).
        first_violation_by_h: threshold of "within hours" (H1, N2).
        scenario_name: the scenario the file is for.
        path: the file read ("" when built in code).
        text: its contents.
        sha256: its hash.
        notes: provenance of window_h and first_violation_by_h.
    """

    priors: tuple[Prior, ...]
    facts: tuple[FactSpec, ...]
    mediator: str
    window_h: float = 48.0
    first_violation_by_h: float = 12.0
    scenario_name: str = ""
    path: str = ""
    text: str = ""
    sha256: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        """Calibrated parameters."""
        return [p.key for p in self.priors]

    @property
    def binary(self) -> bool:
        """True when every observed value is 0 or 1 (one case's facts)."""
        return all(f.observed in (0.0, 1.0) for f in self.facts)

    def sample_prior(self, n: int, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """`n` draws from the joint prior (independent parameters), from one seed."""
        rng = np.random.default_rng(seed)
        return {p.key: p.sample(rng, n) for p in self.priors}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (for calibration.json)."""
        from sim.calibration.summaries import FACTS

        return {
            "path": self.path,
            "sha256": self.sha256,
            "scenario": self.scenario_name,
            "mediator": self.mediator,
            "window_h": self.window_h,
            "first_violation_by_h": self.first_violation_by_h,
            "notes": dict(self.notes),
            "priors": {p.key: p.as_dict() for p in self.priors},
            "facts": {
                f.name: {
                    "observed": f.observed,
                    "weight": f.weight,
                    "definition": FACTS[f.name].text,
                    "fact_ids": FACTS[f.name].ids,
                    "source": f.source,
                }
                for f in self.facts
            },
        }


def _number(value: Any, *, file: str, key: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UserError(f"{what} must be a finite number, got {value!r}", file=file, key=key)
    return float(value)


def make_prior(key: str, entry: Any, scenario: Scenario, *, file: str = "<priors>") -> Prior:
    """Validate one prior entry (a table such as ``{dist = "uniform", low = 0, high = 4}``).

    Raises:
        UserError: naming the file and key: not an actor parameter, no such
            parameter, not a table, unknown distribution, missing or non-numeric
            parameters, low >= high, or support outside the parameter's valid range.
    """
    if key in ("time.step_h", "time.horizon_h"):
        raise UserError(
            "sets the number of steps, which every world shares; it cannot have a prior",
            file=file,
            key=key,
        )
    try:
        param = override_param(key, scenario)
    except UserError as error:
        raise UserError(error.detail, file=file, key=key) from None
    if param.kind != "float":
        raise UserError(
            f"a prior needs a numeric parameter; this is {param.kind}", file=file, key=key
        )
    if not isinstance(entry, dict):
        raise UserError(
            'expected a distribution table such as { dist = "uniform", low = 0.0, high = 4.0 }, '
            f"got {entry!r}",
            file=file,
            key=key,
        )
    dist = entry.get("dist")
    if dist not in DISTRIBUTIONS:
        raise UserError(
            f"unknown dist {dist!r}; expected one of {', '.join(DISTRIBUTIONS)}", file=file, key=key
        )
    required, optional = _DIST_KEYS[dist]
    allowed = required | optional | {"dist", "source"}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise UserError(
            f"unknown field(s) {', '.join(unknown)} for a {dist} prior; expected "
            f"{', '.join(sorted(required | optional))} and source",
            file=file,
            key=key,
        )
    missing = sorted(required - set(entry))
    if missing:
        raise UserError(f"a {dist} prior needs {' and '.join(missing)}", file=file, key=key)
    nums = {
        k: _number(entry[k], file=file, key=key, what=k) for k in required | optional if k in entry
    }
    valid_low = -math.inf if param.low is None else param.low
    valid_high = math.inf if param.high is None else param.high
    if dist == "normal":
        if nums["sd"] <= 0:
            raise UserError("sd must be positive", file=file, key=key)
        low = max(nums.get("low", valid_low), valid_low)
        high = min(nums.get("high", valid_high), valid_high)
        if not valid_low <= nums["mean"] <= valid_high:
            raise UserError(
                f"mean {nums['mean']:g} lies outside the parameter's valid range "
                f"({param.expected()})",
                file=file,
                key=key,
            )
    else:
        low, high = nums["low"], nums["high"]
        if dist == "loguniform" and low <= 0:
            raise UserError("a loguniform prior needs low > 0", file=file, key=key)
    if not low < high:
        raise UserError(f"low ({low:g}) must be below high ({high:g})", file=file, key=key)
    if low < valid_low or high > valid_high:
        raise UserError(
            f"prior support [{low:g}, {high:g}] reaches outside the parameter's valid range "
            f"({param.expected()})",
            file=file,
            key=key,
        )
    return Prior(
        key=key,
        dist=dist,
        low=low,
        high=high,
        mean=nums.get("mean") if dist == "normal" else None,
        sd=nums.get("sd") if dist == "normal" else None,
        source=str(entry.get("source", "")),
    )


def make_fact(name: str, entry: Any, *, file: str = "<priors>") -> FactSpec:
    """Validate one [facts] entry (``{observed = 1, weight = 0.7, source = "..."}``)."""
    from sim.calibration.summaries import FACTS

    key = f"facts.{name}"
    if name not in FACTS:
        raise UserError(f"unknown fact; expected one of {', '.join(FACTS)}", file=file, key=key)
    if isinstance(entry, bool | int | float):
        entry = {"observed": entry}
    if not isinstance(entry, dict):
        raise UserError("expected { observed = 1, weight = 1.0, source = ... }", file=file, key=key)
    unknown = sorted(set(entry) - {"observed", "weight", "source"})
    if unknown:
        raise UserError(
            f"unknown field(s) {', '.join(unknown)}; expected observed, weight, source",
            file=file,
            key=key,
        )
    observed = entry.get("observed", 1.0)
    observed = float(observed) if isinstance(observed, bool) else observed
    observed = _number(observed, file=file, key=key, what="observed")
    weight = _number(entry.get("weight", 1.0), file=file, key=key, what="weight")
    if not 0.0 <= observed <= 1.0:
        raise UserError("observed must be 0, 1 or a frequency in [0, 1]", file=file, key=key)
    if not 0.0 < weight <= 1.0:
        raise UserError("weight must be in (0, 1]", file=file, key=key)
    return FactSpec(name, observed, weight, str(entry.get("source", "")))


def _setting(table: dict[str, Any], name: str, default: float, *, file: str) -> tuple[float, str]:
    raw = table.get(name, default)
    note = ""
    if isinstance(raw, dict):
        note = str(raw.get("source", ""))
        raw = raw.get("value")
    value = _number(raw, file=file, key=f"calibration.{name}", what=name)
    if value <= 0:
        raise UserError("must be positive (hours)", file=file, key=f"calibration.{name}")
    return value, note


def default_priors_path(scenario_path: str | Path) -> Path:
    """`scenarios/priors/<scenario stem>.toml` beside the scenario file."""
    path = Path(scenario_path)
    return path.parent / "priors" / f"{path.stem}.toml"


def load_priors(path: str | Path, scenario: Scenario) -> CalibrationSpec:
    """Read and validate a priors file for `scenario`.

    Raises:
        UserError: naming the file and key, for any problem, before any simulation.
    """
    path = Path(path)
    from sim.safe_input import parse_toml
    from sim.scenario import SourceFile

    source = SourceFile.read(path)
    file = source.path
    data = parse_toml(source.text, file)
    unknown = sorted(set(data) - {"calibration", "facts", "priors"})
    if unknown:
        raise UserError(
            f"unknown table(s) {', '.join(unknown)}; expected [calibration], [facts], [priors]",
            file=file,
        )
    settings = data.get("calibration", {})
    name = settings.get("scenario", scenario.name)
    if name != scenario.name:
        raise UserError(
            f"these priors are for scenario {name!r}, not {scenario.name!r}",
            file=file,
            key="calibration.scenario",
        )
    mediator = settings.get("mediator", scenario.default_mediators[0])
    if not isinstance(mediator, str):
        raise UserError("expected a mediator name", file=file, key="calibration.mediator")
    try:
        scenario.with_mediators([mediator])
    except UserError as error:
        raise UserError(error.detail, file=file, key="calibration.mediator") from None
    window, window_note = _setting(settings, "window_h", 48.0, file=file)
    within, within_note = _setting(settings, "first_violation_by_h", 12.0, file=file)
    extra = sorted(set(settings) - {"scenario", "mediator", "window_h", "first_violation_by_h"})
    if extra:
        raise UserError(
            f"unknown key(s) {', '.join(extra)}; expected scenario, mediator, window_h, "
            "first_violation_by_h",
            file=file,
            key="calibration",
        )
    priors_table = data.get("priors", {})
    if not priors_table:
        raise UserError("no [priors]: nothing to calibrate", file=file, key="priors")
    priors = tuple(make_prior(k, v, scenario, file=file) for k, v in priors_table.items())
    facts_table = data.get("facts", {})
    if not facts_table:
        raise UserError("no [facts]: nothing to match", file=file, key="facts")
    facts = tuple(make_fact(k, v, file=file) for k, v in facts_table.items())
    return CalibrationSpec(
        priors=priors,
        facts=facts,
        mediator=mediator,
        window_h=window,
        first_violation_by_h=within,
        scenario_name=scenario.name,
        path=file,
        text=source.text,
        sha256=source.sha256,
        notes={"window_h": window_note, "first_violation_by_h": within_note},
    )
