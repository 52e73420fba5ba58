"""The benchmark scripts still run against the package they measure.

They are not part of the package, so a refactor that moves a name breaks them silently
(`mediator_params` left `sim.scenario` and the per-world section of `bench_batch.py`
failed on import, found only when it was next run). These tests exercise the parts that
need no timing: the per-world design and the export of a baseline revision.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from types import ModuleType

import numpy as np
import pytest

from sim.scenario import load_scenario
from sim.schema import mediator_params
from tests.helpers import DEFAULT, ROOT


@pytest.fixture(scope="module")
def benchmarks() -> Iterator[dict[str, ModuleType]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        yield {name: importlib.import_module(name) for name in ("bench_parts", "paired")}
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_the_per_world_design_spans_every_parameter_within_its_range(benchmarks):
    scenario = load_scenario(DEFAULT)
    design = benchmarks["bench_parts"].world_design(scenario, 16)
    declared = scenario.params()
    per_mediator = mediator_params(scenario.party_keys)
    assert any(k.startswith("mediator.") for k in design)
    assert not any(k.startswith("time.") for k in design)
    for key, values in design.items():
        assert values.shape == (16,), key
        param = declared.get(key) or per_mediator[key.removeprefix("mediator.")]
        if param.low is not None:
            assert np.all(values >= param.low), key
        if param.high is not None:
            assert np.all(values <= param.high), key
    varied = [k for k, v in design.items() if np.ptp(v) > 0]
    assert len(varied) > 50  # a design over the numeric parameters, not a constant


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)
def test_a_baseline_revision_is_exported_as_a_package_that_imports_only_itself(
    benchmarks, tmp_path
):
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if head.returncode != 0:
        pytest.skip("no commit to export")
    root = benchmarks["paired"].export_revision("HEAD", tmp_path)
    package = root / "sim_baseline"
    assert (package / "rules" / "drive.py").exists()
    assert (root / "scenarios" / "daraa_2021.toml").exists()
    the_original = re.compile(r"^\s*(from|import) sim(\.|\s|$)")
    for path in package.rglob("*.py"):
        for line in path.read_text().splitlines():
            assert not the_original.match(line), f"{path}: {line}"
    assert "sim_baseline" in (package / "rules" / "drive.py").read_text()
