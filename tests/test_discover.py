"""`ceasefire discover`: PRIM (EMA Workbench) recovers a designed box; the CLI end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from sim.cli import main
from sim.discover import discover


def test_prim_recovers_a_designed_box():
    # 4,000 uniform cases in 4 inputs; the cases of interest are exactly those in
    # a in [0.2, 0.6] and b >= 0.5 (c and d are noise). The box PRIM returns must be
    # that box, to within the spacing of the sample (about 1/sqrt(mass * n) ~ 0.04).
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.uniform(size=(4000, 4)), columns=["a", "b", "c", "d"])
    y = ((x.a >= 0.2) & (x.a <= 0.6) & (x.b >= 0.5)).to_numpy()
    d = discover(x, y, threshold=0.9, n_boxes=1)
    box = d.boxes[0]
    assert set(box.limits) == {"a", "b"}
    assert box.limits["a"] == pytest.approx([0.2, 0.6], abs=0.05)
    assert box.limits["b"][0] == pytest.approx(0.5, abs=0.05)
    assert box.density >= 0.9 and box.coverage >= 0.8
    assert len(d.cart) >= 2  # the tree splits


def _fake_sweep(folder, rng):
    n = 3000
    lev = rng.uniform(0, 1, n)
    pat = rng.uniform(0, 1, n)
    holds = (pat > 0.6) & (rng.uniform(size=n) < 0.95)
    runs = pd.DataFrame(
        {
            "variant": "russia",
            "mediator": "russia",
            "run": np.arange(n),
            "horizon_h": 336.0,
            "duration_h": np.where(holds, 336.0, 20.0),
            "collapsed": ~holds,
            "mediator.leverage.regime": lev,
            "mediator.conduct.patrol_capacity": pat,
            "violations_regime": 0,
        }
    )
    folder.mkdir()
    runs.to_parquet(folder / "runs.parquet")


def test_cli_finds_the_patrol_box_and_writes_its_files(tmp_path, capsys):
    folder = tmp_path / "sweep"
    _fake_sweep(folder, np.random.default_rng(1))
    assert main(["discover", str(folder), "--json", "--boxes", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    limits = data["prim_boxes"][0]["limits"]
    assert list(limits) == ["mediator.conduct.patrol_capacity"]
    assert limits["mediator.conduct.patrol_capacity"][0] == pytest.approx(0.6, abs=0.05)
    assert (folder / "discovery" / "prim_tradeoff.png").stat().st_size > 0


def test_cli_refuses_a_folder_without_runs(tmp_path, capsys):
    assert main(["discover", str(tmp_path)]) == 2
    assert "runs.parquet" in capsys.readouterr().err
