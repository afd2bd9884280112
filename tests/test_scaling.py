"""Wordfish and Wordscores: recovery, the quanteda procedure, determinism, published figures."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from divergence import ConvergenceWarning, Wordfish, Wordscores, residual_start

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def simulate(N=50, V=2000, seed=1):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(N)
    alpha = rng.normal(0, 0.3, N)
    psi = rng.normal(-1, 1, V)
    beta = rng.normal(0, 0.5, V)
    Y = rng.poisson(np.exp(alpha[:, None] + psi + np.outer(theta, beta)))
    keep = Y.sum(axis=0) > 0
    return sp.csr_matrix(Y[:, keep]), theta


def fit_quiet(model, X, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, **kw)


@pytest.fixture(scope="module")
def sim():
    return simulate()


def test_simulation_recovers_positions(sim):
    X, theta = sim
    m = fit_quiet(Wordfish(n_jobs=1), X)
    assert abs(np.corrcoef(m.theta_, theta)[0, 1]) >= 0.99
    assert np.all(np.isfinite(m.se_theta_)) and np.all(m.se_theta_ > 0)
    assert m.theta_[0] < m.theta_[1]  # default dir = (0, 1)
    c = Wordfish(solver="converged").fit(X)
    assert c.converged_
    assert abs(np.corrcoef(c.theta_, theta)[0, 1]) >= 0.99
    assert abs(c.theta_.mean()) < 1e-12 and abs(c.theta_.std(ddof=1) - 1) < 1e-12


def test_n_jobs_bit_identical(sim):
    X, _ = sim
    a = fit_quiet(Wordfish(n_jobs=1, max_iter=20), X)
    b = fit_quiet(Wordfish(n_jobs=2, max_iter=20), X)
    for k in ("theta_", "alpha_", "beta_", "psi_", "se_theta_", "trace_"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    # bootstrap: replicates in parallel (n_jobs=2, B=2) vs one at a time (n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ba = a.bootstrap(2, seed=7)
        bb = b.bootstrap(2, seed=7)
        assert np.array_equal(ba, bb)
        assert not np.array_equal(ba, a.bootstrap(2, seed=8))
    assert np.array_equal(a.predict(X[:5]), b.predict(X[:5]))
    q = fit_quiet(Wordfish(n_jobs=1, dispersion="quasipoisson", max_iter=5), X)
    r = fit_quiet(Wordfish(n_jobs=2, dispersion="quasipoisson", max_iter=5), X)
    assert np.array_equal(q.theta_, r.theta_) and np.array_equal(q.phi_, r.phi_)


def reference_first_iteration(Y, u, pb=1 / 9, pt=1.0):
    """Slow dense NumPy version of quanteda's start values and first outer iteration."""
    Y = np.asarray(Y, dtype=float)
    N, V = Y.shape
    r, c = Y.sum(1), Y.sum(0)
    T = r.sum()
    theta = (r / T) ** -0.5 * u
    theta = (theta - theta.mean()) / theta.std(ddof=1)
    beta = np.zeros(V)
    alpha = np.log(r) - np.log(r.mean())
    psi = np.log(c / N)

    def newton(p0, p1, g, h, step):
        det = h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]
        n0 = p0 - step * (h[1, 1] * g[0] - h[0, 1] * g[1]) / det
        n1 = p1 - step * (h[0, 0] * g[1] - h[1, 0] * g[0]) / det
        return n0, n1, max(abs(n0 - p0), abs(n1 - p1))

    for k in range(V):
        step = 0.5
        for _ in range(10):
            lam = np.exp(alpha + psi[k] + beta[k] * theta)
            g = [np.sum(Y[:, k] - lam), np.sum(theta * (Y[:, k] - lam)) - beta[k] * pb]
            h = np.array(
                [
                    [-lam.sum(), -np.sum(theta * lam)],
                    [-np.sum(theta * lam), -np.sum(theta**2 * lam) - pb],
                ]
            )
            psi[k], beta[k], cc = newton(psi[k], beta[k], g, h, step)
            step = 1.0
            if cc <= 1e-8:
                break
    for i in range(N):
        step = 0.5
        for _ in range(10):
            lam = np.exp(alpha[i] + psi + beta * theta[i])
            g = [np.sum(Y[i] - lam), np.sum(beta * (Y[i] - lam)) - theta[i] * pt]
            h = np.array(
                [
                    [-lam.sum(), -np.sum(beta * lam)],
                    [-np.sum(beta * lam), -np.sum(beta**2 * lam) - pt],
                ]
            )
            alpha[i], theta[i], cc = newton(alpha[i], theta[i], g, h, step)
            step = 1.0
            if cc <= 1e-8:
                break
    alpha = alpha - alpha.mean()
    theta = (theta - theta.mean()) / theta.std(ddof=1)
    if theta[0] > theta[1]:
        theta, beta = -theta, -beta
    return theta, alpha, psi, beta


def test_one_outer_iteration_matches_numpy_reference():
    X, _ = simulate(N=12, V=150, seed=3)
    u = residual_start(X)
    # The singular vector agrees with a dense SVD of the residual matrix (up to sign).
    Y = X.toarray().astype(float)
    E = np.outer(Y.sum(1), Y.sum(0)) / Y.sum()
    U = np.linalg.svd((Y - E) / np.sqrt(E))[0][:, 0]
    assert np.allclose(np.abs(u), np.abs(U), atol=1e-10)
    m = fit_quiet(Wordfish(max_iter=1, n_jobs=1), X)
    theta, alpha, psi, beta = reference_first_iteration(Y, u)
    np.testing.assert_allclose(m.theta_, theta, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(m.alpha_, alpha, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(m.psi_, psi, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(m.beta_, beta, rtol=1e-8, atol=1e-10)


def test_predict_and_groups(sim):
    X, _ = sim
    m = fit_quiet(Wordfish(max_iter=30), X, bootstrap=8)
    p, se = m.predict(X, return_se=True)
    assert np.corrcoef(p, m.theta_)[0, 1] > 0.99 and np.all(se > 0)
    groups = np.repeat(["a", "b", "c", "d", "e"], 10)
    gp = m.group_positions(groups)
    assert list(gp["group"]) == ["a", "b", "c", "d", "e"]
    assert np.allclose(gp["theta"], [m.theta_[i * 10 : (i + 1) * 10].mean() for i in range(5)])
    assert (gp["boot_low"] <= gp["boot_high"]).all()
    gd = m.group_distances(groups)
    assert len(gd) == 10 and {"distance", "boot_low", "boot_high"} <= set(gd.columns)
    docs = m.documents()
    assert {"theta", "se", "boot_low", "boot_high"} <= set(docs.columns)


def test_bad_inputs():
    X, _ = simulate(N=6, V=40, seed=5)
    with pytest.raises(ValueError, match="at least 3 documents"):
        Wordfish().fit(X[:2])
    Y = sp.vstack([X, sp.csr_matrix((1, X.shape[1]))]).tocsr()
    with pytest.raises(ValueError, match="no counts: 'd6'"):
        Wordfish().fit(Y, doc_names=[f"d{i}" for i in range(7)])
    Z = sp.hstack([X, sp.csr_matrix((X.shape[0], 1))]).tocsr()
    names = [f"w{j}" for j in range(Z.shape[1])]
    with pytest.raises(ValueError, match=f"feature.*'{names[-1]}'"):
        Wordfish().fit(Z, feature_names=names)
    with pytest.raises(ValueError, match="no document named 'zz'"):
        Wordfish(dir=("d0", "zz")).fit(X, doc_names=[f"d{i}" for i in range(6)])
    with pytest.raises(ValueError, match="outside"):
        Wordfish(dir=(0, 99)).fit(X)
    with pytest.raises(ValueError, match="priors"):
        Wordfish(priors=(1, 1, 0, 1)).fit(X)
    with pytest.raises(ValueError, match="non-negative"):
        Wordfish().fit(-X)
    with pytest.warns(ConvergenceWarning, match="after 2 iterations"):
        Wordfish(max_iter=2).fit(X)
    m = fit_quiet(Wordfish(), X)
    with pytest.raises(ValueError, match="feature columns"):
        m.predict(X[:, :5])


def test_wordscores_lbg_example():
    path = SHARED / "lbg_example.csv"
    if not path.exists():
        pytest.skip("../shared/data absent")
    d = pd.read_csv(path, index_col=0)
    y = [-1.5, -0.75, 0, 0.75, 1.5, np.nan]
    ws = Wordscores().fit(d.to_numpy(), y, doc_names=d.index)
    t = ws.scores(rescaling="lbg").set_index("document")
    assert round(t.loc["V1", "raw"], 3) == -0.448
    assert round(t.loc["V1", "se"], 4) == 0.0119
    assert round(t.loc["V1", "lbg"], 2) == -0.53
    assert round(t.loc["V1", "lbg"], 3) == -0.530
    mv = Wordscores(rescaling="mv").fit(d.to_numpy(), y).predict()
    assert round(mv[-1], 2) == -0.51 and round(mv[-1], 3) == -0.510
    assert mv[0] == pytest.approx(-1.5) and mv[4] == pytest.approx(1.5)
    # smoothing moves scores towards the centre; bad input is named
    sm = Wordscores(smooth=1).fit(d.to_numpy(), y).predict()
    assert abs(sm[-1]) < abs(ws.predict()[-1])
    with pytest.raises(ValueError, match="at least 2 reference"):
        Wordscores().fit(d.to_numpy(), [1, np.nan, np.nan, np.nan, np.nan, np.nan])
    with pytest.raises(ValueError, match="rescaling"):
        Wordscores(rescaling="zz").fit(d.to_numpy(), y)


def test_irish_budget_2010():
    path = SHARED / "irishbudget2010.csv"
    if not path.exists():
        pytest.skip("../shared/data absent")
    from sklearn.feature_extraction.text import CountVectorizer

    d = pd.read_csv(path)
    X = CountVectorizer(token_pattern=r"(?u)\b\w+\b").fit_transform(d["text"])
    m = Wordfish(dir=(5, 4)).fit(X, doc_names=d["doc_id"])
    assert m.converged_
    # Kenny (FG, opposition) < Cowen (FF, government); both FF speeches at the top
    assert m.theta_[5] < m.theta_[4]
    order = np.argsort(-m.theta_)
    assert set(order[:2]) == {0, 4}
    labour = m.theta_[d["party"].to_numpy() == "LAB"]
    assert (labour < 0).all()
    c = Wordfish(dir=("Kenny, Enda (FG)", "Cowen, Brian (FF)"), solver="converged").fit(
        X, doc_names=d["doc_id"]
    )
    assert c.converged_ and np.corrcoef(c.theta_, m.theta_)[0, 1] > 0.97


def test_cli_scale(tmp_path):
    path = SHARED / "irishbudget2010.csv"
    if not path.exists():
        pytest.skip("../shared/data absent")
    from click.testing import CliRunner

    from divergence.cli import main

    runner = CliRunner()
    out = tmp_path / "pos.csv"
    r = runner.invoke(
        main,
        [
            "scale",
            str(path),
            "--id-col",
            "doc_id",
            "--group-col",
            "party",
            "--dir",
            "Kenny, Enda (FG)",
            "Cowen, Brian (FF)",
            "--bootstrap",
            "4",
            "--format",
            "csv",
            "-o",
            str(out),
            "--plot",
            str(tmp_path / "p.png"),
            "--no-progress",
        ],
    )
    assert r.exit_code == 0, r.output
    docs = pd.read_csv(out)
    assert len(docs) == 14 and {"theta", "se", "boot_low", "boot_high"} <= set(docs.columns)
    assert (tmp_path / "pos.groups.csv").exists() and (tmp_path / "p.png").exists()
    d = pd.read_csv(path)
    d["score"] = np.nan
    d.loc[[0, 4], "score"] = 1.0  # FF (government)
    d.loc[[2, 7], "score"] = -1.0  # LAB (opposition)
    src = tmp_path / "ws.csv"
    d.to_csv(src, index=False)
    r = runner.invoke(
        main,
        [
            "scale",
            str(src),
            "--id-col",
            "doc_id",
            "--group-col",
            "party",
            "--method",
            "wordscores",
            "--ref-col",
            "score",
            "--no-progress",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "Wordscores" in r.output
    r = runner.invoke(
        main, ["scale", str(path), "--id-col", "doc_id", "--dir", "nobody", "Cowen, Brian (FF)"]
    )
    assert r.exit_code == 2


@pytest.mark.parametrize("shape", [(620, 900), (900, 620)])
def test_residual_start_eigsh_path_matches_dense_svd(shape):
    # More than 500 on the smaller side: the implicit Lanczos (eigsh) path, on either side.
    N, V = shape
    rng = np.random.default_rng(11)
    theta = rng.standard_normal(N)
    beta = rng.normal(0, 0.6, V)
    Y = rng.poisson(np.exp(rng.normal(-0.5, 0.5, V)[None, :] + np.outer(theta, beta)))
    Y[:, Y.sum(0) == 0] = 1
    Y[Y.sum(1) == 0, 0] = 1
    X = sp.csr_matrix(Y.astype(float))
    u = residual_start(X)
    E = np.outer(Y.sum(1), Y.sum(0)) / Y.sum()
    U, s, _ = np.linalg.svd((Y - E) / np.sqrt(E), full_matrices=False)
    assert s[0] > 1.05 * s[1]  # a separated top singular value: the vector is well defined
    assert u.shape == (N,) and abs(np.linalg.norm(u) - 1) < 1e-10
    assert np.allclose(np.abs(u), np.abs(U[:, 0]), atol=1e-8)


_HSET = dict(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _small(seed, N=12, V=120):
    X, _ = simulate(N=N, V=V, seed=seed)
    return X


@settings(**_HSET)
@given(seed=st.integers(0, 10_000), a=st.integers(0, 11), b=st.integers(0, 11))
def test_property_dir_orients_and_flips(seed, a, b):
    if a == b:
        b = (a + 1) % 12
    X = _small(seed)
    m = fit_quiet(Wordfish(dir=(a, b), max_iter=15, n_jobs=1), X)
    r = fit_quiet(Wordfish(dir=(b, a), max_iter=15, n_jobs=1), X)
    assert m.theta_[a] <= m.theta_[b] and r.theta_[b] <= r.theta_[a]
    # the same fit up to the sign of theta and beta
    np.testing.assert_allclose(m.theta_, -r.theta_, atol=1e-12)
    np.testing.assert_allclose(m.beta_, -r.beta_, atol=1e-12)
    np.testing.assert_allclose(m.alpha_, r.alpha_, atol=1e-12)


@settings(**_HSET)
@given(
    seed=st.integers(0, 10_000),
    perm_seed=st.integers(0, 10_000),
    solver=st.sampled_from(["quanteda", "converged"]),
)
def test_property_feature_permutation_invariance(seed, perm_seed, solver):
    X = _small(seed)
    perm = np.random.default_rng(perm_seed).permutation(X.shape[1])
    kw = dict(solver=solver, max_iter=15 if solver == "quanteda" else 200, n_jobs=1)
    m = fit_quiet(Wordfish(**kw), X)
    p = fit_quiet(Wordfish(**kw), X[:, perm])
    # summation order over features changes, so equal to rounding, not bit for bit
    np.testing.assert_allclose(p.theta_, m.theta_, atol=1e-6)
    np.testing.assert_allclose(p.beta_, m.beta_[perm], atol=1e-6)
    np.testing.assert_allclose(p.psi_, m.psi_[perm], atol=1e-6)


@settings(**_HSET)
@given(
    seed=st.integers(0, 10_000),
    jobs=st.integers(2, 4),
    solver=st.sampled_from(["quanteda", "converged"]),
)
def test_property_n_jobs_invariance(seed, jobs, solver):
    X = _small(seed, N=20, V=300)
    kw = dict(solver=solver, max_iter=10, n_jobs=1)
    a = fit_quiet(Wordfish(**kw), X)
    b = fit_quiet(Wordfish(**dict(kw, n_jobs=jobs)), X)
    for k in ("theta_", "alpha_", "beta_", "psi_", "se_theta_"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k


def test_converged_meets_the_constrained_optimality_conditions():
    """solver="converged" is the maximum of the penalised objective on the set mean(theta) = 0,
    sd(theta) = 1: the feature and alpha gradients vanish, and the theta gradient of the
    log-likelihood is mu * theta (+ a constant) with mu = prec_beta * sum(beta^2) / (N - 1)."""
    X, _ = simulate(N=30, V=600, seed=4)
    m = Wordfish(solver="converged", tol=1e-10, max_iter=5000, n_jobs=1).fit(X)
    assert m.converged_
    Y = X.toarray()
    mu_ij = np.exp(m.alpha_[:, None] + m.psi_[None, :] + np.outer(m.theta_, m.beta_))
    R = Y - mu_ij
    scale = np.abs(Y).sum() / Y.shape[0]
    assert np.abs(R.sum(axis=0)).max() < 1e-6 * scale  # psi
    assert np.abs(m.theta_ @ R - m.beta_ / 9.0).max() < 1e-6 * scale  # beta, prior sd 3
    assert np.abs(R.sum(axis=1)).max() < 1e-6 * scale  # alpha
    g = R @ m.beta_  # d loglik / d theta
    mult = (m.beta_**2).sum() / 9.0 / (len(m.theta_) - 1)
    assert np.abs(g - mult * m.theta_ - (g - mult * m.theta_).mean()).max() < 1e-5 * scale
    # And its objective is at least the default's (both with theta standardised).
    q = fit_quiet(Wordfish(n_jobs=1), X)
    assert m.logpost_ >= q.logpost_ - 1e-6 * abs(q.logpost_)


# ----------------------------------------------------------------------------------------------
# A corpus with one document in another language (issue 12 point 2): the example corpus plus a
# Spanish statement (our translation of the example corpus's s001). The residual start singles
# it out, the default procedure stops after one iteration, and the converged solver used to
# overflow within two.

SPANISH = (
    "El gobierno ha dicho muchas veces que está dispuesto a sentarse con los representantes de "
    "los residentes armenios de la región. Esa conversación es un asunto interno y no necesita "
    "acompañantes extranjeros. Cuanto antes traten directamente con la capital, antes se podrán "
    "resolver las cuestiones cotidianas de sus vidas. No tenemos ninguna objeción a que las "
    "fuerzas de paz ayuden con la logística, pero el fondo de la conversación pertenece a "
    "nuestro país y a sus ciudadanos. Pedimos a todas las partes que respeten los acuerdos "
    "firmados y que eviten declaraciones que alimenten la desconfianza entre las comunidades."
)


def spanish_frame():
    from divergence import example_path

    d = pd.read_csv(example_path())
    row = d.iloc[[0]].copy()
    row["id"], row["text"] = "s171", SPANISH
    return pd.concat([d, row], ignore_index=True)


@pytest.fixture(scope="module")
def spanish():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from divergence import Corpus, ScalingCounts, Vectorizer

    c = Corpus.from_frame(spanish_frame(), group_col="party")
    return ScalingCounts.from_corpus(c, Vectorizer(stop_words=sorted(ENGLISH_STOP_WORDS)))


def caught_messages(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [(w.category, str(w.message)) for w in caught]


def test_default_stopping_early_warns_and_its_bootstrap_varies(spanish):
    from divergence import ScalingWarning

    X, docs, groups = spanish.counts, spanish.documents, spanish.groups
    m, msgs = caught_messages(
        lambda: Wordfish(dir=spanish.default_dir(), n_jobs=2).fit(X, doc_names=docs)
    )
    assert m.n_iter_ == 1
    early = [t for c, t in msgs if c is ConvergenceWarning]
    assert len(early) == 1 and "after 1 iteration" in early[0] and "converged" in early[0]
    assert any(c is ScalingWarning and "'s171'" in t for c, t in msgs)
    assert m.outlier_ == docs.index("s171")
    tb, _ = caught_messages(lambda: m.bootstrap(10, seed=3))
    # Replicates run past their start (they all stopped after one iteration, near the fit).
    assert m.boot_n_iter_.max() > 1
    sd = tb.std(axis=0, ddof=1)
    assert (sd > 1e-6).all()
    ratio = np.median(sd) / np.median(m.se_theta_)
    assert 0.5 <= ratio <= 2, ratio
    d = m.documents()
    assert (d["boot_high"] - d["boot_low"] > 1e-6).all()
    gp, gd = m.group_positions(groups), m.group_distances(groups)
    assert (gp["boot_high"] - gp["boot_low"] > 1e-6).all()
    assert (gd["boot_high"] - gd["boot_low"] > 1e-6).all()


def test_converged_solver_survives_a_document_in_another_language(spanish):
    from divergence import ScalingWarning

    X, docs = spanish.counts, spanish.documents
    m, msgs = caught_messages(
        lambda: Wordfish(solver="converged", dir=spanish.default_dir(), n_jobs=2).fit(
            X, doc_names=docs
        )
    )
    assert m.converged_
    for a in (m.theta_, m.alpha_, m.beta_, m.psi_, m.se_theta_):
        assert np.isfinite(a).all()
    assert np.isfinite(m.logpost_)
    assert abs(m.theta_.mean()) < 1e-9 and abs(m.theta_.std(ddof=1) - 1) < 1e-9
    # The Spanish statement is named as dominating; without it nothing is.
    assert m.outlier_ == docs.index("s171")
    assert [t for c, t in msgs if c is ScalingWarning and "'s171'" in t]
    keep = [i for i, d in enumerate(docs) if d != "s171"]
    Xk = X[keep]
    Xk = Xk[:, np.flatnonzero(np.asarray(Xk.sum(axis=0)).ravel() > 0)]
    m2 = Wordfish(solver="converged", n_jobs=2).fit(Xk)
    assert m2.outlier_ is None
    # Same bits for any number of threads with the step control.
    m1 = Wordfish(solver="converged", dir=spanish.default_dir(), n_jobs=1)
    m1, _ = caught_messages(lambda: m1.fit(X, doc_names=docs))
    assert np.array_equal(m1.theta_, m.theta_) and m1.n_iter_ == m.n_iter_


def test_numerical_failure_names_the_document(monkeypatch, sim):
    from divergence import _core

    X, _ = sim
    names = [f"d{i}" for i in range(X.shape[0])]
    real = _core.wordfish_fit

    def some_nan(*a, **k):
        res = real(*a, **k)
        res["se_theta"][3] = np.nan
        return res

    monkeypatch.setattr(_core, "wordfish_fit", some_nan)
    with pytest.raises(FloatingPointError, match="document.*'d3'"):
        fit_quiet(Wordfish(), X, doc_names=names)

    def all_nan(*a, **k):
        res = real(*a, **k)
        res["theta"][:] = np.nan
        return res

    monkeypatch.setattr(_core, "wordfish_fit", all_nan)
    u = residual_start(X)
    r = np.asarray(X.sum(axis=1)).ravel()
    start = u / np.sqrt(r / r.sum())
    k = int(np.argmax(np.abs(start - start.mean())))
    with pytest.raises(FloatingPointError, match=f"single out document 'd{k}'"):
        fit_quiet(Wordfish(), X, doc_names=names)


def test_outlier_rule():
    from divergence._scaling import _outlier

    rng = np.random.default_rng(0)
    t = rng.standard_normal(200)
    assert _outlier(t) is None
    t[17] = 40.0
    assert _outlier(t) == 17
    t[18] = -39.0  # two far documents: neither dominates alone
    assert _outlier(t) is None


def test_default_dir_contrasts_two_groups():
    import scipy.sparse as sps

    from divergence import ScalingCounts

    def counts(groups):
        n = len(groups)
        return ScalingCounts(
            counts=sps.csr_matrix(np.ones((n, 2))),
            documents=[f"d{i}" for i in range(n)],
            groups=groups,
            features=["a", "b"],
            rows=np.arange(n),
            frame=pd.DataFrame(index=range(n)),
        )

    assert counts(["D", "D", "D", "R", "D"]).default_dir() == (0, 3)
    assert counts(["D", "D", "D"]).default_dir() == (0, 1)


def test_cli_scale_notes_direction_and_numerical_failure(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from divergence import _core
    from divergence.cli import main

    src = tmp_path / "es.csv"
    spanish_frame().to_csv(src, index=False)
    runner = CliRunner()
    r = runner.invoke(main, ["scale", str(src), "--group-col", "party", "--no-progress"])
    assert r.exit_code == 0, r.output
    err = r.stderr
    # The library's warnings as one-line notes, no Python source line.
    assert "note: Wordfish (default procedure) stopped after 1 iteration(s)" in err
    assert "--solver converged" in err and "solver='converged'" not in err
    assert "note: Wordfish: document 's171' dominates the dimension" in err
    assert "Warning" not in err and "warnings.warn" not in err and ".py:" not in err
    # Default direction: documents of two different groups, printed.
    assert "note: direction: s001 (Azerbaijan) < s002 (Karabakh Armenians)" in err
    assert "direction s001 (Azerbaijan) < s002 (Karabakh Armenians)" in r.stdout
    assert "1 iteration(s), stopped early (the log-posterior fell; see the note)" in r.stdout
    real = _core.wordfish_fit

    def some_nan(*a, **k):
        res = real(*a, **k)
        res["se_theta"][170] = np.nan
        return res

    monkeypatch.setattr(_core, "wordfish_fit", some_nan)
    r = runner.invoke(main, ["scale", str(src), "--group-col", "party", "--no-progress"])
    assert r.exit_code == 1, r.output
    assert "numerical failure" in r.stderr and "'s171'" in r.stderr
