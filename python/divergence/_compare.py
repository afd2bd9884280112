"""How far apart are the groups? Group-by-group divergence with bootstrap intervals, a
permutation null and distinguishing terms.

Group distributions are the summed term counts of each group's statements. For every pair of
groups the result reports:

- ``value``: the plug-in divergence of the two group distributions;
- ``ci_low``/``ci_high``: a bootstrap interval (statements resampled with replacement within
  each group). ``ci_method="percentile"`` (default) gives the percentile interval; note that a
  plug-in divergence is biased upward and resampling (which duplicates statements) adds more, so
  percentile intervals of small groups can sit above ``value``. ``ci_method="basic"`` gives the
  basic (reverse percentile) interval 2*value - q, which corrects for that shift. ``boot_mean``
  shows the bootstrap mean either way;
- ``null_mean``: the mean divergence under the permutation null (labels shuffled across
  statements, group sizes kept): what sampling noise alone produces for groups of these sizes;
- ``excess`` = value - null_mean, the divergence beyond noise;
- ``p_value`` = (1 + #{null >= value}) / (1 + permutations).

Every analysis summarises its replicates alike (compare, drift, partisanship, stances, topics): a
replicate without a value (NaN) is dropped and the rest used (``permutations`` above then counts
the rest); an infinite one (bhattacharyya of disjoint supports) is a value, and an interval over
it takes its percentiles by nearest rank instead of interpolating across the infinity.

Every replicate uses its own seeded random stream: the same ``seed`` gives the same numbers for
any ``n_jobs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._corpus import Corpus
from ._measures import group_matrix
from ._util.groups import (
    drop_absent,
    group_pairs,
    group_sums,
    label_codes,
    require_groups_with_tokens,
)
from ._util.operands import as_csr
from ._util.replicates import (
    SUMMARY_COLUMNS,
    hapax_share,
    jackknife_blocks,
    summarise,
    undersampled_reasons,
)
from ._util.summary import (
    PAIR_COLUMNS,
    Brief,
    SummarisedResult,
    names_text,
    notes_text,
    pair_rows,
    replicates_text,
)
from ._util.types import Counts, Labels, Progress, Seed, VectorizerLike
from ._util.validation import (
    ALPHA_METRICS,
    ASYMMETRIC_METRICS,
    LOG_METRICS,
    check_bootstrap_scheme,
    check_choice,
    check_ci,
    check_ci_method,
    check_count,
    check_metric,
    check_options,
    resolve_n_jobs,
    seed_value,
)

if TYPE_CHECKING:
    from ._stance import StanceDivergence

__all__ = ["Comparison", "compare"]


@dataclass(repr=False)
class Comparison(SummarisedResult):
    """Result of :func:`compare`. ``table`` is the tidy long table; ``matrix()`` gives K x K
    labelled matrices; ``terms`` the distinguishing terms (when computed).

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> res = dv.compare(corpus, bootstrap=20, permutations=20, seed=1, terms=False)
    >>> type(res).__name__, res.metrics
    ('Comparison', ['jsd'])
    >>> row = res.table.iloc[0]
    >>> row["group_a"], row["group_b"], round(float(row["value"]), 3)
    ('Armenia', 'Azerbaijan', 0.221)
    """

    groups: List[str]
    metrics: List[str]
    table: pd.DataFrame
    observed: Dict[str, np.ndarray]
    bootstrap: Dict[str, np.ndarray]
    null: Dict[str, np.ndarray]
    terms: Optional[pd.DataFrame]
    settings: Dict[str, Any]  # values of every kind (numbers, names, lists), as reported
    notes: List[str] = field(default_factory=list)
    stances: Optional[StanceDivergence] = None  # when stance_col was given
    # The statements compared (those without tokens dropped), for statement-level work such as
    # divergence.nearest_statements: counts (CSR, statements x terms), each row's index into
    # ``groups``, and its id (the Corpus ids, or row positions in the matrix given).
    statements: Optional[sp.csr_matrix] = field(default=None, repr=False)
    statement_groups: Optional[np.ndarray] = field(default=None, repr=False)
    statement_ids: Optional[np.ndarray] = field(default=None, repr=False)

    def matrix(self, metric: Optional[str] = None, what: str = "value") -> pd.DataFrame:
        """K x K matrix of ``what`` (value, ci_low, ci_high, null_mean, excess, p_value).

        Examples
        --------
        >>> import divergence as dv
        >>> corpus = dv.Corpus.read(dv.example_path())
        >>> res = dv.compare(corpus, bootstrap=20, permutations=20, seed=1, terms=False)
        >>> m = res.matrix()  # metric: the first of res.metrics; what: "value"
        >>> m.round(3).loc["Armenia", ["Azerbaijan", "Mediators"]].tolist()
        [0.221, 0.236]
        >>> res.matrix(what="p_value").shape
        (4, 4)
        """
        metric = metric or self.metrics[0]
        if metric not in self.metrics:
            raise ValueError(
                f"metric: {metric!r} was not computed; computed: {', '.join(self.metrics)}"
            )
        cols = SUMMARY_COLUMNS
        check_choice(what, "what", cols)
        K = len(self.groups)
        M = np.full((K, K), np.nan)
        np.fill_diagonal(
            M,
            0.0
            if what
            in ("value", "corrected", "ci_low", "ci_high", "boot_mean", "null_mean", "excess")
            else np.nan,
        )
        t = self.table[self.table["metric"] == metric]
        pos = {g: i for i, g in enumerate(self.groups)}
        sym = metric not in ASYMMETRIC_METRICS
        for ga, gb, v in zip(t["group_a"], t["group_b"], t[what]):
            M[pos[ga], pos[gb]] = v
            if sym:
                M[pos[gb], pos[ga]] = v
        return pd.DataFrame(M, index=self.groups, columns=self.groups)

    def _summary(self) -> Brief:
        t = self.table
        sizes: Dict[str, Any] = {}
        for ga, gb, na, nb in zip(t["group_a"], t["group_b"], t["n_a"], t["n_b"]):
            sizes.setdefault(ga, na)
            sizes.setdefault(gb, nb)
        st = self.settings
        sm = Brief(
            f"Comparison: {len(self.groups)} groups, {st.get('n_statements', '?')} statements, "
            f"{st.get('n_terms', '?')} terms; {', '.join(self.metrics)} ({st.get('units', '')})",
            [
                (
                    "groups (n)",
                    names_text([f"{g} ({sizes.get(g, '?')})" for g in self.groups]),
                ),
                ("replicates", replicates_text(st)),
                *withheld_rows(t),
            ],
            PAIR_COLUMNS,
            pair_rows(t),
            "Full results: .table (per pair and metric), .matrix(metric, what), "
            + (".terms, " if self.terms is not None else "")
            + (".stances, " if self.stances is not None else "")
            + ".settings, .notes",
        )
        if self.notes:
            sm.facts.append(("notes", notes_text(self.notes)))
        return sm


def withheld_rows(t: pd.DataFrame) -> List[Any]:
    """A summary line saying for how many pairs no interval is given, and why (the first)."""
    if "ci_note" not in t.columns:
        return []
    notes = [n for n in t["ci_note"] if n]
    if not notes:
        return []
    return [("no interval", f"{len(notes)} of {len(t)} pairs: {notes[0]}")]


def group_jackknife(
    X: sp.csr_matrix,
    labels: np.ndarray,
    K: int,
    metrics: Sequence[str],
    alpha: float,
    base: Optional[float],
    seed: int,
    threads: int,
) -> tuple[np.ndarray, int]:
    """Block-jackknife values (G, m, K, K) of the group divergences: each block of statements
    (:func:`divergence._util.replicates.jackknife_blocks`, stratified by group) left out in
    turn; NaN for a pair with a group that the block empties. Returns (values, G)."""
    blocks = jackknife_blocks(labels, seed)
    n_blocks = int(blocks.max()) + 1 if blocks.size else 0
    out = np.full((n_blocks, len(metrics), K, K), np.nan)
    for b in range(n_blocks):
        keep = blocks != b
        present = np.flatnonzero(np.bincount(labels[keep], minlength=K) > 0)
        if len(present) < 2:
            continue
        remap = np.full(K, -1, dtype=np.int64)
        remap[present] = np.arange(len(present))
        o, _, _ = group_matrix(
            X[keep],
            remap[labels[keep]],
            len(present),
            metrics,
            alpha=alpha,
            base=base,
            n_jobs=threads,
        )
        out[b][np.ix_(np.arange(len(metrics)), present, present)] = o
    return out, n_blocks


def compare(
    data: Union[Corpus, Counts],
    groups: Optional[Labels] = None,
    *,
    metric: Union[str, Sequence[str]] = "jsd",
    base: Optional[float] = None,
    alpha: float = 0.0,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = "corrected",
    seed: Seed = 0,
    bootstrap_scheme: str = "resample",
    n_jobs: Optional[int] = None,
    terms: bool = True,
    top_terms: int = 15,
    term_pairs: str = "all",
    prior: float = 500.0,
    variance: str = "monroe",
    vectorizer: Optional[VectorizerLike] = None,
    vocabulary: Optional[Sequence[str]] = None,
    progress: Progress = None,
    stance_col: Optional[str] = None,
    target_col: Optional[str] = None,
) -> Comparison:
    """Compare groups of statements.

    Parameters
    ----------
    data : Corpus, or a statements x terms count matrix (sparse or dense) with ``groups``.
    groups : group label per statement (needed when ``data`` is a matrix).
    metric : one metric name or several (see :data:`divergence.METRICS`); jsd by default.
    base, alpha : log base (None = nats) and smoothing (kl/jeffreys), as in :func:`pairwise`.
    bootstrap, permutations : replicate counts (0 disables).
    ci : interval coverage; ``ci_method``: "percentile" or "basic" (see module docstring).
    seed : makes every random step reproducible (None draws a fresh one, reported in
        ``settings``).
    bootstrap_scheme : "resample" (statements drawn with replacement within each group) or
        "poisson" (each statement weighted by a Poisson(1) draw keyed by (seed, its position in
        the corpus or matrix, replicate): the same replicates for any partitioning, as the
        stream and Dask engines compute them; group sizes vary between replicates).
    terms, top_terms, term_pairs, prior, variance : distinguishing terms (log-odds with an
        informative Dirichlet prior of total ``prior``; see :mod:`divergence.terms`).
    vectorizer : a fitted-or-not :class:`divergence.Vectorizer` (or any object with
        fit_transform/get_feature_names_out) used for a Corpus; default Vectorizer().
    vocabulary : column names when ``data`` is a matrix (for the term table).
    progress : optional callable ``progress(done, total)``, called about ten times a second
        from the calling thread while replicates run (an exception it raises stops the run).
    stance_col, target_col : with a Corpus, also compare hand-coded stances (labels or scores)
        per target: see :func:`divergence.partisan.stance_divergence`; the result is in
        ``Comparison.stances``.

    For ``jsd`` the table also carries the analytic small-sample correction (see
    :func:`divergence.partisan.jsd_bias_pairs`): ``jsd_expected``, the JSD two groups of these
    token counts show with no difference at all, about (V-1)/8 (1/n_a + 1/n_b) nats with V the
    terms either group used; ``jsd_corrected`` = value - jsd_expected; ``chi2_p``, the p-value
    of the likelihood-ratio (G) test of the 2 x V table, chi-square with V-1 degrees of freedom.
    The chi-square approximation needs most expected cell counts >= 5, which sparse vocabularies
    break (``share_small_expected`` says how far): trust the permutation null there.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> result = dv.compare(corpus, bootstrap=20, permutations=20, seed=1, terms=False)
    >>> result.groups
    ['Armenia', 'Azerbaijan', 'Karabakh Armenians', 'Mediators']
    >>> float(result.matrix().loc["Armenia", "Azerbaijan"]) > 0
    True
    >>> sorted({"value", "null_mean", "excess", "p_value"} - set(result.table.columns))
    []
    """
    metrics = [metric] if isinstance(metric, str) else list(metric)
    if not metrics:
        raise ValueError("metric: give at least one metric")
    metrics = [check_metric(m) for m in metrics]
    if alpha and not any(m in ALPHA_METRICS for m in metrics):
        raise ValueError(
            f"alpha: smoothing applies only to {' and '.join(ALPHA_METRICS)}, "
            f"not {', '.join(metrics)}; use alpha=0"
        )
    if base is not None and not any(m in LOG_METRICS for m in metrics):
        raise ValueError(
            f"base: applies only to log-based metrics ({', '.join(LOG_METRICS)}); leave base=None"
        )
    if base is not None:
        check_options(next(m for m in metrics if m in LOG_METRICS), base, 0.0)
    bootstrap = check_count(bootstrap, "bootstrap")
    permutations = check_count(permutations, "permutations")
    check_ci(ci)
    check_ci_method(ci_method)
    seed_v = seed_value(seed)
    scheme = check_bootstrap_scheme(bootstrap_scheme)
    threads = resolve_n_jobs(n_jobs)
    notes: List[str] = []

    # Statements -> counts.
    vocab: Optional[List[str]]
    if isinstance(data, Corpus):
        if groups is not None:
            raise ValueError("groups: a Corpus carries its groups; do not pass groups=")
        from ._text import Vectorizer

        vec = vectorizer if vectorizer is not None else Vectorizer()
        counts = vec.fit_transform(list(data.text))
        vocab = list(vec.get_feature_names_out())
        names, codes = data.group_names, data.group_codes
        ids = np.asarray(data.id.astype(str))
    else:
        if groups is None:
            raise ValueError("groups: pass one group label per statement when data is a matrix")
        counts = data
        labels_raw = np.asarray(groups)
        vocab = list(vocabulary) if vocabulary is not None else None
        ids = np.arange(labels_raw.shape[0])
        names, codes = label_codes(labels_raw)
    X = as_csr(counts)
    if X.ndim != 2 or X.shape[0] != codes.shape[0]:
        raise ValueError(f"groups: {codes.shape[0]} labels for {X.shape[0]} statements")
    if vocab is not None and len(vocab) != X.shape[1]:
        raise ValueError(f"vocabulary: {len(vocab)} names for {X.shape[1]} columns")

    # Statements without any token have no distribution: drop them, and say so.
    ntok = np.asarray(X.sum(axis=1)).ravel()
    empty = ntok == 0
    keys = np.flatnonzero(~empty)  # positions: the Poisson bootstrap's statement keys
    if empty.any():
        notes.append(f"dropped {int(empty.sum())} statement(s) with no tokens after tokenising")
        X = X[~empty]
        codes = codes[~empty]
        ntok = ntok[~empty]
        ids = ids[~empty]
    # Fewer than two groups with tokens is an error (the check every analysis of groups
    # makes); groups left with no statement are dropped.
    require_groups_with_tokens(
        names, np.bincount(codes, weights=ntok, minlength=len(names)), "comparing"
    )
    names, labels = drop_absent(names, codes)
    K = len(names)

    obs, boot, perm = group_matrix(
        X,
        labels,
        K,
        metrics,
        alpha=alpha,
        base=base,
        bootstrap=bootstrap,
        permutations=permutations,
        seed=seed_v,
        n_jobs=threads,
        progress=progress,
        bootstrap_scheme=scheme,
        keys=keys,
    )
    n_stat = np.bincount(labels, minlength=K)
    n_tok = np.bincount(labels, weights=ntok, minlength=K)
    # Summed counts per group, once, for the undersampling check, the analytic correction and
    # the term table.
    G = group_sums(X, labels, K)
    jack, n_blocks = group_jackknife(X, labels, K, metrics, alpha, base, seed_v, threads)
    reasons = undersampled_reasons(hapax_share(G), names)
    summary = summarise(
        obs,
        boot if bootstrap else None,
        perm if permutations else None,
        ci=ci,
        method=ci_method,
        jackknife=jack,
        lower=0.0,
        withhold=np.broadcast_to(reasons, obs.shape),
    )

    rows = []
    for mi, m in enumerate(metrics):
        for a, b in group_pairs(K, m):
            row: Dict[str, Any] = {
                "group_a": names[a],
                "group_b": names[b],
                "metric": m,
                "value": float(obs[mi, a, b]),
            }
            row.update(summary.at((mi, a, b)))
            row.update(
                n_a=int(n_stat[a]),
                n_b=int(n_stat[b]),
                tokens_a=int(n_tok[a]),
                tokens_b=int(n_tok[b]),
            )
            rows.append(row)
    table = pd.DataFrame(rows)
    if "jsd" in metrics:
        from ._bias import jsd_bias_from_group_counts

        bias = jsd_bias_from_group_counts(G, names)
        bias = bias.rename(
            columns={"expected": "jsd_expected", "corrected": "jsd_corrected", "p_value": "chi2_p"}
        )
        bias = bias[
            [
                "group_a",
                "group_b",
                "jsd_expected",
                "jsd_corrected",
                "chi2_p",
                "share_small_expected",
            ]
        ]
        bias["metric"] = "jsd"
        table = table.merge(bias, on=["group_a", "group_b", "metric"], how="left")

    stances = None
    if stance_col is not None:
        if not isinstance(data, Corpus):
            raise ValueError("stance_col: stances need a Corpus (with the stance column)")
        from ._stance import stance_divergence

        stances = stance_divergence(
            data,
            stance_col,
            target_col,
            bootstrap=bootstrap,
            permutations=permutations,
            ci=ci,
            ci_method=ci_method,
            seed=seed_v,
            n_jobs=threads,
        )
    elif target_col is not None:
        raise ValueError("target_col: give stance_col too")

    term_table = None
    if terms:
        from ._terms import terms_from_group_counts

        voc = vocab if vocab is not None else [f"term_{j}" for j in range(X.shape[1])]
        term_table = terms_from_group_counts(
            G, names, voc, pairs=term_pairs, top=top_terms, alpha0=prior, variance=variance
        )

    settings = {
        "metrics": metrics,
        "units": "nats" if base is None else f"log base {base}",
        "base": base,
        "alpha": alpha,
        "bootstrap": bootstrap,
        "bootstrap_scheme": scheme,
        "permutations": permutations,
        "ci": ci,
        "ci_method": ci_method,
        "ci_for": summary.ci_for,
        "corrected": f"block jackknife over statements ({n_blocks} blocks within groups)",
        "seed": seed_v,
        "n_jobs": threads,
        "prior_alpha0": prior,
        "variance": variance,
        "n_statements": int(X.shape[0]),
        "n_terms": int(X.shape[1]),
    }
    return Comparison(
        groups=names,
        metrics=metrics,
        table=table,
        observed={m: obs[i] for i, m in enumerate(metrics)},
        bootstrap={m: boot[:, i] for i, m in enumerate(metrics)},
        null={m: perm[:, i] for i, m in enumerate(metrics)},
        terms=term_table,
        settings=settings,
        notes=notes,
        stances=stances,
        statements=X,
        statement_groups=labels,
        statement_ids=ids,
    )
