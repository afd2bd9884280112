"""Issue 16: outputs never overwrite inputs; a run's files are written as one whole set (all or
none, with a manifest of checksums that `divergence verify` checks); SIGTERM/SIGHUP clean up
like Ctrl-C; SIGKILL litter is removed by the next run; a closed stdout pipe exits 141 quietly;
`terms` refuses a group without tokens; `example --write` keeps an edited file."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import divergence
from divergence import _output
from divergence._output import OutputSet, clean_stale, manifest_path, verify_manifest
from divergence.cli import main

PKG_PARENT = Path(divergence.__file__).resolve().parents[1]
FAST = ["--bootstrap", "5", "--permutations", "5"]
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and pids")

# The six commands that write result tables, with what each needs besides CORPUS.
COMMANDS = {
    "compare": FAST,
    "drift": ["--window", "120D", *FAST],
    "terms": [],
    "topics": ["--k", "2", *FAST],
    "partisanship": FAST,
    "scale": [],
}


def _invoke(args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


def _files(folder: Path):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _snapshot(folder: Path):
    return {name: (folder / name).read_bytes() for name in _files(folder)}


def _litter(folder: Path):
    return [p.name for p in folder.rglob(".*") if p.name.endswith((".part", ".commit"))]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PKG_PARENT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture()
def corpus(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(divergence.example_path().read_bytes())
    return src


# -- 1. an output never overwrites an input ---------------------------------------------------


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("how", ["same", "other-path", "symlink", "sibling", "manifest", "plot"])
def test_an_output_that_is_an_input_is_refused(tmp_path, corpus, command, how, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    inp, out = "in.csv", "in.csv"
    extra = []
    if how == "other-path":
        out = "sub/../in.csv"
    elif how == "symlink":
        os.symlink(corpus, tmp_path / "link.csv")
        out = "link.csv"
    elif how == "sibling":  # the input is named like a sibling table of -o res.csv
        os.replace(corpus, tmp_path / "res.terms.csv")
        inp, out = "res.terms.csv", "res.csv"
    elif how == "manifest":
        os.replace(corpus, tmp_path / "res.csv.manifest.json")
        inp, out = "res.csv.manifest.json", "res.csv"
        extra = ["--input-format", "csv"]
    elif how == "plot":
        os.replace(corpus, tmp_path / "fig.png")
        inp, out = "fig.png", "res.csv"
        extra = ["--input-format", "csv", "--plot", "fig.png"]
    before = _snapshot(tmp_path)
    res = _invoke([command, inp, *COMMANDS[command], *extra, "--format", "csv", "-o", out])
    assert res.exit_code == 2, (res.exit_code, res.output)
    assert "refusing to overwrite an input" in res.stderr
    assert inp in res.stderr and (out in res.stderr or how in ("sibling", "plot"))
    assert _snapshot(tmp_path) == before  # nothing written, the input untouched


def test_an_output_set_refuses_to_replace_a_protected_file(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text("x\n")
    s = OutputSet(protect=[src])
    with pytest.raises(ValueError, match="is the input"):
        s.add(tmp_path / "sub" / ".." / "a.csv", "y\n")
    assert src.read_text() == "x\n" and _litter(tmp_path) == []


# -- 2. terms refuses a group without tokens, as compare does ---------------------------------


def test_terms_refuses_a_group_without_tokens(tmp_path):
    src = tmp_path / "stop.csv"
    src.write_text(
        "id,party,text\n1,A,hello world peace\n2,A,good bye talks\n3,B,the and of\n4,B,a the\n"
    )
    for command, extra in (("terms", []), ("compare", FAST), ("partisanship", FAST)):
        res = _invoke([command, src, *extra, "--stop-words", "english", "--format", "csv"])
        assert res.exit_code == 3, (command, res.output)
        assert "at least two groups with" in res.stderr and "A" in res.stderr
        assert "RuntimeWarning" not in res.stderr and res.stdout == ""


def test_distinguishing_terms_leaves_out_groups_without_tokens():
    X = np.array([[2, 1, 0], [0, 0, 0], [0, 1, 3], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"^groups: .*at least two groups with tokens, found 1"):
        divergence.distinguishing_terms(X[:2], [0, 1], ["A", "B"], ["x", "y", "z"])
    t = divergence.distinguishing_terms(X, [0, 1, 2, 0], ["A", "B", "C"], ["x", "y", "z"])
    assert set(t["group_a"]) | set(t["group_b"]) == {"A", "C"}  # no pair with B
    assert t[["freq_a", "freq_b", "jsd_contribution", "z"]].notna().all().all()
    rest = divergence.distinguishing_terms(
        X, [0, 1, 2, 0], ["A", "B", "C"], ["x", "y", "z"], pairs="rest"
    )
    assert set(rest["group_a"]) == {"A", "C"}


# -- 3. output sets: whole or not at all; a manifest per output; verify ------------------------


def _fail_on_nth_fsync(monkeypatch, n):
    calls = {"n": 0}
    real = os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError(28, "No space left on device")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.parametrize("nth", [2, 3, 4])  # after the first file: a sibling, the manifest
def test_a_failure_after_the_first_file_leaves_the_previous_set(tmp_path, monkeypatch, nth):
    out = tmp_path / "res.csv"
    _invoke(["terms", "--example", "--format", "csv", "-o", out])
    _invoke(["compare", "--example", *FAST, "--format", "csv", "-o", out])
    before = _snapshot(tmp_path)
    assert "res.terms.csv" in before and "res.csv.manifest.json" in before
    _fail_on_nth_fsync(monkeypatch, nth)
    res = _invoke(["compare", "--example", *FAST, "--seed", "7", "--format", "csv", "-o", out])
    monkeypatch.undo()
    assert res.exit_code == 1 and "No space left on device" in res.stderr, res.output
    assert _snapshot(tmp_path) == before and _litter(tmp_path) == []
    assert verify_manifest(manifest_path(out)) == []


def test_a_failure_in_an_empty_folder_leaves_nothing(tmp_path, monkeypatch):
    _fail_on_nth_fsync(monkeypatch, 2)
    res = _invoke(["compare", "--example", *FAST, "--format", "csv", "-o", tmp_path / "r.csv"])
    monkeypatch.undo()
    assert res.exit_code == 1, res.output
    assert _files(tmp_path) == []


def test_a_failing_figure_leaves_the_tables_unwritten(tmp_path, monkeypatch):
    import divergence.plot as plot

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plot, "heatmap", broken)
    res = _invoke(
        [
            "compare",
            "--example",
            *FAST,
            "--format",
            "csv",
            "-o",
            tmp_path / "r.csv",
            "--plot",
            tmp_path / "f.png",
        ]  # fmt: skip
    )
    assert res.exit_code == 1, res.output
    assert _files(tmp_path) == []


def test_each_output_has_its_own_manifest_with_checksums(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.json"
    _invoke(["terms", "--example", "--format", "csv", "-o", a])
    res = _invoke(
        ["compare", "--example", *FAST, "--format", "json", "-o", b, "--plot", tmp_path / "b.png"]
    )
    assert res.exit_code == 0, res.output
    assert "a.csv.manifest.json" in _files(tmp_path)  # the second run kept the first's record
    man = json.loads(manifest_path(b).read_text(encoding="utf-8"))
    listed = {e["path"] for e in man["outputs"]}
    assert listed == {"b.json", "b.terms.json", "b.stances.json", "b.stance_distributions.json",
                      "b.png", "b.stances.png"}  # fmt: skip
    assert res.stderr.strip().splitlines()[-1] == f"wrote {manifest_path(b)}"  # named last
    for m in (manifest_path(a), manifest_path(b)):
        assert verify_manifest(m) == []
        ok = _invoke(["verify", m])
        assert ok.exit_code == 0 and "ok" in ok.stdout
    (tmp_path / "b.terms.json").write_text("[]\n")
    bad = _invoke(["verify", manifest_path(b)])
    assert bad.exit_code == 1 and "b.terms.json" in bad.stderr and "differs" in bad.stderr
    (tmp_path / "b.png").unlink()
    assert any("b.png: missing" in p for p in verify_manifest(manifest_path(b)))


# -- 4. example --write keeps an edited file ---------------------------------------------------


def test_example_write_refuses_to_overwrite_an_edit(tmp_path):
    dest = tmp_path / "karabakh_statements.csv"
    assert _invoke(["example", "--write", tmp_path]).exit_code == 0
    again = _invoke(["example", "--write", tmp_path])  # unchanged: nothing to refuse
    assert again.exit_code == 0 and "unchanged" in again.stdout
    dest.write_text("id,party,text\n1,A,my own edit\n")
    res = _invoke(["example", "--write", tmp_path])
    assert res.exit_code == 2 and "--force" in res.stderr and str(dest) in res.stderr
    assert dest.read_text() == "id,party,text\n1,A,my own edit\n"
    assert _invoke(["example", "--write", tmp_path, "--force"]).exit_code == 0
    assert dest.read_bytes() == divergence.example_path().read_bytes()


# -- 5. SIGTERM / SIGHUP clean up; SIGKILL litter goes with the next run -----------------------

# A CLI run that stops with every file of the set staged (inside commit's checksums) and says so.
STALLED = """
import sys, time
import divergence._output as o
real = o.sha256_file
def slow(path):
    if str(path).endswith(".part"):
        sys.stderr.write("STAGED\\n"); sys.stderr.flush(); time.sleep(60)
    return real(path)
o.sha256_file = slow
from divergence.cli import main
main(sys.argv[1:], prog_name="divergence")
"""


@POSIX
@pytest.mark.slow
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_remove_the_temporaries(tmp_path, signame):
    out = tmp_path / "r.csv"
    _invoke(["compare", "--example", *FAST, "--format", "csv", "-o", out])
    before = _snapshot(tmp_path)
    p = subprocess.Popen(
        [
            sys.executable,
            "-c",
            STALLED,
            "compare",
            "--example",
            *FAST,
            "--seed",
            "3",
            "--format",
            "csv",
            "-o",
            str(out),
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    try:
        assert p.stderr is not None
        assert p.stderr.readline() == b"STAGED\n"
        assert _litter(tmp_path)  # the new set is staged beside the old one
        p.send_signal(getattr(signal, signame))
        _, err = p.communicate(timeout=30)
    finally:
        p.kill()
        p.wait()
    signum = int(getattr(signal, signame))
    assert p.returncode == 128 + signum, err.decode()
    assert f"terminated ({signame})" in err.decode() and "Traceback" not in err.decode()
    assert _litter(tmp_path) == [] and _snapshot(tmp_path) == before


def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@POSIX
def test_the_next_run_removes_the_temporaries_of_dead_processes(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".r.csv.{dead}-0badc0de.part"
    stale_fig = tmp_path / f".f.png.{dead}-0badc0de.part.png"
    mine = tmp_path / f".r.csv.{os.getpid()}-0badc0de.part"  # a living writer's: kept
    for p in (stale, stale_fig, mine):
        p.write_text("half")
    res = _invoke(["terms", "--example", "--format", "csv", "-o", tmp_path / "r.csv"])
    assert res.exit_code == 0, res.output
    assert not stale.exists() and not stale_fig.exists() and mine.exists()


def _kill_child_during_commit(folder: Path, after_renames: int):
    """Fork a writer of a three-file set that is SIGKILLed after ``after_renames`` renames."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork in a threaded process
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            calls = {"n": 0}
            real = os.replace

            def replace(a, b):
                if str(a).endswith(".part") and not str(b).endswith(".commit"):
                    if calls["n"] == after_renames:
                        os.kill(os.getpid(), signal.SIGKILL)
                    calls["n"] += 1
                return real(a, b)

            _output.os.replace = replace  # type: ignore[attr-defined]
            _write_set(folder, b"new")
        finally:
            os._exit(1)
    os.waitpid(pid, 0)


def _write_set(folder: Path, tag: bytes, size: int = 1000):
    out = folder / "r.csv"
    with OutputSet() as s:
        s.add(out, tag + b"\n" + b"a," * size)
        s.add(folder / "r.terms.csv", tag + b"\n" + b"b," * size)
        s.add(folder / "r.more.csv", tag + b"\n" + b"c," * size)
        s.manifest(manifest_path(out), "test", {"tag": tag.decode()})


@POSIX
@pytest.mark.parametrize("after", [1, 2, 3])
def test_a_writer_killed_while_renaming_is_completed_by_the_next(tmp_path, after):
    _write_set(tmp_path, b"old")
    _kill_child_during_commit(tmp_path, after)
    man = manifest_path(tmp_path / "r.csv")
    assert verify_manifest(man) != []  # a mix for now ...
    assert [n for n in _litter(tmp_path) if n.endswith(".commit")]  # ... that the journal notes
    clean_stale(tmp_path)  # what the next run into the folder does first
    assert verify_manifest(man) == [] and _litter(tmp_path) == []
    assert (tmp_path / "r.more.csv").read_bytes().startswith(b"new\n")


# -- 14. SIGKILL at random moments: the old set or the complete new one, never a mix -----------


@POSIX
@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_a_mixed_set(tmp_path):
    rng = random.Random(16)
    folder = tmp_path / "out"
    folder.mkdir()
    man = manifest_path(folder / "r.csv")
    size = 1_500_000  # three files of about 3 MB, and a manifest
    _write_set(folder, b"gen 0", size)
    kills, completed, started = 0, 0, time.monotonic()
    while kills < 40 and time.monotonic() - started < 30:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork in a threaded process
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child writes new sets until it is killed
            try:
                gen = 1
                while True:
                    _write_set(folder, b"gen %d.%d" % (kills + 1, gen), size)
                    gen += 1
            finally:
                os._exit(1)
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        kills += 1
        problems = verify_manifest(man)
        if problems:  # killed between the first and the last rename: a journal completes it
            completed += 1
            assert [n for n in os.listdir(folder) if n.endswith(".commit")], problems
        clean_stale(folder)  # the next run's first step
        assert verify_manifest(man) == [], kills
        heads = {(folder / n).read_bytes().split(b"\n", 1)[0] for n in
                 ("r.csv", "r.terms.csv", "r.more.csv")}  # fmt: skip
        assert len(heads) == 1  # one generation
        assert json.loads(man.read_text())["parameters"]["tag"] == heads.pop().decode()
        assert _litter(folder) == []
    assert kills >= 30, f"only {kills} kills in the time allowed"
    _write_set(folder, b"last", 10)  # and a later run writes a clean set
    assert verify_manifest(man) == [] and _litter(folder) == []


# -- 6. a closed stdout pipe: quiet, exit 141, in every format ---------------------------------


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    rng = np.random.default_rng(0)
    words = np.array([f"word{i}" for i in range(20000)])
    texts = [" ".join(rng.choice(words, 30)) for _ in range(3000)]
    path = tmp_path_factory.mktemp("big") / "big.csv"
    pd.DataFrame({"id": range(3000), "party": ["A", "B"] * 1500, "text": texts}).to_csv(
        path, index=False
    )
    return path


@POSIX
@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["terms", "--top", "10000", "--format", "table"],
        ["terms", "--top", "10000", "--format", "csv"],
        ["terms", "--top", "10000", "--format", "json"],
        ["compare", "--level", "statement", "-k", "3", *FAST, "--format", "json"],
    ],
    ids=["terms-table", "terms-csv", "terms-json", "compare-json"],
)
def test_a_closed_pipe_exits_141_quietly(big_corpus, args):
    p = subprocess.Popen(
        [sys.executable, "-m", "divergence", args[0], str(big_corpus), *args[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert p.stdout is not None and p.stderr is not None
    assert os.read(p.stdout.fileno(), 100)  # `| head -c 100`
    p.stdout.close()
    err = p.stderr.read().decode()
    p.stderr.close()
    p.wait(timeout=120)
    assert p.returncode == 141, err
    assert "Traceback" not in err and "Broken pipe" not in err and "error" not in err, err


def test_readme_documents_the_exit_codes():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("Exit codes") :][:900]
    for code in ("0 ok", "1 ", "2 usage", "3 ", "4 ", "130", "141", "143"):
        assert code in section, code
