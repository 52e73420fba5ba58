"""Nothing lost, nothing mixed (issue 16): damaged, swapped and foreign chunks are redone,
one batch per folder, and an OS failure is one line with nothing half-written left."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.batch import run_batch
from sim.cli import main
from sim.results import writer
from sim.scenario import DEFAULT_SCENARIO

ROOT = Path(__file__).resolve().parent.parent
RUNS, CHUNK = 1_200, 300


def batch(out: Path, **kwargs):
    options = {
        "mediators": ["russia", "turkey"],
        "runs": RUNS,
        "seed": 5,
        "chunk_size": CHUNK,
        "workers": 1,
        "progress": False,
    }
    options.update(kwargs)
    return run_batch(DEFAULT_SCENARIO, out=out, **options)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "b"
    batch(out)
    return out


def copy_of(reference: Path, tmp_path: Path) -> Path:
    out = tmp_path / "b"
    shutil.copytree(reference, out)
    return out


def chunk(out: Path, variant: str, index: int) -> Path:
    return out / "chunks" / variant / f"chunk-{index:06d}.parquet"


def assert_resume_repairs(out: Path, reference: Path, redone: int) -> None:
    result = batch(out, resume=True)
    assert result.chunks_run == redone
    assert (out / "runs.parquet").read_bytes() == (reference / "runs.parquet").read_bytes()
    runs = pd.read_parquet(out / "runs.parquet", columns=["variant", "run"])
    assert not runs.duplicated().any()


def test_chunks_carry_identity_and_the_manifest_their_hash(reference: Path) -> None:
    import pyarrow.parquet as pq

    manifest = json.loads((reference / "manifest.json").read_text())
    path = chunk(reference, "russia", 3)
    meta = json.loads(pq.read_schema(path).metadata[b"ceasefire_chunk"])
    assert meta == {
        "batch": manifest["fingerprint"],
        "variant": "russia",
        "index": 3,
        "start": 900,
        "rows": 300,
    }
    spells = path.with_name("chunk-000003.spells.parquet")
    assert json.loads(pq.read_schema(spells).metadata[b"ceasefire_chunk"]) == meta
    pair = f"{writer.sha256_file(path)}:{writer.sha256_file(spells)}"
    expected = hashlib.sha256(pair.encode("ascii")).hexdigest()
    assert manifest["chunks"]["chunks/russia/chunk-000003.parquet"] == expected
    for name in ("runs.parquet", "spells.parquet"):
        assert manifest["written"][name] == writer.sha256_file(reference / name)


def test_a_damaged_spells_chunk_is_redone_on_resume(reference: Path, tmp_path: Path) -> None:
    out = copy_of(reference, tmp_path)
    path = chunk(out, "turkey", 1).with_name("chunk-000001.spells.parquet")
    data = bytearray(path.read_bytes())
    data[100:400] = bytes(b ^ 0xFF for b in data[100:400])
    path.write_bytes(bytes(data))
    assert_resume_repairs(out, reference, redone=1)
    assert (out / "spells.parquet").read_bytes() == (reference / "spells.parquet").read_bytes()


def test_a_damaged_chunk_is_redone_on_resume(reference: Path, tmp_path: Path) -> None:
    out = copy_of(reference, tmp_path)
    path = chunk(out, "russia", 3)
    data = bytearray(path.read_bytes())
    data[100:400] = bytes(b ^ 0xFF for b in data[100:400])
    path.write_bytes(bytes(data))
    assert_resume_repairs(out, reference, redone=1)


def test_swapped_chunks_are_redone(reference: Path, tmp_path: Path) -> None:
    out = copy_of(reference, tmp_path)
    a, b = chunk(out, "russia", 1), chunk(out, "russia", 2)
    a_bytes = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(a_bytes)
    shutil.copy(chunk(out, "turkey", 0), chunk(out, "russia", 0))  # Turkey's into Russia's
    assert_resume_repairs(out, reference, redone=3)


def test_a_chunk_from_a_batch_with_another_seed_is_redone(reference: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    batch(other, seed=6)
    out = copy_of(reference, tmp_path)
    shutil.copy(chunk(other, "turkey", 2), chunk(out, "turkey", 2))
    # Even with the foreign chunk's hash written into the manifest, its identity differs.
    manifest = json.loads((out / "manifest.json").read_text())
    name = "chunks/turkey/chunk-000002.parquet"
    manifest["chunks"][name] = writer.sha256_file(chunk(out, "turkey", 2))
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert_resume_repairs(out, reference, redone=1)


def test_a_chunk_not_recorded_in_the_manifest_is_redone(reference: Path, tmp_path: Path) -> None:
    out = copy_of(reference, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["chunks"]["chunks/turkey/chunk-000001.parquet"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert_resume_repairs(out, reference, redone=1)


@pytest.mark.parametrize(
    "content", ['{"kind": "batch", "seed"', "[]", None], ids=["truncated", "list", "folder"]
)
def test_a_damaged_manifest_is_one_line(
    reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture, content: str | None
) -> None:
    out = copy_of(reference, tmp_path)
    manifest = out / "manifest.json"
    manifest.unlink()
    if content is None:
        manifest.mkdir()
    else:
        manifest.write_text(content)
    argv = ["batch", "--mediator", "russia", "--runs", "10", "--out", str(out), "--resume"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest.json" in err and "damaged" in err


# --------------------------------------------------------------------------- one batch per folder


def test_a_second_batch_into_a_locked_folder_is_refused_with_its_holder(tmp_path: Path) -> None:
    from sim.errors import UserError
    from sim.results.lock import folder_lock

    out = tmp_path / "b"
    out.mkdir()
    with folder_lock(out, "ceasefire batch --seed 1"):
        with pytest.raises(
            UserError,
            match=rf"in use by another batch \(pid {os.getpid()}, "
            r"started .*: ceasefire batch --seed 1\)",
        ):
            batch(out, seed=2)
        assert sorted(p.name for p in out.iterdir()) == [".lock"]
    assert not (out / ".lock").exists()  # released and cleaned on the way out
    batch(out, seed=2)  # free again


@pytest.mark.slow
def test_two_batches_racing_for_one_folder_never_mix(tmp_path: Path) -> None:
    out = tmp_path / "race"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "sim",
        "batch",
        "--mediator",
        "russia",
        "--runs",
        "3000",
        "--chunk-size",
        "100",
        "--workers",
        "1",
        "--quiet",
        "--out",
        str(out),
    ]
    procs = [
        subprocess.Popen(
            [*command, "--seed", str(seed)], env=env, stderr=subprocess.PIPE, text=True
        )
        for seed in (1, 2)
    ]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert loser.count("\n") == 1 and ("in use by another batch" in loser or "not empty" in loser)
    winner_seed = json.loads((out / "manifest.json").read_text())["seed"]
    reference = tmp_path / "alone"
    subprocess.run([*command[:-1], str(reference), "--seed", str(winner_seed)], env=env, check=True)
    assert (out / "runs.parquet").read_bytes() == (reference / "runs.parquet").read_bytes()


# --------------------------------------------------------------------------- OS failures


def test_a_full_disk_mid_batch_is_one_resume_line_and_resume_finishes(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "full"
    real = writer.atomic_file
    written = []

    def failing(path, mode="wb", **kwargs):
        if len(written) >= 3:  # the disk fills up: chunks and the manifest alike
            raise writer.as_output_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path)
        written.append(path)
        return real(path, mode, **kwargs)

    monkeypatch.setattr(writer, "atomic_file", failing)
    argv = [
        "batch",
        "--mediator",
        "russia",
        "--mediator",
        "turkey",
        "--runs",
        str(RUNS),
        "--chunk-size",
        str(CHUNK),
        "--seed",
        "5",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "--resume" in err
    assert not list(out.rglob("*.tmp"))
    monkeypatch.setattr(writer, "atomic_file", real)
    assert main([*argv, "--resume", "--quiet"]) == 0
    assert (out / "runs.parquet").read_bytes() == (reference / "runs.parquet").read_bytes()


def test_a_full_disk_at_the_start_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def full(path, mode="wb", **kwargs):
        raise writer.as_output_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path)

    monkeypatch.setattr(writer, "atomic_file", full)
    out = tmp_path / "new" / "b"
    assert main(["batch", "--mediator", "russia", "--runs", "10", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest.json" in err and "No space" in err
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    "where", ["file/b", "/proc/ceasefire-b", "x" * 300], ids=["under-a-file", "proc", "too-long"]
)
def test_an_unusable_out_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, where: str
) -> None:
    (tmp_path / "file").write_text("a file")
    out = where if where.startswith("/") else str(tmp_path / where)
    assert main(["batch", "--mediator", "russia", "--runs", "10", "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
