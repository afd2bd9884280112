"""Statement-level neighbours across groups: for each statement of a comparison, its nearest
statements in every other group."""

from __future__ import annotations

from typing import List, Optional

import numpy as np
import pandas as pd

from ._compare import Comparison
from ._measures import nearest
from ._util.validation import ALPHA_METRICS, LOG_METRICS, check_int, check_metric

__all__ = ["nearest_statements"]

COLUMNS = ["id", "group", "other_group", "rank", "nearest_id", "value"]


def nearest_statements(
    result: Comparison, k: int = 3, *, metric: Optional[str] = None, n_jobs: Optional[int] = None
) -> pd.DataFrame:
    """For each statement of a :func:`~divergence.compare` result, its ``k`` nearest statements
    in every other group (fewer where a group has fewer statements).

    Uses the statements as the comparison counted them (no second tokenisation; statements
    without tokens are left out). ``metric``: the comparison's first metric by default; its
    ``base`` and ``alpha`` apply where the metric takes them. Ties go to the statement that
    comes first.

    Returns a table with one row per (statement, other group, rank): ``id``, ``group``,
    ``other_group``, ``rank`` (1 = nearest), ``nearest_id`` and its divergence ``value``; in
    the order of group, other group, statement (as in the data) and rank.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> result = dv.compare(corpus, bootstrap=0, permutations=0, terms=False)
    >>> nn = dv.nearest_statements(result, k=1)
    >>> len(nn) == len(corpus) * 3  # one neighbour in each of the 3 other groups
    True
    """
    X = result.statements
    if X is None or result.statement_groups is None or result.statement_ids is None:
        raise ValueError(
            "result: this Comparison does not hold its statements; run divergence.compare again"
        )
    k = check_int(k, "k", minimum=1)
    metric = check_metric(metric or result.metrics[0])
    settings = result.settings
    base = settings.get("base") if metric in LOG_METRICS else None
    alpha = float(settings.get("alpha") or 0.0) if metric in ALPHA_METRICS else 0.0
    labels = np.asarray(result.statement_groups)

    # One nearest() call per group: every statement of the other groups against its statements.
    src: List[np.ndarray] = []
    other: List[np.ndarray] = []
    rank: List[np.ndarray] = []
    found: List[np.ndarray] = []
    value: List[np.ndarray] = []
    for h in range(len(result.groups)):
        dst = np.flatnonzero(labels == h)
        rows = np.flatnonzero(labels != h)
        if dst.size == 0 or rows.size == 0:
            continue
        kk = min(int(k), dst.size)
        idx, val = nearest(
            X[rows], X[dst], k=kk, metric=metric, base=base, alpha=alpha, n_jobs=n_jobs
        )
        src.append(np.repeat(rows, kk))
        other.append(np.full(rows.size * kk, h))
        rank.append(np.tile(np.arange(1, kk + 1), rows.size))
        found.append(dst[idx].ravel())
        value.append(val.ravel())
    if not src:
        return pd.DataFrame({c: [] for c in COLUMNS})
    s, o, r, f = (np.concatenate(a) for a in (src, other, rank, found))
    v = np.concatenate(value)
    order = np.lexsort((r, s, o, labels[s]))  # group, other group, statement, rank
    s, o, r, f, v = s[order], o[order], r[order], f[order], v[order]
    names = np.asarray(result.groups, dtype=object)
    ids = np.asarray(result.statement_ids)
    return pd.DataFrame(
        {
            "id": ids[s],
            "group": names[labels[s]],
            "other_group": names[o],
            "rank": r.astype(np.int64),
            "nearest_id": ids[f],
            "value": v.astype(np.float64),
        }
    )
