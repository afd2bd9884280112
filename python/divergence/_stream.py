"""The stream engine's analyses (issue 13): :func:`stream_terms` and :func:`stream_compare`
over partitions read one after another (:mod:`divergence._engine`), with results identical to
the in-memory functions on the whole corpus read at once.

* ``stream_terms`` keeps only the K x V group sums: its memory is one partition plus K x V.
* ``stream_compare`` keeps the statements' counts (a CSR matrix, not their text) with their
  groups and ids, then runs :func:`divergence.compare` on them: its memory is the count matrix
  (about 12 bytes per distinct term of each statement) plus one partition's text, not the text
  of the corpus. Replicates with ``bootstrap_scheme="poisson"`` are keyed by each statement's
  position in the corpus, so they are the same for any partitioning.

The permutation null is compare's: an exact relabelling with the group sizes fixed (a
Fisher-Yates shuffle of the labels of all statements, one stream per replicate). It is the same
for any partitioning because both engines assemble the statements in corpus order (file order,
then row order) before it runs; it is not yet computed per partition. (A relabelling that could
be, each statement's label drawn from the group proportions by a keyed generator, would let
group sizes vary between replicates, which changes the null of small groups; not done.)
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._compare import Comparison, compare
from ._engine import Inputs, PartitionProgress, Partitions, count_partitions, vocabulary_pass
from ._terms import terms_from_group_counts
from ._text import Vectorizer
from ._util.groups import group_sums

__all__ = ["stream_compare", "stream_terms"]


def stream_terms(
    inputs: Inputs,
    *,
    vectorizer: Optional[Vectorizer] = None,
    pairs: str = "all",
    top: int = 20,
    alpha0: float = 500.0,
    variance: str = "monroe",
    min_count: int = 1,
    read: Optional[Dict[str, Any]] = None,
    progress: PartitionProgress = None,
) -> pd.DataFrame:
    """:func:`divergence.distinguishing_terms` of a corpus given as files (paths, a glob
    pattern or a list of them), counted one file at a time: two passes (vocabulary, counts),
    the K x V group sums added over partitions. ``read``: keyword arguments of
    :meth:`Corpus.read` (text_col, group_col, ...). The same table as reading every file at
    once and calling ``distinguishing_terms`` with ``vectorizer``'s counts.

    Examples
    --------
    >>> import divergence as dv
    >>> terms = dv.stream_terms(str(dv.example_path()), top=3)
    >>> terms[["group_a", "group_b", "side"]].iloc[0].tolist(), terms["rank"].tolist()[:4]
    (['Armenia', 'Azerbaijan', 'Armenia'], [1, 2, 3, 1])
    """
    parts = Partitions.of(inputs, read)
    vocab = vocabulary_pass(parts, vectorizer, progress)
    K = len(vocab.groups)
    G = np.zeros((K, len(vocab.terms)))
    for _, _, X, labels in count_partitions(parts, vocab, vectorizer, progress):
        G += group_sums(X, labels, K)
    table = terms_from_group_counts(
        G,
        vocab.groups,
        vocab.terms,
        pairs=pairs,
        top=top,
        alpha0=alpha0,
        variance=variance,
        min_count=min_count,
    )
    table.attrs["sources"] = parts.sources  # the files read (path, sha256, format, rows)
    return table


def stream_compare(
    inputs: Inputs,
    *,
    vectorizer: Optional[Vectorizer] = None,
    read: Optional[Dict[str, Any]] = None,
    progress: PartitionProgress = None,
    **options: Any,
) -> Comparison:
    """:func:`divergence.compare` of a corpus given as files, read and tokenised one file at a
    time; ``options`` are compare's (metric, bootstrap, bootstrap_scheme, permutations, seed,
    ...). The result equals ``compare(Corpus.read(files), vectorizer=...)``, with
    ``settings["engine"]`` and ``settings["sources"]`` (the files read) added.

    Examples
    --------
    >>> import divergence as dv
    >>> res = dv.stream_compare([str(dv.example_path())], bootstrap=20, permutations=20,
    ...                         seed=1, terms=False)
    >>> res.settings["engine"], [s["rows"] for s in res.settings["sources"]]
    ('stream', [170])
    >>> round(float(res.matrix().loc["Armenia", "Azerbaijan"]), 3)
    0.221
    """
    for name in ("groups", "vocabulary", "stance_col", "target_col"):
        if name in options:
            raise ValueError(f"{name}: not available with the stream engine")
    parts = Partitions.of(inputs, read)
    vocab = vocabulary_pass(parts, vectorizer, progress)
    blocks: List[sp.csr_matrix] = []
    labels: List[np.ndarray] = []
    ids: List[np.ndarray] = []
    for _, c, X, lab in count_partitions(parts, vocab, vectorizer, progress):
        blocks.append(X)
        labels.append(lab)
        ids.append(np.asarray(c.id.astype(str)))
    X = sp.vstack(blocks, format="csr")
    names = np.asarray(vocab.groups, dtype=object)
    result = compare(X, names[np.concatenate(labels)], vocabulary=vocab.terms, **options)
    # compare numbered the statements (a matrix has no ids): the corpus' ids, less the
    # statements without tokens that compare dropped
    result.statement_ids = np.concatenate(ids)[np.asarray(X.sum(axis=1)).ravel() > 0]
    result.settings["engine"] = "stream"
    result.settings["sources"] = parts.sources
    return result
