"""Bias-corrected divergence: the analytic small-sample correction of the JSD (:func:`jsd_bias`,
:func:`jsd_bias_pairs`).

With size weights n_g/N, the JSD of K groups equals G/(2N), G the likelihood-ratio statistic of
the K x V table (Grosse et al. 2002). Under no difference G is approximately chi-square with
(K-1)(V-1) degrees of freedom (V the number of terms used), so the plug-in JSD is biased up by
about (K-1)(V-1)/(2N) nats; ``corrected`` subtracts that and ``p_value`` is the chi-square tail.
For the equally weighted JSD of two groups that :func:`divergence.compare` reports, the same
expansion gives (V-1)/8 * (1/n_a + 1/n_b).

When to trust which: the chi-square approximation (and the analytic expectation) assume tokens
are independent draws and expected cell counts that are not small (the usual rule: at least 5
in most cells; ``share_small_expected`` reports the share of cells below 5). Text breaks both:
sparse vocabularies (most words are rare) make the expectation an underestimate of the bias
(a word said once contributes up to 2 ln(N/n_g) to G, not 1), and words come in statements
(clustered, overdispersed), which makes chi-square p-values far too small. The permutation null
of :func:`divergence.compare` (labels shuffled across statements) assumes neither and is the
one to report; the analytic values are a quick check, trustworthy for small vocabularies with
large counts (e.g. stance labels, a few hundred frequent terms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._corpus import Corpus
from ._partisan import statement_counts
from ._util.groups import group_sums
from ._util.summary import Brief, SummarisedResult, number_text
from ._util.types import Counts, Labels, MatrixLike, VectorizerLike

__all__ = ["JSDBias", "jsd_bias", "jsd_bias_from_group_counts", "jsd_bias_pairs"]


@dataclass(repr=False)
class JSDBias(SummarisedResult):
    """Size-weighted JSD of K groups with its analytic bias correction (see module docstring).

    jsd: plug-in sum_g (n_g/N) KL(p_g || pooled); g_statistic = 2 N jsd; df = (K-1)(V-1) with V
    the terms used; expected = df / (2N), the plug-in's expectation under no difference;
    corrected = jsd - expected (may be negative: no evidence of a difference); p_value: the
    chi-square tail of g_statistic; share_small_expected: share of cells with expected count
    below 5 (high: do not trust the chi-square values, use a permutation null).

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> b = dv.jsd_bias(np.array([[30, 10, 5], [25, 15, 5]]))
    >>> b.df, b.n_groups, round(b.corrected, 5), round(b.p_value, 3)
    (2, 2, -0.00299, 0.481)
    """

    jsd: float
    expected: float
    corrected: float
    g_statistic: float
    df: int
    p_value: float
    n_tokens: float
    n_groups: int
    v_observed: int
    share_small_expected: float

    def as_dict(self) -> Dict[str, float]:
        """Every field as a dict (name to value)."""
        return dict(self.__dict__)

    def _summary(self) -> Brief:
        return Brief(
            f"JSDBias: {self.n_groups} groups, {number_text(self.n_tokens)} tokens, "
            f"{self.v_observed} terms",
            [
                ("jsd (plug-in)", number_text(self.jsd)),
                ("expected under no difference", number_text(self.expected)),
                ("corrected", number_text(self.corrected)),
                ("G statistic", f"{number_text(self.g_statistic)} on {self.df} df"),
                ("chi-square p", number_text(self.p_value)),
                ("share of small expected counts", number_text(self.share_small_expected)),
            ],
            more="All values: .as_dict()",
        )


def jsd_bias(counts_by_group: MatrixLike) -> JSDBias:
    """Bias-corrected size-weighted JSD of a K x V table of counts (one row per group).

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> b = dv.jsd_bias(np.array([[30, 10, 5], [25, 15, 5]]))
    >>> round(b.jsd, 5), round(b.expected, 5)
    (0.00812, 0.01111)
    """
    from scipy.special import chdtrc  # the chi-square tail, chi2.sf, without importing scipy.stats

    if sp.issparse(counts_by_group):
        C = sp.csr_matrix(counts_by_group).toarray()
    else:
        C = np.asarray(counts_by_group)
    if C.ndim != 2:
        raise ValueError(f"counts_by_group: expected a 2-d groups x terms table, got {C.ndim}-d")
    C = C.astype(np.float64)
    if not np.all(np.isfinite(C)) or (C.size and C.min() < 0):
        raise ValueError("counts_by_group: counts must be finite and non-negative")
    n = C.sum(axis=1)
    if C.shape[0] < 2 or np.count_nonzero(n > 0) < 2:
        raise ValueError(
            "counts_by_group: needs at least two groups with counts, "
            f"got {int(np.count_nonzero(n > 0))}"
        )
    if np.any(n == 0):
        bad = ", ".join(str(i) for i in np.flatnonzero(n == 0))
        raise ValueError(f"counts_by_group: group row(s) {bad} have no counts")
    N = float(n.sum())
    col = C.sum(axis=0)
    used = col > 0
    C = C[:, used]
    col = col[used]
    K, V = C.shape
    E = np.outer(n, col) / N
    nz = C > 0
    g_stat = float(2.0 * np.sum(C[nz] * np.log(C[nz] / E[nz])))
    g_stat = max(g_stat, 0.0)
    jsd = g_stat / (2.0 * N)
    df = (K - 1) * (V - 1)
    expected = df / (2.0 * N)
    p = float(chdtrc(df, g_stat)) if df > 0 else float("nan")
    return JSDBias(
        jsd=jsd,
        expected=expected,
        corrected=jsd - expected,
        g_statistic=g_stat,
        df=int(df),
        p_value=p,
        n_tokens=N,
        n_groups=K,
        v_observed=int(V),
        share_small_expected=float(np.mean(E < 5)) if E.size else float("nan"),
    )


def jsd_bias_pairs(
    data: Union[Corpus, Counts],
    groups: Optional[Labels] = None,
    *,
    vectorizer: Optional[VectorizerLike] = None,
) -> pd.DataFrame:
    """Analytic bias correction for every pair of groups, beside :func:`divergence.compare`.

    Columns: group_a, group_b, jsd (equal weights, as compare reports), expected
    ((V-1)/8 (1/n_a + 1/n_b), V the terms either group used, n token totals), corrected,
    jsd_weighted (size weights), expected_weighted ((V-1)/(2N)), corrected_weighted,
    g_statistic, df, p_value (chi-square), share_small_expected, tokens_a, tokens_b, v_observed.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> t = dv.jsd_bias_pairs(corpus, vectorizer=dv.Vectorizer(stop_words="english"))
    >>> t[["group_a", "group_b"]].head(2).values.tolist()
    [['Armenia', 'Azerbaijan'], ['Armenia', 'Karabakh Armenians']]
    >>> bool((t["expected"] > 0).all() and (t["corrected"] < t["jsd"]).all())
    True
    """
    X, names, codes, _ = statement_counts(data, groups, vectorizer)
    K = len(names)
    if K < 2:
        raise ValueError(f"groups: needs at least two groups, found {K}")
    return jsd_bias_from_group_counts(group_sums(X, codes, K), names)


def jsd_bias_from_group_counts(C: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """:func:`jsd_bias_pairs` from the K x V matrix of summed group counts (rows: ``names``)."""
    K = len(names)
    rows = []
    for a in range(K):
        for b in range(a + 1, K):
            pair = C[[a, b]]
            pair = pair[:, pair.sum(axis=0) > 0]
            na, nb = pair.sum(axis=1)
            if na == 0 or nb == 0:
                continue
            w = jsd_bias(pair)
            p, q = pair[0] / na, pair[1] / nb
            m = 0.5 * (p + q)
            with np.errstate(divide="ignore", invalid="ignore"):
                kl_p = np.where(p > 0, p * np.log(p / m), 0.0).sum()
                kl_q = np.where(q > 0, q * np.log(q / m), 0.0).sum()
            jsd_eq = max(0.0, 0.5 * (kl_p + kl_q))
            exp_eq = (w.v_observed - 1) / 8.0 * (1.0 / na + 1.0 / nb)
            rows.append(
                dict(
                    group_a=str(names[a]),
                    group_b=str(names[b]),
                    jsd=jsd_eq,
                    expected=exp_eq,
                    corrected=jsd_eq - exp_eq,
                    jsd_weighted=w.jsd,
                    expected_weighted=w.expected,
                    corrected_weighted=w.corrected,
                    g_statistic=w.g_statistic,
                    df=w.df,
                    p_value=w.p_value,
                    share_small_expected=w.share_small_expected,
                    tokens_a=float(na),
                    tokens_b=float(nb),
                    v_observed=w.v_observed,
                )
            )
    return pd.DataFrame(rows)
