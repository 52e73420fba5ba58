"""The ETH/PRIO reference class: the table of real ceasefires and how to select from it.

Loads `sim/data/reference_ceasefires.csv` (one row per ceasefire, 1989-2020; its
derivation in `sim/data/reference_ceasefires.md`) and selects a class with
`ReferenceFilter`; `sim.analysis.reference_survival` estimates how long they lasted.
`sim.reference` re-exports both (see its docstring for typical use).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sim.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    pass

HOURS_PER_DAY = 24.0
# The Daraa truce was meant to last two weeks; simulated runs are censored there.
SIM_HORIZON_H = 336.0
DEFAULT_SHARE_DAYS: tuple[float, ...] = (1.0, 7.0, 14.0)
DEFAULT_KM_DAYS: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 7.0, 14.0, 30.0, 90.0, 365.0)
ALPHA = 0.05
TABLE_FILE = "reference_ceasefires.csv"

# Raw codes (see reference_ceasefires.md). `written` 1 and 2 are both written texts.
WRITTEN_CODES = {True: (1, 2), False: (0,)}
FIXED_CODES = {True: (1,), False: (0,)}
CLASS_NAMES = {1: "class 1", 2: "class 2", 3: "class 3 (definitive)"}
PURPOSES = ("humanitarian", "peaceprocess", "holiday", "election", "other", "unclear")
CENSOR_REASONS = ("expired", "replaced", "in_force")

UnknownEndings = Literal["exclude", "breakdown", "censor"]


@functools.lru_cache(maxsize=1)
def _load_cached() -> pd.DataFrame:
    source = resources.files("sim.data").joinpath(TABLE_FILE)
    with source.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    ints = [
        "n_actor_rows",
        "start_day_imputed",
        "end_day_imputed",
        "ended_code",
        "included",
        "ended_codes_disagree",
        "mediated",
        "written",
        "fixed",
        "ceasefire_class",
        "enforcement",
        *(f"p_{p}" for p in PURPOSES),
    ]
    for col in ints:
        table[col] = table[col].astype(int)
    table["duration_days"] = pd.to_numeric(table["duration_days"]).astype(float)
    table["event"] = pd.to_numeric(table["event"]).astype(float)  # NaN where excluded
    table["year"] = pd.to_numeric(table["year"]).astype("Int64")
    return table


def load_reference_table() -> pd.DataFrame:
    """The shipped table, one row per ceasefire (all of them, excluded ones flagged).

    Returns:
        A fresh copy (callers may modify it). `event` is 1.0 (breakdown), 0.0
        (censored) or NaN (excluded: see the `exclusion` column).
    """
    return _load_cached().copy()


@dataclass(frozen=True)
class ReferenceFilter:
    """Which real ceasefires form the reference class.

    Every criterion left at None is not applied. Text matches ignore case.

    Attributes:
        country: substring of the country name ("Syria"), or the exact name if
            `country_exact` (use it for "Sudan", which "South Sudan" also contains).
        country_exact: match `country` as the whole name.
        mediator: substring of the mediator names ("Russia", "UN", "Turkey").
        mediated: True for ceasefires a third party mediated, False for unmediated.
        written: True for written agreements, False for unwritten ones.
        fixed_term: True for ceasefires with a fixed term, False for open-ended ones.
        ceasefire_class: ETH/PRIO `ceasefire_class` code (1, 2 or 3).
        enforcement: ETH/PRIO `enforcement` codes to keep (e.g. (1, 2)).
        purposes: purpose flags that must all be set ("humanitarian", "peaceprocess",
            "holiday", "election", "other", "unclear").
        since: first start year (inclusive).
        until: last start year (inclusive).
        exact_dates_only: leave out ceasefires whose start or end day was imputed.
        include_never_in_effect: count ceasefires declared but never in effect as
            breakdowns at day 0 (a sensitivity analysis; left out by default).
        unknown_endings: what to do with ceasefires whose ending the dataset leaves
            unclear but dates: "exclude" (default), "breakdown" (pessimistic bound)
            or "censor" (optimistic bound).
        min_term_days: keep open-ended ceasefires and fixed-term ones whose stated
            term (`fixed_time`, days) is at least this long; ceasefires whose term
            or its length is unclear are left out.
    """

    country: str | None = None
    country_exact: bool = False
    mediator: str | None = None
    mediated: bool | None = None
    written: bool | None = None
    fixed_term: bool | None = None
    ceasefire_class: int | None = None
    enforcement: tuple[int, ...] | None = None
    purposes: tuple[str, ...] = ()
    since: int | None = None
    until: int | None = None
    exact_dates_only: bool = False
    include_never_in_effect: bool = False
    unknown_endings: UnknownEndings = "exclude"
    min_term_days: float | None = None

    def __post_init__(self) -> None:
        unknown = [p for p in self.purposes if p not in PURPOSES]
        if unknown:
            raise UserError(
                f"unknown purpose {', '.join(unknown)}; expected one of {', '.join(PURPOSES)}"
            )
        if self.unknown_endings not in ("exclude", "breakdown", "censor"):
            raise UserError(
                "unknown_endings must be exclude, breakdown or censor, "
                f"not {self.unknown_endings!r}"
            )
        if self.min_term_days is not None and not self.min_term_days >= 0:
            raise UserError(f"min_term_days must be >= 0, not {self.min_term_days!r}")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise UserError(f"since ({self.since}) is after until ({self.until})")

    def describe(self) -> str:
        """The filter in words, e.g. "country contains 'Syria', mediator contains 'Russia'"."""
        parts: list[str] = []
        if self.country is not None:
            verb = "is" if self.country_exact else "contains"
            parts.append(f"country {verb} {self.country!r}")
        if self.mediator is not None:
            parts.append(f"mediator contains {self.mediator!r}")
        if self.mediated is not None:
            parts.append("mediated" if self.mediated else "not mediated")
        if self.written is not None:
            parts.append("written" if self.written else "not written")
        if self.fixed_term is not None:
            parts.append("fixed-term" if self.fixed_term else "open-ended")
        if self.ceasefire_class is not None:
            parts.append(f"ceasefire_class = {self.ceasefire_class}")
        if self.enforcement is not None:
            parts.append(f"enforcement in {list(self.enforcement)}")
        parts.extend(f"purpose {p}" for p in self.purposes)
        if self.since is not None:
            parts.append(f"from {self.since}")
        if self.until is not None:
            parts.append(f"until {self.until}")
        if self.exact_dates_only:
            parts.append("exact dates only")
        if self.include_never_in_effect:
            parts.append("never-in-effect counted as day-0 breakdowns")
        if self.unknown_endings != "exclude":
            parts.append(f"unclear endings counted as {self.unknown_endings}")
        if self.min_term_days is not None:
            parts.append(f"open-ended or a term of at least {self.min_term_days:g} days")
        return ", ".join(parts) if parts else "all ceasefires"

    def as_dict(self) -> dict[str, Any]:
        """The filter's fields as plain JSON-ready values."""
        out = dataclasses.asdict(self)
        for key in ("enforcement", "purposes"):
            if out[key] is not None:
                out[key] = list(out[key])
        return out

    def matches(self, table: pd.DataFrame) -> pd.Series:
        """Boolean mask over `table` of the ceasefires the substantive criteria select."""
        mask = pd.Series(True, index=table.index)
        if self.country is not None:
            names = table["country"].str.casefold()
            wanted = self.country.casefold()
            mask &= (
                names == wanted if self.country_exact else names.str.contains(wanted, regex=False)
            )
        if self.mediator is not None:
            mask &= (
                table["mediators"]
                .str.casefold()
                .str.contains(self.mediator.casefold(), regex=False)
            )
        if self.mediated is not None:
            mask &= table["mediated"] == (1 if self.mediated else 0)
        if self.written is not None:
            mask &= table["written"].isin(WRITTEN_CODES[self.written])
        if self.fixed_term is not None:
            mask &= table["fixed"].isin(FIXED_CODES[self.fixed_term])
        if self.ceasefire_class is not None:
            mask &= table["ceasefire_class"] == self.ceasefire_class
        if self.enforcement is not None:
            mask &= table["enforcement"].isin(self.enforcement)
        for purpose in self.purposes:
            mask &= table[f"p_{purpose}"] == 1
        years = table["year"]
        if self.since is not None:
            mask &= (years >= self.since).fillna(False).astype(bool)
        if self.until is not None:
            mask &= (years <= self.until).fillna(False).astype(bool)
        if self.exact_dates_only:
            mask &= (table["start_day_imputed"] == 0) & (table["end_day_imputed"] == 0)
        if self.min_term_days is not None:
            mask &= table["fixed"].eq(0) | (
                table["fixed"].eq(1) & (term_days(table) >= self.min_term_days)
            )
        return mask


def term_days(table: pd.DataFrame) -> pd.Series:
    """Stated term in days (`fixed_time`); NaN where it is text or unclear (-1)."""
    term = pd.to_numeric(table["fixed_time"], errors="coerce")
    return term.where(term >= 0)


@dataclass
class ReferenceClass:
    """The ceasefires of a reference class, ready for survival analysis.

    Attributes:
        filter: the filter that selected them.
        sample: rows used in the estimate, with float `duration_days` and `event`
            (1.0 breakdown, 0.0 censored) after the filter's sensitivity choices.
        excluded: counts of matched ceasefires left out, by reason.
    """

    filter: ReferenceFilter
    sample: pd.DataFrame
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def durations_days(self) -> np.ndarray:
        """Durations in days."""
        return self.sample["duration_days"].to_numpy(dtype=float)

    @property
    def durations_h(self) -> np.ndarray:
        """Durations in hours (days * 24), the simulator's unit."""
        return self.durations_days * HOURS_PER_DAY

    @property
    def events(self) -> np.ndarray:
        """True where the ceasefire broke down (False: right-censored)."""
        return self.sample["event"].to_numpy(dtype=float) == 1.0

    def counts(self) -> dict[str, Any]:
        """n, events, censored, censored by reason and exclusions."""
        events = int(self.events.sum())
        censored = self.sample.loc[self.sample["event"] == 0.0, "outcome"]
        by_reason = {reason: int((censored == reason).sum()) for reason in CENSOR_REASONS}
        # Sensitivity choices may censor other outcomes (unclear endings).
        for reason, count in censored.value_counts().sort_index().items():
            by_reason.setdefault(str(reason), int(count))
        return {
            "n": len(self.sample),
            "events": events,
            "censored": len(self.sample) - events,
            "censored_by_reason": by_reason,
            "excluded_by_reason": dict(self.excluded),
        }


def reference_class(
    filt: ReferenceFilter | None = None, table: pd.DataFrame | None = None
) -> ReferenceClass:
    """Select the reference class.

    Args:
        filt: the filter (None: all ceasefires).
        table: the table to select from (None: the shipped one); tests pass a
            hand-made table with the same columns.

    Returns:
        The reference class.

    Raises:
        UserError: if no usable ceasefire matches, naming the filter.
    """
    filt = filt or ReferenceFilter()
    table = load_reference_table() if table is None else table.copy()
    matched = table.loc[filt.matches(table)].copy()
    if matched.empty:
        raise UserError(_no_match_message(filt, table))

    has_duration = matched["duration_days"].notna()
    usable = matched["included"] == 1
    if filt.include_never_in_effect:
        extra = (matched["exclusion"] == "never_in_effect") & has_duration
        matched.loc[extra, "event"] = 1.0
        usable |= extra
    if filt.unknown_endings != "exclude":
        extra = (matched["exclusion"] == "ending_unknown") & has_duration
        matched.loc[extra, "event"] = 1.0 if filt.unknown_endings == "breakdown" else 0.0
        usable |= extra
    left_out = matched.loc[~usable, "exclusion"].replace("", "other")
    excluded = {str(k): int(v) for k, v in left_out.value_counts().sort_index().items()}
    sample = matched.loc[usable].reset_index(drop=True)
    if sample.empty:
        reasons = ", ".join(f"{k} {v}" for k, v in excluded.items())
        raise UserError(
            f"the reference class ({filt.describe()}) matches {len(matched)} ceasefire(s) "
            f"but none can be used for survival ({reasons}); widen the filter"
        )
    return ReferenceClass(filter=filt, sample=sample, excluded=excluded)


def left_out_lines(excluded: dict[str, int]) -> list[str]:
    """The "Left out: N (reason n, ...)" line, or none when nothing was left out."""
    if not excluded:
        return []
    reasons = ", ".join(f"{k} {v}" for k, v in excluded.items())
    return [f"Left out: {sum(excluded.values())}  ({reasons})"]


def _no_match_message(filt: ReferenceFilter, table: pd.DataFrame) -> str:
    message = f"no ceasefire in the ETH/PRIO reference class matches: {filt.describe()}"
    hints = []
    if filt.country is not None:
        countries = sorted(set(table["country"]))
        close = difflib.get_close_matches(filt.country, countries, n=3, cutoff=0.6)
        if close:
            hints.append(f"countries with similar names: {', '.join(close)}")
        elif not filt.country_exact or filt.country.casefold() not in {
            c.casefold() for c in countries
        }:
            hints.append(f"{len(countries)} countries are covered, e.g. {', '.join(countries[:5])}")
    if filt.mediator is not None:
        # Cells hold raw comma-separated lists, joined with "; " across actor rows.
        names = sorted(
            {n.strip() for cell in table["mediators"] for n in cell.replace(";", ",").split(",")}
            - {""}
        )
        close = difflib.get_close_matches(filt.mediator, names, n=3, cutoff=0.6)
        if close:
            hints.append(f"mediators with similar names: {', '.join(close)}")
    return message + (f" ({'; '.join(hints)})" if hints else "")


# --------------------------------------------------------------------------- estimates
