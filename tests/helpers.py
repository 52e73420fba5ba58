"""Helpers shared by the tests: a scratch copy of the shipped scenarios."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
DEFAULT = SCENARIOS / "daraa_2021.toml"


def scenario_copy(tmp_path: Path) -> Path:
    """Copy scenarios/ into tmp_path and return the copied default scenario file."""
    target = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, target)
    return target / "daraa_2021.toml"


def edit(path: Path, old: str, new: str) -> Path:
    """Replace one exact piece of text in a file (the test fails if it is not there)."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
    return path


# What a batch of the default scenario records about its parties (for tables built in memory).
DARAA_MANIFEST = {
    "parties": [
        {"key": "regime", "label": "Assad regime"},
        {"key": "militia", "label": "Iranian militias"},
        {"key": "opposition", "label": "Daraa al-Balad opposition"},
    ]
}
