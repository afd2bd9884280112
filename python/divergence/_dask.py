"""The Dask engine (issue 13, point 4): the stream engine's passes as tasks on a
``distributed`` cluster, one task per partition (file), partition results added as they finish
(or along one chain per worker thread), or taken in file order where order matters (each as
soon as the files before it are done, its future released: :meth:`_Session.in_file_order`).

* :func:`dask_terms`: vocabulary statistics per file, then K x V group sums per file, each
  added two at a time as the tasks finish (:meth:`_Session.sum_as_completed`; the ids' hashes
  for the duplicate check go to the client apart, not through the additions): the answer of
  :func:`divergence.distinguishing_terms` on the whole corpus, bit for bit (integer sums,
  exact in any order).
* :func:`dask_compare`: the vocabulary as above; with the partition-independent schemes
  (``bootstrap_scheme="poisson"``, ``permutation_scheme="keyed"`` or no permutations) each
  file's :class:`divergence._compare.ReplicateSums` (group, Poisson-bootstrap, keyed-null and
  jackknife-block sums) added along one chain of tasks per worker thread (each task adds its
  file to its chain's sums so far, on the chain's worker; the chains added at the end), so a
  worker holds one partition and two sets of sums per thread, not one per partition;
  otherwise each file's counts taken in file order as it finishes
  (:meth:`_Session.in_file_order`) and :func:`divergence.compare` run on them (as
  :func:`divergence.stream_compare` does).

Every task is a pure function of its file (and its chain's sums before it), so a task lost
with a worker is recomputed with the same result. Needs the ``dask`` extra
(``pip install stance-divergence[dask]``).
"""

from __future__ import annotations

import copy
import sys
from dataclasses import replace
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._compare import CompareOptions, Comparison, ReplicateSums, compare, compare_from_sums
from ._corpus import Corpus
from ._drift import BucketSums, Reference, Rows, drift_of_rows
from ._engine import (
    FixedVocabulary,
    Inputs,
    Partitions,
    TermStats,
    Vocabulary,
    as_vectorizer,
    check_group_count,
    check_kept_groups,
    check_unique_ids,
    finish_vocabulary,
    keep_groups,
    partition_counts,
    read_partition,
)
from ._partisan import Partisanship, Speakers, partisanship_of_speakers
from ._stream import (
    SpeakerSums,
    SpeakerSumsAdder,
    TimedCounts,
    check_speakers_option,
    drift_edges,
)
from ._terms import terms_from_group_counts
from ._text import Vectorizer
from ._util.groups import group_sums
from ._util.replicates import DEFAULT_CI_METHOD
from ._util.types import Seed, WindowSpec
from ._util.validation import seed_value

__all__ = ["dask_compare", "dask_drift", "dask_partisanship", "dask_terms"]


# --------------------------------------------------------------------------------------------
# Tasks (module-level functions: workers import them by name)


def _stats_task(
    path: str,
    read: Dict[str, Any],
    params: Dict[str, Any],
    keep: Optional[List[str]],
    part: int,
) -> TermStats:
    return TermStats.of(read_partition(path, read), Vectorizer(**params), part, keep)


def _add_stats(a: TermStats, b: TermStats) -> TermStats:
    """Merged without the ids' hashes (8 bytes a statement), which go to the client apart
    (:func:`_ids_of`), so that no worker holds them for the whole corpus."""
    return replace(a.add(b), ids=[])


def _ids_of(stats: TermStats) -> List[Tuple[int, np.ndarray, bool]]:
    return stats.ids


def _count_task(
    path: str, read: Dict[str, Any], params: Dict[str, Any], vocab: Vocabulary
) -> Tuple[sp.csr_matrix, np.ndarray, np.ndarray, List[Dict[str, Any]]]:
    c = keep_groups(read_partition(path, read), vocab.groups)
    X, labels = partition_counts(
        c, FixedVocabulary(Vectorizer(**params), vocab.terms), vocab.groups
    )
    return X, labels, np.asarray(c.id.astype(str)), [dict(s) for s in c.sources]


# (sums of some partitions, [(partition, its sources)]): added in any order, sources sorted
Parted = List[Tuple[int, List[Dict[str, Any]]]]


def _sums_task(
    path: str, read: Dict[str, Any], params: Dict[str, Any], vocab: Vocabulary, part: int
) -> Tuple[np.ndarray, Parted]:
    X, labels, _, sources = _count_task(path, read, params, vocab)
    return group_sums(X, labels, len(vocab.groups)), [(part, sources)]


def _in_file_order(parted: Parted) -> List[Dict[str, Any]]:
    return [x for _, src in sorted(parted, key=lambda t: t[0]) for x in src]


PartSums = Tuple[ReplicateSums, Parted]


def _replicate_sums_task(
    path: str,
    read: Dict[str, Any],
    params: Dict[str, Any],
    vocab: Vocabulary,
    opts: CompareOptions,
    part: int,
    prev: Optional[PartSums] = None,
) -> PartSums:
    """One partition's sums, added to ``prev`` (the sums of the partitions before it in its
    chain, copied: a task does not change its inputs) when given."""
    X, labels, _, sources = _count_task(path, read, params, vocab)
    if prev is None:
        acc, parted = opts.sums(len(vocab.groups), len(vocab.terms), vocab.group_sizes), []
    else:
        acc, parted = copy.deepcopy(prev[0]), list(prev[1])
    acc.add_partition(X, labels, sum(vocab.partition_sizes[:part]), n_jobs=opts.threads)
    del X, labels
    _trim()
    return acc, parted + [(part, sources)]


def _trim() -> None:
    """Return the freed heap to the system (glibc's malloc_trim; nothing elsewhere): the
    partition's arrays under glibc's mmap threshold (up to 32 MB) are freed into the heap,
    which fragments task after task, so that a worker's resident memory grew with the number
    of partitions it summed."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        try:
            import ctypes

            _MALLOC_TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _MALLOC_TRIM = False
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM: Any = None


def _add_replicate_sums(a: PartSums, b: PartSums) -> PartSums:
    return a[0].add(b[0]), a[1] + b[1]


def _add_sums(
    a: Tuple[np.ndarray, Parted], b: Tuple[np.ndarray, Parted]
) -> Tuple[np.ndarray, Parted]:
    return a[0] + b[0], a[1] + b[1]


# --------------------------------------------------------------------------------------------
# Driving the cluster


class _Session:
    """A distributed Client: the one given, one connected to ``scheduler``, or a LocalCluster
    on this machine (2 worker processes, bound to 127.0.0.1), closed at the end."""

    def __init__(self, client: Any = None, scheduler: Optional[str] = None) -> None:
        try:
            import distributed
        except ImportError:
            raise ImportError(
                "engine 'dask' needs the dask and distributed packages: "
                "pip install 'stance-divergence[dask]'"
            ) from None
        if client is not None and scheduler is not None:
            raise ValueError("scheduler: give a client or a scheduler address, not both")
        self.owned: List[Any] = []
        if client is not None:
            if not isinstance(client, distributed.Client):
                raise TypeError(
                    f"client: expected a distributed.Client, got {type(client).__name__}"
                )
            self.client = client
        elif scheduler is not None:
            if not isinstance(scheduler, str):
                raise TypeError(f"scheduler: expected an address (str), got {type(scheduler)}")
            self.client = distributed.Client(scheduler)
            self.owned.append(self.client)
        else:
            cluster = distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",
            )
            self.client = distributed.Client(cluster)
            self.owned += [self.client, cluster]

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        for obj in self.owned:
            obj.close()

    def in_file_order(
        self,
        fn: Callable[..., Any],
        inputs: List[Any],
        *args: Any,
        consume: Callable[[Any], None],
        what: str = "counting",
    ) -> int:
        """One task per partition (``fn(input, *args)``; ``inputs``:
        :meth:`Partitions.task_inputs`, paths or futures of a dask DataFrame's partitions,
        emptied, so that the cluster frees each partition once its task has read it), each
        result handed to ``consume`` on the client in partition order as soon as it and every
        result before it are done, its future released at once: the cluster
        holds only the results still waiting for an earlier partition's. At most two tasks per
        worker thread are ahead of the next result to consume (the next submitted when one is
        consumed), so a slow partition holds back at most that many results, however many
        partitions there are. Returns the number of partitions."""
        import distributed

        shared = [self.client.scatter(a, broadcast=True) if _big(a) else a for a in args]
        todo = list(enumerate(inputs))
        todo.reverse()  # popped from the end: partition order
        inputs.clear()
        total = len(todo)
        window = max(2, 2 * sum(self.client.nthreads().values()))
        index: Dict[Any, int] = {}
        done: Dict[int, Any] = {}
        pending = distributed.as_completed()
        nxt = 0

        def submit_next() -> None:
            if todo:
                k, p = todo.pop()
                f = self.client.submit(fn, p, *shared)
                index[f.key] = k
                pending.add(f)

        for _ in range(window):
            submit_next()
        for f in pending:
            done[index.pop(f.key)] = f
            del f
            while nxt in done:
                result = done.pop(nxt).result()  # the future dropped: released on the cluster
                nxt += 1
                print(f"{what}: partitions {nxt}/{total}", file=sys.stderr, flush=True)
                consume(result)
                del result
                submit_next()
        return total

    def sum_as_completed(
        self,
        fn: Callable[..., Any],
        inputs: List[Any],
        *args: Any,
        add: Optional[Callable[[Any, Any], Any]] = None,
        keep: Optional[Callable[[Any], Any]] = None,
        what: str = "counting",
    ) -> Tuple[Any, List[Any]]:
        """One task per partition (``inputs`` as for :meth:`in_file_order`, emptied), at most two
        per worker thread submitted at a time (the next when one finishes), their results
        combined by ``add`` (default ``_add_replicate_sums``) two at a time as soon as both are
        done (combining first), the client keeping no finished result: the cluster holds a few
        results per worker plus a few partial sums, however many partitions there are. The
        additions' order follows completion, so ``add`` must be exact in any order (integer
        sums are). ``keep``: run on each partition's result on the cluster, its (small) result
        gathered by the client as it comes (a list, in completion order, returned with the
        sum)."""
        import distributed

        add = add or _add_replicate_sums
        shared = [self.client.scatter(a, broadcast=True) if _big(a) else a for a in args]
        todo = list(enumerate(inputs))
        todo.reverse()  # popped from the end: partition order
        inputs.clear()
        total, done = len(todo), 0
        window = max(2, 2 * sum(self.client.nthreads().values()))
        keys, kept_keys, kept = set(), set(), []
        pending = distributed.as_completed()

        def submit_next() -> None:
            if todo:
                k, p = todo.pop()
                f = self.client.submit(fn, p, *shared, part=k)
                keys.add(f.key)
                pending.add(f)

        for _ in range(window):
            submit_next()
        waiting = None
        for f in pending:
            if f.key in kept_keys:
                kept.append(f.result())
                del f
                continue
            if f.key in keys:
                done += 1
                print(f"{what}: partitions {done}/{total}", file=sys.stderr, flush=True)
                submit_next()
                if keep is not None:
                    g = self.client.submit(keep, f, priority=10)
                    kept_keys.add(g.key)
                    pending.add(g)
                    del g
            if waiting is None:
                waiting = f
            else:
                pending.add(self.client.submit(add, waiting, f, priority=10))
                waiting = None
            del f
        assert waiting is not None
        return waiting.result(), kept

    def sum_in_chains(self, fn: Callable[..., Any], inputs: List[Any], *args: Any) -> Any:
        """One chain of tasks per worker thread, partitions dealt in turn (chain c: partitions
        c, c + T, c + 2T, ...), each task adding its partition to its chain's sums so far
        (``fn(input, *args, part=k, prev=the previous task's result)``), placed on that
        chain's worker (where its input is), then the chains' results added: a worker holds at
        most its partition and two sums per thread (the chain's so far and the new), however
        many partitions there are and in whatever order the tasks finish (partial sums added
        as they came piled up on one worker: 1.35 GiB at 1M statements, 1.45 GiB at 3M, up to
        3.4 GiB under load). A lost task is recomputed from its chain (the scheduler keeps the
        released links' specs while a later link needs them): the same result, integer sums
        being exact in any order. ``inputs`` as for :meth:`in_file_order`, emptied."""
        import distributed

        shared = [self.client.scatter(a, broadcast=True) if _big(a) else a for a in args]
        slots = [w for w, n in sorted(self.client.nthreads().items()) for _ in range(n)]
        slots = slots or [None]
        chains: List[Any] = [None] * len(slots)
        pending = distributed.as_completed()
        total = len(inputs)
        for k, p in enumerate(inputs):
            c = k % len(slots)
            chains[c] = self.client.submit(
                fn,
                p,
                *shared,
                part=k,
                prev=chains[c],
                workers=None if slots[c] is None else [slots[c]],
                allow_other_workers=True,
            )
            pending.add(chains[c])
        inputs.clear()
        for done, f in enumerate(pending, 1):
            print(f"counting: partitions {done}/{total}", file=sys.stderr, flush=True)
            del f
        futures = [f for f in chains if f is not None]
        while len(futures) > 1:
            futures = [self.client.submit(_add_replicate_sums, futures[0], futures[1])] + futures[
                2:
            ]
        return futures[0].result()


def _big(obj: object) -> bool:
    return isinstance(obj, Vocabulary)


def _vocabulary(
    s: _Session, parts: Partitions, params: Dict[str, Any], vec: Vectorizer, min_groups: int = 0
) -> Vocabulary:
    stats, ids = s.sum_as_completed(
        _stats_task,
        parts.task_inputs(s.client),
        parts.read,
        params,
        parts.groups,
        add=_add_stats,
        keep=_ids_of,
        what="vocabulary",
    )
    stats.ids = sorted((t for part in ids for t in part), key=lambda t: t[0])
    del ids
    check_unique_ids(stats, parts)
    check_kept_groups(stats, parts)
    check_group_count(stats, parts, min_groups)
    return finish_vocabulary(stats, vec)


def dask_terms(
    inputs: Inputs,
    *,
    client: Any = None,
    scheduler: Optional[str] = None,
    vectorizer: Optional[Vectorizer] = None,
    pairs: str = "all",
    top: int = 20,
    alpha0: float = 500.0,
    variance: str = "monroe",
    min_count: int = 1,
    read: Optional[Dict[str, Any]] = None,
) -> pd.DataFrame:
    """:func:`divergence.stream_terms` on a Dask cluster: ``client`` (a
    ``distributed.Client``), ``scheduler`` (an address), or neither (a LocalCluster of 2
    worker processes on 127.0.0.1). The same table, bit for bit.

    Examples
    --------
    >>> from distributed import Client
    >>> import divergence as dv
    >>> path = str(dv.example_path())
    >>> with Client(processes=False, n_workers=1, dashboard_address=None) as client:
    ...     terms = dv.dask_terms(path, client=client, top=3)
    >>> terms.equals(dv.stream_terms(path, top=3))
    True
    """
    parts = Partitions.of(inputs, read)
    vec = as_vectorizer(vectorizer)
    params = vec.get_params()
    with _Session(client, scheduler) as s:
        vocab = _vocabulary(s, parts, params, vec, min_groups=2)
        (G, parted), _ = s.sum_as_completed(
            _sums_task, parts.task_inputs(s.client), parts.read, params, vocab, add=_add_sums
        )
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
    table.attrs["sources"] = _in_file_order(parted)
    return table


def dask_compare(
    inputs: Inputs,
    *,
    client: Any = None,
    scheduler: Optional[str] = None,
    vectorizer: Optional[Vectorizer] = None,
    read: Optional[Dict[str, Any]] = None,
    **options: Any,
) -> Comparison:
    """:func:`divergence.stream_compare` on a Dask cluster (see :func:`dask_terms` for
    ``client`` and ``scheduler``): the same result, bit for bit. With
    ``bootstrap_scheme="poisson"`` and ``permutation_scheme="keyed"`` (or ``permutations=0``)
    each file's sums are added along a chain per worker thread (``settings["memory"] ==
    "bounded"``, no statement-level fields); otherwise each file's counts are taken on the
    client in file order as its task finishes (the cluster holds only the files waiting for an
    earlier one, at most two per worker thread).

    Examples
    --------
    >>> from distributed import Client
    >>> import divergence as dv
    >>> with Client(processes=False, n_workers=1, dashboard_address=None) as client:
    ...     res = dv.dask_compare(str(dv.example_path()), client=client, bootstrap=20,
    ...                           permutations=20, seed=1, terms=False)
    >>> res.settings["engine"], round(float(res.matrix().loc["Armenia", "Azerbaijan"]), 3)
    ('dask', 0.221)
    """
    for name in ("groups", "vocabulary", "stance_col", "target_col"):
        if name in options:
            raise ValueError(f"{name}: not available with the dask engine")
    parts = Partitions.of(inputs, read)
    opts = CompareOptions.of(**options)
    vec = as_vectorizer(vectorizer)
    params = vec.get_params()
    if opts.from_sums:
        task_opts = replace(opts, progress=None)
        with _Session(client, scheduler) as s:
            vocab = _vocabulary(s, parts, params, vec, min_groups=2)
            acc, parted = s.sum_in_chains(
                _replicate_sums_task,
                parts.task_inputs(s.client),
                parts.read,
                params,
                vocab,
                task_opts,
            )
        res = compare_from_sums(acc, vocab.groups, vocab.terms, opts)
        res.settings.update(engine="dask", memory="bounded", sources=_in_file_order(parted))
        return res
    blocks: List[sp.csr_matrix] = []
    labels: List[np.ndarray] = []
    id_parts: List[np.ndarray] = []
    sources: List[Dict[str, Any]] = []

    def consume(r: Tuple[sp.csr_matrix, np.ndarray, np.ndarray, List[Dict[str, Any]]]) -> None:
        blocks.append(r[0])
        labels.append(r[1])
        id_parts.append(r[2])
        sources.extend(r[3])

    with _Session(client, scheduler) as s:
        vocab = _vocabulary(s, parts, params, vec, min_groups=2)
        s.in_file_order(
            _count_task,
            parts.task_inputs(s.client),
            parts.read,
            params,
            vocab,
            consume=consume,
        )
    X = sp.vstack(blocks, format="csr")
    blocks.clear()  # the files' blocks, copied into X
    names = np.asarray(vocab.groups, dtype=object)
    result = compare(X, names[np.concatenate(labels)], vocabulary=vocab.terms, **options)
    ids = np.concatenate(id_parts)
    result.statement_ids = ids[np.asarray(X.sum(axis=1)).ravel() > 0]
    result.settings.update(engine="dask", memory="counts", sources=sources)
    return result


# --------------------------------------------------------------------------------------------
# Partisanship and drift (issue 13, point 5)

Sourced = Tuple[Any, List[Dict[str, Any]], int]  # (a partition's result, its sources, K)


def _read_counts(
    path: str, read: Dict[str, Any], params: Dict[str, Any], vocab: Vocabulary
) -> Tuple[Corpus, sp.csr_matrix, np.ndarray]:
    c = keep_groups(read_partition(path, read), vocab.groups)
    fixed = FixedVocabulary(Vectorizer(**params), vocab.terms)
    X, labels = partition_counts(c, fixed, vocab.groups)
    return c, X, labels


def _speaker_sums_task(
    path: str,
    read: Dict[str, Any],
    params: Dict[str, Any],
    vocab: Vocabulary,
    speakers: Optional[str],
) -> Sourced:
    c, X, labels = _read_counts(path, read, params, vocab)
    K = len(vocab.groups)
    return SpeakerSums.of(c, X, labels, speakers, K), [dict(s) for s in c.sources], K


def _timed_task(
    path: str, read: Dict[str, Any], params: Dict[str, Any], vocab: Vocabulary
) -> Tuple[TimedCounts, List[Dict[str, Any]]]:
    c, X, labels = _read_counts(path, read, params, vocab)
    return TimedCounts.of(c, X, labels), [dict(s) for s in c.sources]


def _bucket_task(
    path: str,
    read: Dict[str, Any],
    params: Dict[str, Any],
    vocab: Vocabulary,
    edges: np.ndarray,
    bootstrap: int,
    seed: int,
    part: int,
) -> Tuple[BucketSums, Parted]:
    """One file's drift bucket sums (its times checked as the statements path checks them),
    with ``bootstrap`` Poisson replicates' sums and the keyed jackknife blocks' when > 0 (each
    statement keyed by its corpus position: the statements of the files before it plus its
    row)."""
    c, X, labels = _read_counts(path, read, params, vocab)
    timed = TimedCounts.of(c, X, labels)
    acc = BucketSums.empty(edges, len(vocab.groups), len(vocab.terms), bootstrap, seed)
    offset = sum(vocab.partition_sizes[:part])
    acc.add_statements(timed.times, timed.X, timed.labels, offset)
    return acc, [(part, [dict(s) for s in c.sources])]


def _add_bucket_sums(
    a: Tuple[BucketSums, Parted], b: Tuple[BucketSums, Parted]
) -> Tuple[BucketSums, Parted]:
    return a[0].add(b[0]), a[1] + b[1]


def dask_partisanship(
    inputs: Inputs,
    speakers: Optional[str] = None,
    *,
    client: Any = None,
    scheduler: Optional[str] = None,
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
) -> Partisanship:
    """:func:`divergence.stream_partisanship` on a Dask cluster (see :func:`dask_terms` for
    ``client`` and ``scheduler``): each file's counts summed per (speaker, group) pair in its
    task, each file's sums added here as soon as it and the files before it are done (in file
    order: speakers keep the order of their first statement; the cluster holds only the files
    waiting for an earlier one, at most two per worker thread), then the leave-out, its
    bootstrap and shuffled labels run here. The same result, bit for bit; the memory bound of
    :func:`divergence.stream_partisanship`, on this machine (the pairs' sums, or the
    statements' counts without ``speakers``).

    Examples
    --------
    >>> from distributed import Client
    >>> import divergence as dv
    >>> with Client(processes=False, n_workers=1, dashboard_address=None) as client:
    ...     res = dv.dask_partisanship(str(dv.example_path()), speakers="speaker",
    ...                                client=client, bootstrap=20, permutations=20, seed=1)
    >>> res.settings["engine"], res.table.set_index("estimator")["p_value"].round(3).to_dict()
    ('dask', {'plug-in': 0.048, 'leave-out': 0.048})
    """
    check_speakers_option(speakers, speaker_group_policy, "dask")
    parts = Partitions.of(inputs, read, groups)
    vec = as_vectorizer(vectorizer)
    params = vec.get_params()
    sources: List[Dict[str, Any]] = []

    def speakers_of(threads: int) -> Tuple[Speakers, str, int]:
        with _Session(client, scheduler) as s:
            vocab = _vocabulary(s, parts, params, vec, min_groups=2)
            adder = SpeakerSumsAdder(speakers is not None, len(vocab.groups), threads)

            def consume(r: Sourced) -> None:
                adder.push(r[0])
                sources.extend(r[1])

            s.in_file_order(
                _speaker_sums_task,
                parts.task_inputs(s.client),
                parts.read,
                params,
                vocab,
                speakers,
                consume=consume,
            )
        sp_ = adder.result().to_speakers(vocab.groups, speaker_group_policy, threads)
        return sp_, "statement" if speakers is None else "speaker", len(vocab.terms)

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
    result.settings["engine"] = "dask"
    result.settings["sources"] = sources
    return result


def dask_drift(
    inputs: Inputs,
    *,
    client: Any = None,
    scheduler: Optional[str] = None,
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
    bootstrap_scheme: str = "resample",
) -> pd.DataFrame:
    """:func:`divergence.stream_drift` on a Dask cluster (see :func:`dask_terms` for
    ``client`` and ``scheduler``): with the bounded path of :func:`divergence.stream_drift`
    (``attrs["memory"] == "bucket sums"``), each file's (time bucket, group) sums from its
    task, added two at a time as the tasks finish (at most buckets x K x V counts each, however
    many statements); otherwise each file's counts, times and groups from its task, taken here
    in file order as the tasks finish (every statement's counts, not its text, on this
    machine). Then the windows and their replicates run here. The same table, bit for bit.
    (With ``groups`` and ``bootstrap_scheme="poisson"`` the statements' counts are kept: the
    keyed draws need each statement's position among those kept, which a file's task does not
    know.)

    Examples
    --------
    >>> from distributed import Client
    >>> import divergence as dv
    >>> with Client(processes=False, n_workers=1, dashboard_address=None) as client:
    ...     table = dv.dask_drift(str(dv.example_path()), client=client, window="6M")
    >>> table.attrs["engine"], table["value"].round(3).tolist()[:3]
    ('dask', [nan, 0.237, 0.103])
    """
    parts = Partitions.of(inputs, read, groups)
    vec = as_vectorizer(vectorizer)
    params = vec.get_params()
    sources: List[Dict[str, Any]] = []
    memory = ["statement counts"]
    seed_v = seed_value(seed)  # resolved once: the keyed draws of the bucket sums use it

    def rows() -> Rows:
        with _Session(client, scheduler) as s:
            vocab = _vocabulary(s, parts, params, vec)
            R = bootstrap if mode == "between" else 0
            edges = None
            if not (R and parts.groups is not None):  # positions among those kept: unknown
                edges = drift_edges(
                    vocab, window, step, mode, bootstrap, permutations, reference, bootstrap_scheme
                )
            if edges is not None:  # bucket sums, added as the files finish
                memory[0] = "bucket sums"
                (acc, parted), _ = s.sum_as_completed(
                    _bucket_task,
                    parts.task_inputs(s.client),
                    parts.read,
                    params,
                    vocab,
                    edges,
                    R,
                    seed_v,
                    add=_add_bucket_sums,
                )
                sources.extend(_in_file_order(parted))
                assert vocab.span is not None
                return acc.rows(vocab.groups, vocab.terms, vocab.span, vocab.resolutions)
            got: List[TimedCounts] = []

            def consume(r: Tuple[TimedCounts, List[Dict[str, Any]]]) -> None:
                got.append(r[0])
                sources.extend(r[1])

            s.in_file_order(
                _timed_task, parts.task_inputs(s.client), parts.read, params, vocab, consume=consume
            )
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
    table.attrs["engine"] = "dask"
    table.attrs["memory"] = memory[0]
    table.attrs["sources"] = sources
    return table
