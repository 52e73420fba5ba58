"""Every operating-system error is one line naming the path; nothing half-written is left
(issue 16, item 4). A full disk is simulated by a write that raises ENOSPC."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import UserError
from sim.results import writer
from sim.scenario import load_scenario
from tests.helpers import DEFAULT


def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    def atomic_file(path, mode="wb", **kwargs):
        raise writer.as_output_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path)

    monkeypatch.setattr(writer, "atomic_file", atomic_file)


def one_line(capsys: pytest.CaptureFixture, *needles: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def no_temporary_files(folder: Path) -> None:
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("batch") / "b"
    argv = ["batch", "--mediator", "russia", "--mediator", "turkey", "--runs", "300"]
    assert main([*argv, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    return out


def test_report_html_that_is_a_folder_is_one_line_and_leaves_no_tmp(
    batch_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(batch_dir, copy)
    (copy / "report.html").mkdir()
    assert main(["report", str(copy)]) == 2
    one_line(capsys, "report.html", "folder")
    no_temporary_files(copy)


def test_report_on_a_full_disk_is_one_line(
    batch_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(batch_dir, copy)
    full_disk(monkeypatch)
    assert main(["report", str(copy)]) == 1
    one_line(capsys, "No space left on device")
    no_temporary_files(copy)


def test_the_report_and_its_figures_are_recorded_in_the_manifest(
    batch_dir: Path, tmp_path: Path
) -> None:
    import json
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(batch_dir, copy)
    assert main(["report", str(copy)]) == 0
    written = json.loads((copy / "manifest.json").read_text())["written"]
    assert written["report.html"] == writer.sha256_file(copy / "report.html")
    assert "figures/survival.png" in written and "runs.parquet" in written


@pytest.mark.parametrize(
    ("plot", "status", "needle"),
    [
        ("timeline.bmp", 2, ".png or .svg or .pdf"),
        ("/proc/timeline.png", 2, "/proc/"),
        ("missing/timeline.png", 2, "does not exist"),
        ("folder.png", 2, "folder"),
    ],
)
def test_an_unwritable_plot_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    plot: str,
    status: int,
    needle: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.png").mkdir()
    assert main(["run", "--plot", plot]) == status
    one_line(capsys, needle)
    no_temporary_files(tmp_path)


def test_run_plot_on_a_full_disk_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_disk(monkeypatch)
    assert main(["run", "--plot", str(tmp_path / "t.png")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "No space left on device" in err and "t.png" in err
    assert list(tmp_path.iterdir()) == []


def test_calibrate_on_a_full_disk_leaves_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_disk(monkeypatch)
    out = tmp_path / "new" / "cal"
    argv = ["calibrate", "--draws", "40", "--replicates", "5", "--out", str(out)]
    assert main(argv) == 1
    one_line(capsys, "No space left on device", "posterior.parquet")
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_design_matrix_is_one_line(tmp_path: Path) -> None:
    from sim.sensitivity import load_design, make_design, parse_param
    from tests.test_sensitivity import KNOWN

    params = [parse_param(t, load_scenario(DEFAULT, mediators=["none"])) for t in KNOWN]
    design = make_design("morris", params, samples=4, seed=1, mediators=["none"], runs_per_point=10)
    design.save(tmp_path)
    matrix = tmp_path / "design.npy"
    matrix.write_bytes(matrix.read_bytes()[:100])
    with pytest.raises(UserError, match="cannot read the design matrix"):
        load_design(tmp_path)


def fill(folder: Path) -> None:
    """Write into `folder` until its file system is full."""
    with open(folder / "filler", "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC


@pytest.mark.slow
def test_a_real_full_disk_mid_batch_is_one_resume_line(tmp_path: Path) -> None:
    """On an 8 MB tmpfs that another process fills while the batch runs (skipped where
    the test cannot mount one)."""
    import shutil
    import subprocess
    import sys
    import time

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    root = Path(__file__).resolve().parent.parent
    argv = [
        sys.executable,
        "-m",
        "sim",
        "batch",
        "--mediator",
        "russia",
        "--runs",
        "100000",
        "--chunk-size",
        "5000",
        "--seed",
        "3",
        "--workers",
        "1",
        "--quiet",
    ]
    env = {**os.environ, "PYTHONPATH": str(root)}
    try:
        batch = subprocess.Popen(
            [*argv, "--out", str(disk / "b")], env=env, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(disk.glob("b/chunks/*/*.parquet")):
            time.sleep(0.1)
        fill(disk)
        err = batch.communicate(timeout=300)[1]
        assert batch.returncode == 1, err
        assert err.count("\n") == 1 and "No space left on device" in err, err
        assert err.rstrip().endswith("--resume")
        no_temporary_files(disk)
        shutil.copytree(disk / "b", tmp_path / "b")  # finish it on a disk with room
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    resumed = subprocess.run(
        [*argv, "--out", str(tmp_path / "b"), "--resume"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    whole = subprocess.run([*argv, "--out", str(tmp_path / "whole")], env=env, timeout=300)
    assert whole.returncode == 0
    assert (tmp_path / "b" / "runs.parquet").read_bytes() == (
        tmp_path / "whole" / "runs.parquet"
    ).read_bytes()


def test_backtest_out_on_a_full_disk_is_one_line_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The backtest's JSON and figure go through the one results writer too.
    full_disk(monkeypatch)
    out = tmp_path / "scores"
    assert main(["backtest", "--case", "652132", "--out", str(out)]) == 1
    one_line(capsys, "backtest.json", "No space left on device")
    assert not out.exists()  # the folder this call made is gone again


def test_backtest_out_that_is_a_file_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "scores").write_text("not a folder")
    assert main(["backtest", "--case", "652132", "--out", str(tmp_path / "scores")]) == 2
    one_line(capsys, "scores", "expected a folder")
