"""The partition-independent replicates of compare (issue 13, point 6), from sums: the keyed
uniform (the core's generator, in NumPy), the keyed relabelling null (``permutation_scheme=
"keyed"``), the keyed jackknife blocks of ``bootstrap_scheme="poisson"``, sums that add over
any partitioning, each checked against slow obvious code; and the keyed null's size under a
true null (a bounded run of benchmarks/sim_keyed_null.py)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import divergence as dv
from divergence import _core
from divergence._compare import (
    TAG_BLOCKS,
    TAG_RELABEL,
    ReplicateSums,
    keyed_order_statistics,
    keyed_uniform,
    matrices_from_sums,
)
from divergence._measures import group_matrix
from reference import jsd_bias_ref
from test_poisson_bootstrap import _keyed_uniform

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

M64 = (1 << 64) - 1
_uniform_ref = _keyed_uniform  # random.hpp's keyed_uniform, one Python int at a time


def _data(n=120, v=30, k=3, seed=0, empty=(5, 40)):
    rng = np.random.default_rng(seed)
    A = rng.poisson(0.5, (n, v)).astype(float)
    A[list(empty)] = 0  # statements without tokens
    return sp.csr_matrix(A), rng.integers(0, k, n)


def test_keyed_uniform_is_the_cores_generator():
    keys = np.array([0, 1, 2, 7, 10**6, 2**63 + 5, M64], dtype=np.uint64)
    for seed, tag, r in [(0, 6, 0), (123456789, 7, 3), (2**64 - 1, 1, 99)]:
        got = keyed_uniform(seed, tag, keys, r)
        want = [_uniform_ref(seed, tag, int(k), r) for k in keys]
        assert list(got) == want
    # the Poisson bootstrap's weights (tag 5) by inversion: the core's own draws
    cdf = np.cumsum([math.exp(-1) / math.factorial(j) for j in range(21)])
    w = np.searchsorted(cdf, keyed_uniform(11, 5, keys, 4), side="right")
    assert list(w) == list(_core.poisson_weights(keys, 11, 4))


def test_sums_against_the_obvious_code():
    X, codes = _data()
    sizes = np.bincount(codes, minlength=3)
    acc = ReplicateSums.zeros(3, X.shape[1], seed=9, sizes=sizes, bootstrap=4, permutations=5)
    acc.add_partition(X, codes, offset=0)
    A = X.toarray()
    has = A.sum(axis=1) > 0
    pos = np.flatnonzero(has)
    assert acc.empty == 2 and list(acc.statements) == list(np.bincount(codes[has], minlength=3))
    for p in range(5):
        # every statement given (empty ones too) ranked by its keyed uniform: the first
        # sizes[0] are group 0, the next sizes[1] group 1, ...
        u = [_uniform_ref(9, TAG_RELABEL, i, p) for i in range(len(codes))]
        lab = np.empty(len(codes), dtype=int)
        lab[np.argsort(u)] = np.repeat([0, 1, 2], sizes)
        want = np.stack([A[lab == g].sum(axis=0) for g in range(3)])
        np.testing.assert_array_equal(acc.perm[p], want)
    blk = np.full(len(codes), -1)
    for i in pos:
        blk[i] = min(int(20 * _uniform_ref(9, TAG_BLOCKS, int(i), 0)), 19)
    for f in range(20):
        want = np.stack([A[(blk == f) & (codes == g)].sum(axis=0) for g in range(3)])
        np.testing.assert_array_equal(acc.blocks[f], want)
    for r in range(4):
        w = _core.poisson_weights(pos.astype(np.uint64), 9, r)
        want = np.stack([(A[pos] * w[:, None])[codes[pos] == g].sum(axis=0) for g in range(3)])
        np.testing.assert_array_equal(acc.boot[r], want)


def test_sums_add_over_any_partitioning():
    X, codes = _data(n=150)
    sizes = np.bincount(codes, minlength=3)
    kw = dict(seed=3, sizes=sizes, bootstrap=6, permutations=7)
    whole = ReplicateSums.zeros(3, X.shape[1], **kw)
    whole.add_partition(X, codes, offset=0)
    for cuts in ([0, 1, 150], [0, 40, 41, 99, 150], list(range(0, 151, 10))):
        parts = [ReplicateSums.zeros(3, X.shape[1], **kw) for _ in cuts[1:]]
        for acc, lo, hi in zip(parts, cuts[:-1], cuts[1:]):
            acc.add_partition(X[lo:hi], codes[lo:hi], offset=lo)
        total = parts[-1]
        for acc in reversed(parts[:-1]):  # added in another order than read
            total = acc.add(total)
        for f in ("sums", "boot", "perm", "blocks", "statements"):
            np.testing.assert_array_equal(getattr(total, f), getattr(whole, f))
        assert total.empty == whole.empty


def test_keyed_null_keeps_group_sizes_and_mixes():
    n = 20_000
    X = sp.csr_matrix(np.c_[np.ones(n), np.arange(n) < 2_000])  # term 1: group 0's statements
    codes = np.repeat([0, 1, 2], [2_000, 6_000, 12_000])
    acc = ReplicateSums.zeros(3, 2, seed=1, sizes=np.bincount(codes), permutations=30)
    acc.add_partition(X, codes, offset=0)
    assert (acc.perm[:, :, 0] == [2_000, 6_000, 12_000]).all()  # sizes fixed in each replicate
    # group 0's statements spread over the groups in proportion (hypergeometric)
    np.testing.assert_allclose(acc.perm[:, :, 1].mean(axis=0), [200, 600, 1200], rtol=0.05)


def test_order_statistics_in_chunks_are_exact():
    ranks = np.array([0, 1, 4_999, 5_000, 31_337, 49_999])
    small = keyed_order_statistics(3, TAG_RELABEL, 50_000, ranks, 7)
    u = np.sort(keyed_uniform(3, TAG_RELABEL, np.arange(50_000, dtype=np.uint64), 7))
    np.testing.assert_array_equal(small, u[ranks])
    chunked = keyed_order_statistics(3, TAG_RELABEL, 50_000, ranks, 7, chunk=4_096)
    np.testing.assert_array_equal(chunked, u[ranks])


def test_matrices_from_sums_equal_the_core_and_mark_empty_groups():
    X, codes = _data()
    keep = np.asarray(X.sum(axis=1)).ravel() > 0
    obs, _, _ = group_matrix(X[keep], codes[keep], 3, ["jsd", "hellinger"])
    G = np.stack([X[keep][codes[keep] == g].sum(axis=0).A1 for g in range(3)])
    np.testing.assert_array_equal(matrices_from_sums(G[None], ["jsd", "hellinger"])[0], obs)
    G[1] = 0  # a group empty in a replicate: NaN in its row and column
    m = matrices_from_sums(G[None], ["jsd"])[0, 0]
    assert np.isnan(m[1]).all() and np.isnan(m[:, 1]).all() and m[0, 2] > 0


def test_compare_poisson_uses_keyed_jackknife_blocks():
    X, codes = _data(n=300, seed=2)
    res = dv.compare(X, codes, bootstrap=10, permutations=0, seed=5, bootstrap_scheme="poisson")
    assert res.settings["corrected"] == (
        "block jackknife over statements (20 blocks, keyed) of the value less its "
        "Chao-Wang-Jost bias estimate (the groups' entropies)"
    )
    # the corrected value from the blocks, recomputed the obvious way: the jackknife of the
    # JSD less its estimated bias (the reference's Chao-Wang-Jost entropies)
    A = X.toarray()
    pos = np.flatnonzero(A.sum(axis=1) > 0)
    blk = np.array([min(int(20 * _uniform_ref(5, TAG_BLOCKS, int(i), 0)), 19) for i in pos])
    lab = codes[pos]
    G0 = np.stack([A[pos][lab == g].sum(axis=0) for g in range(3)])
    value = res.observed["jsd"][0, 1] - jsd_bias_ref(G0[0], G0[1])
    jack = []
    for b in range(20):
        keep = blk != b
        Gb = np.stack([A[pos][keep & (lab == g)].sum(axis=0) for g in range(3)])
        jack.append(dv.divergence(Gb[0], Gb[1], metric="jsd") - jsd_bias_ref(Gb[0], Gb[1]))
    row = res.table.query("group_a == '0' and group_b == '1'").iloc[0]
    assert row["corrected"] == pytest.approx(max(0.0, 20 * value - 19 * np.mean(jack)), rel=1e-9)


def test_small_groups_merge_blocks_and_empty_replicates_are_nan():
    # a group of 2 statements: 2 blocks; Poisson weights empty it in some replicates (NaN,
    # where the in-memory core used to stop with an error)
    A = np.random.default_rng(0).poisson(1.0, (40, 8)).astype(float) + np.eye(40, 8)
    codes = np.r_[np.zeros(2, int), np.ones(38, int)]
    res = dv.compare(A, codes, bootstrap=30, permutations=0, seed=2, bootstrap_scheme="poisson")
    assert res.settings["corrected"].startswith("block jackknife over statements (2 blocks, keyed)")
    b = res.bootstrap["jsd"][:, 0, 1]
    assert np.isnan(b).any() and np.isfinite(b).sum() >= 20


def test_in_memory_replicates_in_chunks_are_the_same(monkeypatch):
    import divergence._compare as cmp

    X, codes = _data(n=200, seed=4)
    kw = dict(bootstrap=7, permutations=5, seed=3, bootstrap_scheme="poisson", terms=False)
    kw.update(permutation_scheme="keyed", metric=["jsd", "hellinger"])
    whole = dv.compare(X, codes, **kw)
    monkeypatch.setattr(cmp, "CHUNK_SUMS", 2 * X.shape[1] * 3)  # 2 replicates at a time
    chunked = dv.compare(X, codes, **kw)
    for m in whole.metrics:
        np.testing.assert_array_equal(chunked.bootstrap[m], whole.bootstrap[m])
        np.testing.assert_array_equal(chunked.null[m], whole.null[m])
    assert chunked.table.equals(whole.table)


def test_permutation_scheme_checked():
    X, codes = _data()
    with pytest.raises(ValueError, match="permutation_scheme"):
        dv.compare(X, codes, permutations=5, permutation_scheme="shuffle")
    res = dv.compare(X, codes, bootstrap=0, permutations=5, permutation_scheme="keyed", seed=1)
    assert res.settings["permutation_scheme"] == "keyed"


def test_keyed_null_size_and_power_bounded_run():
    from sim_keyed_null import rejection_rates

    # under a true null the test rejects at most about 5% (80 data sets: s.e. 2.4 points)
    rates = rejection_rates(datasets=80, permutations=49, schemes=("keyed",), seed=1)
    assert rates["keyed"] <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 80)
    # and it is a test: two different distributions are told apart
    rng = np.random.default_rng(0)
    hits = 0
    for d in range(10):
        p = rng.dirichlet(np.ones(50), size=2)
        X = np.vstack([rng.multinomial(30, p[g], size=20) for g in (0, 1)]).astype(float)
        res = dv.compare(
            X,
            np.repeat([0, 1], 20),
            bootstrap=0,
            permutations=49,
            permutation_scheme="keyed",
            seed=d,
            terms=False,
        )
        hits += float(res.table["p_value"].iloc[0]) <= 0.05
    assert hits >= 9
