"""Read and check a batch results folder (docs/results-format.md).

Everything the analysis needs is checked here, once, so that the statistics
modules can trust their input and a user with a wrong folder gets one line
naming the file and what is missing instead of a pandas traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    present = list(pd.unique(runs["variant"].astype(str)))
    listed = [
        str(v.get("label"))
        for v in (manifest or {}).get("variants", [])
        if isinstance(v, dict) and "label" in v
    ]
    ordered = [v for v in listed if v in present]
    return ordered + sorted(v for v in present if v not in ordered)


def validate_runs(runs: pd.DataFrame, source: str = RUNS_FILE) -> pd.DataFrame:
    """Check a runs table and return a cleaned copy.

    Args:
        runs: The table as read from runs.parquet (or built in memory).
        source: How to name the table in error messages (usually its path).

    Returns:
        A copy with `variant`, `cause` and `first_violator` as Python strings
        (None for null), `collapsed` as bool and the numeric columns as floats/ints.

    Raises:
        UserError: Missing columns, no rows, or values that break the contract.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in runs.columns]
    if missing:
        raise UserError(f"not a runs table: missing column(s) {', '.join(missing)}", file=source)
    if runs.empty:
        raise UserError("the runs table has no rows", file=source)
    runs = runs.copy()
    for column in _NUMERIC_COLUMNS:
        if not pd.api.types.is_numeric_dtype(runs[column]):
            raise UserError(
                f"column '{column}' must be numeric, found {runs[column].dtype}", file=source
            )
    if runs["collapsed"].isna().any():
        raise UserError("column 'collapsed' has null values", file=source)
    runs["collapsed"] = runs["collapsed"].astype(bool)
    for column in ("duration_h", "horizon_h"):
        values = runs[column].astype(float)
        if values.isna().any() or (values < 0).any():
            raise UserError(f"column '{column}' must be non-negative and not null", file=source)
        runs[column] = values
    if (runs["duration_h"] > runs["horizon_h"] + 1e-9).any():
        raise UserError("duration_h exceeds horizon_h in some runs", file=source)
    runs["first_violation_h"] = runs["first_violation_h"].astype(float)
    runs["variant"] = runs["variant"].astype(str)
    for column in ("cause", "first_violator"):
        # Arrow strings, categoricals and object columns all end as str/None.
        runs[column] = runs[column].astype(object).where(runs[column].notna(), None)
    runs["cause"] = runs["cause"].fillna("none")
    if runs.duplicated(["variant", "run"]).any():
        raise UserError("some (variant, run) pairs appear more than once", file=source)
    return runs.sort_values(["variant", "run"], kind="stable").reset_index(drop=True)


def load_batch(directory: str | Path) -> Batch:
    """Read DIR/runs.parquet and DIR/manifest.json and check them.

    Args:
        directory: A batch folder written by `ceasefire batch`.

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
        runs = pd.read_parquet(runs_path)
    except Exception as error:  # pyarrow raises several unrelated types
        raise UserError(f"cannot read the runs table: {error}", file=str(runs_path)) from None
    register_parties_of(runs, manifest)
    return Batch(runs=validate_runs(runs, str(runs_path)), manifest=manifest, path=path)


def register_parties_of(runs: pd.DataFrame, manifest: dict[str, Any] | None) -> None:
    """Name and colour the parties of these results: from the manifest, else the columns."""
    from sim.analysis.style import register_parties
    from sim.outcomes import parties_in

    listed = (manifest or {}).get("parties") or []
    if listed:
        register_parties((p["key"], p.get("label", p["key"])) for p in listed)
    else:
        register_parties((key, key) for key in parties_in(runs.columns))
