"""Parity with the libraries people compare us to: scipy.spatial.distance (jensenshannon,
pdist/cdist "jensenshannon", "cosine", and cityblock/euclidean for tv/hellinger), scipy.stats
entropy (kl) and sklearn's cosine_distances, on their kind of input (dense rows of
non-negative weights; sklearn also sparse)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial import distance
from scipy.stats import entropy
from sklearn.metrics.pairwise import cosine_distances

import divergence

# Both sides round: allow a few ulps of the O(1) partial sums on top of 1e-12 relative. For
# jensenshannon (a square root of a difference) compare the squares to this tolerance.
RTOL, ATOL = 1e-12, 2e-14


def _rows(seed, n, V, density=0.6):
    rng = np.random.default_rng(seed)
    A = rng.random((n, V)) * (rng.random((n, V)) < density)
    A[np.arange(n), rng.integers(0, V, n)] += 1.0
    return A


X = _rows(0, 17, 13)
Y = _rows(1, 11, 13)
X[5] = X[2]  # a duplicate (distance 0 off the diagonal)
Y[3] = 2 * X[4]  # same distribution, other scale


def _close(got, want, atol=ATOL):
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=atol)


def _close_sqrt(got, want):
    np.testing.assert_allclose(np.square(got), np.square(want), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=np.sqrt(ATOL))


@pytest.mark.parametrize("base", [None, 2.0, 10.0])
def test_jensenshannon_single_pairs(base):
    for i in range(X.shape[0]):
        for j in (0, 3, 7):
            want = distance.jensenshannon(X[i], Y[j], base=base)
            got = divergence.divergence(X[i], Y[j], "jensenshannon", base=base)
            _close_sqrt(np.array([got]), np.array([want]))
            jsd = divergence.divergence(X[i], Y[j], "jsd", base=base)
            np.testing.assert_allclose(jsd, want**2, rtol=RTOL, atol=ATOL)


def test_jensenshannon_pdist_cdist():
    with np.errstate(invalid="ignore"):  # scipy: sqrt of a -0.0-ish rounding for duplicates
        want_p = distance.pdist(X, "jensenshannon")
        want_c = distance.cdist(X, Y, "jensenshannon")
    want_p = np.nan_to_num(want_p)
    want_c = np.nan_to_num(want_c)
    _close_sqrt(divergence.pdist(X, "jensenshannon"), want_p)
    _close_sqrt(divergence.cdist(X, Y, "jensenshannon"), want_c)
    _close_sqrt(divergence.pairwise(sp.csr_matrix(X), sp.csr_matrix(Y), "jensenshannon"), want_c)


def test_cosine_scipy_and_sklearn():
    for got in (divergence.pdist(X, "cosine"), divergence.pdist(sp.csr_matrix(X), "cosine")):
        _close(got, distance.pdist(X, "cosine"))
    _close(divergence.cdist(X, Y, "cosine"), distance.cdist(X, Y, "cosine"))
    for a, b in ((X, Y), (sp.csr_matrix(X), sp.csr_matrix(Y))):
        _close(divergence.pairwise(a, b, "cosine"), cosine_distances(a, b))
        _close(divergence.pairwise(a, None, "cosine"), cosine_distances(a))
    # cosine needs no normalisation: normalize=False on raw weights gives the same
    _close(divergence.pairwise(X, Y, "cosine", normalize=False), cosine_distances(X, Y))


@pytest.mark.parametrize("base", [None, 2.0])
def test_kl_matches_scipy_entropy(base):
    P, Q = X + 0.1, Y + 0.1  # full support: finite without smoothing
    want = np.array([[entropy(p, q, base=base) for q in Q] for p in P])
    got = divergence.pairwise(P, Q, "kl", base=base)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL * 10)
    # smoothing is (x + alpha)/(Σx + V alpha): scipy on the smoothed rows
    alpha, V = 0.5, X.shape[1]
    Ps = (X + alpha) / (X.sum(1, keepdims=True) + V * alpha)
    Qs = (Y + alpha) / (Y.sum(1, keepdims=True) + V * alpha)
    want = np.array([[entropy(p, q) for q in Qs] for p in Ps])
    np.testing.assert_allclose(
        divergence.pairwise(X, Y, "kl", alpha=alpha), want, rtol=RTOL, atol=ATOL * 10
    )
    want_j = want + np.array([[entropy(q, p) for q in Qs] for p in Ps])
    _close(divergence.pairwise(X, Y, "jeffreys", alpha=alpha), want_j, atol=ATOL * 10)


def test_tv_and_hellinger_match_scipy_norms():
    """tv = ½ cityblock(p, q), hellinger = euclidean(√p, √q)/√2, on normalised rows."""
    P = X / X.sum(1, keepdims=True)
    Q = Y / Y.sum(1, keepdims=True)
    _close(divergence.cdist(X, Y, "tv"), 0.5 * distance.cdist(P, Q, "cityblock"))
    euclid = distance.cdist(np.sqrt(P), np.sqrt(Q), "euclidean")
    _close_sqrt(divergence.cdist(X, Y, "hellinger"), euclid / np.sqrt(2))
    bc = np.sqrt(P) @ np.sqrt(Q).T
    _close(divergence.cdist(X, Y, "bhattacharyya"), -np.log(np.minimum(bc, 1.0)))


@pytest.mark.parametrize("metric", [m for m in divergence.METRICS if m != "kl"])
def test_pdist_condensed_order_is_scipys(metric):
    opts = {"alpha": 0.5} if metric == "jeffreys" else {}
    P = divergence.pdist(X, metric, **opts)
    D = divergence.pairwise(X, None, metric, **opts)
    # squareform (scipy's own condensed <-> square map) round-trips exactly
    assert np.array_equal(distance.squareform(P, checks=False), D)
    assert np.array_equal(distance.squareform(D, checks=False), P)
    assert P.shape == distance.pdist(X, "cosine").shape


def test_pdist_order_against_scipy_values():
    """Same positions as scipy's pdist: compare value by value (not just as a set)."""
    rng = np.random.default_rng(9)
    A = rng.random((9, 5)) + 0.01
    _close(divergence.pdist(A, "cosine"), distance.pdist(A, "cosine"))
    with np.errstate(invalid="ignore"):
        _close_sqrt(divergence.pdist(A, "jensenshannon"), distance.pdist(A, "jensenshannon"))


def test_float32_output_dtype_against_scipy():
    got = divergence.cdist(X, Y, "jensenshannon", dtype=np.float32)
    assert got.dtype == np.float32
    X32, Y32 = (A.astype(np.float32).astype(np.float64) for A in (X, Y))
    want = distance.cdist(X32, Y32, "jensenshannon")
    np.testing.assert_allclose(
        got.astype(np.float64) ** 2, np.nan_to_num(want) ** 2, rtol=1e-5, atol=2e-6
    )
