"""Forecasts and log scores of the time to first violation and the number of truces.

Both quantities are scored like the ending: the log score ln p of the category that
happened, p floored at `LOG_FLOOR` (0.001), higher is better.

Time to first violation, in hours from the truce taking effect, in `FV_LABELS`: the
right-closed bins [0, 1], (1, 3], (3, 6], (6, 12], (12, 24], (24, 48], (48, 96],
(96, 168], (168, 336], (336, inf) hours, and "none": the truce ended (expired, collapsed
by walkout) by 336 h with no violation. Right-closed because the model records a
violation at the end of the step (1 h in every case) in which it happened: a violation
in the first half hour is "1.0" in the model and "0.3" in the sources, the same bin. A
simulated run with no violation that lasted 336 h or more belongs to the last bin (it
would violate later or never, and that bin holds both: the censoring is inside one
category, so no category's probability is guessed).

Number of truces: categories 1, 2, ..., 16 (`MAX_TRUCES`, the model's limit of
spells per run); a count above 16 falls in the last.

A predictor that cannot forecast a quantity gives None, and its score is "n/a"
(NaN in tables), never a made-up number.

The library's own base rate (`base_rate`): the leave-one-out frequencies of the
category among the other cases, with Jeffreys smoothing, p_k = (c_k + 1/2) /
(n + K/2) over the K categories, so that an unseen category is unlikely, not
impossible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.evidence.scores import LOG_FLOOR

FV_EDGES_H: tuple[float, ...] = (1.0, 3.0, 6.0, 12.0, 24.0, 48.0, 96.0, 168.0, 336.0)
FV_LABELS: tuple[str, ...] = (
    *(f"{lo:g}-{hi:g} h" for lo, hi in zip((0.0, *FV_EDGES_H[:-1]), FV_EDGES_H, strict=True)),
    f"> {FV_EDGES_H[-1]:g} h",
    "none",
)
NONE = len(FV_LABELS) - 1
MAX_TRUCES = 16
FIRST_VIOLATION = "first_violation"  # keys of a predictor's `predict_quantities`
N_TRUCES = "n_truces"
TRUCE_LABELS: tuple[str, ...] = tuple(str(k) for k in range(1, MAX_TRUCES + 1))


@dataclass(frozen=True)
class CategoricalForecast:
    """Probabilities of the categories `labels` (they sum to 1), and where they came from."""

    labels: tuple[str, ...]
    probs: np.ndarray
    note: str = ""

    def __post_init__(self) -> None:
        p = np.asarray(self.probs, float)
        if p.shape != (len(self.labels),) or (p < 0).any() or abs(p.sum() - 1) > 1e-9:
            raise ValueError(f"expected {len(self.labels)} probabilities summing to 1")

    def log_score(self, category: int, floor: float = LOG_FLOOR) -> float:
        """ln p of the category that happened, p floored at `floor`."""
        return math.log(max(float(self.probs[category]), floor))


def fv_category(hours: float | None) -> int:
    """The category of an observed (or simulated) first violation; None is "none"."""
    if hours is None or math.isnan(hours):
        return NONE
    if hours < 0:
        raise ValueError(f"hours must be >= 0, got {hours}")
    return int(np.searchsorted(FV_EDGES_H, hours, side="left"))


def fv_categories(first_h: np.ndarray, end_h: np.ndarray) -> np.ndarray:
    """Categories of simulated runs: first violation hour (NaN: none) and run end hour."""
    first = np.asarray(first_h, float)
    end = np.asarray(end_h, float)
    cats = np.searchsorted(FV_EDGES_H, np.nan_to_num(first, nan=0.0), side="left")
    quiet = np.isnan(first)
    # No violation: held past the last edge -> last bin; ended before it -> "none".
    return np.where(quiet, np.where(end >= FV_EDGES_H[-1], NONE - 1, NONE), cats)


def truce_category(n: int) -> int:
    """The category of a number of truces (>= 1)."""
    if n < 1:
        raise ValueError(f"a campaign has at least one truce, got {n}")
    return min(int(n), MAX_TRUCES) - 1


def from_categories(cats: np.ndarray, labels: Sequence[str], note: str) -> CategoricalForecast:
    """Frequencies of simulated categories."""
    counts = np.bincount(np.asarray(cats, int), minlength=len(labels)).astype(float)
    return CategoricalForecast(tuple(labels), counts / counts.sum(), note)


def base_rate(cats: Sequence[int], labels: Sequence[str], note: str) -> CategoricalForecast:
    """Jeffreys-smoothed frequencies of the other cases' categories (module docstring)."""
    counts = np.bincount(np.asarray(cats, int), minlength=len(labels)).astype(float)
    return CategoricalForecast(
        tuple(labels), (counts + 0.5) / (counts.sum() + len(labels) / 2), note
    )


class LibraryBaseRate:
    """Baseline for the quantities ETH/PRIO does not record: the other cases' own outcomes.

    Forecasts each case's first violation (and number of truces, where cases have it)
    by the leave-one-out `base_rate` of the other cases. It cannot forecast the ending
    and time (`predict` gives None): the ETH/PRIO baselines do that from far more cases.
    """

    name = "case base rate"

    def __init__(self, cases: Sequence[Any]) -> None:
        self.cases = list(cases)

    def predict(self, case: Any) -> None:
        return None

    def predict_quantities(self, case: Any) -> dict[str, CategoricalForecast | None]:
        others = [c for c in self.cases if c.id != case.id]
        fv = [fv_category(c.first_violation_h) for c in others if c.first_violation_h is not None]
        n = [truce_category(c.n_truces) for c in others if c.n_truces is not None]
        return {
            FIRST_VIOLATION: base_rate(fv, FV_LABELS, f"{len(fv)} other cases") if fv else None,
            N_TRUCES: base_rate(n, TRUCE_LABELS, f"{len(n)} other cases") if n else None,
        }
