"""Which words carry the gap: log-odds with an informative Dirichlet prior, and per-term
contributions to the Jensen-Shannon divergence.

Monroe, Colaresi and Quinn (2008), "Fightin' Words", Political Analysis 16(4). For groups a
and b with term counts y_w, totals n, prior alpha_w = alpha0 * (background frequency of w):

    delta_w = ln[(y_w^a + alpha_w) / (n_a + alpha0 - y_w^a - alpha_w)]
            - ln[(y_w^b + alpha_w) / (n_b + alpha0 - y_w^b - alpha_w)]
    var(delta_w) ~ 1/(y_w^a + alpha_w) + 1/(y_w^b + alpha_w)            (variance="monroe")
    var(delta_w) ~ the above + 1/(n_a + alpha0 - y_w^a - alpha_w)
                             + 1/(n_b + alpha0 - y_w^b - alpha_w)       (variance="full")
    z_w = delta_w / sqrt(var)

Positive z: the term is more typical of group a. Implementations differ in the prior they
default to: ConvoKit uses a uniform prior of 0.1 per term; scattertext's small constant prior
per term belongs to its *uninformative* class (LogOddsRatioUninformativeDirichletPrior), while
its informative-prior class (LogOddsRatioInformativeDirichletPrior) takes a vector of prior
counts, typically the pooled counts of the corpus, and gives exactly our z when that vector is
the pooled counts scaled to sum to alpha0. The prior's total and the variance form are
therefore options, and are reported with every table.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import pandas as pd

from ._util.groups import group_sums, require_groups_with_tokens
from ._util.operands import as_csr
from ._util.types import Counts, Indices
from ._util.validation import check_choice, check_int, check_real

__all__ = ["log_odds", "distinguishing_terms", "terms_from_group_counts", "VARIANCE_FORMS"]

VARIANCE_FORMS = ("monroe", "full")


def _check_prior(alpha0: float, variance: str) -> None:
    check_real(alpha0, "alpha0", low=0, low_open=True, hint=" (the prior's total)")
    check_choice(variance, "variance", VARIANCE_FORMS)


def _check_term_args(alpha0: float, variance: str, pairs: str, top: int) -> None:
    _check_prior(alpha0, variance)
    check_choice(pairs, "pairs", ("all", "rest"))
    check_int(top, "top", minimum=1)


def log_odds(
    y_a: np.ndarray,
    y_b: np.ndarray,
    background: Optional[np.ndarray] = None,
    *,
    alpha0: float = 500.0,
    variance: str = "monroe",
) -> pd.DataFrame:
    """Log-odds ratio with an informative Dirichlet prior for every term.

    Parameters
    ----------
    y_a, y_b : 1-d arrays of term counts of the two groups (same length V).
    background : 1-d array of counts defining the prior's shape (default y_a + y_b).
    alpha0 : total prior pseudo-count, spread over terms by background frequency.
    variance : "monroe" (two-term, the paper's) or "full" (four-term).

    Returns a DataFrame with columns delta, var, z (one row per term, in column order).

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> t = dv.log_odds(np.array([40, 10, 5]), np.array([10, 40, 5]))
    >>> t["z"].round(2).tolist()
    [2.45, -2.45, 0.0]
    """
    _check_prior(alpha0, variance)
    ya = np.asarray(y_a, dtype=np.float64).ravel()
    yb = np.asarray(y_b, dtype=np.float64).ravel()
    if ya.shape != yb.shape:
        raise ValueError(f"y_a and y_b: different lengths ({ya.size} and {yb.size})")
    bg = ya + yb if background is None else np.asarray(background, dtype=np.float64).ravel()
    if bg.shape != ya.shape:
        raise ValueError(f"background: length {bg.size} does not match the {ya.size} terms")
    if np.any(bg < 0) or bg.sum() <= 0:
        raise ValueError("background: needs non-negative counts with a positive total")
    alpha = alpha0 * bg / bg.sum()
    # Terms never seen in the background get no prior mass; keep them finite by a tiny floor
    # (they have y = 0 in both groups, so delta = 0 there).
    alpha = np.maximum(alpha, 1e-12 * alpha0)
    a0 = float(alpha.sum())
    na, nb = ya.sum(), yb.sum()
    oa = (ya + alpha) / (na + a0 - ya - alpha)
    ob = (yb + alpha) / (nb + a0 - yb - alpha)
    delta = np.log(oa) - np.log(ob)
    var = 1.0 / (ya + alpha) + 1.0 / (yb + alpha)
    if variance == "full":
        var = var + 1.0 / (na + a0 - ya - alpha) + 1.0 / (nb + a0 - yb - alpha)
    z = delta / np.sqrt(var)
    return pd.DataFrame({"delta": delta, "var": var, "z": z})


def _jsd_contributions(y_a: np.ndarray, y_b: np.ndarray) -> np.ndarray:
    """Per-term contribution (nats) to JSD between the normalised count vectors."""
    p = y_a / y_a.sum()
    q = y_b / y_b.sum()
    s = p + q
    with np.errstate(divide="ignore", invalid="ignore"):
        tp = np.where(p > 0, p * np.log(2 * p / s), 0.0)
        tq = np.where(q > 0, q * np.log(2 * q / s), 0.0)
    return 0.5 * (tp + tq)


def distinguishing_terms(
    counts: Counts,
    labels: Indices,
    group_names: Sequence[str],
    vocabulary: Union[Sequence[str], np.ndarray],
    *,
    pairs: str = "all",
    top: int = 20,
    alpha0: float = 500.0,
    variance: str = "monroe",
    min_count: int = 1,
) -> pd.DataFrame:
    """Top distinguishing terms per pair of groups (or each group against the rest).

    Parameters
    ----------
    counts : statements x terms counts (sparse or dense).
    labels : group code per statement (0..K-1, indexes ``group_names``).
    pairs : "all" (every pair a < b) or "rest" (each group against all others).
    top : terms listed for each side of each pair (most positive z favour a, most negative b).
    alpha0, variance : the prior's total and the variance form (see the module docstring).
    min_count : ignore terms used fewer times than this in the pair.

    Returns a tidy DataFrame: group_a, group_b, side (the group the term favours), rank, term,
    z, delta, count_a, count_b, freq_a, freq_b (per 1000 tokens), jsd_contribution (nats; the
    terms of a pair sum to its JSD over the whole vocabulary), alpha0, variance.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> counts = np.array([[5, 0, 1], [4, 1, 1], [0, 6, 1], [1, 5, 1]])
    >>> vocabulary = ["talks", "blockade", "peace"]
    >>> t = dv.distinguishing_terms(counts, [0, 0, 1, 1], ["A", "B"], vocabulary, top=1)
    >>> t[["side", "term"]].values.tolist()
    [['A', 'talks'], ['B', 'blockade']]
    """
    _check_term_args(alpha0, variance, pairs, top)
    labels = np.asarray(labels)
    K = len(group_names)
    X = as_csr(counts)
    if X.shape[0] != labels.shape[0]:
        raise ValueError(f"labels: {labels.shape[0]} labels for {X.shape[0]} statements")
    vocab = np.asarray(vocabulary, dtype=object)
    if vocab.shape[0] != X.shape[1]:
        raise ValueError(f"vocabulary: {vocab.shape[0]} terms for {X.shape[1]} columns")
    G = group_sums(X, labels, K)
    return terms_from_group_counts(
        G,
        group_names,
        vocabulary,
        pairs=pairs,
        top=top,
        alpha0=alpha0,
        variance=variance,
        min_count=min_count,
    )


def terms_from_group_counts(
    G: np.ndarray,
    group_names: Sequence[str],
    vocabulary: Union[Sequence[str], np.ndarray],
    *,
    pairs: str = "all",
    top: int = 20,
    alpha0: float = 500.0,
    variance: str = "monroe",
    min_count: int = 1,
) -> pd.DataFrame:
    """:func:`distinguishing_terms` from the K x V matrix of summed group counts.

    A group without tokens (every word a stop word, say) is left out of the pairs; fewer than
    two groups with tokens raise ValueError, as in :func:`compare`."""
    _check_term_args(alpha0, variance, pairs, top)
    G = np.asarray(G, dtype=np.float64)
    vocab = np.asarray(vocabulary, dtype=object)
    K = len(group_names)
    if G.ndim != 2 or G.shape[0] != K:
        raise ValueError(f"G: expected {K} rows (one per group), got shape {G.shape}")
    # Groups without tokens have no word distribution to compare: they are left out (no pair
    # with them), and fewer than two groups with tokens is an error.
    with_tokens = require_groups_with_tokens(group_names, G.sum(axis=1), "distinguishing terms")
    background = G.sum(axis=0)
    if pairs == "all":
        plan = [
            (int(a), G[a], G[b], group_names[b])
            for i, a in enumerate(with_tokens)
            for b in with_tokens[i + 1 :]
        ]
    else:
        plan = [(int(a), G[a], background - G[a], "(rest)") for a in with_tokens]
    frames = []
    for a, ya, yb, name_b in plan:
        lo = log_odds(ya, yb, background, alpha0=alpha0, variance=variance)
        contrib = _jsd_contributions(ya, yb)
        used = (ya + yb) >= min_count
        idx = np.flatnonzero(used)
        z = lo["z"].to_numpy()[idx]
        na, nb = ya.sum(), yb.sum()
        for side, order in (
            (group_names[a], np.argsort(-z, kind="stable")),
            (name_b, np.argsort(z, kind="stable")),
        ):
            pick = idx[order[:top]]
            if side == group_names[a]:
                pick = pick[lo["z"].to_numpy()[pick] > 0]
            else:
                pick = pick[lo["z"].to_numpy()[pick] < 0]
            frames.append(
                pd.DataFrame(
                    {
                        "group_a": group_names[a],
                        "group_b": name_b,
                        "side": side,
                        "rank": np.arange(1, pick.size + 1),
                        "term": vocab[pick],
                        "z": lo["z"].to_numpy()[pick],
                        "delta": lo["delta"].to_numpy()[pick],
                        "count_a": ya[pick].astype(np.int64),
                        "count_b": yb[pick].astype(np.int64),
                        "freq_a": 1000.0 * ya[pick] / na,
                        "freq_b": 1000.0 * yb[pick] / nb,
                        "jsd_contribution": contrib[pick],
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out["alpha0"] = float(alpha0)
    out["variance"] = variance
    return out
