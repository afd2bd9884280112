"""Group comparison (divergence.compare) and distinguishing terms (divergence.terms).

The random procedures run in the core with their own seeded streams, so they are not replayed
here; instead the tests check what any correct implementation must satisfy: the observed
matrix is `pairwise` of the summed group counts, replicates are reproducible and independent of
the thread count, every bootstrap / permutation value is one that a resample of the right kind
(within groups; labels shuffled with sizes kept) can produce, the summary columns follow from
the replicate arrays by the documented formulas, and the null behaves like a null.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import divergence
from divergence import (
    METRICS,
    Corpus,
    compare,
    distinguishing_terms,
    group_matrix,
    log_odds,
    pairwise,
)
from divergence._terms import VARIANCE_FORMS

SMOOTHED = ("kl", "jeffreys")
TABLE_COLUMNS = [
    "group_a",
    "group_b",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "null_mean",
    "excess",
    "p_value",
    "n_a",
    "n_b",
    "tokens_a",
    "tokens_b",
]


# -- synthetic corpora ----------------------------------------------------------------------------


def _corpus(sizes=(12, 9, 15), V=30, shift=0.0, seed=0, length=25):
    """Statements x terms counts with group labels; ``shift`` plants a difference between the
    groups' term distributions (0: every statement drawn from one distribution)."""
    rng = np.random.default_rng(seed)
    base = rng.dirichlet(np.full(V, 2.0))
    rows, labels = [], []
    for g, n in enumerate(sizes):
        p = base.copy()
        if shift:
            p = p + shift * rng.dirichlet(np.full(V, 0.3))
            p /= p.sum()
        for _ in range(n):
            x = rng.multinomial(length, p)
            rows.append(x)
            labels.append(f"g{g}")
    return sp.csr_matrix(np.asarray(rows, dtype=np.float64)), np.asarray(labels)


def _group_sums(X, labels, names):
    D = np.asarray(sp.csr_matrix(X).todense(), dtype=np.float64)
    return np.vstack([D[labels == g].sum(axis=0) for g in names])


def _opts(metric, alpha=0.5):
    return {"alpha": alpha} if metric in SMOOTHED else {}


# -- the observed matrix --------------------------------------------------------------------------


@pytest.mark.parametrize("base", [None, 2.0])
def test_observed_is_pairwise_of_group_sums_for_every_metric(base):
    X, labels = _corpus()
    res = compare(
        X,
        labels,
        metric=list(METRICS),
        alpha=0.5,
        base=base,
        bootstrap=0,
        permutations=0,
        terms=False,
        seed=1,
    )
    assert res.groups == ["g0", "g1", "g2"]
    assert res.metrics == list(METRICS)
    G = _group_sums(X, labels, res.groups)
    for m in METRICS:
        kw = _opts(m)
        if base is not None and m in ("jsd", "jensenshannon", "kl", "jeffreys", "bhattacharyya"):
            kw["base"] = base
        expected = pairwise(G, metric=m, **kw)
        np.testing.assert_allclose(res.observed[m], expected, rtol=1e-10, atol=1e-13, err_msg=m)
        # the matrix view and the tidy table say the same thing
        np.testing.assert_allclose(
            res.matrix(m).to_numpy(), expected, rtol=1e-10, atol=1e-13, err_msg=m
        )
        t = res.table[res.table["metric"] == m]
        pos = {g: i for i, g in enumerate(res.groups)}
        for ga, gb, v in zip(t["group_a"], t["group_b"], t["value"]):
            assert v == res.observed[m][pos[ga], pos[gb]]


def test_observed_matches_reference_oracle():
    """Independent of `pairwise`: the per-pair definitions in tests/reference.py."""
    import reference

    X, labels = _corpus(sizes=(5, 7), V=12)
    res = compare(
        X, labels, metric=list(METRICS), alpha=0.5, bootstrap=0, permutations=0, terms=False
    )
    G = _group_sums(X, labels, res.groups)
    for m in METRICS:
        ref = reference.pairwise_ref(G, None, m, alpha=0.5 if m in SMOOTHED else 0.0)
        np.testing.assert_allclose(res.observed[m], ref, rtol=1e-9, atol=1e-12, err_msg=m)


def test_table_layout_and_pairs():
    X, labels = _corpus(sizes=(4, 5, 6, 7))
    res = compare(
        X, labels, metric=["jsd", "kl"], alpha=0.5, bootstrap=5, permutations=5, terms=False
    )
    for c in TABLE_COLUMNS:
        assert c in res.table.columns, c
    jsd = res.table[res.table["metric"] == "jsd"]
    kl = res.table[res.table["metric"] == "kl"]
    assert len(jsd) == 6 and len(kl) == 12  # symmetric: a < b; kl: both orders
    assert list(zip(jsd["group_a"], jsd["group_b"])) == list(itertools.combinations(res.groups, 2))
    assert set(zip(kl["group_a"], kl["group_b"])) == set(itertools.permutations(res.groups, 2))
    # statement and token counts
    D = X.toarray()
    for r in res.table.itertuples():
        assert r.n_a == int((labels == r.group_a).sum()) and r.n_b == int(
            (labels == r.group_b).sum()
        )
        assert r.tokens_a == int(D[labels == r.group_a].sum())
        assert r.tokens_b == int(D[labels == r.group_b].sum())
    # kl is not symmetric, and matrix() keeps the direction
    M = res.matrix("kl").to_numpy()
    assert not np.allclose(M, M.T)
    with pytest.raises(ValueError, match="not computed"):
        res.matrix("tv")
    with pytest.raises(ValueError, match="what"):
        res.matrix("jsd", "nonsense")
    assert res.bootstrap["jsd"].shape == (5, 4, 4)
    assert res.null["kl"].shape == (5, 4, 4)


def test_group_matrix_matches_numpy_group_sums():
    X, labels = _corpus(sizes=(6, 8, 5))
    names, codes = np.unique(labels, return_inverse=True)
    G = _group_sums(X, labels, names)
    metrics = list(METRICS)
    obs, boot, perm = group_matrix(
        X, codes, 3, metrics, alpha=0.5, bootstrap=3, permutations=4, seed=9, n_jobs=1
    )
    assert obs.shape == (len(metrics), 3, 3)
    assert boot.shape == (3, len(metrics), 3, 3)
    assert perm.shape == (4, len(metrics), 3, 3)
    for i, m in enumerate(metrics):
        np.testing.assert_allclose(
            obs[i], pairwise(G, metric=m, **_opts(m)), rtol=1e-10, atol=1e-13, err_msg=m
        )
    # dense input, a different row order and duplicate-free CSR give the same observed matrix
    order = np.random.default_rng(3).permutation(X.shape[0])
    obs2, _, _ = group_matrix(X.toarray()[order], codes[order], 3, metrics, alpha=0.5)
    np.testing.assert_allclose(obs2, obs, rtol=1e-12, atol=1e-14)


def test_group_matrix_rejects_bad_counts_and_labels():
    X, labels = _corpus(sizes=(3, 3))
    codes = (labels == "g1").astype(np.int32)
    bad = X.toarray()
    bad[0, 0] = -1
    with pytest.raises(ValueError, match="counts"):
        group_matrix(bad, codes, 2)
    with pytest.raises(ValueError):
        group_matrix(X, np.full(6, 5), 2)  # code outside [0, K)
    with pytest.raises(ValueError):
        group_matrix(X, np.zeros(6, dtype=np.int32), 2)  # group 1 has no statements


# -- reproducibility -------------------------------------------------------------------------------


def _run(seed=7, n_jobs=1, **kw):
    X, labels = _corpus(sizes=(10, 8, 12, 9), seed=2)
    args = dict(
        metric=["jsd", "tv", "kl"],
        alpha=0.5,
        bootstrap=40,
        permutations=40,
        seed=seed,
        n_jobs=n_jobs,
        terms=False,
    )
    args.update(kw)
    return compare(X, labels, **args)


def test_same_seed_gives_identical_results():
    a, b = _run(seed=11), _run(seed=11)
    pd.testing.assert_frame_equal(a.table, b.table)
    for m in a.metrics:
        assert np.array_equal(a.bootstrap[m], b.bootstrap[m])
        assert np.array_equal(a.null[m], b.null[m])
    assert a.settings["seed"] == 11


def test_results_do_not_depend_on_thread_count():
    runs = [_run(seed=5, n_jobs=j) for j in (1, 2, 5)]
    for r in runs[1:]:
        pd.testing.assert_frame_equal(runs[0].table, r.table, check_exact=True)
        for m in r.metrics:
            assert np.array_equal(runs[0].bootstrap[m], r.bootstrap[m]), m
            assert np.array_equal(runs[0].null[m], r.null[m]), m
    assert [r.settings["n_jobs"] for r in runs] == [1, 2, 5]


def test_different_seeds_differ():
    a, b = _run(seed=1), _run(seed=2)
    assert not np.array_equal(a.bootstrap["jsd"], b.bootstrap["jsd"])
    assert not np.array_equal(a.null["jsd"], b.null["jsd"])
    # the observed values do not depend on the seed
    assert np.array_equal(a.observed["jsd"], b.observed["jsd"])


def test_seed_none_draws_one_and_reports_it():
    a = _run(seed=None)
    s = a.settings["seed"]
    assert isinstance(s, int) and s >= 0
    b = _run(seed=s)
    assert np.array_equal(a.bootstrap["jsd"], b.bootstrap["jsd"])
    assert np.array_equal(a.null["jsd"], b.null["jsd"])


def test_bootstrap_and_permutation_streams_are_separate():
    """Changing the number of permutations leaves the bootstrap replicates alone (and the
    other way round): each replicate has its own stream."""
    a = _run(bootstrap=30, permutations=10)
    b = _run(bootstrap=30, permutations=25)
    c = _run(bootstrap=12, permutations=25)
    assert np.array_equal(a.bootstrap["jsd"], b.bootstrap["jsd"])
    assert np.array_equal(b.null["jsd"][:10], a.null["jsd"])
    assert np.array_equal(c.null["jsd"], b.null["jsd"])
    assert np.array_equal(c.bootstrap["jsd"], b.bootstrap["jsd"][:12])


# -- summary columns from the replicates -----------------------------------------------------------


def test_p_value_null_mean_and_excess_follow_from_the_null():
    res = _run(permutations=60)
    pos = {g: i for i, g in enumerate(res.groups)}
    P = res.settings["permutations"]
    for r in res.table.itertuples():
        a, b = pos[r.group_a], pos[r.group_b]
        null = res.null[r.metric][:, a, b]
        assert null.shape == (P,)
        assert r.p_value == (1 + np.count_nonzero(null >= r.value)) / (1 + P)
        assert r.null_mean == pytest.approx(null.mean(), rel=1e-12)
        assert r.excess == pytest.approx(r.value - r.null_mean, rel=1e-12, abs=1e-15)
        assert 1 / (P + 1) <= r.p_value <= 1
        boot = res.bootstrap[r.metric][:, a, b]
        assert r.boot_mean == pytest.approx(boot.mean(), rel=1e-12)


def test_percentile_and_basic_intervals():
    pct = _run(seed=3, ci=0.9, ci_method="percentile")
    basic = _run(seed=3, ci=0.9, ci_method="basic")
    pos = {g: i for i, g in enumerate(pct.groups)}
    for rp, rb in zip(pct.table.itertuples(), basic.table.itertuples()):
        assert (rp.group_a, rp.group_b, rp.metric) == (rb.group_a, rb.group_b, rb.metric)
        boot = pct.bootstrap[rp.metric][:, pos[rp.group_a], pos[rp.group_b]]
        assert np.array_equal(boot, basic.bootstrap[rb.metric][:, pos[rb.group_a], pos[rb.group_b]])
        q_lo, q_hi = np.percentile(boot, [5.0, 95.0])
        assert rp.ci_low == pytest.approx(q_lo, rel=1e-12) and rp.ci_high == pytest.approx(
            q_hi, rel=1e-12
        )
        # basic (reverse percentile): 2 * value - q, the ends swapped
        assert rb.ci_low == pytest.approx(2 * rb.value - q_hi, rel=1e-12, abs=1e-15)
        assert rb.ci_high == pytest.approx(2 * rb.value - q_lo, rel=1e-12, abs=1e-15)
        assert rb.ci_low <= rb.ci_high and rp.ci_low <= rp.ci_high
        # the two intervals have the same width, mirrored about the value
        assert (rp.ci_high - rp.ci_low) == pytest.approx(rb.ci_high - rb.ci_low, rel=1e-9)
        assert rb.boot_mean == rp.boot_mean
    # a wider coverage gives a wider interval
    wide = _run(seed=3, ci=0.99, ci_method="percentile")
    assert np.all(
        wide.table["ci_high"] - wide.table["ci_low"]
        >= pct.table["ci_high"] - pct.table["ci_low"] - 1e-15
    )
    assert pct.settings["ci_method"] == "percentile" and basic.settings["ci_method"] == "basic"


def test_zero_replicates_give_nan_columns():
    res = _run(bootstrap=0, permutations=0)
    for c in ("ci_low", "ci_high", "boot_mean", "null_mean", "excess", "p_value"):
        assert res.table[c].isna().all(), c
    assert res.table["value"].notna().all()
    assert res.bootstrap["jsd"].shape[0] == 0 and res.null["jsd"].shape[0] == 0


# -- what the replicates may be --------------------------------------------------------------------


def _two_term_statements(sizes, n_x):
    """Each statement is one token, of term x or term y; group g has n_x[g] statements of x."""
    rows, labels = [], []
    for g, (n, k) in enumerate(zip(sizes, n_x)):
        rows += [[1.0, 0.0]] * k + [[0.0, 1.0]] * (n - k)
        labels += [f"g{g}"] * n
    return sp.csr_matrix(np.asarray(rows)), np.asarray(labels)


def test_bootstrap_resamples_within_groups_and_permutation_keeps_sizes():
    """With one-token statements, a group's distribution is (k/n, 1 - k/n) where k is how many
    of its n statements say x. Resampling within groups keeps n; shuffling labels keeps n too, and
    k is at most the total number of x statements. Every replicate value must be the tv of such
    a pair of groups, and the replicates must actually vary."""
    sizes, n_x = (7, 11), (5, 3)
    X, labels = _two_term_statements(sizes, n_x)
    res = compare(X, labels, metric="tv", bootstrap=200, permutations=200, seed=4, terms=False)
    na, nb = sizes
    total_x = sum(n_x)
    boot_ok = {round(abs(i / na - j / nb), 12) for i in range(na + 1) for j in range(nb + 1)}
    perm_ok = {
        round(abs(i / na - (total_x - i) / nb), 12)
        for i in range(0, min(na, total_x) + 1)
        if 0 <= total_x - i <= nb
    }
    boot = res.bootstrap["tv"][:, 0, 1]
    null = res.null["tv"][:, 0, 1]
    assert {round(v, 12) for v in boot} <= boot_ok
    assert {round(v, 12) for v in null} <= perm_ok
    assert len(set(np.round(boot, 12))) > 3 and len(set(np.round(null, 12))) > 3
    assert res.table["value"].iloc[0] == pytest.approx(abs(5 / 7 - 3 / 11))
    # permutation null mean near the hypergeometric expectation of tv (computed exactly)
    N = na + nb
    ks = np.arange(0, min(na, total_x) + 1)
    pk = np.array([math.comb(total_x, k) * math.comb(N - total_x, na - k) for k in ks]) / math.comb(
        N, na
    )
    exact = float(np.sum(pk * np.abs(ks / na - (total_x - ks) / nb)))
    assert res.table["null_mean"].iloc[0] == pytest.approx(exact, abs=0.05)


def test_identical_statements_within_groups_give_a_constant_bootstrap():
    """Every statement of a group is the same: any resample within the group has the same
    distribution, so every bootstrap replicate equals the observed value."""
    rng = np.random.default_rng(8)
    protos = rng.integers(0, 4, size=(3, 15)).astype(float) + np.eye(3, 15)
    rows = np.repeat(protos, [4, 6, 5], axis=0)
    labels = np.repeat(["a", "b", "c"], [4, 6, 5])
    res = compare(
        rows,
        labels,
        metric=["jsd", "hellinger"],
        bootstrap=30,
        permutations=30,
        seed=1,
        terms=False,
    )
    for m in res.metrics:
        np.testing.assert_allclose(
            res.bootstrap[m],
            np.broadcast_to(res.observed[m], res.bootstrap[m].shape),
            rtol=1e-12,
            atol=1e-14,
        )
        ci = res.table[res.table["metric"] == m]
        if m == "jsd":
            # the JSD's interval also spans value - the entropy estimators' bias estimate,
            # which assumes independent tokens (here every token of a group comes with its
            # statement): it still holds the value, which is exact here
            assert (ci["ci_low"] < ci["value"]).all() and (ci["value"] <= ci["ci_high"]).all()
            continue
        np.testing.assert_allclose(ci["ci_low"], ci["value"], rtol=1e-12)
        np.testing.assert_allclose(ci["ci_high"], ci["value"], rtol=1e-12)
    # all statements identical everywhere: every permutation gives zero divergence
    same = np.tile(protos[0], (9, 1))
    res0 = compare(
        same,
        np.repeat(["a", "b", "c"], 3),
        metric="jsd",
        bootstrap=10,
        permutations=10,
        terms=False,
    )
    assert np.all(res0.null["jsd"] <= 1e-15) and np.all(res0.table["value"] <= 1e-15)
    assert np.all(res0.table["p_value"] == 1.0)  # every null value ties with the observed 0


# -- inference behaves -----------------------------------------------------------------------------


def test_under_the_null_p_values_are_not_small_and_excess_is_near_zero():
    X, labels = _corpus(sizes=(25, 30, 20, 28), V=40, shift=0.0, seed=21)
    res = compare(
        X, labels, metric=["jsd", "hellinger"], bootstrap=0, permutations=300, seed=2, terms=False
    )
    pos = {g: i for i, g in enumerate(res.groups)}
    for r in res.table.itertuples():
        null = res.null[r.metric][:, pos[r.group_a], pos[r.group_b]]
        assert r.p_value > 0.005, (r.group_a, r.group_b, r.metric, r.p_value)
        # the observed value sits inside the null distribution: excess within a few null SDs
        assert abs(r.excess) <= 4 * null.std(), (r.excess, null.std())
        assert abs(r.excess) < 0.5 * r.null_mean
    # and the p-values are spread out as a null's should be (not all near one end)
    p = res.table["p_value"].to_numpy()
    assert np.median(p) > 0.05


def test_a_planted_difference_is_found():
    X, labels = _corpus(sizes=(20, 25, 22), V=40, shift=1.5, seed=4)
    P = 99
    res = compare(
        X, labels, metric=["jsd", "tv"], bootstrap=50, permutations=P, seed=0, terms=False
    )
    for r in res.table.itertuples():
        assert r.p_value == pytest.approx(1 / (P + 1))
        assert r.excess > 0
        assert r.ci_low > r.null_mean  # even the interval's low end is beyond noise


def test_small_groups_look_far_apart_under_the_null():
    """The null mean grows as groups shrink (the point of reporting it)."""
    small = compare(
        *_corpus(sizes=(4, 4), V=40, seed=6, length=10),
        metric="jsd",
        bootstrap=0,
        permutations=100,
        terms=False,
    )
    big = compare(
        *_corpus(sizes=(60, 60), V=40, seed=6, length=10),
        metric="jsd",
        bootstrap=0,
        permutations=100,
        terms=False,
    )
    assert small.table["null_mean"].iloc[0] > 2 * big.table["null_mean"].iloc[0]


# -- corpus input, empty statements, bad arguments -------------------------------------------------


def _frame(texts, groups):
    return pd.DataFrame(
        {"id": [f"s{i}" for i in range(len(texts))], "party": groups, "text": texts}
    )


def test_compare_a_corpus_equals_compare_of_its_counts():
    from sklearn.feature_extraction.text import CountVectorizer

    c = Corpus.example()
    res = compare(
        c, metric=["jsd", "cosine"], bootstrap=20, permutations=20, seed=3, terms=True, top_terms=5
    )
    cv = CountVectorizer()
    X = cv.fit_transform(list(c.text))
    res2 = compare(
        X,
        c.group.to_numpy(),
        metric=["jsd", "cosine"],
        bootstrap=20,
        permutations=20,
        seed=3,
        terms=True,
        top_terms=5,
        vocabulary=list(cv.get_feature_names_out()),
    )
    assert res.groups == c.groups
    pd.testing.assert_frame_equal(res.table, res2.table, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(res.terms, res2.terms, check_exact=False, rtol=1e-12)
    assert res.settings["n_statements"] == len(c)
    assert res.settings["n_terms"] == X.shape[1]


def test_empty_statements_are_dropped_with_a_note():
    # "a" and "!!" have no token of two or more word characters
    c = Corpus.from_frame(
        _frame(
            [
                "peace talks now",
                "a",
                "talks in baku",
                "!!",
                "corridor open now",
                "guarantees first",
            ],
            ["A", "A", "B", "B", "A", "B"],
        )
    )
    res = compare(c, bootstrap=5, permutations=5, terms=False)
    assert any("dropped 2 statement" in n for n in res.notes), res.notes
    assert res.settings["n_statements"] == 4
    assert res.table["n_a"].iloc[0] == 2 and res.table["n_b"].iloc[0] == 2
    # the same for a count matrix with empty rows
    X = sp.csr_matrix(np.array([[1, 0, 2], [0, 0, 0], [0, 3, 1], [1, 1, 0]], dtype=float))
    r2 = compare(X, ["x", "x", "y", "y"], bootstrap=3, permutations=3, terms=False)
    assert any("dropped 1 statement" in n for n in r2.notes)
    assert r2.table["n_a"].iloc[0] == 1


def test_a_single_group_is_an_error():
    X, _ = _corpus(sizes=(6,))
    with pytest.raises(ValueError, match="at least two groups"):
        compare(X, ["only"] * 6, bootstrap=0, permutations=0)
    # two groups, but every statement of one of them is empty
    X = sp.csr_matrix(np.array([[1, 2], [0, 0], [3, 0]], dtype=float))
    with pytest.raises(ValueError, match="at least two groups.*found 1"):
        compare(X, ["a", "b", "a"], bootstrap=0, permutations=0)


@pytest.mark.parametrize(
    "kw, exc, match",
    [
        ({"metric": "nope"}, ValueError, "metric"),
        ({"metric": []}, ValueError, "metric"),
        ({"bootstrap": -1}, ValueError, "bootstrap"),
        ({"bootstrap": 2.5}, TypeError, "bootstrap"),
        ({"permutations": True}, TypeError, "permutations"),
        ({"ci": 1.0}, ValueError, "ci"),
        ({"ci": 0}, ValueError, "ci"),
        ({"ci_method": "studentized"}, ValueError, "ci_method"),
        ({"seed": -3}, ValueError, "seed"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"prior": 0.0}, ValueError, "alpha0"),
        ({"variance": "exact"}, ValueError, "variance"),
    ],
)
def test_bad_arguments(kw, exc, match):
    X, labels = _corpus(sizes=(3, 3))
    args = dict(bootstrap=2, permutations=2)
    args.update(kw)
    with pytest.raises(exc, match=match):
        compare(X, labels, **args)


def test_bad_shapes():
    X, labels = _corpus(sizes=(3, 3))
    with pytest.raises(ValueError, match="groups"):
        compare(X, labels[:-1])
    with pytest.raises(ValueError, match="groups"):
        compare(X)
    with pytest.raises(ValueError, match="vocabulary"):
        compare(X, labels, vocabulary=["a", "b"])
    with pytest.raises(ValueError, match="groups"):
        compare(Corpus.example(), groups=["x"] * 170)


def test_kl_without_smoothing_on_disjoint_groups_is_refused():
    X = sp.csr_matrix(np.array([[1, 0], [2, 0], [0, 1], [0, 3]], dtype=float))
    with pytest.raises(ValueError):
        compare(
            X,
            ["a", "a", "b", "b"],
            metric="kl",
            alpha=0.0,
            bootstrap=0,
            permutations=0,
            terms=False,
        )
    res = compare(
        X, ["a", "a", "b", "b"], metric="kl", alpha=0.5, bootstrap=0, permutations=0, terms=False
    )
    assert np.isfinite(res.table["value"]).all()


def test_progress_callback_is_called_and_can_stop_the_run():
    calls = []
    X, labels = _corpus(sizes=(40, 40), V=200, length=200)
    compare(
        X,
        labels,
        bootstrap=400,
        permutations=400,
        n_jobs=1,
        terms=False,
        progress=lambda done, total: calls.append((done, total)),
    )
    if calls:  # a fast machine may finish before the first tick
        assert all(0 <= d <= t for d, t in calls)

    class Stop(Exception):
        pass

    seen = []

    def stop(done, total):
        seen.append((done, total))
        raise Stop

    # An exception from the callback stops the run (the first tick comes after about 0.1 s,
    # long before 200000 replicates are done) and propagates to the caller.
    with pytest.raises(Stop):
        compare(X, labels, bootstrap=200000, permutations=0, n_jobs=1, terms=False, progress=stop)
    assert len(seen) == 1 and seen[0][1] == 200000 and seen[0][0] < 200000


# -- distinguishing terms --------------------------------------------------------------------------


def _monroe_direct(ya, yb, bg, alpha0, variance):
    """Monroe, Colaresi and Quinn (2008), eqs. 16 and 18-20, term by term."""
    ya, yb, bg = (np.asarray(v, dtype=float) for v in (ya, yb, bg))
    na, nb = ya.sum(), yb.sum()
    out = []
    for w in range(ya.size):
        a_w = alpha0 * bg[w] / bg.sum()
        delta = math.log((ya[w] + a_w) / (na + alpha0 - ya[w] - a_w)) - math.log(
            (yb[w] + a_w) / (nb + alpha0 - yb[w] - a_w)
        )
        var = 1 / (ya[w] + a_w) + 1 / (yb[w] + a_w)
        if variance == "full":
            var += 1 / (na + alpha0 - ya[w] - a_w) + 1 / (nb + alpha0 - yb[w] - a_w)
        out.append((delta, var, delta / math.sqrt(var)))
    return np.array(out)


@pytest.mark.parametrize("variance", VARIANCE_FORMS)
@pytest.mark.parametrize("alpha0", [0.5, 10.0, 500.0])
def test_log_odds_matches_the_monroe_formula(variance, alpha0):
    rng = np.random.default_rng(13)
    ya = rng.poisson(3.0, 50).astype(float)
    yb = rng.poisson(3.0, 50).astype(float)
    bg = ya + yb + rng.poisson(5.0, 50) + 1  # a wider background, positive everywhere
    got = log_odds(ya, yb, bg, alpha0=alpha0, variance=variance)
    assert list(got.columns) == ["delta", "var", "z"]
    ref = _monroe_direct(ya, yb, bg, alpha0, variance)
    np.testing.assert_allclose(got.to_numpy(), ref, rtol=1e-10, atol=1e-12)
    # default background: the two groups together
    got2 = log_odds(ya, yb, alpha0=alpha0, variance=variance)
    keep = (ya + yb) > 0
    ref2 = _monroe_direct(ya[keep], yb[keep], (ya + yb)[keep], alpha0, variance)
    np.testing.assert_allclose(got2.to_numpy()[keep], ref2, rtol=1e-9, atol=1e-12)
    # swapping the groups flips the sign of delta and z, not the variance
    swapped = log_odds(yb, ya, bg, alpha0=alpha0, variance=variance)
    np.testing.assert_allclose(swapped["z"], -got["z"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(swapped["var"], got["var"], rtol=1e-12)


def test_full_variance_is_larger_and_z_smaller():
    ya = np.array([10.0, 0, 3, 7, 1])
    yb = np.array([2.0, 5, 3, 1, 9])
    m = log_odds(ya, yb, alpha0=5.0, variance="monroe")
    f = log_odds(ya, yb, alpha0=5.0, variance="full")
    assert np.all(f["var"] > m["var"])
    assert np.all(np.abs(f["z"]) <= np.abs(m["z"]))
    np.testing.assert_array_equal(f["delta"], m["delta"])


def test_log_odds_rejects_bad_input():
    with pytest.raises(ValueError, match="alpha0"):
        log_odds([1, 2], [2, 1], alpha0=0)
    with pytest.raises(ValueError, match="variance"):
        log_odds([1, 2], [2, 1], variance="other")
    with pytest.raises(ValueError, match="lengths"):
        log_odds([1, 2], [2, 1, 3])
    with pytest.raises(ValueError, match="background"):
        log_odds([1, 2], [2, 1], background=[1, 2, 3])
    with pytest.raises(ValueError, match="background"):
        log_odds([0, 0], [0, 0])


def _jsd_nats(p, q):
    p = p / p.sum()
    q = q / q.sum()
    m = (p + q) / 2
    return 0.5 * sum(pi * math.log(pi / mi) for pi, mi in zip(p, m) if pi > 0) + 0.5 * sum(
        qi * math.log(qi / mi) for qi, mi in zip(q, m) if qi > 0
    )


@pytest.mark.parametrize("pairs", ["all", "rest"])
def test_term_table_z_and_jsd_contributions(pairs):
    X, labels = _corpus(sizes=(8, 10, 9), V=25, shift=0.8, seed=5)
    names, codes = np.unique(labels, return_inverse=True)
    vocab = [f"w{j:02d}" for j in range(X.shape[1])]
    V = len(vocab)
    tt = distinguishing_terms(
        X, codes, list(names), vocab, pairs=pairs, top=V, alpha0=50.0, variance="full"
    )
    G = _group_sums(X, labels, names)
    bg = G.sum(axis=0)
    assert (tt["alpha0"] == 50.0).all() and (tt["variance"] == "full").all()
    for (ga, gb), sub in tt.groupby(["group_a", "group_b"], sort=False):
        a = list(names).index(ga)
        ya = G[a]
        yb = bg - ya if gb == "(rest)" else G[list(names).index(gb)]
        lo = log_odds(ya, yb, bg, alpha0=50.0, variance="full")
        j = np.array([vocab.index(t) for t in sub["term"]])
        np.testing.assert_allclose(sub["z"], lo["z"].to_numpy()[j], rtol=1e-12)
        np.testing.assert_allclose(sub["delta"], lo["delta"].to_numpy()[j], rtol=1e-12)
        np.testing.assert_array_equal(sub["count_a"], ya[j].astype(np.int64))
        np.testing.assert_array_equal(sub["count_b"], yb[j].astype(np.int64))
        np.testing.assert_allclose(sub["freq_a"], 1000 * ya[j] / ya.sum(), rtol=1e-12)
        # each side lists the terms that favour it, most distinctive first
        side_a = sub[sub["side"] == ga]
        side_b = sub[sub["side"] == gb]
        assert (side_a["z"] > 0).all() and (side_b["z"] < 0).all()
        assert side_a["z"].is_monotonic_decreasing and side_b["z"].is_monotonic_increasing
        assert list(side_a["rank"]) == list(range(1, len(side_a) + 1))
        # with top = V every used term is listed once, and the contributions add up to the JSD
        # (a term with z exactly 0 favours neither side and is not listed; with integer counts
        # that happens, e.g. 12/288 == 19/456 for "rest" here)
        used = np.flatnonzero((ya + yb) > 0)
        unlisted = np.setdiff1d(used, j)
        assert set(j.tolist()) <= set(used.tolist())
        assert np.all(lo["z"].to_numpy()[unlisted] == 0)
        contrib = sub["jsd_contribution"].to_numpy()
        assert np.all(contrib >= -1e-15)
        p, q = ya / ya.sum(), yb / yb.sum()
        rest = sum(
            0.5
            * (
                p[w] * math.log(2 * p[w] / (p[w] + q[w]))
                + q[w] * math.log(2 * q[w] / (p[w] + q[w]))
            )
            for w in unlisted
        )
        assert contrib.sum() + rest == pytest.approx(_jsd_nats(ya, yb), rel=1e-10)
        if gb != "(rest)":
            assert contrib.sum() + rest == pytest.approx(
                float(pairwise(np.vstack([ya, yb]))[0, 1]), rel=1e-9
            )


def test_compare_terms_sum_to_at_most_the_pair_value():
    res = compare(Corpus.example(), bootstrap=0, permutations=0, top_terms=10)
    assert res.terms is not None and len(res.terms)
    assert {
        "group_a",
        "group_b",
        "side",
        "rank",
        "term",
        "z",
        "delta",
        "count_a",
        "count_b",
        "freq_a",
        "freq_b",
        "jsd_contribution",
        "alpha0",
        "variance",
    } <= set(res.terms.columns)
    val = res.table.set_index(["group_a", "group_b"])["value"]
    for (ga, gb), sub in res.terms.groupby(["group_a", "group_b"]):
        assert 0 < sub["jsd_contribution"].sum() <= val[(ga, gb)] + 1e-12
        assert (sub.groupby("side").size() <= 10).all()
    # terms=False: no table
    assert compare(Corpus.example(), bootstrap=0, permutations=0, terms=False).terms is None


def test_terms_of_a_matrix_without_vocabulary_get_placeholder_names():
    X, labels = _corpus(sizes=(5, 5), V=8, shift=1.0)
    res = compare(X, labels, bootstrap=0, permutations=0, top_terms=3)
    assert res.terms["term"].str.fullmatch(r"term_\d+").all()


def test_distinguishing_terms_rejects_bad_arguments():
    X, labels = _corpus(sizes=(3, 3), V=5)
    codes = (labels == "g1").astype(int)
    vocab = list("abcde")
    with pytest.raises(ValueError, match="pairs"):
        distinguishing_terms(X, codes, ["g0", "g1"], vocab, pairs="some")
    with pytest.raises(ValueError, match="top"):
        distinguishing_terms(X, codes, ["g0", "g1"], vocab, top=0)
    with pytest.raises(ValueError, match="vocabulary"):
        distinguishing_terms(X, codes, ["g0", "g1"], vocab[:3])
    with pytest.raises(ValueError, match="labels"):
        distinguishing_terms(X, codes[:4], ["g0", "g1"], vocab)


def test_public_names():
    assert divergence.compare is compare
    assert isinstance(divergence.Comparison, type)
