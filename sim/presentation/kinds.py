"""The one registry of report kinds: which folder gets which report.

`ceasefire report DIR` asks `detect(DIR)` which kind of results folder DIR is. A kind
names a function `sections(DIR) -> list[Section]` that returns no sections for a folder
that is not of its kind; the first registered kind whose function returns sections
wins, and a plain batch (the default kind) gets the full batch report. Functions are
named by dotted path ("package.module:function") and imported only when asked, so the
registry does not import the experiment modules (nor they it), and adding a kind is one
`register_kind` call here or in the kind's own module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sim.presentation.html import Section

SectionsFunction = Callable[[Path], "list[Section]"]


@dataclass(frozen=True)
class ReportKind:
    """One kind of report.

    Attributes:
        name: Short name, used in the title ("Ceasefire NAME report: scenario").
        sections: "module:function" (or the function) giving the kind's sections for
            a folder, empty when the folder is not of this kind.
        question: The question the report answers, shown first.
    """

    name: str
    sections: str | SectionsFunction
    question: str

    def sections_of(self, directory: Path) -> list[Section]:
        """The kind's sections for `directory` (empty: not a folder of this kind)."""
        return list(resolve(self.sections)(Path(directory)))


_KINDS: dict[str, ReportKind] = {}

#: Sections added to the plain batch report when a folder has them (each returns a
#: Section or None): e.g. the decomposition `ceasefire compare --explain` wrote.
BATCH_EXTRAS: list[str] = [
    "sim.explain.batch:report_section",
    "sim.experiments.uncertainty_batch:report_section",
]


def register_kind(name: str, sections: str | SectionsFunction, *, question: str) -> ReportKind:
    """Add a kind of report (or replace the one of that name); returns it."""
    kind = ReportKind(name, sections, question)
    _KINDS[name] = kind
    return kind


def kinds() -> tuple[ReportKind, ...]:
    """The registered kinds, in the order they are tried."""
    return tuple(_KINDS.values())


def resolve(target: str | Callable) -> Callable:
    """The function a dotted "package.module:function" names (or `target` itself)."""
    if callable(target):
        return target
    module, _, name = target.partition(":")
    if not name:
        raise ValueError(f"target: expected 'package.module:function', got {target!r}")
    return getattr(importlib.import_module(module), name)


def detect(directory: str | Path) -> tuple[ReportKind, list[Section]] | None:
    """The first kind whose sections for `directory` are not empty, with them; None: a batch."""
    for kind in kinds():
        sections = kind.sections_of(Path(directory))
        if sections:
            return kind, sections
    return None


def batch_extras(directory: str | Path) -> list[Section]:
    """The extra sections of a plain batch report (`BATCH_EXTRAS`) that this folder has."""
    found = (resolve(target)(Path(directory)) for target in BATCH_EXTRAS)
    return [section for section in found if section is not None]


WHAT_DRIVES = "Which assumptions drive how long the truce holds?"

# The kinds `ceasefire report` knows. Their section functions live with their designs.
register_kind("sweep", "sim.experiments.sweep_figures:sweep_sections", question=WHAT_DRIVES)
register_kind(
    "sensitivity",
    "sim.experiments.sensitivity_figures:sensitivity_sections",
    question=WHAT_DRIVES,
)
register_kind(
    "uncertainty",
    "sim.experiments.uncertainty_batch:own_sections",
    question="Would the other mediator do better if the uncertain parameters are not as assumed?",
)
