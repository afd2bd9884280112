"""Raw tables to statements: find the text, group, time and id columns (given, or among
:data:`DEFAULT_COLUMNS`), turn their values into strings and times, keep the other columns, and
assemble one input's :class:`Part` of the corpus."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ._readers import CorpusError, RawTable, ReadOptions, where_many
from ._util import timeutil

__all__ = ["CANONICAL", "DEFAULT_COLUMNS", "Part", "assemble"]

#: Column names looked for (case-insensitively, in this order) when none is given.
DEFAULT_COLUMNS: Dict[str, Tuple[str, ...]] = {
    "text": ("text", "statement"),
    "group": ("party", "group", "speaker", "country"),
    "time": ("date", "time", "year"),
    "id": ("id", "doc_id"),
}
CANONICAL = ("id", "group", "time", "text")
_CLI_FLAG = {"text": "--text-col", "group": "--group-col", "time": "--time-col", "id": "--id-col"}


def _list_columns(columns: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(repr(c) for c in columns[:limit])
    if len(columns) > limit:
        shown += f" and {len(columns) - limit} more"
    return shown or "(none)"


# --------------------------------------------------------------------------------------------
# One input's statements


@dataclass
class Part:
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
# Columns and values


def _find_column(raw: RawTable, role: str, wanted: Optional[str], required: bool) -> Optional[str]:
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
        raise CorpusError(
            f"{label}: no {role} column {wanted!r} ({option}); "
            f"columns present: {_list_columns(columns)}"
        )
    lowered = [c.lower() for c in columns]
    for cand in DEFAULT_COLUMNS[role]:
        matches = [c for c, low in zip(columns, lowered) if low == cand]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            if cand in matches:
                return cand
            raise CorpusError(
                f"{label}: several columns could be the {role} column "
                f"({', '.join(repr(m) for m in matches)}); "
                f"pass {option}= (CLI {_CLI_FLAG[role]})"
            )
    if not required:
        return None
    hint = ""
    if len(columns) == 1 and any(ch in columns[0] for ch in ";\t,|"):
        hint = (
            " (the header is a single column: is the file separated by another character? "
            "only commas (csv) and tabs (tsv) are read)"
        )
    raise CorpusError(
        f"{label}: no {role} column found (looked for {', '.join(DEFAULT_COLUMNS[role])}); "
        "columns present: "
        f"{_list_columns(columns)}; pass {option}= (CLI {_CLI_FLAG[role]}){hint}"
    )


def _as_strings(raw: RawTable, col: str, what: str, strip: bool, opts: ReadOptions) -> np.ndarray:
    """Object array of str (None where missing); NUL characters are an error."""
    values = raw.values[col]
    if (
        isinstance(values, np.ndarray)
        and values.dtype == object
        and pd.api.types.infer_dtype(values, skipna=False) == "string"
        and not any("\x00" in v for v in values)
    ):  # all strings (the CSV reader's columns): no value needs a rule of its own
        return np.array([v.strip() for v in values], dtype=object) if strip else values.copy()
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
                raise CorpusError(
                    f"{raw.origin.at(int(raw.pos[i]))}: contains a NUL character "
                    f"(in column {col!r})"
                )
            if strip:
                s = s.strip()
        out[i] = s
    return out


def _time_column(raw: RawTable, col: str, notes: List[str]) -> Tuple[np.ndarray, Optional[str]]:
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
                f"(years {timeutil.MIN_YEAR} to {timeutil.MAX_YEAR}); pass time_col= "
                "(CLI --time-col) to choose another column, or time_col=False to read no time"
            )
        raise CorpusError(
            f"{where}: cannot parse {v!r} in the time column {col!r} as a date (expected an ISO "
            "date like 2022-09-08, or a year like 1992); pass time_col= (CLI --time-col) to "
            "choose another column, or time_col=False to read no time"
        )
    missing = np.flatnonzero(parsed.kinds == timeutil.MISSING)
    if len(missing):
        shown = where_many([raw.origin], np.zeros(len(missing), dtype=np.int64), raw.pos[missing])
        notes.append(
            f"{label}: {len(missing)} statement{'s have' if len(missing) != 1 else ' has'} no time "
            f"in column {col!r} (left as NaT): {shown}"
        )
    resolution = parsed.resolution
    if resolution == "date" and bool(np.any(parsed.kinds == timeutil.YEAR)):
        notes.append(
            f"{label}: the time column {col!r} mixes years and dates; years are read as 1 January"
        )
    offsets = timeutil.utc_offsets(values) if resolution == "date" else []
    if len(offsets) > 1:
        notes.append(
            f"{label}: the times in column {col!r} carry different UTC offsets"
            f" ({', '.join(offsets)}); each time is read as its local wall time (the offset is"
            " dropped), so 10:00+04:00 and 10:00Z count as the same time. Convert the times to"
            " one offset first to compare instants"
        )
    return parsed.values, resolution


def _extra_series(raw: RawTable, col: str) -> pd.Series:
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


_NUMBER = re.compile(
    r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|nan)", re.I
)


def _refuse_numeric_text(texts: np.ndarray, label: str, col: str, fmt: str) -> None:
    """CorpusError naming the file when every statement of the text column is a number (a
    numeric column taken for the statements: the tokeniser would find no words in it)."""
    first = next((t for t in texts if t is not None and t.strip()), None)
    if first is None or not _NUMBER.fullmatch(first.strip()):
        return
    if all(t is None or not t.strip() or _NUMBER.fullmatch(t.strip()) for t in texts):
        hint = (
            ""
            if fmt == "text"
            else "; name the column of statements with text_col= (CLI --text-col)"
        )
        raise CorpusError(
            f"{label}: the text column {col!r} holds only numbers (e.g. {first.strip()!r}),"
            f" no words{hint}"
        )


def assemble(
    raw: RawTable, src_index: int, opts: ReadOptions, notes: List[str], group: Optional[str]
) -> Part:
    n = len(raw.pos)
    label = raw.origin.label
    if raw.fmt == "text":
        text_col: Optional[str] = "text"
        group_col = id_col = time_col = None
    else:
        text_col = _find_column(raw, "text", opts.text_col, required=True)
        group_col = (
            None if group is not None else _find_column(raw, "group", opts.group_col, required=True)
        )
        time_col = (
            None
            if opts.time_col is False
            else _find_column(
                raw,
                "time",
                opts.time_col if isinstance(opts.time_col, str) else None,
                required=False,
            )
        )
        id_col = _find_column(raw, "id", opts.id_col, required=False)
    used = {"id": id_col, "group": group_col, "time": time_col, "text": text_col}
    chosen = [c for c in used.values() if c is not None]
    if len(set(chosen)) != len(chosen):
        roles = ", ".join(f"{r}={c!r}" for r, c in used.items() if c is not None)
        raise CorpusError(
            f"{label}: the same column is used for two roles ({roles}); choose distinct columns"
        )
    assert text_col is not None
    texts = _as_strings(raw, text_col, "text", strip=False, opts=opts)
    _refuse_numeric_text(texts, label, text_col, raw.fmt)
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
        times, resolution = _time_column(raw, time_col, notes)
    else:
        times, resolution = np.full(n, np.datetime64("NaT", "ns")), None
    extras: Dict[str, pd.Series] = {}
    for c in raw.columns:
        if c in chosen:
            continue
        name = c
        if name in CANONICAL or name in extras:
            name = f"{c}_orig"
            notes.append(
                f"{label}: the extra column {c!r} is kept as {name!r} (the name {c!r} is taken)"
            )
        extras[name] = _extra_series(raw, c)
    return Part(
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
