"""The command line: click's CliRunner for most cases, real subprocesses for what only a real
process shows (exit codes as the shell sees them, no traceback, Ctrl-C, stdout pipes)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import divergence
from divergence import example_path
from divergence.cli import main

PKG_PARENT = Path(divergence.__file__).resolve().parents[1]
FAST = ["--bootstrap", "5", "--permutations", "5"]
TABLE_COLUMNS = [
    "group_a",
    "group_b",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "null_mean",
    "excess",
    "p_value",
    "n_a",
    "n_b",
    "tokens_a",
    "tokens_b",
]
TERM_COLUMNS = [
    "group_a",
    "group_b",
    "side",
    "rank",
    "term",
    "z",
    "delta",
    "count_a",
    "count_b",
    "freq_a",
    "freq_b",
    "jsd_contribution",
    "alpha0",
    "variance",
]
EXAMPLE_GROUPS = ["Armenia", "Azerbaijan", "Karabakh Armenians", "Mediators"]


def _env() -> dict:
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(PKG_PARENT) + (os.pathsep + old if old else "")
    env.pop("DIVERGENCE_DEBUG", None)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def _proc(
    *args: str, cwd: Path, input: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "divergence", *args],
        cwd=cwd,
        env=_env(),
        input=input,
        capture_output=True,
        timeout=timeout,
    )


def _invoke(args, input=None):
    res = CliRunner().invoke(main, [str(a) for a in args], input=input)
    # every outcome is a normal exit (click's own, or ours), never an escaped exception
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exc_info
    assert "Traceback" not in res.output
    return res


def _ok(args, input=None):
    res = _invoke(args, input=input)
    assert res.exit_code == 0, res.output
    return res


def _files(folder: Path):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


GOOD = (
    b"id,party,text\n1,A,peace talks in baku now\n2,B,an international format for the talks\n"
    b"3,A,the corridor stays open\n"
)


# -- the report on the terminal --------------------------------------------------------------------


def test_compare_example_prints_matrix_pairs_and_terms():
    res = _ok(["compare", "--example", *FAST])
    out = res.stdout
    assert "4 groups, 170 statements" in out
    assert "jsd (nats); rows vs columns" in out
    for g in EXAMPLE_GROUPS:
        assert g in out
    assert "Armenia vs Azerbaijan" in out
    assert "null mean" in out and "excess" in out
    assert (
        "distinguishing terms (log-odds z, informative Dirichlet prior alpha0=500, monroe variance)"
        in out
    )
    assert "seed 0" in out
    assert res.stderr == "" or "Traceback" not in res.stderr


def test_compare_several_metrics_and_options_in_the_report():
    res = _ok(
        [
            "compare",
            "--example",
            *FAST,
            "--metric",
            "jsd,tv",
            "--metric",
            "kl",
            "--alpha",
            "0.5",
            "--base",
            "2",
            "--ci",
            "0.9",
            "--ci-method",
            "basic",
            "--top-terms",
            "3",
            "--seed",
            "4",
        ]
    )
    out = res.stdout
    assert "jsd (log base 2.0)" in out and "tv (no log units)" in out and "kl (log base 2.0)" in out
    assert "90% basic" in out and "seed 4" in out
    assert "Azerbaijan vs Armenia" in out  # kl: both directions


def test_compare_without_terms():
    res = _ok(["compare", "--example", *FAST, "--top-terms", "0"])
    assert "distinguishing terms" not in res.stdout


def test_the_table_matches_the_python_api(tmp_path):
    _ok(
        [
            "compare",
            "--example",
            "--bootstrap",
            "20",
            "--permutations",
            "20",
            "--seed",
            "3",
            "--format",
            "csv",
            "-o",
            tmp_path / "r.csv",
        ]
    )
    got = pd.read_csv(tmp_path / "r.csv")
    res = divergence.compare(
        divergence.Corpus.example(),
        bootstrap=20,
        permutations=20,
        seed=3,
        top_terms=15,
        vectorizer=divergence.Vectorizer(stop_words="english"),  # the commands' default
    )
    want = res.table
    assert list(got["group_a"]) == list(want["group_a"]) and list(got["group_b"]) == list(
        want["group_b"]
    )
    for c in ("value", "ci_low", "ci_high", "null_mean", "excess", "p_value"):
        np.testing.assert_allclose(got[c], want[c], rtol=1e-12, err_msg=c)
    terms = pd.read_csv(tmp_path / "r.terms.csv")
    assert list(terms["term"]) == list(res.terms["term"])


# -- files -----------------------------------------------------------------------------------------


def _read_table(path: Path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path)
    if fmt == "json":
        return pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    return pd.read_parquet(path)


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_compare_writes_table_terms_and_manifest(tmp_path, fmt):
    out = tmp_path / "res" / f"result.{fmt}"
    res = _ok(
        ["compare", "--example", *FAST, "--seed", "42", "--jobs", "2", "--format", fmt, "-o", out]
    )
    # The example carries hand-coded stances, so their tables come too.
    assert _files(tmp_path) == sorted(
        [
            f"res/result.{fmt}.manifest.json",
            f"res/result.{fmt}",
            f"res/result.terms.{fmt}",
            f"res/result.stances.{fmt}",
            f"res/result.stance_distributions.{fmt}",
        ]
    )
    stances = _read_table(out.with_name(f"result.stances.{fmt}"), fmt)
    assert set(stances["target"]) == {
        "talks format",
        "reintegration",
        "Lachin corridor",
        "security guarantees",
        "mediation",
    }
    assert f"wrote {out}" in res.stderr
    assert res.stdout == ""
    table = _read_table(out, fmt)
    assert list(table.columns[:4]) == ["group_a", "group_b", "metric", "value"]
    for c in TABLE_COLUMNS:
        assert c in table.columns, c
    assert len(table) == 6 and (table["metric"] == "jsd").all()
    assert set(table["group_a"]) | set(table["group_b"]) == set(EXAMPLE_GROUPS)
    assert table["p_value"].between(1 / 6, 1).all()
    # the example's short statements leave every group's vocabulary undersampled: no interval,
    # and the reason in ci_note; the corrected estimate is below the plug-in value
    assert table["ci_low"].isna().all() and table["ci_note"].str.startswith("undersampled").all()
    assert (table["corrected"] < table["value"]).all()
    terms = _read_table(out.with_name(f"result.terms.{fmt}"), fmt)
    for c in TERM_COLUMNS:
        assert c in terms.columns, c
    assert len(terms.groupby(["group_a", "group_b"])) == 6
    man = json.loads((out.parent / f"result.{fmt}.manifest.json").read_text(encoding="utf-8"))
    assert man["command"] == "compare"
    assert man["seed"] == 42
    assert man["threads"] == 2 and man["n_jobs"] == 2
    assert man["version"] == divergence.__version__
    assert man["parameters"]["bootstrap"] == 5 and man["parameters"]["permutations"] == 5
    [inp] = man["inputs"]
    assert inp["sha256"] == hashlib.sha256(example_path().read_bytes()).hexdigest()
    assert inp["rows"] == 170


def test_compare_of_a_file_records_its_hash(tmp_path):
    src = _write(tmp_path / "in.csv", GOOD)
    _ok(["compare", src, *FAST, "--format", "json", "-o", tmp_path / "out" / "r.json"])
    man = json.loads((tmp_path / "out" / "r.json.manifest.json").read_text(encoding="utf-8"))
    assert man["inputs"][0]["sha256"] == hashlib.sha256(GOOD).hexdigest()
    assert man["seed"] == 0


def test_output_to_stdout_csv_and_json():
    res = _ok(["compare", "--example", *FAST, "--format", "csv", "-o", "-"])
    table = pd.read_csv(io.StringIO(res.stdout))
    assert list(table.columns[:4]) == ["group_a", "group_b", "metric", "value"] and len(table) == 6
    res = _ok(["compare", "--example", *FAST, "--format", "json", "-o", "-"])
    doc = json.loads(res.stdout)
    assert set(doc) == {
        "divergence",
        "terms",
        "stances",
        "stance_distributions",
    }  # the example has stances
    assert len(doc["divergence"]) == 6 and set(TERM_COLUMNS) <= set(doc["terms"][0])
    # no -o: stdout as well
    res = _ok(["compare", "--example", *FAST, "--format", "json"])
    assert json.loads(res.stdout)["divergence"] == doc["divergence"]


@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG\r\n\x1a\n"), ("svg", b"<svg")])
def test_plot(tmp_path, ext, magic):
    fig = tmp_path / "fig" / f"x.{ext}"
    res = _ok(["compare", "--example", *FAST, "--top-terms", "0", "--plot", fig])
    assert fig.is_file() and fig.stat().st_size > 1000
    head = fig.read_bytes()[:4096]
    assert magic in head
    assert f"wrote {fig}" in res.stderr
    assert "jsd (nats)" in res.stdout  # the report is still printed
    # The example has hand-coded stances: a heatmap per target comes beside the figure.
    assert _files(tmp_path) == sorted([f"fig/x.stances.{ext}", f"fig/x.{ext}"])
    assert magic in (tmp_path / "fig" / f"x.stances.{ext}").read_bytes()[:4096]


def test_level_statement(tmp_path):
    res = _ok(["compare", "--example", *FAST, "--top-terms", "0", "--level", "statement"])
    assert "nearest_id" in res.stdout
    out = tmp_path / "r.csv"
    _ok(
        [
            "compare",
            "--example",
            *FAST,
            "--top-terms",
            "0",
            "--level",
            "statement",
            "-k",
            "2",
            "--format",
            "csv",
            "-o",
            out,
        ]
    )
    near = pd.read_csv(tmp_path / "r.nearest.csv", dtype={"id": str, "nearest_id": str})
    assert list(near.columns) == ["id", "group", "other_group", "rank", "nearest_id", "value"]
    c = divergence.Corpus.example()
    group_of = dict(zip(c.id, c.group))
    # every statement gets k = 2 neighbours in each of the 3 other groups
    assert len(near) == len(c) * 3 * 2
    assert (near["group"] != near["other_group"]).all()
    assert all(group_of[n] == g for n, g in zip(near["nearest_id"], near["other_group"]))
    assert all(group_of[i] == g for i, g in zip(near["id"], near["group"]))
    for _, sub in near.groupby(["id", "other_group"]):
        assert list(sub["rank"]) == [1, 2]
        assert sub["value"].is_monotonic_increasing
    assert near["value"].between(0, np.log(2) + 1e-12).all()
    # the neighbour is truly the nearest: check one statement against a brute force
    from divergence import Vectorizer, pairwise

    X = Vectorizer(stop_words="english").fit_transform(list(c.text))  # the CLI default
    ids = list(c.id)
    first = near.iloc[0]
    i = ids.index(first["id"])
    others = [j for j, g in enumerate(c.group) if g == first["other_group"]]
    d = pairwise(X[[i]], X[others])[0]
    assert first["value"] == pytest.approx(d.min(), rel=1e-9, abs=1e-12)


def test_same_output_for_any_jobs(tmp_path):
    outs = []
    for j in ("1", "2"):
        out = tmp_path / f"j{j}" / "r.csv"
        _ok(
            [
                "compare",
                "--example",
                "--bootstrap",
                "30",
                "--permutations",
                "30",
                "--metric",
                "jsd,hellinger",
                "--jobs",
                j,
                "--format",
                "csv",
                "-o",
                out,
            ]
        )
        outs.append(out)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert (
        outs[0].with_name("r.terms.csv").read_bytes()
        == outs[1].with_name("r.terms.csv").read_bytes()
    )
    a = _ok(["compare", "--example", *FAST, "--jobs", "1"]).stdout
    b = _ok(["compare", "--example", *FAST, "--jobs", "2"]).stdout
    assert a == b


def test_stdin_input():
    res = _ok(["compare", "-", "--input-format", "csv", *FAST, "--format", "csv"], input=GOOD)
    table = pd.read_csv(io.StringIO(res.stdout))
    assert list(table[["group_a", "group_b"]].iloc[0]) == ["A", "B"]
    assert table["n_a"].iloc[0] == 2 and table["n_b"].iloc[0] == 1


def test_plain_text_files_take_their_group_from_the_file_name(tmp_path):
    a = _write(tmp_path / "alpha.txt", b"peace talks now\nthe corridor must open\n")
    b = _write(tmp_path / "beta.txt", b"reintegration under the constitution\ntalks in baku\n")
    res = _ok(["compare", a, b, *FAST, "--format", "csv"])
    table = pd.read_csv(io.StringIO(res.stdout))
    assert list(table[["group_a", "group_b"]].iloc[0]) == ["alpha", "beta"]


# -- terms, example, version -----------------------------------------------------------------------


def test_terms_example():
    res = _ok(["terms", "--example", "--top", "5"])
    out = res.stdout
    assert "log-odds |z| with an informative Dirichlet prior (alpha0=500, monroe variance)" in out
    assert "Armenia vs Azerbaijan" in out and "Karabakh Armenians vs Mediators" in out
    res = _ok(["terms", "--example", "--pairs", "rest", "--variance", "full", "--prior", "50"])
    assert "alpha0=50, full variance" in res.stdout
    assert "Azerbaijan vs (rest)" in res.stdout


def test_terms_to_files(tmp_path):
    out = tmp_path / "t.csv"
    _ok(["terms", "--example", "--top", "4", "--format", "csv", "-o", out])
    assert _files(tmp_path) == ["t.csv", "t.csv.manifest.json"]
    t = pd.read_csv(out)
    assert list(t.columns) == TERM_COLUMNS
    assert (t.groupby(["group_a", "group_b", "side"]).size() <= 4).all()
    man = json.loads((tmp_path / "t.csv.manifest.json").read_text(encoding="utf-8"))
    assert man["command"] == "terms" and man["parameters"]["top"] == 4


def test_example_write(tmp_path):
    res = _ok(["example", "--write", tmp_path / "ex"])
    written = tmp_path / "ex" / "karabakh_statements.csv"
    assert str(written) in res.stdout
    assert written.read_bytes() == example_path().read_bytes()
    # and the written copy is a corpus the user can compare
    res = _ok(["compare", written, *FAST, "--top-terms", "0"])
    assert "4 groups, 170 statements" in res.stdout
    info = _ok(["example"])
    assert "karabakh_statements.csv" in info.stdout and "170 statements" in info.stdout


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag):
    res = _ok([flag])
    assert res.stdout.strip() == f"divergence, version {divergence.__version__}"


def test_help():
    res = _ok(["--help"])
    for cmd in ("compare", "terms", "example"):
        assert cmd in res.stdout
    assert "--bootstrap" in _ok(["compare", "-h"]).stdout


# -- bad input: exit code 3 with a message, never a traceback --------------------------------------


BAD_INPUTS = {
    # name: (file name, bytes, extra args, words the message must contain)
    "invalid utf-8": (
        "bad.csv",
        b"id,party,text\n1,A,hello world\n2,B,good \xff bye\n",
        [],
        ["bad.csv line 3", "invalid UTF-8", "--encoding-errors replace"],
    ),
    "empty text": (
        "empty.csv",
        b"id,party,text\n1,A,hello world\n2,B,\n3,B,more words\n",
        [],
        ["empty.csv line 3", "empty or missing text", "--drop-empty"],
    ),
    "blank text": (
        "blank.csv",
        b"id,party,text\n1,A,hello world\n2,B,   \n3,B,more words\n",
        [],
        ["blank.csv line 3", "empty or missing text"],
    ),
    "missing text (json null)": (
        "null.jsonl",
        b'{"id": 1, "party": "A", "text": "hello world"}\n{"id": 2, "party": "B", "text": null}\n'
        b'{"id": 3, "party": "B", "text": "more words"}\n',
        [],
        ["null.jsonl line 2", "empty or missing text"],
    ),
    "nul byte": (
        "nul.csv",
        b"id,party,text\n1,A,hello world\n2,B,good\x00 bye\n",
        [],
        ["nul.csv line 3", "NUL"],
    ),
    "duplicate ids": (
        "dup.csv",
        b"id,party,text\n7,A,hello world\n7,B,good bye\n",
        [],
        ["duplicate id '7'", "dup.csv line 2", "line 3"],
    ),
    "unparsable date": (
        "when.csv",
        b"id,party,when,text\n1,A,2022-09-08,hello world\n2,B,last tuesday,good bye\n",
        ["--time-col", "when"],
        ["when.csv line 3", "'last tuesday'", "'when'"],
    ),
    "single group": (
        "one.csv",
        b"id,party,text\n1,A,hello world\n2,A,good bye\n",
        [],
        ["at least 2 groups", "'A'", "--group-col"],
    ),
    "empty file": ("nothing.csv", b"", [], ["nothing.csv", "empty"]),
    "whitespace-only file": ("blankfile.csv", b"\n  \n", [], ["blankfile.csv", "empty"]),
    "header only": ("header.csv", b"id,party,text\n", [], ["header.csv", "no statements"]),
    "missing text column": (
        "cols.csv",
        b"id,party,body\n1,A,hello world\n2,B,good bye\n",
        [],
        ["no text column", "columns present: 'id', 'party', 'body'", "--text-col"],
    ),
    "named column absent": (
        "cols2.csv",
        b"id,party,text\n1,A,hello world\n2,B,good bye\n",
        ["--group-col", "country"],
        ["no group column 'country'", "columns present: 'id', 'party', 'text'"],
    ),
    "ragged csv": (
        "ragged.csv",
        b"id,party,text\n1,A,hello world\n2,B,good,bye\n",
        [],
        ["ragged.csv line 3", "fields"],
    ),
    "unclosed quote": (
        "quote.csv",
        b'id,party,text\n1,A,hello world\n2,B,"good bye\n',
        [],
        ["quote.csv line 3", "never closed"],
    ),
    "bom with strict": (
        "bom.csv",
        b"\xef\xbb\xbf" + GOOD,
        ["--strict"],
        ["bom.csv", "byte-order mark"],
    ),
    "crlf with strict": (
        "crlf.csv",
        GOOD.replace(b"\n", b"\r\n"),
        ["--strict"],
        ["crlf.csv line 1", "CRLF"],
    ),
    "utf-16": (
        "u16.csv",
        "id,party,text\n1,A,hi there\n".encode("utf-16"),
        [],
        ["u16.csv", "UTF-16"],
    ),
}


@pytest.mark.parametrize("command", ["compare", "terms"])
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exit_code_3(tmp_path, case, command):
    name, data, extra, words = BAD_INPUTS[case]
    src = _write(tmp_path / name, data)
    out = tmp_path / "out" / "r.csv"
    args = [command, src, *extra, "--format", "csv", "-o", out]
    if command == "compare":
        args += FAST
    res = _invoke(args)
    assert res.exit_code == 3, (res.exit_code, res.output)
    assert res.stderr.startswith("error: "), res.stderr
    for w in words:
        assert w in res.stderr, (w, res.stderr)
    assert res.stdout == ""
    # nothing written: no output, no manifest, no temporary file
    assert _files(tmp_path) == [name]


@pytest.mark.parametrize(
    "name, data, extra, note",
    [
        (
            "bad.csv",
            b"id,party,text\n1,A,hello world\n2,B,good \xff bye\n",
            ["--encoding-errors", "replace"],
            "note: bad.csv: replaced 1 invalid UTF-8 sequence with U+FFFD on line 3",
        ),
        (
            "empty.csv",
            b"id,party,text\n1,A,hello world\n2,B,\n3,B,more words\n",
            ["--drop-empty"],
            "note: dropped 1 statement with empty or missing text: empty.csv line 3",
        ),
        (
            "bom.csv",
            b"\xef\xbb\xbf" + GOOD,
            [],
            "note: bom.csv: removed a UTF-8 byte-order mark (BOM)",
        ),
        (
            "crlf.csv",
            GOOD.replace(b"\n", b"\r\n"),
            [],
            "note: crlf.csv: converted Windows (CRLF) line endings to LF",
        ),
    ],
)
def test_fixable_inputs_run_with_a_note(tmp_path, monkeypatch, name, data, extra, note):
    monkeypatch.chdir(tmp_path)  # messages name the file as given
    _write(tmp_path / name, data)
    res = _ok(["compare", name, *extra, *FAST, "--format", "csv"])
    assert note in res.stderr, res.stderr
    table = pd.read_csv(io.StringIO(res.stdout))
    assert list(table[["group_a", "group_b"]].iloc[0]) == ["A", "B"]


def test_bom_and_crlf_together(tmp_path):
    src = _write(tmp_path / "both.csv", b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n"))
    res = _ok(["compare", src, *FAST, "--format", "csv"])
    assert "BOM" in res.stderr and "CRLF" in res.stderr
    assert _invoke(["compare", src, *FAST, "--strict"]).exit_code == 3


def test_statements_without_tokens_are_dropped_with_a_note(tmp_path):
    """Text that is not empty but has no token (one-letter words, punctuation) is dropped by
    compare with a note, not an error."""
    src = _write(tmp_path / "t.csv", GOOD + b"4,B,a !\n")
    res = _ok(["compare", src, *FAST, "--format", "csv"])
    assert "note: dropped 1 statement(s) with no tokens" in res.stderr
    table = pd.read_csv(io.StringIO(res.stdout))
    assert table["n_b"].iloc[0] == 1


# -- usage errors: exit code 2 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["compare", "no-such-file.csv"], ["file not found: no-such-file.csv"]),
        (["compare", "--example", "--metric", "jsd,nope"], ["unknown metric 'nope'", "valid: jsd"]),
        (["compare", "--example", *FAST, "--format", "parquet", "-o", "-"], ["parquet", "-o FILE"]),
        (["compare", "--example", *FAST, "--format", "parquet"], ["parquet", "-o FILE"]),
        (["compare"], ["no CORPUS given"]),
        (["compare", "x.csv", "--example"], ["not both"]),
        (["compare", "--example", "--bootstrap", "-1"], ["--bootstrap"]),
        (["compare", "--example", "--ci", "1.5"], ["--ci"]),
        (["compare", "--example", "--format", "xml"], ["--format"]),
        (["compare", "--example", *FAST, "-o", "r.csv"], ["-o/--output needs --format"]),
        (["compare", "-", *FAST], ["--input-format"]),
        (["compare", "--example", "--stop-words", "no-such-list.txt"], ["--stop-words"]),
        (["terms", "--example", "--plot-pair", "Armenia", "Azerbaijan"], ["--plot-pair"]),
        (["nosuchcommand"], ["No such command"]),
    ],
)
def test_usage_errors_exit_code_2(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    res = _invoke(args)
    assert res.exit_code == 2, (res.exit_code, res.output)
    for w in words:
        assert w in res.stderr, (w, res.stderr)
    assert _files(tmp_path) == []


def test_unsupported_plot_type_is_a_usage_error_and_writes_nothing(tmp_path):
    out = tmp_path / "out" / "r.csv"
    res = _invoke(
        [
            "compare",
            "--example",
            *FAST,
            "--format",
            "csv",
            "-o",
            out,
            "--plot",
            tmp_path / "fig.bmp",
        ]
    )
    assert res.exit_code == 2, (res.exit_code, res.output)
    assert "--plot" in res.stderr and "fig.bmp" in res.stderr
    assert _files(tmp_path) == []


# -- failures while writing: exit code 1, nothing half written -------------------------------------


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    out = tmp_path / "out" / "r.csv"
    res = _invoke(["compare", "--example", *FAST, "--format", "csv", "-o", out])
    monkeypatch.undo()
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith("error: ") and "Input/output error" in res.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".part")]
    assert _files(tmp_path) == []


def test_an_existing_output_is_kept_when_a_run_fails(tmp_path):
    out = tmp_path / "r.csv"
    out.write_bytes(b"old\n")
    src = _write(tmp_path / "one.csv", b"id,party,text\n1,A,hello world\n2,A,good bye\n")
    assert _invoke(["compare", src, *FAST, "--format", "csv", "-o", out]).exit_code == 3
    assert out.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv", "r.csv"]


def test_output_into_a_file_instead_of_a_folder_is_a_runtime_error(tmp_path):
    blocker = _write(tmp_path / "blocker", b"")
    res = _invoke(["compare", "--example", *FAST, "--format", "csv", "-o", blocker / "r.csv"])
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith("error: ")
    assert _files(tmp_path) == ["blocker"]


# -- real processes --------------------------------------------------------------------------------


def test_subprocess_compare_example(tmp_path):
    p = _proc("compare", "--example", "--bootstrap", "20", "--permutations", "20", cwd=tmp_path)
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode("utf-8")
    assert "jsd (nats); rows vs columns" in out and "distinguishing terms" in out
    for g in EXAMPLE_GROUPS:
        assert g in out
    assert b"Traceback" not in p.stderr
    assert p.stderr == b""  # not a terminal: no progress, and the example needs no notes


def test_subprocess_files_and_version(tmp_path):
    p = _proc(
        "compare",
        "--example",
        "--bootstrap",
        "20",
        "--permutations",
        "20",
        "--seed",
        "9",
        "--jobs",
        "2",
        "--format",
        "json",
        "-o",
        "out/r.json",
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr.decode()
    assert _files(tmp_path) == [
        "out/r.json",
        "out/r.json.manifest.json",
        "out/r.stance_distributions.json",
        "out/r.stances.json",
        "out/r.terms.json",
    ]
    table = pd.DataFrame(json.loads((tmp_path / "out" / "r.json").read_text(encoding="utf-8")))
    assert len(table) == 6
    man = json.loads((tmp_path / "out" / "r.json.manifest.json").read_text(encoding="utf-8"))
    assert man["seed"] == 9 and man["threads"] == 2
    assert man["inputs"][0]["sha256"] == hashlib.sha256(example_path().read_bytes()).hexdigest()
    v = _proc("-V", cwd=tmp_path)
    assert (
        v.returncode == 0
        and v.stdout.decode().strip() == f"divergence, version {divergence.__version__}"
    )


def test_subprocess_stdout_pipe_and_stdin(tmp_path):
    p = _proc(
        "compare",
        "-",
        "--input-format",
        "csv",
        "--bootstrap",
        "5",
        "--permutations",
        "5",
        "--format",
        "csv",
        "-o",
        "-",
        cwd=tmp_path,
        input=GOOD,
    )
    assert p.returncode == 0, p.stderr.decode()
    table = pd.read_csv(io.BytesIO(p.stdout))
    assert list(table.columns[:4]) == ["group_a", "group_b", "metric", "value"]
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["bad.csv"], 3, [b"error: bad.csv line 3: invalid UTF-8"]),
        (["one.csv"], 3, [b"error: comparing needs at least 2 groups"]),
        (["missing.csv"], 2, [b"file not found: missing.csv"]),
        (["--example", "--metric", "foo"], 2, [b"unknown metric 'foo'"]),
    ],
)
def test_subprocess_exit_codes_without_traceback(tmp_path, args, code, words):
    _write(tmp_path / "bad.csv", b"id,party,text\n1,A,hello world\n2,B,good \xff bye\n")
    _write(tmp_path / "one.csv", b"id,party,text\n1,A,hello world\n2,A,good bye\n")
    p = _proc(
        "compare",
        *args,
        "--bootstrap",
        "5",
        "--permutations",
        "5",
        "--format",
        "csv",
        "-o",
        "out/r.csv",
        cwd=tmp_path,
    )
    assert p.returncode == code, p.stderr.decode()
    for w in words:
        assert w in p.stderr
    assert b"Traceback" not in p.stderr and p.stdout == b""
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(os.name != "posix", reason="SIGINT and pseudo-terminals are POSIX")
def test_ctrl_c_stops_a_long_compare(tmp_path):
    """SIGINT while the replicates run: exit 130 within a few seconds, nothing written.

    stderr is a pseudo-terminal so that the progress bar shows when the replicates have
    started; the signal is sent only then (not during start-up, when Python's own handler
    would end the process differently)."""
    import pty
    import select

    master, slave = pty.openpty()
    out = tmp_path / "out" / "r.csv"
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "divergence",
            "compare",
            "--example",
            "--bootstrap",
            "200000",
            "--permutations",
            "0",
            "--top-terms",
            "0",
            "--jobs",
            "2",
            "--format",
            "csv",
            "-o",
            str(out),
        ],
        cwd=tmp_path,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = bytearray()
    lock = threading.Lock()

    def drain():
        while True:
            try:
                r, _, _ = select.select([master], [], [], 0.2)
                if r:
                    chunk = os.read(master, 4096)
                    if not chunk:
                        return
                    with lock:
                        seen.extend(chunk)
                elif p.poll() is not None:
                    return
            except OSError:  # EIO: the child closed the terminal
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and p.poll() is None:
            with lock:
                if b"/200000" in seen:
                    break
            time.sleep(0.05)
        with lock:
            started = b"/200000" in seen
        assert started and p.poll() is None, bytes(seen).decode(errors="replace")
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("still running 30 s after SIGINT")
        elapsed = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        reader.join(timeout=5)
        os.close(master)
        if p.stdout:
            p.stdout.close()
    assert p.returncode == 130, (p.returncode, bytes(seen).decode(errors="replace"))
    assert elapsed < 5, elapsed
    assert b"interrupted" in seen
    assert b"Traceback" not in seen
    assert not out.exists() and _files(tmp_path) == []
