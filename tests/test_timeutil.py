"""One time rule for the Corpus's time column and ``times=`` of drift / partisanship over time."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import divergence as dv
from divergence._util import timeutil as T

CASES = [
    np.array([1992, 2024, 1500, 3000]),
    np.array([1992.0, np.nan, 1992.5, np.inf, 1e30, 2000.0]),
    np.array(
        [
            "1992",
            "",
            None,
            "2022-09-08",
            "2022-09-10T12:30:00",
            "soon",
            "08/09/2022",
            "1992.5",
            "0",
        ],
        dtype=object,
    ),
    np.array(
        [
            " 2020 ",
            "2022-13-01",
            "1500-01-01",
            "3000-01-01",
            "2022-09-08T00:30:00+02:00",
            "2022-09-09T12:00Z",
            "2022-09-08T12:30:00.123456789",
            "2022-02-30",
            "2022-09-08",
        ],
        dtype=object,
    ),
    [1992, None, 2000],
    [
        1992,
        "2020-01-01",
        True,
        3.0,
        dt.date(2020, 1, 2),
        dt.datetime(2020, 1, 2, 3, 4),
        pd.NaT,
        pd.NA,
        [1, 2],
    ],
    pd.Series(pd.to_datetime(["2020-01-01", None, "2021-06-01"]).tz_localize("Europe/Berlin")),
    pd.Series([1999, None], dtype="Int64"),
    np.array(["2020-01-01", "1700-01-01", "3000-01-01"], dtype="datetime64[s]"),
    np.array([True, False]),
]


@pytest.mark.parametrize("values", CASES)
def test_vectorised_reading_follows_the_one_value_rule(values):
    got = T.parse_times(values)
    items = list(values)
    for i, v in enumerate(items):
        kind, t = T.parse_time(v)
        assert got.kinds[i] == kind, (i, v)
        assert (np.isnat(got.values[i]) and t is None) or got.values[i] == t, (i, v)


def test_drift_reads_float_years_as_the_corpus_does():
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.integers(0, 4, size=(30, 12)).astype(float))
    years = np.repeat(np.arange(2000, 2010), 3)
    a = dv.drift(X, times=years, window="2Y", step="1Y")
    b = dv.drift(X, times=years.astype(float), window="2Y", step="1Y")
    pd.testing.assert_frame_equal(a, b)
    assert b.attrs["resolution"] == "year"
    with pytest.raises(ValueError, match=r"^times: cannot read 2000\.5 \(position 0\)"):
        dv.drift(X, times=np.r_[2000.5, years[1:]], window="2Y", step="1Y")
    df = pd.DataFrame(
        {"party": ["A", "B"] * 15, "year": years.astype(float), "text": ["a b", "c d"] * 15}
    )
    c = dv.Corpus.from_frame(df)
    assert c.time_resolution == "year" and list(c.time) == list(T.to_times(years.astype(float))[0])


def test_window_bound_text():
    ts = pd.Timestamp("2020-03-04")
    assert T.when_text(ts, "year") == "2020"
    assert T.when_text(ts, "date") == "2020-03-04"
    assert T.when_text(pd.Timestamp("2020-03-04 12:30"), "date") == "2020-03-04 12:30:00"
    assert T.when_text(7, None) == "7"
