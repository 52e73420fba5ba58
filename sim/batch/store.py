"""A batch folder on disk: chunk files, the manifest and the assembled runs table.

Layout (docs/results-format.md)::

    DIR/manifest.json                          written at start, rewritten at the end
    DIR/chunks/<variant slug>/chunk-000123.parquet   one per finished chunk
    DIR/runs.parquet                           every run, assembled at the end

Every file is written atomically: to a temporary file in the same folder,
flushed to disk, then renamed over its final name, so a crash leaves either
the whole file or none of it (and perhaps a ``*.tmp`` that `clean_temporary`
removes on resume). Parquet files are written by pyarrow with fixed options and
no timestamps, so the same chunks always assemble into the same bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from sim.outcomes import Column

if TYPE_CHECKING:
    import pyarrow as pa

MANIFEST_FILE = "manifest.json"
RUNS_FILE = "runs.parquet"
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


def chunk_schema(columns: Sequence[Column], drawn_keys: Sequence[str] = ()) -> pa.Schema:
    """The Arrow schema of a chunk file.

    Args:
        columns: the outcome columns (`sim.outcomes.scenario_columns`).
        drawn_keys: columns of parameters drawn per run (from a posterior), if any.
    """
    import pyarrow as pa

    return pa.schema(
        [pa.field(c.name, _arrow_type(c.kind)) for c in columns]
        + [pa.field(k, pa.float64()) for k in drawn_keys]
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
        *(pa.field(k, pa.float64()) for k in drawn_keys),
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
    arrays.extend(pa.array(np.asarray(v, dtype=float), type=pa.float64()) for v in drawn.values())
    return pa.Table.from_arrays(arrays, schema=chunk_schema(columns, list(drawn)))


# --------------------------------------------------------------------------- atomic writes


@contextmanager
def atomic_file(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside `path`; on success, fsync it and rename it to `path`.

    Readers never see a half-written file: until the rename, the final name holds
    the previous version or nothing. On error the temporary file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are for sharing
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _umask() -> int:
    # os.umask can only be read by setting it; done once, before any worker threads.
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


_UMASK: int | None = None


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable; not every platform can open a directory.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` atomically with the batch's fixed Parquet options."""
    import pyarrow.parquet as pq

    with atomic_file(path) as handle:
        pq.write_table(table, handle, row_group_size=ROW_GROUP_SIZE, **_PARQUET_OPTIONS)


def write_json(data: Mapping[str, Any], path: Path) -> None:
    """Write `data` as indented JSON to `path` atomically."""
    with atomic_file(path, "w") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


# --------------------------------------------------------------------------- the folder


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

    def chunk_path(self, slug: str, index: int) -> Path:
        """Where chunk `index` of the variant with folder name `slug` is kept."""
        return self.root / CHUNKS_DIR / slug / f"chunk-{index:06d}.parquet"

    def is_empty(self) -> bool:
        """True if the folder does not exist or holds nothing."""
        return not self.root.exists() or not any(self.root.iterdir())

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None if there is none."""
        try:
            return json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            return None

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        write_json(manifest, self.manifest_path)

    def has_chunk(self, slug: str, index: int, rows: int) -> bool:
        """True if the chunk's file exists and holds `rows` rows (else it is redone)."""
        import pyarrow.parquet as pq

        path = self.chunk_path(slug, index)
        if not path.exists():
            return False
        try:
            return pq.ParquetFile(path).metadata.num_rows == rows
        except Exception:  # unreadable: treat as missing and overwrite it
            return False

    def write_chunk(self, slug: str, index: int, table: pa.Table) -> None:
        write_parquet(table, self.chunk_path(slug, index))

    def clean_temporary(self) -> int:
        """Remove temporary files a killed batch may have left; return how many."""
        removed = 0
        for tmp in self.root.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)
            removed += 1
        return removed

    def assemble(
        self,
        parts: Sequence[tuple[str, int, Callable[[pa.Table], pa.Table]]],
        schema: pa.Schema,
        columns: Sequence[Column],
        drawn_keys: Sequence[str] = (),
    ) -> int:
        """Write runs.parquet from the chunk files, streaming, and return its row count.

        Args:
            parts: per variant in order: its slug, its number of chunks, and a function
                that adds the variant's constant columns to one chunk's table.
            schema: the schema of runs.parquet (see `runs_schema`).
            drawn_keys: columns of per-run drawn parameters held in the chunk files.

        Only one chunk is in memory at a time, so memory stays bounded however
        many runs the batch holds.
        """
        import pyarrow.parquet as pq

        rows = 0
        with (
            atomic_file(self.runs_path) as handle,
            pq.ParquetWriter(handle, schema, **_PARQUET_OPTIONS) as writer,
        ):
            for slug, n_chunks, complete in parts:
                for index in range(n_chunks):
                    chunk = pq.read_table(
                        self.chunk_path(slug, index), schema=chunk_schema(columns, drawn_keys)
                    )
                    table = complete(chunk).select(schema.names).cast(schema)
                    writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
                    rows += table.num_rows
        return rows
