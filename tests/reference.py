"""Slow, obvious reference implementations of every measure (test oracles).

Written straight from the definitions in ``divergence.measures`` (module docstring), one pair at
a time, in float64, with ``math.fsum`` for every sum so the oracle itself carries essentially no
rounding error. Nothing here uses the core's algebraic rewrites (sparse JSD form, smoothed-KL
decomposition, 1 - Σmin for tv, ...): agreement with the core is therefore evidence that those
rewrites are right.

Conventions (as documented in measures.py):

* rows are normalised to sum 1 when ``normalize=True``; with ``normalize=False`` they are used
  as given (callers pass probability rows);
* kl / jeffreys with ``alpha`` use the smoothed rows (x + alpha) / (Σx + V·alpha);
* 0·ln 0 = 0; kl is +inf where q = 0 < p (the public API raises instead: the tests check that);
* ``base`` divides log-unit results by ln(base); jensenshannon is sqrt(jsd in those units);
* results are clamped into the documented range (the docstring promises that rounding never
  leaves it), which only ever moves the oracle by an ulp or so.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import scipy.sparse as sp

METRICS = ("jsd", "jensenshannon", "kl", "jeffreys", "hellinger", "bhattacharyya", "tv", "cosine")
SYMMETRIC = tuple(m for m in METRICS if m != "kl")
LOG_METRICS = ("jsd", "jensenshannon", "kl", "jeffreys", "bhattacharyya")
SMOOTHED = ("kl", "jeffreys")
# Metrics whose value is the square root of a quantity that the core computes by subtracting
# nearly equal numbers: rounding error e in that quantity becomes about sqrt(e) in the result.
SQRT_METRICS = ("jensenshannon", "hellinger")

LN2 = math.log(2.0)


def upper_bound(metric: str, base: Optional[float] = None) -> float:
    """The documented upper end of the metric's range (inf where unbounded)."""
    scale = 1.0 / math.log(base) if base else 1.0
    if metric == "jsd":
        return LN2 * scale
    if metric == "jensenshannon":
        return math.sqrt(LN2 * scale)
    if metric in ("hellinger", "tv", "cosine"):
        return 1.0
    return math.inf


# ---------------------------------------------------------------------------------------------
# Rows -> distributions
# ---------------------------------------------------------------------------------------------
def as_dense64(X: Any) -> np.ndarray:
    """Any accepted input as a float64 2-d array (sparse duplicates summed, as scipy does)."""
    if sp.issparse(X):
        X = X.toarray()
    return np.array(X, dtype=np.float64)


def distribution(
    x: np.ndarray, metric: str, alpha: float = 0.0, normalize: bool = True
) -> np.ndarray:
    """The distribution a row stands for under ``metric`` (smoothing, normalisation)."""
    x = np.asarray(x, dtype=np.float64)
    if metric in SMOOTHED and alpha > 0:
        V = x.shape[0]
        top = float(x.max())
        if top > 1e300:  # the same ratio with numerator and denominator divided by top
            return (x / top + alpha / top) / (math.fsum(x / top) + V * (alpha / top))
        return (x + alpha) / (math.fsum(x) + V * alpha)
    if metric == "cosine" or not normalize:
        return x.copy()
    top = float(x.max())
    if top > 1e300 or 0 < top < 1e-300:
        # The same p = x / Σx, with the row rescaled first so that Σx neither overflows nor
        # has a reciprocal that does (valid, if unusual, inputs such as 1e308 or 5e-324).
        x = x / top
    return x / math.fsum(x)


# ---------------------------------------------------------------------------------------------
# Per-pair definitions on distributions p, q (natural log)
# ---------------------------------------------------------------------------------------------
def kl(p: np.ndarray, q: np.ndarray) -> float:
    """Σ p ln(p/q) over p > 0; +inf when q = 0 somewhere p > 0."""
    terms = []
    for pi, qi in zip(p, q):
        if pi > 0:
            if qi == 0:
                return math.inf
            terms.append(pi * math.log(pi / qi))
    return max(0.0, math.fsum(terms))


def jsd(p: np.ndarray, q: np.ndarray) -> float:
    """½KL(p‖m) + ½KL(q‖m), m = (p + q)/2."""
    m = (p + q) / 2.0
    left = math.fsum(pi * math.log(pi / mi) for pi, mi in zip(p, m) if pi > 0)
    right = math.fsum(qi * math.log(qi / mi) for qi, mi in zip(q, m) if qi > 0)
    return min(LN2, max(0.0, 0.5 * left + 0.5 * right))


def jeffreys(p: np.ndarray, q: np.ndarray) -> float:
    return kl(p, q) + kl(q, p)


def bhattacharyya_coefficient(p: np.ndarray, q: np.ndarray) -> float:
    return math.fsum(math.sqrt(pi * qi) for pi, qi in zip(p, q))


def hellinger(p: np.ndarray, q: np.ndarray) -> float:
    """sqrt(1 − Σ√(pq)), computed as sqrt(½Σ(√p − √q)²): the same number for distributions
    (Σp = Σq = 1), but with no subtraction of nearly equal numbers, so the oracle stays exact
    for near-identical rows."""
    h2 = 0.5 * math.fsum((math.sqrt(pi) - math.sqrt(qi)) ** 2 for pi, qi in zip(p, q))
    return min(1.0, math.sqrt(h2))


def bhattacharyya(p: np.ndarray, q: np.ndarray) -> float:
    bc = bhattacharyya_coefficient(p, q)
    if bc == 0.0:
        return math.inf
    return max(0.0, -math.log(bc))


def tv(p: np.ndarray, q: np.ndarray) -> float:
    """½Σ|p − q|."""
    return min(1.0, 0.5 * math.fsum(abs(pi - qi) for pi, qi in zip(p, q)))


def cosine(x: np.ndarray, y: np.ndarray) -> float:
    """1 − x·y/(‖x‖‖y‖) (rows scaled by their largest entry first, which changes nothing but
    keeps ‖x‖² finite for entries near the float64 limits)."""
    x = x / x.max()
    y = y / y.max()
    dot = math.fsum(xi * yi for xi, yi in zip(x, y))
    nx = math.sqrt(math.fsum(xi * xi for xi in x))
    ny = math.sqrt(math.fsum(yi * yi for yi in y))
    return min(1.0, max(0.0, 1.0 - dot / (nx * ny)))


_PAIR: Dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "jsd": jsd,
    "jensenshannon": jsd,  # sqrt applied after the change of base
    "kl": kl,
    "jeffreys": jeffreys,
    "hellinger": hellinger,
    "bhattacharyya": bhattacharyya,
    "tv": tv,
    "cosine": cosine,
}


def _one_row(v: Any) -> np.ndarray:
    return as_dense64(v if sp.issparse(v) else np.atleast_2d(v)).ravel()


def divergence_ref(
    x: Any,
    y: Any,
    metric: str = "jsd",
    *,
    base: Optional[float] = None,
    alpha: float = 0.0,
    normalize: bool = True,
) -> float:
    """Divergence between two rows (counts or probabilities), straight from the definition."""
    p = distribution(_one_row(x), metric, alpha, normalize)
    q = distribution(_one_row(y), metric, alpha, normalize)
    v = _PAIR[metric](p, q)
    if base is not None and metric in LOG_METRICS:
        v = v / math.log(base)
    if metric == "jensenshannon":
        v = math.sqrt(v)
    return v


def pairwise_ref(
    X: Any,
    Y: Any = None,
    metric: str = "jsd",
    *,
    base: Optional[float] = None,
    alpha: float = 0.0,
    normalize: bool = True,
) -> np.ndarray:
    """Full (N, M) matrix by a double loop over rows; (N, N) with a zero diagonal when Y is None."""
    A = as_dense64(X)
    B = A if Y is None else as_dense64(Y)
    P = [distribution(a, metric, alpha, normalize) for a in A]
    Q = P if Y is None else [distribution(b, metric, alpha, normalize) for b in B]
    f = _PAIR[metric]
    scale = 1.0 / math.log(base) if (base is not None and metric in LOG_METRICS) else 1.0
    D = np.empty((len(P), len(Q)), dtype=np.float64)
    with np.errstate(all="ignore"):
        for i, p in enumerate(P):
            for j, q in enumerate(Q):
                if Y is None and i == j:
                    D[i, j] = 0.0
                    continue
                v = f(p, q) * scale
                D[i, j] = math.sqrt(v) if metric == "jensenshannon" else v
    return D


def nearest_ref(
    X: Any,
    Y: Any = None,
    k: int = 10,
    metric: str = "jsd",
    *,
    D: Optional[np.ndarray] = None,
    **kwargs: Any,
) -> Tuple[np.ndarray, np.ndarray]:
    """k nearest rows by a stable argsort of the full matrix (ties by index); with Y None the
    row itself is excluded. Pass ``D`` to rank a precomputed matrix instead of the reference."""
    if D is None:
        D = pairwise_ref(X, Y, metric, **kwargs)
    D = np.asarray(D)
    n, m = D.shape
    idx = np.empty((n, k), dtype=np.int64)
    val = np.empty((n, k), dtype=D.dtype)
    for i in range(n):
        cols = np.array([j for j in range(m) if not (Y is None and j == i)], dtype=np.int64)
        order = cols[np.argsort(D[i, cols], kind="stable")][:k]
        idx[i] = order
        val[i] = D[i, order]
    return idx, val


# ---------------------------------------------------------------------------------------------
# Tolerances
# ---------------------------------------------------------------------------------------------
def tolerances(
    metric: str, dtype: Any, *, alpha: float = 0.0, X: Any = None, Y: Any = None
) -> Tuple[float, float]:
    """(rtol, atol) for comparing the core with the oracle.

    rtol: 1e-12 in float64, 1e-5 in float32 (acceptance criteria).

    atol: the core computes several measures as a difference of nearly equal sums
    (jsd = ln2·(Σp+Σq)/2 − ½Σ[s ln s − p ln p − q ln q]; tv = 1 − Σmin; hellinger² = 1 − Σ√pq;
    cosine = 1 − p·q; kl = Σp ln p − Σp ln q), so for near-identical rows, where the true value is
    tiny, the relative error is unbounded while the absolute error stays at a few ulps of the
    O(1..ln V) partial sums: about 1e-15 with V ≤ ~40 columns. We allow 1e-14 (a few ulps of
    ln V times a handful of accumulation steps; base 2 multiplies by 1.44). For float32 inputs
    the transformed rows are float32 (eps 6e-8), so about 1e-6. Smoothed kl/jeffreys subtract
    terms of size |ln alpha| + ln(Σx + V alpha), so the allowance scales with that magnitude.
    The log metrics add the core's fast logarithm (relative error below 1.1e-13 per log, see
    test_fastlog.py): jsd sums about 2 ln V + 1 in magnitude of x ln x terms, so its absolute
    error can reach 1.1e-13 (2 ln V + 1), times 1.5 for base 2. That is the float64 allowance for
    jsd/jensenshannon (hypothesis found jsd([1, 2], [1, 3]) = 0.0042 off by 1.6e-14, a relative
    3.9e-12: the cancellation, not a wrong term).
    For the sqrt metrics (jensenshannon, hellinger) an absolute error e under the root becomes
    sqrt(e): the tests compare the squares with (rtol, atol) and the values themselves with
    (rtol, sqrt(atol)).
    """
    f32 = np.dtype(dtype) == np.float32
    rtol = 1e-5 if f32 else 1e-12
    atol = 2e-6 if f32 else 1e-14
    if not f32 and metric in ("jsd", "jensenshannon"):
        V = next((int(M.shape[1]) for M in (X, Y) if M is not None), 64)
        atol = max(atol, 1.1e-13 * (2.0 * math.log(max(V, 2)) + 1.0) * 1.5)
    if metric in SMOOTHED:
        mag = 1.0
        if alpha > 0:
            mag += abs(math.log(alpha))
            for M in (X, Y):
                if M is not None:
                    A = as_dense64(M)
                    mag += (
                        math.log(float(A.sum(axis=1).max()) + A.shape[1] * alpha) if A.size else 0.0
                    )
        else:
            # Σ p ln p and Σ p ln q: terms up to |ln p| with p as small as the data allows.
            for M in (X, Y):
                if M is not None:
                    A = as_dense64(M)
                    pos = A[A > 0]
                    if pos.size:
                        mag += abs(math.log(float(pos.min()) / float(A.sum(axis=1).max())))
        atol *= mag
    return rtol, atol


def assert_matches(
    got: np.ndarray,
    ref: np.ndarray,
    metric: str,
    dtype: Any,
    *,
    slack: float = 1.0,
    **tol_kwargs: Any,
) -> None:
    """Assert the core's matrix matches the oracle's to the tolerances above (inf == inf).

    ``slack`` multiplies both tolerances: 2 when ``ref`` is itself a result of the core (two
    computations, each within the tolerance of the truth)."""
    got = np.asarray(got)
    ref = np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
    rtol, atol = tolerances(metric, dtype, **tol_kwargs)
    rtol, atol = rtol * slack, atol * slack
    g = got.astype(np.float64)
    inf_ref = np.isinf(ref)
    np.testing.assert_array_equal(np.isinf(g), inf_ref, err_msg=f"{metric}: inf pattern differs")
    g, r = g[~inf_ref], ref[~inf_ref]
    if metric in SQRT_METRICS:
        np.testing.assert_allclose(g * g, r * r, rtol=rtol, atol=atol, err_msg=f"{metric} squared")
        np.testing.assert_allclose(g, r, rtol=rtol, atol=math.sqrt(atol), err_msg=metric)
    else:
        np.testing.assert_allclose(g, r, rtol=rtol, atol=atol, err_msg=metric)


# Entropy estimates from integer counts (the core's entropy.hpp), written as the papers state
# them, with harmonic sums instead of digamma and the extrapolated part summed term by term.


def entropy_plugin_ref(counts: Any) -> float:
    """-Σ p ln p of counts / Σ counts (nats); NaN without mass."""
    c = [float(x) for x in np.ravel(counts) if x > 0]
    n = math.fsum(c)
    if n <= 0:
        return math.nan
    return -math.fsum(x / n * math.log(x / n) for x in c)


def entropy_cwj_ref(counts: Any) -> float:
    """Chao, Wang and Jost (2013), Methods Ecol. Evol. 4: 1091, eq. 7 (nats):
    Σ_{1<=x<=n-1} (x/n) Σ_{k=x}^{n-1} 1/k + (f1/n)(1-A)^(1-n) (-ln A - Σ_{r=1}^{n-1} (1-A)^r/r),
    the second part summed as Σ_{j>=0} (1-A)^(j+1)/(n+j) (the same series, without the
    cancellation)."""
    c = [int(x) for x in np.ravel(counts) if x > 0]
    n = sum(c)
    if n == 0:
        return math.nan
    f1, f2 = c.count(1), c.count(2)
    h = math.fsum((x / n) * math.fsum(1.0 / k for k in range(x, n)) for x in c if x <= n - 1)
    if f2 > 0:
        A = 2 * f2 / ((n - 1) * f1 + 2 * f2)
    elif f1 > 0:
        A = 2 / ((n - 1) * (f1 - 1) + 2)
    else:
        A = 1.0
    if f1 > 0 and A < 1:
        x, terms, j, running = 1.0 - A, [], 0, 0.0
        p = x
        while True:
            t = p / (n + j)
            terms.append(t)
            running += t
            if t < 1e-18 * running:
                break
            p *= x
            j += 1
        h += f1 / n * math.fsum(terms)
    return h


def jsd_bias_ref(a: Any, b: Any) -> float:
    """The estimated bias of the equally weighted plug-in JSD of counts a and b (entropy.hpp):
    r (Hp(a+b) - Hc(a+b)) - (Hp(a) - Hc(a))/2 - (Hp(b) - Hc(b))/2, with
    r = Σ_w (pa_w/na + pb_w/nb) / (4 (pa_w + pb_w)) / (Σ_w 1 / (2 (na + nb))) over the words
    seen."""
    a, b = np.ravel(a).astype(float), np.ravel(b).astype(float)
    na, nb = float(a.sum()), float(b.sum())
    if na <= 0 or nb <= 0:
        return math.nan
    seen = [(x / na, y / nb) for x, y in zip(a, b) if x + y > 0]
    r = math.fsum((pa / na + pb / nb) / (4 * (pa + pb)) for pa, pb in seen) / (
        len(seen) / (2 * (na + nb))
    )

    def own(c: np.ndarray) -> float:
        return entropy_plugin_ref(c) - entropy_cwj_ref(c)

    return r * own(a + b) - own(a) / 2 - own(b) / 2
