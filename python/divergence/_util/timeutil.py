"""Times and windows over time: one rule for reading a time, one window grammar, one grid.

Reading a time (:func:`parse_time` for one value, :func:`parse_times` for many; the Corpus's time
column and ``times=`` of drift and partisanship over time both go through it):

- a year: an integer, an integer-valued float (``1992.0``: what a column of years with a
  missing value becomes), or a string of one to four digits (``"1992"``); it stands for
  1 January of that year;
- a date: a ``datetime``/``date``/``np.datetime64``/``pd.Timestamp``, or an ISO string
  (``2022-09-08``, optionally with a time of day; a UTC offset is dropped, keeping the local
  wall time, so the calendar day the statement was made stays);
- missing: None, NaN, NaT, pd.NA or an empty string;
- anything else is not a time (``"08/09/2022"``, ``1992.5``, True), and a year outside 1678 to
  2261 is out of range (times are datetime64[ns]).

The resolution of a set of times is ``"date"`` when any value was written as a date, ``"year"``
when all were years, None when there is none.

Windows (:func:`parse_window`): a number of statements (``50``) or a span of time (``"90D"``,
``"2W"``, ``"6M"``, ``"1Y"``). Time windows are half-open ``[start, start + window)``, start =
first time + k * step, kept while they end no later than one resolution unit after the last time;
when the last time falls past the last of them, one more window, anchored at the end (ending one
resolution unit after the last time), covers it (:func:`window_grid`). Count windows likewise end
with ``[n - window, n)`` when the step leaves the last statements out (:func:`count_windows`).
All data is then in some window (a step longer than the window still leaves gaps between
windows). :func:`window_bounds` turns windows into row ranges of time-ordered statements, with
each window's ``anchored_end`` flag. :func:`when_text` writes a window bound for people;
:data:`EMPTY_WINDOW` is the reason an empty window is not scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

import numpy as np
import pandas as pd

from .types import TimeBound, TimesLike, WindowSpec

__all__ = [
    "BAD",
    "DATE",
    "EMPTY_WINDOW",
    "MAX_YEAR",
    "MIN_YEAR",
    "MISSING",
    "OUT_OF_RANGE",
    "Grid",
    "ParsedTimes",
    "RowWindows",
    "Window",
    "YEAR",
    "utc_offsets",
    "as_ns",
    "check_sorted",
    "check_window_args",
    "count_windows",
    "item_at",
    "outside_rows",
    "parse_time",
    "parse_times",
    "parse_window",
    "parse_windows",
    "span_text",
    "statement_times",
    "time_bound",
    "time_format",
    "to_times",
    "when_text",
    "window_bounds",
    "window_grid",
    "windows_note",
]

# Timestamps are datetime64[ns]: 1677-09-22 .. 2262-04-11.
MIN_YEAR, MAX_YEAR = 1678, 2261
YEAR_RE = re.compile(r"^\d{1,4}$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)

# What a value is, as read (ParsedTimes.kinds).
MISSING, YEAR, DATE, BAD, OUT_OF_RANGE = 0, 1, 2, 3, 4

_NAT = np.datetime64("NaT", "ns")


# --------------------------------------------------------------------------------------------
# Reading times


def _year_value(y: int) -> Optional[np.datetime64]:
    if MIN_YEAR <= y <= MAX_YEAR:
        return np.datetime64(f"{y:04d}-01-01", "ns")
    return None


def _date_value(ts: pd.Timestamp) -> Optional[np.datetime64]:
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)  # local wall time: keeps the calendar day the statement was made
    if not (MIN_YEAR <= ts.year <= MAX_YEAR):
        return None
    return np.datetime64(ts.to_datetime64(), "ns")


def _found(kind: int, t: Optional[np.datetime64]) -> Tuple[int, Optional[np.datetime64]]:
    return (kind, t) if t is not None else (OUT_OF_RANGE, None)


def parse_time(v: object) -> Tuple[int, Optional[np.datetime64]]:
    """(kind, datetime64[ns] or None) of one value, by the rule in the module docstring."""
    if v is None or v is pd.NaT or v is pd.NA:
        return MISSING, None
    if isinstance(v, (bool, np.bool_)):
        return BAD, None
    if isinstance(v, (int, np.integer)):
        return _found(YEAR, _year_value(int(v)))
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return MISSING, None
        if not float(v).is_integer():
            return BAD, None
        return _found(YEAR, _year_value(int(v)))
    if isinstance(v, (datetime, date, np.datetime64)):
        ts = pd.Timestamp(v)
        if ts is pd.NaT:
            return MISSING, None
        return _found(DATE, _date_value(ts))
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return MISSING, None
        if YEAR_RE.match(s):
            return _found(YEAR, _year_value(int(s)))
        if DATE_RE.match(s):
            try:
                ts = pd.Timestamp(s)
            except (ValueError, OverflowError):
                return BAD, None
            return _found(DATE, _date_value(ts))
    return BAD, None


@dataclass
class ParsedTimes:
    """Times read from a sequence: ``values`` (datetime64[ns], NaT where there is no time) and
    ``kinds`` (int8: MISSING, YEAR, DATE, BAD or OUT_OF_RANGE per value)."""

    values: np.ndarray
    kinds: np.ndarray

    @property
    def resolution(self) -> Optional[str]:
        """``"date"`` when any value is a date, ``"year"`` when the times are all years, else
        None."""
        if bool(np.any(self.kinds == DATE)):
            return "date"
        return "year" if bool(np.any(self.kinds == YEAR)) else None

    def first_problem(self) -> Optional[int]:
        """Position of the first value that is not a time or is out of range (None: none)."""
        bad = np.flatnonzero(self.kinds >= BAD)
        return int(bad[0]) if len(bad) else None


def _from_years(y: np.ndarray) -> ParsedTimes:
    ok = (y >= MIN_YEAR) & (y <= MAX_YEAR)
    values = np.full(len(y), _NAT)
    values[ok] = (y[ok] - 1970).astype("datetime64[Y]").astype("datetime64[ns]")
    return ParsedTimes(values, np.where(ok, YEAR, OUT_OF_RANGE).astype(np.int8))


def _from_floats(f: np.ndarray) -> ParsedTimes:
    nan = np.isnan(f)
    integral = np.isfinite(f) & (f == np.floor(f))
    y = np.where(integral, np.clip(f, -1e9, 1e9), 0).astype(np.int64)
    out = _from_years(y)
    out.kinds[~integral] = BAD
    out.kinds[nan] = MISSING
    out.values[~integral] = _NAT
    return out


def _from_datetimes(a: np.ndarray) -> ParsedTimes:
    nat = np.isnat(a)
    year = a.astype("datetime64[Y]").astype(np.int64) + 1970
    ok = ~nat & (year >= MIN_YEAR) & (year <= MAX_YEAR)
    values = np.full(len(a), _NAT)
    values[ok] = a[ok].astype("datetime64[ns]")
    kinds = np.where(nat, MISSING, np.where(ok, DATE, OUT_OF_RANGE)).astype(np.int8)
    return ParsedTimes(values, kinds)


def _one_by_one(items: Iterable[object], n: int) -> ParsedTimes:
    values = np.full(n, _NAT)
    kinds = np.empty(n, dtype=np.int8)
    cache: Dict[Tuple[type, object], Tuple[int, Optional[np.datetime64]]] = {}
    for i, v in enumerate(items):
        key = (type(v), v)  # 1, 1.0 and True are equal keys otherwise
        try:
            hit = cache.get(key)
        except TypeError:  # unhashable: a list or a dict is not a time
            hit = (BAD, None)
        if hit is None:
            hit = parse_time(v)
            cache[key] = hit
        kinds[i] = hit[0]
        if hit[1] is not None:
            values[i] = hit[1]
    return ParsedTimes(values, kinds)


_OFFSET_RE = r"(?:Z|[+-]\d{2}:?\d{2})$"


def _from_strings(u: np.ndarray) -> ParsedTimes:
    """Distinct strings read vectorised: years, and ISO dates without a UTC offset through
    pandas; whatever pandas does not read (offsets, out-of-range or invalid dates) value by
    value, so that the result is :func:`parse_time`'s."""
    s = pd.Series(u, dtype="string[pyarrow]").str.strip()  # regular expressions run in Arrow
    values = np.full(len(u), _NAT)
    kinds = np.full(len(u), BAD, dtype=np.int8)
    kinds[(s == "").to_numpy(dtype=bool)] = MISSING
    year = s.str.fullmatch(YEAR_RE.pattern).to_numpy(dtype=bool)
    if year.any():
        y = _from_years(s[year].astype("int64").to_numpy(dtype=np.int64))
        values[year], kinds[year] = y.values, y.kinds
    date = s.str.fullmatch(DATE_RE.pattern).to_numpy(dtype=bool) & ~year
    slow = date & s.str.contains(_OFFSET_RE).to_numpy(dtype=bool)
    plain = date & ~slow
    if plain.any():
        ts = pd.to_datetime(s[plain].astype(object), format="ISO8601", errors="coerce").to_numpy()
        d = _from_datetimes(ts)
        ok = d.kinds == DATE
        idx = np.flatnonzero(plain)
        values[idx[ok]], kinds[idx[ok]] = d.values[ok], DATE
        slow[idx[~ok]] = True
    if slow.any():
        idx = np.flatnonzero(slow)
        one = _one_by_one(u[idx], len(idx))
        values[idx], kinds[idx] = one.values, one.kinds
    return ParsedTimes(values, kinds)


def _from_objects(arr: np.ndarray) -> ParsedTimes:
    kind = pd.api.types.infer_dtype(arr, skipna=True)
    try:
        if kind == "integer":
            return _from_years(arr.astype(np.int64))
        if kind == "floating":
            return _from_floats(arr.astype(np.float64))
    except (TypeError, ValueError, OverflowError):  # pd.NA among them, or a huge integer
        pass
    if kind == "string":  # read each distinct string once
        codes, uniq = pd.factorize(arr, use_na_sentinel=True)
        u = _from_strings(np.asarray(uniq, dtype=object))
        codes = np.asarray(codes)
        miss = codes < 0
        values = u.values[codes]
        kinds = u.kinds[codes]
        values[miss] = _NAT
        kinds[miss] = MISSING
        return ParsedTimes(values, kinds)
    return _one_by_one(arr, len(arr))


def parse_times(values: TimesLike) -> ParsedTimes:
    """Every value of a 1-d sequence (list, tuple, array, Series, Index) read by
    :func:`parse_time`; whole arrays of numbers, datetimes and strings are read vectorised."""
    if isinstance(values, (pd.Series, pd.Index)):
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            idx = pd.DatetimeIndex(values)
            if idx.tz is not None:
                idx = idx.tz_localize(None)  # local wall time
            return _from_datetimes(idx.to_numpy())
        arr = values.to_numpy()
    elif isinstance(values, np.ndarray):
        arr = values
    else:
        items = list(values)
        arr = np.fromiter(items, dtype=object, count=len(items))
    if arr.ndim != 1:
        raise ValueError(f"expected a 1-d sequence of times, got shape {arr.shape}")
    k = arr.dtype.kind
    if k in "iu":
        return _from_years(arr.astype(np.int64))
    if k == "f":
        return _from_floats(arr.astype(np.float64))
    if k == "M":
        return _from_datetimes(arr)
    if k == "b":
        return ParsedTimes(np.full(len(arr), _NAT), np.full(len(arr), BAD, dtype=np.int8))
    return _from_objects(arr if k == "O" else arr.astype(object))


_TIME_OFFSET_RE = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$")


def _offset_text(off: object) -> str:
    """A UTC offset as ``+04:00`` (``Z`` and ``+0400`` alike)."""
    if isinstance(off, str):
        if off == "Z":
            return "+00:00"
        return off if ":" in off else f"{off[:3]}:{off[3:]}"
    assert isinstance(off, pd.Timedelta)
    minutes = int(off.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def utc_offsets(values: TimesLike) -> List[str]:
    """The distinct UTC offsets (``+04:00``; ``Z`` is ``+00:00``) written on the times of
    ``values`` (ISO strings with a time of day and an offset, timezone-aware datetimes), sorted.
    More than one means that the reading rule (local wall time, offset dropped) treats times of
    different instants as one (``10:00+04:00`` and ``10:00Z``)."""
    if isinstance(values, (pd.Series, pd.Index)) and pd.api.types.is_datetime64_any_dtype(
        values.dtype
    ):
        tz = getattr(values.dtype, "tz", None)
        if tz is None or len(values) == 0:
            return []
        found = {
            _offset_text(pd.Timedelta(pd.Timestamp(t).utcoffset()))
            for t in values
            if t is not pd.NaT
        }
        return sorted(found)
    found = set()
    for v in pd.unique(
        pd.Series(list(values) if not isinstance(values, np.ndarray) else values, dtype=object)
    ):
        if isinstance(v, str):
            m = _TIME_OFFSET_RE.search(v.strip())
            if m:
                found.add(_offset_text(m.group(1)))
        elif isinstance(v, (datetime, pd.Timestamp)) and v.tzinfo is not None:
            off = pd.Timestamp(v).utcoffset()
            if off is not None:
                found.add(_offset_text(pd.Timedelta(off)))
    return sorted(found)


def item_at(values: TimesLike, i: int) -> object:
    """Value ``i`` of a sequence as given (a NumPy scalar as the Python value), for messages."""
    v = values.iloc[i] if isinstance(values, pd.Series) else values[i]
    return v.item() if isinstance(v, np.generic) and not isinstance(v, np.datetime64) else v


def to_times(times: TimesLike, name: str = "times") -> Tuple[pd.DatetimeIndex, Optional[str]]:
    """One time per statement as a DatetimeIndex, and its resolution; a value that is not a
    time, or a statement without one, is a ValueError naming its position."""
    if not isinstance(times, (pd.Series, pd.Index, np.ndarray, list, tuple)):
        times = np.asarray(times)
    shape = np.shape(times) if not isinstance(times, (pd.Series, pd.Index)) else (len(times),)
    if len(shape) != 1:
        raise ValueError(f"{name}: expected one time per statement (1-d), got shape {shape}")
    p = parse_times(times)
    i = p.first_problem()
    if i is not None:
        v = item_at(times, i)
        if p.kinds[i] == OUT_OF_RANGE:
            raise ValueError(
                f"{name}: {v!r} (position {i}) is outside the supported range "
                f"(years {MIN_YEAR} to {MAX_YEAR})"
            )
        raise ValueError(
            f"{name}: cannot read {v!r} (position {i}) as a time; expected dates, datetimes, "
            "ISO date strings (2022-09-08) or years (1992, or 1992.0)"
        )
    missing = np.flatnonzero(p.kinds == MISSING)
    if len(missing):
        shown = ", ".join(str(i) for i in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ValueError(f"{name}: {len(missing)} statement(s) have no time (positions {shown})")
    return pd.DatetimeIndex(p.values), p.resolution


def as_ns(x: TimesLike) -> np.ndarray:
    """Times as int64 nanoseconds (whatever unit pandas chose)."""
    return np.asarray(pd.DatetimeIndex(x).values.astype("datetime64[ns]")).view(np.int64)


def check_sorted(t: np.ndarray, what: str = "times") -> None:
    bad = np.flatnonzero(t[1:] < t[:-1])
    if len(bad):
        i = int(bad[0]) + 1
        raise ValueError(
            f"{what}: not sorted (statement {i} comes before statement {i - 1}); "
            "sort the statements by time first"
        )


def statement_times(times: TimesLike, n: Optional[int]) -> Tuple[pd.DatetimeIndex, Optional[str]]:
    """:func:`to_times` of statements in time order: one time each (when ``n`` is given),
    sorted."""
    t, res = to_times(times)
    if n is not None and len(t) != n:
        raise ValueError(f"times: {len(t)} times for {n} statements")
    check_sorted(as_ns(t))
    return t, res


def time_bound(value: TimeBound, end: bool, name: str) -> Tuple[pd.Timestamp, bool]:
    """(timestamp, inclusive) of a period's start or end; a year or a date stands for its whole
    span (an end year 2020 is ``< 2021-01-01``, an end date is up to the next midnight)."""
    if isinstance(value, bool):
        raise TypeError(f"{name}: expected a date, a year or None, got bool")
    span = None
    if isinstance(value, (int, np.integer)):
        ts, span = pd.Timestamp(year=int(value), month=1, day=1), "year"
    elif isinstance(value, str):
        s = value.strip()
        if YEAR_RE.match(s):
            ts, span = pd.Timestamp(year=int(s), month=1, day=1), "year"
        elif DAY_RE.match(s):
            ts, span = pd.Timestamp(s), "day"
        elif DATE_RE.match(s):
            ts = pd.Timestamp(s)
        else:
            raise ValueError(
                f"{name}: cannot parse {value!r} as an ISO date (2022-09-08) or a year (1992)"
            )
    elif isinstance(value, datetime):
        ts = pd.Timestamp(value)
    elif isinstance(value, date):
        ts, span = pd.Timestamp(value), "day"
    elif isinstance(value, np.datetime64):
        ts = pd.Timestamp(value)
    else:
        raise TypeError(f"{name}: expected a date, a year or None, got {type(value).__name__}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    if end and span == "year":
        return pd.Timestamp(year=ts.year + 1, month=1, day=1), False
    if end and span == "day":
        return ts + pd.Timedelta(days=1), False
    return ts, True


def time_format(resolution: Optional[str]) -> str:
    """strftime format of a time at this resolution: the year for yearly data, else the date."""
    return "%Y" if resolution == "year" else "%Y-%m-%d"


def when_text(v: object, resolution: Optional[str]) -> str:
    """A window bound as text: a year for yearly data, a date otherwise (with the time of day
    when it has one), a row position as is."""
    if isinstance(v, pd.Timestamp):
        if resolution == "year":
            return v.strftime("%Y")
        return v.strftime("%Y-%m-%d") if v == v.normalize() else str(v)
    return str(v)


# --------------------------------------------------------------------------------------------
# Window specifications

Window = Union[int, Tuple[int, str]]

_SPAN_RE = re.compile(r"^\s*(\d+)\s*([DWMY])\s*$", re.IGNORECASE)
_MIN_DAYS = {"D": 1, "W": 7, "M": 28, "Y": 365}
_UNIT_WORD = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}
_RES_DAYS = {"year": 365, "date": 1}


def parse_window(value: WindowSpec, name: str = "window") -> Window:
    """``50`` or ``"50"`` -> 50 statements; ``"90D"``, ``"6M"``, ``"1Y"``, ``"2W"`` -> (n, unit)."""
    if isinstance(value, bool):
        raise TypeError(
            f"{name}: expected a number of statements or a span such as '90D', got a bool"
        )
    if isinstance(value, (int, np.integer)):
        n = int(value)
        if n <= 0:
            raise ValueError(f"{name}: must be at least 1 statement, got {n}")
        return n
    if isinstance(value, str):
        s = value.strip()
        if s.isdigit():
            return parse_window(int(s), name)
        m = _SPAN_RE.match(s)
        if not m:
            raise ValueError(
                f"{name}: {value!r} is neither a number of statements nor a span like '90D', "
                "'2W', '6M' or '1Y'"
            )
        n = int(m.group(1))
        if n <= 0:
            raise ValueError(f"{name}: must be a positive span, got {value!r}")
        return (n, m.group(2).upper())
    raise TypeError(
        f"{name}: expected an int or a string such as '90D', got {type(value).__name__}"
    )


def parse_windows(window: WindowSpec, step: Optional[WindowSpec]) -> Tuple[Window, Window]:
    """``(window, step)`` parsed; ``step`` defaults to ``window`` (disjoint windows)."""
    return parse_window(window, "window"), parse_window(
        step if step is not None else window, "step"
    )


def span_text(w: Window) -> str:
    return str(w) if isinstance(w, int) else f"{w[0]}{w[1]}"


def check_window_args(
    window: Window, step: Window, resolution: Optional[str], has_times: bool
) -> None:
    """Window and step of one kind, no narrower than the data's time resolution; time windows
    need times."""
    if isinstance(window, int) != isinstance(step, int):
        raise ValueError(
            f"step: window {span_text(window)!r} and step {span_text(step)!r} must both be "
            "numbers of statements or both spans of time"
        )
    if isinstance(window, tuple) and isinstance(step, tuple) and resolution in _RES_DAYS:
        need = _RES_DAYS[resolution]
        for name, w in (("window", window), ("step", step)):
            if w[0] * _MIN_DAYS[w[1]] < need:
                hint = "; use at least 1Y" if resolution == "year" else "; use at least 1D"
                raise ValueError(
                    f"{name}: {span_text(w)} is narrower than the data's time resolution "
                    f"({resolution}s){hint}"
                )
    if isinstance(window, tuple) and not has_times:
        raise ValueError(
            f"times: time windows ({span_text(window)}) need times= (one per statement)"
        )


# --------------------------------------------------------------------------------------------
# Grids and row ranges


def _offset(n: int, unit: str) -> pd.DateOffset:
    return pd.DateOffset(**{_UNIT_WORD[unit]: n})


def _time_grid(
    t_min: pd.Timestamp,
    t_max: pd.Timestamp,
    window: Tuple[int, str],
    step: Tuple[int, str],
    resolution: Optional[str],
) -> Tuple[List[pd.Timestamp], List[pd.Timestamp], bool]:
    res = (
        pd.DateOffset(years=1)
        if resolution == "year"
        else pd.DateOffset(days=1)
        if resolution == "date"
        else pd.Timedelta(0)
    )
    limit = t_max + res
    w_off = _offset(*window)
    starts: List[pd.Timestamp] = []
    ends: List[pd.Timestamp] = []
    k = 0
    while True:
        s = t_min + _offset(step[0] * k, step[1]) if k else t_min
        e = s + w_off
        if e > limit:
            break
        starts.append(s)
        ends.append(e)
        k += 1
        if k > 10_000_000:  # pragma: no cover - guarded by the span checks
            raise ValueError("step: too many windows")
    anchored = bool(ends) and ends[-1] <= t_max
    if anchored:  # the last times are in no window: one more, anchored at the end
        starts.append(limit - w_off)
        ends.append(limit)
    return starts, ends, anchored


def count_windows(n: int, window: int, step: int) -> Tuple[np.ndarray, np.ndarray]:
    """Row ranges ``[start, end)`` of windows of ``window`` statements every ``step``, and a
    last window ``[n - window, n)`` anchored at the end when the step leaves the last statements
    out."""
    starts = np.arange(0, n - window + 1, step, dtype=np.int64)
    if len(starts) and starts[-1] + window < n:
        starts = np.append(starts, np.int64(n - window))
    return starts, starts + window


EMPTY_WINDOW = "empty window"


class Grid(NamedTuple):
    """The time windows shared by all groups: half-open ``[starts[k], ends[k])``; ``anchored``:
    whether the last window is anchored at the end of the data (not on the step's grid)."""

    starts: List[pd.Timestamp]
    ends: List[pd.Timestamp]
    anchored: bool


# Reported window starts / ends: times, or row positions when there are none.
Bounds = Union[pd.DatetimeIndex, np.ndarray]


def window_grid(
    t: Optional[pd.DatetimeIndex], win: Window, stp: Window, resolution: Optional[str]
) -> Optional[Grid]:
    """The time windows over the times ``t`` (None for count windows): start = first time + k *
    step while the window ends no later than one resolution unit after the last time, then, if
    the last time is in none of them, one window anchored at the end (``Grid.anchored``)."""
    if not isinstance(win, tuple):
        return None
    assert t is not None and isinstance(stp, tuple)
    t_min, t_max = t.min(), t.max()
    starts, ends, anchored = _time_grid(t_min, t_max, win, stp, resolution)
    if not starts:
        fmt = time_format(resolution)
        raise ValueError(
            f"window: {span_text(win)} is longer than the data's span ({t.min().strftime(fmt)} to "
            f"{t.max().strftime(fmt)}); use a shorter window"
        )
    return Grid(starts, ends, anchored)


class RowWindows(NamedTuple):
    """Windows over one time-ordered sequence (:func:`window_bounds`): window k holds rows
    ``begin[k]:end[k]``; ``start``/``stop`` are its reported bounds; ``anchored`` (bool per
    window) marks the last window when it is anchored at the end of the data."""

    begin: np.ndarray
    end: np.ndarray
    start: Bounds
    stop: Bounds
    anchored: np.ndarray


def window_bounds(
    tk: Optional[pd.DatetimeIndex],
    n: int,
    win: Window,
    stp: Window,
    resolution: Optional[str],
    grid: Optional[Grid],
    who: str,
) -> RowWindows:
    """Row ranges of windows over one time-ordered sequence, with their reported start/end
    (time windows: the half-open span; count windows: the first and last statement's time, or
    row positions ``[start, end)`` without times) and which one is anchored at the end."""
    if isinstance(win, int):
        assert isinstance(stp, int)
        if n < win:
            raise ValueError(
                f"window: {win} statements is more than the {n} statements of {who}; "
                "use a smaller window"
            )
        b, e = count_windows(n, win, stp)
        anchored = np.zeros(len(b), dtype=bool)
        anchored[-1] = len(b) > 1 and b[-1] - b[-2] != stp
        ws: Bounds
        we: Bounds
        if tk is not None:
            ws, we = tk[b], tk[e - 1]
        else:
            ws, we = b, e
        return RowWindows(b, e, ws, we, anchored)
    assert grid is not None and tk is not None
    ti = as_ns(tk)
    s64 = as_ns(grid.starts)
    e64 = as_ns(grid.ends)
    b = np.searchsorted(ti, s64, side="left").astype(np.int64)
    e = np.searchsorted(ti, e64, side="left").astype(np.int64)
    anchored = np.zeros(len(b), dtype=bool)
    anchored[-1] = grid.anchored
    return RowWindows(b, e, pd.DatetimeIndex(grid.starts), pd.DatetimeIndex(grid.ends), anchored)


def outside_rows(begin: np.ndarray, end: np.ndarray, n: int) -> np.ndarray:
    """Positions of the rows ``0..n-1`` that are in none of the windows ``[begin[k], end[k])``."""
    covered = np.zeros(n + 1, dtype=np.int64)
    np.add.at(covered, np.asarray(begin, dtype=np.int64), 1)
    np.add.at(covered, np.asarray(end, dtype=np.int64), -1)
    return np.flatnonzero(np.cumsum(covered)[:n] == 0)


def windows_note(
    outside: np.ndarray, n: int, times: Optional[pd.DatetimeIndex], resolution: Optional[str]
) -> Optional[str]:
    """The note on statements in no window (``times``: in the rows' order), None when there is
    none. With the window anchored at the end only a step longer than the window leaves any."""
    if not len(outside):
        return None
    what = ""
    if times is not None:
        lo, hi = times[int(outside[0])], times[int(outside[-1])]
        what = f" (times {when_text(lo, resolution)} to {when_text(hi, resolution)})"
    return (
        f"{len(outside)} of {n} statement(s){what} fall in no window: the step is longer than "
        "the window, so the statements between windows are in none; use a step no longer than "
        "the window to include them"
    )
