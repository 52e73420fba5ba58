"""How the first truce ended, as competing risks: breakdown, replaced, expired.

A truce ends by breaking down (collapse or walkout), by being replaced by a broader
agreement (only with a campaign, ODD 7.11) or by reaching its term. Kaplan-Meier curves
of collapse treat the other endings as censoring; the cumulative incidence of each ending
(Aalen-Johansen, `sim.stats.competing`) is the chance the first truce has ended that way
by hour t. Without a campaign the endings are breakdown and held to term ('expired').

The endings are read from spells.parquet (the first truce of each run) when the batch
folder has it, else from runs.parquet, which says the same for the first truce:
collapsed -> breakdown; held to horizon_h -> expired; ended earlier without collapse ->
replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.compare import format_p
from sim.analysis.survival import variant_groups
from sim.stats.competing import (
    CifDifference,
    CumulativeIncidence,
    cif_difference_test,
    cumulative_incidence,
)

ENDINGS = ("breakdown", "replaced", "expired")
SPELLS_FILE = "spells.parquet"


def first_truce_endings(runs: pd.DataFrame, folder: Path | None = None) -> pd.Series:
    """The ending of each run's first truce, aligned with `runs` (a categorical)."""
    spells_path = folder / SPELLS_FILE if folder is not None else None
    if spells_path is not None and spells_path.is_file():
        found = _first_spell_endings(runs, spells_path)
        if found is not None:
            return pd.Series(found, index=runs.index, name="ending")
    held = runs["duration_h"].to_numpy() >= runs["horizon_h"].to_numpy() - 1e-9
    collapsed = runs["collapsed"].to_numpy(bool)
    codes = np.where(collapsed, 0, np.where(held, 2, 1)).astype(np.int8)
    ending = pd.Categorical.from_codes(codes, categories=list(ENDINGS))
    return pd.Series(ending, index=runs.index, name="ending")


def _first_spell_endings(runs: pd.DataFrame, spells_path: Path) -> pd.Categorical | None:
    """The ending of spell 0 of every run from spells.parquet; None if one is missing.

    Matched on (variant, run) through integer keys rather than a MultiIndex of strings,
    which at millions of runs took most of the analysis's time and memory.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    spells = pq.read_table(
        spells_path,
        columns=["variant", "run", "spell", "ending"],
        filters=[("spell", "==", 0)],
        read_dictionary=["variant", "ending"],
    ).to_pandas()
    pa.default_memory_pool().release_unused()  # freed decoding pages back (see load.py)
    labels = sorted({str(v) for v in runs["variant"].unique()})
    index = {label: i for i, label in enumerate(labels)}
    width = int(max(runs["run"].max(), spells["run"].max() if len(spells) else 0)) + 1

    def keys(variant: pd.Series, run: pd.Series) -> np.ndarray:
        codes = _categorical(variant)
        ids = np.array([index.get(str(c), -1) for c in codes.categories], dtype=np.int64)
        return ids[codes.codes] * width + run.to_numpy(np.int64)

    run_keys = keys(runs["variant"], runs["run"])
    spell_keys = keys(spells["variant"], spells["run"])
    if np.array_equal(spell_keys, run_keys):  # the usual case: both in (variant, run) order
        ending = _categorical(spells["ending"])
        return None if ending.isna().any() else ending
    order = np.argsort(spell_keys, kind="stable")
    spell_keys = spell_keys[order]
    pos = np.clip(np.searchsorted(spell_keys, run_keys), 0, max(len(spell_keys) - 1, 0))
    if len(spell_keys) == 0 or not np.array_equal(spell_keys[pos], run_keys):
        return None
    ending = _categorical(spells["ending"]).take(order[pos])
    return None if ending.isna().any() else ending


def _categorical(values: pd.Series) -> pd.Categorical:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.array
    return pd.Categorical(values.astype(object))


@dataclass
class EndingsAnalysis:
    """Cumulative incidence of each ending of the first truce, per variant, and tests.

    Attributes:
        horizon_h: the shortest horizon of the variants (where tests are read).
        incidence: per variant, the Aalen-Johansen estimate.
        differences: per pair (a, b) of variants, the pointwise test of the cumulative
            incidence of breakdown at the horizon (b minus a).
    """

    horizon_h: float
    incidence: dict[str, CumulativeIncidence]
    differences: list[tuple[str, str, CifDifference]]
    level: float

    def times(self, n: int = 4) -> list[float]:
        return [float(t) for t in np.linspace(0.0, self.horizon_h, n + 1)[1:]]

    def to_dict(self) -> dict[str, Any]:
        horizon = self.horizon_h
        variants = {}
        for label, cif in self.incidence.items():
            at_horizon = {}
            for ending in cif.endings:
                est = cif.at(ending, horizon)
                at_horizon[ending] = {"estimate": est.estimate, "ci": [est.low, est.high]}
            variants[label] = {
                "n": cif.n,
                "counts": cif.counts(),
                "at_horizon": at_horizon,
                "table": cif.table(self.times()),
            }
        return {
            "what": "cumulative incidence of each ending of the first truce (Aalen-Johansen), "
            f"intervals {self.level:.0%}",
            "horizon_h": horizon,
            "variants": variants,
            "breakdown_difference": [
                {
                    "a": a,
                    "b": b,
                    "time_h": d.time,
                    "cif_a": d.cif_a,
                    "cif_b": d.cif_b,
                    "difference": d.difference.estimate,
                    "ci": [d.difference.low, d.difference.high],
                    "z": d.z,
                    "p": d.p_value,
                    "test": "pointwise z-test of the Aalen-Johansen estimates at the horizon",
                }
                for a, b, d in self.differences
            ],
        }

    def format_text(self) -> str:
        horizon = self.horizon_h
        lines = [
            f"How the first truce ended (cumulative incidence, Aalen-Johansen; intervals "
            f"{self.level:.0%}; at {horizon:g} h unless stated)"
        ]
        for label, cif in self.incidence.items():
            parts = []
            for ending in cif.endings:
                est = cif.at(ending, horizon)
                parts.append(f"{ending} {_pct(est.estimate)} [{_pct(est.low)}, {_pct(est.high)}]")
            lines.append(f"  {label}: " + "; ".join(parts) + f"  (n = {cif.n})")
            times = self.times()
            at_risk = ", ".join(f"{t:g} h: {cif.at_risk(t)}" for t in times)
            lines.append(f"    at risk  {at_risk}")
        if self.differences:
            lines.append("  Breakdown by the horizon, b against a (pointwise z-test):")
        for a, b, d in self.differences:
            p = "p n/a" if d.p_value is None else format_p(d.p_value)
            lines.append(
                f"    {b} vs {a}: {_pct(d.cif_b)} vs {_pct(d.cif_a)}, difference "
                f"{_pp(d.difference.estimate)} [{_pp(d.difference.low)}, "
                f"{_pp(d.difference.high)}], {p}"
            )
        return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _pp(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:+.1f} pp"


def analyse_endings(
    runs: pd.DataFrame,
    variants: list[str],
    folder: Path | None = None,
    level: float = 0.95,
) -> EndingsAnalysis:
    """Cumulative incidence of the first truce's endings per variant; tests between pairs."""
    ending = first_truce_endings(runs, folder)
    horizon = float(runs["horizon_h"].min())
    present = [e for e in ENDINGS if (ending == e).any()] or ["breakdown"]
    incidence: dict[str, CumulativeIncidence] = {}
    groups = variant_groups(runs)
    for label in variants:
        rows = groups[label].index
        incidence[label] = cumulative_incidence(
            groups[label]["duration_h"].to_numpy(float),
            ending.loc[rows],
            ending_names=present,
            level=level,
        )
    differences = [
        (a, b, cif_difference_test(incidence[a], incidence[b], "breakdown", horizon))
        for a, b in combinations(variants, 2)
    ]
    return EndingsAnalysis(horizon, incidence, differences, level)
