"""Dask failures end in one line (issue 16, item 8)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def ceasefire(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *argv],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("address", ["nonsense", "tcp://host", "tcp://host:99999"])
def test_a_malformed_dask_address_is_one_line_and_no_noise_at_exit(
    tmp_path: Path, address: str
) -> None:
    done = ceasefire("batch", "--runs", "10", "--dask", address, "--out", str(tmp_path / "b"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--dask" in done.stderr, done.stderr
    assert not (tmp_path / "b").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_scheduler_that_dies_ends_with_one_resume_line(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{free_port()}"
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("no dask command")
    scheduler = subprocess.Popen(
        [
            str(dask),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            address.rsplit(":", 1)[1],
            "--no-dashboard",
        ],
        env=ENV,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [str(dask), "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
        env=ENV,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    out = tmp_path / "b"
    try:
        time.sleep(4)
        batch = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sim",
                "batch",
                "--runs",
                "2000000",
                "--chunk-size",
                "20000",
                "--dask",
                address,
                "--quiet",
                "--out",
                str(out),
            ],
            env=ENV,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Wait for a first chunk: on a cold numba cache the worker compiles the rules
        # first (a minute or more on a loaded machine), and the scheduler must die while
        # the batch is running, not before its work has started.
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not list(out.glob("chunks/*/*.parquet")):
            time.sleep(0.5)
        scheduler.send_signal(signal.SIGKILL)
        err = batch.communicate(timeout=240)[1]
    finally:
        for process in (scheduler, worker):
            process.kill()
            process.wait()
    assert batch.returncode == 1
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.rstrip().endswith("--resume")
