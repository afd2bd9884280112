"""Issue 13, point 5: partisanship (counts summed per speaker, added over partitions) and drift
(statements' counts, times and groups gathered in corpus order) by the stream engine and by Dask
on a LocalCluster of 2 worker processes bound to 127.0.0.1. The example corpus (rows shuffled, a
speaker given statements in two groups) and the UN corpus, split into 1, 3 and 17 files, give
the in-memory tables bit for bit: values, intervals, per-speaker scores, bootstrap and
shuffled-label replicates. Bad partitions name their file (and line), and the CLI exits 3 with
nothing written."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pandas as pd
import pytest

import divergence as dv
from parts import small_vocabulary_frame, write_parts

UNGD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ungd_caucasus.csv"


def _example_frame() -> pd.DataFrame:
    """The example corpus with its rows shuffled (speakers' statements spread over files, ties
    in time out of file order) and one speaker given statements in a second, later group."""
    frame = dv.Corpus.example().frame.reset_index(drop=True)
    frame = frame.iloc[np.random.default_rng(7).permutation(len(frame))].reset_index(drop=True)
    first = frame.loc[0]
    later = np.flatnonzero(frame["group"].to_numpy() != first["group"])[-3:]
    frame.loc[later, "speaker"] = first["speaker"]
    return frame


def _write(tmp_path: Path, frame: pd.DataFrame, k: int, fmt: str = "csv") -> List[Path]:
    return write_parts(frame, tmp_path, k, fmt)


def _same_partisanship(
    got: dv.Partisanship, want: dv.Partisanship, engine: str, paths: List[Path]
) -> None:
    for name in ("table", "by_group", "speakers"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=True)
    np.testing.assert_array_equal(got.bootstrap, want.bootstrap)
    np.testing.assert_array_equal(got.null, want.null)
    assert got.notes == want.notes
    settings = dict(got.settings)
    assert settings.pop("engine") == engine
    assert [s["path"] for s in settings.pop("sources")] == [str(p) for p in paths]
    assert settings == want.settings


def _drift_memory(kw: Dict[str, Any]) -> str:
    """The path the engines take: bucket sums for time windows without statement-level
    replicates and with every time in a window (no step longer than the window), else the
    statements' counts."""
    timed = isinstance(dv.parse_window(kw["window"]), tuple)
    poisson = kw.get("bootstrap_scheme") == "poisson"  # its replicates add up over buckets
    replicates = kw.get("mode") == "between" and (
        kw.get("permutations") or (kw.get("bootstrap") and not poisson)
    )
    gap = kw.get("step") == "90D" and kw["window"] == "60D"  # the one such case here
    return "bucket sums" if timed and not replicates and not gap else "statement counts"


def _same_drift(
    got: pd.DataFrame, want: pd.DataFrame, engine: str, paths: List[Path], memory: str
) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    attrs = dict(got.attrs)
    assert attrs.pop("engine") == engine
    assert attrs.pop("memory") == memory
    assert [s["path"] for s in attrs.pop("sources")] == [str(p) for p in paths]
    assert attrs == want.attrs


P_OPTS = dict(bootstrap=30, permutations=20, seed=3, n_jobs=1)
DRIFTS: List[Dict[str, Any]] = [
    dict(window="6M", mode="adjacent"),
    dict(window="6M", step="2M", mode="baseline"),
    dict(window="6M", mode="between", bootstrap=20, permutations=20, seed=2),
    dict(window=30, step=10, mode="between", bootstrap=15, permutations=10, seed=5),
    # bucket sums: between without replicates, a window index as reference, another metric
    dict(window="90D", step="30D", mode="between"),
    dict(window="4M", step="1M", mode="baseline", reference=3, metric="hellinger"),
    # the Poisson bootstrap: bucket sums (with the replicates' and jackknife blocks' sums);
    # with permutations, the statements' counts
    dict(window="6M", step="3M", mode="between", bootstrap=20, bootstrap_scheme="poisson", seed=4),
    dict(window="6M", mode="between", bootstrap=10, permutations=10, bootstrap_scheme="poisson"),
    # a reference period: its bounds are bucket edges too
    dict(window="4M", step="2M", mode="baseline", reference=("2022-10-01", "2023-02-15")),
    # a step longer than the window (statements in no window): the statements' counts
    dict(window="60D", step="90D", mode="adjacent"),
]


def _in_memory(paths: List[Path], **read: Any) -> dv.Corpus:
    return dv.Corpus.read([str(p) for p in paths], **read)


@pytest.mark.parametrize("k", [1, 3, 17])
@pytest.mark.parametrize("speakers", ["speaker", None])
@pytest.mark.parametrize("policy", ["first", "split"])
def test_stream_partisanship_equals_in_memory(tmp_path, k, speakers, policy):
    paths = _write(tmp_path, _example_frame(), k, "parquet" if k == 3 else "csv")
    opts = dict(P_OPTS, speaker_group_policy=policy)
    want = dv.partisanship(_in_memory(paths), speakers=speakers, **opts)
    if speakers is not None:
        assert any("several groups" in n for n in want.notes)  # the policy was exercised
    got = dv.stream_partisanship(paths, speakers=speakers, progress=lambda d, t: None, **opts)
    _same_partisanship(got, want, "stream", paths)


def test_stream_partisanship_speaker_errors_as_in_memory(tmp_path):
    frame = _example_frame()
    paths = _write(tmp_path, frame, 3)
    with pytest.raises(ValueError) as want:
        dv.partisanship(_in_memory(paths), speakers="speaker", bootstrap=0, permutations=0)
    with pytest.raises(ValueError) as got:
        dv.stream_partisanship(paths, speakers="speaker", bootstrap=0, permutations=0)
    assert "belong to more than one group" in str(got.value)
    assert str(got.value) == str(want.value)
    # a statement without a speaker: its file and line
    frame.loc[100, "speaker"] = np.nan
    paths = _write(tmp_path, frame, 3)
    with pytest.raises(ValueError, match=r"without a speaker: \S*part01\.csv line \d+"):
        dv.stream_partisanship(paths, speakers="speaker", speaker_group_policy="first")
    # a file without the speaker column: named
    frame.drop(columns="speaker").iloc[:10].to_csv(paths[0], index=False)
    with pytest.raises(ValueError, match=r"speakers: no column 'speaker' in .*part00\.csv"):
        dv.stream_partisanship(paths, speakers="speaker", speaker_group_policy="first")
    with pytest.raises(TypeError, match="speakers: the stream engine reads"):
        dv.stream_partisanship(paths, speakers=["a"] * 170)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="speaker_group_policy"):
        dv.stream_partisanship(paths, speaker_group_policy="any")


@pytest.mark.parametrize("k", [1, 3, 17])
@pytest.mark.parametrize("di", range(len(DRIFTS)))
@pytest.mark.parametrize("by_time", [False, True])
def test_stream_drift_equals_in_memory(tmp_path, k, di, by_time):
    frame = _example_frame()
    if by_time:  # files in time order: the counts are not sorted again
        frame = frame.sort_values("time", kind="stable")
    paths = _write(tmp_path, frame, k)
    want = dv.drift(_in_memory(paths), **DRIFTS[di])
    got = dv.stream_drift(paths, progress=lambda d, t: None, **DRIFTS[di])
    _same_drift(got, want, "stream", paths, _drift_memory(DRIFTS[di]))
    if di == len(DRIFTS) - 1:
        assert want.attrs["n_outside"] > 0  # the gap case was exercised


def test_stream_drift_bucket_sums_do_not_grow_with_the_statements(tmp_path, monkeypatch):
    """The bounded path hands drift one row per (time bucket, group) cell, not one per
    statement: the corpus with every statement written 4 times gives as many rows (the same
    cells), each holding 4 times the statements, and the same values."""
    import divergence._stream as stream

    held: List[int] = []
    real = stream.drift_of_rows

    def spy(rows: Any, **kw: Any) -> pd.DataFrame:
        r = rows()
        held.append(r.X.shape[0])
        return real(lambda: r, **kw)

    monkeypatch.setattr(stream, "drift_of_rows", spy)
    frame = _example_frame()
    copies = pd.concat(
        [frame.assign(id=frame["id"].astype(str) + f"-{j}") for j in range(4)], ignore_index=True
    )
    kw = dict(window="6M", step="2M", mode="between")
    one = dv.stream_drift(_write(tmp_path, frame, 3), **kw)
    (tmp_path / "x4").mkdir()
    four = dv.stream_drift(write_parts(copies, tmp_path / "x4", 5), **kw)
    assert one.attrs["memory"] == four.attrs["memory"] == "bucket sums"
    n_groups = frame["group"].nunique()
    assert held[0] == held[1] < len(frame)  # cells, not statements
    assert held[0] <= 2 * len(one["window"].unique()) * n_groups  # at most buckets x K
    np.testing.assert_array_equal(four["n_statements"], 4 * one["n_statements"])
    np.testing.assert_allclose(four["value"], one["value"], rtol=1e-12)  # same proportions
    # the statements' path on the same corpus holds one row per statement
    dv.stream_drift(_write(tmp_path, frame, 3), **dict(kw, bootstrap=5))
    assert held[2] == len(frame)


def test_stream_drift_reference_period_errors_as_in_memory(tmp_path):
    """A reference period on bucket sums: the in-memory errors, word for word (no statements
    of a group in it, start after end, a bound that is not a time)."""
    paths = _write(tmp_path, _example_frame(), 3)
    c = _in_memory(paths)
    for ref in [("2030-01-01", "2031-01-01"), ("2023-05-01", "2023-01-01"), ("x", "y")]:
        kw = dict(window="4M", step="2M", mode="baseline", reference=ref)
        with pytest.raises(ValueError) as want:
            dv.drift(c, **kw)
        with pytest.raises(ValueError) as got:
            dv.stream_drift(paths, **kw)
        assert str(got.value) == str(want.value)


def test_stream_drift_needs_times_naming_the_file(tmp_path):
    frame = _example_frame()
    paths = _write(tmp_path, frame, 3)
    frame.drop(columns="time").iloc[60:70].to_csv(paths[1], index=False)  # part01's rows
    with pytest.raises(dv.CorpusError, match=r"part01\.csv: this needs times"):
        dv.stream_drift(paths, window="6M")
    frame.loc[[3, 4], "time"] = None
    paths = _write(tmp_path, frame, 3)
    with pytest.raises(dv.CorpusError, match=r"2 statements have none: \S*part00\.csv lines 5, 6"):
        dv.stream_drift(paths, window="6M")
    with pytest.raises(ValueError, match="mode"):
        dv.stream_drift(paths, window="6M", mode="sideways")


def test_bad_partition_names_file_and_line(tmp_path):
    paths = _write(tmp_path, _example_frame(), 3)
    with open(paths[2], "a") as f:
        f.write('x1,Armenia,2020-01-01,"never closed\n')
    with pytest.raises(dv.CorpusError, match=r"part02\.csv line \d+"):
        dv.stream_partisanship(paths)
    with pytest.raises(dv.CorpusError, match=r"part02\.csv line \d+"):
        dv.stream_drift(paths, window="6M")


# --------------------------------------------------------------------------------------------
# The CLI


def _cli(*args: Any):
    from click.testing import CliRunner

    from divergence.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


REP = ["--bootstrap", "20", "--permutations", "10", "--format", "csv"]
CLI_RUNS = {
    "partisanship": ["--speaker-col", "speaker", "--speaker-group-policy", "split", *REP],
    "drift": ["--window", "120D", "--mode", "between", *REP],
}


@pytest.mark.parametrize("command", list(CLI_RUNS))
def test_cli_engine_stream_writes_the_in_memory_tables(tmp_path, command):
    paths = _write(tmp_path, _example_frame(), 3)
    files = {}
    for engine in ("memory", "stream"):
        out = tmp_path / engine / "r.csv"
        out.parent.mkdir()
        res = _cli(command, *paths, *CLI_RUNS[command], "--engine", engine, "-o", out)
        assert res.exit_code == 0, res.output
        files[engine] = sorted(p.name for p in out.parent.iterdir())
        manifest = json.loads((out.parent / "r.csv.manifest.json").read_text())
        assert manifest["parameters"]["engine"] == engine
        assert manifest["options"]["--engine"]["value"] == engine
        assert [s["path"] for s in manifest["inputs"]] == [str(p) for p in paths]
    assert files["memory"] == files["stream"]
    for name in files["memory"]:
        if not name.endswith(".json"):
            assert (tmp_path / "stream" / name).read_bytes() == (
                tmp_path / "memory" / name
            ).read_bytes(), name


def test_cli_drift_bootstrap_scheme_poisson_with_the_engines(tmp_path):
    """drift --bootstrap-scheme poisson: recorded in the manifest, and --engine stream (bucket
    sums with their replicates) writes the in-memory tables byte for byte."""
    paths = write_parts(small_vocabulary_frame(), tmp_path, 3)
    args = ["--window", "6M", "--mode", "between", "--bootstrap", "20", "--permutations", "0"]
    args += ["--format", "csv"]
    written = {}
    for engine in ("memory", "stream"):
        out = tmp_path / engine / "r.csv"
        out.parent.mkdir()
        res = _cli(
            "drift", *paths, *args, "--bootstrap-scheme", "poisson", "--engine", engine, "-o", out
        )
        assert res.exit_code == 0, res.output
        manifest = json.loads((out.parent / "r.csv.manifest.json").read_text())
        assert manifest["parameters"]["bootstrap_scheme"] == "poisson"
        written[engine] = {
            p.name: p.read_bytes() for p in out.parent.iterdir() if p.suffix != ".json"
        }
    assert written["memory"] and written["memory"] == written["stream"]
    table = pd.read_csv(tmp_path / "memory" / "r.csv")
    assert table["ci_low"].notna().any()
    res = _cli("drift", *paths, *args, "--bootstrap-scheme", "keyed", "-o", tmp_path / "x.csv")
    assert res.exit_code == 2 and "--bootstrap-scheme" in res.output


def test_cli_bad_partition_exits_3_and_writes_nothing(tmp_path):
    paths = _write(tmp_path, _example_frame(), 3)
    with open(paths[1], "a") as f:
        f.write('x1,Armenia,2020-01-01,"never closed\n')
    out = tmp_path / "out" / "r.csv"
    out.parent.mkdir()
    for command in CLI_RUNS:
        res = _cli(command, *paths, *CLI_RUNS[command], "--engine", "stream", "-o", out)
        assert res.exit_code == 3, res.output
        assert "part01.csv line" in res.output
        assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize("engine", ["stream", "dask"])
def test_cli_groups_with_the_engines_writes_the_in_memory_tables(tmp_path, engine):
    """--groups with --engine stream / dask: the in-memory tables of the filtered corpus, byte
    for byte (partisanship's speakers, groups and replicates; drift's windows); an unknown
    group is the in-memory error (exit 3, the same message)."""
    if engine == "dask":
        pytest.importorskip("distributed")
    paths = _write(tmp_path, _example_frame(), 3)
    runs = {
        "partisanship": [
            *CLI_RUNS["partisanship"],
            "--groups",
            "Azerbaijan",
            "--groups",
            "Armenia",
        ],
        "drift": ["--window", "120D", "--groups", "Armenia,Mediators", "--format", "csv"],
    }
    for command, args in runs.items():
        written = {}
        for name in ("memory", engine):
            out = tmp_path / command / name / "r.csv"
            out.parent.mkdir(parents=True)
            res = _cli(command, *paths, *args, "--engine", name, "-o", out)
            assert res.exit_code == 0, res.output
            manifest = json.loads((out.parent / "r.csv.manifest.json").read_text())
            assert manifest["parameters"]["groups"] == (
                ["Azerbaijan", "Armenia"] if command == "partisanship" else ["Armenia", "Mediators"]
            )
            written[name] = {
                p.name: p.read_bytes() for p in out.parent.iterdir() if p.suffix != ".json"
            }
        assert written["memory"] and written["memory"] == written[engine]
    res = {
        name: _cli(
            "drift",
            *paths,
            "--window",
            "120D",
            "--groups",
            "Armenia,Nowhere",
            "--engine",
            name,
            "-o",
            tmp_path / f"x-{name}.csv",
        )
        for name in ("memory", engine)
    }
    assert res["memory"].exit_code == res[engine].exit_code == 3
    assert "unknown group 'Nowhere'" in res[engine].output
    assert res["memory"].output.splitlines()[-1] == res[engine].output.splitlines()[-1]


def test_cli_memory_only_options(tmp_path):
    paths = _write(tmp_path, _example_frame(), 3)
    for args, flag in (
        (["partisanship", "--window", "90D"], "--window"),
        (["partisanship", "--stance-col", "stance"], "--stance-col"),
    ):
        res = _cli(*args, *paths, "--engine", "stream")
        assert res.exit_code == 2 and f"{flag} needs --engine memory" in res.output
    res = _cli("drift", *paths, "--window", "90D", "--scheduler", "local")
    assert res.exit_code == 2 and "--scheduler needs --engine dask" in res.output


# --------------------------------------------------------------------------------------------
# Dask


@pytest.mark.parametrize("k", [1, 3, 17])
def test_dask_partisanship_and_drift_equal_in_memory(tmp_path, client, k):
    paths = _write(tmp_path, _example_frame(), k)
    c = _in_memory(paths)
    for speakers in ("speaker", None):
        opts = dict(P_OPTS, speaker_group_policy="first")
        _same_partisanship(
            dv.dask_partisanship(paths, speakers=speakers, client=client, **opts),
            dv.partisanship(c, speakers=speakers, **opts),
            "dask",
            paths,
        )
    for kw in (DRIFTS[0], DRIFTS[2], DRIFTS[4], DRIFTS[6]):
        got = dv.dask_drift(paths, client=client, **kw)
        _same_drift(got, dv.drift(c, **kw), "dask", paths, _drift_memory(kw))


@pytest.mark.parametrize("k", [1, 4])
def test_engines_poisson_drift_intervals_equal_in_memory(tmp_path, client, k):
    """bootstrap_scheme="poisson" on a corpus whose windows get intervals: the bucket sums'
    replicates give the in-memory table bit for bit (intervals, corrected, boot_mean), on the
    stream and Dask engines, for Parquet files out of time order. With groups= the Dask
    engine keeps the statements (their positions among those kept), still equal."""
    paths = write_parts(small_vocabulary_frame(), tmp_path, k, "parquet")
    c = _in_memory(paths)
    kw = dict(window="6M", step="2M", mode="between", bootstrap=30, bootstrap_scheme="poisson")
    for opts in (kw, dict(kw, ci_method="bca", metric="hellinger", seed=11)):
        want = dv.drift(c, **opts)
        assert want["ci_low"].notna().sum() > len(want) // 2
        _same_drift(dv.stream_drift(paths, **opts), want, "stream", paths, "bucket sums")
        got = dv.dask_drift(paths, client=client, **opts)
        _same_drift(got, want, "dask", paths, "bucket sums")
    keep = ["A", "C"]
    want = dv.drift(c.filter(groups=keep), **kw)
    got = dv.stream_drift(paths, groups=keep, **kw)
    assert got.attrs["memory"] == "bucket sums"
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    got = dv.dask_drift(paths, client=client, groups=keep, **kw)
    assert got.attrs["memory"] == "statement counts"
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("k", [1, 3])
def test_engines_groups_equal_the_filtered_corpus(tmp_path, client, k):
    """groups=: the statements of other groups dropped as each file is read, before the
    vocabulary (max_features picks its terms from the groups kept), so the stream and Dask
    engines give the in-memory results of the filtered corpus bit for bit; an unknown group is
    Corpus.filter's error; a duplicate id among the dropped statements is still an error."""
    frame = _example_frame()
    paths = _write(tmp_path, frame, k)
    keep = ["Mediators", "Armenia"]
    c = _in_memory(paths).filter(groups=keep)
    assert len(c) < len(frame) and c.groups == ["Armenia", "Mediators"]
    vec = dv.Vectorizer(max_features=60)
    opts = dict(P_OPTS, speaker_group_policy="first", vectorizer=vec)
    want = dv.partisanship(c, speakers="speaker", **opts)
    unfiltered = dv.partisanship(_in_memory(paths), speakers="speaker", **opts)
    assert not want.table.equals(unfiltered.table)
    for got, engine in (
        (dv.stream_partisanship(paths, speakers="speaker", groups=keep, **opts), "stream"),
        (dv.dask_partisanship(paths, "speaker", client=client, groups=keep, **opts), "dask"),
    ):
        _same_partisanship(got, want, engine, paths)
    for kw in (dict(DRIFTS[0], vectorizer=vec), DRIFTS[2]):
        want_d = dv.drift(c, **kw)
        for got_d in (
            dv.stream_drift(paths, groups=keep, **kw),
            dv.dask_drift(paths, client=client, groups=keep, **kw),
        ):
            pd.testing.assert_frame_equal(got_d, want_d, check_exact=True)
            assert [s["path"] for s in got_d.attrs["sources"]] == [str(p) for p in paths]
    with pytest.raises(ValueError) as err:
        _in_memory(paths).filter(groups=["Armenia", "Nowhere", "Atlantis"])
    assert "unknown groups 'Atlantis', 'Nowhere'" in str(err.value)
    for run in (
        lambda: dv.stream_partisanship(paths, groups=["Armenia", "Nowhere", "Atlantis"]),
        lambda: dv.dask_drift(
            paths, client=client, window="6M", groups=("Nowhere", "Atlantis", "Armenia")
        ),
    ):
        with pytest.raises(ValueError) as got_err:
            run()
        assert str(got_err.value) == str(err.value)
    with pytest.raises(TypeError, match=r"groups: expected group names \(str\), got int"):
        dv.stream_drift(paths, window="6M", groups=["Armenia", 3])  # type: ignore[list-item]
    # a duplicate id in a group dropped: still the reader's error
    dup = frame.copy()
    other = np.flatnonzero(dup["group"].to_numpy() == "Azerbaijan")
    dup.loc[other[-1], "id"] = dup.loc[other[0], "id"]
    paths = _write(tmp_path, dup, k)
    with pytest.raises(dv.CorpusError, match="duplicate id") as want_dup:
        _in_memory(paths)
    with pytest.raises(dv.CorpusError) as got_dup:
        dv.stream_partisanship(paths, groups=keep)
    assert str(got_dup.value) == str(want_dup.value)


def test_dask_results_taken_in_file_order_and_released(client):
    """dask_partisanship and dask_drift take each file's result in file order as it finishes
    (_Session.in_file_order): the first file finishing last, the results still come in file
    order, and the client holds fewer futures than files (two per worker thread ahead at
    most, each released when consumed), none at the end."""
    from divergence._dask import _Session

    def task(k: int) -> int:
        import time

        time.sleep(1.0 if k == 0 else 0.01)
        return k * 10

    base = len(client.futures)
    seen: List[int] = []
    held: List[int] = []

    def consume(r: int) -> None:
        seen.append(r)
        held.append(len(client.futures) - base)

    inputs = list(range(12))
    assert _Session(client).in_file_order(task, inputs, consume=consume, what="t") == 12
    assert inputs == [] and seen == [10 * k for k in range(12)]
    # (a dropped future is released on the client's event loop, soon after: the one being
    # consumed may still count)
    window = 2 * sum(client.nthreads().values())  # 4 on the 2 single-thread workers
    assert 0 < max(held) <= window < len(seen)
    for _ in range(100):
        if len(client.futures) == base:
            break
        time.sleep(0.05)
    assert len(client.futures) == base


@pytest.mark.parametrize("k", [1, 3])
def test_one_group_gives_the_in_memory_error(tmp_path, client, k):
    """A corpus of one group (as read, or as kept by groups=): stream and dask partisanship
    (and compare and terms, which take no groups=) raise the in-memory engine's error
    (Corpus.require_groups: the group column named), not the check for groups without
    tokens; the CLI exits 3 with the same message on every engine."""
    frame = _example_frame()
    one = frame[frame["group"] == "Armenia"]
    (tmp_path / "one").mkdir()
    (tmp_path / "all").mkdir()
    cases = [
        (_write(tmp_path / "one", one, k), None),
        (_write(tmp_path / "all", frame, k), ["Armenia"]),
    ]
    for paths, keep in cases:
        c = _in_memory(paths)
        if keep is not None:
            c = c.filter(groups=keep)
        with pytest.raises(dv.CorpusError) as want:
            c.require_groups(2)
        assert "comparing needs at least 2 groups, but the corpus has 1: 'Armenia' (group " in (
            str(want.value)
        )
        for run, extra in (
            (dv.stream_partisanship, {}),
            (dv.dask_partisanship, dict(client=client)),
        ):
            with pytest.raises(dv.CorpusError) as got:
                run(paths, "speaker", groups=keep, **extra, **P_OPTS)
            assert str(got.value) == str(want.value)
        if keep is None:  # compare and terms (no groups= there): the same error
            for run, extra in (
                (dv.stream_compare, {}),
                (dv.dask_compare, dict(client=client)),
                (dv.stream_terms, {}),
                (dv.dask_terms, dict(client=client)),
            ):
                with pytest.raises(dv.CorpusError) as got:
                    run(paths, **extra)
                assert str(got.value) == str(want.value), run.__name__
        only = [] if keep is None else ["--groups", "Armenia"]
        errors = set()
        for engine in ("memory", "stream"):
            res = _cli("partisanship", *paths, *REP, *only, "--engine", engine)
            assert res.exit_code == 3, res.output
            assert "Traceback" not in res.stderr
            errors.add(res.stderr.splitlines()[-1])  # after the stream engine's progress
            if keep is None:
                for command in ("compare", "terms"):
                    res = _cli(command, *paths, "--engine", engine)
                    assert res.exit_code == 3, res.output
                    errors.add(res.stderr.splitlines()[-1])
        assert errors == {f"error: {want.value}"}


def test_dask_bad_partition_names_file_and_line(tmp_path, client):
    paths = _write(tmp_path, _example_frame(), 3)
    with open(paths[0], "a") as f:
        f.write('x1,Armenia,2020-01-01,"never closed\n')
    with pytest.raises(dv.CorpusError, match=r"part00\.csv line \d+"):
        dv.dask_partisanship(paths, client=client)
    with pytest.raises(dv.CorpusError, match=r"part00\.csv line \d+"):
        dv.dask_drift(paths, client=client, window="6M")


# --------------------------------------------------------------------------------------------
# The UN corpus


@pytest.mark.shared_data
@pytest.mark.skipif(not UNGD.is_file(), reason="../shared/data/ungd_caucasus.csv not present")
@pytest.mark.parametrize("k", [1, 3, 17])
def test_un_corpus_split_equals_in_memory(tmp_path, client, k):
    """UN General Debate statements (8 countries, 1946-2024; speakers in up to two countries),
    split into k CSV files; the one statement without a speaker is left out."""
    frame = pd.read_csv(UNGD).dropna(subset=["speaker"])
    paths = _write(tmp_path, frame, k)
    read = dict(group_col="country", time_col="year")
    c = _in_memory(paths, **read)
    p_opts = dict(bootstrap=20, permutations=10, seed=2, n_jobs=2, speaker_group_policy="first")
    want = dv.partisanship(c, speakers="speaker", **p_opts)
    _same_partisanship(
        dv.stream_partisanship(paths, speakers="speaker", read=read, **p_opts),
        want,
        "stream",
        paths,
    )
    _same_partisanship(
        dv.dask_partisanship(paths, speakers="speaker", client=client, read=read, **p_opts),
        want,
        "dask",
        paths,
    )
    for d_opts in (
        dict(window="8Y", step="4Y", mode="between", bootstrap=10, permutations=10, seed=1),
        dict(window="10Y", step="3Y", mode="between"),  # bucket sums
        dict(window="10Y", step="5Y", mode="between", bootstrap=10, bootstrap_scheme="poisson"),
        dict(window="8Y", step="4Y", mode="baseline", reference=(1992, 1999)),
        dict(window="6Y", step="2Y", mode="adjacent", metric="kl", alpha=0.5),  # bucket sums
    ):
        want_d = dv.drift(c, **d_opts)
        memory = _drift_memory(d_opts)
        got = dv.stream_drift(paths, read=read, **d_opts)
        _same_drift(got, want_d, "stream", paths, memory)
        got = dv.dask_drift(paths, client=client, read=read, **d_opts)
        _same_drift(got, want_d, "dask", paths, memory)
