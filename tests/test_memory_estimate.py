"""Issue 13, point 7: the in-memory engine's memory guard. Its model (_engine.memory_estimate)
was fitted to the measured peaks of ``divergence compare`` (benchmarks/README.md, "Scale");
here its pieces are checked on a small corpus built like the benchmark's (50 Zipf-drawn words
per statement), without timing or peak memory: the bytes of text it is given, the sizes of
what the engine holds (the corpus's frame, the count matrix) against the model's factors, the
slow-reader test, the guard's message; and the keyed null's sparse products summed a bounded
number of replicates at a time give the same sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import divergence as dv
from divergence import _compare, _engine
from divergence._compare import ReplicateSums


def _synthetic(n: int = 20_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    letters = np.array(list("etaoinshrdlucmfwypvbgkjqxz"))
    vocab = np.array(["".join(rng.choice(letters, rng.integers(3, 10))) for _ in range(5_000)])
    p = 1.0 / np.arange(1, len(vocab) + 1)
    words = vocab[rng.choice(len(vocab), size=(n, 50), p=p / p.sum())]
    return pd.DataFrame(
        {
            "id": [f"s{i}" for i in range(n)],
            "party": np.array(list("ABCD"))[np.arange(n) % 4],
            "text": [" ".join(row) for row in words],
        }
    )


def test_model_pieces_on_a_small_corpus(tmp_path):
    frame = _synthetic()
    path = tmp_path / "corpus.parquet"
    frame.to_parquet(path, index=False)
    text = int(frame["text"].str.len().sum())
    # the text bytes a Parquet file is taken to hold: its uncompressed size, the text and the
    # two short columns
    got = _engine.text_bytes(str(path))
    assert text < got < 1.1 * text
    c = dv.Corpus.read([str(path)])
    X = dv.Vectorizer().fit_transform(list(c.text))
    held = c.frame.memory_usage(deep=True).sum()
    counts = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    # the count matrix: 12 bytes per distinct term of a statement (int64 + int32), ~1.35x
    # the text of 50 words of ~7.3 bytes
    assert X.data.dtype == np.int64 and X.indices.dtype == np.int32
    assert 1.1 * got < counts < 1.6 * got
    # the frame ~1.45x; with the reader's leftovers (not counted here) ~2.7x: both held after
    # tokenising, under the model's resident factor
    assert 1.2 * got < held < 1.7 * got
    assert held + counts < _engine.RESIDENT_PER_TEXT_BYTE * got
    # tokenising's peak adds the tokeniser's buffers (about one more count matrix) to these
    assert held + 2 * counts < _engine.PEAK_PER_TEXT_BYTE * got
    need, t = _engine.memory_estimate([str(path)])
    assert t == got
    assert need == int(
        _engine.BASE_BYTES
        + max(
            _engine.PEAK_PER_TEXT_BYTE * got,
            _engine.RESIDENT_PER_TEXT_BYTE * got + _engine.REPLICATE_BYTES,
        )
    )
    # on the benchmark's 10M statements (3.59 GiB of text) tokenising is the peak
    big = 3.589 * 2**30
    assert _engine.PEAK_PER_TEXT_BYTE * big > _engine.RESIDENT_PER_TEXT_BYTE * big + (
        _engine.REPLICATE_BYTES
    )


def test_slow_reader_csv_is_estimated_higher(tmp_path):
    frame = _synthetic(2_000)
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    frame.to_csv(plain, index=False)
    frame.to_csv(quoted, index=False, quoting=1)  # csv.QUOTE_ALL: a quoted header
    assert not _engine.slow_read(str(plain)) and _engine.slow_read(str(quoted))
    assert not _engine.slow_read(str(tmp_path / "absent.csv"))
    need_plain, t_plain = _engine.memory_estimate([str(plain)])
    need_quoted, t_quoted = _engine.memory_estimate([str(quoted)])
    assert t_plain == plain.stat().st_size and t_quoted == quoted.stat().st_size
    big = 2**30  # where the read phase is the larger
    assert _engine.SLOW_READ_PER_TEXT_BYTE * big > _engine.PEAK_PER_TEXT_BYTE * big
    assert need_quoted >= need_plain


def test_guard_names_estimate_and_engines(tmp_path, monkeypatch):
    path = tmp_path / "corpus.parquet"
    _synthetic(2_000).to_parquet(path, index=False)
    need, _ = _engine.memory_estimate([str(path)])
    # the run may plan on 90% of what is available: refused just above, allowed at it
    limit = int(need / _engine.USABLE_SHARE)
    monkeypatch.setenv("DIVERGENCE_MEMORY_AVAILABLE", str(limit - 2))
    with pytest.raises(MemoryError) as e:
        dv.check_memory([str(path)])
    msg = str(e.value)
    assert f"about {need / 2**30:.1f} GiB" in msg and "90% of the" in msg
    assert "--engine stream" in msg and "--engine dask" in msg
    monkeypatch.setenv("DIVERGENCE_MEMORY_AVAILABLE", str(need))
    with pytest.raises(MemoryError):  # all of it available is not enough: no headroom left
        dv.check_memory([str(path)])
    monkeypatch.setenv("DIVERGENCE_MEMORY_AVAILABLE", str(limit + 2))
    dv.check_memory([str(path)])  # fits: no error


def test_keyed_products_in_bounded_chunks_are_the_same(monkeypatch):
    rng = np.random.default_rng(3)
    X = sp.random(300, 40, density=0.2, format="csr", random_state=4)
    X.data = np.ceil(X.data * 5)
    codes = rng.integers(0, 3, 300)
    sizes = np.bincount(codes, minlength=3)

    def sums() -> np.ndarray:
        acc = ReplicateSums.zeros(3, 40, seed=2, sizes=sizes, permutations=7, blocks=False)
        acc.add_partition(X, codes, offset=0)
        return acc.perm

    whole = sums()  # all 7 replicates in one product
    for entries in (300, 2 * 300, 3 * 300 + 5):  # 1, 2, 3 replicates per product
        monkeypatch.setattr(_compare, "PRODUCT_ENTRIES", entries)
        np.testing.assert_array_equal(sums(), whole)
    assert whole.shape == (7, 3, 40) and whole.sum() == 7 * X.sum()
