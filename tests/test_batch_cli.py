"""`ceasefire batch` on the command line: outputs, exit statuses, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

BASE = ["batch", "--runs", "600", "--chunk-size", "300", "--seed", "3", "--workers", "1"]


def test_batch_writes_runs_and_manifest(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "b"
    status = main([*BASE, "--mediator", "russia", "--mediator", "turkey", "--out", str(out)])
    assert status == 0
    assert "1200 runs" in capsys.readouterr().out
    frame = pd.read_parquet(out / "runs.parquet")
    assert list(pd.unique(frame.variant)) == ["russia", "turkey"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"].startswith("ceasefire batch")
    assert manifest["complete"] is True
    assert len(list((out / "chunks").rglob("chunk-??????.parquet"))) == 4
    assert len(list((out / "chunks").rglob("chunk-??????.spells.parquet"))) == 4


def test_set_overrides_become_columns(tmp_path: Path) -> None:
    out = tmp_path / "b"
    args = [*BASE, "--mediator", "turkey", "--set", "mediator.conduct.resolve=0.9"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    frame = pd.read_parquet(out / "runs.parquet")
    assert (frame["mediator.conduct.resolve"] == 0.9).all()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--runs", "0"], "--runs: expected an integer from 1 to"),
        (["--mediator", "nobody"], "unknown mediator 'nobody'"),
        (["--set", "actors.regime.nope=1"], "no such parameter"),
        (["--set", "mediator.conduct.resolve=2"], "from 0 to 1"),
        (["--set", "no-equals-sign"], "expected KEY=VALUE"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, extra: list[str], message: str
) -> None:
    out = tmp_path / "b"
    assert main([*BASE, *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ceasefire batch: error:") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_non_empty_folder_is_refused_then_resume_works(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "b"
    args = [*BASE, "--mediator", "russia", "--out", str(out), "--quiet"]
    assert main(args) == 0
    before = (out / "runs.parquet").read_bytes()
    assert main(args) == 2
    assert "not empty" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0
    assert (out / "runs.parquet").read_bytes() == before
