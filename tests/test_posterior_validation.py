"""A posterior file is validated whole before any work (issue 16, item 3)."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.calibration.posterior import META_KEY
from sim.cli import main


@pytest.fixture(scope="module")
def posterior(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("calibration") / "c"
    argv = ["calibrate", "--draws", "200", "--replicates", "10", "--workers", "1"]
    assert main([*argv, "--out", str(out)]) == 0
    return out / "posterior.parquet"


def rewrite(source, target, change_table=None, change_meta=None):
    table = pq.read_table(source)
    meta = json.loads(table.schema.metadata[META_KEY])
    if change_table is not None:
        table = change_table(table, meta["parameters"][0])
    if change_meta is not None:
        change_meta(meta)
    table = table.replace_schema_metadata({META_KEY: json.dumps(meta).encode()})
    pq.write_table(table, target)
    return target


def refused(tmp_path, capsys, path, message):
    out = tmp_path / "b"
    argv = ["batch", "--runs", "50", "--quiet", "--posterior", str(path), "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not out.exists()  # refused before anything was written


def replaced(table, key, values, type_=None):
    column = pa.array(values, type=type_)
    return table.set_column(table.column_names.index(key), key, column)


def test_flipped_bytes_are_refused(tmp_path, capsys, posterior) -> None:
    data = bytearray(posterior.read_bytes())
    middle = len(data) // 3
    for i in range(middle, middle + 40):
        data[i] ^= 0x5A
    damaged = tmp_path / "posterior.parquet"
    damaged.write_bytes(bytes(data))
    out = tmp_path / "b"
    argv = ["batch", "--runs", "50", "--quiet", "--posterior", str(damaged), "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "posterior.parquet" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t, k: replaced(t, k, [float("nan")] * t.num_rows), "NaN or infinity"),
        (lambda t, k: replaced(t, k, [float("inf")] * t.num_rows), "NaN or infinity"),
        (lambda t, k: replaced(t, k, [0.99] * t.num_rows), "outside its prior's range"),
        (lambda t, k: replaced(t, k, [None] * t.num_rows, pa.float64()), "null"),
        (lambda t, k: replaced(t, k, ["0.9"] * t.num_rows), "not numbers"),
        (lambda t, k: t.append_column(k, t.column(k)), "duplicated column"),
    ],
    ids=["nan", "inf", "out-of-range", "null", "string", "duplicate-column"],
)
def test_bad_values_are_refused(tmp_path, capsys, posterior, change, message) -> None:
    path = rewrite(posterior, tmp_path / "p.parquet", change_table=change)
    refused(tmp_path, capsys, path, message)


def test_a_changed_value_in_range_fails_the_checksum(tmp_path, capsys, posterior) -> None:
    def nudge(table, key):
        values = table.column(key).to_pylist()
        values[0] = values[1]
        return replaced(table, key, values)

    path = rewrite(posterior, tmp_path / "p.parquet", change_table=nudge)
    refused(tmp_path, capsys, path, "checksum")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["parameters"].append("actors.regime.nonsense"), "not an actor parameter"),
        (lambda m: m["parameters"].append(m["parameters"][0]), "twice"),
    ],
    ids=["unknown-key", "duplicate-key"],
)
def test_bad_keys_are_refused(tmp_path, capsys, posterior, change, message) -> None:
    path = rewrite(posterior, tmp_path / "p.parquet", change_meta=change)
    refused(tmp_path, capsys, path, message)
