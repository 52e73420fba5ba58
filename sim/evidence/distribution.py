"""A predictive distribution over how and when a truce ends.

Every predictor (the simulator, the reference-class base rate, the survival
regression) is scored on the same discretisation: an ending (breakdown, replaced,
expired) and a time bin in days, plus one open bin after the last edge where the
ending is not distinguished (the simulator cannot say what happens after its
horizon). Bins are closed on the right because the ETH/PRIO durations are whole
days: with edges (1, 2, 3, 7, 14) the bins are [0, 1], (1, 2], (2, 3], (3, 7],
(7, 14] and (14, inf), so "within 7 days" is exactly the first four bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sim.stats.competing import CumulativeIncidence

ENDINGS: tuple[str, ...] = ("breakdown", "replaced", "expired")
DEFAULT_EDGES_DAYS: tuple[float, ...] = (1.0, 2.0, 3.0, 7.0, 14.0)


@dataclass(frozen=True)
class Discretisation:
    """Endings and right-closed time bins (days) shared by every predictor.

    Attributes:
        edges_days: increasing upper edges of the finite bins; the first bin starts
            at 0 (inclusive), and an open bin follows the last edge.
        endings: the competing endings.
    """

    edges_days: tuple[float, ...] = DEFAULT_EDGES_DAYS
    endings: tuple[str, ...] = ENDINGS

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges_days, dtype=float)
        if edges.size == 0 or np.any(edges <= 0) or np.any(np.diff(edges) <= 0):
            raise ValueError(f"edges_days must be positive and increasing, got {self.edges_days}")
        if len(set(self.endings)) != len(self.endings) or not self.endings:
            raise ValueError(f"endings must be distinct and non-empty, got {self.endings}")

    @property
    def n_bins(self) -> int:
        """Finite bins (the open bin after the last edge is not counted)."""
        return len(self.edges_days)

    @property
    def last_edge(self) -> float:
        """Where the open bin starts."""
        return float(self.edges_days[-1])

    def bin_of(self, time_days: float) -> int:
        """Index of the finite bin holding `time_days`, or `n_bins` for the open bin."""
        if time_days < 0:
            raise ValueError(f"time cannot be negative, got {time_days}")
        return int(np.searchsorted(np.asarray(self.edges_days), time_days, side="left"))

    def first_open_bin(self, censored_days: float) -> int:
        """First bin in which a truce still holding at `censored_days` can end.

        A truce seen holding at an edge has not ended in the bin closing there.
        """
        return int(np.searchsorted(np.asarray(self.edges_days), censored_days, side="right"))

    def labels(self) -> list[str]:
        """Bin labels such as "[0, 1]", "(1, 2]", ..., "> 14"."""
        out, low = [], 0.0
        for i, high in enumerate(self.edges_days):
            out.append(f"{'[' if i == 0 else '('}{low:g}, {high:g}]")
            low = high
        return [*out, f"> {self.last_edge:g}"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"edges_days": list(self.edges_days), "endings": list(self.endings)}


@dataclass(frozen=True)
class PredictiveDistribution:
    """Probabilities of (ending, finite bin) and of lasting beyond the last edge.

    Attributes:
        discretisation: the bins and endings.
        probs: array (n_endings, n_bins), probability of ending that way in that bin.
        p_beyond: probability of no ending by the last edge.
        note: where it came from (shown in the backtest table).
    """

    discretisation: Discretisation
    probs: np.ndarray
    p_beyond: float
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        disc = self.discretisation
        probs = np.asarray(self.probs, dtype=float)
        if probs.shape != (len(disc.endings), disc.n_bins):
            raise ValueError(
                f"probs must have shape {(len(disc.endings), disc.n_bins)}, got {probs.shape}"
            )
        if np.any(probs < -1e-12) or self.p_beyond < -1e-12:
            raise ValueError("probabilities cannot be negative")
        total = probs.sum() + self.p_beyond
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"probabilities must sum to 1, got {total:.6f}")

    def p_ending_within(self, ending: str, days: float) -> float:
        """P(ends by `ending` at or before `days`); `days` must be a bin edge."""
        disc = self.discretisation
        if days not in disc.edges_days:
            raise ValueError(f"{days} days is not a bin edge {disc.edges_days}")
        k = disc.endings.index(ending)
        return float(np.clip(self.probs[k, : disc.edges_days.index(days) + 1].sum(), 0, 1))

    def p_cell(self, ending: str, time_days: float) -> float:
        """P of the observed (ending, bin); after the last edge, P(beyond)."""
        disc = self.discretisation
        i = disc.bin_of(time_days)
        if i >= disc.n_bins:
            return float(self.p_beyond)
        return float(self.probs[disc.endings.index(ending), i])

    def p_not_before(self, time_days: float) -> float:
        """P(no ending by `time_days`, to bin resolution): a censored case.

        The cells summed are the bin holding `time_days` and every later one (the
        bin closing exactly at `time_days` excluded).
        """
        i = self.discretisation.first_open_bin(time_days)
        return float(np.clip(self.probs[:, i:].sum() + self.p_beyond, 0, 1))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "discretisation": self.discretisation.to_dict(),
            "probs": {
                e: [float(p) for p in row]
                for e, row in zip(self.discretisation.endings, self.probs, strict=True)
            },
            "p_beyond": float(self.p_beyond),
            "note": self.note,
        }

    @classmethod
    def from_samples(
        cls,
        endings: Sequence[str | None],
        times_days: Sequence[float] | np.ndarray,
        discretisation: Discretisation | None = None,
        note: str = "",
    ) -> PredictiveDistribution:
        """From simulated (ending, time) samples: the share of samples in each cell.

        Args:
            endings: each sample's ending, None where it had not ended when the
                simulation stopped.
            times_days: each sample's time of ending, or of stopping when None.
            discretisation: bins and endings (default: `Discretisation()`).
            note: description.

        Raises:
            ValueError: a sample stopped without an ending before the last edge (the
                simulation must run at least to the last edge), or an unknown ending.
        """
        disc = discretisation or Discretisation()
        times = np.asarray(times_days, dtype=float)
        if len(endings) != len(times) or len(times) == 0:
            raise ValueError("endings and times must be non-empty and of equal length")
        counts = np.zeros((len(disc.endings), disc.n_bins))
        beyond = 0
        for ending, time in zip(endings, times, strict=True):
            if ending is None:
                if disc.first_open_bin(float(time)) < disc.n_bins:
                    raise ValueError(
                        f"a sample stopped at {time:g} days without an ending, before the last "
                        f"edge ({disc.last_edge:g} days)"
                    )
                beyond += 1
                continue
            i = disc.bin_of(float(time))
            if i >= disc.n_bins:
                beyond += 1
                continue
            if ending not in disc.endings:
                raise ValueError(f"unknown ending {ending!r}; expected one of {disc.endings}")
            counts[disc.endings.index(ending), i] += 1
        n = len(times)
        return cls(disc, counts / n, beyond / n, note=note, details={"samples": n})

    @classmethod
    def from_cumulative_incidence(
        cls,
        cif: CumulativeIncidence,
        discretisation: Discretisation | None = None,
        note: str = "",
    ) -> PredictiveDistribution:
        """From Aalen-Johansen cumulative incidences (in days) read at the bin edges.

        Endings of the discretisation absent from `cif` get probability 0.
        """
        disc = discretisation or Discretisation()
        probs = np.zeros((len(disc.endings), disc.n_bins))
        for k, ending in enumerate(disc.endings):
            if ending not in cif.endings:
                continue
            values = [cif.at(ending, t).estimate for t in disc.edges_days]
            probs[k] = np.diff(np.concatenate([[0.0], values]))
        probs = np.clip(probs, 0.0, 1.0)
        beyond = max(0.0, 1.0 - probs.sum())
        return cls(disc, probs / (probs.sum() + beyond), beyond / (probs.sum() + beyond), note)
