"""The uncertainty analysis of a batch folder: run into DIR/uncertainty/, found there later.

`ceasefire study --vary ...` and `ceasefire compare DIR --vary ...` run it with the
batch's scenario, mediators, overrides and seed; `ceasefire compare DIR` and
`ceasefire report DIR` show what they find in DIR/uncertainty/.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.errors import UserError

UNCERTAINTY_DIR = "uncertainty"


def read_manifest(directory: Path) -> dict[str, Any]:
    """DIR/manifest.json, or one line saying why it cannot be read."""
    path = directory / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read the batch manifest ({error})", file=str(path)) from None


def batch_scenario(directory: Path) -> tuple[Any, dict[str, Any]]:
    """The batch's scenario as it was run: its file, checked unchanged, with its overrides."""
    from sim.batch import load_for_batch

    manifest = read_manifest(directory)
    recorded = manifest.get("scenario") or {}
    mediators = [v["mediator"] for v in manifest.get("variants", [])]
    scenario = load_for_batch(recorded.get("path", ""), list(dict.fromkeys(mediators)))
    if scenario.source.sha256 != recorded.get("sha256"):
        raise UserError(
            "the scenario file changed since the batch was run; run the study again",
            file=recorded.get("path"),
        )
    return scenario, manifest


def run_uncertainty(
    directory: str | Path,
    *,
    ranges: Sequence[str] = (),
    posterior: str | Path | None = None,
    draws: int,
    replicates: int,
    **batch_options: Any,
) -> Any:
    """Run the uncertainty design for the batch in `directory`; returns its analysis.

    The plain mediators of the batch are compared (the first against each other one),
    under the batch's overrides and seed.
    """
    from sim.experiments import run_experiment

    directory = Path(directory)
    scenario, manifest = batch_scenario(directory)
    plain = [v["mediator"] for v in manifest["variants"] if not v.get("overlays")]
    mediators = list(dict.fromkeys(plain))
    if len(mediators) < 2:
        raise UserError("the uncertainty analysis compares at least two mediators")
    _design, analysis = run_experiment(
        "uncertainty",
        scenario,
        mediators=mediators,
        seed=int(manifest["seed"]),
        out=directory / UNCERTAINTY_DIR,
        design_options={
            "ranges": list(ranges),
            "posterior": posterior,
            "draws": draws,
            "replicates": replicates,
            "seed": int(manifest["seed"]),
        },
        overrides=manifest.get("overrides") or {},
        **batch_options,
    )
    from sim.results.writer import ResultsFolder

    folder = ResultsFolder(directory / UNCERTAINTY_DIR)
    folder.write_json("uncertainty.json", analysis.to_json())
    folder.write_text("uncertainty.txt", analysis.format_text() + "\n")
    folder.record()
    return analysis


def found(directory: str | Path) -> Any | None:
    """The analysis of DIR/uncertainty/, or None when there is none."""
    folder = Path(directory) / UNCERTAINTY_DIR
    if not (folder / "runs.parquet").is_file():
        return None  # checked first: every compare and report asks, most batches have none
    from sim.experiments.uncertainty_analysis import analyse_uncertainty

    return analyse_uncertainty(folder)


def report_sections(directory: str | Path) -> list[Any]:
    """The report's sections for DIR/uncertainty/ (none when there is none)."""
    analysis = found(directory)
    return [] if analysis is None else analysis.sections()


def report_section(directory: str | Path) -> Any | None:
    """The section a batch's report adds for DIR/uncertainty/, or None."""
    sections = report_sections(directory)
    return sections[0] if sections else None


def own_sections(directory: str | Path) -> list[Any]:
    """The sections of DIR when DIR is itself an uncertainty batch (else none)."""
    from sim.experiments.uncertainty_analysis import analyse_uncertainty

    directory = Path(directory)
    try:
        design = read_manifest(directory).get("design") or {}
    except UserError:
        return []
    if design.get("kind") != "uncertainty":
        return []
    return analyse_uncertainty(directory).sections()
