"""`divergence compare` on the UN General Debate statements of the 8 countries of the Caucasus
region in ../shared/data (skipped when the data are absent)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import divergence

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
UNGD = SHARED_DATA / "ungd_caucasus.csv"
PKG_PARENT = Path(divergence.__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not UNGD.is_file(), reason="../shared/data/ungd_caucasus.csv not present"),
]


def _env() -> dict:
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(PKG_PARENT) + (os.pathsep + old if old else "")
    env.pop("DIVERGENCE_DEBUG", None)
    return env


@pytest.fixture(scope="module")
def countries():
    return sorted(pd.read_csv(UNGD, usecols=["country"])["country"].astype(str).unique())


@pytest.mark.slow
def test_compare_cli_on_the_un_corpus(tmp_path, countries):
    assert len(countries) == 8
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "divergence",
            "compare",
            str(UNGD),
            "--group-col",
            "country",
            "--bootstrap",
            "200",
            "--permutations",
            "200",
            "--format",
            "json",
            "-o",
            "out/r.json",
        ],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr.decode()
    assert b"Traceback" not in p.stderr
    out = tmp_path / "out"
    assert sorted(x.name for x in out.iterdir()) == [
        "r.json",
        "r.json.manifest.json",
        "r.terms.json",
    ]

    table = pd.DataFrame(json.loads((out / "r.json").read_text(encoding="utf-8")))
    assert len(table) == 28  # 8 choose 2
    assert set(zip(table["group_a"], table["group_b"])) == set(combinations(countries, 2))
    assert (table["metric"] == "jsd").all()
    for c in ("value", "corrected", "null_mean", "excess", "p_value"):
        assert table[c].notna().all(), c
    assert table["value"].between(0, np.log(2)).all()
    # an interval wherever no group of the pair is undersampled (ARM, GEO: over 3% of their
    # tokens are words used once), and then around the corrected estimate; else the reason
    has = table["ci_low"].notna()
    assert has.any() and (~has).any()
    assert (table.loc[~has, "ci_note"].str.startswith("undersampled")).all()
    assert (table.loc[has, "ci_note"] == "").all()
    assert (table.loc[has, "ci_low"] <= table.loc[has, "corrected"]).all()
    assert (table.loc[has, "corrected"] <= table.loc[has, "ci_high"]).all()
    assert (table["corrected"] < table["value"]).all()
    assert table["p_value"].between(1 / 201, 1).all()
    np.testing.assert_allclose(
        table["excess"], table["value"] - table["null_mean"], rtol=1e-12, atol=1e-15
    )
    # every speech counted: the statement counts of each country add up to the corpus
    n = pd.read_csv(UNGD, usecols=["country"])["country"].value_counts()
    for r in table.itertuples():
        assert r.n_a == n[r.group_a] and r.n_b == n[r.group_b]

    # the 8 x 8 matrix rebuilt from the long table is symmetric with a zero diagonal
    M = pd.DataFrame(0.0, index=countries, columns=countries)
    for r in table.itertuples():
        M.loc[r.group_a, r.group_b] = M.loc[r.group_b, r.group_a] = r.value
    assert (np.diag(M.to_numpy()) == 0).all() and (M.to_numpy()[~np.eye(8, dtype=bool)] > 0).all()

    terms = pd.DataFrame(json.loads((out / "r.terms.json").read_text(encoding="utf-8")))
    pairs = terms.groupby(["group_a", "group_b"])
    assert len(pairs) == 28
    for (ga, gb), sub in pairs:
        assert set(sub["side"]) == {ga, gb}
        assert (sub.groupby("side").size() <= 15).all()
    assert set(terms["group_a"]) | set(terms["group_b"]) == set(countries)

    man = json.loads((out / "r.json.manifest.json").read_text(encoding="utf-8"))
    assert man["seed"] == 0 and man["parameters"]["bootstrap"] == 200
    assert man["inputs"][0]["rows"] == sum(n)


def test_tokeniser_and_compare_in_python():
    """Our tokeniser + compare on the whole corpus, as a user would call them (timed for the
    record only: the machine is shared, so nothing is asserted about the time)."""
    t0 = time.perf_counter()
    c = divergence.Corpus.read(UNGD, group_col="country")
    t1 = time.perf_counter()
    vec = divergence.Vectorizer()
    res = divergence.compare(
        c,
        metric=["jsd", "hellinger"],
        bootstrap=50,
        permutations=50,
        seed=1,
        vectorizer=vec,
        top_terms=5,
    )
    t2 = time.perf_counter()
    print(
        f"read {t1 - t0:.2f} s; tokenise + compare (50 + 50 replicates, 2 metrics) {t2 - t1:.2f} s"
    )
    assert len(res.groups) == 8
    assert res.settings["n_statements"] == len(c)
    assert res.settings["n_terms"] == len(vec.get_feature_names_out())
    assert len(res.table) == 2 * 28
    # same numbers as scikit-learn's CountVectorizer counts
    from sklearn.feature_extraction.text import CountVectorizer

    X = CountVectorizer().fit_transform(list(c.text))
    ref = divergence.compare(
        X, c.group.to_numpy(), metric=["jsd", "hellinger"], bootstrap=0, permutations=0, terms=False
    )
    for m in ("jsd", "hellinger"):
        np.testing.assert_allclose(res.observed[m], ref.observed[m], rtol=1e-10, atol=1e-13)
