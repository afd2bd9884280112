"""Topic models: on what do the groups differ?

:class:`TopicModel` wraps scikit-learn's ``LatentDirichletAllocation`` (``method="lda"``) or
``NMF`` (``method="nmf"``) on our CSR term counts as a scikit-learn estimator (``fit``,
``transform``, ``fit_transform``, ``get_feature_names_out``); :func:`compare_topics` compares
groups in topic space. Everything is reproducible: one ``seed`` fixes every random step, and the
results do not depend on ``n_jobs``.

Definitions
-----------
Topic-word distributions (``components_``, K topics x V terms, rows sum to 1)
    LDA: scikit-learn's variational topic-word parameters, each row normalised. NMF: the rows
    of H normalised (H is X ~ W H); with ``beta_loss="kullback-leibler"`` (the default) NMF is
    probabilistic latent semantic analysis, so these are topic-word distributions in the same
    sense as LDA's.
Statement mixtures (``transform``, N x K, rows sum to 1): the topic shares theta of each
    statement. LDA: the normalised variational document-topic parameters. NMF: the row of W
    rescaled by the row sums of H (so W_dk * sum_w H_kw is the part of statement d's counts that
    topic k explains) and normalised. A statement with no tokens (or an NMF row of zeros) has no
    information and gets the uniform mixture 1/K. Rows are dense float64 and can be passed to
    :func:`divergence.pairwise` / :func:`divergence.nearest` as they are.
Top words by probability: the terms with the largest beta_kw (ties: lower column first).
FREX (Roberts, Stewart and Airoldi 2016, as the R package ``stm``): for topic k and term w,
    with beta_kw the topic-word probability and exclusivity E_kw = beta_kw / sum_j beta_jw,
    ``FREX_kw = 1 / (w_e / ECDF_k(E_kw) + (1 - w_e) / ECDF_k(beta_kw))`` where ECDF_k is the
    empirical CDF over the V terms within topic k (rank / V, ties taking the largest rank)
    and w_e = ``frex_weight`` (default 0.5: the harmonic mean of the two ranks). Frequent and
    exclusive words score near 1; frequent words shared by every topic ("the") score low.
Labels (``labels_``): ``"topic<i>: "`` followed by the three top FREX words.
Coherence (``coherence_``, :func:`coherence`): the mean NPMI (normalised pointwise mutual
    information) over all pairs of a topic's top ``n_top_words`` words by probability, from the
    number of documents that contain each word and each pair (computed in the compiled core,
    in parallel, identical for any thread count): NPMI = ln(P(a,b) / (P(a) P(b))) / -ln P(a,b),
    -1 for a pair never seen together, +1 for a pair in every document; in [-1, 1], higher is
    more coherent.

Choosing K (:func:`select_k`): each candidate K is fitted on a seeded training split (by default
80% of the statements) and scored on the held-out rest: LDA by held-out perplexity (scikit-
learn's ``perplexity``: exp(-bound / held-out tokens), lower is better), NMF by the
reconstruction error per held-out token (the ``beta_loss`` divergence between the counts and
W H, W fitted to the held-out statements with H fixed; lower is better); and by the mean
coherence of its topics on the whole corpus. **Rule**: among the candidates whose held-out score
is within ``tolerance`` (default 5%) of the best one, pick the one with the highest mean
coherence; ties go to the smaller K.

Threads: scikit-learn's own ``n_jobs`` for LDA splits the E-step over processes, which changes
the order of floating-point sums (and, during ``fit``, the random initial values): results then
differ between thread counts. So scikit-learn always runs with ``n_jobs=1``; ``n_jobs`` here
sets the threads of our compiled parts (tokenising, coherence, the group comparison).

Persistence: :meth:`TopicModel.save` / :meth:`TopicModel.load` (joblib). Loading runs pickle
code: load only files you trust. A model refuses data whose vocabulary differs from its own
(:meth:`TopicModel.check_vocabulary`), with a message naming the difference.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from . import _core
from .measures import METRICS, _check_metric, contributions, pairwise, resolve_n_jobs

__all__ = [
    "TopicModel",
    "TopicComparison",
    "compare_topics",
    "coherence",
    "frex",
    "select_k",
    "METHODS",
]

METHODS = ("lda", "nmf")
BETA_LOSSES = ("kullback-leibler", "frobenius")
DEFAULT_MAX_ITER = {"lda": 30, "nmf": 300}
_FORMAT = "divergence.TopicModel"
_FORMAT_VERSION = 1
# Random stream tags (NumPy SeedSequence entropy [seed, tag, ...]) of the Python-side replicates.
_TAG_PREVALENCE_BOOT = 101
_TAG_TOPIC_PERM = 102
_TAG_HOLDOUT = 103


# ---------------------------------------------------------------------------------------------
# Small helpers


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_texts(X: Any) -> bool:
    """A Corpus, or a 1-d sequence of str/bytes (statements to tokenise)."""
    from .corpus import Corpus

    if isinstance(X, Corpus):
        return True
    if isinstance(X, pd.Series):
        return X.dtype == object and len(X) > 0 and isinstance(X.iloc[0], (str, bytes))
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.dtype.kind in "OUS" and X.size > 0 and isinstance(X.flat[0], (str, bytes, np.str_))
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and all(isinstance(x, (str, bytes)) for x in X)
    return False


def _texts(X: Any) -> List[Any]:
    from .corpus import Corpus

    if isinstance(X, Corpus):
        return list(X.text)
    return [str(x) if isinstance(x, np.str_) else x for x in list(X)]


def _csr(X: Any) -> sp.csr_matrix:
    A = sp.csr_matrix(X, dtype=np.float64)
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    return A


def _core_csr(A: sp.csr_matrix) -> tuple:
    return (
        np.ascontiguousarray(A.indptr, dtype=np.int64),
        np.ascontiguousarray(A.indices, dtype=np.int32),
        np.ascontiguousarray(A.data, dtype=np.float64),
        int(A.shape[1]),
    )


def _seed_value(seed: Any) -> int:
    if isinstance(seed, (bool, np.bool_)) or not _is_int(seed) or seed < 0:
        raise ValueError(f"seed: must be a non-negative integer, got {seed!r}")
    return int(seed) % (2**32)  # scikit-learn's random_state range


def _order_desc(values: np.ndarray) -> np.ndarray:
    """Column order by decreasing value, ties by lower column (stable)."""
    return np.argsort(-values, kind="stable")


def _ecdf_rows(M: np.ndarray) -> np.ndarray:
    """Row-wise empirical CDF: (number of entries in the row <= value) / row length."""
    V = M.shape[1]
    out = np.empty_like(M, dtype=np.float64)
    for i, row in enumerate(M):
        srt = np.sort(row)
        out[i] = np.searchsorted(srt, row, side="right") / V
    return out


def frex(components: Any, weight: float = 0.5) -> np.ndarray:
    """FREX scores (K x V) of topic-word distributions (see the module docstring).

    ``weight`` is the weight on exclusivity, in [0, 1]; 0 ranks by frequency alone, 1 by
    exclusivity alone."""
    B = np.asarray(components, dtype=np.float64)
    if B.ndim != 2:
        raise ValueError(f"components: expected a 2-d array (topics x terms), got shape {B.shape}")
    if not (isinstance(weight, numbers.Real) and 0.0 <= float(weight) <= 1.0):
        raise ValueError(f"frex_weight: must be a number in [0, 1], got {weight!r}")
    w = float(weight)
    col = B.sum(axis=0)
    E = np.divide(B, col, out=np.zeros_like(B), where=col > 0)
    Fe, Ff = _ecdf_rows(E), _ecdf_rows(B)
    return 1.0 / (w / Fe + (1.0 - w) / Ff)


def coherence(
    X: Any,
    topics: Sequence[Sequence[int]],
    *,
    n_jobs: Optional[int] = None,
    pairs: bool = False,
) -> Any:
    """NPMI coherence of each word list in ``topics`` (lists of column ids, >= 2 distinct ids
    each) from document co-occurrence in the reference counts ``X`` (statements x terms; only
    which entries are non-zero matters). Computed in the compiled core; see the module docstring.

    Returns a float64 array (one value per topic), or with ``pairs=True`` also the list of
    per-topic arrays of pair NPMI values (pairs (i, j), i < j, in row-major order)."""
    A = _csr(X)
    if A.shape[0] == 0:
        raise ValueError("X: the reference corpus has no statements")
    lists = [np.asarray(t, dtype=np.int64).ravel() for t in topics]
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(t) for t in lists])
    words = np.concatenate(lists).astype(np.int32) if lists else np.zeros(0, dtype=np.int32)
    values, pair_values = _core.npmi_coherence(_core_csr(A), ptr, words, resolve_n_jobs(n_jobs))
    if not pairs:
        return values
    sizes = [len(t) * (len(t) - 1) // 2 for t in lists]
    return values, np.split(pair_values, np.cumsum(sizes)[:-1]) if lists else []


def _vocab_difference(expected: Sequence[str], got: Sequence[str], what: str = "the data") -> Optional[str]:
    """None when equal, else a message naming the difference."""
    expected = [str(t) for t in expected]
    got = [str(t) for t in got]
    if expected == got:
        return None
    se, sg = set(expected), set(got)
    only_model = [t for t in expected if t not in sg]
    only_data = [t for t in got if t not in se]

    def show(ts: List[str]) -> str:
        shown = ", ".join(repr(t) for t in ts[:5])
        return shown + (f" and {len(ts) - 5} more" if len(ts) > 5 else "")

    parts = [f"the model has {len(expected)} terms, {what} {len(got)}"]
    if only_model:
        parts.append(f"{len(only_model)} only in the model ({show(only_model)})")
    if only_data:
        parts.append(f"{len(only_data)} only in {what} ({show(only_data)})")
    if not only_model and not only_data:
        i = next(i for i, (a, b) in enumerate(zip(expected, got)) if a != b)
        parts.append(f"the same terms in a different order (column {i}: model {expected[i]!r}, {what} {got[i]!r})")
    return (
        "vocabulary mismatch: " + "; ".join(parts)
        + ". Count the statements with the model's own vectorizer (pass texts or a Corpus), or refit."
    )


try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def _validate_data(est: Any, X: Any, **kw: Any) -> Any:
        return est._validate_data(X, **kw)


# ---------------------------------------------------------------------------------------------
# The estimator


class TopicModel(TransformerMixin, BaseEstimator):
    """Topic model (LDA or NMF) on term counts, as a scikit-learn transformer.

    Parameters
    ----------
    k : int, default 10
        Number of topics (>= 2, at most the vocabulary size).
    method : {"lda", "nmf"}, default "lda"
        ``LatentDirichletAllocation`` (batch variational Bayes) or ``NMF``.
    seed : int, default 0
        Random seed (scikit-learn's ``random_state``): same seed, same topics.
    max_iter : int or None
        Passes over the data; None: 30 for LDA, 300 for NMF.
    n_jobs : int or None
        Threads of our compiled parts (tokenising, coherence); None = all usable CPUs.
        scikit-learn itself always runs serially (see the module docstring); results do not
        depend on it.
    doc_topic_prior, topic_word_prior : float or None
        LDA's Dirichlet priors (None: 1/k, scikit-learn's default).
    beta_loss : {"kullback-leibler", "frobenius"}, default "kullback-leibler"
        NMF's loss; "kullback-leibler" (multiplicative updates) is PLSA on counts,
        "frobenius" (coordinate descent) least squares.
    tol : float or None
        Stopping tolerance passed to scikit-learn (None: its default).
    vectorizer : Vectorizer or None
        Used when ``fit`` receives texts or a Corpus (cloned; default ``Vectorizer()``). The
        fitted copy is kept as ``vectorizer_`` and counts texts given to ``transform``.
    n_top_words : int, default 10
        Words per topic for ``top_words_``, ``coherence_`` and the tables.
    frex_weight : float, default 0.5
        Weight on exclusivity in FREX.

    Attributes
    ----------
    components_ : (k, V) topic-word distributions (rows sum to 1).
    model_ : the fitted scikit-learn estimator.
    vocabulary_ : array of str or None; the terms of the columns.
    vectorizer_ : fitted Vectorizer or None.
    n_iter_ : passes done. ``converged_``: False when NMF stopped at ``max_iter``.
    top_words_, frex_words_ : lists of the top ``n_top_words`` terms per topic.
    labels_ : topic labels from the top FREX words. ``coherence_`` : NPMI per topic on the
    fitted corpus. ``notes_`` : remarks about the fit.
    """

    def __init__(
        self,
        k: int = 10,
        method: str = "lda",
        *,
        seed: int = 0,
        max_iter: Optional[int] = None,
        n_jobs: Optional[int] = None,
        doc_topic_prior: Optional[float] = None,
        topic_word_prior: Optional[float] = None,
        beta_loss: str = "kullback-leibler",
        tol: Optional[float] = None,
        vectorizer: Any = None,
        n_top_words: int = 10,
        frex_weight: float = 0.5,
    ) -> None:
        self.k = k
        self.method = method
        self.seed = seed
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.beta_loss = beta_loss
        self.tol = tol
        self.vectorizer = vectorizer
        self.n_top_words = n_top_words
        self.frex_weight = frex_weight

    # -- scikit-learn tags ----------------------------------------------------------------------

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.sparse = True
        if tags.transformer_tags is not None:
            tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    def _more_tags(self) -> Dict[str, Any]:  # pragma: no cover - scikit-learn < 1.6
        return {"requires_positive_X": True, "preserves_dtype": [np.float64]}

    # -- parameters -----------------------------------------------------------------------------

    def _settings(self, n_terms: int) -> Dict[str, Any]:
        k = self.k
        if not _is_int(k):
            raise TypeError(f"k: expected an integer number of topics, got {type(k).__name__}")
        if k < 2:
            raise ValueError(f"k: a topic model needs at least 2 topics, got k={k}")
        if k > n_terms:
            raise ValueError(
                f"k: asks for {k} topics but the data have {n_terms} feature(s) (terms); k must be "
                f"at most the vocabulary size (lower k, or keep more terms: --max-features / min_df)"
            )
        if self.method not in METHODS:
            raise ValueError(f"method: must be one of {', '.join(METHODS)}, got {self.method!r}")
        seed = _seed_value(self.seed)
        mi = self.max_iter
        if mi is None:
            mi = DEFAULT_MAX_ITER[self.method]
        elif not _is_int(mi) or mi < 1:
            raise ValueError(f"max_iter: must be a positive integer or None, got {mi!r}")
        if self.beta_loss not in BETA_LOSSES:
            raise ValueError(f"beta_loss: must be one of {', '.join(BETA_LOSSES)}, got {self.beta_loss!r}")
        if not _is_int(self.n_top_words) or self.n_top_words < 2:
            raise ValueError(f"n_top_words: must be an integer >= 2, got {self.n_top_words!r}")
        if not (isinstance(self.frex_weight, numbers.Real) and 0 <= self.frex_weight <= 1):
            raise ValueError(f"frex_weight: must be a number in [0, 1], got {self.frex_weight!r}")
        for name in ("doc_topic_prior", "topic_word_prior", "tol"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, numbers.Real) or isinstance(v, bool) or not v > 0):
                raise ValueError(f"{name}: must be a positive number or None, got {v!r}")
        return {"k": int(k), "seed": seed, "max_iter": int(mi), "threads": resolve_n_jobs(self.n_jobs)}

    def _sk_estimator(self, s: Dict[str, Any]) -> Any:
        if self.method == "lda":
            from sklearn.decomposition import LatentDirichletAllocation

            kw: Dict[str, Any] = {}
            if self.tol is not None:
                kw["mean_change_tol"] = float(self.tol)
            return LatentDirichletAllocation(
                n_components=s["k"], learning_method="batch", max_iter=s["max_iter"],
                random_state=s["seed"], n_jobs=1, evaluate_every=-1,
                doc_topic_prior=self.doc_topic_prior, topic_word_prior=self.topic_word_prior, **kw,
            )
        from sklearn.decomposition import NMF

        kl = self.beta_loss == "kullback-leibler"
        kw = {} if self.tol is None else {"tol": float(self.tol)}
        return NMF(
            n_components=s["k"], init="nndsvda", solver="mu" if kl else "cd", beta_loss=self.beta_loss,
            max_iter=s["max_iter"], random_state=s["seed"], **kw,
        )

    # -- fitting --------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, vocabulary: Optional[Sequence[str]] = None) -> "TopicModel":
        """Fit on term counts (statements x terms, sparse or dense, non-negative) or on texts /
        a :class:`~divergence.Corpus` (tokenised with ``vectorizer``). ``vocabulary`` names
        the columns of a count matrix (a DataFrame's columns are used otherwise)."""
        if _is_texts(X):
            from sklearn.base import clone

            from .text import Vectorizer

            if vocabulary is not None:
                raise ValueError("vocabulary: give it only with a count matrix, not with texts")
            vec = clone(self.vectorizer) if self.vectorizer is not None else Vectorizer(n_jobs=self.n_jobs)
            try:
                counts = vec.fit_transform(_texts(X))
            except ValueError as e:
                raise ValueError(f"empty corpus after filtering: {e}") from e
            self._fit_counts(counts, list(vec.get_feature_names_out()), vec)
        else:
            self._fit_counts(X, vocabulary, None)
        return self

    def _fit_counts(self, X: Any, vocabulary: Optional[Sequence[str]], vec: Any) -> "TopicModel":
        X = _validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=True)
        from sklearn.utils.validation import check_non_negative

        check_non_negative(X, "TopicModel.fit")
        n, V = X.shape
        s = self._settings(V)
        if self.method == "nmf" and s["k"] > n:
            raise ValueError(
                f"k: NMF needs at most as many topics as statements, got k={s['k']} for {n} sample(s)"
            )
        if vocabulary is None and getattr(self, "feature_names_in_", None) is not None:
            vocabulary = list(self.feature_names_in_)
        if vocabulary is not None:
            vocabulary = np.asarray([str(t) for t in vocabulary], dtype=object)
            if vocabulary.shape[0] != V:
                raise ValueError(f"vocabulary: {vocabulary.shape[0]} terms for {V} columns")
        mass = np.asarray(X.sum(axis=1)).ravel()
        if not np.any(mass > 0):
            raise ValueError(
                f"empty corpus after filtering: none of the {n} statements has a token left "
                f"(vocabulary of {V} terms); relax min_df/max_df/stop words"
            )
        notes: List[str] = []
        est = self._sk_estimator(s)
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            est.fit(X)
        converged = True
        for w in caught:
            if issubclass(w.category, ConvergenceWarning):
                converged = False
            else:  # not ours to swallow
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if not converged:
            notes.append(f"{self.method}: stopped at max_iter={s['max_iter']} before converging")
        raw = np.asarray(est.components_, dtype=np.float64)
        scale = raw.sum(axis=1)
        dead = scale <= 0
        B = np.empty_like(raw)
        B[~dead] = raw[~dead] / scale[~dead, None]
        B[dead] = 1.0 / V
        if dead.any():
            notes.append(f"{int(dead.sum())} topic(s) are empty (all-zero NMF components); shown as uniform")
        self.model_ = est
        self.components_ = B
        self.topic_scale_ = scale
        self.vocabulary_ = vocabulary
        self.vectorizer_ = vec
        self.n_iter_ = int(est.n_iter_)
        self.converged_ = converged
        self.notes_ = notes
        self._describe_topics(X, s["threads"])
        return self

    def _describe_topics(self, X: Any, threads: int) -> None:
        n = min(int(self.n_top_words), self.components_.shape[1])
        self.top_word_ids_ = np.stack([_order_desc(b)[:n] for b in self.components_])
        F = frex(self.components_, self.frex_weight)
        self.frex_word_ids_ = np.stack(
            [np.lexsort((np.arange(F.shape[1]), -self.components_[i], -F[i]))[:n] for i in range(F.shape[0])]
        )
        self.top_words_ = [[self._term(j) for j in row] for row in self.top_word_ids_]
        self.frex_words_ = [[self._term(j) for j in row] for row in self.frex_word_ids_]
        self.labels_ = [f"topic{i}: " + ", ".join(w[:3]) for i, w in enumerate(self.frex_words_)]
        self.coherence_ = coherence(X, list(self.top_word_ids_), n_jobs=threads)

    def _term(self, j: int) -> str:
        return str(self.vocabulary_[j]) if self.vocabulary_ is not None else f"term{j}"

    # -- transforming ---------------------------------------------------------------------------

    def _counts(self, X: Any) -> Any:
        """Counts for transform: texts through vectorizer_, matrices validated."""
        from sklearn.utils.validation import check_is_fitted, check_non_negative

        check_is_fitted(self)
        if _is_texts(X):
            if self.vectorizer_ is None:
                raise ValueError(
                    "X: this model was fitted on a count matrix, so it cannot count texts; pass "
                    "counts with the same columns"
                )
            X = self.vectorizer_.transform(_texts(X))
        X = _validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False)
        check_non_negative(X, "TopicModel.transform")
        return X

    def _mixtures(self, X: Any) -> np.ndarray:
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            # NMF's transform solves for W with max_iter steps; a ConvergenceWarning there says
            # the same as the one recorded at fit time.
            warnings.simplefilter("ignore", ConvergenceWarning)
            if self.method == "lda":
                T = np.asarray(self.model_.transform(X), dtype=np.float64)
            else:
                T = np.asarray(self.model_.transform(X), dtype=np.float64) * self.topic_scale_[None, :]
        s = T.sum(axis=1)
        bad = ~(s > 0) | ~np.isfinite(s)
        T[~bad] /= s[~bad, None]
        T[bad] = 1.0 / T.shape[1]
        return T

    def transform(self, X: Any) -> np.ndarray:
        """Topic shares of each statement (N x k, rows sum to 1, float64). X: counts with the
        fitted columns, or texts / a Corpus when the model was fitted on texts."""
        return self._mixtures(self._counts(X))

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit, then transform the same statements."""
        self.fit(X, y, **fit_params)
        return self._mixtures(self._counts(X))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output column names: ``topic0`` ... ``topic{k-1}`` (see ``labels_`` for labels)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "components_")
        if input_features is not None:
            names = np.asarray(input_features, dtype=object)
            fin = getattr(self, "feature_names_in_", None)
            if fin is not None and not np.array_equal(fin, names):
                raise ValueError("input_features is not equal to feature_names_in_")
            if fin is None and len(names) != self.n_features_in_:
                raise ValueError(
                    f"input_features should have length equal to number of features "
                    f"({self.n_features_in_}), got {len(names)}"
                )
        return np.asarray([f"topic{i}" for i in range(self.components_.shape[0])], dtype=object)

    # -- scores ---------------------------------------------------------------------------------

    def perplexity(self, X: Any) -> float:
        """LDA only: scikit-learn's perplexity of X, exp(-bound / tokens); lower is better."""
        if self.method != "lda":
            raise ValueError("perplexity: defined for method='lda'; use reconstruction_error for NMF")
        return float(self.model_.perplexity(self._counts(X)))

    def reconstruction_error(self, X: Any) -> float:
        """NMF only: the ``beta_loss`` divergence between X and W H per token of X (W fitted to
        X with H fixed); lower is better."""
        if self.method != "nmf":
            raise ValueError("reconstruction_error: defined for method='nmf'; use perplexity for LDA")
        A = sp.csr_matrix(self._counts(X), dtype=np.float64)
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            W = np.asarray(self.model_.transform(A), dtype=np.float64)
        H = np.asarray(self.model_.components_, dtype=np.float64)
        total = float(A.sum())
        if total <= 0:
            raise ValueError("X: has no tokens")
        if self.beta_loss == "frobenius":
            XH = np.asarray(A @ H.T)
            err = float(A.multiply(A).sum()) - 2.0 * float(np.sum(W * XH)) + float(np.sum((W.T @ W) * (H @ H.T)))
            return max(err, 0.0) / total
        rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        Y = np.einsum("ij,ij->i", W[rows], H[:, A.indices].T)
        eps = np.finfo(np.float64).eps
        Y = np.maximum(Y, eps)
        err = float(np.sum(A.data * np.log(A.data / Y)) - total + float(W.sum(axis=0) @ H.sum(axis=1)))
        return max(err, 0.0) / total

    def heldout_score(self, X: Any) -> Tuple[str, float]:
        """``("perplexity", value)`` for LDA, ``("reconstruction_error", value)`` for NMF."""
        if self.method == "lda":
            return "perplexity", self.perplexity(X)
        return "reconstruction_error", self.reconstruction_error(X)

    def coherence(self, X: Any, n_top_words: Optional[int] = None) -> np.ndarray:
        """NPMI coherence of each topic's top words (by probability) on the reference counts X
        (or texts, counted with ``vectorizer_``)."""
        A = self._counts(X)
        n = int(n_top_words or self.n_top_words)
        ids = [_order_desc(b)[:n] for b in self.components_]
        return coherence(A, ids, n_jobs=self.n_jobs)

    # -- description ----------------------------------------------------------------------------

    def top_words(self, n: Optional[int] = None, by: str = "prob") -> List[List[str]]:
        """The top n terms of each topic, by probability (``"prob"``) or FREX (``"frex"``)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "components_")
        n = int(n or self.n_top_words)
        if by == "prob":
            ids = [_order_desc(b)[:n] for b in self.components_]
        elif by == "frex":
            F = frex(self.components_, self.frex_weight)
            V = F.shape[1]
            ids = [np.lexsort((np.arange(V), -self.components_[i], -F[i]))[:n] for i in range(F.shape[0])]
        else:
            raise ValueError(f"by: must be 'prob' or 'frex', got {by!r}")
        return [[self._term(j) for j in row] for row in ids]

    def describe(self) -> pd.DataFrame:
        """One row per topic: label, top words by probability and by FREX, coherence."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "components_")
        return pd.DataFrame({
            "topic": np.arange(self.components_.shape[0]),
            "label": self.labels_,
            "top_words": [" ".join(w) for w in self.top_words_],
            "frex_words": [" ".join(w) for w in self.frex_words_],
            "coherence": self.coherence_,
        })

    # -- vocabulary and persistence -------------------------------------------------------------

    def check_vocabulary(self, terms: Sequence[str], what: str = "the data") -> None:
        """Raise ValueError naming the difference when ``terms`` is not this model's
        vocabulary (same terms, same order)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "components_")
        terms = list(terms)
        if self.vocabulary_ is None:
            if len(terms) != self.n_features_in_:
                raise ValueError(
                    f"vocabulary mismatch: the model has {self.n_features_in_} terms (unnamed), "
                    f"{what} {len(terms)}"
                )
            return
        msg = _vocab_difference(list(self.vocabulary_), terms, what)
        if msg:
            raise ValueError(msg)

    def save(self, path: Any) -> Path:
        """Write the fitted model with joblib (atomically: temporary file, then rename)."""
        import joblib
        from sklearn.utils.validation import check_is_fitted

        from . import __version__
        from .io import atomic_write

        check_is_fitted(self, "components_")
        import sklearn

        doc = {
            "format": _FORMAT, "format_version": _FORMAT_VERSION, "divergence": __version__,
            "sklearn": sklearn.__version__, "model": self,
        }
        p = Path(path)
        atomic_write(p, lambda f: joblib.dump(doc, f, compress=3))
        return p

    @classmethod
    def load(cls, path: Any, vocabulary: Optional[Sequence[str]] = None) -> "TopicModel":
        """Read a model written by :meth:`save` (pickle: load only files you trust). With
        ``vocabulary``, refuse it unless its vocabulary is exactly that one."""
        import joblib

        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(2, "no such model file", str(p))
        try:
            doc = joblib.load(p)
        except Exception as e:  # any unpickling failure means "not our file"
            raise ValueError(f"{p}: not a divergence topic model file ({type(e).__name__}: {e})") from e
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT or not isinstance(doc.get("model"), cls):
            raise ValueError(f"{p}: not a divergence topic model file (written by TopicModel.save)")
        if doc.get("format_version", 0) > _FORMAT_VERSION:
            raise ValueError(f"{p}: written by a newer divergence (format {doc['format_version']}); upgrade")
        model = doc["model"]
        if vocabulary is not None:
            model.check_vocabulary(vocabulary)
        return model


# ---------------------------------------------------------------------------------------------
# Choosing k


def _holdout_split(n: int, holdout: float, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    if not (isinstance(holdout, numbers.Real) and 0 < holdout < 1):
        raise ValueError(f"holdout: must be a share in (0, 1), got {holdout!r}")
    if n < 2:
        raise ValueError(f"holdout: needs at least 2 statements with tokens, got {n}")
    rng = np.random.default_rng([seed, _TAG_HOLDOUT])
    perm = rng.permutation(n)
    n_test = min(n - 1, max(1, int(round(holdout * n))))
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


def select_k(
    X: Any,
    ks: Sequence[int],
    *,
    method: str = "lda",
    seed: int = 0,
    holdout: float = 0.2,
    tolerance: float = 0.05,
    n_jobs: Optional[int] = None,
    vectorizer: Any = None,
    **params: Any,
) -> Tuple[pd.DataFrame, int]:
    """Compare candidate numbers of topics; returns ``(table, chosen_k)``.

    Each k is fitted on a seeded training split and scored on the held-out statements
    (perplexity for LDA, reconstruction error per token for NMF; lower is better); coherence is
    the mean NPMI of the topics' top words on all statements (higher is better). Rule: among
    the k whose held-out score is within ``tolerance`` (relative) of the best, the one with the
    highest mean coherence; ties to the smaller k. ``params`` go to :class:`TopicModel`.
    X: counts, or texts / a Corpus (counted once with ``vectorizer``)."""
    ks = [int(k) for k in ks]
    if not ks:
        raise ValueError("k: give at least one candidate")
    if len(set(ks)) != len(ks):
        raise ValueError(f"k: candidates repeat: {ks}")
    if not (isinstance(tolerance, numbers.Real) and tolerance >= 0):
        raise ValueError(f"tolerance: must be a number >= 0, got {tolerance!r}")
    seed_v = _seed_value(seed)
    if _is_texts(X):
        from sklearn.base import clone

        from .text import Vectorizer

        vec = clone(vectorizer) if vectorizer is not None else Vectorizer(n_jobs=n_jobs)
        X = vec.fit_transform(_texts(X))
    A = _csr(X)
    keep = np.flatnonzero(np.asarray(A.sum(axis=1)).ravel() > 0)
    if keep.size == 0:
        raise ValueError("empty corpus after filtering: no statement has a token left")
    A = A[keep]
    train, test = _holdout_split(A.shape[0], holdout, seed_v)
    rows = []
    for k in ks:
        m = TopicModel(k=k, method=method, seed=seed_v, n_jobs=n_jobs, **params)
        m._fit_counts(A[train], None, None)
        name, score = m.heldout_score(A[test])
        coh = m.coherence(A)
        rows.append({"k": k, "heldout_metric": name, "heldout": score, "coherence": float(np.mean(coh)),
                     "coherence_min": float(np.min(coh)), "n_iter": m.n_iter_, "converged": m.converged_})
    table = pd.DataFrame(rows)
    best = float(table["heldout"].min())
    ok = table["heldout"] <= best + abs(best) * float(tolerance)
    cand = table[ok].sort_values(["coherence", "k"], ascending=[False, True], kind="stable")
    chosen = int(cand["k"].iloc[0])
    table["within_tolerance"] = ok.to_numpy()
    table["chosen"] = table["k"] == chosen
    table.attrs.update(n_train=int(train.size), n_heldout=int(test.size), tolerance=float(tolerance),
                       rule=f"lowest held-out {table['heldout_metric'].iloc[0]} within {tolerance:.0%} of the best, "
                            "then highest mean coherence (NPMI), then smaller k")
    return table, chosen


# ---------------------------------------------------------------------------------------------
# Group comparison in topic space


@dataclass
class TopicComparison:
    """Result of :func:`compare_topics`.

    - ``prevalence``: one row per (group, topic): ``prevalence`` (mean topic share of the
      group's statements), bootstrap ``ci_low``/``ci_high``, ``n`` statements;
    - ``divergence``: a :class:`~divergence.Comparison` of the groups' prevalence vectors
      (value, bootstrap interval, permutation null mean, excess, p-value per pair and metric);
    - ``topics``: one row per (pair of groups, topic): prevalences, ``difference`` (a - b) with
      bootstrap interval and permutation ``p_value``; ``jsd_contribution`` and ``share`` of the
      prevalence JSD; ``within_<metric>``: divergence of the two groups' word usage within the
      topic; ``words_a``/``words_b``: the words that carry that within-topic divergence;
    - ``theta``: statement mixtures (N x k) of the statements kept (``rows`` into the input);
    - ``model``: the fitted :class:`TopicModel`.
    """

    groups: List[str]
    labels: List[str]
    prevalence: pd.DataFrame
    divergence: Any
    topics: pd.DataFrame
    theta: np.ndarray
    statement_groups: np.ndarray
    rows: np.ndarray
    model: Any
    settings: Dict[str, Any]
    notes: List[str] = field(default_factory=list)

    def matrix(self, metric: Optional[str] = None, what: str = "value") -> pd.DataFrame:
        """K x K matrix of the prevalence divergence (see :meth:`Comparison.matrix`)."""
        return self.divergence.matrix(metric, what)

    def prevalence_matrix(self, what: str = "prevalence") -> pd.DataFrame:
        """Groups x topics matrix of ``prevalence``, ``ci_low`` or ``ci_high``."""
        return self.prevalence.pivot(index="group", columns="label", values=what).loc[self.groups, self.labels]

    def differing(self, group_a: str, group_b: str, n: Optional[int] = None) -> pd.DataFrame:
        """The pair's topics, most differing first (by share of the prevalence JSD)."""
        t = self.topics
        sel = ((t["group_a"] == group_a) & (t["group_b"] == group_b)) | ((t["group_a"] == group_b) & (t["group_b"] == group_a))
        out = t[sel].sort_values("share", ascending=False, kind="stable")
        return out if n is None else out.head(n)


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not _is_int(value) or value < 0:
        raise ValueError(f"{name}: must be an integer >= 0, got {value!r}")
    return int(value)


def _prevalence_bootstrap(theta: np.ndarray, labels: np.ndarray, K: int, B: int, seed: int) -> np.ndarray:
    """B x K x k bootstrap means: statements resampled with replacement within each group,
    one NumPy stream per group (SeedSequence [seed, tag, group])."""
    k = theta.shape[1]
    out = np.empty((B, K, k))
    for g in range(K):
        Tg = theta[labels == g]
        n = Tg.shape[0]
        rng = np.random.default_rng([seed, _TAG_PREVALENCE_BOOT, g])
        for b in range(B):
            out[b, g] = Tg[rng.integers(0, n, size=n)].mean(axis=0)
    return out


def _pair_permutation_pvalues(theta: np.ndarray, labels: np.ndarray, a: int, b: int, P: int, seed: int) -> np.ndarray:
    """Per-topic two-sided permutation p-values of mean(theta | a) - mean(theta | b): the labels
    of the two groups' statements are shuffled among them (sizes kept), P times, with the NumPy
    stream [seed, 102, a, b]; p = (1 + #{|null| >= |observed|}) / (1 + P)."""
    ia, ib = np.flatnonzero(labels == a), np.flatnonzero(labels == b)
    Tu = theta[np.concatenate([ia, ib])]
    na, nb = ia.size, ib.size
    n = na + nb
    total = Tu.sum(axis=0)
    obs = np.abs(Tu[:na].mean(axis=0) - Tu[na:].mean(axis=0))
    small = min(na, nb)
    rng = np.random.default_rng([seed, _TAG_TOPIC_PERM, a, b])
    hits = np.zeros(theta.shape[1], dtype=np.int64)
    for _ in range(P):
        pick = rng.permutation(n)[:small]  # the statements labelled with the smaller group
        s_small = Tu[pick].sum(axis=0)
        s_large = total - s_small
        ma, mb = (s_small / na, s_large / nb) if na <= nb else (s_large / na, s_small / nb)
        hits += np.abs(ma - mb) >= obs - 1e-12
    return (1.0 + hits) / (1.0 + P)


def compare_topics(
    model: Optional[TopicModel] = None,
    data: Any = None,
    groups: Optional[Sequence[Any]] = None,
    *,
    k: int = 10,
    method: str = "lda",
    metric: Any = "jsd",
    base: Optional[float] = None,
    alpha: float = 0.0,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    seed: int = 0,
    n_jobs: Optional[int] = None,
    theta: Optional[np.ndarray] = None,
    vocabulary: Optional[Sequence[str]] = None,
    vectorizer: Any = None,
    max_iter: Optional[int] = None,
    top_words: int = 8,
    progress: Any = None,
) -> TopicComparison:
    """Compare groups in topic space.

    Parameters
    ----------
    model : a fitted :class:`TopicModel`, an unfitted one (fitted here on ``data``), or None
        (``TopicModel(k, method, seed=seed, max_iter=max_iter)`` is fitted on ``data``).
    data : a :class:`~divergence.Corpus` (groups from it), texts, or a statements x terms count
        matrix (with ``groups``). A fitted model counts texts with its own vectorizer; a count
        matrix must have the model's columns (``vocabulary`` names them and is checked).
    groups : one label per statement (not with a Corpus).
    metric : one or several of :data:`divergence.METRICS` (``"all"`` for every one): the
        divergence of the groups' prevalence vectors, with bootstrap and permutation null as in
        :func:`divergence.compare`, and of their word usage within each topic.
    bootstrap, permutations, ci, seed, n_jobs : as in :func:`divergence.compare`.
    theta : precomputed statement mixtures (N x k, rows sum to 1) for ``data``; skips transform.
    top_words : words per side in ``words_a`` / ``words_b``.

    Definitions
    -----------
    Prevalence of topic t in group g: mean over g's statements of theta_dt. Its interval
    resamples g's statements with replacement (``bootstrap`` replicates, NumPy streams seeded
    by [seed, 101, g]); the difference between two groups uses the same replicates, so its
    interval is that of the difference of independent group means. The per-topic p-value
    shuffles the labels of the pair's statements between the two groups (sizes kept;
    ``permutations`` times, stream [seed, 102, a, b]) and counts |difference| >= the observed
    one: (1 + #) / (1 + permutations). (The prevalence-divergence null below, as in
    :func:`divergence.compare`, shuffles labels across all statements instead.)
    Group-by-group divergence of prevalence: :func:`divergence.compare` on the mixtures (group
    sums of mixtures, normalised, are exactly the prevalence vectors), so value, interval,
    null mean, excess and p-value mean what they mean there.
    Share of the divergence carried by topic t (pair a, b): c_t / JSD(prev_a, prev_b), where
    c_t = ½[a_t ln(2 a_t / (a_t + b_t)) + b_t ln(2 b_t / (a_t + b_t))] is topic t's term of the
    JSD (:func:`divergence.contributions`); the shares of a pair sum to 1.
    Within-topic word usage of group g in topic t: sum over g's statements of theta_dt times
    the statement's counts, normalised; ``within_<metric>`` compares the two groups' such
    distributions (no null: large for small groups too), and ``words_a``/``words_b`` list the
    terms with the largest JSD contributions where that group's share is the larger.
    """
    from .compare import compare
    from .corpus import Corpus

    metrics = list(METRICS) if metric == "all" else ([metric] if isinstance(metric, str) else list(metric))
    if not metrics:
        raise ValueError("metric: give at least one metric")
    metrics = [_check_metric(m) for m in metrics]
    bootstrap = _check_count(bootstrap, "bootstrap")
    permutations = _check_count(permutations, "permutations")
    top_words = _check_count(top_words, "top_words")
    if not (0 < ci < 1):
        raise ValueError(f"ci: must be between 0 and 1 (e.g. 0.95), got {ci}")
    seed_v = _seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    notes: List[str] = []
    if data is None:
        raise TypeError("data: expected a Corpus, texts or a count matrix, got None")

    # Labels.
    if isinstance(data, Corpus):
        if groups is not None:
            raise ValueError("groups: a Corpus carries its groups; do not pass groups=")
        labels_raw = np.asarray(data.group.astype(str))
    else:
        if groups is None:
            raise ValueError("groups: pass one group label per statement when data is not a Corpus")
        labels_raw = np.asarray([str(g) for g in groups])

    # Model and counts.
    if model is None:
        model = TopicModel(k=k, method=method, seed=seed_v, max_iter=max_iter, n_jobs=threads, vectorizer=vectorizer)
    elif not isinstance(model, TopicModel):
        raise TypeError(f"model: expected a TopicModel or None, got {type(model).__name__}")
    fitted = hasattr(model, "components_")
    if _is_texts(data):
        texts = _texts(data)
        if fitted:
            if model.vectorizer_ is None:
                raise ValueError("model: fitted on a count matrix, so it cannot count texts; pass the counts")
            X = model.vectorizer_.transform(texts)
        else:
            from sklearn.base import clone

            from .text import Vectorizer

            v = model.vectorizer if model.vectorizer is not None else vectorizer
            vec = clone(v) if v is not None else Vectorizer(n_jobs=threads)
            try:
                X = vec.fit_transform(texts)
            except ValueError as e:
                raise ValueError(f"empty corpus after filtering: {e}") from e
            model._fit_counts(X, list(vec.get_feature_names_out()), vec)
    else:
        X = data
        if fitted:
            if vocabulary is not None:
                model.check_vocabulary(vocabulary)
        else:
            model._fit_counts(X, vocabulary, None)
    X = _csr(X)
    if X.shape[0] != labels_raw.shape[0]:
        raise ValueError(f"groups: {labels_raw.shape[0]} labels for {X.shape[0]} statements")
    if X.shape[1] != model.n_features_in_:
        raise ValueError(f"X: has {X.shape[1]} columns, the model {model.n_features_in_} (its vocabulary)")
    kk = model.components_.shape[0]

    # Statements without tokens carry no topic information: drop them, and say so.
    ntok = np.asarray(X.sum(axis=1)).ravel()
    rows = np.flatnonzero(ntok > 0)
    if rows.size == 0:
        raise ValueError("empty corpus after filtering: no statement has a token in the model's vocabulary")
    if rows.size < X.shape[0]:
        notes.append(f"dropped {X.shape[0] - rows.size} statement(s) with no tokens in the model's vocabulary")
    if theta is not None:
        T = np.asarray(theta, dtype=np.float64)
        if T.shape != (X.shape[0], kk):
            raise ValueError(f"theta: expected shape {(X.shape[0], kk)} (statements x topics), got {T.shape}")
        if not np.all(np.isfinite(T)) or T.min() < 0 or not np.allclose(T.sum(axis=1), 1.0, atol=1e-6):
            raise ValueError("theta: rows must be finite, non-negative topic shares summing to 1")
        T = T[rows]
    X = X[rows]
    labels_raw = labels_raw[rows]
    if theta is None:
        T = model._mixtures(X)
    names_arr, labels = np.unique(labels_raw, return_inverse=True)
    names = [str(n) for n in names_arr]
    K = len(names)
    if K < 2:
        raise ValueError(f"groups: comparing needs at least two groups with statements, found {K}" + (f" ({names[0]})" if K else ""))
    labels = labels.astype(np.int64)
    n_stat = np.bincount(labels, minlength=K)
    topic_labels = list(model.labels_)

    # Prevalence with bootstrap intervals.
    prev = np.stack([T[labels == g].mean(axis=0) for g in range(K)])
    lo_q, hi_q = 100 * (1 - ci) / 2, 100 * (1 + ci) / 2
    boot = _prevalence_bootstrap(T, labels, K, bootstrap, seed_v) if bootstrap else None
    prow = []
    for g in range(K):
        if boot is not None:
            ql, qh = np.percentile(boot[:, g, :], [lo_q, hi_q], axis=0)
        else:
            ql = qh = np.full(kk, np.nan)
        for t in range(kk):
            prow.append({"group": names[g], "topic": t, "label": topic_labels[t], "prevalence": float(prev[g, t]),
                         "ci_low": float(ql[t]), "ci_high": float(qh[t]), "n": int(n_stat[g])})
    prevalence = pd.DataFrame(prow)

    # Group-by-group divergence of prevalence (compiled core: bootstrap and permutation null).
    div = compare(sp.csr_matrix(T), labels_raw, metric=metrics, base=base, alpha=alpha, bootstrap=bootstrap,
                  permutations=permutations, ci=ci, seed=seed_v, n_jobs=threads, terms=False, progress=progress)
    div.settings["n_terms"] = kk
    tok = np.bincount(labels, weights=np.asarray(X.sum(axis=1)).ravel(), minlength=K)
    pos = {g: i for i, g in enumerate(names)}
    div.table["tokens_a"] = [int(tok[pos[g]]) for g in div.table["group_a"]]
    div.table["tokens_b"] = [int(tok[pos[g]]) for g in div.table["group_b"]]
    div.settings["what"] = "topic prevalence"

    # Per topic, per pair.
    onehot = sp.csr_matrix((np.ones(T.shape[0]), (labels, np.arange(T.shape[0]))), shape=(K, T.shape[0]))
    within_rows = []  # per topic: K x V word usage
    for t in range(kk):
        within_rows.append(np.asarray((onehot @ sp.diags(T[:, t]) @ X).todense()))
    within: Dict[str, List[np.ndarray]] = {}
    for m in metrics:
        within[m] = [pairwise(W, metric=m, base=base, alpha=alpha if m in ("kl", "jeffreys") else 0.0, n_jobs=threads)
                     for W in within_rows]
    trows = []
    for a in range(K):
        for b in range(a + 1, K):
            c = contributions(prev[a], prev[b], "jsd", base=base)
            pv = _pair_permutation_pvalues(T, labels, a, b, permutations, seed_v) if permutations else None
            total = float(c.sum())
            for t in range(kk):
                d = float(prev[a, t] - prev[b, t])
                row: Dict[str, Any] = {
                    "group_a": names[a], "group_b": names[b], "topic": t, "label": topic_labels[t],
                    "prevalence_a": float(prev[a, t]), "prevalence_b": float(prev[b, t]), "difference": d,
                }
                if boot is not None:
                    bd = boot[:, a, t] - boot[:, b, t]
                    ql, qh = np.percentile(bd, [lo_q, hi_q])
                    row.update(ci_low=float(ql), ci_high=float(qh))
                else:
                    row.update(ci_low=np.nan, ci_high=np.nan)
                row["p_value"] = float(pv[t]) if pv is not None else np.nan
                row["jsd_contribution"] = float(c[t])
                row["share"] = float(c[t] / total) if total > 0 else np.nan
                for m in metrics:
                    row[f"within_{m}"] = float(within[m][t][a, b])
                wa, wb = within_rows[t][a], within_rows[t][b]
                if top_words and wa.sum() > 0 and wb.sum() > 0:
                    cw = contributions(wa, wb, "jsd")
                    pa, pb = wa / wa.sum(), wb / wb.sum()
                    order = _order_desc(cw)
                    row["words_a"] = " ".join(model._term(j) for j in order[pa[order] > pb[order]][:top_words])
                    row["words_b"] = " ".join(model._term(j) for j in order[pb[order] > pa[order]][:top_words])
                else:
                    row["words_a"] = row["words_b"] = ""
                trows.append(row)
    topics = pd.DataFrame(trows)
    settings = {
        "k": kk, "method": model.method, "metrics": metrics, "units": "nats" if base is None else f"log base {base}",
        "base": base, "alpha": alpha, "bootstrap": bootstrap, "permutations": permutations, "ci": ci, "seed": seed_v,
        "n_jobs": threads, "n_statements": int(T.shape[0]), "n_terms": int(X.shape[1]),
        "model_seed": model.seed, "max_iter": model.max_iter, "n_iter": model.n_iter_,
    }
    notes.extend(model.notes_)
    notes.extend(n for n in div.notes if n not in notes)
    return TopicComparison(
        groups=names, labels=topic_labels, prevalence=prevalence, divergence=div, topics=topics, theta=T,
        statement_groups=labels_raw, rows=rows, model=model, settings=settings, notes=notes,
    )
