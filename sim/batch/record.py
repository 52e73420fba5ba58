"""The record a batch keeps in its folder: the lock, the batch's fingerprint, and the hash of
every finished chunk in the manifest (what `--resume` trusts)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sim.batch.store import BatchStore
from sim.errors import UserError
from sim.results.lock import folder_lock


@contextmanager
def results_folder(out: Path, command: str) -> Iterator[None]:
    """Create `out` if needed and hold its lock; remove it again if this call made it
    and left it empty (bad input found late, a disk that is full from the start)."""
    missing = [p for p in (out, *out.parents) if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(
            f"cannot create the results folder ({error.strerror})", file=str(out)
        ) from None
    try:
        with folder_lock(out, command):
            yield
    finally:
        for folder in missing:  # innermost first
            with suppress(OSError):
                folder.rmdir()  # only if empty


def fingerprint(manifest: Mapping[str, Any], resume_keys: Sequence[str]) -> str:
    """A hash of everything that decides the results: the identity of the batch's chunks."""

    def hashes(key: str) -> dict[str, Any]:
        return {n: e.get("sha256") for n, e in (manifest.get(key) or {}).items()}

    decisive = {
        "scenario": manifest["scenario"]["sha256"],
        "mediators": hashes("mediators"),
        "variant_files": hashes("variant_files"),
        "posterior": (manifest.get("posterior") or {}).get("sha256"),
        "sim": manifest["versions"]["sim"],
        **{key: manifest[key] for key in resume_keys},
    }
    if manifest.get("design"):  # only then, so batches without a design keep their identity
        decisive["design"] = manifest["design"]["sha256"]
    text = json.dumps(decisive, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ChunkRecord:
    """The manifest's record of finished chunks and their hashes, rewritten at most
    every `INTERVAL_S` seconds, or 20 times as long as the last rewrite took (so a
    manifest of many chunks costs at most 5% of the time), and at the end: a chunk
    finished since the last rewrite is not trusted on resume and is simply redone."""

    INTERVAL_S = 1.0

    def __init__(self, store: BatchStore, manifest: dict[str, Any], chunks: dict[str, str]):
        self.store, self.manifest, self.chunks = store, manifest, chunks
        self.manifest["chunks"] = chunks
        self.last = 0.0
        self.interval = self.INTERVAL_S

    def trusted(self, task: Any) -> bool:
        name = self.store.chunk_name(task.variant.spec.slug, task.index)
        if self.store.verify_chunk(task.variant.spec.slug, task.chunk_id, self.chunks.get(name)):
            return True
        self.chunks.pop(name, None)
        return False

    def add(self, task: Any, sha256: str) -> None:
        self.chunks[self.store.chunk_name(task.variant.spec.slug, task.index)] = sha256
        if time.monotonic() - self.last >= self.interval:
            self.flush()

    def flush(self) -> None:
        started = time.monotonic()
        self.store.write_manifest(self.manifest)
        self.last = time.monotonic()
        self.interval = max(self.INTERVAL_S, 20 * (self.last - started))
