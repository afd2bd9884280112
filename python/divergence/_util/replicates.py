"""Bootstrap and permutation replicates summarised: one place, one policy.

Every analysis that resamples (compare, drift between groups, partisanship and partisanship over
time, stances, topic prevalence) hands :func:`summarise` its observed value(s), its bootstrap
replicates and its permutation (null) replicates, and gets back per cell:

- ``ci_low``/``ci_high``: the bootstrap interval of coverage ``ci`` by ``method``:

  - ``"percentile"``: the (1 - ci)/2 and (1 + ci)/2 quantiles of the bootstrap replicates
    (``np.percentile``, linear interpolation);
  - ``"basic"``: the basic (reverse percentile) interval ``2 value - q_high, 2 value - q_low``,
    which corrects the shift of the bootstrap distribution away from the estimate;

- ``boot_mean``: the mean of the bootstrap replicates;
- ``null_mean``: the mean of the null replicates, and ``excess`` = value - null_mean;
- ``p_value`` = (1 + #{null >= value}) / (1 + P), P the number of null replicates used
  (``two_sided``: #{|null| >= |value|}; ``tol`` counts a null within ``tol`` below the value, for
  callers whose observed value and null replicates come from different arithmetic).

Non-finite replicates: the one policy
-------------------------------------
- A NaN replicate has no value (a leave-out replicate in which some group drew a single
  speaker; a window in which a group is absent). It is dropped: the interval, the means and the
  p-value of its cell use the other replicates (P counts only those), and ``boot_dropped`` /
  ``null_dropped`` report per cell how many were dropped. A cell without any replicate left
  gets NaN.
- An infinite replicate is a value (the Bhattacharyya distance of disjoint supports is +inf):
  it is kept. A cell that holds one takes its quantiles by nearest rank
  (``np.percentile(..., method="nearest")``) so that no quantile interpolates across an
  infinity; its means follow IEEE arithmetic (infinite, or NaN where +inf meets -inf).
- A cell whose observed value is NaN (a drift window in which a group has no statements) has
  no summary: every output is NaN. An infinite observed value is summarised like any other.

Everything is vectorised over the cells: replicate arrays have shape ``(R,) + shape`` (or the
replicate axis elsewhere, ``axis=``) and the results have ``shape``. The numbers are those of the
obvious per-cell code: a cell's replicates, NaNs dropped, in their original order, through
``np.percentile`` and ``np.mean`` (the same summation order, so the same bits).

Adding an interval method (BCa, say, which also needs the jackknife values) is one function in
``_INTERVALS``; a bias-corrected estimate (2 value - boot_mean) would be one more field of
:class:`Summary`, computed in :func:`summarise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterator, Optional, Sequence, Tuple, Union

import numpy as np

from .types import ArrayLike

__all__ = ["CI_METHODS", "Summary", "ci_percentiles", "summarise"]


def ci_percentiles(ci: float) -> Tuple[float, float]:
    """The percentiles (0-100) that bound a central interval of coverage ``ci``."""
    return 100 * (1 - ci) / 2, 100 * (1 + ci) / 2


_Group = Tuple[np.ndarray, np.ndarray, int]  # positions within the cells asked for, rows, key
_Bounds = Tuple[np.ndarray, np.ndarray]  # (low, high) per cell


class _Cells:
    """Replicates laid out one cell per row (cells x R, C order), each row's NaNs moved to its
    end with the other replicates kept in order; ``used`` counts each row's non-NaN ones."""

    def __init__(self, replicates: ArrayLike, shape: Tuple[int, ...], axis: int, what: str) -> None:
        a = np.asarray(replicates, dtype=np.float64)
        if a.ndim != len(shape) + 1:
            raise ValueError(
                f"{what}: expected {len(shape) + 1} dimensions (the replicates' and "
                f"{shape}), got shape {a.shape}"
            )
        a = np.moveaxis(a, axis, -1)
        if a.shape[:-1] != shape:
            raise ValueError(
                f"{what}: replicates of shape {a.shape[:-1]} for observed values of shape {shape}"
            )
        self.R = a.shape[-1]
        T = np.ascontiguousarray(a.reshape(-1, self.R))
        nan = np.isnan(T)
        self.used = self.R - np.count_nonzero(nan, axis=1)
        if self.R and int(self.used.min()) < self.R:
            T = np.take_along_axis(T, np.argsort(nan, axis=1, kind="stable"), axis=1)
        self.T = T

    def _groups(self, sel: np.ndarray, key: np.ndarray) -> Iterator[_Group]:
        """(positions within ``sel``, rows, key) per distinct key: rows of equal length together."""
        if len(sel) == 0:
            return
        for k in np.unique(key):
            pos = np.flatnonzero(key == k)
            yield pos, sel[pos], int(k)

    def means(self, sel: np.ndarray) -> np.ndarray:
        out = np.empty(len(sel))
        with np.errstate(invalid="ignore"):  # inf and -inf: NaN
            for pos, rows, n in self._groups(sel, self.used[sel]):
                out[pos] = self.T[rows, :n].mean(axis=1)
        return out

    def percentiles(self, sel: np.ndarray, q: Sequence[float]) -> np.ndarray:
        """len(q) x len(sel): per row the percentiles of its used replicates; nearest rank in a
        row that holds an infinite value."""
        out = np.empty((len(q), len(sel)))
        has_inf = np.isinf(self.T[sel]).any(axis=1)
        for pos, rows, key in self._groups(sel, 2 * self.used[sel] + has_inf):
            n, nearest = key // 2, bool(key % 2)
            out[:, pos] = np.percentile(
                self.T[rows, :n], list(q), axis=1, method="nearest" if nearest else "linear"
            )
        return out

    def hits(
        self, sel: np.ndarray, value: np.ndarray, two_sided: np.ndarray, tol: float
    ) -> np.ndarray:
        """Per row: how many used replicates reach the row's value (NaN reaches nothing)."""
        T = self.T[sel]
        v = value[:, None]
        reach = np.where(two_sided[:, None], np.abs(T) >= np.abs(v) - tol, T >= v - tol)
        return np.count_nonzero(reach, axis=1)


def _percentile(value: np.ndarray, boot: _Cells, sel: np.ndarray, ci: float) -> _Bounds:
    q = boot.percentiles(sel, ci_percentiles(ci))
    return q[0], q[1]


def _basic(value: np.ndarray, boot: _Cells, sel: np.ndarray, ci: float) -> _Bounds:
    lo, hi = _percentile(value, boot, sel, ci)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as in Python floats
        return 2 * value - hi, 2 * value - lo


# Interval methods: f(observed values of the cells, bootstrap replicates, cells, ci) -> (low, high).
_INTERVALS: Dict[str, Callable[[np.ndarray, _Cells, np.ndarray, float], _Bounds]] = {
    "percentile": _percentile,
    "basic": _basic,
}
CI_METHODS: Tuple[str, ...] = tuple(_INTERVALS)


@dataclass(frozen=True)
class Summary:
    """Per cell (arrays of the observed values' shape): see the module docstring.
    ``boot_used``/``null_used``: replicates used; ``boot_dropped``/``null_dropped``: NaN
    replicates dropped (0 where no replicates were given)."""

    value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    boot_mean: np.ndarray
    null_mean: np.ndarray
    excess: np.ndarray
    p_value: np.ndarray
    boot_used: np.ndarray
    boot_dropped: np.ndarray
    null_used: np.ndarray
    null_dropped: np.ndarray

    def at(self, index: Union[int, Tuple[int, ...]]) -> Dict[str, float]:
        """The table columns of one cell, as Python floats."""
        return {
            k: float(getattr(self, k)[index])
            for k in ("ci_low", "ci_high", "boot_mean", "null_mean", "excess", "p_value")
        }


def summarise(
    observed: ArrayLike,
    boot: Optional[ArrayLike] = None,
    null: Optional[ArrayLike] = None,
    *,
    ci: float = 0.95,
    method: str = "percentile",
    two_sided: ArrayLike = False,
    tol: float = 0.0,
    axis: int = 0,
) -> Summary:
    """Summarise replicates (see the module docstring for what and the non-finite policy).

    observed : the observed value(s), any shape S (a scalar too).
    boot, null : bootstrap and permutation replicates, shape (R,) + S with the replicates along
        ``axis`` (None, or R = 0: none; the outputs that need them are NaN).
    ci, method : interval coverage in (0, 1) and one of :data:`CI_METHODS` (the analyses check
        their arguments first: :func:`divergence._util.validation.check_ci`, ``check_ci_method``).
    two_sided : bool, or bools broadcastable to S: p-values count |null| >= |value|.
    tol : a null replicate counts when it reaches value - tol (|value| - tol two-sided).
    """
    obs = np.asarray(observed, dtype=np.float64)
    shape = obs.shape
    v = obs.reshape(-1)
    m = v.size
    nan = np.full(m, np.nan)
    lo, hi, bmean, nmean, pval = nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy()
    zero = np.zeros(m, dtype=np.int64)
    b_used, b_drop, n_used, n_drop = zero, zero, zero, zero
    has = ~np.isnan(v)
    if boot is not None and np.shape(boot)[axis] > 0:
        bc = _Cells(boot, shape, axis, "boot")
        b_used, b_drop = bc.used, bc.R - bc.used
        sel = np.flatnonzero(has & (bc.used > 0))
        lo[sel], hi[sel] = _INTERVALS[method](v[sel], bc, sel, ci)
        bmean[sel] = bc.means(sel)
    if null is not None and np.shape(null)[axis] > 0:
        nc = _Cells(null, shape, axis, "null")
        n_used, n_drop = nc.used, nc.R - nc.used
        sel = np.flatnonzero(has & (nc.used > 0))
        nmean[sel] = nc.means(sel)
        sides = np.broadcast_to(np.asarray(two_sided, dtype=bool), shape).reshape(-1)[sel]
        pval[sel] = (1.0 + nc.hits(sel, v[sel], sides, float(tol))) / (1.0 + nc.used[sel])

    def back(a: np.ndarray) -> np.ndarray:
        return a.reshape(shape)

    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as in Python floats
        excess = v - nmean

    return Summary(
        value=obs,
        ci_low=back(lo),
        ci_high=back(hi),
        boot_mean=back(bmean),
        null_mean=back(nmean),
        excess=back(excess),
        p_value=back(pval),
        boot_used=back(b_used),
        boot_dropped=back(b_drop),
        null_used=back(n_used),
        null_dropped=back(n_drop),
    )
