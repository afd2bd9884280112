"""Topic drift: statement-level topic mixtures (TopicModel.fit_transform) fed to
divergence.drift. A window's distribution is the mean of its statements' mixtures; a planted
shift in topic prevalence over time is found by drift + changepoints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import divergence as dv

K, WORDS_PER_TOPIC, N, CHANGE = 3, 20, 600, 300


def planted_corpus(seed: int = 0):
    """Topics on disjoint word blocks; statements before CHANGE mix topics 0 and 1, after it
    mostly topic 2. Returns counts (CSR), yearly-free dates (one per day, sorted)."""
    rng = np.random.default_rng(seed)
    V = K * WORDS_PER_TOPIC
    beta = np.zeros((K, V))
    for k in range(K):
        beta[k, k * WORDS_PER_TOPIC : (k + 1) * WORDS_PER_TOPIC] = rng.dirichlet(
            np.ones(WORDS_PER_TOPIC)
        )
    rows = []
    for i in range(N):
        alpha = np.array([5.0, 5.0, 0.3]) if i < CHANGE else np.array([0.5, 0.5, 8.0])
        theta = rng.dirichlet(alpha)
        rows.append(rng.multinomial(60, theta @ beta))
    X = sp.csr_matrix(np.asarray(rows, dtype=np.float64))
    times = pd.date_range("2020-01-01", periods=N, freq="D")
    return X, times


@pytest.fixture(scope="module")
def mixtures():
    X, times = planted_corpus()
    theta = dv.TopicModel(k=K, method="lda", seed=0, max_iter=30, n_jobs=1).fit_transform(X)
    return X, theta, times


def test_dense_mixture_windows_are_mean_mixtures(mixtures):
    _, theta, _ = mixtures
    assert theta.shape == (N, K)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0, atol=1e-12)
    window, step = 50, 25
    for mode in ("adjacent", "baseline"):
        df = dv.drift(theta, window=window, step=step, mode=mode, n_jobs=2)
        starts = np.arange(0, N - window + 1, step)
        means = [theta[b : b + window].mean(axis=0) for b in starts]
        ref = means[0]
        for w, _b in enumerate(starts):
            other = means[w - 1] if mode == "adjacent" else ref
            if mode == "adjacent" and w == 0:
                assert np.isnan(df.value.iloc[0])
                continue
            m = 0.5 * (means[w] + other)
            want = 0.5 * np.sum(means[w] * np.log(means[w] / m)) + 0.5 * np.sum(
                other * np.log(other / m)
            )
            assert df.value.iloc[w] == pytest.approx(want, rel=1e-9, abs=1e-13)
        assert (df.n_statements == window).all()
        assert (df.n_tokens == window).all()  # mixture mass = number of statements
        # Same numbers for any thread count, and for incremental=False (summed from scratch).
        one = dv.drift(theta, window=window, step=step, mode=mode, n_jobs=1)
        scratch = dv.drift(theta, window=window, step=step, mode=mode, incremental=False)
        np.testing.assert_array_equal(df.value.to_numpy(), one.value.to_numpy())
        np.testing.assert_array_equal(df.value.to_numpy(), scratch.value.to_numpy())


def test_dense_equals_csr_of_floats(mixtures):
    _, theta, times = mixtures
    a = dv.drift(theta, times=times, window="60D", step="30D", mode="adjacent", metric="hellinger")
    b = dv.drift(
        sp.csr_matrix(theta),
        times=times,
        window="60D",
        step="30D",
        mode="adjacent",
        metric="hellinger",
    )
    np.testing.assert_array_equal(a.value.to_numpy(), b.value.to_numpy())


@pytest.mark.parametrize("mode", ["baseline", "adjacent"])
def test_planted_topic_shift_found(mixtures, mode):
    _, theta, times = mixtures
    step = 20
    df = dv.drift(theta, times=times, window=40, step=step, mode=mode)
    if mode == "baseline":
        # Level shift: low before the change, high after.
        series = df.value
        cp = dv.changepoints(series, times=df.window_start, permutations=199, seed=1)
        assert len(cp) >= 1
        best = cp.sort_values("gain", ascending=False).iloc[0]
        assert best.mean_after > best.mean_before
        change_time = times[CHANGE]
        # The first window starting after the change, within one step.
        assert abs((pd.Timestamp(best.time) - change_time).days) <= step
        assert best.p_value < 0.05
    else:
        # Adjacent drift peaks where a window pair straddles the change.
        v = df.value.to_numpy()
        k = int(np.nanargmax(v))
        assert df.window_start.iloc[k] <= times[CHANGE] + pd.Timedelta(days=step)
        assert df.window_end.iloc[k] >= times[CHANGE] - pd.Timedelta(days=step)
        assert v[k] > 5 * np.nanmedian(v)


def test_topic_drift_between_groups(mixtures):
    _, theta, times = mixtures
    groups = np.where(np.arange(N) % 2 == 0, "a", "b")
    df = dv.drift(
        theta,
        times=times,
        groups=groups,
        window="60D",
        step="60D",
        mode="between",
        bootstrap=20,
        permutations=20,
        seed=3,
    )
    assert set(df.group_a) == {"a"} and set(df.group_b) == {"b"}
    assert np.isfinite(df.value).all()
