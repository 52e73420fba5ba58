"""`ceasefire compare` and `ceasefire report` through the command line entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from tests.helpers import DARAA_MANIFEST

SECTION_IDS = ("question", "scenario", "survival", "comparisons", "figures", "reproduce")


def write_batch(folder: Path, hazards: dict[str, float], n: int = 120, seed: int = 0) -> Path:
    """A minimal batch folder following docs/results-format.md."""
    rng = np.random.default_rng(seed)
    u = rng.random(n)  # common random numbers across variants
    frames = []
    for variant, h in hazards.items():
        t = np.maximum(1.0, np.ceil(np.log(u) / np.log(1 - h)))
        collapsed = t <= 336
        frames.append(
            pd.DataFrame(
                {
                    "variant": variant,
                    "mediator": variant,
                    "run": np.arange(n, dtype="int64"),
                    "horizon_h": 336.0,
                    "duration_h": np.minimum(t, 336.0),
                    "collapsed": collapsed,
                    "cause": np.where(collapsed, "militia", "none"),
                    "first_violation_h": np.where(collapsed, np.ceil(t / 2), np.nan),
                    "first_violator": np.where(collapsed, "militia", None),
                    "violations_regime": np.zeros(n, dtype="int32"),
                    "violations_militia": collapsed.astype("int32"),
                    "violations_opposition": np.zeros(n, dtype="int32"),
                    "agreement": np.zeros(n, dtype=bool),
                }
            )
        )
    folder.mkdir(parents=True, exist_ok=True)
    pd.concat(frames, ignore_index=True).to_parquet(folder / "runs.parquet")
    manifest = {
        "kind": "batch",
        "scenario": {
            "path": "scenarios/daraa_2021.toml",
            "name": "daraa_2021",
            "sha256": "0" * 64,
            "text": "[time]\nstep_h = 1  # <escaped>\n",
        },
        "mediators": {
            m: {"path": f"scenarios/mediators/{m}.toml", "sha256": "1" * 64, "text": "leverage=1"}
            for m in hazards
        },
        "variants": [{"label": m, "mediator": m, "overlays": [], "overrides": {}} for m in hazards],
        "seed": 20210828,
        "runs_per_variant": n,
        "command": "ceasefire batch scenarios/daraa_2021.toml --mediator russia --mediator turkey",
        "versions": {"sim": "0.1.0"},
        "complete": True,
        **DARAA_MANIFEST,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    return write_batch(tmp_path_factory.mktemp("batch"), {"russia": 0.012, "turkey": 0.008})


def test_compare_prints_tables(batch, capsys):
    assert main(["compare", str(batch)]) == 0
    out = capsys.readouterr().out
    for text in ("russia", "turkey", "log-rank", "McNemar exact", "Iranian militias", "14 d"):
        assert text in out


def test_compare_json(batch, capsys):
    assert main(["compare", str(batch), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["variants"]) == {"russia", "turkey"}
    for entry in data["variants"].values():
        assert {"n", "median_h", "p_survive_336h", "rmst_h"} <= set(entry)
    (pair,) = data["comparisons"]
    assert (pair["a"], pair["b"]) == ("russia", "turkey")
    assert 0 <= pair["logrank_p"] <= 1 and "logrank_p_adjusted" in pair
    assert data["seed"] == 20210828


def test_compare_plots_writes_figures(tmp_path, capsys):
    folder = write_batch(tmp_path / "b", {"russia": 0.012, "turkey": 0.008}, n=60)
    assert main(["compare", str(folder), "--plots", "--json"]) == 0
    json.loads(capsys.readouterr().out)  # --plots keeps --json parseable
    pngs = list((folder / "figures").glob("*.png"))
    assert pngs and all(p.stat().st_size > 0 for p in pngs)
    assert list((folder / "figures").glob("*.svg"))


def test_report_has_every_section(tmp_path, capsys):
    folder = write_batch(tmp_path / "b", {"russia": 0.012, "turkey": 0.008}, n=60)
    assert main(["report", str(folder)]) == 0
    printed = capsys.readouterr().out.strip()
    report = folder / "report.html"
    assert printed == str(report)
    text = report.read_text(encoding="utf-8")
    for section in SECTION_IDS:
        assert f'id="{section}"' in text
    assert "How long does the truce hold, and would another mediator do better?" in text
    assert "data:image/png;base64," in text  # figures embedded, the file stands alone
    assert "ceasefire batch scenarios/daraa_2021.toml" in text and "20210828" in text
    assert "&lt;escaped&gt;" in text and "<escaped>" not in text  # file contents escaped
    assert "<details>" in text
    assert "Under turkey the truce survives the two weeks in" in text


def test_report_on_single_variant_works(tmp_path, capsys):
    folder = write_batch(tmp_path / "one", {"russia": 0.01}, n=50)
    assert main(["report", str(folder)]) == 0
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="comparisons"' in text and "needs at least two variants" in text


def test_compare_single_variant_exits_2_unless_single(tmp_path, capsys):
    folder = write_batch(tmp_path / "one", {"russia": 0.01}, n=50)
    assert main(["compare", str(folder)]) == 2
    captured = capsys.readouterr()
    assert "at least two variants" in captured.err and "--single" in captured.err
    assert "Traceback" not in captured.err
    assert main(["compare", str(folder), "--single"]) == 0
    assert "russia" in capsys.readouterr().out


def test_missing_folder(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "no such results folder" in err
    assert len(err.strip().splitlines()) == 1


def test_not_a_batch(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a batch" in err and "runs.parquet" in err
    assert "Traceback" not in err


def test_missing_manifest(tmp_path, capsys):
    folder = write_batch(tmp_path / "b", {"russia": 0.01, "turkey": 0.02}, n=20)
    (folder / "manifest.json").unlink()
    assert main(["compare", str(folder)]) == 2
    assert "manifest.json" in capsys.readouterr().err


def test_missing_columns_named(tmp_path, capsys):
    folder = write_batch(tmp_path / "b", {"russia": 0.01, "turkey": 0.02}, n=20)
    runs = pd.read_parquet(folder / "runs.parquet").drop(columns=["collapsed", "cause"])
    runs.to_parquet(folder / "runs.parquet")
    assert main(["compare", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "runs.parquet" in err and "collapsed" in err and "cause" in err
    assert "Traceback" not in err
