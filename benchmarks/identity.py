"""Bit-identity check for speed work on `sim.rules`: every state array, many configurations.

Run `dump` on the code before a change and `check` after it; `check` prints IDENTICAL or
the arrays that differ. The configurations cover the default scenario under both
mediators, every shipped variant that changes a mechanism (campaign, switch, patrols,
crossing, no mediator), steps of 2 and 6 hours, four cases (3 to 6 parties), per-world
parameter sets (with and without the fragility table of `sim.rules.derive`) and the Mesa
path (`CeasefireModel.step`). About a minute on a quiet machine, plus compilation.

Usage (from the repository root):
    PYTHONPATH=$PWD .venv/bin/python benchmarks/identity.py dump /tmp/before.npz
    PYTHONPATH=$PWD .venv/bin/python benchmarks/identity.py check /tmp/before.npz
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import numpy as np

from sim.errors import UserError
from sim.model import CeasefireModel
from sim.rules import drive
from sim.scenario import Scenario, apply_overrides, load_scenario, override_param
from sim.worlds import WorldSet

CASES = "scenarios/cases"


def configs() -> Iterator[tuple[str, Scenario, str, int, dict[str, np.ndarray] | None]]:
    """(name, scenario, mediator, worlds, per-world parameter sets) of every configuration."""
    d = load_scenario()
    yield "default_russia", d, "russia", 20000, None
    yield "default_turkey", d, "turkey", 20000, None
    for v in [
        "campaign",
        "mediator_switch",
        "patrols_in_force",
        "crossing_open",
        "no_mediator",
        "militias_restrained",
    ]:
        s = load_scenario(variants=[v])
        yield f"var_{v}", s, s.default_mediators[0], 6000, None
    s = load_scenario(variants=["campaign", "mediator_switch"])
    yield "campaign_switch", s, "russia", 6000, None
    s = apply_overrides(
        load_scenario(variants=["mediator_switch", "campaign"]), {"time.step_h": 2.0}
    )
    yield "step2", s, "russia", 6000, None
    s = apply_overrides(load_scenario(variants=["mediator_switch"]), {"time.step_h": 6.0})
    yield "step6", s, "turkey", 6000, None
    for c in ["daraa_2018", "aleppo_2016", "minsk_2015", "idlib_2020"]:
        s = load_scenario(f"{CASES}/{c}/{c}.toml")
        yield f"case_{c}", s, s.default_mediators[0], 4000, None
    # per-world parameters, +-20%
    rng = np.random.default_rng(5)
    s = load_scenario(variants=["campaign", "mediator_switch"])
    sets: dict[str, np.ndarray] = {}
    for k, v in s.values.items():
        if k.startswith("time.") or k == "campaign.length_h" or isinstance(v, bool):
            continue
        try:
            p = override_param(k, s)
        except UserError:  # not a parameter a user may set per world
            continue
        if p.kind != "float":
            continue
        vals = float(v) * rng.uniform(0.8, 1.2, 3000)
        if all(p.accepts(float(x)) for x in (vals.min(), vals.max())):
            sets[k] = vals
    for k in [
        "conduct.resolve",
        "conduct.delivery",
        "conduct.patrol_start_h",
        "conduct.closeness_leverage",
    ]:
        base = float(s.mediator("russia").values[k])
        sets["mediator." + k] = np.clip(
            base * rng.uniform(0.8, 1.2, 3000), 0, 1 if "start" not in k else None
        )
    yield "perworld", s, "russia", 3000, sets
    big = {k: np.concatenate([v, v[::-1]]) for k, v in sets.items()}  # 6000 sets: no table
    yield "perworld_big", s, "russia", 6000, big


def run_all() -> dict[str, np.ndarray]:
    """Every state array of every configuration after its run, by `config.field`."""
    out = {}
    for name, s, med, n, sets in configs():
        ws = WorldSet.build(s, med, n, 11, sets=sets)
        steps = drive.run_worlds(
            ws.state,
            ws.params,
            ws.structure,
            ws.key,
            ws.runs,
            ws.psets,
            ws.structure.campaign_steps,
        )
        for f, a in ws.state._asdict().items():
            out[f"{name}.{f}"] = a.copy()
        out[f"{name}.steps"] = np.array(steps)
    # Mesa path
    for name, s, med in [
        ("mesa_default", load_scenario(), "russia"),
        ("mesa_campaign", load_scenario(variants=["campaign", "mediator_switch"]), "turkey"),
    ]:
        m = CeasefireModel(s, med, 300, seed=3)
        m.run()
        for f, a in m.worlds.state._asdict().items():
            out[f"{name}.{f}"] = a.copy()
    return out


if __name__ == "__main__":
    t = time.time()
    out = run_all()
    if sys.argv[1] == "dump":
        np.savez(sys.argv[2], **out)
    else:
        ref = np.load(sys.argv[2])
        bad = [k for k in ref.files if not np.array_equal(ref[k], out[k], equal_nan=True)]
        print("MISMATCH", len(bad), bad[:30]) if bad else print(
            "IDENTICAL", len(ref.files), "arrays"
        )
    print(f"{time.time() - t:.1f}s")
