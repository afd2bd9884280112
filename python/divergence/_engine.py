"""Corpora larger than memory, one partition at a time (issue 13): the partitions of an input
(files given or matched by a glob), the vocabulary pass (per-partition document frequencies and
total counts merged, then min_df / max_df / max_features applied exactly as
:class:`divergence.Vectorizer` applies them: the same vocabulary in the same order) and the
counting pass (the core's tokeniser per partition against the fixed vocabulary).

Each partition is read by the ordinary readers (:meth:`Corpus.read`: every check, errors naming
the file and line) and dropped before the next one is read, so the peak memory is one partition
plus what the caller accumulates (group sums: K x V).
"""

from __future__ import annotations

import glob
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._corpus import (
    Corpus,
    CorpusError,
    check_known_groups,
    group_names_arg,
    require_group_count,
)
from ._text import Vectorizer
from ._util.types import PathLike
from ._util.validation import is_int, resolve_n_jobs

__all__ = [
    "ENGINES",
    "Partitions",
    "Vocabulary",
    "available_memory",
    "check_kept_groups",
    "check_unique_ids",
    "check_engine",
    "check_memory",
    "memory_estimate",
    "FRAME_READ",
    "FixedVocabulary",
    "FramePart",
    "TermStats",
    "as_vectorizer",
    "count_partitions",
    "finish_vocabulary",
    "is_dask_frame",
    "keep_groups",
    "partition_counts",
    "read_partition",
    "text_bytes",
    "vocabulary_pass",
]

ENGINES = ("memory", "stream")

Inputs = Union[PathLike, Sequence[PathLike]]
# progress(done, total) after each partition; None: a line on stderr when there are several.
PartitionProgress = Optional[Callable[[int, int], None]]


def check_engine(engine: object) -> str:
    if not isinstance(engine, str):
        raise TypeError(f"engine: expected a string, got {type(engine).__name__}")
    if engine not in ENGINES:
        raise ValueError(f"engine: must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def is_dask_frame(obj: object) -> bool:
    """Whether ``obj`` is a ``dask.dataframe.DataFrame`` (without importing dask otherwise)."""
    if not type(obj).__module__.startswith("dask"):
        return False
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame)


#: Corpus.read's keyword arguments that also apply to a data frame (Corpus.from_frame's).
FRAME_READ = ("text_col", "group_col", "time_col", "id_col", "group", "drop_empty")


@dataclass
class FramePart:
    """Partition ``k`` of a dask DataFrame, as a pandas DataFrame (made by a task)."""

    k: int
    frame: pd.DataFrame


def read_partition(source: Union[str, FramePart], read: Dict[str, Any]) -> Corpus:
    """One partition as a Corpus: a file by :meth:`Corpus.read`, a dask DataFrame's partition
    by :meth:`Corpus.from_frame` (the same column rules; rows named ``dask partition K index
    I`` in messages). Without an id column a frame's ids are its index labels, which repeat
    across a dask DataFrame's partitions (read_parquet and reset_index start each at 0): the
    ids are then ``part<K>:<index label>``."""
    if not isinstance(source, FramePart):
        return Corpus.read(source, **read)
    name = f"dask partition {source.k}"
    c = Corpus.from_frame(source.frame, name=name, **read)
    frame = source.frame
    if c.columns.get("id") is None and all(n is None for n in frame.index.names):
        labels = [f"part{source.k}:{label}" for label in frame.index]
        c = Corpus.from_frame(frame.set_axis(pd.Index(labels, dtype=object)), name=name, **read)
    return c


@dataclass
class Partitions:
    """The partitions of an input, in order: files (paths as given, a glob pattern
    (``'shards/*.parquet'``, matches sorted by name) or a list of either) or the partitions of
    a ``dask.dataframe.DataFrame`` (``frame``; ``paths`` is then empty). ``read`` holds
    :meth:`Corpus.read`'s keyword arguments (text_col, group_col, input_format, ...; for a
    data frame only those of :data:`FRAME_READ`). ``groups``: the groups kept (as
    :meth:`Corpus.filter` keeps them; None: all), the statements of others dropped as each
    partition is read: after the ids' duplicate check, before the vocabulary and the counts
    (:func:`keep_groups`)."""

    paths: List[str]
    read: Dict[str, Any] = field(default_factory=dict)
    sources: List[Dict[str, Any]] = field(default_factory=list)  # of the last pass, per file
    frame: Any = None  # a dask DataFrame
    groups: Optional[List[str]] = None

    @classmethod
    def of(
        cls,
        inputs: Inputs,
        read: Optional[Dict[str, Any]] = None,
        groups: Union[str, Sequence[str], None] = None,
    ) -> Partitions:
        parts = cls._of(inputs, read)
        parts.groups = None if groups is None else group_names_arg(groups)
        return parts

    @classmethod
    def _of(cls, inputs: Inputs, read: Optional[Dict[str, Any]] = None) -> Partitions:
        if is_dask_frame(inputs):
            other = sorted(set(read or {}) - set(FRAME_READ))
            if other:
                raise ValueError(
                    f"read: {', '.join(other)} do not apply to a dask DataFrame (only "
                    f"{', '.join(FRAME_READ)})"
                )
            if inputs.npartitions < 1:  # type: ignore[union-attr]
                raise ValueError("inputs: the dask DataFrame has no partitions")
            return cls([], dict(read or {}), frame=inputs)
        if isinstance(inputs, (pd.DataFrame, pd.Series)) or type(inputs).__module__.startswith(
            "dask"
        ):
            raise TypeError(
                "inputs: expected paths, glob patterns or a dask.dataframe.DataFrame, got "
                f"{type(inputs).__module__.split('.')[0]} {type(inputs).__name__} (for a pandas "
                "DataFrame: divergence.Corpus.from_frame, or dask.dataframe.from_pandas)"
            )
        items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
        if not items:
            raise ValueError("inputs: no files given")
        paths: List[str] = []
        for item in items:
            if not isinstance(item, (str, os.PathLike)):
                raise TypeError(
                    f"inputs: expected paths or glob patterns, got {type(item).__name__}"
                )
            p = os.fspath(item)
            if p == "-":
                raise ValueError("inputs: the stream engine reads files, not standard input")
            if glob.has_magic(p):
                found = sorted(glob.glob(p))
                if not found:
                    raise ValueError(f"inputs: no file matches {p!r}")
                paths.extend(found)
            else:
                paths.append(p)
        return cls(paths, dict(read or {}))

    def __len__(self) -> int:
        return len(self.paths) if self.frame is None else int(self.frame.npartitions)

    def corpus(self, k: int) -> Corpus:
        """Partition ``k`` as a Corpus (a dask DataFrame's partition computed here)."""
        if self.frame is None:
            return Corpus.read(self.paths[k], **self.read)
        return read_partition(FramePart(k, self.frame.get_partition(k).compute()), self.read)

    def task_inputs(self, client: Any) -> List[Any]:
        """What each partition's task reads, in order: the paths, or futures of a dask
        DataFrame's partitions as :class:`FramePart` (computed on the cluster, each pass anew,
        so a lost one is recomputed)."""
        if self.frame is None:
            return list(self.paths)
        import dask

        parts = self.frame.to_delayed()
        return list(client.compute([dask.delayed(FramePart)(k, p) for k, p in enumerate(parts)]))

    def corpora(self, progress: PartitionProgress = None, what: str = "") -> Iterator[Corpus]:
        """Each partition as a Corpus, one at a time; progress after each."""
        total = len(self)
        self.sources = []
        for k in range(total):
            c = self.corpus(k)
            self.sources.extend(dict(s) for s in c.sources)
            yield c
            if progress is not None:
                progress(k + 1, total)
            elif total > 1:
                print(f"{what}partitions {k + 1}/{total}", file=sys.stderr, flush=True)


@dataclass
class Vocabulary:
    """The vocabulary of all partitions (column order), the corpus' sorted group names, its
    number of statements, each group's (in ``groups`` order, statements as read) and each
    partition's (in partition order: the statements read, before a group filter; the
    engines' compare takes no filter)."""

    terms: List[str]
    groups: List[str]
    n_statements: int
    group_sizes: List[int] = field(default_factory=list)
    partition_sizes: List[int] = field(default_factory=list)
    # the first and last time (int64 ns) and the time resolutions read (:class:`TermStats`)
    span: Optional[Tuple[int, int]] = None
    resolutions: frozenset = frozenset()


def as_vectorizer(vectorizer: Optional[Vectorizer]) -> Vectorizer:
    if vectorizer is None:
        return Vectorizer()
    if not isinstance(vectorizer, Vectorizer):
        raise TypeError(
            "vectorizer: the stream engine tokenises with divergence.Vectorizer, got "
            f"{type(vectorizer).__name__}"
        )
    return vectorizer


def _partition_terms(vec: Vectorizer, docs: List[str]) -> Tuple[List[str], np.ndarray, np.ndarray]:
    """Every term of one partition (sorted), its document frequency and its total count."""
    every = Vectorizer(**{**vec.get_params(), "min_df": 1, "max_df": 1.0, "max_features": None})
    try:
        X = every.fit_transform(docs)
    except ValueError as e:
        if str(e).startswith("empty vocabulary"):
            return [], np.zeros(0, np.int64), np.zeros(0, np.int64)
        raise
    X = sp.csr_matrix(X)
    df = np.bincount(X.indices, minlength=X.shape[1]).astype(np.int64)
    tf = np.asarray(X.sum(axis=0)).ravel().astype(np.int64)
    return list(every.get_feature_names_out()), df, tf


@dataclass
class TermStats:
    """What the vocabulary pass keeps of some partitions: each term's document frequency and
    total count, the statements and the group names. Merged by :meth:`add` in any order or
    tree (integer sums: the same result). With a group filter, ``groups`` and ``ids`` are
    those of every statement read (the unknown-group and duplicate-id checks), the rest those
    of the statements kept (``sizes``: of the groups kept)."""

    counts: pd.DataFrame  # index: terms; columns df, tf (int64)
    n: int
    groups: frozenset
    # (partition, 64-bit hashes of its ids, whether the ids were made from file and line)
    ids: List[Tuple[int, np.ndarray, bool]] = field(default_factory=list)
    sizes: Dict[str, int] = field(default_factory=dict)  # statements per group
    # the first and last time (int64 ns) of the statements that have one, None if none has;
    # the partitions' time resolutions (drift's windows, issue 13)
    span: Optional[Tuple[int, int]] = None
    resolutions: frozenset = frozenset()

    @classmethod
    def of(
        cls, corpus: Corpus, vec: Vectorizer, part: int = 0, keep: Optional[Sequence[str]] = None
    ) -> TermStats:
        """One partition's; ``keep``: the groups kept (:attr:`Partitions.groups`): the ids
        and group names are those of every statement read, the rest those of the groups
        kept."""
        hashes = pd.util.hash_array(np.asarray(corpus.id.astype(str), dtype=object))
        made = corpus.columns.get("id") is None
        every = frozenset(corpus.group_names)
        if keep is not None:
            corpus = keep_groups(corpus, keep)
        terms, df, tf = _partition_terms(vec, list(corpus.text))
        frame = pd.DataFrame({"df": df, "tf": tf}, index=pd.Index(terms, dtype=object))
        n_g = np.bincount(corpus.group_codes, minlength=len(corpus.group_names))
        sizes = {g: int(k) for g, k in zip(corpus.group_names, n_g)}
        span: Optional[Tuple[int, int]] = None
        res = frozenset([corpus.time_resolution]) if corpus.time_resolution else frozenset()
        if res:
            t = corpus.time.to_numpy().astype("datetime64[ns]")
            t = t[~np.isnat(t)].astype(np.int64)
            span = (int(t.min()), int(t.max())) if len(t) else None
        return cls(
            frame,
            len(corpus),
            every,
            [(part, hashes, made)],
            sizes,
            span,
            res,
        )

    def add(self, other: TermStats) -> TermStats:
        both = self.counts.add(other.counts, fill_value=0).astype(np.int64)
        ids = sorted(self.ids + other.ids, key=lambda t: t[0])
        sizes = dict(self.sizes)
        for g, k in other.sizes.items():
            sizes[g] = sizes.get(g, 0) + k
        spans = [s for s in (self.span, other.span) if s is not None]
        span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
        return TermStats(
            both,
            self.n + other.n,
            self.groups | other.groups,
            ids,
            sizes,
            span,
            self.resolutions | other.resolutions,
        )


def check_unique_ids(stats: TermStats, parts: Partitions) -> None:
    """The in-memory reader's duplicate-id error across partitions (each file checks its own):
    ids compared by 64-bit hashes, the first duplicate in corpus order confirmed on the ids
    themselves and reported with both locations, as Corpus.read reports it."""
    if len(stats.ids) < 2:
        return
    h = np.concatenate([a for _, a, _ in stats.ids])
    h.sort()  # no duplicate hash (the usual case): 9 bytes a statement besides the hashes
    if not (h[1:] == h[:-1]).any():
        return
    h = np.concatenate([a for _, a, _ in stats.ids])
    part = np.concatenate([np.full(len(a), k, dtype=np.int64) for k, a, _ in stats.ids])
    row = np.concatenate([np.arange(len(a), dtype=np.int64) for _, a, _ in stats.ids])
    order = np.lexsort((row, part, h))  # by hash, then corpus order
    hs = h[order]
    later = np.flatnonzero(hs[1:] == hs[:-1]) + 1  # not the first of its hash
    if not len(later):
        return
    first_of = np.searchsorted(hs, hs[later], side="left")
    k_pos, j_pos = order[later], order[first_of]
    pick = int(np.argmin(k_pos))  # the first statement whose id was seen before
    k, j = int(k_pos[pick]), int(j_pos[pick])
    corpora: Dict[int, Corpus] = {}
    for p in {int(part[j]), int(part[k])}:
        corpora[p] = parts.corpus(p)
    cj, ck = corpora[int(part[j])], corpora[int(part[k])]
    ident = str(ck.id.iloc[int(row[k])])
    if str(cj.id.iloc[int(row[j])]) != ident:
        return  # a 64-bit hash collision, not a duplicate
    n_dups = len(later)
    more = f" ({n_dups - 1} more duplicate{'s' if n_dups > 2 else ''})" if n_dups > 1 else ""
    hint = ""
    if any(made for _, _, made in stats.ids):
        hint = (
            "; ids without an id column are '<file stem>:<line>', so files with the same "
            "name in different folders collide: rename them or pass id_col="
        )
    raise CorpusError(
        f"duplicate id {ident!r}: {cj.location(int(row[j]))} and "
        f"{ck.location(int(row[k]))}{more}{hint}"
    )


def check_kept_groups(stats: TermStats, parts: Partitions) -> None:
    """The error of :meth:`Corpus.filter` for groups to keep that no partition has."""
    if parts.groups is not None:
        check_known_groups(parts.groups, sorted(stats.groups))


def check_group_count(stats: TermStats, parts: Partitions, n: int) -> None:
    """The error of :meth:`Corpus.require_groups` (the in-memory engine's check before an
    analysis that compares ``n`` groups) when the corpus (its groups kept) has fewer groups;
    the group column named is the first partition's (read again only then)."""
    groups = sorted(stats.sizes)
    if n <= 0 or len(groups) >= n:
        return
    require_group_count(groups, n, parts.corpus(0).columns.get("group"))


def keep_groups(corpus: Corpus, groups: Sequence[str]) -> Corpus:
    """The statements of ``corpus`` in ``groups`` (the corpus itself when it has no other),
    as :meth:`Corpus.filter` keeps them (a partition need not have every group)."""
    kept = set(groups)
    if all(g in kept for g in corpus.group_names):
        return corpus
    return corpus.filter(groups=[g for g in corpus.group_names if g in kept])


def finish_vocabulary(stats: TermStats, vectorizer: Optional[Vectorizer] = None) -> Vocabulary:
    """The Vectorizer's rules on merged statistics: keep min_df <= df <= max_df (ints:
    statements; floats: shares of all statements), then at most max_features by total count
    (document frequency when binary), ties to the term first in vocabulary order; columns in
    code point order. The same errors as fit_transform."""
    vec = as_vectorizer(vectorizer)
    acc, n = stats.counts, stats.n
    if len(acc) == 0:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    order = sorted(acc.index)  # code point order: the core's byte order of UTF-8
    acc = acc.loc[order]
    max_doc = float(vec.max_df) if is_int(vec.max_df) else float(vec.max_df) * n
    min_doc = float(vec.min_df) if is_int(vec.min_df) else float(vec.min_df) * n
    if max_doc < min_doc:
        raise ValueError("max_df corresponds to < documents than min_df")
    df = acc["df"].to_numpy().astype(np.float64)
    kept = np.flatnonzero((df >= min_doc) & (df <= max_doc))
    if vec.max_features is not None and len(kept) > int(vec.max_features):
        rank = acc["df" if vec.binary else "tf"].to_numpy()[kept]
        top = np.lexsort((kept, -rank))[: int(vec.max_features)]
        kept = np.sort(kept[top])
    if len(kept) == 0:
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    groups = sorted(stats.sizes)  # the groups kept: all read, without a filter
    return Vocabulary(
        [order[j] for j in kept],
        groups,
        n,
        [stats.sizes.get(g, 0) for g in groups],
        [len(h) for _, h, _ in sorted(stats.ids, key=lambda t: t[0])],
        stats.span,
        stats.resolutions,
    )


def vocabulary_pass(
    parts: Partitions,
    vectorizer: Optional[Vectorizer] = None,
    progress: PartitionProgress = None,
    min_groups: int = 0,
) -> Vocabulary:
    """Document frequencies and total counts per partition, merged one after another, then
    :func:`finish_vocabulary`; ``min_groups``: the groups an analysis compares
    (:func:`check_group_count`, after the ids' and the kept groups' checks)."""
    vec = as_vectorizer(vectorizer)
    acc: Optional[TermStats] = None
    for k, c in enumerate(parts.corpora(progress, "vocabulary: ")):
        part = TermStats.of(c, vec, k, parts.groups)
        acc = part if acc is None else acc.add(part)
    assert acc is not None
    check_unique_ids(acc, parts)
    check_kept_groups(acc, parts)
    check_group_count(acc, parts, min_groups)
    return finish_vocabulary(acc, vec)


class FixedVocabulary:
    """The core's tokeniser against a fixed vocabulary, with a Vectorizer's options."""

    def __init__(self, vec: Vectorizer, terms: Sequence[str]) -> None:
        self.vec = vec
        self.opts = vec._options()
        encoded = [t.encode("utf-8", "surrogatepass") for t in terms]
        self.terms = b"".join(encoded)
        self.offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=self.offsets[1:])

    def counts(self, docs: List[str]) -> sp.csr_matrix:
        csr = _core.tokenize_count(
            self.vec._documents(docs),
            terms=self.terms,
            term_offsets=self.offsets,
            binary=bool(self.vec.binary),
            n_jobs=resolve_n_jobs(self.vec.n_jobs),
            **self.opts,
        )
        return sp.csr_matrix(self.vec._matrix(csr))


def partition_counts(
    corpus: Corpus, fixed: FixedVocabulary, groups: Sequence[str]
) -> Tuple[sp.csr_matrix, np.ndarray]:
    """One partition's statements x terms counts and group codes into ``groups``."""
    X = fixed.counts(list(corpus.text))
    code = {g: k for k, g in enumerate(groups)}
    labels = np.array([code[g] for g in corpus.group_names], dtype=np.int64)[corpus.group_codes]
    return X, labels


def count_partitions(
    parts: Partitions,
    vocab: Vocabulary,
    vectorizer: Optional[Vectorizer] = None,
    progress: PartitionProgress = None,
) -> Iterator[Tuple[int, Corpus, sp.csr_matrix, np.ndarray]]:
    """The counting pass: (offset of the partition's first statement in the corpus, its
    Corpus, its statements x terms counts, its group codes into ``vocab.groups``). The
    statements of groups not in ``vocab.groups`` (dropped by a group filter) are left out."""
    fixed = FixedVocabulary(as_vectorizer(vectorizer), vocab.terms)
    offset = 0
    for c in parts.corpora(progress, "counting: "):
        c = keep_groups(c, vocab.groups)
        X, labels = partition_counts(c, fixed, vocab.groups)
        yield offset, c, X, labels
        offset += len(c)


# --------------------------------------------------------------------------------------------
# The in-memory engine's memory guard (issue 13, point 7)

#: The in-memory engine's peak memory, modelled from the bytes of statement text (issue 13,
#: point 7), measured as the peak resident memory (ru_maxrss) of ``divergence compare`` in a
#: child process on the synthetic Parquet shards of benchmarks/bench_scale.py (50 words of
#: 7.3 bytes per statement; 100k to 2M statements; benchmarks/README.md, "Scale"):
#:
#: * ``BASE_BYTES``: the interpreter with its imports (~170 MiB) and what does not grow with
#:   the corpus (the fitted intercept was ~370 MiB);
#: * ``PEAK_PER_TEXT_BYTE``: tokenising, the peak of the default options: the corpus read
#:   (its frame ~1.45x the text, with the reader's leftovers ~2.7x), the count matrix (int64
#:   counts + int32 term indices, 12 bytes per distinct term of a statement: ~1.35x) and the
#:   tokeniser's buffers; measured 5.4-6.0x (above the base), so 6;
#: * ``RESIDENT_PER_TEXT_BYTE`` + ``REPLICATE_BYTES``: compare with ``bootstrap_scheme=
#:   "poisson"`` or ``permutation_scheme="keyed"`` after tokenising: the corpus and its counts
#:   (~4.1x) plus up to 2 x 256 MiB of replicate sums at a time (_compare.CHUNK_SUMS) and the
#:   keyed products; the larger of the two terms counts (it is the larger below ~1M
#:   statements);
#: * ``SLOW_READ_PER_TEXT_BYTE``: a CSV/TSV file that pyarrow's reader does not take (a
#:   quoted header or carriage returns: the standard library's reader, which names lines)
#:   peaks while reading, at ~7.9x its text (500k statements).
BASE_BYTES = 400 * 2**20
PEAK_PER_TEXT_BYTE = 6.0
RESIDENT_PER_TEXT_BYTE = 4.2
REPLICATE_BYTES = 640 * 2**20
SLOW_READ_PER_TEXT_BYTE = 8.0
#: The share of the available memory a run may plan to use: the guard stops a run whose
#: estimate exceeds 90% of what is available. The rest is headroom for what the estimate does
#: not see: other processes growing during a long run (the available memory is read once, at
#: the start), the kernel's own needs under memory pressure (a run that takes all of it is
#: killed or thrashes rather than finishing), and the fit's own error (1% under to 10% over
#: from 1M statements up). On the 10-million-statement benchmark corpus the estimate is
#: 21.9 GiB against 22.2 GiB available on an idle 24 GiB machine: that run is refused.
USABLE_SHARE = 0.9


def text_bytes(path: str) -> int:
    """Bytes of statement text an input holds, about: a Parquet file's uncompressed size (from
    its metadata), a gzip file's size times 4 (a typical ratio for text), else the file size."""
    size = os.path.getsize(path)
    if path.lower().endswith((".parquet", ".pq")):
        try:
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
            return int(sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)))
        except Exception:  # not readable as Parquet: the reader will say why
            return size
    if path.lower().endswith(".gz"):
        return 4 * size
    return size


def slow_read(path: str) -> bool:
    """Whether a CSV/TSV file will be read by the standard library's reader (its header line
    quoted or ending in a carriage return), not pyarrow's: from its first line alone."""
    if not path.lower().endswith((".csv", ".tsv")):
        return False
    try:
        with open(path, "rb") as f:
            head = f.readline(1 << 16)
    except OSError:
        return False
    return b'"' in head or b"\r" in head


def memory_estimate(paths: Sequence[str]) -> Tuple[int, int]:
    """(bytes the in-memory engine will need at its peak, bytes of statement text) for these
    inputs: the model above, the larger of its phases (read, tokenise, replicates)."""
    files = [p for p in paths if p != "-" and os.path.isfile(p)]
    sizes = [text_bytes(p) for p in files]
    text = sum(sizes)
    slow = sum(t for p, t in zip(files, sizes) if slow_read(p))
    phases = (
        SLOW_READ_PER_TEXT_BYTE * slow,
        PEAK_PER_TEXT_BYTE * text,
        RESIDENT_PER_TEXT_BYTE * text + REPLICATE_BYTES,
    )
    return int(BASE_BYTES + max(phases)), text


def available_memory() -> Optional[int]:
    """Memory this process may still use: MemAvailable, or the cgroup's limit when lower;
    ``DIVERGENCE_MEMORY_AVAILABLE`` (bytes) overrides both. None where unknown."""
    override = os.environ.get("DIVERGENCE_MEMORY_AVAILABLE")
    if override:
        return int(override)
    found: List[int] = []
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            v = f.read().strip()
        if v.isdigit():
            with open("/sys/fs/cgroup/memory.current") as f:
                found.append(int(v) - int(f.read().strip()))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def check_memory(paths: Sequence[str], what: str = "statement-level") -> None:
    """MemoryError (the CLI exits with code 4) before any reading when the in-memory engine's
    estimate for these inputs exceeds :data:`USABLE_SHARE` (90%) of the available memory; the
    message names the estimate, the memory available and the engines that fit.

    Examples
    --------
    >>> import divergence as dv
    >>> dv.check_memory([str(dv.example_path())])  # small: returns None, no error
    """
    need, text = memory_estimate(paths)
    have = available_memory()
    if have is not None and need > USABLE_SHARE * have:
        raise MemoryError(
            f"the in-memory engine would need about {need / 2**30:.1f} GiB for these inputs "
            f"(estimated from their {text / 2**30:.2f} GiB of statement text), more than "
            f"{USABLE_SHARE:.0%} of the {have / 2**30:.1f} GiB available (the rest is left "
            "for other processes and the system); "
            "use --engine stream (engine='stream'), which reads one file at a time "
            "(split a large file into shards), or --engine dask (files as tasks on a Dask "
            "cluster), or a machine with more memory"
        )
