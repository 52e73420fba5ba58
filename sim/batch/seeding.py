"""How a batch splits into chunks and where each chunk's random numbers come from.

A batch of `runs` runs per variant is cut into chunks of `chunk_size` worlds:
chunk `k` covers runs ``[k * chunk_size, min((k + 1) * chunk_size, runs))`` and is
simulated as one many-worlds model seeded by

    SeedSequence(entropy=batch_seed, spawn_key=(k,))

That seed is fixed in the parent before the chunk is sent out, and depends on
the batch seed and the chunk index alone. So:

* results do not depend on the number of workers, the executor (in-process,
  process pool, Dask) or the order in which chunks finish (Axelrod's rule);
* the variant deliberately does *not* enter the seed: chunk `k` of `russia`
  and chunk `k` of `turkey` draw from the same stream, so run `i` of one is
  paired with run `i` of the other (common random numbers, as in the EMA
  Workbench). Differences between mediators then come from the mediators,
  not from sampling noise. What the chunk simulates (scenario, mediator,
  overlays, overrides) is what differs between variants;
* the chunk size is part of the design: the same seed with another chunk size
  gives other (equally valid) results, so a resumed batch must keep it.

The spawn key is the one `SeedSequence.spawn` would give the `k`-th child, so
`chunk_seed(s, k)` equals `SeedSequence(s).spawn(k + 1)[k]` in state.
"""

from __future__ import annotations

import numpy as np

DEFAULT_CHUNK_SIZE = 50_000
"""Worlds per chunk unless told otherwise (see docs/benchmarks.md for the measurement).

Changing it changes which random numbers each run gets, so it is part of the
reproducibility contract: keep it stable across versions.
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
