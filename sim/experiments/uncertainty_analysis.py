"""The analysis of an uncertainty batch: each mediator against the first, draw by draw.

For draw p (a parameter set) and the paired runs i = 1..R (same luck under every
mediator), d_pi = hold_B,pi - hold_A,pi, hold = the truce held two weeks (or to the
horizon when it is shorter). Per draw: the difference D_p = mean_i d_pi and its Monte
Carlo standard error s_p = sd_i(d_pi) / sqrt(R). Then, over the D draws:

* the expected difference over parameters and runs, mean_p D_p, with an interval that
  integrates both sources: a two-way (pigeonhole) bootstrap that resamples draws and
  replicates independently, since replicate i meets the same luck at every draw
  (common random numbers), so draws alone are not independent samples of the luck;
* the spread of the difference over parameters alone: the observed spread of D_p minus
  the part run noise explains. Luck shared by every draw does not spread the D_p; what
  does is the draw-by-replicate interaction, whose variance is the residual of the
  two-way table (method of moments: var_theta = var(D_p) - var_residual / R). Shown as
  the 2.5-97.5% range of the D_p shrunk towards their mean by sqrt(var_theta / var(D_p));
* the probability that B does better, P(D(theta) > 0), estimated by mean_p Phi(D_p / s_p)
  (for each draw, the chance its true difference is positive given its R runs), with the
  same two-way bootstrap interval; beside it the raw share of draws with D_p > 0;
* which parameters the sign depends on: Spearman's rank correlation of each parameter
  with D_p (Holm-adjusted p-values), and the share of draws where B does better with the
  parameter below and above its median.

The same for the restricted mean survival time (hours, to the horizon).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.batch.design import DESIGN_POINT, DESIGN_PREFIX
from sim.errors import UserError

TWO_WEEKS_H = 336.0
LEVEL = 0.95


@dataclass
class Dependence:
    """How one uncertain parameter goes with the difference."""

    key: str
    rho: float
    p_holm: float
    better_below: float  # share of draws with B better, parameter below its median
    better_above: float


@dataclass
class PairUncertainty:
    """Mediator B against A over the parameter draws."""

    label_a: str
    label_b: str
    metric: str  # "survival" (points, share of runs) or "rmst" (hours)
    draws: int
    replicates: int
    mean_a: float
    mean_b: float
    mean_a_ci: tuple[float, float]
    mean_b_ci: tuple[float, float]
    difference: float
    difference_ci: tuple[float, float]
    parameter_range: tuple[float, float]  # over parameters, run noise removed
    noise_share: float  # of the spread of D_p, the part run noise explains
    per_draw_se: float  # typical s_p
    p_better: float
    p_better_ci: tuple[float, float]
    share_better_raw: float
    dependence: list[Dependence] = field(default_factory=list)
    per_draw: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    design_values: dict[str, np.ndarray] = field(default_factory=dict, repr=False)


@dataclass
class UncertaintyAnalysis:
    """Every mediator against the first, for two-week survival and restricted mean."""

    path: Path
    keys: list[str]
    source: str
    horizon_h: float
    survival_t_h: float
    pairs: list[PairUncertainty]

    def format_text(self) -> str:
        from sim.experiments.uncertainty_report import format_text

        return format_text(self)

    def sections(self) -> list[Any]:
        from sim.experiments.uncertainty_report import sections

        return sections(self)

    def to_json(self) -> dict[str, Any]:
        out = {"path": str(self.path), "keys": self.keys, "source": self.source, "pairs": []}
        for pair in self.pairs:
            entry = {
                k: v
                for k, v in pair.__dict__.items()
                if k not in ("per_draw", "design_values", "dependence")
            }
            entry["dependence"] = [d.__dict__ for d in pair.dependence]
            out["pairs"].append(entry)
        return out


def _read(directory: Path) -> tuple[dict[str, Any], Any]:
    import pyarrow.parquet as pq

    from sim.experiments.uncertainty_batch import read_manifest

    manifest = read_manifest(directory)
    design = manifest.get("design") or {}
    if design.get("kind") != "uncertainty":
        raise UserError(
            "not an uncertainty batch (no design of kind 'uncertainty' in the manifest)",
            file=str(directory / "manifest.json"),
        )
    columns = ["variant", "run", "duration_h", "collapsed", DESIGN_POINT, *design["columns"]]
    table = pq.read_table(directory / "runs.parquet", columns=columns)
    return manifest, table.to_pandas()


def _two_way_bootstrap(
    d: np.ndarray, y_a: np.ndarray, y_b: np.ndarray, se_floor: float, seed: int, n_boot: int
) -> dict[str, np.ndarray]:
    """Bootstrap replicates of the headline figures, resampling draws and replicates
    independently (Owen's pigeonhole bootstrap): replicate i shares its luck across every
    draw, so resampling draws alone would treat shared luck as independent and give
    intervals too narrow."""
    from scipy import stats

    from sim.stats.bootstrap import grand_means, pigeonhole_weights, row_moments

    n_draws, reps = d.shape
    w_p, w_i = pigeonhole_weights(n_draws, reps, n_boot, np.random.default_rng([seed, 21]))

    def grand(y: np.ndarray) -> np.ndarray:
        return grand_means(y, w_p, w_i)

    first, sd = row_moments(d, w_i)  # (draws, boot): each draw's difference, runs resampled
    chance = stats.norm.cdf(first / np.maximum(sd / np.sqrt(reps), se_floor))
    return {
        "difference": grand(d),
        "mean_a": grand(y_a),
        "mean_b": grand(y_b),
        "p_better": np.einsum("bp,pb->b", w_p, chance) / n_draws,
    }


def pair_uncertainty(
    label_a: str,
    label_b: str,
    metric: str,
    y_a: np.ndarray,
    y_b: np.ndarray,
    values: dict[str, np.ndarray],
    seed: int,
    n_boot: int = 1000,
) -> PairUncertainty:
    """One pair and one metric; y_* are (draws, replicates) arrays, paired by position."""
    from scipy import stats

    from sim.stats.twosample import holm

    d = y_b - y_a
    n_draws, reps = d.shape
    per_draw = d.mean(axis=1)
    se = d.std(axis=1, ddof=1) / np.sqrt(reps)
    # A draw whose R paired runs all agree has s_p = 0; half a run's worth of difference
    # stands in for it, so that Phi(D_p / s_p) stays finite and honest about R.
    unit = 1.0 if metric == "survival" else float(np.abs(d).max() or 1.0)
    se_floor = 0.5 * unit / reps
    chance = stats.norm.cdf(per_draw / np.maximum(se, se_floor))
    mean = float(per_draw.mean())
    # Spread over draws: parameters plus the luck that is *not* shared across draws, the
    # interaction residual of the two-way table (draw x replicate).
    spread = float(per_draw.var(ddof=1)) if n_draws > 1 else 0.0
    residual = d - per_draw[:, None] - d.mean(axis=0)[None, :] + mean
    noise = float((residual**2).sum() / max((n_draws - 1) * (reps - 1), 1)) / reps
    noise_share = min(1.0, noise / spread) if spread > 0 else 1.0
    shrunk = mean + np.sqrt(max(0.0, 1.0 - noise_share)) * (per_draw - mean)
    alpha = (1 - LEVEL) / 2
    boot = _two_way_bootstrap(d, y_a, y_b, se_floor, seed, n_boot)

    def interval(name: str) -> tuple[float, float]:
        lo, hi = np.quantile(boot[name], [alpha, 1 - alpha])
        return float(lo), float(hi)

    dependence = []
    pvalues = []
    for key, theta in values.items():
        if np.ptp(theta) == 0:
            continue
        rho, p = stats.spearmanr(theta, per_draw)
        below = theta <= np.median(theta)
        dependence.append(
            Dependence(
                key,
                float(rho),
                float(p),
                float(chance[below].mean()),
                float(chance[~below].mean()) if (~below).any() else float("nan"),
            )
        )
        pvalues.append(float(p))
    for dep, adjusted in zip(dependence, holm(pvalues), strict=True):
        dep.p_holm = float(adjusted)
    dependence.sort(key=lambda dep: -abs(dep.rho))
    return PairUncertainty(
        label_a=label_a,
        label_b=label_b,
        metric=metric,
        draws=n_draws,
        replicates=reps,
        mean_a=float(y_a.mean()),
        mean_b=float(y_b.mean()),
        mean_a_ci=interval("mean_a"),
        mean_b_ci=interval("mean_b"),
        difference=mean,
        difference_ci=interval("difference"),
        parameter_range=tuple(float(x) for x in np.quantile(shrunk, [alpha, 1 - alpha])),
        noise_share=noise_share,
        per_draw_se=float(np.sqrt(np.mean(se**2))),
        p_better=float(chance.mean()),
        p_better_ci=interval("p_better"),
        share_better_raw=float((per_draw > 0).mean()),
        dependence=dependence,
        per_draw=per_draw,
        design_values=values,
    )


def analyse_uncertainty(directory: str | Path, *, seed: int = 0) -> UncertaintyAnalysis:
    """Analyse an uncertainty batch folder (one made with a design of kind 'uncertainty')."""
    directory = Path(directory)
    manifest, runs = _read(directory)
    design = manifest["design"]
    reps, n_draws = int(design["replicates"]), int(design["points"])
    labels = [v["label"] for v in manifest["variants"]]
    if len(labels) < 2:
        raise UserError("an uncertainty analysis compares at least two mediators")
    horizon = float(manifest["horizon_h"])
    t_h = min(TWO_WEEKS_H, horizon)
    runs = runs.sort_values(["variant", "run"], kind="stable")
    hold: dict[str, np.ndarray] = {}
    rmst: dict[str, np.ndarray] = {}
    for label in labels:
        part = runs[runs["variant"] == label]
        duration = part["duration_h"].to_numpy(float).reshape(n_draws, reps)
        collapsed = part["collapsed"].to_numpy(bool).reshape(n_draws, reps)
        hold[label] = (~(collapsed & (duration <= t_h))).astype(float)
        rmst[label] = np.minimum(duration, horizon)
    first = runs[runs["variant"] == labels[0]]
    per_point = first.groupby(DESIGN_POINT, sort=True).first()
    values = {key: per_point[f"{DESIGN_PREFIX}{key}"].to_numpy(float) for key in design["keys"]}
    pairs = []
    for label in labels[1:]:
        pairs.append(
            pair_uncertainty(
                labels[0], label, "survival", hold[labels[0]], hold[label], values, seed
            )
        )
        pairs.append(
            pair_uncertainty(labels[0], label, "rmst", rmst[labels[0]], rmst[label], values, seed)
        )
    return UncertaintyAnalysis(
        path=directory,
        keys=list(design["keys"]),
        source=design.get("source") or "parameter draws",
        horizon_h=horizon,
        survival_t_h=t_h,
        pairs=pairs,
    )
