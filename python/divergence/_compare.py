"""How far apart are the groups? Group-by-group divergence with bootstrap intervals, a
permutation null and distinguishing terms.

Group distributions are the summed term counts of each group's statements. For every pair of
groups the result reports:

- ``value``: the plug-in divergence of the two group distributions;
- ``corrected``: the bias-corrected estimate (a plug-in divergence is biased upward): for the
  JSD of integer counts, the block jackknife over statements of the value less its bias
  estimated from the groups' Chao-Wang-Jost entropies (``_core.jsd_entropy_bias``); for other
  measures, the block jackknife of the value;
- ``ci_low``/``ci_high``: a bootstrap interval (statements resampled with replacement within
  each group). ``ci_method="bracket"`` (default) runs from the lower to the higher of two
  bias-corrected estimates (``corrected`` and, for the JSD, the value less its bias estimate;
  for other measures the bootstrap's 2*value - boot_mean), widened below and above (for the
  JSD by t_{G-1} x the block jackknife's standard error of the value less its bias estimate,
  for other measures by the bootstrap's spread); ``"corrected"`` places that spread around
  ``corrected`` alone;
  ``"percentile"`` gives the percentile interval (for small groups it can sit wholly above
  ``value``: resampling, which duplicates statements, adds more bias);
  ``"basic"`` the basic (reverse percentile) interval 2*value - q; ``"bca"`` BCa. Their
  coverage, measured: docs/intervals.md. ``boot_mean`` shows the bootstrap mean either way;
- ``null_mean``: the mean divergence under the permutation null (labels shuffled across
  statements, group sizes kept): what sampling noise alone produces for groups of these sizes;
- ``excess`` = value - null_mean, the divergence beyond noise;
- ``p_value`` = (1 + #{null >= value}) / (1 + permutations).

Every analysis summarises its replicates alike (compare, drift, partisanship, stances, topics): a
replicate without a value (NaN) is dropped and the rest used (``permutations`` above then counts
the rest); an infinite one (bhattacharyya of disjoint supports) is a value, and an interval over
it takes its percentiles by nearest rank instead of interpolating across the infinity.

Every replicate uses its own seeded random stream: the same ``seed`` gives the same numbers for
any ``n_jobs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._corpus import Corpus
from ._measures import group_matrix
from ._util.groups import (
    drop_absent,
    group_pairs,
    group_sums,
    label_codes,
    require_groups_with_tokens,
)
from ._util.operands import as_csr, csr_tuple
from ._util.replicates import (
    DEFAULT_CI_METHOD,
    JACKKNIFE_BLOCKS,
    SUMMARY_COLUMNS,
    hapax_share,
    jackknife_blocks,
    summarise,
    undersampled_reasons,
)
from ._util.summary import (
    PAIR_COLUMNS,
    Brief,
    SummarisedResult,
    names_text,
    notes_text,
    pair_rows,
    replicates_text,
)
from ._util.types import Counts, Labels, Progress, Seed, VectorizerLike
from ._util.validation import (
    ALPHA_METRICS,
    ASYMMETRIC_METRICS,
    LOG_METRICS,
    check_bootstrap_scheme,
    check_choice,
    check_ci,
    check_ci_method,
    check_count,
    check_metric,
    check_options,
    resolve_n_jobs,
    seed_value,
)

if TYPE_CHECKING:
    from ._stance import StanceDivergence

__all__ = [
    "PERMUTATION_SCHEMES",
    "Comparison",
    "CompareOptions",
    "ReplicateSums",
    "compare",
    "compare_from_sums",
    "keyed_uniform",
    "matrices_from_sums",
]

#: The permutation nulls, both uniformly random relabellings with the group sizes fixed:
#: "exact" (a Fisher-Yates shuffle of all labels) or "keyed" (statements ranked by a keyed
#: uniform: the same for any partitioning, computable one partition at a time).
PERMUTATION_SCHEMES = ("exact", "keyed")

#: Tags of the keyed draws made here (the core's random.hpp uses 1-5; 5 is the Poisson
#: bootstrap), so that no two procedures with one seed share draws.
TAG_RELABEL = 6
TAG_BLOCKS = 7

#: In-memory compare holds at most this many summed counts of replicates at a time (K x V per
#: replicate; 2**25 doubles = 256 MB).
CHUNK_SUMS = 2**25

#: The most values each of the keyed null's sparse products holds in its dense result (K x V
#: per replicate) and in its indicator (n entries per replicate): 2**22, 32 MB of sums. (With
#: only K x V counted, one partition of 1M statements took 21 replicates at a time: 0.8 GB.)
PRODUCT_ENTRIES = 2**22


@dataclass(repr=False)
class Comparison(SummarisedResult):
    """Result of :func:`compare`. ``table`` is the tidy long table; ``matrix()`` gives K x K
    labelled matrices; ``terms`` the distinguishing terms (when computed).

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> res = dv.compare(corpus, bootstrap=20, permutations=20, seed=1, terms=False)
    >>> type(res).__name__, res.metrics
    ('Comparison', ['jsd'])
    >>> row = res.table.iloc[0]
    >>> row["group_a"], row["group_b"], round(float(row["value"]), 3)
    ('Armenia', 'Azerbaijan', 0.221)
    """

    groups: List[str]
    metrics: List[str]
    table: pd.DataFrame
    observed: Dict[str, np.ndarray]
    bootstrap: Dict[str, np.ndarray]
    null: Dict[str, np.ndarray]
    terms: Optional[pd.DataFrame]
    settings: Dict[str, Any]  # values of every kind (numbers, names, lists), as reported
    notes: List[str] = field(default_factory=list)
    stances: Optional[StanceDivergence] = None  # when stance_col was given
    # The statements compared (those without tokens dropped), for statement-level work such as
    # divergence.nearest_statements: counts (CSR, statements x terms), each row's index into
    # ``groups``, and its id (the Corpus ids, or row positions in the matrix given).
    statements: Optional[sp.csr_matrix] = field(default=None, repr=False)
    statement_groups: Optional[np.ndarray] = field(default=None, repr=False)
    statement_ids: Optional[np.ndarray] = field(default=None, repr=False)

    def matrix(self, metric: Optional[str] = None, what: str = "value") -> pd.DataFrame:
        """K x K matrix of ``what`` (value, ci_low, ci_high, null_mean, excess, p_value).

        Examples
        --------
        >>> import divergence as dv
        >>> corpus = dv.Corpus.read(dv.example_path())
        >>> res = dv.compare(corpus, bootstrap=20, permutations=20, seed=1, terms=False)
        >>> m = res.matrix()  # metric: the first of res.metrics; what: "value"
        >>> m.round(3).loc["Armenia", ["Azerbaijan", "Mediators"]].tolist()
        [0.221, 0.236]
        >>> res.matrix(what="p_value").shape
        (4, 4)
        """
        metric = metric or self.metrics[0]
        if metric not in self.metrics:
            raise ValueError(
                f"metric: {metric!r} was not computed; computed: {', '.join(self.metrics)}"
            )
        cols = SUMMARY_COLUMNS
        check_choice(what, "what", cols)
        K = len(self.groups)
        M = np.full((K, K), np.nan)
        np.fill_diagonal(
            M,
            0.0
            if what
            in ("value", "corrected", "ci_low", "ci_high", "boot_mean", "null_mean", "excess")
            else np.nan,
        )
        t = self.table[self.table["metric"] == metric]
        pos = {g: i for i, g in enumerate(self.groups)}
        sym = metric not in ASYMMETRIC_METRICS
        for ga, gb, v in zip(t["group_a"], t["group_b"], t[what]):
            M[pos[ga], pos[gb]] = v
            if sym:
                M[pos[gb], pos[ga]] = v
        return pd.DataFrame(M, index=self.groups, columns=self.groups)

    def _summary(self) -> Brief:
        t = self.table
        sizes: Dict[str, Any] = {}
        for ga, gb, na, nb in zip(t["group_a"], t["group_b"], t["n_a"], t["n_b"]):
            sizes.setdefault(ga, na)
            sizes.setdefault(gb, nb)
        st = self.settings
        sm = Brief(
            f"Comparison: {len(self.groups)} groups, {st.get('n_statements', '?')} statements, "
            f"{st.get('n_terms', '?')} terms; {', '.join(self.metrics)} ({st.get('units', '')})",
            [
                (
                    "groups (n)",
                    names_text([f"{g} ({sizes.get(g, '?')})" for g in self.groups]),
                ),
                ("replicates", replicates_text(st)),
                *withheld_rows(t),
            ],
            PAIR_COLUMNS,
            pair_rows(t),
            "Full results: .table (per pair and metric), .matrix(metric, what), "
            + (".terms, " if self.terms is not None else "")
            + (".stances, " if self.stances is not None else "")
            + ".settings, .notes",
        )
        if self.notes:
            sm.facts.append(("notes", notes_text(self.notes)))
        return sm


def withheld_rows(t: pd.DataFrame) -> List[Any]:
    """A summary line saying for how many pairs no interval is given, and why (the first)."""
    if "ci_note" not in t.columns:
        return []
    notes = [n for n in t["ci_note"] if n]
    if not notes:
        return []
    return [("no interval", f"{len(notes)} of {len(t)} pairs: {notes[0]}")]


def group_jackknife(
    X: sp.csr_matrix,
    labels: np.ndarray,
    K: int,
    metrics: Sequence[str],
    alpha: float,
    base: Optional[float],
    seed: int,
    threads: int,
    n_blocks: int = JACKKNIFE_BLOCKS,
) -> tuple[np.ndarray, int, Optional[np.ndarray]]:
    """Block-jackknife values (G, m, K, K) of the group divergences: each block of statements
    (:func:`divergence._util.replicates.jackknife_blocks`, stratified by group, at most
    ``n_blocks`` of them) left out in turn; NaN for a pair with a group that the block empties.
    Returns (values, G, the JSD's bias estimate on the same blocks): the last is
    :func:`jsd_bias_left_out` of the blocks' group sums, None where it gives none (no JSD, or
    not integer counts), as :func:`jackknife_from_blocks` returns for keyed blocks.

    With integer counts each block's group sums are taken out of the groups' sums (every sum
    exact), and the core gets those K rows: the same group vectors, so the same bits, as the
    statements kept summed, without a copy of X per block. Other counts: X's rows kept."""
    blocks = jackknife_blocks(labels, seed, n_blocks)
    n_blocks = int(blocks.max()) + 1 if blocks.size else 0
    out = np.full((n_blocks, len(metrics), K, K), np.nan)
    per_block = np.bincount(blocks * K + labels, minlength=n_blocks * K).reshape(n_blocks, K)
    sums = block_group_sums(X, labels, blocks, K, n_blocks)
    total = None
    if sums is not None:
        fold = sp.csr_matrix(
            (np.ones(n_blocks * K), (np.tile(np.arange(K), n_blocks), np.arange(n_blocks * K))),
            shape=(K, n_blocks * K),
        )
        total = sp.csr_matrix(fold @ sums)  # the groups' sums (exact)
    for b in range(n_blocks):
        present = np.flatnonzero(per_block.sum(axis=0) - per_block[b] > 0)
        if len(present) < 2:
            continue
        if sums is not None and total is not None:
            counts: Any = total[present] - sums[b * K : (b + 1) * K][present]
            codes = np.arange(len(present))
        else:
            keep = blocks != b
            remap = np.full(K, -1, dtype=np.int64)
            remap[present] = np.arange(len(present))
            counts, codes = X[keep], remap[labels[keep]]
        o, _, _ = group_matrix(
            counts,
            codes,
            len(present),
            metrics,
            alpha=alpha,
            base=base,
            n_jobs=threads,
        )
        out[b][np.ix_(np.arange(len(metrics)), present, present)] = o
    bias = None
    if sums is not None and "jsd" in metrics:
        bias = jsd_bias_left_out(sums, K, n_blocks, metrics, base, threads)
    return out, n_blocks, bias


def block_group_sums(
    X: sp.csr_matrix, labels: np.ndarray, blocks: np.ndarray, K: int, n_blocks: int
) -> Optional[sp.csr_matrix]:
    """Row b * K + k: the counts of group k's statements in jackknife block b (CSR, G*K x V),
    when X holds integer counts whose total stays below 2^53 (so that every sum, and every
    difference of sums, is exact); else None."""
    data = np.asarray(X.data)
    if data.size and (not np.all(np.floor(data) == data) or float(data.sum()) >= 2.0**53):
        return None
    n = X.shape[0]
    ind = sp.csr_matrix((np.ones(n), (blocks * K + labels, np.arange(n))), shape=(n_blocks * K, n))
    return sp.csr_matrix(ind @ X)


def jsd_bias_cells(
    S: np.ndarray, metrics: Sequence[str], base: Optional[float], threads: int = 1
) -> Optional[np.ndarray]:
    """The estimated bias of the plug-in JSD of every pair of groups (the core's
    ``jsd_entropy_bias``: Chao-Wang-Jost entropies), for group sums ``S`` of shape
    (..., K, V): shape (..., m, K, K), NaN in the cells of the other metrics and of pairs with
    an empty group; in the units of ``base``. None when no metric is the JSD or the sums are
    not integer counts below 2^53 (the estimator counts the words seen once and twice)."""
    if "jsd" not in metrics:
        return None
    A = np.asarray(S, dtype=np.float64)
    if A.size and (not np.all(np.floor(A) == A) or float(A.sum()) >= 2.0**53 or A.min() < 0):
        return None
    lead, K, V = A.shape[:-2], int(A.shape[-2]), int(A.shape[-1])
    flat: np.ndarray = A.reshape((-1, K, V))
    out = np.full((flat.shape[0], len(metrics), K, K), np.nan)
    scale = 1.0 / np.log(base) if base else 1.0
    mi = list(metrics).index("jsd")
    for i in range(flat.shape[0]):
        out[i, mi] = _core.jsd_entropy_bias(np.ascontiguousarray(flat[i]), threads) * scale
    return out.reshape(lead + (len(metrics), K, K))


def correction_text(metrics: Sequence[str], n_blocks: int, keyed: bool, entropy: bool) -> str:
    """What ``corrected`` is, for the settings and manifests: the block jackknife over
    statements (keyed blocks, or blocks within groups), of the JSD less its Chao-Wang-Jost bias
    estimate where ``entropy``."""
    jack = (
        f"block jackknife over statements ({n_blocks} blocks"
        + (", keyed" if keyed else " within groups")
        + ")"
    )
    if not entropy:
        return jack
    text = f"{jack} of the value less its Chao-Wang-Jost bias estimate (the groups' entropies)"
    others = [m for m in metrics if m != "jsd"]
    return f"jsd: {text}; {', '.join(others)}: {jack}" if others else text


def jsd_bias_left_out(
    sums: sp.csr_matrix,
    K: int,
    n_blocks: int,
    metrics: Sequence[str],
    base: Optional[float],
    threads: int,
) -> Optional[np.ndarray]:
    """:func:`jsd_bias_cells` of the group sums without each block in turn, from the blocks'
    group sums (:func:`block_group_sums`, row b * K + k): shape (G, m, K, K); one block's K x V
    dense at a time."""
    total = np.zeros((K, sums.shape[1]))
    for b in range(n_blocks):
        total += sums[b * K : (b + 1) * K].toarray()
    out = np.full((n_blocks, len(metrics), K, K), np.nan)
    for b in range(n_blocks):
        cells = jsd_bias_cells(total - sums[b * K : (b + 1) * K].toarray(), metrics, base, threads)
        if cells is None:
            return None
        out[b] = cells
    return out


# --------------------------------------------------------------------------------------------
# Replicates from sums: the partition-independent path (issue 13, point 6)

_MASK = (1 << 64) - 1


def _splitmix(state: Any) -> Any:
    """SplitMix64 (random.hpp's splitmix64) of uint64 arrays or Python ints: (state, output)."""
    if isinstance(state, int):
        state = (state + 0x9E3779B97F4A7C15) & _MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)
    z = state + np.uint64(0x9E3779B97F4A7C15)  # uint64 arrays wrap modulo 2**64
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def keyed_state(seed: int, tag: int, keys: np.ndarray) -> np.ndarray:
    """The part of :func:`keyed_uniform` that depends on the keys, not the replicate."""
    h = _splitmix(int(seed) & _MASK)
    h = _splitmix(h ^ ((tag * 0xD1B54A32D192ED03) & _MASK))
    k = np.ascontiguousarray(keys, dtype=np.uint64)
    return _splitmix(
        np.uint64(h) ^ (k * np.uint64(0x8CB92BA72F3D8DD7) + np.uint64(0x632BE59BD9B4E019))
    )


def keyed_draw(state: np.ndarray, index: int) -> np.ndarray:
    """Uniforms in [0, 1) of replicate ``index`` from :func:`keyed_state`."""
    mix = np.uint64((index * 0x9E6C63D0676A9A99 + 0xB5AD4ECEDA1CE2A9) & _MASK)
    return (_splitmix(state ^ mix) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def keyed_uniform(seed: int, tag: int, keys: np.ndarray, index: int) -> np.ndarray:
    """The core's ``keyed_uniform(seed, tag, key, index)`` (random.hpp) for an array of keys:
    a uniform in [0, 1) that is a pure function of its four arguments."""
    return keyed_draw(keyed_state(seed, tag, keys), index)


def keyed_order_statistics(
    seed: int, tag: int, n: int, ranks: np.ndarray, index: int, chunk: int = 2**20
) -> np.ndarray:
    """The values of the given ranks (0-based) among ``keyed_uniform(seed, tag, k, index)`` for
    k = 0 .. n-1, in O(chunk) memory: a histogram pass finds each rank's bin, a second pass
    collects that bin's values (exact, whatever the chunk)."""
    ranks = np.asarray(ranks, dtype=np.int64)
    if n <= chunk:
        u = keyed_uniform(seed, tag, np.arange(n, dtype=np.uint64), index)
        return np.sort(u)[ranks]
    bins = 2**16
    hist = np.zeros(bins, dtype=np.int64)
    for lo in range(0, n, chunk):
        u = keyed_uniform(seed, tag, np.arange(lo, min(n, lo + chunk), dtype=np.uint64), index)
        hist += np.bincount((u * bins).astype(np.int64), minlength=bins)
    cum = np.cumsum(hist)
    where = np.searchsorted(cum, ranks, side="right")  # the bin holding each rank
    need = np.unique(where)
    found: List[np.ndarray] = []
    for lo in range(0, n, chunk):
        u = keyed_uniform(seed, tag, np.arange(lo, min(n, lo + chunk), dtype=np.uint64), index)
        found.append(u[np.isin((u * bins).astype(np.int64), need)])
    vals = np.sort(np.concatenate(found))
    # rank r is in bin b: the (r - before_b)-th smallest value of that bin
    first = np.searchsorted((vals * bins).astype(np.int64), where, side="left")
    before = np.where(where > 0, cum[np.maximum(where - 1, 0)], 0)
    return vals[first + ranks - before]


def relabel_thresholds(
    seed: int, sizes: np.ndarray, permutations: int, first: int = 0
) -> np.ndarray:
    """(P, K-1) thresholds of the keyed relabelling, replicates first .. first + P - 1: in
    replicate p statement i (of all N given, in corpus order) has u_i = keyed_uniform(seed, 6,
    i, p); the n_0 smallest u are group 0, the next n_1 group 1, ...; threshold c is the
    smallest u of group c + 1, so a statement's null group is the number of thresholds <= its
    u."""
    sz = np.asarray(sizes, dtype=np.int64)
    n = int(sz.sum())
    ranks = np.minimum(np.cumsum(sz)[:-1], max(n - 1, 0))
    out = np.empty((int(permutations), max(len(sz) - 1, 0)))
    for p in range(int(permutations)):
        out[p] = keyed_order_statistics(seed, TAG_RELABEL, n, ranks, first + p) if n else 0.0
    return out


@dataclass
class ReplicateSums:
    """What the partition-independent replicates need of a corpus, summed over statements, so
    that partitions can be counted apart and added (integer counts: exact in any order):

    * ``sums``: the K x V group sums (the observed distributions, the term table);
    * ``boot``: R x K x V Poisson-bootstrap group sums (the core's poisson_group_sums, statement
      keyed by its position in the corpus: the replicates of ``bootstrap_scheme="poisson"``);
    * ``perm``: P x K x V group sums under the keyed relabelling (``permutation_scheme="keyed"``:
      the statements ranked by ``keyed_uniform(seed, 6, key, p)``, the first ``sizes[0]``
      group 0 and so on, by the ``thresholds`` of :func:`relabel_thresholds`);
    * ``blocks``: 20 x K x V sums of the keyed jackknife blocks (statement in block
      ``floor(20 keyed_uniform(seed, 7, key, 0))``; see :func:`compare`);
    * ``statements``: each group's statements with tokens; ``empty``: those without.

    Memory: (1 + R + P + 20) K V doubles, whatever the corpus size."""

    seed: int
    thresholds: np.ndarray  # (P, K-1): the keyed relabelling (relabel_thresholds)
    sums: np.ndarray
    boot: np.ndarray
    perm: np.ndarray
    blocks: np.ndarray
    statements: np.ndarray
    empty: int = 0
    first_boot: int = 0  # the replicate numbers held: first_boot .. first_boot + R - 1
    first_perm: int = 0

    @classmethod
    def zeros(
        cls,
        n_groups: int,
        n_terms: int,
        *,
        seed: int,
        sizes: Any,
        bootstrap: int = 0,
        permutations: int = 0,
        blocks: bool = True,
        first_boot: int = 0,
        first_perm: int = 0,
    ) -> ReplicateSums:
        K, V = int(n_groups), int(n_terms)
        sz = np.asarray(sizes, dtype=np.int64)
        if sz.shape != (K,):
            raise ValueError(f"sizes: {sz.shape[0] if sz.ndim else 0} sizes for {K} groups")
        return cls(
            seed=int(seed),
            thresholds=relabel_thresholds(seed, sz, permutations, first_perm),
            sums=np.zeros((K, V)),
            boot=np.zeros((int(bootstrap), K, V)),
            perm=np.zeros((int(permutations), K, V)),
            blocks=np.zeros((JACKKNIFE_BLOCKS if blocks else 0, K, V)),
            statements=np.zeros(K, dtype=np.int64),
            first_boot=int(first_boot),
            first_perm=int(first_perm),
        )

    def jackknife(
        self, present: np.ndarray, o: CompareOptions
    ) -> tuple[Optional[np.ndarray], int, Optional[np.ndarray]]:
        """The keyed block-jackknife values of the groups ``present``, their number of blocks
        and the JSD's bias estimate on the same blocks (:func:`jackknife_from_blocks`);
        ``(None, 0, None)`` where no blocks were kept."""
        if not self.blocks.shape[0]:
            return None, 0, None
        return jackknife_from_blocks(
            self.sums[present],
            self.blocks[:, present],
            self.statements[present],
            o.metrics,
            o.alpha,
            o.base,
            o.threads,
        )

    def add_partition(
        self,
        X: sp.csr_matrix,
        codes: np.ndarray,
        offset: int = 0,
        keys: Optional[np.ndarray] = None,
        n_jobs: int = 1,
    ) -> None:
        """Add one partition: its counts, its statements' group codes (into the K groups) and
        either the corpus position of its first statement (``offset``; statements without
        tokens are counted in ``empty`` and skipped) or ``keys``, one per row, every row with
        tokens."""
        X = as_csr(X)
        lab = np.asarray(codes, dtype=np.int64)
        if keys is None:
            has = np.asarray(X.sum(axis=1)).ravel() > 0
            self.empty += int((~has).sum())
            k = (int(offset) + np.flatnonzero(has)).astype(np.uint64)
            if not has.all():
                X, lab = X[has], lab[has]
        else:
            k = np.ascontiguousarray(keys, dtype=np.uint64)
        if X.shape[0] == 0:
            return
        K, V = self.sums.shape
        self.statements += np.bincount(lab, minlength=K)
        self.sums += group_sums(X, lab, K)
        if self.boot.shape[0]:
            _core.poisson_group_sums(
                csr_tuple(X, "X"),
                lab.astype(np.int32),
                K,
                k,
                self.seed,
                self.first_boot,
                self.boot,
                n_jobs,
            )
        F = self.blocks.shape[0]
        if F:
            f = np.minimum((keyed_uniform(self.seed, TAG_BLOCKS, k, 0) * F).astype(np.int64), F - 1)
            self.blocks += group_sums(X, f * K + lab, F * K).reshape(F, K, V)
        if self.perm.shape[0]:
            state = keyed_state(self.seed, TAG_RELABEL, k)
            n, P = X.shape[0], self.perm.shape[0]
            step = max(1, min(P, PRODUCT_ENTRIES // max(1, K * V, n)))
            for p0 in range(0, P, step):
                p1 = min(P, p0 + step)
                # one indicator row per (replicate, group): the relabelled group sums of
                # replicates p0 .. p1-1 in one sparse product (integer sums: exact)
                rows = np.concatenate(
                    [
                        (p - p0) * K
                        + np.searchsorted(
                            self.thresholds[p], keyed_draw(state, self.first_perm + p), side="right"
                        )
                        for p in range(p0, p1)
                    ]
                )
                ind = sp.csr_matrix(
                    (np.ones(rows.size), (rows, np.tile(np.arange(n), p1 - p0))),
                    shape=((p1 - p0) * K, n),
                )
                self.perm[p0:p1] += np.asarray((ind @ X).toarray()).reshape(p1 - p0, K, V)

    def add(self, other: ReplicateSums) -> ReplicateSums:
        """The sums of both (partitions counted apart), a new object."""
        return ReplicateSums(
            self.seed,
            self.thresholds,
            self.sums + other.sums,
            self.boot + other.boot,
            self.perm + other.perm,
            self.blocks + other.blocks,
            self.statements + other.statements,
            self.empty + other.empty,
            self.first_boot,
            self.first_perm,
        )


def matrices_from_sums(
    S: np.ndarray, metrics: Sequence[str], alpha: float = 0.0, base: Optional[float] = None
) -> np.ndarray:
    """(R, m, K, K) divergence matrices of R group-sum matrices (R, K, V), by the core's
    finaliser (the one that gives compare's observed matrix); a group without mass in a
    replicate gives NaN in its rows and columns."""
    R, K = S.shape[0], S.shape[1]
    m = len(metrics)
    out = np.full((R, m, K, K), np.nan)
    for r in range(R):
        present = np.flatnonzero(S[r].sum(axis=1) > 0)
        if present.size < 2:
            continue
        kp = int(present.size)
        o, _, _ = group_matrix(
            sp.csr_matrix(S[r][present]),
            np.arange(kp),
            kp,
            list(metrics),
            alpha=alpha,
            base=base,
            n_jobs=1,
        )
        out[r][np.ix_(np.arange(m), present, present)] = o
    return out


def jackknife_from_blocks(
    sums: np.ndarray,
    blocks: np.ndarray,
    statements: np.ndarray,
    metrics: Sequence[str],
    alpha: float,
    base: Optional[float],
    threads: int = 1,
) -> tuple[np.ndarray, int, Optional[np.ndarray]]:
    """Block-jackknife values (G, m, K, K) from keyed block sums: G = 20, or the smallest
    group's statements where fewer (at least 2, as :func:`jackknife_blocks`), the 20 keyed
    blocks merged as block f -> f mod G; each merged block left out in turn. Also G and the
    JSD's bias estimate on the same sums (:func:`jsd_bias_cells`, None where it gives none)."""
    F = blocks.shape[0]
    G = int(max(2, min(F, int(statements.min()))))
    merged = np.zeros((G,) + sums.shape)
    for f in range(F):
        merged[f % G] += blocks[f]
    kept = sums[None] - merged
    return (
        matrices_from_sums(kept, metrics, alpha, base),
        G,
        jsd_bias_cells(kept, metrics, base, threads),
    )


@dataclass
class CompareOptions:
    """compare's options, checked (see :func:`compare`)."""

    metrics: List[str]
    base: Optional[float]
    alpha: float
    bootstrap: int
    permutations: int
    ci: float
    ci_method: str
    seed: int
    scheme: str
    permutation_scheme: str
    threads: int
    terms: bool
    top_terms: int
    term_pairs: str
    prior: float
    variance: str
    progress: Progress = None

    @classmethod
    def of(
        cls,
        metric: Union[str, Sequence[str]] = "jsd",
        base: Optional[float] = None,
        alpha: float = 0.0,
        bootstrap: int = 200,
        permutations: int = 200,
        ci: float = 0.95,
        ci_method: str = DEFAULT_CI_METHOD,
        seed: Seed = 0,
        bootstrap_scheme: str = "resample",
        permutation_scheme: str = "exact",
        n_jobs: Optional[int] = None,
        terms: bool = True,
        top_terms: int = 15,
        term_pairs: str = "all",
        prior: float = 500.0,
        variance: str = "monroe",
        progress: Progress = None,
    ) -> CompareOptions:
        metrics = [metric] if isinstance(metric, str) else list(metric)
        if not metrics:
            raise ValueError("metric: give at least one metric")
        metrics = [check_metric(m) for m in metrics]
        if alpha and not any(m in ALPHA_METRICS for m in metrics):
            raise ValueError(
                f"alpha: smoothing applies only to {' and '.join(ALPHA_METRICS)}, "
                f"not {', '.join(metrics)}; use alpha=0"
            )
        if base is not None and not any(m in LOG_METRICS for m in metrics):
            raise ValueError(
                f"base: applies only to log-based metrics ({', '.join(LOG_METRICS)}); "
                "leave base=None"
            )
        if base is not None:
            check_options(next(m for m in metrics if m in LOG_METRICS), base, 0.0)
        check_ci(ci)
        check_ci_method(ci_method)
        return cls(
            metrics=metrics,
            base=base,
            alpha=alpha,
            bootstrap=check_count(bootstrap, "bootstrap"),
            permutations=check_count(permutations, "permutations"),
            ci=ci,
            ci_method=ci_method,
            seed=seed_value(seed),
            scheme=check_bootstrap_scheme(bootstrap_scheme),
            permutation_scheme=check_choice(
                permutation_scheme, "permutation_scheme", PERMUTATION_SCHEMES
            ),
            threads=resolve_n_jobs(n_jobs),
            terms=terms,
            top_terms=top_terms,
            term_pairs=term_pairs,
            prior=prior,
            variance=variance,
            progress=progress,
        )

    @property
    def from_sums(self) -> bool:
        """Whether every replicate can be computed from :class:`ReplicateSums` (the
        partition-independent schemes: Poisson bootstrap, keyed null or none)."""
        return self.scheme == "poisson" and (
            self.permutation_scheme == "keyed" or self.permutations == 0
        )

    def sums(self, n_groups: int, n_terms: int, sizes: Any) -> ReplicateSums:
        """Empty :class:`ReplicateSums` for these options (the parts they use)."""
        return ReplicateSums.zeros(
            n_groups,
            n_terms,
            seed=self.seed,
            sizes=sizes,
            bootstrap=self.bootstrap if self.scheme == "poisson" else 0,
            permutations=self.permutations if self.permutation_scheme == "keyed" else 0,
            blocks=self.scheme == "poisson",
        )


def compare_from_sums(
    sums: ReplicateSums,
    groups: Sequence[str],
    vocabulary: Sequence[str],
    opts: CompareOptions,
    notes: Optional[List[str]] = None,
) -> Comparison:
    """The :class:`Comparison` of a corpus counted into ``sums`` (over ``groups``, all of them,
    in order) with ``opts.from_sums``: the result of :func:`compare` on the whole corpus with
    the same options, without its statements (``statements`` is None)."""
    notes = list(notes or [])
    if sums.empty:
        notes.append(f"dropped {sums.empty} statement(s) with no tokens after tokenising")
    names_all = list(groups)
    tok = sums.sums.sum(axis=1)
    require_groups_with_tokens(names_all, tok, "comparing")
    present = np.flatnonzero(sums.statements > 0)
    names = [names_all[int(g)] for g in present]
    obs, boot, perm, jack, n_blocks, bias_jack = _replicates_from_sums(sums, present, opts)
    return _assemble(
        names,
        sums.sums[present],
        sums.statements[present],
        obs,
        boot,
        perm,
        jack,
        n_blocks,
        opts,
        notes,
        list(vocabulary),
        int(sums.statements.sum()),
        bias_jack=bias_jack,
    )


def _replicates_from_sums(
    acc: ReplicateSums, present: np.ndarray, o: CompareOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Optional[np.ndarray], int, Optional[np.ndarray]]:
    """observed, bootstrap, permutation and jackknife values of the groups ``present`` (and
    the JSD's bias estimate on the jackknife's blocks), from the parts of ``acc`` that were
    accumulated (the others empty)."""
    obs = matrices_from_sums(acc.sums[present][None], o.metrics, o.alpha, o.base)[0]
    boot = matrices_from_sums(acc.boot[:, present], o.metrics, o.alpha, o.base)
    perm = matrices_from_sums(acc.perm[:, present], o.metrics, o.alpha, o.base)
    jack, n_blocks, bias_jack = acc.jackknife(present, o)
    return obs, boot, perm, jack, n_blocks, bias_jack


def _replicates_in_chunks(
    X: sp.csr_matrix,
    codes: np.ndarray,
    keys: np.ndarray,
    sizes: np.ndarray,
    present: np.ndarray,
    o: CompareOptions,
) -> tuple[np.ndarray, np.ndarray, Optional[np.ndarray], int, Optional[np.ndarray]]:
    """In memory: the replicates of :func:`_replicates_from_sums` (bootstrap, keyed null,
    keyed jackknife), each replicate from its own sums exactly as the engines compute it, but
    a bounded number of replicates' K x V sums at a time (about 256 MB), not R + P of them."""
    K, V = len(sizes), X.shape[1]
    step = max(1, CHUNK_SUMS // max(1, K * V))
    base = ReplicateSums.zeros(K, V, seed=o.seed, sizes=sizes, blocks=o.scheme == "poisson")
    base.add_partition(X, codes, keys=keys, n_jobs=o.threads)
    jack, n_blocks, bias_jack = base.jackknife(present, o)
    m, k = len(o.metrics), len(present)
    boot = np.zeros((0, m, k, k))
    perm = np.zeros((0, m, k, k))
    R = o.bootstrap if o.scheme == "poisson" else 0
    P = o.permutations if o.permutation_scheme == "keyed" else 0
    parts_b, parts_p = [boot], [perm]
    for first in range(0, max(R, P), step):
        nb, np_ = max(0, min(step, R - first)), max(0, min(step, P - first))
        acc = ReplicateSums.zeros(
            K,
            V,
            seed=o.seed,
            sizes=sizes,
            bootstrap=nb,
            permutations=np_,
            blocks=False,
            first_boot=first,
            first_perm=first,
        )
        acc.add_partition(X, codes, keys=keys, n_jobs=o.threads)
        parts_b.append(matrices_from_sums(acc.boot[:, present], o.metrics, o.alpha, o.base))
        parts_p.append(matrices_from_sums(acc.perm[:, present], o.metrics, o.alpha, o.base))
    return np.concatenate(parts_b), np.concatenate(parts_p), jack, n_blocks, bias_jack


def compare(
    data: Union[Corpus, Counts],
    groups: Optional[Labels] = None,
    *,
    metric: Union[str, Sequence[str]] = "jsd",
    base: Optional[float] = None,
    alpha: float = 0.0,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = DEFAULT_CI_METHOD,
    seed: Seed = 0,
    bootstrap_scheme: str = "resample",
    permutation_scheme: str = "exact",
    n_jobs: Optional[int] = None,
    terms: bool = True,
    top_terms: int = 15,
    term_pairs: str = "all",
    prior: float = 500.0,
    variance: str = "monroe",
    vectorizer: Optional[VectorizerLike] = None,
    vocabulary: Optional[Sequence[str]] = None,
    progress: Progress = None,
    stance_col: Optional[str] = None,
    target_col: Optional[str] = None,
) -> Comparison:
    """Compare groups of statements.

    Parameters
    ----------
    data : Corpus, or a statements x terms count matrix (sparse or dense) with ``groups``.
    groups : group label per statement (needed when ``data`` is a matrix).
    metric : one metric name or several (see :data:`divergence.METRICS`); jsd by default.
    base, alpha : log base (None = nats) and smoothing (kl/jeffreys), as in :func:`pairwise`.
    bootstrap, permutations : replicate counts (0 disables).
    ci : interval coverage; ``ci_method``: "bracket" (default), "corrected", "percentile",
        "basic" or "bca" (see the module docstring).
    seed : makes every random step reproducible (None draws a fresh one, reported in
        ``settings``).
    bootstrap_scheme : "resample" (statements drawn with replacement within each group) or
        "poisson" (each statement weighted by a Poisson(1) draw keyed by (seed, its position in
        the corpus or matrix, replicate): the same replicates for any partitioning, as the
        stream and Dask engines compute them; group sizes vary between replicates, and a group
        empty in a replicate gives NaN there). With "poisson" the block jackknife behind
        ``corrected`` is keyed too: statement i falls in block floor(20 u_i), u_i a keyed
        uniform of (seed, i), the 20 blocks merged f -> f mod G where the smallest group has
        G < 20 statements (random blocks of about equal size, not the exactly balanced blocks
        of "resample"), so that it also is the same for any partitioning.
    permutation_scheme : the permutation null; both are uniformly random relabellings with the
        group sizes fixed (exchangeable under the null hypothesis of no group difference).
        "exact" (default): the labels shuffled (Fisher-Yates, one stream per replicate); it
        needs every statement at once. "keyed": in replicate p each of the N statements given
        (in order, those without tokens included) gets u_i, a uniform keyed by (seed, i, p);
        the n_0 statements with the smallest u form group 0, the next n_1 group 1, and so on
        (n_g: the group sizes as given). The thresholds between groups are order statistics
        of the keyed uniforms, computable from (seed, N, sizes) alone, so each statement's
        null label needs nothing of the other statements: the null is summed one partition at
        a time and is the same for any partitioning (the stream and Dask engines'
        bounded-memory path). Statements without tokens are relabelled too, so the null sizes
        of the statements compared vary by those few. (A relabelling that draws each label
        independently with the group proportions was tried first: its varying group sizes
        doubled the null's spread for a group of 15 statements and the test never rejected at
        5% in 1000 null data sets.) Size measured by ``benchmarks/sim_keyed_null.py`` (a
        bounded run in ``tests/test_keyed_null.py``): 1000 data sets with no difference (two
        groups of 15 and 60 statements of 30 tokens, each statement's distribution drawn
        around one Zipf distribution over 200 terms), 199 replicates, JSD: rejection rate at
        5% of 5.8% for "keyed" and 5.5% for "exact" (binomial standard error 0.7 points).
    terms, top_terms, term_pairs, prior, variance : distinguishing terms (log-odds with an
        informative Dirichlet prior of total ``prior``; see :mod:`divergence.terms`).
    vectorizer : a fitted-or-not :class:`divergence.Vectorizer` (or any object with
        fit_transform/get_feature_names_out) used for a Corpus; default Vectorizer().
    vocabulary : column names when ``data`` is a matrix (for the term table).
    progress : optional callable ``progress(done, total)``, called about ten times a second
        from the calling thread while replicates run (an exception it raises stops the run).
    stance_col, target_col : with a Corpus, also compare hand-coded stances (labels or scores)
        per target: see :func:`divergence.partisan.stance_divergence`; the result is in
        ``Comparison.stances``.

    For ``jsd`` the table also carries the analytic small-sample correction (see
    :func:`divergence.partisan.jsd_bias_pairs`): ``jsd_expected``, the JSD two groups of these
    token counts show with no difference at all, about (V-1)/8 (1/n_a + 1/n_b) nats with V the
    terms either group used; ``jsd_corrected`` = value - jsd_expected; ``chi2_p``, the p-value
    of the likelihood-ratio (G) test of the 2 x V table, chi-square with V-1 degrees of freedom.
    The chi-square approximation needs most expected cell counts >= 5, which sparse vocabularies
    break (``share_small_expected`` says how far): trust the permutation null there.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> result = dv.compare(corpus, bootstrap=20, permutations=20, seed=1, terms=False)
    >>> result.groups
    ['Armenia', 'Azerbaijan', 'Karabakh Armenians', 'Mediators']
    >>> float(result.matrix().loc["Armenia", "Azerbaijan"]) > 0
    True
    >>> sorted({"value", "null_mean", "excess", "p_value"} - set(result.table.columns))
    []
    """
    o = CompareOptions.of(
        metric=metric,
        base=base,
        alpha=alpha,
        bootstrap=bootstrap,
        permutations=permutations,
        ci=ci,
        ci_method=ci_method,
        seed=seed,
        bootstrap_scheme=bootstrap_scheme,
        permutation_scheme=permutation_scheme,
        n_jobs=n_jobs,
        terms=terms,
        top_terms=top_terms,
        term_pairs=term_pairs,
        prior=prior,
        variance=variance,
        progress=progress,
    )
    notes: List[str] = []

    # Statements -> counts.
    vocab: Optional[List[str]]
    if isinstance(data, Corpus):
        if groups is not None:
            raise ValueError("groups: a Corpus carries its groups; do not pass groups=")
        from ._text import Vectorizer

        vec = vectorizer if vectorizer is not None else Vectorizer()
        counts = vec.fit_transform(list(data.text))
        vocab = list(vec.get_feature_names_out())
        names, codes = data.group_names, data.group_codes
        ids = np.asarray(data.id.astype(str))
    else:
        if groups is None:
            raise ValueError("groups: pass one group label per statement when data is a matrix")
        counts = data
        labels_raw = np.asarray(groups)
        vocab = list(vocabulary) if vocabulary is not None else None
        ids = np.arange(labels_raw.shape[0])
        names, codes = label_codes(labels_raw)
    X = as_csr(counts)
    if X.ndim != 2 or X.shape[0] != codes.shape[0]:
        raise ValueError(f"groups: {codes.shape[0]} labels for {X.shape[0]} statements")
    if vocab is not None and len(vocab) != X.shape[1]:
        raise ValueError(f"vocabulary: {len(vocab)} names for {X.shape[1]} columns")

    # Statements without any token have no distribution: drop them, and say so.
    ntok = np.asarray(X.sum(axis=1)).ravel()
    empty = ntok == 0
    keys = np.flatnonzero(~empty)  # positions: the keyed draws' statement keys
    sizes = np.bincount(codes, minlength=len(names))  # as given: the keyed null's group sizes
    if empty.any():
        notes.append(f"dropped {int(empty.sum())} statement(s) with no tokens after tokenising")
        X = X[~empty]
        codes = codes[~empty]
        ntok = ntok[~empty]
        ids = ids[~empty]
    # Fewer than two groups with tokens is an error (the check every analysis of groups
    # makes); groups left with no statement are dropped.
    require_groups_with_tokens(
        names, np.bincount(codes, weights=ntok, minlength=len(names)), "comparing"
    )
    present = np.flatnonzero(np.bincount(codes, minlength=len(names)) > 0)
    keyed = None
    if o.scheme == "poisson" or o.permutation_scheme == "keyed":
        # The partition-independent parts, from sums (as the stream and Dask engines count
        # them): the same numbers for any partitioning.
        keyed = _replicates_in_chunks(X, codes, keys, sizes, present, o)
    names, labels = drop_absent(names, codes)
    K = len(names)

    # The rest (resample bootstrap, exact null, stratified jackknife) from the statements.
    exact_perm = o.permutation_scheme == "exact" and o.permutations > 0
    obs, boot, perm = group_matrix(
        X,
        labels,
        K,
        o.metrics,
        alpha=o.alpha,
        base=o.base,
        bootstrap=o.bootstrap if o.scheme == "resample" else 0,
        permutations=o.permutations if exact_perm else 0,
        seed=o.seed,
        n_jobs=o.threads,
        progress=o.progress,
    )
    jack: Optional[np.ndarray]
    bias_jack: Optional[np.ndarray] = None
    if keyed is not None:
        boot_s, perm_s, jack, n_blocks, bias_jack = keyed
        boot = boot_s if o.scheme == "poisson" else boot
        perm = perm if exact_perm else perm_s
    if keyed is None or o.scheme == "resample":
        jack, n_blocks, bias_jack = group_jackknife(
            X, labels, K, o.metrics, o.alpha, o.base, o.seed, o.threads
        )
    result = _assemble(
        names,
        group_sums(X, labels, K),
        np.bincount(labels, minlength=K),
        obs,
        boot,
        perm,
        jack,
        n_blocks,
        o,
        notes,
        vocab if vocab is not None else [f"term_{j}" for j in range(X.shape[1])],
        int(X.shape[0]),
        bias_jack=bias_jack,
    )
    result.statements = X
    result.statement_groups = labels
    result.statement_ids = ids

    stances = None
    if stance_col is not None:
        if not isinstance(data, Corpus):
            raise ValueError("stance_col: stances need a Corpus (with the stance column)")
        from ._stance import stance_divergence

        stances = stance_divergence(
            data,
            stance_col,
            target_col,
            bootstrap=o.bootstrap,
            permutations=o.permutations,
            ci=o.ci,
            ci_method=o.ci_method,
            seed=o.seed,
            n_jobs=o.threads,
        )
    elif target_col is not None:
        raise ValueError("target_col: give stance_col too")

    result.stances = stances
    return result


def _assemble(
    names: List[str],
    G: np.ndarray,
    n_stat: np.ndarray,
    obs: np.ndarray,
    boot: np.ndarray,
    perm: np.ndarray,
    jack: Optional[np.ndarray],
    n_blocks: int,
    o: CompareOptions,
    notes: List[str],
    vocab: List[str],
    n_statements: int,
    bias_jack: Optional[np.ndarray] = None,
) -> Comparison:
    """The Comparison of K groups (their group sums ``G``, statements ``n_stat``) from the
    observed, bootstrap, permutation and jackknife values: summaries, table, terms, settings."""
    K = len(names)
    metrics = o.metrics
    n_tok = G.sum(axis=1)
    reasons = undersampled_reasons(hapax_share(G), names)
    # the JSD's entropy-based bias estimate, where the counts are integers (and, with a
    # jackknife, where its blocks' counts were too)
    bias = jsd_bias_cells(G, metrics, o.base, o.threads)
    if jack is not None and bias_jack is None:
        bias = None
    summary = summarise(
        obs,
        boot if o.bootstrap else None,
        perm if o.permutations else None,
        ci=o.ci,
        method=o.ci_method,
        jackknife=jack,
        lower=0.0,
        withhold=np.broadcast_to(reasons, obs.shape),
        bias=bias,
        bias_jackknife=bias_jack,
    )

    rows = []
    for mi, m in enumerate(metrics):
        for a, b in group_pairs(K, m):
            row: Dict[str, Any] = {
                "group_a": names[a],
                "group_b": names[b],
                "metric": m,
                "value": float(obs[mi, a, b]),
            }
            row.update(summary.at((mi, a, b)))
            row.update(
                n_a=int(n_stat[a]),
                n_b=int(n_stat[b]),
                tokens_a=int(n_tok[a]),
                tokens_b=int(n_tok[b]),
            )
            rows.append(row)
    table = pd.DataFrame(rows)
    if "jsd" in metrics:
        from ._bias import jsd_bias_from_group_counts

        bias = jsd_bias_from_group_counts(G, names)
        bias = bias.rename(
            columns={"expected": "jsd_expected", "corrected": "jsd_corrected", "p_value": "chi2_p"}
        )
        bias = bias[
            [
                "group_a",
                "group_b",
                "jsd_expected",
                "jsd_corrected",
                "chi2_p",
                "share_small_expected",
            ]
        ]
        bias["metric"] = "jsd"
        table = table.merge(bias, on=["group_a", "group_b", "metric"], how="left")

    term_table = None
    if o.terms:
        from ._terms import terms_from_group_counts

        term_table = terms_from_group_counts(
            G,
            names,
            vocab,
            pairs=o.term_pairs,
            top=o.top_terms,
            alpha0=o.prior,
            variance=o.variance,
        )

    settings = {
        "metrics": metrics,
        "units": "nats" if o.base is None else f"log base {o.base}",
        "base": o.base,
        "alpha": o.alpha,
        "bootstrap": o.bootstrap,
        "bootstrap_scheme": o.scheme,
        "permutations": o.permutations,
        "permutation_scheme": o.permutation_scheme,
        "ci": o.ci,
        "ci_method": o.ci_method,
        "ci_for": summary.ci_for,
        "corrected": correction_text(metrics, n_blocks, o.scheme == "poisson", bias is not None),
        "seed": o.seed,
        "n_jobs": o.threads,
        "prior_alpha0": o.prior,
        "variance": o.variance,
        "n_statements": n_statements,
        "n_terms": int(G.shape[1]),
    }
    return Comparison(
        groups=names,
        metrics=metrics,
        table=table,
        observed={m: obs[i] for i, m in enumerate(metrics)},
        bootstrap={m: boot[:, i] for i, m in enumerate(metrics)},
        null={m: perm[:, i] for i, m in enumerate(metrics)},
        terms=term_table,
        settings=settings,
        notes=notes,
    )
