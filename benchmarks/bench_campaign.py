"""Speed of the first truce and of the full campaign (prints figures; asserts nothing).

    PYTHONPATH=$PWD python benchmarks/bench_campaign.py [RUNS]

The first truce is `simulate_worlds_counted` on the default scenario (no campaign); the
campaign adds `scenarios/variants/campaign.toml` (twelve weeks of successive truces).
"""

from __future__ import annotations

import sys
import time

from sim.model import simulate_with_spells, simulate_worlds_counted
from sim.scenario import DEFAULT_SCENARIO, load_scenario


def main(runs: int = 200_000) -> None:
    plain = load_scenario(DEFAULT_SCENARIO, mediators=["russia", "turkey"])
    campaign = load_scenario(
        DEFAULT_SCENARIO, mediators=["russia", "turkey"], variants=["campaign"], strict=True
    )
    simulate_worlds_counted(plain, "russia", 1_000, 1)  # compile
    simulate_with_spells(campaign, "russia", 1_000, 1)
    for mediator in ("russia", "turkey"):
        start = time.perf_counter()
        _out, steps = simulate_worlds_counted(plain, mediator, runs, 7)
        took = time.perf_counter() - start
        print(
            f"first truce  {mediator:7s} {runs / took:>10,.0f} runs/s  "
            f"{took / steps * 1e9:6.1f} ns/world-step  {steps / runs:.0f} steps/run"
        )
        start = time.perf_counter()
        _out, spells = simulate_with_spells(campaign, mediator, runs, 7)
        took = time.perf_counter() - start
        print(
            f"campaign     {mediator:7s} {runs / took:>10,.0f} runs/s  "
            f"{len(spells['run']) / runs:.2f} truces/run"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
