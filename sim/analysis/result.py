"""The analysis of one batch: survival, comparisons, endings and breakdowns together.

`analyse(DIR)` reads the folder lean (only the columns used, strings as categories) and
returns a `BatchAnalysis`, the tidy record every table, figure and report reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.compare import Breakdown, PairComparison, breakdown, compare_all
from sim.analysis.endings import EndingsAnalysis, analyse_endings
from sim.analysis.load import Batch, load_batch, register_parties_of, validate_runs, variant_order
from sim.analysis.style import variant_colours
from sim.analysis.survival import SurvivalAnalysis, fit_survival

SINGLE_VARIANT_NOTE = (
    "A comparison needs at least two variants (e.g. two mediators); this batch has only "
    "{variant!r}, so only its survival is shown."
)


@dataclass
class BatchAnalysis:
    """Everything the analysis of one batch found.

    Attributes:
        batch: The runs, manifest and folder analysed.
        variants: Variant labels in display order.
        survival: Time to collapse, per variant.
        first_violation: Time to the first violation, per variant.
        comparisons: Every pair of variants compared (empty with one variant).
        breakdown: Causes of collapse, first violators, violations per actor.
        colours: One colour per variant, shared by every figure.
        endings: How the first truce ended, as competing risks (`sim.analysis.endings`).
        notes: Caveats for the reader (e.g. only one variant).
        level: Confidence level of every interval.
    """

    batch: Batch
    variants: list[str]
    survival: SurvivalAnalysis
    first_violation: SurvivalAnalysis
    comparisons: list[PairComparison]
    breakdown: Breakdown
    colours: dict[str, str]
    notes: list[str] = field(default_factory=list)
    level: float = 0.95
    endings: EndingsAnalysis | None = None

    @property
    def runs(self) -> pd.DataFrame:
        """The validated runs table."""
        return self.batch.runs

    @property
    def causes(self) -> dict[str, Any]:
        """Shares of collapse causes among collapsed runs: {variant: {cause: Share}}."""
        return self.breakdown.causes

    @property
    def can_compare(self) -> bool:
        """True when there are at least two variants to compare."""
        return len(self.variants) >= 2

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (what `ceasefire compare --json` prints).

        Per variant: `n`, `median_h` (None = not reached), `p_survive_<H>h`, `rmst_h`
        with intervals, `first_violation` (the same for time to first violation)
        and the breakdowns. `comparisons` lists every pair with `a`, `b`,
        `logrank_p`, `logrank_p_adjusted`, `hazard_ratio`, ... and `paired`.
        """
        manifest = self.batch.manifest
        extra = self.breakdown.to_dict()
        variants: dict[str, Any] = {}
        for label in self.variants:
            entry = self.survival[label].to_dict()
            entry["first_violation"] = self.first_violation[label].to_dict()
            entry.update(extra[label])
            variants[label] = entry
        from sim.analysis.verdict import made_with, verdict

        for spec in manifest.get("variants") or []:
            if spec.get("label") in variants:
                variants[spec["label"]]["made_with"] = {
                    "mediator": spec.get("mediator"),
                    "overlays": list(spec.get("overlays") or []),
                    "overrides": {
                        **(manifest.get("overrides") or {}),
                        **(spec.get("overrides") or {}),
                    },
                    "posterior": bool(manifest.get("posterior")),
                }
        return {
            "answer": verdict(self),
            "batch": str(self.batch.path) if self.batch.path else None,
            "scenario": (manifest.get("scenario") or {}).get("name"),
            "seed": manifest.get("seed"),
            "command": manifest.get("command"),
            "overrides": dict(manifest.get("overrides") or {}),
            "posterior": manifest.get("posterior"),
            "made_with": made_with(manifest),
            "confidence_level": self.level,
            "censoring": "runs that did not collapse are right-censored at horizon_h; "
            "Kaplan-Meier estimates",
            "variants": variants,
            "comparisons": [c.to_dict() for c in self.comparisons],
            "endings": self.endings.to_dict() if self.endings else None,
            "notes": list(self.notes),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """`to_dict()` as JSON text (NaN written as null)."""
        return json.dumps(_nan_to_none(self.to_dict()), indent=indent)

    def format_table(self) -> str:
        """Readable plain-text tables: survival, comparisons, causes, violations."""
        from sim.analysis.tables import format_text

        return format_text(self)


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    return value


def analyse(
    source: str | Path | Batch | pd.DataFrame,
    *,
    manifest: dict[str, Any] | None = None,
    level: float = 0.95,
) -> BatchAnalysis:
    """Analyse a batch: survival per variant, pairwise comparisons, breakdowns.

    Args:
        source: A batch folder, a loaded `Batch`, or a runs DataFrame.
        manifest: Manifest to attach when `source` is a DataFrame.
        level: Confidence level of every interval.

    Returns:
        The analysis. Works with a single variant (then `comparisons` is empty
        and `notes` says so); callers that need a comparison check `can_compare`.

    Raises:
        UserError: The folder is missing, not a batch, or lacks columns.
    """
    if isinstance(source, Batch):
        batch = source
    elif isinstance(source, pd.DataFrame):
        register_parties_of(source, manifest)
        batch = Batch(runs=validate_runs(source, "runs table"), manifest=manifest or {})
    else:
        batch = load_batch(source, lean=True)
    runs = batch.runs
    variants = variant_order(runs, batch.manifest)
    survival = fit_survival(runs, "collapse", variants=variants, level=level)
    first = fit_survival(runs, "first_violation", variants=variants, level=level)
    notes = []
    if len(variants) < 2:
        notes.append(SINGLE_VARIANT_NOTE.format(variant=variants[0]))
    horizons = sorted(pd.unique(runs["horizon_h"]))
    if len(horizons) > 1:
        notes.append(
            "Variants have different horizons ("
            + ", ".join(f"{h:g} h" for h in horizons)
            + "); pairs are compared at the shorter one."
        )
    return BatchAnalysis(
        batch=batch,
        variants=variants,
        survival=survival,
        first_violation=first,
        comparisons=compare_all(runs, survival, level=level),
        breakdown=breakdown(runs, variants, level),
        colours=variant_colours(variants),
        notes=notes,
        level=level,
        endings=analyse_endings(runs, variants, batch.path, level),
    )
