"""The stream engine's analyses (issue 13): :func:`stream_terms` and :func:`stream_compare`
over partitions read one after another (:mod:`divergence._engine`), with results identical to
the in-memory functions on the whole corpus read at once.

* ``stream_terms`` keeps only the K x V group sums: its memory is one partition plus K x V.
* ``stream_compare`` with the partition-independent schemes (``bootstrap_scheme="poisson"``
  and ``permutation_scheme="keyed"``, or ``permutations=0``) keeps only sums
  (:class:`divergence._compare.ReplicateSums`): the K x V group sums, the R x K x V Poisson
  bootstrap sums (the core's poisson_group_sums, each statement keyed by its position in the
  corpus), the P x K x V sums of the keyed relabelling and 20 x K x V keyed jackknife block
  sums. Its memory is one partition plus (21 + R + P) K x V doubles, not the corpus; the result
  equals in-memory ``compare`` with the same options bit for bit (which computes these parts
  from the same sums), without the statement-level fields (``statements`` is None).
* With the other schemes (the default ``"resample"`` bootstrap or the ``"exact"`` null)
  ``stream_compare`` keeps the statements' counts (a CSR matrix, not their text) with their
  groups and ids, then runs :func:`divergence.compare` on them: its memory grows with the
  corpus (about 12 bytes per distinct term of each statement) plus one partition's text.

The permutation null is compare's: an exact relabelling with the group sizes fixed (a
Fisher-Yates shuffle of the labels of all statements, one stream per replicate). It is the same
for any partitioning because both engines assemble the statements in corpus order (file order,
then row order) before it runs; it is not yet computed per partition. (A relabelling that could
be, each statement's label drawn from the group proportions by a keyed generator, would let
group sizes vary between replicates, which changes the null of small groups; not done.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._compare import CompareOptions, Comparison, compare, compare_from_sums
from ._corpus import Corpus, CorpusError
from ._drift import BucketSums, Reference, Rows, bucket_edges, drift_of_rows
from ._engine import (
    Inputs,
    PartitionProgress,
    Partitions,
    Vocabulary,
    count_partitions,
    vocabulary_pass,
)
from ._partisan import (
    SPEAKER_GROUP_POLICIES,
    Partisanship,
    SpeakerIds,
    Speakers,
    by_speaker,
    partisanship_of_speakers,
    speaker_labels,
)
from ._terms import terms_from_group_counts
from ._text import Vectorizer
from ._util.groups import group_sums
from ._util.operands import as_csr, csr_tuple
from ._util.replicates import DEFAULT_CI_METHOD
from ._util.types import Seed, WindowSpec
from ._util.validation import check_choice, resolve_n_jobs, seed_value

__all__ = ["stream_compare", "stream_drift", "stream_partisanship", "stream_terms"]


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

    Every function of the stream and Dask engines also takes a ``dask.dataframe.DataFrame``
    as ``inputs``: its partitions are the partitions, each read by :meth:`Corpus.from_frame`
    (``read`` then takes only text_col, group_col, time_col, id_col, group, drop_empty); without
    an id column the ids are ``part<K>:<index label>``.

    Examples
    --------
    >>> import divergence as dv
    >>> terms = dv.stream_terms(str(dv.example_path()), top=3)
    >>> terms[["group_a", "group_b", "side"]].iloc[0].tolist(), terms["rank"].tolist()[:4]
    (['Armenia', 'Azerbaijan', 'Armenia'], [1, 2, 3, 1])
    """
    parts = Partitions.of(inputs, read)
    vocab = vocabulary_pass(parts, vectorizer, progress, min_groups=2)
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
    time; ``options`` are compare's (metric, bootstrap, bootstrap_scheme, permutation_scheme,
    permutations, seed, ...). The result equals ``compare(Corpus.read(files), vectorizer=...)``,
    with ``settings["engine"]``, ``settings["memory"]`` and ``settings["sources"]`` (the files
    read) added.

    Memory: with ``bootstrap_scheme="poisson"`` and ``permutation_scheme="keyed"`` (or
    ``permutations=0``) only sums are kept (``settings["memory"] == "bounded"``: one partition
    plus (21 + bootstrap + permutations) x K x V doubles) and the result has no statement-level
    fields (``statements``, ``statement_groups``, ``statement_ids`` are None). Otherwise
    (``"resample"`` bootstrap, the default, or the ``"exact"`` null) the count matrix of every
    statement is held (``settings["memory"] == "counts"``), growing with the corpus.

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
    opts = CompareOptions.of(**options)
    vocab = vocabulary_pass(parts, vectorizer, progress, min_groups=2)
    if opts.from_sums:
        acc = opts.sums(len(vocab.groups), len(vocab.terms), vocab.group_sizes)
        for offset, _, Xp, lab in count_partitions(parts, vocab, vectorizer, progress):
            acc.add_partition(Xp, lab, offset, n_jobs=opts.threads)
        res = compare_from_sums(acc, vocab.groups, vocab.terms, opts)
        res.settings.update(engine="stream", memory="bounded", sources=parts.sources)
        return res
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
    result.settings.update(engine="stream", memory="counts", sources=parts.sources)
    return result


# --------------------------------------------------------------------------------------------
# Partisanship and drift (issue 13, point 5)


@dataclass
class SpeakerSums:
    """What partisanship keeps of some partitions: the counts summed per (speaker, group)
    pair, one row per pair in the order of the pair's first statement, with the pair's speaker
    name, group code and number of statements. Without speakers (each statement its own
    speaker) the rows are the statements themselves. :meth:`join` of consecutive partitions'
    sums, in corpus order, gives the sums of their union (integer counts: exact in any
    grouping), so a speaker's first statement, and with it their group under
    ``speaker_group_policy="first"`` and the speakers' order, are those of the whole corpus."""

    X: sp.csr_matrix  # rows x terms, float64
    speakers: Optional[np.ndarray]  # speaker name (str) per row; None: rows are statements
    groups: np.ndarray  # int64 group code per row (into the vocabulary's groups)
    statements: np.ndarray  # int64 statements per row

    @classmethod
    def of(
        cls,
        corpus: Corpus,
        X: sp.csr_matrix,
        labels: np.ndarray,
        speakers: Optional[str],
        n_groups: int,
        threads: int = 1,
    ) -> SpeakerSums:
        """One partition's sums (its statements' counts ``X`` and group codes ``labels``);
        speakers read from the column ``speakers`` as :func:`divergence.partisanship` reads
        them (a statement without a speaker is an error naming its file and line)."""
        X = as_csr(X, drop_zeros=True, invalid="counts: must be finite and non-negative")
        labels = np.asarray(labels, dtype=np.int64)
        ones = np.ones(X.shape[0], dtype=np.int64)
        if speakers is None:
            return cls(X, None, labels, ones)
        if speakers not in corpus.frame.columns:
            where = ", ".join(str(s.get("path", "?")) for s in corpus.sources)
            cols = ", ".join(repr(c) for c in corpus.frame.columns)
            raise ValueError(f"speakers: no column {speakers!r} in {where}; columns: {cols}")
        spk = cast(SpeakerIds, speaker_labels(corpus, speakers, X.shape[0]))  # not None: a column
        names = np.asarray(spk.names, dtype=object)[spk.codes]
        return cls(X, names, labels, ones).collapsed(n_groups, threads)

    def collapsed(self, n_groups: int, threads: int = 1) -> SpeakerSums:
        """The rows of each (speaker, group) pair summed into one, in order of first row."""
        if self.speakers is None:
            return self
        name_code, _ = pd.factorize(self.speakers, sort=False)
        key = np.asarray(name_code, dtype=np.int64) * n_groups + self.groups
        idx, uniq = pd.factorize(key, sort=False)
        idx = np.asarray(idx, dtype=np.int64)
        n = len(uniq)
        if n == len(key):
            return self  # every row its own pair already
        first = np.full(n, -1, dtype=np.int64)
        rev = np.arange(len(idx))[::-1]
        first[idx[rev]] = rev  # the first row of each pair
        ip, ix, dt = _core.sum_rows_by(csr_tuple(self.X), idx, n, threads)
        X = sp.csr_matrix((dt, ix, ip), shape=(n, self.X.shape[1]))
        statements = np.bincount(idx, weights=self.statements, minlength=n).astype(np.int64)
        return SpeakerSums(X, self.speakers[first], self.groups[first], statements)

    @staticmethod
    def join(parts: List[SpeakerSums], n_groups: int, threads: int = 1) -> SpeakerSums:
        """The sums of consecutive partitions (in corpus order) as one; ``parts`` is emptied
        once they are stacked, so that they can be freed before the pairs are summed."""
        if len(parts) == 1:
            return parts.pop()
        X = sp.vstack([p.X for p in parts], format="csr")
        groups = np.concatenate([p.groups for p in parts])
        statements = np.concatenate([p.statements for p in parts])
        with_speakers = parts[0].speakers is not None
        names = (
            np.concatenate([cast(np.ndarray, p.speakers) for p in parts]) if with_speakers else None
        )
        parts.clear()
        return SpeakerSums(X, names, groups, statements).collapsed(n_groups, threads)

    def add(self, later: SpeakerSums, n_groups: int) -> SpeakerSums:
        """These sums with those of later partitions (collapsed) added: a pair seen here gets
        its row summed, a new pair a row after these (in ``later``'s order, which is the order
        of first statements). The result is new; neither input is stacked, so the memory is
        these sums, ``later`` twice and the result."""
        if self.speakers is None or later.speakers is None:
            raise ValueError("SpeakerSums.add: rows of statements are joined, not added")
        n_here, V = self.X.shape
        names, _ = pd.factorize(np.concatenate([self.speakers, later.speakers]), sort=False)
        key = np.asarray(names, dtype=np.int64) * n_groups + np.concatenate(
            [self.groups, later.groups]
        )
        where = pd.Index(key[:n_here]).get_indexer(key[n_here:])
        new = where < 0
        where[new] = n_here + np.arange(int(new.sum()))
        n = n_here + int(new.sum())
        moved = sp.csr_matrix(
            (np.ones(len(where)), (where, np.arange(len(where)))), shape=(n, len(where))
        )
        delta = moved @ later.X  # later's rows at their places (each row copied as it is)
        delta.sum_duplicates()  # in place: sorted indices, so the sum below is canonical
        indptr = np.concatenate(
            [self.X.indptr, np.full(n - n_here, self.X.indptr[-1], dtype=self.X.indptr.dtype)]
        )
        here = sp.csr_matrix((self.X.data, self.X.indices, indptr), shape=(n, V))
        X = as_csr(here + delta)  # integer counts: exact sums; canonical already, no copy
        del here, delta
        statements = np.concatenate([self.statements, np.zeros(n - n_here, dtype=np.int64)])
        np.add.at(statements, where, later.statements)
        return SpeakerSums(
            X,
            np.concatenate([self.speakers, later.speakers[new]]),
            np.concatenate([self.groups, later.groups[new]]),
            statements,
        )

    def to_speakers(self, groups: Sequence[str], policy: str, threads: int = 1) -> Speakers:
        """:func:`by_speaker` of these sums: the speakers partisanship scores."""
        if self.speakers is None:
            return by_speaker(self.X, groups, self.groups, None, policy, threads)
        codes, names = pd.factorize(self.speakers, sort=False)
        spk = SpeakerIds(np.asarray(codes, dtype=np.int64), [str(x) for x in names])
        return by_speaker(
            self.X, groups, self.groups, spk, policy, threads, statements=self.statements
        )


class SpeakerSumsAdder:
    """Partitions' :class:`SpeakerSums` given one at a time in corpus order (:meth:`push`),
    their sums at the end (:meth:`result`). With speakers, the partitions waiting are joined
    and added to the sums so far when they hold half as many entries (each addition copies the
    sums: amortised, O(corpus) in all); statements (no speakers) are joined once, at the
    end."""

    def __init__(self, with_speakers: bool, n_groups: int, threads: int = 1) -> None:
        self.with_speakers = with_speakers
        self.n_groups = n_groups
        self.threads = threads
        self.acc: Optional[SpeakerSums] = None
        self.pending: List[SpeakerSums] = []

    def push(self, part: SpeakerSums) -> None:
        self.pending.append(part)
        if self.with_speakers and 2 * sum(p.X.nnz for p in self.pending) >= (
            0 if self.acc is None else self.acc.X.nnz
        ):
            self._add()

    def _add(self) -> None:
        if self.pending:
            batch = SpeakerSums.join(self.pending, self.n_groups, self.threads)
            self.acc = batch if self.acc is None else self.acc.add(batch, self.n_groups)

    def result(self) -> SpeakerSums:
        if self.with_speakers:
            self._add()
            assert self.acc is not None
            return self.acc
        return SpeakerSums.join(self.pending, self.n_groups, self.threads)


def check_speakers_option(speakers: object, speaker_group_policy: object, engine: str) -> None:
    if speakers is not None and not isinstance(speakers, str):
        raise TypeError(
            f"speakers: the {engine} engine reads speakers from a column of the files; pass "
            f"its name, got {type(speakers).__name__}"
        )
    check_choice(speaker_group_policy, "speaker_group_policy", SPEAKER_GROUP_POLICIES)


def stream_partisanship(
    inputs: Inputs,
    speakers: Optional[str] = None,
    *,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = DEFAULT_CI_METHOD,
    seed: Seed = 0,
    n_jobs: Optional[int] = None,
    vectorizer: Optional[Vectorizer] = None,
    speaker_group_policy: str = "error",
    groups: Union[str, Sequence[str], None] = None,
    read: Optional[Dict[str, Any]] = None,
    progress: PartitionProgress = None,
) -> Partisanship:
    """:func:`divergence.partisanship` of a corpus given as files, read and tokenised one file
    at a time (see :func:`stream_terms` for ``inputs`` and ``read``); ``speakers``: the name
    of the speaker column (None: each statement is its own speaker). The result equals
    ``partisanship(Corpus.read(files), speakers=...)`` (values, intervals, bootstrap and
    shuffled-label replicates, per-speaker scores), with ``settings["engine"]`` and
    ``settings["sources"]`` added. ``groups``: only these groups (a name or names, as
    :meth:`Corpus.filter` keeps them), the others' statements dropped as each file is read,
    before the vocabulary: the result of ``partisanship(Corpus.read(files).filter(groups=...))``.

    Partisanship, its speaker bootstrap, shuffled labels and speaker jackknife depend on the
    statements only through each speaker's summed counts (and the order of the speakers' first
    statements), so this keeps the counts summed per (speaker, group) pair (a
    :class:`SpeakerSums`), added partition by partition: memory is one partition plus the
    pairs' sums (a CSR matrix, about 12 bytes per distinct term of each speaker: at most
    speakers x V entries, whatever the number of statements), about twice that while the
    waiting partitions' sums are added to it (they are added when they hold half as many
    entries as the sums so far: up to 3.5 times when they bring mostly new speakers), then
    partisanship's own work on the speakers x V sums.
    Without ``speakers`` each statement is a speaker, so the statements' counts are kept (about
    12 bytes per distinct term of each statement, as :func:`stream_compare` keeps them). Measured
    by ``benchmarks/bench_engines_memory.py``. A speaker missing in some statement is
    an error naming its file and line; a file without the speaker column is an error naming
    the file.

    Examples
    --------
    >>> import divergence as dv
    >>> res = dv.stream_partisanship(str(dv.example_path()), speakers="speaker",
    ...                              bootstrap=20, permutations=20, seed=1)
    >>> res.settings["engine"], res.table.set_index("estimator")["p_value"].round(3).to_dict()
    ('stream', {'plug-in': 0.048, 'leave-out': 0.048})
    """
    check_speakers_option(speakers, speaker_group_policy, "stream")
    parts = Partitions.of(inputs, read, groups)

    def speakers_of(threads: int) -> Tuple[Speakers, str, int]:
        # a corpus of one group: the in-memory engine's error (Corpus.require_groups)
        vocab = vocabulary_pass(parts, vectorizer, progress, min_groups=2)
        K = len(vocab.groups)
        adder = SpeakerSumsAdder(speakers is not None, K, threads)
        for _, c, X, lab in count_partitions(parts, vocab, vectorizer, progress):
            adder.push(SpeakerSums.of(c, X, lab, speakers, K, threads))
        s = adder.result().to_speakers(vocab.groups, speaker_group_policy, threads)
        return s, "statement" if speakers is None else "speaker", len(vocab.terms)

    result = partisanship_of_speakers(
        speakers_of,
        speakers=speakers,
        bootstrap=bootstrap,
        permutations=permutations,
        ci=ci,
        ci_method=ci_method,
        seed=seed,
        n_jobs=n_jobs,
        speaker_group_policy=speaker_group_policy,
    )
    result.settings["engine"] = "stream"
    result.settings["sources"] = parts.sources
    return result


@dataclass
class TimedCounts:
    """What drift keeps of some partitions: the statements' counts (CSR) with their times,
    group codes and ids, in corpus order, and the time resolutions read."""

    X: sp.csr_matrix
    times: np.ndarray  # datetime64[ns]
    labels: np.ndarray  # int64 group codes (into the vocabulary's groups)
    ids: np.ndarray  # str
    resolutions: frozenset

    @classmethod
    def of(cls, corpus: Corpus, X: sp.csr_matrix, labels: np.ndarray) -> TimedCounts:
        """One partition's (its times checked as :meth:`Corpus.require_time` checks them; a
        file without a time column is named)."""
        try:
            corpus.require_time()
        except CorpusError as e:
            if corpus.columns.get("time") is not None:
                raise  # the message names the file and line of each statement without a time
            where = ", ".join(str(s.get("path", "?")) for s in corpus.sources)
            raise CorpusError(f"{where}: {e}") from None
        res = frozenset([corpus.time_resolution]) if corpus.time_resolution else frozenset()
        return cls(
            as_csr(X),
            corpus.time.to_numpy().astype("datetime64[ns]"),
            np.asarray(labels, dtype=np.int64),
            np.asarray(corpus.id.astype(str), dtype=object),
            res,
        )

    @staticmethod
    def join(parts: List[TimedCounts]) -> TimedCounts:
        """Consecutive partitions' (in corpus order) as one; ``parts`` is emptied."""
        joined = TimedCounts(
            sp.vstack([p.X for p in parts], format="csr"),
            np.concatenate([p.times for p in parts]),
            np.concatenate([p.labels for p in parts]),
            np.concatenate([p.ids for p in parts]),
            frozenset().union(*(p.resolutions for p in parts)),
        )
        parts.clear()
        return joined

    def rows(self, groups: Sequence[str], terms: Sequence[str]) -> Rows:
        """:func:`prepare_rows` of the corpus these partitions make: statements in time order
        (a stable sort of corpus order), the corpus' time resolution (dates when any file
        gives dates, else years)."""
        if self.X.shape[0] == 0:
            raise ValueError("data: no statements")
        t = self.times
        if bool(np.all(t[1:] >= t[:-1])):  # files in time order: no copy of the counts
            order: Any = slice(None)
        else:
            order = np.argsort(t, kind="stable")
        res = "date" if "date" in self.resolutions else ("year" if self.resolutions else None)
        codes = self.labels[order]
        return Rows(
            X=as_csr(self.X if isinstance(order, slice) else self.X[order]),
            times=pd.DatetimeIndex(t[order]),
            resolution=res,
            labels=np.asarray(groups, dtype=object)[codes].astype(str),
            names=list(groups),
            codes=codes.astype(np.int32),
            ids=self.ids[order].astype(str),
            keys=np.arange(len(t), dtype=np.int64)[order],
            notes=[],
            vocab=np.asarray(terms, dtype=object),
        )


def stream_drift(
    inputs: Inputs,
    *,
    window: WindowSpec,
    step: Optional[WindowSpec] = None,
    mode: str = "adjacent",
    metric: str = "jsd",
    alpha: float = 0.0,
    base: Optional[float] = None,
    bootstrap: int = 0,
    permutations: int = 0,
    ci: float = 0.95,
    ci_method: str = DEFAULT_CI_METHOD,
    seed: Seed = 0,
    n_jobs: Optional[int] = None,
    reference: Reference = None,
    vectorizer: Optional[Vectorizer] = None,
    groups: Union[str, Sequence[str], None] = None,
    read: Optional[Dict[str, Any]] = None,
    progress: PartitionProgress = None,
    bootstrap_scheme: str = "resample",
) -> pd.DataFrame:
    """:func:`divergence.drift` of a corpus given as files, read and tokenised one file at a
    time (see :func:`stream_terms` for ``inputs`` and ``read``; ``progress`` reports
    partitions). The table equals ``drift(Corpus.read(files), ...)``: windows, values,
    intervals and replicates' summaries, with ``attrs["engine"]`` and ``attrs["sources"]``
    added. ``groups``: only these groups, as for :func:`stream_partisanship` (the table of
    ``drift(Corpus.read(files).filter(groups=...), ...)``).

    Memory (``attrs["memory"]`` says which): with windows in time units (``"6M"``, ``"10Y"``)
    and no statement-level replicates (modes adjacent and baseline, or between with
    ``bootstrap=0`` and ``permutations=0``), only ``"bucket sums"`` are kept: each (time
    bucket, group) cell's summed counts and number of statements, a bucket being the span
    between two consecutive window edges (the vocabulary pass reads the first and last time,
    which place the windows), so memory is one partition plus at most buckets x K x V counts
    (sparse), whatever the number of statements; every window is a sum of whole buckets, exact
    for integer counts, so the table is bit for bit the statements'. Between mode's bootstrap
    with ``bootstrap_scheme="poisson"`` (and ``permutations=0``) stays on bucket sums too: each
    statement's Poisson weights are keyed by (seed, its position in the corpus, replicate) and
    its jackknife block by (seed, position), so each cell also keeps its R replicates' sums and
    20 blocks' sums (dense: (R + 21) x buckets x K x V doubles, e.g. 200 replicates, 20
    buckets, 4 groups and 20,000 terms: 2.8 GB; fewer buckets or terms for less), still
    independent of the number of statements. Otherwise (windows counted in statements, the
    resampling bootstrap or the permutations of ``mode="between"``, which draw statements, a
    step longer than the window) this keeps ``"statement counts"``: every statement's counts (a
    CSR matrix, about 12 bytes per distinct term of each statement) with its time, group and
    id, as :func:`stream_compare` keeps them: one partition's text at a time, not the corpus'
    text (the counts are held twice while the partitions are joined, and once more when the
    files are not in time order, to sort them). A ``(start, end)`` reference period is a run of
    buckets too (its bounds are edges). Every file needs times (an error names the file and
    line of a statement without one).

    Examples
    --------
    >>> import divergence as dv
    >>> table = dv.stream_drift(str(dv.example_path()), window="6M", mode="adjacent")
    >>> table.attrs["engine"], table["value"].round(3).tolist()[:3]
    ('stream', [nan, 0.237, 0.103])
    """
    parts = Partitions.of(inputs, read, groups)
    memory = ["statement counts"]
    seed_v = seed_value(seed)  # resolved once: the keyed draws of the bucket sums use it

    def rows() -> Rows:
        vocab = vocabulary_pass(parts, vectorizer, progress)
        edges = drift_edges(
            vocab, window, step, mode, bootstrap, permutations, reference, bootstrap_scheme
        )
        if edges is not None:
            memory[0] = "bucket sums"
            R = bootstrap if mode == "between" else 0
            acc = BucketSums.empty(edges, len(vocab.groups), len(vocab.terms), R, seed_v)
            threads = resolve_n_jobs(n_jobs)
            for offset, c, X, lab in count_partitions(parts, vocab, vectorizer, progress):
                timed = TimedCounts.of(c, X, lab)  # times checked, a file without them named
                acc.add_statements(timed.times, timed.X, timed.labels, offset, threads)
                del timed, X
            assert vocab.span is not None
            return acc.rows(vocab.groups, vocab.terms, vocab.span, vocab.resolutions)
        got = [
            TimedCounts.of(c, X, lab)
            for _, c, X, lab in count_partitions(parts, vocab, vectorizer, progress)
        ]
        return TimedCounts.join(got).rows(vocab.groups, vocab.terms)

    table = drift_of_rows(
        rows,
        window=window,
        step=step,
        mode=mode,
        metric=metric,
        alpha=alpha,
        base=base,
        bootstrap=bootstrap,
        permutations=permutations,
        ci=ci,
        ci_method=ci_method,
        seed=seed_v,
        n_jobs=n_jobs,
        reference=reference,
        incremental=True,
        progress=None,
        bootstrap_scheme=bootstrap_scheme,
    )
    table.attrs["engine"] = "stream"
    table.attrs["memory"] = memory[0]
    table.attrs["sources"] = parts.sources
    return table


def drift_edges(
    vocab: Vocabulary,
    window: WindowSpec,
    step: Optional[WindowSpec],
    mode: str,
    bootstrap: int,
    permutations: int,
    reference: Reference,
    bootstrap_scheme: str = "resample",
) -> Optional[np.ndarray]:
    """:func:`divergence._drift.bucket_edges` over the times the vocabulary pass read (None:
    the statements' counts are kept)."""
    res = "date" if "date" in vocab.resolutions else ("year" if vocab.resolutions else None)
    return bucket_edges(
        window,
        step,
        mode,
        bootstrap,
        permutations,
        reference,
        vocab.span,
        res,
        bootstrap_scheme,
    )
