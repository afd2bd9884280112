"""Bytes to raw tables: the input formats (CSV, TSV, JSON Lines, plain text, Parquet, data
frames), decoding (UTF-8, BOM, CRLF, invalid bytes) and where each record came from.

A reader turns one input into a :class:`RawTable` (column name -> one value per record, and the
line, row or index of each record); :mod:`divergence._columns` then picks the text, group, time
and id columns, and :mod:`divergence._corpus` combines the inputs into a Corpus. Bad data raises
:class:`CorpusError` naming the file and line.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import json
import os
import sys
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any,
    Callable,
    ContextManager,
    Dict,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    TypedDict,
    Union,
)

import numpy as np
import pandas as pd

from ._output import sha256_bytes
from ._util.types import PathLike

__all__ = [
    "INPUT_FORMATS",
    "SHOW",
    "CorpusError",
    "Origin",
    "PathArg",
    "RawTable",
    "ReadOptions",
    "SourceInfo",
    "check_read_options",
    "detect_format",
    "frame_columns",
    "raw_from_frame",
    "read_source",
    "where_many",
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

_BOM = b"\xef\xbb\xbf"
SHOW = 5  # locations listed in a message before "and N more"

PathArg = PathLike  # the name the readers have always used


class SourceInfo(TypedDict):
    """One input file, for run manifests (``Corpus.sources``)."""

    path: str  # as given; "-" for standard input
    sha256: str  # of the bytes read (before gzip decompression)
    format: str  # one of INPUT_FORMATS
    rows: int  # records read, before drop_empty


class CorpusError(ValueError):
    """Invalid input data: the message names the file and line. The CLI exits with code 3.

    Examples
    --------
    >>> import pandas as pd
    >>> import divergence as dv
    >>> try:
    ...     dv.Corpus.from_frame(pd.DataFrame({"party": ["A"], "text": [""]}))
    ... except dv.CorpusError as err:
    ...     print(str(err).split(";")[0])
    empty or missing text in 1 statement: data frame index 0
    """


# --------------------------------------------------------------------------------------------
# Where a statement came from


@dataclass(frozen=True)
class Origin:
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
        unit = (
            self.unit
            if len(positions) == 1
            else {"line": "lines", "row": "rows", "index": "index"}[self.unit]
        )
        return f"{self.label} {unit} {', '.join(self._num(p) for p in positions)}"


def where_many(
    origins: Sequence[Origin], src: np.ndarray, pos: np.ndarray, limit: int = SHOW
) -> str:
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


# --------------------------------------------------------------------------------------------
# Options and intermediate tables


@dataclass
class ReadOptions:
    text_col: Optional[str] = None
    group_col: Optional[str] = None
    time_col: Union[str, bool, None] = None
    id_col: Optional[str] = None
    group: Optional[str] = None
    encoding_errors: str = "strict"
    drop_empty: bool = False
    strict: bool = False


# One column of a raw table: a list or tuple of the cells as read (str, numbers, None...), or a
# pandas Series (data frames, Parquet).
Column = Union[Sequence[object], "pd.Series"]


@dataclass
class RawTable:
    """One input parsed into columns, before the canonical columns are picked."""

    origin: Origin
    fmt: str
    stem: str
    columns: List[str]
    values: Dict[str, Column]  # column -> one value per record
    pos: np.ndarray  # line (or row / position) of each record
    blank_missing: bool = False  # CSV/TSV: an empty field is a missing value


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


def _decode(data: bytes, label: str, opts: ReadOptions, notes: List[str]) -> str:
    """UTF-8 text of a text-format input, BOM removed and CRLF normalised (with notes)."""
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    if not body.strip():
        raise CorpusError(f"{label}: the file is empty")
    if data.startswith(_BOM):
        if opts.strict:
            raise CorpusError(
                f"{label}: starts with a UTF-8 byte-order mark (BOM); strict mode refuses it "
                "(save the file as UTF-8 without BOM, or read without strict)"
            )
        data = data[len(_BOM) :]
        notes.append(f"{label}: removed a UTF-8 byte-order mark (BOM) at the start of the file")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise CorpusError(
            f"{label} line {_line_of(data, nul)}: contains a NUL byte{_format_hint(data)}"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = _line_of(data, e.start)
        if opts.encoding_errors == "strict":
            raise CorpusError(
                f"{label} line {line}: invalid UTF-8 (byte 0x{data[e.start]:02X})"
                f"{_format_hint(data)}; "
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
        shown = ", ".join(str(n) for n in lines[:SHOW]) + (
            f" and {len(lines) - SHOW} more" if len(lines) > SHOW else ""
        )
        notes.append(
            f"{label}: replaced {len(starts)} invalid UTF-8 "
            f"sequence{'s' if len(starts) != 1 else ''} "
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
# Readers: bytes -> RawTable


def _header_names(names: Sequence[object], label: str) -> List[str]:
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
        raise CorpusError(
            f"{label}: duplicate column names {', '.join(repr(d) for d in dups)}; rename them"
        )
    return out


def _read_delimited(text: str, origin: Origin, fmt: str, stem: str) -> RawTable:
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
            if not rec or (
                len(rec) == 1 and not rec[0].strip() and header is not None and len(header) > 1
            ):
                continue  # blank line
            if header is None:
                header = _header_names(rec, label)
                header_line = start
                continue
            if len(rec) != len(header):
                hint = ""
                if len(header) == 1 and (";" in header[0] or "\t" in header[0] or "," in header[0]):
                    hint = (
                        " (is the file separated by another character? only commas (csv) and "
                        "tabs (tsv) are read)"
                    )
                raise CorpusError(
                    f"{label} line {start}: {len(rec)} "
                    f"field{'s' if len(rec) != 1 else ''}, but the "
                    f"header (line {header_line}) has {len(header)}{hint}"
                )
            rows.append(rec)
            lines.append(start)
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise CorpusError(
                f"{label} line {prev + 1}: a quoted field starting here is never closed "
                '(unbalanced ")'
            ) from None
        raise CorpusError(
            f"{label} line {reader.line_num}: malformed {fmt.upper()} ({e})"
        ) from None
    finally:
        csv.field_size_limit(old_limit)
        _csv_lock.release()
    if header is None:
        raise CorpusError(f"{label}: the file is empty")
    if not rows:
        raise CorpusError(f"{label}: has a header (line {header_line}) but no statements")
    columns = list(zip(*rows))
    values: Dict[str, Column] = {name: columns[j] for j, name in enumerate(header)}
    return RawTable(
        origin, fmt, stem, header, values, np.asarray(lines, dtype=np.int64), blank_missing=True
    )


def _positions(arr: np.ndarray, byte: int) -> np.ndarray:
    """Offsets of ``byte`` in ``arr``, 16 MB at a time (the boolean mask stays small)."""
    step = 1 << 24
    found = [np.flatnonzero(arr[lo : lo + step] == byte) + lo for lo in range(0, len(arr), step)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _record_lines(data: Union[bytes, memoryview], delimiter: int) -> Optional[np.ndarray]:
    """The line (1-based, within ``data``) on which each record starts, when every quoted field
    is one the standard library's strict CSV reader accepts (opened at the start of a field,
    closed, followed by the delimiter, a newline or the end) and no line is blank; else
    ``None``. pyarrow's reader is laxer (it reads ``"ab"c`` as ``abc``, an unclosed quote to
    the end of the file) and skips blank lines without counting them: such files take the
    standard library's path, with its messages."""
    arr = np.frombuffer(data, dtype=np.uint8)
    n = len(arr)
    q = _positions(arr, 34).tolist()
    opens: List[int] = []
    closes: List[int] = []
    i = 0
    while i < len(q):
        p = q[i]
        i += 1
        if p > 0 and arr[p - 1] != delimiter and arr[p - 1] != 10:
            continue  # a quote inside an unquoted field is a character
        while True:  # inside a quoted field
            if i >= len(q):
                return None  # never closed
            p2 = q[i]
            i += 1
            if i < len(q) and q[i] == p2 + 1:
                i += 1  # "" is an escaped quote
                continue
            if p2 + 1 < n and arr[p2 + 1] != delimiter and arr[p2 + 1] != 10:
                return None  # characters after the closing quote
            opens.append(p)
            closes.append(p2)
            break
    nl = _positions(arr, 10)
    if opens:  # newlines inside quoted fields end no record
        o = np.asarray(opens, dtype=np.int64)
        c = np.asarray(closes, dtype=np.int64)
        k = np.searchsorted(o, nl, side="right") - 1
        inside = (k >= 0) & (nl < c[np.maximum(k, 0)])
        ends = np.flatnonzero(~inside)
    else:
        ends = np.arange(len(nl))
    starts = np.concatenate([[0], nl[ends] + 1])  # offset where each record starts
    lines = np.concatenate([[1], ends + 2])
    keep = starts < n
    starts, lines = starts[keep], lines[keep]
    if len(starts) == 0 or bool(np.any(arr[starts] == 10)):
        return None  # a blank line
    return lines.astype(np.int64)


def _without_bom(
    data: bytes, opts: ReadOptions, label: str
) -> Optional[Tuple[memoryview, List[str]]]:
    """The bytes after a UTF-8 byte-order mark, with the note the standard path writes; None
    in strict mode when there is one (the standard path refuses it, naming the file)."""
    if not data.startswith(_BOM):
        return memoryview(data), []
    if opts.strict:
        return None
    note = f"{label}: removed a UTF-8 byte-order mark (BOM) at the start of the file"
    return memoryview(data)[len(_BOM) :], [note]


def _read_delimited_arrow(
    data: bytes, opts: ReadOptions, notes: List[str], origin: Origin, fmt: str
) -> Optional[_ArrowParsed]:
    """CSV/TSV through pyarrow's reader when the file is plain (UTF-8, one header line, quoting
    the strict reader accepts, no blank lines, no carriage returns); the same table as
    :func:`_read_delimited`, ~10x faster and in less memory. ``None`` sends the file to the
    standard library's reader, whose messages name the line of each problem. (A file on disk
    is parsed from the file again, ``data`` freed first: :func:`read_source`.)"""
    import pyarrow as pa

    plan = _delimited_plan(data, opts, origin, fmt)
    if plan is None:
        return None
    parsed = plan.parse(pa.py_buffer(memoryview(data)[plan.body_start :]))
    if parsed is not None:
        notes.extend(plan.notes)
    return parsed


@dataclass
class _DelimitedPlan:
    """What the checks of a plain CSV/TSV found: its header, the line of each record, where
    its body starts (a byte offset in the file) and the notes to add once it is parsed."""

    header: List[str]
    keys: List[str]
    lines: np.ndarray
    delimiter: str
    body_start: int
    notes: List[str]

    def parse(self, source: Any) -> Optional[_ArrowParsed]:
        """pyarrow's table of the body (``source``: a buffer, or a file positioned at the
        body); None when pyarrow refuses it or counts other records."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        keys = self.keys
        try:
            table = pacsv.read_csv(
                source,
                read_options=pacsv.ReadOptions(column_names=keys),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.delimiter, newlines_in_values=True, ignore_empty_lines=True
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={k: pa.string() for k in keys},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except (pa.ArrowException, ValueError):
            return None  # invalid UTF-8, a row of another width: the standard library says where
        if table.num_rows != len(self.lines):
            return None  # the readers count records differently: the standard library decides
        pa.default_memory_pool().release_unused()  # the parse's blocks
        return _ArrowParsed(table, self.header, keys, self.lines)

    def parse_file(self, path: str, before: os.stat_result) -> Optional[_ArrowParsed]:
        """:meth:`parse` of the file at ``path`` read again (its bytes, read and checked
        before, freed: the peak is the table, not the table and the bytes), when the file is
        the one read (``before``: its stat then; size, inode and modification time the same
        after the parse); else None."""
        import pyarrow as pa

        try:
            with pa.OSFile(path, "r") as f:
                f.seek(self.body_start)
                parsed = self.parse(f)
            after = os.stat(path)
        except (OSError, pa.ArrowException):
            return None
        return parsed if _unchanged(before, after) else None


def _delimited_plan(
    data: bytes, opts: ReadOptions, origin: Origin, fmt: str
) -> Optional[_DelimitedPlan]:
    """The checks of :func:`_read_delimited_arrow` (None: the standard library's reader)."""
    label = origin.label
    unmarked = _without_bom(data, opts, label)
    if unmarked is None:
        return None
    view, local_notes = unmarked
    if b"\x00" in data or b"\r" in data:
        return None
    nl = data.find(b"\n", len(data) - len(view))
    if nl < 0:
        return None
    head_bytes = bytes(view[: nl - (len(data) - len(view))])
    try:
        head_text = head_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not head_text.strip():
        return None
    delimiter = "\t" if fmt == "tsv" else ","
    if '"' in head_text:
        # A quoted header (pandas' QUOTE_ALL, pyarrow's write_csv): read by the strict reader
        # itself, when its quotes close on the first line (else the header spans lines and
        # the standard library's reader takes the file).
        if head_text.count('"') % 2:
            return None
        try:
            rows = list(csv.reader(io.StringIO(head_text), delimiter=delimiter, strict=True))
        except csv.Error:
            return None
        if len(rows) != 1:
            return None
        names = rows[0]
    else:
        names = head_text.split(delimiter)
    if len(names) == 1 and not names[0].strip():
        return None
    body = view[len(head_bytes) + 1 :]
    if not len(body):
        return None
    body_lines = _record_lines(body, ord(delimiter))
    if body_lines is None:
        return None
    try:
        header = _header_names(names, label)
    except CorpusError:
        return None
    keys = [f"c{j}" for j in range(len(header))]
    body_start = len(data) - len(view) + len(head_bytes) + 1
    lines = body_lines + 1  # the header is line 1
    return _DelimitedPlan(header, keys, lines, delimiter, body_start, local_notes)


#: While an Arrow table becomes Python strings, its freed blocks are returned to the system
#: every this many bytes (pyarrow's pool keeps them otherwise: the whole table's worth, held
#: with the strings made from it).
RELEASE_BYTES = 16 * 2**20


@dataclass
class _ArrowParsed:
    """pyarrow's table of a delimited file, before its columns become Python strings."""

    table: object  # pyarrow.Table
    header: List[str]
    keys: List[str]
    lines: np.ndarray
    blank_missing: bool = True  # CSV/TSV: an empty field is missing; JSON Lines: null is

    def raw(self, origin: Origin, fmt: str, stem: str) -> RawTable:
        """Column by column, block by block, each block freed once converted: the peak is the
        Python strings plus one block, not the strings plus the whole Arrow table."""
        import pyarrow as pa

        table = self.table
        self.table = None
        rows = len(self.lines)
        values: Dict[str, Column] = {}
        pool = pa.default_memory_pool()
        freed = 0  # bytes of blocks freed since the pool last returned its unused memory
        for name, k in zip(self.header, self.keys):
            chunks = table.column(k).chunks  # type: ignore[attr-defined]
            table = table.drop_columns([k])  # type: ignore[attr-defined]
            out = np.empty(rows, dtype=object)
            at = 0
            for i in range(len(chunks)):
                chunk = chunks[i]
                freed += chunk.nbytes
                # strings: an object array of str (None where null); numbers and booleans:
                # Python objects, as the json module gives them
                block = (
                    chunk.to_numpy(zero_copy_only=False)
                    if pa.types.is_string(chunk.type)
                    else chunk.to_pylist()
                )
                del chunk
                out[at : at + len(block)] = block
                at += len(block)
                chunks[i] = None
                del block
                if freed >= RELEASE_BYTES:  # the pool keeps freed blocks until asked
                    pool.release_unused()
                    freed = 0
            values[name] = out
            pool.release_unused()
        return RawTable(
            origin, fmt, stem, self.header, values, self.lines, blank_missing=self.blank_missing
        )


def _jsonl_record_lines(arr: np.ndarray, nl: np.ndarray) -> Optional[np.ndarray]:
    """The line (1-based) of each record of a JSON Lines body, when every line is blank (spaces
    and tabs) or starts with ``{`` and ends with ``}`` (spaces and tabs aside) and no control
    character other than newline and tab occurs; else ``None``. Such a line holds one object
    or more (an object cannot span lines ending in ``}`` and starting with ``{``), so a table
    with one row per such line has read one object per line."""
    step = 1 << 24
    for lo in range(0, len(arr), step):
        block = arr[lo : lo + step]
        controls = np.count_nonzero(block < 32)
        if controls != np.count_nonzero(block == 10) + np.count_nonzero(block == 9):
            return None  # CR, NUL, other controls: the standard path notes or refuses them
    starts = np.concatenate([[0], nl + 1])
    ends = np.concatenate([nl, [len(arr)]])
    filled = np.flatnonzero(ends > starts)
    odd = filled[(arr[starts[filled]] != 123) | (arr[ends[filled] - 1] != 125)]  # { and }
    blank = []
    for k in odd.tolist():
        line = bytes(arr[starts[k] : ends[k]]).strip(b" \t")
        if not line:
            blank.append(k)
        elif not (line.startswith(b"{") and line.endswith(b"}")):
            return None  # not an object on its own line: the standard path says where
    records = np.setdiff1d(filled, np.asarray(blank, dtype=np.int64), assume_unique=True)
    return (records + 1).astype(np.int64)


_JSON_TYPES = ("string", "int64", "double", "bool", "null")


def _read_jsonl_arrow(
    data: bytes, opts: ReadOptions, notes: List[str], origin: Origin, prefix: int = 1 << 20
) -> Optional[_ArrowParsed]:
    """JSON Lines through pyarrow's reader when the file is plain (valid UTF-8, one object per
    line, no carriage returns or other control characters but tab and newline, every value a
    string, number, boolean or null, no number that the json module would read as an int
    while pyarrow reads a float); the same table as :func:`_read_jsonl` (values as the json
    module gives them, columns in order of first appearance), several times faster and in less
    memory. Strings pyarrow would take for timestamps are read as the strings they are.
    ``None`` sends the file to the json module's reader, whose messages name the line. (A file
    on disk is parsed from the file again, ``data`` freed first: :func:`read_source`.)"""
    import pyarrow as pa

    plan = _jsonl_plan(data, opts, origin, prefix)
    if plan is None:
        return None
    body = pa.py_buffer(memoryview(data)[plan.body_start :])
    parsed = plan.parse(lambda: contextlib.nullcontext(pa.BufferReader(body)))
    if parsed is not None:
        notes.extend(plan.notes)
    return parsed


@dataclass
class _JsonlPlan:
    """What the checks of a plain JSON Lines file found: the line of each record, where its
    body starts (a byte offset in the file), pyarrow's block size, the types guessed from its
    first lines (None: inferred from the whole body) and the notes to add once it is parsed."""

    label: str
    lines: np.ndarray
    body_start: int
    block_size: int
    guess: Any
    notes: List[str]

    def parse(self, open_body: Callable[[], ContextManager[Any]]) -> Optional[_ArrowParsed]:
        """pyarrow's table of the body (``open_body``: a fresh reader of the body each time it
        is called, as a context manager); None when pyarrow refuses it, counts other records
        or reads a value the json module would read otherwise."""
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            # The types guessed from the first lines, timestamps as strings, so that a file
            # with a date column is parsed once; columns first seen later are inferred and come
            # after them (their order of first appearance, as the json module's). A guess that
            # does not hold for the rest (an int column with a float further down) costs one
            # more parse.
            table = None
            if self.guess is not None:
                try:
                    table = self._read(open_body, self.guess)
                except pa.ArrowException:
                    table = None
            if table is None:
                table = self._read(open_body)
            if any(pa.types.is_temporal(f.type) for f in table.schema):
                schema = _json_as_read(table.schema)
                del table
                table = self._read(open_body, schema, "error")
            if table.num_rows != len(self.lines):
                return None
            for f in table.schema:
                if str(f.type) not in _JSON_TYPES:
                    return None  # objects and arrays: the standard path keeps them as Python values
                col = table.column(f.name)
                if f.type == pa.float64() and pc.any(pc.equal(pc.floor(col), col)).as_py():
                    return None  # 3 and 3.0 both read as 3.0: the json module tells them apart
            table.validate(full=True)  # the JSON reader does not check UTF-8 in strings
            header = _header_names(table.column_names, self.label)
        except (pa.ArrowException, ValueError, CorpusError):
            return None  # invalid JSON, a value of another type, ...: the json module says where
        pa.default_memory_pool().release_unused()  # the parses' blocks
        return _ArrowParsed(
            table, header, list(table.column_names), self.lines, blank_missing=False
        )

    def _read(
        self,
        open_body: Callable[[], ContextManager[Any]],
        schema: Any = None,
        unexpected: str = "infer",
    ) -> Any:
        import pyarrow.json as pajson

        options = pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior=unexpected)
        with open_body() as source:
            return pajson.read_json(
                source,
                read_options=pajson.ReadOptions(block_size=self.block_size),
                parse_options=options,
            )

    def parse_file(self, path: str, before: os.stat_result) -> Tuple[Optional[_ArrowParsed], bool]:
        """:meth:`parse` of the file at ``path`` read again (its bytes, read and checked
        before, freed: the peak is the table, not the table and the bytes), and whether the
        file is the one read (``before``: its stat then; :func:`_unchanged` after the parses).
        The table is None when pyarrow refused the file or the file changed."""
        import pyarrow as pa

        @contextlib.contextmanager
        def open_body() -> Iterator[Any]:
            with pa.OSFile(path, "r") as f:
                f.seek(self.body_start)
                yield f

        try:
            parsed = self.parse(open_body)
            same = _unchanged(before, os.stat(path))
        except (OSError, pa.ArrowException):
            return None, False
        return (parsed if same else None), same


def _json_as_read(schema: Any) -> Any:
    """``schema`` with the strings pyarrow takes for timestamps read as strings."""
    import pyarrow as pa

    fields = [pa.field(f.name, pa.string()) if pa.types.is_temporal(f.type) else f for f in schema]
    return pa.schema(fields)


def _jsonl_plan(
    data: bytes, opts: ReadOptions, origin: Origin, prefix: int = 1 << 20
) -> Optional[_JsonlPlan]:
    """The checks of :func:`_read_jsonl_arrow` on the bytes, and the types of the first lines
    (up to ``prefix`` bytes; None: the json module's reader)."""
    import pyarrow as pa
    import pyarrow.json as pajson

    unmarked = _without_bom(data, opts, origin.label)
    if unmarked is None:
        return None
    body, local_notes = unmarked
    arr = np.frombuffer(body, dtype=np.uint8)
    nl = _positions(arr, 10)
    lines = _jsonl_record_lines(arr, nl)
    if lines is None or not len(lines):
        return None
    # a block holds whole lines: at least the longest one
    longest = int(np.max(np.diff(np.concatenate([[-1], nl, [len(arr)]]))))
    if longest >= 1 << 30:
        return None
    block_size = max(1 << 20, longest + 1)
    guess = None
    k = int(np.searchsorted(nl, prefix))
    if k < len(nl) and int(nl[k]) + 1 < len(body):
        try:
            first = pajson.read_json(
                pa.BufferReader(pa.py_buffer(body[: int(nl[k]) + 1])),
                read_options=pajson.ReadOptions(block_size=block_size),
            ).schema
        except (pa.ArrowException, ValueError):
            return None  # invalid JSON in the first lines: the json module says where
        if not any(pa.types.is_null(f.type) for f in first):
            guess = _json_as_read(first)
    body_start = len(data) - len(body)
    return _JsonlPlan(origin.label, lines, body_start, block_size, guess, local_notes)


def _unchanged(before: os.stat_result, after: os.stat_result) -> bool:
    """Whether two stats of a path are of the same file, unchanged (size, inode, modification
    time)."""
    return (after.st_size, after.st_ino, after.st_mtime_ns) == (
        before.st_size,
        before.st_ino,
        before.st_mtime_ns,
    )


def _read_jsonl(text: str, origin: Origin, stem: str) -> RawTable:
    label = origin.label
    records: List[Dict[str, object]] = []
    lines: List[int] = []
    names: Dict[str, None] = {}
    for i, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            hint = (
                " (JSON Lines needs one object per line, not a JSON array)"
                if not records and line.lstrip().startswith("[")
                else ""
            )
            raise CorpusError(
                f"{label} line {i}: invalid JSON ({e.msg} at column {e.colno}){hint}"
            ) from None
        if not isinstance(obj, dict):
            raise CorpusError(
                f"{label} line {i}: expected a JSON object {{...}}, got {type(obj).__name__}"
            )
        for k in obj:
            names.setdefault(k, None)
        records.append(obj)
        lines.append(i)
    if not records:
        raise CorpusError(f"{label}: the file is empty")
    header = _header_names(list(names), label)
    values: Dict[str, Column] = {h: [r.get(k) for r in records] for h, k in zip(header, names)}
    return RawTable(origin, "jsonl", stem, header, values, np.asarray(lines, dtype=np.int64))


def _read_text(text: str, origin: Origin, stem: str) -> RawTable:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return RawTable(
        origin,
        "text",
        stem,
        ["text"],
        {"text": lines},
        np.arange(1, len(lines) + 1, dtype=np.int64),
    )


def frame_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A named index becomes a column (a frame saved with set_index('id') keeps its ids)."""
    idx = df.index
    names = [n for n in idx.names if n is not None]
    if names and not any(str(n) in {str(c) for c in df.columns} for n in names):
        df = df.reset_index()
    return df


def raw_from_frame(
    df: pd.DataFrame, origin: Origin, fmt: str, stem: str, pos: np.ndarray
) -> RawTable:
    header = _header_names(list(df.columns), origin.label)
    values = {h: df.iloc[:, j].reset_index(drop=True) for j, h in enumerate(header)}
    return RawTable(origin, fmt, stem, header, values, pos)


def _read_parquet(data: bytes, origin: Origin, stem: str) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not data:
        raise CorpusError(f"{origin.label}: the file is empty")
    try:
        table = pq.read_table(pa.BufferReader(data))
        # Full validation checks that string columns hold valid UTF-8 (otherwise pandas' Arrow
        # strings fail later, when a value is read); a column name that is not valid UTF-8
        # fails in the conversion, hence inside the try too.
        table.validate(full=True)
        frame = table.to_pandas()
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise CorpusError(f"{origin.label}: cannot read it as Parquet ({e})") from None
    df = frame_columns(frame)
    if len(df) == 0:
        raise CorpusError(f"{origin.label}: has no rows")
    return raw_from_frame(df, origin, "parquet", stem, np.arange(1, len(df) + 1, dtype=np.int64))


# --------------------------------------------------------------------------------------------
# Inputs


def detect_format(name: str, data: bytes, input_format: Optional[str], is_stdin: bool) -> str:
    if input_format is not None:
        if not isinstance(input_format, str):
            raise TypeError(
                f"input_format: expected a string or None, got {type(input_format).__name__}"
            )
        key = input_format.strip().lower()
        key = _FORMAT_ALIASES.get(key, key)
        if key not in INPUT_FORMATS:
            raise ValueError(
                f"input_format: unknown format {input_format!r}; "
                f"choose one of {', '.join(INPUT_FORMATS)}"
            )
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
        f"{name}: cannot tell the format from the extension {suffix or '(none)'!r}; "
        "pass input_format= "
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


def read_source(
    path: PathArg,
    opts: ReadOptions,
    input_format: Optional[str],
    notes: List[str],
    reread: bool = True,
    arrow: bool = True,
) -> Tuple[RawTable, SourceInfo]:
    """One input's raw table and its source record. ``reread``: a plain CSV/TSV or JSON Lines
    file may be parsed from the file again once its bytes are checked (its bytes freed first).
    ``arrow``: False where pyarrow refused this JSON Lines file already (the json module's
    reader, without parsing it again)."""
    before: Optional[os.stat_result] = None  # a file that can be read again: its stat
    if reread and os.fspath(path) != "-":
        try:
            before = os.stat(path)
        except OSError:
            pass  # _load names the problem
    label, data, is_stdin = _load(path)
    digest = sha256_bytes(data)
    name = label
    if data[:2] == b"\x1f\x8b":
        before = None
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise CorpusError(f"{label}: cannot decompress gzip data ({e})") from None
        if name.lower().endswith(".gz"):
            name = name[:-3]
    elif name.lower().endswith(".gz"):
        name = name[:-3]
    fmt = detect_format(name, data, input_format, is_stdin)
    stem = "stdin" if is_stdin else Path(name).stem
    if fmt == "parquet":
        raw = _read_parquet(data, Origin(label, "row"), stem)
    else:
        origin = Origin(label, "line")
        fast: Optional[_ArrowParsed] = None
        if fmt in ("csv", "tsv") and before is not None:
            # checked on the bytes, then parsed from the file again with the bytes freed
            # (the peak: the Arrow table, not the table and the bytes)
            plan = _delimited_plan(data, opts, origin, fmt)
            if plan is not None:
                del data
                fast = plan.parse_file(label, before)
                if fast is None:  # pyarrow refused it, or the file changed: read it again
                    return read_source(path, opts, input_format, notes, reread=False)
                notes.extend(plan.notes)
        elif fmt == "jsonl" and before is not None:
            # the same for JSON Lines: checked on the bytes, parsed from the file again
            jsonl = _jsonl_plan(data, opts, origin)
            if jsonl is not None:
                del data
                fast, same = jsonl.parse_file(label, before)
                if fast is None:  # the file changed: read it again; pyarrow refused it: the
                    # json module reads it (its messages name the line)
                    return read_source(
                        path, opts, input_format, notes, reread=False, arrow=not same
                    )
                notes.extend(jsonl.notes)
        elif fmt in ("csv", "tsv"):
            fast = _read_delimited_arrow(data, opts, notes, origin, fmt)
        elif fmt == "jsonl" and arrow:
            fast = _read_jsonl_arrow(data, opts, notes, origin)
        if fast is not None:
            data = b""  # the bytes are not needed while the strings are made
            raw = fast.raw(origin, fmt, stem)
        else:
            text = _decode(data, label, opts, notes)
            if fmt in ("csv", "tsv"):
                raw = _read_delimited(text, origin, fmt, stem)
            elif fmt == "jsonl":
                raw = _read_jsonl(text, origin, stem)
            else:
                raw = _read_text(text, origin, stem)
    source: SourceInfo = {
        "path": "-" if is_stdin else label,
        "sha256": digest,
        "format": fmt,
        "rows": int(len(raw.pos)),
    }
    return raw, source


def check_read_options(opts: ReadOptions) -> None:
    if opts.encoding_errors not in ("strict", "replace"):
        raise ValueError(
            f"encoding_errors: must be 'strict' or 'replace', got {opts.encoding_errors!r}"
        )
    for name in ("text_col", "group_col", "id_col"):
        v = getattr(opts, name)
        if v is not None and not isinstance(v, str):
            raise TypeError(f"{name}: expected a column name (str) or None, got {type(v).__name__}")
    if opts.time_col is True or not (
        opts.time_col is None or opts.time_col is False or isinstance(opts.time_col, str)
    ):
        raise TypeError(
            "time_col: expected a column name (str), None (find one) or False (no time)"
        )
    if opts.group is not None and opts.group_col is not None:
        raise ValueError(
            "group: give either group= (one group for every statement) or group_col=, not both"
        )
