"""Topic models (:class:`TopicModel`): LDA or NMF on term counts, and the topics described.

:class:`TopicModel` wraps scikit-learn's ``LatentDirichletAllocation`` (``method="lda"``) or
``NMF`` (``method="nmf"``) on our CSR term counts as a scikit-learn estimator (``fit``,
``transform``, ``fit_transform``, ``get_feature_names_out``), with the topic descriptions
(top words, FREX, labels, NPMI coherence) and persistence. Everything is reproducible: one
``seed`` fixes every random step, and the results do not depend on ``n_jobs``.

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

Held-out fit: document completion (:meth:`TopicModel.completion_perplexity`; Wallach, Murray,
    Salakhutdinov and Mimno 2009, "Evaluation methods for topic models", ICML, section 5.1).
    Each held-out statement d with n_d >= 2 tokens is split in two halves: its tokens are
    shuffled (seeded) and the first floor(n_d / 2) form the first half x1_d, the rest the second
    half x2_d (each term's count is thus split by a multivariate hypergeometric draw;
    non-integer weights are halved instead). The statement's topic shares theta_d are fitted on
    the first half with the topic-word distributions beta fixed (``transform``: LDA's
    normalised variational document-topic parameters, NMF's rescaled and normalised W), and
    the second half is scored:
    ``perplexity = exp(-sum_d sum_w x2_dw ln p_dw / sum_d sum_w x2_dw)`` with
    ``p_dw = (1 - eps) sum_k theta_dk beta_kw + eps / V``, eps = 1e-6 (so that a term to which
    the topics give probability 0, possible in NMF's H, costs a finite amount; invisible
    otherwise). It is a per-token perplexity of predictions of unseen tokens: lower is better,
    the uniform guess over the V terms scores exactly V, and the value is comparable across K
    (nothing in it grows with K but the model's fit). The same measure serves LDA and NMF.
    Statements with fewer than 2 tokens are left out.
    Why not scikit-learn's ``perplexity``: its bound on the held-out log-likelihood adds the
    Dirichlet prior term of the topic-word matrix (a sum over K x V entries) and divides it by
    the held-out token count; on a small held-out set that term dominates and grows with K
    (scikit-learn issue #20032), so larger K look worse and values can exceed V. Nor NMF's
    reconstruction error: W is fitted to the very counts it is scored on, so more topics always
    fit better. :meth:`TopicModel.perplexity` and :meth:`TopicModel.reconstruction_error` remain
    for other uses.

Initialisation (``init="anchors"``, the default; :func:`anchor_topics`): the fit starts from
    k topics built on anchor words, a term that (nearly) only one topic uses (Arora, Ge,
    Halpern, Mimno, Moitra, Sontag, Wu and Zhu 2013, "A practical algorithm for topic modeling
    with provable guarantees", ICML). For each candidate term a (the up to 2,000 terms found in
    the most statements, among those in at least 0.5% of them and at least 2), its
    co-occurrence row is the distribution of the other token of a pair of different tokens
    drawn from one statement given that one is a (pairs weighted 1 / (n_d (n_d - 1)) in a
    statement of n_d tokens). Anchors are picked greedily: the row of largest norm, then each
    time the row of largest norm after projecting out the rows already picked (Gram-Schmidt;
    the farthest point from their span). Each starting topic is its anchor's co-occurrence row
    over all V terms, mixed with 10% of the uniform distribution. LDA starts from variational
    topic-word parameters ``prior + (tokens / k) * topic`` (as if an M-step had given each
    topic an equal share of the tokens; through scikit-learn's ``_init_latent_vars``, see
    :class:`AnchoredLDA`), NMF from H = the topics and W = each statement's tokens / k. The
    start is deterministic (``seed`` still drives LDA's E-step start); it makes fits at the
    right k find topics that random starts merge (two in one) and split, which matters when k
    is chosen by held-out fit (:func:`divergence.select_k`). ``init="sklearn"``: scikit-learn's
    start (LDA: random values; NMF: NNDSVDa), the behaviour before.

Threads: scikit-learn's own ``n_jobs`` for LDA splits the E-step over processes, which changes
the order of floating-point sums (and, during ``fit``, the random initial values): results then
differ between thread counts. So scikit-learn always runs with ``n_jobs=1``; ``n_jobs`` here
sets the threads of our compiled parts (tokenising, coherence).

Persistence: :meth:`TopicModel.save` / :meth:`TopicModel.load` (joblib). Loading runs pickle
code: load only files you trust. A model refuses data whose vocabulary differs from its own
(:meth:`TopicModel.check_vocabulary`), with a message naming the difference.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    List,
    Literal,
    Optional,
    Sequence,
    Tuple,
    Union,
    overload,
)

import numpy as np
import pandas as pd
from scipy.special import digamma
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import LatentDirichletAllocation

from . import _core
from ._corpus import Corpus
from ._util.operands import as_csr, csr_tuple
from ._util.types import ArrayLike, Counts, Indices, MatrixLike, PathLike, VectorizerLike
from ._util.validation import (
    check_choice,
    check_int,
    check_real,
    is_int,
    resolve_n_jobs,
    sklearn_seed,
)

if TYPE_CHECKING:
    from sklearn.utils import Tags  # scikit-learn >= 1.6

__all__ = ["METHODS", "TopicModel", "coherence", "frex"]

# What a topic model reads: texts (a Corpus, or a sequence, array or Series of strings) or a
# statements x terms count matrix (dense, sparse or a DataFrame).
TextsOrCounts = Union[Corpus, Sequence[str], Counts, "pd.DataFrame", "pd.Series"]

METHODS = ("lda", "nmf")
BETA_LOSSES = ("kullback-leibler", "frobenius")
DEFAULT_MAX_ITER = {"lda": 30, "nmf": 300}
_FORMAT = "divergence.TopicModel"
_FORMAT_VERSION = 1
# Random stream tags (NumPy SeedSequence entropy [seed, tag, ...]) of the Python-side replicates.
TAG_PREVALENCE_BOOT = 101
TAG_TOPIC_PERM = 102
TAG_HOLDOUT = 103
TAG_COMPLETION = 104
# Weight of the uniform distribution mixed into the completion probabilities (see the module
# docstring): a term that the topics give probability 0 costs a finite amount.
COMPLETION_SMOOTHING = 1e-6
INITS = ("anchors", "sklearn")
# Anchor-word initialisation (see "Initialisation" in the module docstring): candidate anchors
# are the ANCHOR_CANDIDATES terms in the most statements among those in at least
# ANCHOR_MIN_DF_SHARE of them (and at least 2); each initial topic mixes this share of the
# uniform distribution into its anchor's co-occurrence row, so no term starts at 0.
ANCHOR_CANDIDATES = 2000
ANCHOR_MIN_DF_SHARE = 0.005
ANCHOR_UNIFORM_SHARE = 0.1


# ---------------------------------------------------------------------------------------------
# Small helpers


def is_texts(X: object) -> bool:
    """A Corpus, or a 1-d sequence of str/bytes (statements to tokenise)."""
    if isinstance(X, Corpus):
        return True
    if isinstance(X, pd.Series):
        return X.dtype == object and len(X) > 0 and isinstance(X.iloc[0], (str, bytes))
    if isinstance(X, np.ndarray):
        return (
            X.ndim == 1
            and X.dtype.kind in "OUS"
            and X.size > 0
            and isinstance(X.flat[0], (str, bytes, np.str_))
        )
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and all(isinstance(x, (str, bytes)) for x in X)
    return False


def texts_of(X: Union[Corpus, Iterable[object]]) -> List[Any]:
    """The statements of a Corpus or of a sequence of texts, as a list (NumPy strings as str);
    the items are as given (str or bytes where :func:`is_texts` said yes)."""
    if isinstance(X, Corpus):
        return list(X.text)
    return [str(x) if isinstance(x, np.str_) else x for x in list(X)]


def order_desc(values: np.ndarray) -> np.ndarray:
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


def frex(components: ArrayLike, weight: float = 0.5) -> np.ndarray:
    """FREX scores (K x V) of topic-word distributions (see the module docstring).

    ``weight`` is the weight on exclusivity, in [0, 1]; 0 ranks by frequency alone, 1 by
    exclusivity alone.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> topics = np.array([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]])
    >>> dv.frex(topics).argmax(axis=1).tolist()
    [0, 2]
    """
    B = np.asarray(components, dtype=np.float64)
    if B.ndim != 2:
        raise ValueError(f"components: expected a 2-d array (topics x terms), got shape {B.shape}")
    w = check_real(weight, "frex_weight", low=0, high=1)
    col = B.sum(axis=0)
    E = np.divide(B, col, out=np.zeros_like(B), where=col > 0)
    Fe, Ff = _ecdf_rows(E), _ecdf_rows(B)
    return 1.0 / (w / Fe + (1.0 - w) / Ff)


@overload
def coherence(
    X: MatrixLike,
    topics: Sequence[Indices],
    *,
    n_jobs: Optional[int] = ...,
    pairs: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def coherence(
    X: MatrixLike,
    topics: Sequence[Indices],
    *,
    n_jobs: Optional[int] = ...,
    pairs: Literal[True],
) -> Tuple[np.ndarray, List[np.ndarray]]: ...


@overload
def coherence(
    X: MatrixLike,
    topics: Sequence[Indices],
    *,
    n_jobs: Optional[int] = ...,
    pairs: bool,
) -> Union[np.ndarray, Tuple[np.ndarray, List[np.ndarray]]]: ...


def coherence(
    X: MatrixLike,
    topics: Sequence[Indices],
    *,
    n_jobs: Optional[int] = None,
    pairs: bool = False,
) -> Union[np.ndarray, Tuple[np.ndarray, List[np.ndarray]]]:
    """NPMI coherence of each word list in ``topics`` (lists of column ids, >= 2 distinct ids
    each) from document co-occurrence in the reference counts ``X`` (statements x terms; only
    which entries are non-zero matters). Computed in the compiled core; see the module docstring.

    Returns a float64 array (one value per topic), or with ``pairs=True`` also the list of
    per-topic arrays of pair NPMI values (pairs (i, j), i < j, in row-major order).

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> X = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0]])
    >>> dv.coherence(X, [[0, 1], [0, 2]]).round(3)
    array([ 0.415, -0.292])
    """
    A = as_csr(X, drop_zeros=True)  # which entries are non-zero matters
    if A.shape[0] == 0:
        raise ValueError("X: the reference corpus has no statements")
    lists = [np.asarray(t, dtype=np.int64).ravel() for t in topics]
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(t) for t in lists])
    words = np.concatenate(lists).astype(np.int32) if lists else np.zeros(0, dtype=np.int32)
    values, pair_values = _core.npmi_coherence(csr_tuple(A), ptr, words, resolve_n_jobs(n_jobs))
    if not pairs:
        return values
    sizes = [len(t) * (len(t) - 1) // 2 for t in lists]
    return values, np.split(pair_values, np.cumsum(sizes)[:-1]) if lists else []


def split_halves(X: MatrixLike, seed: int = 0) -> Tuple[Any, Any, np.ndarray]:
    """Split each statement's tokens into two halves for document completion.

    Returns ``(first, second, rows)``: CSR count matrices of the statements with at least 2
    tokens (``rows``: their row numbers in X). With integer counts, the tokens of each statement
    are shuffled (seeded: NumPy stream ``[seed, TAG_COMPLETION]``) and the first
    floor(n_d / 2) go to ``first``, the rest to ``second``; that is a draw from the
    multivariate hypergeometric distribution of each term's count. With non-integer counts
    (weights), every entry is halved instead."""
    A = as_csr(X, drop_zeros=True)
    A.sort_indices()
    mass = np.asarray(A.sum(axis=1)).ravel()
    rows = np.flatnonzero(mass >= 2)
    A = A[rows]
    n, V = A.shape
    import scipy.sparse as sp

    if not np.all(A.data == np.round(A.data)):
        half = sp.csr_matrix((A.data / 2.0, A.indices, A.indptr), shape=A.shape)
        return half, half.copy(), rows
    counts = A.data.astype(np.int64)
    entry = np.repeat(np.arange(counts.size), counts)  # one item per token
    doc = np.repeat(np.repeat(np.arange(n), np.diff(A.indptr)), counts)
    rng = np.random.default_rng([int(seed), TAG_COMPLETION])
    order = np.lexsort((rng.random(entry.size), doc))  # shuffled within each statement
    n_tok = np.bincount(doc, minlength=n)
    start = np.concatenate(([0], np.cumsum(n_tok)[:-1]))
    rank = np.arange(entry.size) - start[doc[order]]
    in_first = np.zeros(entry.size, dtype=bool)
    in_first[order] = rank < (n_tok // 2)[doc[order]]
    c1 = np.bincount(entry[in_first], minlength=counts.size).astype(np.float64)
    c2 = counts - c1

    def part(c: np.ndarray) -> Any:
        M = sp.csr_matrix((c, A.indices.copy(), A.indptr.copy()), shape=(n, V))
        M.eliminate_zeros()
        return M

    return part(c1), part(c2), rows


def _vocab_difference(
    expected: Sequence[str], got: Sequence[str], what: str = "the data"
) -> Optional[str]:
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
        parts.append(
            f"the same terms in a different order (column {i}: model {expected[i]!r}, "
            f"{what} {got[i]!r})"
        )
    return (
        "vocabulary mismatch: "
        + "; ".join(parts)
        + ". Count the statements with the model's own vectorizer (pass texts or a Corpus), "
        "or refit."
    )


try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def _validate_data(est: Any, X: Any, **kw: Any) -> Any:
        return est._validate_data(X, **kw)


def anchor_topics(X: MatrixLike, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """Initial topics from k anchor words (see "Initialisation" in the module docstring).

    Returns ``(topics, anchors)``: a (k, V) array of word distributions (rows sum to 1) and the
    k anchor column ids. Deterministic: the same counts give the same topics."""
    import scipy.sparse as sp

    A = as_csr(X, drop_zeros=True).astype(np.float64)
    n, V = A.shape
    k = int(k)
    if not 1 <= k <= V:
        raise ValueError(f"k: needs 1 <= k <= {V} (the vocabulary size), got {k}")
    n_tok = np.asarray(A.sum(axis=1)).ravel()
    df = np.bincount(A.indices, minlength=V)
    by_df = np.argsort(-df, kind="stable")
    min_df = max(2, int(np.ceil(ANCHOR_MIN_DF_SHARE * n)))
    n_cand = min(ANCHOR_CANDIDATES, max(int(np.sum(df >= min_df)), min(V, 2 * k)))
    cand = by_df[:n_cand]
    # Co-occurrence of candidate a with term w: sum over statements of x_da (x_dw - [a = w]) /
    # (n_d (n_d - 1)), i.e. the chance that two different tokens drawn from statement d are a, w.
    w = np.divide(1.0, n_tok * (n_tok - 1), out=np.zeros(n), where=n_tok > 1)
    Aw = sp.csr_matrix(sp.diags(w) @ A)
    Ac = Aw[:, cand]
    self_pairs = np.asarray(Ac.sum(axis=0)).ravel()  # x_da (x_da - 1) = x_da^2 - x_da

    def rows_of(ids_in_cand: np.ndarray, cols: Optional[np.ndarray]) -> np.ndarray:
        target = A if cols is None else A[:, cols]
        Q = np.asarray((Ac[:, ids_in_cand].T @ target).todense(), dtype=np.float64)
        diag_col = cand[ids_in_cand] if cols is None else ids_in_cand
        Q[np.arange(ids_in_cand.size), diag_col] -= self_pairs[ids_in_cand]
        Q = np.maximum(Q, 0.0)
        tot = Q.sum(axis=1, keepdims=True)
        return np.divide(Q, tot, out=np.zeros_like(Q), where=tot > 0)

    # The geometry on the candidates' own columns (n_cand x n_cand): greedy farthest point with
    # Gram-Schmidt (the anchor search of Arora et al. 2013): take the row of largest residual
    # norm, project it out of all rows, repeat.
    R = rows_of(np.arange(n_cand), cand)
    chosen: List[int] = []
    for _ in range(min(k, n_cand)):
        norms = np.einsum("ij,ij->i", R, R)
        norms[chosen] = -1.0
        j = int(np.argmax(norms))
        if norms[j] <= 1e-300:
            break
        chosen.append(j)
        v = R[j] / np.sqrt(norms[j])
        R -= np.outer(R @ v, v)
    taken = set(chosen)
    # degenerate data (rows that are combinations of those picked): the most frequent others;
    # n_cand >= min(V, 2k) >= k, so there are enough
    chosen += [j for j in range(n_cand) if j not in taken][: k - len(chosen)]
    ids = np.asarray(chosen, dtype=np.int64)
    anchors = cand[ids]
    topics = rows_of(ids, None)
    missing = topics.sum(axis=1) <= 0  # an anchor that never shares a statement
    topics[missing, anchors[missing]] = 1.0
    topics = (1.0 - ANCHOR_UNIFORM_SHARE) * topics + ANCHOR_UNIFORM_SHARE / V
    return topics, anchors


class AnchoredLDA(LatentDirichletAllocation):
    """scikit-learn's batch LDA whose variational topic-word parameters start at
    ``initial_components`` (an attribute set before ``fit``, dropped once used) instead of
    random values. Relies on scikit-learn's ``_init_latent_vars`` (>= 0.19, still in 1.9);
    ``initialised_from_anchors_`` records that the start was used (checked by the tests)."""

    def _init_latent_vars(self, n_features: int, dtype: Any = np.float64) -> None:
        super()._init_latent_vars(n_features, dtype=dtype)
        lam = self.__dict__.pop("initial_components", None)
        if lam is None:
            return
        lam = np.asarray(lam, dtype=np.float64)
        expected = (int(self.n_components), int(n_features))
        if lam.shape != expected:
            raise ValueError(f"initial_components: shape {lam.shape}, expected {expected}")
        self.components_ = lam.astype(dtype, copy=False)
        self.exp_dirichlet_component_ = np.exp(
            digamma(lam) - digamma(lam.sum(axis=1))[:, None]
        ).astype(dtype, copy=False)
        self.initialised_from_anchors_ = True


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
    init : {"anchors", "sklearn"}, default "anchors"
        Starting topics: ``"anchors"`` from k anchor words of the counts (see
        "Initialisation" in the module docstring; deterministic), ``"sklearn"`` scikit-learn's
        own start (LDA: random values from ``seed``; NMF: NNDSVDa). The anchor start avoids
        most local optima in which a fit merges two topics and splits another, which otherwise
        mislead the choice of k (:func:`divergence.select_k`).

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

    Examples
    --------
    >>> import divergence as dv
    >>> texts = ["tax cut tax cut budget", "tax cut budget deficit", "budget deficit tax",
    ...          "school teacher school", "teacher school pupil", "pupil teacher school class"]
    >>> tm = dv.TopicModel(k=2, seed=0).fit(texts)
    >>> tm.labels_
    ['topic0: school, teacher, pupil', 'topic1: tax, cut, budget']
    >>> tm.components_.shape
    (2, 8)
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
        vectorizer: Optional[VectorizerLike] = None,
        n_top_words: int = 10,
        frex_weight: float = 0.5,
        init: str = "anchors",
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
        self.init = init

    # -- scikit-learn tags ----------------------------------------------------------------------

    def __sklearn_tags__(self) -> Tags:  # scikit-learn >= 1.6
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
        if not is_int(k):
            raise TypeError(f"k: expected an integer number of topics, got {type(k).__name__}")
        if k < 2:
            raise ValueError(f"k: a topic model needs at least 2 topics, got k={k}")
        if k > n_terms:
            raise ValueError(
                f"k: asks for {k} topics but the data have {n_terms} feature(s) (terms); k must "
                "be at most the vocabulary size (lower k, or keep more terms: --max-features / "
                "min_df)"
            )
        check_choice(self.method, "method", METHODS)
        seed = sklearn_seed(self.seed)
        mi = check_int(self.max_iter, "max_iter", minimum=1, allow_none=True)
        if mi is None:
            mi = DEFAULT_MAX_ITER[self.method]
        check_choice(self.beta_loss, "beta_loss", BETA_LOSSES)
        check_choice(self.init, "init", INITS)
        check_int(self.n_top_words, "n_top_words", minimum=2)
        check_real(self.frex_weight, "frex_weight", low=0, high=1)
        for name in ("doc_topic_prior", "topic_word_prior", "tol"):
            check_real(getattr(self, name), name, low=0, low_open=True, allow_none=True)
        return {
            "k": int(k),
            "seed": seed,
            "max_iter": int(mi),
            "threads": resolve_n_jobs(self.n_jobs),
        }

    def _sk_estimator(self, s: Dict[str, Any]) -> Any:
        if self.method == "lda":
            from sklearn.decomposition import LatentDirichletAllocation

            kw: Dict[str, Any] = {}
            if self.tol is not None:
                kw["mean_change_tol"] = float(self.tol)
            lda = AnchoredLDA if self.init == "anchors" else LatentDirichletAllocation
            return lda(
                n_components=s["k"],
                learning_method="batch",
                max_iter=s["max_iter"],
                random_state=s["seed"],
                n_jobs=1,
                evaluate_every=-1,
                doc_topic_prior=self.doc_topic_prior,
                topic_word_prior=self.topic_word_prior,
                **kw,
            )
        from sklearn.decomposition import NMF

        kl = self.beta_loss == "kullback-leibler"
        kw = {} if self.tol is None else {"tol": float(self.tol)}
        return NMF(
            n_components=s["k"],
            init="custom" if self.init == "anchors" else "nndsvda",
            solver="mu" if kl else "cd",
            beta_loss=self.beta_loss,
            max_iter=s["max_iter"],
            random_state=s["seed"],
            **kw,
        )

    # -- fitting --------------------------------------------------------------------------------

    def fit(
        self,
        X: TextsOrCounts,
        y: object = None,
        vocabulary: Optional[Sequence[str]] = None,
    ) -> TopicModel:
        """Fit on term counts (statements x terms, sparse or dense, non-negative) or on texts /
        a :class:`~divergence.Corpus`, tokenised with a clone of the ``vectorizer`` given to the
        constructor (an already configured :class:`~divergence.Vectorizer`; default
        ``Vectorizer()``), kept fitted as ``vectorizer_``. ``vocabulary`` names the columns of
        a count matrix (a DataFrame's columns are used otherwise).

        Examples
        --------
        >>> import numpy as np
        >>> import divergence as dv
        >>> X = np.array([[5, 3, 0, 0], [4, 4, 1, 0], [0, 0, 5, 3], [0, 1, 4, 4]])
        >>> tm = dv.TopicModel(k=2, seed=0).fit(X, vocabulary=["tax", "cut", "school", "pupil"])
        >>> [words[:2] for words in tm.top_words_]
        [['school', 'pupil'], ['tax', 'cut']]
        """
        if is_texts(X):
            from sklearn.base import clone

            from ._text import Vectorizer

            if vocabulary is not None:
                raise ValueError("vocabulary: give it only with a count matrix, not with texts")
            vec = (
                clone(self.vectorizer)
                if self.vectorizer is not None
                else Vectorizer(n_jobs=self.n_jobs)
            )
            try:
                counts = vec.fit_transform(texts_of(X))
            except ValueError as e:
                raise ValueError(f"empty corpus after filtering: {e}") from e
            self._fit_counts(counts, list(vec.get_feature_names_out()), vec)
        else:
            self._fit_counts(X, vocabulary, None)
        return self

    def _fit_counts(
        self, X: Counts, vocabulary: Optional[Sequence[str]], vec: Optional[VectorizerLike]
    ) -> TopicModel:
        X = _validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=True)
        from sklearn.utils.validation import check_non_negative

        check_non_negative(X, "TopicModel.fit")
        n, V = X.shape
        s = self._settings(V)
        if self.method == "nmf" and s["k"] > n:
            raise ValueError(
                f"k: NMF needs at most as many topics as statements, got k={s['k']} "
                f"for {n} sample(s)"
            )
        if vocabulary is None and getattr(self, "feature_names_in_", None) is not None:
            vocabulary = list(self.feature_names_in_)
        terms: Optional[np.ndarray] = None
        if vocabulary is not None:
            terms = np.asarray([str(t) for t in vocabulary], dtype=object)
            if terms.shape[0] != V:
                raise ValueError(f"vocabulary: {terms.shape[0]} terms for {V} columns")
        mass = np.asarray(X.sum(axis=1)).ravel()
        if not np.any(mass > 0):
            raise ValueError(
                f"empty corpus after filtering: none of the {n} statements has a token left "
                f"(vocabulary of {V} terms); relax min_df/max_df/stop words"
            )
        notes: List[str] = []
        est = self._sk_estimator(s)
        from sklearn.exceptions import ConvergenceWarning

        fit_kw: Dict[str, Any] = {}
        if self.init == "anchors":
            start, _ = anchor_topics(X, s["k"])
            if self.method == "lda":
                # as if an M-step had given each topic an equal share of the tokens
                est.initial_components = (est.topic_word_prior or 1.0 / s["k"]) + start * (
                    mass.sum() / s["k"]
                )
            else:
                dt = X.dtype
                fit_kw["H"] = start.astype(dt)
                fit_kw["W"] = np.repeat(mass[:, None] / s["k"], s["k"], axis=1).astype(dt)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            est.fit(X, **fit_kw)
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
            notes.append(
                f"{int(dead.sum())} topic(s) are empty (all-zero NMF components); shown as uniform"
            )
        self.model_ = est
        self.components_ = B
        self.topic_scale_ = scale
        self.vocabulary_ = terms
        self.vectorizer_ = vec
        self.n_iter_ = int(est.n_iter_)
        self.converged_ = converged
        self.notes_ = notes
        self._describe_topics(X, s["threads"])
        return self

    def _describe_topics(self, X: Counts, threads: int) -> None:
        n = min(int(self.n_top_words), self.components_.shape[1])
        self.top_word_ids_ = np.stack([order_desc(b)[:n] for b in self.components_])
        F = frex(self.components_, self.frex_weight)
        self.frex_word_ids_ = np.stack(
            [
                np.lexsort((np.arange(F.shape[1]), -self.components_[i], -F[i]))[:n]
                for i in range(F.shape[0])
            ]
        )
        self.top_words_ = [[self._term(j) for j in row] for row in self.top_word_ids_]
        self.frex_words_ = [[self._term(j) for j in row] for row in self.frex_word_ids_]
        self.labels_ = [f"topic{i}: " + ", ".join(w[:3]) for i, w in enumerate(self.frex_words_)]
        self.coherence_ = coherence(X, list(self.top_word_ids_), n_jobs=threads)

    def _term(self, j: int) -> str:
        return str(self.vocabulary_[j]) if self.vocabulary_ is not None else f"term{j}"

    # -- transforming ---------------------------------------------------------------------------

    def _counts(self, X: TextsOrCounts) -> Counts:
        """Counts for transform: texts through vectorizer_, matrices validated."""
        from sklearn.utils.validation import check_is_fitted, check_non_negative

        check_is_fitted(self)
        if is_texts(X):
            if self.vectorizer_ is None:
                raise ValueError(
                    "X: this model was fitted on a count matrix, so it cannot count texts; pass "
                    "counts with the same columns"
                )
            X = self.vectorizer_.transform(texts_of(X))
        X = _validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        check_non_negative(X, "TopicModel.transform")
        return X

    def _mixtures(self, X: Counts) -> np.ndarray:
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            # NMF's transform solves for W with max_iter steps; a ConvergenceWarning there says
            # the same as the one recorded at fit time.
            warnings.simplefilter("ignore", ConvergenceWarning)
            if self.method == "lda":
                T = np.asarray(self.model_.transform(X), dtype=np.float64)
            else:
                T = (
                    np.asarray(self.model_.transform(X), dtype=np.float64)
                    * self.topic_scale_[None, :]
                )
        s = T.sum(axis=1)
        bad = ~(s > 0) | ~np.isfinite(s)
        T[~bad] /= s[~bad, None]
        T[bad] = 1.0 / T.shape[1]
        return T

    def transform(self, X: TextsOrCounts) -> np.ndarray:
        """Topic shares of each statement (N x k, rows sum to 1, float64). X: counts with the
        fitted columns, or texts / a Corpus when the model was fitted on texts.

        Examples
        --------
        >>> import divergence as dv
        >>> texts = ["tax cut tax cut budget", "tax cut budget deficit", "budget deficit tax",
        ...          "school teacher school", "teacher school pupil", "pupil teacher school class"]
        >>> tm = dv.TopicModel(k=2, seed=0).fit(texts)
        >>> theta = tm.transform(["school pupil class", "tax budget"])
        >>> theta.shape, theta.argmax(axis=1).tolist()
        ((2, 2), [0, 1])
        """
        return self._mixtures(self._counts(X))

    def fit_transform(
        self,
        X: TextsOrCounts,
        y: object = None,
        vocabulary: Optional[Sequence[str]] = None,
    ) -> np.ndarray:
        """Fit, then transform the same statements."""
        self.fit(X, y, vocabulary=vocabulary)
        return self._mixtures(self._counts(X))

    def get_feature_names_out(self, input_features: Optional[ArrayLike] = None) -> np.ndarray:
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

    def perplexity(self, X: TextsOrCounts) -> float:
        """LDA only: scikit-learn's perplexity of X, exp(-bound / tokens); lower is better.

        Not comparable across k on small held-out sets (its bound includes the topic-word
        prior term, divided by the tokens of X): use :meth:`completion_perplexity` for that."""
        if self.method != "lda":
            raise ValueError(
                "perplexity: defined for method='lda'; use reconstruction_error for NMF"
            )
        return float(self.model_.perplexity(self._counts(X)))

    def reconstruction_error(self, X: TextsOrCounts) -> float:
        """NMF only: the ``beta_loss`` divergence between X and W H per token of X (W fitted to
        X with H fixed); lower is better."""
        if self.method != "nmf":
            raise ValueError(
                "reconstruction_error: defined for method='nmf'; use perplexity for LDA"
            )
        A = as_csr(self._counts(X), drop_zeros=True)  # x log(x / y) needs no zeros, no duplicates
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
            err = (
                float(A.multiply(A).sum())
                - 2.0 * float(np.sum(W * XH))
                + float(np.sum((W.T @ W) * (H @ H.T)))
            )
            return max(err, 0.0) / total
        rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        Y = np.einsum("ij,ij->i", W[rows], H[:, A.indices].T)
        eps = np.finfo(np.float64).eps
        Y = np.maximum(Y, eps)
        err = float(
            np.sum(A.data * np.log(A.data / Y)) - total + float(W.sum(axis=0) @ H.sum(axis=1))
        )
        return max(err, 0.0) / total

    def completion_perplexity(self, X: TextsOrCounts, seed: int = 0) -> float:
        """Document-completion perplexity of held-out statements X (LDA and NMF); lower is
        better, the uniform guess over V terms scores V. See "Held-out fit" in the module
        docstring. ``seed`` fixes the split of each statement's tokens into two halves."""
        ll, tokens = self.completion_logliks(X, seed)
        return float(np.exp(-ll.sum() / tokens.sum()))

    def completion_logliks(self, X: TextsOrCounts, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
        """Per held-out statement (those with >= 2 tokens, in order): the log-likelihood (nats)
        of its second half given its first, and the second half's token count; the terms of
        :meth:`completion_perplexity` = exp(-sum(loglik) / sum(tokens))."""
        first, second, _ = split_halves(self._counts(X), sklearn_seed(seed))
        if first.shape[0] == 0:
            raise ValueError("X: no statement has 2 or more tokens to split in halves")
        theta = self._mixtures(first)
        rows = np.repeat(np.arange(second.shape[0]), np.diff(second.indptr))
        p = np.einsum("ij,ij->i", theta[rows], self.components_[:, second.indices].T)
        eps = COMPLETION_SMOOTHING
        p = (1.0 - eps) * p + eps / self.components_.shape[1]
        n = second.shape[0]
        ll = np.bincount(rows, weights=second.data * np.log(p), minlength=n)
        return ll, np.asarray(second.sum(axis=1), dtype=np.float64).ravel()

    def heldout_score(self, X: TextsOrCounts, seed: int = 0) -> Tuple[str, float]:
        """``("completion_perplexity", value)`` (:meth:`completion_perplexity`), for LDA and
        NMF alike."""
        return "completion_perplexity", self.completion_perplexity(X, seed=seed)

    def coherence(self, X: TextsOrCounts, n_top_words: Optional[int] = None) -> np.ndarray:
        """NPMI coherence of each topic's top words (by probability) on the reference counts X
        (or texts, counted with ``vectorizer_``)."""
        A = self._counts(X)
        n = int(n_top_words or self.n_top_words)
        ids = [order_desc(b)[:n] for b in self.components_]
        return coherence(A, ids, n_jobs=self.n_jobs)

    # -- description ----------------------------------------------------------------------------

    def top_words(self, n: Optional[int] = None, by: str = "prob") -> List[List[str]]:
        """The top n terms of each topic, by probability (``"prob"``) or FREX (``"frex"``)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "components_")
        n = int(n or self.n_top_words)
        if by == "prob":
            ids = [order_desc(b)[:n] for b in self.components_]
        elif by == "frex":
            F = frex(self.components_, self.frex_weight)
            V = F.shape[1]
            ids = [
                np.lexsort((np.arange(V), -self.components_[i], -F[i]))[:n]
                for i in range(F.shape[0])
            ]
        else:
            raise ValueError(f"by: must be 'prob' or 'frex', got {by!r}")
        return [[self._term(j) for j in row] for row in ids]

    def describe(self) -> pd.DataFrame:
        """One row per topic: label, top words by probability and by FREX, coherence."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "components_")
        return pd.DataFrame(
            {
                "topic": np.arange(self.components_.shape[0]),
                "label": self.labels_,
                "top_words": [" ".join(w) for w in self.top_words_],
                "frex_words": [" ".join(w) for w in self.frex_words_],
                "coherence": self.coherence_,
            }
        )

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

    def save(self, path: PathLike) -> Path:
        """Write the fitted model with joblib (atomically: temporary file, then rename)."""
        import joblib
        from sklearn.utils.validation import check_is_fitted

        from ._output import atomic_write
        from ._util.version import VERSION as __version__

        check_is_fitted(self, "components_")
        import sklearn

        doc = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "divergence": __version__,
            "sklearn": sklearn.__version__,
            "model": self,
        }
        p = Path(path)
        atomic_write(p, lambda f: joblib.dump(doc, f, compress=3))
        return p

    @classmethod
    def load(cls, path: PathLike, vocabulary: Optional[Sequence[str]] = None) -> TopicModel:
        """Read a model written by :meth:`save` (pickle: load only files you trust). With
        ``vocabulary``, refuse it unless its vocabulary is exactly that one."""
        import joblib

        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(2, "no such model file", str(p))
        try:
            doc = joblib.load(p)
        except Exception as e:  # any unpickling failure means "not our file"
            raise ValueError(
                f"{p}: not a divergence topic model file ({type(e).__name__}: {e})"
            ) from e
        if (
            not isinstance(doc, dict)
            or doc.get("format") != _FORMAT
            or not isinstance(doc.get("model"), cls)
        ):
            raise ValueError(f"{p}: not a divergence topic model file (written by TopicModel.save)")
        if doc.get("format_version", 0) > _FORMAT_VERSION:
            raise ValueError(
                f"{p}: written by a newer divergence (format {doc['format_version']}); upgrade"
            )
        model = doc["model"]
        if "init" not in model.__dict__:  # saved before the init parameter: scikit-learn's start
            model.init = "sklearn"
        if vocabulary is not None:
            model.check_vocabulary(vocabulary)
        return model
