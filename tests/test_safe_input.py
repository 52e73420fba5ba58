"""Wrong acceptances and deep nesting (issue 16, items 5, 10, 11): one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.analysis.compare import hazard_ratio
from sim.cli import main
from tests.helpers import DEFAULT, edit, scenario_copy


def one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture, *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize(
    "nesting",
    [
        "deep = " + "[" * 5000 + "]" * 5000 + "\n",
        "deep = " + "{ a = " * 5000 + "1" + " }" * 5000 + "\n",
        "[" + ".".join(["t"] * 5000) + "]\nx = 1\n",
    ],
    ids=["arrays", "inline-tables", "dotted-tables"],
)
@pytest.mark.parametrize("command", ["validate", "batch"])
def test_deep_nesting_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, nesting: str, command: str
) -> None:
    scenario = scenario_copy(tmp_path)
    scenario.write_text(scenario.read_text() + "\n" + nesting)
    extra = ["--runs", "10", "--out", str(tmp_path / "out")] if command == "batch" else []
    one_line_exit_2([command, str(scenario), *extra], capsys, "nested too deeply")
    assert not (tmp_path / "out").exists()


def test_invalid_utf8_is_refused_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    scenario = scenario_copy(tmp_path)
    scenario.write_bytes(scenario.read_bytes().replace(b"Daraa al-Balad truce", b"Daraa \xff"))
    one_line_exit_2(["validate", str(scenario)], capsys, "not valid UTF-8", "0xff")


def test_a_variant_value_given_as_a_string_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    scenario = scenario_copy(tmp_path)
    variant = scenario.parent / "variants" / "stringly.toml"
    variant.write_text('[variant]\nname = "stringly"\n\n[set]\n"talks.base" = "0.9"\n')
    one_line_exit_2(
        ["validate", str(scenario), "--variant", "stringly"], capsys, "set.talks.base", "string"
    )


def test_a_variant_named_unlike_its_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    scenario = scenario_copy(tmp_path)
    edit(scenario.parent / "variants" / "crossing_open.toml", '"crossing_open"', '"other"')
    one_line_exit_2(
        ["validate", str(scenario), "--variant", "crossing_open"], capsys, "variant.name"
    )


def test_non_ascii_digits_in_set_are_refused(capsys: pytest.CaptureFixture) -> None:
    one_line_exit_2(
        ["validate", str(DEFAULT), "--set", "actors.regime.base=-\u0666"],
        capsys,
        "actors.regime.base",
    )


@pytest.mark.parametrize("name", ["../../../../tmp/ESCAPED", "", "Daraa 2021", "a/b"])
def test_scenario_names_that_are_not_safe_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    scenario = scenario_copy(tmp_path)
    edit(scenario, 'name = "daraa_2021"', f'name = "{name}"')
    monkeypatch.chdir(tmp_path)
    one_line_exit_2(["study", str(scenario), "--runs", "10"], capsys, "scenario.name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenarios"]
    assert not Path("/tmp/ESCAPED").exists()


def test_calibrate_does_not_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "cal"
    out.mkdir()
    (out / "calibration.json").write_text("{}")
    one_line_exit_2(["calibrate", "--out", str(out)], capsys, "--force")
    assert (out / "calibration.json").read_text() == "{}"


def test_the_hazard_ratio_of_one_run_per_variant_is_not_estimable() -> None:
    ratio, interval = hazard_ratio(np.array([10.0]), np.array([1]), np.array([30.0]), np.array([1]))
    assert ratio is None and interval == (None, None)
    # With enough runs it is estimated, finite, and its interval holds it.
    rng = np.random.default_rng(3)
    a, b = rng.exponential(10, 400), rng.exponential(20, 400)
    ratio, (low, high) = hazard_ratio(a, np.ones(400), b, np.ones(400))
    assert 0 < low < ratio < high < np.inf
