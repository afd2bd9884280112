"""Issue 16 (11) and issue 12 (8), the small ones: a target that cannot be written is named
(not its temporary); a text column of numbers is refused naming the file; times with different
UTC offsets get a note; ``Corpus(df)`` says to use ``from_frame``; README documents exit 4."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import divergence
from divergence import Corpus, CorpusError
from divergence._util import timeutil
from divergence.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def _invoke(args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# -- a read-only target -------------------------------------------------------------------------


def test_a_target_that_cannot_be_written_is_named_not_its_temporary(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    real_open = os.open

    def refuse(path, flags, *args, **kw):  # a read-only folder, even for root
        if Path(path).parent == folder and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", refuse)
    res = _invoke(["terms", "--example", "--format", "csv", "-o", folder / "t.csv"])
    assert res.exit_code == 1, res.output
    assert f"error: Permission denied: {folder / 't.csv'}" in res.stderr
    assert ".part" not in res.stderr
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes read-only folders"
)
def test_a_read_only_folder_is_named(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        res = _invoke(["terms", "--example", "--format", "csv", "-o", folder / "t.csv"])
    finally:
        folder.chmod(0o755)
    assert res.exit_code == 1 and str(folder / "t.csv") in res.stderr
    assert ".part" not in res.stderr


# -- numbers taken for the statements -----------------------------------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_a_text_column_of_numbers_is_refused_naming_the_file(tmp_path, suffix):
    df = pd.DataFrame({"party": ["A", "A", "B", "B"], "text": [1, 2, 3.5, None]})
    path = tmp_path / f"num{suffix}"
    if suffix == ".parquet":
        df.to_parquet(path)
    elif suffix == ".csv":
        df.to_csv(path, index=False)
    else:
        df.to_json(path, orient="records", lines=True)
    with pytest.raises(CorpusError, match=rf"^{path}: the text column 'text' holds only numbers"):
        Corpus.read(path, drop_empty=True)
    res = _invoke(["terms", path, "--drop-empty"])
    assert res.exit_code == 3 and f"error: {path}: the text column 'text'" in res.stderr
    assert "--text-col" in res.stderr and "empty vocabulary" not in res.stderr


def test_some_numbers_among_words_are_statements(tmp_path):
    df = pd.DataFrame({"party": ["A", "B"], "text": ["1999", "peace talks"]})
    assert len(Corpus.from_frame(df)) == 2


# -- mixed UTC offsets --------------------------------------------------------------------------


def test_mixed_utc_offsets_get_one_note(tmp_path):
    path = tmp_path / "tz.csv"
    path.write_text(
        "id,party,date,text\n1,A,2020-01-01T10:00+04:00,peace talks\n"
        "2,B,2020-01-01T10:00Z,war talk\n3,A,2020-01-02T10:00+04:00,peace now\n"
        "4,B,2020-01-02 10:00:00+0400,war now\n"
    )
    c = Corpus.read(path)
    notes = [n for n in c.notes if "UTC offsets" in n]
    assert len(notes) == 1 and notes[0].startswith(f"{path}: ")
    assert "(+00:00, +04:00)" in notes[0] and "local wall time" in notes[0]
    assert c.frame["time"].iloc[0] == c.frame["time"].iloc[1]  # the rule itself is unchanged
    res = _invoke(["terms", path, "--stop-words", "none"])
    assert res.exit_code == 0 and res.stderr.count("UTC offsets") == 1


def test_one_offset_or_none_gets_no_note(tmp_path):
    path = tmp_path / "tz.csv"
    path.write_text(
        "id,party,date,text\n1,A,2020-01-01T10:00+04:00,peace talks\n"
        "2,B,2020-01-01T11:00+04:00,war talk\n3,A,2020-01-02,peace now\n"
    )
    assert not [n for n in Corpus.read(path).notes if "UTC offsets" in n]


def test_utc_offsets():
    assert timeutil.utc_offsets(["2020-01-01T10:00Z", "2020-01-01 10:00:30.5-0530", "1992"]) == [
        "+00:00",
        "-05:30",
    ]
    assert timeutil.utc_offsets(["2020-01-01", "2020-01-02", None]) == []
    aware = pd.Series(pd.to_datetime(["2020-01-01 10:00"]).tz_localize("Asia/Baku"))
    assert timeutil.utc_offsets(aware) == ["+04:00"]


# -- Corpus(df) and the README ------------------------------------------------------------------


def test_calling_corpus_says_to_use_from_frame():
    df = pd.DataFrame({"party": ["A"], "text": ["x"]})
    with pytest.raises(TypeError, match=r"got a DataFrame\); use Corpus.from_frame\(df"):
        Corpus(df, text_col="text")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="Corpus.read"):
        Corpus()


def test_help_documents_exit_code_4():
    res = _invoke(["--help"])
    assert res.exit_code == 0 and "4 out of memory" in " ".join(res.output.split())


def test_readme_documents_exit_code_4_and_starts_use_with_the_example():
    text = README.read_text(encoding="utf-8")
    assert "4 out of memory" in text
    use = text.split("## Use", 1)[1]
    assert (
        use.split("```")[1].strip().splitlines()[0].startswith("divergence example --write mydata/")
    )
    assert "Corpus.from_frame(" in use and "--stop-words none" in use
    assert divergence.__version__
