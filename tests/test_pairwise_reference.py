"""The compiled core against the slow oracles in tests/reference.py.

Every metric, with its options (base, alpha, normalize), dense and sparse, float64 and float32,
Y=None and Y given; nearest against a stable argsort of the oracle matrix; single pairs,
cdist/pdist, contributions; streaming into an np.memmap.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import divergence
import reference as R

DTYPES = (np.float64, np.float32)


# ---------------------------------------------------------------------------------------------
# Fixed test matrices: random counts plus the rows that make numerical edge cases.
# ---------------------------------------------------------------------------------------------
def _counts(seed: int, n: int, V: int, density: float = 0.45) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.integers(1, 9, (n, V)).astype(np.float64) * (rng.random((n, V)) < density)
    for i in np.flatnonzero(X.sum(axis=1) == 0):
        X[i, rng.integers(0, V)] = 1.0
    return X


def _with_edge_rows(X: np.ndarray, seed: int) -> np.ndarray:
    """Append duplicates, a scaled copy, near-identical rows, a one-column row, a uniform row,
    a row with a wide dynamic range, and a row on a column nobody else uses."""
    rng = np.random.default_rng(seed)
    n, V = X.shape
    extra = [
        X[0],  # exact duplicate of row 0 (a tie everywhere)
        X[1] * 3.0,  # same distribution as row 1, other counts
        X[2] * (1 + 1e-9 * rng.random(V)),  # near-identical to row 2
        X[3] * (1 + 1e-13 * rng.random(V)),  # nearer still
        np.eye(V)[rng.integers(0, V)] * 5.0,  # a single column
        np.ones(V),  # uniform
        np.where(rng.random(V) < 0.5, 1e-8, 1e3),  # wide dynamic range, full support
    ]
    Z = np.vstack([X, np.array(extra)])
    # A private column: the last row is the only one with mass there (disjoint from all).
    Z = np.hstack([Z, np.zeros((Z.shape[0], 1))])
    Z = np.vstack([Z, np.eye(V + 1)[V] * 2.0])
    return Z


X_COUNTS = _with_edge_rows(_counts(1, 14, 23), 11)  # (22, 24)
Y_COUNTS = np.vstack([_counts(2, 9, 24), X_COUNTS[[0, 5, 21]]])  # shares rows with X (ties)
X_POS = X_COUNTS + 0.25  # strictly positive: kl/jeffreys finite without smoothing
Y_POS = Y_COUNTS + 0.5


def _probabilities(A: np.ndarray) -> np.ndarray:
    return A / A.sum(axis=1, keepdims=True)


def _cases() -> List[Tuple[str, Dict[str, Any], str]]:
    """(metric, options, data) triples covering every option of every metric."""
    cases: List[Tuple[str, Dict[str, Any], str]] = []
    for metric in R.METRICS:
        if metric in R.SMOOTHED:
            cases += [
                (metric, {"alpha": 0.5}, "counts"),
                (metric, {"alpha": 1e-6}, "counts"),
                (metric, {"alpha": 1.0, "base": 2}, "counts"),
                (metric, {"alpha": 0.0}, "positive"),
                (metric, {"alpha": 0.0, "base": 10}, "positive"),
                (metric, {"alpha": 0.0, "normalize": False}, "positive-probabilities"),
                (metric, {"alpha": 1e-6, "normalize": False}, "probabilities"),
            ]
        else:
            cases += [(metric, {}, "counts"), (metric, {"normalize": False}, "probabilities")]
            if metric in R.LOG_METRICS:
                cases += [(metric, {"base": 2}, "counts"), (metric, {"base": 10}, "counts")]
    return cases


def _data(kind: str) -> Tuple[np.ndarray, np.ndarray]:
    if kind == "counts":
        return X_COUNTS, Y_COUNTS
    if kind == "positive":
        return X_POS, Y_POS
    if kind == "probabilities":
        return _probabilities(X_COUNTS), _probabilities(Y_COUNTS)
    if kind == "positive-probabilities":
        return _probabilities(X_POS), _probabilities(Y_POS)
    raise AssertionError(kind)


def _cast(A: np.ndarray, dtype: Any) -> np.ndarray:
    """The float64 values of A after a cast to dtype (what the core really sees)."""
    return A.astype(dtype).astype(np.float64)


@cache
def _ref(
    metric: str, opts_key: Tuple[Tuple[str, Any], ...], kind: str, dtype_name: str, self_: bool
) -> np.ndarray:
    X, Y = _data(kind)
    dt = np.dtype(dtype_name)
    return R.pairwise_ref(_cast(X, dt), None if self_ else _cast(Y, dt), metric, **dict(opts_key))


def _case_id(case: Tuple[str, Dict[str, Any], str]) -> str:
    metric, opts, kind = case
    bits = [metric] + [f"{k}={v}" for k, v in sorted(opts.items())] + [kind]
    return "-".join(bits)


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("self_", [True, False], ids=["Y=None", "Y"])
def test_pairwise_matches_reference(case, dtype, layout, self_):
    metric, opts, kind = case
    X, Y = _data(kind)
    if layout == "csr":
        Xi, Yi = sp.csr_matrix(X), sp.csr_matrix(Y)
    else:
        Xi, Yi = X, Y
    D = divergence.pairwise(Xi, None if self_ else Yi, metric, dtype=dtype, n_jobs=2, **opts)
    ref = _ref(metric, tuple(sorted(opts.items())), kind, np.dtype(dtype).name, self_)
    assert D.dtype == np.dtype(dtype)
    R.assert_matches(
        D,
        ref,
        metric,
        dtype,
        alpha=opts.get("alpha", 0.0),
        X=_cast(X, dtype),
        Y=None if self_ else _cast(Y, dtype),
    )
    if self_:
        assert np.all(np.diag(D) == 0)


@pytest.mark.parametrize("metric", R.METRICS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_near_identical_rows_stay_within_the_cancellation_allowance(metric, dtype):
    """Pairs that differ by 1e-6 .. 1e-15 (relative) and exact duplicates: the true divergence is
    tiny, the core subtracts nearly equal sums. Results are clamped (never negative) and within
    the absolute allowance of the oracle."""
    rng = np.random.default_rng(5)
    base = rng.random((6, 30)) * (rng.random((6, 30)) < 0.7) + np.eye(6, 30)
    rows = [base]
    for eps in (1e-6, 1e-9, 1e-12, 1e-15, 0.0):
        rows.append(base * (1 + eps * rng.standard_normal(base.shape)))
    X = np.vstack(rows)
    opts = {"alpha": 0.5} if metric in R.SMOOTHED else {}
    D = divergence.pairwise(X, metric=metric, dtype=dtype, **opts)
    ref = R.pairwise_ref(_cast(X, dtype), metric=metric, **opts)
    assert np.all(D >= 0)
    R.assert_matches(D, ref, metric, dtype, alpha=opts.get("alpha", 0.0), X=X)


EXTREME_ROWS = {
    # Subnormal mass: 1/Σx overflows to inf. The row is the distribution (1, 0, 0).
    "subnormal-mass": np.array(
        [[5e-324, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]]
    ),
    # Σx overflows to inf in float64 (and x·x for cosine). The row is the distribution (½, ½, 0).
    "overflowing-sum": np.array(
        [[1e308, 1e308, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    ),
}


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("which", sorted(EXTREME_ROWS))
def test_extreme_magnitudes(layout, which):
    """Row 0 has finite, non-negative entries, so it is valid input: the answer must be the
    oracle's, or a ValueError that names row 0; never a silently wrong number. Found: the core
    scales rows by 1/Σx, which is inf (subnormal mass) or 0 (Σx overflows), so e.g. for the
    overflowing-sum rows jsd(row 0, row 1) = ln 2 although both are (½, ½, 0), and for the
    subnormal one jsd((1,0,0), (0,1,0)) = 0."""
    X = EXTREME_ROWS[which]
    Xi = sp.csr_matrix(X) if layout == "csr" else X
    wrong = []
    for metric in R.METRICS:
        opts = {"alpha": 0.5} if metric in R.SMOOTHED else {}
        try:
            D = divergence.pairwise(Xi, metric=metric, **opts)
        except ValueError as e:
            if not ("X" in str(e) and "row 0" in str(e)):
                wrong.append(f"{metric}: ValueError without 'X' and 'row 0': {e}")
            continue
        ref = R.pairwise_ref(X, metric=metric, **opts)
        try:
            R.assert_matches(D, ref, metric, np.float64, alpha=opts.get("alpha", 0.0), X=X[1:])
        except AssertionError:
            wrong.append(f"{metric}: got row 0 = {D[0].tolist()}, expected {ref[0].tolist()}")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------------
# kl / jeffreys without smoothing: finite exactly where the oracle is finite
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["kl", "jeffreys"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("self_", [True, False], ids=["Y=None", "Y"])
def test_unsmoothed_kl_finite_iff_reference_finite(metric, layout, self_):
    rng = np.random.default_rng(7)
    for trial in range(6):
        V = 6
        X = (rng.random((5, V)) < 0.8) * rng.integers(1, 5, (5, V)).astype(float)
        Y = (rng.random((4, V)) < 0.9) * rng.integers(1, 5, (4, V)).astype(float)
        X[:, 0] += 1
        Y[:, 0] += 1
        if trial % 2:
            X[:, 1:] = 0  # supp p = {0} ⊆ supp q for every pair: kl finite
            if metric == "jeffreys":
                Y[:, 1:] = 0
        ref = R.pairwise_ref(X, None if self_ else Y, metric)
        conv = sp.csr_matrix if layout == "csr" else np.asarray
        args = (conv(X), None if self_ else conv(Y))
        if np.all(np.isfinite(ref)):
            D = divergence.pairwise(*args, metric=metric)
            R.assert_matches(D, ref, metric, np.float64, X=X, Y=None if self_ else Y)
        else:
            i, j = np.argwhere(~np.isfinite(ref))[0]  # first in row-major order
            with pytest.raises(ValueError, match="alpha") as info:
                divergence.pairwise(*args, metric=metric)
            msg = str(info.value)
            assert f"row {i}" in msg or f"rows {i} and {j}" in msg, msg
            assert str(j) in msg, msg


# ---------------------------------------------------------------------------------------------
# nearest
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", R.METRICS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("self_", [True, False], ids=["Y=None", "Y"])
def test_nearest_matches_reference(metric, dtype, layout, self_):
    X, Y = (X_POS, Y_POS) if metric in R.SMOOTHED else (X_COUNTS, Y_COUNTS)
    Xi, Yi = (sp.csr_matrix(X), sp.csr_matrix(Y)) if layout == "csr" else (X, Y)
    m = X.shape[0] - 1 if self_ else Y.shape[0]
    ref = R.pairwise_ref(_cast(X, dtype), None if self_ else _cast(Y, dtype), metric)
    rtol, atol = R.tolerances(metric, dtype, X=X, Y=None if self_ else Y)
    if metric in R.SQRT_METRICS:
        atol = math.sqrt(atol)
    for k in (1, 4, m):
        idx, val = divergence.nearest(
            Xi, None if self_ else Yi, k=k, metric=metric, dtype=dtype, n_jobs=2
        )
        assert idx.shape == val.shape == (X.shape[0], k)
        assert idx.dtype == np.int64 and val.dtype == np.dtype(dtype)
        ridx, rval = R.nearest_ref(X, None if self_ else Y, k, metric, D=ref)
        # Values: the k smallest, ascending, to tolerance.
        R.assert_matches(val, rval, metric, dtype, X=X, Y=None if self_ else Y)
        assert np.all(val[:, 1:] >= val[:, :-1])
        # Each returned index carries its own (reference) value, self never included.
        np.testing.assert_allclose(np.take_along_axis(ref, idx, 1), rval, rtol=rtol, atol=atol)
        if self_:
            assert not np.any(idx == np.arange(X.shape[0])[:, None])
        # Where the oracle's order is unambiguous (no other value within tolerance), the
        # indices are the oracle's.
        for i in range(X.shape[0]):
            row = np.delete(ref[i], i) if self_ else ref[i]
            cols = np.delete(np.arange(ref.shape[1]), i) if self_ else np.arange(ref.shape[1])
            for q in range(k):
                v = rval[i, q]
                if np.isfinite(v):
                    with np.errstate(invalid="ignore"):
                        close = np.abs(row - v) <= 2 * (atol + rtol * abs(v))
                else:
                    close = np.isinf(row)
                if close.sum() == 1:
                    assert idx[i, q] == ridx[i, q], (i, q, idx[i], ridx[i])
                else:
                    assert idx[i, q] in cols[close], (i, q, idx[i], ridx[i])


# ---------------------------------------------------------------------------------------------
# Single pairs, cdist, pdist, contributions
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", R.METRICS)
def test_divergence_single_pair(metric):
    opts = {"alpha": 0.5} if metric in R.SMOOTHED else {}
    for i, j in [(0, 1), (2, 17), (0, 14), (21, 4), (5, 5)]:
        p, q = X_COUNTS[i], X_COUNTS[j]
        got = divergence.divergence(p, q, metric, **opts)
        assert isinstance(got, float)
        ref = R.divergence_ref(p, q, metric, **opts)
        R.assert_matches(
            np.array([got]),
            np.array([ref]),
            metric,
            np.float64,
            alpha=opts.get("alpha", 0.0),
            X=X_COUNTS,
        )
        # sparse 1-row and 2-d (1, V) inputs give the same number
        from_sparse = divergence.divergence(sp.csr_matrix(p), sp.csr_matrix(q), metric, **opts)
        # Same tolerance as against the reference (for jensenshannon and hellinger the squares
        # are compared: identical rows give ~1e-16 before the square root on the dense path).
        R.assert_matches(
            np.array([from_sparse]),
            np.array([got]),
            metric,
            np.float64,
            alpha=opts.get("alpha", 0.0),
            X=X_COUNTS,
        )
        assert divergence.divergence(p[None, :], q[None, :], metric, **opts) == got


@pytest.mark.parametrize("metric", R.METRICS)
def test_cdist_and_pdist(metric):
    opts = {"alpha": 0.5} if metric in R.SMOOTHED else {}
    C = divergence.cdist(X_COUNTS, Y_COUNTS, metric, **opts)
    assert np.array_equal(C, divergence.pairwise(X_COUNTS, Y_COUNTS, metric, **opts))
    if metric == "kl":
        with pytest.raises(ValueError, match="metric"):
            divergence.pdist(X_COUNTS, metric)
        return
    P = divergence.pdist(X_COUNTS, metric, **opts)
    D = divergence.pairwise(X_COUNTS, None, metric, **opts)
    n = X_COUNTS.shape[0]
    assert P.shape == (n * (n - 1) // 2,)
    expected = [D[i, j] for i in range(n) for j in range(i + 1, n)]
    assert np.array_equal(P, np.array(expected))


def _contrib_ref(
    p: np.ndarray, q: np.ndarray, metric: str, alpha: float, base: Optional[float]
) -> np.ndarray:
    """Per-column terms straight from the definitions."""
    P = R.distribution(p, metric, alpha)
    Q = R.distribution(q, metric, alpha)
    scale = 1.0 / math.log(base) if base else 1.0
    out = np.zeros_like(P)
    for t, (a, b) in enumerate(zip(P, Q)):
        if metric == "jsd":
            m = (a + b) / 2
            left = a * math.log(a / m) if a > 0 else 0.0
            right = b * math.log(b / m) if b > 0 else 0.0
            out[t] = 0.5 * (left + right) * scale
        elif metric == "kl":
            out[t] = (a * math.log(a / b) if a > 0 else 0.0) * scale
        elif metric == "jeffreys":
            out[t] = ((a - b) * math.log(a / b) if a > 0 and b > 0 else 0.0) * scale
        elif metric == "tv":
            out[t] = 0.5 * abs(a - b)
        elif metric == "hellinger":
            out[t] = 0.5 * (math.sqrt(a) - math.sqrt(b)) ** 2
    return out


@pytest.mark.parametrize(
    "metric, base",
    [
        ("jsd", None),
        ("jsd", 2),
        ("kl", None),
        ("kl", 2),
        ("jeffreys", None),
        ("jeffreys", 10),
        ("tv", None),
        ("hellinger", None),
    ],
)
def test_contributions_sum_to_divergence(metric, base):
    pairs = [(0, 1), (2, 17), (1, 15), (6, 20), (4, 4)]
    for alpha in (0.5, 1e-3) if metric in R.SMOOTHED else (0.0,):
        for i, j in pairs:
            p, q = X_COUNTS[i], X_COUNTS[j]
            c = divergence.contributions(p, q, metric, base=base, alpha=alpha)
            assert c.dtype == np.float64 and c.shape == p.shape
            total = math.fsum(c)
            d = divergence.divergence(p, q, metric, base=base, alpha=alpha)
            if metric == "hellinger":
                d = d * d  # contributions sum to the squared distance
            rtol, atol = R.tolerances(metric, np.float64, alpha=alpha, X=X_COUNTS)
            assert total == pytest.approx(d, rel=rtol, abs=atol), (i, j, alpha)
            np.testing.assert_allclose(
                c, _contrib_ref(p, q, metric, alpha, base), rtol=1e-12, atol=1e-16
            )
    if metric in R.SMOOTHED:  # alpha = 0 on positive rows
        p, q = X_POS[0], X_POS[1]
        c = divergence.contributions(p, q, metric, base=base)
        d = divergence.divergence(p, q, metric, base=base)
        assert math.fsum(c) == pytest.approx(d, rel=1e-12, abs=1e-14)


# ---------------------------------------------------------------------------------------------
# Streaming into an np.memmap (full-rows path)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", R.METRICS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("self_", [True, False], ids=["Y=None", "Y"])
def test_memmap_out_is_bit_identical(tmp_path, metric, dtype, layout, self_):
    """Large enough for several row blocks and thread chunks; written through an np.memmap the
    core computes each row in full (no mirror pass) and must give the same bits."""
    rng = np.random.default_rng(3)
    X = rng.integers(0, 4, (300, 60)).astype(np.float64) * (rng.random((300, 60)) < 0.3)
    X[:, 0] += 1
    X[150:170] = X[:20]  # duplicates across blocks
    Y = X[::-1][:170].copy()
    opts = {"alpha": 0.5} if metric in R.SMOOTHED else {}
    Xi, Yi = (sp.csr_matrix(X), sp.csr_matrix(Y)) if layout == "csr" else (X, Y)
    Yarg = None if self_ else Yi
    expected = divergence.pairwise(Xi, Yarg, metric, dtype=dtype, n_jobs=2, **opts)
    shape = expected.shape
    mm = np.memmap(tmp_path / "d.bin", dtype=dtype, mode="w+", shape=shape)
    got = divergence.pairwise(Xi, Yarg, metric, dtype=dtype, n_jobs=2, out=mm, **opts)
    assert got is mm
    assert np.array_equal(np.asarray(mm), expected)
    del mm
    back = np.memmap(tmp_path / "d.bin", dtype=dtype, mode="r", shape=shape)
    assert np.array_equal(np.asarray(back), expected)
    # A plain ndarray out= takes the ordinary path: same bits again.
    buf = np.full(shape, np.nan, dtype=dtype)
    assert divergence.pairwise(Xi, Yarg, metric, dtype=dtype, n_jobs=1, out=buf, **opts) is buf
    assert np.array_equal(buf, expected)


# ---------------------------------------------------------------------------------------------
# Random inputs against the oracle (hypothesis)
# ---------------------------------------------------------------------------------------------
@st.composite
def _small_case(draw):
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 8))
    V = draw(st.integers(1, 12))
    cell = st.one_of(st.just(0.0), st.integers(1, 6).map(float), st.floats(1e-4, 1e4))
    X = np.array(draw(st.lists(st.lists(cell, min_size=V, max_size=V), min_size=n, max_size=n)))
    Y = np.array(draw(st.lists(st.lists(cell, min_size=V, max_size=V), min_size=m, max_size=m)))
    for A in (X, Y):
        for i in range(A.shape[0]):
            if A[i].sum() == 0:
                A[i, i % V] = 1.0
    metric = draw(st.sampled_from(R.METRICS))
    opts: Dict[str, Any] = {}
    if metric in R.SMOOTHED:
        opts["alpha"] = draw(st.sampled_from([0.5, 1e-3]))
    if metric in R.LOG_METRICS:
        opts["base"] = draw(st.sampled_from([None, 2]))
    return X, Y, metric, opts


@settings(deadline=None, max_examples=60)
@given(case=_small_case(), dtype=st.sampled_from(DTYPES), sparse=st.booleans(), self_=st.booleans())
def test_random_inputs_match_reference(case, dtype, sparse, self_):
    X, Y, metric, opts = case
    conv = sp.csr_matrix if sparse else np.asarray
    D = divergence.pairwise(conv(X), None if self_ else conv(Y), metric, dtype=dtype, **opts)
    ref = R.pairwise_ref(_cast(X, dtype), None if self_ else _cast(Y, dtype), metric, **opts)
    R.assert_matches(
        D, ref, metric, dtype, alpha=opts.get("alpha", 0.0), X=X, Y=None if self_ else Y
    )
