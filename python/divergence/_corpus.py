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

import os
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from ._columns import CANONICAL, DEFAULT_COLUMNS, Part, assemble
from ._output import example_path
from ._readers import (
    INPUT_FORMATS,
    SHOW,
    CorpusError,
    Origin,
    PathArg,
    ReadOptions,
    SourceInfo,
    check_read_options,
    detect_format,
    frame_columns,
    raw_from_frame,
    read_source,
    where_many,
)
from ._util import timeutil
from ._util.groups import label_codes
from ._util.types import ArrayLike, FrameLike, Indices, TimeBound

__all__ = [
    "Corpus",
    "CorpusError",
    "DEFAULT_COLUMNS",
    "INPUT_FORMATS",
    "check_known_groups",
    "group_names_arg",
    "require_group_count",
]


def group_names_arg(groups: Union[str, Iterable[str]]) -> List[str]:
    """``groups`` of :meth:`Corpus.filter` (a name or names) as a list, checked."""
    wanted = [groups] if isinstance(groups, str) else list(groups)
    for g in wanted:
        if not isinstance(g, str):
            raise TypeError(f"groups: expected group names (str), got {type(g).__name__}")
    return wanted


def check_known_groups(wanted: Sequence[str], groups: Sequence[str]) -> None:
    """The error of :meth:`Corpus.filter` for names in ``wanted`` that are not among the
    corpus' ``groups`` (sorted), listing them."""
    unknown = sorted(set(wanted) - set(groups))
    if unknown:
        raise ValueError(
            f"groups: unknown group{'s' if len(unknown) != 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)}; "
            f"the corpus has {', '.join(repr(g) for g in groups)}"
        )


# --------------------------------------------------------------------------------------------
# Combining the inputs


def _combine(
    parts: List[Part],
    origins: List[Origin],
    opts: ReadOptions,
    notes: List[str],
    sources: List[SourceInfo],
) -> Corpus:
    src = np.concatenate([p.src for p in parts])
    pos = np.concatenate([p.pos for p in parts])
    ids = np.concatenate([p.ids for p in parts])
    groups = np.concatenate([p.groups for p in parts])
    texts = np.concatenate([p.texts for p in parts])
    times = np.concatenate([p.times for p in parts])

    # Empty text: error, or drop with a note.
    empty = np.fromiter(  # isspace: what strip() removes, without a copy of each text
        (t is None or t == "" or t.isspace() for t in texts), dtype=bool, count=len(texts)
    )
    if empty.any():
        where = where_many(origins, src[empty], pos[empty])
        k = int(empty.sum())
        if not opts.drop_empty:
            raise CorpusError(
                f"empty or missing text in {k} statement{'s' if k != 1 else ''}: {where}; pass "
                "drop_empty=True (CLI --drop-empty) to drop them"
            )
        notes.append(
            f"dropped {k} statement{'s' if k != 1 else ''} with empty or missing text: {where}"
        )
        if k == len(texts):
            raise CorpusError(f"no statements left: all {k} have empty text")
    keep = ~empty

    missing_group = np.fromiter((g is None for g in groups), dtype=bool, count=len(groups)) & keep
    if missing_group.any():
        k = int(missing_group.sum())
        cols = sorted({str(parts_col) for p in parts if (parts_col := p.columns.get("group"))})
        raise CorpusError(
            f"missing group ({', '.join(repr(c) for c in cols)}) in "
            f"{k} statement{'s' if k != 1 else ''}: "
            f"{where_many(origins, src[missing_group], pos[missing_group])}"
        )
    missing_id = np.fromiter((i is None for i in ids), dtype=bool, count=len(ids)) & keep
    if missing_id.any():
        k = int(missing_id.sum())
        raise CorpusError(
            f"missing id in {k} statement{'s' if k != 1 else ''}: "
            f"{where_many(origins, src[missing_id], pos[missing_id])}"
        )

    sel = np.flatnonzero(keep)
    if len(sel) < len(keep):  # (a copy of every column otherwise)
        src, pos, ids, groups, texts, times = (
            src[sel],
            pos[sel],
            ids[sel],
            groups[sel],
            texts[sel],
            times[sel],
        )

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
                "; ids without an id column are '<file stem>:<line>', so files with the same "
                "name in different folders collide: rename them or pass id_col="
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


def require_group_count(groups: Sequence[str], n: int, group_column: Optional[str]) -> None:
    """Raise :meth:`Corpus.require_groups`' CorpusError unless ``groups`` (a corpus' group
    names, sorted) number at least ``n``; ``group_column``: the column they were read from
    (None: file names or group=). Shared with the engines, whose corpus is never whole."""
    g = list(groups)
    if len(g) >= n:
        return
    if not g:
        raise CorpusError(f"comparing needs at least {n} groups, but the corpus has no statements")
    source = (
        f"group column {group_column!r}" if group_column else "groups from file names or group="
    )
    raise CorpusError(
        f"comparing needs at least {n} groups, but the corpus has {len(g)}: "
        f"{', '.join(repr(x) for x in g)} ({source}); pass group_col= (CLI --group-col) to "
        "choose another column, or read files from more groups"
    )


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

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> len(corpus), corpus.groups
    (170, ['Armenia', 'Azerbaijan', 'Karabakh Armenians', 'Mediators'])
    >>> corpus.group_counts.to_dict()
    {'Armenia': 43, 'Azerbaijan': 48, 'Karabakh Armenians': 47, 'Mediators': 32}
    """

    time_resolution: Optional[str]
    notes: List[str]
    sources: List[SourceInfo]
    columns: Dict[str, Optional[str]]  # role (id, group, time, text) -> input column or None
    _frame: pd.DataFrame
    _origins: List[Origin]  # one per input, indexed by _src
    _src: np.ndarray  # input of each statement
    _pos: np.ndarray  # line / row / index position of each statement in its input
    _group_codes: Optional[Tuple[List[str], np.ndarray]]  # (group_names, group_codes) once computed

    def __init__(self, *args: object, **kwargs: object) -> None:
        what = type(args[0]).__name__ if args else None
        raise TypeError(
            "Corpus: not made by calling Corpus(...)"
            + (f" (got a {what})" if what else "")
            + "; use Corpus.from_frame(df, text_col=..., group_col=...) for a DataFrame,"
            " Corpus.read(path, ...) for files, or Corpus.example()"
        )

    @classmethod
    def _make(
        cls,
        frame: pd.DataFrame,
        time_resolution: Optional[str],
        notes: List[str],
        sources: List[SourceInfo],
        origins: List[Origin],
        src: np.ndarray,
        pos: np.ndarray,
        columns: Dict[str, Optional[str]],
    ) -> Corpus:
        self = object.__new__(cls)
        self._frame = frame
        self.time_resolution = time_resolution
        self.notes = list(notes)
        self.sources = [s.copy() for s in sources]
        self.columns = dict(columns)
        self._origins = list(origins)
        self._src = src
        self._pos = pos
        self._group_codes = None  # (names, codes), computed on first use
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
        group: Optional[Union[str, Sequence[Optional[str]]]] = None,
        encoding_errors: str = "strict",
        drop_empty: bool = False,
        strict: bool = False,
    ) -> Corpus:
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
            path (None for a path whose group column gives the groups). Plain text files
            without ``group`` take their file stem as the group.
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

        Examples
        --------
        >>> import divergence as dv
        >>> corpus = dv.Corpus.read(dv.example_path())
        >>> len(corpus), corpus.groups
        (170, ['Armenia', 'Azerbaijan', 'Karabakh Armenians', 'Mediators'])
        """
        if isinstance(path_or_paths, (str, os.PathLike)):
            paths: List[PathArg] = [path_or_paths]
        elif isinstance(path_or_paths, Iterable):
            paths = list(path_or_paths)
        else:
            raise TypeError(
                "path_or_paths: expected a path or a list of paths, "
                f"got {type(path_or_paths).__name__}"
            )
        if not paths:
            raise ValueError("path_or_paths: no files given")
        for p in paths:
            if not isinstance(p, (str, os.PathLike)):
                raise TypeError(f"path_or_paths: expected paths, got {type(p).__name__}")
        n_stdin = sum(os.fspath(p) == "-" for p in paths)
        if n_stdin > 1:
            raise ValueError("path_or_paths: standard input ('-') can be read only once")
        if input_format is not None or n_stdin:
            detect_format("-", b"", input_format, is_stdin=True)  # checked before reading anything
        if group is None or isinstance(group, str):
            group_list: List[Optional[str]] = [group] * len(paths)
        else:
            group_list = list(group)
            if len(group_list) != len(paths) or not all(
                g is None or isinstance(g, str) for g in group_list
            ):
                raise ValueError(
                    f"group: expected one name, or one name per path ({len(paths)}; None: the "
                    f"file's group column or stem), got {group!r}"
                )
        for g in group_list:
            if g is not None and not g.strip():
                raise ValueError("group: a group name cannot be empty")
        opts = ReadOptions(
            text_col=text_col,
            group_col=group_col,
            time_col=time_col,
            id_col=id_col,
            group=group_list[0],
            encoding_errors=encoding_errors,
            drop_empty=bool(drop_empty),
            strict=bool(strict),
        )
        check_read_options(opts)
        notes: List[str] = []
        sources: List[SourceInfo] = []
        origins: List[Origin] = []
        parts: List[Part] = []
        for k, (path, g) in enumerate(zip(paths, group_list)):
            raw, source = read_source(path, opts, input_format, notes)
            origins.append(raw.origin)
            sources.append(source)
            parts.append(assemble(raw, k, opts, notes, g.strip() if g is not None else None))
            del raw  # its strings not taken (a time column's, once parsed) freed before combining
        return _combine(parts, origins, opts, notes, sources)

    @classmethod
    def from_frame(
        cls,
        df: FrameLike,
        *,
        text_col: Optional[str] = None,
        group_col: Optional[str] = None,
        time_col: Union[str, bool, None] = None,
        id_col: Optional[str] = None,
        group: Optional[str] = None,
        drop_empty: bool = False,
        name: str = "data frame",
    ) -> Corpus:
        """Statements from a pandas DataFrame (or anything with ``to_pandas()``: polars,
        pyarrow tables), with the same column rules as :meth:`read`.

        A named index (``df.set_index("id")``) is used as a column. Messages name rows by
        their index label (``data frame index 3``); without an id column the index labels, as
        strings, are the ids.
        The frame is not modified.

        Examples
        --------
        >>> import pandas as pd
        >>> import divergence as dv
        >>> df = pd.DataFrame({"party": ["A", "A", "B"],
        ...                    "text": ["tax cuts now", "lower taxes", "more welfare"]})
        >>> corpus = dv.Corpus.from_frame(df)
        >>> len(corpus), corpus.groups
        (3, ['A', 'B'])
        >>> corpus.frame.columns.tolist()
        ['id', 'group', 'time', 'text']
        """
        if not isinstance(df, pd.DataFrame):
            to_pandas = getattr(df, "to_pandas", None)
            if to_pandas is None or not callable(to_pandas):
                raise TypeError(
                    "df: expected a pandas DataFrame (or a polars / pyarrow table), "
                    f"got {type(df).__name__}"
                )
            df = to_pandas()
            if not isinstance(df, pd.DataFrame):
                raise TypeError(f"df: to_pandas() returned {type(df).__name__}, not a DataFrame")
        if not isinstance(name, str) or not name:
            raise TypeError("name: expected a non-empty string")
        if group is not None and (not isinstance(group, str) or not group.strip()):
            raise ValueError("group: expected a non-empty group name or None")
        opts = ReadOptions(
            text_col=text_col,
            group_col=group_col,
            time_col=time_col,
            id_col=id_col,
            group=group,
            drop_empty=bool(drop_empty),
        )
        check_read_options(opts)
        frame = frame_columns(df)
        if len(frame) == 0:
            raise CorpusError(f"{name}: has no rows")
        origin = Origin(name, "index", frame.index)
        raw = raw_from_frame(frame, origin, "frame", name, np.arange(len(frame), dtype=np.int64))
        notes: List[str] = []
        part = assemble(raw, 0, opts, notes, group.strip() if group is not None else None)
        return _combine([part], [origin], opts, notes, [])

    @classmethod
    def example(cls) -> Corpus:
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
        """Each statement's text (strings)."""
        return self._frame["text"]

    @property
    def group(self) -> pd.Series:
        """Each statement's group (see :attr:`groups` for the distinct names)."""
        return self._frame["group"]

    @property
    def time(self) -> pd.Series:
        """Each statement's time (datetimes or numbers; missing where the input had none)."""
        return self._frame["time"]

    @property
    def id(self) -> pd.Series:
        """Each statement's id (the id column, or generated row ids)."""
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
        """The input columns kept beside id, group, time and text (stance, speaker, ...)."""
        return [c for c in self._frame.columns if c not in CANONICAL]

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

    def describe_locations(self, rows: Indices, limit: int = SHOW) -> str:
        """Short text naming where the statements at positions ``rows`` came from, for messages."""
        idx = np.asarray(rows, dtype=np.int64)
        return where_many(self._origins, self._src[idx], self._pos[idx], limit)

    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        g = self.groups
        shown = ", ".join(g[:6]) + (", ..." if len(g) > 6 else "")
        text = (
            f"<Corpus: {len(self)} statements, {len(g)} group{'s' if len(g) != 1 else ''} ({shown})"
        )
        if self.has_time:
            t = self._frame["time"]
            fmt = timeutil.time_format(self.time_resolution)
            text += (
                f", {t.min().strftime(fmt)} to {t.max().strftime(fmt)} ({self.time_resolution}s)"
            )
        extra = self.extra_columns
        if extra:
            text += f", extra columns: {', '.join(extra)}"
        return text + ">"

    # -- selection and checks -----------------------------------------------------------------

    def filter(
        self,
        groups: Union[str, Iterable[str], None] = None,
        start: Optional[TimeBound] = None,
        end: Optional[TimeBound] = None,
        mask: Optional[ArrayLike] = None,
    ) -> Corpus:
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
            wanted = group_names_arg(groups)
            check_known_groups(wanted, self.groups)
            keep &= self._frame["group"].isin(wanted).to_numpy()
        if start is not None or end is not None:
            if not self.has_time:
                raise ValueError(
                    "start/end: the corpus has no times (read it with a time column, time_col=)"
                )
            t = self._frame["time"]
            cond = np.array(t.notna().to_numpy(), dtype=bool)
            lo = timeutil.time_bound(start, False, "start")[0] if start is not None else None
            hi, inclusive = (
                timeutil.time_bound(end, True, "end") if end is not None else (None, True)
            )
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
                raise ValueError(
                    f"mask: expected {n} booleans (one per statement), got shape {m.shape}"
                )
            keep &= m
        return self._subset(np.flatnonzero(keep))

    def _subset(self, rows: np.ndarray) -> Corpus:
        frame = self._frame.iloc[rows].reset_index(drop=True)
        return Corpus._make(
            frame,
            self.time_resolution,
            self.notes,
            self.sources,
            self._origins,
            self._src[rows],
            self._pos[rows],
            self.columns,
        )

    def require_groups(self, n: int = 2) -> Corpus:
        """Raise CorpusError unless the corpus has at least ``n`` groups; returns self.

        Commands that compare groups call this; drift or scaling of one group may not need it.
        """
        require_group_count(self.groups, n, self.columns.get("group"))
        return self

    def require_time(self) -> Corpus:
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
                f"this needs times, but {len(missing)} "
                f"statement{'s have' if len(missing) != 1 else ' has'} none: "
                f"{self.describe_locations(missing)}; filter them out or fill in the dates"
            )
        return self
