"""Partisanship (plug-in and leave-out), bias-corrected JSD and stance divergence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import divergence
from divergence import (
    _core,
    jsd_bias,
    jsd_bias_pairs,
    partisanship,
    partisanship_over_time,
    stance_divergence,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# --------------------------------------------------------------------------------------------
# Slow reference: the formulas, one speaker at a time, dense.


def reference(C, lab, G):
    C = np.asarray(C, dtype=float)
    lab = np.asarray(lab)
    m = C.sum(axis=1)
    q = C / m[:, None]
    Cg = np.array([C[lab == g].sum(axis=0) for g in range(G)])
    Mg = Cg.sum(axis=1)
    F = Cg / Mg[:, None]
    T = F.sum(axis=0)
    rho = np.divide(F, T, out=np.full_like(F, 1.0 / G), where=T > 0)
    pi = np.mean([(F[g] * rho[g]).sum() for g in range(G)])
    score = np.zeros(len(C))
    for i in range(len(C)):
        g = lab[i]
        Fi = F.copy()
        Fi[g] = (Cg[g] - C[i]) / (Mg[g] - m[i])
        Ti = Fi.sum(axis=0)
        r = np.divide(Fi[g], Ti, out=np.full(C.shape[1], 1.0 / G), where=Ti > 0)
        score[i] = (q[i] * r).sum()
    lo = np.mean([score[lab == g].mean() for g in range(G)])
    return pi, lo, score


def core(C, lab, G, B=0, P=0, seed=0, n_jobs=1):
    X = sp.csr_matrix(np.asarray(C, dtype=float))
    t = (X.indptr.astype(np.int64), X.indices.astype(np.int32), X.data, X.shape[1])
    return _core.partisanship(t, np.asarray(lab, dtype=np.int32), G, B, P, seed, n_jobs)


def test_hand_computed_with_prior_rule():
    # R: two speakers saying "a"; D: one says "b", one says "c" (each the only one to say it).
    C = [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    obs, by_g, score, _, _ = core(C, [0, 0, 1, 1], 2)
    # plug-in: q^R = (1, 0, 0), q^D = (0, .5, .5): every phrase identifies its group
    assert obs[0] == pytest.approx(1.0)
    # leave-out: R speakers still see the other R speaker say "a" (posterior 1); "b" and "c"
    # were said by no remaining speaker: posterior = prior 1/2.
    np.testing.assert_allclose(score, [1.0, 1.0, 0.5, 0.5])
    assert obs[1] == pytest.approx(0.75)
    np.testing.assert_allclose(by_g, [[1.0, 1.0], [1.0, 0.5]])


@pytest.mark.parametrize("G", [2, 3, 5])
def test_core_matches_reference(G):
    rng = np.random.default_rng(G)
    n, V = 40, 30
    C = rng.poisson(0.5, (n, V))
    C[:, rng.integers(0, V)] += 1  # every speaker has tokens
    C[0, -1] = 0
    C[:, -1] = 0
    C[3, -1] = 2  # a phrase only speaker 3 used
    lab = rng.integers(0, G, n)
    lab[: 2 * G] = np.repeat(np.arange(G), 2)
    obs, by_g, score, _, _ = core(C, lab, G)
    pi, lo, sc = reference(C, lab, G)
    assert obs[0] == pytest.approx(pi, rel=1e-12)
    assert obs[1] == pytest.approx(lo, rel=1e-12)
    np.testing.assert_allclose(score, sc, rtol=1e-12, atol=1e-15)


@settings(max_examples=40)
@given(st.integers(2, 4), st.integers(4, 12), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_core_matches_reference_property(G, n, V, seed):
    rng = np.random.default_rng(seed)
    n = max(n, 2 * G)
    C = rng.poisson(0.7, (n, V))
    C[np.arange(n), rng.integers(0, V, n)] += 1
    lab = np.concatenate([np.repeat(np.arange(G), 2), rng.integers(0, G, n - 2 * G)])
    obs, _, score, _, _ = core(C, lab, G)
    pi, lo, sc = reference(C, lab, G)
    assert obs[0] == pytest.approx(pi, rel=1e-12, abs=1e-15)
    assert obs[1] == pytest.approx(lo, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(score, sc, rtol=1e-12, atol=1e-15)


def test_bit_identical_for_any_thread_count():
    rng = np.random.default_rng(3)
    C = rng.poisson(0.3, (300, 200))
    C[:, 0] += 1
    lab = rng.integers(0, 3, 300)
    one = core(C, lab, 3, B=40, P=40, seed=9, n_jobs=1)
    two = core(C, lab, 3, B=40, P=40, seed=9, n_jobs=2)
    four = core(C, lab, 3, B=40, P=40, seed=9, n_jobs=4)
    for a, b, c in zip(one, two, four):
        assert np.array_equal(a, b, equal_nan=True)
        assert np.array_equal(a, c, equal_nan=True)
    other = core(C, lab, 3, B=40, P=40, seed=10, n_jobs=1)
    assert not np.array_equal(one[3], other[3])


def test_speakers_are_summed():
    rng = np.random.default_rng(4)
    C = rng.poisson(0.5, (60, 25))
    C[:, 0] += 1
    spk = np.repeat(np.arange(20), 3)
    grp = np.where(spk < 10, "R", "D")
    r = partisanship(C, grp, [f"s{k}" for k in spk], bootstrap=0, permutations=0)
    S = np.array([C[spk == k].sum(axis=0) for k in range(20)])
    lab = (np.arange(20) < 10).astype(int)  # "D" < "R": D = 0, R = 1
    pi, lo, _ = reference(S, lab, 2)
    assert r.plug_in == pytest.approx(pi)
    assert r.leave_out == pytest.approx(lo)
    assert r.groups == ["D", "R"]
    assert list(r.speakers["n_statements"]) == [3] * 20
    assert r.table["chance"].iloc[0] == 0.5


# --------------------------------------------------------------------------------------------
# Simulation (GST's point): plug-in biased up, leave-out honest.


def _simulate(pR, pD, n_per, tokens, seed):
    rng = np.random.default_rng(seed)
    rows = np.vstack(
        [rng.multinomial(tokens, pR, size=n_per), rng.multinomial(tokens, pD, size=n_per)]
    )
    return sp.csr_matrix(rows), np.array(["R"] * n_per + ["D"] * n_per)


def _zipf(V):
    p = 1.0 / np.arange(1, V + 1) ** 1.1
    return p / p.sum()


def test_simulation_same_distribution():
    p = _zipf(2000)
    X, lab = _simulate(p, p, 300, 60, 1)
    r = partisanship(X, lab, bootstrap=200, permutations=100, seed=3)
    pi, lo = r.table.iloc[0], r.table.iloc[1]
    sd_lo = np.nanstd(r.bootstrap[:, 1])
    # plug-in: clearly above 1/2 although both groups speak alike
    assert pi.value > 0.5 + 10 * sd_lo
    assert pi.value > 0.52
    # leave-out: within noise of 1/2, and 1/2 inside its interval
    assert abs(lo.value - 0.5) < 3 * sd_lo
    assert lo.ci_low <= 0.5 <= lo.ci_high
    # shuffled labels reproduce the plug-in's bias and leave the leave-out at about 1/2
    assert pi.null_mean == pytest.approx(pi.value, abs=0.005)
    assert lo.null_mean == pytest.approx(0.5, abs=0.003)


def test_simulation_planted_difference_is_recovered():
    V = 2000
    base = _zipf(V)
    pert = np.exp(np.random.default_rng(5).normal(0, 0.5, V))
    pR = base * pert / np.sum(base * pert)
    pD = base / pert / np.sum(base / pert)
    true = 0.5 * np.sum(pR**2 / (pR + pD)) + 0.5 * np.sum(pD**2 / (pR + pD))
    X, lab = _simulate(pR, pD, 300, 60, 10)
    r = partisanship(X, lab, bootstrap=200, permutations=50, seed=3)
    pi, lo = r.table.iloc[0], r.table.iloc[1]
    assert lo.ci_low <= true <= lo.ci_high
    assert abs(lo.value - true) < 0.005
    assert pi.value > true + 0.01  # the plug-in overstates it
    assert not (pi.ci_low <= true <= pi.ci_high)
    assert lo.p_value < 0.05


# --------------------------------------------------------------------------------------------
# Speakers and groups: policies and errors


def _frame():
    return pd.DataFrame(
        {
            "party": ["R", "R", "R", "D", "D", "D", "D"],
            "speaker": ["ann", "bob", "ann", "cy", "dee", "cy", "bob"],
            "text": [
                "tax cuts now",
                "cut taxes jobs",
                "jobs jobs tax",
                "health care for all",
                "care and health",
                "fair wages health",
                "jobs and care",
            ],
        }
    )


def test_speaker_in_two_groups_error_names_speaker_and_groups():
    c = divergence.Corpus.from_frame(_frame())
    with pytest.raises(ValueError, match=r"'bob' \('D', 'R'\).*speaker_group_policy"):
        partisanship(c, speakers="speaker", bootstrap=0, permutations=0)


def test_speaker_group_policies():
    c = divergence.Corpus.from_frame(_frame())
    first = partisanship(
        c, speakers="speaker", bootstrap=0, permutations=0, speaker_group_policy="first"
    )
    assert dict(zip(first.speakers["speaker"], first.speakers["group"]))["bob"] == "R"
    assert any("first" in n for n in first.notes)
    split = partisanship(
        c, speakers="speaker", bootstrap=0, permutations=0, speaker_group_policy="split"
    )
    assert {"bob [R]", "bob [D]"} <= set(split.speakers["speaker"])
    assert len(split.speakers) == 5
    with pytest.raises(ValueError, match="speaker_group_policy"):
        partisanship(c, speakers="speaker", speaker_group_policy="last")


def test_bad_inputs():
    C = np.ones((4, 3))
    with pytest.raises(ValueError, match="at least two groups"):
        partisanship(C, ["a"] * 4, bootstrap=0, permutations=0)
    with pytest.raises(ValueError, match=r"two statements per group; 'b' has 1"):
        partisanship(C, ["a", "a", "a", "b"], bootstrap=0, permutations=0)
    with pytest.raises(ValueError, match="4 labels for 3 statements|3 labels for 4"):
        partisanship(C, ["a", "a", "b"], bootstrap=0, permutations=0)
    with pytest.raises(ValueError, match="finite and non-negative"):
        partisanship(np.array([[1, -1], [1, 1], [1, 1], [1, 1]]), ["a", "a", "b", "b"])
    with pytest.raises(ValueError, match="speakers: no column"):
        partisanship(divergence.Corpus.from_frame(_frame()), speakers="nobody")
    with pytest.raises(ValueError, match="without a speaker"):
        partisanship(C, ["a", "a", "b", "b"], ["x", None, "y", "z"])
    with pytest.raises(ValueError, match="bootstrap"):
        partisanship(C, ["a", "a", "b", "b"], bootstrap=-1)
    with pytest.raises(ValueError, match="groups"):
        _core.partisanship(
            (np.array([0, 1], dtype=np.int64), np.array([0], dtype=np.int32), np.ones(1), 1),
            np.zeros(1, dtype=np.int32),
            1,
            0,
            0,
            0,
            1,
        )
    # empty statements are dropped, and said so
    C2 = np.vstack([np.ones((4, 3)), np.zeros((1, 3))])
    r = partisanship(C2, ["a", "a", "b", "b", "b"], bootstrap=0, permutations=0)
    assert any("no tokens" in n for n in r.notes)


def _over_time_data(seed=2):
    rng = np.random.default_rng(seed)
    n = 120
    years = np.repeat(np.arange(2000, 2012), 10)
    C = rng.poisson(0.6, (n, 40))
    C[:, 0] += 1
    grp = np.tile(["A", "B"], n // 2)
    grp[80:] = "A"  # 2008-2011: one group only
    return C, grp, years


def test_over_time_windows():
    from divergence._partisan_time import OVER_TIME_COLUMNS

    C, grp, years = _over_time_data()
    r = partisanship_over_time(
        C, grp, times=years, window="4Y", bootstrap=20, permutations=20, seed=1
    )
    t = r.table
    assert list(t.columns) == OVER_TIME_COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(t["window_start"])
    # drift's windows: half-open [2000, 2004), [2004, 2008), [2008, 2012), two rows each
    assert sorted(set(t["window_start"].dt.year)) == [2000, 2004, 2008]
    assert sorted(set(t["window_end"].dt.year)) == [2004, 2008, 2012]
    assert list(t.groupby("window")["n_statements"].first()) == [40, 40, 40]
    # the one-group window is reported, not dropped: NaN values and the reason
    w2 = t[t["window"] == 2]
    assert len(w2) == 2 and not w2["scored"].any() and w2["value"].isna().all()
    assert w2["reason"].str.contains("at least two groups").all() and (w2["groups"] == "A").all()
    assert w2["chance"].isna().all()
    assert any("window 2 (2008 to 2012) not scored" in s for s in r.notes)
    assert r.settings["n_windows"] == 3 and r.settings["n_scored"] == 2
    assert t.loc[t["scored"], "reason"].eq("").all()
    # a scored window equals partisanship on its statements, same seed
    one = partisanship(C[:40], grp[:40], bootstrap=20, permutations=20, seed=1)
    w0 = t[t["window"] == 0].set_index("estimator")
    assert w0.loc["leave-out", "value"] == one.leave_out
    assert w0.loc["leave-out", "ci_low"] == one.table["ci_low"].iloc[1]
    assert w0.loc["plug-in", "null_mean"] == one.table["null_mean"].iloc[0]
    assert w0.loc["leave-out", "chance"] == 0.5 and w0.loc["leave-out", "n_speakers"] == 40
    # count windows without times: row positions [start, end)
    by_stmt = partisanship_over_time(C, grp, window=30, step=15, bootstrap=0, permutations=0)
    assert list(by_stmt.table["window_start"].unique()) == [0, 15, 30, 45, 60, 75, 90]
    assert list(by_stmt.table["window_end"].unique()) == [30, 45, 60, 75, 90, 105, 120]
    assert not by_stmt.table["scored"].iloc[-1]  # rows 90-119: group A only
    with pytest.raises(ValueError, match="window"):
        partisanship_over_time(C, grp, window="4Q")
    with pytest.raises(ValueError, match="need times"):
        partisanship_over_time(C, grp, window="4Y")
    with pytest.raises(ValueError, match="at least two groups"):
        partisanship_over_time(C, np.full(120, "A"), times=years, window="4Y")


@pytest.mark.parametrize(
    "times_kind, window, step",
    [
        ("years", "4Y", None),
        ("years", "3Y", "1Y"),
        ("years", "8Y", "2Y"),
        ("dates", "90D", "30D"),
        ("dates", "6M", "2M"),
        ("dates", 25, 10),
        ("none", 30, 15),
        ("none", 50, None),
    ],
)
def test_over_time_windows_are_drifts(times_kind, window, step):
    """Same windows as divergence.drift(mode='between'): starts, ends, statement counts, empty
    windows included (a gap in the data gives an empty window, reported with its reason)."""
    from divergence import drift

    C, grp, years = _over_time_data(5)
    grp[80:] = np.tile(["A", "B"], 20)
    keep = (years < 2004) | (years > 2007)  # a gap: no statements from 2004 to 2007
    C, grp, years = C[keep], grp[keep], years[keep]
    if times_kind == "years":
        times = years
    elif times_kind == "dates":
        times = pd.to_datetime(
            [f"{y}-{1 + i % 12:02d}-15" for i, y in enumerate(years)]
        ).sort_values()
    else:
        times = None
    ours = partisanship_over_time(
        C, grp, times=times, window=window, step=step, bootstrap=0, permutations=0
    )
    theirs = drift(
        sp.csr_matrix(C), times=times, groups=grp, window=window, step=step, mode="between"
    )
    lo = ours.table[ours.table["estimator"] == "leave-out"].reset_index(drop=True)
    assert len(lo) == len(theirs) == ours.settings["n_windows"]
    for col in ("window", "window_start", "window_end", "anchored_end", "n_statements", "n_tokens"):
        assert list(lo[col]) == list(theirs[col]), col
    empty = lo["n_statements"] == 0
    # the same reason for an empty window as drift gives (formerly "no statements in the window")
    assert (lo.loc[empty, "reason"] == "empty window").all()
    assert (theirs.loc[empty, "reason"] == "empty window").all()
    assert lo.loc[empty, "value"].isna().all()
    if times_kind == "years" and window == "4Y":
        assert list(empty) == [False, True, False]  # [2004, 2008) is empty: reported, not dropped
    assert (
        ours.settings["window"] == theirs.attrs["window"]
        and ours.settings["step"] == theirs.attrs["step"]
    )


@pytest.mark.parametrize(
    "times_kind, window, step",
    [
        ("years", "30D", None),  # narrower than the time resolution (years)
        ("years", "1Y", "6M"),
        ("dates", "12H", None),  # not a span drift knows
        ("years", "4Y", "0Y"),  # step 0
        ("none", 10, 0),
        ("years", "20Y", None),  # longer than the data
        ("none", 500, None),
        ("years", "4Y", 10),  # mixed kinds
        ("unsorted", "4Y", None),
        ("none", "4Y", None),  # time windows without times
        ("none", 0, None),
    ],
)
def test_over_time_errors_are_drifts(times_kind, window, step):
    from divergence import drift

    C, grp, years = _over_time_data()
    times = {
        "years": years,
        "dates": pd.to_datetime([f"{y}-06-01" for y in years]),
        "unsorted": years[::-1].copy(),
        "none": None,
    }[times_kind]
    with pytest.raises(ValueError) as theirs:
        drift(sp.csr_matrix(C), times=times, groups=grp, window=window, step=step, mode="between")
    with pytest.raises(ValueError) as ours:
        partisanship_over_time(
            C, grp, times=times, window=window, step=step, bootstrap=0, permutations=0
        )
    assert str(ours.value) == str(theirs.value)


def test_over_time_corpus_sorted_by_time_and_outside_note():
    rng = np.random.default_rng(4)
    words = [f"w{i}" for i in range(30)]
    rows = []
    for y in range(1990, 2003):
        for k in range(6):
            g = "R" if k % 2 else "D"
            pool = words[:20] if g == "R" else words[10:]
            rows.append({"party": g, "year": y, "text": " ".join(rng.choice(pool, 12))})
    df = (
        pd.DataFrame(rows).sample(frac=1.0, random_state=3).reset_index(drop=True)
    )  # not in time order
    c = divergence.Corpus.from_frame(df, group_col="party", time_col="year")
    r = partisanship_over_time(c, window="5Y", bootstrap=10, permutations=10, seed=2)
    lo = r.table[r.table["estimator"] == "leave-out"]
    # [1990, 1995), [1995, 2000): [2000, 2005) would end after 2002 + 1 year, as in drift; the
    # last times (2000 to 2002) are in a final window anchored at the end, [1998, 2003)
    # (formerly they fell in no window, n_outside 18 and a note)
    assert list(lo["window_start"].dt.year) == [1990, 1995, 1998]
    assert list(lo["window_end"].dt.year) == [1995, 2000, 2003]
    assert list(lo["anchored_end"]) == [False, False, True]
    assert list(lo["n_statements"]) == [30, 30, 30] and lo["scored"].all()
    assert r.settings["n_outside"] == 0 and r.settings["anchored_end"]
    assert not any("fall in no window" in s for s in r.notes)
    assert (lo["value"] > lo["null_mean"]).all()  # planted difference
    from divergence import drift

    d = drift(c, window="5Y", mode="between")
    assert list(d["window_start"]) == list(lo["window_start"]) and list(d["n_statements"]) == list(
        lo["n_statements"]
    )
    with pytest.raises(ValueError, match="Corpus carries its times"):
        partisanship_over_time(c, window="5Y", times=df["year"])
    with pytest.raises(ValueError, match="narrower than the data's time resolution"):
        partisanship_over_time(c, window="90D")


def test_cli_over_time(tmp_path):
    C, grp, years = _over_time_data()
    f = tmp_path / "t.csv"
    pd.DataFrame(
        {
            "party": grp,
            "year": years,
            "text": [
                " ".join(f"w{j}" for j in np.flatnonzero(r) for _ in range(int(r[j]))) for r in C
            ],
        }
    ).to_csv(f, index=False)
    res = _cli(
        [
            "partisanship",
            str(f),
            "--time-col",
            "year",
            "--window",
            "4Y",
            "--bootstrap",
            "10",
            "--permutations",
            "10",
            "--no-progress",
            "--plot",
            str(tmp_path / "t.png"),
        ]
    )
    assert res.exit_code == 0, res.output
    assert (
        "2 of 3 windows scored" in res.output
        and "not scored: groups: partisanship needs" in res.output
    )
    assert (tmp_path / "t.png").stat().st_size > 0
    out = tmp_path / "t_out.csv"
    res = _cli(
        [
            "partisanship",
            str(f),
            "--time-col",
            "year",
            "--window",
            "4Y",
            "--step",
            "2Y",
            "--bootstrap",
            "0",
            "--permutations",
            "0",
            "--no-progress",
            "--format",
            "csv",
            "-o",
            str(out),
        ]
    )
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert {"window_start", "window_end", "n_statements", "scored", "reason", "chance"} <= set(
        t.columns
    )
    assert t["window"].nunique() == 5
    res = _cli(["partisanship", str(f), "--time-col", "year", "--window", "30D"])
    assert res.exit_code != 0 and "narrower than the data's time resolution" in res.output
    res = _cli(["partisanship", str(f), "--time-col", "year", "--window", "4Y", "--step", "0Y"])
    assert res.exit_code != 0 and "step" in res.output


# --------------------------------------------------------------------------------------------
# Bias-corrected JSD


def test_jsd_bias_matches_g_test():
    from scipy.stats import chi2_contingency

    T = np.array([[30, 10, 5, 0, 7], [20, 25, 5, 3, 0], [10, 10, 10, 1, 1]])
    b = jsd_bias(T)
    g, p, dof, _ = chi2_contingency(T, lambda_="log-likelihood", correction=False)
    assert b.g_statistic == pytest.approx(g)
    assert b.df == dof == 2 * 4
    assert b.p_value == pytest.approx(p)
    N = T.sum()
    assert b.jsd == pytest.approx(g / (2 * N))
    assert b.expected == pytest.approx(8 / (2 * N))
    assert b.corrected == pytest.approx(b.jsd - b.expected)
    # the size-weighted JSD by its definition: sum_g n_g/N KL(p_g || pooled)
    pooled = T.sum(axis=0) / N
    w = sum(
        T[g].sum()
        / N
        * sum(
            x / T[g].sum() * math.log(x / T[g].sum() / pooled[j]) for j, x in enumerate(T[g]) if x
        )
        for g in range(3)
    )
    assert b.jsd == pytest.approx(w)
    # an unused column does not count in V
    assert jsd_bias(np.hstack([T, np.zeros((3, 2))])).df == 8
    with pytest.raises(ValueError, match="two groups"):
        jsd_bias(T[:1])


def test_jsd_bias_expectation_under_no_difference():
    rng = np.random.default_rng(0)
    p = np.array([0.4, 0.3, 0.2, 0.1])
    vals = [jsd_bias(rng.multinomial(500, p, size=2)) for _ in range(400)]
    plug = np.mean([v.jsd for v in vals])
    corr = np.mean([v.corrected for v in vals])
    assert plug == pytest.approx(3 / 2000, rel=0.15)
    assert abs(corr) < 0.15 * plug
    assert 0.03 < np.mean([v.p_value < 0.05 for v in vals]) < 0.08


def test_jsd_bias_pairs_match_compare():
    c = divergence.Corpus.example()
    t = jsd_bias_pairs(c)
    cmp = divergence.compare(c, bootstrap=0, permutations=0, terms=False)
    merged = t.merge(cmp.table, on=["group_a", "group_b"], suffixes=("", "_cmp"))
    assert len(merged) == 6
    np.testing.assert_allclose(merged["jsd"], merged["value"], rtol=1e-9)
    assert (merged["expected"] > 0).all()
    np.testing.assert_allclose(merged["corrected"], merged["jsd"] - merged["expected"])
    assert (
        merged["share_small_expected"] > 0.5
    ).all()  # a sparse vocabulary: chi-square unreliable


# --------------------------------------------------------------------------------------------
# Stances


def _stance_frame():
    return pd.DataFrame(
        {
            "party": ["A"] * 4 + ["B"] * 4 + ["A", "A", "B", "B", "B"],
            "text": [
                "talks now",
                "talks later",
                "no talks",
                "more talks",
                "talks soon",
                "no more",
                "soon now",
                "later talks",
                "now then",
                "then later",
                "soon soon",
                "no no",
                "more more",
            ],
            "target": ["t1"] * 8 + ["t2"] * 5,
            "stance": [
                "against",
                "favour",
                "favour",
                "favour",
                "against",
                "against",
                "against",
                "favour",
                "neutral",
                "favour",
                "neutral",
                "neutral",
                "against",
            ],
        }
    )


def test_stance_labels_by_hand():
    c = divergence.Corpus.from_frame(_stance_frame())
    r = stance_divergence(c, "stance", "target", bootstrap=50, permutations=50, seed=1)
    assert (
        r.kind == "label"
        and r.targets == ["t1", "t2"]
        and r.stances == ["against", "favour", "neutral"]
    )
    d = r.distributions.set_index(["target", "group", "stance"])
    assert d.loc[("t1", "A", "favour"), "share"] == 0.75
    assert d.loc[("t2", "B", "neutral"), "count"] == 2
    t1 = r.table[r.table["target"] == "t1"].set_index("metric")["value"]
    # t1: A = (1/4, 3/4, 0), B = (3/4, 1/4, 0) over (against, favour, neutral)
    assert t1["jsd"] == pytest.approx(0.75 * math.log(3) - math.log(2))
    assert t1["jensenshannon"] == pytest.approx(math.sqrt(0.75 * math.log(3) - math.log(2)))
    assert t1["tv"] == pytest.approx(0.5)
    assert t1["hellinger"] == pytest.approx(math.sqrt(1 - math.sqrt(3) / 2))
    assert t1["bhattacharyya"] == pytest.approx(-math.log(math.sqrt(3) / 2))
    assert t1["cosine"] == pytest.approx(0.4)
    # kl / jeffreys smoothed with alpha = 0.5: (1.5, 3.5, 0.5)/5.5 vs (3.5, 1.5, 0.5)/5.5
    kl = (1.5 * math.log(1.5 / 3.5) + 3.5 * math.log(3.5 / 1.5)) / 5.5
    assert t1["kl"].tolist() == pytest.approx([kl, kl])  # both directions
    assert t1["jeffreys"] == pytest.approx(2 * kl)
    # t2: A = (0, 1/2, 1/2), B = (1/3, 0, 2/3)
    t2 = r.table[r.table["target"] == "t2"].set_index("metric")["value"]
    assert t2["tv"] == pytest.approx(0.5)
    assert t2["cosine"] == pytest.approx(1 - (0.5 * 2 / 3) / (math.sqrt(0.5) * math.sqrt(5 / 9)))
    assert ((r.table["p_value"] > 0) & (r.table["p_value"] <= 1)).all()
    assert r.matrix("t1", "tv").loc["B", "A"] == pytest.approx(0.5)


def test_stance_scores_by_hand():
    df = pd.DataFrame(
        {"party": ["A"] * 3 + ["B"] * 3, "text": ["x"] * 6, "stance": [1, 2, 3, 2, 4, 6]}
    )
    r = stance_divergence(divergence.Corpus.from_frame(df), "stance", bootstrap=50, permutations=50)
    assert r.kind == "score" and r.targets == ["(all)"]
    v = r.table.set_index("metric")["value"]
    assert v["mean_difference"] == pytest.approx(-2.0)
    assert v["wasserstein"] == pytest.approx(2.0)  # mean |sorted A - sorted B| = (1 + 2 + 3)/3
    M = r.matrix(metric="mean_difference")
    assert M.loc["A", "B"] == -2.0 and M.loc["B", "A"] == 2.0
    d = r.distributions.set_index("group")
    assert d.loc["B", "mean"] == 4.0 and d.loc["A", "median"] == 2.0
    # strings that are all numbers are scores too
    df["stance"] = df["stance"].astype(str)
    assert (
        stance_divergence(df.rename(columns={"party": "group"}), bootstrap=0, permutations=0).kind
        == "score"
    )


def test_stance_bad_inputs():
    df = _stance_frame()
    c = divergence.Corpus.from_frame(df.assign(stance="favour"))
    with pytest.raises(ValueError, match="1 distinct value \\('favour'\\)"):
        stance_divergence(c, "stance")
    num = pd.DataFrame(
        {"party": ["A", "A", "B", "B"], "text": ["x"] * 4, "stance": [1.0, np.nan, 2.0, 3.0]}
    )
    with pytest.raises(ValueError, match="NaN.*data frame index 1"):
        stance_divergence(divergence.Corpus.from_frame(num), "stance")
    r = stance_divergence(
        divergence.Corpus.from_frame(num), "stance", missing="drop", bootstrap=0, permutations=0
    )
    assert r.settings["n_statements"] == 3 and r.notes
    with pytest.raises(ValueError, match="no column 'stanse'"):
        stance_divergence(divergence.Corpus.from_frame(df), "stanse")
    lab = df.copy()
    lab.loc[2, "stance"] = ""
    with pytest.raises(ValueError, match="without a stance"):
        stance_divergence(divergence.Corpus.from_frame(lab), "stance")
    with pytest.raises(ValueError, match="kind='score'"):
        stance_divergence(divergence.Corpus.from_frame(df), "stance", kind="score")


# --------------------------------------------------------------------------------------------
# Command line


def _cli(args):
    from divergence.cli import main

    return CliRunner().invoke(main, args)


def test_cli_example(tmp_path):
    out = tmp_path / "p.csv"
    res = _cli(
        [
            "partisanship",
            "--example",
            "--speaker-col",
            "speaker",
            "--bootstrap",
            "20",
            "--permutations",
            "20",
            "--stance-col",
            "stance",
            "--target-col",
            "target",
            "--format",
            "csv",
            "-o",
            str(out),
            "--plot",
            str(tmp_path / "p.png"),
            "--no-progress",
        ]
    )
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert list(t["estimator"]) == ["plug-in", "leave-out"]
    assert (tmp_path / "p.stances.csv").exists() and (tmp_path / "p.speakers.csv").exists()
    assert (tmp_path / "p.png").stat().st_size > 0 and (tmp_path / "p.stances.png").exists()
    assert (tmp_path / "p.csv.manifest.json").exists()
    res = _cli(
        [
            "partisanship",
            "--example",
            "--speaker-col",
            "speaker",
            "--bootstrap",
            "0",
            "--permutations",
            "10",
        ]
    )
    assert res.exit_code == 0 and "leave-out" in res.output and "1/G = 0.250" in res.output


def test_cli_bad_inputs_exit_3(tmp_path):
    f = tmp_path / "c.csv"
    _frame().to_csv(f, index=False)
    res = _cli(["partisanship", str(f), "--speaker-col", "speaker"])
    assert res.exit_code == 3 and "'bob'" in res.output
    res = _cli(
        [
            "partisanship",
            str(f),
            "--speaker-col",
            "speaker",
            "--speaker-group-policy",
            "split",
            "--bootstrap",
            "0",
            "--permutations",
            "0",
        ]
    )
    assert res.exit_code == 0, res.output
    one = tmp_path / "one.csv"
    _frame().assign(party="R").to_csv(one, index=False)
    assert _cli(["partisanship", str(one)]).exit_code == 3
    s = tmp_path / "s.csv"
    _stance_frame().assign(stance="favour").to_csv(s, index=False)
    res = _cli(
        [
            "partisanship",
            str(s),
            "--stance-col",
            "stance",
            "--bootstrap",
            "0",
            "--permutations",
            "0",
        ]
    )
    assert res.exit_code == 3 and "distinct value" in res.output
    nan = tmp_path / "n.csv"
    _stance_frame().assign(stance=["1"] * 12 + [""]).to_csv(nan, index=False)
    res = _cli(
        [
            "partisanship",
            str(nan),
            "--stance-col",
            "stance",
            "--stance-kind",
            "score",
            "--bootstrap",
            "0",
            "--permutations",
            "0",
        ]
    )
    assert res.exit_code == 3 and "n.csv line 14" in res.output


# --------------------------------------------------------------------------------------------
# Real data: US State of the Union addresses, Republican vs Democratic, by decade.


@pytest.mark.shared_data
@pytest.mark.skipif(
    not (DATA / "us_sotu.csv").exists(), reason="../shared/data/us_sotu.csv not present"
)
def test_sotu_by_decade(tmp_path):
    c = divergence.Corpus.read(
        DATA / "us_sotu.csv", group_col="party", time_col="year", id_col="doc_id"
    )
    c = c.filter(groups=["Republican", "Democratic"])
    vec = divergence.Vectorizer(min_df=2)
    r = partisanship_over_time(
        c, window="10Y", bootstrap=50, permutations=50, seed=1, vectorizer=vec
    )
    t = r.table
    # [1829, 1839) ... [2009, 2019), then [2015, 2025) anchored at the end (2019-2024 were in no
    # window before), as divergence drift
    assert r.settings["n_windows"] == 20 and t["anchored_end"].iloc[-1]
    lo = t[(t["estimator"] == "leave-out") & t["scored"]].set_index("window_start")
    pi = t[(t["estimator"] == "plug-in") & t["scored"]].set_index("window_start")
    assert len(lo) >= 8
    assert np.isfinite(lo["value"]).all()
    assert (pi["value"] > lo["value"]).all()  # the plug-in is always the larger
    assert (lo["null_mean"] < pi["null_mean"]).all()
    skipped = t[~t["scored"]]
    assert skipped["value"].isna().all() and skipped["reason"].str.contains("two groups").all()
    d = divergence.drift(c, window="10Y", mode="between", vectorizer=vec)
    assert list(d["window_start"]) == list(t.loc[t["estimator"] == "leave-out", "window_start"])
    from divergence.plot import plot_partisanship

    plot_partisanship(r, tmp_path / "sotu.png")
    assert (tmp_path / "sotu.png").stat().st_size > 0


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_sum_rows_by_property(data):
    """Random counts (explicit zeros, empty rows), random owners (some with no rows, some with
    many): each out row holds the owner's columns in increasing order, each sum adds the rows in
    increasing order (checked against a slow dict reference, bit for bit), the same for 1, 2
    and 7 threads."""
    seed = data.draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n = data.draw(st.integers(0, 80))
    V = data.draw(st.integers(1, 40))
    n_out = data.draw(st.integers(1, 30))
    D = rng.integers(0, 4, size=(n, V)).astype(float) * (rng.random((n, V)) < 0.3)
    D = D + rng.random((n, V)) * (rng.random((n, V)) < 0.05)  # some non-integers
    X = sp.csr_matrix(D)
    if X.nnz:
        X.data[rng.random(X.nnz) < 0.1] = 0.0  # explicit zeros stay entries
    owner = rng.integers(0, n_out, size=n).astype(np.int64)
    tup = (X.indptr.astype(np.int64), X.indices.astype(np.int32), X.data, V)
    ref_ip, ref_ix, ref_dt = [0], [], []
    for o in range(n_out):
        acc = {}
        for i in np.flatnonzero(owner == o):
            for k in range(X.indptr[i], X.indptr[i + 1]):
                t = int(X.indices[k])
                acc[t] = acc[t] + X.data[k] if t in acc else X.data[k]
        for t in sorted(acc):
            ref_ix.append(t)
            ref_dt.append(acc[t])
        ref_ip.append(len(ref_ix))
    for jobs in (1, 2, 7):
        ip, ix, dt = _core.sum_rows_by(tup, owner, n_out, jobs)
        assert np.array_equal(ip, ref_ip) and np.array_equal(ix, np.asarray(ref_ix, dtype=np.int32))
        assert np.array_equal(dt, np.asarray(ref_dt, dtype=np.float64))


def test_sum_rows_by_matches_scipy():
    rng = np.random.default_rng(8)
    X = sp.random(500, 300, density=0.05, format="csr", random_state=1) * 7
    X.data = np.round(X.data) + 1
    X.sort_indices()
    owner = rng.integers(0, 60, 500).astype(np.int64)
    ip, ix, dt = _core.sum_rows_by(
        (X.indptr.astype(np.int64), X.indices.astype(np.int32), X.data, 300), owner, 70, 2
    )
    A = sp.csr_matrix((np.ones(500), (owner, np.arange(500))), shape=(70, 500))
    S = sp.csr_matrix(A @ X)
    S.sort_indices()
    assert np.array_equal(ip, S.indptr) and np.array_equal(ix, S.indices)
    np.testing.assert_allclose(dt, S.data, rtol=1e-15)
    with pytest.raises(ValueError, match="owner"):
        _core.sum_rows_by(
            (X.indptr.astype(np.int64), X.indices.astype(np.int32), X.data, 300), owner, 10, 1
        )
