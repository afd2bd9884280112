"""Statements read from files or data frames: text, group, time, id, and any other columns.

A :class:`Corpus` holds one row per statement in :attr:`Corpus.frame`, with the columns

==========  =====================================================================================
``id``      str; from the id column, or ``"<file stem>:<line>"`` when there is none
``group``   str; the party / speaker / country the statement belongs to
``time``    datetime64 (a Timestamp per row, NaT when unknown or when there is no time column)
``text``    str; the statement itself
(others)    every other input column, kept as it is (e.g. ``speaker``, ``stance``, ``target``)
==========  =====================================================================================

Reading (:meth:`Corpus.read`) takes CSV, TSV, JSON Lines, Parquet and plain text (one statement
per line; the group is ``group=`` or else the file's stem), several files at once, ``-`` for
standard input (with ``input_format=``), and ``.gz``-compressed files. Column names are found
case-insensitively among common names unless given:

- text: ``text``, ``statement``
- group: ``party``, ``group``, ``speaker``, ``country``
- time: ``date``, ``time``, ``year`` (optional; ``time_col=False`` ignores any time column)
- id: ``id``, ``doc_id`` (optional)

Times are ISO dates (``2022-09-08``, optionally with a time of day; a UTC offset is dropped,
keeping the local time) or years (``1992``, read as 1 January 1992);
:attr:`Corpus.time_resolution` remembers which (``"year"`` or ``"date"``). A statement with an
empty time gets NaT (noted in :attr:`Corpus.notes`; :meth:`Corpus.require_time` refuses it).

Bad data raises :class:`CorpusError` (a ValueError; the CLI exits with code 3) with a message
naming the file and line: invalid UTF-8 (or replace it with ``encoding_errors="replace"``), NUL
bytes, empty text (or drop it with ``drop_empty=True``), missing groups or ids, duplicate ids,
unparsable dates, malformed CSV, empty files. A UTF-8 byte-order mark and Windows (CRLF) line
endings are accepted and noted in :attr:`Corpus.notes` (``strict=True`` refuses them). Line
numbers are physical lines of the file where a record starts (CSV fields may hold newlines).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from ._output import example_path, sha256_bytes
from ._util import timeutil
from ._util.groups import label_codes

__all__ = [
    "Corpus",
    "CorpusError",
    "DEFAULT_COLUMNS",
    "INPUT_FORMATS",
]

INPUT_FORMATS: Tuple[str, ...] = ("csv", "tsv", "jsonl", "parquet", "text")
_FORMAT_ALIASES = {"txt": "text", "ndjson": "jsonl", "pq": "parquet", "tab": "tsv"}
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "text",
    ".text": "text",
}

#: Column names looked for (case-insensitively, in this order) when none is given.
DEFAULT_COLUMNS: Dict[str, Tuple[str, ...]] = {
    "text": ("text", "statement"),
    "group": ("party", "group", "speaker", "country"),
    "time": ("date", "time", "year"),
    "id": ("id", "doc_id"),
}
_CANONICAL = ("id", "group", "time", "text")
_CLI_FLAG = {"text": "--text-col", "group": "--group-col", "time": "--time-col", "id": "--id-col"}

_BOM = b"\xef\xbb\xbf"
_SHOW = 5  # locations listed in a message before "and N more"

PathArg = Union[str, "os.PathLike[str]"]


class CorpusError(ValueError):
    """Invalid input data: the message names the file and line. The CLI exits with code 3."""


# --------------------------------------------------------------------------------------------
# Where a statement came from


@dataclass(frozen=True)
class _Origin:
    label: str  # file path as given, "<stdin>", or the frame's name
    unit: str  # "line" (text formats), "row" (Parquet, 1-based), "index" (data frames)
    index: Optional[pd.Index] = None  # frame index labels by position

    def at(self, pos: int) -> str:
        return f"{self.label} {self.unit} {self._num(pos)}"

    def _num(self, pos: int) -> str:
        if self.index is None:
            return str(pos)
        label = self.index[pos]
        return str(label) if isinstance(label, (int, np.integer)) else repr(label)

    def many(self, positions: Sequence[int]) -> str:
        unit = self.unit if len(positions) == 1 else {"line": "lines", "row": "rows", "index": "index"}[self.unit]
        return f"{self.label} {unit} {', '.join(self._num(p) for p in positions)}"


def _where_many(origins: Sequence[_Origin], src: np.ndarray, pos: np.ndarray, limit: int = _SHOW) -> str:
    """'a.csv lines 3, 7; b.txt line 2 and 4 more' for the first ``limit`` of the given rows."""
    pieces: List[str] = []
    shown_src = src[:limit]
    shown_pos = pos[:limit]
    start = 0
    for k in range(1, len(shown_src) + 1):
        if k == len(shown_src) or shown_src[k] != shown_src[start]:
            pieces.append(origins[int(shown_src[start])].many([int(p) for p in shown_pos[start:k]]))
            start = k
    text = "; ".join(pieces)
    if len(src) > limit:
        text += f" and {len(src) - limit} more"
    return text


def _list_columns(columns: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(repr(c) for c in columns[:limit])
    if len(columns) > limit:
        shown += f" and {len(columns) - limit} more"
    return shown or "(none)"


# --------------------------------------------------------------------------------------------
# Options and intermediate tables


@dataclass
class _Options:
    text_col: Optional[str] = None
    group_col: Optional[str] = None
    time_col: Union[str, bool, None] = None
    id_col: Optional[str] = None
    group: Optional[str] = None
    encoding_errors: str = "strict"
    drop_empty: bool = False
    strict: bool = False


@dataclass
class _Raw:
    """One input parsed into columns, before the canonical columns are picked."""

    origin: _Origin
    fmt: str
    stem: str
    columns: List[str]
    values: Dict[str, Any]  # column -> list / tuple / Series, one value per record
    pos: np.ndarray  # line (or row / position) of each record
    blank_missing: bool = False  # CSV/TSV: an empty field is a missing value


@dataclass
class _Part:
    src: np.ndarray
    pos: np.ndarray
    ids: np.ndarray
    groups: np.ndarray
    texts: np.ndarray
    times: np.ndarray
    resolution: Optional[str]
    has_time: bool
    generated_ids: bool
    extras: Dict[str, pd.Series] = field(default_factory=dict)
    columns: Dict[str, Optional[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Bytes to text


_decode_errors = threading.local()
_csv_lock = threading.Lock()


def _record_decode_error(exc: UnicodeError) -> Tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    _decode_errors.starts.append(exc.start)
    return "\ufffd", exc.end


codecs.register_error("divergence.corpus.record", _record_decode_error)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _format_hint(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return " (the file looks like UTF-16: save it as UTF-8)"
    if data.startswith(b"PAR1"):
        return " (the file looks like Parquet: pass input_format='parquet')"
    if data.startswith(b"PK\x03\x04"):
        return " (the file looks like a ZIP archive or an Excel workbook: export it as CSV)"
    return ""


def _decode(data: bytes, label: str, opts: _Options, notes: List[str]) -> str:
    """UTF-8 text of a text-format input, BOM removed and CRLF normalised (with notes)."""
    body = data[len(_BOM):] if data.startswith(_BOM) else data
    if not body.strip():
        raise CorpusError(f"{label}: the file is empty")
    if data.startswith(_BOM):
        if opts.strict:
            raise CorpusError(
                f"{label}: starts with a UTF-8 byte-order mark (BOM); strict mode refuses it "
                "(save the file as UTF-8 without BOM, or read without strict)"
            )
        data = data[len(_BOM):]
        notes.append(f"{label}: removed a UTF-8 byte-order mark (BOM) at the start of the file")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise CorpusError(f"{label} line {_line_of(data, nul)}: contains a NUL byte{_format_hint(data)}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = _line_of(data, e.start)
        if opts.encoding_errors == "strict":
            raise CorpusError(
                f"{label} line {line}: invalid UTF-8 (byte 0x{data[e.start]:02X}){_format_hint(data)}; "
                "the file must be UTF-8: re-save it as UTF-8, or pass encoding_errors='replace' "
                "(CLI --encoding-errors replace) to replace invalid bytes with U+FFFD"
            ) from None
        _decode_errors.starts = []
        try:
            text = data.decode("utf-8", "divergence.corpus.record")
            starts = list(_decode_errors.starts)
        finally:
            _decode_errors.starts = []
        lines = sorted({_line_of(data, s) for s in starts})
        shown = ", ".join(str(n) for n in lines[:_SHOW]) + (f" and {len(lines) - _SHOW} more" if len(lines) > _SHOW else "")
        notes.append(
            f"{label}: replaced {len(starts)} invalid UTF-8 sequence{'s' if len(starts) != 1 else ''} "
            f"with U+FFFD on line{'s' if len(lines) != 1 else ''} {shown}"
        )
    if "\r\n" in text:
        if opts.strict:
            line = text.count("\n", 0, text.index("\r\n")) + 1
            raise CorpusError(
                f"{label} line {line}: Windows (CRLF) line endings; strict mode refuses them "
                "(convert the file to LF line endings, or read without strict)"
            )
        text = text.replace("\r\n", "\n")
        notes.append(f"{label}: converted Windows (CRLF) line endings to LF")
    return text


# --------------------------------------------------------------------------------------------
# Readers: bytes -> _Raw


def _header_names(names: Sequence[Any], label: str) -> List[str]:
    out = []
    for i, name in enumerate(names):
        s = str(name).strip()
        out.append(s if s else f"Unnamed: {i}")
    seen: Dict[str, int] = {}
    dups = []
    for s in out:
        seen[s] = seen.get(s, 0) + 1
        if seen[s] == 2:
            dups.append(s)
    if dups:
        raise CorpusError(f"{label}: duplicate column names {', '.join(repr(d) for d in dups)}; rename them")
    return out


def _read_delimited(text: str, origin: _Origin, fmt: str, stem: str) -> _Raw:
    label = origin.label
    delimiter = "\t" if fmt == "tsv" else ","
    _csv_lock.acquire()  # field_size_limit is global to the csv module
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 2**31 - 1))
    header: Optional[List[str]] = None
    header_line = 0
    rows: List[List[str]] = []
    lines: List[int] = []
    prev = 0
    start = 1
    try:
        reader = csv.reader(io.StringIO(text, newline="\n"), delimiter=delimiter, strict=True)
        for rec in reader:
            start = prev + 1
            prev = reader.line_num
            if not rec or (len(rec) == 1 and not rec[0].strip() and header is not None and len(header) > 1):
                continue  # blank line
            if header is None:
                header = _header_names(rec, label)
                header_line = start
                continue
            if len(rec) != len(header):
                hint = ""
                if len(header) == 1 and (";" in header[0] or "\t" in header[0] or "," in header[0]):
                    hint = " (is the file separated by another character? only commas (csv) and tabs (tsv) are read)"
                raise CorpusError(
                    f"{label} line {start}: {len(rec)} field{'s' if len(rec) != 1 else ''}, but the "
                    f"header (line {header_line}) has {len(header)}{hint}"
                )
            rows.append(rec)
            lines.append(start)
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise CorpusError(
                f"{label} line {prev + 1}: a quoted field starting here is never closed (unbalanced \")"
            ) from None
        raise CorpusError(f"{label} line {reader.line_num}: malformed {fmt.upper()} ({e})") from None
    finally:
        csv.field_size_limit(old_limit)
        _csv_lock.release()
    if header is None:
        raise CorpusError(f"{label}: the file is empty")
    if not rows:
        raise CorpusError(f"{label}: has a header (line {header_line}) but no statements")
    columns = list(zip(*rows))
    values = {name: columns[j] for j, name in enumerate(header)}
    return _Raw(origin, fmt, stem, header, values, np.asarray(lines, dtype=np.int64), blank_missing=True)


def _read_jsonl(text: str, origin: _Origin, stem: str) -> _Raw:
    label = origin.label
    records: List[Dict[str, Any]] = []
    lines: List[int] = []
    names: Dict[str, None] = {}
    for i, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            hint = " (JSON Lines needs one object per line, not a JSON array)" if not records and line.lstrip().startswith("[") else ""
            raise CorpusError(f"{label} line {i}: invalid JSON ({e.msg} at column {e.colno}){hint}") from None
        if not isinstance(obj, dict):
            raise CorpusError(f"{label} line {i}: expected a JSON object {{...}}, got {type(obj).__name__}")
        for k in obj:
            names.setdefault(k, None)
        records.append(obj)
        lines.append(i)
    if not records:
        raise CorpusError(f"{label}: the file is empty")
    header = _header_names(list(names), label)
    values = {h: [r.get(k) for r in records] for h, k in zip(header, names)}
    return _Raw(origin, "jsonl", stem, header, values, np.asarray(lines, dtype=np.int64))


def _read_text(text: str, origin: _Origin, stem: str) -> _Raw:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return _Raw(origin, "text", stem, ["text"], {"text": lines}, np.arange(1, len(lines) + 1, dtype=np.int64))


def _frame_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A named index becomes a column (a frame saved with set_index('id') keeps its ids)."""
    idx = df.index
    names = [n for n in idx.names if n is not None]
    if names and not any(str(n) in {str(c) for c in df.columns} for n in names):
        df = df.reset_index()
    return df


def _raw_from_frame(df: pd.DataFrame, origin: _Origin, fmt: str, stem: str, pos: np.ndarray) -> _Raw:
    header = _header_names(list(df.columns), origin.label)
    values = {h: df.iloc[:, j].reset_index(drop=True) for j, h in enumerate(header)}
    return _Raw(origin, fmt, stem, header, values, pos)


def _read_parquet(data: bytes, origin: _Origin, stem: str) -> _Raw:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not data:
        raise CorpusError(f"{origin.label}: the file is empty")
    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise CorpusError(f"{origin.label}: cannot read it as Parquet ({e})") from None
    df = _frame_columns(table.to_pandas())
    if len(df) == 0:
        raise CorpusError(f"{origin.label}: has no rows")
    return _raw_from_frame(df, origin, "parquet", stem, np.arange(1, len(df) + 1, dtype=np.int64))


# --------------------------------------------------------------------------------------------
# Columns and values


def _find_column(raw: _Raw, role: str, wanted: Optional[str], required: bool) -> Optional[str]:
    columns = raw.columns
    label = raw.origin.label
    option = f"{role}_col"
    if wanted is not None:
        if not isinstance(wanted, str):
            raise TypeError(f"{option}: expected a column name (str), got {type(wanted).__name__}")
        if wanted in columns:
            return wanted
        matches = [c for c in columns if c.lower() == wanted.strip().lower()]
        if len(matches) == 1:
            return matches[0]
        raise CorpusError(f"{label}: no {role} column {wanted!r} ({option}); columns present: {_list_columns(columns)}")
    lowered = [c.lower() for c in columns]
    for cand in DEFAULT_COLUMNS[role]:
        matches = [c for c, low in zip(columns, lowered) if low == cand]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            if cand in matches:
                return cand
            raise CorpusError(
                f"{label}: several columns could be the {role} column ({', '.join(repr(m) for m in matches)}); "
                f"pass {option}= (CLI {_CLI_FLAG[role]})"
            )
    if not required:
        return None
    hint = ""
    if len(columns) == 1 and any(ch in columns[0] for ch in ";\t,|"):
        hint = (
            " (the header is a single column: is the file separated by another character? only commas "
            "(csv) and tabs (tsv) are read)"
        )
    raise CorpusError(
        f"{label}: no {role} column found (looked for {', '.join(DEFAULT_COLUMNS[role])}); columns present: "
        f"{_list_columns(columns)}; pass {option}= (CLI {_CLI_FLAG[role]}){hint}"
    )


def _as_strings(raw: _Raw, col: str, what: str, strip: bool, opts: _Options) -> np.ndarray:
    """Object array of str (None where missing); NUL characters are an error."""
    values = raw.values[col]
    out = np.empty(len(raw.pos), dtype=object)
    for i, v in enumerate(values):
        if v is None:
            s = None
        elif isinstance(v, str):
            s = v
        elif isinstance(v, (bool, np.bool_)):
            s = str(bool(v))
        elif isinstance(v, (int, np.integer)):
            s = str(int(v))
        elif isinstance(v, (float, np.floating)):
            if np.isnan(v):
                s = None
            else:
                s = str(int(v)) if float(v).is_integer() else repr(float(v))
        elif isinstance(v, (bytes, bytearray)):
            try:
                s = bytes(v).decode("utf-8", errors=opts.encoding_errors)
            except UnicodeDecodeError:
                raise CorpusError(
                    f"{raw.origin.at(int(raw.pos[i]))}: invalid UTF-8 in the {what} column {col!r}"
                ) from None
        elif v is pd.NA or v is pd.NaT:
            s = None
        elif isinstance(v, (dict, list, tuple, set, np.ndarray)):
            raise CorpusError(
                f"{raw.origin.at(int(raw.pos[i]))}: the {what} column {col!r} holds a "
                f"{type(v).__name__}, not a string"
            )
        else:
            s = str(v)
        if s is not None:
            if "\x00" in s:
                raise CorpusError(f"{raw.origin.at(int(raw.pos[i]))}: contains a NUL character (in column {col!r})")
            if strip:
                s = s.strip()
        out[i] = s
    return out


def _parse_times(raw: _Raw, col: str, notes: List[str]) -> Tuple[np.ndarray, Optional[str]]:
    """The time column read by the package's one time rule (``_util.timeutil``), with errors
    naming the file and line, and notes for missing times and for years mixed with dates."""
    values = raw.values[col]
    label = raw.origin.label
    parsed = timeutil.parse_times(values)
    i = parsed.first_problem()
    if i is not None:
        v = timeutil.item_at(values, i)
        where = raw.origin.at(int(raw.pos[i]))
        if parsed.kinds[i] == timeutil.OUT_OF_RANGE:
            raise CorpusError(
                f"{where}: time {v!r} in column {col!r} is outside the supported range "
                f"(years {timeutil.MIN_YEAR} to {timeutil.MAX_YEAR}); pass time_col= (CLI --time-col) to choose "
                "another column, or time_col=False to read no time"
            )
        raise CorpusError(
            f"{where}: cannot parse {v!r} in the time column {col!r} as a date (expected an ISO "
            "date like 2022-09-08, or a year like 1992); pass time_col= (CLI --time-col) to "
            "choose another column, or time_col=False to read no time"
        )
    missing = np.flatnonzero(parsed.kinds == timeutil.MISSING)
    if len(missing):
        notes.append(
            f"{label}: {len(missing)} statement{'s have' if len(missing) != 1 else ' has'} no time in column "
            f"{col!r} (left as NaT): {_where_many([raw.origin], np.zeros(len(missing), dtype=np.int64), raw.pos[missing])}"
        )
    resolution = parsed.resolution
    if resolution == "date" and bool(np.any(parsed.kinds == timeutil.YEAR)):
        notes.append(f"{label}: the time column {col!r} mixes years and dates; years are read as 1 January")
    return parsed.values, resolution


def _extra_series(raw: _Raw, col: str) -> pd.Series:
    values = raw.values[col]
    if isinstance(values, pd.Series):
        return values
    arr = np.empty(len(raw.pos), dtype=object)
    arr[:] = list(values)
    if raw.blank_missing:
        arr[arr == ""] = None
        s = pd.Series(arr, dtype=object)
        try:
            return pd.to_numeric(s)
        except (ValueError, TypeError):
            return s
    return pd.Series(arr, dtype=object).infer_objects()


def _assemble(raw: _Raw, src_index: int, opts: _Options, notes: List[str], group: Optional[str]) -> _Part:
    n = len(raw.pos)
    label = raw.origin.label
    if raw.fmt == "text":
        text_col: Optional[str] = "text"
        group_col = id_col = time_col = None
    else:
        text_col = _find_column(raw, "text", opts.text_col, required=True)
        group_col = None if group is not None else _find_column(raw, "group", opts.group_col, required=True)
        time_col = None if opts.time_col is False else _find_column(
            raw, "time", opts.time_col if isinstance(opts.time_col, str) else None, required=False
        )
        id_col = _find_column(raw, "id", opts.id_col, required=False)
    used = {"id": id_col, "group": group_col, "time": time_col, "text": text_col}
    chosen = [c for c in used.values() if c is not None]
    if len(set(chosen)) != len(chosen):
        roles = ", ".join(f"{r}={c!r}" for r, c in used.items() if c is not None)
        raise CorpusError(f"{label}: the same column is used for two roles ({roles}); choose distinct columns")
    assert text_col is not None
    texts = _as_strings(raw, text_col, "text", strip=False, opts=opts)
    if group_col is not None:
        groups = _as_strings(raw, group_col, "group", strip=True, opts=opts)
        groups[groups == ""] = None
    else:
        const = group if group is not None else raw.stem
        groups = np.full(n, const, dtype=object)
    if id_col is not None:
        ids = _as_strings(raw, id_col, "id", strip=True, opts=opts)
        ids[ids == ""] = None
    elif raw.fmt == "frame":
        assert raw.origin.index is not None
        ids = np.array([str(raw.origin.index[int(p)]) for p in raw.pos], dtype=object)
    else:
        ids = np.array([f"{raw.stem}:{int(p)}" for p in raw.pos], dtype=object)
    if time_col is not None:
        times, resolution = _parse_times(raw, time_col, notes)
    else:
        times, resolution = np.full(n, np.datetime64("NaT", "ns")), None
    extras: Dict[str, pd.Series] = {}
    for c in raw.columns:
        if c in chosen:
            continue
        name = c
        if name in _CANONICAL or name in extras:
            name = f"{c}_orig"
            notes.append(f"{label}: the extra column {c!r} is kept as {name!r} (the name {c!r} is taken)")
        extras[name] = _extra_series(raw, c)
    return _Part(
        src=np.full(n, src_index, dtype=np.int64),
        pos=raw.pos,
        ids=ids,
        groups=groups,
        texts=texts,
        times=times,
        resolution=resolution,
        has_time=time_col is not None,
        generated_ids=id_col is None,
        extras=extras,
        columns=used,
    )


# --------------------------------------------------------------------------------------------
# Inputs


def _input_format(name: str, data: bytes, input_format: Optional[str], is_stdin: bool) -> str:
    if input_format is not None:
        if not isinstance(input_format, str):
            raise TypeError(f"input_format: expected a string or None, got {type(input_format).__name__}")
        key = input_format.strip().lower()
        key = _FORMAT_ALIASES.get(key, key)
        if key not in INPUT_FORMATS:
            raise ValueError(f"input_format: unknown format {input_format!r}; choose one of {', '.join(INPUT_FORMATS)}")
        return key
    if is_stdin:
        raise ValueError(
            f"input_format: reading standard input ('-') needs input_format= (CLI --input-format), "
            f"one of {', '.join(INPUT_FORMATS)}"
        )
    suffix = Path(name).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if data.startswith(b"PAR1"):
        return "parquet"
    raise CorpusError(
        f"{name}: cannot tell the format from the extension {suffix or '(none)'!r}; pass input_format= "
        f"(CLI --input-format), one of {', '.join(INPUT_FORMATS)}"
    )


def _load(path: PathArg) -> Tuple[str, bytes, bool]:
    """(label, bytes, is_stdin)."""
    if os.fspath(path) == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            if sys.stdin is None:
                raise CorpusError("<stdin>: standard input is not available")
            return "<stdin>", sys.stdin.read().encode("utf-8"), True
        return "<stdin>", stream.read(), True
    label = os.fspath(path)
    p = Path(path)
    if p.is_dir():
        raise CorpusError(f"{label}: is a folder; pass the files in it (e.g. {label}/*.csv)")
    try:
        return label, p.read_bytes(), False
    except FileNotFoundError:
        raise CorpusError(f"{label}: no such file") from None
    except OSError as e:
        raise CorpusError(f"{label}: cannot read it ({e.strerror or e})") from None


def _read_source(
    path: PathArg, opts: _Options, input_format: Optional[str], notes: List[str]
) -> Tuple[_Raw, Dict[str, Any]]:
    label, data, is_stdin = _load(path)
    digest = sha256_bytes(data)
    name = label
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise CorpusError(f"{label}: cannot decompress gzip data ({e})") from None
        if name.lower().endswith(".gz"):
            name = name[:-3]
    elif name.lower().endswith(".gz"):
        name = name[:-3]
    fmt = _input_format(name, data, input_format, is_stdin)
    stem = "stdin" if is_stdin else Path(name).stem
    if fmt == "parquet":
        raw = _read_parquet(data, _Origin(label, "row"), stem)
    else:
        text = _decode(data, label, opts, notes)
        origin = _Origin(label, "line")
        if fmt in ("csv", "tsv"):
            raw = _read_delimited(text, origin, fmt, stem)
        elif fmt == "jsonl":
            raw = _read_jsonl(text, origin, stem)
        else:
            raw = _read_text(text, origin, stem)
    source = {"path": "-" if is_stdin else label, "sha256": digest, "format": fmt, "rows": int(len(raw.pos))}
    return raw, source


def check_options(opts: _Options) -> None:
    if opts.encoding_errors not in ("strict", "replace"):
        raise ValueError(f"encoding_errors: must be 'strict' or 'replace', got {opts.encoding_errors!r}")
    for name in ("text_col", "group_col", "id_col"):
        v = getattr(opts, name)
        if v is not None and not isinstance(v, str):
            raise TypeError(f"{name}: expected a column name (str) or None, got {type(v).__name__}")
    if opts.time_col is True or not (opts.time_col is None or opts.time_col is False or isinstance(opts.time_col, str)):
        raise TypeError("time_col: expected a column name (str), None (find one) or False (no time)")
    if opts.group is not None and opts.group_col is not None:
        raise ValueError("group: give either group= (one group for every statement) or group_col=, not both")


def _combine(
    parts: List[_Part],
    origins: List[_Origin],
    opts: _Options,
    notes: List[str],
    sources: List[Dict[str, Any]],
) -> "Corpus":
    src = np.concatenate([p.src for p in parts])
    pos = np.concatenate([p.pos for p in parts])
    ids = np.concatenate([p.ids for p in parts])
    groups = np.concatenate([p.groups for p in parts])
    texts = np.concatenate([p.texts for p in parts])
    times = np.concatenate([p.times for p in parts])

    # Empty text: error, or drop with a note.
    empty = np.fromiter((t is None or not t.strip() for t in texts), dtype=bool, count=len(texts))
    if empty.any():
        where = _where_many(origins, src[empty], pos[empty])
        k = int(empty.sum())
        if not opts.drop_empty:
            raise CorpusError(
                f"empty or missing text in {k} statement{'s' if k != 1 else ''}: {where}; pass "
                "drop_empty=True (CLI --drop-empty) to drop them"
            )
        notes.append(f"dropped {k} statement{'s' if k != 1 else ''} with empty or missing text: {where}")
        if k == len(texts):
            raise CorpusError(f"no statements left: all {k} have empty text")
    keep = ~empty

    missing_group = np.fromiter((g is None for g in groups), dtype=bool, count=len(groups)) & keep
    if missing_group.any():
        k = int(missing_group.sum())
        cols = sorted({str(parts_col) for p in parts if (parts_col := p.columns.get("group"))})
        raise CorpusError(
            f"missing group ({', '.join(repr(c) for c in cols)}) in {k} statement{'s' if k != 1 else ''}: "
            f"{_where_many(origins, src[missing_group], pos[missing_group])}"
        )
    missing_id = np.fromiter((i is None for i in ids), dtype=bool, count=len(ids)) & keep
    if missing_id.any():
        k = int(missing_id.sum())
        raise CorpusError(
            f"missing id in {k} statement{'s' if k != 1 else ''}: "
            f"{_where_many(origins, src[missing_id], pos[missing_id])}"
        )

    sel = np.flatnonzero(keep)
    src, pos, ids, groups, texts, times = src[sel], pos[sel], ids[sel], groups[sel], texts[sel], times[sel]

    first_seen: Dict[str, int] = {}
    dup_first: Optional[Tuple[int, int]] = None
    n_dups = 0
    for k, ident in enumerate(ids):
        j = first_seen.setdefault(ident, k)
        if j != k:
            n_dups += 1
            if dup_first is None:
                dup_first = (j, k)
    if dup_first is not None:
        j, k = dup_first
        more = f" ({n_dups - 1} more duplicate{'s' if n_dups > 2 else ''})" if n_dups > 1 else ""
        hint = ""
        if any(p.generated_ids for p in parts):
            hint = (
                "; ids without an id column are '<file stem>:<line>', so files with the same name in "
                "different folders collide: rename them or pass id_col="
            )
        raise CorpusError(
            f"duplicate id {ids[k]!r}: {origins[int(src[j])].at(int(pos[j]))} and "
            f"{origins[int(src[k])].at(int(pos[k]))}{more}{hint}"
        )

    resolutions = {p.resolution for p in parts if p.resolution is not None}
    resolution = "date" if "date" in resolutions else ("year" if resolutions else None)
    if resolutions == {"year", "date"}:
        notes.append("some files give years and others dates; years are read as 1 January")
    if any(p.has_time for p in parts):
        for p in parts:
            if not p.has_time:
                label = origins[int(p.src[0])].label
                notes.append(f"{label}: has no time column; its statements have no time (NaT)")

    frame = pd.DataFrame(
        {
            "id": pd.Series(ids, dtype=object),
            "group": pd.Series(groups, dtype=object),
            "time": pd.Series(times.astype("datetime64[ns]")),
            "text": pd.Series(texts, dtype=object),
        }
    )
    names: List[str] = []
    for p in parts:
        for name in p.extras:
            if name not in names:
                names.append(name)
    extra_cols: Dict[str, pd.Series] = {}
    for name in names:
        if len(parts) == 1:
            s = parts[0].extras[name].reset_index(drop=True)
        else:
            arrays = []
            for p in parts:
                if name in p.extras:
                    arrays.append(p.extras[name].to_numpy(dtype=object))
                else:
                    arrays.append(np.full(len(p.pos), None, dtype=object))
            s = pd.Series(np.concatenate(arrays), dtype=object).infer_objects()
        extra_cols[name] = s.iloc[sel].reset_index(drop=True)
    if extra_cols:
        frame = pd.concat([frame, pd.DataFrame(extra_cols)], axis=1)
    columns = dict(parts[0].columns)
    return Corpus._make(frame, resolution, notes, sources, origins, src, pos, columns)


# --------------------------------------------------------------------------------------------
# The corpus


class Corpus:
    """Statements with their group, time and id; see the module docstring.

    Make one with :meth:`read`, :meth:`from_frame` or :meth:`example`. Attributes:

    - ``frame``: the statements as a DataFrame (columns id, group, time, text, then the others);
      treat it as read-only and use :meth:`filter` to select statements;
    - ``notes``: human-readable notes about the reading (BOM removed, statements dropped...);
      the CLI prints them on stderr;
    - ``sources``: one dict per input file, ``{path, sha256, format, rows}`` (rows read from
      the file, before ``drop_empty``), for run manifests;
    - ``time_resolution``: ``"year"``, ``"date"`` or None (no time);
    - ``columns``: which input column became id / group / time / text (None: generated or absent).
    """

    def __init__(self) -> None:
        raise TypeError("Corpus: use Corpus.read(...), Corpus.from_frame(...) or Corpus.example()")

    @classmethod
    def _make(
        cls,
        frame: pd.DataFrame,
        time_resolution: Optional[str],
        notes: List[str],
        sources: List[Dict[str, Any]],
        origins: List[_Origin],
        src: np.ndarray,
        pos: np.ndarray,
        columns: Dict[str, Optional[str]],
    ) -> "Corpus":
        self = object.__new__(cls)
        self._frame = frame
        self.time_resolution = time_resolution
        self.notes = list(notes)
        self.sources = [dict(s) for s in sources]
        self.columns = dict(columns)
        self._origins = list(origins)
        self._src = src
        self._pos = pos
        self._group_codes: Optional[Tuple[List[str], np.ndarray]] = None
        return self

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def read(
        cls,
        path_or_paths: Union[PathArg, Sequence[PathArg]],
        *,
        input_format: Optional[str] = None,
        text_col: Optional[str] = None,
        group_col: Optional[str] = None,
        time_col: Union[str, bool, None] = None,
        id_col: Optional[str] = None,
        group: Optional[Union[str, Sequence[str]]] = None,
        encoding_errors: str = "strict",
        drop_empty: bool = False,
        strict: bool = False,
    ) -> "Corpus":
        """Read statements from one or more files (``-`` = standard input).

        Parameters
        ----------
        path_or_paths
            A path or a list of paths; formats may differ between files. ``.gz`` files are
            decompressed. ``-`` reads standard input and needs ``input_format``.
        input_format
            ``csv``, ``tsv``, ``jsonl``, ``parquet`` or ``text`` for every file; by default
            from each file's extension (.csv, .tsv/.tab, .jsonl/.ndjson, .parquet/.pq,
            .txt/.text).
        text_col, group_col, time_col, id_col
            Column names (matched exactly, else case-insensitively); by default the first of
            :data:`DEFAULT_COLUMNS` present. Text and group are required (group unless
            ``group`` is given), time and id optional; ``time_col=False`` reads no time.
            Ignored for plain text files.
        group
            One group name for every statement (instead of a group column), or one name per
            path. Plain text files without ``group`` take their file stem as the group.
        encoding_errors
            ``"strict"`` (invalid UTF-8 is an error) or ``"replace"`` (U+FFFD, with a note).
        drop_empty
            Drop statements with empty or whitespace-only text (noted in ``notes``) instead of
            raising.
        strict
            Refuse a UTF-8 BOM and CRLF line endings instead of fixing them with a note.

        Raises
        ------
        CorpusError
            For bad data; the message names the file and line.
        """
        if isinstance(path_or_paths, (str, os.PathLike)):
            paths: List[PathArg] = [path_or_paths]
        elif isinstance(path_or_paths, Iterable):
            paths = list(path_or_paths)
        else:
            raise TypeError(f"path_or_paths: expected a path or a list of paths, got {type(path_or_paths).__name__}")
        if not paths:
            raise ValueError("path_or_paths: no files given")
        for p in paths:
            if not isinstance(p, (str, os.PathLike)):
                raise TypeError(f"path_or_paths: expected paths, got {type(p).__name__}")
        n_stdin = sum(os.fspath(p) == "-" for p in paths)
        if n_stdin > 1:
            raise ValueError("path_or_paths: standard input ('-') can be read only once")
        if input_format is not None or n_stdin:
            _input_format("-", b"", input_format, is_stdin=True)  # checked before reading anything
        if group is None or isinstance(group, str):
            group_list: List[Optional[str]] = [group] * len(paths)
        else:
            group_list = list(group)
            if len(group_list) != len(paths) or not all(isinstance(g, str) for g in group_list):
                raise ValueError(f"group: expected one name, or one name per path ({len(paths)}), got {group!r}")
        for g in group_list:
            if g is not None and not g.strip():
                raise ValueError("group: a group name cannot be empty")
        opts = _Options(
            text_col=text_col,
            group_col=group_col,
            time_col=time_col,
            id_col=id_col,
            group=group_list[0],
            encoding_errors=encoding_errors,
            drop_empty=bool(drop_empty),
            strict=bool(strict),
        )
        check_options(opts)
        notes: List[str] = []
        sources: List[Dict[str, Any]] = []
        origins: List[_Origin] = []
        parts: List[_Part] = []
        for k, (path, g) in enumerate(zip(paths, group_list)):
            raw, source = _read_source(path, opts, input_format, notes)
            origins.append(raw.origin)
            sources.append(source)
            parts.append(_assemble(raw, k, opts, notes, g.strip() if g is not None else None))
        return _combine(parts, origins, opts, notes, sources)

    @classmethod
    def from_frame(
        cls,
        df: Any,
        *,
        text_col: Optional[str] = None,
        group_col: Optional[str] = None,
        time_col: Union[str, bool, None] = None,
        id_col: Optional[str] = None,
        group: Optional[str] = None,
        drop_empty: bool = False,
        name: str = "data frame",
    ) -> "Corpus":
        """Statements from a pandas DataFrame (or anything with ``to_pandas()``: polars,
        pyarrow tables), with the same column rules as :meth:`read`.

        A named index (``df.set_index("id")``) is used as a column. Messages name rows by
        their index label (``data frame index 3``); without an id column the index labels, as
        strings, are the ids.
        The frame is not modified.
        """
        if not isinstance(df, pd.DataFrame):
            to_pandas = getattr(df, "to_pandas", None)
            if to_pandas is None or not callable(to_pandas):
                raise TypeError(
                    f"df: expected a pandas DataFrame (or a polars / pyarrow table), got {type(df).__name__}"
                )
            df = to_pandas()
            if not isinstance(df, pd.DataFrame):
                raise TypeError(f"df: to_pandas() returned {type(df).__name__}, not a DataFrame")
        if not isinstance(name, str) or not name:
            raise TypeError("name: expected a non-empty string")
        if group is not None and (not isinstance(group, str) or not group.strip()):
            raise ValueError("group: expected a non-empty group name or None")
        opts = _Options(
            text_col=text_col, group_col=group_col, time_col=time_col, id_col=id_col, group=group,
            drop_empty=bool(drop_empty),
        )
        check_options(opts)
        frame = _frame_columns(df)
        if len(frame) == 0:
            raise CorpusError(f"{name}: has no rows")
        origin = _Origin(name, "index", frame.index)
        raw = _raw_from_frame(frame, origin, "frame", name, np.arange(len(frame), dtype=np.int64))
        notes: List[str] = []
        part = _assemble(raw, 0, opts, notes, group.strip() if group is not None else None)
        return _combine([part], [origin], opts, notes, [])

    @classmethod
    def example(cls) -> "Corpus":
        """The bundled example corpus (invented statements on the Nagorno-Karabakh talks,
        2022-2023; 170 statements by 4 parties). Not real quotations; see ``data/README.md``."""
        return cls.read(example_path())

    # -- access -------------------------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        """The statements: id, group, time, text, then every other input column."""
        return self._frame

    @property
    def text(self) -> pd.Series:
        return self._frame["text"]

    @property
    def group(self) -> pd.Series:
        """Each statement's group (see :attr:`groups` for the distinct names)."""
        return self._frame["group"]

    @property
    def time(self) -> pd.Series:
        return self._frame["time"]

    @property
    def id(self) -> pd.Series:
        return self._frame["id"]

    @property
    def groups(self) -> List[str]:
        """Sorted distinct group names."""
        return self.group_names

    def _coded_groups(self) -> Tuple[List[str], np.ndarray]:
        if self._group_codes is None:
            names, codes = label_codes(self._frame["group"])
            codes = codes.astype(np.int32)
            codes.flags.writeable = False
            self._group_codes = (names, codes)
        return self._group_codes

    @property
    def group_names(self) -> List[str]:
        """Sorted distinct group names (as :attr:`groups`), numbered by :attr:`group_codes`;
        computed once."""
        return list(self._coded_groups()[0])

    @property
    def group_codes(self) -> np.ndarray:
        """Each statement's group as an index into :attr:`group_names` (int32, read-only);
        computed once, so that analyses do not number the groups again."""
        return self._coded_groups()[1]

    @property
    def group_counts(self) -> pd.Series:
        """Number of statements per group, in :attr:`groups` order."""
        return self._frame["group"].value_counts().reindex(self.groups)

    @property
    def has_time(self) -> bool:
        """True when any statement has a time."""
        return bool(self._frame["time"].notna().any())

    @property
    def extra_columns(self) -> List[str]:
        return [c for c in self._frame.columns if c not in _CANONICAL]

    @property
    def locations(self) -> List[str]:
        """Where each statement came from, e.g. ``"statements.csv line 12"``."""
        return [self._origins[int(s)].at(int(p)) for s, p in zip(self._src, self._pos)]

    def location(self, i: int) -> str:
        """Where statement ``i`` (position in :attr:`frame`) came from."""
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"i: statement {i} out of range for {n} statements")
        return self._origins[int(self._src[i])].at(int(self._pos[i]))

    def describe_locations(self, rows: Sequence[int], limit: int = _SHOW) -> str:
        """Short text naming where the statements at positions ``rows`` came from, for messages."""
        idx = np.asarray(rows, dtype=np.int64)
        return _where_many(self._origins, self._src[idx], self._pos[idx], limit)

    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        g = self.groups
        shown = ", ".join(g[:6]) + (", ..." if len(g) > 6 else "")
        text = f"<Corpus: {len(self)} statements, {len(g)} group{'s' if len(g) != 1 else ''} ({shown})"
        if self.has_time:
            t = self._frame["time"]
            fmt = timeutil.time_format(self.time_resolution)
            text += f", {t.min().strftime(fmt)} to {t.max().strftime(fmt)} ({self.time_resolution}s)"
        extra = self.extra_columns
        if extra:
            text += f", extra columns: {', '.join(extra)}"
        return text + ">"

    # -- selection and checks -----------------------------------------------------------------

    def filter(
        self,
        groups: Union[str, Iterable[str], None] = None,
        start: Any = None,
        end: Any = None,
        mask: Any = None,
    ) -> "Corpus":
        """A new Corpus with the statements that pass every given condition.

        ``groups``: a name or names to keep (unknown names are a ValueError listing the groups).
        ``start`` / ``end``: inclusive bounds on time, as a year (``2020`` or ``"2020"``: the
        whole year), an ISO date (the whole day), a datetime or a Timestamp; statements without
        a time are dropped when either is given. ``mask``: booleans, one per statement.
        Notes and sources carry over.
        """
        n = len(self)
        keep = np.ones(n, dtype=bool)
        if groups is not None:
            wanted = [groups] if isinstance(groups, str) else list(groups)
            for g in wanted:
                if not isinstance(g, str):
                    raise TypeError(f"groups: expected group names (str), got {type(g).__name__}")
            unknown = sorted(set(wanted) - set(self.groups))
            if unknown:
                raise ValueError(
                    f"groups: unknown group{'s' if len(unknown) != 1 else ''} {', '.join(repr(u) for u in unknown)}; "
                    f"the corpus has {', '.join(repr(g) for g in self.groups)}"
                )
            keep &= self._frame["group"].isin(wanted).to_numpy()
        if start is not None or end is not None:
            if not self.has_time:
                raise ValueError("start/end: the corpus has no times (read it with a time column, time_col=)")
            t = self._frame["time"]
            cond = np.array(t.notna().to_numpy(), dtype=bool)
            lo = timeutil.time_bound(start, False, "start")[0] if start is not None else None
            hi, inclusive = timeutil.time_bound(end, True, "end") if end is not None else (None, True)
            if lo is not None and hi is not None and (lo > hi or (lo == hi and not inclusive)):
                raise ValueError(f"start/end: start ({start!r}) is after end ({end!r})")
            if lo is not None:
                cond = cond & (t >= lo).to_numpy()
            if hi is not None:
                cond = cond & ((t <= hi) if inclusive else (t < hi)).to_numpy()
            keep &= cond
        if mask is not None:
            m = mask.to_numpy() if isinstance(mask, pd.Series) else np.asarray(mask)
            if m.dtype != bool:
                raise TypeError(f"mask: expected booleans, got dtype {m.dtype}")
            if m.shape != (n,):
                raise ValueError(f"mask: expected {n} booleans (one per statement), got shape {m.shape}")
            keep &= m
        return self._subset(np.flatnonzero(keep))

    def _subset(self, rows: np.ndarray) -> "Corpus":
        frame = self._frame.iloc[rows].reset_index(drop=True)
        return Corpus._make(
            frame, self.time_resolution, self.notes, self.sources, self._origins,
            self._src[rows], self._pos[rows], self.columns,
        )

    def require_groups(self, n: int = 2) -> "Corpus":
        """Raise CorpusError unless the corpus has at least ``n`` groups; returns self.

        Commands that compare groups call this; drift or scaling of one group may not need it.
        """
        g = self.groups
        if len(g) >= n:
            return self
        if not g:
            raise CorpusError(f"comparing needs at least {n} groups, but the corpus has no statements")
        col = self.columns.get("group")
        source = f"group column {col!r}" if col else "groups from file names or group="
        raise CorpusError(
            f"comparing needs at least {n} groups, but the corpus has {len(g)}: "
            f"{', '.join(repr(x) for x in g)} ({source}); pass group_col= (CLI --group-col) to "
            "choose another column, or read files from more groups"
        )

    def require_time(self) -> "Corpus":
        """Raise CorpusError unless every statement has a time; returns self."""
        t = self._frame["time"]
        if not len(t):
            return self
        if self.columns.get("time") is None and not t.notna().any():
            raise CorpusError(
                "this needs times, but no time column was read (looked for "
                f"{', '.join(DEFAULT_COLUMNS['time'])}); pass time_col= (CLI --time-col)"
            )
        missing = np.flatnonzero(t.isna().to_numpy())
        if len(missing):
            raise CorpusError(
                f"this needs times, but {len(missing)} statement{'s have' if len(missing) != 1 else ' has'} "
                f"none: {self.describe_locations(missing)}; filter them out or fill in the dates"
            )
        return self
