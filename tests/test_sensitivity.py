"""Global sensitivity analysis: defaults, refusals, known rankings, design/runs pairing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.cli import main
from sim.errors import UserError
from sim.scenario import load_scenario, override_param
from sim.sensitivity import (
    DEFAULT_PARAMS_FILE,
    OUTPUTS,
    analyse_sensitivity,
    load_default_params,
    load_design,
    make_design,
    parse_param,
    sensitivity_sections,
)
from tests.helpers import DEFAULT

# One parameter that matters strongly and two that, by construction, cannot move
# survival: talks.* enter only the talks at the horizon (ODD 7.9, equation 10),
# drawn after every world has ended, so every survival outcome is identical
# across their values (and, with common random numbers, exactly so).
KNOWN = [
    "actors.militia.base=-9:-5",
    "talks.base=-3:0",
    "talks.credibility=0:4",
]


def _args(out, method: str, samples: int, *extra: str) -> list[str]:
    args = ["sensitivity", "--method", method, "--samples", str(samples)]
    for text in KNOWN:
        args += ["--param", text]
    args += ["--mediator", "none", "--runs-per-point", "150", "--seed", "3"]
    return [*args, "--workers", "1", "--out", str(out), *extra]


# --------------------------------------------------------------------------- defaults


def test_default_parameter_file_loads_and_every_bound_is_valid():
    params = load_default_params(
        DEFAULT_PARAMS_FILE, load_scenario(DEFAULT, mediators=["russia", "turkey"])
    )
    assert len(params) == 12
    keys = {p.key for p in params}
    for expected in (
        "actors.regime.objective",
        "actors.militia.spoiling",
        "actors.opposition.retaliation",
        "mediator.leverage.regime",
        "mediator.bias.regime",
        "mediator.credibility.opposition",
        "mediator.conduct.patrol_capacity",
        "mediator.conduct.resolve",
    ):
        assert expected in keys
    for p in params:
        declared = override_param(p.key, load_scenario(DEFAULT, mediators=["russia", "turkey"]))
        assert p.low < p.high
        assert declared.accepts(p.low) and declared.accepts(p.high), p.key
        assert p.reason.strip()


def test_default_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "params.toml"
    bad.write_text(
        '[[param]]\nkey = "mediator.conduct.resolve"\nlow = 0.5\nhigh = 2\nreason = "x"\n'
    )
    with pytest.raises(UserError, match=r"params\.toml.*outside the valid range"):
        load_default_params(bad)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("actors.militia.spoil=0:3", "no such parameter"),
        ("mediator.conduct.resolve=0.2:1.5", "outside the valid range"),
        ("escalation.collapse_threshold=0:2", "outside the valid range"),
        ("actors.militia.spoiling=3:1", "expected LOW < HIGH"),
        ("actors.militia.spoiling=2:2", "expected LOW < HIGH"),
        ("actors.militia.spoiling=1", "expected KEY=LOW:HIGH"),
        ("conduct.walks_away=0:1", "no such parameter"),
        ("mediator.conduct.walks_away=0:1", "true or false"),
    ],
)
def test_bad_params_exit_2_and_write_nothing(tmp_path, capsys, param, message):
    out = tmp_path / "gsa"
    args = ["sensitivity", "--param", param, "--param", "talks.base=-2:0", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_sobol_needs_a_power_of_two(tmp_path, capsys):
    assert main(_args(tmp_path / "gsa", "sobol", 6)) == 2
    assert "power of 2" in capsys.readouterr().err
    assert not (tmp_path / "gsa").exists()


def test_design_is_seeded():
    params = [parse_param(text, load_scenario(DEFAULT, mediators=["none"])) for text in KNOWN]
    kwargs = {"samples": 4, "mediators": ["none"], "runs_per_point": 10}
    a = make_design("morris", params, seed=1, **kwargs)
    b = make_design("morris", params, seed=1, **kwargs)
    c = make_design("morris", params, seed=2, **kwargs)
    assert np.array_equal(a.matrix, b.matrix) and a.sha256 == b.sha256
    assert a.sha256 != c.sha256


# --------------------------------------------------------------------------- known answers


@pytest.fixture(scope="module")
def morris_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("gsa") / "morris"
    assert main(_args(out, "morris", 6)) == 0
    return out


def test_morris_ranks_the_only_parameter_that_matters_first(morris_dir):
    analysis = analyse_sensitivity(morris_dir)
    for output in ("p_hold", "median_collapse_h"):
        assert analysis.ranking("none", output)[0] == "actors.militia.base"
        talks = analysis.indices[
            (analysis.indices["output"] == output)
            & analysis.indices["param"].str.startswith("talks.")
        ]
        assert (talks["mu_star"] == 0).all()  # exactly: CRN and no path from talks to survival
    strong = analysis.indices[
        (analysis.indices["output"] == "p_hold")
        & (analysis.indices["param"] == "actors.militia.base")
    ]
    assert float(strong["mu_star"].iloc[0]) > 0.1


def test_morris_writes_design_results_and_figures(morris_dir):
    for name in ("design.json", "design.npy", "runs.parquet", "manifest.json"):
        assert (morris_dir / name).exists()
    assert (morris_dir / "sensitivity.json").exists()
    for output in OUTPUTS:
        assert (morris_dir / "figures" / f"sensitivity_{output}.png").exists()
        assert (morris_dir / "figures" / f"sensitivity_{output}.svg").exists()
    design = json.loads((morris_dir / "design.json").read_text())
    assert design["method"] == "morris" and design["seed"] == 3
    assert design["problem"]["names"] == [t.split("=")[0] for t in KNOWN]
    assert len(design["matrix"]) == 6 * (len(KNOWN) + 1)


def test_sobol_ranks_the_only_parameter_that_matters_first(tmp_path, capsys):
    out = tmp_path / "sobol"
    assert main(_args(out, "sobol", 8, "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    p_hold = [r for r in data["indices"] if r["output"] == "p_hold"]
    assert p_hold[0]["param"] == "actors.militia.base"
    assert p_hold[0]["ST"] > 0.5
    assert all(r["ST"] == pytest.approx(0, abs=1e-12) for r in p_hold[1:])


# --------------------------------------------------------------------------- pairing


def test_a_design_that_does_not_match_the_runs_is_refused(morris_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(morris_dir, copy)
    # A different but internally consistent design (other seed) in the same folder.
    params = [parse_param(text, load_scenario(DEFAULT, mediators=["none"])) for text in KNOWN]
    other = make_design(
        "morris", params, samples=6, seed=99, mediators=["none"], runs_per_point=150
    )
    other.save(copy)
    assert load_design(copy).sha256 == other.sha256
    with pytest.raises(UserError, match="does not match the runs"):
        analyse_sensitivity(copy)


def test_a_design_with_a_different_number_of_points_is_refused(morris_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(morris_dir, copy)
    params = [parse_param(text, load_scenario(DEFAULT, mediators=["none"])) for text in KNOWN]
    make_design("morris", params, samples=4, seed=3, mediators=["none"], runs_per_point=150).save(
        copy
    )
    with pytest.raises(UserError, match="does not match the runs: the design has"):
        analyse_sensitivity(copy)


def test_an_edited_design_file_is_refused(morris_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(morris_dir, copy)
    path = copy / "design.json"
    data = json.loads(path.read_text())
    data["matrix"][0][0] += 0.5
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match="hash does not match"):
        analyse_sensitivity(copy)


def test_sensitivity_sections_for_the_report(morris_dir):
    (section,) = sensitivity_sections(morris_dir)
    assert section.id == "sensitivity"
    assert section.html.count("data:image/png;base64,") == len(OUTPUTS)
    assert "actors.militia.base" in section.html
    assert sensitivity_sections(morris_dir.parent / "nothing") == []
