"""The Dask engine (issue 13, point 4) on a LocalCluster of 2 worker processes bound to
127.0.0.1: the example corpus split into 1, 3 and 17 files gives the in-memory terms and
comparison bit for bit; a worker killed mid-run (the nanny restarts it) changes nothing; a bad
partition raises the CorpusError naming its file and line."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

import divergence as dv

distributed = pytest.importorskip("distributed")

from divergence._dask import dask_compare, dask_terms  # noqa: E402
from test_stream import _split  # noqa: E402


def _terms_in_memory(top: int = 10) -> pd.DataFrame:
    c = dv.Corpus.example()
    vec = dv.Vectorizer()
    X = vec.fit_transform(list(c.text))
    return dv.distinguishing_terms(
        X, c.group_codes, c.group_names, list(vec.get_feature_names_out()), top=top
    )


@pytest.mark.parametrize("k", [1, 3, 17])
def test_terms_equal_in_memory(tmp_path, client, k):
    got = dask_terms(_split(tmp_path, k), client=client, top=10)
    pd.testing.assert_frame_equal(got, _terms_in_memory(), check_exact=True)


OPTS = dict(bootstrap=30, permutations=20, seed=4, bootstrap_scheme="poisson", n_jobs=1)


def _same(got: dv.Comparison, want: dv.Comparison) -> None:
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    pd.testing.assert_frame_equal(got.terms, want.terms, check_exact=True)
    for m in want.metrics:
        np.testing.assert_array_equal(got.bootstrap[m], want.bootstrap[m])
        np.testing.assert_array_equal(got.null[m], want.null[m])
    assert list(got.statement_ids) == list(want.statement_ids)


@pytest.mark.parametrize("k", [3, 17])
def test_compare_equal_in_memory(tmp_path, client, k):
    _same(
        dask_compare(_split(tmp_path, k), client=client, **OPTS),
        dv.compare(dv.Corpus.example(), **OPTS),
    )


def test_compare_counts_taken_in_file_order(tmp_path, client, monkeypatch):
    """The statement-counts path (exact permutations) takes each file's counts in file order
    as its task finishes (_Session.in_file_order), not every file's gathered at the end: one
    pass over the files, their counts consumed in file order, no future left; the in-memory
    comparison bit for bit."""
    from divergence._dask import _Session

    real = _Session.in_file_order
    calls = []

    def spy(self, fn, inputs, *args, consume, what="counting"):
        n = len(inputs)
        rows = []

        def take(r):
            rows.append(r[0].shape[0])
            consume(r)

        total = real(self, fn, inputs, *args, consume=take, what=what)
        calls.append((fn.__name__, n, total, rows))
        return total

    monkeypatch.setattr(_Session, "in_file_order", spy)
    paths = _split(tmp_path, 5)
    base = len(client.futures)
    got = dask_compare(paths, client=client, **OPTS)
    _same(got, dv.compare(dv.Corpus.example(), **OPTS))
    assert got.settings["memory"] == "counts"
    rows = [len(dv.Corpus.read(p)) for p in paths]
    assert calls == [("_count_task", 5, 5, rows)]
    assert [s["path"] for s in got.settings["sources"]] == [str(p) for p in paths]
    for _ in range(100):  # a dropped future is released on the client's event loop, soon after
        if len(client.futures) == base:
            break
        time.sleep(0.05)
    assert len(client.futures) == base


@pytest.mark.parametrize("k", [1, 3, 17])
def test_bounded_compare_equal_in_memory(tmp_path, client, k):
    # Poisson bootstrap + keyed null: each file's sums added along a chain per worker thread
    # (no counts gathered)
    opts = dict(OPTS, permutation_scheme="keyed", metric=["jsd", "tv"])
    got = dask_compare(_split(tmp_path, k), client=client, **opts)
    want = dv.compare(dv.Corpus.example(), **opts)
    assert got.settings["memory"] == "bounded" and got.statements is None
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    pd.testing.assert_frame_equal(got.terms, want.terms, check_exact=True)
    for m in want.metrics:
        for f in ("observed", "bootstrap", "null"):
            np.testing.assert_array_equal(getattr(got, f)[m], getattr(want, f)[m])


def _kill_on_first_count(
    marker: str, task: str = "_count_task-", after: int = 0
) -> distributed.WorkerPlugin:
    """A worker plugin that kills its worker process (SIGKILL) when a counting task starts
    executing on it (the first, or the one after ``after`` such tasks on that worker), once in
    all: the first worker to create ``marker`` dies, the others (and
    the worker its nanny starts in its place, which gets the plugin too) find it there and go
    on. (Defined in a function so that it is pickled by value: the workers cannot import the
    test module.)"""

    class KillOnFirstCount(distributed.WorkerPlugin):
        seen = 0

        def transition(self, key, start, finish, **kwargs):
            if finish != "executing" or not str(key).startswith(task):
                return
            self.seen += 1
            if self.seen <= after:
                return
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return
            os.kill(os.getpid(), signal.SIGKILL)

    return KillOnFirstCount()


def test_killed_worker_changes_nothing(tmp_path, client):
    """A worker process killed while it runs a counting task (the vocabulary pass done, the
    counting pass under way): the nanny starts a new one, the lost tasks are run again, and
    the result is the in-memory one bit for bit."""
    paths = _split(tmp_path, 17)
    before = set(client.run(os.getpid).values())
    marker = tmp_path / "killed"
    done = client.register_plugin(_kill_on_first_count(str(marker)), name="kill-on-first-count")
    assert [r["status"] for r in done.values()] == ["OK", "OK"], done
    try:
        got = dask_compare(paths, client=client, **OPTS)
    finally:
        client.unregister_worker_plugin("kill-on-first-count")
    assert marker.exists()  # a worker was killed mid-run
    _same(got, dv.compare(dv.Corpus.example(), **OPTS))
    client.wait_for_workers(2, timeout=60)
    after = set(client.run(os.getpid).values())
    assert len(before - after) == 1  # the killed process is gone, its nanny started another


def test_killed_worker_changes_nothing_bounded(tmp_path, client):
    """The same for the bounded path (each file's sums added along a chain per worker): a
    worker killed while it counts its fourth file loses its chain's sums so far too; they are
    recomputed from the chain's files."""
    paths = _split(tmp_path, 17)
    marker = tmp_path / "killed"
    done = client.register_plugin(
        _kill_on_first_count(str(marker), "_replicate_sums_task-", after=3),
        name="kill-on-first-sums",
    )
    assert [r["status"] for r in done.values()] == ["OK", "OK"], done
    opts = dict(OPTS, permutation_scheme="keyed")
    try:
        got = dask_compare(paths, client=client, **opts)
    finally:
        client.unregister_worker_plugin("kill-on-first-sums")
    assert marker.exists() and got.settings["memory"] == "bounded"
    want = dv.compare(dv.Corpus.example(), **opts)
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    for m in want.metrics:
        np.testing.assert_array_equal(got.bootstrap[m], want.bootstrap[m])
        np.testing.assert_array_equal(got.null[m], want.null[m])
    assert [s["path"] for s in got.settings["sources"]] == [str(p) for p in paths]
    client.wait_for_workers(2, timeout=60)


def test_bad_partition_names_file_and_line(tmp_path, client):
    paths = _split(tmp_path, 3)
    with open(paths[2], "a") as f:
        f.write('x1,Armenia,2020-01-01,"never closed\n')
    with pytest.raises(dv.CorpusError, match=r"part02\.csv line \d+"):
        dask_terms(paths, client=client)


def test_arguments(tmp_path):
    with pytest.raises(TypeError, match="client"):
        dask_terms(_split(tmp_path, 1), client=object())
    with pytest.raises(ValueError, match="scheduler"):
        dask_terms(_split(tmp_path, 1), client=object(), scheduler="tcp://127.0.0.1:1")


def test_cli_engine_dask_local_cluster(tmp_path):
    from click.testing import CliRunner

    from divergence.cli import main

    paths = [str(p) for p in _split(tmp_path, 3)]
    outs = []
    for engine in ("memory", "dask"):
        out = tmp_path / f"terms_{engine}.csv"
        res = CliRunner().invoke(
            main, ["terms", *paths, "--engine", engine, "--format", "csv", "-o", str(out)]
        )
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    res = CliRunner().invoke(main, ["topics", *paths, "--k", "2", "--engine", "stream"])
    assert res.exit_code == 2 and "only compare, terms, partisanship and drift" in res.output
    res = CliRunner().invoke(main, ["terms", *paths, "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2 and "--scheduler needs --engine dask" in res.output


def test_duplicate_ids_across_files(tmp_path, client):
    paths = _split(tmp_path, 3)
    frame = pd.read_csv(paths[1])
    frame.loc[2, "id"] = pd.read_csv(paths[0]).loc[0, "id"]
    frame.to_csv(paths[1], index=False)
    with pytest.raises(dv.CorpusError) as want:
        dv.Corpus.read(paths)
    with pytest.raises(dv.CorpusError) as got:
        dask_terms(paths, client=client)
    assert str(got.value) == str(want.value)


def _example_frame(k: int):
    import dask.dataframe as dd

    frame = dv.Corpus.example().frame.reset_index(drop=True)
    return dd.from_pandas(frame, npartitions=k, sort=False)


def _same_result(got: object, want: object) -> None:
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    else:
        pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    for m in getattr(want, "metrics", []):
        for f in ("bootstrap", "null"):
            np.testing.assert_array_equal(getattr(got, f)[m], getattr(want, f)[m])


def test_dask_dataframe_equals_the_same_rows_as_files(tmp_path, client):
    """A dask DataFrame's partitions are the partitions: every Dask function gives the result
    of the same rows written as files (the example corpus in 3 partitions, 3 files)."""
    from divergence._dask import dask_drift, dask_partisanship

    ddf = _example_frame(3)
    assert ddf.npartitions == 3
    paths = _split(tmp_path, 3)
    calls = [
        (dask_terms, dict(top=10)),
        (dask_compare, OPTS),
        (dask_compare, dict(OPTS, permutation_scheme="keyed")),  # partition sums in a tree
        (dask_partisanship, dict(speakers="speaker", bootstrap=20, permutations=20, n_jobs=1)),
        (dask_drift, dict(window="180D")),
    ]
    for fn, kw in calls:
        _same_result(fn(ddf, client=client, **kw), fn(paths, client=client, **kw))
    got = dask_compare(ddf, client=client, **OPTS)
    assert list(got.statement_ids) == list(dv.compare(dv.Corpus.example(), **OPTS).statement_ids)


def test_dask_dataframe_errors_name_the_partition(client):
    import dask.dataframe as dd

    frame = dv.Corpus.example().frame.reset_index(drop=True)
    frame.loc[150, "text"] = "  "
    with pytest.raises(dv.CorpusError, match=r"dask partition 2 index 150"):
        dask_terms(dd.from_pandas(frame, npartitions=3, sort=False), client=client)
    with pytest.raises(ValueError, match=r"read: input_format do not apply"):
        dask_terms(_example_frame(3), client=client, read={"input_format": "csv"})
    for wrong in (frame, _example_frame(3)["text"]):  # not read as a list of paths
        with pytest.raises(TypeError, match=r"inputs: expected paths, glob patterns or a dask"):
            dask_terms(wrong, client=client)
    # the column rules of Corpus.read: a text column named by text_col
    frame = frame.drop(index=150)
    renamed = dd.from_pandas(frame.rename(columns={"text": "said"}), npartitions=3)
    pd.testing.assert_frame_equal(
        dask_terms(renamed, client=client, read={"text_col": "said"}),
        dask_terms(dd.from_pandas(frame, npartitions=3), client=client),
        check_exact=True,
    )


def test_stream_engine_reads_a_dask_dataframe(tmp_path):
    pd.testing.assert_frame_equal(
        dv.stream_terms(_example_frame(3), top=10),
        dv.stream_terms(_split(tmp_path, 3), top=10),
        check_exact=True,
    )


def test_dask_dataframe_without_ids(client):
    """Without an id column the ids are 'part<K>:<index label>': a dask DataFrame whose
    partitions each start their index at 0 (read_parquet, reset_index) has no duplicate ids."""
    frame = dv.Corpus.example().frame.reset_index(drop=True).drop(columns=["id"])
    ddf = _example_frame(3).drop(columns=["id"]).reset_index(drop=True)
    assert list(ddf.get_partition(1).index.compute()[:2]) == [0, 1]
    got = dask_compare(ddf, client=client, **OPTS)
    want = dv.compare(dv.Corpus.from_frame(frame), **OPTS)
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    ids = list(got.statement_ids)
    assert ids[0] == "part0:0" and "part1:0" in ids and len(set(ids)) == len(ids)


def test_dask_dataframe_partitions_freed_as_read(client):
    """Each computed partition is freed once its task has read it, not kept to the end of the
    pass: when the last counting task finishes, at most its own partition is still held."""

    class Watch(distributed.diagnostics.plugin.SchedulerPlugin):
        def __init__(self, scheduler):
            self.scheduler, self.held = scheduler, []

        def transition(self, key, start, finish, *args, **kwargs):
            if finish == "memory" and str(key).startswith("_sums_task-"):
                tasks = self.scheduler.tasks.items()
                n = sum(str(k).startswith("FramePart-") and t.state == "memory" for k, t in tasks)
                self.held.append(n)

    watch = Watch(client.cluster.scheduler)
    client.cluster.scheduler.add_plugin(watch, name="watch-frame-parts")
    try:
        dask_terms(_example_frame(8), client=client)
    finally:
        client.cluster.scheduler.remove_plugin(name="watch-frame-parts")
    assert len(watch.held) == 8 and watch.held[-1] <= 1, watch.held
