"""The empirical reference class: how long real ceasefires lasted.

A simulated survival curve means more beside what real ceasefires did. This module
loads the table derived from the ETH/PRIO Civil Conflict Ceasefire Dataset
(`sim/data/reference_ceasefires.csv`, one row per ceasefire, 1989-2020; how it was
derived and coded is in `sim/data/reference_ceasefires.md`), selects a reference
class with `ReferenceFilter`, and estimates its survival with the Kaplan-Meier
estimator (lifelines), treating expiries, replacements and ceasefires still in
force as right-censored rather than as failures.

Durations in the table are whole calendar days (end date minus start date: 0 means
it ended the day it took effect). The simulator works in hours, so the API also
gives hours (days * 24); a day-resolution duration of d days means the truce ended
somewhere between about d - 1 and d + 1 days after it started.

Typical use::

    ref = reference_class(ReferenceFilter(country="Syria", mediator="Russia"))
    summary = summarize(ref)                      # counts, median, shares, KM table
    result = compare_with_simulated(ref, runs.duration_h, runs.collapsed)
    plot_reference(ax, ref, label="Real ceasefires: Syria, Russia mediating")
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.stats import km as _km
from sim.stats.twosample import logrank, survival_difference

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

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


def fit_km(
    durations: Sequence[float] | np.ndarray, events: Sequence[bool] | np.ndarray, label: str
):
    """Fit a lifelines KaplanMeierFitter with 95% (log-log) confidence intervals."""
    return _km.fit_km(durations, events, label=label, level=1 - ALPHA)


def survival_at(kmf, t: float) -> tuple[float, float, float]:
    """S(t) with its 95% confidence interval (low, high).

    lifelines' log-log interval as it is, even where it collapses to a point (S = 1
    before the first breakdown): the reference-class tables have always shown it so.
    """
    est = _km.survival_at(kmf, t, exact_if_degenerate=False)
    return est.estimate, float(est.low), float(est.high)


def median_with_ci(kmf) -> dict[str, float | None]:
    """Median survival time and its 95% CI; None where not reached (or unbounded)."""
    estimate, low, high = _km.median_with_ci(kmf)
    return {"estimate": estimate, "ci_low": low, "ci_high": high}


greenwood_variance = _km.greenwood_variance


def summarize(
    ref: ReferenceClass,
    share_days: Sequence[float] = DEFAULT_SHARE_DAYS,
    km_days: Sequence[float] = DEFAULT_KM_DAYS,
) -> dict[str, Any]:
    """Kaplan-Meier summary of a reference class, JSON-ready.

    Args:
        ref: the reference class.
        share_days: times (days) at which to give the share that broke down, 1 - S(t).
        km_days: times (days) for the KM table.

    Returns:
        {"filter", "filter_text", counts (n, events, censored, censored_by_reason,
        excluded_by_reason), "median_days" and "median_hours" ({estimate, ci_low,
        ci_high}, None = not reached), "ending_within" ([{days, hours, share, ci_low,
        ci_high}]), "survival" ([{days, hours, survival, ci_low, ci_high, at_risk}])}.
    """
    kmf = fit_km(ref.durations_days, ref.events, "reference")
    median = median_with_ci(kmf)
    shares = []
    for t in share_days:
        s, low, high = survival_at(kmf, t)
        shares.append(
            {
                "days": float(t),
                "hours": float(t) * HOURS_PER_DAY,
                "share": 1.0 - s,
                "ci_low": 1.0 - high,
                "ci_high": 1.0 - low,
            }
        )
    durations = ref.durations_days
    km_rows = []
    for t in km_days:
        s, low, high = survival_at(kmf, t)
        km_rows.append(
            {
                "days": float(t),
                "hours": float(t) * HOURS_PER_DAY,
                "survival": s,
                "ci_low": low,
                "ci_high": high,
                # at risk just after t: still observed beyond it
                "at_risk": _km.number_at_risk(durations, t),
            }
        )
    return {
        "filter": ref.filter.as_dict(),
        "filter_text": ref.filter.describe(),
        **ref.counts(),
        "median_days": median,
        "median_hours": {k: (None if v is None else v * HOURS_PER_DAY) for k, v in median.items()},
        "ending_within": shares,
        "survival": km_rows,
        "notes": [
            "Breakdowns are events; expiries, replacements and ceasefires still in "
            "force are right-censored at their end (or at 2020-12-31).",
            "Durations are whole calendar days from the effect date; 'within 1 day' "
            "means it ended the day it took effect or the next day.",
        ],
    }


def compare_with_simulated(
    reference: ReferenceClass,
    durations_h: Sequence[float] | np.ndarray | pd.Series,
    collapsed: Sequence[bool] | np.ndarray | pd.Series,
    horizon_h: float = SIM_HORIZON_H,
) -> dict[str, Any]:
    """Compare a reference class with simulated runs over the simulation's horizon.

    Simulated runs are right-censored at the horizon (336 h for the two-week Daraa
    truce), so nothing is known about them after it. To compare like with like the
    reference durations (converted to hours) are censored at the same horizon before
    the two-sample log-rank test: a real ceasefire that lasted past two weeks
    counts as "survived the horizon", whatever happened to it later.

    Args:
        reference: the reference class.
        durations_h: simulated durations in hours (`runs.parquet` `duration_h`).
        collapsed: whether each run collapsed (`collapsed`; False = censored).
        horizon_h: the simulation's horizon in hours.

    Returns:
        {"horizon_h", "n_reference", "n_simulated", "events_reference",
        "events_simulated", "logrank": {"statistic", "p_value"}, "survival_at_horizon":
        {"reference": {estimate, ci_low, ci_high}, "simulated": {...},
        "difference": {estimate, ci_low, ci_high}} (reference minus simulated,
        normal approximation with Greenwood variances), "statement", "note"}.
    """
    sim_t = np.asarray(durations_h, dtype=float)
    sim_e = np.asarray(collapsed, dtype=bool)
    if sim_t.size == 0 or sim_t.shape != sim_e.shape:
        raise UserError(
            "simulated durations and collapsed flags must be non-empty and of equal length"
        )
    ref_t_full = reference.durations_h
    ref_e = reference.events & (ref_t_full <= horizon_h)
    ref_t = np.minimum(ref_t_full, horizon_h)
    sim_e = sim_e & (sim_t <= horizon_h)
    sim_t = np.minimum(sim_t, horizon_h)

    test = logrank(ref_t, ref_e, sim_t, sim_e)
    km_ref = fit_km(ref_t, ref_e, "reference")
    km_sim = fit_km(sim_t, sim_e, "simulated")
    s_ref = survival_at(km_ref, horizon_h)
    s_sim = survival_at(km_sim, horizon_h)
    # Reference minus simulated, within [-1, 1].
    diff = survival_difference(
        s_sim[0],
        greenwood_variance(km_sim, horizon_h),
        s_ref[0],
        greenwood_variance(km_ref, horizon_h),
        level=1 - ALPHA,
    )
    p_value = test.p_value
    result = {
        "horizon_h": float(horizon_h),
        "n_reference": int(ref_t.size),
        "n_simulated": int(sim_t.size),
        "events_reference": int(ref_e.sum()),
        "events_simulated": int(sim_e.sum()),
        "logrank": {"statistic": test.statistic, "p_value": p_value},
        "survival_at_horizon": {
            "reference": dict(zip(("estimate", "ci_low", "ci_high"), s_ref, strict=True)),
            "simulated": dict(zip(("estimate", "ci_low", "ci_high"), s_sim, strict=True)),
            "difference": {
                "estimate": diff.estimate,
                "ci_low": diff.low,
                "ci_high": diff.high,
            },
        },
        "note": (
            f"Reference durations converted to hours (days * 24) and censored at the "
            f"simulated horizon ({horizon_h:g} h) before testing; the comparison covers "
            f"only the first {horizon_h / HOURS_PER_DAY:g} days. Reference durations have "
            f"one-day resolution."
        ),
    }
    result["statement"] = _plain_statement(result, reference.filter.describe())
    return result


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _plain_statement(result: dict[str, Any], what: str) -> str:
    surv = result["survival_at_horizon"]
    ref, sim, diff = surv["reference"], surv["simulated"], surv["difference"]
    days = result["horizon_h"] / HOURS_PER_DAY
    p = result["logrank"]["p_value"]
    p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    # The log-rank test weighs the whole horizon, the difference only its end, so
    # they can disagree when the curves cross or one sample has few breakdowns.
    if p < ALPHA:
        verdict = (
            f"over the whole {days:g} days the log-rank test says the curves differ ({p_text})"
        )
    else:
        verdict = (
            f"over the whole {days:g} days the log-rank test finds no clear difference ({p_text})"
        )
    direction = "higher" if diff["estimate"] >= 0 else "lower"
    return (
        f"Real ceasefires ({what}) survived {days:g} days in {_pct(ref['estimate'])} "
        f"of cases (95% CI {_pct(ref['ci_low'])}-{_pct(ref['ci_high'])}), the simulated "
        f"truce in {_pct(sim['estimate'])} ({_pct(sim['ci_low'])}-{_pct(sim['ci_high'])}): "
        f"the real share is {abs(100 * diff['estimate']):.0f} points {direction} "
        f"(95% CI {100 * diff['ci_low']:+.0f} to {100 * diff['ci_high']:+.0f}), and {verdict}."
    )


# --------------------------------------------------------------------------- plotting


def plot_reference(
    ax: Axes,
    reference: ReferenceClass,
    label: str | None = None,
    in_hours: bool = True,
    max_time: float | None = None,
    color: str = "0.35",
) -> Axes:
    """Draw the reference class's KM curve with its 95% CI band, dashed and grey.

    Meant to be overlaid on simulated survival curves, so it draws only the step
    curve and the band and leaves axes labels and limits to the caller.

    Args:
        ax: matplotlib axes to draw on.
        reference: the reference class.
        label: legend label (default: "Real ceasefires (<filter>), n=<n>").
        in_hours: x in hours (the simulator's unit) rather than days.
        max_time: cut the curve at this time, in the x unit (e.g. 336 h).
        color: line and band colour.

    Returns:
        The axes.
    """
    kmf = fit_km(reference.durations_days, reference.events, "reference")
    scale = HOURS_PER_DAY if in_hours else 1.0
    sf = kmf.survival_function_
    ci = kmf.confidence_interval_survival_function_
    times = sf.index.to_numpy(dtype=float) * scale
    surv = sf.iloc[:, 0].to_numpy(dtype=float)
    low = ci.iloc[:, 0].to_numpy(dtype=float)
    high = ci.iloc[:, 1].to_numpy(dtype=float)
    # Beyond the longest ceasefire observed nobody is at risk and the curve is unknown:
    # stop it there (and say so) rather than draw a flat line to the edge of the plot.
    last_at_risk = float(np.max(reference.durations_days)) * scale if len(times) else 0.0
    stops_early = max_time is None or last_at_risk < max_time
    if stops_early:
        max_time = last_at_risk
    if max_time is not None:
        keep = times <= max_time
        end_vals = (
            surv[keep][-1] if keep.any() else 1.0,
            low[keep][-1] if keep.any() else 1.0,
            high[keep][-1] if keep.any() else 1.0,
        )
        times = np.append(times[keep], max_time)
        surv = np.append(surv[keep], end_vals[0])
        low = np.append(low[keep], end_vals[1])
        high = np.append(high[keep], end_vals[2])
    if label is None:
        label = f"Real ceasefires ({reference.filter.describe()}), n={len(reference.sample)}"
    ax.step(times, surv, where="post", linestyle="--", color=color, label=label)
    ax.fill_between(times, low, high, step="post", color=color, alpha=0.15, linewidth=0)
    if stops_early and len(times):
        unit = "h" if in_hours else "days"
        ax.plot(times[-1], surv[-1], marker="|", markersize=10, color=color)
        ax.annotate(
            f"none left at risk after {times[-1]:.0f} {unit}",
            (times[-1], surv[-1]),
            xytext=(4, 6),
            textcoords="offset points",
            fontsize=7,
            color=color,
        )
    return ax
