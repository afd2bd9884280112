"""Property tests (hypothesis) of the compiled pairwise core.

Each example draws one problem (X, optionally Y, with duplicate rows to force ties) and checks
the property for every metric, dense and sparse, float32 and float64. Exact properties
(symmetry, zero diagonal, blocking, thread count, nearest vs argsort, permutations) are
checked bit for bit; numerical ones (scaling, sparse vs dense) to the oracle tolerances of
tests/reference.py.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import divergence
import reference as R
from divergence import _core

DTYPES = (np.float64, np.float32)

# (metric, options, needs strictly positive rows)
CONFIGS: List[Tuple[str, Dict[str, Any], bool]] = [
    ("jsd", {}, False),
    ("jsd", {"base": 2}, False),
    ("jensenshannon", {}, False),
    ("kl", {"alpha": 0.5}, False),
    ("kl", {}, True),
    ("jeffreys", {"alpha": 1e-3}, False),
    ("jeffreys", {}, True),
    ("hellinger", {}, False),
    ("bhattacharyya", {}, False),
    ("bhattacharyya", {"base": 10}, False),
    ("tv", {}, False),
    ("cosine", {}, False),
]


def _cfg_id(metric: str, opts: Dict[str, Any], positive: bool) -> str:
    return (
        metric + "".join(f" {k}={v}" for k, v in opts.items()) + (" (positive)" if positive else "")
    )


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------
_cells = st.one_of(
    st.integers(1, 9).map(float),
    st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 1e-6, 250.0]),
)


@st.composite
def matrix(draw, V: int, max_rows: int = 30) -> np.ndarray:
    """Non-negative rows with mass, mostly zeros, with some rows duplicated (ties)."""
    n = draw(st.integers(1, max_rows))
    A = draw(hnp.arrays(np.float64, (n, V), elements=_cells | st.just(0.0), fill=st.just(0.0)))
    A = np.array(A)  # writeable copy
    for i in range(n):
        if not A[i].any():
            A[i, draw(st.integers(0, V - 1))] = draw(st.integers(1, 5))
    if n > 1:
        pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
        for dst, src in draw(st.lists(pairs, max_size=n // 2)):
            A[dst] = A[src]
    return A


@st.composite
def problem(
    draw, max_rows: int = 30, max_cols: int = 40
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """(X, Y) over the same columns; Y is None half the time. Y shares some rows with X."""
    V = draw(st.integers(1, max_cols))
    X = draw(matrix(V, max_rows))
    if draw(st.booleans()):
        return X, None
    Y = draw(matrix(V, max_rows))
    pairs = st.tuples(st.integers(0, len(Y) - 1), st.integers(0, len(X) - 1))
    for dst, src in draw(st.lists(pairs, max_size=3)):
        Y[dst] = X[src]
    return X, Y


def _layout(A: Optional[np.ndarray], sparse: bool) -> Any:
    if A is None:
        return None
    return sp.csr_matrix(A) if sparse else A


def _inputs(
    X: np.ndarray, Y: Optional[np.ndarray], positive: bool
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    if positive:  # kl/jeffreys without smoothing: full support so every value is finite
        return X + 0.5, None if Y is None else Y + 0.5
    return X, Y


def _variants():
    for metric, opts, positive in CONFIGS:
        for dtype in DTYPES:
            for sparse in (False, True):
                yield metric, opts, positive, dtype, sparse


SETTINGS = dict(deadline=None, max_examples=25)


# ---------------------------------------------------------------------------------------------
# Exact properties
# ---------------------------------------------------------------------------------------------
@settings(**SETTINGS)
@given(pb=problem())
def test_symmetry_and_zero_diagonal(pb):
    """Y=None: D == D.T bit for bit for symmetric metrics, exact zero diagonal for all.
    Y given: pairwise(X, Y) == pairwise(Y, X).T bit for bit for symmetric metrics."""
    X0, Y0 = pb
    for metric, opts, positive, dtype, sparse in _variants():
        X, Y = _inputs(X0, Y0, positive)
        D = divergence.pairwise(_layout(X, sparse), None, metric, dtype=dtype, **opts)
        assert np.all(np.diag(D) == 0), _cfg_id(metric, opts, positive)
        if metric in R.SYMMETRIC:
            assert np.array_equal(D, D.T), (_cfg_id(metric, opts, positive), dtype, sparse)
            if Y is not None:
                A = divergence.pairwise(
                    _layout(X, sparse), _layout(Y, sparse), metric, dtype=dtype, **opts
                )
                B = divergence.pairwise(
                    _layout(Y, sparse), _layout(X, sparse), metric, dtype=dtype, **opts
                )
                assert np.array_equal(A, B.T), (_cfg_id(metric, opts, positive), dtype, sparse)


def _disjoint_example() -> Tuple[np.ndarray, np.ndarray]:
    # Found by this test: dense jsd of two rows with disjoint supports came out one ulp above
    # ln 2 (0.6931471805599454): no upper clamp after Σ s ln s − (h_p + h_q) went negative.
    X = np.zeros((1, 20))
    X[0, 0] = 1.0
    Y = np.zeros((1, 20))
    Y[0, [1, 15, 19]] = [2.0, 250.0, 64.0]
    return X, Y


def _disjoint_example_f32() -> Tuple[np.ndarray, np.ndarray]:
    # The same in float32: 0.69314724 > float32(ln 2) = 0.6931472 (the float64 pairs are fine).
    X = np.zeros((1, 28))
    X[0, [5, 6, 8, 14, 24, 25, 26]] = [1, 4, 8, 5, 7, 2, 8]
    Y = np.zeros((1, 28))
    cols = [0, 1, 2, 3, 4, 7, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23, 27]
    Y[0, cols] = [
        90,
        60,
        32,
        153,
        174,
        201,
        269,
        110,
        278,
        132,
        229,
        191,
        270,
        123,
        282,
        28,
        227,
        187,
        15,
        267,
        189,
    ]
    return X, Y


@settings(**SETTINGS)
@given(pb=problem())
@example(pb=_disjoint_example())
@example(pb=_disjoint_example_f32())
def test_bounds(pb):
    """Every value inside the documented range, never NaN (the docstring promises clamping)."""
    X0, Y0 = pb
    for metric, opts, positive, dtype, sparse in _variants():
        X, Y = _inputs(X0, Y0, positive)
        D = divergence.pairwise(_layout(X, sparse), _layout(Y, sparse), metric, dtype=dtype, **opts)
        hi = R.upper_bound(metric, opts.get("base"))
        # The bound itself in the output dtype (its rounding in float32), plus two ulps when a
        # base is given: ln2/ln(base) is then a rounded quotient and the core's correctly
        # rounded value may sit one ulp above numpy's.
        hi_t = np.asarray(hi, dtype=dtype)
        if opts.get("base") is not None and np.isfinite(hi):
            hi_t = np.nextafter(np.nextafter(hi_t, np.inf, dtype=dtype), np.inf, dtype=dtype)
        assert not np.any(np.isnan(D)), _cfg_id(metric, opts, positive)
        assert np.all(D >= 0), (_cfg_id(metric, opts, positive), D.min())
        assert np.all(D <= hi_t), (_cfg_id(metric, opts, positive), dtype, D.max(), hi_t)
        if metric != "bhattacharyya":
            assert np.all(np.isfinite(D)), _cfg_id(metric, opts, positive)


@settings(**SETTINGS)
@given(pb=problem(), data=st.data())
def test_row_permutation_equivariance(pb, data):
    """Permuting the rows of X (and Y) permutes the matrix: each cell depends only on its two
    rows, so bit for bit."""
    X0, Y0 = pb
    p = np.array(data.draw(st.permutations(range(X0.shape[0]))), dtype=np.int64)
    q = (
        p
        if Y0 is None
        else np.array(data.draw(st.permutations(range(Y0.shape[0]))), dtype=np.int64)
    )
    for metric, opts, positive, dtype, sparse in _variants():
        X, Y = _inputs(X0, Y0, positive)
        D = divergence.pairwise(_layout(X, sparse), _layout(Y, sparse), metric, dtype=dtype, **opts)
        Dp = divergence.pairwise(
            _layout(X[p], sparse),
            None if Y is None else _layout(Y[q], sparse),
            metric,
            dtype=dtype,
            **opts,
        )
        assert np.array_equal(Dp, D[np.ix_(p, q)]), (_cfg_id(metric, opts, positive), dtype, sparse)


@settings(**SETTINGS)
@given(pb=problem())
def test_thread_count_does_not_change_bits(pb):
    """n_jobs = 1, 2 and 7 give identical matrices and identical nearest lists."""
    X0, Y0 = pb
    for metric, opts, positive, dtype, sparse in _variants():
        X, Y = _inputs(X0, Y0, positive)
        args = (_layout(X, sparse), _layout(Y, sparse), metric)
        D1 = divergence.pairwise(*args, dtype=dtype, n_jobs=1, **opts)
        m = X.shape[0] - 1 if Y is None else Y.shape[0]
        k = min(3, m)
        if k >= 1:
            i1, v1 = divergence.nearest(
                *args[:2], k=k, metric=metric, dtype=dtype, n_jobs=1, **opts
            )
        for n_jobs in (2, 7):
            Dn = divergence.pairwise(*args, dtype=dtype, n_jobs=n_jobs, **opts)
            assert np.array_equal(D1, Dn), (_cfg_id(metric, opts, positive), dtype, sparse, n_jobs)
            if k >= 1:
                i_n, v_n = divergence.nearest(
                    *args[:2], k=k, metric=metric, dtype=dtype, n_jobs=n_jobs, **opts
                )
                assert np.array_equal(i1, i_n) and np.array_equal(v1, v_n), (
                    _cfg_id(metric, opts, positive),
                    dtype,
                    sparse,
                    n_jobs,
                )


@settings(deadline=None, max_examples=12)
@given(pb=problem(max_rows=40), block=st.sampled_from([2, 3, 8, 17]))
def test_blocking_and_full_rows_do_not_change_bits(pb, block):
    """The memmap (full rows, no mirror pass) path, _core's full_rows flag and any dense block
    size give the bits of the default in-memory result."""
    X0, Y0 = pb
    with tempfile.TemporaryDirectory() as tmp:
        for metric, opts, positive, dtype, sparse in _variants():
            X, Y = _inputs(X0, Y0, positive)
            Xi, Yi = _layout(X, sparse), _layout(Y, sparse)
            D = divergence.pairwise(Xi, Yi, metric, dtype=dtype, n_jobs=2, **opts)
            path = os.path.join(tmp, f"{metric}-{np.dtype(dtype).name}-{sparse}.bin")
            mm = np.memmap(path, dtype=dtype, mode="w+", shape=D.shape)
            divergence.pairwise(Xi, Yi, metric, dtype=dtype, n_jobs=2, out=mm, **opts)
            ok = np.array_equal(np.asarray(mm), D)
            del mm
            assert ok, ("memmap", _cfg_id(metric, opts, positive), dtype, sparse)
            if sparse:
                continue
            base = float(opts.get("base") or 0.0)
            alpha = float(opts.get("alpha", 0.0))
            Xc = np.ascontiguousarray(X, dtype=dtype)
            Yc = None if Y is None else np.ascontiguousarray(Y, dtype=dtype)
            for b, full_rows in ((1, False), (block, False), (block, True), (0, True)):
                out = np.empty(D.shape, dtype=dtype)
                _core.pairwise_dense(Xc, Yc, out, metric, alpha, base, True, 2, full_rows, b)
                assert np.array_equal(out, D), (
                    "block",
                    b,
                    full_rows,
                    _cfg_id(metric, opts, positive),
                    dtype,
                )


@settings(**SETTINGS)
@given(pb=problem(), data=st.data())
def test_nearest_is_stable_argsort_of_the_matrix(pb, data):
    """nearest(X, Y, k) == the first k of a stable argsort of pairwise(X, Y) (ties by index;
    the row itself excluded when Y is None), values bit for bit, for several k."""
    X0, Y0 = pb
    m = X0.shape[0] - 1 if Y0 is None else Y0.shape[0]
    assume(m >= 1)
    ks = sorted({1, m, data.draw(st.integers(1, m))})
    for metric, opts, positive, dtype, sparse in _variants():
        X, Y = _inputs(X0, Y0, positive)
        Xi, Yi = _layout(X, sparse), _layout(Y, sparse)
        D = divergence.pairwise(Xi, Yi, metric, dtype=dtype, **opts)
        for k in ks:
            idx, val = divergence.nearest(Xi, Yi, k=k, metric=metric, dtype=dtype, **opts)
            ridx, rval = R.nearest_ref(X, Y, k, metric, D=D)
            assert np.array_equal(idx, ridx), (
                _cfg_id(metric, opts, positive),
                dtype,
                sparse,
                k,
                idx,
                ridx,
            )
            assert np.array_equal(val, rval), (_cfg_id(metric, opts, positive), dtype, sparse, k)
            assert val.dtype == np.dtype(dtype)


# ---------------------------------------------------------------------------------------------
# Numerical properties (to the oracle tolerances)
# ---------------------------------------------------------------------------------------------
@settings(**SETTINGS)
@given(pb=problem(), c=st.sampled_from([2.0, 0.5, 3.0, 7.0, 1e-3, 1e3, 1e6]))
def test_scaling_invariance_of_count_rows(pb, c):
    """normalize=True: rows of counts X and c·X are the same distributions. (Not for smoothed
    kl/jeffreys: a pseudo-count is not scale-free.)"""
    X0, Y0 = pb
    for metric, opts, positive, dtype, sparse in _variants():
        if opts.get("alpha", 0.0) > 0:
            continue
        X, Y = _inputs(X0, Y0, positive)
        D = divergence.pairwise(_layout(X, sparse), _layout(Y, sparse), metric, dtype=dtype, **opts)
        Dc = divergence.pairwise(
            _layout(X * c, sparse),
            None if Y is None else _layout(Y * c, sparse),
            metric,
            dtype=dtype,
            **opts,
        )
        R.assert_matches(Dc, D, metric, dtype, slack=2.0, X=X, Y=Y)


@settings(**SETTINGS)
@given(pb=problem())
def test_sparse_equals_dense(pb):
    """CSR input gives the dense result (different algorithms: overlap-only sums against full
    rows), to tolerance; and a sparse X with dense Y (mixed) the same again."""
    X0, Y0 = pb
    for metric, opts, positive, dtype, sparse in _variants():
        if sparse:
            continue
        X, Y = _inputs(X0, Y0, positive)
        alpha = opts.get("alpha", 0.0)
        Dd = divergence.pairwise(X, Y, metric, dtype=dtype, **opts)
        Ds = divergence.pairwise(_layout(X, True), _layout(Y, True), metric, dtype=dtype, **opts)
        R.assert_matches(Ds, Dd, metric, dtype, slack=2.0, alpha=alpha, X=X, Y=Y)
        if Y is not None:
            Dm = divergence.pairwise(sp.csr_matrix(X), Y, metric, dtype=dtype, **opts)
            R.assert_matches(Dm, Dd, metric, dtype, slack=2.0, alpha=alpha, X=X, Y=Y)


@settings(deadline=None, max_examples=15)
@given(pb=problem(max_rows=12, max_cols=20))
def test_random_problems_match_reference(pb):
    """Each variant against the slow oracle (float32: the oracle on the float32-cast input)."""
    X0, Y0 = pb
    for metric, opts, positive, dtype, sparse in _variants():
        X, Y = _inputs(X0, Y0, positive)
        D = divergence.pairwise(_layout(X, sparse), _layout(Y, sparse), metric, dtype=dtype, **opts)
        Xr = X.astype(dtype).astype(np.float64)
        Yr = None if Y is None else Y.astype(dtype).astype(np.float64)
        ref = R.pairwise_ref(Xr, Yr, metric, **opts)
        R.assert_matches(D, ref, metric, dtype, alpha=opts.get("alpha", 0.0), X=Xr, Y=Yr)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_nearest_is_stable_argsort_across_blocks(dtype, sparse):
    """The same property on inputs larger than the kernels' row blocks and thread chunks
    (hypothesis keeps to ~30 rows): 150 rows, a third of them duplicates, n_jobs=2."""
    rng = np.random.default_rng(8)
    X = rng.integers(0, 4, (150, 45)).astype(np.float64) * (rng.random((150, 45)) < 0.25)
    X[np.arange(150), rng.integers(0, 45, 150)] += 1
    X[100:] = X[rng.integers(0, 100, 50)]
    Y = np.vstack([X[::3], rng.integers(1, 3, (10, 45)).astype(np.float64)])
    for metric, opts, positive, *_ in CONFIGS:
        Xi, Yi = _inputs(X, Y, positive)
        for Yarg in (None, Yi):
            A, B = _layout(Xi, sparse), _layout(Yarg, sparse)
            D = divergence.pairwise(A, B, metric, dtype=dtype, n_jobs=2, **opts)
            m = D.shape[1] - (1 if Yarg is None else 0)
            for k in (1, 7, m):
                idx, val = divergence.nearest(
                    A, B, k=k, metric=metric, dtype=dtype, n_jobs=2, **opts
                )
                ridx, rval = R.nearest_ref(Xi, Yarg, k, metric, D=D)
                assert np.array_equal(idx, ridx), (_cfg_id(metric, opts, positive), Yarg is None, k)
                assert np.array_equal(val, rval), (_cfg_id(metric, opts, positive), Yarg is None, k)
