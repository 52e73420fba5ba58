"""`ceasefire validate` and `ceasefire run` end to end, including every error path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.cli import main
from sim.scenario import load_scenario
from tests.helpers import DEFAULT, ROOT, edit, scenario_copy


def test_validate_says_the_shipped_files_are_fine(capsys):
    assert main(["validate", str(DEFAULT), "--strict"]) == 0
    out = capsys.readouterr().out
    scenario = load_scenario(DEFAULT)
    given = len(scenario.provenance)
    assert "OK" in out and f"{len(scenario.values)} parameters, {given} with provenance" in out
    assert main(["validate", str(ROOT / "scenarios" / "mediators" / "russia.toml")]) == 0
    assert "mediator 'russia'" in capsys.readouterr().out


def test_validate_names_what_is_wrong(tmp_path, capsys):
    path = edit(
        scenario_copy(tmp_path),
        "intensity_decay = { value = 0.9,",
        "intensity_decay = { value = 1.9,",
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "'escalation.intensity_decay'" in err and "from 0 to 1" in err
    assert "Traceback" not in err


def test_run_prints_a_timeline_and_is_reproducible(capsys):
    assert main(["run", "--mediator", "russia", "--seed", "7"]) == 0
    first = capsys.readouterr().out
    assert main(["run", "--mediator", "russia", "--seed", "7"]) == 0
    assert capsys.readouterr().out == first
    assert "violation" in first and "Outcome" in first and "first violation" in first
    assert main(["run", "--mediator", "russia", "--seed", "8"]) == 0
    assert capsys.readouterr().out != first


def test_run_draws_the_timeline(tmp_path, capsys):
    target = tmp_path / "timeline.png"
    assert main(["run", "--mediator", "turkey", "--seed", "3", "--plot", str(target)]) == 0
    assert target.stat().st_size > 10_000
    assert target.read_bytes()[:4] == b"\x89PNG"


def test_run_with_override_and_variant_free_scenario(capsys):
    assert (
        main(
            [
                "run",
                "--seed",
                "1",
                "--set",
                "actors.militia.base=-50",
                "--set",
                "actors.militia.early_fragility=0",
                "--set",
                "actors.militia.spoiling=0",
                "--set",
                "actors.militia.objective=0",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Iranian militias           violation" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--mediator", "atlantis"], "unknown mediator 'atlantis'"),
        (["run", "--set", "actors.regime.base=lots"], "'actors.regime.base'"),
        (["run", "--set", "nonsense"], "expected KEY=VALUE"),
        (["run", "--set", "monitoring.attribution_accuracy=1.3"], "from 0 to 1"),
        (["run", "--plot", "/no/such/folder/t.png"], "does not exist"),
        (["run", "--plot", "timeline.txt"], "expected a file ending in"),
        (["run", "--seed", "-4"], "non-negative"),
        (["run", "no/such/scenario.toml"], "file not found"),
        (["run", "--variant", "no_such_variant"], "unknown variant 'no_such_variant'"),
        (["validate", "no/such/file.toml"], "file not found"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_bad_option_is_an_argparse_error_with_status_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--seed", "seven"])
    assert info.value.code == 2


def test_python_dash_m_sim_is_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "sim", "run", "--seed", "7"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "Outcome" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "sim", "run", "--mediator", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and "unknown mediator 'x'" in bad.stderr
