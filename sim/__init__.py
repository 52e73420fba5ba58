"""Agent-based ceasefire simulator built on Mesa.

The public entry points are imported lazily so that `ceasefire --help` and the
worker processes of a batch do not pay for libraries they never use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.2.0"

_LAZY = {
    "CeasefireModel": "sim.model",
    "simulate_worlds": "sim.model",
    "load_scenario": "sim.scenario",
    "Scenario": "sim.scenario",
    "run_batch": "sim.api",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
