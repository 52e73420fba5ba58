"""Workers end within seconds when the batch process is killed (issue 16, item 7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.batch.watchdog import start_time

ROOT = Path(__file__).resolve().parent.parent


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_no_worker_outlives_a_killed_batch(tmp_path: Path, sig: signal.Signals) -> None:
    command = [
        sys.executable,
        "-m",
        "sim",
        "batch",
        "--runs",
        "5000000",
        "--workers",
        "2",
        "--quiet",
        "--out",
        str(tmp_path / "b"),
    ]
    batch = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 4:  # tracker, server, 2 workers
            time.sleep(0.5)
            workers = descendants(batch.pid)
        assert len(workers) >= 4, f"the pool did not start: {workers}"
    finally:
        batch.send_signal(sig)
        batch.wait(timeout=30)
    time.sleep(10)
    alive = {pid for pid in workers if start_time(pid) is not None}
    for pid in alive:  # do not leave them behind even if the test fails
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"still alive 10 s after the batch was killed: {sorted(alive)}"
