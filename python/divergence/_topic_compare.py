"""Topics: on what do the groups differ? Group comparison in topic space (:func:`compare_topics`):
prevalence by group, bootstrap intervals, permutation nulls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._compare import Comparison, compare
from ._corpus import Corpus
from ._measures import contributions, pairwise
from ._topics import (
    TAG_PREVALENCE_BOOT,
    TAG_TOPIC_PERM,
    TextsOrCounts,
    TopicModel,
    is_texts,
    order_desc,
    texts_of,
)
from ._util.groups import require_groups_with_tokens
from ._util.operands import as_csr
from ._util.replicates import summarise
from ._util.summary import (
    PAIR_COLUMNS,
    Brief,
    SummarisedResult,
    names_text,
    notes_text,
    pair_rows,
    replicates_text,
)
from ._util.types import Labels, Progress, VectorizerLike
from ._util.validation import (
    ALPHA_METRICS,
    METRICS,
    check_ci,
    check_count,
    check_metric,
    resolve_n_jobs,
    sklearn_seed,
)

__all__ = ["TopicComparison", "compare_topics"]

# ---------------------------------------------------------------------------------------------
# Group comparison in topic space


@dataclass(repr=False)
class TopicComparison(SummarisedResult):
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

    Examples
    --------
    >>> import divergence as dv
    >>> texts = ["tax cut tax cut budget", "tax cut budget deficit", "budget deficit tax",
    ...          "school teacher school", "teacher school pupil", "pupil teacher school class"]
    >>> tc = dv.compare_topics(None, texts, ["A", "A", "A", "B", "B", "B"], k=2,
    ...                        bootstrap=20, permutations=20)
    >>> tc.groups, tc.theta.shape, type(tc.divergence).__name__
    (['A', 'B'], (6, 2), 'Comparison')
    >>> tc.prevalence[["group", "topic", "n"]].head(2).to_dict("list")
    {'group': ['A', 'A'], 'topic': [0, 1], 'n': [3, 3]}
    """

    groups: List[str]
    labels: List[str]
    prevalence: pd.DataFrame
    divergence: Comparison
    topics: pd.DataFrame
    theta: np.ndarray
    statement_groups: np.ndarray
    rows: np.ndarray
    model: TopicModel
    settings: Dict[str, Any]  # values of every kind (numbers, names, lists), as reported
    notes: List[str] = field(default_factory=list)

    def matrix(self, metric: Optional[str] = None, what: str = "value") -> pd.DataFrame:
        """K x K matrix of the prevalence divergence (see :meth:`Comparison.matrix`)."""
        return self.divergence.matrix(metric, what)

    def prevalence_matrix(self, what: str = "prevalence") -> pd.DataFrame:
        """Groups x topics matrix of ``prevalence``, ``ci_low`` or ``ci_high``."""
        return self.prevalence.pivot(index="group", columns="label", values=what).loc[
            self.groups, self.labels
        ]

    def _summary(self) -> Brief:
        st = self.settings
        dt = self.divergence.table
        sm = Brief(
            f"TopicComparison: {len(self.groups)} groups, {len(self.labels)} topics "
            f"({st.get('method', '')}), {len(self.rows)} statements",
            [
                ("groups", names_text(self.groups)),
                ("topics", names_text(self.labels, 4)),
                ("replicates", replicates_text(st)),
            ],
            PAIR_COLUMNS,
            pair_rows(dt),
            "Full results: .prevalence, .prevalence_matrix(), .divergence (a Comparison), "
            ".topics (per pair and topic), .matrix(metric), .theta, .model, .settings, .notes",
        )
        if self.notes:
            sm.facts.append(("notes", notes_text(self.notes)))
        return sm

    def differing(self, group_a: str, group_b: str, n: Optional[int] = None) -> pd.DataFrame:
        """The pair's topics, most differing first (by share of the prevalence JSD)."""
        t = self.topics
        sel = ((t["group_a"] == group_a) & (t["group_b"] == group_b)) | (
            (t["group_a"] == group_b) & (t["group_b"] == group_a)
        )
        out = t[sel].sort_values("share", ascending=False, kind="stable")
        return out if n is None else out.head(n)


def _prevalence_bootstrap(
    theta: np.ndarray, labels: np.ndarray, K: int, B: int, seed: int
) -> np.ndarray:
    """B x K x k bootstrap means: statements resampled with replacement within each group,
    one NumPy stream per group (SeedSequence [seed, tag, group])."""
    k = theta.shape[1]
    out = np.empty((B, K, k))
    for g in range(K):
        Tg = theta[labels == g]
        n = Tg.shape[0]
        rng = np.random.default_rng([seed, TAG_PREVALENCE_BOOT, g])
        for b in range(B):
            out[b, g] = Tg[rng.integers(0, n, size=n)].mean(axis=0)
    return out


def _pair_permutation_null(
    theta: np.ndarray, labels: np.ndarray, a: int, b: int, P: int, seed: int
) -> Tuple[np.ndarray, np.ndarray]:
    """|observed| per topic and the P x k null replicates of mean(theta | a) - mean(theta | b):
    the labels of the two groups' statements are shuffled among them (sizes kept), P times, with
    the NumPy stream [seed, 102, a, b]. Two-sided p = (1 + #{|null| >= |observed|}) / (1 + P)."""
    ia, ib = np.flatnonzero(labels == a), np.flatnonzero(labels == b)
    Tu = theta[np.concatenate([ia, ib])]
    na, nb = ia.size, ib.size
    n = na + nb
    total = Tu.sum(axis=0)
    obs = np.abs(Tu[:na].mean(axis=0) - Tu[na:].mean(axis=0))
    small = min(na, nb)
    rng = np.random.default_rng([seed, TAG_TOPIC_PERM, a, b])
    null = np.empty((P, theta.shape[1]))
    for r in range(P):
        pick = rng.permutation(n)[:small]  # the statements labelled with the smaller group
        s_small = Tu[pick].sum(axis=0)
        s_large = total - s_small
        ma, mb = (s_small / na, s_large / nb) if na <= nb else (s_large / na, s_small / nb)
        null[r] = ma - mb
    return obs, null


def compare_topics(
    model: Optional[TopicModel] = None,
    data: Optional[TextsOrCounts] = None,
    groups: Optional[Labels] = None,
    *,
    k: int = 10,
    method: str = "lda",
    metric: Union[str, Sequence[str]] = "jsd",
    base: Optional[float] = None,
    alpha: float = 0.0,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    seed: int = 0,
    n_jobs: Optional[int] = None,
    theta: Optional[np.ndarray] = None,
    vocabulary: Optional[Sequence[str]] = None,
    vectorizer: Optional[VectorizerLike] = None,
    max_iter: Optional[int] = None,
    top_words: int = 8,
    progress: Progress = None,
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

    Examples
    --------
    >>> import divergence as dv
    >>> texts = ["tax cut tax cut budget", "tax cut budget deficit", "budget deficit tax",
    ...          "school teacher school", "teacher school pupil", "pupil teacher school class"]
    >>> groups = ["A", "A", "A", "B", "B", "B"]
    >>> tc = dv.compare_topics(None, texts, groups, k=2, bootstrap=20, permutations=20)
    >>> tc.labels
    ['topic0: school, teacher, pupil', 'topic1: tax, cut, budget']
    >>> round(float(tc.topics["share"].sum()), 6)  # the topics' shares of the pair's JSD
    1.0
    """
    metrics = (
        list(METRICS)
        if metric == "all"
        else ([metric] if isinstance(metric, str) else list(metric))
    )
    if not metrics:
        raise ValueError("metric: give at least one metric")
    metrics = [check_metric(m) for m in metrics]
    bootstrap = check_count(bootstrap, "bootstrap")
    permutations = check_count(permutations, "permutations")
    top_words = check_count(top_words, "top_words")
    check_ci(ci)
    seed_v = sklearn_seed(seed)
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
        model = TopicModel(
            k=k,
            method=method,
            seed=seed_v,
            max_iter=max_iter,
            n_jobs=threads,
            vectorizer=vectorizer,
        )
    elif not isinstance(model, TopicModel):
        raise TypeError(f"model: expected a TopicModel or None, got {type(model).__name__}")
    fitted = hasattr(model, "components_")
    if is_texts(data):
        texts = texts_of(data)
        if fitted:
            if model.vectorizer_ is None:
                raise ValueError(
                    "model: fitted on a count matrix, so it cannot count texts; pass the counts"
                )
            X = model.vectorizer_.transform(texts)
        else:
            from sklearn.base import clone

            from ._text import Vectorizer

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
    X = as_csr(X, drop_zeros=True)
    if X.shape[0] != labels_raw.shape[0]:
        raise ValueError(f"groups: {labels_raw.shape[0]} labels for {X.shape[0]} statements")
    if X.shape[1] != model.n_features_in_:
        raise ValueError(
            f"X: has {X.shape[1]} columns, the model {model.n_features_in_} (its vocabulary)"
        )
    kk = model.components_.shape[0]

    # Statements without tokens carry no topic information: drop them, and say so.
    ntok = np.asarray(X.sum(axis=1)).ravel()
    rows = np.flatnonzero(ntok > 0)
    if rows.size == 0:
        raise ValueError(
            "empty corpus after filtering: no statement has a token in the model's vocabulary"
        )
    every, every_code = np.unique(labels_raw, return_inverse=True)
    require_groups_with_tokens(
        [str(n) for n in every],
        np.bincount(every_code, weights=ntok, minlength=len(every)),
        "comparing topics",
    )
    if rows.size < X.shape[0]:
        notes.append(
            f"dropped {X.shape[0] - rows.size} statement(s) with no tokens in the model's "
            "vocabulary"
        )
    if theta is not None:
        T = np.asarray(theta, dtype=np.float64)
        if T.shape != (X.shape[0], kk):
            raise ValueError(
                f"theta: expected shape {(X.shape[0], kk)} (statements x topics), got {T.shape}"
            )
        if (
            not np.all(np.isfinite(T))
            or T.min() < 0
            or not np.allclose(T.sum(axis=1), 1.0, atol=1e-6)
        ):
            raise ValueError("theta: rows must be finite, non-negative topic shares summing to 1")
        T = T[rows]
    X = X[rows]
    labels_raw = labels_raw[rows]
    if theta is None:
        T = model._mixtures(X)
    names_arr, labels = np.unique(labels_raw, return_inverse=True)
    names = [str(n) for n in names_arr]
    K = len(names)
    labels = labels.astype(np.int64)
    n_stat = np.bincount(labels, minlength=K)
    topic_labels = list(model.labels_)

    # Prevalence with bootstrap intervals.
    prev = np.stack([T[labels == g].mean(axis=0) for g in range(K)])
    boot = _prevalence_bootstrap(T, labels, K, bootstrap, seed_v) if bootstrap else None
    sm = summarise(prev, boot, ci=ci)
    prow = []
    for g in range(K):
        for t in range(kk):
            prow.append(
                {
                    "group": names[g],
                    "topic": t,
                    "label": topic_labels[t],
                    "prevalence": float(prev[g, t]),
                    "ci_low": float(sm.ci_low[g, t]),
                    "ci_high": float(sm.ci_high[g, t]),
                    "n": int(n_stat[g]),
                }
            )
    prevalence = pd.DataFrame(prow)

    # Group-by-group divergence of prevalence (compiled core: bootstrap and permutation null).
    div = compare(
        sp.csr_matrix(T),
        labels_raw,
        metric=metrics,
        base=base,
        alpha=alpha,
        bootstrap=bootstrap,
        permutations=permutations,
        ci=ci,
        seed=seed_v,
        n_jobs=threads,
        terms=False,
        progress=progress,
    )
    div.settings["n_terms"] = kk
    tok = np.bincount(labels, weights=np.asarray(X.sum(axis=1)).ravel(), minlength=K)
    pos = {g: i for i, g in enumerate(names)}
    div.table["tokens_a"] = [int(tok[pos[g]]) for g in div.table["group_a"]]
    div.table["tokens_b"] = [int(tok[pos[g]]) for g in div.table["group_b"]]
    div.settings["what"] = "topic prevalence"

    # Per topic, per pair.
    onehot = sp.csr_matrix(
        (np.ones(T.shape[0]), (labels, np.arange(T.shape[0]))), shape=(K, T.shape[0])
    )
    within_rows = []  # per topic: K x V word usage
    for t in range(kk):
        within_rows.append(np.asarray((onehot @ sp.diags(T[:, t]) @ X).todense()))
    within: Dict[str, List[np.ndarray]] = {}
    for m in metrics:
        within[m] = [
            pairwise(
                W,
                metric=m,
                base=base,
                alpha=alpha if m in ALPHA_METRICS else 0.0,
                n_jobs=threads,
            )
            for W in within_rows
        ]
    # Differences of prevalence, every pair at once: intervals from the same bootstrap replicates.
    ia, ib = np.triu_indices(K, k=1)
    sd = summarise(
        prev[ia] - prev[ib], boot[:, ia] - boot[:, ib] if boot is not None else None, ci=ci
    )
    pair_no = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(ia, ib))}
    trows = []
    for a in range(K):
        for b in range(a + 1, K):
            pi = pair_no[a, b]
            c = contributions(prev[a], prev[b], "jsd", base=base)
            pv = None
            if permutations:
                obs_d, null_d = _pair_permutation_null(T, labels, a, b, permutations, seed_v)
                # two-sided; 1e-12: the null sums arithmetic differs from the observed means'
                pv = summarise(obs_d, null=null_d, two_sided=True, tol=1e-12).p_value
            total = float(c.sum())
            for t in range(kk):
                d = float(prev[a, t] - prev[b, t])
                row: Dict[str, Any] = {
                    "group_a": names[a],
                    "group_b": names[b],
                    "topic": t,
                    "label": topic_labels[t],
                    "prevalence_a": float(prev[a, t]),
                    "prevalence_b": float(prev[b, t]),
                    "difference": d,
                }
                row.update(ci_low=float(sd.ci_low[pi, t]), ci_high=float(sd.ci_high[pi, t]))
                row["p_value"] = float(pv[t]) if pv is not None else np.nan
                row["jsd_contribution"] = float(c[t])
                row["share"] = float(c[t] / total) if total > 0 else np.nan
                for m in metrics:
                    row[f"within_{m}"] = float(within[m][t][a, b])
                wa, wb = within_rows[t][a], within_rows[t][b]
                if top_words and wa.sum() > 0 and wb.sum() > 0:
                    cw = contributions(wa, wb, "jsd")
                    pa, pb = wa / wa.sum(), wb / wb.sum()
                    order = order_desc(cw)
                    row["words_a"] = " ".join(
                        model._term(j) for j in order[pa[order] > pb[order]][:top_words]
                    )
                    row["words_b"] = " ".join(
                        model._term(j) for j in order[pb[order] > pa[order]][:top_words]
                    )
                else:
                    row["words_a"] = row["words_b"] = ""
                trows.append(row)
    topics = pd.DataFrame(trows)
    settings = {
        "k": kk,
        "method": model.method,
        "metrics": metrics,
        "units": "nats" if base is None else f"log base {base}",
        "base": base,
        "alpha": alpha,
        "bootstrap": bootstrap,
        "permutations": permutations,
        "ci": ci,
        "seed": seed_v,
        "n_jobs": threads,
        "n_statements": int(T.shape[0]),
        "n_terms": int(X.shape[1]),
        "model_seed": model.seed,
        "max_iter": model.max_iter,
        "n_iter": model.n_iter_,
    }
    notes.extend(model.notes_)
    notes.extend(n for n in div.notes if n not in notes)
    return TopicComparison(
        groups=names,
        labels=topic_labels,
        prevalence=prevalence,
        divergence=div,
        topics=topics,
        theta=T,
        statement_groups=labels_raw,
        rows=rows,
        model=model,
        settings=settings,
        notes=notes,
    )
