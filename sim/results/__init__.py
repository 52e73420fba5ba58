"""The results layer: the one module that writes into a results folder, and its lock.

Everything written under a results folder (batch chunks, runs.parquet, the
manifest, reports, figures, sweep/sensitivity/calibration sidecars, `run --plot`,
`reference --plot`, the backtest's JSON and figure, the explorer's saved variants)
goes through `sim.results.writer`, which writes atomically and records what it wrote.
`sim.results.lock` keeps two batches out of one folder.
"""

from sim.results.writer import OutputError, ResultsFolder

__all__ = ["OutputError", "ResultsFolder"]
