"""A batch folder on disk: chunk files, the manifest and the assembled runs table.

Layout (docs/results-format.md)::

    DIR/manifest.json                          written at start, rewritten at the end
    DIR/chunks/<variant slug>/chunk-000123.parquet   one per finished chunk
    DIR/runs.parquet                           every run, assembled at the end

Every file is written atomically through `sim.results.writer` (the one writer
of results): a crash leaves either the whole file or none of it (and perhaps a
``*.tmp`` that `clean_temporary` removes on resume). Each chunk carries its
identity (batch fingerprint, variant, chunk index, first run, row count) in its
Parquet key-value metadata and the manifest its sha256, so resume trusts a chunk
only if both match and `assemble` checks every run is there once, in order.
Parquet files are written by pyarrow with fixed options and
no timestamps, so the same chunks always assemble into the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import UserError
from sim.outcomes import Column
from sim.results import writer
from sim.results.lock import LOCK_FILE
from sim.results.writer import OutputError, atomic_file, sha256_file

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["BatchStore", "ChunkId", "atomic_file", "write_json", "write_parquet"]

MANIFEST_FILE = "manifest.json"
CHUNK_META_KEY = b"ceasefire_chunk"
RUNS_FILE = "runs.parquet"
SPELLS_FILE = "spells.parquet"
SPELLS_SUFFIX = ".spells.parquet"
"""A chunk's truces are kept beside its runs: chunk-000123.parquet, chunk-000123.spells.parquet."""
CHUNKS_DIR = "chunks"
ROW_GROUP_SIZE = 65_536
"""Rows per Parquet row group in runs.parquet (fixed, so the bytes are reproducible)."""

# Options for every Parquet file we write: fixed so output bytes do not vary.
_PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,  # strings (variant, cause, ...) are stored dictionary-encoded
    "write_statistics": True,
    "version": "2.6",
}

# The simulated outcome columns of a chunk file are declared once, per scenario, in
# `sim.outcomes`. Columns that are constant within a variant (variant, mediator,
# horizon_h, overrides) are added when the runs table is assembled, so chunk files depend
# on the seed only.


def _arrow_type(name: str) -> pa.DataType:
    import pyarrow as pa

    return {
        "int64": pa.int64(),
        "int32": pa.int32(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "string": pa.string(),
    }[name]


def _drawn_type(name: str) -> pa.DataType:
    """Per-run parameter columns are floats; a design's point index is an integer."""
    import pyarrow as pa

    from sim.batch.design import DESIGN_POINT

    return pa.int64() if name == DESIGN_POINT else pa.float64()


def chunk_schema(columns: Sequence[Column], drawn_keys: Sequence[str] = ()) -> pa.Schema:
    """The Arrow schema of a chunk file.

    Args:
        columns: the outcome columns (`sim.outcomes.scenario_columns`).
        drawn_keys: columns of per-run parameters (drawn from a posterior, or a design's
            `point` and ``design.<key>`` values), if any.
    """
    import pyarrow as pa

    return pa.schema(
        [pa.field(c.name, _arrow_type(c.kind)) for c in columns]
        + [pa.field(k, _drawn_type(k)) for k in drawn_keys]
    )


def runs_schema(
    columns: Sequence[Column], override_keys: Sequence[str], drawn_keys: Sequence[str] = ()
) -> pa.Schema:
    """The Arrow schema of runs.parquet for a batch with these override and drawn columns."""
    import pyarrow as pa

    fields = [
        pa.field("variant", pa.string()),
        pa.field("mediator", pa.string()),
        pa.field("run", pa.int64()),
        pa.field("horizon_h", pa.float64()),
        *(pa.field(c.name, _arrow_type(c.kind)) for c in columns if c.name != "run"),
        *(pa.field(k, pa.float64()) for k in override_keys),
        *(pa.field(k, _drawn_type(k)) for k in drawn_keys),
    ]
    return pa.schema(fields)


def outcomes_table(
    outcomes: Mapping[str, np.ndarray],
    columns: Sequence[Column],
    first_run: int,
    drawn: Mapping[str, np.ndarray] | None = None,
) -> pa.Table:
    """A chunk's outcomes (as `sim.model.simulate_worlds` returns them) as an Arrow table.

    Args:
        outcomes: the outcome arrays; every one must be declared in `columns`.
        columns: the outcome columns (`sim.outcomes.scenario_columns`).
        first_run: index of the chunk's first run within its variant.
        drawn: parameters drawn per run (column name -> values), kept beside the outcomes.
    """
    import pyarrow as pa

    from sim.outcomes import check_columns

    check_columns(outcomes, columns)
    n = len(outcomes["duration_h"])
    arrays = []
    for column in columns:
        name, kind = column.name, column.kind
        if name == "run":
            values = np.arange(first_run, first_run + n, dtype=np.int64)
            arrays.append(pa.array(values, type=pa.int64()))
        elif column.nullable:  # NaN in the model means "none": null here
            arrays.append(pa.array(outcomes[name], type=pa.float64(), from_pandas=True))
        elif kind == "string":
            arrays.append(pa.array(list(outcomes[name]), type=pa.string()))
        else:
            arrays.append(pa.array(np.asarray(outcomes[name]), type=_arrow_type(kind)))
    drawn = drawn or {}
    for name, values in drawn.items():
        kind = _drawn_type(name)
        arrays.append(pa.array(np.asarray(values, dtype=kind.to_pandas_dtype()), type=kind))
    return pa.Table.from_arrays(arrays, schema=chunk_schema(columns, list(drawn)))


def spells_table(spells: Mapping[str, np.ndarray], columns: Sequence[Column]) -> pa.Table:
    """A chunk's truces (as `sim.model.simulate_with_spells` returns them) as an Arrow table."""
    import pyarrow as pa

    from sim.outcomes import check_columns

    check_columns({k: v for k, v in spells.items() if k != "run"}, columns)
    arrays = []
    for column in columns:
        values = spells[column.name]
        if column.nullable:
            arrays.append(pa.array(values, type=pa.float64(), from_pandas=True))
        elif column.kind == "string":
            arrays.append(pa.array(list(values), type=pa.string()))
        else:
            arrays.append(pa.array(np.asarray(values), type=_arrow_type(column.kind)))
    return pa.Table.from_arrays(arrays, schema=chunk_schema(columns))


# --------------------------------------------------------------------------- writes


def write_parquet(table: pa.Table, path: Path, *, record: bool = True) -> None:
    """Write `table` to `path` atomically with the batch's fixed Parquet options."""
    writer.write_parquet(
        table, path, record=record, row_group_size=ROW_GROUP_SIZE, **_PARQUET_OPTIONS
    )


def write_json(data: Mapping[str, Any], path: Path) -> None:
    """Write `data` as indented JSON to `path` atomically."""
    writer.write_json(data, path)


# --------------------------------------------------------------------------- the folder


@dataclass(frozen=True)
class ChunkId:
    """What a chunk file must be: written into its Parquet metadata, checked on resume.

    Attributes:
        batch: the batch fingerprint (hash of everything that decides the results).
        variant: the variant's label.
        index: the chunk's index.
        start: its first run.
        rows: its number of runs.
    """

    batch: str
    variant: str
    index: int
    start: int
    rows: int

    def encode(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode("utf-8")


class BatchStore:
    """Paths and files of one batch folder.

    Args:
        root: the batch folder (DIR).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_FILE

    @property
    def runs_path(self) -> Path:
        return self.root / RUNS_FILE

    def chunk_name(self, slug: str, index: int) -> str:
        """The chunk's path relative to the folder (its key in the manifest)."""
        return f"{CHUNKS_DIR}/{slug}/chunk-{index:06d}.parquet"

    def chunk_path(self, slug: str, index: int) -> Path:
        """Where chunk `index` of the variant with folder name `slug` is kept."""
        return self.root / self.chunk_name(slug, index)

    def spells_chunk_path(self, slug: str, index: int) -> Path:
        """Where the truces of chunk `index` are kept, beside its runs."""
        path = self.chunk_path(slug, index)
        return path.with_name(path.name.removesuffix(".parquet") + SPELLS_SUFFIX)

    @property
    def spells_path(self) -> Path:
        return self.root / SPELLS_FILE

    def is_empty(self) -> bool:
        """True if the folder does not exist or holds nothing (but its lock file)."""
        if not self.root.exists():
            return True
        return all(entry.name == LOCK_FILE for entry in self.root.iterdir())

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None if there is none.

        Raises:
            UserError: it cannot be read or is not a JSON object (truncated, a folder...).
        """
        try:
            return writer.ResultsFolder(self.root, MANIFEST_FILE).read_manifest()
        except OutputError as error:
            raise UserError(
                f"cannot resume: the manifest is damaged ({str(error).split(': ', 1)[-1]}); "
                "start the batch again in a new folder",
                file=str(self.manifest_path),
            ) from None

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        write_json(manifest, self.manifest_path)

    def verify_chunk(self, slug: str, chunk: ChunkId, sha256: str | None) -> bool:
        """True if the chunk's file is exactly the one recorded: hash and identity match.

        A chunk that fails (missing, damaged, from another batch, variant or index, or
        never recorded) is redone.
        """
        import pyarrow.parquet as pq

        paths = (self.chunk_path(slug, chunk.index), self.spells_chunk_path(slug, chunk.index))
        if sha256 is None or not all(path.is_file() for path in paths):
            return False
        try:
            if _pair_hash(*paths) != sha256:
                return False
            metas = [pq.read_schema(path).metadata or {} for path in paths]
        except Exception:  # unreadable: redo it
            return False
        return all(meta.get(CHUNK_META_KEY) == chunk.encode() for meta in metas)

    def write_chunk(self, slug: str, chunk: ChunkId, tables: tuple[pa.Table, pa.Table]) -> str:
        """Write a chunk's runs and truces with its identity; return the hash of the pair."""
        table, spells = tables
        if table.num_rows != chunk.rows:
            raise ValueError(f"chunk {chunk} came back with {table.num_rows} rows")
        paths = (self.chunk_path(slug, chunk.index), self.spells_chunk_path(slug, chunk.index))
        for part, path in zip((table, spells), paths, strict=True):
            meta = {**(part.schema.metadata or {}), CHUNK_META_KEY: chunk.encode()}
            write_parquet(part.replace_schema_metadata(meta), path, record=False)
        return _pair_hash(*paths)

    def clean_temporary(self) -> int:
        """Remove temporary files a killed batch may have left; return how many."""
        removed = 0
        for tmp in self.root.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)
            removed += 1
        return removed

    def assemble(
        self,
        parts: Sequence[tuple[str, Sequence[ChunkId], Callable[[pa.Table], pa.Table]]],
        schema: pa.Schema,
        columns: Sequence[Column],
        drawn_keys: Sequence[str] = (),
    ) -> int:
        """Write runs.parquet from the chunk files, streaming, and return its row count.

        Args:
            parts: per variant in order: its slug, its chunks in order, and a function
                that adds the variant's constant columns to one chunk's table.
            schema: the schema of runs.parquet (see `runs_schema`).
            drawn_keys: columns of per-run drawn parameters held in the chunk files.

        Each chunk's identity and runs are checked as it is read: every variant's runs
        must be 0, 1, 2, ... once each, in order, or nothing replaces runs.parquet.
        Only one chunk is in memory at a time, so memory stays bounded however
        many runs the batch holds.
        """
        import pyarrow.parquet as pq

        def tables() -> Iterator[pa.Table]:
            for slug, chunks, complete in parts:
                for chunk in chunks:
                    path = self.chunk_path(slug, chunk.index)
                    chunk_table = pq.read_table(path, schema=chunk_schema(columns, drawn_keys))
                    _check_chunk(path, chunk, chunk_table)
                    yield complete(chunk_table).select(schema.names).cast(schema)

        return _stream(self.runs_path, schema, tables())

    def assemble_spells(
        self,
        parts: Sequence[tuple[str, str, Sequence[ChunkId]]],
        columns: Sequence[Column],
    ) -> int:
        """Write spells.parquet from the chunks' truce files, streaming, as `assemble` does
        runs.parquet; return its row count.

        Args:
            parts: per variant in order: its label, its slug and its chunks in order.
            columns: the truce columns (`sim.outcomes.spell_columns`).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        chunk_fields = chunk_schema(columns)
        schema = pa.schema([pa.field("variant", pa.string()), *chunk_fields])

        def tables() -> Iterator[pa.Table]:
            for label, slug, chunks in parts:
                for chunk in chunks:
                    path = self.spells_chunk_path(slug, chunk.index)
                    table = pq.read_table(path, schema=chunk_fields)
                    _check_spells(path, chunk, table)
                    variant = pa.array([label] * table.num_rows, type=pa.string())
                    yield table.add_column(0, "variant", variant).cast(schema)

        return _stream(self.spells_path, schema, tables())


def _stream(path: Path, schema: pa.Schema, tables: Iterator[pa.Table]) -> int:
    """Write `tables` one after another into one Parquet file, atomically; return its rows.

    Only one table is in memory at a time, so memory stays bounded however many runs."""
    import pyarrow.parquet as pq

    rows = 0
    with (
        atomic_file(path) as handle,
        pq.ParquetWriter(handle, schema, **_PARQUET_OPTIONS) as parquet,
    ):
        for table in tables:
            parquet.write_table(table, row_group_size=ROW_GROUP_SIZE)
            rows += table.num_rows
    return rows


def _pair_hash(runs: Path, spells: Path) -> str:
    """One hash for a chunk's two files (the manifest keeps one per chunk)."""
    text = f"{sha256_file(runs)}:{sha256_file(spells)}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _check_spells(path: Path, chunk: ChunkId, table: pa.Table) -> None:
    """Refuse a truce file whose identity is wrong or whose runs are not the chunk's runs,
    in order, each with its first truce."""
    import pyarrow.parquet as pq

    found = (pq.read_schema(path).metadata or {}).get(CHUNK_META_KEY)
    runs = table.column("run").to_numpy()
    spells = table.column("spell").to_numpy()
    expected = np.arange(chunk.start, chunk.start + chunk.rows, dtype=np.int64)
    ordered = runs.size == 0 or bool(np.all(np.diff(runs) >= 0))
    if found != chunk.encode() or not ordered or not np.array_equal(runs[spells == 0], expected):
        raise ChunkMismatch(f"{path}: not the truces of chunk {chunk.index} of {chunk.variant!r}")


def _check_chunk(path: Path, chunk: ChunkId, table: pa.Table) -> None:
    """Refuse a chunk whose identity or runs are not what the plan says."""
    import pyarrow.parquet as pq

    found = (pq.read_schema(path).metadata or {}).get(CHUNK_META_KEY)
    runs = table.column("run").to_numpy()
    expected = np.arange(chunk.start, chunk.start + chunk.rows, dtype=np.int64)
    if found != chunk.encode() or not np.array_equal(runs, expected):
        raise ChunkMismatch(f"{path}: not chunk {chunk.index} of variant {chunk.variant!r}")


class ChunkMismatch(RuntimeError):
    """A chunk file is not the one the plan expects (runs.parquet is left untouched)."""
