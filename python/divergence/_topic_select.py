"""Choosing the number of topics (:func:`select_k`): held-out fit with a one-standard-error rule.

Each candidate K is fitted on a seeded training split (by default 80% of the statements) and
scored on the held-out rest by document completion (the same measure for LDA and NMF;
definition in :mod:`divergence._topics`, "Held-out fit"; Wallach et al. 2009): each held-out
statement's tokens are split in two seeded halves, its topic shares are fitted on the first
half with the topics fixed, and the second half is scored. The score is the held-out
log-likelihood per token L (nats; higher is better), reported also as the perplexity exp(-L)
(lower is better; the uniform guess over the V terms scores V; comparable across K).
scikit-learn's own held-out ``perplexity`` is not comparable across K: it adds the topic-word
prior term divided by the held-out token count (scikit-learn issue #20032), so on small held-out
sets it grows with K and exceeds V.

Standard error: L = sum_d l_d / sum_d n_d over the m held-out statements (l_d the
log-likelihood of statement d's second half, n_d its tokens) is a ratio estimator; its standard
error is ``sqrt(m / (m - 1) * sum_d (l_d - L n_d)^2) / sum_d n_d`` (delta method, statements
as the sampling units).

**Rule** (the one-standard-error rule of Breiman et al. 1984, as in Hastie, Tibshirani and
Friedman, section 7.10): the smallest K whose L is within ``se_margin`` (default 1) standard
errors of the best L (the standard error of the best K's score). More topics than the data
hold fit about as well as the right number (spare topics split real ones); the rule keeps the
smaller. Coherence (mean NPMI of the topics' top words on all statements) is reported, not
used.

Fits start from anchor words (``TopicModel(init="anchors")``, the default): with scikit-learn's
random LDA start, fits at the right K often merged two topics and split another (held-out
perplexity 10-20% worse than the planted solution), and a larger K with spare topics then
looked better. Measured (benchmarks/topic_select_planted.py; planted corpora as in
tests/test_topic_select.py, candidates {K/2, K, 2K}, default settings): see docs/topics.md.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ._topics import TAG_HOLDOUT, TextsOrCounts, TopicModel, is_texts, texts_of
from ._util.operands import as_csr
from ._util.types import VectorizerLike
from ._util.validation import check_real, sklearn_seed

__all__ = ["select_k"]


# ---------------------------------------------------------------------------------------------
# Choosing k


def _holdout_split(n: int, holdout: float, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    holdout = check_real(
        holdout, "holdout", low=0, high=1, low_open=True, high_open=True, hint=" (a share)"
    )
    if n < 2:
        raise ValueError(f"holdout: needs at least 2 statements with tokens, got {n}")
    rng = np.random.default_rng([seed, TAG_HOLDOUT])
    perm = rng.permutation(n)
    n_test = min(n - 1, max(1, int(round(holdout * n))))
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


def standard_error_of_ratio(values: np.ndarray, weights: np.ndarray) -> Tuple[float, float]:
    """``(sum(values) / sum(weights), its standard error)`` over m units (delta method:
    ``sqrt(m / (m - 1) * sum((values - R weights)^2)) / sum(weights)``; nan for m < 2)."""
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    total = float(w.sum())
    ratio = float(v.sum()) / total
    m = v.size
    if m < 2:
        return ratio, float("nan")
    resid = v - ratio * w
    return ratio, float(np.sqrt(m / (m - 1) * float(resid @ resid)) / total)


def select_k(
    X: TextsOrCounts,
    ks: Sequence[int],
    *,
    method: str = "lda",
    seed: int = 0,
    holdout: float = 0.2,
    se_margin: float = 1.0,
    n_jobs: Optional[int] = None,
    vectorizer: Optional[VectorizerLike] = None,
    **params: Any,  # TopicModel's other parameters (ints, floats, strings)
) -> Tuple[pd.DataFrame, int]:
    """Compare candidate numbers of topics; returns ``(table, chosen_k)``.

    Each k is fitted on a seeded training split and scored on the held-out statements by
    document completion (:meth:`TopicModel.completion_logliks`, the halves split with
    ``seed``): ``heldout_loglik`` is the log-likelihood per held-out token in nats (higher is
    better) with its standard error ``heldout_se``, ``heldout`` the same as a perplexity
    (exp(-loglik); lower is better, the uniform guess scores the vocabulary size).
    Rule: the smallest k whose held-out log-likelihood is within ``se_margin`` standard errors
    of the best (``within_margin``). On corpora with planted topics it picks the planted k
    among {k/2, k, 2k} (measured success rates: docs/topics.md). ``coherence`` (mean NPMI of
    the topics' top words on all statements; higher is more coherent) is reported, not used.
    ``params`` go to :class:`TopicModel`. X: counts, or texts / a Corpus (counted once with
    ``vectorizer``).

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> table, k = dv.select_k(corpus, [2, 3])
    >>> table[["k", "within_margin", "chosen"]].to_dict("list"), k
    ({'k': [2, 3], 'within_margin': [True, True], 'chosen': [True, False]}, 2)
    """
    ks = [int(k) for k in ks]
    if not ks:
        raise ValueError("k: give at least one candidate")
    if len(set(ks)) != len(ks):
        raise ValueError(f"k: candidates repeat: {ks}")
    se_margin = check_real(se_margin, "se_margin", low=0)
    seed_v = sklearn_seed(seed)
    if is_texts(X):
        from sklearn.base import clone

        from ._text import Vectorizer

        vec = clone(vectorizer) if vectorizer is not None else Vectorizer(n_jobs=n_jobs)
        try:
            X = vec.fit_transform(texts_of(X))
        except ValueError as e:  # as TopicModel.fit says it
            raise ValueError(f"empty corpus after filtering: {e}") from e
    A = as_csr(X, drop_zeros=True)
    keep = np.flatnonzero(np.asarray(A.sum(axis=1)).ravel() > 0)
    if keep.size == 0:
        raise ValueError("empty corpus after filtering: no statement has a token left")
    A = A[keep]
    train, test = _holdout_split(A.shape[0], holdout, seed_v)
    rows = []
    n_scored = 0
    for k in ks:
        m = TopicModel(k=k, method=method, seed=seed_v, n_jobs=n_jobs, **params)
        m._fit_counts(A[train], None, None)
        ll, tokens = m.completion_logliks(A[test], seed=seed_v)
        n_scored = int(ll.size)
        loglik, se = standard_error_of_ratio(ll, tokens)
        coh = m.coherence(A)
        rows.append(
            {
                "k": k,
                "heldout_metric": "completion_perplexity",
                "heldout": float(np.exp(-loglik)),
                "heldout_loglik": loglik,
                "heldout_se": se,
                "coherence": float(np.mean(coh)),
                "coherence_min": float(np.min(coh)),
                "n_iter": m.n_iter_,
                "converged": m.converged_,
            }
        )
    table = pd.DataFrame(rows)
    best = int(np.argmax(table["heldout_loglik"].to_numpy()))
    best_se = float(table["heldout_se"].iloc[best])
    margin = se_margin * (best_se if np.isfinite(best_se) else 0.0)
    floor = float(table["heldout_loglik"].iloc[best]) - margin
    ok = table["heldout_loglik"] >= floor
    chosen = int(table.loc[ok, "k"].min())
    table["within_margin"] = ok.to_numpy()
    table["chosen"] = table["k"] == chosen
    table.attrs.update(
        n_train=int(train.size),
        n_heldout=int(test.size),
        n_scored=n_scored,
        n_terms=int(A.shape[1]),
        se_margin=float(se_margin),
        unit="nats per held-out token",
        rule=f"smallest k whose held-out log-likelihood per token is within {se_margin:g} "
        f"standard error(s) ({margin:.4f} nats) of the best (k={int(table['k'].iloc[best])})",
    )
    return table, chosen
