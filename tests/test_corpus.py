"""Reading statements: formats, column detection, times, and a clear error for every kind of
bad data (naming the file and the line)."""

from __future__ import annotations

import gzip
import hashlib
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from divergence import Corpus, CorpusError, example_path
from divergence._corpus import DEFAULT_COLUMNS, INPUT_FORMATS

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def put(folder: Path, name: str, content) -> Path:
    p = folder / name
    p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return p


CSV = (
    "id,party,date,text,stance\n"
    'a,A,2020-01-01,"first statement,\n'
    'over two lines",favour\n'
    "b,B,2020-03-02,second statement,against\n"
    "c,A,2021-06-30,third statement,favour\n"
)


# -- formats ------------------------------------------------------------------------------------


def test_corpus_error_is_a_value_error():
    assert issubclass(CorpusError, ValueError)
    assert INPUT_FORMATS == ("csv", "tsv", "jsonl", "parquet", "text")
    assert DEFAULT_COLUMNS["group"][0] == "party"


def test_example_corpus():
    c = Corpus.example()
    assert len(c) == 170
    assert c.groups == ["Armenia", "Azerbaijan", "Karabakh Armenians", "Mediators"]
    assert c.group_counts.tolist() == [43, 48, 47, 32]
    assert list(c.frame.columns) == ["id", "group", "time", "text", "speaker", "target", "stance"]
    assert c.extra_columns == ["speaker", "target", "stance"]
    assert c.time_resolution == "date"
    assert c.frame["time"].dtype == np.dtype("datetime64[ns]")
    assert c.time.iloc[0] == pd.Timestamp("2022-09-08")
    assert c.id.is_unique and c.id.iloc[0] == "s001"
    assert c.columns == {"id": "id", "group": "party", "time": "date", "text": "text"}
    assert c.notes == []
    (src,) = c.sources
    assert src["format"] == "csv" and src["rows"] == 170
    assert src["sha256"] == hashlib.sha256(example_path().read_bytes()).hexdigest()
    assert "170 statements" in repr(c)


def test_csv_line_numbers_follow_quoted_newlines(tmp_path):
    p = put(tmp_path, "s.csv", CSV)
    c = Corpus.read(p)
    assert len(c) == 3
    assert c.text.iloc[0] == "first statement,\nover two lines"
    assert c.locations == [f"{p} line 2", f"{p} line 4", f"{p} line 5"]
    assert c.location(-1) == f"{p} line 5"
    assert c.frame["stance"].tolist() == ["favour", "against", "favour"]
    # An empty text after the multi-line record is reported at its physical line.
    bad = put(tmp_path, "bad.csv", CSV + "d,B,2021-07-01,,favour\n")
    with pytest.raises(CorpusError, match=r"bad\.csv line 6.*drop_empty"):
        Corpus.read(bad)


def test_tsv_and_case_insensitive_default_columns(tmp_path):
    p = put(
        tmp_path, "s.tsv", "ID\tSpeaker\tYear\tStatement\n1\tX\t1992\thello\n2\tY\t1993\tworld\n"
    )
    c = Corpus.read(p)
    assert c.columns == {"id": "ID", "group": "Speaker", "time": "Year", "text": "Statement"}
    assert c.id.tolist() == ["1", "2"]
    assert c.groups == ["X", "Y"]
    assert c.sources[0]["format"] == "tsv"


def test_jsonl(tmp_path):
    p = put(
        tmp_path,
        "s.jsonl",
        '{"doc_id": 7, "country": "ARM", "year": 1992, "text": "one", "n": 3}\n'
        "\n"
        '{"doc_id": 8, "country": "AZE", "year": 1993, "text": "two"}\n',
    )
    c = Corpus.read(p)
    assert c.id.tolist() == ["7", "8"]
    assert c.time_resolution == "year"
    assert c.time.tolist() == [pd.Timestamp("1992-01-01"), pd.Timestamp("1993-01-01")]
    assert c.locations == [f"{p} line 1", f"{p} line 3"]
    assert c.frame["n"].iloc[0] == 3 and pd.isna(c.frame["n"].iloc[1])
    bad = put(tmp_path, "bad.jsonl", '{"text": "a", "party": "A"}\n{"text": "b", party}\n')
    with pytest.raises(CorpusError, match=r"bad\.jsonl line 2: invalid JSON"):
        Corpus.read(bad)
    arr = put(tmp_path, "arr.jsonl", '[{"text": "a", "party": "A"}]\n')
    with pytest.raises(CorpusError, match=r"arr\.jsonl line 1: expected a JSON object"):
        Corpus.read(arr)


def test_parquet(tmp_path):
    df = pd.DataFrame(
        {
            "party": ["A", "B", "A"],
            "date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"]),
            "text": ["x y", "y z", "z x"],
            "score": [1.5, 2.5, 3.5],
        }
    )
    p = tmp_path / "s.parquet"
    df.to_parquet(p)
    c = Corpus.read(p)
    assert c.id.tolist() == ["s:1", "s:2", "s:3"]
    assert c.time_resolution == "date"
    assert c.frame["score"].tolist() == [1.5, 2.5, 3.5]
    assert c.sources[0]["format"] == "parquet" and c.sources[0]["rows"] == 3
    df.loc[2, "text"] = None
    df.to_parquet(p)
    with pytest.raises(CorpusError, match=r"s\.parquet row 3"):
        Corpus.read(p)
    broken = put(tmp_path, "broken.parquet", b"PAR1 not really")
    with pytest.raises(CorpusError, match=r"broken\.parquet: cannot read it as Parquet"):
        Corpus.read(broken)


def test_text_files_group_from_stem_or_option(tmp_path):
    a = put(tmp_path, "alpha.txt", "one statement\nanother one\n")
    b = put(tmp_path, "beta.txt", "a third\n")
    c = Corpus.read([a, b])
    assert c.group.tolist() == ["alpha", "alpha", "beta"]
    assert c.id.tolist() == ["alpha:1", "alpha:2", "beta:1"]
    assert not c.has_time and c.time.isna().all() and c.time_resolution is None
    assert [s["rows"] for s in c.sources] == [2, 1]
    assert Corpus.read(a, group="Armenia").groups == ["Armenia"]
    assert Corpus.read([a, b], group=["X", "Y"]).groups == ["X", "Y"]
    with pytest.raises(ValueError, match="one name per path"):
        Corpus.read([a, b], group=["X"])


def test_stdin_needs_input_format(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"party,text\nA,x\nB,y\n")))
    with pytest.raises(ValueError, match="input_format"):
        Corpus.read("-")
    c = Corpus.read("-", input_format="csv")
    assert c.id.tolist() == ["stdin:2", "stdin:3"]
    assert c.sources[0]["path"] == "-"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"hello\nworld\n")))
    c = Corpus.read("-", input_format="text", group="G")
    assert c.groups == ["G"] and len(c) == 2


def test_gzip_and_unknown_extension(tmp_path):
    p = put(tmp_path, "s.csv.gz", gzip.compress(CSV.encode()))
    c = Corpus.read(p)
    assert len(c) == 3 and c.id.tolist() == ["a", "b", "c"]
    assert c.sources[0]["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()
    q = put(tmp_path, "s.dat", CSV)
    with pytest.raises(CorpusError, match=r"s\.dat: cannot tell the format.*input_format"):
        Corpus.read(q)
    assert len(Corpus.read(q, input_format="CSV")) == 3


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        Corpus.read(tmp_path / "nope.csv")
    with pytest.raises(CorpusError, match="is a folder"):
        Corpus.read(tmp_path)


# -- columns ------------------------------------------------------------------------------------


def test_missing_column_lists_the_columns_present(tmp_path):
    p = put(tmp_path, "s.csv", "id,party,body\n1,A,x\n")
    with pytest.raises(CorpusError, match=r"no text column found.*'id', 'party', 'body'.*text_col"):
        Corpus.read(p)
    with pytest.raises(CorpusError, match=r"no text column 'content'.*'id', 'party', 'body'"):
        Corpus.read(p, text_col="content")
    q = put(tmp_path, "q.csv", "id,text\n1,x\n")
    with pytest.raises(CorpusError, match=r"no group column found.*'id', 'text'.*group_col"):
        Corpus.read(q)
    assert Corpus.read(q, group="Solo").groups == ["Solo"]
    with pytest.raises(CorpusError, match=r"no time column 'when'"):
        Corpus.read(p, text_col="BODY", time_col="when")


def test_explicit_columns_and_extras(tmp_path):
    p = put(tmp_path, "s.csv", "key,party,group,when,body\nk1,A,g1,2001,x\nk2,B,g2,2002,y\n")
    c = Corpus.read(p, id_col="key", text_col="Body", time_col="when")
    assert c.columns == {"id": "key", "group": "party", "time": "when", "text": "body"}
    # the extra column called "group" cannot keep its name
    assert c.extra_columns == ["group_orig"]
    assert c.frame["group_orig"].tolist() == ["g1", "g2"]
    assert any("group_orig" in n for n in c.notes)
    with pytest.raises(ValueError, match="not both"):
        Corpus.read(p, group="X", group_col="party")
    with pytest.raises(CorpusError, match="same column"):
        Corpus.read(p, text_col="party")


def test_missing_group_value(tmp_path):
    p = put(tmp_path, "s.csv", "party,text\nA,x\n,y\n")
    with pytest.raises(CorpusError, match=r"missing group \('party'\).*s\.csv line 3"):
        Corpus.read(p)


# -- times --------------------------------------------------------------------------------------


def test_years_and_dates(tmp_path):
    years = Corpus.read(put(tmp_path, "y.csv", "party,year,text\nA,1992,x\nB,2024,y\n"))
    assert years.time_resolution == "year"
    assert years.time.tolist() == [pd.Timestamp("1992-01-01"), pd.Timestamp("2024-01-01")]
    dates = Corpus.read(
        put(tmp_path, "d.csv", "party,date,text\nA,2022-09-08,x\nB,2022-09-10T12:30:00,y\n")
    )
    assert dates.time_resolution == "date"
    assert dates.time.iloc[1] == pd.Timestamp("2022-09-10 12:30")
    offset = Corpus.read(
        put(
            tmp_path,
            "z.csv",
            "party,date,text\nA,2022-09-08T00:30:00+02:00,x\nB,2022-09-09T12:00Z,y\n",
        )
    )
    assert offset.time.tolist() == [
        pd.Timestamp("2022-09-08 00:30"),
        pd.Timestamp("2022-09-09 12:00"),
    ]  # local time kept
    mixed = Corpus.read(put(tmp_path, "m.csv", "party,date,text\nA,2022,x\nB,2022-09-10,y\n"))
    assert mixed.time_resolution == "date"
    assert any("mixes years and dates" in n for n in mixed.notes)
    both = Corpus.read([tmp_path / "y.csv", tmp_path / "d.csv"], id_col=None)
    assert both.time_resolution == "date" and any("years and others dates" in n for n in both.notes)
    frame = Corpus.from_frame(
        pd.DataFrame({"party": ["A", "B"], "year": [1992, 1993], "text": ["x", "y"]})
    )
    assert frame.time_resolution == "year" and frame.time.iloc[0] == pd.Timestamp("1992-01-01")


@pytest.mark.parametrize("value", ["08/09/2022", "2022-13-01", "soon", "1992.5"])
def test_unparsable_date_names_value_and_line(tmp_path, value):
    p = put(tmp_path, "s.csv", f"party,date,text\nA,2022-01-01,x\nB,{value},y\n")
    with pytest.raises(CorpusError, match=rf"s\.csv line 3: cannot parse '{value}'.*'date'"):
        Corpus.read(p)


def test_time_out_of_range(tmp_path):
    p = put(tmp_path, "s.csv", "party,year,text\nA,12,x\n")
    with pytest.raises(CorpusError, match=r"s\.csv line 2: time '12'.*outside the supported range"):
        Corpus.read(p)


def test_missing_times_are_nat_with_a_note(tmp_path):
    p = put(tmp_path, "s.csv", "party,date,text\nA,2022-01-01,x\nB,,y\n")
    c = Corpus.read(p)
    assert pd.isna(c.time.iloc[1])
    assert any("no time" in n and "line 3" in n for n in c.notes)
    with pytest.raises(CorpusError, match=r"needs times.*s\.csv line 3"):
        c.require_time()
    assert c.filter(groups="A").require_time() is not None
    untimed = Corpus.read(put(tmp_path, "u.csv", "party,text\nA,x\n"))
    with pytest.raises(CorpusError, match="no time column"):
        untimed.require_time()


def test_time_col_false_ignores_a_time_column(tmp_path):
    p = put(tmp_path, "s.csv", "party,time,text\nA,14:30,x\nB,15:00,y\n")
    with pytest.raises(CorpusError, match="time_col=False"):
        Corpus.read(p)
    c = Corpus.read(p, time_col=False)
    assert not c.has_time and c.extra_columns == ["time_orig"]


# -- bad bytes ----------------------------------------------------------------------------------


def test_invalid_utf8_names_file_and_line(tmp_path):
    p = put(tmp_path, "latin.csv", b"party,text\nA,fine\nB,caf\xe9\nC,na\xefve\n")
    with pytest.raises(
        CorpusError, match=r"latin\.csv line 3: invalid UTF-8 \(byte 0xE9\).*encoding_errors"
    ):
        Corpus.read(p)
    c = Corpus.read(p, encoding_errors="replace")
    assert c.text.tolist() == ["fine", "caf\ufffd", "na\ufffdve"]
    assert any("replaced 2 invalid UTF-8 sequences" in n and "lines 3, 4" in n for n in c.notes)
    with pytest.raises(ValueError, match="encoding_errors"):
        Corpus.read(p, encoding_errors="ignore")


def test_nul_bytes(tmp_path):
    p = put(tmp_path, "nul.txt", b"fine\nbro\x00ken\n")
    with pytest.raises(CorpusError, match=r"nul\.txt line 2: contains a NUL byte"):
        Corpus.read(p)
    utf16 = put(tmp_path, "w.csv", "party,text\nA,x\n".encode("utf-16"))
    with pytest.raises(CorpusError, match="UTF-16"):
        Corpus.read(utf16)
    df = pd.DataFrame({"party": ["A"], "text": ["a\x00b"]})
    with pytest.raises(CorpusError, match="data frame index 0: contains a NUL"):
        Corpus.from_frame(df)


def test_bom_and_crlf_are_fixed_with_notes_or_refused_when_strict(tmp_path):
    p = put(tmp_path, "excel.csv", b'\xef\xbb\xbfid,party,text\r\n1,A,"x\r\ny"\r\n2,B,z\r\n')
    c = Corpus.read(p)
    assert c.columns["id"] == "id"  # the BOM is not part of the first column name
    assert c.text.tolist() == ["x\ny", "z"]
    assert c.locations == [f"{p} line 2", f"{p} line 4"]
    assert len(c.notes) == 2
    assert "byte-order mark" in c.notes[0] and "CRLF" in c.notes[1]
    with pytest.raises(CorpusError, match=r"excel\.csv: starts with a UTF-8 byte-order mark"):
        Corpus.read(p, strict=True)
    q = put(tmp_path, "crlf.txt", b"one\r\ntwo\r\n")
    assert Corpus.read(q).text.tolist() == ["one", "two"]
    with pytest.raises(CorpusError, match=r"crlf\.txt line 1: Windows \(CRLF\)"):
        Corpus.read(q, strict=True)


# -- bad records --------------------------------------------------------------------------------


def test_empty_text_error_or_drop(tmp_path):
    p = put(tmp_path, "s.csv", "party,text\nA,x\nB,\nA,   \nB,y\n")
    with pytest.raises(
        CorpusError, match=r"empty or missing text in 2 statements: .*s\.csv lines 3, 4"
    ):
        Corpus.read(p)
    c = Corpus.read(p, drop_empty=True)
    assert c.text.tolist() == ["x", "y"]
    assert c.locations == [f"{p} line 2", f"{p} line 5"]
    assert any("dropped 2 statements" in n for n in c.notes)
    t = put(tmp_path, "t.txt", "one\n\ntwo\n")
    with pytest.raises(CorpusError, match=r"t\.txt line 2"):
        Corpus.read(t)
    assert Corpus.read(t, drop_empty=True).id.tolist() == ["t:1", "t:3"]
    allempty = put(tmp_path, "e.csv", "party,text\nA,\n")
    with pytest.raises(CorpusError, match="no statements left"):
        Corpus.read(allempty, drop_empty=True)


def test_duplicate_ids_name_the_id_and_both_lines(tmp_path):
    p = put(tmp_path, "s.csv", "id,party,text\ns1,A,x\ns2,B,y\ns1,A,z\n")
    with pytest.raises(
        CorpusError, match=r"duplicate id 's1': .*s\.csv line 2 and .*s\.csv line 4"
    ):
        Corpus.read(p)
    a = put(tmp_path, "a.csv", "id,party,text\nk,A,x\n")
    b = put(tmp_path, "b.csv", "id,party,text\nk,B,y\n")
    with pytest.raises(CorpusError, match=r"duplicate id 'k': .*a\.csv line 2 and .*b\.csv line 2"):
        Corpus.read([a, b])
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    t1, t2 = put(tmp_path, "x/p.txt", "one\n"), put(tmp_path, "y/p.txt", "two\n")
    with pytest.raises(CorpusError, match=r"duplicate id 'p:1'.*same name"):
        Corpus.read([t1, t2])


def test_empty_files(tmp_path):
    for name, content in [
        ("e.csv", b""),
        ("w.txt", b"\n \n"),
        ("b.jsonl", b"\xef\xbb\xbf\n"),
        ("e.parquet", b""),
    ]:
        with pytest.raises(CorpusError, match=rf"{name.replace('.', r'[.]')}: the file is empty"):
            Corpus.read(put(tmp_path, name, content))
    header = put(tmp_path, "h.csv", "id,party,text\n")
    with pytest.raises(CorpusError, match=r"h\.csv: has a header \(line 1\) but no statements"):
        Corpus.read(header)


def test_malformed_csv(tmp_path):
    p = put(tmp_path, "q.csv", 'party,text\nA,"fine"\nB,"never closed\nC,z\n')
    with pytest.raises(
        CorpusError, match=r"q\.csv line 3: a quoted field starting here is never closed"
    ):
        Corpus.read(p)
    f = put(tmp_path, "f.csv", "party,text\nA,x\nB,y,extra\n")
    with pytest.raises(
        CorpusError, match=r"f\.csv line 3: 3 fields, but the header \(line 1\) has 2"
    ):
        Corpus.read(f)
    semi = put(tmp_path, "semi.csv", "party;text\nA;x\n")
    with pytest.raises(CorpusError, match="separated by another character"):
        Corpus.read(semi)


def test_require_groups(tmp_path):
    p = put(tmp_path, "s.csv", "party,text\nA,x\nA,y\n")
    c = Corpus.read(p)  # one group is fine to read (drift / scaling may use it)
    with pytest.raises(
        CorpusError, match=r"at least 2 groups, but the corpus has 1: 'A' \(group column 'party'\)"
    ):
        c.require_groups(2)
    assert c.require_groups(1) is c
    assert Corpus.example().require_groups(4).groups[0] == "Armenia"
    with pytest.raises(CorpusError, match="no statements"):
        c.filter(mask=np.zeros(2, dtype=bool)).require_groups()


# -- frames -------------------------------------------------------------------------------------


def test_from_frame_pandas_pyarrow_and_to_pandas_objects():
    df = pd.DataFrame(
        {
            "Party": ["A", "B", "B"],
            "Date": ["2020-01-01", "2020-01-02", "2020-01-03"],
            "TEXT": ["x", "y", "z"],
            "k": [1, 2, 3],
        },
        index=[10, 11, 12],
    )
    before = df.copy()
    c = Corpus.from_frame(df)
    pd.testing.assert_frame_equal(df, before)
    assert c.id.tolist() == ["10", "11", "12"]
    assert c.locations[0] == "data frame index 10"
    assert c.frame["k"].tolist() == [1, 2, 3]
    assert c.sources == []
    named = Corpus.from_frame(df.rename_axis("doc_id"))
    assert named.columns["id"] == "doc_id"
    import pyarrow as pa

    table = pa.Table.from_pandas(df.reset_index(drop=True))
    assert Corpus.from_frame(table).groups == ["A", "B"]

    class FakePolars:  # polars and others convert through to_pandas()
        def to_pandas(self):
            return df

    assert len(Corpus.from_frame(FakePolars())) == 3
    with pytest.raises(TypeError, match="DataFrame"):
        Corpus.from_frame({"text": ["x"]})
    with pytest.raises(CorpusError, match="has no rows"):
        Corpus.from_frame(df.iloc[:0])
    empty = df.assign(TEXT=["x", None, np.nan])
    with pytest.raises(CorpusError, match=r"data frame index 11, 12"):
        Corpus.from_frame(empty)
    with pytest.raises(TypeError, match="Corpus.read"):
        Corpus()


# -- filter -------------------------------------------------------------------------------------


def test_filter(tmp_path):
    c = Corpus.read(put(tmp_path, "s.csv", CSV))
    assert c.filter(groups="A").id.tolist() == ["a", "c"]
    assert c.filter(groups=["A", "B"]).id.tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match=r"unknown group 'Z'; the corpus has 'A', 'B'"):
        c.filter(groups=["Z"])
    assert c.filter(start=2021).id.tolist() == ["c"]
    assert c.filter(end=2020).id.tolist() == ["a", "b"]  # a year is the whole year
    assert c.filter(end="2020-03-02").id.tolist() == ["a", "b"]  # a date is the whole day
    assert c.filter(start="2020-03-02", end="2020-03-02").id.tolist() == ["b"]
    assert c.filter(end=pd.Timestamp("2020-03-01 23:59")).id.tolist() == ["a"]
    with pytest.raises(ValueError, match="start .* is after end"):
        c.filter(start=2021, end=2020)
    sub = c.filter(mask=c.frame["stance"] == "favour")
    assert sub.id.tolist() == ["a", "c"]
    assert sub.locations[1].endswith("line 5")
    assert sub.sources == c.sources and sub is not c
    with pytest.raises(ValueError, match="3 booleans"):
        c.filter(mask=[True, False])
    with pytest.raises(TypeError, match="booleans"):
        c.filter(mask=[1, 0, 1])
    untimed = Corpus.read(put(tmp_path, "u.txt", "x\ny\n"))
    with pytest.raises(ValueError, match="no times"):
        untimed.filter(start=2020)


# -- shared data --------------------------------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.skipif(
    not (SHARED_DATA / "ungd_caucasus.csv").is_file(), reason="shared/data not present"
)
def test_ungd_caucasus():
    c = Corpus.read(SHARED_DATA / "ungd_caucasus.csv", group_col="country", time_col="year")
    assert len(c) == 475
    assert c.groups == ["ARM", "AZE", "FRA", "GEO", "IRN", "RUS", "TUR", "USA"]
    assert c.time_resolution == "year"
    assert c.time.min() == pd.Timestamp("1946-01-01") and c.time.max() == pd.Timestamp("2024-01-01")
    assert "speaker" in c.extra_columns and c.frame["session"].dtype.kind == "i"
    assert c.id.is_unique and c.id.iloc[0] == "ungd_caucasus:2"
    assert (
        c.sources[0]["sha256"] == "f54052a5b96dd8a86fab37cddd8162488785a62625d9f94afe49d190f17cd120"
    )
    assert len(c.filter(groups=["ARM", "AZE"], start=1992, end=2000).require_groups()) > 0


def test_damaged_gzip_stream_is_a_corpus_error(tmp_path):
    # Found by tests/fuzz/fuzz_readers.py: a damaged deflate stream raised zlib.error.
    import gzip

    good = gzip.compress(b"id,party,text\n1,A,peace talks\n", mtime=0)
    bad = good[:10] + bytes(b ^ 0xFF for b in good[10:20]) + good[20:]
    path = tmp_path / "in.csv.gz"
    path.write_bytes(bad)
    with pytest.raises(CorpusError, match="in.csv.gz"):
        Corpus.read(path)


def test_parquet_column_name_not_utf8_is_a_corpus_error(tmp_path):
    # Found by tests/fuzz/fuzz_readers.py: a column name that is not valid UTF-8 raised
    # UnicodeDecodeError from pyarrow's conversion, outside the reader's error handling.
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"text": ["peace talks"], "party": ["A"]})
    path = tmp_path / "in.parquet"
    pq.write_table(table, path)
    data = path.read_bytes().replace(b"party", b"p\xffrty")
    path.write_bytes(data)
    with pytest.raises(CorpusError, match="in.parquet"):
        Corpus.read(path)


def test_parquet_string_value_not_utf8_is_a_corpus_error(tmp_path):
    # Found by tests/fuzz/fuzz_readers.py: a string value that is not valid UTF-8 raised
    # UnicodeDecodeError when the texts were read.
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"text": ["peace talks zz"], "party": ["A"]})
    path = tmp_path / "in.parquet"
    pq.write_table(table, path, compression="NONE")
    data = path.read_bytes().replace(b"peace talks zz", b"peace talks \xff\xfe")
    path.write_bytes(data)
    with pytest.raises(CorpusError, match="in.parquet"):
        Corpus.read(path)
