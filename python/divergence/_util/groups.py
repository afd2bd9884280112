"""Group labels as integer codes: one numbering for every analysis.

Groups are numbered in the sorted order of their labels as text (the order of
``np.unique(np.asarray(labels).astype(str))``: 1 and "1" are one group), so every table lists
them alike. A :class:`~divergence.Corpus` computes its codes once (``Corpus.group_codes``,
``Corpus.group_names``); label arrays passed with a count matrix go through :func:`label_codes`.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .types import Counts, Labels
from .validation import ASYMMETRIC_METRICS

__all__ = ["drop_absent", "group_pairs", "group_sums", "label_codes", "require_groups_with_tokens"]


def label_codes(labels: Labels) -> Tuple[List[str], np.ndarray]:
    """(sorted distinct labels as text, int64 code of each label): equal to
    ``np.unique(np.asarray(labels).astype(str), return_inverse=True)``, found by hashing (one
    pass over the labels) instead of sorting them."""
    arr = np.asarray(labels)
    if arr.ndim != 1:
        arr = arr.ravel()
    if arr.dtype.kind in "iub" or (
        arr.dtype.kind == "O" and pd.api.types.infer_dtype(arr, skipna=False) == "string"
    ):
        # Distinct integers, booleans or strings have distinct texts: number the values.
        codes, uniq = pd.factorize(arr, use_na_sentinel=False)
        text = np.asarray([str(u) for u in uniq], dtype=object)
    else:
        # Floats (0.0 and -0.0), mixed objects (1, 1.0 and True hash alike): number the texts.
        codes, uniq = pd.factorize(arr.astype(str), use_na_sentinel=False)
        text = np.asarray(uniq, dtype=object)
    order = np.argsort(text, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return [str(t) for t in text[order]], rank[np.asarray(codes)]


def drop_absent(names: Sequence[str], codes: np.ndarray) -> Tuple[List[str], np.ndarray]:
    """Only the groups that occur in ``codes``, renumbered 0..K'-1 in the same order (after
    statements were dropped, or within a subset)."""
    codes = np.asarray(codes)
    present = np.flatnonzero(np.bincount(codes, minlength=len(names)))
    if len(present) == len(names):
        return list(names), codes.astype(np.int64, copy=False)
    new = np.full(len(names), -1, dtype=np.int64)
    new[present] = np.arange(len(present))
    return [names[int(g)] for g in present], new[codes]


def require_groups_with_tokens(
    names: Sequence[str], tokens: Union[Sequence[float], np.ndarray], what: str
) -> np.ndarray:
    """The indices of the groups with tokens (``tokens``: each group's token total); ValueError
    ``groups: <what> needs at least two groups with tokens, found K ('A')`` when fewer than two
    have any (e.g. every word of a group was a stop word). The one check every analysis of
    groups makes before comparing them."""
    tok = np.asarray(tokens, dtype=np.float64).ravel()
    if tok.shape[0] != len(names):
        raise ValueError(f"tokens: {tok.shape[0]} totals for {len(names)} groups")
    keep = np.flatnonzero(tok > 0)
    if keep.size < 2:
        found = ", ".join(repr(str(names[int(g)])) for g in keep)
        raise ValueError(
            f"groups: {what} needs at least two groups with tokens, found {keep.size}"
            + (f" ({found})" if found else "")
        )
    return keep


def group_sums(X: Counts, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Rows of X (statements x terms, sparse or dense) summed per group: a dense
    ``n_groups`` x terms float64 array."""
    codes = np.asarray(codes)
    n = codes.shape[0]
    ind = sp.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_groups, n))
    G = ind @ X
    return np.asarray(G.toarray() if sp.issparse(G) else G, dtype=np.float64)


def group_pairs(n_groups: int, metric: str) -> List[Tuple[int, int]]:
    """The (a, b) cells a group table reports for ``metric``: every ordered pair a != b for an
    asymmetric core metric (kl; the metric table's ``symmetric``), each unordered pair a < b
    once for every other metric (stance scores' mean difference is reported as a - b)."""
    K = int(n_groups)
    if metric in ASYMMETRIC_METRICS:
        return [(a, b) for a in range(K) for b in range(K) if a != b]
    return [(a, b) for a in range(K) for b in range(a + 1, K)]
