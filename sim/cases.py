"""The case library: real truces shipped as scenarios, and the outcome-citation rule.

A case is a folder ``scenarios/cases/<case>/`` holding ``<case>.toml`` (the scenario),
``mediators/*.toml`` and ``outcome.json`` (what happened, for testing only), with its
fact sheet in ``seeds/<case>.md`` (named in the scenario's ``scenario.sources``).

The rule checked here (docs/scenario-format.md, "Numbers and their provenance"): every
number's source cites fact IDs of the case's own fact sheet, or states an assumption,
and never cites a fact of the sheet's **Outcome** section: a parameter may rest only
on what was known when the truce was signed.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sim.errors import UserError
from sim.resources import scenarios_dir

CASES_FOLDER = "cases"

# A fact ID as fact sheets write them: one or two capitals and a number (A1, T9, O13).
_ID = re.compile(r"\b([A-Z]{1,2}\d+)\b")
_FACT_ID = re.compile(r"[A-Z]{1,2}\d+")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")


@dataclass(frozen=True)
class FactSheet:
    """The fact IDs of a fact sheet, split into what was known at signing and the outcome."""

    path: Path
    known: frozenset[str]
    outcome: frozenset[str]

    @property
    def ids(self) -> frozenset[str]:
        return self.known | self.outcome

    @property
    def prefixes(self) -> frozenset[str]:
        """The letter prefixes the sheet uses (so "M5 highway" is not read as a fact in a
        sheet that has no M facts)."""
        return frozenset(re.sub(r"\d+$", "", i) for i in self.ids)


@dataclass(frozen=True)
class Case:
    """One shipped case: where its files are and which ETH/PRIO rows record it."""

    name: str
    scenario: Path
    fact_sheet: Path | None
    outcome: Path
    ethprio_uniq_id: tuple[int, ...]

    @property
    def mediators_dir(self) -> Path:
        return self.scenario.parent / "mediators"


def read_fact_sheet(path: Path) -> FactSheet:
    """The fact IDs of a fact sheet, split by section: the Outcome section's, and the rest.

    Facts are the rows of Markdown tables whose header's first cell is ``ID``
    (``| ID | fact | source |``); other tables (the list of outlets) hold no facts. A
    section is the Outcome section if its heading contains "Outcome".
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read the fact sheet: {error.strerror}", file=str(path)) from None
    known: set[str] = set()
    outcome: set[str] = set()
    in_outcome = False
    header: str | None = None  # first cell of the current table's header row
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            in_outcome = "Outcome" in heading.group(1)
            header = None
            continue
        if not line.startswith("|"):
            header = None
            continue
        first = line.strip("|").split("|")[0].strip()
        if header is None:
            header = first
        elif header == "ID" and _FACT_ID.fullmatch(first):
            (outcome if in_outcome else known).add(first)
    return FactSheet(path=path, known=frozenset(known), outcome=frozenset(outcome))


def cited_ids(note: str, sheet: FactSheet) -> list[str]:
    """The fact IDs a provenance note cites: tokens shaped like an ID of the sheet."""
    return [i for i in _ID.findall(note) if re.sub(r"\d+$", "", i) in sheet.prefixes]


def repo_root() -> Path:
    """The folder ``scenario.sources`` paths are relative to (the checkout's root)."""
    return scenarios_dir().parent


def fact_sheet_of(scenario_path: Path) -> Path | None:
    """The first Markdown fact sheet the scenario lists in ``scenario.sources`` that exists.

    Paths are tried relative to the repository root, then to the scenario's folder and
    its parents (a copy of a case elsewhere finds its sheet beside it or above it).
    """
    try:
        table = tomllib.loads(scenario_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # the scenario loader reports unreadable files with their key
    header = table.get("scenario")
    sources = header.get("sources", []) if isinstance(header, dict) else []
    bases = [repo_root(), *scenario_path.resolve().parents]
    for source in sources if isinstance(sources, list) else []:
        if not isinstance(source, str) or not source.endswith(".md"):
            continue
        for base in bases:
            if (base / source).is_file():
                return base / source
    return None


def cases_dir() -> Path:
    return scenarios_dir() / CASES_FOLDER


def list_cases(root: Path | None = None) -> list[Case]:
    """Every case folder with a scenario named after it, in name order."""
    root = cases_dir() if root is None else root
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        scenario = folder / f"{folder.name}.toml"
        if not scenario.is_file():
            continue
        header = tomllib.loads(scenario.read_text(encoding="utf-8")).get("scenario", {})
        found.append(
            Case(
                name=folder.name,
                scenario=scenario,
                fact_sheet=fact_sheet_of(scenario),
                outcome=folder / "outcome.json",
                ethprio_uniq_id=tuple(header.get("ethprio_uniq_id", ())),
            )
        )
    return found


def read_outcome(case: Case) -> dict:
    """The case's outcome.json (what happened; the model never reads it)."""
    return json.loads(case.outcome.read_text(encoding="utf-8"))


def source_notes(path: Path) -> Iterable[tuple[str, str]]:
    """(dotted key, source note) for every number of a scenario or mediator file."""

    def walk(table: Mapping, prefix: str) -> Iterable[tuple[str, str]]:
        for key, value in table.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, dict) and "value" in value and "source" in value:
                if isinstance(value["source"], str):
                    yield dotted, value["source"]
            elif isinstance(value, dict):
                yield from walk(value, dotted + ".")

    return walk(tomllib.loads(path.read_text(encoding="utf-8")), "")


def _mediator_files(scenario_path: Path) -> list[Path]:
    folder = scenario_path.parent / "mediators"
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def check_note(note: str, sheet: FactSheet, *, file: str, key: str) -> None:
    """One note: cites only known, pre-signing facts, and cites one or says 'assumption'."""
    cited = cited_ids(note, sheet)
    for fact in cited:
        if fact in sheet.outcome:
            raise UserError(
                f"cites {fact}, an Outcome fact of {sheet.path.name} (what happened after "
                "the signing); expected only facts known at signing, or 'assumption: ...'",
                file=file,
                key=key,
            )
        if fact not in sheet.known:
            raise UserError(
                f"cites {fact}, which is not a fact of {sheet.path.name}; expected one of "
                "its fact IDs, or 'assumption: ...'",
                file=file,
                key=key,
            )
    if not cited and "assumption" not in note.lower():
        raise UserError(
            f"source {note!r} cites no fact of {sheet.path.name} and states no assumption; "
            "expected fact IDs first, or 'assumption: ' and the reasoning",
            file=file,
            key=key,
        )


def check_citations(
    case: Case | Path | str,
    *,
    mediators: Iterable[Path] | None = None,
    sheet_path: Path | None = None,
) -> None:
    """Check the sources of a case's scenario and of its mediator files.

    Args:
        case: a `Case`, or a scenario file (its fact sheet is found from its sources).
        mediators: the mediator files to check (default: every file in the
            ``mediators/`` folder beside the scenario).
        sheet_path: the fact sheet to check against (default: the case's).

    Raises:
        UserError: naming the file, the key and the offending fact ID.
    """
    scenario = case.scenario if isinstance(case, Case) else Path(case)
    if sheet_path is None:
        sheet_path = case.fact_sheet if isinstance(case, Case) else fact_sheet_of(scenario)
    if sheet_path is None:
        raise UserError(
            "no fact sheet found; expected the path of a Markdown fact sheet (seeds/<case>.md)",
            file=str(scenario),
            key="scenario.sources",
        )
    sheet = read_fact_sheet(sheet_path)
    files = _mediator_files(scenario) if mediators is None else list(mediators)
    for path in (scenario, *files):
        for key, note in source_notes(path):
            check_note(note, sheet, file=str(path), key=key)


__all__ = [
    "Case",
    "FactSheet",
    "check_citations",
    "check_note",
    "cited_ids",
    "fact_sheet_of",
    "list_cases",
    "read_fact_sheet",
    "read_outcome",
    "source_notes",
]
