"""The posterior file: accepted parameter sets, tied to the scenario they were fitted to.

Read here, below the experiments, because a batch draws its runs' parameters from it;
`sim.calibration` writes it (`write_posterior`).

`DIR/posterior.parquet` holds one row per accepted prior draw (a column per
calibrated parameter, plus ``distance``, ``kernel``, ``p_match`` and ``weight``)
and, in the Parquet schema's metadata under ``ceasefire_posterior``, what made
it: the scenario's name and sha256, the mediator, the priors and the method.

A batch runs "under the posterior" by passing `Posterior.draw(n, seed)` as the
model's `world_params`: every world gets its own parameter set, resampled from
the accepted rows in proportion to their weights. `load_posterior` refuses a
file fitted to another scenario (or another version of the same file).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.scenario import Scenario, load_scenario

META_KEY = b"ceasefire_posterior"
KIND = "ceasefire-posterior"
FORMAT_VERSION = 2
"""2 adds ``sha256``: a checksum of the values, checked on load (1 had none)."""
POSTERIOR_STREAM = 0
"""Spawn-key suffix of the posterior draws inside a batch chunk (see `posterior_seed`)."""


def posterior_seed(batch_seed: int, chunk_index: int) -> np.random.SeedSequence:
    """The seed of chunk `chunk_index`'s parameter draws in a batch under a posterior.

    A child of the chunk's own seed (``SeedSequence(batch_seed, spawn_key=(k,))``),
    so it depends on the batch seed and chunk index only, is the same for every
    variant (paired variants get the same parameter sets: common random numbers)
    and is a different stream from the one the chunk's worlds simulate with.
    """
    return np.random.SeedSequence(entropy=batch_seed, spawn_key=(chunk_index, POSTERIOR_STREAM))


@dataclass
class Posterior:
    """Accepted parameter sets with their weights.

    Attributes:
        samples: one row per accepted draw, one column per parameter.
        weights: the draws' weights (resampling probabilities up to a constant).
        metadata: what made it (scenario name and sha256, mediator, priors, method...).
    """

    samples: pd.DataFrame
    weights: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        """The calibrated parameters."""
        return list(self.samples.columns)

    def draw(self, n: int, seed: np.random.SeedSequence | int) -> dict[str, np.ndarray]:
        """`n` parameter sets resampled with replacement, in proportion to the weights.

        Deterministic: the same seed gives the same values.

        Args:
            n: number of worlds.
            seed: a SeedSequence (in a batch: `posterior_seed(batch_seed, chunk_index)`).

        Returns:
            {parameter key: array of length n}, ready for `world_params`.
        """
        rng = np.random.default_rng(seed)
        p = self.weights / self.weights.sum()
        index = rng.choice(len(self.samples), size=n, replace=True, p=p)
        return {k: self.samples[k].to_numpy(dtype=float)[index] for k in self.keys}


def _values_sha256(frame: pd.DataFrame, columns: list[str]) -> str:
    """A checksum of the values that matter: each column's name and float64 bytes."""
    import hashlib

    digest = hashlib.sha256()
    for column in columns:
        digest.update(column.encode("utf-8") + b"\0")
        digest.update(np.ascontiguousarray(frame[column].to_numpy(dtype="<f8")).tobytes())
    return digest.hexdigest()


def _check_values(table: Any, meta: dict[str, Any], scenario: Scenario, file: str) -> list[str]:
    """Validate the whole posterior before any work: keys, types, values, ranges, checksum.

    Returns:
        The calibrated parameter keys.
    """
    import pyarrow as pa

    names = table.column_names
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UserError(f"posterior file has duplicated column(s) {repeated}", file=file)
    keys = meta.get("parameters")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise UserError("posterior file lists no parameters", file=file)
    if len(set(keys)) != len(keys):
        raise UserError(f"posterior file lists a parameter twice: {keys}", file=file)
    priors = meta.get("priors") if isinstance(meta.get("priors"), dict) else {}
    for key in keys:
        if not key.startswith("actors.") or key not in scenario.values:
            raise UserError(
                f"posterior parameter {key!r} is not an actor parameter of this scenario",
                file=file,
            )
    missing = [k for k in [*keys, "weight"] if k not in names]
    if missing:
        raise UserError(f"posterior file lacks column(s) {', '.join(missing)}", file=file)
    for column in [*keys, "weight"]:
        data = table.column(column)
        if not (pa.types.is_floating(data.type) or pa.types.is_integer(data.type)):
            raise UserError(
                f"posterior column {column!r} holds {data.type}, not numbers", file=file
            )
        if data.null_count:
            raise UserError(f"posterior column {column!r} has {data.null_count} null(s)", file=file)
        values = data.to_numpy().astype(float)
        if not np.all(np.isfinite(values)):
            raise UserError(f"posterior column {column!r} holds NaN or infinity", file=file)
        prior = priors.get(column) if column != "weight" else {"low": 0.0, "high": np.inf}
        try:
            low, high = float(prior["low"]), float(prior["high"])
        except (KeyError, TypeError, ValueError):
            raise UserError(
                f"posterior file gives no prior range for {column!r}", file=file
            ) from None
        outside = (values < low) | (values > high)
        if outside.any():
            raise UserError(
                f"posterior column {column!r} has {int(outside.sum())} value(s) outside its "
                f"prior's range [{low:g}, {high:g}] (e.g. {values[outside][0]:g})",
                file=file,
            )
    if meta.get("format_version", 1) >= 2:
        frame = table.select([*keys, "weight"]).to_pandas()
        if meta.get("sha256") != _values_sha256(frame, [*keys, "weight"]):
            raise UserError(
                "posterior file is damaged: its values do not match their checksum", file=file
            )
    return keys


def load_posterior(path: str | Path, scenario: Scenario | str | Path) -> Posterior:
    """Read a posterior file and check that it was fitted to `scenario`.

    Args:
        path: the posterior.parquet file.
        scenario: the scenario the batch will run (loaded, or its path).

    Returns:
        The posterior.

    Raises:
        UserError: the file is missing, not a posterior, or was fitted to another
            scenario (name or file hash differ).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = str(path)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    try:
        table = pq.ParquetFile(path).read()
    except FileNotFoundError:
        raise UserError("posterior file not found", file=file) from None
    except (OSError, pa.ArrowException, ValueError) as error:
        raise UserError(
            f"not a posterior file (cannot read it as Parquet: {str(error).splitlines()[0]})",
            file=file,
        ) from None
    raw = (table.schema.metadata or {}).get(META_KEY)
    try:
        meta = json.loads(raw) if raw else {}
    except ValueError:
        meta = {}
    if meta.get("kind") != KIND:
        raise UserError(
            "not a posterior file: no calibration metadata (write one with ceasefire calibrate)",
            file=file,
        )
    stored = meta.get("scenario") or {}
    if stored.get("name") != scenario.name:
        raise UserError(
            f"this posterior was fitted to scenario {stored.get('name')!r}, not {scenario.name!r}",
            file=file,
        )
    if stored.get("sha256") != scenario.source.sha256:
        raise UserError(
            f"this posterior was fitted to another version of scenario {scenario.name!r} "
            f"(sha256 {str(stored.get('sha256'))[:12]}..., the file now has "
            f"{scenario.source.sha256[:12]}...); calibrate again",
            file=file,
        )
    keys = _check_values(table, meta, scenario, file)
    frame = table.select([*keys, "weight"]).to_pandas()
    weights = frame["weight"].to_numpy(dtype=float)
    if (
        len(frame) == 0
        or not np.all(np.isfinite(weights))
        or weights.min() < 0
        or weights.sum() <= 0
    ):
        raise UserError("posterior file has no usable (positive, finite) weights", file=file)
    return Posterior(samples=frame[keys].reset_index(drop=True), weights=weights, metadata=meta)
