"""Keep the explorer's settings: a variant file and the batch command that reproduces them.

What changed from the scenario comes from `backend.variant_assignments` (the part
that knows the scenario's structure); this module writes it as TOML, checks that the
project's variant loader accepts it, and writes it through the one results writer.
"""

from __future__ import annotations

import json
import shlex
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.explore.backend import Settings, variant_assignments
from sim.results.writer import OutputError, write_text


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return json.dumps(str(value))  # a TOML basic string


def variant_toml(settings: Settings, name: str) -> str:
    """The current settings as a variant file (see scenarios/variants/)."""
    changed, replacement = variant_assignments(settings)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    made_from = " + ".join(settings.variants) or "no overlay"
    lines = [
        f"# Written by `ceasefire explore` on {stamp} from {Path(settings.scenario).name}",
        f"# ({made_from}, levers set by hand).",
        "[variant]",
        f"name = {_toml_value(name)}",
        f"description = {_toml_value('Settings saved from the explorer: ' + made_from)}",
    ]
    if replacement:
        lines.append(f"mediator = {_toml_value(replacement)}")
    lines += ["", "[set]"]
    source = "assumption: set by hand in ceasefire explore"
    for key, value in changed.items():
        lines.append(f'"{key}" = {{ value = {_toml_value(value)}, source = "{source}" }}')
    return "\n".join(lines) + "\n"


def batch_command(settings: Settings, variant_path: str | Path, out: str) -> str:
    """The `ceasefire batch` command whose `<mediator>+<variant>` groups reproduce the page."""
    words = ["ceasefire", "batch", str(settings.scenario)]
    for mediator in settings.mediators:
        words += ["--mediator", mediator]
    words += ["--variant", str(variant_path), "--runs", str(settings.n_worlds)]
    words += ["--seed", str(settings.seed), "--chunk-size", str(settings.n_worlds)]
    words += ["--out", out]
    return shlex.join(words)


def save_variant(settings: Settings, folder: str | Path, name: str) -> tuple[Path, str]:
    """Write the settings as `folder/name.toml`, check it loads, return (path, batch command).

    The file is checked with the project's variant loader under every mediator, as
    `ceasefire batch` would load it, before it is put in place: nothing invalid or
    half-written is left behind.

    Raises:
        UserError: a bad name or folder, or settings that do not load as a variant.
    """
    from sim.batch.variants import VariantSpec

    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise UserError(f"variant name: expected letters, digits, _ or -, got '{name}'")
    text = variant_toml(settings, name)
    # Checked in a scratch folder first, under its final file name (the loader wants a
    # variant's name to be its file's), so nothing invalid ever reaches `folder`.
    with tempfile.TemporaryDirectory(prefix="ceasefire-explore-") as scratch:
        trial = Path(scratch) / f"{name}.toml"
        trial.write_text(text, encoding="utf-8")
        for mediator in settings.mediators:
            VariantSpec(mediator, (str(trial),)).load(settings.scenario)
    try:  # the one results writer: atomic, OS errors as one line
        path = write_text(Path(folder) / f"{name}.toml", text)
    except OutputError as error:
        raise UserError(str(error)) from None
    out = f"results/explore-{name}"
    return path, batch_command(settings, path, out)
