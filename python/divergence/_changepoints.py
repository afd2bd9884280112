"""Change points in a series: binary segmentation with a BIC penalty, permutation p-values."""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import pandas as pd

from . import _core
from ._util.timeutil import parse_windows
from ._util.types import ArrayLike, TimesLike
from ._util.validation import check_count, check_int, check_real, resolve_n_jobs, seed_value

__all__ = ["changepoints", "drift_changepoints", "series_key"]


# --------------------------------------------------------------------------------------------
# Change points


def _best_split(y: np.ndarray, min_size: int) -> Tuple[int, float]:
    """Split maximising the between-segment sum of squares (n1 n2 / n)(mean1 - mean2)^2."""
    n = len(y)
    if n < 2 * min_size:
        return -1, 0.0
    c = np.cumsum(y - y.mean())
    k = np.arange(min_size, n - min_size + 1)
    s1 = c[k - 1]
    gain = (s1 * s1) * n / (k * (n - k))
    i = int(np.argmax(gain))
    return int(k[i]), float(gain[i])


def changepoints(
    series: Union[pd.Series, ArrayLike],
    times: Optional[TimesLike] = None,
    *,
    penalty: Union[str, float] = "bic",
    min_size: int = 2,
    max_changes: Optional[int] = None,
    permutations: int = 999,
    block: int = 1,
    seed: int = 0,
    n_jobs: Optional[int] = None,
) -> pd.DataFrame:
    """Shifts in the mean of a series (e.g. a drift curve): binary segmentation, BIC penalty,
    permutation p-values.

    Method. Missing values are dropped. The noise scale is estimated robustly from successive
    differences, sigma = 1.4826 MAD(diff(y)) / sqrt(2) (unaffected by level shifts; the
    sample standard deviation of the differences / sqrt(2) when the MAD is 0). Binary
    segmentation: in a segment of n values, the split at k reduces the residual sum of squares by
    gain = (k (n - k) / n) (mean_left - mean_right)^2; the best split is kept when
    gain / sigma^2 > penalty, with the BIC-type penalty ``penalty="bic"``: 2 ln N (N the series
    length: a change adds a location and a mean, each costing ln N, as the BIC penalty of R's
    ``changepoint::cpt.mean``) or a number given. Both halves are then searched again
    (segments of at least ``min_size`` values) until no split passes or ``max_changes`` are
    found.

    Confidence: for each change, a permutation p-value of its segment's largest gain: the
    segment's values are shuffled ``permutations`` times (in blocks of ``block`` consecutive
    values: overlapping windows make drift series autocorrelated; use block ~ window / step),
    p = (1 + #{max gain of shuffled >= observed}) / (1 + permutations). The permutations run in
    the compiled core on ``n_jobs`` threads (None: every CPU; the same p-values for any count).

    Returns a DataFrame, one row per change in time order: ``position`` (index in the series
    of the first value after the change), ``time`` (``times[position]``, or the series' index
    label), ``mean_before``, ``mean_after`` (the adjacent segments' means), ``gain``
    (gain / sigma^2), ``p_value``.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> y = np.r_[np.zeros(20), np.ones(20)] + np.random.default_rng(0).normal(0, 0.1, 40)
    >>> cp = dv.changepoints(y, permutations=99, seed=1)
    >>> cp[["position", "p_value"]]
       position  p_value
    0         8     0.24
    1        18     0.10
    2        20     0.01
    3        38     0.18
    """
    if isinstance(series, pd.Series):
        labels_all = series.index.to_numpy() if times is None else np.asarray(times)
        y_all = series.to_numpy(dtype=np.float64)
    else:
        y_all = np.asarray(series, dtype=np.float64)
        labels_all = np.arange(len(y_all)) if times is None else np.asarray(times)
    if y_all.ndim != 1:
        raise ValueError(f"series: expected a 1-d series, got shape {y_all.shape}")
    if len(labels_all) != len(y_all):
        raise ValueError(f"times: {len(labels_all)} times for {len(y_all)} values")
    min_size = check_int(min_size, "min_size", minimum=1)
    block = check_int(block, "block", minimum=1)
    permutations = check_count(permutations, "permutations")
    keep = np.flatnonzero(np.isfinite(y_all))
    y = y_all[keep]
    N = len(y)
    cols = ["position", "time", "mean_before", "mean_after", "gain", "p_value"]
    if N < 2 * min_size:
        return pd.DataFrame({c: [] for c in cols})
    if isinstance(penalty, str):
        if penalty.lower() != "bic":
            raise ValueError(f"penalty: 'bic' or a positive number, got {penalty!r}")
        beta = 2.0 * math.log(N)
    else:
        beta = check_real(
            penalty, "penalty", low=0, low_open=True, allow_inf=True, hint=" (or 'bic')"
        )
    dy = np.diff(y)
    sigma = 1.4826 * float(np.median(np.abs(dy - np.median(dy)))) / math.sqrt(2) if len(dy) else 0.0
    if sigma <= 0 and len(dy) > 1:
        sigma = float(np.std(dy)) / math.sqrt(2)
    if sigma <= 0:
        return pd.DataFrame({c: [] for c in cols})
    s2 = sigma * sigma
    found: List[Tuple[int, float, int, int]] = []  # (split, gain/s2, seg start, seg end)
    todo = [(0, N)]
    while todo:
        s, e = todo.pop()
        if max_changes is not None and len(found) >= max_changes:
            break
        k, g = _best_split(y[s:e], min_size)
        if k < 0 or g / s2 <= beta:
            continue
        found.append((s + k, g / s2, s, e))
        todo.append((s + k, e))
        todo.append((s, s + k))
    found.sort()
    rng_seed = seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    rows = []
    cps = [f[0] for f in found]
    for idx, (cp, g, s, e) in enumerate(found):
        p = np.nan
        if permutations:
            # Change idx's segment shuffled in blocks; max gains >= g s2 (relative tolerance 1e-12).
            seg = np.ascontiguousarray(y[s:e])
            hits, _ = _core.changepoint_null(
                seg, int(block), int(min_size), g * s2, permutations, rng_seed, idx, threads
            )
            p = (1 + hits) / (1 + permutations)
        prev = cps[idx - 1] if idx > 0 else 0
        nxt = cps[idx + 1] if idx + 1 < len(cps) else N
        rows.append(
            {
                "position": int(keep[cp]),
                "time": labels_all[keep[cp]],
                "mean_before": float(y[prev:cp].mean()),
                "mean_after": float(y[cp:nxt].mean()),
                "gain": g,
                "p_value": p,
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    out.attrs = dict(
        method="binary segmentation, mean shifts",
        penalty=beta,
        sigma=sigma,
        permutations=permutations,
        block=int(block),
    )
    return out


# --------------------------------------------------------------------------------------------
# Change points of drift curves


def series_key(table: pd.DataFrame) -> pd.Series:
    """The curve each row of a :func:`divergence.drift` table belongs to: its group, or
    ``"A vs B"`` for a pair of groups (mode ``"between"``).

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> table = dv.drift(corpus, window="6M", mode="between")
    >>> dv.series_key(table).unique()[:2].tolist()
    ['Armenia vs Azerbaijan', 'Armenia vs Karabakh Armenians']
    """
    if "group_a" in table.columns:
        return table["group_a"].astype(str) + " vs " + table["group_b"].astype(str)
    return table["group"].astype(str)


def _overlap(settings: Dict[str, Any]) -> int:
    """Windows per step, ceil(window / step), from a drift table's settings: how many successive
    windows share statements (1 when window and step are of different kinds)."""
    if "window" not in settings:
        return 1
    win, stp = parse_windows(settings["window"], settings.get("step"))
    if isinstance(win, int) and isinstance(stp, int):
        return max(1, math.ceil(win / stp))
    if isinstance(win, tuple) and isinstance(stp, tuple) and win[1] == stp[1]:
        return max(1, math.ceil(win[0] / stp[0]))
    return 1


def drift_changepoints(
    table: pd.DataFrame,
    *,
    permutations: int = 199,
    block: Optional[int] = None,
    seed: int = 0,
    penalty: Union[str, float] = "bic",
    min_size: int = 2,
    max_changes: Optional[int] = None,
    n_jobs: Optional[int] = None,
) -> pd.DataFrame:
    """Change points of every curve of a :func:`divergence.drift` table (see
    :func:`changepoints`), one row per change: ``series`` (the curve, as :func:`series_key`),
    then the columns of :func:`changepoints`, ``position`` counting the curve's windows.

    ``block`` (permutation blocks) defaults to ceil(window / step) from the table's settings:
    overlapping windows make successive values of a curve share statements. ``penalty``,
    ``min_size``, ``max_changes`` and ``n_jobs`` are those of :func:`changepoints`.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> table = dv.drift(corpus, window=20, step=10, mode="adjacent")
    >>> cps = dv.drift_changepoints(table, permutations=19, seed=1)
    >>> list(cps.columns)
    ['series', 'position', 'time', 'mean_before', 'mean_after', 'gain', 'p_value']
    """
    if block is None:
        block = _overlap(table.attrs or {})
    keys = series_key(table)
    frames: List[pd.DataFrame] = []
    for k in pd.unique(keys):
        sub = table[keys == k].reset_index(drop=True)
        cp = changepoints(
            sub["value"],
            times=sub["window_start"],
            permutations=permutations,
            block=block,
            seed=seed,
            penalty=penalty,
            min_size=min_size,
            max_changes=max_changes,
            n_jobs=n_jobs,
        )
        if len(cp):
            cp.insert(0, "series", k)
            frames.append(cp)
    cols = ["series", "position", "time", "mean_before", "mean_after", "gain", "p_value"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in cols})
