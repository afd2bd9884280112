"""Divergence between distributions: pairwise matrices, nearest rows, single pairs.

All functions take rows as distributions: dense NumPy arrays (float32/float64, or anything
numeric that converts) or SciPy sparse matrices (CSR natively; CSC/COO are converted). Rows of
counts are normalised to sum 1 (``normalize=True``, the default); with ``normalize=False`` the
rows must already be probability distributions (sum 1 within 1e-6, 1e-4 in float32).

Measures (natural logarithm, i.e. nats, unless ``base`` is given; ``base=2`` gives bits):

=================  ==========================================================  ===============
metric             definition                                                  range
=================  ==========================================================  ===============
``jsd``            Jensen-Shannon divergence ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2  [0, ln 2]
``jensenshannon``  sqrt(jsd), a metric; equals scipy's ``jensenshannon``       [0, √ln 2]
``kl``             Kullback-Leibler Σ p ln(p/q) after additive smoothing        [0, ∞)
``jeffreys``       kl(p, q) + kl(q, p), smoothed                                [0, ∞)
``hellinger``      sqrt(1 − Σ√(pq)) (distance, no log units)                    [0, 1]
``bhattacharyya``  −ln Σ√(pq); ∞ when the supports are disjoint                 [0, ∞]
``tv``             total variation ½Σ|p − q| (no log units)                     [0, 1]
``cosine``         1 − p·q / (‖p‖‖q‖) (no log units)                            [0, 1]
=================  ==========================================================  ===============

Smoothing (``alpha``, kl and jeffreys only): each row x becomes (x + alpha) / (Σx + V·alpha),
V the number of columns; for count rows alpha is a pseudo-count (0.5 or 1 are common), for
probability rows use a small value such as 1e-6. With ``alpha=0`` kl is finite only when q > 0
wherever p > 0 (jeffreys: equal supports); otherwise a ValueError names the first such pair.

Rounding never produces a value outside the range: results are clamped (a subtraction of
nearly equal numbers can lose digits for near-identical rows, to about 1e-8 in float64 for
``jensenshannon``). Results are bit-identical for any ``n_jobs``.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp

from . import _core
from ._util.operands import CsrTuple, as_csr, check_structure, csr_tuple
from ._util.types import ArrayLike, Counts, DTypeLike, MatrixLike, Progress
from ._util.validation import (
    ASYMMETRIC_METRICS,
    INT32_MAX,
    METRICS,
    check_bootstrap_scheme,
    check_count,
    check_int,
    check_metric,
    check_options,
    resolve_n_jobs,
    seed_value,
    statement_keys,
)

__all__ = [
    "METRICS",
    "pairwise",
    "pdist",
    "cdist",
    "nearest",
    "divergence",
    "contributions",
    "group_matrix",
]

CONTRIBUTION_METRICS = ("jsd", "kl", "jeffreys", "tv", "hellinger")


def _check_dtype(dtype: DTypeLike) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"dtype: not a NumPy dtype: {dtype!r}") from e
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise TypeError(f"dtype: must be float64 or float32, got {dt}")
    return dt


class _Operand:
    """A validated input: dense C-row array, or CSR as (indptr, indices, data, n_cols)."""

    __slots__ = ("dense", "csr", "shape")

    def __init__(
        self, dense: Optional[np.ndarray], csr: Optional[CsrTuple], shape: Tuple[int, int]
    ) -> None:
        self.dense = dense
        self.csr = csr
        self.shape = shape

    @property
    def is_sparse(self) -> bool:
        return self.csr is not None


def _sparse_operand(X: Any, name: str, dt: np.dtype) -> _Operand:
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise TypeError(f"{name}: expected a numeric sparse matrix, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{name}: expected a 2-d sparse matrix, got {X.ndim}-d")
    _refuse_negative_before_cast(X, name, dt)
    A = as_csr(X, dtype=dt, drop_zeros=True, name=name)
    n, v = A.shape
    return _Operand(None, csr_tuple(A, name), (int(n), int(v)))


def _refuse_negative_before_cast(X: Any, name: str, dt: np.dtype) -> None:
    """A negative entry that the conversion to ``dt`` would round to -0.0 (say -1e-50 in
    float32) is refused as the core refuses any negative one, before it is lost."""
    if X.dtype == dt or not np.issubdtype(X.dtype, np.floating):
        return
    if sp.issparse(X):
        C = X.tocoo()
        neg = np.flatnonzero(C.data < 0)
        if neg.size:
            i, j, v = int(C.row[neg[0]]), int(C.col[neg[0]]), C.data[neg[0]]
        else:
            return
    else:
        where = np.argwhere(X < 0)
        if not where.size:
            return
        i, j = (int(k) for k in where[0])
        v = X[i, j]
    raise ValueError(
        f"{name}: row {i}, column {j} is negative ({float(v)!r}); divergences need non-negative "
        "counts or probabilities"
    )


def _operand(X: Any, name: str, dt: np.dtype) -> _Operand:
    if X is None:
        raise TypeError(f"{name}: expected an array or sparse matrix, got None")
    if sp.issparse(X):
        op = _sparse_operand(X, name, dt)
    else:
        if isinstance(X, (str, bytes)):
            raise TypeError(f"{name}: expected a numeric array, got {type(X).__name__}")
        arr = np.asarray(X)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
        if arr.dtype == bool or np.issubdtype(arr.dtype, np.complexfloating):
            raise TypeError(
                f"{name}: expected real numbers (counts or probabilities), got dtype {arr.dtype}"
            )
        if arr.ndim != 2:
            raise ValueError(
                f"{name}: expected a 2-d array (one distribution per row), got {arr.ndim}-d with "
                f"shape {arr.shape}; use divergence(p, q) for one pair, or reshape(1, -1)"
            )
        # Used in place when it already has the dtype and unit column stride (C order or a
        # row slice of a C-order array); otherwise one converted copy.
        _refuse_negative_before_cast(arr, name, dt)
        if (
            arr.dtype != dt
            or (arr.shape[1] > 1 and arr.strides[1] != dt.itemsize)
            or (arr.shape[0] > 1 and arr.strides[0] % dt.itemsize)
        ):
            arr = np.ascontiguousarray(arr, dtype=dt)
        op = _Operand(arr, None, (int(arr.shape[0]), int(arr.shape[1])))
    if op.shape[0] == 0:
        raise ValueError(f"{name}: has 0 rows; at least one distribution is needed")
    if op.shape[1] == 0:
        raise ValueError(f"{name}: has 0 columns; distributions need at least one category")
    return op


def _operands(X: Any, Y: Any, dt: np.dtype) -> Tuple[_Operand, Optional[_Operand]]:
    x = _operand(X, "X", dt)
    if Y is None:
        return x, None
    y = _operand(Y, "Y", dt)
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"X and Y: different numbers of columns ({x.shape[1]} and {y.shape[1]}); rows must "
            f"be distributions over the same categories (X is {x.shape}, Y is {y.shape})"
        )
    if x.is_sparse != y.is_sparse:  # one sparse: run both sparse
        if not x.is_sparse:
            x = _sparse_operand(x.dense, "X", dt)
        else:
            y = _sparse_operand(y.dense, "Y", dt)
    return x, y


def _check_out(out: Any, shape: Tuple[int, int], dt: np.dtype) -> np.ndarray:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out: expected a numpy array (or np.memmap), got {type(out).__name__}")
    if out.dtype != dt:
        raise TypeError(f"out: dtype must be {dt} (the dtype argument), got {out.dtype}")
    if out.shape != shape:
        raise ValueError(f"out: shape must be {shape}, got {out.shape}")
    if not out.flags.writeable:
        raise ValueError("out: array is read-only")
    # Every cell its own memory, rows forward: C order, or a row slice of a C-order array. A
    # zero, negative or short row stride (as_strided, broadcast_to) would alias the results.
    row_ok = shape[0] <= 1 or out.strides[0] >= shape[1] * dt.itemsize
    if (shape[1] > 1 and out.strides[1] != dt.itemsize) or not row_ok:
        raise ValueError(
            f"out: must be C-contiguous (or a row slice of a C-order array) so that no two cells "
            f"share memory; got shape {out.shape} with strides {out.strides}"
        )
    return out


def pairwise(
    X: MatrixLike,
    Y: Optional[MatrixLike] = None,
    metric: str = "jsd",
    *,
    base: Optional[float] = None,
    alpha: float = 0.0,
    normalize: bool = True,
    dtype: DTypeLike = np.float64,
    n_jobs: Optional[int] = None,
    out: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Matrix of divergences between the rows of X and the rows of Y (or of X with itself).

    Parameters
    ----------
    X, Y : array (N, V) / (M, V) or scipy.sparse matrix
        One distribution per row: counts, weights or probabilities (see ``normalize``).
        Sparse input is handled without densifying: the cost follows the number of pairs of
        rows that share a column, not N*M*V.
    metric : str
        One of :data:`METRICS` (see the module docstring for definitions and ranges).
    base : float, optional
        Logarithm base for log-based metrics (None = natural log, nats; 2 = bits).
    alpha : float
        Additive smoothing for ``kl`` and ``jeffreys`` (pseudo-count added to every entry).
    normalize : bool
        Normalise rows to sum 1 (default). False: rows are already probabilities.
    dtype : float64 or float32
        Computation and output dtype.
    n_jobs : int, optional
        Threads (None or -1 = all usable CPUs). The result does not depend on it.
    out : ndarray (N, M), optional
        Write the result here, e.g. an ``np.memmap`` for a matrix larger than memory: each
        row is then computed in full and written once, in order, so pages stream to disk.

    Returns
    -------
    ndarray (N, M), or (N, N) when Y is None (symmetric for symmetric metrics, zero diagonal).

    Notes
    -----
    Dense inputs are read in place when they have ``dtype`` and contiguous rows; otherwise one
    converted copy is made. The core keeps one normalised working copy of the rows (N x V,
    padded), plus the output.

    Accuracy (float64): logarithms are evaluated to 1.1e-13 relative error. Most measures are
    computed as a difference of sums (jsd = ln 2 - 1/2 sum over shared columns of
    [s ln s - p ln p - q ln q], s = p + q; tv = 1 - sum min(p, q); ...), so values of order 1
    are accurate to about 1e-12 relative, while small values (nearly identical rows) are
    accurate to an absolute error of about 1e-13 (ln V + 1), not relatively: jsd = 0.004 may
    be off in its 11th or 12th digit.

    Accuracy (float32): largest absolute error against the float64 result on the same
    (float32) inputs, measured over Dirichlet rows (concentration 0.1, 1, 10; V = 5 to 5000
    columns; dense and sparse; kl and jeffreys with alpha=1e-3), and the bound
    ``tests/test_float32_accuracy.py`` holds the implementation to:

    =================  =========  =========  ==============  =====
    metric             random     identical  near-identical  bound
    =================  =========  =========  ==============  =====
    ``jsd``            1.6e-6     1.1e-6     1.0e-6          4e-6
    ``jensenshannon``  5.2e-6     1.0e-3     7.2e-4          3e-3
    ``kl``             5.6e-7     4.0e-7     6.2e-7          2e-6
    ``jeffreys``       8.7e-7     8.0e-7     7.5e-7          2e-6
    ``hellinger``      1.3e-6     4.7e-4     3.5e-4          1.5e-3
    ``bhattacharyya``  3.2e-7     2.2e-7     2.4e-7          1e-6
    ``tv``             2.1e-7     2.2e-7     2.5e-7          1e-6
    ``cosine``         2.0e-7     1.9e-7     2.6e-7          1e-6
    =================  =========  =========  ==============  =====

    (near-identical: each entry times 1 + 1e-3 N(0, 1).) The square-root metrics,
    ``jensenshannon`` and ``hellinger``, turn an absolute error e of the quantity under the
    root into about sqrt(e) near zero: identical rows give up to ~1e-3, not 0. Where values
    near zero matter, use float64 (errors about 1e-8 there).

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> X = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    >>> dv.pairwise(X, metric="jsd").round(4)
    array([[0.    , 0.3466, 0.    ],
           [0.3466, 0.    , 0.3466],
           [0.    , 0.3466, 0.    ]])
    """
    metric = check_metric(metric)
    dt = _check_dtype(dtype)
    base_value = check_options(metric, base, alpha)
    threads = resolve_n_jobs(n_jobs)
    x, y = _operands(X, Y, dt)
    m = x.shape[0] if y is None else y.shape[0]
    shape = (x.shape[0], m)
    full_rows = False
    if out is None:
        result = np.empty(shape, dtype=dt)
    else:
        result = _check_out(out, shape, dt)
        full_rows = isinstance(out, np.memmap)
    if x.csr is not None:  # then y is sparse too (_operands)
        _core.pairwise_sparse(
            x.csr,
            None if y is None else y.csr,
            result,
            metric,
            float(alpha),
            base_value,
            bool(normalize),
            threads,
            full_rows,
        )
    else:
        assert x.dense is not None  # an operand is either sparse or dense
        _core.pairwise_dense(
            x.dense,
            None if y is None else y.dense,
            result,
            metric,
            float(alpha),
            base_value,
            bool(normalize),
            threads,
            full_rows,
        )
    if isinstance(out, np.memmap):
        out.flush()
    return result


def cdist(XA: MatrixLike, XB: MatrixLike, metric: str = "jsd", **kwargs: Any) -> np.ndarray:
    """Divergences between each row of XA and each row of XB (scipy.spatial.distance.cdist
    order and shape). Same keywords as :func:`pairwise`.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> dv.cdist(np.eye(2), np.array([[1.0, 0.0]]), metric="tv")
    array([[0.],
           [1.]])
    """
    if XB is None:
        raise TypeError("XB: expected an array or sparse matrix, got None")
    return pairwise(XA, XB, metric, **kwargs)


def pdist(X: MatrixLike, metric: str = "jsd", **kwargs: Any) -> np.ndarray:
    """Condensed matrix of divergences between the rows of X, in scipy's ``pdist`` order
    (d(0,1), d(0,2), ..., d(1,2), ...). Defined for symmetric metrics (not ``kl``).
    Same keywords as :func:`pairwise` (except ``out``).

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> dv.pdist(np.eye(3), metric="tv")
    array([1., 1., 1.])
    """
    metric = check_metric(metric)
    if metric in ASYMMETRIC_METRICS:
        raise ValueError(
            f"metric: {metric} is not symmetric, so it has no condensed form; "
            f"use pairwise(X, metric={metric!r})"
        )
    if "out" in kwargs:
        raise TypeError("pdist: out is not supported; use pairwise(X, out=...)")
    D = pairwise(X, None, metric, **kwargs)
    n = D.shape[0]
    return D[np.triu_indices(n, 1)]


def nearest(
    X: MatrixLike,
    Y: Optional[MatrixLike] = None,
    k: int = 10,
    metric: str = "jsd",
    *,
    base: Optional[float] = None,
    alpha: float = 0.0,
    normalize: bool = True,
    dtype: DTypeLike = np.float64,
    n_jobs: Optional[int] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """The k rows of Y nearest to each row of X (with Y None: of X, excluding the row itself).

    Returns ``(indices, values)``, both (N, k): row indices into Y and their divergences,
    ascending, ties broken by the smaller index (exactly ``argsort`` of the full matrix, stable).
    Memory is O(N*k) plus O(M) scratch per thread: the N x M matrix is never formed. For sparse
    input only rows sharing a column are scored; rows sharing none have a closed-form value and
    are added only when they can rank among the k nearest.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> X = np.array([[4.0, 1.0, 0.0], [0.0, 1.0, 4.0], [3.0, 1.0, 1.0]])
    >>> idx, val = dv.nearest(X, k=1)
    >>> idx.ravel().tolist()
    [2, 2, 0]
    """
    metric = check_metric(metric)
    dt = _check_dtype(dtype)
    base_value = check_options(metric, base, alpha)
    threads = resolve_n_jobs(n_jobs)
    k = check_int(k, "k", minimum=1)
    x, y = _operands(X, Y, dt)
    available = x.shape[0] - 1 if y is None else y.shape[0]
    if k > available:
        what = "other rows in X" if y is None else "rows in Y"
        raise ValueError(f"k: asked for {k} nearest rows but there are only {available} {what}")
    idx = np.empty((x.shape[0], k), dtype=np.int64)
    val = np.empty((x.shape[0], k), dtype=dt)
    if x.csr is not None:  # then y is sparse too (_operands)
        _core.nearest_sparse(
            x.csr,
            None if y is None else y.csr,
            k,
            idx,
            val,
            metric,
            float(alpha),
            base_value,
            bool(normalize),
            threads,
        )
    else:
        assert x.dense is not None  # an operand is either sparse or dense
        _core.nearest_dense(
            x.dense,
            None if y is None else y.dense,
            k,
            idx,
            val,
            metric,
            float(alpha),
            base_value,
            bool(normalize),
            threads,
        )
    return idx, val


def _as_pair(p: MatrixLike, q: MatrixLike) -> Tuple[Any, Any]:
    def one(v: Any, name: str) -> Any:
        check_structure(v, name)
        if sp.issparse(v):
            if v.ndim == 2 and v.shape[0] != 1:
                raise ValueError(f"{name}: expected one distribution (1 row), got shape {v.shape}")
            return sp.csr_matrix(v).reshape(1, -1)
        a = np.asarray(v)
        if a.ndim == 2 and a.shape[0] == 1:
            a = a[0]
        if a.ndim != 1:
            raise ValueError(f"{name}: expected a 1-d distribution, got shape {a.shape}")
        return a.reshape(1, -1)

    return one(p, "p"), one(q, "q")


def divergence(
    p: MatrixLike,
    q: MatrixLike,
    metric: str = "jsd",
    *,
    base: Optional[float] = None,
    alpha: float = 0.0,
    normalize: bool = True,
) -> float:
    """Divergence between two distributions p and q (1-d arrays or 1-row sparse).

    Examples
    --------
    >>> import divergence as dv
    >>> round(dv.divergence([1, 0], [0, 1], metric="jsd"), 4)  # disjoint: ln 2 nats
    0.6931
    >>> dv.divergence([1, 0], [0, 1], metric="jsd", base=2)  # one bit
    1.0
    """
    metric = check_metric(metric)
    check_options(metric, base, alpha)
    P, Q = _as_pair(p, q)
    _check_pair_values(P, Q, metric, alpha)
    return float(
        pairwise(P, Q, metric, base=base, alpha=alpha, normalize=normalize, n_jobs=1)[0, 0]
    )


def _check_pair_values(P: Any, Q: Any, metric: str, alpha: float) -> None:
    """Errors for one pair, naming p and q (the matrix functions name X, Y and rows)."""
    vals = []
    for v, name in ((P, "p"), (Q, "q")):
        a = np.asarray(v.toarray() if sp.issparse(v) else v)[0]
        if a.dtype == object or not (
            np.issubdtype(a.dtype, np.number) and not np.issubdtype(a.dtype, np.complexfloating)
        ):
            raise TypeError(
                f"{name}: expected real numbers (counts or probabilities), got dtype {a.dtype}"
            )
        a = a.astype(np.float64)
        bad = ~np.isfinite(a)
        if bad.any():
            raise ValueError(
                f"{name}: entry {int(np.argmax(bad))} is {a[bad][0]}; divergences need finite, "
                "non-negative values"
            )
        if (a < 0).any():
            i = int(np.argmax(a < 0))
            raise ValueError(
                f"{name}: entry {i} is negative ({a[i]}); divergences need non-negative counts "
                "or probabilities"
            )
        if a.sum() == 0:
            raise ValueError(
                f"{name}: has no mass (all zeros); an empty statement has no distribution"
            )
        vals.append(a)
    if vals[0].shape != vals[1].shape:
        raise ValueError(f"p and q: different lengths ({vals[0].size} and {vals[1].size})")
    if metric in ("kl", "jeffreys") and alpha == 0:
        p_, q_ = vals
        bad = (p_ > 0) & (q_ == 0)
        if metric == "jeffreys":
            bad |= (q_ > 0) & (p_ == 0)
        if bad.any():
            first = int(np.argmax(bad))
            raise ValueError(
                f"alpha: {metric} with alpha=0 is infinite: entry {first} has mass in "
                f"{'p but not q' if p_[first] > 0 else 'q but not p'}; pass alpha > 0 "
                f"(additive smoothing, e.g. alpha=0.5) or use jsd"
            )


def contributions(
    p: MatrixLike,
    q: MatrixLike,
    metric: str = "jsd",
    *,
    base: Optional[float] = None,
    alpha: float = 0.0,
    normalize: bool = True,
) -> np.ndarray:
    """Per-column contributions that sum to the divergence between p and q.

    ``jsd``: ½[p ln(2p/(p+q)) + q ln(2q/(p+q))]; ``kl``: p' ln(p'/q'); ``jeffreys``:
    (p' − q') ln(p'/q'); ``tv``: ½|p − q|; ``hellinger``: ½(√p − √q)², which sums to the
    *squared* Hellinger distance. In the units of ``base`` for log metrics. Returns a dense
    float64 array of length V.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> p, q = np.array([5.0, 3.0, 2.0]), np.array([1.0, 3.0, 6.0])
    >>> parts = dv.contributions(p, q, metric="jsd")
    >>> bool(np.isclose(parts.sum(), dv.divergence(p, q, metric="jsd")))
    True
    """
    metric = check_metric(metric)
    if metric not in CONTRIBUTION_METRICS:
        raise ValueError(
            f"metric: per-term contributions exist for {', '.join(CONTRIBUTION_METRICS)}, "
            f"not {metric}"
        )
    base_value = check_options(metric, base, alpha)
    P, Q = _as_pair(p, q)
    pv = np.asarray(P.toarray() if sp.issparse(P) else P, dtype=np.float64)[0]
    qv = np.asarray(Q.toarray() if sp.issparse(Q) else Q, dtype=np.float64)[0]
    if pv.shape != qv.shape:
        raise ValueError(f"p and q: different lengths ({pv.shape[0]} and {qv.shape[0]})")
    for v, name in ((pv, "p"), (qv, "q")):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name}: contains NaN or infinite values")
        if np.any(v < 0):
            raise ValueError(f"{name}: contains negative values (column {int(np.argmax(v < 0))})")
        if v.sum() == 0:
            raise ValueError(f"{name}: has no mass (all zeros)")
    scale = 1.0 / np.log(base_value) if base_value else 1.0
    if metric in ("kl", "jeffreys"):
        V = pv.shape[0]
        ps = (pv + alpha) / (pv.sum() + V * alpha)
        qs = (qv + alpha) / (qv.sum() + V * alpha)
        if alpha == 0 and not normalize:
            ps, qs = pv, qv
        bad = (ps > 0) & (qs == 0)
        if metric == "jeffreys":
            bad |= (qs > 0) & (ps == 0)
        if np.any(bad):
            raise ValueError(
                f"alpha: {metric} with alpha=0 is infinite: column {int(np.argmax(bad))} has mass "
                f"in one distribution only; pass alpha > 0 or use jsd"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            lr = np.where(
                (ps > 0) & (qs > 0), np.log(np.where(ps > 0, ps, 1) / np.where(qs > 0, qs, 1)), 0.0
            )
        c = ps * lr if metric == "kl" else (ps - qs) * lr
        return c * scale
    if normalize:
        pv = pv / pv.sum()
        qv = qv / qv.sum()
    if metric == "jsd":
        s = pv + qv
        with np.errstate(divide="ignore", invalid="ignore"):
            tp = np.where(pv > 0, pv * np.log(2 * pv / s), 0.0)
            tq = np.where(qv > 0, qv * np.log(2 * qv / s), 0.0)
        return 0.5 * (tp + tq) * scale
    if metric == "tv":
        return 0.5 * np.abs(pv - qv)
    return 0.5 * (np.sqrt(pv) - np.sqrt(qv)) ** 2


def group_matrix(
    counts: Counts,
    labels: ArrayLike,
    n_groups: int,
    metrics: Sequence[str] = ("jsd",),
    *,
    alpha: float = 0.0,
    base: Optional[float] = None,
    bootstrap: int = 0,
    permutations: int = 0,
    seed: int = 0,
    n_jobs: Optional[int] = None,
    progress: Progress = None,
    bootstrap_scheme: str = "resample",
    keys: Optional[ArrayLike] = None,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Low-level: observed (m, K, K), bootstrap (B, m, K, K) and permutation (P, m, K, K)
    matrices from statement counts (CSR) and integer group codes. See :func:`compare`.

    ``bootstrap_scheme``: ``"resample"`` (each group's statements drawn with replacement) or
    ``"poisson"`` (statement i weighted by a Poisson(1) draw that is a pure function of
    ``(seed, keys[i], replicate)``, ``keys`` = positions by default: the same replicates
    however the statements are ordered or partitioned).

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> counts = np.array([[3, 1, 0], [2, 2, 0], [0, 1, 3], [0, 2, 2]])
    >>> observed, boot, null = dv.group_matrix(counts, [0, 0, 1, 1], 2, permutations=9, seed=1)
    >>> observed.shape, null.shape
    ((1, 2, 2), (9, 1, 2, 2))
    """
    X = as_csr(
        counts, drop_zeros=True, invalid="counts: must be finite and non-negative", name="counts"
    )
    lab = np.ascontiguousarray(labels, dtype=np.int32)
    scheme = check_bootstrap_scheme(bootstrap_scheme)
    key_arr = None if keys is None else statement_keys(keys, X.shape[0])
    return _core.group_divergence(
        csr_tuple(X, "counts"),
        lab,
        check_int(n_groups, "n_groups", minimum=1, maximum=INT32_MAX),
        list(metrics),
        float(alpha),
        0.0 if base is None else float(base),
        check_count(bootstrap, "bootstrap"),
        check_count(permutations, "permutations"),
        seed_value(seed, allow_none=False),
        resolve_n_jobs(n_jobs),
        progress,
        scheme,
        key_arr,
    )
