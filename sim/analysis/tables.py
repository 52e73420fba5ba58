"""The tables of a batch analysis: cells, rows, and everything `ceasefire compare` prints.

Each table is built once as (headers, rows) of strings and shown either as aligned text
(`sim.presentation.tables.text_table`) or as HTML (`html_table`), so the terminal and
the report always say the same.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from sim.analysis.compare import MeanEstimate, Share, format_p
from sim.analysis.style import actor_name, actors, cause_name
from sim.analysis.survival import ENDPOINT_TITLES, SurvivalAnalysis, VariantSurvival
from sim.analysis.verdict import made_with, verdict
from sim.presentation.tables import text_table

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis

# --------------------------------------------------------------------------- cells


def fmt_pct(p: float | None, lower: float | None = None, upper: float | None = None) -> str:
    """`78.0% (76.9–79.2)`; intervals in percent too."""
    if p is None:
        return "–"
    text = f"{100 * p:.1f}%"
    if lower is not None and upper is not None:
        text += f" ({100 * lower:.1f}–{100 * upper:.1f})"
    return text


def fmt_hours(hours: float | None) -> str:
    """`69 h (2.9 d)`, or `not reached`."""
    if hours is None:
        return "not reached"
    return f"{hours:.0f} h ({hours / 24:.1f} d)" if hours >= 10 else f"{hours:.1f} h"


def fmt_median(result: VariantSurvival) -> str:
    """Median with its interval; an unreached bound says so."""
    low, high = result.median_ci_h
    if result.median_h is None and low is None:
        return f"not reached [beyond {result.horizon_h:g} h]"
    bounds = (
        f"{low:.0f}–{high:.0f} h"
        if low is not None and high is not None
        else f"≥ {low:.0f} h"
        if low is not None
        else "–"
    )
    return f"{fmt_hours(result.median_h)} [{bounds}]"


def fmt_mean(estimate: MeanEstimate, digits: int = 2) -> str:
    """`1.23 (1.10–1.36)`."""
    return f"{estimate.mean:.{digits}f} ({estimate.lower:.{digits}f}–{estimate.upper:.{digits}f})"


def fmt_share(share: Share) -> str:
    """Share among its total with the Wilson interval."""
    return fmt_pct(share.share, share.lower, share.upper)


def _time_label(time_h: float) -> str:
    return f"{time_h:g} h/{time_h / 24:g} d" if time_h % 24 == 0 else f"{time_h:g} h"


# --------------------------------------------------------------------------- tables


def survival_table(survival: SurvivalAnalysis) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the survival table (shared by text and HTML)."""
    first = next(iter(survival))
    times = [item.time_h for item in first.at]
    event = "collapsed" if survival.endpoint == "collapse" else "violated"
    state = "holding" if survival.endpoint == "collapse" else "no violation"
    headers = ["variant", "runs", event]
    headers += [f"{state} at {_time_label(t)}" for t in times]
    headers += [f"RMST of {first.horizon_h:g} h", "median [95% CI]"]
    rows = []
    for result in survival:
        row = [result.variant, f"{result.n:,}", f"{result.n_events:,}"]
        row += [fmt_pct(*_ci_triple(result, t)) for t in times]
        low, high = result.rmst_ci_h
        row.append(f"{result.rmst_h:.1f} ({low:.1f}–{high:.1f})")
        row.append(fmt_median(result))
        rows.append(row)
    return headers, rows


def _ci_triple(result: VariantSurvival, time_h: float) -> tuple[float, float | None, float | None]:
    item = result.survival_at(time_h)
    return item.p, item.lower, item.upper


def share_table_rows(
    shares: dict[str, dict[str, Share]], names: dict[str, str]
) -> tuple[list[str], list[list[str]]]:
    """Categories as rows, variants as columns."""
    variants = list(shares)
    categories: list[str] = []
    for by_category in shares.values():
        categories += [c for c in by_category if c not in categories]
    headers = ["", *variants]
    rows = [[names.get(c, c)] + [fmt_share(shares[v][c]) for v in variants] for c in categories]
    totals = ["(out of)"] + [
        f"{next(iter(shares[v].values())).total:,}" if shares[v] else "0" for v in variants
    ]
    return headers, [*rows, totals]


def violations_rows(analysis: BatchAnalysis) -> tuple[list[str], list[list[str]]]:
    """Actors as rows, variants as columns: violations per 100 truce-hours with CI."""
    from sim.analysis.exposure import fmt_rate

    rates = analysis.breakdown.rates
    headers = ["", *analysis.variants]
    rows = [[actor_name(a)] + [fmt_rate(rates[v][a]) for v in analysis.variants] for a in actors()]
    return headers, rows


def comparison_rows(analysis: BatchAnalysis) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per pair: a title and (what, value) lines, naming the test behind each p-value."""
    out = []
    for c in analysis.comparisons:
        horizon = f"{c.horizon_h / 24:g} d"
        lines = [
            ("log-rank test (unpaired)", f"{format_p(c.logrank_p)} (chi² = {c.logrank_chi2:.2f})"),
        ]
        if len(analysis.comparisons) > 1:
            lines.append(("  Holm-adjusted over all pairs", format_p(c.logrank_p_adjusted)))
        if c.hazard_ratio is not None:
            low, high = c.hazard_ratio_ci
            lines.append(
                (
                    f"hazard ratio {c.b} / {c.a} (Cox)",
                    f"{c.hazard_ratio:.3f} ({low:.3f}–{high:.3f})",
                )
            )
        else:
            lines.append(
                (
                    "hazard ratio (Cox)",
                    "not estimable (no collapses in one variant, or too few runs)",
                )
            )
        lines.append(
            (
                f"held {horizon}: {c.b} − {c.a} (unpaired KM)",
                f"{100 * c.diff:+.1f} points ({100 * c.diff_ci[0]:+.1f} to "
                f"{100 * c.diff_ci[1]:+.1f})",
            )
        )
        lines.append(
            (f"mean hours held (RMST): {c.b} − {c.a}", f"{c.rmst_b_h - c.rmst_a_h:+.1f} h")
        )
        if c.paired is not None:
            p = c.paired
            lines += [
                (
                    f"paired by run ({p.n_pairs:,} pairs, same random numbers)",
                    f"held under {c.b} only: {p.survived_b_only:,}; "
                    f"under {c.a} only: {p.survived_a_only:,}",
                ),
                (
                    f"  held {horizon}, paired difference",
                    f"{100 * p.diff:+.1f} points ({100 * p.diff_ci[0]:+.1f} to "
                    f"{100 * p.diff_ci[1]:+.1f}); McNemar exact {format_p(p.mcnemar_exact_p)}",
                ),
                (
                    "  hours held, paired difference",
                    f"{p.rmst_diff_h:+.1f} h ({p.rmst_diff_ci_h[0]:+.1f} to "
                    f"{p.rmst_diff_ci_h[1]:+.1f}); Wilcoxon signed-rank "
                    + (format_p(p.wilcoxon_p) if p.wilcoxon_p is not None else "n/a (all tied)"),
                ),
            ]
        out.append((f"{c.a} vs {c.b}", lines))
    return out


# --------------------------------------------------------------------------- text


# --------------------------------------------------------------------------- text


def format_text(analysis: BatchAnalysis) -> str:
    """Everything `ceasefire compare` prints, as aligned plain text."""
    manifest = analysis.batch.manifest
    horizon = max(r.horizon_h for r in analysis.survival)
    out: list[str] = ["Answer", *(textwrap.fill(p, 100) for p in verdict(analysis)), ""]
    head = f"Batch: {analysis.batch.path}" if analysis.batch.path else "Batch (in memory)"
    scenario = (manifest.get("scenario") or {}).get("name")
    if scenario:
        head += f"   scenario: {scenario}"
    if manifest.get("seed") is not None:
        head += f"   seed: {manifest['seed']}"
    out += [head, *(f"  made with {item}" for item in made_with(manifest)), ""]
    for survival in (analysis.survival, analysis.first_violation):
        out.append(
            f"{ENDPOINT_TITLES[survival.endpoint].capitalize()} (Kaplan-Meier; runs with no event "
            f"by {horizon:g} h = {horizon / 24:g} d are censored; intervals {analysis.level:.0%})"
        )
        out += [text_table(*survival_table(survival)), ""]
    out.append("Comparisons (b against a; which test gives each p-value is named)")
    if analysis.comparisons:
        for title, lines in comparison_rows(analysis):
            out.append(f"  {title}")
            width = max(len(what) for what, _ in lines)
            out += [f"    {what.ljust(width)}  {value}" for what, value in lines]
    for note in analysis.notes:
        out.append(f"  Note: {note}")
    out.append("")
    if analysis.endings is not None:
        out += [analysis.endings.format_text(), ""]
    out.append("What collapsed the truce (share of collapsed runs, 95% Wilson CI)")
    out += [text_table(*share_table_rows(analysis.causes, _cause_names())), ""]
    out.append("Who violated first (share of runs with a violation, 95% Wilson CI)")
    out += [
        text_table(
            *share_table_rows(
                analysis.breakdown.first_violator, {a: actor_name(a) for a in actors()}
            )
        ),
        "",
    ]
    out.append(
        "Violations per 100 truce-hours by actor (hours the truce was in force; exact "
        "Poisson 95% CI)"
    )
    out.append(text_table(*violations_rows(analysis)))
    return "\n".join(out)


def _cause_names() -> dict[str, str]:
    from sim.analysis.style import causes

    return {c: cause_name(c) for c in (*causes(), "none")}
