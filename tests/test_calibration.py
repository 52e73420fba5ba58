"""Calibration by ABC: recovery of a known parameter, the posterior file, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration import (
    FACTS,
    CalibrationSpec,
    FactSpec,
    Prior,
    load_posterior,
    load_priors,
    posterior_seed,
    run_abc,
    write_posterior,
)
from sim.calibration.summaries import fact_matrix, observe_worlds
from sim.cli import main
from sim.errors import UserError
from sim.scenario import load_scenario
from tests.helpers import DEFAULT, edit, scenario_copy

TRUE_BASE = -6.0  # actors.militia.base used to make the synthetic observations


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(DEFAULT)


@pytest.fixture(scope="module")
def recovered(scenario):
    """Calibrate actors.militia.base to fact frequencies simulated with it set to -6."""
    names = list(FACTS)
    n = 20_000
    observed = observe_worlds(
        scenario,
        "russia",
        n,
        np.random.SeedSequence(7),
        window_h=48.0,
        first_violation_by_h=12.0,
        world_params={"actors.militia.base": np.full(n, TRUE_BASE)},
    )
    frequencies = fact_matrix(observed, names).mean(axis=0)
    spec = CalibrationSpec(
        priors=(Prior("actors.militia.base", "uniform", -9.0, -4.0),),
        facts=tuple(FactSpec(name, float(f)) for name, f in zip(names, frequencies, strict=True)),
        mediator="russia",
        scenario_name=scenario.name,
    )
    return run_abc(
        scenario, spec, draws=400, replicates=100, method="rejection", accept=0.1, seed=3
    )


def test_abc_recovers_a_known_parameter(recovered):
    row = recovered.summary().set_index("parameter").loc["actors.militia.base"]
    assert row["posterior_q05"] <= TRUE_BASE <= row["posterior_q95"]
    # The prior's 90% interval is 4.5 wide; the facts pin the parameter much closer. The
    # posterior's 5-95% width is estimated from 40 accepted draws, with a sampling error
    # of roughly 15%, so the bound leaves that much room above one half.
    assert row["spread_ratio"] < 0.6
    assert abs(row["posterior_median"] - TRUE_BASE) < 0.5
    assert (recovered.draws["weight"] > 0).sum() == 40
    assert recovered.n_simulations == 40_000


def test_posterior_file_round_trips(recovered, scenario, tmp_path):
    path = write_posterior(recovered, tmp_path / "posterior.parquet")
    posterior = load_posterior(path, scenario)
    assert posterior.keys == ["actors.militia.base"]
    assert len(posterior.samples) == 40
    first = posterior.draw(1000, posterior_seed(5, 0))
    again = load_posterior(path, DEFAULT).draw(1000, posterior_seed(5, 0))
    np.testing.assert_array_equal(first["actors.militia.base"], again["actors.militia.base"])
    other = posterior.draw(1000, posterior_seed(5, 1))
    assert not np.array_equal(first["actors.militia.base"], other["actors.militia.base"])
    # Every drawn value is an accepted row, and the draws feed the model as world_params.
    accepted = set(recovered.posterior["actors.militia.base"])
    assert set(first["actors.militia.base"]) <= accepted
    from sim.model import simulate_worlds

    out = simulate_worlds(scenario, "russia", 1000, posterior_seed(5, 0), world_params=first)
    assert out["duration_h"].shape == (1000,)


def test_kernel_weights_with_binary_facts_are_deterministic(scenario):
    spec = CalibrationSpec(
        priors=(Prior("actors.regime.base", "normal", -9.0, -4.0, mean=-6.5, sd=1.0),),
        facts=(FactSpec("first_violation_within_hours", 1.0), FactSpec("opposition_held", 1, 0.7)),
        mediator="russia",
    )
    one = run_abc(scenario, spec, draws=60, replicates=50, seed=11)
    two = run_abc(scenario, spec, draws=60, replicates=50, seed=11, workers=2)
    pd.testing.assert_frame_equal(one.draws, two.draws)  # the number of workers does not matter
    assert one.draws["actors.regime.base"].between(-9.0, -4.0).all()
    assert (one.draws["kernel"] >= one.draws["p_match"]).all()
    assert one.effective_sample_size > 1


def test_shipped_priors_file_is_valid(scenario):
    spec = load_priors(Path(DEFAULT).parent / "priors" / "daraa_2021.toml", scenario)
    assert spec.mediator == "russia" and spec.binary
    assert all(p.key.startswith("actors.") and p.source for p in spec.priors)
    assert {f.name for f in spec.facts} == set(FACTS)


def write_priors(tmp_path: Path, prior_line: str, facts: str | None = None) -> Path:
    facts = facts or "first_violation_within_hours = { observed = 1 }"
    path = tmp_path / "priors.toml"
    path.write_text(
        '[calibration]\nscenario = "daraa_2021"\nmediator = "russia"\n\n'
        f"[facts]\n{facts}\n\n[priors]\n{prior_line}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('"actors.militia.base" = { dist = "beta", low = 0, high = 1 }', "unknown dist 'beta'"),
        ('"actors.militia.base" = { dist = "uniform", low = -8 }', "needs high"),
        ('"actors.militia.base" = { dist = "uniform", low = -5, high = -8 }', "must be below"),
        ('"actors.militia.base" = { dist = "uniform", low = "a", high = -8 }', "finite number"),
        ('"actors.militia.base" = 3.0', "expected a distribution table"),
        ('"actors.militia.base" = { dist = "normal", mean = -7 }', "needs sd"),
        ('"actors.militia.base" = { dist = "normal", mean = -7, sd = 0 }', "sd must be positive"),
        ('"actors.militia.spoiling" = { dist = "uniform", low = -1, high = 2 }', "valid range"),
        ('"actors.militia.spoiling" = { dist = "loguniform", low = 0, high = 2 }', "low > 0"),
        ('"actors.militia.nonsense" = { dist = "uniform", low = 0, high = 1 }', "no such param"),
        ('"time.horizon_h" = { dist = "uniform", low = 100, high = 200 }', "number of steps"),
        ('"mediator.conduct.walks_away" = { dist = "uniform", low = 0, high = 1 }', "numeric"),
    ],
)
def test_bad_priors_exit_2_naming_file_and_key(tmp_path, capsys, line, fragment):
    path = write_priors(tmp_path, line)
    out = tmp_path / "out"
    assert main(["calibrate", "--priors", str(path), "--draws", "10", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and str(path) in err and "key '" in err and "Traceback" not in err
    assert not out.exists()  # refused before any work


@pytest.mark.parametrize(
    ("facts", "fragment"),
    [
        ("made_up = { observed = 1 }", "unknown fact"),
        ("opposition_held = { observed = 2 }", "observed must be"),
        ("opposition_held = { observed = 1, weight = 0 }", "weight must be in"),
    ],
)
def test_bad_facts_exit_2(tmp_path, capsys, facts, fragment):
    line = '"actors.militia.base" = { dist = "uniform", low = -8, high = -6 }'
    path = write_priors(tmp_path, line, facts)
    assert main(["calibrate", "--priors", str(path), "--out", str(tmp_path / "o")]) == 2
    assert fragment in capsys.readouterr().err


def test_priors_for_another_scenario_are_refused(tmp_path, scenario):
    path = write_priors(
        tmp_path, '"actors.militia.base" = { dist = "uniform", low = -8, high = -6 }'
    )
    edit(path, 'scenario = "daraa_2021"', 'scenario = "aleppo_2016"')
    with pytest.raises(UserError, match="for scenario 'aleppo_2016'"):
        load_priors(path, scenario)


def test_posterior_from_another_scenario_is_refused(recovered, tmp_path):
    path = write_posterior(recovered, tmp_path / "posterior.parquet")
    changed = scenario_copy(tmp_path)
    edit(changed, "collapse_threshold = { value = 2.5", "collapse_threshold = { value = 3.0")
    with pytest.raises(UserError, match="another version of scenario 'daraa_2021'"):
        load_posterior(path, changed)
    renamed = scenario_copy(tmp_path / "r")
    edit(renamed, 'name = "daraa_2021"', 'name = "elsewhere"')
    with pytest.raises(UserError, match="fitted to scenario 'daraa_2021', not 'elsewhere'"):
        load_posterior(path, renamed)


def test_a_file_that_is_not_a_posterior_is_refused(tmp_path, scenario):
    plain = tmp_path / "runs.parquet"
    pd.DataFrame({"x": [1.0]}).to_parquet(plain)
    with pytest.raises(UserError, match="not a posterior file"):
        load_posterior(plain, scenario)
    text = tmp_path / "notes.parquet"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(UserError, match="not a posterior file"):
        load_posterior(text, scenario)
    with pytest.raises(UserError, match="not found"):
        load_posterior(tmp_path / "missing.parquet", scenario)


def test_calibrate_command_writes_everything(tmp_path, capsys):
    path = write_priors(
        tmp_path,
        '"actors.militia.base" = { dist = "uniform", low = -9, high = -5, source = "test" }\n'
        '"actors.regime.base" = { dist = "normal", mean = -6.5, sd = 1, source = "test" }',
        "first_violation_within_hours = { observed = 1 }\n"
        "first_violator_militia = { observed = 1, weight = 0.5 }",
    )
    out = tmp_path / "cal"
    args = ["calibrate", "--priors", str(path), "--draws", "200", "--replicates", "20"]
    assert main([*args, "--out", str(out), "--seed", "4"]) == 0
    printed = capsys.readouterr().out
    assert "200 prior draws x 20 worlds = 4,000 simulated worlds" in printed
    assert "actors.militia.base" in printed and "posterior 90%" in printed
    record = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert record["simulations"] == 4000 and record["seed"] == 4
    assert record["scenario"]["sha256"] == load_scenario(DEFAULT).source.sha256
    facts = record["calibration"]["facts"]
    assert facts["first_violator_militia"]["weight"] == 0.5
    assert facts["first_violation_within_hours"]["definition"]
    assert {r["parameter"] for r in record["parameters"]} == {
        "actors.militia.base",
        "actors.regime.base",
    }
    posterior = load_posterior(out / "posterior.parquet", DEFAULT)
    assert posterior.metadata["seed"] == 4
    for stem in ("posterior", "posterior_actors.militia.base", "posterior_actors.regime.base"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 0
        assert (out / "figures" / f"{stem}.svg").exists()


def test_kernel_refuses_frequencies(tmp_path, capsys):
    path = write_priors(
        tmp_path,
        '"actors.militia.base" = { dist = "uniform", low = -9, high = -5 }',
        "opposition_held = { observed = 0.8 }",
    )
    assert main(["calibrate", "--priors", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "--method rejection" in capsys.readouterr().err


def test_each_world_of_each_draw_has_the_luck_of_its_run(scenario):
    """Draw d's replicate r is run d * R + r of the batch seed (docs/calibration.md):
    recomputed world by world, draw 1's fact frequencies are the table's."""
    spec = CalibrationSpec(
        priors=(Prior("actors.militia.base", "uniform", -9.0, -4.0),),
        facts=(FactSpec("first_violation_within_hours", 1.0), FactSpec("opposition_held", 1.0)),
        mediator="russia",
    )
    replicates = 30
    result = run_abc(scenario, spec, draws=3, replicates=replicates, seed=21)
    theta = result.draws.loc[1, "actors.militia.base"]
    runs = np.arange(replicates, 2 * replicates)
    observed = observe_worlds(
        scenario,
        "russia",
        replicates,
        21,
        window_h=spec.window_h,
        first_violation_by_h=spec.first_violation_by_h,
        world_params={"actors.militia.base": np.array([theta])},
        psets=np.zeros(replicates, np.int64),
        luck=runs,
    )
    shown = fact_matrix(observed, [f.name for f in spec.facts]).mean(axis=0)
    table = result.draws.loc[1, ["freq_first_violation_within_hours", "freq_opposition_held"]]
    np.testing.assert_array_equal(table.to_numpy(float), shown)
    assert result.extra["luck"] == "run"
