"""Where the shipped scenario files are, and how a user's name for one is matched.

The project keeps its scenarios in the top-level ``scenarios/`` folder (the layout
users are promised). A wheel carries the same files as package data of `sim`
(``sim/scenarios/``, mapped at build time by ``setup.py``), so an installed
``ceasefire`` finds them from any folder. From a source checkout (editable install
or ``PYTHONPATH``) there is no ``sim/scenarios``, and the top-level folder is used.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

SCENARIOS_FOLDER = "scenarios"
DEFAULT_SCENARIO_FILE = "daraa_2021.toml"

# The kinds of shipped file, by sub-folder of scenarios/ ("" = the folder itself).
KINDS = {"scenario": "", "mediator": "mediators", "variant": "variants", "prior": "priors"}


def scenarios_dir() -> Path:
    """The folder of shipped scenarios: inside the installed package, else the checkout's."""
    packaged = resources.files("sim") / SCENARIOS_FOLDER
    # A wheel installs plain files, so the Traversable is a real path on disk.
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / SCENARIOS_FOLDER


def default_scenario() -> Path:
    """The Daraa 2021 scenario file as shipped."""
    return scenarios_dir() / DEFAULT_SCENARIO_FILE


def looks_like_path(name: str) -> bool:
    """A mediator or variant given as a file (``un.toml``, ``path/to/un``) rather than a name."""
    return name.endswith(".toml") or "/" in name or "\\" in name


def match_name(requested: str, known: Iterable[str]) -> str | None:
    """`requested` as one of `known`: exact, or case-insensitive when only one matches.

    A file path matches the name of its file (a mediator file's name is its stem).
    Returns None when nothing (or more than one name) matches.
    """
    known = list(known)
    if requested in known:
        return requested
    wanted = Path(requested).stem if looks_like_path(requested) else requested
    if wanted in known:
        return wanted
    folded = [k for k in known if k.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


def find_in_folder(name: str, folder: Path) -> Path:
    """``folder/<name>.toml``, matching the name case-insensitively if unambiguous."""
    exact = folder / f"{name}.toml"
    if exact.exists() or not folder.is_dir():
        return exact
    match = match_name(name, (p.stem for p in folder.glob("*.toml")))
    return folder / f"{match}.toml" if match else exact


def canonical_mediators(names: Iterable[str], scenario_path: str | Path) -> list[str]:
    """Mediator names as their files spell them (``Russia`` -> ``russia``); paths unchanged.

    Names are matched in the ``mediators/`` folder beside the scenario, case-insensitively
    when only one file matches; anything else is left for the loader to refuse.
    """
    folder = Path(scenario_path).parent / "mediators"
    stems = [p.stem for p in folder.glob("*.toml")] if folder.is_dir() else []
    return [n if looks_like_path(n) else match_name(n, stems) or n for n in names]


@dataclass(frozen=True)
class Shipped:
    """One shipped file: its kind, the name to use it by, and its one-line description."""

    kind: str
    name: str
    path: Path
    description: str


def _description(path: Path) -> str:
    """The file's own description (its [scenario]/[mediator]/[variant] table), or its comment."""
    text = path.read_text(encoding="utf-8")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        table = {}
    for section in ("scenario", "mediator", "variant", "calibration"):
        entry = table.get(section)
        if isinstance(entry, dict) and isinstance(entry.get("description"), str):
            return entry["description"]
    # Fall back to the first comment line (priors and the sensitivity set have no table).
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def shipped_files(root: Path | None = None) -> list[Shipped]:
    """Every shipped scenario, mediator, variant and priors file, in a stable order."""
    root = scenarios_dir() if root is None else root
    found = []
    for kind, sub in KINDS.items():
        folder = root / sub if sub else root
        for path in sorted(folder.glob("*.toml")):
            if kind == "scenario" and "scenario" not in tomllib.loads(path.read_text("utf-8")):
                # e.g. sensitivity_default.toml: the parameters `ceasefire sensitivity` varies
                found.append(Shipped("parameters", path.stem, path, _description(path)))
                continue
            found.append(Shipped(kind, path.stem, path, _description(path)))
    found.extend(_shipped_cases(root))
    return found


def _shipped_cases(root: Path) -> list[Shipped]:
    """The case library: ``cases/<case>/<case>.toml``, described by title and mediators."""
    found = []
    for folder in sorted(p for p in (root / "cases").glob("*") if p.is_dir()):
        path = folder / f"{folder.name}.toml"
        if not path.is_file():
            continue
        header = tomllib.loads(path.read_text("utf-8")).get("scenario", {})
        title = header.get("title", folder.name)
        mediators = ", ".join(header.get("mediators", []))
        uniq = ", ".join(str(u) for u in header.get("ethprio_uniq_id", [])) or "none"
        description = f"{title} (mediators: {mediators}; ETH/PRIO {uniq})"
        found.append(Shipped("case", folder.name, path, description))
    return found
