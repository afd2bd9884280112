"""Issue 13: the bounded compare path (``bootstrap_scheme="poisson"``,
``permutation_scheme="keyed"``: only group sums are kept) on the UN General Debate corpus
(Caucasus; 475 statements, 8 countries) split into 1, 3 and 17 CSV files equals in-memory
``compare`` with the same options bit for bit, on the stream engine and on Dask (a LocalCluster
of 2 worker processes bound to 127.0.0.1): table, terms, observed values, bootstrap and
permutation replicates, settings."""

from __future__ import annotations

from pathlib import Path
from typing import List

import numpy as np
import pandas as pd
import pytest

import divergence as dv
from parts import write_parts

UNGD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ungd_caucasus.csv"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not UNGD.is_file(), reason="../shared/data/ungd_caucasus.csv not present"),
]

READ = dict(group_col="country", time_col="year")
OPTS = dict(
    bootstrap=20,
    permutations=15,
    seed=5,
    bootstrap_scheme="poisson",
    permutation_scheme="keyed",
    metric=["jsd", "hellinger"],
    n_jobs=2,
)


def _split(tmp_path: Path, k: int) -> List[Path]:
    return write_parts(pd.read_csv(UNGD), tmp_path, k, stem="un")


@pytest.fixture(scope="module")
def want() -> dv.Comparison:
    # in memory, from the one unsplit file (the statements in the same order as the parts')
    return dv.compare(dv.Corpus.read([str(UNGD)], **READ), **OPTS)


def _same(got: dv.Comparison, want: dv.Comparison, engine: str, paths: List[Path]) -> None:
    assert got.settings["memory"] == "bounded" and got.settings["engine"] == engine
    assert got.statements is None and got.statement_ids is None
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=True)
    pd.testing.assert_frame_equal(got.terms, want.terms, check_exact=True)
    assert list(want.metrics) == ["jsd", "hellinger"]
    for m in want.metrics:
        for f in ("observed", "bootstrap", "null"):
            np.testing.assert_array_equal(getattr(got, f)[m], getattr(want, f)[m])
    assert want.bootstrap["jsd"].shape[0] == 20 and want.null["jsd"].shape[0] == 15
    settings = dict(got.settings)
    assert settings.pop("engine") == engine and settings.pop("memory") == "bounded"
    assert [s["path"] for s in settings.pop("sources")] == [str(p) for p in paths]
    assert settings == want.settings


@pytest.mark.parametrize("k", [1, 3, 17])
def test_stream_bounded_compare_equals_in_memory(tmp_path, want, k):
    paths = _split(tmp_path, k)
    _same(dv.stream_compare(paths, read=READ, **OPTS), want, "stream", paths)


@pytest.mark.parametrize("k", [1, 3, 17])
def test_dask_bounded_compare_equals_in_memory(tmp_path, want, client, k):
    paths = _split(tmp_path, k)
    _same(dv.dask_compare(paths, client=client, read=READ, **OPTS), want, "dask", paths)
