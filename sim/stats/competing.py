"""Competing risks: cumulative incidence of each ending (Aalen-Johansen).

A truce can end in several ways (breakdown, replacement by a broader agreement,
expiry of its term). Treating the other endings as censoring, as a Kaplan-Meier
curve of breakdown does, estimates the chance of breakdown in a world where the
other endings could not happen; the cumulative incidence function (CIF) of an
ending is the chance it has ended *that way* by time t, and the CIFs of all endings
plus the all-cause survival sum to one. Observations whose ending is unknown at
their time (still in force at the end of follow-up) are right-censored.

lifelines' `AalenJohansenFitter` computes the estimate and its variance (Collett's
Greenwood-type formula, log(-log) intervals, so bounds stay in [0, 1]). It cannot
handle two different endings at the same time and then breaks ties by random
jitter, which would make the figures change from run to run and can move an event
across a reporting time; it also sets the incidence of its first row to 0, which
drops endings at time 0 (a ceasefire that failed the day it began). We break ties
deterministically instead: ending k (in the order given) is moved later by k * eps
and censorings by (K + 1) * eps, with eps far below the smallest gap between
distinct times, and every reporting time t is read at t + (K + 1) * eps. The point
estimates equal the tie-aware Aalen-Johansen estimate (the product-limit and its
increments do not depend on the order of events within a time); the variance is
lifelines' formula on the split times, a close approximation with heavy ties.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from sim.stats.intervals import Interval, clipped_normal, z_value
from sim.stats.km import Estimate, number_at_risk, step_value


@dataclass
class CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of each ending in one sample.

    Attributes:
        endings: the endings, in the order given (the competing events).
        durations: time of each observation (to its ending or censoring).
        ending_of: each observation's ending, "" where censored.
        level: confidence level of the intervals.
        curves: per ending, a step function indexed by (split) time with columns
            `estimate`, `low`, `high`, `variance`.
        shift: how far censorings were moved ((K + 1) * eps, the most any time
            moved); reporting times are read this much later.
    """

    endings: tuple[str, ...]
    durations: np.ndarray
    ending_of: np.ndarray
    level: float
    curves: dict[str, pd.DataFrame] = field(repr=False)
    shift: float = 0.0

    @property
    def n(self) -> int:
        """Number of observations."""
        return len(self.durations)

    def counts(self) -> dict[str, int]:
        """Observations per ending, and censored ones under "censored"."""
        out = {e: int(np.sum(self.ending_of == e)) for e in self.endings}
        out["censored"] = int(np.sum(self.ending_of == ""))
        return out

    def at(self, ending: str, time: float) -> Estimate:
        """CIF of `ending` at `time` with its interval and variance."""
        row = step_value(self.curves[ending], time + self.shift)
        estimate = float(row["estimate"])
        low: float | None = float(row["low"])
        high: float | None = float(row["high"])
        variance = float(row["variance"])
        if estimate <= 0.0:
            # The log(-log) transform is undefined at 0 (no such ending yet): use the
            # exact binomial upper bound for 0 events among those observed at `time`
            # (conservative: fewer than all who were informative before it).
            n = number_at_risk(self.durations, time, just_after=False)
            alpha = 1 - self.level
            low, high = 0.0, (1.0 if n == 0 else 1.0 - (alpha / 2) ** (1.0 / n))
            variance = 0.0
        elif not (math.isfinite(low) and math.isfinite(high)):
            low, high, variance = self._complement_interval(ending, time, estimate)
        return Estimate(
            time=float(time),
            estimate=estimate,
            low=None if low is None else max(0.0, low),
            high=None if high is None else min(1.0, high),
            variance=variance if math.isfinite(variance) else 0.0,
        )

    def _complement_interval(
        self, ending: str, time: float, estimate: float
    ) -> tuple[float | None, float | None, float]:
        """The interval of an ending whose last jump took everyone still at risk.

        lifelines' Aalen-Johansen variance is 0/0 there (at the horizon every truce still
        holding expires at once). If no one is left (the incidences sum to 1) and one
        other ending competes, this ending's incidence is 1 minus the other's, so its
        interval is the other's reflected, with the same variance. With several others
        their covariances would be needed: the interval stays undefined (None).
        """
        others = [e for e in self.endings if e != ending]
        if len(others) != 1:
            return None, None, math.nan
        other = self.at(others[0], time)
        complete = abs(estimate + other.estimate - 1.0) < 1e-9
        if not complete or other.low is None or other.high is None:
            return None, None, math.nan
        return 1.0 - other.high, 1.0 - other.low, other.variance

    def at_risk(self, time: float) -> int:
        """Still observed just after `time` (not yet ended or censored)."""
        return number_at_risk(self.durations, time)

    def curve(self, ending: str) -> pd.DataFrame:
        """The step function of one ending on the original time scale."""
        frame = self.curves[ending].copy()
        frame.index = _unsplit(frame.index.to_numpy(float), self.distinct_durations)
        return frame

    @cached_property
    def distinct_durations(self) -> np.ndarray:
        """The distinct observed times, ascending (found once: there may be millions)."""
        return np.sort(pd.unique(self.durations))

    def table(self, times: Sequence[float]) -> list[dict[str, object]]:
        """Rows {time, at_risk, <ending>: {estimate, low, high}} at `times`."""
        rows: list[dict[str, object]] = []
        for t in times:
            row: dict[str, object] = {"time": float(t), "at_risk": self.at_risk(t)}
            for ending in self.endings:
                est = self.at(ending, t)
                row[ending] = {"estimate": est.estimate, "low": est.low, "high": est.high}
            rows.append(row)
        return rows


def _categorical(endings: Sequence[str | None] | np.ndarray | pd.Series) -> pd.Categorical:
    """The endings as a categorical (None -> code -1), without copying a categorical."""
    if isinstance(endings, pd.Series) and isinstance(endings.dtype, pd.CategoricalDtype):
        return endings.array
    if isinstance(endings, pd.Categorical):
        return endings
    return pd.Categorical(np.asarray(endings, dtype=object))


def _unsplit(times: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Map split times back to the original time they came from (the largest <= them).

    `durations` must be the distinct times, ascending (`distinct_durations`).
    """
    if len(durations) == 0:
        return times
    originals = durations
    pos = np.searchsorted(originals, times, side="right") - 1
    return np.where(pos >= 0, originals[np.clip(pos, 0, None)], times)


def _split_ties(
    durations: np.ndarray, codes: np.ndarray, n_endings: int
) -> tuple[np.ndarray, float]:
    """Split times so no two endings tie; return them and the reading shift.

    Every time moves later by eps (lifelines sets the cumulative incidence of its
    first row to 0, which would drop endings at time 0), ending k by a further
    (k - 1) * eps and censorings by K * eps, so events precede censorings as in
    Kaplan-Meier. (K + 1) * eps stays below a quarter of the smallest gap.
    """
    distinct = np.unique(durations)
    gaps = np.diff(distinct)
    gap = float(gaps.min()) if len(gaps) else 1.0
    eps = gap / (4.0 * (n_endings + 2))
    offsets = np.where(codes > 0, codes * eps, (n_endings + 1) * eps)
    return durations + offsets, (n_endings + 1) * eps


def cumulative_incidence(
    durations: Sequence[float] | np.ndarray,
    endings: Sequence[str | None] | np.ndarray,
    ending_names: Sequence[str] | None = None,
    level: float = 0.95,
) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of every ending (lifelines).

    Args:
        durations: time to each observation's ending or censoring (>= 0).
        endings: each observation's ending; None or "" where right-censored.
        ending_names: the competing endings, in order (default: sorted distinct).
        level: confidence level.

    Returns:
        The fitted cumulative incidence.
    """
    from lifelines import AalenJohansenFitter

    times = np.asarray(durations, dtype=float)
    values = _categorical(endings)
    # Work on the categories (a handful), not on every observation's string.
    category_names = [*(str(c) for c in values.categories), ""]  # code -1 (None) -> ""
    labels = np.array(category_names, dtype=object)[values.codes]
    if times.shape != labels.shape or times.size == 0:
        raise ValueError("durations and endings must be non-empty and of equal length")
    if np.any(times < 0) or not np.all(np.isfinite(times)):
        raise ValueError("durations must be finite and >= 0")
    used = np.bincount(values.codes + 1, minlength=len(category_names))
    found = {category_names[i - 1] for i in np.flatnonzero(used)}  # index 0 is code -1
    names = tuple(ending_names or sorted(found - {""}))
    unknown = found - set(names) - {""}
    if unknown:
        raise ValueError(f"endings {sorted(unknown)} are not among {list(names)}")
    code_of = {name: i + 1 for i, name in enumerate(names)}
    codes = np.array([code_of.get(name, 0) for name in category_names], dtype=int)[values.codes]
    # Frequency cells: a million runs on whole steps are a few hundred (time, ending)
    # cells; lifelines sums the weights where it would count rows, so the estimates and
    # variances are those of the rows. The split below moves a cell as it would its rows.
    cells = pd.DataFrame({"t": times, "code": codes}).value_counts(sort=False).sort_index()
    codes_cells = cells.index.get_level_values("code").to_numpy(int)
    split, shift = _split_ties(
        cells.index.get_level_values("t").to_numpy(float), codes_cells, len(names)
    )
    weights = cells.to_numpy(float)
    curves: dict[str, pd.DataFrame] = {}
    for name, code in code_of.items():
        if not np.any(codes_cells == code):
            curves[name] = pd.DataFrame(
                {"estimate": [0.0], "low": [np.nan], "high": [np.nan], "variance": [0.0]},
                index=[0.0],
            )
            continue
        with warnings.catch_warnings():
            # 0 * log(0) in lifelines' interval before the first event is harmless.
            warnings.simplefilter("ignore", RuntimeWarning)
            fitter = AalenJohansenFitter(alpha=1 - level, calculate_variance=True)
            fitter.fit(split, codes_cells, event_of_interest=code, weights=weights)
        bounds = fitter.confidence_interval_.to_numpy(float)
        curve = pd.DataFrame(
            {
                "estimate": fitter.cumulative_density_.iloc[:, 0].to_numpy(float),
                # lifelines' column names swap lower and upper; order them here.
                "low": np.fmin(bounds[:, 0], bounds[:, 1]),
                "high": np.fmax(bounds[:, 0], bounds[:, 1]),
                "variance": fitter.variance_.to_numpy(float),
            },
            index=fitter.cumulative_density_.index.to_numpy(float),
        )
        # lifelines' variance is undefined (0/0) where everyone still at risk ends
        # at once (the last time). Where this ending's CIF does not move there,
        # carry the last defined variance and bounds forward; where it moves, the
        # interval stays undefined (reported as None).
        flat = curve["estimate"].diff().fillna(0.0).eq(0.0) & (curve["estimate"] > 0)
        filled = curve.ffill()
        curve.loc[flat] = filled.loc[flat]
        curves[name] = curve
    return CumulativeIncidence(
        endings=names,
        durations=times,
        ending_of=labels,
        level=level,
        curves=curves,
        shift=shift,
    )


@dataclass(frozen=True)
class CifDifference:
    """Difference in one ending's cumulative incidence at one time, b minus a."""

    ending: str
    time: float
    cif_a: float
    cif_b: float
    difference: Interval
    z: float | None
    p_value: float | None


def cif_difference_test(
    a: CumulativeIncidence, b: CumulativeIncidence, ending: str, time: float
) -> CifDifference:
    """Pointwise z-test of CIF_b(t) - CIF_a(t) for one ending, independent samples.

    z = (F_b - F_a) / sqrt(Var F_a + Var F_b) with the Aalen-Johansen variances; the
    interval is the normal one clipped to [-1, 1]. This is a test at one time, not
    Gray's test over the whole curve (neither lifelines nor scipy has Gray's test);
    choose the time before looking at the data (the horizon, say). When both
    variances are 0 the test is not computed (z and p None).
    """
    fa, fb = a.at(ending, time), b.at(ending, time)
    diff = fb.estimate - fa.estimate
    se = math.sqrt(fa.variance + fb.variance)
    level = a.level
    if se <= 0.0:
        return CifDifference(
            ending, float(time), fa.estimate, fb.estimate, Interval(diff, diff, diff), None, None
        )
    z = diff / se
    return CifDifference(
        ending=ending,
        time=float(time),
        cif_a=fa.estimate,
        cif_b=fb.estimate,
        difference=clipped_normal(diff, se, level, lower=-1.0, upper=1.0),
        z=float(z),
        p_value=float(2 * stats.norm.sf(abs(z))),
    )


__all__ = [
    "CifDifference",
    "CumulativeIncidence",
    "cif_difference_test",
    "cumulative_incidence",
    "z_value",
]
