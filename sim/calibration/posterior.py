"""Writing the posterior file (its format and reader are in `sim.batch.posterior`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from sim.batch.posterior import (
    FORMAT_VERSION,
    KIND,
    META_KEY,
    POSTERIOR_STREAM,
    Posterior,
    _values_sha256,
    load_posterior,
    posterior_seed,
)
from sim.results.writer import write_parquet

if TYPE_CHECKING:  # pragma: no cover
    from sim.calibration.abc import CalibrationResult

__all__ = [
    "FORMAT_VERSION",
    "KIND",
    "META_KEY",
    "POSTERIOR_STREAM",
    "Posterior",
    "load_posterior",
    "posterior_seed",
    "write_posterior",
]


def write_posterior(result: CalibrationResult, path: str | Path) -> Path:
    """Write the accepted draws of `result` with their provenance to a Parquet file."""
    import pyarrow as pa

    path = Path(path)
    table = pa.Table.from_pandas(result.posterior, preserve_index=False)
    meta = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "scenario": {
            "name": result.scenario_name,
            "sha256": result.scenario_sha256,
            "path": result.scenario_path,
        },
        "mediator": result.spec.mediator,
        "parameters": result.spec.keys,
        "method": result.method,
        "seed": result.seed,
        "priors": {p.key: p.as_dict() for p in result.spec.priors},
        "priors_file": {"path": result.spec.path, "sha256": result.spec.sha256},
    }
    meta["sha256"] = _values_sha256(result.posterior, [*result.spec.keys, "weight"])
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(meta).encode("utf-8")}
    )
    return write_parquet(table, path)
