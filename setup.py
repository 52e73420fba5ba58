"""Build hook: ship the top-level `scenarios/` folder inside the wheel as `sim/scenarios/`.

Everything else about the package is declared in pyproject.toml. The scenarios stay at
the top level of the repository (where users are told to find and copy them); a wheel
must carry them too, or an installed `ceasefire` cannot find its default scenario.
`sim.resources.scenarios_dir` reads them from the package, or from the checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "scenarios"


class BuildWithScenarios(build_py):
    """`build_py`, plus a copy of scenarios/**/*.toml into the built `sim` package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's folder directly
            return
        target = Path(self.build_lib) / "sim" / "scenarios"
        for path in sorted(SOURCE.rglob("*.toml")):
            destination = target / path.relative_to(SOURCE)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


setup(cmdclass={"build_py": BuildWithScenarios})
