"""The wheel carries what an installed `ceasefire` reads at run time.

`setup.py` copies the scenario files, each case's outcome.json (which `ceasefire backtest`
scores against) and the fact sheets (which `ceasefire validate` checks a case's citations
against) into the package. This builds a wheel and reads its file list; nothing is installed.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # a wheel build in an isolated environment: ~10 s, more on a busy machine
def test_the_wheel_ships_every_case_file_and_fact_sheet(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("ceasefire_sim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    cases = sorted(p.parent.name for p in (ROOT / "scenarios" / "cases").glob("*/outcome.json"))
    assert len(cases) >= 8
    for case in cases:
        for kind in (f"{case}.toml", "outcome.json"):
            assert f"sim/scenarios/cases/{case}/{kind}" in names, (case, kind)
        assert any(n.startswith(f"sim/scenarios/cases/{case}/mediators/") for n in names), case
    for sheet in (ROOT / "seeds").glob("*.md"):
        assert f"sim/seeds/{sheet.name}" in names, sheet.name
    assert "sim/scenarios/daraa_2021.toml" in names
    assert "sim/data/reference_ceasefires.csv" in names  # the baselines' ETH/PRIO table
