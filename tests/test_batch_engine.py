"""The batch engine: determinism across executors, resume, refusals, manifest, overrides."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.batch import (
    BatchFailed,
    InlineExecutor,
    VariantSpec,
    chunk_bounds,
    chunk_seed,
    engine,
    executors,
    expand_variants,
    run_batch,
)
from sim.errors import UserError
from sim.scenario import DEFAULT_SCENARIO

RUNS, CHUNK = 2_000, 500
MEDIATORS = ["russia", "turkey"]


def small_batch(out: Path, **kwargs) -> engine.BatchResult:
    """A quick two-mediator batch; keyword arguments override the defaults."""
    options = {
        "mediators": MEDIATORS,
        "runs": RUNS,
        "seed": 11,
        "chunk_size": CHUNK,
        "workers": 1,
        "progress": False,
    }
    options.update(kwargs)
    return run_batch(DEFAULT_SCENARIO, out=out, **options)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted in-process batch: the bytes every other way must reproduce."""
    out = tmp_path_factory.mktemp("reference") / "batch"
    small_batch(out)
    return out / "runs.parquet"


def same_bytes(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


# --------------------------------------------------------------------------- seeding


def test_chunk_seed_is_the_spawned_child_and_ignores_everything_else() -> None:
    children = np.random.SeedSequence(42).spawn(5)
    for k, child in enumerate(children):
        seed = chunk_seed(42, k)
        assert seed.spawn_key == child.spawn_key
        assert np.array_equal(seed.generate_state(4), child.generate_state(4))
    assert not np.array_equal(
        chunk_seed(42, 0).generate_state(4), chunk_seed(43, 0).generate_state(4)
    )


def test_chunk_bounds_cover_every_run_once() -> None:
    assert chunk_bounds(1_050, 500) == [(0, 500), (500, 1_000), (1_000, 1_050)]
    assert chunk_bounds(3, 500) == [(0, 3)]


def test_variant_labels_and_expansion() -> None:
    specs = expand_variants(["russia", "turkey"], ["a+b"])
    assert [s.label for s in specs] == ["russia", "turkey", "russia+a+b", "turkey+a+b"]
    spec = VariantSpec("turkey", ("x",), {"mediator.conduct.resolve": 0.8})
    assert spec.label == "turkey+x[mediator.conduct.resolve=0.8]"
    assert "/" not in spec.slug and "[" not in spec.slug
    assert VariantSpec.from_dict(spec.as_dict()) == spec


# --------------------------------------------------------------------------- determinism


def test_two_worker_process_pool_gives_the_same_bytes(tmp_path: Path, reference: Path) -> None:
    result = small_batch(tmp_path / "b", workers=2)
    assert same_bytes(result.runs_path, reference)
    assert same_bytes(result.path / "spells.parquet", reference.parent / "spells.parquet")


def test_dask_local_cluster_gives_the_same_bytes(tmp_path: Path, reference: Path) -> None:
    from dask.distributed import Client, LocalCluster

    # processes=False: an in-process scheduler and workers talking over inproc://,
    # nothing listens on the network and start-up is fast.
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        result = small_batch(tmp_path / "b", executor=client.get_executor())
    assert same_bytes(result.runs_path, reference)


class ShuffledExecutor(cf.ThreadPoolExecutor):
    """Finishes tasks in a scrambled order (seeded delays) and records that order."""

    def __init__(self) -> None:
        super().__init__(max_workers=4)
        self.submitted = 0
        self.finished: list[int] = []
        self.lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        # Later tasks wait less, so of the four running at once the last submitted ends
        # first: the order is scrambled every time, not only when random delays allow.
        self.submitted += 1
        delay = 0.2 / self.submitted
        index = args[3]  # simulate_chunk(scenario, mediator, seed, index, start, stop)

        def delayed():
            time.sleep(delay)
            value = fn(*args, **kwargs)
            with self.lock:
                self.finished.append(index)
            return value

        return super().submit(delayed)


def test_results_do_not_depend_on_order_of_completion(tmp_path: Path, reference: Path) -> None:
    with ShuffledExecutor() as executor:
        result = small_batch(tmp_path / "b", executor=executor)
    assert executor.finished != sorted(executor.finished)  # the order really was scrambled
    assert same_bytes(result.runs_path, reference)


def test_common_random_numbers_pair_runs_across_variants(tmp_path: Path) -> None:
    """A variant identical in substance to the baseline reproduces it run for run."""
    same = VariantSpec("russia", overrides={"mediator.bias.regime": 0.6})  # the file's value
    result = small_batch(tmp_path / "b", mediators=["russia"], variants=[same], runs=600)
    frame = result.frame
    base = frame[frame.variant == "russia"].drop(columns=["variant"]).reset_index(drop=True)
    twin = frame[frame.variant == same.label].drop(columns=["variant"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(base, twin)


# --------------------------------------------------------------------------- nothing lost


class FailingExecutor(InlineExecutor):
    """Runs tasks in-process but fails the `fail_at`-th one, like a worker lost midway."""

    def __init__(self, fail_at: int, error: BaseException) -> None:
        self.calls = 0
        self.fail_at = fail_at
        self.error = error

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        self.calls += 1
        if self.calls == self.fail_at:
            if isinstance(self.error, KeyboardInterrupt):
                raise self.error
            future: cf.Future = cf.Future()
            future.set_exception(self.error)
            return future
        return super().submit(fn, *args, **kwargs)


def test_interrupted_batch_resumes_to_identical_bytes(tmp_path: Path, reference: Path) -> None:
    out = tmp_path / "b"
    with pytest.raises(BatchFailed, match=r"--resume|resume=True"):
        small_batch(out, executor=FailingExecutor(4, RuntimeError("worker lost")))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False
    assert not (out / "runs.parquet").exists()
    kept = sorted(out.glob("chunks/*/chunk-??????.parquet"))
    assert 0 < len(kept) < 8
    # A killed process can leave a temporary file and, at worst, a truncated chunk.
    (kept[0].parent / ".chunk-000009.parquet.abc.tmp").write_bytes(b"partial")
    kept[-1].write_bytes(kept[-1].read_bytes()[:100])

    result = small_batch(out, resume=True)
    assert result.chunks_run == 8 - len(kept) + 1  # the missing ones and the truncated one
    assert same_bytes(result.runs_path, reference)
    assert same_bytes(out / "spells.parquet", reference.parent / "spells.parquet")
    assert not list(out.rglob("*.tmp"))
    assert json.loads((out / "manifest.json").read_text())["complete"] is True


def test_ctrl_c_keeps_finished_chunks(tmp_path: Path, reference: Path) -> None:
    out = tmp_path / "b"
    with pytest.raises(KeyboardInterrupt):
        small_batch(out, executor=FailingExecutor(3, KeyboardInterrupt()))
    assert len(list(out.glob("chunks/*/chunk-??????.parquet"))) == 2
    assert same_bytes(small_batch(out, resume=True).runs_path, reference)


def test_resume_of_a_complete_batch_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "b"
    first = small_batch(out, runs=500).runs_path.read_bytes()
    again = small_batch(out, runs=500, resume=True)
    assert again.chunks_run == 0
    assert again.runs_path.read_bytes() == first


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"runs": 0}, "--runs"),
        ({"seed": -1}, "--seed"),
        ({"chunk_size": 0}, "--chunk-size"),
        ({"mediators": ["nobody"]}, "unknown mediator 'nobody'"),
        ({"overrides": {"actors.regime.bse": "1"}}, "no such parameter"),
        ({"overrides": {"actors.regime.base": "99"}}, "from -50 to 50"),
        ({"variants": ["no_such_overlay"]}, "unknown variant"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(
    tmp_path: Path, kwargs: dict, message: str
) -> None:
    out = tmp_path / "b"
    with pytest.raises(UserError, match=message):
        small_batch(out, **kwargs)
    assert not out.exists()


def test_unreachable_dask_scheduler_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT_S", 0.5)
    out = tmp_path / "b"
    with pytest.raises(UserError, match="cannot reach the Dask scheduler"):
        small_batch(out, dask="tcp://127.0.0.1:9", workers=None)
    assert not out.exists()


def test_non_empty_folder_needs_resume(tmp_path: Path) -> None:
    out = tmp_path / "b"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match=r"not empty.*--resume"):
        small_batch(out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_resume_refuses_other_settings(tmp_path: Path) -> None:
    out = tmp_path / "b"
    small_batch(out, runs=500)
    with pytest.raises(UserError, match="seed was 11, now 12"):
        small_batch(out, runs=500, seed=12, resume=True)
    with pytest.raises(UserError, match="nothing to resume"):
        small_batch(tmp_path / "empty", resume=True)


# --------------------------------------------------------------------------- contents


def test_manifest_records_what_made_the_batch(tmp_path: Path) -> None:
    result = small_batch(tmp_path / "b", runs=700, overrides={"talks.base": "-1"})
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest == result.manifest
    text = DEFAULT_SCENARIO.read_text()
    assert manifest["scenario"]["text"] == text
    assert (
        manifest["scenario"]["sha256"] == hashlib.sha256(DEFAULT_SCENARIO.read_bytes()).hexdigest()
    )
    for name in MEDIATORS:
        path = Path(manifest["mediators"][name]["path"])
        assert (
            manifest["mediators"][name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        )
    assert [v["label"] for v in manifest["variants"]] == MEDIATORS
    assert manifest["overrides"] == {"talks.base": -1.0}
    assert (manifest["seed"], manifest["chunk_size"], manifest["n_chunks"]) == (11, CHUNK, 2)
    assert (manifest["runs_per_variant"], manifest["runs_total"]) == (700, 1_400)
    assert {"sim", "python", "numpy", "mesa", "pyarrow"} <= set(manifest["versions"])
    assert manifest["complete"] is True and manifest["started"] <= manifest["finished"]
    assert manifest["command"].startswith("sim.run_batch(")


def test_runs_table_has_the_documented_columns(tmp_path: Path) -> None:
    frame = small_batch(tmp_path / "b", runs=700, overrides={"talks.base": "-1"}).frame
    assert list(frame.columns[:4]) == ["variant", "mediator", "run", "horizon_h"]
    for column in (
        "duration_h",
        "collapsed",
        "cause",
        "first_violation_h",
        "first_violator",
        "violations_regime",
        "violations_militia",
        "violations_opposition",
        "crossing_open_h",
        "agreement",
        "credibility_regime",
        "credibility_militia",
        "credibility_opposition",
        "switch_h",
        "final_mediator",
        "talks.base",
    ):
        assert column in frame.columns
    assert len(frame) == 1_400
    assert list(frame.run[:700]) == list(range(700))
    assert (frame["talks.base"] == -1.0).all()
    censored = frame[~frame.collapsed]
    assert (censored.duration_h == censored.horizon_h).all() and (censored.cause == "none").all()
    never = frame.first_violation_h.isna()
    assert frame.first_violator[never].isna().all()


def test_overrides_reach_the_model(tmp_path: Path) -> None:
    calm = {f"actors.{a}.base": "-50" for a in ("regime", "militia", "opposition")}
    frame = small_batch(tmp_path / "b", runs=1_000, overrides=calm).frame
    assert not frame.collapsed.any()
    assert (frame.duration_h == frame.horizon_h).all()
    assert frame.first_violation_h.isna().all()
    assert (frame["actors.militia.base"] == -50.0).all()


def test_variant_overlays_and_their_files(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios"
    shutil.copytree(DEFAULT_SCENARIO.parent, scenarios)
    (scenarios / "variants" / "tight_patrols.toml").write_text(
        '[variant]\nname = "tight_patrols"\ndescription = "test"\n'
        '[set]\n"mediator.conduct.patrol_capacity" = 0.9\n'
    )
    result = run_batch(
        scenarios / "daraa_2021.toml",
        mediators=["russia"],
        variants=["tight_patrols"],
        runs=500,
        seed=1,
        out=tmp_path / "b",
        workers=1,
        progress=False,
    )
    assert list(pd.unique(result.frame.variant)) == ["russia", "russia+tight_patrols"]
    assert "tight_patrols" in result.manifest["variant_files"]
    assert (tmp_path / "b" / "chunks" / "russia+tight_patrols").is_dir()
