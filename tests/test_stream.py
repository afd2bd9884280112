"""The stream engine (issue 13, points 1 and 3): the example corpus split into 1, 3 and 17
files gives the in-memory vocabulary, counts, terms and comparison bit for bit (replicates too,
with the partition-independent Poisson bootstrap); the vocabulary rules (min_df, max_df,
max_features) give the Vectorizer's vocabulary in its order; a bad partition names its file and
line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import divergence as dv
from divergence._engine import Partitions, count_partitions, vocabulary_pass
from divergence._stream import stream_compare, stream_terms
from parts import write_parts


def _split(tmp_path: Path, k: int, fmt: str = "csv") -> List[Path]:
    return write_parts(dv.Corpus.example().frame.reset_index(drop=True), tmp_path, k, fmt)


VECTORIZERS = [
    dv.Vectorizer(),
    dv.Vectorizer(min_df=2, max_df=0.5),
    dv.Vectorizer(max_features=300, stop_words="english"),
    dv.Vectorizer(ngram_range=(1, 2), min_df=0.01, max_features=1000, binary=True),
]


@pytest.mark.parametrize("k", [1, 3, 17])
@pytest.mark.parametrize("vi", range(len(VECTORIZERS)))
def test_vocabulary_and_counts_equal_in_memory(tmp_path, k, vi):
    vec = VECTORIZERS[vi]
    c = dv.Corpus.example()
    X = vec.fit_transform(list(c.text))
    parts = Partitions.of(sorted(_split(tmp_path, k)))
    vocab = vocabulary_pass(parts, vec, progress=lambda d, t: None)
    assert vocab.terms == list(vec.get_feature_names_out())
    assert vocab.groups == c.group_names and vocab.n_statements == len(c)
    rows = [Xp for _, _, Xp, _ in count_partitions(parts, vocab, vec, lambda d, t: None)]
    Y = sp.vstack(rows, format="csr")
    assert (Y != X).nnz == 0 and Y.dtype == X.dtype


@pytest.mark.parametrize("k", [1, 3, 17])
def test_terms_equal_in_memory(tmp_path, k):
    c = dv.Corpus.example()
    vec = dv.Vectorizer()
    X = vec.fit_transform(list(c.text))
    want = dv.distinguishing_terms(
        X, c.group_codes, c.group_names, list(vec.get_feature_names_out()), top=10
    )
    _split(tmp_path, k)
    got = stream_terms(str(tmp_path / "part*.csv"), top=10)  # a glob pattern
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("k", [1, 3, 17])
def test_bounded_compare_equal_in_memory(tmp_path, k):
    # Poisson bootstrap + keyed null (+ keyed jackknife): only sums are kept, and the result is
    # in-memory compare's with the same options, bit for bit
    opts = dict(
        bootstrap=30,
        permutations=20,
        seed=4,
        bootstrap_scheme="poisson",
        permutation_scheme="keyed",
        n_jobs=1,
        metric=["jsd", "tv"],
    )
    want = dv.compare(dv.Corpus.example(), **opts)
    got = stream_compare(_split(tmp_path, k), progress=lambda d, t: None, **opts)
    assert got.settings["memory"] == "bounded" and got.settings["engine"] == "stream"
    assert got.statements is None and got.statement_ids is None
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    pd.testing.assert_frame_equal(got.terms, want.terms, check_exact=True)
    for m in want.metrics:
        for f in ("observed", "bootstrap", "null"):
            np.testing.assert_array_equal(getattr(got, f)[m], getattr(want, f)[m])
    assert {k: v for k, v in got.settings.items() if k not in ("engine", "memory", "sources")} == (
        want.settings
    )
    # the resample scheme keeps the counts (and still equals in-memory)
    held = stream_compare(_split(tmp_path, k), bootstrap=5, permutations=5, seed=1, terms=False)
    assert held.settings["memory"] == "counts" and held.statements is not None


@pytest.mark.parametrize("k", [1, 3, 17])
def test_compare_equal_in_memory(tmp_path, k):
    opts = dict(bootstrap=30, permutations=20, seed=4, bootstrap_scheme="poisson", n_jobs=1)
    want = dv.compare(dv.Corpus.example(), **opts)
    got = stream_compare(_split(tmp_path, k, "parquet" if k == 3 else "csv"), **opts)
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    pd.testing.assert_frame_equal(got.terms, want.terms, check_exact=True)
    for m in want.metrics:
        np.testing.assert_array_equal(got.observed[m], want.observed[m])
        np.testing.assert_array_equal(got.bootstrap[m], want.bootstrap[m])
        np.testing.assert_array_equal(got.null[m], want.null[m])
    assert list(got.statement_ids) == list(want.statement_ids)


def test_bad_partition_names_file_and_line(tmp_path):
    paths = _split(tmp_path, 3)
    with open(paths[1], "a") as f:
        f.write('x1,Armenia,2020-01-01,"never closed\n')
    with pytest.raises(dv.CorpusError, match=r"part01\.csv line \d+"):
        stream_terms(paths)


def test_inputs_checked(tmp_path):
    with pytest.raises(ValueError, match="inputs: no file matches"):
        Partitions.of(str(tmp_path / "*.csv"))
    with pytest.raises(ValueError, match="inputs: no files"):
        Partitions.of([])
    with pytest.raises(TypeError, match="inputs"):
        Partitions.of([3])
    with pytest.raises(ValueError, match="groups: not available"):
        stream_compare(_split(tmp_path, 1), groups=[1])


def _cli(*args, env=None):
    from click.testing import CliRunner

    from divergence.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def test_cli_engine_stream_equals_memory(tmp_path):
    paths = _split(tmp_path, 3)
    for cmd, extra in (("terms", ["--top", "5"]), ("compare", ["--bootstrap", "20"])):
        outs = []
        for engine in ("memory", "stream"):
            out = tmp_path / f"{cmd}_{engine}.csv"
            res = _cli(cmd, *paths, "--engine", engine, "--format", "csv", "-o", out, *extra)
            assert res.exit_code == 0, res.output
            outs.append(out)
        if cmd == "terms":
            assert outs[0].read_bytes() == outs[1].read_bytes()
        else:
            pd.testing.assert_frame_equal(
                pd.read_csv(tmp_path / "compare_stream.csv"),
                pd.read_csv(tmp_path / "compare_memory.csv"),
            )
    res = _cli("terms", "--example", "--engine", "stream")
    assert res.exit_code == 2 and "--engine stream reads CORPUS files" in res.output


def test_cli_bounded_compare_equals_memory(tmp_path):
    paths = _split(tmp_path, 3)
    opts = ["--bootstrap", "20", "--permutations", "20"]
    opts += ["--bootstrap-scheme", "poisson", "--permutation-scheme", "keyed"]
    for engine in ("memory", "stream"):
        out = tmp_path / f"bounded_{engine}.csv"
        res = _cli("compare", *paths, "--engine", engine, "--format", "csv", "-o", out, *opts)
        assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "bounded_stream.csv"), pd.read_csv(tmp_path / "bounded_memory.csv")
    )
    manifest = json.loads((tmp_path / "bounded_stream.csv.manifest.json").read_text())
    assert "keyed" in json.dumps(manifest)
    res = _cli("compare", *paths, "--engine", "stream", "--level", "statement", *opts)
    assert res.exit_code == 2 and "--level statement needs" in res.output


def test_memory_guard_exits_4_before_reading(tmp_path, monkeypatch):
    paths = _split(tmp_path, 3)
    res = _cli("compare", *paths, env={"DIVERGENCE_MEMORY_AVAILABLE": str(10 * 2**20)})
    assert res.exit_code == 4
    assert "would need about" in res.output and "--engine stream" in res.output
    res = _cli("terms", *paths, "--engine", "stream", env={"DIVERGENCE_MEMORY_AVAILABLE": "1000"})
    assert res.exit_code == 0, res.output  # the stream engine is not guarded
    monkeypatch.setenv("DIVERGENCE_MEMORY_AVAILABLE", "1")
    with pytest.raises(MemoryError, match="GiB available"):
        dv.check_memory([str(p) for p in paths])


def test_duplicate_ids_across_files_as_in_memory(tmp_path):
    paths = _split(tmp_path, 3)
    frame = pd.read_csv(paths[2])
    first = pd.read_csv(paths[0])
    frame.loc[4, "id"] = first.loc[1, "id"]
    frame.loc[6, "id"] = first.loc[2, "id"]
    frame.to_csv(paths[2], index=False)
    with pytest.raises(dv.CorpusError) as want:
        dv.Corpus.read(paths)
    with pytest.raises(dv.CorpusError) as got:
        stream_terms(paths)
    assert str(got.value) == str(want.value)
    assert "part00.csv line 3 and " in str(got.value) and "(1 more duplicate)" in str(got.value)


def test_cli_bad_partition_exits_3_and_writes_nothing(tmp_path):
    paths = _split(tmp_path, 3)
    with open(paths[1], "a") as f:
        f.write('x1,Armenia,2020-01-01,"never closed\n')
    out = tmp_path / "out" / "terms.csv"
    out.parent.mkdir()
    for cmd in ("terms", "compare"):
        res = _cli(cmd, *paths, "--engine", "stream", "--format", "csv", "-o", out)
        assert res.exit_code == 3, res.output
        assert "part01.csv line" in res.output
        assert list(out.parent.iterdir()) == []


UNGD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ungd_caucasus.csv"


@pytest.mark.shared_data
@pytest.mark.skipif(not UNGD.is_file(), reason="../shared/data/ungd_caucasus.csv not present")
@pytest.mark.parametrize("k", [3, 17])
def test_un_corpus_split_equals_in_memory(tmp_path, k):
    """The UN General Debate statements (Caucasus) split into k CSV files."""
    frame = pd.read_csv(UNGD)
    edges = np.linspace(0, len(frame), k + 1).astype(int)
    paths = []
    for j in range(k):
        p = tmp_path / f"un{j:02d}.csv"
        frame.iloc[edges[j] : edges[j + 1]].to_csv(p, index=False)
        paths.append(p)
    read = dict(group_col="country", time_col="year")
    c = dv.Corpus.read(paths, **read)
    opts = dict(bootstrap=10, permutations=10, seed=2, bootstrap_scheme="poisson", n_jobs=2)
    want = dv.compare(c, **opts)
    got = stream_compare(paths, read=read, **opts)
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    pd.testing.assert_frame_equal(got.terms, want.terms, check_exact=True)
    np.testing.assert_array_equal(got.bootstrap["jsd"], want.bootstrap["jsd"])
    terms = stream_terms(paths, read=read, top=10)
    vec = dv.Vectorizer()
    X = vec.fit_transform(list(c.text))
    pd.testing.assert_frame_equal(
        terms,
        dv.distinguishing_terms(
            X, c.group_codes, c.group_names, list(vec.get_feature_names_out()), top=10
        ),
        check_exact=True,
    )
