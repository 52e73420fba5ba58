"""The answer first: the verdict in plain words, why, the caveats, and what made it.

Every summary (report, `compare`, `study`) opens with these lines before any path
or hash. Survival at fixed times and the restricted mean lead; the median comes
after them with its caveat, because on curves that run flat near 50% a small
shift moves the median by days (a median of 170 h against 18 h can sit on an
8-point difference). Where measures point different ways the text says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sim.analysis.compare import format_p
from sim.analysis.style import actor_name, cause_name
from sim.analysis.survival import variant_groups

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.analysis import BatchAnalysis
    from sim.analysis.compare import PairComparison

GLOSSARY = {
    "censored": "A run whose truce still held when observation ended (the horizon): we know "
    "it lasted at least that long, not when it would have collapsed; Kaplan-Meier uses "
    "that partial information instead of dropping or miscounting the run.",
    "survival at a time": "The Kaplan-Meier estimate of the share of truces not yet "
    "collapsed by that hour, with censored runs counted while they were observed.",
    "restricted mean (RMST)": "The average number of hours a truce holds within the "
    "horizon (the area under the survival curve up to it); unlike the median it uses "
    "the whole curve.",
    "median": "The hour by which half the truces have collapsed; 'not reached' when more "
    "than half hold to the horizon. Where a curve runs flat near 50% a few points move it "
    "by days, so read it after survival at fixed times.",
    "at risk": "Runs (or real ceasefires) still under observation and not yet collapsed at "
    "a given time; an estimate resting on few at risk is uncertain whatever its interval.",
    "paired by run": "Run i of every variant meets the same random draws, so two variants "
    "can be compared run by run; paired intervals are narrower than unpaired ones.",
    "log-rank test": "A test of whether two survival curves differ anywhere over the "
    "horizon, treating the variants as independent samples.",
    "hazard ratio": "From a Cox model: how many times faster truces collapse under one "
    "variant than under the other, averaged over time (above 1: collapses faster).",
    "Holm": "A correction of p-values for testing several pairs at once, so that the "
    "chance of any false alarm stays at the stated level.",
    "McNemar": "An exact test on the paired runs that held under one variant but not the "
    "other: do such runs lean one way more than chance allows?",
    "violations per 100 truce-hours": "Violations divided by the hours the truce was in "
    "force, so that longer truces do not seem to provoke more violations.",
}


def display(label: str) -> str:
    """A variant label for prose: ``turkey+patrols_in_force`` -> ``Turkey+patrols_in_force``."""
    head, sep, rest = label.partition("+")
    return head[:1].upper() + head[1:] + sep + rest


def _fmt_value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def made_with(manifest: Mapping[str, Any]) -> list[str]:
    """What made the results besides scenario and mediators: overrides, overlays, posterior."""
    parts = []
    overrides = manifest.get("overrides") or {}
    if overrides:
        parts.append(
            "overrides (--set, every variant): "
            + ", ".join(f"{k}={_fmt_value(v)}" for k, v in overrides.items())
        )
    overlays = sorted(
        {o for v in manifest.get("variants") or [] for o in (v.get("overlays") or [])}
    )
    if overlays:
        parts.append("variant overlays: " + ", ".join(overlays))
    posterior = manifest.get("posterior")
    if posterior:
        where = posterior.get("path", "?") if isinstance(posterior, Mapping) else posterior
        parts.append(f"parameters drawn per run from the posterior {where}")
    return parts


def title_suffix(manifest: Mapping[str, Any]) -> str:
    """A short tag for titles and folder names: ``set actors.regime.base=-6; posterior``."""
    tags = []
    overrides = manifest.get("overrides") or {}
    if overrides:
        tags.append("set " + ", ".join(f"{k}={_fmt_value(v)}" for k, v in overrides.items()))
    if manifest.get("posterior"):
        tags.append("posterior")
    return "; ".join(tags)


def _held_at_horizon(runs: pd.DataFrame) -> int:
    return int((runs["duration_h"] >= runs["horizon_h"]).sum())


def _horizon_words(horizon_h: float) -> str:
    days = horizon_h / 24
    if days == 14:
        return "two weeks"
    return f"{days:g} days" if days >= 1 else f"{horizon_h:g} h"


def _pair_sentence(c: PairComparison) -> str:
    """ "Under B the truce holds two weeks in x% of runs against y% under A: d points lower"."""
    diff, (low, high), how = c.diff, c.diff_ci, "unpaired"
    p_text = f"log-rank {format_p(c.logrank_p_adjusted)}"
    if c.paired is not None:
        diff, (low, high), how = c.paired.diff, c.paired.diff_ci, "paired by run"
        p_text = f"McNemar {format_p(c.paired.mcnemar_exact_p)}"
    direction = "lower" if diff < 0 else "higher"
    if low * high > 0:  # the whole interval on one side: give it as magnitudes
        lo, hi = sorted((abs(100 * low), abs(100 * high)))
        interval = f"{lo:.1f} to {hi:.1f}"
    else:
        interval = f"{100 * low:+.1f} to {100 * high:+.1f}"
    return (
        f"Under {display(c.b)} the truce holds {_horizon_words(c.horizon_h)} in "
        f"{100 * c.p_survive_b:.1f}% of runs against {100 * c.p_survive_a:.1f}% under "
        f"{display(c.a)}: {abs(100 * diff):.1f} points {direction} ({interval}, {how}), "
        f"{p_text}. On average it holds {c.rmst_b_h:.0f} of the first {c.horizon_h:g} hours "
        f"against {c.rmst_a_h:.0f} (restricted mean, {c.rmst_b_h - c.rmst_a_h:+.0f} h)."
    )


def _disagreement(analysis: BatchAnalysis, c: PairComparison) -> str | None:
    """A sentence when the median points the other way from survival or the restricted mean."""
    a, b = analysis.survival[c.a], analysis.survival[c.b]
    signs = {"survival at the horizon": c.diff, "restricted mean": c.rmst_b_h - c.rmst_a_h}
    if a.median_h is not None and b.median_h is not None:
        signs["median"] = b.median_h - a.median_h
    better = [k for k, v in signs.items() if v > 0]
    worse = [k for k, v in signs.items() if v < 0]
    if better and worse:
        return (
            f"The measures disagree: {display(c.b)} does better than {display(c.a)} on the "
            f"{' and '.join(better)} but worse on the {' and '.join(worse)} (the survival "
            "curves cross); read the curves, not one number."
        )
    return None


def _median_caveat(
    analysis: BatchAnalysis, labels: list[str], pair: PairComparison | None = None
) -> str:
    parts = []
    for label in labels:
        result = analysis.survival[label]
        median = f"{result.median_h:.0f} h" if result.median_h is not None else "not reached"
        parts.append(f"{median} under {display(label)}")
    text = (
        "Median time to collapse: "
        + ", ".join(parts)
        + ". The median is where a curve crosses 50%; where a curve runs flat near 50% a few "
        "points move it by days, so a ratio of medians can suggest a far larger gap than the "
        "difference in survival at fixed times above"
    )
    if pair is not None:
        a, b = analysis.survival[pair.a].median_h, analysis.survival[pair.b].median_h
        if a and b:
            text += (
                f" (here medians {max(a, b) / min(a, b):.1f} times apart, against "
                f"{abs(100 * pair.diff):.1f} points at the horizon)"
            )
    return text + "."


def _why(analysis: BatchAnalysis, labels: list[str]) -> str:
    parts = []
    for label in labels:
        causes = analysis.causes.get(label, {})
        top = sorted(causes.values(), key=lambda s: s.share, reverse=True)[:2]
        if top and top[0].total:
            parts.append(
                f"under {display(label)}: "
                + " and ".join(f"{cause_name(s.category)} {100 * s.share:.0f}%" for s in top)
                + f" of {top[0].total:,} collapses"
            )
    first = analysis.breakdown.first_violator.get(labels[0], {})
    lead = max(first.values(), key=lambda s: s.share, default=None)
    text = "Why (what collapsed the truce): " + "; ".join(parts) + "."
    if lead is not None:
        text += (
            f" The first violation came from the {actor_name(lead.category)} in "
            f"{100 * lead.share:.0f}% of runs under {display(labels[0])}."
        )
    return text


def verdict(analysis: BatchAnalysis) -> list[str]:
    """The opening paragraphs of every summary: the answer, why, the caveats."""
    labels = list(analysis.variants)
    base = labels[0]
    paragraphs = []
    # The baseline against each other variant: with many variants, not every pair.
    pairs = [c for c in analysis.comparisons if c.a == base] or analysis.comparisons[:1]
    if pairs:
        paragraphs.append(" ".join(_pair_sentence(c) for c in pairs))
    else:
        result = analysis.survival[base]
        at = result.p_survive_horizon
        paragraphs.append(
            f"Under {display(base)} the truce holds {_horizon_words(result.horizon_h)} in "
            f"{100 * at.p:.1f}% of {result.n:,} runs; on average it holds "
            f"{result.rmst_h:.0f} of the first {result.horizon_h:g} hours (restricted mean)."
        )
    groups = variant_groups(analysis.runs, labels)
    held = ", ".join(f"{_held_at_horizon(groups[lab]):,} under {display(lab)}" for lab in labels)
    paragraphs.append(f"Runs still holding at the horizon (at risk to the end): {held}.")
    paragraphs.append(_why(analysis, labels))
    caveats = [_median_caveat(analysis, labels, pairs[0] if len(pairs) == 1 else None)]
    caveats += [s for c in pairs if (s := _disagreement(analysis, c))]
    extra = made_with(analysis.batch.manifest)
    if extra:
        caveats.append("These runs were made with " + "; ".join(extra) + ".")
    caveats.append(
        "These are the model's answers under its stated assumptions (every number's source is "
        "in the scenario and mediator files), not forecasts."
    )
    paragraphs.append("Caveats: " + " ".join(caveats))
    return paragraphs
