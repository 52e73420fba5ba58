"""The experiment contract's evaluators: a design point gives the same runs in a batch
folder and in memory; explain and calibration are experiments and keep their results."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sim.batch import run_batch
from sim.batch.design import DESIGN_POINT, ParameterDesign
from sim.experiments import experiments, run_experiment
from sim.experiments.evaluate import PointResults, evaluate_in_memory
from sim.explain.decompose import decompose
from sim.scenario import apply_overrides, load_scenario
from tests.helpers import DEFAULT

RECORDED = Path(__file__).parent / "recorded"
OUTCOMES = ["duration_h", "collapsed", "cause", "first_violation_h", "first_violator"]


def _design(luck: str) -> ParameterDesign:
    values = np.array([[0.01, 0.3], [0.03, 0.9], [0.01, 0.3]])
    return ParameterDesign(("talks.base", "mediator.conduct.resolve"), values, 7, luck=luck)


@pytest.mark.parametrize("luck", ["replicate", "run"])
def test_a_design_gives_the_same_runs_in_memory_as_in_a_batch_folder(tmp_path, luck):
    """Same chunks' calls of the model, same seed, same luck: the same outcomes, run by run,
    whatever the chunk sizes of either evaluator."""
    scenario = load_scenario(DEFAULT)
    design = _design(luck)
    run_batch(
        scenario,
        mediators=["russia", "turkey"],
        design=design,
        seed=4,
        out=tmp_path / "b",
        chunk_size=5,
        workers=1,
        progress=False,
    )
    frame = pd.read_parquet(tmp_path / "b" / "runs.parquet").sort_values(["variant", "run"])
    memory = evaluate_in_memory(
        scenario, design, mediators=["russia", "turkey"], seed=4, chunk_size=4
    )
    assert memory.mediators == ("russia", "turkey")
    for mediator in memory.mediators:
        batch = frame[frame["variant"] == mediator].reset_index(drop=True)
        mine = pd.DataFrame({c: memory.column(c, mediator) for c in [*OUTCOMES, DESIGN_POINT]})
        pd.testing.assert_frame_equal(mine, batch[[*OUTCOMES, DESIGN_POINT]], check_dtype=False)
    # Points 0 and 2 are the same parameters: with common random numbers the same runs,
    # with luck keyed by run other runs.
    duration = memory.per_point("duration_h", "russia")
    assert np.array_equal(duration[0], duration[2]) == (luck == "replicate")
    read = PointResults.from_folder(tmp_path / "b", ["duration_h"])
    assert np.array_equal(read.design.values, design.values) and read.design.luck == luck
    assert np.array_equal(
        read.per_point("duration_h", "turkey"), memory.per_point("duration_h", "turkey")
    )


def test_explain_and_calibration_are_experiments_found_automatically():
    found = experiments()
    assert found["explain"].evaluators == ("memory", "batch")
    assert found["calibration"].evaluators == ("memory",)
    with pytest.raises(ValueError, match="calibration runs on memory, not batch"):
        run_experiment(
            "calibration",
            load_scenario(DEFAULT),
            mediators=None,
            seed=1,
            design_options={},
            evaluator="batch",
        )


def test_explain_gives_the_figures_recorded_before_it_became_an_experiment():
    """Russia against Turkey, 8,192 coalitions x 6 runs: every number as the in-process
    code computed it (tests/recorded/, made with commit 4fe0721), to the last bit where
    no matrix product is involved."""
    recorded = json.loads((RECORDED / "explain_russia_turkey_seed5.json").read_text())
    scenario = load_scenario(DEFAULT).with_mediators(["russia", "turkey"])
    d = decompose(scenario, "russia", "turkey", runs=6, seed=5, n_boot=50, chunk_size=9_000)
    assert [g.name for g in d.groups] == recorded["groups"]
    for metric, want in recorded["metrics"].items():
        assert d.value_a[metric] == want["value_a"] and d.value_b[metric] == want["value_b"]
        assert d.difference[metric] == want["difference"]
        assert list(d.difference_ci[metric]) == want["difference_ci"]
        # The Shapley weights are applied by a matrix product (BLAS), whose order of
        # summation depends on the CPU's kernels: sums of 8,192 terms of the metric's size
        # agree to rounding (~1e-13 of it), not always to the bit. The runs and everything
        # computed from them without BLAS are compared exactly.
        rounding = 1e-10 * max(1.0, abs(want["value_a"]))
        assert_allclose(d.contributions[metric], want["contributions"], rtol=0, atol=rounding)
        assert_allclose(d.intervals[metric], want["intervals"], rtol=0, atol=rounding)


def test_explain_reads_a_batch_folder_as_it_reads_memory(tmp_path):
    """The batch evaluator writes the coalitions' runs; the analysis reads them back."""
    scenario = load_scenario(DEFAULT).with_mediators(["russia", "turkey"])
    russia = scenario.mediator("russia").values
    overrides = {f"mediators.turkey.{k}": v for k, v in russia.items()}
    overrides["mediators.turkey.conduct.patrol_capacity"] = 0.0
    overrides["mediators.turkey.conduct.resolve"] = 0.9
    scenario = apply_overrides(scenario, overrides)
    options = {"mediator_a": "russia", "mediator_b": "turkey"}
    analysis = {**options, "scenario": scenario, "n_boot": 40}
    _design, in_batch = run_experiment(
        "explain",
        scenario,
        mediators=["russia"],
        seed=8,
        design_options={**options, "runs": 60},
        analysis_options=analysis,
        evaluator="batch",
        out=tmp_path / "explain",
        workers=1,
        progress=False,
    )
    in_memory = decompose(scenario, "russia", "turkey", runs=60, seed=8, n_boot=40)
    assert in_batch.n_coalitions == 4
    for metric in ("survival", "rmst"):
        assert np.array_equal(in_batch.contributions[metric], in_memory.contributions[metric])
        assert np.array_equal(in_batch.intervals[metric], in_memory.intervals[metric])
