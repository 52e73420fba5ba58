"""A batch's manifest: what made it (files, variants, seed, versions), and the check
that a resumed batch is the same batch."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.batch.design import POSTERIOR_PREFIX
from sim.errors import UserError

if TYPE_CHECKING:
    from sim.batch.posterior import Posterior
    from sim.scenario import Scenario

_VERSIONED = ("ceasefire-sim", "numpy", "mesa", "pyarrow", "pandas", "dask", "distributed", "tqdm")


def _versions() -> dict[str, str]:
    from importlib import metadata

    import sim

    versions = {"sim": sim.__version__, "python": sys.version.split()[0]}
    for name in _VERSIONED:
        with suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _source_entry(source: Any) -> dict[str, str]:
    return {"path": source.path, "sha256": source.sha256, "text": source.text}


def _manifest(
    *,
    scenario_path: Path,
    base: Scenario,
    planned: Sequence[Any],
    overrides: Mapping[str, Any],
    seed: int,
    runs: int,
    chunk_size: int,
    n_chunks: int,
    command: str,
) -> dict[str, Any]:
    mediator_files: dict[str, dict[str, str]] = {}
    variant_files: dict[str, dict[str, str]] = {}
    for variant in planned:
        for name, mediator in sorted(variant.scenario.mediators.items()):
            if mediator.source is not None:
                mediator_files.setdefault(name, _source_entry(mediator.source))
        for source in variant.scenario.variants:
            variant_files.setdefault(Path(source.path).stem, _source_entry(source))
    return {
        "kind": "batch",
        "scenario": {
            "path": str(scenario_path),
            "name": base.name,
            "sha256": base.source.sha256,
            "text": base.source.text,
        },
        "mediators": mediator_files,
        "variant_files": variant_files,
        "variants": [{**v.spec.as_dict(), "starts_with": v.mediator} for v in planned],
        "overrides": dict(base.overrides),
        "seed": seed,
        "runs_per_variant": runs,
        "chunk_size": chunk_size,
        "n_chunks": n_chunks,
        "runs_total": runs * len(planned),
        "horizon_h": base.horizon_h,
        "parties": [
            {"key": p.key, "label": p.label, "side": p.side, "signatory": p.signatory}
            for p in base.parties
        ],
        "terms": [
            {"key": t.key, "label": t.label, "controller": t.controller, "delivery": t.delivery}
            for t in base.terms
        ],
        "seeding": (
            "run i of every variant: counter-based draws keyed by "
            "SeedSequence(seed).generate_state(2) and i (sim.rules.rng); "
            "posterior draws: chunk k of every variant, SeedSequence(seed, spawn_key=(k, 1))"
        ),
        "versions": _versions(),
        "command": command,
        "started": _now(),
        "finished": None,
        "complete": False,
    }


# What must match for --resume to continue a batch: everything that decides the results.
_RESUME_KEYS = ("variants", "overrides", "seed", "runs_per_variant", "chunk_size", "seeding")


def _check_resumable(old: Mapping[str, Any], new: Mapping[str, Any], out: Path) -> None:
    def hashes(manifest: Mapping[str, Any], key: str) -> dict[str, str]:
        return {name: entry.get("sha256") for name, entry in manifest.get(key, {}).items()}

    differences = []
    if old.get("kind") != "batch":
        differences.append("it is not a batch manifest")
    if old.get("scenario", {}).get("sha256") != new["scenario"]["sha256"]:
        differences.append("the scenario file changed")
    if hashes(old, "mediators") != hashes(new, "mediators"):
        differences.append("the mediator files changed")
    if hashes(old, "variant_files") != hashes(new, "variant_files"):
        differences.append("the variant files changed")
    for key in _RESUME_KEYS:
        if old.get(key) != new[key]:
            differences.append(f"{key} was {old.get(key)!r}, now {new[key]!r}")
    if (old.get("posterior") or {}).get("sha256") != (new.get("posterior") or {}).get("sha256"):
        differences.append("the posterior file changed")
    if (old.get("design") or {}).get("sha256") != (new.get("design") or {}).get("sha256"):
        differences.append("the parameter design changed")
    if old.get("versions", {}).get("sim") != new["versions"]["sim"]:
        differences.append(
            f"sim version was {old.get('versions', {}).get('sim')}, now {new['versions']['sim']}"
        )
    if differences:
        raise UserError(
            "cannot resume: this batch was started with other settings ("
            + "; ".join(differences)
            + "); resume with the original command, or start a new batch in an empty folder",
            file=str(out / "manifest.json"),
        )


def _posterior_entry(path: str | Path | None, posterior: Posterior | None) -> dict | None:
    """The manifest's record of the posterior runs drew their parameters from."""
    if path is None or posterior is None:
        return None
    import hashlib

    return {
        "path": str(path),
        "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        "keys": posterior.keys,
        "draws": len(posterior.samples),
        "columns": [f"{POSTERIOR_PREFIX}{k}" for k in posterior.keys],
    }


def _describe_call(**kwargs: Any) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"sim.run_batch({args})"
