"""The decomposition of a batch that compares exactly two plain mediators.

`ceasefire compare DIR --explain` runs it with the batch's scenario, overrides and seed
and writes DIR/explain/; `ceasefire report DIR` shows what it finds there.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from sim.errors import UserError

EXPLAIN_DIR = "explain"


def two_mediators(manifest: dict) -> tuple[str, str]:
    """The two mediators of a batch whose variants are exactly two plain mediators."""
    variants = manifest.get("variants") or []
    plain = [v for v in variants if not v.get("overlays") and not v.get("overrides")]
    if len(variants) != 2 or len(plain) != 2:
        raise UserError(
            "--explain needs a batch of exactly two mediators without variants or "
            f"per-variant overrides; this one has {len(variants)} variant(s)"
        )
    return plain[0]["mediator"], plain[1]["mediator"]


def explain_batch(directory: str | Path, runs: int) -> str:
    """Decompose the batch's difference (B - A, in the batch's order); write DIR/explain/."""
    from sim.explain.decompose import decompose
    from sim.explain.output import format_table, write_outputs
    from sim.scenario import load_scenario

    directory = Path(directory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("posterior"):
        raise UserError("--explain: batches drawn from a posterior are not supported yet")
    a, b = two_mediators(manifest)
    scenario = load_scenario(
        manifest["scenario"]["path"], mediators=[a, b], overrides=manifest.get("overrides") or {}
    )
    result = decompose(scenario, a, b, runs=runs, seed=int(manifest["seed"]))
    write_outputs(result, directory / EXPLAIN_DIR)
    return format_table(result)


def report_section(directory: str | Path):
    """The report's section for DIR/explain/, or None when there is none."""
    from sim.analysis.report import Section

    folder = Path(directory) / EXPLAIN_DIR
    table = folder / "decomposition.txt"
    if not table.is_file():
        return None
    data = json.loads((folder / "decomposition.json").read_text(encoding="utf-8"))
    body = [
        f"<p>{html.escape(data['sentence'])}</p>",
        f"<pre>{html.escape(table.read_text(encoding='utf-8'))}</pre>",
    ]
    png = folder / "figures" / "waterfall_survival.png"
    if png.is_file():
        encoded = base64.b64encode(png.read_bytes()).decode("ascii")
        body.append(f'<figure><img alt="waterfall" src="data:image/png;base64,{encoded}"></figure>')
    return Section("explain", "Why the mediators differ", "\n".join(body))
