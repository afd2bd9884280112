"""Output helpers: atomic writes, result tables, manifests, the bundled example."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import divergence
from divergence import Corpus
from divergence._output import (
    EXAMPLE_NAME,
    TABLE_FORMATS,
    atomic_write,
    example_path,
    jsonable,
    sha256_file,
    write_example,
    write_manifest,
    write_table,
)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# -- atomic_write -------------------------------------------------------------------------------


def test_atomic_write_bytes_str_and_writers(tmp_path):
    p = tmp_path / "a.bin"
    assert atomic_write(p, b"\x00\x01") == p
    assert p.read_bytes() == b"\x00\x01"
    atomic_write(p, "héllo\n")
    assert p.read_bytes() == "héllo\n".encode()
    atomic_write(p, lambda f: f.write(b"binary"))
    assert p.read_bytes() == b"binary"
    atomic_write(p, lambda f: f.write("text\n"), mode="w")
    assert p.read_bytes() == b"text\n"

    def closes_itself(f):
        f.write(b"closed")
        f.close()

    atomic_write(p, closes_itself)
    assert p.read_bytes() == b"closed"
    assert sorted(os.listdir(tmp_path)) == ["a.bin"]
    with pytest.raises(TypeError, match="data"):
        atomic_write(p, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode"):
        atomic_write(p, b"x", mode="a")


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_atomic_write_leaves_no_partial_file(tmp_path, exc):
    p = tmp_path / "out.csv"
    p.write_bytes(b"old content")

    def failing(f):
        f.write(b"half of the new")
        raise exc("stop")

    with pytest.raises(exc):
        atomic_write(p, failing)
    assert p.read_bytes() == b"old content"
    assert os.listdir(tmp_path) == ["out.csv"]
    new = tmp_path / "new.csv"
    with pytest.raises(exc):
        atomic_write(new, failing)
    assert not new.exists() and os.listdir(tmp_path) == ["out.csv"]


def test_atomic_write_permissions(tmp_path):
    p = tmp_path / "fresh.txt"
    atomic_write(p, b"x")
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~_umask()
    q = tmp_path / "kept.txt"
    q.write_bytes(b"old")
    os.chmod(q, 0o640)
    atomic_write(q, b"new")
    assert stat.S_IMODE(q.stat().st_mode) == 0o640


def test_atomic_write_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "no" / "such.txt", b"x")


# -- write_table --------------------------------------------------------------------------------


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["A", "B", "C"],
            "value": [0.1 + 0.2, np.nan, np.inf],
            "n": np.array([1, 2, 3], dtype=np.int64),
            "time": pd.to_datetime(["2022-09-08", None, "2023-01-01"]),
        }
    )


def test_write_table_csv_json_parquet_round_trip(tmp_path):
    df = _table()
    assert TABLE_FORMATS == ("csv", "json", "parquet")
    p = write_table(df, tmp_path / "sub" / "t.csv")
    assert p == tmp_path / "sub" / "t.csv"
    text = p.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "group,value,n,time" and "\r" not in text
    back = pd.read_csv(p)
    assert back["value"].iloc[0] == 0.1 + 0.2  # full precision
    records = json.loads(write_table(df, tmp_path / "t.json").read_text(encoding="utf-8"))
    assert records[0] == {"group": "A", "value": 0.30000000000000004, "n": 1, "time": "2022-09-08"}
    assert records[1]["value"] is None and records[1]["time"] is None
    assert records[2]["value"] == "Infinity"
    pq = write_table(df, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(pq), df, check_dtype=False)
    assert sorted(os.listdir(tmp_path)) == ["sub", "t.json", "t.parquet"]


def test_write_table_writes_an_informative_index(tmp_path):
    m = pd.DataFrame(
        [[0.0, 0.5], [0.5, 0.0]], index=pd.Index(["A", "B"], name="group"), columns=["A", "B"]
    )
    back = pd.read_csv(write_table(m, tmp_path / "m.csv"))
    assert back.columns.tolist() == ["group", "A", "B"]
    records = json.loads(write_table(m, tmp_path / "m.json", fmt="json").read_text())
    assert records[1] == {"group": "B", "A": 0.5, "B": 0.0}


def test_write_table_stdout(capsys):
    df = _table()[["group", "n"]]
    assert write_table(df, "-") is None
    assert capsys.readouterr().out == "group,n\nA,1\nB,2\nC,3\n"
    write_table(df, "-", fmt="json")
    assert json.loads(capsys.readouterr().out)[2] == {"group": "C", "n": 3}
    with pytest.raises(ValueError, match="parquet cannot be written to standard output"):
        write_table(df, "-", fmt="parquet")


def test_write_table_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="cannot tell the table format"):
        write_table(_table(), tmp_path / "t.xlsx")
    with pytest.raises(ValueError, match="unknown table format"):
        write_table(_table(), tmp_path / "t.csv", fmt="xml")
    with pytest.raises(TypeError, match="DataFrame"):
        write_table([1, 2], tmp_path / "t.csv")  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


def test_jsonable():
    assert jsonable(
        {"a": (1, np.int64(2)), "b": np.float32(0.5), "c": Path("x/y"), "d": {3, 1}}
    ) == {
        "a": [1, 2],
        "b": 0.5,
        "c": "x/y",
        "d": [1, 3],
    }
    assert jsonable([np.nan, -np.inf, pd.NaT, np.bool_(True), pd.Timestamp("2020-01-02")]) == [
        None,
        "-Infinity",
        None,
        True,
        "2020-01-02T00:00:00",
    ]
    assert jsonable(np.arange(3)) == [0, 1, 2]


# -- manifest -----------------------------------------------------------------------------------


def test_write_manifest(tmp_path):
    c = Corpus.example()
    extra = tmp_path / "other.txt"
    extra.write_text("x\n")
    path = write_manifest(
        tmp_path / "run",
        "compare",
        {"metric": "jsd", "out": tmp_path / "run", "groups": ("A", "B"), "alpha": np.float64(0.5)},
        seed=42,
        sources=[*c.sources, extra],
        n_jobs=1,
    )
    assert path == tmp_path / "run" / "manifest.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["version"] == divergence.__version__
    assert doc["command"] == "compare" and doc["seed"] == 42
    assert doc["parameters"] == {
        "metric": "jsd",
        "out": str(tmp_path / "run"),
        "groups": ["A", "B"],
        "alpha": 0.5,
    }
    assert doc["inputs"][0]["sha256"] == hashlib.sha256(example_path().read_bytes()).hexdigest()
    assert doc["inputs"][0]["rows"] == 170 and doc["inputs"][0]["format"] == "csv"
    assert doc["inputs"][1] == {"path": str(extra), "sha256": sha256_file(extra)}
    assert doc["n_jobs"] == 1 and doc["threads"] == 1
    assert doc["created_utc"].endswith("Z") and doc["created_utc"][:2] == "20"
    assert doc["numpy"] == np.__version__ and doc["python"].count(".") == 2
    assert os.listdir(tmp_path / "run") == ["manifest.json"]


# -- example ------------------------------------------------------------------------------------


def test_example_path_and_write_example(tmp_path):
    src = example_path()
    assert src.name == EXAMPLE_NAME and src.is_file()
    dest = write_example(tmp_path / "new")
    assert dest == tmp_path / "new" / EXAMPLE_NAME
    assert dest.read_bytes() == src.read_bytes()
    with pytest.raises(FileExistsError):
        write_example(tmp_path / "new", overwrite=False)
    assert len(Corpus.read(dest)) == 170
