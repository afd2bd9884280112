"""Bootstrap and permutation replicates summarised: one place, one policy.

Every analysis that resamples (compare, drift between groups, partisanship and partisanship over
time, stances, topic prevalence) hands :func:`summarise` its observed value(s), its bootstrap
replicates and its permutation (null) replicates, and gets back per cell:

- ``ci_low``/``ci_high``: the bootstrap interval of coverage ``ci`` by ``method``:

  - ``"percentile"``: the (1 - ci)/2 and (1 + ci)/2 quantiles of the bootstrap replicates
    (``np.percentile``, linear interpolation);
  - ``"basic"``: the basic (reverse percentile) interval ``2 value - q_high, 2 value - q_low``,
    which corrects the shift of the bootstrap distribution away from the estimate;

- ``boot_mean``: the mean of the bootstrap replicates;
- ``null_mean``: the mean of the null replicates, and ``excess`` = value - null_mean;
- ``p_value`` = (1 + #{null >= value}) / (1 + P), P the number of null replicates used
  (``two_sided``: #{|null| >= |value|}; ``tol`` counts a null within ``tol`` below the value, for
  callers whose observed value and null replicates come from different arithmetic).

Non-finite replicates: the one policy
-------------------------------------
- A NaN replicate has no value (a leave-out replicate in which some group drew a single
  speaker; a window in which a group is absent). It is dropped: the interval, the means and the
  p-value of its cell use the other replicates (P counts only those), and ``boot_dropped`` /
  ``null_dropped`` report per cell how many were dropped. A cell without any replicate left
  gets NaN.
- An infinite replicate is a value (the Bhattacharyya distance of disjoint supports is +inf):
  it is kept. A cell that holds one takes its quantiles by nearest rank
  (``np.percentile(..., method="nearest")``) so that no quantile interpolates across an
  infinity; its means follow IEEE arithmetic (infinite, or NaN where +inf meets -inf).
- A cell whose observed value is NaN (a drift window in which a group has no statements) has
  no summary: every output is NaN. An infinite observed value is summarised like any other.

Everything is vectorised over the cells: replicate arrays have shape ``(R,) + shape`` (or the
replicate axis elsewhere, ``axis=``) and the results have ``shape``. The numbers are those of the
obvious per-cell code: a cell's replicates, NaNs dropped, in their original order, through
``np.percentile`` and ``np.mean`` (the same summation order, so the same bits).

The bias-corrected estimate and the default interval
----------------------------------------------------
A plug-in divergence of sampled counts is biased upward (noise looks like difference), and a
bootstrap replicate, which resamples the sample, is biased once more: so the percentile interval
of small groups lies wholly above its own estimate. The analyses therefore also hand
:func:`summarise` *block-jackknife* values: the statistic recomputed G times (G = 20, fewer
where a group has fewer statements), each time without one of G random blocks of the resampling
units, the blocks stratified so that every block holds about 1/G of each group
(:func:`jackknife_blocks`). From them:

- ``corrected`` = G value - (G - 1) mean(jackknife values): the jackknife bias correction, which
  removes the bias of order 1/n (Quenouille; Efron and Tibshirani 1993, ch. 10), clipped to the
  measure's range (``lower``); where a cell has no jackknife value (a block held a group's only
  statement) the bootstrap's correction 2 value - boot_mean is used instead.
- Where the analysis also hands a **bias estimate** per cell (``bias``, with its values on the
  same blocks, ``bias_jackknife``): ``corrected`` is instead the block jackknife of
  value - bias. Group comparisons by the JSD of integer word counts (``compare``, ``drift``
  between groups) pass the bias that Chao-Wang-Jost entropy estimates give
  (``_core.jsd_entropy_bias``; Chao, Wang and Jost 2013). Those entropies see the words a group
  has not yet used through the words it used once and twice, which neither resampling scheme
  can (the plug-in's bias does not fall as 1/n where the vocabulary keeps growing with the
  sample, or where it is nearly exhausted), but they take tokens as independent draws; the
  jackknife over statements then removes what the statements' clustering adds, of order 1/n.
- ``method="bracket"`` (the default): two bias-corrected estimates, with a spread below the
  lower one and above the higher one: ``[min(corrected, other) - s_low, max(...) + s_high]``
  (clipped to the range). ``other`` is value - bias where a bias estimate is given (the
  token-level correction, which leaves the clustering's bias; ``corrected`` removes it, with a
  jackknife whose own error grows in small samples), else the bootstrap's own correction
  ``2 value - boot_mean``. Each end leaves a higher-order bias of its own; where they disagree,
  neither can be trusted to better than their difference, and the interval spans it. It
  always contains the corrected estimate. The spread: where a bias estimate is given,
  ``s_low = s_high = t x se``, with ``se`` the block jackknife's standard error of
  value - bias (``sqrt((G - 1)/G sum (e_g - mean e)^2)`` over its G left-out values ``e_g``)
  and ``t`` the (1 + ci)/2 quantile of Student's t with G - 1 degrees of freedom, where the
  jackknife has at least :data:`JACKKNIFE_T_MIN_BLOCKS` blocks; elsewhere (and with fewer
  blocks: a group with fewer than that many statements) the bootstrap replicates' spread,
  ``s_low = boot_mean - q_low`` and ``s_high = q_high - boot_mean`` (each at least 0). Why
  the jackknife there: resampling with replacement duplicates statements, and for sparse word
  counts near a divergence of 0 that made the bootstrap's spread up to 2.3 times the
  estimate's standard deviation over data sets, while on real text it fell short of the
  corrected estimate's (whose bias correction adds variance); the jackknife's standard error
  of value - bias tracks it in both (docs/intervals.md).
- ``method="corrected"``: the same spread placed around the corrected estimate alone,
  ``[corrected - s_low, corrected + s_high]``.
- ``method="bca"``: the bias-corrected and accelerated percentile interval (Efron 1987), z0 from
  the share of replicates below the value, the acceleration from the block-jackknife values.

The coverage of each method, measured by simulation with known truth, is in
``benchmarks/sim_coverage.py`` (multinomial statements over a Zipf vocabulary),
``benchmarks/sim_plasmode.py`` (paragraphs of real corpora as the population) and
docs/intervals.md. On real text no interval covers reliably when the groups' vocabularies are
undersampled. The analyses detect that case by the groups' share of tokens that are words used
once (a Good-Turing estimate of the probability of unseen words; above :data:`HAPAX_LIMIT`)
and pass a reason in ``withhold``: the interval of such a cell is not given (NaN, with the
reason in ``ci_note``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Tuple, Union

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import t as student_t

from .types import ArrayLike

__all__ = [
    "SUMMARY_COLUMNS",
    "CI_METHODS",
    "CI_METHOD_TEXT",
    "DEFAULT_CI_METHOD",
    "HAPAX_LIMIT",
    "JACKKNIFE_BLOCKS",
    "JACKKNIFE_T_MIN_BLOCKS",
    "Summary",
    "ci_percentiles",
    "hapax_share",
    "jackknife_blocks",
    "summarise",
    "undersampled_reasons",
    "undersampled_text",
]

#: The columns of a summarised cell in the analyses' tables, in their order.
SUMMARY_COLUMNS = (
    "value",
    "corrected",
    "ci_low",
    "ci_high",
    "boot_mean",
    "null_mean",
    "excess",
    "p_value",
)
#: Blocks of the block jackknife (fewer where a group has fewer resampling units).
JACKKNIFE_BLOCKS = 20
#: The fewest jackknife blocks for the jackknife-t spread of a bias-estimated cell (its standard
#: error then has at least 7 degrees of freedom); with fewer, the bootstrap's spread is used
#: (measured at 4 and 8 blocks: docs/intervals.md).
JACKKNIFE_T_MIN_BLOCKS = 8
#: Above this share of a group's tokens being words it uses once (the Good-Turing estimate of
#: the probability of words it has not been seen to use), the bias correction is unreliable and
#: no interval is given: measured in benchmarks/sim_coverage.py and sim_plasmode.py
#: (docs/intervals.md; 4% until real text at shares of about 4% covered 82%).
HAPAX_LIMIT = 0.03


def jackknife_blocks(strata: ArrayLike, seed: int, n_blocks: int = JACKKNIFE_BLOCKS) -> np.ndarray:
    """A block (0 .. G-1) per unit for the block jackknife: within each stratum (a group) the
    units are spread evenly over the blocks in a random order drawn from ``seed``. G is
    ``n_blocks``, or the smallest stratum's size where that is smaller (at least 2); the number
    of blocks is ``blocks.max() + 1``."""
    codes = np.asarray(strata, dtype=np.int64).ravel()
    if codes.size == 0:
        return np.zeros(0, dtype=np.int64)
    sizes = np.bincount(codes)
    sizes = sizes[sizes > 0]
    G = int(max(2, min(n_blocks, int(sizes.min()))))
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) % 2**64, 0x4A4B]))
    out = np.empty(codes.size, dtype=np.int64)
    for c in np.unique(codes):
        idx = np.flatnonzero(codes == c)
        out[idx] = rng.permutation(np.arange(idx.size) % G)
    return out


def hapax_share(group_counts: ArrayLike) -> np.ndarray:
    """Per group (rows of a groups x terms count matrix, dense or sparse): the share of its
    tokens that are terms it uses exactly once (NaN for a group without tokens)."""
    G = group_counts
    if hasattr(G, "toarray"):
        G = G.toarray()
    A = np.asarray(G, dtype=np.float64)
    tokens = A.sum(axis=1)
    once = np.count_nonzero(A == 1, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tokens > 0, once / np.where(tokens > 0, tokens, 1), np.nan)


def undersampled_reasons(shares: ArrayLike, names: Sequence[str]) -> np.ndarray:
    """K x K reasons (empty where none) for withholding the interval of a pair of groups whose
    vocabulary is undersampled (:data:`HAPAX_LIMIT`)."""
    h = np.asarray(shares, dtype=np.float64)
    K = h.size
    out = np.full((K, K), "", dtype=object)
    for a in range(K):
        for b in range(K):
            worst = max((h[a], a), (h[b], b)) if a != b else (h[a], a)
            if worst[0] > HAPAX_LIMIT:
                out[a, b] = (
                    undersampled_text(worst[0], names[worst[1]])
                    + ": the bias correction is not reliable there, so no interval is given "
                    "(docs/intervals.md); read excess and p"
                )
    return out


def undersampled_text(share: float, name: str) -> str:
    """The start of every undersampling reason: whose tokens, what share, the limit."""
    return (
        f"undersampled: {100 * share:.0f}% of {name}'s tokens are words it uses once "
        f"(limit {100 * HAPAX_LIMIT:.0f}%)"
    )


def ci_percentiles(ci: float) -> Tuple[float, float]:
    """The percentiles (0-100) that bound a central interval of coverage ``ci``."""
    return 100 * (1 - ci) / 2, 100 * (1 + ci) / 2


_Group = Tuple[np.ndarray, np.ndarray, int]  # positions within the cells asked for, rows, key
_Bounds = Tuple[np.ndarray, np.ndarray]  # (low, high) per cell


class _Cells:
    """Replicates laid out one cell per row (cells x R, C order), each row's NaNs moved to its
    end with the other replicates kept in order; ``used`` counts each row's non-NaN ones."""

    def __init__(self, replicates: ArrayLike, shape: Tuple[int, ...], axis: int, what: str) -> None:
        a = np.asarray(replicates, dtype=np.float64)
        if a.ndim != len(shape) + 1:
            raise ValueError(
                f"{what}: expected {len(shape) + 1} dimensions (the replicates' and "
                f"{shape}), got shape {a.shape}"
            )
        a = np.moveaxis(a, axis, -1)
        if a.shape[:-1] != shape:
            raise ValueError(
                f"{what}: replicates of shape {a.shape[:-1]} for observed values of shape {shape}"
            )
        self.R = a.shape[-1]
        T = np.ascontiguousarray(a.reshape(-1, self.R))
        nan = np.isnan(T)
        self.used = self.R - np.count_nonzero(nan, axis=1)
        if self.R and int(self.used.min()) < self.R:
            T = np.take_along_axis(T, np.argsort(nan, axis=1, kind="stable"), axis=1)
        self.T = T

    def _groups(self, sel: np.ndarray, key: np.ndarray) -> Iterator[_Group]:
        """(positions within ``sel``, rows, key) per distinct key: rows of equal length together."""
        if len(sel) == 0:
            return
        for k in np.unique(key):
            pos = np.flatnonzero(key == k)
            yield pos, sel[pos], int(k)

    def means(self, sel: np.ndarray) -> np.ndarray:
        out = np.empty(len(sel))
        with np.errstate(invalid="ignore"):  # inf and -inf: NaN
            for pos, rows, n in self._groups(sel, self.used[sel]):
                out[pos] = self.T[rows, :n].mean(axis=1)
        return out

    def percentiles(self, sel: np.ndarray, q: Sequence[float]) -> np.ndarray:
        """len(q) x len(sel): per row the percentiles of its used replicates; nearest rank in a
        row that holds an infinite value."""
        out = np.empty((len(q), len(sel)))
        has_inf = np.isinf(self.T[sel]).any(axis=1)
        for pos, rows, key in self._groups(sel, 2 * self.used[sel] + has_inf):
            n, nearest = key // 2, bool(key % 2)
            out[:, pos] = np.percentile(
                self.T[rows, :n], list(q), axis=1, method="nearest" if nearest else "linear"
            )
        return out

    def quantiles_at(self, sel: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """len(probs) x len(sel): per row the percentiles at that row's own probabilities
        (``probs``: len(probs) x len(sel), in [0, 1]), by ``np.percentile`` row by row (nearest
        rank in a row that holds an infinite value)."""
        out = np.full(probs.shape, np.nan)
        for j, row in enumerate(sel):
            p = probs[:, j]
            if not np.isfinite(p).all():
                continue
            r = self.T[row, : self.used[row]]
            if np.isinf(r).any():
                out[:, j] = np.percentile(r, list(100 * p), method="nearest")
            else:
                out[:, j] = np.percentile(r, list(100 * p), method="linear")
        return out

    def below(self, sel: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Per row: #{replicates < value} + #{== value} / 2, over the used ones."""
        T = self.T[sel]
        mask = np.arange(self.R)[None, :] < self.used[sel][:, None]
        v = value[:, None]
        return np.count_nonzero(mask & (T < v), axis=1) + 0.5 * np.count_nonzero(
            mask & (T == v), axis=1
        )

    def hits(
        self, sel: np.ndarray, value: np.ndarray, two_sided: np.ndarray, tol: float
    ) -> np.ndarray:
        """Per row: how many used replicates reach the row's value (NaN reaches nothing)."""
        T = self.T[sel]
        v = value[:, None]
        reach = np.where(two_sided[:, None], np.abs(T) >= np.abs(v) - tol, T >= v - tol)
        return np.count_nonzero(reach, axis=1)


def _percentile(value: np.ndarray, boot: _Cells, sel: np.ndarray, ci: float) -> _Bounds:
    q = boot.percentiles(sel, ci_percentiles(ci))
    return q[0], q[1]


def _basic(value: np.ndarray, boot: _Cells, sel: np.ndarray, ci: float) -> _Bounds:
    lo, hi = _percentile(value, boot, sel, ci)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as in Python floats
        return 2 * value - hi, 2 * value - lo


def _spread_around(
    low: np.ndarray, high: np.ndarray, boot: _Cells, sel: np.ndarray, ci: float, extra: _Extra
) -> _Bounds:
    """A spread below ``low`` and above ``high`` (estimates per selected cell): where a cell has
    one, the jackknife-t half-width of its bias-estimated value (``extra.half``), else the
    bootstrap replicates' spread below and above their mean."""
    q_lo, q_hi = boot.percentiles(sel, ci_percentiles(ci))
    m = extra.boot_mean[sel]  # the summary's boot_mean, computed once
    half = extra.half[sel]
    jack = np.isfinite(half)
    with np.errstate(invalid="ignore"):  # a spread that rounding (or skew) makes negative: 0
        below = np.where(jack, half, np.maximum(m - q_lo, 0.0))
        above = np.where(jack, half, np.maximum(q_hi - m, 0.0))
        return low - below, high + above


def _corrected(
    value: np.ndarray, boot: _Cells, sel: np.ndarray, ci: float, extra: _Extra
) -> _Bounds:
    c = extra.corrected[sel]
    return _spread_around(c, c, boot, sel, ci, extra)


def _bracket(value: np.ndarray, boot: _Cells, sel: np.ndarray, ci: float, extra: _Extra) -> _Bounds:
    # from the lower to the higher of the two bias-corrected estimates (NaN propagates: a cell
    # without a corrected value gets no interval)
    a, b = extra.corrected[sel], extra.other[sel]
    return _spread_around(np.minimum(a, b), np.maximum(a, b), boot, sel, ci, extra)


def _bca(value: np.ndarray, boot: _Cells, sel: np.ndarray, ci: float, extra: _Extra) -> _Bounds:
    used = boot.used[sel].astype(np.float64)
    share = boot.below(sel, value) / used
    share = np.clip(share, 0.5 / used, 1 - 0.5 / used)
    z0 = ndtri(share)
    a = extra.acceleration[sel]
    zq = ndtri(np.array(ci_percentiles(ci)) / 100)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        probs = ndtr(z0 + (z0 + zq) / (1 - a * (z0 + zq)))
    q = boot.quantiles_at(sel, probs)
    return q[0], q[1]


@dataclass(frozen=True)
class _Extra:
    """What some interval methods need beyond the replicates, per cell (flattened)."""

    corrected: np.ndarray
    acceleration: np.ndarray
    boot_mean: np.ndarray
    other: np.ndarray  # the bracket's other bias-corrected estimate
    # per cell the jackknife-t half-width t_{G-1} x the block jackknife's standard error of
    # value - bias, where a bias estimate is given (NaN elsewhere: the bootstrap's spread)
    half: np.ndarray


# Interval methods: f(observed values of the cells, bootstrap replicates, cells, ci, extra)
# -> (low, high).
_INTERVALS: Dict[str, Callable[[np.ndarray, _Cells, np.ndarray, float, _Extra], _Bounds]] = {
    "bracket": _bracket,
    "corrected": _corrected,
    "percentile": lambda v, b, s, ci, e: _percentile(v, b, s, ci),
    "basic": lambda v, b, s, ci, e: _basic(v, b, s, ci),
    "bca": _bca,
}
CI_METHODS: Tuple[str, ...] = tuple(_INTERVALS)
#: The interval every analysis gives unless asked for another (measured: docs/intervals.md).
DEFAULT_CI_METHOD = "bracket"
#: What each method's interval is, in words (for readable reports).
CI_METHOD_TEXT: Dict[str, str] = {
    "bracket": "from the lower to the higher of the corrected estimate and a second "
    "correction, widened below and above; for the JSD of word counts the second is the value "
    "less its entropy-based bias estimate and the widening t x the block jackknife's standard "
    f"error of it (with at least {JACKKNIFE_T_MIN_BLOCKS} blocks, else the bootstrap's spread), "
    "for other measures the bootstrap's own correction and spread",
    "corrected": "the corrected estimate, widened below and above as the bracket is",
    "percentile": "percentiles of the bootstrap replicates",
    "basic": "the replicates reflected around the plug-in value",
    "bca": "bias-corrected and accelerated percentiles",
}
#: The methods whose interval is built around the bias-corrected estimate(s): clipped to the
#: measure's range, and not given where a replicate is infinite.
_AROUND_CORRECTED = ("bracket", "corrected")
#: Which estimate each method's interval belongs to (the ``ci_for`` column).
CI_FOR: Dict[str, str] = {
    "bracket": "corrected",
    "corrected": "corrected",
    "percentile": "value",
    "basic": "2*value-boot_mean",
    "bca": "value",
}


@dataclass(frozen=True)
class Summary:
    """Per cell (arrays of the observed values' shape): see the module docstring.
    ``boot_used``/``null_used``: replicates used; ``boot_dropped``/``null_dropped``: NaN
    replicates dropped (0 where no replicates were given)."""

    value: np.ndarray
    corrected: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    ci_for: str
    ci_note: np.ndarray
    boot_mean: np.ndarray
    null_mean: np.ndarray
    excess: np.ndarray
    p_value: np.ndarray
    boot_used: np.ndarray
    boot_dropped: np.ndarray
    null_used: np.ndarray
    null_dropped: np.ndarray

    def at(self, index: Union[int, Tuple[int, ...]]) -> Dict[str, float]:
        """The table columns of one cell, as Python floats."""
        row: Dict[str, Any] = {"corrected": float(self.corrected[index])}
        row.update(
            (k, float(getattr(self, k)[index]))
            for k in ("ci_low", "ci_high", "boot_mean", "null_mean", "excess", "p_value")
        )
        row.update(ci_for=self.ci_for, ci_note=str(self.ci_note[index]))
        return row


def summarise(
    observed: ArrayLike,
    boot: Optional[ArrayLike] = None,
    null: Optional[ArrayLike] = None,
    *,
    ci: float = 0.95,
    method: str = DEFAULT_CI_METHOD,
    two_sided: ArrayLike = False,
    tol: float = 0.0,
    axis: int = 0,
    jackknife: Optional[ArrayLike] = None,
    jackknife_axis: int = 0,
    lower: Optional[float] = None,
    withhold: Optional[ArrayLike] = None,
    bias: Optional[ArrayLike] = None,
    bias_jackknife: Optional[ArrayLike] = None,
    jackknife_t_blocks: int = JACKKNIFE_T_MIN_BLOCKS,
) -> Summary:
    """Summarise replicates (see the module docstring for what and the non-finite policy).

    observed : the observed value(s), any shape S (a scalar too).
    boot, null : bootstrap and permutation replicates, shape (R,) + S with the replicates along
        ``axis`` (None, or R = 0: none; the outputs that need them are NaN).
    ci, method : interval coverage in (0, 1) and one of :data:`CI_METHODS` (the analyses check
        their arguments first: :func:`divergence._util.validation.check_ci`, ``check_ci_method``).
    two_sided : bool, or bools broadcastable to S: p-values count |null| >= |value|.
    tol : a null replicate counts when it reaches value - tol (|value| - tol two-sided).
    jackknife : block-jackknife values, shape (G,) + S along ``jackknife_axis`` (see the module
        docstring): they give ``corrected`` and the acceleration of ``"bca"``. Without them
        ``corrected`` is the bootstrap's 2 value - boot_mean (NaN without replicates).
    lower : the measure's lower bound (0 for a divergence): ``corrected`` and the corrected
        interval are clipped to it.
    withhold : per cell a reason (str, empty for none) not to give an interval: its ci_low /
        ci_high are NaN and the reason is its ``ci_note``.
    bias, bias_jackknife : per cell an estimate of the plug-in value's bias (shape S, NaN where
        there is none) and its values on the jackknife's blocks (as ``jackknife``): where given,
        ``corrected`` is the jackknife of value - bias, the bracket runs between it and
        value - bias, and the bracket's and the corrected interval's spread is t x the
        jackknife's standard error of value - bias where the jackknife has at least
        ``jackknife_t_blocks`` blocks (:data:`JACKKNIFE_T_MIN_BLOCKS`; see the module
        docstring), the bootstrap's spread with fewer.
    """
    obs = np.asarray(observed, dtype=np.float64)
    shape = obs.shape
    v = obs.reshape(-1)
    m = v.size
    nan = np.full(m, np.nan)
    lo, hi, bmean, nmean, pval = nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy()
    zero = np.zeros(m, dtype=np.int64)
    b_used, b_drop, n_used, n_drop = zero, zero, zero, zero
    has = ~np.isnan(v)
    bc = None
    if boot is not None and np.shape(boot)[axis] > 0:
        bc = _Cells(boot, shape, axis, "boot")
        b_used, b_drop = bc.used, bc.R - bc.used
        sel = np.flatnonzero(has & (bc.used > 0))
        bmean[sel] = bc.means(sel)
    corrected, accel = _jackknife(v, bmean, jackknife, jackknife_axis, shape)
    # the bracket's other end: the bootstrap's correction, or where a bias estimate is given,
    # value - bias (and ``corrected`` becomes its jackknife)
    with np.errstate(invalid="ignore"):
        other = np.where(np.isinf(bmean), np.nan, 2 * v - bmean)
    half = np.full(m, np.nan)
    if bias is not None:
        corrected, other, has_bias, se, G = _with_bias(
            v, corrected, other, bias, bias_jackknife, jackknife, jackknife_axis, shape
        )
        if G >= jackknife_t_blocks:
            half = float(student_t.ppf((1 + ci) / 2, G - 1)) * se
        if lower is not None:
            other = np.where(has_bias & (other < lower), lower, other)
    if lower is not None:
        corrected = np.where(corrected < lower, lower, corrected)
    note = np.full(m, "", dtype=object)
    if withhold is not None:
        note[:] = np.broadcast_to(np.asarray(withhold, dtype=object), shape).reshape(-1)
    if bc is not None:
        if method in _AROUND_CORRECTED:
            inf = np.isinf(bc.T).any(axis=1) & (note == "")
            note[inf] = (
                "an infinite bootstrap replicate (disjoint supports): no interval around the "
                "corrected estimate; ci_method='percentile' gives one by nearest rank"
            )
        sel = np.flatnonzero(has & (bc.used > 0) & (note == ""))
        extra = _Extra(
            corrected=corrected, acceleration=accel, boot_mean=bmean, other=other, half=half
        )
        lo[sel], hi[sel] = _INTERVALS[method](v[sel], bc, sel, ci, extra)
        if lower is not None and method in _AROUND_CORRECTED:
            lo = np.where(lo < lower, lower, lo)
            hi = np.where(hi < lower, lower, hi)
    if null is not None and np.shape(null)[axis] > 0:
        nc = _Cells(null, shape, axis, "null")
        n_used, n_drop = nc.used, nc.R - nc.used
        sel = np.flatnonzero(has & (nc.used > 0))
        nmean[sel] = nc.means(sel)
        sides = np.broadcast_to(np.asarray(two_sided, dtype=bool), shape).reshape(-1)[sel]
        pval[sel] = (1.0 + nc.hits(sel, v[sel], sides, float(tol))) / (1.0 + nc.used[sel])

    def back(a: np.ndarray) -> np.ndarray:
        return a.reshape(shape)

    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as in Python floats
        excess = v - nmean

    return Summary(
        value=obs,
        corrected=back(corrected),
        ci_low=back(lo),
        ci_high=back(hi),
        ci_for=CI_FOR[method],
        ci_note=back(note),
        boot_mean=back(bmean),
        null_mean=back(nmean),
        excess=back(excess),
        p_value=back(pval),
        boot_used=back(b_used),
        boot_dropped=back(b_drop),
        null_used=back(n_used),
        null_dropped=back(n_drop),
    )


def _with_bias(
    v: np.ndarray,
    corrected: np.ndarray,
    other: np.ndarray,
    bias: ArrayLike,
    bias_jackknife: Optional[ArrayLike],
    jackknife: Optional[ArrayLike],
    axis: int,
    shape: Tuple[int, ...],
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Where a cell has a bias estimate: the corrected estimate (the block jackknife of
    value - bias; value - bias where the cell has no jackknife values), the bracket's other end
    (value - bias), which cells have one, the block jackknife's standard error of value - bias
    (NaN where there is none) and the number of blocks G (0 without jackknife values)."""
    b = np.broadcast_to(np.asarray(bias, dtype=np.float64), shape).reshape(-1)
    with np.errstate(invalid="ignore"):
        est = v - b
    has = np.isfinite(est)
    jack_est = np.full(v.size, np.nan)
    se = np.full(v.size, np.nan)
    G = 0
    if jackknife is not None and bias_jackknife is not None and np.shape(jackknife)[axis] > 0:
        J = np.moveaxis(np.asarray(jackknife, dtype=np.float64), axis, -1)
        B = np.moveaxis(np.asarray(bias_jackknife, dtype=np.float64), axis, -1)
        if B.shape != J.shape:
            raise ValueError(
                f"bias_jackknife: values of shape {B.shape} for jackknife values of shape {J.shape}"
            )
        G = J.shape[-1]
        E = (J - B).reshape(-1, G)
        ok = has & np.isfinite(E).all(axis=1) & (G >= 2)
        Em = E[ok].mean(axis=1)
        jack_est[ok] = G * est[ok] - (G - 1) * Em
        se[ok] = np.sqrt((G - 1) / G * ((E[ok] - Em[:, None]) ** 2).sum(axis=1))
    new_corrected = np.where(np.isfinite(jack_est), jack_est, np.where(has, est, corrected))
    return new_corrected, np.where(has, est, other), has, se, G


def _jackknife(
    v: np.ndarray,
    boot_mean: np.ndarray,
    jackknife: Optional[ArrayLike],
    axis: int,
    shape: Tuple[int, ...],
) -> Tuple[np.ndarray, np.ndarray]:
    """Per cell (flattened): the bias-corrected estimate and the BCa acceleration."""
    with np.errstate(invalid="ignore"):
        # an infinite bootstrap mean says nothing of the bias: no corrected value
        fallback = np.where(
            np.isfinite(v), np.where(np.isinf(boot_mean), np.nan, 2 * v - boot_mean), v
        )
    accel = np.zeros(v.size)
    if jackknife is None or np.shape(jackknife)[axis] == 0:
        return fallback, accel
    J = np.moveaxis(np.asarray(jackknife, dtype=np.float64), axis, -1)
    if J.shape[:-1] != shape:
        raise ValueError(
            f"jackknife: values of shape {J.shape[:-1]} for observed values of shape {shape}"
        )
    G = J.shape[-1]
    J = J.reshape(-1, G)
    ok = np.isfinite(J).all(axis=1) & np.isfinite(v) & (G >= 2)
    corrected = fallback.copy()
    Jm = J[ok].mean(axis=1)
    corrected[ok] = G * v[ok] - (G - 1) * Jm
    U = (G - 1) * (Jm[:, None] - J[ok])
    ss = (U**2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(ss > 0, (U**3).sum(axis=1) / (6 * ss**1.5), 0.0)
    accel[ok] = a
    return corrected, accel
