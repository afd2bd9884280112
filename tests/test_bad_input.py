"""Bad input: the right exception type, a message that names the argument (and the row), no
crash, no hang. Plus awkward but valid input (non-canonical sparse, other sparse formats,
strided arrays), which must give the same result as the plain dense equivalent."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

import divergence
import reference as R
from divergence import _core

X3 = np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 1.0, 1.0, 1.0], [3.0, 0.0, 0.0, 1.0]])
LAYOUTS = {"dense": np.asarray, "csr": sp.csr_matrix}


def _raises(exc, fn, *must_contain):
    with pytest.raises(exc) as info:
        fn()
    msg = str(info.value)
    for part in must_contain:
        assert part in msg, f"{part!r} not in message: {msg}"
    return msg


def _core_dense(X, out, metric="jsd", n_jobs=1):
    return _core.pairwise_dense(X, None, out, metric, 0.0, 0.0, True, n_jobs)


def _core_sparse(indptr, indices, data, n_cols, out):
    return _core.pairwise_sparse(
        (indptr, indices, data, n_cols), None, out, "jsd", 0.0, 0.0, True, 1
    )


def _close(got, want, metric, X, alpha=0.0, dtype=np.float64, slack=2.0):
    """got == want to the oracle tolerances (slack 2: both are results of the core)."""
    R.assert_matches(got, want, metric, dtype, slack=slack, alpha=alpha, X=X)


def _entry_points(X, Y=None, **kw):
    """Every public function that takes matrices, as zero-argument callables."""
    return {
        "pairwise": lambda: divergence.pairwise(X, Y, **kw),
        "nearest": lambda: divergence.nearest(X, Y, k=1, **kw),
    }


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["X", "Y"])
def test_nan_and_inf_name_argument_row_and_column(layout, bad, where):
    B = X3.copy()
    B[1, 2] = bad
    conv = LAYOUTS[layout]
    good = conv(X3)
    args = (conv(B), good) if where == "X" else (good, conv(B))
    for _name, fn in _entry_points(*args).items():
        msg = _raises(ValueError, fn, where, "row 1", "column 2")
        assert re.search(r"nan|inf", msg), msg


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_negative_values(layout, dtype):
    B = X3.copy()
    B[2, 3] = -0.5
    for fn in _entry_points(LAYOUTS[layout](B), dtype=dtype).values():
        msg = _raises(ValueError, fn, "X", "row 2", "column 3")
        assert "negative" in msg
    for fn in _entry_points(LAYOUTS[layout](X3), LAYOUTS[layout](B), dtype=dtype).values():
        _raises(ValueError, fn, "Y", "row 2", "negative")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rows_without_mass_are_listed(layout):
    B = np.vstack([X3, np.zeros((2, 4)), X3[:1], np.zeros((1, 4))])  # rows 3, 4, 6 empty
    for fn in _entry_points(LAYOUTS[layout](B)).values():
        msg = _raises(ValueError, fn, "X", "no mass", "3, 4, 6")
        assert "rows" in msg
    for fn in _entry_points(LAYOUTS[layout](X3), LAYOUTS[layout](B)).values():
        _raises(ValueError, fn, "Y", "3, 4, 6")
    one = X3.copy()
    one[1] = 0
    _raises(ValueError, lambda: divergence.pairwise(LAYOUTS[layout](one)), "X", "row 1", "no mass")
    # Explicitly stored zeros are not mass either.
    Z = sp.csr_matrix(
        (np.r_[1.0, 0.0, 0.0], np.array([1, 0, 3]), np.array([0, 1, 3])), shape=(2, 4)
    )
    assert Z.nnz == 3
    _raises(ValueError, lambda: divergence.pairwise(Z), "X", "row 1", "no mass")


def test_single_pair_and_contributions_reject_bad_values():
    _raises(ValueError, lambda: divergence.divergence([1, np.nan], [1, 1]), "nan")
    _raises(ValueError, lambda: divergence.divergence([1, 1], [0, 0]), "no mass")
    _raises(ValueError, lambda: divergence.contributions([1, np.inf], [1, 1]), "p")
    _raises(ValueError, lambda: divergence.contributions([1, 1], [0, -1]), "q", "negative")
    _raises(ValueError, lambda: divergence.contributions([0, 0], [0, 1]), "p", "no mass")


@pytest.mark.parametrize(
    "p, q, name",
    [
        ([1.0, np.nan], [1.0, 1.0], "p"),
        ([1.0, 1.0], [0.0, -1.0], "q"),
        ([1.0, 1.0], [0.0, 0.0], "q"),
        ([0.0, 0.0], [1.0, 1.0], "p"),
    ],
)
def test_single_pair_messages_name_p_and_q(p, q, name):
    """divergence(p, q) has arguments p and q, so its messages should name them. Found: they
    name X and Y (the internal pairwise call), e.g. divergence([1, 1], [0, 0]) raises
    "Y: 1 row has no mass ... row 0"."""
    msg = _raises(ValueError, lambda: divergence.divergence(p, q))
    assert re.search(rf"\b{name}\b", msg), msg


def test_unnormalised_rows_with_normalize_false():
    P = X3 / X3.sum(axis=1, keepdims=True)
    P[2] *= 1.01
    for metric in ("jsd", "kl", "hellinger", "tv"):
        with pytest.raises(ValueError) as info:
            divergence.pairwise(P, metric=metric, normalize=False)
        for part in ("X", "row 2", "normalize"):
            assert part in str(info.value), str(info.value)


# ---------------------------------------------------------------------------------------------
# Shapes and types
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", LAYOUTS)
def test_mismatched_widths(layout):
    conv = LAYOUTS[layout]
    for fn in _entry_points(conv(X3), conv(np.ones((2, 5)))).values():
        _raises(ValueError, fn, "X and Y", "4", "5")
    _raises(ValueError, lambda: divergence.cdist(conv(X3), conv(np.ones((2, 3)))), "X and Y")
    _raises(ValueError, lambda: divergence.divergence([1, 2], [1, 2, 3]), "2", "3")
    _raises(ValueError, lambda: divergence.contributions([1, 2], [1, 2, 3]), "p and q")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_zero_rows_and_zero_columns(layout):
    conv = LAYOUTS[layout]
    for fn in _entry_points(conv(np.ones((0, 4)))).values():
        _raises(ValueError, fn, "X", "0 rows")
    for fn in _entry_points(conv(X3), conv(np.ones((0, 4)))).values():
        _raises(ValueError, fn, "Y", "0 rows")
    for fn in _entry_points(conv(np.ones((3, 0)))).values():
        _raises(ValueError, fn, "X", "0 columns")


@pytest.mark.parametrize("shape", [(4,), (2, 2, 2), ()])
def test_wrong_ndim(shape):
    A = np.ones(shape)
    for fn in _entry_points(A).values():
        _raises(ValueError, fn, "X", "2-d")
    for fn in _entry_points(X3[:, :2] if len(shape) != 1 else X3, A).values():
        _raises(ValueError, fn, "Y")
    _raises(ValueError, lambda: divergence.divergence(np.ones((2, 3)), np.ones(3)), "p")


@pytest.mark.parametrize(
    "bad",
    [
        np.array([["a", "b"], ["c", "d"]]),
        np.array([[1, None]], dtype=object),
        np.array([[1 + 1j, 2]]),
        np.ones((2, 2), dtype=bool),
        "not an array",
        np.array([[b"x"]]),
    ],
    ids=["str", "object", "complex", "bool", "python-str", "bytes"],
)
def test_non_numeric_dtype_is_a_type_error(bad):
    for fn in _entry_points(bad).values():
        _raises(TypeError, fn, "X")
    for fn in _entry_points(np.ones((2, 2)), bad).values():
        _raises(TypeError, fn, "Y")


def test_none_and_sparse_non_numeric():
    _raises(TypeError, lambda: divergence.pairwise(None), "X")
    _raises(TypeError, lambda: divergence.cdist(X3, None), "XB")
    S = sp.csr_matrix(np.ones((2, 2), dtype=bool))
    _raises(TypeError, lambda: divergence.pairwise(S), "X")


def test_dtype_argument():
    _raises(TypeError, lambda: divergence.pairwise(X3, dtype=np.int32), "dtype")
    _raises(TypeError, lambda: divergence.pairwise(X3, dtype="not-a-dtype"), "dtype")
    _raises(TypeError, lambda: divergence.nearest(X3, k=1, dtype=np.float16), "dtype")


# ---------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", LAYOUTS)
def test_k_out_of_range(layout):
    X = LAYOUTS[layout](X3)
    _raises(ValueError, lambda: divergence.nearest(X, k=0), "k", "0")
    _raises(ValueError, lambda: divergence.nearest(X, k=-2), "k")
    _raises(ValueError, lambda: divergence.nearest(X, k=3), "k", "3", "2")  # 2 other rows
    _raises(ValueError, lambda: divergence.nearest(X, X, k=4), "k", "4", "3")
    _raises(ValueError, lambda: divergence.nearest(X[:1], k=1), "k")  # no other row at all
    _raises(TypeError, lambda: divergence.nearest(X, k=1.5), "k")
    _raises(TypeError, lambda: divergence.nearest(X, k=True), "k")
    _raises(TypeError, lambda: divergence.nearest(X, k="2"), "k")
    # the largest valid k works
    idx, _ = divergence.nearest(X, k=2)
    assert idx.shape == (3, 2)


@pytest.mark.parametrize("alpha", [-1.0, -1e-12, float("nan"), float("inf")])
@pytest.mark.parametrize("metric", ["kl", "jeffreys"])
def test_bad_alpha(alpha, metric):
    for fn in _entry_points(X3, metric=metric, alpha=alpha).values():
        _raises(ValueError, fn, "alpha")
    _raises(
        ValueError, lambda: divergence.contributions(X3[0], X3[1], metric, alpha=alpha), "alpha"
    )


def test_alpha_only_for_smoothed_metrics_and_numeric():
    _raises(ValueError, lambda: divergence.pairwise(X3, metric="jsd", alpha=0.5), "alpha")
    _raises(TypeError, lambda: divergence.pairwise(X3, metric="kl", alpha="0.5"), "alpha")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("self_", [True, False], ids=["Y=None", "Y"])
def test_kl_without_smoothing_names_the_rows(layout, self_):
    P = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    Q = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0], [2.0, 1.0, 3.0]])
    conv = LAYOUTS[layout]
    Y = None if self_ else conv(Q)
    ref = R.pairwise_ref(P, None if self_ else Q, "kl")
    i, j = np.argwhere(np.isinf(ref))[0]  # first bad pair, row-major
    for fn in _entry_points(conv(P), Y, metric="kl").values():
        msg = _raises(
            ValueError, fn, "alpha", f"row {j} of {'X' if self_ else 'Y'}", f"row {i} of X"
        )
        assert "alpha > 0" in msg or "alpha=" in msg
    # jeffreys needs equal supports: name both rows
    ref = R.pairwise_ref(P, None if self_ else Q, "jeffreys")
    i, j = np.argwhere(np.isinf(ref))[0]
    for fn in _entry_points(conv(P), Y, metric="jeffreys").values():
        _raises(ValueError, fn, "alpha", str(i), str(j))
    # fine with smoothing, and fine where supports nest
    divergence.pairwise(conv(P), Y, metric="kl", alpha=0.5)
    divergence.pairwise(conv(P[[0]]), conv(Q[[0]]), metric="kl")


def test_kl_contributions_without_smoothing():
    _raises(
        ValueError,
        lambda: divergence.contributions([1, 1, 0], [1, 0, 1], "kl"),
        "alpha",
        "column 1",
    )


def test_unknown_metric_lists_the_valid_ones():
    fns = {
        "pairwise": lambda: divergence.pairwise(X3, metric="euclid"),
        "nearest": lambda: divergence.nearest(X3, k=1, metric="euclid"),
        "pdist": lambda: divergence.pdist(X3, "euclid"),
        "cdist": lambda: divergence.cdist(X3, X3, "euclid"),
        "divergence": lambda: divergence.divergence(X3[0], X3[1], "euclid"),
        "contributions": lambda: divergence.contributions(X3[0], X3[1], "euclid"),
        "core": lambda: _core_dense(X3, np.empty((3, 3)), "euclid"),
    }
    for name, fn in fns.items():
        msg = _raises(ValueError, fn, "metric", "euclid")
        for m in divergence.METRICS:
            assert m in msg, (name, m, msg)
    _raises(TypeError, lambda: divergence.pairwise(X3, metric=None), "metric")
    _raises(ValueError, lambda: divergence.contributions(X3[0], X3[1], "cosine"), "metric", "jsd")
    _raises(ValueError, lambda: divergence.pdist(X3, "kl"), "metric", "kl")


@pytest.mark.parametrize("base", [0, 1, -2, float("nan"), float("inf")])
def test_bad_base(base):
    _raises(ValueError, lambda: divergence.pairwise(X3, metric="jsd", base=base), "base")
    _raises(
        ValueError, lambda: divergence.nearest(X3, k=1, metric="kl", alpha=0.5, base=base), "base"
    )


def test_base_only_for_log_metrics():
    for metric in ("hellinger", "tv", "cosine"):
        _raises(
            ValueError,
            lambda metric=metric: divergence.pairwise(X3, metric=metric, base=2),
            "base",
            metric,
        )
    _raises(TypeError, lambda: divergence.pairwise(X3, base="2"), "base")


@pytest.mark.parametrize("metric", ["jsd", "jensenshannon", "bhattacharyya", "kl"])
def test_base_below_one(metric):
    """A base in (0, 1) makes every log negative: jsd would be −1 bit for disjoint rows and
    jensenshannon the square root of a negative number (NaN), outside the documented ranges.
    Found: accepted without error (jsd = -1.0, jensenshannon = nan for X=[[1,0],[0,1]],
    base=0.5). Expected: a ValueError naming base."""
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    opts = {"alpha": 0.5} if metric == "kl" else {}
    for base in (0.5, 1 - 1e-9):
        _raises(
            ValueError,
            lambda base=base: divergence.pairwise(X, metric=metric, base=base, **opts),
            "base",
        )


def test_n_jobs():
    _raises(ValueError, lambda: divergence.pairwise(X3, n_jobs=0), "n_jobs")
    _raises(TypeError, lambda: divergence.pairwise(X3, n_jobs="2"), "n_jobs")
    _raises(TypeError, lambda: divergence.pairwise(X3, n_jobs=2.0), "n_jobs")
    _raises(ValueError, lambda: divergence.nearest(X3, k=1, n_jobs=-10_000), "n_jobs")
    _raises(ValueError, lambda: _core_dense(X3, np.empty((3, 3)), n_jobs=0), "n_jobs")
    # More threads than rows, or than CPUs, is fine.
    assert np.array_equal(divergence.pairwise(X3, n_jobs=64), divergence.pairwise(X3, n_jobs=1))


# ---------------------------------------------------------------------------------------------
# out=
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", LAYOUTS)
def test_bad_out(layout, tmp_path):
    X = LAYOUTS[layout](X3)
    _raises(ValueError, lambda: divergence.pairwise(X, out=np.empty((3, 2))), "out", "(3, 3)")
    _raises(
        ValueError, lambda: divergence.pairwise(X, X[:2], out=np.empty((3, 3))), "out", "(3, 2)"
    )
    _raises(ValueError, lambda: divergence.pairwise(X, out=np.empty(9)), "out")
    _raises(
        TypeError,
        lambda: divergence.pairwise(X, out=np.empty((3, 3), dtype=np.float32)),
        "out",
        "float",
    )
    _raises(
        TypeError, lambda: divergence.pairwise(X, dtype=np.float32, out=np.empty((3, 3))), "out"
    )
    _raises(TypeError, lambda: divergence.pairwise(X, out=np.empty((3, 3), dtype=np.int64)), "out")
    _raises(TypeError, lambda: divergence.pairwise(X, out=[[0.0] * 3] * 3), "out")
    _raises(ValueError, lambda: divergence.pairwise(X, out=np.empty((3, 3)).T), "out")  # F order
    _raises(ValueError, lambda: divergence.pairwise(X, out=np.empty((3, 6))[:, ::2]), "out")
    ro = np.empty((3, 3))
    ro.flags.writeable = False
    _raises(ValueError, lambda: divergence.pairwise(X, out=ro), "out", "read-only")
    mm = np.memmap(tmp_path / "o.bin", dtype=np.float32, mode="w+", shape=(3, 3))
    _raises(TypeError, lambda: divergence.pairwise(X, out=mm), "out")
    mmr = np.memmap(tmp_path / "o.bin", dtype=np.float32, mode="r", shape=(3, 3))
    _raises(ValueError, lambda: divergence.pairwise(X, dtype=np.float32, out=mmr), "out")
    _raises(TypeError, lambda: divergence.pdist(X, out=np.empty(3)), "out")
    # A row slice of a C-order array is a valid out.
    big = np.full((6, 3), -1.0)
    divergence.pairwise(X, out=big[::2])
    assert np.array_equal(big[::2], divergence.pairwise(X)) and np.all(big[1::2] == -1)


def test_core_rejects_bad_buffers():
    """The bindings check what Python hands them: dtype, shape, CSR structure."""
    out = np.empty((3, 3))
    _raises(TypeError, lambda: _core_dense(X3.astype(np.float32), out), "out")
    _raises(ValueError, lambda: _core_dense(X3, np.empty((3, 2))), "out")
    ip = np.array([0, 2], dtype=np.int64)
    d = np.array([1.0, 1.0])
    o = np.empty((1, 1))
    for ix, what in [((1, 0), "unsorted"), ((0, 0), "duplicate"), ((0, 5), "outside")]:
        _raises(
            ValueError,
            lambda ix=ix: _core_sparse(ip, np.array(ix, dtype=np.int32), d, 2, o),
            "X",
            what,
        )
    short = np.array([0], dtype=np.int32)  # indptr says 3 entries, there is 1
    _raises(
        ValueError, lambda: _core_sparse(np.array([0, 3], dtype=np.int64), short, d[:1], 2, o), "X"
    )
    _raises(
        TypeError, lambda: _core_sparse(ip, np.array([0, 1], dtype=np.int64), d, 2, o), "X.indices"
    )


@pytest.mark.parametrize("n_jobs", [1, 2, 7])
def test_core_csr_check_names_the_first_bad_row_on_large_input(n_jobs):
    """The structure check splits large matrices (> 2^17 entries) over threads and scans each
    range in one vectorised pass; the error still names the first offending row."""
    from divergence import _core

    rng = np.random.default_rng(0)
    n, per, V = 20000, 12, 500
    ind = np.sort(rng.choice(V, size=(n, per), replace=True), axis=1)
    ind += np.arange(per)  # strictly increasing within each row, all < V + per
    ip = np.arange(0, n * per + 1, per, dtype=np.int64)
    data = np.ones(n * per)
    V += per
    X = sp.csr_matrix((data, ind.ravel().astype(np.int32), ip), shape=(n, V))
    pairs = np.zeros(1, dtype=np.int64)
    win = np.array([0], dtype=np.int64), np.array([n], dtype=np.int64)

    def call(indices, indptr=ip):
        return _core.window_pairs(
            (indptr, indices, data, V), win[0], win[1], pairs, pairs, "jsd", 0.0, 0.0, True, n_jobs
        )

    call(X.indices)  # well formed
    for row, what in [(15000, "unsorted"), (9001, "duplicate"), (17777, "outside")]:
        bad = X.indices.copy()
        k = ip[row] + 3
        if what == "unsorted":
            bad[k], bad[k + 1] = bad[k + 1], bad[k]
        elif what == "duplicate":
            bad[k + 1] = bad[k]
        else:
            bad[k] = V + 3 if bad[k + 1] > V else -1
        late = bad.copy()
        late[ip[19990] + 1] = late[ip[19990]]  # a later problem too: the first one is named
        for arr in (bad, late):
            with pytest.raises(ValueError, match=f"X: row {row} has "):
                call(arr)
    dec = ip.copy()
    dec[12345] = dec[12344] - 1  # indptr decreases
    with pytest.raises(ValueError, match="X: indptr decreases at row 12344"):
        call(X.indices, dec)


# ---------------------------------------------------------------------------------------------
# Awkward but valid input
# ---------------------------------------------------------------------------------------------
def _non_canonical() -> sp.csr_matrix:
    """Rows with unsorted column indices, duplicate entries (to be summed) and stored zeros."""
    data = np.array([1.0, 2.0, 3.0, 0.0, 4.0, 0.5, 0.5, 2.0, 0.0, 1.0])
    indices = np.array([3, 0, 3, 1, 2, 2, 2, 0, 3, 1])
    indptr = np.array([0, 4, 7, 10])
    A = sp.csr_matrix((data, indices, indptr), shape=(3, 4))
    assert not A.has_canonical_format
    return A


@pytest.mark.parametrize("metric", R.METRICS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_non_canonical_sparse_is_summed_like_scipy(metric, dtype):
    A = _non_canonical()
    before = (A.data.copy(), A.indices.copy(), A.indptr.copy())
    dense = A.toarray()  # scipy sums duplicates
    assert dense[0, 3] == 4.0 and dense[1, 2] == 5.0
    opts = {"alpha": 0.5} if metric in R.SMOOTHED else {}
    D = divergence.pairwise(A, metric=metric, dtype=dtype, **opts)
    a = opts.get("alpha", 0.0)
    D32 = dense.astype(dtype)
    _close(
        D, divergence.pairwise(dense, metric=metric, dtype=dtype, **opts), metric, dense, a, dtype
    )
    _close(D, R.pairwise_ref(D32, metric=metric, **opts), metric, dense, a, dtype, slack=1.0)
    Dy = divergence.pairwise(A, A, metric=metric, dtype=dtype, **opts)
    _close(Dy, R.pairwise_ref(D32, D32, metric=metric, **opts), metric, dense, a, dtype, slack=1.0)
    idx, val = divergence.nearest(A, k=2, metric=metric, dtype=dtype, **opts)
    ridx, rval = divergence.nearest(dense, k=2, metric=metric, dtype=dtype, **opts)
    _close(val, rval, metric, dense, a, dtype)
    # the caller's matrix is left as it was
    for now, then in zip((A.data, A.indices, A.indptr), before):
        assert np.array_equal(now, then)


@pytest.mark.parametrize(
    "fmt",
    [
        "csc",
        "coo",
        "lil",
        "dok",
        "bsr",
        "csr_array",
        "coo_array",
        "int64-csr",
        "float32-csr",
        "int64-indices",
    ],
)
@pytest.mark.parametrize("metric", ["jsd", "kl", "cosine"])
def test_other_sparse_formats(fmt, metric):
    rng = np.random.default_rng(2)
    A = rng.integers(0, 4, (7, 9)) * (rng.random((7, 9)) < 0.5)
    A[:, 0] += 1
    base = sp.csr_matrix(A.astype(np.float64))
    conv = {
        "csc": lambda: base.tocsc(),
        "coo": lambda: base.tocoo(),
        "lil": lambda: base.tolil(),
        "dok": lambda: base.todok(),
        "bsr": lambda: base.tobsr(),
        "csr_array": lambda: sp.csr_array(base),
        "coo_array": lambda: sp.coo_array(base),
        "int64-csr": lambda: sp.csr_matrix(A.astype(np.int64)),
        "float32-csr": lambda: base.astype(np.float32),
        "int64-indices": lambda: sp.csr_matrix(
            (base.data, base.indices.astype(np.int64), base.indptr.astype(np.int64)),
            shape=base.shape,
        ),
    }[fmt]
    opts = {"alpha": 0.5} if metric == "kl" else {}
    a = opts.get("alpha", 0.0)
    want = divergence.pairwise(base, metric=metric, **opts)
    _close(divergence.pairwise(conv(), metric=metric, **opts), want, metric, A, a)
    got_y = divergence.pairwise(conv(), conv(), metric=metric, **opts)
    _close(got_y, divergence.pairwise(base, base, metric=metric, **opts), metric, A, a)
    # COO with duplicate coordinates: summed, as scipy's toarray does
    if fmt == "coo":
        C = base.tocoo()
        dup = sp.coo_matrix(
            (np.r_[C.data, C.data], (np.r_[C.row, C.row], np.r_[C.col, C.col])), shape=C.shape
        )
        want = divergence.pairwise(dup.toarray(), metric=metric, **opts)
        _close(divergence.pairwise(dup, metric=metric, **opts), want, metric, 2 * A, a)


@pytest.mark.parametrize("metric", ["jsd", "hellinger"])
def test_strided_and_foreign_dense_input(metric):
    rng = np.random.default_rng(4)
    A = rng.random((10, 12)) * (rng.random((10, 12)) < 0.6) + np.eye(10, 12)
    expected = divergence.pairwise(A[::2, ::3].copy(), metric=metric)
    for view in (A[::2, ::3], np.asfortranarray(A)[::2, ::3], np.asfortranarray(A[::2, ::3])):
        _close(divergence.pairwise(view, metric=metric), expected, metric, A)
    # row slices are read in place (unit column stride); must equal the copy bit for bit
    in_place = divergence.pairwise(A[::2], metric=metric)
    assert np.array_equal(in_place, divergence.pairwise(A[::2].copy(), metric=metric))
    for dt in (np.int32, np.uint8, np.int64, np.float16):
        C = (A * 10).astype(dt)
        want = divergence.pairwise(C.astype(np.float64), metric=metric)
        _close(divergence.pairwise(C, metric=metric), want, metric, C)
    # python lists
    assert np.array_equal(
        divergence.pairwise(A.tolist(), metric=metric), divergence.pairwise(A, metric=metric)
    )


def test_mixed_sparse_and_dense_operands():
    S = sp.csr_matrix(X3)
    for metric in R.METRICS:
        opts = {"alpha": 0.5} if metric in R.SMOOTHED else {}
        a = opts.get("alpha", 0.0)
        D = divergence.pairwise(X3, X3, metric, **opts)
        _close(divergence.pairwise(S, X3, metric, **opts), D, metric, X3, a)
        _close(divergence.pairwise(X3, S, metric, **opts), D, metric, X3, a)


def test_single_column_and_single_row():
    for metric in R.METRICS:
        opts = {"alpha": 0.5} if metric in R.SMOOTHED else {}
        one = np.array([[1.0], [3.0]])  # one category: every row is the same distribution
        D = divergence.pairwise(one, metric=metric, **opts)
        _close(D, np.zeros((2, 2)), metric, one, opts.get("alpha", 0.0), slack=1.0)
        assert np.all(np.diag(D) == 0)
        D = divergence.pairwise(X3[:1], metric=metric, **opts)
        assert D.shape == (1, 1) and D[0, 0] == 0


def test_smoothed_kl_with_a_huge_count_is_not_zero():
    # Found by tests/fuzz/fuzz_kernels.py: log1p(x / alpha) overflowed for x > alpha * DBL_MAX,
    # and kl / jeffreys came out 0. The slow reference gives ~83 nats for these rows.
    from reference import pairwise_ref

    X = np.array([[7.0, 0.0, 0.0], [1e308, 0.0, 0.0]])
    for metric in ("kl", "jeffreys"):
        D = divergence.pairwise(X, metric=metric, alpha=0.5)
        ref = pairwise_ref(X, None, metric, alpha=0.5)
        assert np.all(np.isfinite(D))
        np.testing.assert_allclose(D, ref, rtol=1e-9, atol=1e-12)
        assert D[0, 1] > 80
