"""The reference class read as competing risks, on terms like the simulated truce's.

Issue 14 item 4: real truces compared with simulated ones on like terms. The ETH/PRIO
class is restricted (by default) to ceasefires whose stated term is at least seven
days or open-ended, so one-day humanitarian pauses that end by expiry do not fill
it, and its three endings (breakdown, replacement by another agreement, expiry of
the term) are competing risks: the Aalen-Johansen cumulative incidence of each
(`sim.stats.competing`), ceasefires still in force right-censored. The number at
risk is given beside every figure. Ceasefires whose ending the dataset leaves
unclear are counted, and the effect of counting the dated ones as breakdowns or as
censored is measured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.evidence.distribution import ENDINGS
from sim.reference import (
    ReferenceClass,
    ReferenceFilter,
    left_out_lines,
    load_reference_table,
    reference_class,
)
from sim.stats.competing import CumulativeIncidence, cumulative_incidence
from sim.stats.km import fit_km, survival_at

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

REPORT_DAYS: tuple[float, ...] = (1.0, 3.0, 7.0, 14.0, 30.0, 90.0, 365.0)
PLOT_DAYS = 90.0
AT_RISK_TICKS: tuple[float, ...] = (0.0, 7.0, 14.0, 30.0, 60.0, 90.0)
COLOURS = {"breakdown": "#c0392b", "replaced": "#2471a3", "expired": "#7d8c8d"}


def endings_of(ref: ReferenceClass) -> list[str | None]:
    """Each ceasefire's ending, None where censored (in force, or unclear counted censored).

    Sensitivity choices that count unclear endings or never-in-effect ceasefires as
    breakdowns (event 1) make them breakdowns here too.
    """
    out: list[str | None] = []
    for outcome, event in zip(ref.sample["outcome"], ref.sample["event"], strict=True):
        if outcome in ENDINGS:
            out.append(outcome)
        else:
            out.append("breakdown" if event == 1.0 else None)
    return out


def fit_competing(ref: ReferenceClass, level: float = 0.95) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of each ending, in days."""
    return cumulative_incidence(ref.durations_days, endings_of(ref), ENDINGS, level)


def _unknown_endings(filt: ReferenceFilter, table: pd.DataFrame) -> dict[str, Any]:
    matched = table.loc[dataclasses.replace(filt, unknown_endings="exclude").matches(table)]
    unknown = matched[matched["exclusion"] == "ending_unknown"]
    return {
        "n": len(unknown),
        "with_dates": int(unknown["duration_days"].notna().sum()),
        "open_ended": int((unknown["fixed"] == 0).sum()),
        "fixed_term": int((unknown["fixed"] == 1).sum()),
        "since_2019": int((unknown["year"] >= 2019).fillna(False).sum()),
    }


def _bound(filt: ReferenceFilter, how: str, days: Sequence[float]) -> dict[str, Any] | None:
    """Breakdown incidence with dated unclear endings counted as `how`."""
    ref = reference_class(dataclasses.replace(filt, unknown_endings=how))
    cif = fit_competing(ref)
    return {
        "n": len(ref.sample),
        "breakdown": {f"{d:g}": cif.at("breakdown", d).estimate for d in days},
    }


def summarize_competing(
    filt: ReferenceFilter,
    times_days: Sequence[float] = REPORT_DAYS,
    level: float = 0.95,
) -> dict[str, Any]:
    """Cumulative incidence of every ending of a reference class, JSON-ready.

    Returns:
        {"filter", "filter_text", "n", "counts" (per ending, censored), "excluded_by_reason",
        "term_unclear" (left out by the term restriction because the term is unclear),
        "table" ([{days, at_risk, <ending>: {estimate, low, high}, "km_breakdown":
        {estimate, low, high}}]), "unknown_endings" (counts and the bounds), "notes"}.
    """
    table = load_reference_table()
    ref = reference_class(filt, table)
    cif = fit_competing(ref, level)
    km = fit_km(ref.durations_days, np.array(endings_of(ref)) == "breakdown", level=level)
    rows = []
    for row in cif.table(times_days):
        s = survival_at(km, float(row["time"]), exact_if_degenerate=False)
        row["km_breakdown"] = {
            "estimate": 1.0 - s.estimate,
            "low": None if s.high is None else 1.0 - s.high,
            "high": None if s.low is None else 1.0 - s.low,
        }
        row["days"] = row.pop("time")
        rows.append(row)
    term_unclear = 0
    if filt.min_term_days is not None:
        wider = dataclasses.replace(filt, min_term_days=None).matches(table)
        narrow = filt.matches(table)
        unclear_term = (
            ~table["fixed"].isin((0, 1))
            | (table["fixed"].eq(1) & pd.to_numeric(table["fixed_time"], errors="coerce").lt(0))
            | (table["fixed"].eq(1) & pd.to_numeric(table["fixed_time"], errors="coerce").isna())
        )
        term_unclear = int((wider & ~narrow & unclear_term & (table["included"] == 1)).sum())
    unknown = _unknown_endings(filt, table)
    bounds_days = [d for d in (14.0, 90.0) if d in times_days] or [float(times_days[-1])]
    if unknown["with_dates"]:
        unknown["if_breakdown"] = _bound(filt, "breakdown", bounds_days)
        unknown["if_censored"] = _bound(filt, "censor", bounds_days)
    unknown["breakdown_by_term"] = _by_term(filt, bounds_days[0])
    unknown["statement"] = _unknown_statement(unknown, cif, bounds_days)
    return {
        "filter": filt.as_dict(),
        "filter_text": filt.describe(),
        "n": cif.n,
        "counts": cif.counts(),
        "excluded_by_reason": dict(ref.excluded),
        "term_unclear": term_unclear,
        "level": level,
        "table": rows,
        "unknown_endings": unknown,
        "notes": [
            "Cumulative incidence (Aalen-Johansen, lifelines): the share of the class that "
            "had ended that way by day t; the three endings compete, ceasefires still in force "
            "at 2020-12-31 are right-censored.",
            "km_breakdown is 1 - Kaplan-Meier with replacement and expiry censored, the "
            "reading of `ceasefire reference` without --competing: the chance of breakdown "
            "had nothing else ended the truce, always at least the cumulative incidence.",
            "at_risk: ceasefires still observed just after day t.",
        ],
    }


def _by_term(filt: ReferenceFilter, day: float) -> dict[str, float | None]:
    """Breakdown incidence by `day` among the open-ended and the fixed-term of the class."""
    from sim.errors import UserError

    out: dict[str, float | None] = {}
    for name, fixed in (("open_ended", False), ("fixed_term", True)):
        try:
            ref = reference_class(dataclasses.replace(filt, fixed_term=fixed))
        except UserError:
            out[name] = None
            continue
        out[name] = fit_competing(ref).at("breakdown", day).estimate
    return out


def _unknown_statement(unknown: dict[str, Any], cif: CumulativeIncidence, days: list[float]):
    if unknown["n"] == 0:
        return "No ceasefire of this class has an unclear ending."
    d = days[0]
    text = (
        f"{unknown['n']} ceasefires of this class have an unclear ending and are left out "
        f"({unknown['open_ended']} open-ended, {unknown['fixed_term']} fixed-term; "
        f"{unknown['since_2019']} from 2019-2020); {unknown['with_dates']} of them have dates. "
    )
    if unknown["with_dates"]:
        hi = unknown["if_breakdown"]["breakdown"][f"{d:g}"]
        lo = unknown["if_censored"]["breakdown"][f"{d:g}"]
        text += (
            f"Counting those as breakdowns puts breakdown by day {d:g} at {100 * hi:.1f}%, "
            f"as censored at {100 * lo:.1f}% (here {100 * cif.at('breakdown', d).estimate:.1f}%). "
        )
    text += "The undated ones cannot be placed. "
    by_term = unknown["breakdown_by_term"]
    mostly_open = unknown["open_ended"] > unknown["fixed_term"]
    if mostly_open and None not in by_term.values():
        more = by_term["open_ended"] > by_term["fixed_term"]
        text += (
            f"Most are open-ended; in this class open-ended ceasefires broke down by day {d:g} "
            f"in {100 * by_term['open_ended']:.1f}% of cases and fixed-term ones in "
            f"{100 * by_term['fixed_term']:.1f}%, so leaving them out more likely "
            f"{'understates' if more else 'overstates'} breakdown than "
            f"{'overstates' if more else 'understates'} it; but a ceasefire whose end went "
            "unrecorded may also simply have faded, so the direction is not certain."
        )
    else:
        text += "Their likely effect on the estimate cannot be told from the data."
    return text


def format_competing(summary: dict[str, Any]) -> str:
    """The competing-risks summary as text, the number at risk on every row."""
    counts = summary["counts"]
    level = round(100 * summary["level"])
    lines = [
        f"Reference class: {summary['filter_text']}",
        "Source: ETH/PRIO Civil Conflict Ceasefire Dataset, ceasefires 1989-2020",
        "Endings as competing risks (Aalen-Johansen cumulative incidence)",
        "",
        f"Ceasefires used: {summary['n']}  ("
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + ")",
    ]
    lines += left_out_lines(summary["excluded_by_reason"])
    if summary["term_unclear"]:
        lines.append(
            f"Left out because the term or its length is unclear: {summary['term_unclear']}"
        )
    lines += [
        "",
        f"Share ended by day t, {level}% CI (number at risk just after day t):",
        "      days  at risk   breakdown             replaced              expired"
        "               1-KM breakdown",
    ]
    for row in summary["table"]:
        cells = [_cell(row[e]) for e in (*ENDINGS, "km_breakdown")]
        lines.append(f"  {row['days']:>8g}  {row['at_risk']:>7d}   " + "  ".join(cells))
    lines += ["", "Unclear endings: " + summary["unknown_endings"]["statement"], ""]
    lines += [f"Note: {note}" for note in summary["notes"]]
    return "\n".join(lines)


def _cell(value: dict[str, Any]) -> str:
    est = f"{100 * value['estimate']:5.1f}%"
    if value["low"] is None or value["high"] is None:
        return f"{est} (no CI)        "
    return f"{est} ({100 * value['low']:4.1f}-{100 * value['high']:4.1f})"


def plot_competing(ref: ReferenceClass, max_days: float = PLOT_DAYS) -> Figure:
    """Cumulative incidence curves with CI bands, an at-risk table under the axis."""
    import matplotlib.pyplot as plt

    cif = fit_competing(ref)
    fig, (ax, table_ax) = plt.subplots(
        2, 1, figsize=(7.5, 5.2), gridspec_kw={"height_ratios": [5, 1]}, sharex=True
    )
    for ending in ENDINGS:
        curve = cif.curve(ending)
        curve = curve[curve.index <= max_days]
        times = np.append(curve.index.to_numpy(float), max_days)
        est = np.append(curve["estimate"].to_numpy(float), curve["estimate"].iloc[-1])
        low = np.append(curve["low"].to_numpy(float), curve["low"].iloc[-1])
        high = np.append(curve["high"].to_numpy(float), curve["high"].iloc[-1])
        colour = COLOURS[ending]
        label = f"{ending} ({int(np.sum(cif.ending_of == ending))})"
        ax.step(times, est, where="post", color=colour, label=label)
        ax.fill_between(
            times, np.nan_to_num(low), np.nan_to_num(high), step="post", color=colour,
            alpha=0.15, linewidth=0,
        )  # fmt: skip
    ax.axvline(14, color="0.7", linewidth=0.8)
    ax.set_ylabel("share ended that way (cumulative incidence)")
    ax.set_ylim(0, 1)
    ax.set_xlim(0, max_days)
    ax.set_title(f"Real ceasefires: {ref.filter.describe()} (n={cif.n})", fontsize=9)
    ax.legend(loc="upper left", fontsize=8, title="ending (events)", title_fontsize=8)
    table_ax.set_xlim(0, max_days)
    table_ax.set_ylim(0, 1)
    table_ax.set_yticks([])
    for side in ("top", "right", "left"):
        table_ax.spines[side].set_visible(False)
    table_ax.text(0, 0.75, "at risk", fontsize=8, ha="left", transform=table_ax.transAxes)
    for t in AT_RISK_TICKS:
        if t <= max_days:
            table_ax.text(t, 0.3, str(cif.at_risk(t)), ha="center", fontsize=8)
    table_ax.set_xticks([t for t in AT_RISK_TICKS if t <= max_days])
    table_ax.set_xlabel("days since the ceasefire took effect")
    fig.tight_layout()
    return fig
