"""divergence.drift / novelty / changepoints / token_drift and `divergence drift`: against slow
NumPy references, incremental == from scratch exactly, thread-count invariance, planted changes,
errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import divergence as dv
from divergence import _core
from divergence._util.operands import csr_tuple as _csr_tuple
from divergence.cli import main
from parts import small_vocabulary_frame

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
UNGD = DATA / "ungd_caucasus.csv"

ALL_METRICS = [
    "jsd",
    "jensenshannon",
    "hellinger",
    "bhattacharyya",
    "tv",
    "cosine",
    "kl",
    "jeffreys",
]


# --------------------------------------------------------------------------------------------
# Slow references


def ref_div(a: np.ndarray, b: np.ndarray, metric: str, alpha: float = 0.0) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.sum() == 0 or b.sum() == 0:
        return np.nan
    if metric in ("kl", "jeffreys"):
        p = (a + alpha) / (a.sum() + alpha * len(a))
        q = (b + alpha) / (b.sum() + alpha * len(b))
        kl = lambda x, y: float(np.sum(x[x > 0] * np.log(x[x > 0] / y[x > 0])))  # noqa: E731
        return kl(p, q) if metric == "kl" else kl(p, q) + kl(q, p)
    p, q = a / a.sum(), b / b.sum()
    if metric in ("jsd", "jensenshannon"):
        m = (p + q) / 2
        kl = lambda x, y: float(np.sum(x[x > 0] * np.log(x[x > 0] / y[x > 0])))  # noqa: E731
        v = max(0.0, 0.5 * kl(p, m) + 0.5 * kl(q, m))
        return float(np.sqrt(v)) if metric == "jensenshannon" else v
    bc = float(np.sum(np.sqrt(p * q)))
    if metric == "hellinger":
        return float(np.sqrt(max(0.0, 1 - bc)))
    if metric == "bhattacharyya":
        return -np.log(bc) if bc > 0 else np.inf
    if metric == "tv":
        return 0.5 * float(np.abs(p - q).sum())
    if metric == "cosine":
        return 1 - float(a @ b) / float(np.linalg.norm(a) * np.linalg.norm(b))
    raise AssertionError(metric)


def window_sum(X: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    return np.asarray(X[rows].sum(axis=0)).ravel()


def sparse_counts(n: int, V: int, seed: int, density: float = 0.15) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    X = sp.random(n, V, density=density, random_state=rng, format="csr")
    X.data = np.ceil(X.data * 4)
    return X


def close(a, b, tol=1e-10):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape
    assert np.array_equal(np.isnan(a), np.isnan(b)), (a, b)
    m = ~np.isnan(a)
    np.testing.assert_allclose(a[m], b[m], rtol=tol, atol=tol)


# --------------------------------------------------------------------------------------------
# Modes against the references


@pytest.mark.parametrize("metric", ALL_METRICS)
def test_adjacent_count_windows_match_reference(metric):
    X = sparse_counts(90, 40, 1)
    groups = np.array(["a", "b", "c"])[np.arange(90) % 3]
    alpha = 0.5 if metric in ("kl", "jeffreys") else 0.0
    df = dv.drift(
        X, groups=groups, window=8, step=3, mode="adjacent", metric=metric, alpha=alpha, n_jobs=1
    )
    for g in "abc":
        rows = np.flatnonzero(groups == g)
        sub = df[df.group == g].reset_index(drop=True)
        starts = np.arange(0, len(rows) - 8 + 1, 3)
        if starts[-1] + 8 < len(rows):  # the last window is anchored at the group's end
            starts = np.append(starts, len(rows) - 8)
        assert len(sub) == len(starts)
        assert list(sub.anchored_end) == [False] * (len(starts) - 1) + [True]
        exp = [np.nan] + [
            ref_div(
                window_sum(X, rows[s0 : s0 + 8]), window_sum(X, rows[s1 : s1 + 8]), metric, alpha
            )
            for s0, s1 in zip(starts[:-1], starts[1:])
        ]
        close(sub.value, exp)
        assert (sub.n_statements == 8).all()
        assert list(sub.n_tokens) == [int(X[rows[s : s + 8]].sum()) for s in starts]
        assert list(sub.window_start) == list(starts)


def _dated(n, seed, start="2020-01-01", span_days=400):
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, span_days, size=n))
    return pd.Timestamp(start) + pd.to_timedelta(days, unit="D")


@pytest.mark.parametrize("metric", ["jsd", "tv", "kl"])
def test_baseline_time_windows_match_reference(metric):
    n = 80
    X = sparse_counts(n, 30, 2)
    t = _dated(n, 2)
    # A gap with no statements: empty windows must be reported.
    keep = (t < pd.Timestamp("2020-05-01")) | (t >= pd.Timestamp("2020-08-15"))
    X, t = X[np.flatnonzero(keep)], t[keep]
    groups = np.where(np.arange(X.shape[0]) % 2, "x", "y")
    alpha = 1.0 if metric == "kl" else 0.0
    df = dv.drift(
        X,
        times=t,
        groups=groups,
        window="60D",
        step="30D",
        mode="baseline",
        metric=metric,
        alpha=alpha,
        n_jobs=1,
    )
    assert (df.n_statements == 0).any()
    assert df[df.n_statements == 0].value.isna().all()
    for g in "xy":
        rows = np.flatnonzero(groups == g)
        tg = t[rows]
        sub = df[df.group == g].reset_index(drop=True)
        inwin = [
            np.flatnonzero((tg >= s) & (tg < e)) for s, e in zip(sub.window_start, sub.window_end)
        ]
        ref_k = next(k for k, r in enumerate(inwin) if len(r))
        ref = window_sum(X, rows[inwin[ref_k]])
        exp = [
            ref_div(ref, window_sum(X, rows[r]), metric, alpha) if len(r) else np.nan for r in inwin
        ]
        close(sub.value, exp)
        assert list(sub.n_statements) == [len(r) for r in inwin]
    # Windows: start at the first time, step 30 days, 60 days long; the last times fall past the
    # last of them, so a final window anchored at the end ends a day after the last time.
    x = df[df.group == "x"]
    s = x.window_start
    assert s.iloc[0] == t.min()
    assert list(x.anchored_end) == [False] * (len(x) - 1) + [True]
    assert (np.diff(s.to_numpy()[:-1]) == np.timedelta64(30, "D")).all()
    assert x.window_end.iloc[-1] == t.max() + pd.Timedelta(days=1)
    assert x.window_end.iloc[-1] - s.iloc[-1] == pd.Timedelta(days=60)


def test_baseline_reference_period():
    X = sparse_counts(60, 25, 3)
    years = np.repeat(np.arange(2000, 2012), 5)
    df = dv.drift(
        X, times=years, window="2Y", step="1Y", mode="baseline", reference=(2003, 2004), n_jobs=1
    )
    ref = window_sum(X, np.flatnonzero((years >= 2003) & (years <= 2004)))
    exp = [
        ref_div(ref, window_sum(X, np.flatnonzero((years >= y) & (years < y + 2))), "jsd")
        for y in range(2000, 2011)
    ]
    close(df.value, exp)
    assert df.window_start.dt.year.tolist() == list(range(2000, 2011))


@pytest.mark.parametrize("metric", ["jsd", "hellinger", "kl"])
def test_between_matches_reference(metric):
    n = 120
    X = sparse_counts(n, 35, 4)
    t = _dated(n, 4, span_days=300)
    rng = np.random.default_rng(4)
    groups = rng.choice(["A", "B", "C"], size=n)
    alpha = 0.5 if metric == "kl" else 0.0
    df = dv.drift(
        X,
        times=t,
        groups=groups,
        window="90D",
        step="45D",
        mode="between",
        metric=metric,
        alpha=alpha,
        bootstrap=20,
        permutations=20,
        seed=3,
        n_jobs=1,
    )
    pairs = {tuple(p) for p in df[["group_a", "group_b"]].to_numpy()}
    assert pairs == (
        {("A", "B"), ("A", "C"), ("B", "C")}
        if metric != "kl"
        else {(a, b) for a in "ABC" for b in "ABC" if a != b}
    )
    for (a, b), sub in df.groupby(["group_a", "group_b"]):
        exp = []
        for s, e in zip(sub.window_start, sub.window_end):
            w = (t >= s) & (t < e)
            exp.append(
                ref_div(
                    window_sum(X, np.flatnonzero(w & (groups == a))),
                    window_sum(X, np.flatnonzero(w & (groups == b))),
                    metric,
                    alpha,
                )
            )
        close(sub.value, exp)
        ok = sub.value.notna()
        has = sub.ci_low.notna()
        assert (sub.ci_low[has] <= sub.ci_high[has]).all()
        assert (sub.ci_low[has] <= sub.corrected[has]).all()
        assert (sub.corrected[has] <= sub.ci_high[has]).all()
        # a window with a value and no interval says why
        assert (sub.reason[ok & ~has].str.startswith("no interval")).all()
        assert sub.null_mean[ok].notna().all()
        assert ((sub.p_value[ok] > 0) & (sub.p_value[ok] <= 1)).all()
        assert (sub.n_a + sub.n_b <= sub.n_statements).all()


def test_between_replicates_follow_their_definition():
    """Bootstrap draws come from within group within window; a window whose groups have one
    statement each has a bootstrap distribution equal to the observed value, and a permutation
    null of {d(a,b)} only."""
    X = sparse_counts(8, 20, 5, density=0.5)
    groups = np.array(["a", "b"] * 4)
    df = dv.drift(
        X,
        groups=groups,
        window=2,
        step=2,
        mode="between",
        bootstrap=10,
        permutations=10,
        seed=1,
        n_jobs=1,
        ci_method="percentile",
    )
    # (the intervals themselves are withheld: these few counts are an undersampled vocabulary)
    close(df.boot_mean, df.value)
    close(df.null_mean, df.value)  # swapping two labels gives the same pair


# --------------------------------------------------------------------------------------------
# Incremental == from scratch, exactly; thread counts


def test_window_pairs_incremental_equals_scratch_exactly():
    X = sparse_counts(400, 300, 6, density=0.05)
    rng = np.random.default_rng(6)
    b = np.sort(rng.integers(0, 350, size=200)).astype(np.int64)
    e = (b + rng.integers(0, 50, size=200)).astype(np.int64)
    pa = rng.integers(0, 200, size=300).astype(np.int64)
    pb = np.clip(pa + rng.integers(-3, 4, size=300), 0, 199).astype(np.int64)
    csr = _csr_tuple(sp.csr_matrix(X))
    for metric in ALL_METRICS:
        alpha = 0.3 if metric in ("kl", "jeffreys") else 0.0
        inc = _core.window_pairs(csr, b, e, pa, pb, metric, alpha, 0.0, True, 1)
        scratch = _core.window_pairs(csr, b, e, pa, pb, metric, alpha, 0.0, False, 1)
        par = _core.window_pairs(csr, b, e, pa, pb, metric, alpha, 0.0, True, 3)
        assert np.array_equal(inc, scratch, equal_nan=True), metric
        assert np.array_equal(inc, par, equal_nan=True), metric


def test_adjacent_chain_exact_with_large_counts_and_explicit_zeros():
    # Adjacent chains (the delta path: one vector plus the rows moved), counts beyond the x ln x
    # table (>= 4096), explicit zeros stored in the CSR: incremental == scratch == any thread
    # count, and close to the slow reference; JSD and jensenshannon.
    rng = np.random.default_rng(12)
    n, V = 400, 150
    D = np.floor(rng.random((n, V)) * 9) + 1
    D[rng.random((n, V)) > 0.1] = 0.0
    D[:, 3] = 900.0  # column 3: window sums above 4096
    X = sp.csr_matrix(D)
    X.data[rng.random(X.nnz) < 0.05] = 0.0  # explicit zeros
    b = np.arange(0, n - 40 + 1, 7, dtype=np.int64)
    e = b + 40
    pa = np.arange(len(b) - 1, dtype=np.int64)
    csr = _csr_tuple(X)
    for metric in ("jsd", "jensenshannon"):
        inc = _core.window_pairs(csr, b, e, pa, pa + 1, metric, 0.0, 0.0, True, 1)
        scratch = _core.window_pairs(csr, b, e, pa, pa + 1, metric, 0.0, 0.0, False, 1)
        par = _core.window_pairs(csr, b, e, pa, pa + 1, metric, 0.0, 0.0, True, 3)
        assert np.array_equal(inc, scratch), metric
        assert np.array_equal(inc, par), metric
        ref = [
            ref_div(
                window_sum(X, np.arange(b[k], e[k])),
                window_sum(X, np.arange(b[k + 1], e[k + 1])),
                metric,
            )
            for k in pa
        ]
        np.testing.assert_allclose(inc, ref, rtol=1e-10, atol=1e-13)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_window_pairs_property_any_pair_sequence(data):
    # Random integer counts (some rows empty, some explicit zeros), random windows (some empty)
    # and random pair sequences mixing adjacent chains, a fixed baseline and jumps, so that every
    # plan of window_pairs (two vectors moved, copy, delta) follows every other: incremental ==
    # from scratch == 3 threads exactly, and equal to the slow reference.
    seed = data.draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n = data.draw(st.integers(1, 60))
    V = data.draw(st.integers(1, 90))
    D = rng.integers(0, 6, size=(n, V)).astype(float)
    D[rng.random((n, V)) > data.draw(st.sampled_from([0.05, 0.3, 0.9]))] = 0.0
    X = sp.csr_matrix(D)
    if X.nnz:
        X.data[rng.random(X.nnz) < 0.1] = 0.0
    W = data.draw(st.integers(1, 25))
    b = rng.integers(0, n + 1, size=W)
    e = np.minimum(n, b + rng.integers(0, n + 1, size=W))
    b, e = b.astype(np.int64), e.astype(np.int64)
    kind = data.draw(st.sampled_from(["adjacent", "baseline", "random"]))
    P = data.draw(st.integers(1, 30))
    if kind == "adjacent":
        pa = np.arange(P, dtype=np.int64) % W
        pb = (pa + 1) % W
    elif kind == "baseline":
        pa = np.zeros(P, dtype=np.int64)
        pb = np.arange(P, dtype=np.int64) % W
    else:
        pa = rng.integers(0, W, size=P).astype(np.int64)
        pb = rng.integers(0, W, size=P).astype(np.int64)
    csr = _csr_tuple(X)
    metric = data.draw(st.sampled_from(["jsd", "jensenshannon", "hellinger", "tv"]))
    inc = _core.window_pairs(csr, b, e, pa, pb, metric, 0.0, 0.0, True, 1)
    scratch = _core.window_pairs(csr, b, e, pa, pb, metric, 0.0, 0.0, False, 1)
    par = _core.window_pairs(csr, b, e, pa, pb, metric, 0.0, 0.0, True, 3)
    assert np.array_equal(inc, scratch, equal_nan=True)
    assert np.array_equal(inc, par, equal_nan=True)
    ref = [
        ref_div(window_sum(X, np.arange(b[i], e[i])), window_sum(X, np.arange(b[j], e[j])), metric)
        for i, j in zip(pa, pb)
    ]
    if metric in ("jensenshannon", "hellinger"):  # square roots: compare the squares
        close(np.square(inc), np.square(ref), tol=1e-12)
    else:
        close(inc, ref, tol=1e-12)
    same = (
        (b[pa] == b[pb])
        & (e[pa] == e[pb])
        & (e[pa] > b[pa])
        & np.array([window_sum(X, np.arange(b[i], e[i])).sum() > 0 for i in pa])
    )
    assert np.all(inc[same] == 0.0)  # a window against itself: exactly 0


def _rows_kept_observed(X, lab, K, b, e, keep, metric, alpha):
    """window_between's observed matrices on the rows kept, the windows mapped onto them."""
    at = np.concatenate([[0], np.cumsum(keep)]).astype(np.int64)
    obs, _, _ = _core.window_between(
        _csr_tuple(sp.csr_matrix(X[keep])),
        np.ascontiguousarray(lab[keep]),
        K,
        at[b],
        at[e],
        metric,
        alpha,
        0.0,
        0,
        0,
        0,
        True,
        1,
    )
    return obs


def test_between_jackknife_matches_reference():
    # Each block left out: every window's group divergences from window sums formed here (slow
    # reference), and bit for bit window_between on the rows kept (the values the jackknife
    # used to be computed from, one call per block).
    n, K = 150, 3
    X = sparse_counts(n, 30, 8)
    rng = np.random.default_rng(8)
    lab = rng.integers(0, K, size=n).astype(np.int32)
    blocks = rng.integers(0, 5, size=n).astype(np.int32)
    b = np.array([0, 10, 40, 40, 100, 149, 7], dtype=np.int64)
    e = np.array([60, 70, 45, 150, 150, 150, 7], dtype=np.int64)
    for metric in ("jsd", "hellinger", "kl"):
        alpha = 0.5 if metric == "kl" else 0.0
        csr = _csr_tuple(X)
        jack = _core.window_between_jackknife(
            csr, lab, K, b, e, blocks, metric, alpha, 0.0, True, 2
        )
        assert jack.shape == (5, len(b), K, K)
        for j in range(5):
            keep = blocks != j
            exact = _rows_kept_observed(X, lab, K, b, e, keep, metric, alpha)
            assert np.array_equal(jack[j], exact, equal_nan=True), (metric, j)
            for w in range(len(b)):
                rows = np.arange(b[w], e[w])
                rows = rows[keep[rows]]
                sums = [window_sum(X, rows[lab[rows] == g]) for g in range(K)]
                for g in range(K):
                    for h in range(K):
                        want = (
                            (0.0 if sums[g].sum() > 0 else np.nan)
                            if g == h
                            else ref_div(sums[g], sums[h], metric, alpha)
                        )
                        close(jack[j, w, g, h], want)


def test_between_bootstrap_integer_and_real_paths_agree():
    # Integer counts: a replicate adds each drawn statement once times its multiplicity; other
    # values: the draws one by one. Scaling the counts by 0.37 takes the second path with the
    # same draws, and these metrics do not change under scaling: the replicates agree (to
    # rounding), and each path is bit-identical for 1 and 2 threads.
    n, K = 200, 3
    X = sparse_counts(n, 40, 9, density=0.2)
    rng = np.random.default_rng(9)
    lab = rng.integers(0, K, size=n).astype(np.int32)
    b = np.array([0, 50, 120, 3], dtype=np.int64)
    e = np.array([100, 200, 200, 3], dtype=np.int64)
    for metric in ("jsd", "hellinger", "tv"):
        out = {}
        for name, M in (("int", X), ("real", X * 0.37)):
            csr = _csr_tuple(sp.csr_matrix(M))
            one = _core.window_between(csr, lab, K, b, e, metric, 0.0, 0.0, 30, 10, 4, True, 1)
            two = _core.window_between(csr, lab, K, b, e, metric, 0.0, 0.0, 30, 10, 4, True, 2)
            for x, y in zip(one, two):
                assert np.array_equal(x, y, equal_nan=True), (metric, name)
            out[name] = one
        for x, y in zip(out["int"], out["real"]):
            close(x, y, tol=1e-12)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_between_replicates_and_jackknife_property(data):
    # Random integer counts (some rows empty, some explicit zeros), labels, windows (some
    # empty) and blocks: window_between's replicates and the block jackknife are bit-identical
    # for 1 and 2 threads, the jackknife equals window_between on the rows kept bit for bit,
    # incremental or not.
    seed = data.draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n = data.draw(st.integers(1, 60))
    V = data.draw(st.integers(1, 40))
    K = data.draw(st.integers(2, 4))
    D = rng.integers(0, 6, size=(n, V)).astype(float)
    D[rng.random((n, V)) > data.draw(st.sampled_from([0.1, 0.4, 0.9]))] = 0.0
    X = sp.csr_matrix(D)
    if X.nnz:
        X.data[rng.random(X.nnz) < 0.1] = 0.0
    lab = rng.integers(0, K, size=n).astype(np.int32)
    W = data.draw(st.integers(1, 8))
    b = rng.integers(0, n + 1, size=W).astype(np.int64)
    e = np.minimum(n, b + rng.integers(0, n + 1, size=W)).astype(np.int64)
    G = data.draw(st.integers(1, 6))
    blocks = rng.integers(0, G, size=n).astype(np.int32)
    metric = data.draw(st.sampled_from(["jsd", "hellinger", "tv", "cosine"]))
    csr = _csr_tuple(X)
    reps = [
        _core.window_between(csr, lab, K, b, e, metric, 0.0, 0.0, 7, 5, seed, True, t)
        for t in (1, 2)
    ]
    for x, y in zip(*reps):
        assert np.array_equal(x, y, equal_nan=True)
    jacks = [
        _core.window_between_jackknife(csr, lab, K, b, e, blocks, metric, 0.0, 0.0, inc, t)
        for inc, t in ((True, 1), (True, 2), (False, 2))
    ]
    G_seen = int(blocks.max()) + 1
    for other in jacks[1:]:
        assert np.array_equal(jacks[0], other, equal_nan=True)
    assert jacks[0].shape == (G_seen, W, K, K)
    for j in range(G_seen):
        exact = _rows_kept_observed(X, lab, K, b, e, blocks != j, metric, 0.0)
        assert np.array_equal(jacks[0][j], exact, equal_nan=True)


def test_drift_incremental_and_threads_identical():
    n = 300
    X = sparse_counts(n, 80, 7, density=0.08)
    t = _dated(n, 7, span_days=500)
    groups = np.random.default_rng(7).choice(["p", "q", "r"], size=n)
    kw = dict(
        times=t,
        groups=groups,
        window="60D",
        step="10D",
        mode="between",
        bootstrap=15,
        permutations=15,
        seed=11,
    )
    a = dv.drift(X, n_jobs=1, **kw)
    b = dv.drift(X, n_jobs=2, **kw)
    c = dv.drift(X, n_jobs=2, incremental=False, **kw)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(a, c, check_exact=True)
    for mode in ("adjacent", "baseline"):
        a = dv.drift(X, times=t, groups=groups, window=20, step=3, mode=mode, n_jobs=1)
        b = dv.drift(X, times=t, groups=groups, window=20, step=3, mode=mode, n_jobs=2)
        c = dv.drift(
            X, times=t, groups=groups, window=20, step=3, mode=mode, n_jobs=1, incremental=False
        )
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        pd.testing.assert_frame_equal(a, c, check_exact=True)


def test_non_integer_rows_are_summed_from_scratch():
    X = sparse_counts(60, 20, 8)
    X.data = X.data / 7.0
    b = np.arange(0, 50, 2, dtype=np.int64)
    e = b + 10
    pa = np.arange(0, len(b) - 1, dtype=np.int64)
    csr = _csr_tuple(X)
    inc = _core.window_pairs(csr, b, e, pa, pa + 1, "jsd", 0.0, 0.0, True, 1)
    scratch = _core.window_pairs(csr, b, e, pa, pa + 1, "jsd", 0.0, 0.0, False, 2)
    assert np.array_equal(inc, scratch)
    close(
        inc,
        [
            ref_div(
                window_sum(X, np.arange(b[k], e[k])),
                window_sum(X, np.arange(b[k + 1], e[k + 1])),
                "jsd",
            )
            for k in pa
        ],
    )


def test_token_drift_exact_and_reference():
    rng = np.random.default_rng(9)
    tok = np.concatenate([rng.integers(0, 40, size=3000), rng.integers(20, 60, size=3000)])
    w = 250
    inc = dv.token_drift(tok, w, step=1)
    scratch = dv.token_drift(tok, w, step=1, incremental=False)
    assert np.array_equal(inc.value.to_numpy(), scratch.value.to_numpy())  # exact
    assert inc.position.iloc[0] == w and inc.position.iloc[-1] == len(tok) - w
    assert len(inc) == len(tok) - 2 * w + 1
    for i in [w, 1000, 2999, 3000, 3001, len(tok) - w]:
        a = np.bincount(tok[i - w : i], minlength=60)
        b = np.bincount(tok[i : i + w], minlength=60)
        v = inc.value[inc.position == i].iloc[0]
        assert abs(v - ref_div(a, b, "jsd")) < 1e-12
    # The planted switch at 3000 is the largest drift.
    assert abs(int(inc.position[inc.value.idxmax()]) - 3000) <= 25
    s7 = dv.token_drift(tok, w, step=7)
    assert np.array_equal(s7.value.to_numpy(), inc.value.to_numpy()[::7])
    bits = dv.token_drift(tok, w, step=7, base=2)
    close(bits.value, s7.value / np.log(2), 1e-12)
    words = np.array(["x", "y", "z"])[rng.integers(0, 3, size=100)]
    assert len(dv.token_drift(words, 10)) == 81


# --------------------------------------------------------------------------------------------
# Novelty, transience, resonance


def ref_novelty(P: np.ndarray, w: int):
    n = len(P)
    kl = lambda p, q: float(np.sum(p * np.log(p / q)))  # noqa: E731
    nov = np.full(n, np.nan)
    tra = np.full(n, np.nan)
    for j in range(n):
        if j >= w:
            nov[j] = np.mean([kl(P[j], P[j - d]) for d in range(1, w + 1)])
        if j + w < n:
            tra[j] = np.mean([kl(P[j], P[j + d]) for d in range(1, w + 1)])
    return nov, tra


def test_novelty_dense_and_sparse_match_reference():
    rng = np.random.default_rng(10)
    theta = rng.dirichlet([0.5] * 8, size=40)
    out = dv.novelty(theta, window=4, n_jobs=2)
    nov, tra = ref_novelty(theta, 4)
    close(out.novelty, nov, 1e-11)
    close(out.transience, tra, 1e-11)
    close(out.resonance, nov - tra, 1e-11)
    assert out.scored.sum() == 40 - 8
    bits = dv.novelty(theta, window=4, base=2, n_jobs=1)
    close(bits.novelty, nov / np.log(2), 1e-11)
    X = sparse_counts(30, 50, 11)
    X = X[np.flatnonzero(np.asarray(X.sum(axis=1)).ravel() > 0)]
    alpha = 0.2
    D = X.toarray() + alpha
    D /= D.sum(axis=1, keepdims=True)
    out = dv.novelty(X, window=3, alpha=alpha)
    nov, tra = ref_novelty(D, 3)
    close(out.novelty, nov, 1e-10)
    close(out.transience, tra, 1e-10)
    with pytest.raises(ValueError, match="alpha"):
        dv.novelty(np.array([[0.5, 0.5, 0.0]] * 5), window=2)
    with pytest.raises(ValueError, match="window"):
        dv.novelty(theta[:3], window=3)


# --------------------------------------------------------------------------------------------
# Change points and planted changes


def test_changepoints_planted_mean_shift():
    rng = np.random.default_rng(12)
    y = np.concatenate([rng.normal(0.2, 0.02, 40), rng.normal(0.3, 0.02, 30)])
    cp = dv.changepoints(y, permutations=199, seed=1)
    assert len(cp) >= 1
    best = cp.loc[cp.gain.idxmax()]
    assert best.position == 40
    assert best.p_value <= 0.01
    assert best.mean_before < best.mean_after
    quiet = dv.changepoints(rng.normal(0, 1, 80), permutations=49)
    assert len(quiet) == 0
    assert list(quiet.columns) == [
        "position",
        "time",
        "mean_before",
        "mean_after",
        "gain",
        "p_value",
    ]


def _planted_corpus(seed=13):
    """Two parties, daily statements over a year; party A's vocabulary switches on 2021-07-01."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2021-01-01", "2021-12-31", freq="D")
    words_old = [f"old{i}" for i in range(30)]
    words_new = [f"new{i}" for i in range(30)]
    common = [f"common{i}" for i in range(30)]
    rows = []
    for d in days:
        for party in ("A", "B"):
            vocab = common + (
                words_new if (party == "A" and d >= pd.Timestamp("2021-07-01")) else words_old
            )
            text = " ".join(rng.choice(vocab, size=25))
            rows.append({"party": party, "date": d.strftime("%Y-%m-%d"), "text": text})
    return pd.DataFrame(rows)


def test_planted_change_found_within_one_step():
    c = dv.Corpus.from_frame(_planted_corpus())
    change = pd.Timestamp("2021-07-01")
    step = pd.Timedelta(days=14)
    base = dv.drift(c, window="28D", step="14D", mode="baseline")
    a = base[base.group == "A"].reset_index(drop=True)
    cp = dv.changepoints(a.value, times=a.window_start, permutations=99)
    found = cp.loc[cp.gain.idxmax(), "time"]
    # The first window starting at or after the change (windows are 28 days): within one step.
    assert abs(found - change) <= step, (found, change)
    assert cp.loc[cp.gain.idxmax(), "p_value"] < 0.05
    b = base[base.group == "B"].reset_index(drop=True)
    assert a.value.iloc[-1] > 5 * b.value.iloc[-1]
    between = dv.drift(c, window="28D", step="14D", mode="between", permutations=30, bootstrap=30)
    cp2 = dv.changepoints(between.value, times=between.window_start, permutations=99)
    found2 = cp2.loc[cp2.gain.idxmax(), "time"]
    assert abs(found2 - change) <= step, (found2, change)
    late = between.window_start >= change
    assert (between.value[late] > between.null_mean[late]).all()
    # Adjacent: the largest self-drift straddles the change.
    adj = dv.drift(c, window="28D", step="14D", mode="adjacent", groups=["A"])
    top = adj.loc[adj.value.idxmax()]
    assert top.window_start < change <= top.window_end


# --------------------------------------------------------------------------------------------
# Errors


def test_errors_name_the_argument():
    X = sparse_counts(30, 10, 14)
    years = np.repeat(np.arange(2000, 2010), 3)
    with pytest.raises(
        ValueError, match="^window: 30D is narrower than the data's time resolution"
    ):
        dv.drift(X, times=years, window="30D", step="30D")
    with pytest.raises(ValueError, match="^step: 6M is narrower"):
        dv.drift(X, times=years, window="2Y", step="6M")
    with pytest.raises(ValueError, match="^step: must be at least 1"):
        dv.drift(X, times=years, window=5, step=0)
    with pytest.raises(ValueError, match="^step: must be a positive span"):
        dv.drift(X, times=years, window="2Y", step="0Y")
    with pytest.raises(ValueError, match="^window: 20Y is longer than the data's span"):
        dv.drift(X, times=years, window="20Y", step="1Y")
    with pytest.raises(ValueError, match="^window: 50 statements is more than"):
        dv.drift(X, times=years, window=50, step=1)
    with pytest.raises(ValueError, match="^times: not sorted"):
        dv.drift(X, times=years[::-1], window="2Y", step="1Y")
    with pytest.raises(ValueError, match="^times: 1 statement"):
        dv.drift(X, times=pd.to_datetime(["2000-01-01"] * 29 + [None]), window="2D", step="1D")
    with pytest.raises(ValueError, match="^times: time windows"):
        dv.drift(X, window="2Y", step="1Y")
    with pytest.raises(ValueError, match="^mode:"):
        dv.drift(X, times=years, window=5, mode="sideways")
    with pytest.raises(ValueError, match="^groups: mode='between' needs at least two groups"):
        dv.drift(X, times=years, window=5, mode="between")
    with pytest.raises(ValueError, match="^window: 'ninety days'"):
        dv.drift(X, times=years, window="ninety days")
    with pytest.raises(ValueError, match="^kl with alpha=0"):
        dv.drift(sp.identity(6, format="csr"), window=1, metric="kl")
    with pytest.raises(ValueError, match="^step:"):
        dv.token_drift(np.arange(10), 3, step=0)


def test_cli_errors_exit_3(tmp_path):
    f = tmp_path / "c.csv"
    pd.DataFrame(
        {
            "party": ["a", "b"] * 5,
            "year": np.repeat(np.arange(2000, 2005), 2),
            "text": ["alpha beta gamma", "delta epsilon"] * 5,
        }
    ).to_csv(f, index=False)
    r = CliRunner().invoke(main, ["drift", str(f), "--window", "30D", "--step", "30D"])
    assert r.exit_code == 3, r.output
    assert "window: 30D is narrower" in r.output
    r = CliRunner().invoke(main, ["drift", str(f), "--window", "2Y", "--step", "0"])
    assert r.exit_code == 3, r.output
    r = CliRunner().invoke(main, ["drift", str(f), "--window", "9Y", "--step", "1Y"])
    assert r.exit_code == 3 and "longer than the data's span" in r.output


def test_cli_outputs(tmp_path):
    f = tmp_path / "c.csv"
    _planted_corpus().iloc[::3].to_csv(f, index=False)
    out = tmp_path / "drift.csv"
    r = CliRunner().invoke(
        main,
        [
            "drift",
            str(f),
            "--window",
            "60D",
            "--step",
            "30D",
            "--mode",
            "between",
            "--bootstrap",
            "10",
            "--permutations",
            "10",
            "--format",
            "csv",
            "-o",
            str(out),
            "--plot",
            str(tmp_path / "d.png"),
            "--no-progress",
        ],
    )
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    for col in [
        "group_a",
        "group_b",
        "window_start",
        "window_end",
        "n_statements",
        "n_tokens",
        "value",
        "ci_low",
        "ci_high",
        "null_mean",
    ]:
        assert col in df.columns
    man = json.loads((tmp_path / "drift.csv.manifest.json").read_text())
    assert man["command"] == "drift" and man["parameters"]["window"] == "60D"
    assert (tmp_path / "d.png").stat().st_size > 1000
    r = CliRunner().invoke(
        main, ["drift", str(f), "--window", "60D", "--step", "30D", "--no-progress"]
    )
    assert r.exit_code == 0, r.output
    assert "drift, mode adjacent" in r.output


@pytest.mark.shared_data
@pytest.mark.skipif(not UNGD.exists(), reason="../shared/data/ungd_caucasus.csv not present")
def test_ungd_armenia_azerbaijan(tmp_path):
    png = tmp_path / "armaze.png"
    out = tmp_path / "armaze.json"
    r = CliRunner().invoke(
        main,
        [
            "drift",
            str(UNGD),
            "--group-col",
            "country",
            "--time-col",
            "year",
            "--window",
            "3Y",
            "--step",
            "1Y",
            "--mode",
            "between",
            "--groups",
            "ARM,AZE",
            "--bootstrap",
            "30",
            "--permutations",
            "30",
            "--change-permutations",
            "49",
            "--format",
            "json",
            "-o",
            str(out),
            "--plot",
            str(png),
            "--no-progress",
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert len(doc) == 31  # windows 1992-1994 .. 2022-2024
    assert all(row["group_a"] == "ARM" and row["group_b"] == "AZE" for row in doc)
    assert all(row["value"] > row["null_mean"] for row in doc)
    assert png.stat().st_size > 1000


# --------------------------------------------------------------------------------------------
# bootstrap_scheme="poisson" (issue 13: replicates that add up over time buckets)


def _small_vocabulary_corpus() -> dv.Corpus:
    return dv.Corpus.from_frame(small_vocabulary_frame())


def test_poisson_drift_window_is_poisson_compare():
    """One window holding the whole corpus: its bootstrap and corrected estimate are
    compare's with bootstrap_scheme="poisson" (statements keyed by their corpus position,
    the jackknife on the same keyed blocks)."""
    c = _small_vocabulary_corpus()
    t = pd.to_datetime(c.time)
    days = int((t.max() - t.min()).days) + 1
    kw = dict(bootstrap=60, seed=9, ci_method="percentile")
    d = dv.drift(c, window=f"{days}D", mode="between", bootstrap_scheme="poisson", **kw)
    assert len(d["window"].unique()) == 1 and d["n_statements"].iloc[0] == len(c)
    assert d.attrs["bootstrap_scheme"] == "poisson"
    r = dv.compare(c, permutations=0, bootstrap_scheme="poisson", terms=False, **kw).table
    r = r.set_index(["group_a", "group_b"])
    for _, row in d.iterrows():
        want = r.loc[(row["group_a"], row["group_b"])]
        for col in ("value", "corrected", "boot_mean", "ci_low", "ci_high"):
            np.testing.assert_allclose(row[col], want[col], rtol=1e-9, atol=1e-12)
    assert d["ci_low"].notna().all()
    # and it is not the resampling bootstrap
    res = dv.drift(c, window=f"{days}D", mode="between", **kw)
    assert not np.allclose(res["boot_mean"], d["boot_mean"])


def test_poisson_drift_threads_and_replicates():
    """Same numbers for any n_jobs; replicates of a window do not depend on the others (a
    shorter run's windows equal the longer run's where they are the same windows); a bad
    scheme is named."""
    c = _small_vocabulary_corpus()
    kw = dict(window="6M", step="3M", mode="between", bootstrap=40, bootstrap_scheme="poisson")
    a = dv.drift(c, n_jobs=1, **kw)
    b = dv.drift(c, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a["ci_low"].notna().sum() > len(a) // 2
    with pytest.raises(ValueError, match="bootstrap_scheme"):
        dv.drift(c, window="6M", mode="between", bootstrap=5, bootstrap_scheme="keyed")
    # with permutations: the exact null of the statements, the same as with "resample"
    p = dv.drift(c, permutations=30, **kw)
    q = dv.drift(c, permutations=30, **dict(kw, bootstrap_scheme="resample"))
    np.testing.assert_array_equal(p["null_mean"], q["null_mean"])
    np.testing.assert_array_equal(p["p_value"], q["p_value"])


def test_resampling_drift_window_is_compare_with_the_entropy_correction():
    """One window holding the whole corpus, statements in time order: its JSD, corrected
    estimate (the block jackknife of the value less its Chao-Wang-Jost bias estimate) and
    interval are compare's on the same statements and seed."""
    f = small_vocabulary_frame().sort_values("time", kind="stable").reset_index(drop=True)
    c = dv.Corpus.from_frame(f)
    t = pd.to_datetime(c.time)
    days = int((t.max() - t.min()).days) + 1
    d = dv.drift(c, window=f"{days}D", mode="between", bootstrap=50, seed=4)
    assert len(d["window"].unique()) == 1
    r = dv.compare(c, bootstrap=50, permutations=0, seed=4, terms=False)
    assert r.settings["corrected"].endswith("Chao-Wang-Jost bias estimate (the groups' entropies)")
    r = r.table.set_index(["group_a", "group_b"])
    for _, row in d.iterrows():
        want = r.loc[(row["group_a"], row["group_b"])]
        np.testing.assert_allclose(row["value"], want["value"], rtol=1e-12)
        np.testing.assert_allclose(row["corrected"], want["corrected"], rtol=1e-9, atol=1e-12)
        assert row["corrected"] < row["value"]
