"""Choosing the number of topics (:func:`select_k`): held-out fit and coherence.

Each candidate K is fitted on a seeded training split (by default 80% of the statements) and
scored on the held-out rest by the document-completion perplexity (the same measure for LDA
and NMF; definition in :mod:`divergence._topics`, "Held-out fit"; Wallach et al. 2009): each
held-out statement's tokens are split in two seeded halves, its topic shares are fitted on the
first half with the topics fixed, and the second half is scored, exp(-log-likelihood / tokens);
lower is better, the uniform guess over the V terms scores V, and it is comparable across K.
(scikit-learn's own held-out ``perplexity`` is not: it adds the topic-word prior term divided
by the held-out token count, scikit-learn issue #20032, so on small held-out sets it grows with
K and exceeds V; NMF's reconstruction error fits W to the scored counts themselves.) Each K is
also scored by the mean coherence of its topics on the whole corpus. **Rule**: among the
candidates whose held-out score is within ``tolerance`` (default 5%) of the best one, pick the
one with the highest mean coherence; ties go to the smaller K.

Limit: each K is fitted once. A fit at the right K that lands in a local optimum (two topics
merged, another split) scores worse than a fit with spare topics, and the rule then picks the
larger K; on planted corpora this happens for some seeds, more often with LDA (random start)
than with NMF (SVD start).
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


def select_k(
    X: TextsOrCounts,
    ks: Sequence[int],
    *,
    method: str = "lda",
    seed: int = 0,
    holdout: float = 0.2,
    tolerance: float = 0.05,
    n_jobs: Optional[int] = None,
    vectorizer: Optional[VectorizerLike] = None,
    **params: Any,  # TopicModel's other parameters (ints, floats, strings)
) -> Tuple[pd.DataFrame, int]:
    """Compare candidate numbers of topics; returns ``(table, chosen_k)``.

    Each k is fitted on a seeded training split and scored on the held-out statements by the
    document-completion perplexity (:meth:`TopicModel.completion_perplexity`, the halves split
    with ``seed``; lower is better, the uniform guess scores the vocabulary size); coherence is
    the mean NPMI of the topics' top words on all statements (higher is better). Rule: among
    the k whose held-out score is within ``tolerance`` (relative) of the best, the one with the
    highest mean coherence; ties to the smaller k. ``params`` go to :class:`TopicModel`.
    X: counts, or texts / a Corpus (counted once with ``vectorizer``)."""
    ks = [int(k) for k in ks]
    if not ks:
        raise ValueError("k: give at least one candidate")
    if len(set(ks)) != len(ks):
        raise ValueError(f"k: candidates repeat: {ks}")
    check_real(tolerance, "tolerance", low=0)
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
    for k in ks:
        m = TopicModel(k=k, method=method, seed=seed_v, n_jobs=n_jobs, **params)
        m._fit_counts(A[train], None, None)
        name, score = m.heldout_score(A[test], seed=seed_v)
        coh = m.coherence(A)
        rows.append(
            {
                "k": k,
                "heldout_metric": name,
                "heldout": score,
                "coherence": float(np.mean(coh)),
                "coherence_min": float(np.min(coh)),
                "n_iter": m.n_iter_,
                "converged": m.converged_,
            }
        )
    table = pd.DataFrame(rows)
    best = float(table["heldout"].min())
    ok = table["heldout"] <= best + abs(best) * float(tolerance)
    cand = table[ok].sort_values(["coherence", "k"], ascending=[False, True], kind="stable")
    chosen = int(cand["k"].iloc[0])
    table["within_tolerance"] = ok.to_numpy()
    table["chosen"] = table["k"] == chosen
    table.attrs.update(
        n_train=int(train.size),
        n_heldout=int(test.size),
        tolerance=float(tolerance),
        rule=f"lowest held-out {table['heldout_metric'].iloc[0]} within {tolerance:.0%} of the "
        "best, then highest mean coherence (NPMI), then smaller k",
    )
    return table, chosen
