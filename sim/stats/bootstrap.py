"""The two-way (pigeonhole) bootstrap for tables whose rows and columns are both samples.

A design's outcome table y[p, i] (parameter draw p, replicate i) is crossed: every draw
meets the same R replicates' luck (common random numbers). Resampling the rows alone
treats the shared luck as fixed and gives intervals that are too narrow; Owen (2007,
"The pigeonhole bootstrap", *Annals of Applied Statistics* 1(2): 386-411) resamples rows
and columns independently, which is conservative for any mean over the table.
"""

from __future__ import annotations

import numpy as np


def pigeonhole_weights(
    n_rows: int, n_cols: int, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial resampling counts: (n_boot, n_rows) for the rows, (n_boot, n_cols) for
    the columns, drawn independently."""
    rows = rng.multinomial(n_rows, np.full(n_rows, 1 / n_rows), size=n_boot).astype(float)
    cols = rng.multinomial(n_cols, np.full(n_cols, 1 / n_cols), size=n_boot).astype(float)
    return rows, cols


def grand_means(y: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The mean of table `y` under each bootstrap replicate's row and column counts."""
    return np.einsum("bp,pr,br->b", rows, y, cols) / (y.shape[0] * y.shape[1])


def row_moments(y: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's mean and standard deviation over resampled columns: (rows, n_boot) each."""
    n_cols = y.shape[1]
    first = y @ cols.T / n_cols
    second = (y * y) @ cols.T / n_cols
    var = np.maximum(second - first**2, 0.0) * n_cols / max(n_cols - 1, 1)
    return first, np.sqrt(var)
