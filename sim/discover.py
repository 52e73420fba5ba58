"""Scenario discovery: under which assumptions does the truce hold two weeks?

PRIM (Friedman and Fisher 1999) and a CART tree over the runs of a sweep or sensitivity
folder, with EMA Workbench's implementations (Kwakkel 2017), not our own. Each run is a
case: its inputs are the parameters that varied between runs (the runs.parquet columns
named by dotted key, plus the mediator when there are several) and its outcome is
whether the truce held past two weeks (or collapsed before, with --outcome collapses).

A box is reported with its coverage (the share of all cases of interest it holds), its
density (the share of cases in it that are of interest) and its mass (the share of all
cases in it), as EMA Workbench and Bryant and Lempert (2010) define them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError

TWO_WEEKS_H = 336.0


def load_cases(directory: str | Path, outcome: str = "holds") -> tuple[pd.DataFrame, np.ndarray]:
    """The inputs (one row per run) and the outcome of interest (bool) of a results folder."""
    path = Path(directory) / "runs.parquet"
    if not path.is_file():
        raise UserError("no runs.parquet: expected a sweep or sensitivity folder", file=str(path))
    try:
        runs = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise UserError(f"cannot read it: {error}", file=str(path)) from None
    missing = {"duration_h", "collapsed", "horizon_h", "mediator"} - set(runs.columns)
    if missing:
        raise UserError(f"missing columns {sorted(missing)}", file=str(path))
    inputs = [
        c
        for c in runs.columns
        if "." in c and pd.api.types.is_numeric_dtype(runs[c]) and runs[c].nunique() > 1
    ]
    # A design's values are named by their parameter (``design.<key>`` in runs.parquet).
    x = runs[inputs].astype(float).rename(columns=lambda c: c.removeprefix("design."))
    if runs["mediator"].nunique() > 1:
        x["mediator"] = runs["mediator"].astype("category")
    if x.shape[1] == 0:
        raise UserError(
            "no parameter varies between the runs: expected a sweep or sensitivity folder",
            file=str(path),
        )
    t = np.minimum(TWO_WEEKS_H, runs["horizon_h"].to_numpy(float))
    held = ~(runs["collapsed"].to_numpy(bool) & (runs["duration_h"].to_numpy(float) <= t))
    return x.reset_index(drop=True), held if outcome == "holds" else ~held


@dataclass
class Box:
    """A PRIM box: the limits of its restricted inputs and its statistics."""

    limits: dict[str, Any]  # key -> [low, high] or a list of categories
    coverage: float
    density: float
    mass: float
    n: int
    trajectory: pd.DataFrame = field(repr=False)


@dataclass
class Discovery:
    outcome: str
    n_cases: int
    share_of_interest: float
    threshold: float
    boxes: list[Box]
    cart: pd.DataFrame  # one row per leaf: coverage, density, res dim, mass
    cart_limits: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "cases": self.n_cases,
            "share_of_interest": self.share_of_interest,
            "threshold": self.threshold,
            "prim_boxes": [
                {
                    "limits": b.limits,
                    "coverage": b.coverage,
                    "density": b.density,
                    "mass": b.mass,
                    "cases": b.n,
                }
                for b in self.boxes
            ],
            "cart_leaves": self.cart.reset_index(names="leaf").to_dict(orient="records"),
        }

    def format_table(self) -> str:
        lines = [
            f"Cases: {self.n_cases:,} runs; of interest ({self.outcome}): "
            f"{self.share_of_interest:.1%}; PRIM density threshold {self.threshold:g}",
        ]
        for i, b in enumerate(self.boxes, start=1):
            lines.append(
                f"\nPRIM box {i}: coverage {b.coverage:.1%}, density {b.density:.1%}, "
                f"mass {b.mass:.1%} ({b.n:,} runs)"
            )
            for key, lim in b.limits.items():
                shown = lim if isinstance(lim[0], str) else f"{lim[0]:.4g} to {lim[1]:.4g}"
                lines.append(f"  {key}: {shown}")
        lines.append("\nCART leaves (coverage, density, restricted dimensions, mass):")
        lines.append(self.cart.to_string(float_format=lambda v: f"{v:.3f}"))
        return "\n".join(lines)


def _restricted(box_lim: pd.DataFrame, x: pd.DataFrame) -> dict[str, Any]:
    """The limits that cut into the inputs' ranges (the others are not part of the box)."""
    limits: dict[str, Any] = {}
    for key in box_lim.columns:
        low, high = box_lim[key].iloc[0], box_lim[key].iloc[1]
        if isinstance(low, set):
            if low != set(x[key].cat.categories):
                limits[key] = sorted(str(c) for c in low)
        elif low > x[key].min() or high < x[key].max():
            limits[key] = [float(low), float(high)]
    return limits


def discover(
    x: pd.DataFrame, y: np.ndarray, *, threshold: float = 0.8, n_boxes: int = 2, outcome: str = ""
) -> Discovery:
    """PRIM boxes (each: the most covering point of its peeling trajectory whose density
    reaches `threshold`, else the densest) and a CART tree, both from EMA Workbench."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA warns at import about optional back ends
        from ema_workbench.analysis import cart, prim

        y = np.asarray(y, dtype=bool)
        finder = prim.Prim(x, y, threshold=threshold)
        boxes = []
        for _ in range(n_boxes):
            box = finder.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory
            good = traj[traj["density"] >= threshold]
            pick = int(good["coverage"].idxmax()) if len(good) else int(traj["density"].idxmax())
            box.select(pick)
            row = traj.loc[pick]
            limits = _restricted(box.box_lim, x)
            if not limits:  # the rest of the space, not a box: nothing more to find
                break
            boxes.append(
                Box(
                    limits,
                    float(row["coverage"]),
                    float(row["density"]),
                    float(row["mass"]),
                    int(row["n"]),
                    traj,
                )
            )
        tree = cart.CART(x, y, mass_min=0.05)
        tree.build_tree()
        stats = tree.stats_to_dataframe()
        limits = tree.boxes_to_dataframe()
    return Discovery(outcome, len(y), float(y.mean()), threshold, boxes, stats, limits)


def tradeoff_figure(d: Discovery, *, ax=None):
    """Each PRIM box's peeling trajectory: density against coverage, the chosen point marked.

    Draws on `ax` (a new figure when None) and returns the axes.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4.5))
    fig = ax.figure
    for i, b in enumerate(d.boxes, start=1):
        t = b.trajectory
        sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
        ax.plot([b.coverage], [b.density], "o", mfc="none", mec="red", ms=12)
        ax.annotate(f"box {i}", (b.coverage, b.density), textcoords="offset points", xytext=(8, 8))
    if d.boxes:
        fig.colorbar(sc, ax=ax, label="restricted dimensions")
    ax.axhline(d.threshold, color="0.5", ls=":", lw=1)
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_title(f"PRIM peeling trajectories ({d.outcome})")
    fig.tight_layout()
    return ax


def write_outputs(d: Discovery, directory: str | Path) -> list[Path]:
    """DIR/discovery/: discovery.json, discovery.txt, the trade-off figure (PNG, SVG)."""
    from sim.analysis import _nan_to_none
    from sim.presentation.figures import write_json_text_figures
    from sim.results import ResultsFolder

    folder = ResultsFolder(directory)
    paths = write_json_text_figures(
        folder,
        "discovery/discovery",
        _nan_to_none(d.to_dict()),
        d.format_table(),
        {"discovery/prim_tradeoff": partial(tradeoff_figure, d)},
    )
    folder.record()
    return paths
