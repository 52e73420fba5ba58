"""A parameter design runs as worlds of one batch (sim.batch.design): P points x R replicates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.batch import InlineExecutor, run_batch
from sim.batch.design import DESIGN_POINT, ParameterDesign
from sim.errors import UserError
from sim.scenario import load_scenario

RESOLVE = "mediator.conduct.resolve"


def _frame(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path / "runs.parquet")


def _run(out: Path, design: ParameterDesign, **kwargs) -> pd.DataFrame:
    run_batch(design=design, seed=11, out=out, workers=1, progress=False, **kwargs)
    return _frame(out)


def test_one_point_at_the_scenario_values_is_the_plain_batch(tmp_path: Path) -> None:
    """P = 1: replicate i is run i, with the scenario's own values: nothing changes."""
    value = float(load_scenario().values["talks.base"])
    design = ParameterDesign(("talks.base",), np.array([[value]]), 50)
    designed = _run(tmp_path / "d", design)
    run_batch(runs=50, seed=11, out=tmp_path / "p", workers=1, progress=False)
    plain = _frame(tmp_path / "p")
    pd.testing.assert_frame_equal(designed[plain.columns], plain)
    assert (designed[DESIGN_POINT] == 0).all()


def test_points_share_their_luck_and_carry_their_values(tmp_path: Path) -> None:
    """Two identical points give identical runs replicate by replicate (common random
    numbers); a different point changes the outcomes; every run records its values."""
    design = ParameterDesign((RESOLVE,), np.array([[0.3], [0.3], [0.95]]), 40)
    frame = _run(tmp_path / "d", design, chunk_size=9)  # chunks straddle points
    assert len(frame) == 2 * 3 * 40
    for _, runs in frame.groupby("variant"):
        by_point = [g.reset_index(drop=True) for _, g in runs.groupby(DESIGN_POINT)]
        outcome_columns = ["duration_h", "collapsed", "first_violation_h", "cause"]
        pd.testing.assert_frame_equal(by_point[0][outcome_columns], by_point[1][outcome_columns])
        assert not by_point[0]["duration_h"].equals(by_point[2]["duration_h"])
        assert (runs["run"] // 40 == runs[DESIGN_POINT]).all()
    assert np.allclose(frame[f"design.{RESOLVE}"], np.where(frame[DESIGN_POINT] == 2, 0.95, 0.3))


def test_results_do_not_depend_on_chunks_or_workers(tmp_path: Path) -> None:
    design = ParameterDesign(
        ("talks.base", RESOLVE), np.array([[0.01, 0.4], [0.03, 0.8], [0.02, 0.6]]), 30
    )
    one = _run(tmp_path / "a", design, chunk_size=7)
    with InlineExecutor() as executor:
        run_batch(
            design=design,
            seed=11,
            out=tmp_path / "b",
            executor=executor,
            chunk_size=64,
            progress=False,
        )
    pd.testing.assert_frame_equal(one, _frame(tmp_path / "b"))


@pytest.mark.parametrize(
    ("keys", "values", "message"),
    [
        (("no.such",), [[1.0]], "no.such"),
        ((RESOLVE,), [[1.5]], RESOLVE),
        (("time.horizon_h",), [[200.0]], "time.horizon_h"),
    ],
)
def test_bad_designs_are_refused_before_any_work(
    tmp_path: Path, keys: tuple[str, ...], values: list[list[float]], message: str
) -> None:
    out = tmp_path / "d"
    with pytest.raises(UserError, match=message.replace(".", r"\.")):
        run_batch(
            design=ParameterDesign(keys, np.array(values), 5),
            seed=1,
            out=out,
            workers=1,
            progress=False,
        )
    assert not out.exists()


def test_runs_must_agree_with_the_design(tmp_path: Path) -> None:
    design = ParameterDesign((RESOLVE,), np.array([[0.5], [0.6]]), 5)
    with pytest.raises(UserError, match="10 runs per variant"):
        run_batch(design=design, runs=11, seed=1, out=tmp_path / "d", workers=1)
    with pytest.raises(UserError, match="replicates"):
        ParameterDesign((RESOLVE,), np.array([[0.5]]), 0)


def test_resume_refuses_another_design(tmp_path: Path) -> None:
    out = tmp_path / "d"
    _run(out, ParameterDesign((RESOLVE,), np.array([[0.5]]), 5))
    with pytest.raises(UserError, match="design changed"):
        run_batch(
            design=ParameterDesign((RESOLVE,), np.array([[0.6]]), 5),
            seed=11,
            out=out,
            workers=1,
            resume=True,
            progress=False,
        )
