"""`ceasefire study`, the main job, end to end on a small run count."""

from __future__ import annotations

import json

from sim.cli import main


def test_study_runs_batch_comparison_and_report(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["study", "--runs", "600", "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    folders = list((tmp_path / "results").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("daraa_2021-")
    study = folders[0]
    assert "russia vs turkey" in out and "log-rank" in out
    assert f"Report: {study.relative_to(tmp_path) / 'report.html'}" in out
    html = (study / "report.html").read_text()
    for section in ("question", "scenario", "survival", "comparisons", "figures", "reproduce"):
        assert f'id="{section}"' in html
    manifest = json.loads((study / "manifest.json").read_text())
    assert manifest["complete"] and manifest["runs_per_variant"] == 600
    assert [v["label"] for v in manifest["variants"]] == ["russia", "turkey"]
    assert (study / "figures" / "survival.png").stat().st_size > 0


def test_study_bad_input_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["study", "--mediator", "atlantis", "--runs", "100"]) == 2
    assert main(["study", "--runs", "0"]) == 2
    assert main(["study", "--set", "actors.regime.base=99"]) == 2
    err = capsys.readouterr().err
    assert "atlantis" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
