"""How a batch splits into chunks, and where the random numbers come from.

A batch of `runs` runs per variant is cut into chunks of `chunk_size` worlds:
chunk `k` covers runs ``[k * chunk_size, min((k + 1) * chunk_size, runs))``.

The model's draws do not depend on the chunks: every draw of run `i` is a
counter-based function of the batch key (`SeedSequence(seed).generate_state(2)`),
`i`, the step and the draw's slot (`sim.rules.rng`). So results do not depend on
the number of workers, the executor or the chunk size, and run `i` of every
variant meets the same luck (common random numbers, as in the EMA Workbench).

Only posterior draws (`--posterior`) are still made per chunk, from
`SeedSequence(entropy=batch_seed, spawn_key=(k, 1))` (`sim.batch.posterior.posterior_seed`),
the same for every variant; with a posterior the chunk size is part of the design.
`chunk_seed(s, k)` (the spawn key the k-th child of `SeedSequence(s)` would get)
is the base of that stream.
"""

from __future__ import annotations

import numpy as np

DEFAULT_CHUNK_SIZE = 50_000
"""Worlds per chunk unless told otherwise (see docs/benchmarks.md for the measurement).

It does not change the model's random numbers; with `--posterior` it changes which
parameter draw each run gets, so a resumed batch keeps it.
"""


def chunk_seed(batch_seed: int, chunk_index: int) -> np.random.SeedSequence:
    """The seed of chunk `chunk_index`: the same for every variant of the batch.

    Args:
        batch_seed: the batch's seed (a non-negative integer).
        chunk_index: index of the chunk within its variant, from 0.

    Returns:
        A SeedSequence that depends on `batch_seed` and `chunk_index` only.
    """
    if batch_seed < 0 or chunk_index < 0:
        raise ValueError("the batch seed and the chunk index must be non-negative")
    return np.random.SeedSequence(entropy=batch_seed, spawn_key=(chunk_index,))


def chunk_bounds(runs: int, chunk_size: int) -> list[tuple[int, int]]:
    """The runs each chunk covers, as half-open ``(start, stop)`` pairs in chunk order.

    Args:
        runs: runs per variant (at least 1).
        chunk_size: worlds per chunk (at least 1); the last chunk may be smaller.
    """
    if runs < 1 or chunk_size < 1:
        raise ValueError("runs and chunk_size must be at least 1")
    return [(start, min(start + chunk_size, runs)) for start in range(0, runs, chunk_size)]
