"""The sections of the batch report, in reading order, as `Section` objects.

Each section has a stable `id` (``answer``, ``question``, ``scenario``, ``survival``,
``comparisons``, ``endings``, ``breakdown``, ``figures``, ``glossary``, ``reproduce``);
`build_sections` gives them all. The HTML machinery (tables, page, embedded figures) is
`sim.presentation`'s.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sim.analysis.compare import format_p
from sim.analysis.style import actor_name, actors
from sim.analysis.tables import (
    _cause_names,
    comparison_rows,
    fmt_median,
    fmt_pct,
    share_table_rows,
    survival_table,
    violations_rows,
)
from sim.analysis.verdict import GLOSSARY, made_with, verdict
from sim.presentation.figures import figure_html
from sim.presentation.html import Section, file_block, paragraph
from sim.presentation.tables import html_table

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis

QUESTION = "How long does the truce hold, and would another mediator do better?"


_p = paragraph
_file_block = file_block


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
    parts = [figure_html(name, title, path) for name, title, path in figures]
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
            f"{100 * d.difference.estimate:+.1f} pp, "
            + ("p n/a" if d.p_value is None else format_p(d.p_value)),
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
