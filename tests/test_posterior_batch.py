"""Batches that draw each run's actor parameters from a calibration posterior."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main


@pytest.fixture(scope="module")
def posterior(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration")
    assert (
        main(
            [
                "calibrate",
                "--draws",
                "300",
                "--replicates",
                "20",
                "--workers",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out / "posterior.parquet"


def _batch(out, posterior, *extra):
    argv = [
        "batch",
        "--runs",
        "400",
        "--chunk-size",
        "150",
        "--seed",
        "9",
        "--quiet",
        "--out",
        str(out),
        "--posterior",
        str(posterior),
        *extra,
    ]
    assert main(argv) == 0
    return pd.read_parquet(out / "runs.parquet")


def test_posterior_draws_are_recorded_paired_and_independent_of_workers(tmp_path, posterior):
    one = _batch(tmp_path / "one", posterior, "--workers", "1")
    two = _batch(tmp_path / "two", posterior, "--workers", "2")
    assert (tmp_path / "one" / "runs.parquet").read_bytes() == (
        tmp_path / "two" / "runs.parquet"
    ).read_bytes()
    drawn = [c for c in one.columns if c.startswith("posterior.")]
    assert "posterior.actors.militia.spoiling" in drawn
    accepted = pd.read_parquet(posterior)
    for column in drawn:
        key = column.removeprefix("posterior.")
        assert set(one[column]) <= set(accepted[key])  # resampled from the accepted sets
        assert one[column].nunique() > 10  # each run its own draw
    # Common random numbers: run i of every mediator got the same parameters.
    russia = one[one.variant == "russia"].sort_values("run")
    turkey = one[one.variant == "turkey"].sort_values("run")
    for column in drawn:
        assert np.array_equal(russia[column].to_numpy(), turkey[column].to_numpy())
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["posterior"]["columns"] == drawn
    assert len(manifest["posterior"]["sha256"]) == 64
    assert len(two) == 800


def test_posterior_changes_the_runs(tmp_path, posterior):
    drawn = _batch(tmp_path / "drawn", posterior, "--workers", "1")
    assert (
        main(
            [
                "batch",
                "--runs",
                "400",
                "--chunk-size",
                "150",
                "--seed",
                "9",
                "--quiet",
                "--workers",
                "1",
                "--out",
                str(tmp_path / "plain"),
            ]
        )
        == 0
    )
    plain = pd.read_parquet(tmp_path / "plain" / "runs.parquet")
    assert not np.array_equal(drawn["duration_h"], plain["duration_h"])


def test_bad_posterior_is_refused_before_any_work(tmp_path, capsys):
    not_posterior = tmp_path / "x.parquet"
    pd.DataFrame({"a": [1.0]}).to_parquet(not_posterior)
    assert (
        main(
            [
                "batch",
                "--runs",
                "10",
                "--out",
                str(tmp_path / "o"),
                "--posterior",
                str(not_posterior),
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "study",
                "--runs",
                "10",
                "--out",
                str(tmp_path / "s"),
                "--posterior",
                str(tmp_path / "missing.parquet"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "not a posterior" in err and "not found" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


def test_study_with_reference_overlay(tmp_path, capsys):
    out = tmp_path / "study"
    assert (
        main(
            [
                "study",
                "--runs",
                "300",
                "--workers",
                "1",
                "--quiet",
                "--out",
                str(out),
                "--reference",
                "country=Syria",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "Reference class" in text or "real ceasefires" in text
    assert 'id="reference"' in (out / "report.html").read_text()
    assert (
        main(
            ["study", "--runs", "300", "--out", str(tmp_path / "bad"), "--reference", "planet=Mars"]
        )
        == 2
    )
    assert not (tmp_path / "bad").exists()
