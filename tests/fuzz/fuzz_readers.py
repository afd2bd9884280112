"""Fuzz target: random bytes through divergence.Corpus.read.

Every input format (csv, tsv, jsonl, text, parquet; from the extension or from
``input_format``), optionally gzip-compressed, with random read options (a group for every
statement, drop_empty, encoding_errors, strict, time_col=False). The only exception allowed is
CorpusError (bad data, naming the file and line); any other exception, a warning, a crash in
the core or a hang (``-timeout``) is a finding. What is read must be consistent: as many
groups as texts, every text and group a str.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import warnings

import _harness
from _harness import Data

with _harness.instrumented():
    import divergence
    from divergence import CorpusError

FORMATS = ("csv", "tsv", "jsonl", "text", "parquet")
SUFFIX = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "text": ".txt", "parquet": ".parquet"}
TMP = tempfile.mkdtemp(prefix="fuzz-readers-")


def one_input(data: bytes) -> None:
    d = Data(data)
    flags = d.byte()
    fmt = FORMATS[d.byte() % len(FORMATS)]
    payload = d.rest()
    if flags & 1:
        payload = gzip.compress(payload, mtime=0)
    name = "in" + SUFFIX[fmt] + (".gz" if flags & 2 else "")
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(payload)
    kw = dict(
        input_format=fmt if flags & 4 else None,
        group="g" if flags & 8 else None,
        drop_empty=bool(flags & 16),
        encoding_errors="replace" if flags & 32 else "strict",
        strict=bool(flags & 64),
    )
    if flags & 128:
        kw["time_col"] = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a warning escaping to the user is a finding too
            corpus = divergence.Corpus.read(path, **kw)
    except CorpusError:
        return
    finally:
        os.unlink(path)
    texts = corpus.text.tolist()
    assert len(texts) == len(corpus.group) == len(corpus), (len(texts), len(corpus.group))
    assert all(isinstance(t, str) for t in texts)
    assert all(isinstance(g, str) for g in corpus.group.tolist())


if __name__ == "__main__":
    _harness.main(one_input)
