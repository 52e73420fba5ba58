"""The case library: every folder under `scenarios/cases/` with a scenario and an outcome.

A case folder holds `<case>.toml` (the scenario, set from pre-signing facts only),
`mediators/` and `outcome.json` (how the truce ended: `ending`, `ending_h`, notes).
This loader is deliberately tiny: a shared `sim.cases.list_cases()` may replace it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.evidence.distribution import ENDINGS
from sim.resources import scenarios_dir

IN_FORCE = "in_force"  # outcome.json's word for a truce still holding when last observed
# Inside the installed package when installed from a wheel (setup.py ships outcome.json).
CASES_DIR = scenarios_dir() / "cases"


@dataclass(frozen=True)
class LibraryCase:
    """One case folder.

    Attributes:
        name: folder name ("daraa_2018").
        scenario_path: the scenario file.
        ending: observed ending (one of ENDINGS), or None when not observed.
        ending_h: hours from the truce taking effect (`ending_from_effective_h` when
            given, else `ending_h`, from signing) to the ending, or to the last
            observation of a truce still in force (None when not given).
        in_force: outcome.json says "in_force": still holding when last observed.
        uniq_ids: its ETH/PRIO `uniq_id`s (the baselines leave these rows out).
        outcome: the whole outcome.json.
    """

    name: str
    scenario_path: Path
    ending: str | None
    ending_h: float | None
    uniq_ids: tuple[str, ...]
    outcome: dict[str, Any]
    in_force: bool = False


def list_cases(root: str | Path = CASES_DIR) -> list[Path]:
    """Case folders under `root` (those with an outcome.json), sorted by name."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "outcome.json").is_file())


def load_case(folder: str | Path) -> LibraryCase:
    """Read a case folder; bad contents give one `UserError` naming the file and key."""
    folder = Path(folder)
    path = folder / "outcome.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read the case outcome: {exc}", file=str(path)) from None
    if not isinstance(data, dict):
        raise UserError("expected a JSON object", file=str(path))
    scenario = folder / f"{folder.name}.toml"
    if not scenario.is_file():
        tomls = sorted(folder.glob("*.toml"))
        if len(tomls) != 1:
            raise UserError(
                f"expected one scenario file {folder.name}.toml beside outcome.json",
                file=str(folder),
            )
        scenario = tomls[0]
    ending = data.get("ending")
    if ending is not None and ending not in (*ENDINGS, IN_FORCE):
        raise UserError(f"expected one of {(*ENDINGS, IN_FORCE)} or null, got {ending!r}",
                        file=str(path), key="ending")  # fmt: skip
    in_force = ending == IN_FORCE
    ending = None if in_force else ending
    key = "ending_from_effective_h" if "ending_from_effective_h" in data else "ending_h"
    hours = data.get(key)
    if (ending is not None or hours is not None) and (
        not isinstance(hours, int | float) or isinstance(hours, bool) or not math.isfinite(hours)
        or hours < 0
    ):  # fmt: skip
        raise UserError(f"expected hours >= 0, got {hours!r}", file=str(path), key=key)
    uniq = data.get("ethprio_uniq_id", [])
    uniq = uniq if isinstance(uniq, list) else [uniq]
    return LibraryCase(
        name=folder.name,
        scenario_path=scenario,
        ending=ending,
        ending_h=None if hours is None else float(hours),
        uniq_ids=tuple(str(u) for u in uniq),
        outcome=data,
        in_force=in_force,
    )
