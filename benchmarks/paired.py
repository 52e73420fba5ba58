"""The kernel's speed against a git revision, measured in pairs so that a noisy machine
does not decide the verdict.

On a shared virtual machine the time of one `run_worlds` call drifts by 20-40% within
minutes, more than most changes to the rules are worth: two timings taken a minute apart
say little. Here the baseline revision is exported from git into a temporary folder as a
package of another name (`sim` becomes `sim_baseline`), both are imported into this one
process, and the two are run alternately on the same worlds (same scenario, mediator,
seed and runs), round after round. Each round gives one ratio candidate / baseline of
CPU time per world-step, taken seconds apart, so a slow spell of the machine slows both
sides of most pairs alike; the median ratio and its interquartile range are printed, and
the ratio of the two sides' 10th percentiles (their times when the machine was quiet).

The baseline's numba cache is separate (the cache folder is named after a hash of the
rules' source, `sim.rules.jit`), so the first run of a revision compiles it (~1 min).
The two sides must count the same world-steps: a change that alters the histories is
reported and not timed (check bit-identity with `benchmarks/identity.py`).

Usage (from the repository root):
    PYTHONPATH=$PWD .venv/bin/python benchmarks/paired.py HEAD~1 [--rounds 100] [--worlds 3000]
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
_IMPORT = re.compile(r"\b(from|import) sim\b")


def export_revision(revision: str, into: Path) -> Path:
    """`sim/` and `scenarios/` of `revision`, with `sim` renamed `sim_baseline`."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision, "sim", "scenarios"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "sim").rename(into / "sim_baseline")
    for path in (into / "sim_baseline").rglob("*.py"):
        text = path.read_text()
        path.write_text(_IMPORT.sub(r"\1 sim_baseline", text))
    return into


def timer(package: str, root: Path, mediator: str, n_worlds: int) -> tuple[Any, int]:
    """A function that runs the same worlds under `package` and returns the CPU ns per
    world-step, and the world-steps it runs (the same every call)."""
    modules: dict[str, ModuleType] = {
        name: importlib.import_module(f"{package}.{name}")
        for name in ("rules.drive", "scenario", "worlds")
    }
    scenario = modules["scenario"].load_scenario(root / "scenarios" / "daraa_2021.toml")
    worlds = modules["worlds"].WorldSet.build(scenario, mediator, n_worlds, 7)
    run_worlds = modules["rules.drive"].run_worlds
    st, pr, sc = worlds.state, worlds.params, worlds.structure

    def steps() -> int:
        return run_worlds(st, pr, sc, worlds.key, worlds.runs, worlds.psets, sc.n_steps)

    n_steps = steps()  # compile, or load from the cache

    def run() -> float:
        start = time.process_time()
        steps()
        return (time.process_time() - start) / n_steps * 1e9

    return run, n_steps


def alternate(a: Callable[[], float], b: Callable[[], float], rounds: int) -> np.ndarray:
    """(rounds, 2): what a and b return, called alternately, each round's first side
    alternating too, so that both meet the machine's slow and quick spells alike."""
    out = np.zeros((rounds, 2))
    for i in range(rounds):
        for j in (0, 1) if i % 2 else (1, 0):
            out[i, j] = (a, b)[j]()
    return out


def summary(label: str, names: tuple[str, str], ns: np.ndarray) -> str:
    """Both sides' medians and 10th percentiles, and the paired ratio second / first."""
    ratio = ns[:, 1] / ns[:, 0]
    q1, median, q3 = np.percentile(ratio, [25, 50, 75])
    p10 = np.percentile(ns, 10, axis=0)
    sides = ", ".join(
        f"{name} {np.median(ns[:, j]):.1f} ({p10[j]:.1f})" for j, name in enumerate(names)
    )
    return (
        f"{label}, ns per world-step, median (10th percentile): {sides}\n"
        f"  {names[1]} / {names[0]}: paired median {median:.3f} [IQR {q1:.3f}-{q3:.3f}]; "
        f"10th percentiles {p10[1] / p10[0]:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", help="a git revision, e.g. HEAD~1 or main")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--worlds", type=int, default=3000)
    parser.add_argument("--mediators", nargs="+", default=["russia", "turkey"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paired-") as folder:
        root = export_revision(args.baseline, Path(folder))
        sys.path.insert(0, str(root))
        print(f"candidate: the working tree; baseline: {args.baseline}; {args.rounds} rounds")
        for mediator in args.mediators:
            baseline, steps_a = timer("sim_baseline", root, mediator, args.worlds)
            candidate, steps_b = timer("sim", REPO, mediator, args.worlds)
            if steps_a != steps_b:
                sys.exit(f"{mediator}: the two revisions run different histories")
            ns = alternate(baseline, candidate, args.rounds)
            print(summary(mediator, ("baseline", "candidate"), ns))


if __name__ == "__main__":
    main()
