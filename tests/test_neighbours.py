"""divergence.nearest_statements: statement-level neighbours across groups, from a comparison."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd
import pytest

import divergence
from divergence import Corpus, Vectorizer, compare, nearest, nearest_statements


def slow_nearest_statements(
    c: Any, vec: Any, metric: str, k: int, base: Optional[float], alpha: float, jobs: Optional[int]
) -> pd.DataFrame:
    """The CLI's former algorithm (tokenises again, one nearest() call per pair of groups):
    the reference the library function must match row for row."""
    X = vec.transform(list(c.text)).astype(np.float64)
    ntok = np.asarray(X.sum(axis=1)).ravel()
    keep = np.flatnonzero(ntok > 0)
    groups = np.asarray(c.group.astype(str))
    ids = np.asarray(c.id.astype(str))
    rows = []
    for g in sorted(set(groups[keep])):
        src = keep[groups[keep] == g]
        for h in sorted(set(groups[keep]) - {g}):
            dst = keep[groups[keep] == h]
            kk = min(k, dst.size)
            idx, val = nearest(
                X[src], X[dst], k=kk, metric=metric, base=base, alpha=alpha, n_jobs=jobs
            )
            for a, i in enumerate(src):
                for r in range(kk):
                    rows.append((ids[i], g, h, r + 1, ids[dst[idx[a, r]]], float(val[a, r])))
    return pd.DataFrame(rows, columns=["id", "group", "other_group", "rank", "nearest_id", "value"])


def _same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns) == list(slow.columns)
    assert len(fast) == len(slow)
    for col in ("id", "group", "other_group", "nearest_id"):
        assert [str(x) for x in fast[col]] == [str(x) for x in slow[col]], col
    assert fast["rank"].tolist() == slow["rank"].tolist()
    np.testing.assert_array_equal(fast["value"].to_numpy(), slow["value"].to_numpy())


@pytest.mark.parametrize(
    ("metric", "k", "base", "alpha", "vec_kw"),
    [
        ("jsd", 3, None, 0.0, {}),
        ("jsd", 2, 2.0, 0.0, {"min_df": 2}),
        ("hellinger", 5, None, 0.0, {"ngram_range": (1, 2)}),
        ("kl", 1, None, 0.5, {}),
        ("tv", 40, None, 0.0, {"max_features": 50}),  # k above the smallest group's size
    ],
)
def test_matches_the_pairwise_loop_on_the_example(metric, k, base, alpha, vec_kw):
    c = Corpus.example()
    vec = Vectorizer(**vec_kw)
    res = compare(
        c,
        metric=metric,
        base=base,
        alpha=alpha,
        bootstrap=0,
        permutations=0,
        terms=False,
        vectorizer=vec,
    )
    fast = nearest_statements(res, k=k)
    slow = slow_nearest_statements(c, vec, metric, k, base, alpha, None)
    _same(fast, slow)


def test_statements_without_tokens_are_left_out():
    frame = Corpus.example().frame.copy()
    frame.loc[[3, 50, 51], "text"] = "the the"  # no token left once stop words go
    c = Corpus.from_frame(frame)
    vec = Vectorizer(stop_words=["the", "of", "and"])
    res = compare(c, bootstrap=0, permutations=0, terms=False, vectorizer=vec)
    assert res.statements.shape[0] < len(c)
    fast = nearest_statements(res, k=2)
    _same(fast, slow_nearest_statements(c, vec, "jsd", 2, None, 0.0, None))
    gone = set(frame["id"].iloc[[3, 50, 51]])
    assert not gone & (set(fast["id"]) | set(fast["nearest_id"]))


def test_matrix_input_ids_are_row_positions_and_other_metric():
    rng = np.random.default_rng(3)
    X = rng.poisson(0.7, size=(30, 12)).astype(float)
    X[4] = 0.0
    groups = np.array(["a", "b", "c"] * 10)
    res = compare(X, groups, metric=["jsd", "hellinger"], bootstrap=0, permutations=0, terms=False)
    out = nearest_statements(res, k=2, metric="hellinger")
    assert 4 not in set(out["id"]) and 4 not in set(out["nearest_id"])
    assert (out["group"] != out["other_group"]).all()
    # brute force for one statement
    b_rows = np.flatnonzero((groups == "b") & (X.sum(axis=1) > 0))
    D = divergence.pairwise(X[[0]], X[b_rows], metric="hellinger")[0]
    first = out[(out["id"] == 0) & (out["other_group"] == "b")]
    assert first["nearest_id"].tolist() == b_rows[np.argsort(D, kind="stable")[:2]].tolist()
    np.testing.assert_allclose(first["value"], np.sort(D)[:2], rtol=1e-12, atol=1e-15)


def test_arguments():
    res = compare(Corpus.example(), bootstrap=0, permutations=0, terms=False)
    with pytest.raises(ValueError, match="k: must be >= 1"):
        nearest_statements(res, k=0)
    with pytest.raises(TypeError, match="k: expected an integer"):
        nearest_statements(res, k=1.5)
    with pytest.raises(ValueError, match="metric"):
        nearest_statements(res, metric="nope")
