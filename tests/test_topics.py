"""Topic models (divergence.topics): recovery of planted topics, group comparison in topic
space, NPMI coherence against a slow reference, determinism, persistence, bad input, CLI."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import divergence
from divergence import TopicModel, coherence, compare_topics, frex, select_k

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
UNGD = DATA / "ungd_caucasus.csv"

K_TRUE = 5
PLANTED = {0, 1}  # the true topics whose prevalence differs between the groups


def synthetic(seed: int = 0, n_per: int = 150, V: int = 120, length: int = 80):
    """Statements drawn from a known LDA model: topic-word distributions beta ~ Dirichlet(0.05),
    mixtures ~ Dirichlet(0.3 a_g) with a_A = (1, 3, 1, 1, 1), a_B = (3, 1, 1, 1, 1): the groups
    differ in topics 0 and 1 only (expected shares 1/7 vs 3/7), topics 2-4 have 1/7 in both."""
    rng = np.random.default_rng(seed)
    beta = rng.dirichlet(np.full(V, 0.05), size=K_TRUE)
    alphas = {"A": np.array([1, 3, 1, 1, 1.0]) * 0.3, "B": np.array([3, 1, 1, 1, 1.0]) * 0.3}
    rows, labels = [], []
    for g, a in alphas.items():
        theta = rng.dirichlet(a, size=n_per)
        for d in range(n_per):
            z = rng.multinomial(length, theta[d])
            c = np.zeros(V)
            for t in np.flatnonzero(z):
                c += rng.multinomial(z[t], beta[t])
            rows.append(c)
            labels.append(g)
    vocab = [f"w{j:03d}" for j in range(V)]
    return sp.csr_matrix(np.array(rows)), np.array(labels), beta, vocab


def best_match(true_beta: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """Cosine between every true and every fitted topic (true x fitted)."""
    a = true_beta / np.linalg.norm(true_beta, axis=1, keepdims=True)
    b = fitted / np.linalg.norm(fitted, axis=1, keepdims=True)
    return a @ b.T


@pytest.fixture(scope="module")
def synth():
    return synthetic()


@pytest.fixture(scope="module")
def fitted(synth):
    X, _, _, vocab = synth
    return TopicModel(k=K_TRUE, seed=0, max_iter=20, n_jobs=1).fit(X, vocabulary=vocab)


# ---------------------------------------------------------------------------------------------
# Recovery and the comparison on a planted corpus


def test_lda_recovers_planted_topics(synth, fitted):
    _, _, beta, _ = synth
    cos = best_match(beta, fitted.components_)
    assert cos.max(axis=1).mean() >= 0.9
    assert np.allclose(fitted.components_.sum(axis=1), 1.0)
    assert len(set(cos.argmax(axis=1))) == K_TRUE  # one fitted topic per true topic


def test_nmf_recovers_planted_topics(synth):
    X, _, beta, _ = synth
    m = TopicModel(k=K_TRUE, method="nmf", seed=0, n_jobs=1).fit(X)
    assert best_match(beta, m.components_).max(axis=1).mean() >= 0.9
    T = m.transform(X)
    assert T.shape == (X.shape[0], K_TRUE) and np.allclose(T.sum(axis=1), 1.0)


def test_comparison_names_planted_topics(synth, fitted):
    X, labels, beta, vocab = synth
    r = compare_topics(
        fitted, X, labels, vocabulary=vocab, bootstrap=100, permutations=100, seed=1, n_jobs=1
    )
    true_of = best_match(beta, fitted.components_).argmax(axis=0)  # fitted topic -> true topic
    t = r.topics
    differ = t[(t["p_value"] < 0.05) & ((t["ci_low"] > 0) | (t["ci_high"] < 0))]
    assert {int(true_of[i]) for i in differ["topic"]} == PLANTED
    top2 = r.differing("A", "B", 2)
    assert {int(true_of[i]) for i in top2["topic"]} == PLANTED
    assert top2["share"].sum() > 0.8
    assert math.isclose(t["share"].sum(), 1.0, rel_tol=1e-9)
    # Direction: true topic 0 is more prevalent in B, topic 1 in A (difference = A - B).
    for _, row in t.iterrows():
        if true_of[row["topic"]] == 0:
            assert row["difference"] < 0
        if true_of[row["topic"]] == 1:
            assert row["difference"] > 0
    # Prevalence: group means of the mixtures, intervals around them; divergence table as compare.
    P = r.prevalence_matrix()
    assert np.allclose(P.to_numpy().sum(axis=1), 1.0)
    assert np.all(r.prevalence["ci_low"] <= r.prevalence["prevalence"] + 1e-12)
    d = r.divergence.table.iloc[0]
    assert d["value"] == pytest.approx(divergence.divergence(P.loc["A"], P.loc["B"]))
    assert d["p_value"] < 0.05 and d["excess"] > 0
    # Share = JSD contribution / JSD of the prevalence vectors.
    c = divergence.contributions(P.loc["A"].to_numpy(), P.loc["B"].to_numpy(), "jsd")
    assert np.allclose(np.sort(t["jsd_contribution"]), np.sort(c))


def test_within_topic_word_usage(synth, fitted):
    X, labels, _, vocab = synth
    r = compare_topics(
        fitted,
        X,
        labels,
        vocabulary=vocab,
        bootstrap=0,
        permutations=0,
        metric=["jsd", "tv"],
        n_jobs=1,
    )
    T = r.theta
    A = sp.csr_matrix(X)[r.rows]
    for t in range(K_TRUE):
        wa = np.asarray(A[labels == "A"].T @ T[labels == "A", t]).ravel()
        wb = np.asarray(A[labels == "B"].T @ T[labels == "B", t]).ravel()
        row = r.topics[r.topics["topic"] == t].iloc[0]
        assert row["within_jsd"] == pytest.approx(divergence.divergence(wa, wb), abs=1e-12)
        assert row["within_tv"] == pytest.approx(divergence.divergence(wa, wb, "tv"), abs=1e-12)
    assert np.isnan(r.topics["p_value"]).all() and np.isnan(r.prevalence["ci_low"]).all()


def test_mixtures_feed_pairwise_and_nearest(synth, fitted):
    X = synth[0]
    T = fitted.transform(X)
    assert T.dtype == np.float64 and T.flags.c_contiguous
    D = divergence.pairwise(T[:20], metric="hellinger", n_jobs=1)
    assert D.shape == (20, 20)
    idx, val = divergence.nearest(T[:30], k=3, n_jobs=1)
    assert idx.shape == (30, 3) and np.all(val >= 0)


# ---------------------------------------------------------------------------------------------
# Coherence (compiled core) against a slow reference


def npmi_reference(X: sp.csr_matrix, words) -> float:
    B = X.toarray() != 0
    N = B.shape[0]
    vals = []
    for a, b in itertools.combinations(words, 2):
        da, db, dab = B[:, a].sum(), B[:, b].sum(), (B[:, a] & B[:, b]).sum()
        if dab == 0:
            vals.append(-1.0)
        elif dab == N:
            vals.append(1.0)
        else:
            pab, pa, pb = dab / N, da / N, db / N
            vals.append(math.log(pab / (pa * pb)) / -math.log(pab))
    return float(np.mean(vals))


def test_npmi_matches_reference_and_threads():
    rng = np.random.default_rng(3)
    X = sp.random(300, 40, density=0.15, random_state=rng, format="csr") * 5
    X = sp.hstack(
        [X, sp.csr_matrix(np.ones((300, 1))), sp.csr_matrix((300, 1))]
    ).tocsr()  # word 40 everywhere, 41 nowhere
    topics = [list(rng.choice(40, size=6, replace=False)) for _ in range(25)]
    topics += [[40, 3, 7], [41, 2, 5], [0, 1]]
    ref = np.array([npmi_reference(X, t) for t in topics])
    one = coherence(X, topics, n_jobs=1)
    assert np.allclose(one, ref, rtol=1e-12, atol=1e-12)
    for j in (2, 3, 7):
        assert np.array_equal(coherence(X, topics, n_jobs=j), one)
    vals, pairs = coherence(X, [[0, 1, 2], [3, 4]], pairs=True, n_jobs=1)
    assert [len(p) for p in pairs] == [3, 1] and vals[0] == pytest.approx(pairs[0].mean())
    assert coherence(X, [[40, 40 - 1]], n_jobs=1)[0] <= 1.0


def test_npmi_bad_input():
    X = sp.csr_matrix(np.eye(4))
    with pytest.raises(ValueError, match="at least 2"):
        coherence(X, [[1]])
    with pytest.raises(ValueError, match="twice"):
        coherence(X, [[1, 1]])
    with pytest.raises(ValueError, match="outside"):
        coherence(X, [[1, 9]])


def test_fitted_coherence_and_frex(fitted, synth):
    X = synth[0]
    assert fitted.coherence_.shape == (K_TRUE,)
    assert np.all((fitted.coherence_ >= -1) & (fitted.coherence_ <= 1))
    assert np.allclose(fitted.coherence(X), fitted.coherence_)
    assert all(lab.startswith(f"topic{i}: ") for i, lab in enumerate(fitted.labels_))
    assert fitted.top_words(3, by="frex") == [w[:3] for w in fitted.frex_words_]
    # FREX: a word frequent in every topic ranks first by probability, not by FREX.
    B = np.array(
        [
            [0.4, 0.3, 0.1, 0.1, 0.05, 0.05],
            [0.6, 0.05, 0.2, 0.05, 0.05, 0.05],
            [0.6, 0.05, 0.05, 0.1, 0.1, 0.1],
        ]
    )
    F = frex(B)
    assert np.argmax(B[0]) == 0 and np.argmax(F[0]) == 1
    # Word 1 in topic 0: exclusivity 0.3/0.4 ranks 6/6, probability 5/6: 1 / (0.5/1 + 0.5/(5/6)).
    assert F[0, 1] == pytest.approx(1 / (0.5 + 0.5 * 6 / 5))
    assert np.all((F > 0) & (F <= 1))
    d = fitted.describe()
    assert list(d.columns) == ["topic", "label", "top_words", "frex_words", "coherence"]


# ---------------------------------------------------------------------------------------------
# Determinism


def test_same_seed_same_topics_any_threads(synth):
    X, labels, _, _ = synth
    a = TopicModel(k=4, seed=7, max_iter=3, n_jobs=1).fit(X)
    b = TopicModel(k=4, seed=7, max_iter=3, n_jobs=2).fit(X)
    assert np.array_equal(a.components_, b.components_)
    assert np.array_equal(a.transform(X), b.transform(X))
    assert np.array_equal(a.coherence_, b.coherence_)
    c = TopicModel(k=4, seed=8, max_iter=3, n_jobs=1).fit(X)
    assert not np.array_equal(a.components_, c.components_)
    ra = compare_topics(a, X, labels, bootstrap=30, permutations=30, seed=3, n_jobs=1)
    rb = compare_topics(a, X, labels, bootstrap=30, permutations=30, seed=3, n_jobs=3)
    pd.testing.assert_frame_equal(ra.topics, rb.topics)
    pd.testing.assert_frame_equal(ra.prevalence, rb.prevalence)
    pd.testing.assert_frame_equal(ra.divergence.table, rb.divergence.table)


# ---------------------------------------------------------------------------------------------
# scikit-learn estimator checks


NMF_EXPECTED_FAILURES = {
    "check_methods_subset_invariance": (
        "NMF.transform solves for W of all rows jointly and stops on the total reconstruction "
        "error, so a row's mixture depends (within tolerance) on the other rows given with it"
    ),
}


@pytest.mark.parametrize(
    "estimator, expected",
    [
        (TopicModel(k=2, max_iter=2, n_jobs=1), {}),
        (TopicModel(k=2, method="nmf", max_iter=30, n_jobs=1), NMF_EXPECTED_FAILURES),
    ],
    ids=["lda", "nmf"],
)
def test_sklearn_check_estimator(estimator, expected):
    from sklearn.utils.estimator_checks import check_estimator

    # on_skip=None: check_array_api_input skips (SCIPY_ARRAY_API unset) without a warning.
    check_estimator(estimator, expected_failed_checks=expected, on_skip=None)


# ---------------------------------------------------------------------------------------------
# Persistence


def test_save_load_and_vocabulary_mismatch(tmp_path, fitted, synth):
    X, _, _, vocab = synth
    p = fitted.save(tmp_path / "m.joblib")
    m = TopicModel.load(p, vocabulary=vocab)
    assert np.array_equal(m.transform(X), fitted.transform(X))
    assert m.labels_ == fitted.labels_
    other = vocab[:-2] + ["peace", "talks"]
    with pytest.raises(
        ValueError, match=r"vocabulary mismatch.*2 only in the model \('w118', 'w119'\).*'peace'"
    ):
        TopicModel.load(p, vocabulary=other)
    with pytest.raises(ValueError, match="different order"):
        fitted.check_vocabulary(list(reversed(vocab)))
    with pytest.raises(ValueError, match="vocabulary mismatch"):
        compare_topics(fitted, X, synth[1], vocabulary=other)
    (tmp_path / "bad.joblib").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a divergence topic model"):
        TopicModel.load(tmp_path / "bad.joblib")


def test_texts_fit_transform_and_persist(tmp_path):
    c = divergence.Corpus.example()
    vec = divergence.Vectorizer(stop_words="english", min_df=2)
    m = TopicModel(k=3, seed=0, max_iter=5, n_jobs=1, vectorizer=vec).fit(c)
    assert m.vectorizer_ is not vec and m.vocabulary_ is not None
    T = m.transform(list(c.text))
    m2 = TopicModel.load(m.save(tmp_path / "m.joblib"))
    assert np.array_equal(m2.transform(c), T)
    r = compare_topics(m2, c, bootstrap=10, permutations=10, n_jobs=1)
    assert r.groups == sorted(c.groups) and r.theta.shape[1] == 3


# ---------------------------------------------------------------------------------------------
# Bad input


def test_bad_input(synth):
    X = synth[0]
    with pytest.raises(ValueError, match="at least 2 topics"):
        TopicModel(k=1).fit(X)
    with pytest.raises(ValueError, match="asks for 200 topics but the data have 120"):
        TopicModel(k=200).fit(X)
    with pytest.raises(ValueError, match="method"):
        TopicModel(method="plsa").fit(X)
    with pytest.raises(ValueError, match="empty corpus after filtering"):
        TopicModel(k=2).fit(sp.csr_matrix((5, 10)))
    with pytest.raises(ValueError, match="empty corpus after filtering"):
        TopicModel(k=2, vectorizer=divergence.Vectorizer(stop_words="english")).fit(
            ["the and of", "is it"]
        )
    with pytest.raises(ValueError, match="Negative values"):
        TopicModel(k=2).fit(-X.toarray())
    with pytest.raises(ValueError, match="two groups"):
        compare_topics(None, X, ["A"] * X.shape[0], k=2, max_iter=1, n_jobs=1)
    with pytest.raises(ValueError, match="labels for"):
        compare_topics(TopicModel(k=2, max_iter=1, n_jobs=1), X, ["A", "B"])
    with pytest.raises(ValueError, match="theta"):
        compare_topics(
            TopicModel(k=2, max_iter=1, n_jobs=1).fit(X), X, synth[1], theta=np.ones((3, 2))
        )


# ---------------------------------------------------------------------------------------------
# Choosing k


def test_select_k(synth):
    X = synth[0]
    table, k = select_k(X, [2, 5, 8], seed=0, max_iter=4, n_jobs=1)
    assert list(table["k"]) == [2, 5, 8] and k in (2, 5, 8)
    assert table["chosen"].sum() == 1 and table.loc[table["chosen"], "k"].item() == k
    ok = table[table["within_margin"]]
    assert k == ok["k"].min()  # the smallest k within one standard error of the best
    best = table["heldout_loglik"].max()
    assert table.loc[table["chosen"], "heldout_loglik"].item() >= best - table["heldout_se"].max()
    assert (
        table.loc[table["k"] == 2, "heldout"].item() > table["heldout"].min()
    )  # too few topics fit worse
    assert (table["heldout"] < X.shape[1]).all()  # better than the uniform guess
    t2, k2 = select_k(X, [2, 5], method="nmf", seed=0, n_jobs=1)
    assert t2["heldout_metric"].iloc[0] == "completion_perplexity" and k2 in (2, 5)


# ---------------------------------------------------------------------------------------------
# Command line


def _run(args):
    from click.testing import CliRunner

    from divergence.cli import main

    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_cli_topics_example(tmp_path):
    common = [
        "topics",
        "--example",
        "--max-iter",
        "5",
        "--bootstrap",
        "20",
        "--permutations",
        "20",
        "-j",
        "1",
    ]
    r = _run(
        common
        + ["--k", "3", "--save", str(tmp_path / "m.joblib"), "--plot", str(tmp_path / "p.png")]
    )
    assert r.exit_code == 0, r.output
    assert "LDA with k=3 topics" in r.output and "where the groups differ" in r.output
    assert (tmp_path / "m.joblib").is_file() and (tmp_path / "p.png").stat().st_size > 0
    r2 = _run(
        common
        + ["--load", str(tmp_path / "m.joblib"), "--format", "csv", "-o", str(tmp_path / "out.csv")]
    )
    assert r2.exit_code == 0, r2.output
    prev = pd.read_csv(tmp_path / "out.csv")
    assert set(prev.columns) >= {"group", "topic", "label", "prevalence", "ci_low", "ci_high"}
    assert (tmp_path / "out.topic_pairs.csv").is_file() and (
        tmp_path / "out.divergence.csv"
    ).is_file()
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    assert manifest["command"] == "topics" or "topics" in json.dumps(manifest)
    r3 = _run(common + ["--load", str(tmp_path / "m.joblib"), "--max-features", "40"])
    assert r3.exit_code == 3 and "vocabulary mismatch" in r3.output
    r4 = _run(common + ["--k", "2,3", "--top-topics", "1"])
    assert r4.exit_code == 0, r4.output
    assert "choosing k" in r4.output and "picks k=" in r4.output
    r5 = _run(common + ["--k", "1"])
    assert r5.exit_code == 2


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.skipif(not UNGD.is_file(), reason="shared data absent")
def test_cli_ungd_armenia_azerbaijan():
    r = _run(
        [
            "topics",
            str(UNGD),
            "--k",
            "10",
            "--group-col",
            "country",
            "--max-iter",
            "3",
            "--max-features",
            "3000",
            "--bootstrap",
            "20",
            "--permutations",
            "20",
            "--pair",
            "ARM",
            "AZE",
            "-j",
            "1",
        ]
    )
    assert r.exit_code == 0, r.output
    out = r.output
    assert "ARM vs AZE" in out
    part = out[out.index("where the groups differ") :]
    assert "share" in part and "ARM: " in part and "AZE: " in part
