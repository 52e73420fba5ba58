"""Load and validate scenario, mediator and variant files.

A scenario is a TOML file (for example `scenarios/daraa_2021.toml`); mediators
are TOML files in the `mediators/` folder beside it and variants (named
interventions, overlays of parameter changes) in `variants/`. Everything is
checked before any simulation starts: unknown keys, wrong types, values out of
range, missing files. Every error names the file, the key and what was
expected, as a `sim.errors.UserError`.

The loaded result is one frozen `Scenario` object that carries its mediators,
the applied variants and overrides, and the text and hash of every file read,
so a batch can record exactly what made it.
"""

from sim.scenario.load import load_scenario
from sim.scenario.mediators import load_mediator
from sim.scenario.model import (
    DEFAULT_SCENARIO,
    Mediator,
    Party,
    ReadOnlyDict,
    Scenario,
    SourceFile,
    Term,
    Value,
)
from sim.scenario.overlays import Overlay, apply_overlay, read_overlay
from sim.scenario.overrides import apply_overrides, override_param, parse_assignment

__all__ = [
    "DEFAULT_SCENARIO",
    "Mediator",
    "Overlay",
    "Party",
    "ReadOnlyDict",
    "Scenario",
    "SourceFile",
    "Term",
    "Value",
    "apply_overlay",
    "apply_overrides",
    "load_mediator",
    "load_scenario",
    "override_param",
    "parse_assignment",
    "read_overlay",
]
