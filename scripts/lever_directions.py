"""Measure the direction of each mediator lever's effect on two-week survival.

For each lever, runs the default scenario with the lever at a low and a high value
(every other parameter as in the files), the same runs under both settings (common
random numbers), and prints the paired difference in two-week survival with its 95%
interval. The table in docs/levers.md is this script's output:

    python scripts/lever_directions.py --runs 100000
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from sim.model import simulate_worlds
from sim.resources import default_scenario
from sim.scenario import apply_overrides, load_scenario

LEVERS: dict[str, tuple[str, float, float]] = {
    "patrols": ("conduct.patrol_capacity", 0.0, 0.9),
    "leverage over the regime": ("leverage.regime", 0.1, 0.9),
    "leverage over the militias": ("leverage.militia", 0.05, 0.7),
    "leverage over the opposition": ("leverage.opposition", 0.1, 0.9),
    "resolve": ("conduct.resolve", 0.05, 0.9),
    "monitoring": ("conduct.monitoring", 0.05, 0.9),
    "delivery": ("conduct.delivery", 0.0, 0.1),
    "closeness to the regime (bias)": ("bias.regime", 0.0, 0.9),
    "closeness to the opposition (bias)": ("bias.opposition", 0.0, 0.9),
    "patience": ("conduct.patience", 2.0, 50.0),
    "pressure on the militias through Iran": ("patron_pressure.militia", 0.0, 0.9),
}


def lever_effect(
    mediator: str, key: str, low: float, high: float, runs: int, seed: int
) -> tuple[float, float, float, float]:
    """Two-week survival at low and at high, and the paired difference with its SE."""
    scenario = load_scenario(default_scenario(), mediators=[mediator])
    held = []
    for value in (low, high):
        varied = apply_overrides(scenario, {f"mediators.{mediator}.{key}": value})
        out = simulate_worlds(varied, mediator, runs, seed)
        held.append((~out["collapsed"]).astype(float))
    diff = held[1] - held[0]
    return held[0].mean(), held[1].mean(), diff.mean(), diff.std() / math.sqrt(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50_000, help="runs per setting (default 50000)")
    parser.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    args = parser.parse_args()
    print(
        "| lever | parameter (low -> high) | mediator | two weeks at low | at high | "
        "difference (95% CI, paired) |"
    )
    print("|---|---|---|---|---|---|")
    for name, (key, low, high) in LEVERS.items():
        for mediator in ("russia", "turkey"):
            a, b, d, se = lever_effect(mediator, key, low, high, args.runs, args.seed)
            print(
                f"| {name} | `{key}` {low:g} -> {high:g} | {mediator} | {a:.1%} | {b:.1%} | "
                f"{100 * d:+.1f} ({100 * (d - 1.96 * se):+.1f} to {100 * (d + 1.96 * se):+.1f}) |"
            )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
