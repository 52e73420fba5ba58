"""Analysis of a batch: survival with censoring, comparisons, plots and the report.

Reads only the batch files described in docs/results-format.md. The usual entry
points::

    from sim.analysis import analyse, write_report
    result = analyse("results/daraa")      # a batch folder, a Batch or a runs DataFrame
    print(result.format_table())           # what `ceasefire compare DIR` prints
    result.to_dict()                       # what `ceasefire compare DIR --json` prints
    write_figures(result, "results/daraa/figures")
    write_report("results/daraa")          # DIR/report.html

Modules: `load` (read and check a folder), `result` (`analyse`, `BatchAnalysis`),
`survival` (Kaplan-Meier per variant), `compare` (tests between variants),
`breakdown` (causes, violators, rates), `endings` (competing risks), `tables` (text
tables), `sections` and `report` (HTML), `plots` and `figures` (figures), `style`
(names and colours), `reference_*` (the ETH/PRIO reference class and its overlay).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.analysis.load import Batch, load_batch
from sim.analysis.result import (
    SINGLE_VARIANT_NOTE,
    BatchAnalysis,
    _nan_to_none,  # noqa: F401 (used by the commands and discover)
    analyse,
)

__all__ = [
    "SINGLE_VARIANT_NOTE",
    "Batch",
    "BatchAnalysis",
    "analyse",
    "load_batch",
    "write_figures",
    "write_report",
]


def write_report(directory: str | Path, analysis: BatchAnalysis | None = None, **kwargs: Any):
    """Write DIR/report.html and return its path (see `sim.analysis.report.write_report`)."""
    from sim.analysis.report import write_report as _write_report

    return _write_report(directory, analysis, **kwargs)


def write_figures(analysis: BatchAnalysis, outdir: str | Path, **kwargs: Any):
    """Write every figure as PNG and SVG; return the paths (see `sim.analysis.plots`)."""
    from sim.analysis.figures import write_figures as _write_figures

    return _write_figures(analysis, outdir, **kwargs)
