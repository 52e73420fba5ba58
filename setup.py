"""Build hook: ship `scenarios/` and `seeds/` inside the wheel as `sim/scenarios/`, `sim/seeds/`.

Everything else about the package is declared in pyproject.toml. The scenarios stay at
the top level of the repository (where users are told to find and copy them); a wheel
must carry them too, or an installed `ceasefire` cannot find its default scenario.
`sim.resources.scenarios_dir` reads them from the package, or from the checkout.

What is copied (`SHIPPED`): every scenario, mediator, variant and prior file (`*.toml`),
each case's `outcome.json` (what `ceasefire backtest` scores against), and the fact
sheets `seeds/*.md` (the outcome-citation check of `ceasefire validate` reads a case's
sheet through `scenario.sources`, relative to `sim.cases.repo_root()`, which is the
package folder once installed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# (folder of the checkout, file pattern) -> copied to sim/<folder>/ keeping sub-folders
SHIPPED: tuple[tuple[str, str], ...] = (
    ("scenarios", "*.toml"),
    ("scenarios", "outcome.json"),
    ("seeds", "*.md"),
)


class BuildWithScenarios(build_py):
    """`build_py`, plus a copy of the `SHIPPED` data files into the built `sim` package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's folder directly
            return
        for folder, pattern in SHIPPED:
            source, target = ROOT / folder, Path(self.build_lib) / "sim" / folder
            for path in sorted(source.rglob(pattern)):
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)


setup(cmdclass={"build_py": BuildWithScenarios})
