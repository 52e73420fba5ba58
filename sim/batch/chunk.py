"""The unit of work of a batch: simulate runs ``[start, stop)`` of one variant.

This is what workers execute; its result depends on its arguments only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.batch.design import POSTERIOR_PREFIX
from sim.batch.store import outcomes_table, spells_table

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.batch.design import ParameterDesign
    from sim.batch.posterior import Posterior
    from sim.scenario import Scenario


def simulate_chunk(
    scenario: Scenario,
    mediator: str,
    batch_seed: int,
    index: int,
    start: int,
    stop: int,
    posterior: Posterior | None = None,
    design: ParameterDesign | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Simulate runs ``[start, stop)`` of one variant: chunk `index` of the batch.

    This is what workers execute. Its result depends on its arguments only: each run's
    random numbers are keyed by the batch seed and the run's index (`sim.rules.rng`),
    whoever runs it and however the runs are split into chunks. With a posterior, each
    run's parameters are drawn from it with a stream of its own per chunk
    (`posterior_seed`), the same for every variant, so paired runs share them. With a
    design, run r simulates point ``r // R`` with the luck of replicate ``r % R``
    (`sim.batch.design`).

    Returns:
        The chunk's outcomes as an Arrow table (columns: `sim.outcomes`), plus one
        `posterior.<key>` column per drawn parameter; and its truces, one row each
        (`sim.outcomes.spell_columns`).
    """
    from sim.outcomes import scenario_columns, spell_columns
    from sim.simulate import simulate_with_spells

    world_params = None
    drawn = None
    psets = luck = None
    if design is not None:  # the chunk's points as parameter sets, luck keyed by replicate
        part = design.chunk(start, stop)
        world_params, psets, luck = part.sets, part.psets, part.luck
        drawn = part.columns(design)
    elif posterior is not None:
        from sim.batch.posterior import posterior_seed

        world_params = posterior.draw(stop - start, posterior_seed(batch_seed, index))
        drawn = {f"{POSTERIOR_PREFIX}{k}": v for k, v in world_params.items()}
    outcomes, spells = simulate_with_spells(
        scenario,
        mediator,
        stop - start,
        batch_seed,
        first_run=start,
        world_params=world_params,
        psets=psets,
        luck=luck,
    )
    return (
        outcomes_table(outcomes, scenario_columns(scenario), start, drawn),
        spells_table(spells, spell_columns(scenario.party_keys)),
    )
