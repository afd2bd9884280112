"""Fuzz target: divergence.Vectorizer against scikit-learn's CountVectorizer.

Random documents (any code point, or the tricky alphabet of tests/test_tokenize.py: final
sigma, dotted I, combining marks, ...) with random options (lowercase, min_token_length,
n-grams, min_df / max_df, max_features, binary, stop words): the vocabulary (terms and order)
and the counts must be CountVectorizer's, and where CountVectorizer raises ValueError ours
raises it with the same message (tests/test_tokenize.py: assert_same_fit). Skipped (exit 0,
said) when the core's Unicode tables are not this Python's version: then the two tokenisers
differ by design.
"""

from __future__ import annotations

import sys
import unicodedata
import warnings

import _harness
import numpy as np
from _harness import Data

with _harness.instrumented():
    import divergence
    from divergence import _core
from test_tokenize import TRICKY, assert_same_fit

STOP = ["aa", "the", "σας", "i\u0307", "_"]


def one_input(data: bytes) -> None:
    d = Data(data)
    n_docs = d.int(1, 6)
    alphabet = TRICKY if d.int(0, 2) == 2 else None
    kw = {}
    if d.bool():
        kw["lowercase"] = d.bool()
    if d.bool():
        kw["min_token_length"] = d.int(1, 2)
    if d.bool():
        lo = d.int(1, 3)
        kw["ngram_range"] = (lo, lo + d.int(0, 2))
    if d.int(0, 3) == 3:
        kw["min_df"] = d.pick([1, 2, 0.0, 0.3, 1.0])  # int 0: ours only (documented)
        kw["max_df"] = d.pick([1, 3, 0.5, 1.0])
    if d.int(0, 3) == 3:
        kw["max_features"] = d.int(1, 6)
    if d.int(0, 3) == 3:
        kw["binary"] = True
    if d.int(0, 3) == 3:
        kw["stop_words"] = STOP
    n_jobs = d.int(1, 3)
    per_doc = max(1, d.left() // n_docs)
    docs = [d.text(per_doc, alphabet) for _ in range(n_docs)]
    with warnings.catch_warnings():
        # CountVectorizer warns that stop words "i̇" are not tokens ("inconsistent"): not ours.
        warnings.simplefilter("ignore", UserWarning)
        if "max_features" in kw and _tie_at_the_cut(docs, kw):
            _same_fit_modulo_ties(docs, n_jobs, kw)
        else:
            assert_same_fit(docs, n_jobs=n_jobs, **kw)


def _full_counts(docs: list, kw: dict) -> tuple[list, np.ndarray] | None:
    from sklearn.feature_extraction.text import CountVectorizer

    rest = {k: v for k, v in kw.items() if k not in ("max_features", "min_token_length")}
    if kw.get("min_token_length", 2) != 2:
        rest["token_pattern"] = r"(?u)\b\w+\b"
    try:
        X = CountVectorizer(**rest).fit(docs)
    except ValueError:
        return None
    counts = np.asarray(X.transform(docs).sum(axis=0)).ravel()
    return X.get_feature_names_out().tolist(), counts


def _tie_at_the_cut(docs: list, kw: dict) -> bool:
    """max_features keeps the k most frequent terms; which of several terms tied at the k-th
    count it keeps is not specified by scikit-learn (its argsort is not stable, and NumPy's SIMD
    sort orders ties differently on different CPUs), so ties at the cut are compared as sets
    of counts instead of terms."""
    full = _full_counts(docs, kw)
    if full is None:
        return False
    counts = np.sort(full[1])[::-1]
    k = kw["max_features"]
    return len(counts) > k and counts[k - 1] == counts[k]


def _same_fit_modulo_ties(docs: list, n_jobs: int, kw: dict) -> None:
    full = _full_counts(docs, kw)
    assert full is not None
    names, counts = full
    rest = {k: v for k, v in kw.items() if k != "max_features"}
    assert_same_fit(docs, n_jobs=n_jobs, **rest)  # the vocabulary before the cut is exact
    ours = divergence.Vectorizer(n_jobs=n_jobs, **kw).fit(docs)
    got = ours.get_feature_names_out().tolist()
    k = kw["max_features"]
    assert got == sorted(got) and len(got) == min(k, len(names))
    by_name = dict(zip(names, counts))
    top = np.sort(counts)[::-1][: len(got)]
    assert sorted((by_name[g] for g in got), reverse=True) == top.tolist()


if __name__ == "__main__":
    if _core.UNICODE_VERSION != unicodedata.unidata_version:
        print(
            f"fuzz_tokenize skipped: tables hold Unicode {_core.UNICODE_VERSION}, this Python "
            f"has {unicodedata.unidata_version} (rerun tools/gen_unicode_tables.py)"
        )
        sys.exit(0)
    _harness.main(one_input)
