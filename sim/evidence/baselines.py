"""Two baselines a forecast of a truce must beat, both from the ETH/PRIO table.

(a) `ReferenceClassBaseline`: the base rate of the reference class a user would pick
    for the case (country, term, mediator: the case's `ReferenceFilter`), read as
    competing risks: Aalen-Johansen cumulative incidence of breakdown, replacement
    and expiry (`sim.stats`), ceasefires still in force right-censored, unclear
    endings left out. When the class holds fewer than `min_n` ceasefires once the
    case itself is removed, it is widened step by step (mediator, then term, then
    country dropped) and the class used is named in the prediction's note.
(b) `SurvivalRegressionBaseline`: cause-specific Cox models (lifelines, one per
    ending, the others censored) on ETH/PRIO covariates (written, fixed term, log
    term length, mediated, purposes, region), combined into cumulative incidences
    for a case described by its covariates: F_k(t) = sum_{t_j <= t} S(t_j-) dH_k(t_j)
    with S the product-limit of all causes.

Both are leave-one-out friendly: `predict(case)` fits without the case's own
ETH/PRIO rows (`case.uniq_ids`).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.evidence.distribution import Discretisation, PredictiveDistribution
from sim.reference import ReferenceFilter, load_reference_table, reference_class, term_days
from sim.stats.competing import cumulative_incidence

if TYPE_CHECKING:  # pragma: no cover
    from sim.evidence.backtest import Case

# Regions of the countries in the table (UCDP's five regions; Turkey's name carries
# a trailing space in the raw data).
REGIONS: dict[str, tuple[str, ...]] = {
    "Europe": (
        "Azerbaijan", "Bosnia-Herzegovina", "Croatia", "Georgia", "Macedonia", "Moldova",
        "Russia (Soviet Union)", "Serbia (Yugoslavia)", "Spain", "Ukraine", "United Kingdom",
    ),
    "Middle East": (
        "Egypt", "Iran", "Iraq", "Israel", "Lebanon", "Syria", "Turkey", "Yemen (North Yemen)",
    ),
    "Asia": (
        "Afghanistan", "Bangladesh", "Cambodia (Kampuchea)", "India", "Indonesia", "Malaysia",
        "Myanmar (Burma)", "Nepal", "Pakistan", "Papua New Guinea", "Philippines", "Sri Lanka",
        "Tajikistan", "Thailand",
    ),
    "Americas": ("Colombia", "El Salvador", "Guatemala", "Mexico", "Nicaragua"),
}  # fmt: skip
REGION_OF = {c: region for region, countries in REGIONS.items() for c in countries}
REGION_NAMES = ("Africa", *REGIONS)
COVARIATES: tuple[str, ...] = (
    "written",
    "fixed",
    "log_term_days",
    "mediated",
    "humanitarian",
    "peaceprocess",
    "holiday",
    *(f"region_{r}" for r in REGION_NAMES[1:]),  # Africa is the reference level
)


def region_of(country: str) -> str:
    """UCDP region of a country name in the table (Africa when not listed elsewhere)."""
    return REGION_OF.get(country.strip(), "Africa")


def covariate_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The regression covariates of table rows (unclear codes -1 read as 0)."""
    term = term_days(table).fillna(0.0)
    fixed = table["fixed"].eq(1).astype(float)
    out = pd.DataFrame(
        {
            "written": table["written"].isin((1, 2)).astype(float),
            "fixed": fixed,
            "log_term_days": np.log1p(term) * fixed,
            "mediated": table["mediated"].eq(1).astype(float),
            "humanitarian": table["p_humanitarian"].astype(float),
            "peaceprocess": table["p_peaceprocess"].astype(float),
            "holiday": table["p_holiday"].astype(float),
        },
        index=table.index,
    )
    regions = table["country"].map(region_of)
    for region in REGION_NAMES[1:]:
        out[f"region_{region}"] = regions.eq(region).astype(float)
    return out


def case_covariates(values: Mapping[str, Any]) -> pd.DataFrame:
    """One-row covariate frame from a case's description.

    Keys: written, fixed (bool), term_days (the stated term, for fixed terms),
    mediated (bool), purposes (iterable of purpose names), region or country.
    """
    region = values.get("region") or region_of(str(values.get("country", "")))
    if region not in REGION_NAMES:
        raise UserError(f"unknown region {region!r}; expected one of {', '.join(REGION_NAMES)}")
    fixed = float(bool(values.get("fixed", False)))
    term = float(values.get("term_days") or 0.0)
    purposes = set(values.get("purposes", ()))
    row = {
        "written": float(bool(values.get("written", False))),
        "fixed": fixed,
        "log_term_days": math.log1p(term) * fixed,
        "mediated": float(bool(values.get("mediated", False))),
        "humanitarian": float("humanitarian" in purposes),
        "peaceprocess": float("peaceprocess" in purposes),
        "holiday": float("holiday" in purposes),
        **{f"region_{r}": float(region == r) for r in REGION_NAMES[1:]},
    }
    return pd.DataFrame([row], columns=list(COVARIATES))


def _usable(table: pd.DataFrame, exclude: tuple[str, ...]) -> pd.DataFrame:
    keep = (table["included"] == 1) & ~table["uniq_id"].astype(str).isin(exclude)
    return table.loc[keep]


def _endings(sample: pd.DataFrame, disc: Discretisation) -> list[str | None]:
    return [o if o in disc.endings else None for o in sample["outcome"]]


class ReferenceClassBaseline:
    """The reference-class base rate as a predictive distribution (see the module)."""

    name = "reference class"

    def __init__(
        self,
        discretisation: Discretisation | None = None,
        min_n: int = 10,
        table: pd.DataFrame | None = None,
    ) -> None:
        self.discretisation = discretisation or Discretisation()
        self.min_n = min_n
        self.table = load_reference_table() if table is None else table

    def predict(self, case: Case) -> PredictiveDistribution:
        """Cumulative incidences of the case's class without the case itself."""
        table = self.table.loc[~self.table["uniq_id"].astype(str).isin(case.uniq_ids)]
        for filt in _widenings(case.reference_filter):
            try:
                sample = reference_class(filt, table).sample
            except UserError:
                continue
            if len(sample) >= self.min_n:
                break
        else:
            sample = _usable(table, ()).reset_index(drop=True)
            filt = ReferenceFilter()
        cif = cumulative_incidence(
            sample["duration_days"],
            _endings(sample, self.discretisation),
            self.discretisation.endings,
        )
        return PredictiveDistribution.from_cumulative_incidence(
            cif, self.discretisation, note=f"{filt.describe()} (n={len(sample)})"
        )


def _widenings(filt: ReferenceFilter):
    """The filter, then wider ones: without mediator, without term, without country."""
    yield filt
    for fields in (
        {"mediator": None, "mediated": None},
        {"fixed_term": None, "min_term_days": None},
        {"country": None, "country_exact": False},
    ):
        filt = dataclasses.replace(filt, **fields)
        yield filt


class SurvivalRegressionBaseline:
    """Cause-specific Cox models on ETH/PRIO covariates (see the module)."""

    name = "survival regression"

    def __init__(
        self,
        discretisation: Discretisation | None = None,
        penalizer: float = 0.01,
        table: pd.DataFrame | None = None,
    ) -> None:
        self.discretisation = discretisation or Discretisation()
        self.penalizer = penalizer
        self.table = load_reference_table() if table is None else table
        self._cache: dict[tuple[str, ...], list[Any]] = {}

    def fit(self, exclude: tuple[str, ...] = ()) -> list[Any]:
        """One lifelines CoxPHFitter per ending, without the rows of `exclude`."""
        key = tuple(sorted(exclude))
        if key in self._cache:
            return self._cache[key]
        from lifelines import CoxPHFitter

        sample = _usable(self.table, key)
        frame = covariate_frame(sample)
        frame["T"] = sample["duration_days"].to_numpy(float)
        fitters = []
        for ending in self.discretisation.endings:
            frame["E"] = (sample["outcome"] == ending).to_numpy()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitters.append(CoxPHFitter(penalizer=self.penalizer).fit(frame, "T", "E"))
        self._cache = {key: fitters}  # one fit kept: leave-one-out moves on
        return fitters

    def predict(self, case: Case) -> PredictiveDistribution:
        """Cumulative incidences for the case's covariates, fitted without it."""
        fitters = self.fit(case.uniq_ids)
        x = case_covariates(case.covariates)
        times = np.unique(
            np.concatenate([f.baseline_cumulative_hazard_.index.to_numpy(float) for f in fitters])
        )
        hazards = np.vstack(
            [f.predict_cumulative_hazard(x, times=times).to_numpy(float)[:, 0] for f in fitters]
        )
        steps = np.diff(hazards, axis=1, prepend=0.0).clip(min=0.0)
        surv = np.cumprod(np.clip(1.0 - steps.sum(axis=0), 0.0, 1.0))
        before = np.concatenate([[1.0], surv[:-1]])
        cif = np.cumsum(before * steps, axis=1)
        disc = self.discretisation
        at_edges = np.vstack(
            [cif[:, max(int(np.searchsorted(times, t, side="right")) - 1, 0)]
             if times[0] <= t else np.zeros(len(fitters))
             for t in disc.edges_days]
        ).T  # fmt: skip
        probs = np.diff(np.concatenate([np.zeros((len(fitters), 1)), at_edges], axis=1), axis=1)
        probs = probs.clip(min=0.0)
        beyond = max(0.0, 1.0 - probs.sum())
        total = probs.sum() + beyond
        return PredictiveDistribution(
            disc, probs / total, beyond / total, note="cause-specific Cox, ETH/PRIO covariates"
        )
