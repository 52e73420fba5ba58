"""Day one for a new user (issue 9): the README's snippet, names and paths, honest output.

The non-editable install run from another folder is exercised by `.ci/run`, which
builds the wheel, installs it into a fresh virtualenv and runs the main job from a
temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.batch import BatchFailed
from sim.cli import main
from sim.errors import UserError
from tests.helpers import ROOT, SCENARIOS

README = ROOT / "README.md"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def readme_snippet() -> str:
    """The README's Python example, exactly as a user would copy it."""
    text = README.read_text(encoding="utf-8")
    after = text.split("In Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert match, "the README has no python block after 'In Python'"
    return match.group(1)


# --------------------------------------------------------------------------- item 3


def test_readme_snippet_runs_as_a_plain_script(tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(readme_snippet(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "BrokenProcessPool" not in done.stderr
    assert (tmp_path / "results" / "x" / "runs.parquet").exists()
    # No guard in the snippet: one clear line says the batch ran in this process.
    assert 'without an `if __name__ == "__main__":` guard' in done.stderr


def test_a_guarded_script_uses_worker_processes(tmp_path: Path) -> None:
    script = tmp_path / "guarded.py"
    script.write_text(
        "import sim\n\n"
        'if __name__ == "__main__":\n'
        "    result = sim.run_batch(mediators=['russia'], runs=200, seed=1, out='out',\n"
        "                           workers=2, progress=False)\n"
        "    print(result.manifest['executor'])\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "process pool (2 workers)" in done.stdout
    assert "guard" not in done.stderr


class _FailingExecutor:
    """An executor whose every task fails, as a dying worker pool would."""

    _max_workers = 1

    def submit(self, fn, /, *args, **kwargs):
        import concurrent.futures as cf

        future: cf.Future = cf.Future()
        future.set_exception(RuntimeError("worker died"))
        return future


def test_a_batch_failing_before_its_first_chunk_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x"
    with pytest.raises(BatchFailed) as caught:
        sim.run_batch(mediators=["russia"], runs=100, seed=1, out=out, executor=_FailingExecutor())
    assert not out.exists()
    assert "nothing was kept" in str(caught.value)
    assert "resume" not in str(caught.value)


def test_api_errors_name_arguments_not_flags(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        sim.run_batch(runs=0, seed=1, out=tmp_path / "a")
    assert "runs" in str(caught.value) and "--" not in str(caught.value)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "other.txt").write_text("x")
    with pytest.raises(UserError) as caught:
        sim.run_batch(runs=10, seed=1, out=tmp_path / "b", workers=1)
    assert "resume=True" in str(caught.value) and "--resume" not in str(caught.value)
    with pytest.raises(UserError) as caught:
        sim.run_batch(runs=10, seed=1, out=tmp_path / "c", overrides={"actors.regime.bse": 1})
    assert "overrides" in str(caught.value) and "--set" not in str(caught.value)
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()


# --------------------------------------------------------------------------- items 1, 2


def test_shipped_files_are_found_and_listed(capsys: pytest.CaptureFixture[str]) -> None:
    from sim.resources import scenarios_dir

    assert (scenarios_dir() / "daraa_2021.toml").is_file()
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in ("daraa_2021", "russia", "turkey", "none", "patrols_in_force", "mediator_switch"):
        assert re.search(rf"^\s+{name}\s+\S", out, re.MULTILINE), name
    assert "Broker and guarantor" in out  # Russia's one-line description


def test_mediator_by_path_and_by_name_in_any_case(tmp_path: Path, capsys) -> None:
    un = tmp_path / "un.toml"
    text = (SCENARIOS / "mediators" / "turkey.toml").read_text()
    un.write_text(text.replace('name = "turkey"', 'name = "un"'))
    assert main(["validate", str(un)]) == 0
    assert main(["run", "--mediator", str(un), "--seed", "1"]) == 0
    assert "mediator: un" in capsys.readouterr().out
    assert main(["run", "--mediator", "Russia", "--seed", "1"]) == 0
    out = tmp_path / "b"
    argv = ["batch", "--mediator", str(un), "--mediator", "RUSSIA", "--runs", "50"]
    assert main([*argv, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [v["starts_with"] for v in manifest["variants"]] == ["un", "russia"]
    assert manifest["variants"][1]["label"] == "russia"  # the file's own spelling


def test_variant_joined_with_plus_on_run() -> None:
    argv = ["run", "--variant", "patrols_in_force+crossing_open", "--seed", "1"]
    assert main(argv) == 0


def test_reference_takes_the_filter_as_compare_does(capsys) -> None:
    assert main(["reference", "country=Syria"]) == 0
    positional = capsys.readouterr().out
    assert main(["reference", "--country", "Syria"]) == 0
    assert capsys.readouterr().out == positional
    assert main(["reference", "country=Syria", "--country", "Syria"]) == 2


def test_reference_filter_takes_the_minimum_term_as_the_option_does(capsys) -> None:
    # evidence's --min-term-days, spelt in the FILTER that compare/study --reference take too.
    assert main(["reference", "min_term_days=7", "--competing"]) == 0
    positional = capsys.readouterr().out
    assert main(["reference", "--min-term-days", "7", "--competing"]) == 0
    assert capsys.readouterr().out == positional
    assert "at least 7 days" in positional
    assert main(["reference", "min_term_days=a week"]) == 2
    assert "expected a number of days" in capsys.readouterr().err


# --------------------------------------------------------------------------- items 4, 5, 6


@pytest.fixture(scope="module")
def batch_with_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("day_one") / "b"
    argv = ["batch", "--runs", "2000", "--seed", "3", "--set", "actors.regime.base=-6"]
    assert main([*argv, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    return out


def test_report_opens_with_the_verdict(batch_with_set: Path) -> None:
    from sim.analysis import write_report

    page = write_report(batch_with_set, figures=False).read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert "actors.regime.base=-6" in title
    first = re.search(r"<section id=\"(\w+)\">.*?<p>(.*?)</p>", page, re.DOTALL)
    assert first.group(1) == "answer"
    opening = first.group(2)
    assert "Under Turkey" in opening and "under Russia" in opening
    assert re.search(r"\d+\.\d points (lower|higher) \(", opening)
    # Survival and the restricted mean come before the median, which is qualified.
    answer = page[page.index('id="answer"') : page.index('id="question"')]
    assert answer.index("restricted mean") < answer.index("Median")
    # The variants table shows the override; the glossary explains the terms.
    variants = page[page.index("<h3>Variants</h3>") :]
    assert "actors.regime.base=-6" in variants.split("</table>")[0]
    glossary = page[page.index('id="glossary"') :]
    for term in ("censored", "restricted mean", "paired by run", "log-rank", "hazard ratio"):
        assert term in glossary
    assert "Holm" in glossary and "McNemar" in glossary


def test_compare_json_shows_what_made_the_result(batch_with_set: Path, capsys) -> None:
    assert main(["compare", str(batch_with_set), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["overrides"] == {"actors.regime.base": -6.0}
    assert data["variants"]["russia"]["made_with"]["overrides"] == {"actors.regime.base": -6.0}
    assert data["answer"][0].startswith("Under Turkey")
    rate = data["variants"]["russia"]["violations_per_100h"]["militia"]
    assert 0 <= rate["ci"][0] <= rate["rate"] <= rate["ci"][1]


def test_every_printed_interval_lies_within_its_range(batch_with_set: Path, capsys) -> None:
    assert main(["compare", str(batch_with_set)]) == 0
    text = capsys.readouterr().out
    shares = re.findall(r"(-?\d+\.\d)% \((-?\d+\.\d)–(-?\d+\.\d)\)", text)
    assert len(shares) > 20
    for value, low, high in shares:
        assert 0 <= float(low) <= float(value) <= float(high) <= 100, (value, low, high)
    section = text.split("Violations per 100 truce-hours")[1]
    rates = re.findall(r"(\d+\.\d+) \((-?\d+\.\d+)–(-?\d+\.\d+)\)", section)
    assert rates
    for value, low, high in rates:
        assert 0 <= float(low) <= float(value) <= float(high), (value, low, high)


def test_a_rate_with_no_violations_has_an_interval_from_zero() -> None:
    from sim.analysis.exposure import poisson_rate

    rate = poisson_rate(0, 500.0)
    assert rate.rate == 0 and rate.lower == 0 and rate.upper > 0
    # The exact 95% upper bound for a count of 0 is about 3.69 events.
    assert rate.upper == pytest.approx(100 * 3.689 / 500, rel=1e-3)


def test_reference_curve_stops_where_nothing_is_at_risk() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.reference import ReferenceFilter, plot_reference, reference_class

    ref = reference_class(ReferenceFilter(country="Syria", mediator="Russia"))
    fig, ax = plt.subplots()
    plot_reference(ax, ref, in_hours=False, max_time=3650)
    longest = float(max(ref.durations_days))
    drawn = max(float(max(line.get_xdata())) for line in ax.get_lines())
    plt.close(fig)
    assert drawn <= longest < 3650


def test_sweep_marks_the_scenarios_own_value(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.sweep import analyse_sweep, baseline_values, sweep_figure

    out = tmp_path / "sweep"
    argv = ["sweep", "--grid", "escalation.collapse_threshold=2:3:2", "--runs", "40"]
    assert main([*argv, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    analysis = analyse_sweep(out)
    key = "escalation.collapse_threshold"
    assert baseline_values(analysis, key) == {"russia": 2.5, "turkey": 2.5}
    fig = sweep_figure(analysis, key)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    plt.close(fig)
    assert texts.count("baseline 2.5") == 2  # on both panels


def test_morris_whiskers_stop_at_zero_and_state_units(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.sensitivity import analyse_sensitivity, sensitivity_figure

    out = tmp_path / "morris"
    argv = ["sensitivity", "--samples", "3", "--runs-per-point", "30", "--seed", "2"]
    argv += [
        "--param",
        "actors.militia.spoiling=1:3",
        "--param",
        "monitoring.attribution_accuracy=0.3:0.9",
    ]
    assert main([*argv, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    analysis = analyse_sensitivity(out)
    fig = sensitivity_figure(analysis, "p_hold")
    whiskers = 0
    for ax in fig.axes:
        assert "per full parameter range" in ax.get_xlabel()
        for container in ax.containers:
            if hasattr(container, "has_xerr") and container.has_xerr:
                for collection in container.lines[2]:
                    for segment in collection.get_segments():
                        whiskers += 1
                        assert segment[:, 0].min() >= 0
    plt.close(fig)
    assert whiskers >= 4  # two parameters under each of two mediators


def test_reference_figures_say_what_they_are_and_how_many_rest_behind_them(
    batch_with_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(batch_with_set), "--reference", "country=Syria"]) == 0
    text = capsys.readouterr().out
    assert "at risk at 14 d" in text
    assert "not the share still in force" in text
    # The count behind the reference's estimate matches `ceasefire reference`'s table.
    assert "only 3 of the 69 ceasefires were still observed after 14 days" in text


def test_study_folder_names_what_made_it() -> None:
    import argparse

    from sim.commands.study import _default_out

    args = argparse.Namespace(
        variants=["patrols_in_force+crossing_open"],
        overrides=["actors.regime.base=-6"],
        posterior="results/cal/posterior.parquet",
    )
    name = Path(_default_out("daraa_2021", args)).name
    assert name.startswith("daraa_2021-patrols_in_force_crossing_open-")
    assert "actors.regime.base_-6" in name and "-posterior-" in name
    plain = argparse.Namespace(variants=[], overrides=[], posterior=None)
    assert re.fullmatch(r"daraa_2021-\d{8}-\d{6}", Path(_default_out("daraa_2021", plain)).name)
