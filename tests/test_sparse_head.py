"""The sparse kernels add columns used by many rows (df >= rows/2, at least 64) densely: these
tests use matrices large enough to have such columns and check that nothing changes: values
against the dense path, symmetry, thread-count invariance, and nearest == argsort of pairwise
(same bits)."""

import numpy as np
import pytest
import scipy.sparse as sp

import divergence as dv


def zipf_rows(n, v=400, terms=30, seed=0):
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, v + 1) ** 1.1
    p /= p.sum()
    rows, cols, vals = [], [], []
    for i in range(n):
        c = np.unique(rng.choice(v, size=terms, p=p))
        rows.append(np.full(c.size, i))
        cols.append(c)
        vals.append(rng.integers(1, 6, c.size))
    X = sp.csr_matrix(
        (np.concatenate(vals).astype(float), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, v),
    )
    df = np.bincount(X.indices, minlength=v)
    assert (df >= max(64, n // 2)).sum() >= 3  # the dense head is in use
    return X


X = zipf_rows(700)
OPTS = [
    ("jsd", {}),
    ("jensenshannon", {}),
    ("hellinger", {}),
    ("tv", {}),
    ("cosine", {}),
    ("bhattacharyya", {}),
    ("kl", {"alpha": 0.5}),
    ("jeffreys", {"alpha": 0.5}),
]


@pytest.mark.parametrize("metric, kw", OPTS)
def test_head_matches_dense_path(metric, kw):
    S = dv.pairwise(X, metric=metric, **kw)
    D = dv.pairwise(X.toarray(), metric=metric, **kw)
    sq = metric in ("jensenshannon", "hellinger")
    a, b = (S**2, D**2) if sq else (S, D)
    fin = np.isfinite(b)
    np.testing.assert_allclose(a[fin], b[fin], rtol=1e-12, atol=1e-14)
    assert np.array_equal(np.isfinite(a), fin)
    if metric != "kl":
        assert np.array_equal(S, S.T)
    assert np.array_equal(S, dv.pairwise(X, metric=metric, n_jobs=3, **kw))


@pytest.mark.parametrize("metric, kw", OPTS)
def test_head_cdist_and_nearest(metric, kw):
    A, B = X[:250], X[250:]
    C = dv.pairwise(A, B, metric=metric, **kw)
    np.testing.assert_allclose(
        C,
        dv.pairwise(A.toarray(), B.toarray(), metric=metric, **kw),
        rtol=1e-7 if metric in ("jensenshannon", "hellinger") else 1e-12,
        atol=1e-12,
    )
    full = dv.pairwise(X, metric=metric, **kw)
    np.fill_diagonal(full, np.inf)
    want = np.argsort(full, axis=1, kind="stable")[:, :7]
    idx, val = dv.nearest(X, k=7, metric=metric, **kw)
    assert np.array_equal(idx, want)
    assert np.array_equal(val, np.take_along_axis(full, want, 1))


def test_head_memmap_full_rows_same_bits(tmp_path):
    out = np.lib.format.open_memmap(
        tmp_path / "d.npy", mode="w+", dtype=np.float64, shape=(700, 700)
    )
    dv.pairwise(X, out=out)
    assert np.array_equal(np.asarray(out), dv.pairwise(X))
