"""Tables in plain text and the self-contained HTML report.

The report is a list of `Section` objects rendered in order, each with a stable
`id` (``question``, ``scenario``, ``survival``, ``comparisons``, ``breakdown``,
``figures``, ``reproduce``). Later analyses (sensitivity, sweeps, a reference
class) add their own sections by passing `extra_sections` to `write_report`, or
by building the list with `build_sections` and rendering it with `render_html`.
"""

from __future__ import annotations

import base64
import html
import json
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.analysis.compare import MeanEstimate, Share, format_p
from sim.analysis.style import actor_name, actors, cause_name
from sim.analysis.survival import ENDPOINT_TITLES, SurvivalAnalysis, VariantSurvival
from sim.analysis.verdict import GLOSSARY, made_with, title_suffix, verdict

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis
    from sim.analysis.reference_overlay import ReferenceOverlay

QUESTION = "How long does the truce hold, and would another mediator do better?"
REPORT_FILE = "report.html"

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


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned plain-text table: first column left, the others right."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


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


# --------------------------------------------------------------------------- HTML


@dataclass(frozen=True)
class Section:
    """One section of the HTML report.

    Attributes:
        id: Stable HTML id (tests and links rely on it).
        title: Heading shown to the reader.
        html: Body, already-escaped HTML.
    """

    id: str
    title: str
    html: str

    def render(self) -> str:
        """The section as an HTML <section>."""
        return (
            f'<section id="{html.escape(self.id)}">\n<h2>{html.escape(self.title)}</h2>\n'
            f"{self.html}\n</section>"
        )


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An escaped HTML table, numbers right-aligned by CSS."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _file_block(title: str, entry: dict[str, Any]) -> str:
    parts = [f"<h3>{html.escape(title)}</h3>", "<dl>"]
    for key in ("name", "path", "sha256"):
        if entry.get(key) is not None:
            parts.append(f"<dt>{key}</dt><dd><code>{html.escape(str(entry[key]))}</code></dd>")
    parts.append("</dl>")
    if entry.get("text"):
        parts.append(
            "<details><summary>File contents</summary>"
            f"<pre>{html.escape(str(entry['text']))}</pre></details>"
        )
    return "\n".join(parts)


def answer_section(analysis: BatchAnalysis) -> Section:
    """The verdict a reader came for, then why, then the caveats: before any path or hash."""
    body = "\n".join(_p(p) for p in verdict(analysis))
    return Section("answer", "The answer", body)


def glossary_section() -> Section:
    """Each technical term of the report in a sentence."""
    items = "".join(
        f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>"
        for term, text in GLOSSARY.items()
    )
    return Section("glossary", "Glossary", f"<dl>{items}</dl>")


def question_section(analysis: BatchAnalysis) -> Section:
    """The question and the headline answer per variant."""
    items = []
    for result in analysis.survival:
        item = result.p_survive_horizon
        items.append(
            f"<li><b>{html.escape(result.variant)}</b>: the truce holds the "
            f"{result.horizon_h / 24:g} days in {fmt_pct(item.p, item.lower, item.upper)} "
            f"of {result.n:,} runs; on average it holds {result.rmst_h:.0f} of the "
            f"{result.horizon_h:g} hours (restricted mean); median time to collapse "
            f"{html.escape(fmt_median(result))} (see the caveat above).</li>"
        )
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in analysis.notes)
    body = f'<p class="question">{html.escape(QUESTION)}</p><ul>{"".join(items)}</ul>{notes}'
    return Section("question", "The question", body)


def scenario_section(analysis: BatchAnalysis) -> Section:
    """Scenario, mediator files and variants, from the manifest."""
    manifest = analysis.batch.manifest
    parts = []
    if manifest.get("scenario"):
        scenario = manifest["scenario"]
        parts.append(_file_block(f"Scenario: {scenario.get('name', '')}", scenario))
    for name, entry in (manifest.get("mediators") or {}).items():
        parts.append(_file_block(f"Mediator: {name}", entry if isinstance(entry, dict) else {}))
    if manifest.get("variants"):
        batch_wide = manifest.get("overrides") or {}
        posterior = manifest.get("posterior")
        rows = [
            [
                v.get("label", ""),
                v.get("mediator", ""),
                ", ".join(v.get("overlays") or []) or "–",
                ", ".join(
                    f"{k}={x}" for k, x in {**batch_wide, **(v.get("overrides") or {})}.items()
                )
                or "–",
                (posterior.get("path", "yes") if isinstance(posterior, dict) else "yes")
                if posterior
                else "–",
            ]
            for v in manifest["variants"]
        ]
        parts.append("<h3>Variants</h3>")
        parts.append(
            html_table(["variant", "mediator", "overlays", "overrides", "posterior"], rows)
        )
        for item in made_with(manifest):
            parts.append(_p(f"Made with {item}."))
    if manifest.get("runs_per_variant"):
        parts.append(_p(f"Runs per variant: {manifest['runs_per_variant']:,}."))
    if not parts:
        parts.append(_p("No manifest: the runs table was analysed on its own."))
    return Section("scenario", "Scenario and mediators", "\n".join(parts))


def survival_section(analysis: BatchAnalysis) -> Section:
    """Survival tables for time to collapse and to first violation."""
    horizon = max(r.horizon_h for r in analysis.survival)
    parts = [
        _p(
            f"Kaplan-Meier estimates. A run in which the truce still holds at {horizon:g} h "
            f"({horizon / 24:g} days) is right-censored there. Intervals are "
            f"{analysis.level:.0%}: log-log (exponential Greenwood) for survival "
            "probabilities, from the confidence band for the median, Greenwood-type "
            "variance for the restricted mean survival time (RMST, the mean number of "
            "hours the truce holds within the horizon). A median is 'not reached' when "
            "more than half of the runs survive."
        ),
        "<h3>Time to collapse</h3>",
        html_table(*survival_table(analysis.survival)),
        "<h3>Time to first violation</h3>",
        _p("A run without any violation is censored when observation ended."),
        html_table(*survival_table(analysis.first_violation)),
    ]
    return Section("survival", "How long the truce holds", "\n".join(parts))


def comparisons_section(analysis: BatchAnalysis) -> Section:
    """A sentence and a table of tests per pair of variants."""
    parts = []
    if not analysis.comparisons:
        parts.append(
            '<p class="note">'
            + html.escape(
                "A comparison needs at least two variants; this batch has one. Run a batch "
                "with several mediators (e.g. --mediator russia --mediator turkey)."
            )
            + "</p>"
        )
    for comparison, (title, lines) in zip(
        analysis.comparisons, comparison_rows(analysis), strict=True
    ):
        parts.append(f"<h3>{html.escape(title)}</h3>")
        parts.append(_p(comparison.sentence()))
        parts.append(html_table(["comparison (test)", "result"], lines))
    if analysis.comparisons:
        parts.append(
            _p(
                "Unpaired tests treat the variants as independent samples. Paired tests use "
                "the common random numbers: run i of each variant meets the same draws for its "
                "actors' choices and the crossing (and the same parameters drawn from a "
                "posterior, if any), so outcomes are compared run by run (docs/batch.md): "
                "McNemar's exact test on surviving the horizon, Wilcoxon's signed-rank test on "
                "hours held. Hazard ratios come from a Cox model with the variant as the only "
                "covariate."
            )
        )
    return Section("comparisons", "Comparisons between variants", "\n".join(parts))


def breakdown_section(analysis: BatchAnalysis) -> Section:
    """Causes of collapse, first violators, violations per actor."""
    parts = [
        "<h3>What collapsed the truce</h3>",
        _p("Share of collapsed runs, with 95% Wilson intervals."),
        html_table(*share_table_rows(analysis.causes, _cause_names())),
        "<h3>Who violated first</h3>",
        _p("Share of runs with at least one violation."),
        html_table(
            *share_table_rows(
                analysis.breakdown.first_violator, {a: actor_name(a) for a in actors()}
            )
        ),
        "<h3>Violations per 100 truce-hours</h3>",
        _p(
            "Violations divided by the hours each truce was in force (until it collapsed, "
            "or to the horizon), so that longer truces do not seem to provoke more "
            "violations. Intervals: exact Poisson on the count (they understate the "
            "uncertainty when violations cluster, as retaliation makes them)."
        ),
        html_table(*violations_rows(analysis)),
    ]
    return Section("breakdown", "Who breaks it and what kills it", "\n".join(parts))


def figures_section(figures: Iterable[tuple[str, str, Path]]) -> Section:
    """Figures embedded as base64 PNG so the report is one file."""
    parts = []
    for name, title, path in figures:
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        parts.append(
            f'<figure id="figure-{html.escape(name)}"><img alt="{html.escape(title)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(title)}'
            "</figcaption></figure>"
        )
    if not parts:
        parts.append(_p("No figures were drawn."))
    return Section("figures", "Figures", "\n".join(parts))


def reproduce_section(analysis: BatchAnalysis) -> Section:
    """The command, seed and versions that made the batch."""
    manifest = analysis.batch.manifest
    parts = []
    if manifest.get("command"):
        parts.append(_p("The batch was made with:"))
        parts.append(f"<pre>{html.escape(str(manifest['command']))}</pre>")
    if manifest.get("seed") is not None:
        parts.append(_p(f"Seed: {manifest['seed']}."))
    if analysis.batch.path is not None:
        parts.append(_p("This report was made with:"))
        parts.append(f"<pre>ceasefire report {html.escape(str(analysis.batch.path))}</pre>")
    facts = {
        k: manifest[k]
        for k in ("runs_per_variant", "chunk_size", "n_chunks", "started", "finished", "complete")
        if k in manifest
    }
    if manifest.get("versions"):
        facts["versions"] = manifest["versions"]
    if facts:
        parts.append(
            "<details><summary>Batch details</summary>"
            f"<pre>{html.escape(json.dumps(facts, indent=2))}</pre></details>"
        )
    if not parts:
        parts.append(_p("No manifest was available."))
    return Section("reproduce", "How to reproduce", "\n".join(parts))


def endings_section(analysis: BatchAnalysis) -> Section:
    """Cumulative incidence of each ending of the first truce, and the breakdown test."""
    endings = analysis.endings
    if endings is None:
        return Section("endings", "How the first truce ended", _p("Not computed."))
    horizon = endings.horizon_h
    rows = []
    for label, cif in endings.incidence.items():
        cells = []
        for ending in cif.endings:
            est = cif.at(ending, horizon)
            cells.append(f"{100 * est.estimate:.1f}% [{_pc(est.low)}, {_pc(est.high)}]")
        rows.append((label, *cells, str(cif.n)))
    first = next(iter(endings.incidence.values()))
    parts = [
        _p(
            "Each ending's cumulative incidence is the chance the first truce had ended that "
            f"way by {horizon:g} h (Aalen-Johansen, {endings.level:.0%} intervals); the "
            "endings compete, so each is counted only where no other came first. Without a "
            "campaign a truce can only break down or hold to its term ('expired')."
        ),
        html_table(["variant", *first.endings, "runs"], rows),
    ]
    tests = [
        (
            f"{b} vs {a}",
            f"{100 * d.cif_b:.1f}% vs {100 * d.cif_a:.1f}%, difference "
            f"{100 * d.difference.estimate:+.1f} pp, p = "
            + ("n/a" if d.p_value is None else f"{d.p_value:.3g}"),
        )
        for a, b, d in endings.differences
    ]
    if tests:
        parts.append(_p(f"Breakdown by {horizon:g} h, pointwise z-test between variants:"))
        parts.append(html_table(["pair", "result"], tests))
    return Section("endings", "How the first truce ended", "\n".join(parts))


def _pc(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def build_sections(
    analysis: BatchAnalysis, figures: Iterable[tuple[str, str, Path]] = ()
) -> list[Section]:
    """The standard sections, in reading order.

    Args:
        analysis: The batch analysis.
        figures: (name, caption, PNG path) per figure to embed.

    Returns:
        answer, question, scenario, survival, comparisons, endings, breakdown, figures,
        glossary, reproduce.
    """
    return [
        answer_section(analysis),
        question_section(analysis),
        scenario_section(analysis),
        survival_section(analysis),
        comparisons_section(analysis),
        endings_section(analysis),
        breakdown_section(analysis),
        figures_section(figures),
        glossary_section(),
        reproduce_section(analysis),
    ]


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
pre { background: #f7f7f7; padding: .5rem; overflow-x: auto; font-size: .8rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
figcaption { font-size: .9rem; color: #555; }
.question { font-size: 1.2rem; font-style: italic; }
.note { background: #fff6dd; padding: .4rem .6rem; border-left: 3px solid #e0b000; }
nav a { margin-right: 1rem; }
"""


def render_html(sections: Sequence[Section], title: str = "Ceasefire batch report") -> str:
    """A complete, self-contained HTML page with a contents line and the sections."""
    nav = " ".join(f'<a href="#{html.escape(s.id)}">{html.escape(s.title)}</a>' for s in sections)
    body = "\n".join(s.render() for s in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<nav>{nav}</nav>\n{body}\n</body>\n</html>\n"
    )


def write_report(
    directory: str | Path,
    analysis: BatchAnalysis | None = None,
    *,
    extra_sections: Sequence[Section] = (),
    figures: bool = True,
    reference: ReferenceOverlay | None = None,
) -> Path:
    """Analyse a batch folder (unless given the analysis) and write DIR/report.html.

    Figures are also written to DIR/figures/ as PNG and SVG.

    Args:
        directory: The batch folder.
        analysis: An existing analysis of that folder, to avoid redoing it.
        extra_sections: Sections appended before "How to reproduce" (e.g.
            sensitivity analysis from another module).
        figures: Draw and embed the figures.
        reference: Real ceasefires to overlay on the survival figure, with their own
            section (id ``reference``) after the comparisons
            (`sim.analysis.reference_overlay.reference_overlay`).

    Returns:
        The path of the report.
    """
    from sim.analysis import analyse

    directory = Path(directory)
    if analysis is None:
        analysis = analyse(directory)
    embedded: list[tuple[str, str, Path]] = []
    if figures:
        from sim.analysis.plots import FIGURES, write_figures

        paths = write_figures(analysis, directory / "figures", reference=reference)
        by_name = {p.stem: p for p in paths if p.suffix == ".png"}
        embedded = [(s.name, s.title, by_name[s.name]) for s in FIGURES if s.name in by_name]
    sections = build_sections(analysis, embedded)
    if reference is not None:
        after = next(i for i, s in enumerate(sections) if s.id == "comparisons") + 1
        sections.insert(after, reference.section())
    sections = sections[:-1] + list(extra_sections) + sections[-1:]
    scenario = (analysis.batch.manifest.get("scenario") or {}).get("name")
    title = "Ceasefire batch report" + (f": {scenario}" if scenario else "")
    suffix = title_suffix(analysis.batch.manifest)
    if suffix:
        title += f" ({suffix})"
    from sim.results import ResultsFolder

    folder = ResultsFolder(directory)
    for figure in embedded:
        folder.note(figure[2])
    path = folder.write_text(REPORT_FILE, render_html(sections, title))
    folder.record()  # the manifest lists the report and figures with their hashes
    return path
