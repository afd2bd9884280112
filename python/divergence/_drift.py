"""How positions move over time: divergence over sliding windows (:func:`drift`).

:func:`drift` slides windows over time-ordered statements and compares window distributions
(summed term counts):

- ``mode="adjacent"``: each window of a group against the group's previous window (self-drift;
  the first window has no predecessor and gets NaN);
- ``mode="baseline"``: each window against a reference window of the same group (the first
  non-empty window, or ``reference=``);
- ``mode="between"``: per window, every pair of groups (the gap over time), with a bootstrap
  band (statements resampled with replacement within group within window), the permutation
  null mean (group labels shuffled across the window's statements: the divergence that sampling
  noise alone gives groups of these sizes, which matters because windows are small), the excess
  over it and a permutation p-value.

Windows are counted in statements (``window=50, step=10``) or spans of time (``window="90D",
step="30D"``; units D, W, M, Y: ``"1Y"``, ``"6M"``). Time windows are half-open
``[start, start + window)``, start = first time + k * step, kept while they end no later than one
resolution unit (a year for yearly data, a day for dates) after the last time, and shared by all
groups so that curves align. When the last times fall past the last of these windows, one more
window anchored at the end of the data (ending one resolution unit after the last time, so
starting less than a step after the previous window) covers them: it is computed once for all
groups, so curves still align, and marked ``anchored_end=True``. Count windows likewise end with
the last ``window`` statements (of the group, or of the corpus in between mode). Every statement
is then in a window, unless the step is longer than the window (the statements between windows
are counted in ``attrs["n_outside"]`` and named in ``attrs["notes"]``). Empty windows are
reported (n_statements 0, value NaN), and every row without a value says why in ``reason``.

The core keeps each window's counts in a dense vector and moves it by adding and removing
statements: moving a window by one statement costs that statement's terms, not the window's.
With integer counts the moved vector is bit-identical to one summed from scratch
(``incremental=False`` recomputes every window; the results are equal exactly).
Results are identical for every ``n_jobs``: replicate r of window w uses its own random stream.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._compare import (
    CHUNK_SUMS,
    ReplicateSums,
    block_group_sums,
    jackknife_from_blocks,
    jsd_bias_cells,
    jsd_bias_left_out,
    matrices_from_sums,
)
from ._corpus import Corpus
from ._util import timeutil
from ._util.groups import group_pairs, group_sums, label_codes
from ._util.operands import as_csr, csr_tuple
from ._util.replicates import (
    DEFAULT_CI_METHOD,
    hapax_share,
    jackknife_blocks,
    summarise,
    undersampled_reasons,
)
from ._util.timeutil import (
    EMPTY_WINDOW,
    Window,
    check_window_args,
    outside_rows,
    parse_windows,
    span_text,
    statement_times,
    window_bounds,
    window_grid,
    windows_note,
)
from ._util.types import (
    Counts,
    Labels,
    Progress,
    Seed,
    TimeBound,
    TimesLike,
    VectorizerLike,
    WindowSpec,
)
from ._util.validation import (
    LOG_METRICS,
    check_bootstrap_scheme,
    check_choice,
    check_ci,
    check_ci_method,
    check_count,
    check_metric,
    check_options,
    is_int,
    resolve_n_jobs,
    seed_value,
)

__all__ = ["MODES", "drift", "parse_window"]

MODES = ("adjacent", "baseline", "between")

# The reference window of mode="baseline": a window index or a (start, end) period.
Reference = Union[int, Tuple[TimeBound, TimeBound], None]


# --------------------------------------------------------------------------------------------
# Arguments


def parse_window(value: WindowSpec, name: str = "window") -> Window:
    """``50`` or ``"50"`` -> 50 statements; ``"90D"``, ``"6M"``, ``"1Y"``, ``"2W"`` -> (n, unit)
    (the window grammar of :func:`drift`; a ValueError or TypeError names ``name``).

    Examples
    --------
    >>> import divergence as dv
    >>> dv.parse_window("90D")
    (90, 'D')
    >>> dv.parse_window(50)
    50
    """
    return timeutil.parse_window(value, name)


# --------------------------------------------------------------------------------------------
# Data preparation


@dataclass
class Rows:
    """Statements ready for windows (:func:`prepare_rows`)."""

    X: sp.csr_matrix  # statements x terms, rows in time order
    times: Optional[pd.DatetimeIndex]  # one per row, or None
    resolution: Optional[str]  # "year", "date" or None
    labels: Optional[np.ndarray]  # a Corpus's group label per row (None for a matrix)
    names: List[str]  # group names
    codes: np.ndarray  # each row's index into names
    ids: Optional[np.ndarray]  # a Corpus's statement ids (None for a matrix)
    notes: List[str]
    vocab: Optional[np.ndarray]  # a Corpus's terms (None for a matrix)
    # Rows that are sums of statements (:class:`BucketSums`): the statements each row holds
    # (None: one each) and the first and last time of the statements (the windows' grid)
    weights: Optional[np.ndarray] = None
    span: Optional[pd.DatetimeIndex] = None
    # Statements: each row's position in the corpus (before sorting by time; a matrix's row),
    # the key of its keyed draws (bootstrap_scheme="poisson"). Bucket sums: the cells' Poisson
    # bootstrap and keyed jackknife block sums, one per row (:class:`CellReplicates`).
    keys: Optional[np.ndarray] = None
    replicates: Optional[CellReplicates] = None


@dataclass
class CellReplicates:
    """What ``bootstrap_scheme="poisson"`` needs of bucket sums: per (time bucket, group) cell
    ``boot`` (R, cells, V), the Poisson bootstrap sums (each statement weighted by a Poisson(1)
    draw keyed by (seed, its corpus position, replicate)), ``blocks`` (20, cells, V), the keyed
    jackknife blocks' sums, ``statements`` (cells,), statements with tokens, and ``sums``
    (cells, V), the counts (:class:`divergence._compare.ReplicateSums` with cells as its
    groups); ``cell``: each row's cell (rows are the cells with statements)."""

    boot: np.ndarray
    blocks: np.ndarray
    statements: np.ndarray
    sums: np.ndarray
    cell: np.ndarray


def prepare_rows(
    data: Union[Corpus, Counts],
    times: Optional[TimesLike],
    groups: Union[str, Labels, None],
    vectorizer: Optional[VectorizerLike],
    sort: bool,
) -> Rows:
    """X (CSR, rows in time order), times (DatetimeIndex or None), resolution, the group names and
    each row's group code (a Corpus's own codes), and for a Corpus each row's group label and id."""
    notes: List[str] = []
    if isinstance(data, Corpus):
        if times is not None:
            raise ValueError("times: a Corpus carries its times; do not pass times=")
        c = data
        if groups is not None:
            # filter checks that each name is a str
            c = c.filter(groups=cast(Union[str, Iterable[str]], groups))
        if len(c) == 0:
            raise ValueError("data: no statements")
        c.require_time()
        order = np.argsort(c.time.to_numpy(), kind="stable")
        frame = c.frame.iloc[order].reset_index(drop=True)
        from ._text import Vectorizer

        vec = vectorizer if vectorizer is not None else Vectorizer()
        X = as_csr(vec.fit_transform(list(frame["text"])))
        t = pd.DatetimeIndex(frame["time"])
        return Rows(
            X=X,
            times=t,
            resolution=c.time_resolution,
            labels=np.asarray(frame["group"].astype(str)),
            names=c.group_names,
            codes=c.group_codes[order],
            ids=np.asarray(frame["id"].astype(str)),
            notes=notes,
            vocab=vec.get_feature_names_out(),
            keys=order.astype(np.int64),
        )
    X = as_csr(data)
    n = X.shape[0]
    if groups is None:
        names, codes = ["all"], np.zeros(n, dtype=np.int64)
    else:
        labels = np.asarray(groups)
        if labels.shape != (n,):
            raise ValueError(
                f"groups: {labels.shape[0] if labels.ndim else 0} labels for {n} statements"
            )
        names, codes = label_codes(labels)
    t = None
    res: Optional[str] = None
    if times is not None:
        t, res = statement_times(times, n)
    return Rows(
        X=X,
        times=t,
        resolution=res,
        labels=None,
        names=names,
        codes=codes,
        ids=None,
        notes=notes,
        vocab=None,
        keys=np.arange(n, dtype=np.int64),
    )


# --------------------------------------------------------------------------------------------
# Bucket sums (the stream and Dask engines, issue 13)


def bucket_edges(
    window: WindowSpec,
    step: Optional[WindowSpec],
    mode: str,
    bootstrap: int,
    permutations: int,
    reference: Reference,
    span: Optional[Tuple[int, int]],
    resolution: Optional[str],
    bootstrap_scheme: str = "resample",
) -> Optional[np.ndarray]:
    """The time buckets of :class:`BucketSums` (their edges, sorted int64 ns: every window's
    start and end), or None where drift needs the statements themselves: windows counted in
    statements, statement-level replicates (``mode="between"`` with permutations, or with a
    bootstrap other than ``bootstrap_scheme="poisson"``, whose keyed weights and jackknife
    blocks add up over buckets), a bucket in no window (a step longer than the window: the
    statements outside are reported by time), or no times read (``span`` None: the statements
    path names the file without them). A ``(start, end)`` reference period adds its bounds
    (within the data) to the edges, so that it too is a run of whole buckets. ``span``: the
    corpus' first and last time (int64 ns); the options are :func:`drift`'s, already checked.
    The same errors as :func:`drift` for a window narrower than the resolution or longer than
    the data, or a reference bound that is not a time."""
    win, stp = parse_windows(window, step)
    if not isinstance(win, tuple) or span is None:
        return None
    if mode == "between" and (permutations or (bootstrap and bootstrap_scheme != "poisson")):
        return None
    period: List[int] = []
    if reference is not None and not is_int(reference):
        if not (isinstance(reference, (tuple, list)) and len(reference) == 2):
            return None  # the statements path raises drift's TypeError
        # _reference_window's bounds: [lo, hi] or [lo, hi) (hi + 1 ns: ns times)
        lo, _ = timeutil.time_bound(reference[0], False, "reference")
        hi, inclusive = timeutil.time_bound(reference[1], True, "reference")
        period = [int(timeutil.as_ns([lo])[0]), int(timeutil.as_ns([hi])[0]) + int(inclusive)]
    check_window_args(win, stp, resolution, True)
    grid = window_grid(
        pd.DatetimeIndex(np.array(span, dtype="datetime64[ns]")), win, stp, resolution
    )
    assert grid is not None
    starts, ends = timeutil.as_ns(grid.starts), timeutil.as_ns(grid.ends)
    edges = np.unique(np.concatenate([starts, ends]))
    inside = np.clip(np.asarray(period, dtype=np.int64), edges[0], edges[-1])
    edges = np.unique(np.concatenate([edges, inside]))
    covered = np.zeros(len(edges), dtype=np.int64)  # windows over bucket k = [edges[k], edges[k+1])
    np.add.at(covered, np.searchsorted(edges, starts), 1)
    np.add.at(covered, np.searchsorted(edges, ends), -1)
    if (np.cumsum(covered)[:-1] == 0).any():
        return None
    return edges.astype(np.int64)


@dataclass
class BucketSums:
    """What drift keeps of a corpus when its windows are spans of time and it needs no
    statement-level replicates (:func:`bucket_edges`): each (time bucket, group) cell's summed
    counts and number of statements, a bucket being the span between two consecutive window
    edges, so that every window is a run of whole buckets. Memory: at most buckets x K x V
    counts (sparse: only the terms a cell uses), whatever the number of statements. A window's
    vector is the sum of its buckets' rows: with integer counts every sum is exact in any
    order, so the core's windows (and their values) are bit for bit those of the statements.
    Added in any order (:meth:`add`)."""

    edges: np.ndarray  # int64 ns, sorted: bucket k = [edges[k], edges[k + 1])
    n_groups: int
    sums: sp.csr_matrix  # (bucket, group) cells x terms, int64; cell = bucket * K + group
    n: np.ndarray  # statements per cell (int64)
    # bootstrap_scheme="poisson": the cells' replicate sums (cells as its groups), dense:
    # (R + 21) x cells x V doubles
    rep: Optional[ReplicateSums] = None

    @classmethod
    def empty(
        cls,
        edges: np.ndarray,
        n_groups: int,
        n_terms: int,
        bootstrap: int = 0,
        seed: int = 0,
    ) -> BucketSums:
        """No statements yet; ``bootstrap`` > 0: also the Poisson bootstrap's ``bootstrap``
        replicates and the keyed jackknife blocks (``seed``: drift's, resolved)."""
        cells = (len(edges) - 1) * n_groups
        rep = None
        if bootstrap:
            rep = ReplicateSums.zeros(
                cells, n_terms, seed=seed, sizes=np.zeros(cells), bootstrap=bootstrap
            )
        return cls(
            np.asarray(edges, dtype=np.int64),
            n_groups,
            sp.csr_matrix((cells, n_terms), dtype=np.int64),
            np.zeros(cells, dtype=np.int64),
            rep,
        )

    def add_statements(
        self,
        times: np.ndarray,
        X: sp.spmatrix,
        labels: np.ndarray,
        offset: int = 0,
        n_jobs: int = 1,
    ) -> None:
        """Adds statements: their times (datetime64[ns], none missing), counts (integers),
        group codes and (for the replicates) the corpus position of the first (``offset``:
        statement i's keyed draws use offset + i, as :func:`drift` keys the statements)."""
        t = np.asarray(times).astype("datetime64[ns]").astype(np.int64)
        bucket = np.searchsorted(self.edges, t, side="right") - 1
        if len(t) and (bucket.min() < 0 or bucket.max() >= len(self.edges) - 1):
            raise RuntimeError(
                "inputs: a statement's time is outside the times the vocabulary pass read "
                "(did the files change between the passes?)"
            )
        cell = bucket * self.n_groups + np.asarray(labels, dtype=np.int64)
        m = len(cell)
        onto = sp.csr_matrix(
            (np.ones(m, dtype=np.int64), (cell, np.arange(m))), shape=(len(self.n), m)
        )
        Xi = as_int_csr(X)
        self.sums = as_int_csr(self.sums + onto @ Xi)
        self.n += np.bincount(cell, minlength=len(self.n))
        if self.rep is not None:
            has = np.flatnonzero(np.asarray(Xi.sum(axis=1)).ravel() > 0)  # with tokens
            self.rep.add_partition(
                as_csr(Xi[has]), cell[has], keys=int(offset) + has, n_jobs=n_jobs
            )

    def add(self, other: BucketSums) -> BucketSums:
        return BucketSums(
            self.edges,
            self.n_groups,
            as_int_csr(self.sums + other.sums),
            self.n + other.n,
            None if self.rep is None or other.rep is None else self.rep.add(other.rep),
        )

    def rows(
        self,
        groups: Sequence[str],
        terms: Sequence[str],
        span: Tuple[int, int],
        resolutions: frozenset,
    ) -> Rows:
        """The cells holding statements as :class:`Rows` in time order (bucket, then group),
        each at its bucket's start time, with ``weights`` (statements per row) and ``span``
        (the grid's first and last time); the resolution as the statements path reads it
        (dates when any file gives dates, else years)."""
        if int(self.n.sum()) == 0:
            raise ValueError("data: no statements")
        keep = np.flatnonzero(self.n > 0)
        K = self.n_groups
        codes = (keep % K).astype(np.int32)
        res = "date" if "date" in resolutions else ("year" if resolutions else None)
        return Rows(
            X=as_csr(self.sums[keep]),
            times=pd.DatetimeIndex(self.edges[keep // K].astype("datetime64[ns]")),
            resolution=res,
            labels=np.asarray(groups, dtype=object)[codes].astype(str),
            names=list(groups),
            codes=codes,
            ids=None,
            notes=[],
            vocab=np.asarray(terms, dtype=object),
            weights=self.n[keep].copy(),
            span=pd.DatetimeIndex(np.array(span, dtype="datetime64[ns]")),
            replicates=None
            if self.rep is None
            else CellReplicates(
                self.rep.boot, self.rep.blocks, self.rep.statements, self.rep.sums, keep
            ),
        )


def as_int_csr(X: sp.spmatrix) -> sp.csr_matrix:
    """Canonical int64 CSR (sorted indices, duplicates summed)."""
    out = sp.csr_matrix(X, dtype=np.int64)
    out.sum_duplicates()
    return out


# --------------------------------------------------------------------------------------------
# drift


def drift(
    data: Union[Corpus, Counts],
    times: Optional[TimesLike] = None,
    groups: Union[str, Labels, None] = None,
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
    vectorizer: Optional[VectorizerLike] = None,
    incremental: bool = True,
    progress: Progress = None,
    bootstrap_scheme: str = "resample",
) -> pd.DataFrame:
    """Divergence over sliding windows of time-ordered statements.

    Parameters
    ----------
    data : a :class:`~divergence.Corpus` (needs times; statements are sorted by time), or a
        statements x terms count matrix (sparse or dense) whose rows are in time order, or
        statement-level topic mixtures (a dense N x k array whose rows sum to 1, e.g.
        ``TopicModel(k=10).fit_transform(texts)``) for topic drift over time. A window's
        distribution is its rows summed and normalised: for counts, the window's term
        distribution; for mixtures, the mean of the window's mixtures (its topic prevalence).
        Non-integer rows (mixtures, weights) are summed from scratch for every window (cost
        rows x k per window, small for topics); ``n_tokens`` is then the window's total mass
        (for mixtures, its number of statements).
    times : for a matrix: one time per statement, sorted (non-decreasing), read as a Corpus
        reads its time column: dates, datetimes, ISO date strings, or years (integers,
        integer-valued floats such as 1992.0, or "1992"); optional for windows counted in
        statements (row order is time order).
    groups : for a matrix: one group label per statement (None: one group, ``"all"``). For a
        Corpus: the group names to keep (None keeps all).
    window, step : both numbers of statements (``window=50, step=10``) or both spans of time
        (``"90D"``, ``"2W"``, ``"6M"``, ``"1Y"``). ``step`` defaults to ``window`` (disjoint
        windows). Count windows run over each group's statements (adjacent, baseline) or over
        all statements (between).
    mode : ``"adjacent"``, ``"baseline"`` or ``"between"`` (see the module docstring).
    metric, alpha, base : as in :func:`divergence.pairwise` (jsd in nats by default).
    bootstrap, permutations, ci : replicates per window for ``mode="between"`` (0: none) and
        the interval's coverage; ``ci_method``: ``"bracket"`` (default: spans the window's
        bias-corrected estimate, column ``corrected``, and a second correction, widened by the
        bootstrap's spread; for the JSD of word counts ``corrected`` is the block jackknife of
        the value less its entropy-based bias estimate, the second is that value less the
        estimate, and the spread is t x the jackknife's standard error of it, as in
        :func:`divergence.compare`), ``"corrected"``, ``"percentile"``,
        ``"basic"`` or ``"bca"`` (see :func:`divergence.compare`); a window whose groups'
        vocabularies are undersampled gets no interval, and says why in ``reason``.
    seed : random seed; the same seed gives the same numbers for any ``n_jobs``.
    bootstrap_scheme : ``"resample"`` (default: each window's statements drawn with
        replacement within group, the block jackknife behind ``corrected`` on balanced
        stratified blocks) or ``"poisson"``: each statement weighted by a Poisson(1) draw keyed
        by (seed, its position in the corpus or matrix, replicate), the same weight in every
        window that holds it, and the jackknife on keyed blocks (statement i in block
        floor(20 u_i), u_i a keyed uniform of (seed, i), merged f -> f mod G where a window's
        smallest group has G < 20 statements with tokens), as :func:`divergence.compare` with
        ``bootstrap_scheme="poisson"`` does within each window. Its replicates add up over
        spans of time, so the stream and Dask engines keep only sums for it (with
        ``permutations=0``; see :func:`divergence.stream_drift`). Group sizes vary between
        replicates; a group empty in a replicate gives NaN there (dropped by the summaries).
        A window's bootstrap and ``corrected`` are then those of :func:`divergence.compare`
        with ``bootstrap_scheme="poisson"`` on the window's statements (tested on a window
        holding the whole corpus), whose coverage docs/intervals.md reports (measured through
        compare, not drift). Memory here: the replicates' R x K x V sums of one
        window at a time (up to about 256 MB at a time, then in chunks).
    reference : ``mode="baseline"`` only: an int (the window index to compare against) or a
        ``(start, end)`` period (inclusive; a year or a date stands for its whole span, as in
        :meth:`Corpus.filter`).
    vectorizer : for a Corpus, the :class:`~divergence.Vectorizer` (default ``Vectorizer()``).
    incremental : False sums every window from scratch (same results; for checks).
    progress : optional ``progress(done, total)`` callable (between mode).

    Returns
    -------
    DataFrame
        One row per (group or pair, window): ``group`` (adjacent/baseline) or
        ``group_a``/``group_b`` (between), ``window`` (index), ``window_start``, ``window_end``
        (time windows: the half-open span; count windows: the first and last statement's time, or
        row positions ``[start, end)`` without times), ``n_statements``, ``n_tokens``, ``value``,
        ``ci_low``, ``ci_high``, ``null_mean`` (NaN unless computed), for between mode ``n_a``,
        ``n_b``, ``boot_mean``, ``excess`` and ``p_value``, then ``anchored_end`` (True for the last
        window when it is anchored at the end of the data rather than on the step's grid) and
        ``reason`` ("" for a scored row; else why it has no value: ``"empty window"``,
        ``"only one group present (X)"``, ``"no statements of group Y"``, ``"no tokens in the
        window"``, ``"first window: no previous window to compare with"``, ``"previous window
        empty"``, ...). Settings are in ``df.attrs`` (``n_outside``: statements in no window).

    Raises
    ------
    ValueError
        Naming the argument: a window or step narrower than the data's time resolution (e.g.
        ``"30D"`` on yearly data), a step of 0, a window longer than the data, unsorted or
        missing times, an unknown mode or metric.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> table = dv.drift(corpus, window="6M", mode="adjacent")
    >>> table["window_start"].dt.strftime("%Y-%m-%d").tolist()[:3]
    ['2022-09-08', '2023-03-08', '2023-05-29']
    >>> table["value"].round(3).tolist()[:3]  # the first window has no previous one
    [nan, 0.237, 0.103]
    """
    return drift_of_rows(
        lambda: prepare_rows(data, times, groups, vectorizer, sort=True),
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
        seed=seed,
        n_jobs=n_jobs,
        reference=reference,
        incremental=incremental,
        progress=progress,
        bootstrap_scheme=bootstrap_scheme,
    )


def drift_of_rows(
    rows: Callable[[], Rows],
    *,
    window: WindowSpec,
    step: Optional[WindowSpec],
    mode: str,
    metric: str,
    alpha: float,
    base: Optional[float],
    bootstrap: int,
    permutations: int,
    ci: float,
    ci_method: str,
    seed: Seed,
    n_jobs: Optional[int],
    reference: Reference,
    incremental: bool,
    progress: Progress,
    bootstrap_scheme: str = "resample",
) -> pd.DataFrame:
    """:func:`drift` of the statements ``rows()`` gives (:class:`Rows`, called once the options
    are checked): the in-memory engine tokenises a Corpus or takes a matrix
    (:func:`prepare_rows`); the stream and Dask engines assemble partitions' counts."""
    check_choice(mode, "mode", MODES)
    metric = check_metric(metric)
    base_v = check_options(metric, base, alpha)
    bootstrap = check_count(bootstrap, "bootstrap")
    permutations = check_count(permutations, "permutations")
    check_ci(ci)
    check_ci_method(ci_method)
    scheme = check_bootstrap_scheme(bootstrap_scheme)
    if mode != "between" and (bootstrap or permutations):
        raise ValueError("bootstrap/permutations: replicates are computed for mode='between' only")
    if reference is not None and mode != "baseline":
        raise ValueError("reference: applies to mode='baseline' only")
    win, stp = parse_windows(window, step)
    seed_v = seed_value(seed)
    threads = resolve_n_jobs(n_jobs)

    d = rows()
    X = d.X
    t = d.times
    check_window_args(win, stp, d.resolution, t is not None)
    n = X.shape[0] if d.weights is None else int(d.weights.sum())
    if d.weights is not None and (
        permutations or (bootstrap and (scheme != "poisson" or d.replicates is None))
    ):
        raise AssertionError("bucket sums: these replicates need statements")
    names = d.names
    codes = d.codes
    settings: Dict[str, Any] = dict(
        mode=mode,
        metric=metric,
        window=span_text(win),
        step=span_text(stp),
        units=("nats" if base is None else f"log base {base}") if metric in LOG_METRICS else "none",
        base=base,
        alpha=alpha,
        bootstrap=bootstrap,
        bootstrap_scheme=scheme,
        permutations=permutations,
        ci=ci,
        ci_method=ci_method,
        seed=seed_v,
        n_jobs=threads,
        n_statements=n,
        n_terms=int(X.shape[1]),
        resolution=d.resolution,
        groups=names,
        notes=d.notes,
    )
    if mode == "between":
        if len(names) < 2:
            raise ValueError(
                f"groups: mode='between' needs at least two groups, found {len(names)}"
            )
        table = _between(
            d,
            X,
            t,
            codes,
            names,
            win,
            stp,
            d.resolution,
            metric,
            alpha,
            base_v,
            bootstrap,
            permutations,
            ci,
            ci_method,
            seed_v,
            threads,
            incremental,
            progress,
            settings,
            scheme,
        )
    else:
        table = _self(
            d,
            X,
            t,
            codes,
            names,
            win,
            stp,
            d.resolution,
            mode,
            metric,
            alpha,
            base_v,
            reference,
            threads,
            incremental,
            settings,
        )
    table.attrs = settings
    return table


def _reference_window(
    reference: Reference, tk: Optional[pd.DatetimeIndex], b: np.ndarray, e: np.ndarray, who: str
) -> Tuple[int, int, str]:
    if reference is None:
        nonempty = np.flatnonzero(e > b)
        if not len(nonempty):
            raise ValueError(f"reference: {who} has no statements in any window")
        k = int(nonempty[0])
        return int(b[k]), int(e[k]), f"window {k}"
    if is_int(reference):
        k = int(cast(int, reference))
        if not 0 <= k < len(b):
            raise ValueError(f"reference: window {k} does not exist ({len(b)} windows)")
        return int(b[k]), int(e[k]), f"window {k}"
    if isinstance(reference, (tuple, list)) and len(reference) == 2:
        if tk is None:
            raise ValueError("reference: a (start, end) period needs times")
        lo, _ = timeutil.time_bound(reference[0], False, "reference")
        hi, inclusive = timeutil.time_bound(reference[1], True, "reference")
        if lo > hi or (lo == hi and not inclusive):
            raise ValueError(f"reference: start {reference[0]!r} is after end {reference[1]!r}")
        ti = timeutil.as_ns(tk)
        rb = int(np.searchsorted(ti, timeutil.as_ns([lo])[0], side="left"))
        re_ = int(
            np.searchsorted(ti, timeutil.as_ns([hi])[0], side="right" if inclusive else "left")
        )
        if re_ <= rb:
            raise ValueError(
                f"reference: {who} has no statements between {reference[0]} and {reference[1]}"
            )
        return rb, re_, f"{reference[0]} to {reference[1]}"
    raise TypeError("reference: expected a window index (int) or a (start, end) period")


NO_TOKENS = "no tokens in the window"


def _self_reasons(
    v: np.ndarray, n_stmts: np.ndarray, tot: np.ndarray, mode: str, ref_tot: float
) -> np.ndarray:
    """Why each window of one group has no value ("" where it has one), adjacent/baseline."""
    out = np.full(len(v), "", dtype=object)
    nan = np.isnan(v)
    if not nan.any():
        return out
    out[nan] = "value not defined for these windows"
    if mode == "adjacent":
        prev_n = np.concatenate([[1], n_stmts[:-1]])
        prev_t = np.concatenate([[1.0], tot[:-1]])
        out[nan & (prev_t == 0)] = "no tokens in the previous window"
        out[nan & (prev_n == 0)] = "previous window empty"
        if len(v):
            out[0] = "first window: no previous window to compare with" if nan[0] else ""
    elif ref_tot == 0:
        out[nan] = "no tokens in the reference window"
    out[nan & (tot == 0)] = NO_TOKENS
    out[nan & (n_stmts == 0)] = EMPTY_WINDOW
    return out


def _between_reasons(
    v: np.ndarray,
    per_group: np.ndarray,
    tokens_group: np.ndarray,
    i: int,
    j: int,
    names: List[str],
    bootstrap: int,
    ci_low: np.ndarray,
    ci_note: np.ndarray,
) -> np.ndarray:
    """Why each window of the pair (i, j) has no value, or no interval when one was asked for
    ("" where it has both); ``ci_note``: the summariser's reason for withholding an interval."""
    out = np.full(len(v), "", dtype=object)
    no_ci = ~np.isnan(v) & np.isnan(ci_low) if bootstrap else np.zeros(len(v), dtype=bool)
    for w in np.flatnonzero(np.isnan(v) | no_ci):
        counts = per_group[w]
        if np.isnan(v[w]):
            present = [names[k] for k in np.flatnonzero(counts > 0)]
            missing = [names[k] for k in (i, j) if counts[k] == 0]
            empty_tok = [names[k] for k in (i, j) if tokens_group[w, k] == 0]
            if not present:
                out[w] = EMPTY_WINDOW
            elif len(present) == 1:
                out[w] = f"only one group present ({present[0]})"
            elif missing:
                out[w] = "no statements of group " + " or ".join(missing)
            elif empty_tok:
                out[w] = "no tokens in group " + " or ".join(empty_tok)
            else:
                out[w] = "value not defined for this window"
        elif ci_note[w]:
            out[w] = f"no interval: {ci_note[w]}"
        else:
            few = [names[k] for k in (i, j) if counts[k] < 2]
            out[w] = (
                "no interval: fewer than 2 statements in group " + " or ".join(few)
                if few
                else "no interval for this window"
            )
    return out


def _between_jackknife(
    X: sp.csr_matrix,
    lab: np.ndarray,
    K: int,
    b: np.ndarray,
    e: np.ndarray,
    metric: str,
    alpha: float,
    base_v: float,
    blocks: np.ndarray,
    incremental: bool,
    threads: int,
) -> np.ndarray:
    """Block-jackknife values (G, W, K, K) of every window's group divergences: each block of
    statements (``blocks``: stratified by group, :func:`jackknife_blocks`) left out in turn;
    NaN where a block empties a group of a window. One core pass (each window's group vectors
    summed once, a block's rows taken out and put back), the same numbers as the windows
    recomputed on the rows kept."""
    return cast(
        np.ndarray,
        _core.window_between_jackknife(
            csr_tuple(X),
            np.ascontiguousarray(lab, dtype=np.int32),
            K,
            np.ascontiguousarray(b, dtype=np.int64),
            np.ascontiguousarray(e, dtype=np.int64),
            np.ascontiguousarray(blocks, dtype=np.int32),
            metric,
            alpha,
            base_v,
            incremental,
            threads,
        ),
    )


def _window_bias(
    X: sp.csr_matrix,
    lab: np.ndarray,
    K: int,
    b: np.ndarray,
    e: np.ndarray,
    metric: str,
    base: Optional[float],
    blocks: np.ndarray,
    threads: int,
) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """The JSD's estimated bias in every window (W, K, K) and on the blocks of
    :func:`_between_jackknife` (G, W, K, K): :func:`jsd_bias_cells` of each window's group sums
    and of those sums without each block's statements; (None, None) where it gives none."""
    W = len(b)
    G = int(blocks.max()) + 1 if blocks.size else 0
    if metric != "jsd" or not W or not G:
        return None, None
    bias = np.full((W, K, K), np.nan)
    bias_jack = np.full((G, W, K, K), np.nan)
    for w, (lo, hi) in enumerate(zip(b, e)):
        per_block = block_group_sums(X[lo:hi], lab[lo:hi], blocks[lo:hi], K, G)
        if per_block is None:
            return None, None
        whole = jsd_bias_cells(group_sums(X[lo:hi], lab[lo:hi], K), [metric], base, threads)
        left = jsd_bias_left_out(per_block, K, G, [metric], base, threads)
        if whole is None or left is None:
            return None, None
        bias[w], bias_jack[:, w] = whole[0], left[:, 0]
    return bias, bias_jack


def _poisson_window(
    d: Rows,
    X: sp.csr_matrix,
    lab: np.ndarray,
    K: int,
    lo: int,
    hi: int,
    R: int,
    seed: int,
    metric: str,
    alpha: float,
    base: Optional[float],
    threads: int,
) -> Tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
    """``bootstrap_scheme="poisson"``: window rows ``lo:hi``'s R bootstrap values (R, K, K)
    and keyed block-jackknife values (G, K, K; None with fewer than two groups), and the JSD's
    estimated bias (K, K) and its values on the same blocks (G, K, K) (:func:`jsd_bias_cells`;
    None where it gives none), from its
    groups' Poisson replicate sums and keyed block sums: those of the statements (keyed by
    ``d.keys``, R x K x V sums at a time up to CHUNK_SUMS), or the cells' sums added
    (``d.replicates``). Integer sums either way, so the same values bit for bit."""
    V = X.shape[1]
    g = lab[lo:hi]
    if d.replicates is not None:
        c = d.replicates
        rows = np.arange(lo, hi)
        boot = np.zeros((R, K, V))
        blocks = np.zeros((c.blocks.shape[0], K, V))
        sums = np.zeros((K, V))
        st = np.zeros(K, dtype=np.int64)
        for k in np.unique(g):
            r = c.cell[rows[g == k]]
            boot[:, k] = c.boot[:, r].sum(axis=1)
            blocks[:, k] = c.blocks[:, r].sum(axis=1)
            sums[k] = c.sums[r].sum(axis=0)
            st[k] = c.statements[r].sum()
        boot_v = matrices_from_sums(boot, [metric], alpha, base)[:, 0]
    else:
        assert d.keys is not None
        Xw = X[lo:hi]
        has = np.flatnonzero(np.asarray(Xw.sum(axis=1)).ravel() > 0)
        Xw, gw, keys = Xw[has], g[has], d.keys[lo:hi][has]
        acc = ReplicateSums.zeros(K, V, seed=seed, sizes=np.zeros(K))
        acc.add_partition(Xw, gw, keys=keys, n_jobs=threads)
        sums, blocks, st = acc.sums, acc.blocks, acc.statements
        step = max(1, CHUNK_SUMS // max(1, K * V))
        chunks = [np.zeros((0, K, K))]
        for first in range(0, R, step):
            part = ReplicateSums.zeros(
                K,
                V,
                seed=seed,
                sizes=np.zeros(K),
                bootstrap=min(step, R - first),
                blocks=False,
                first_boot=first,
            )
            part.add_partition(Xw, gw, keys=keys, n_jobs=threads)
            chunks.append(matrices_from_sums(part.boot, [metric], alpha, base)[:, 0])
        boot_v = np.concatenate(chunks)
    present = np.flatnonzero(st > 0)
    bias = jsd_bias_cells(sums, [metric], base, threads)
    if present.size < 2:
        return boot_v, None, None if bias is None else bias[0], None
    J, G, bj = jackknife_from_blocks(
        sums[present], blocks[:, present], st[present], [metric], alpha, base, threads
    )
    jack = np.full((G, K, K), np.nan)
    jack[:, present[:, None], present[None, :]] = J[:, 0]
    bias_jack = None
    if bias is not None and bj is not None:
        bias_jack = np.full((G, K, K), np.nan)
        bias_jack[:, present[:, None], present[None, :]] = bj[:, 0]
    return boot_v, jack, None if bias is None else bias[0], bias_jack


def _stacked(parts: List[Any]) -> Any:
    """Per-window summaries (:func:`summarise` of one window's K x K cells) as one of shape
    (W, K, K): array fields stacked, the others (``ci_for``) from the first."""
    first = parts[0]
    return type(first)(
        **{
            f.name: np.stack([getattr(p, f.name) for p in parts])
            if isinstance(getattr(first, f.name), np.ndarray)
            else getattr(first, f.name)
            for f in fields(first)
        }
    )


def _self(
    d: Rows,
    X: sp.csr_matrix,
    t: Optional[pd.DatetimeIndex],
    labels: np.ndarray,
    names: List[str],
    win: Window,
    stp: Window,
    resolution: Optional[str],
    mode: str,
    metric: str,
    alpha: float,
    base_v: float,
    reference: Reference,
    threads: int,
    incremental: bool,
    settings: Dict[str, Any],
) -> pd.DataFrame:
    grid = window_grid(t if d.span is None else d.span, win, stp, resolution)
    if len(labels) < 2 or bool(np.all(labels[1:] >= labels[:-1])):
        order = np.arange(len(labels))  # groups already contiguous: no copy of X
        Xo, sorted_labels = X, labels
    else:
        order = np.argsort(labels, kind="stable")  # labels: group codes; rows stay in time order
        Xo, sorted_labels = X[order], labels[order]
    # statements before each row (of Xo): rows that are sums of statements hold several
    cw = None if d.weights is None else np.concatenate([[0], np.cumsum(d.weights[order])])
    bounds = np.searchsorted(sorted_labels, np.arange(len(names) + 1))
    begins: List[np.ndarray] = []
    ends: List[np.ndarray] = []
    pa: List[np.ndarray] = []
    pb: List[np.ndarray] = []
    meta: List[Tuple[np.ndarray, np.ndarray, Any, Any, np.ndarray, np.ndarray, np.ndarray]] = []
    outside: List[np.ndarray] = []
    offset = 0
    n_win = 0
    refs: Dict[str, str] = {}
    for gi, g in enumerate(names):
        rows = order[bounds[gi] : bounds[gi + 1]]
        tk = t[rows] if t is not None else None
        b, e, ws, we, anchored = window_bounds(
            tk, len(rows), win, stp, resolution, grid, f"group {g!r}"
        )
        outside.append(outside_rows(b, e, len(rows)) + offset)
        if cw is not None and len(outside[-1]):
            raise AssertionError("bucket sums: a bucket in no window")  # excluded by the engines
        m = len(b)
        ids = np.arange(n_win, n_win + m, dtype=np.int64)
        begins.append(b + offset)
        ends.append(e + offset)
        n_win += m
        if mode == "adjacent":
            pa.append(ids[:-1])
            pb.append(ids[1:])
            pair_of = np.concatenate([[-1], np.arange(m - 1)])
        else:
            rb, re_, label = _reference_window(reference, tk, b, e, f"group {g!r}")
            refs[g] = label
            begins.append(np.array([rb + offset], dtype=np.int64))
            ends.append(np.array([re_ + offset], dtype=np.int64))
            ref_id = n_win
            n_win += 1
            pa.append(np.full(m, ref_id, dtype=np.int64))
            pb.append(ids)
            pair_of = np.arange(m)
        n_st = (e - b) if cw is None else cw[e + offset] - cw[b + offset]
        meta.append((b + offset, e + offset, ws, we, pair_of, anchored, n_st))
        offset += len(rows)
    if mode == "baseline":
        settings["reference"] = refs
    out_rows = np.concatenate(outside) if outside else np.zeros(0, np.int64)
    note = windows_note(out_rows, len(labels), None if t is None else t[order], resolution)
    if note is not None:
        settings["notes"] = list(settings["notes"]) + [note]
    settings["n_outside"] = int(len(out_rows))
    B = np.concatenate(begins).astype(np.int64)
    E = np.concatenate(ends).astype(np.int64)
    A = np.concatenate(pa).astype(np.int64) if pa else np.zeros(0, np.int64)
    Z = np.concatenate(pb).astype(np.int64) if pb else np.zeros(0, np.int64)
    totals = np.empty(len(B))  # each window's summed counts (n_tokens), from the core's row scan
    vals = _core.window_pairs(
        csr_tuple(Xo), B, E, A, Z, metric, float(alpha), base_v, bool(incremental), threads, totals
    )
    # One frame built from whole columns (per-group frames plus concat cost more than the
    # windows themselves on large inputs).
    cols: Dict[str, List[Any]] = {
        k: []
        for k in ("window", "ws", "we", "anchored", "n_statements", "n_tokens", "value", "reason")
    }
    lengths: List[int] = []
    pos = pos_w = 0
    for b, _e, ws, we, pair_of, anchored, n_st in meta:
        m = len(b)
        lengths.append(m)
        tot = totals[pos_w : pos_w + m]
        ref_tot = totals[pos_w + m] if mode != "adjacent" else 0.0
        pos_w += m + (mode != "adjacent")  # baseline: the group's reference window follows
        v = np.full(m, np.nan)
        has = pair_of >= 0
        v[has] = vals[pos + pair_of[has]]
        pos += int(has.sum())
        cols["window"].append(np.arange(m, dtype=np.int64))
        cols["ws"].append(ws)
        cols["we"].append(we)
        cols["anchored"].append(anchored)
        cols["n_statements"].append(n_st.astype(np.int64))
        cols["n_tokens"].append(np.rint(tot).astype(np.int64))
        cols["value"].append(v)
        cols["reason"].append(_self_reasons(v, n_st, tot, mode, ref_tot))

    def joined(parts: List[Any]) -> Any:
        if isinstance(parts[0], pd.Index):
            return parts[0].append(parts[1:]) if len(parts) > 1 else parts[0]
        return np.concatenate(parts)

    n_rows = sum(lengths)
    nan = np.full(n_rows, np.nan)
    return pd.DataFrame(
        {
            "group": np.repeat(np.array(names, dtype=object), lengths),
            "metric": metric,
            "window": joined(cols["window"]),
            "window_start": joined(cols["ws"]),
            "window_end": joined(cols["we"]),
            "n_statements": joined(cols["n_statements"]),
            "n_tokens": joined(cols["n_tokens"]),
            "value": joined(cols["value"]),
            "ci_low": nan,
            "ci_high": nan.copy(),
            "null_mean": nan.copy(),
            "anchored_end": joined(cols["anchored"]),
            "reason": joined(cols["reason"]),
        },
        copy=False,
    )  # every array here is new and used once


def _between(
    d: Rows,
    X: sp.csr_matrix,
    t: Optional[pd.DatetimeIndex],
    labels: np.ndarray,
    names: List[str],
    win: Window,
    stp: Window,
    resolution: Optional[str],
    metric: str,
    alpha: float,
    base_v: float,
    bootstrap: int,
    permutations: int,
    ci: float,
    ci_method: str,
    seed: int,
    threads: int,
    incremental: bool,
    progress: Progress,
    settings: Dict[str, Any],
    scheme: str = "resample",
) -> pd.DataFrame:
    grid = window_grid(t if d.span is None else d.span, win, stp, resolution)
    n = X.shape[0]
    b, e, ws, we, anchored = window_bounds(t, n, win, stp, resolution, grid, "the corpus")
    out_rows = outside_rows(b, e, n)
    if d.weights is not None and len(out_rows):
        raise AssertionError("bucket sums: a bucket in no window")  # excluded by the engines
    note = windows_note(out_rows, n, t, resolution)
    if note is not None:
        settings["notes"] = list(settings["notes"]) + [note]
    settings["n_outside"] = int(len(out_rows))
    lab = np.ascontiguousarray(labels, dtype=np.int32)
    K = len(names)
    obs, boot, perm = _core.window_between(
        csr_tuple(X),
        lab,
        K,
        b,
        e,
        metric,
        float(alpha),
        base_v,
        bootstrap if scheme == "resample" else 0,
        permutations,
        seed,
        bool(incremental),
        threads,
        progress,
    )
    csum = np.concatenate([[0.0], np.cumsum(np.asarray(X.sum(axis=1)).ravel())])
    # Statements per group per window.
    onehot = np.zeros((n + 1, K), dtype=np.int64)
    onehot[np.arange(1, n + 1), lab] = 1 if d.weights is None else d.weights
    cnt = np.cumsum(onehot, axis=0)
    per_group = cnt[e] - cnt[b]  # W x K
    n_st = (e - b) if d.weights is None else per_group.sum(axis=1)
    tok = np.zeros((n + 1, K))
    tok[np.arange(1, n + 1), lab] = np.asarray(X.sum(axis=1)).ravel()
    ctok = np.cumsum(tok, axis=0)
    tokens_group = ctok[e] - ctok[b]  # W x K
    W = len(b)
    pairs = group_pairs(K, metric)
    jack = None
    withhold = None
    bias = bias_jack = None
    if bootstrap and scheme == "resample":
        # one set of blocks for the jackknife of the value and of its bias estimate
        blocks = jackknife_blocks(lab, seed)
        jack = _between_jackknife(
            X, lab, K, b, e, metric, float(alpha), base_v, blocks, bool(incremental), threads
        )
        bias, bias_jack = _window_bias(X, lab, K, b, e, metric, base_v or None, blocks, threads)
    if bootstrap:
        withhold = (
            np.stack(
                [
                    undersampled_reasons(hapax_share(group_sums(X[lo:hi], lab[lo:hi], K)), names)
                    for lo, hi in zip(b, e)
                ]
            )
            if W
            else None
        )
    if bootstrap and scheme == "poisson" and W:
        # Per window: the keyed replicates and jackknife (its number of blocks G depends on
        # the window's smallest group), each window summarised on its own.
        parts = []
        for w in range(W):
            boot_w, jack_w, bias_w, bias_jack_w = _poisson_window(
                d,
                X,
                lab,
                K,
                int(b[w]),
                int(e[w]),
                bootstrap,
                seed,
                metric,
                alpha,
                base_v or None,
                threads,
            )
            parts.append(
                summarise(
                    obs[w],
                    boot_w,
                    perm[w] if permutations else None,
                    ci=ci,
                    method=ci_method,
                    jackknife=jack_w,
                    lower=0.0,
                    withhold=None if withhold is None else withhold[w],
                    bias=bias_w,
                    bias_jackknife=bias_jack_w,
                )
            )
        sm = _stacked(parts)
    else:
        # Replicates are W x R x K x K: the replicate axis is 1.
        sm = summarise(
            obs,
            boot if bootstrap else None,
            perm if permutations else None,
            ci=ci,
            method=ci_method,
            axis=1,
            jackknife=jack,
            lower=0.0,
            withhold=withhold,
            bias=bias,
            bias_jackknife=bias_jack,
        )
    settings["ci_for"] = sm.ci_for
    frames = []
    for i, j in pairs:
        v = obs[:, i, j].copy()
        frames.append(
            pd.DataFrame(
                {
                    "group_a": names[i],
                    "group_b": names[j],
                    "window": np.arange(W),
                    "window_start": ws,
                    "window_end": we,
                    "n_statements": n_st.astype(np.int64),
                    "n_tokens": np.rint(csum[e] - csum[b]).astype(np.int64),
                    "n_a": per_group[:, i],
                    "n_b": per_group[:, j],
                    "value": v,
                    "corrected": sm.corrected[:, i, j],
                    "ci_low": sm.ci_low[:, i, j],
                    "ci_high": sm.ci_high[:, i, j],
                    "boot_mean": sm.boot_mean[:, i, j],
                    "null_mean": sm.null_mean[:, i, j],
                    "excess": sm.excess[:, i, j],
                    "p_value": sm.p_value[:, i, j],
                    "anchored_end": anchored,
                    "ci_for": sm.ci_for,
                    "reason": _between_reasons(
                        v,
                        per_group,
                        tokens_group,
                        i,
                        j,
                        names,
                        bootstrap,
                        sm.ci_low[:, i, j],
                        sm.ci_note[:, i, j],
                    ),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out.insert(2, "metric", metric)
    return out
