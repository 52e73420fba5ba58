"""Read and check a batch results folder (docs/results-format.md).

Everything the analysis needs is checked here, once, so that the statistics
modules can trust their input and a user with a wrong folder gets one line
naming the file and what is missing instead of a pandas traceback.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError

RUNS_FILE = "runs.parquet"
MANIFEST_FILE = "manifest.json"

#: Columns the analysis reads; a runs table without any of them is refused.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "variant",
    "run",
    "horizon_h",
    "duration_h",
    "collapsed",
    "cause",
    "first_violation_h",
    "first_violator",
    "violations_regime",
    "violations_militia",
    "violations_opposition",
)

_NUMERIC_COLUMNS = (
    "run",
    "horizon_h",
    "duration_h",
    "first_violation_h",
    "violations_regime",
    "violations_militia",
    "violations_opposition",
)


@dataclass(frozen=True)
class Batch:
    """A loaded batch: its runs, its manifest and where it came from.

    Attributes:
        runs: One row per run, columns as in docs/results-format.md.
        manifest: The parsed manifest.json (empty when analysing a bare table).
        path: The batch folder, or None for a table built in memory.
    """

    runs: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def variants(self) -> list[str]:
        """Variant labels in the order of the manifest, else sorted."""
        return variant_order(self.runs, self.manifest)


def variant_order(runs: pd.DataFrame, manifest: dict[str, Any] | None = None) -> list[str]:
    """Order variants as the manifest lists them (the user's order), else alphabetically."""
    column = runs["variant"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        present = [str(c) for c in column.cat.remove_unused_categories().cat.categories]
    else:
        present = [str(v) for v in pd.unique(column)]
    listed = [
        str(v.get("label"))
        for v in (manifest or {}).get("variants", [])
        if isinstance(v, dict) and "label" in v
    ]
    ordered = [v for v in listed if v in present]
    return ordered + sorted(v for v in present if v not in ordered)


def validate_runs(
    runs: pd.DataFrame, source: str = RUNS_FILE, *, categories: bool = False, copy: bool = True
) -> pd.DataFrame:
    """Check a runs table and return a cleaned copy.

    Args:
        runs: The table as read from runs.parquet (or built in memory).
        source: How to name the table in error messages (usually its path).
        categories: Keep `variant`, `cause` and `first_violator` as pandas categoricals
            (categories sorted, so rows sort as with strings) instead of one Python
            string per run: two million runs then take a few bytes each, not ~60.
        copy: Work on a copy (False: the caller hands the table over, e.g. just read).

    Returns:
        A copy with `variant`, `cause` and `first_violator` as Python strings
        (None for null) or categoricals, `collapsed` as bool and the numeric
        columns as floats/ints.

    Raises:
        UserError: Missing columns, no rows, or values that break the contract.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in runs.columns]
    if missing:
        raise UserError(f"not a runs table: missing column(s) {', '.join(missing)}", file=source)
    if runs.empty:
        raise UserError("the runs table has no rows", file=source)
    runs = runs.copy() if copy else runs
    for column in _NUMERIC_COLUMNS:
        if not pd.api.types.is_numeric_dtype(runs[column]):
            raise UserError(
                f"column '{column}' must be numeric, found {runs[column].dtype}", file=source
            )
    if runs["collapsed"].isna().any():
        raise UserError("column 'collapsed' has null values", file=source)
    # astype(..., copy=False): the table is already a copy; do not copy each column again.
    runs["collapsed"] = runs["collapsed"].astype(bool, copy=False)
    for column in ("duration_h", "horizon_h"):
        values = runs[column].astype(float, copy=False)
        if values.isna().any() or (values < 0).any():
            raise UserError(f"column '{column}' must be non-negative and not null", file=source)
        runs[column] = values
    if (runs["duration_h"] > runs["horizon_h"] + 1e-9).any():
        raise UserError("duration_h exceeds horizon_h in some runs", file=source)
    runs["first_violation_h"] = runs["first_violation_h"].astype(float, copy=False)
    if categories:
        runs["variant"] = _sorted_categories(runs["variant"].astype("category"))
        runs["cause"] = _sorted_categories(runs["cause"])
        if "none" not in runs["cause"].cat.categories:
            runs["cause"] = _sorted_categories(runs["cause"].cat.add_categories("none"))
        runs["cause"] = runs["cause"].fillna("none")
        runs["first_violator"] = _sorted_categories(runs["first_violator"])
    else:
        runs["variant"] = runs["variant"].astype(str)
        for column in ("cause", "first_violator"):
            # Arrow strings, categoricals and object columns all end as str/None.
            runs[column] = runs[column].astype(object).where(runs[column].notna(), None)
        runs["cause"] = runs["cause"].fillna("none")
    if not _sorted_by_variant_and_run(runs, categories):  # runs.parquet is, already
        runs = runs.sort_values(["variant", "run"], kind="stable").reset_index(drop=True)
    elif not (
        isinstance(runs.index, pd.RangeIndex) and runs.index.equals(pd.RangeIndex(len(runs)))
    ):
        runs = runs.reset_index(drop=True)  # (a copy: only when the index needs it)
    # Sorted by (variant, run), a repeated pair sits next to its twin: a vectorised check
    # instead of hashing every row.
    variant = _variant_keys(runs, categories)
    run = runs["run"].to_numpy()
    if len(run) > 1 and np.any((variant[1:] == variant[:-1]) & (run[1:] == run[:-1])):
        raise UserError("some (variant, run) pairs appear more than once", file=source)
    return runs


def _variant_keys(runs: pd.DataFrame, categories: bool) -> np.ndarray:
    return runs["variant"].cat.codes.to_numpy() if categories else runs["variant"].to_numpy(object)


def _sorted_by_variant_and_run(runs: pd.DataFrame, categories: bool) -> bool:
    """True when rows are already in (variant, run) order, as sort_values would put them."""
    if len(runs) < 2:
        return True
    variant = _variant_keys(runs, categories)
    run = runs["run"].to_numpy()
    same = variant[1:] == variant[:-1]
    return bool(np.all((variant[1:] > variant[:-1]) | (same & (run[1:] >= run[:-1]))))


def _sorted_categories(values: pd.Series) -> pd.Series:
    """A categorical with string categories in sorted order (rows then sort like strings)."""
    values = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    names = [str(c) for c in values.cat.categories]
    if names != list(values.cat.categories):
        values = values.cat.rename_categories(names)
    return values.cat.reorder_categories(sorted(names))


def analysis_columns(names: Sequence[str]) -> list[str]:
    """The columns of a runs table the batch analysis reads (tables, tests, figures).

    Every required column, each party's `violations_<party>` and `agreement` if present:
    the other outcome columns (credibility, terms, campaign) are left on disk.
    """
    wanted = set(REQUIRED_COLUMNS) | {"agreement"}
    return [n for n in names if n in wanted or n.startswith("violations_")]


def read_runs(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a runs table: only `columns` (all when None), strings as categoricals.

    Reading the strings as Arrow dictionaries gives pandas categoricals directly, one
    small integer per run instead of a Python string object.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    names = list(schema.names) if columns is None else [n for n in schema.names if n in columns]
    text = (pa.types.is_string, pa.types.is_large_string)
    strings = [n for n in names if any(is_text(schema.field(n).type) for is_text in text)]
    table = pq.read_table(path, columns=names, read_dictionary=strings)
    # Column by column, freeing each Arrow column once converted: the table is not held
    # twice (Arrow and pandas) at the peak.
    runs = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    # Arrow's allocator keeps freed pages for reuse; hand them back now that the
    # decoding is done (a quarter of a gigabyte at two million runs).
    pa.default_memory_pool().release_unused()
    return runs


def load_batch(directory: str | Path, *, lean: bool = False) -> Batch:
    """Read DIR/runs.parquet and DIR/manifest.json and check them.

    Args:
        directory: A batch folder written by `ceasefire batch`.
        lean: Read only the columns the batch analysis needs (`analysis_columns`), with
            strings as categoricals: what `analyse` uses, so that millions of runs fit
            in a few hundred megabytes. Off, every column is read and strings are
            Python strings (what sweeps and sensitivity expect).

    Returns:
        The validated batch.

    Raises:
        UserError: The folder is missing, is not a batch, is unfinished, or its
            files are unreadable or lack columns. The message names the file.
    """
    path = Path(directory)
    if not path.exists():
        raise UserError("no such results folder", file=str(path))
    if not path.is_dir():
        raise UserError("expected a batch results folder, found a file", file=str(path))
    runs_path = path / RUNS_FILE
    manifest_path = path / MANIFEST_FILE
    if not runs_path.exists():
        chunks = sorted((path / "chunks").glob("*.parquet")) if (path / "chunks").is_dir() else []
        if chunks:
            raise UserError(
                f"the batch is unfinished: {len(chunks)} chunk(s) but no {RUNS_FILE}; "
                "resume the batch to complete it",
                file=str(path),
            )
        raise UserError(
            f"not a batch results folder: no {RUNS_FILE} (run `ceasefire batch` first)",
            file=str(path),
        )
    if not manifest_path.exists():
        raise UserError(f"not a batch results folder: no {MANIFEST_FILE}", file=str(path))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"cannot read the manifest: {error}", file=str(manifest_path)) from None
    if not isinstance(manifest, dict):
        raise UserError("the manifest must be a JSON object", file=str(manifest_path))
    try:
        if lean:
            import pyarrow.parquet as pq

            runs = read_runs(runs_path, analysis_columns(pq.read_schema(runs_path).names))
        else:
            runs = pd.read_parquet(runs_path)
    except Exception as error:  # pyarrow raises several unrelated types
        raise UserError(f"cannot read the runs table: {error}", file=str(runs_path)) from None
    register_parties_of(runs, manifest)
    runs = validate_runs(runs, str(runs_path), categories=lean, copy=False)
    return Batch(runs=runs, manifest=manifest, path=path)


def register_parties_of(runs: pd.DataFrame, manifest: dict[str, Any] | None) -> None:
    """Name and colour the parties of these results: from the manifest, else the columns."""
    from sim.analysis.style import register_parties
    from sim.outcomes import parties_in

    listed = (manifest or {}).get("parties") or []
    if listed:
        register_parties((p["key"], p.get("label", p["key"])) for p in listed)
    else:
        register_parties((key, key) for key in parties_in(runs.columns))
