"""Unbounded requests are refused up front with what they would cost (issue 16, item 6)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from sim.batch import engine
from sim.cli import main


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["batch", "--runs", "99999999999999999999"], ["--runs", "1,000,000,000"]),
        (["batch", "--runs", "1000", "--chunk-size", "99999999"], ["--chunk-size"]),
        (["batch", "--runs", "1000", "--workers", "99999"], ["--workers"]),
        (["batch", "--runs", "1000000000", "--chunk-size", "1000"], ["too many chunks", " h "]),
        (["sensitivity", "--samples", "1000000000"], ["design points", "worlds"]),
        (["sensitivity", "--method", "sobol", "--samples", str(2**40)], ["design points"]),
        (["calibrate", "--draws", "99999999999999"], ["--draws", "1,000,000"]),
        (["calibrate", "--replicates", "99999999999"], ["--replicates"]),
        (["sweep", "--grid", "talks.base=-2:0:1000000000000"], ["COUNT from 2 to"]),
    ],
)
def test_too_large_is_one_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture, argv: list[str], needles: list[str]
) -> None:
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err
    assert not out.exists()


def test_the_chunk_plan_is_lazy() -> None:
    # A billion runs in chunks of one: planning the first tasks takes no time or memory.
    variant = object()
    tasks = engine._plan_tasks([variant, variant], 10**9, 1, "f")  # type: ignore[list-item]
    first = list(itertools.islice(tasks, 4))
    assert [(t.index, t.start, t.stop) for t in first] == [
        (0, 0, 1),
        (0, 0, 1),
        (1, 1, 2),
        (1, 1, 2),
    ]
