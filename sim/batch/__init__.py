"""The batch engine: many runs of many variants, chunked, seeded, parallel, resumable.

`run_batch` is the entry point (also ``sim.run_batch`` and ``ceasefire batch``);
`VariantSpec` describes one variant. See docs/batch.md.
"""

from __future__ import annotations

from sim.batch.chunk import simulate_chunk
from sim.batch.engine import BatchResult, run_batch
from sim.batch.errors import BatchFailed
from sim.batch.executors import InlineExecutor
from sim.batch.seeding import DEFAULT_CHUNK_SIZE, chunk_bounds, chunk_seed
from sim.batch.variants import VariantSpec, expand_variants, load_for_batch

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "BatchFailed",
    "BatchResult",
    "InlineExecutor",
    "VariantSpec",
    "chunk_bounds",
    "chunk_seed",
    "expand_variants",
    "load_for_batch",
    "run_batch",
    "simulate_chunk",
]
