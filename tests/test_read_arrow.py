"""CSV/TSV and JSON Lines through pyarrow (issue 13, point 2): the fast reader gives the
standard library's table (values and the line of each record) whenever it answers, and leaves
every file the standard library would refuse or read differently to it (so its messages, with
file and line, are kept)."""

from __future__ import annotations

import csv
import io
import json
from typing import List

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import divergence as dv
from divergence import _readers as R


def _slow(data: bytes, fmt: str = "csv") -> R.RawTable:
    notes: List[str] = []
    text = R._decode(data, "x.csv", R.ReadOptions(), notes)
    return R._read_delimited(text, R.Origin("x.csv", "line"), fmt, "x")


def _fast(data: bytes, fmt: str = "csv", opts: R.ReadOptions | None = None) -> R.RawTable | None:
    origin = R.Origin("x.csv", "line")
    parsed = R._read_delimited_arrow(data, opts or R.ReadOptions(), [], origin, fmt)
    return None if parsed is None else parsed.raw(origin, fmt, "x")


def _same(a: R.RawTable, b: R.RawTable) -> None:
    assert a.columns == b.columns
    np.testing.assert_array_equal(a.pos, b.pos)
    for c in a.columns:
        assert list(a.values[c]) == list(b.values[c]), c


def test_plain_file_takes_the_fast_path_and_matches():
    rows = [["id", "party", "text"]]
    for i in range(50):
        text = f"statement {i}, with a comma" if i % 3 else f'multi\nline "{i}"\n\nend'
        rows.append([str(i), ["A", "B", ""][i % 3], text])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    data = buf.getvalue().encode()
    fast = _fast(data)
    assert fast is not None
    _same(fast, _slow(data))
    assert list(fast.pos[:4]) == [2, 6, 7, 8]  # the first record spans lines 2-5
    assert fast.blank_missing


@pytest.mark.parametrize(
    "data",
    [
        b'a,b\n1,"abc"x\n',  # characters after a closing quote
        b'a,b\n1,"abc\n',  # never closed
        b'a,b\n1,"a"  \n',
        b'a,b\n"1" ,2\n',
        b"a,b\n1,2,3\n",  # a row of another width
        b"a,b\n1,\xff\n",  # invalid UTF-8
        b"a,b\n\n1,2\n",  # a blank line (skipped and counted by the strict reader)
        b"a,b\r\n1,2\r\n",  # CRLF
        b"a,b\n1,\x00\n",  # NUL
        b'"a,b\n1,2\n',  # a quoted header that does not close on its line
        b'"a\nx",b\n1,2\n',  # a header spanning two lines
        b'"a"x,b\n1,2\n',  # characters after a closing quote in the header
        b"a\n\nx\n",  # one column and an empty line
        b"a,b\n",  # a header and no statements
    ],
)
def test_unusual_files_go_to_the_standard_library(data):
    assert _fast(data) is None


def test_quoted_header_takes_the_fast_path_and_matches():
    """pandas' to_csv(quoting=QUOTE_ALL) and pyarrow's write_csv quote the header: the fast
    path reads it with the strict reader itself (it went to the slow reader whole before)."""
    rows = [["id", "party, with comma", 'say "text"']]
    rows += [[str(i), "A" if i % 2 else "B", f"statement {i}\nsecond line"] for i in range(20)]
    for fmt, delim in (("csv", ","), ("tsv", "\t")):
        buf = io.StringIO()
        csv.writer(buf, delimiter=delim, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
        data = buf.getvalue().encode()
        fast = _fast(data, fmt)
        assert fast is not None
        assert fast.columns == rows[0]
        _same(fast, _slow(data, fmt))


def test_errors_keep_file_and_line(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b'party,text\nA,"fine"\nB,"ab"c\n')
    with pytest.raises(dv.CorpusError, match=r"bad\.csv line 3: malformed CSV"):
        dv.Corpus.read(p)
    p.write_bytes(b"party,text\nA,fine\nB,x,y\n")
    with pytest.raises(dv.CorpusError, match=r"bad\.csv line 3: 3 fields, but the header"):
        dv.Corpus.read(p)


def test_bom_note_and_strict(tmp_path):
    data = b"\xef\xbb\xbfparty,text\nA,one\nB,two\n"
    notes: List[str] = []
    parsed = R._read_delimited_arrow(data, R.ReadOptions(), notes, R.Origin("x.csv", "line"), "csv")
    assert parsed is not None and parsed.header == ["party", "text"]
    assert notes == ["x.csv: removed a UTF-8 byte-order mark (BOM) at the start of the file"]
    assert _fast(data, opts=R.ReadOptions(strict=True)) is None


def test_tsv():
    data = b'party\ttext\nA\t"x\ty"\nB\tz,w\n'
    fast = _fast(data, "tsv")
    assert fast is not None
    _same(fast, _slow(data, "tsv"))


_cell = st.text(alphabet=["a", "b", " ", ",", '"', "\n", "\t", "é", "\r"], max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_cell, min_size=1, max_size=3), min_size=1, max_size=6),
    st.booleans(),
    st.sampled_from(["csv", "tsv"]),
    st.one_of(st.none(), st.lists(_cell, min_size=1, max_size=3)),
)
def test_fast_equals_slow_on_random_files(rows, quote_all, fmt, names):
    """Written by csv.writer (valid quoting) or joined raw (any quoting): where the fast path
    answers, the strict reader reads the same table; where the strict reader refuses the file,
    the fast path does not answer."""
    delim = "\t" if fmt == "tsv" else ","
    header = delim.join(f"h{j}" for j in range(len(rows[0])))
    if names is not None:  # a header of random names, written quoted or raw
        if quote_all:
            hb = io.StringIO()
            csv.writer(hb, delimiter=delim, lineterminator="\n").writerow(names)
            header = hb.getvalue()[:-1]
        else:
            header = delim.join(names)
    if quote_all:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delim, lineterminator="\n").writerows(rows)
        body = buf.getvalue()
    else:
        body = "\n".join(delim.join(r) for r in rows)
    data = (header + "\n" + body).encode()
    fast = _fast(data, fmt)
    try:
        slow = _slow(data, fmt)
    except R.CorpusError:
        assert fast is None
        return
    if fast is not None:
        _same(fast, slow)


# --------------------------------------------------------------------------------------------
# JSON Lines


def _slow_jsonl(data: bytes, opts: R.ReadOptions | None = None) -> R.RawTable:
    text = R._decode(data, "x.jsonl", opts or R.ReadOptions(), [])
    return R._read_jsonl(text, R.Origin("x.jsonl", "line"), "x")


def _fast_jsonl(
    data: bytes,
    opts: R.ReadOptions | None = None,
    notes: List[str] | None = None,
    prefix: int = 1 << 20,
) -> R.RawTable | None:
    origin = R.Origin("x.jsonl", "line")
    parsed = R._read_jsonl_arrow(
        data, opts or R.ReadOptions(), [] if notes is None else notes, origin, prefix
    )
    return None if parsed is None else parsed.raw(origin, "jsonl", "x")


def _same_values(a: R.RawTable, b: R.RawTable) -> None:
    """The same columns, lines and values, each of the same Python type (NaN equal to NaN)."""
    assert a.columns == b.columns
    np.testing.assert_array_equal(a.pos, b.pos)
    assert a.blank_missing == b.blank_missing
    for c in a.columns:
        got, want = list(a.values[c]), list(b.values[c])
        assert [type(v) for v in got] == [type(v) for v in want], c
        assert [repr(v) for v in got] == [repr(v) for v in want], c


def test_plain_jsonl_takes_the_fast_path_and_matches():
    lines = []
    for i in range(60):
        rec = {"id": i, "party": ["A", "B", None][i % 3], "date": f"2020-01-{1 + i % 28:02d}"}
        if i % 4:
            rec["text"] = f'statement {i}, "quoted"\nand é \u2028 {i}'
        if i % 7 == 0:
            rec["flag"] = i % 2 == 0
        if i % 5 == 0:
            rec["score"] = i + 0.5
        lines.append(json.dumps(rec, ensure_ascii=i % 2 == 0))
        if i % 9 == 0:
            lines.append("   ")  # blank lines are skipped and counted
    data = ("\n".join(lines) + "\n").encode()
    fast = _fast_jsonl(data)
    assert fast is not None
    _same_values(fast, _slow_jsonl(data))
    assert fast.columns == ["id", "party", "date", "flag", "score", "text"]  # first seen
    assert list(fast.pos[:3]) == [1, 3, 4]
    assert fast.values["date"][0] == "2020-01-01"  # not a pyarrow timestamp
    assert not fast.blank_missing


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": 1}\n{"a": 2.5}\n',  # 1 is an int for the json module, 1.0 for pyarrow
        b'{"a": 99999999999999999999}\n',  # beyond int64
        b'{"a": 1}\n{"a": "x"}\n',  # a column of two types
        b'{"a": {"b": 1}}\n',  # an object value
        b'{"a": [1]}\n',  # an array value
        b'{"a": 1} {"a": 2}\n',  # two objects on one line
        b'{"a": 1}\n[1]\n',  # not an object
        b'{"a": 1}\r\n',  # CRLF
        b'{"a": "\x00"}\n',  # NUL
        b'{"a": "\\ud800"}\n',  # a lone surrogate (the json module reads it)
        b'{"a": "\xed\xa0\x80"}\n',  # invalid UTF-8 (pyarrow's JSON reader does not check)
        b'{"a": "\xff"}\n',
        b'{"a": 1, "a": 2}\n',  # a key twice
        b'{"a": 1}\n{"a": \n',  # invalid JSON
        b'{"a": 1}\n\xc2\xa0\n',  # a line of Unicode white space (blank for the json module)
        b'{"a": 1e400}\n',
        b"  \n\n",  # no records
        b'{"a ": 1, "a": 2}\n',  # the same column name once stripped
    ],
)
def test_unusual_jsonl_goes_to_the_json_module(data):
    assert _fast_jsonl(data) is None


@pytest.mark.parametrize("prefix", [1, 30, 1 << 20])
def test_jsonl_types_guessed_from_the_first_lines(prefix):
    """A date column parsed as strings, a column first seen later after the guessed ones, a
    guess that fails further down (int then float, null then string): the same table."""
    lines = [
        '{"b": 1, "a": "2020-01-01", "n": null}',
        '{"a": "2020-01-02", "b": 2, "n": null}',
        '{"a": "x", "c": "2021-05-06", "b": 3}',
        '{"d": true, "a": "y", "n": "now a string", "b": 4}',
    ]
    data = "\n".join(lines).encode()
    fast = _fast_jsonl(data, prefix=prefix)
    assert fast is not None
    _same_values(fast, _slow_jsonl(data))
    assert fast.columns == ["b", "a", "n", "c", "d"]
    with_float = data + b'\n{"a": "z", "b": 4.5}\n'
    assert _fast_jsonl(with_float, prefix=prefix) is None  # 1 and 1.0 not told apart


def test_jsonl_bom_note_and_strict():
    data = b'\xef\xbb\xbf{"party": "A", "text": "x"}\n'
    notes: List[str] = []
    assert _fast_jsonl(data, notes=notes) is not None
    assert notes == ["x.jsonl: removed a UTF-8 byte-order mark (BOM) at the start of the file"]
    assert _fast_jsonl(data, R.ReadOptions(strict=True)) is None


def test_jsonl_errors_keep_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b'{"party": "A", "text": "fine"}\n\n{"party": "B", "text": }\n')
    with pytest.raises(dv.CorpusError, match=r"bad\.jsonl line 3: invalid JSON"):
        dv.Corpus.read(p)
    p.write_bytes(b'{"party": "A", "text": "fine"}\n{"party": "B", "text": ["x"]}\n')
    with pytest.raises(dv.CorpusError, match=r"bad\.jsonl line 2: the text column 'text' holds"):
        dv.Corpus.read(p)


def test_jsonl_corpus_equals_the_json_module(tmp_path, monkeypatch):
    frame = dv.Corpus.example().frame.reset_index(drop=True)
    p = tmp_path / "example.jsonl"
    frame.assign(time=frame["time"].dt.strftime("%Y-%m-%d")).to_json(
        p, orient="records", lines=True, force_ascii=False
    )
    fast = dv.Corpus.read(p)
    monkeypatch.setattr(R, "_read_jsonl_arrow", lambda *a, **k: None)
    monkeypatch.setattr(R, "_jsonl_plan", lambda *a, **k: None)  # the file path's checks
    slow = dv.Corpus.read(p)
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.sources == slow.sources


_json_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=["a", " ", '"', "\\", "é", "\n", "\t", "\u2028", "1", "-", ":"], max_size=8),
    st.sampled_from(["2020-01-02", "2020-01-02T10:00:00", "1999"]),
    st.lists(st.integers(), max_size=2),
)
_json_line = st.one_of(
    st.dictionaries(st.sampled_from(["a", "b", " a", "é", ""]), _json_value, max_size=3).map(
        json.dumps
    ),
    st.text(
        alphabet=["{", "}", '"', ":", ",", " ", "\t", "a", "1", "\\", "é", "\r", "["], max_size=10
    ),
    st.just(""),
    st.just('{"a": 1}'),
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_json_line, min_size=1, max_size=8), st.booleans(), st.sampled_from([1, 20, 1 << 20])
)
def test_fast_jsonl_equals_the_json_module_on_random_files(lines, final_newline, prefix):
    """Where the fast path answers, the json module reads the same table (values and their
    types, lines); where the json module refuses the file, the fast path does not answer. The
    types guessed from the first ``prefix`` bytes change nothing."""
    data = ("\n".join(lines) + ("\n" if final_newline else "")).encode()
    fast = _fast_jsonl(data, prefix=prefix)
    try:
        slow = _slow_jsonl(data)
    except R.CorpusError:
        assert fast is None
        return
    if fast is not None:
        _same_values(fast, slow)


# --------------------------------------------------------------------------------------------
# A CSV/TSV file parsed from the file again, its bytes freed (the peak: the table, not the
# table and the bytes)


def _read_file(path, opts: R.ReadOptions | None = None, reread: bool = True):
    notes: List[str] = []
    raw, source = R.read_source(path, opts or R.ReadOptions(), None, notes, reread=reread)
    return raw, source, notes


def _spy_parse_file(monkeypatch, plan: type = R._DelimitedPlan) -> List[object]:
    got: List[object] = []
    real = plan.parse_file

    def spy(self, path, before):
        r = real(self, path, before)
        got.append(r)
        return r

    monkeypatch.setattr(plan, "parse_file", spy)
    return got


@pytest.mark.parametrize(
    "data, name",
    [
        (b'id,party,text\n1,A,"multi\nline, ""quoted"""\n2,B,plain\n', "x.csv"),
        (b"\xef\xbb\xbfparty,text\nA,one\nB,two\n", "bom.csv"),  # the body after a BOM
        (b'"party","text"\n"A","one, two"\n"B","three"\n', "quoted.csv"),  # a quoted header
        (b'party\ttext\nA\t"x\ty"\nB\tz,w\n', "x.tsv"),
    ],
)
def test_file_parsed_again_equals_its_bytes(tmp_path, monkeypatch, data, name):
    p = tmp_path / name
    p.write_bytes(data)
    calls = _spy_parse_file(monkeypatch)
    raw, source, notes = _read_file(p)
    assert len(calls) == 1 and calls[0] is not None  # parsed from the file
    want, want_source, want_notes = _read_file(p, reread=False)
    assert len(calls) == 1  # not this time
    _same(raw, want)
    assert (source, notes) == (want_source, want_notes)
    assert R.sha256_bytes(data) == source["sha256"]


@pytest.mark.parametrize(
    "name, old, new, plan, refused",
    [
        (
            "x.csv",
            b"party,text\nA,one\nB,two\n",
            b"party,text\nA,uno dos\nB,tres\n",
            R._DelimitedPlan,
            None,
        ),
        (
            "x.jsonl",
            b'{"party": "A", "text": "one"}\n{"party": "B", "text": "two"}\n',
            b'{"party": "A", "text": "uno dos"}\n{"party": "B", "text": "tres"}\n',
            R._JsonlPlan,
            (None, False),  # no table; the file changed
        ),
    ],
)
def test_file_changed_between_the_reads_is_read_again(
    tmp_path, monkeypatch, name, old, new, plan, refused
):
    """The file rewritten after its bytes were read (the same number of records, so pyarrow's
    count agrees): its stat differs after the parse, so the file is read again, whole, and the
    table and the digest are those of the new content."""
    p = tmp_path / name
    p.write_bytes(old)
    real = R._load
    state = {"n": 0}

    def load(path):
        got = real(path)
        state["n"] += 1
        if state["n"] == 1:
            p.write_bytes(new)
        return got

    monkeypatch.setattr(R, "_load", load)
    calls = _spy_parse_file(monkeypatch, plan)
    raw, source, _ = _read_file(p)
    assert calls == [refused] and state["n"] == 2
    assert list(raw.values["text"]) == ["uno dos", "tres"]
    assert source["sha256"] == R.sha256_bytes(new)


def test_file_pyarrow_refuses_goes_to_the_standard_library(tmp_path, monkeypatch):
    """Invalid UTF-8 in the body (the checks pass, pyarrow refuses): the standard library's
    path, with its replacement note, as when the bytes are parsed."""
    p = tmp_path / "x.csv"
    p.write_bytes(b"party,text\nA,caf\xe9\nB,two\n")
    calls = _spy_parse_file(monkeypatch)
    opts = R.ReadOptions(encoding_errors="replace")
    raw, source, notes = _read_file(p, opts)
    assert calls == [None]
    want, want_source, want_notes = _read_file(p, opts, reread=False)
    _same(raw, want)
    assert (source, notes) == (want_source, want_notes) and notes


# --------------------------------------------------------------------------------------------
# The same for JSON Lines: checked on the bytes, parsed from the file again


@pytest.mark.parametrize("prefix", [1, 40, 1 << 20])
@pytest.mark.parametrize(
    "data",
    [
        b'{"id": 1, "party": "A", "text": "multi\\nline, \\"quoted\\""}\n'
        b'\n{"id": 2, "party": "B"}\n',
        b'\xef\xbb\xbf{"party": "A", "text": "one"}\n{"party": "B", "text": "two"}',  # a BOM
        # a date column (parsed again with it as strings), a column first seen later, a guess
        # that fails further down (null, then a string)
        b'{"b": 1, "date": "2020-01-01", "n": null}\n{"date": "2020-01-02", "b": 2, "n": null}\n'
        b'{"date": "x", "c": "2021-05-06", "b": 3}\n{"n": "now", "date": "y", "b": 4}\n',
    ],
)
def test_jsonl_file_parsed_again_equals_its_bytes(tmp_path, monkeypatch, data, prefix):
    p = tmp_path / "x.jsonl"
    p.write_bytes(data)
    real_plan = R._jsonl_plan
    monkeypatch.setattr(R, "_jsonl_plan", lambda d, o, g, *_: real_plan(d, o, g, prefix))
    calls = _spy_parse_file(monkeypatch, R._JsonlPlan)
    raw, source, notes = _read_file(p)
    assert len(calls) == 1 and calls[0][0] is not None  # parsed from the file
    want, want_source, want_notes = _read_file(p, reread=False)
    assert len(calls) == 1  # not this time
    _same_values(raw, want)
    assert raw.columns == want.columns and not raw.blank_missing
    np.testing.assert_array_equal(raw.pos, want.pos)
    assert (source, notes) == (want_source, want_notes)
    assert R.sha256_bytes(data) == source["sha256"]


@pytest.mark.parametrize(
    "data",
    [
        b'{"party": "A", "text": "caf\xe9"}\n{"party": "B", "text": "two"}\n',  # invalid UTF-8
        b'{"party": "A", "text": "x", "n": 3}\n{"party": "B", "text": "y", "n": 2.5}\n',
    ],
)
def test_jsonl_file_pyarrow_refuses_goes_to_the_json_module(tmp_path, monkeypatch, data):
    """The checks pass, pyarrow refuses the file (invalid UTF-8; 3 and 2.5 in one column): the
    json module reads the file read again, without another parse by pyarrow, as when the
    bytes are parsed (notes included)."""
    p = tmp_path / "x.jsonl"
    p.write_bytes(data)
    calls = _spy_parse_file(monkeypatch, R._JsonlPlan)
    in_memory: List[object] = []
    real_arrow = R._read_jsonl_arrow
    monkeypatch.setattr(
        R, "_read_jsonl_arrow", lambda *a, **k: in_memory.append(1) or real_arrow(*a, **k)
    )
    opts = R.ReadOptions(encoding_errors="replace")
    raw, source, notes = _read_file(p, opts)
    assert calls == [(None, True)] and in_memory == []
    want, want_source, want_notes = _read_file(p, opts, reread=False)
    assert in_memory == [1]
    _same_values(raw, want)
    assert (source, notes) == (want_source, want_notes)
    assert isinstance(raw.values["text"][0], str)


def test_jsonl_file_errors_keep_file_and_line(tmp_path):
    """Invalid JSON past the first lines, found by pyarrow in the file: the json module's
    message with the file and the line."""
    p = tmp_path / "bad.jsonl"
    good = b'{"party": "A", "text": "fine"}\n' * 5
    p.write_bytes(good + b'{"party": "B", "text": }\n')
    with pytest.raises(dv.CorpusError, match=r"bad\.jsonl line 6: invalid JSON"):
        dv.Corpus.read(p)
