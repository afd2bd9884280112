"""Drift and partisanship over time use all of the data: a final window anchored at the end
covers the last times, shared by all groups; every unscored window says why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import divergence as dv
from divergence._util.timeutil import count_windows, outside_rows, window_bounds, window_grid


def _sotu_like(seed: int = 0):
    """Two parties, one address a year, 1990 to 2026: 10Y/5Y windows end at 2025 on the grid."""
    rng = np.random.default_rng(seed)
    years = np.arange(1990, 2027)
    party = np.where((years // 8) % 2 == 0, "D", "R")
    X = rng.poisson(1.0, (len(years), 40))
    X[:, 0] += 1
    return X, party, years


def test_time_grid_anchors_the_last_window():
    _, _, years = _sotu_like()
    t = pd.DatetimeIndex([pd.Timestamp(year=int(y), month=1, day=1) for y in years])
    g = window_grid(t, (10, "Y"), (5, "Y"), "year")
    assert g.anchored
    assert [s.year for s in g.starts] == [1990, 1995, 2000, 2005, 2010, 2015, 2017]
    assert [e.year for e in g.ends] == [2000, 2005, 2010, 2015, 2020, 2025, 2027]
    rw = window_bounds(t, len(t), (10, "Y"), (5, "Y"), "year", g, "the corpus")
    assert list(rw.anchored) == [False] * 6 + [True]
    assert len(outside_rows(rw.begin, rw.end, len(t))) == 0
    # a grid that reaches the end is left alone
    g2 = window_grid(t[:-2], (10, "Y"), (5, "Y"), "year")  # 1990..2024: [2015, 2025) is last
    assert not g2.anchored and g2.ends[-1].year == 2025


def test_count_windows_anchor_the_last_statements():
    b, e = count_windows(10, 4, 3)
    assert list(b) == [0, 3, 6] and list(e) == [4, 7, 10]  # fits: unchanged
    b, e = count_windows(11, 4, 3)
    assert list(b) == [0, 3, 6, 7] and list(e) == [4, 7, 10, 11]


@pytest.mark.parametrize("mode", ["adjacent", "baseline", "between"])
def test_drift_covers_the_last_times(mode):
    X, party, years = _sotu_like()
    d = dv.drift(X, times=years, groups=party, window="10Y", step="5Y", mode=mode)
    last = d.groupby("window")["window_end"].first().iloc[-1]
    assert last.year == 2027  # [2017, 2027): 2024 and 2026 are in a window
    assert d.attrs["n_outside"] == 0
    key = "group_a" if mode == "between" else "group"
    for _, sub in d.groupby(key):
        assert list(sub["anchored_end"]) == [False] * (len(sub) - 1) + [True]
    # shared by all groups: the curves align
    starts = {k: list(s["window_start"]) for k, s in d.groupby(key)}
    assert len({tuple(v) for v in starts.values()}) == 1
    # every row without a value says why; scored rows have no reason
    assert (d.loc[d["value"].isna(), "reason"] != "").all()
    assert (d.loc[d["value"].notna(), "reason"] == "").all()


def test_drift_count_windows_cover_the_last_statements():
    X, party, years = _sotu_like()
    d = dv.drift(X, groups=party, window=10, step=4, mode="between")  # 37 statements
    assert list(d["window_start"])[-1] == 27 and list(d["window_end"])[-1] == 37
    assert d["anchored_end"].iloc[-1] and not d["anchored_end"].iloc[:-1].any()


def test_partisanship_over_time_covers_the_last_times_as_drift():
    X, party, years = _sotu_like()
    r = dv.partisanship_over_time(
        X, party, times=years, window="10Y", step="5Y", bootstrap=0, permutations=0
    )
    lo = r.table[r.table["estimator"] == "leave-out"].reset_index(drop=True)
    d = dv.drift(X, times=years, groups=party, window="10Y", step="5Y", mode="between")
    for col in ("window_start", "window_end", "anchored_end", "n_statements"):
        assert list(lo[col]) == list(d[col]), col
    assert lo["anchored_end"].iloc[-1] and lo["window_end"].iloc[-1].year == 2027
    assert r.settings["n_outside"] == 0 and r.settings["anchored_end"]
    assert lo["n_statements"].iloc[-1] == 10  # 2017 .. 2026


def test_reasons_for_unscored_windows():
    # A: 2000-2003 and 2010-2011, B: 2000-2005; nobody 2006-2007
    years = np.array([2000, 2000, 2001, 2001, 2002, 2003, 2004, 2005, 2010, 2011])
    grp = np.array(["A", "B", "A", "B", "A", "B", "B", "B", "A", "A"])
    rng = np.random.default_rng(3)
    X = rng.poisson(1.0, (len(years), 20))
    X[:, 0] += 1
    d = dv.drift(X, times=years, groups=grp, window="2Y", mode="between")
    by_start = dict(zip(d["window_start"].dt.year, d["reason"]))
    assert by_start[2000] == "" and by_start[2002] == ""
    assert by_start[2004] == "only one group present (B)"
    assert by_start[2006] == "empty window"
    assert by_start[2010] == "only one group present (A)"
    adj = dv.drift(X, times=years, groups=grp, window="2Y", mode="adjacent")
    a = adj[adj["group"] == "A"].set_index(adj[adj["group"] == "A"]["window_start"].dt.year)
    assert a.loc[2000, "reason"] == "first window: no previous window to compare with"
    assert a.loc[2004, "reason"] == "empty window"
    assert a.loc[2008, "reason"] == "empty window"
    assert a.loc[2010, "reason"] == "previous window empty"
    assert (adj.loc[adj["value"].isna(), "reason"] != "").all()
    r = dv.partisanship_over_time(X, grp, times=years, window="2Y", bootstrap=0, permutations=0)
    lo = r.table[r.table["estimator"] == "leave-out"].set_index(
        r.table.loc[r.table["estimator"] == "leave-out", "window_start"].dt.year
    )
    assert lo.loc[2006, "reason"] == "empty window"
    assert "two groups" in lo.loc[2004, "reason"] and "two groups" in lo.loc[2010, "reason"]
    assert (lo.loc[~lo["scored"], "reason"] != "").all()


def test_step_longer_than_window_notes_the_gaps():
    X, party, years = _sotu_like()
    r = dv.partisanship_over_time(
        X, party, times=years, window="2Y", step="5Y", bootstrap=0, permutations=0
    )
    assert r.settings["n_outside"] > 0
    assert any("fall in no window" in n and "step is longer" in n for n in r.notes)
    d = dv.drift(X, times=years, groups=party, window="2Y", step="5Y", mode="between")
    assert d.attrs["n_outside"] == r.settings["n_outside"]
    assert any("fall in no window" in n for n in d.attrs["notes"])
