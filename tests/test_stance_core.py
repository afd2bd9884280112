"""Replicate loops in the core: stance bootstrap/permutation replicates (labels and scores) and
change-point permutation nulls, against slow NumPy/scipy references on the same resampling
indices, for any thread count, and with the distributions they should have."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import chi2, kstest, wasserstein_distance

import divergence as dv
from divergence import _core, group_matrix, stance_divergence

ALL = list(dv.METRICS)
SCORES = ["mean_difference", "wasserstein"]


def _layout(groups_per_target, rng, n_per=(20, 40)):
    """Random targets: (group codes, start offsets, n_groups), every group present."""
    codes, start = [], [0]
    for K in groups_per_target:
        n = int(rng.integers(*n_per))
        c = np.concatenate([np.arange(K), rng.integers(0, K, n - K)])
        rng.shuffle(c)
        codes.append(c)
        start.append(start[-1] + n)
    return (
        np.concatenate(codes).astype(np.int32),
        np.asarray(start, dtype=np.int64),
        np.asarray(groups_per_target, dtype=np.int32),
    )


def _one_hot(stance, S):
    return sp.csr_matrix(
        (np.ones(len(stance)), (np.arange(len(stance)), stance)), shape=(len(stance), S)
    )


def _old_label_values(codes, stance, K, S, metrics, alpha):
    """What stance_divergence computed before: group_matrix on one-hot statement rows."""
    return group_matrix(_one_hot(stance, S), codes, K, metrics, alpha=alpha)[0]


def _old_score_values(x, codes, K, metrics):
    """The former Python/scipy statistic: numpy means and scipy's wasserstein_distance (a < b)."""
    out = np.full((len(metrics), K, K), np.nan)
    parts = [x[codes == g] for g in range(K)]
    for mi, m in enumerate(metrics):
        for a in range(K):
            for b in range(a + 1, K):
                out[mi, a, b] = (
                    parts[a].mean() - parts[b].mean()
                    if m == "mean_difference"
                    else wasserstein_distance(parts[a], parts[b])
                )
    return out


def _targets(codes, start):
    return [
        (codes[start[t] : start[t + 1]], slice(start[t], start[t + 1]))
        for t in range(len(start) - 1)
    ]


# --------------------------------------------------------------------------------------------
# Labels


def test_label_replicates_match_group_matrix_on_the_same_draws():
    rng = np.random.default_rng(1)
    codes, start, ng = _layout([3, 2, 4], rng)
    S = 4
    stance = rng.integers(0, S, len(codes)).astype(np.int32)
    stance[::7] = 3  # a stance some groups lack: zero counts
    B, P, seed = 6, 5, 11
    out = _core.stance_label_replicates(codes, stance, start, ng, S, ALL, 0.5, B, P, seed, 2)
    assert len(out) == 3
    for t, (c, sl) in enumerate(_targets(codes, start)):
        K = int(ng[t])
        st = stance[sl]
        obs, boot, perm = out[t]
        assert (
            obs.shape == (len(ALL), K, K)
            and boot.shape == (B, len(ALL), K, K)
            and perm.shape == (P, len(ALL), K, K)
        )
        np.testing.assert_array_equal(obs, _old_label_values(c, st, K, S, ALL, 0.5))
        bidx, pcodes = _core.stance_draws(c, K, t, B, P, seed)
        for r in range(B):
            # Group g's draws are its own members, n_g of them.
            assert np.array_equal(np.sort(c[bidx[r]]), np.sort(c))
            np.testing.assert_array_equal(
                boot[r], _old_label_values(c[bidx[r]], st[bidx[r]], K, S, ALL, 0.5)
            )
        for r in range(P):
            assert np.array_equal(np.bincount(pcodes[r], minlength=K), np.bincount(c, minlength=K))
            np.testing.assert_array_equal(perm[r], _old_label_values(pcodes[r], st, K, S, ALL, 0.5))


def test_label_replicates_against_numpy_formulas():
    # Independent of the kernels: jsd, tv and hellinger of count rows in plain NumPy.
    rng = np.random.default_rng(2)
    codes, start, ng = _layout([3], rng, n_per=(30, 31))
    S = 3
    stance = rng.integers(0, S, len(codes)).astype(np.int32)
    obs, boot, _ = _core.stance_label_replicates(
        codes, stance, start, ng, S, ["jsd", "tv", "hellinger"], 0.0, 4, 0, 5, 1
    )[0]
    bidx, _ = _core.stance_draws(codes, 3, 0, 4, 0, 5)

    def kl(u, m):
        return np.sum(u[u > 0] * np.log(u[u > 0] / m[u > 0]))

    def formulas(c, s):
        G = np.zeros((3, S))
        np.add.at(G, (c, s), 1.0)
        p = G / G.sum(1, keepdims=True)
        out = np.zeros((3, 3, 3))
        for a in range(3):
            for b in range(3):
                if a == b:
                    continue
                m = (p[a] + p[b]) / 2
                out[0, a, b] = (kl(p[a], m) + kl(p[b], m)) / 2
                out[1, a, b] = np.abs(p[a] - p[b]).sum() / 2
                out[2, a, b] = np.sqrt(max(0.0, 1 - np.sqrt(p[a] * p[b]).sum()))
        return out

    np.testing.assert_allclose(obs, formulas(codes, stance), atol=1e-12)
    for r in range(4):
        np.testing.assert_allclose(boot[r], formulas(codes[bidx[r]], stance[bidx[r]]), atol=1e-12)


def test_label_unsmoothed_kl_as_before():
    # kl/jeffreys with alpha = 0: finite where supports nest (the bits as before), else the error.
    codes = np.array([0, 0, 0, 1, 1, 1], dtype=np.int32)
    full = np.array([0, 1, 2, 0, 1, 2], dtype=np.int32)
    args = (
        np.array([0, 6], dtype=np.int64),
        np.array([2], dtype=np.int32),
        3,
        ["kl", "jeffreys", "jsd"],
        0.0,
    )
    obs, _, _ = _core.stance_label_replicates(codes, full, *args, 0, 0, 1, 1)[0]
    np.testing.assert_array_equal(
        obs, _old_label_values(codes, full, 2, 3, ["kl", "jeffreys", "jsd"], 0.0)
    )
    gaps = np.array([0, 0, 1, 2, 2, 2], dtype=np.int32)
    with pytest.raises(ValueError, match="alpha"):
        _core.stance_label_replicates(codes, gaps, *args, 0, 0, 1, 1)
    with pytest.raises(ValueError, match="alpha"):
        group_matrix(_one_hot(gaps, 3), codes, 2, ["kl"], alpha=0.0)
    # A replicate whose counts lose a stance fails as the observed table would.
    with pytest.raises(ValueError, match="alpha"):
        _core.stance_label_replicates(codes, full, *args, 50, 0, 1, 2)


def test_label_replicates_thread_count_invariant():
    rng = np.random.default_rng(3)
    codes, start, ng = _layout([2, 3, 5, 2], rng, n_per=(10, 60))
    stance = rng.integers(0, 3, len(codes)).astype(np.int32)
    runs = [
        _core.stance_label_replicates(codes, stance, start, ng, 3, ALL, 0.5, 150, 170, 4, j)
        for j in (1, 2, 7)
    ]
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            for x, y in zip(a, b):
                assert np.array_equal(x, y)


# --------------------------------------------------------------------------------------------
# Scores


def _scores(n, rng, kind):
    if kind == "likert":
        return rng.integers(1, 6, n).astype(float)
    if kind == "ties":
        return np.round(rng.normal(0, 1, n), 1)
    return rng.normal(0, 1, n) * 10.0 ** rng.uniform(-2, 2)


@pytest.mark.parametrize("kind", ["likert", "ties", "continuous"])
def test_score_replicates_match_numpy_and_scipy_on_the_same_draws(kind):
    rng = np.random.default_rng(4)
    codes, start, ng = _layout([3, 2], rng, n_per=(15, 45))
    x = _scores(len(codes), rng, kind)
    B, P, seed = 8, 8, 21
    out = _core.stance_score_replicates(codes, x, start, ng, SCORES, B, P, seed, 3)
    for t, (c, sl) in enumerate(_targets(codes, start)):
        K = int(ng[t])
        xt = x[sl]
        obs, boot, perm = out[t]
        bidx, pcodes = _core.stance_draws(c, K, t, B, P, seed)
        for got, (cc, xx) in (
            [(obs, (c, xt))]
            + [(boot[r], (c[bidx[r]], xt[bidx[r]])) for r in range(B)]
            + [(perm[r], (pcodes[r], xt)) for r in range(P)]
        ):
            want = _old_score_values(xx, cc, K, SCORES)
            # mean_difference: numpy's means bit for bit; wasserstein: scipy's up to the rounding
            # of its BLAS dot product.
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_allclose(got[1], want[1], rtol=1e-13, atol=1e-300)
            assert np.isnan(got[:, np.tril_indices(K)[0], np.tril_indices(K)[1]]).all()


def test_score_wasserstein_depends_only_on_the_multisets():
    # Equal multisets give equal bits (ties with the observed value are exact ties).
    x = np.array([0.1, 0.7, 0.2, 0.2, 0.9, 0.3, 0.7, 0.1], dtype=float)
    a = np.array([0, 0, 0, 0, 1, 1, 1, 1], dtype=np.int32)
    perm = np.array([3, 6, 2, 0, 7, 5, 1, 4])  # other statements, the same values per group
    one = _core.stance_score_replicates(
        a, x, np.array([0, 8]), np.array([2], dtype=np.int32), ["wasserstein"], 0, 0, 0, 1
    )
    two = _core.stance_score_replicates(
        a, x[perm], np.array([0, 8]), np.array([2], dtype=np.int32), ["wasserstein"], 0, 0, 0, 1
    )
    assert one[0][0][0, 0, 1] == two[0][0][0, 0, 1]
    assert (
        _core.stance_score_replicates(
            np.array([0, 0, 0, 1, 1, 1], dtype=np.int32),
            np.array([0, 1, 3, 5, 6, 8.0]),
            np.array([0, 6]),
            np.array([2], dtype=np.int32),
            ["wasserstein"],
            0,
            0,
            0,
            1,
        )[0][0][0, 0, 1]
        == 5.0
    )  # scipy's example


def test_score_replicates_thread_count_invariant():
    rng = np.random.default_rng(5)
    codes, start, ng = _layout([2, 4, 3], rng, n_per=(10, 80))
    x = rng.normal(size=len(codes))
    runs = [
        _core.stance_score_replicates(codes, x, start, ng, SCORES, 120, 130, 9, j)
        for j in (1, 2, 7)
    ]
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            for u, v in zip(a, b):
                assert np.array_equal(u, v, equal_nan=True)


def test_score_distributions_under_no_difference():
    # Two groups from one distribution: the permutation null of the mean difference is centred on
    # 0, the bootstrap is centred on the observed value with the usual standard error.
    rng = np.random.default_rng(6)
    n_a, n_b = 60, 90
    x = rng.normal(3.0, 1.0, n_a + n_b)
    codes = np.r_[np.zeros(n_a), np.ones(n_b)].astype(np.int32)
    B = P = 3000
    obs, boot, perm = _core.stance_score_replicates(
        codes, x, np.array([0, n_a + n_b]), np.array([2], dtype=np.int32), SCORES, B, P, 8, 2
    )[0]
    se = np.sqrt(x[:n_a].var(ddof=1) / n_a + x[n_a:].var(ddof=1) / n_b)
    null = perm[:, 0, 0, 1]
    assert abs(null.mean()) < 4 * se / np.sqrt(P)
    assert 0.9 < null.std() / se < 1.1
    bs = boot[:, 0, 0, 1]
    assert abs(bs.mean() - obs[0, 0, 1]) < 4 * se / np.sqrt(B)
    assert 0.9 < bs.std() / se < 1.1
    # Wasserstein: the observed value is typical of the null (no difference).
    w_null = perm[:, 1, 0, 1]
    assert 0.02 < np.mean(w_null >= obs[1, 0, 1]) < 0.98


def test_label_null_mean_near_the_no_difference_expectation():
    # Same stance shares in both groups: the permutation null mean of the plug-in JSD is close to
    # its expectation under no difference, (S - 1)/8 (1/n_a + 1/n_b) (chi-square approximation).
    rng = np.random.default_rng(7)
    n_a, n_b, S = 150, 250, 3
    stance = rng.choice(S, n_a + n_b, p=[0.5, 0.3, 0.2]).astype(np.int32)
    codes = np.r_[np.zeros(n_a), np.ones(n_b)].astype(np.int32)
    _, _, perm = _core.stance_label_replicates(
        codes,
        stance,
        np.array([0, n_a + n_b]),
        np.array([2], dtype=np.int32),
        S,
        ["jsd"],
        0.0,
        0,
        2000,
        3,
        2,
    )[0]
    expected = (S - 1) / 8 * (1 / n_a + 1 / n_b)
    assert abs(perm[:, 0, 0, 1].mean() / expected - 1) < 0.15


# --------------------------------------------------------------------------------------------
# stance_divergence: observed values as before, replicates from the core


def _stance_frame(seed, n=120, score=False):
    rng = np.random.default_rng(seed)
    groups = rng.choice(["A", "B", "C"], n)
    target = rng.choice(["t1", "t2", "t3"], n)
    target[:3] = "only"  # one group only: skipped with a note
    groups[:3] = "A"
    stance = (
        rng.integers(1, 6, n).astype(float)
        if score
        else rng.choice(["against", "favour", "neutral"], n)
    )
    return pd.DataFrame({"group": groups, "target": target, "stance": stance, "text": ["x"] * n})


@pytest.mark.parametrize("score", [False, True])
def test_stance_divergence_observed_values_unchanged(score):
    df = _stance_frame(8, score=score)
    r = stance_divergence(df, "stance", "target", bootstrap=20, permutations=20, seed=3, n_jobs=2)
    assert any("only" in n for n in r.notes)
    metrics = SCORES if score else ALL
    for target in ["t1", "t2", "t3"]:
        sub = df[df.target == target]
        present = sorted(set(sub.group))
        codes = np.searchsorted(present, sub.group.to_numpy()).astype(np.int32)
        K = len(present)
        if score:
            want = _old_score_values(sub.stance.to_numpy(float), codes, K, metrics)
        else:
            lab = np.searchsorted(["against", "favour", "neutral"], sub.stance.to_numpy()).astype(
                np.int32
            )
            want = _old_label_values(codes, lab, K, 3, metrics, 0.5)
        t = r.table[r.table.target == target]
        for _, row in t.iterrows():
            a, b = present.index(row.group_a), present.index(row.group_b)
            v = want[metrics.index(row.metric), a, b]
            if row.metric == "wasserstein":
                assert row.value == pytest.approx(v, rel=1e-13)
            else:
                assert row.value == v
    # Replicates: the same for any thread count; intervals and p-values present.
    r1 = stance_divergence(df, "stance", "target", bootstrap=20, permutations=20, seed=3, n_jobs=1)
    pd.testing.assert_frame_equal(r.table, r1.table)
    assert r.table["p_value"].notna().all()
    # intervals everywhere but where a bootstrap replicate is infinite (bhattacharyya of
    # disjoint supports), which says so
    ok = r.table["ci_note"] == ""
    assert r.table.loc[ok, ["ci_low", "ci_high", "corrected"]].notna().all().all()
    assert r.table.loc[~ok, "ci_note"].str.contains("infinite bootstrap replicate").all()
    assert (r.table.loc[ok, "ci_low"] <= r.table.loc[ok, "corrected"]).all()
    assert (r.table.loc[ok, "corrected"] <= r.table.loc[ok, "ci_high"]).all()


def test_jsd_bias_p_value_is_the_chi_square_tail():
    # chdtrc (scipy.special) in place of scipy.stats.chi2.sf: the same numbers.
    rng = np.random.default_rng(9)
    for K, V in [(2, 3), (3, 10), (4, 200)]:
        C = rng.integers(0, 20, (K, V)) + (np.arange(V) == 0)
        b = dv.jsd_bias(C)
        assert b.p_value == float(chi2.sf(b.g_statistic, b.df))


def test_stance_core_rejects_bad_input():
    g = np.array([0, 0, 1, 1], dtype=np.int32)
    s = np.array([0, 1, 0, 1], dtype=np.int32)
    start, ng = np.array([0, 4]), np.array([2], dtype=np.int32)
    with pytest.raises(ValueError, match="outside"):
        _core.stance_label_replicates(
            np.array([0, 0, 1, 2], dtype=np.int32), s, start, ng, 2, ["jsd"], 0.0, 1, 1, 0, 1
        )
    with pytest.raises(ValueError, match="no statements"):
        _core.stance_label_replicates(
            np.zeros(4, dtype=np.int32), s, start, ng, 2, ["jsd"], 0.0, 1, 1, 0, 1
        )
    with pytest.raises(ValueError, match="stance code"):
        _core.stance_label_replicates(
            g, np.array([0, 1, 2, 1], dtype=np.int32), start, ng, 2, ["jsd"], 0.0, 1, 1, 0, 1
        )
    with pytest.raises(ValueError, match="two groups"):
        _core.stance_label_replicates(
            np.zeros(4, dtype=np.int32),
            s,
            start,
            np.array([1], dtype=np.int32),
            2,
            ["jsd"],
            0.0,
            1,
            1,
            0,
            1,
        )
    with pytest.raises(ValueError, match="offsets"):
        _core.stance_label_replicates(g, s, np.array([0, 5]), ng, 2, ["jsd"], 0.0, 1, 1, 0, 1)
    with pytest.raises(ValueError, match="finite"):
        _core.stance_score_replicates(
            g, np.array([1.0, np.nan, 2.0, 3.0]), start, ng, SCORES, 1, 1, 0, 1
        )
    with pytest.raises(ValueError, match="score metric"):
        _core.stance_score_replicates(g, np.ones(4), start, ng, ["jsd"], 1, 1, 0, 1)
    with pytest.raises(ValueError, match="length"):
        _core.stance_score_replicates(g, np.ones(3), start, ng, SCORES, 1, 1, 0, 1)
    with pytest.raises(ValueError, match="n_jobs"):
        _core.stance_score_replicates(g, np.ones(4), start, ng, SCORES, 1, 1, 0, 0)


# --------------------------------------------------------------------------------------------
# Change points


def _max_gain(y, min_size):
    """The former NumPy statistic of divergence.changepoints."""
    n = len(y)
    c = np.cumsum(y - y.mean())
    k = np.arange(min_size, n - min_size + 1)
    return float(np.max((c[k - 1] ** 2) * n / (k * (n - k))))


@pytest.mark.parametrize("block", [1, 3, 7])
def test_changepoint_null_matches_numpy_on_the_same_orders(block):
    rng = np.random.default_rng(10)
    y = np.r_[rng.normal(0, 1, 31), rng.normal(0.8, 1, 26)]
    nb = -(-len(y) // block)
    P = 40
    hits, gains = _core.changepoint_null(y, block, 2, _max_gain(y, 2), P, 5, 3, 2)
    orders = _core.changepoint_orders(nb, P, 5, 3)
    blocks = [y[i * block : (i + 1) * block] for i in range(nb)]
    for r in range(P):
        assert sorted(orders[r]) == list(range(nb))
        assert gains[r] == _max_gain(np.concatenate([blocks[i] for i in orders[r]]), 2)
    obs = _max_gain(y, 2)
    assert hits == np.count_nonzero(gains >= obs - 1e-12 * abs(obs))


def test_changepoint_null_identity_and_threads():
    rng = np.random.default_rng(11)
    y = rng.normal(size=50)
    obs = _max_gain(y, 3)
    # One block: every "permutation" is the series itself, a tie with the observed gain.
    hits, gains = _core.changepoint_null(y, 50, 3, obs, 9, 0, 0, 1)
    assert hits == 9 and (gains == obs).all()
    runs = [_core.changepoint_null(y, 2, 3, obs, 300, 7, 1, j) for j in (1, 2, 7)]
    for h, g in runs[1:]:
        assert h == runs[0][0] and np.array_equal(g, runs[0][1])
    with pytest.raises(ValueError, match="block"):
        _core.changepoint_null(y, 0, 3, obs, 9, 0, 0, 1)
    with pytest.raises(ValueError, match="finite"):
        _core.changepoint_null(np.r_[y, np.nan], 1, 3, obs, 9, 0, 0, 1)


def test_changepoint_p_values_planted_shift_and_uniform_null():
    rng = np.random.default_rng(12)
    y = np.r_[rng.normal(0, 1, 60), rng.normal(1.5, 1, 60)]
    hits, _ = _core.changepoint_null(y, 1, 2, _max_gain(y, 2), 199, 0, 0, 2)
    assert (1 + hits) / 200 <= 0.01
    # No shift: the p-value of a series' own largest gain is uniform (exchangeable values).
    ps = []
    for s in range(300):
        z = np.random.default_rng(1000 + s).normal(size=40)
        h, _ = _core.changepoint_null(z, 1, 2, _max_gain(z, 2), 99, s, 0, 1)
        ps.append((1 + h) / 100)
    assert kstest(ps, "uniform").pvalue > 1e-3
    assert 0.05 < np.mean(np.asarray(ps) <= 0.1) < 0.16


def test_changepoints_same_for_any_thread_count():
    rng = np.random.default_rng(13)
    y = np.r_[rng.normal(0, 1, 100), rng.normal(1.5, 1, 100)]
    a = dv.changepoints(y, permutations=300, seed=4, n_jobs=1)
    b = dv.changepoints(y, permutations=300, seed=4, n_jobs=3)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) >= 1 and a.p_value.min() <= 0.01
