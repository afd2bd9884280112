"""CSV/TSV through pyarrow (issue 13, point 2): the fast reader gives the standard library's
table (values and the line of each record) whenever it answers, and leaves every file the
standard library would refuse or read differently to it (so its messages, with file and line,
are kept)."""

from __future__ import annotations

import csv
import io
from typing import List

import numpy as np
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
        b'"a",b\n1,2\n',  # quoted header
        b"a\n\nx\n",  # one column and an empty line
        b"a,b\n",  # a header and no statements
    ],
)
def test_unusual_files_go_to_the_standard_library(data):
    assert _fast(data) is None


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
)
def test_fast_equals_slow_on_random_files(rows, quote_all, fmt):
    """Written by csv.writer (valid quoting) or joined raw (any quoting): where the fast path
    answers, the strict reader reads the same table; where the strict reader refuses the file,
    the fast path does not answer."""
    delim = "\t" if fmt == "tsv" else ","
    header = delim.join(f"h{j}" for j in range(len(rows[0])))
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
