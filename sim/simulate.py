"""Worlds run to the end, with nothing of Mesa: what a batch's workers execute.

`sim.model.CeasefireModel` is the Mesa model over the same worlds and rules; the batch
path needs none of Mesa's machinery (nor the pandas and scipy it imports), so workers
import this module and stay small (about 80 MB less per worker process).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.rules import drive
from sim.scenario import Scenario
from sim.worlds import WorldSet, decode, decode_spells


def run_to_the_end(
    scenario: Scenario,
    mediator: str,
    n_worlds: int,
    seed: int | np.random.SeedSequence,
    *,
    first_run: int = 0,
    world_params: Mapping[str, np.ndarray] | None = None,
    psets: np.ndarray | None = None,
    luck: np.ndarray | None = None,
) -> tuple[WorldSet, int]:
    """Build worlds for runs `first_run` .. `first_run + n_worlds - 1` and run them to the end.

    This is the unit of work of a batch: the result depends only on the arguments (the
    batch seed and the run indices), never on which worker ran it or how runs were split
    into chunks.

    Args:
        world_params: per-set values of any numeric parameter (arrays of equal length G);
            world i reads set `psets[i]` (default: set i when G == n_worlds).
        luck: what each world's random numbers are keyed by (default its run index; a
            design keys them by replicate, `sim.batch.design`).

    Returns:
        The worlds at the end, and the number of world-steps they took.
    """
    ws = WorldSet.build(
        scenario,
        mediator,
        n_worlds,
        seed,
        first_run=first_run,
        sets=world_params,
        psets=psets,
        luck=luck,
    )
    steps = drive.run_worlds(
        ws.state, ws.params, ws.structure, ws.key, ws.runs, ws.psets, ws.structure.campaign_steps
    )
    return ws, int(steps)


def simulate_worlds(
    scenario: Scenario, mediator: str, n_worlds: int, seed: Any, **worlds: Any
) -> dict[str, np.ndarray]:
    """The outcome columns (`sim.outcomes`) of worlds run to the end (`run_to_the_end`)."""
    ws, _steps = run_to_the_end(scenario, mediator, n_worlds, seed, **worlds)
    return decode(ws)


def simulate_worlds_counted(
    scenario: Scenario, mediator: str, n_worlds: int, seed: Any, **worlds: Any
) -> tuple[dict[str, np.ndarray], int]:
    """`simulate_worlds`, and the number of world-steps it took (for benchmarks)."""
    ws, steps = run_to_the_end(scenario, mediator, n_worlds, seed, **worlds)
    return decode(ws), steps


def simulate_with_spells(
    scenario: Scenario, mediator: str, n_worlds: int, seed: Any, **worlds: Any
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """`simulate_worlds`, and one row per truce (`sim.outcomes.spell_columns`)."""
    ws, _steps = run_to_the_end(scenario, mediator, n_worlds, seed, **worlds)
    return decode(ws), decode_spells(ws)


__all__ = [
    "run_to_the_end",
    "simulate_with_spells",
    "simulate_worlds",
    "simulate_worlds_counted",
]
