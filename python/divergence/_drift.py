"""How positions move over time: sliding-window drift, novelty / transience / resonance, and
change points.

:func:`drift` slides windows over time-ordered statements and compares window distributions
(summed term counts):

- ``mode="adjacent"``: each window of a group against the group's previous window (self-drift;
  the first window has no predecessor and gets NaN);
- ``mode="baseline"``: each window against a reference window of the same group (the first
  non-empty window, or ``reference=``);
- ``mode="between"``: per window, every pair of groups (the gap over time), with a bootstrap
  band (statements resampled with replacement within group within window), the permutation
  null mean (group labels shuffled across the window's statements: the divergence that sampling
  noise alone gives groups of these sizes, which matters because windows are small), the excess
  over it and a permutation p-value.

Windows are counted in statements (``window=50, step=10``) or spans of time (``window="90D",
step="30D"``; units D, W, M, Y: ``"1Y"``, ``"6M"``). Time windows are half-open
``[start, start + window)``, start = first time + k * step, kept while they end no later than one
resolution unit (a year for yearly data, a day for dates) after the last time, and shared by all
groups so that curves align. Empty windows are reported (n_statements 0, value NaN).

The core keeps each window's counts in a dense vector and moves it by adding and removing
statements: moving a window by one statement costs that statement's terms, not the window's.
With integer counts the moved vector is bit-identical to one summed from scratch
(``incremental=False`` recomputes every window; the results are equal exactly).
Results are identical for every ``n_jobs``: replicate r of window w uses its own random stream.

:func:`token_drift` compares adjacent windows of ``w`` tokens along one token stream in O(1) per
token moved (O(tokens) for the whole curve). :func:`novelty` computes Barron et al.'s (2018)
novelty, transience and resonance; :func:`changepoints` finds shifts in the mean of a series
(binary segmentation with a BIC penalty, permutation p-values).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._util.validation import LOG_METRICS, check_count, check_metric, check_options, resolve_n_jobs, seed_value
from ._util.operands import as_csr, csr_tuple

__all__ = ["MODES", "drift", "parse_window"]

MODES = ("adjacent", "baseline", "between")
_SPAN_RE = re.compile(r"^\s*(\d+)\s*([DWMY])\s*$", re.IGNORECASE)
_MIN_DAYS = {"D": 1, "W": 7, "M": 28, "Y": 365}
_UNIT_WORD = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}
_RES_DAYS = {"year": 365, "date": 1}

Window = Union[int, Tuple[int, str]]


# --------------------------------------------------------------------------------------------
# Arguments


def parse_window(value: Any, name: str = "window") -> Window:
    """``50`` or ``"50"`` -> 50 statements; ``"90D"``, ``"6M"``, ``"1Y"``, ``"2W"`` -> (n, unit)."""
    if isinstance(value, bool):
        raise TypeError(f"{name}: expected a number of statements or a span such as '90D', got a bool")
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
    raise TypeError(f"{name}: expected an int or a string such as '90D', got {type(value).__name__}")


def span_text(w: Window) -> str:
    return str(w) if isinstance(w, int) else f"{w[0]}{w[1]}"


def _offset(n: int, unit: str) -> Any:
    return pd.DateOffset(**{_UNIT_WORD[unit]: n})


def to_times(times: Any) -> Tuple[pd.DatetimeIndex, Optional[str]]:
    """Times as datetime64 (integers are years) and the inferred resolution."""
    arr = times.to_numpy() if isinstance(times, (pd.Series, pd.Index)) else np.asarray(times)
    if arr.ndim != 1:
        raise ValueError(f"times: expected one time per statement (1-d), got shape {arr.shape}")
    if arr.dtype.kind in "iu":
        t = pd.to_datetime(pd.Series(arr.astype(np.int64)).astype(str), format="%Y", errors="coerce")
        idx = pd.DatetimeIndex(t)
        res: Optional[str] = "year"
    else:
        if arr.dtype.kind == "f":
            raise TypeError("times: expected dates, datetimes or integer years, got floats")
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(arr))
        except (ValueError, TypeError) as e:
            raise ValueError(f"times: could not read as dates ({e})") from None
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        res = None
    missing = np.flatnonzero(np.asarray(idx.isna()))
    if len(missing):
        shown = ", ".join(str(i) for i in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ValueError(f"times: {len(missing)} statement(s) have no time (positions {shown})")
    if res is None and len(idx) and bool(np.all(idx.normalize() == idx)):
        jan1 = bool(np.all((idx.month == 1) & (idx.day == 1)))
        res = "year" if jan1 and len(set(idx.year)) > 1 else "date"
    return idx, res


def as_ns(x: Any) -> np.ndarray:
    """Times as int64 nanoseconds (whatever unit pandas chose)."""
    return np.asarray(pd.DatetimeIndex(x).values.astype("datetime64[ns]")).view(np.int64)


def check_sorted(t: np.ndarray, what: str = "times") -> None:
    bad = np.flatnonzero(t[1:] < t[:-1])
    if len(bad):
        i = int(bad[0]) + 1
        raise ValueError(
            f"{what}: not sorted (statement {i} comes before statement {i - 1}); sort the statements "
            "by time first"
        )


# --------------------------------------------------------------------------------------------
# Windows


def _time_grid(t_min: pd.Timestamp, t_max: pd.Timestamp, window: Tuple[int, str], step: Tuple[int, str],
               resolution: Optional[str]) -> Tuple[List[pd.Timestamp], List[pd.Timestamp]]:
    res = pd.DateOffset(years=1) if resolution == "year" else pd.DateOffset(days=1) if resolution == "date" else pd.Timedelta(0)
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
    return starts, ends


def check_window_args(window: Window, step: Window, resolution: Optional[str]) -> None:
    if isinstance(window, int) != isinstance(step, int):
        raise ValueError(
            f"step: window {span_text(window)!r} and step {span_text(step)!r} must both be numbers of "
            "statements or both spans of time"
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


def _count_windows(n: int, window: int, step: int) -> Tuple[np.ndarray, np.ndarray]:
    starts = np.arange(0, n - window + 1, step, dtype=np.int64)
    return starts, starts + window


# --------------------------------------------------------------------------------------------
# Data preparation


def prepare_rows(data: Any, times: Any, groups: Any, vectorizer: Any, sort: bool) -> Dict[str, Any]:
    """X (CSR, rows in time order), times (DatetimeIndex or None), resolution, labels (str)."""
    from ._corpus import Corpus

    notes: List[str] = []
    if isinstance(data, Corpus):
        if times is not None:
            raise ValueError("times: a Corpus carries its times; do not pass times=")
        c = data
        if groups is not None:
            c = c.filter(groups=[groups] if isinstance(groups, str) else list(groups))
        if len(c) == 0:
            raise ValueError("data: no statements")
        c.require_time()
        order = np.argsort(c.time.to_numpy(), kind="stable")
        frame = c.frame.iloc[order].reset_index(drop=True)
        from ._text import Vectorizer

        vec = vectorizer if vectorizer is not None else Vectorizer()
        X = as_csr(vec.fit_transform(list(frame["text"])))
        t = pd.DatetimeIndex(frame["time"])
        return dict(X=X, times=t, resolution=c.time_resolution, labels=np.asarray(frame["group"].astype(str)),
                    ids=np.asarray(frame["id"].astype(str)), notes=notes, vocab=vec.get_feature_names_out())
    X = as_csr(data)
    n = X.shape[0]
    if groups is None:
        labels = np.broadcast_to(np.array("all"), (n,))  # read-only view, no n-element copy
    else:
        labels = np.asarray(groups).astype(str)
        if labels.shape != (n,):
            raise ValueError(f"groups: {labels.shape[0] if labels.ndim else 0} labels for {n} statements")
    t = None
    res: Optional[str] = None
    if times is not None:
        t, res = to_times(times)
        if len(t) != n:
            raise ValueError(f"times: {len(t)} times for {n} statements")
        check_sorted(as_ns(t))
    return dict(X=X, times=t, resolution=res, labels=labels, ids=None, notes=notes, vocab=None,
                one_group=groups is None)


# --------------------------------------------------------------------------------------------
# drift


def drift(
    data: Any,
    times: Any = None,
    groups: Any = None,
    *,
    window: Any,
    step: Any = None,
    mode: str = "adjacent",
    metric: str = "jsd",
    alpha: float = 0.0,
    base: Optional[float] = None,
    bootstrap: int = 0,
    permutations: int = 0,
    ci: float = 0.95,
    ci_method: str = "percentile",
    seed: Optional[int] = 0,
    n_jobs: Optional[int] = None,
    reference: Any = None,
    vectorizer: Any = None,
    incremental: bool = True,
    progress: Any = None,
) -> pd.DataFrame:
    """Divergence over sliding windows of time-ordered statements.

    Parameters
    ----------
    data : a :class:`~divergence.Corpus` (needs times; statements are sorted by time), or a
        statements x terms count matrix (sparse or dense) whose rows are in time order, or
        statement-level topic mixtures (a dense N x k array whose rows sum to 1, e.g.
        ``TopicModel(k=10).fit_transform(texts)``) for topic drift over time. A window's
        distribution is its rows summed and normalised: for counts, the window's term
        distribution; for mixtures, the mean of the window's mixtures (its topic prevalence).
        Non-integer rows (mixtures, weights) are summed from scratch for every window (cost
        rows x k per window, small for topics); ``n_tokens`` is then the window's total mass
        (for mixtures, its number of statements).
    times : for a matrix: one time per statement (dates, datetimes, or integer years), sorted
        (non-decreasing); optional for windows counted in statements (row order is time order).
    groups : for a matrix: one group label per statement (None: one group, ``"all"``). For a
        Corpus: the group names to keep (None keeps all).
    window, step : both numbers of statements (``window=50, step=10``) or both spans of time
        (``"90D"``, ``"2W"``, ``"6M"``, ``"1Y"``). ``step`` defaults to ``window`` (disjoint
        windows). Count windows run over each group's statements (adjacent, baseline) or over
        all statements (between).
    mode : ``"adjacent"``, ``"baseline"`` or ``"between"`` (see the module docstring).
    metric, alpha, base : as in :func:`divergence.pairwise` (jsd in nats by default).
    bootstrap, permutations, ci : replicates per window for ``mode="between"`` (0: none) and
        the interval's coverage; ``ci_method``: ``"percentile"`` or ``"basic"`` (2 value - q,
        which corrects the upward shift that resampling adds to a plug-in divergence: with few
        statements per window percentile intervals can sit above ``value``).
    seed : random seed; the same seed gives the same numbers for any ``n_jobs``.
    reference : ``mode="baseline"`` only: an int (the window index to compare against) or a
        ``(start, end)`` period (inclusive; integers are whole years).
    vectorizer : for a Corpus, the :class:`~divergence.Vectorizer` (default ``Vectorizer()``).
    incremental : False sums every window from scratch (same results; for checks).
    progress : optional ``progress(done, total)`` callable (between mode).

    Returns
    -------
    DataFrame, one row per (group or pair, window): ``group`` (adjacent/baseline) or
    ``group_a``/``group_b`` (between), ``window`` (index), ``window_start``, ``window_end``
    (time windows: the half-open span; count windows: the first and last statement's time, or
    row positions ``[start, end)`` without times), ``n_statements``, ``n_tokens``, ``value``,
    ``ci_low``, ``ci_high``, ``null_mean`` (NaN unless computed), and for between mode ``n_a``,
    ``n_b``, ``boot_mean``, ``excess`` and ``p_value``. Settings are in ``df.attrs``.

    Raises
    ------
    ValueError
        Naming the argument: a window or step narrower than the data's time resolution (e.g.
        ``"30D"`` on yearly data), a step of 0, a window longer than the data, unsorted or
        missing times, an unknown mode or metric.
    """
    if mode not in MODES:
        raise ValueError(f"mode: must be one of {', '.join(MODES)}, got {mode!r}")
    metric = check_metric(metric)
    base_v = check_options(metric, base, alpha)
    bootstrap = check_count(bootstrap, "bootstrap")
    permutations = check_count(permutations, "permutations")
    if not (0 < ci < 1):
        raise ValueError(f"ci: must be between 0 and 1, got {ci}")
    if ci_method not in ("percentile", "basic"):
        raise ValueError(f"ci_method: must be 'percentile' or 'basic', got {ci_method!r}")
    if mode != "between" and (bootstrap or permutations):
        raise ValueError("bootstrap/permutations: replicates are computed for mode='between' only")
    if reference is not None and mode != "baseline":
        raise ValueError("reference: applies to mode='baseline' only")
    win = parse_window(window, "window")
    stp = parse_window(step if step is not None else window, "step")
    seed_v = seed_value(seed)
    threads = resolve_n_jobs(n_jobs)

    d = prepare_rows(data, times, groups, vectorizer, sort=True)
    X: sp.csr_matrix = d["X"]
    t: Optional[pd.DatetimeIndex] = d["times"]
    labels: np.ndarray = d["labels"]
    check_window_args(win, stp, d["resolution"])
    if isinstance(win, tuple) and t is None:
        raise ValueError(f"times: time windows ({span_text(win)}) need times= (one per statement)")
    n = X.shape[0]
    if d.get("one_group"):
        codes = np.zeros(n, dtype=np.int64)
        names = ["all"]
    else:
        uniq, codes = np.unique(labels, return_inverse=True)
        names = [str(u) for u in uniq]
    settings: Dict[str, Any] = dict(
        mode=mode, metric=metric, window=span_text(win), step=span_text(stp),
        units=("nats" if base is None else f"log base {base}") if metric in LOG_METRICS else "none",
        base=base, alpha=alpha, bootstrap=bootstrap, permutations=permutations, ci=ci,
        ci_method=ci_method, seed=seed_v,
        n_jobs=threads, n_statements=n, n_terms=int(X.shape[1]), resolution=d["resolution"],
        groups=names, notes=d["notes"],
    )
    if mode == "between":
        if len(names) < 2:
            raise ValueError(f"groups: mode='between' needs at least two groups, found {len(names)}")
        table = _between(X, t, codes, names, win, stp, d["resolution"], metric, alpha, base_v,
                         bootstrap, permutations, ci, ci_method, seed_v, threads, incremental, progress)
    else:
        table = _self(X, t, codes, names, win, stp, d["resolution"], mode, metric, alpha, base_v,
                      reference, threads, incremental, settings)
    table.attrs = settings
    return table


def window_bounds(tk: Optional[pd.DatetimeIndex], n: int, win: Window, stp: Window, resolution: Optional[str],
                   grid: Optional[Tuple[List[pd.Timestamp], List[pd.Timestamp]]], who: str):
    """Row ranges of windows over one time-ordered sequence, with their reported start/end."""
    if isinstance(win, int):
        assert isinstance(stp, int)
        if n < win:
            raise ValueError(
                f"window: {win} statements is more than the {n} statements of {who}; use a smaller window"
            )
        b, e = _count_windows(n, win, stp)
        if tk is not None:
            ws: Any = tk[b]
            we: Any = tk[e - 1]
        else:
            ws, we = b, e
        return b, e, ws, we
    assert grid is not None and tk is not None
    starts, ends = grid
    ti = as_ns(tk)
    s64 = as_ns(starts)
    e64 = as_ns(ends)
    b = np.searchsorted(ti, s64, side="left").astype(np.int64)
    e = np.searchsorted(ti, e64, side="left").astype(np.int64)
    return b, e, pd.DatetimeIndex(starts), pd.DatetimeIndex(ends)


def window_grid(t: Optional[pd.DatetimeIndex], win: Window, stp: Window, resolution: Optional[str]):
    if not isinstance(win, tuple):
        return None
    assert t is not None and isinstance(stp, tuple)
    starts, ends = _time_grid(t.min(), t.max(), win, stp, resolution)
    if not starts:
        fmt = "%Y" if resolution == "year" else "%Y-%m-%d"
        raise ValueError(
            f"window: {span_text(win)} is longer than the data's span ({t.min().strftime(fmt)} to "
            f"{t.max().strftime(fmt)}); use a shorter window"
        )
    return starts, ends


def _reference_window(reference: Any, tk: Optional[pd.DatetimeIndex], b: np.ndarray, e: np.ndarray,
                      who: str) -> Tuple[int, int, str]:
    if reference is None:
        nonempty = np.flatnonzero(e > b)
        if not len(nonempty):
            raise ValueError(f"reference: {who} has no statements in any window")
        k = int(nonempty[0])
        return int(b[k]), int(e[k]), f"window {k}"
    if isinstance(reference, (int, np.integer)) and not isinstance(reference, bool):
        k = int(reference)
        if not 0 <= k < len(b):
            raise ValueError(f"reference: window {k} does not exist ({len(b)} windows)")
        return int(b[k]), int(e[k]), f"window {k}"
    if isinstance(reference, (tuple, list)) and len(reference) == 2:
        if tk is None:
            raise ValueError("reference: a (start, end) period needs times")

        def bound(x: Any, end: bool) -> Tuple[pd.Timestamp, str]:
            if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
                return pd.Timestamp(year=int(x) + (1 if end else 0), month=1, day=1), "left"
            return pd.Timestamp(x), "right" if end else "left"

        lo, _ = bound(reference[0], False)
        hi, side = bound(reference[1], True)
        if hi < lo:
            raise ValueError(f"reference: start {reference[0]!r} is after end {reference[1]!r}")
        ti = as_ns(tk)
        rb = int(np.searchsorted(ti, as_ns([lo])[0], side="left"))
        re_ = int(np.searchsorted(ti, as_ns([hi])[0], side=side))  # type: ignore[call-overload]
        if re_ <= rb:
            raise ValueError(f"reference: {who} has no statements between {reference[0]} and {reference[1]}")
        return rb, re_, f"{reference[0]} to {reference[1]}"
    raise TypeError("reference: expected a window index (int) or a (start, end) period")


def _self(X, t, labels, names, win, stp, resolution, mode, metric, alpha, base_v, reference,
          threads, incremental, settings) -> pd.DataFrame:
    grid = window_grid(t, win, stp, resolution)
    if len(labels) < 2 or bool(np.all(labels[1:] >= labels[:-1])):
        order = np.arange(len(labels))  # groups already contiguous: no copy of X
        Xo, sorted_labels = X, labels
    else:
        order = np.argsort(labels, kind="stable")  # labels: group codes; rows stay in time order
        Xo, sorted_labels = X[order], labels[order]
    bounds = np.searchsorted(sorted_labels, np.arange(len(names) + 1))
    begins: List[np.ndarray] = []
    ends: List[np.ndarray] = []
    pa: List[np.ndarray] = []
    pb: List[np.ndarray] = []
    meta = []
    offset = 0
    n_win = 0
    refs = {}
    for gi, g in enumerate(names):
        rows = order[bounds[gi]:bounds[gi + 1]]
        tk = t[rows] if t is not None else None
        b, e, ws, we = window_bounds(tk, len(rows), win, stp, resolution, grid, f"group {g!r}")
        m = len(b)
        ids = np.arange(n_win, n_win + m, dtype=np.int64)
        begins.append(b + offset)
        ends.append(e + offset)
        n_win += m
        if mode == "adjacent":
            pa.append(ids[:-1])
            pb.append(ids[1:])
            pair_of = np.concatenate([[-1], np.arange(m - 1)])
        else:
            rb, re_, label = _reference_window(reference, tk, b, e, f"group {g!r}")
            refs[g] = label
            begins.append(np.array([rb + offset], dtype=np.int64))
            ends.append(np.array([re_ + offset], dtype=np.int64))
            ref_id = n_win
            n_win += 1
            pa.append(np.full(m, ref_id, dtype=np.int64))
            pb.append(ids)
            pair_of = np.arange(m)
        meta.append((g, b + offset, e + offset, ws, we, pair_of))
        offset += len(rows)
    if mode == "baseline":
        settings["reference"] = refs
    B = np.concatenate(begins).astype(np.int64)
    E = np.concatenate(ends).astype(np.int64)
    A = np.concatenate(pa).astype(np.int64) if pa else np.zeros(0, np.int64)
    Z = np.concatenate(pb).astype(np.int64) if pb else np.zeros(0, np.int64)
    totals = np.empty(len(B))  # each window's summed counts (n_tokens), from the core's row scan
    vals = _core.window_pairs(csr_tuple(Xo), B, E, A, Z, metric, float(alpha), base_v, bool(incremental), threads,
                              totals)
    # One frame built from whole columns (per-group frames plus concat cost more than the
    # windows themselves on large inputs).
    cols: Dict[str, List[Any]] = {k: [] for k in ("window", "ws", "we", "n_statements", "n_tokens", "value")}
    lengths = []
    pos = pos_w = 0
    for g, b, e, ws, we, pair_of in meta:
        m = len(b)
        lengths.append(m)
        tot = totals[pos_w:pos_w + m]
        pos_w += m + (mode != "adjacent")  # baseline: the group's reference window follows
        v = np.full(m, np.nan)
        has = pair_of >= 0
        v[has] = vals[pos + pair_of[has]]
        pos += int(has.sum())
        cols["window"].append(np.arange(m, dtype=np.int64))
        cols["ws"].append(ws)
        cols["we"].append(we)
        cols["n_statements"].append((e - b).astype(np.int64))
        cols["n_tokens"].append(np.rint(tot).astype(np.int64))
        cols["value"].append(v)

    def joined(parts: List[Any]) -> Any:
        if isinstance(parts[0], pd.Index):
            return parts[0].append(parts[1:]) if len(parts) > 1 else parts[0]
        return np.concatenate(parts)

    n_rows = sum(lengths)
    nan = np.full(n_rows, np.nan)
    return pd.DataFrame({
        "group": np.repeat(np.array(names, dtype=object), lengths), "metric": metric,
        "window": joined(cols["window"]), "window_start": joined(cols["ws"]),
        "window_end": joined(cols["we"]), "n_statements": joined(cols["n_statements"]),
        "n_tokens": joined(cols["n_tokens"]), "value": joined(cols["value"]), "ci_low": nan,
        "ci_high": nan.copy(), "null_mean": nan.copy(),
    }, copy=False)  # every array here is new and used once


def _between(X, t, labels, names, win, stp, resolution, metric, alpha, base_v, bootstrap,
             permutations, ci, ci_method, seed, threads, incremental, progress) -> pd.DataFrame:
    grid = window_grid(t, win, stp, resolution)
    n = X.shape[0]
    b, e, ws, we = window_bounds(t, n, win, stp, resolution, grid, "the corpus")
    lab = np.ascontiguousarray(labels, dtype=np.int32)
    K = len(names)
    obs, boot, perm = _core.window_between(
        csr_tuple(X), lab, K, b, e, metric, float(alpha), base_v, bootstrap, permutations, seed,
        bool(incremental), threads, progress,
    )
    csum = np.concatenate([[0.0], np.cumsum(np.asarray(X.sum(axis=1)).ravel())])
    # Statements per group per window.
    onehot = np.zeros((n + 1, K), dtype=np.int64)
    onehot[np.arange(1, n + 1), lab] = 1
    cnt = np.cumsum(onehot, axis=0)
    per_group = cnt[e] - cnt[b]  # W x K
    W = len(b)
    lo_q, hi_q = 100 * (1 - ci) / 2, 100 * (1 + ci) / 2
    pairs = [(i, j) for i in range(K) for j in range(K) if i != j] if metric == "kl" else \
        [(i, j) for i in range(K) for j in range(i + 1, K)]
    frames = []
    for i, j in pairs:
        v = obs[:, i, j].copy()
        cl = np.full(W, np.nan)
        ch = np.full(W, np.nan)
        bm = np.full(W, np.nan)
        nm = np.full(W, np.nan)
        pv = np.full(W, np.nan)
        for w in range(W):
            if not np.isfinite(v[w]):
                continue
            if bootstrap:
                bs = boot[w, :, i, j]
                bs = bs[np.isfinite(bs)]
                if len(bs):
                    ql, qh = np.percentile(bs, [lo_q, hi_q])
                    cl[w], ch[w] = (2 * v[w] - qh, 2 * v[w] - ql) if ci_method == "basic" else (ql, qh)
                    bm[w] = bs.mean()
            if permutations:
                ns = perm[w, :, i, j]
                ns = ns[np.isfinite(ns)]
                if len(ns):
                    nm[w] = ns.mean()
                    pv[w] = (1 + np.count_nonzero(ns >= v[w])) / (1 + len(ns))
        frames.append(pd.DataFrame({
            "group_a": names[i], "group_b": names[j], "window": np.arange(W), "window_start": ws,
            "window_end": we, "n_statements": (e - b).astype(np.int64),
            "n_tokens": np.rint(csum[e] - csum[b]).astype(np.int64), "n_a": per_group[:, i], "n_b": per_group[:, j],
            "value": v, "ci_low": cl, "ci_high": ch, "boot_mean": bm, "null_mean": nm,
            "excess": v - nm, "p_value": pv,
        }))
    out = pd.concat(frames, ignore_index=True)
    out.insert(2, "metric", metric)
    return out


