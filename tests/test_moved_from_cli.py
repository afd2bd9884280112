"""Statistics and data preparation that the CLI used to do itself, now in the library: change
points of every drift curve (divergence.drift_changepoints), Wordscores group means
(group_positions), the scaling command's counts (ScalingCounts.from_corpus) and the topics
command's fit (TopicModel with a configured vectorizer, select_k on a Corpus). Each is checked
against the CLI's former code, copied here as the reference."""

from __future__ import annotations

import math
from typing import List

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import divergence
from divergence import Wordscores, changepoints, drift_changepoints, parse_window, series_key


def old_find_changes(table: pd.DataFrame, permutations: int, block: int, seed: int) -> pd.DataFrame:
    keys = series_key(table)
    frames: List[pd.DataFrame] = []
    for k in pd.unique(keys):
        sub = table[keys == k].reset_index(drop=True)
        cp = changepoints(
            sub["value"],
            times=sub["window_start"],
            permutations=permutations,
            block=block,
            seed=seed,
        )
        if len(cp):
            cp.insert(0, "series", k)
            frames.append(cp)
    cols = ["series", "position", "time", "mean_before", "mean_after", "gain", "p_value"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in cols})


def old_block(window: str, step: str) -> int:
    win, stp = parse_window(window, "window"), parse_window(step, "step")
    if isinstance(win, int) and isinstance(stp, int):
        return max(1, math.ceil(win / stp))
    if isinstance(win, tuple) and isinstance(stp, tuple) and win[1] == stp[1]:
        return max(1, math.ceil(win[0] / stp[0]))
    return 1


def _shifted_corpus() -> divergence.Corpus:
    """Two groups whose wording changes half-way, so that the drift curves have a shift."""
    rng = np.random.default_rng(0)
    early = ["alpha", "beta", "gamma", "delta"]
    late = ["omega", "psi", "chi", "phi"]
    rows = []
    for i in range(240):
        words = early if i < 120 else late
        text = " ".join(rng.choice(words + ["common", "shared"], size=12))
        rows.append({"id": f"s{i}", "group": "AB"[i % 2], "time": 2000 + i // 12, "text": text})
    return divergence.Corpus.from_frame(pd.DataFrame(rows))


@pytest.mark.parametrize(
    ("window", "step", "mode"),
    [("20", "5", "adjacent"), ("3Y", "1Y", "baseline"), ("30", "30", "adjacent")],
)
def test_drift_changepoints_match_the_former_cli_code(window, step, mode):
    table = divergence.drift(_shifted_corpus(), window=window, step=step, mode=mode)
    new = drift_changepoints(table, permutations=49, seed=3)
    old = old_find_changes(table, 49, old_block(window, step), 3)
    pd.testing.assert_frame_equal(new, old)
    if window == "20":
        assert len(new) and set(new["series"]) <= {"A", "B"}


def test_drift_changepoints_between_mode_series_and_options():
    table = divergence.drift(
        _shifted_corpus(), window=40, step=20, mode="between", bootstrap=0, permutations=0
    )
    new = drift_changepoints(table, permutations=0, block=1, max_changes=1)
    old = old_find_changes(table, 0, 1, 0)
    assert len(new) <= len(old)
    assert set(new["series"]) <= {"A vs B"}
    empty = drift_changepoints(table.iloc[:0])
    assert list(empty.columns) == [
        "series",
        "position",
        "time",
        "mean_before",
        "mean_after",
        "gain",
        "p_value",
    ]


def test_wordscores_group_positions_match_the_former_cli_code():
    rng = np.random.default_rng(1)
    X = rng.poisson(1.5, size=(24, 30))
    y = np.full(24, np.nan)
    y[[0, 1, 2]] = [-1.0, 0.0, 1.0]
    groups = np.array(["x", "y", "z"] * 8)
    ci = 0.9
    for resc in (None, "lbg", "mv"):
        ws = Wordscores(rescaling=resc).fit(X, y)
        docs = ws.scores(rescaling=resc, ci=ci)
        docs.insert(1, "group", groups)
        pos = resc or "raw"
        z = float(norm.ppf(0.5 + ci / 2))
        rows = []
        for g in sorted(set(groups)):
            sel = docs[docs["group"] == g]
            se_col = f"{pos}_se" if resc else "se"
            mean = float(sel[pos].mean())
            se = float(np.sqrt((sel[se_col] ** 2).sum()) / len(sel))
            rows.append(
                {
                    "group": g,
                    "n": len(sel),
                    "theta": mean,
                    "se": se,
                    "ci_low": mean - z * se,
                    "ci_high": mean + z * se,
                }
            )
        old = pd.DataFrame(rows)
        new = ws.group_positions(groups, ci, rescaling=resc)
        pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=1e-14)
    with pytest.raises(ValueError, match="labels for"):
        ws.group_positions(groups[:5])


def _with_empty_statements() -> divergence.Corpus:
    """The example corpus with two statements whose only words occur once (min_df=2 drops
    them) and a column of reference positions for six statements."""
    f = divergence.Corpus.example().frame.copy()
    f["score"] = np.nan
    f.loc[f.index[:3], "score"] = 1.0
    f.loc[f.index[-3:], "score"] = -1.0
    f.loc[f.index[5], "text"] = "qqqq"
    f.loc[f.index[7], "text"] = "wwww"
    return divergence.Corpus.from_frame(f)


@pytest.mark.parametrize("min_df", [1, 2])
def test_scaling_counts_match_the_former_cli_code(min_df):
    c = _with_empty_statements()
    # The former `divergence scale` code.
    vec = divergence.Vectorizer(min_df=min_df)
    X = vec.fit_transform(list(c.text))
    vocab = [str(v) for v in vec.get_feature_names_out()]
    ids = [str(x) for x in c.id]
    groups = np.asarray(c.group.astype(str))
    keep = np.flatnonzero(np.asarray(X.sum(axis=1)).ravel() > 0)
    X = X[keep]
    ids = [ids[i] for i in keep]
    group_list = [str(g) for g in groups[keep]]
    frame = c.frame.iloc[keep]
    y = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=float)

    data = divergence.ScalingCounts.from_corpus(c, divergence.Vectorizer(min_df=min_df))
    assert (data.counts != X).nnz == 0 and data.counts.shape == X.shape
    assert data.documents == ids and data.groups == group_list and data.features == vocab
    np.testing.assert_array_equal(data.rows, keep)
    pd.testing.assert_frame_equal(data.frame, frame)
    np.testing.assert_array_equal(data.reference("score"), y)
    assert data.n_groups == len(set(group_list))
    dropped = len(c) - keep.size
    assert data.notes == ([f"dropped {dropped} statement(s) with no tokens"] if dropped else [])
    assert (min_df == 2) == (dropped == 2)
    with pytest.raises(ValueError, match="no column 'nope'"):
        data.reference("nope")
    with pytest.raises(TypeError, match="corpus: expected a Corpus"):
        divergence.ScalingCounts.from_corpus(list(c.text))  # type: ignore[arg-type]


def test_topic_fit_with_a_configured_vectorizer_matches_the_former_cli_code():
    c = divergence.Corpus.example()
    # The former `divergence topics` code: tokenise, then fit on the counts.
    vec = divergence.Vectorizer(min_df=2, stop_words=["the", "and"])
    X = vec.fit_transform(list(c.text))
    old_table, old_k = divergence.select_k(X, [2, 3], seed=4, max_iter=5)
    old = divergence.TopicModel(k=old_k, seed=4, max_iter=5).fit(
        X, vocabulary=list(vec.get_feature_names_out())
    )

    conf = divergence.Vectorizer(min_df=2, stop_words=["the", "and"])
    table, k = divergence.select_k(c, [2, 3], seed=4, max_iter=5, vectorizer=conf)
    pd.testing.assert_frame_equal(table, old_table)
    assert k == old_k
    new = divergence.TopicModel(k=k, seed=4, max_iter=5, vectorizer=conf).fit(c)
    np.testing.assert_array_equal(new.components_, old.components_)
    assert list(new.vocabulary_) == list(old.vocabulary_) and new.labels_ == old.labels_
    assert new.vectorizer_ is not conf  # fitted on a clone
    np.testing.assert_array_equal(new.transform(c), old.transform(X))
    strict = divergence.Vectorizer(min_df=1000)
    for fit in (
        lambda: divergence.select_k(c, [2, 3], vectorizer=strict),
        lambda: divergence.TopicModel(k=2, vectorizer=strict).fit(c),
    ):
        with pytest.raises(ValueError, match="^empty corpus after filtering: "):
            fit()
