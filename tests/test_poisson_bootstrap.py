"""The partition-independent Poisson bootstrap (issue 13, point 6): statement i's weight in
replicate r is Poisson(1), drawn by a counter-based generator keyed by (seed, key_i, r), so the
replicates are the same for any ordering or partitioning of the statements, and for any thread
count. Checked against a slow Python reference of the generator and of the weighted group
sums."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from divergence import _core
from divergence._measures import group_matrix
from divergence._util.operands import csr_tuple

M64 = (1 << 64) - 1


def _splitmix(state: int) -> tuple[int, int]:
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def _keyed_uniform(seed: int, tag: int, key: int, index: int) -> float:
    _, h = _splitmix(seed)
    _, h = _splitmix(h ^ ((tag * 0xD1B54A32D192ED03) & M64))
    _, h = _splitmix(h ^ ((key * 0x8CB92BA72F3D8DD7 + 0x632BE59BD9B4E019) & M64))
    _, h = _splitmix(h ^ ((index * 0x9E6C63D0676A9A99 + 0xB5AD4ECEDA1CE2A9) & M64))
    return (h >> 11) * 2.0**-53


def _poisson_weight(seed: int, key: int, r: int) -> int:
    u = _keyed_uniform(seed, 5, key, r)
    p = math.exp(-1.0)
    c = p
    for k in range(20):
        if u < c:
            return k
        p /= k + 1
        c += p
    return 20


def _data(n: int = 90, v: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = sp.csr_matrix(rng.poisson(0.6, (n, v)).astype(float))
    X = X[np.asarray(X.sum(axis=1)).ravel() > 0]
    labels = (np.arange(X.shape[0]) % 3).astype(np.int32)
    return X, labels


def test_weights_match_the_reference_generator():
    keys = np.array([0, 1, 2, 7, 10**6, 2**63 + 5, M64], dtype=np.uint64)
    for seed in (0, 1, 123456789):
        for r in (0, 1, 99):
            got = _core.poisson_weights(keys, seed, r)
            want = [_poisson_weight(seed, int(k), r) for k in keys]
            assert list(got) == want


def test_weights_are_poisson_one():
    w = _core.poisson_weights(np.arange(200_000, dtype=np.uint64), 3, 0).astype(float)
    assert abs(w.mean() - 1) < 0.01 and abs(w.var() - 1) < 0.02
    assert abs((w == 0).mean() - math.exp(-1)) < 0.005


def test_replicates_match_weighted_group_sums():
    X, labels = _data()
    obs, boot, _ = group_matrix(
        X, labels, 3, ["jsd", "tv"], bootstrap=4, seed=11, bootstrap_scheme="poisson"
    )
    keys = np.arange(X.shape[0], dtype=np.uint64)
    for r in range(4):
        w = np.array([_poisson_weight(11, int(k), r) for k in keys])
        G = np.zeros((3, X.shape[1]))
        for g in range(3):
            G[g] = np.asarray(X[labels == g].multiply(w[labels == g][:, None]).sum(axis=0))
        o, _, _ = group_matrix(sp.csr_matrix(G), np.arange(3), 3, ["jsd", "tv"])
        np.testing.assert_array_equal(boot[r], o)


def test_same_replicates_for_any_order_and_threads():
    X, labels = _data()
    keys = np.arange(X.shape[0], dtype=np.uint64) * 7 + 3
    kw = dict(bootstrap=6, seed=5, bootstrap_scheme="poisson")
    _, b1, _ = group_matrix(X, labels, 3, ["jsd"], keys=keys, n_jobs=1, **kw)
    perm = np.random.default_rng(1).permutation(X.shape[0])
    _, b2, _ = group_matrix(X[perm], labels[perm], 3, ["jsd"], keys=keys[perm], n_jobs=2, **kw)
    np.testing.assert_array_equal(b1, b2)
    _, b3, _ = group_matrix(X, labels, 3, ["jsd"], n_jobs=2, **kw)  # keys: positions
    assert not np.array_equal(b1, b3)


def test_partition_sums_add_up():
    X, labels = _data()
    keys = np.arange(X.shape[0], dtype=np.uint64)
    whole = np.zeros((5, 3, X.shape[1]))
    _core.poisson_group_sums(csr_tuple(X, "X"), labels, 3, keys, 9, 0, whole, 2)
    parts = np.zeros_like(whole)
    for lo, hi in [(0, 17), (17, 50), (50, X.shape[0])]:
        Xp = sp.csr_matrix(X[lo:hi])
        _core.poisson_group_sums(csr_tuple(Xp, "X"), labels[lo:hi], 3, keys[lo:hi], 9, 0, parts, 1)
    np.testing.assert_array_equal(whole, parts)
    later = np.zeros((2, 3, X.shape[1]))
    _core.poisson_group_sums(csr_tuple(X, "X"), labels, 3, keys, 9, 3, later, 1)
    np.testing.assert_array_equal(later, whole[3:])


def test_bad_arguments():
    X, labels = _data()
    with pytest.raises(ValueError, match="bootstrap_scheme"):
        group_matrix(X, labels, 3, bootstrap=2, bootstrap_scheme="wild")
    with pytest.raises(ValueError, match="keys"):
        group_matrix(X, labels, 3, bootstrap=2, bootstrap_scheme="poisson", keys=[1, 2])
    with pytest.raises(ValueError, match="keys: must be non-negative"):
        group_matrix(
            X, labels, 3, bootstrap=2, bootstrap_scheme="poisson", keys=-np.ones(X.shape[0], int)
        )


def test_compare_poisson_scheme():
    import divergence as dv

    c = dv.Corpus.example()
    a = dv.compare(c, bootstrap=20, permutations=0, seed=3, bootstrap_scheme="poisson", n_jobs=1)
    b = dv.compare(c, bootstrap=20, permutations=0, seed=3, bootstrap_scheme="poisson", n_jobs=2)
    assert a.settings["bootstrap_scheme"] == "poisson"
    for m in a.metrics:
        np.testing.assert_array_equal(a.bootstrap[m], b.bootstrap[m])
    r = dv.compare(c, bootstrap=20, permutations=0, seed=3, n_jobs=1)
    assert r.settings["bootstrap_scheme"] == "resample"
    assert not np.array_equal(a.bootstrap["jsd"], r.bootstrap["jsd"])
    np.testing.assert_array_equal(a.observed["jsd"], r.observed["jsd"])
    with pytest.raises(ValueError, match="bootstrap_scheme"):
        dv.compare(c, bootstrap=2, bootstrap_scheme="exact")
