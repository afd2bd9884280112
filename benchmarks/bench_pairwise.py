"""Benchmarks of divergence.pairwise / divergence.nearest (Jensen-Shannon divergence).

Each case times our code and its baselines in the same process (time.perf_counter, best of 3,
best of 1 for the slow ones; a warm-up call of our code first) and reports baseline_s / ours_s.
Memory cases run in a fresh subprocess (see :func:`_child`). Sizes: ``FULL`` (the issue) and
``QUICK`` (``--quick``, CI smoke run) below.

Cases and targets (reported, not asserted)
------------------------------------------
* dense jsd f64, N=4000, K=50: >= 25x vs scipy pdist, >= 2x vs NumPy blockwise f64;
* dense jsd f32, N=4000, K=50: >= 3x vs NumPy blockwise f32;
* sparse jsd N=4000: >= 1000x vs scipy pdist on densified rows (scaled from a subset);
* sparse jsd N=20000: faster than sklearn cosine_similarity, >= 10x vs NumPy inverted index;
* nearest k=10, sparse N=200000: time, and peak memory < 2 GB (2e9 bytes) above the baseline;
* full matrix memory, sparse N=20000: peak <= 1.1 x output (N*N*8 bytes) + input (CSR bytes).

Data
----
*Dense topic-like rows* (:func:`dense_topics`): ``numpy.random.default_rng(seed).dirichlet(
[0.1] * 50, size=N)``, float64; the float32 case uses the same rows cast to float32 (a few
entries underflow to 0 there; every implementation handles zeros).

*Sparse bag-of-words rows* (:func:`sparse_counts`), V = 20000 columns:

1. term popularity: the term of rank r (r = 0 .. V-1) has probability proportional to
   1 / (r + 1) ** 1.1; ranks are mapped to column ids by a fixed random permutation, so frequent
   terms are scattered over the columns as in an alphabetical vocabulary;
2. each row makes 160 independent draws from that distribution and keeps the first 40 distinct
   terms in draw order (successive sampling, i.e. weighted sampling without replacement); 160
   draws always give 40 distinct terms at these settings (terms/row is reported);
3. each kept term gets an independent count, uniform on {1, 2, 3, 4, 5};
4. the result is a float64 CSR matrix of counts (rows are normalised by the code under test).

Frequent terms occur in nearly every row, so almost every pair of rows shares terms: the work of
an inverted-index method is the number of shared-term pairs, reported as Σ df² (df = rows that
contain a column) and Σ df(df-1)/2 (unordered pairs of distinct rows, per shared column); it is
about 8.2 N² here.

Baselines
---------
* ``scipy pdist jensenshannon``: ``scipy.spatial.distance.pdist(X, "jensenshannon")``, which
  returns sqrt(JSD); timed as is (the square root is negligible next to the logs).
* ``numpy blockwise``: :func:`numpy_jsd_blockwise`, JSD = ln 2 + ½(e_i + e_j − Σ_k s_k ln s_k)
  with s = p_i + p_j and e_i = Σ p ln p precomputed: tiles of (rows x rows x K) broadcast sums,
  only tiles on or above the diagonal (mirrored), thread pool over tiles (NumPy releases the GIL
  in its loops); tile shape, reduction and thread count are tuned on a subset before timing.
* ``sklearn cosine_similarity``: ``sklearn.metrics.pairwise.cosine_similarity(S)`` on the same
  CSR matrix (dense output, the default): a different measure with the same sparsity work.
* ``numpy inverted index``: :func:`numpy_jsd_inverted_index`, sparse JSD = ln 2 + ½ Σ over
  shared columns of g(p, q), g = p ln p + q ln q − s ln s: for each row i, the entries after i in
  the posting lists of its columns are gathered in one vectorised step, g is evaluated for each
  and ``np.bincount`` sums it per row j > i (upper triangle, then mirrored by
  :func:`numpy_mirror_upper`, blocks of transposed views: 0.6 s at N = 20000 where
  ``U += U.T`` takes 8.6 s); threads are used if that is faster (tuned on 100 rows). Work =
  Σ df(df-1)/2 g evaluations. At N = 4000 and N = 20000 it runs in full, end to end like ours
  (its output matrix, every row, its mirror; best of 2 at N = 20000), and the notes also give
  its time without the mirror. In the quick mode's large case it is timed on m rows spread
  evenly over 0..N-1 and scaled by g evaluations:
  estimate = t_subset * [Σ df(df-1)/2] / [evaluations of the subset] (the mirror then left
  out, which favours the baseline). A per-column variant (for each posting list, all its pairs
  at once, added with ``np.ix_``) was 1.5-3x slower per evaluation and computed both
  triangles, so it is not the baseline.
* ``scipy pdist dense``: pdist(jensenshannon) on the first m rows densified (``toarray``),
  scaled by pairs: estimate = t * [N(N-1)/2] / [m(m-1)/2] (cost per pair is V logs whatever
  the rows).
"""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import scipy.sparse as sp

import divergence
from divergence import nearest, pairwise

HERE = os.path.dirname(os.path.abspath(__file__))
LN2 = math.log(2.0)
CHILD_MARK = "@@bench-result@@"

# Sizes: full (the issue) and quick (CI smoke run).
FULL = {
    "dense_n": 4000,
    "sparse_small": 4000,
    "sparse_large": 20000,
    "nearest_n": 200000,
    "memory_n": 20000,
    "pdist_rows": 300,
    "inverted_rows_small": 4000,
    "inverted_rows_large": 20000,
    "tune_rows": 1000,
}
QUICK = {
    "dense_n": 1000,
    "sparse_small": 1000,
    "sparse_large": 2000,
    "nearest_n": 20000,
    "memory_n": 2000,
    "pdist_rows": 60,
    "inverted_rows_small": 1000,
    "inverted_rows_large": 300,
    "tune_rows": 500,
}
NEAREST_K = 10
NEAREST_PEAK_LIMIT = 2 * 10**9  # bytes: "under 2 GB"


# ---------------------------------------------------------------------------------------------
# Data


def dense_topics(n: int, k: int = 50, concentration: float = 0.1, seed: int = 0) -> np.ndarray:
    """n rows ~ Dirichlet(concentration * ones(k)), float64 (see the module docstring)."""
    return np.random.default_rng(seed).dirichlet(np.full(k, concentration), size=n)


@lru_cache(maxsize=2)
def sparse_counts(
    n: int,
    v: int = 20000,
    terms: int = 40,
    exponent: float = 1.1,
    max_count: int = 5,
    draws: int = 160,
    seed: int = 1,
) -> sp.csr_matrix:
    """n rows of Zipf-like term counts, CSR float64 (exact recipe in the module docstring)."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(v)  # rank -> column id
    cdf = np.cumsum(1.0 / np.arange(1, v + 1, dtype=np.float64) ** exponent)
    cdf /= cdf[-1]
    rows_out, cols_out, counts_out = [], [], []
    chunk = 20000
    for r0 in range(0, n, chunk):
        m = min(chunk, n - r0)
        ranks = np.minimum(np.searchsorted(cdf, rng.random((m, draws)), side="right"), v - 1)
        # First occurrence of each (row, term) in draw order: a stable sort keeps equal keys in
        # draw order, so the first of each run is the first draw of that term.
        keys = (np.arange(m, dtype=np.int64)[:, None] * v + ranks).ravel()
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        first_sorted = np.empty(sk.size, dtype=bool)
        first_sorted[0] = True
        np.not_equal(sk[1:], sk[:-1], out=first_sorted[1:])
        first = np.empty_like(first_sorted)
        first[order] = first_sorted
        first = first.reshape(m, draws)
        keep = first & (np.cumsum(first, axis=1) <= terms)
        rr, cc = np.nonzero(keep)
        rows_out.append(rr + r0)
        cols_out.append(perm[ranks[rr, cc]])
        counts_out.append(rng.integers(1, max_count + 1, size=rr.size).astype(np.float64))
    rows = np.concatenate(rows_out)
    cols = np.concatenate(cols_out)
    data = np.concatenate(counts_out)
    S = sp.csr_matrix((data, (rows, cols)), shape=(n, v))
    S.sort_indices()
    return S


def shared_term_stats(S: sp.csr_matrix) -> Dict[str, Any]:
    df = np.bincount(S.indices, minlength=S.shape[1]).astype(np.int64)
    nnz_row = np.diff(S.indptr)
    return {
        "N": S.shape[0],
        "V": S.shape[1],
        "nnz": int(S.nnz),
        "terms_per_row_mean": float(nnz_row.mean()),
        "terms_per_row_min": int(nnz_row.min()),
        "max_df": int(df.max()),
        "sum_df2": int((df * df).sum()),
        "sum_df_pairs": int((df * (df - 1) // 2).sum()),
    }


def csr_bytes(S: sp.csr_matrix) -> int:
    return int(S.data.nbytes + S.indices.nbytes + S.indptr.nbytes)


# ---------------------------------------------------------------------------------------------
# Timing


def best_of(
    fn: Callable[[], Any], repeat: int, times: Optional[List[float]] = None
) -> Tuple[float, Any]:
    """Best wall time of ``repeat`` calls, and the last result (the previous one is released
    before each call, so two large outputs never coexist). Each time is appended to ``times``."""
    best = math.inf
    out: Any = None
    for _ in range(repeat):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        best = min(best, dt)
        if times is not None:
            times.append(dt)
    return best, out


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _result(
    name: str,
    ours_s: float,
    baselines: Dict[str, float],
    targets: Dict[str, float],
    extra: Dict[str, Any],
    notes: List[str],
) -> Dict[str, Any]:
    ratios = {b: t / ours_s for b, t in baselines.items()}
    passed = all(ratios[b] >= need for b, need in targets.items()) if targets else None
    target = "; ".join(f">= {need:g}x vs {b}" for b, need in targets.items())
    extra = dict(extra)
    extra["targets"] = targets
    extra["notes"] = notes
    return {
        "name": name,
        "ours_s": ours_s,
        "baselines": baselines,
        "ratios": ratios,
        "target": target,
        "passed": passed,
        "extra": extra,
    }


# ---------------------------------------------------------------------------------------------
# NumPy baselines


def numpy_jsd_blockwise(
    X: np.ndarray,
    block_rows: int = 16,
    block_cols: int = 128,
    reduction: str = "einsum",
    threads: int = 1,
) -> np.ndarray:
    """Dense JSD matrix (nats) in X's dtype, by tiles of broadcast sums (module docstring)."""
    dt = X.dtype
    n, k = X.shape
    P = (X / X.sum(axis=1, keepdims=True)).astype(dt, copy=False)
    tiny = np.finfo(dt).tiny
    clamp = not bool((P > 0).all())  # 0 ln 0 = 0: clamp only when there are zeros
    e = np.einsum("ij,ij->i", P, np.log(np.maximum(P, tiny) if clamp else P))
    D = np.empty((n, n), dtype=dt)
    bi, bj = block_rows, block_cols
    tiles = [(i0, j0) for i0 in range(0, n, bi) for j0 in range((i0 // bj) * bj, n, bj)]
    local = threading.local()

    def work(tile: Tuple[int, int]) -> None:
        i0, j0 = tile
        i1, j1 = min(n, i0 + bi), min(n, j0 + bj)
        ni, nj = i1 - i0, j1 - j0
        bufs = getattr(local, "bufs", None)
        if bufs is None:
            bufs = local.bufs = (np.empty(bi * bj * k, dt), np.empty(bi * bj * k, dt))
        s = bufs[0][: ni * nj * k].reshape(ni, nj, k)
        lg = bufs[1][: ni * nj * k].reshape(ni, nj, k)
        np.add(P[i0:i1, None, :], P[None, j0:j1, :], out=s)
        if clamp:
            np.maximum(s, tiny, out=lg)
            np.log(lg, out=lg)
        else:
            np.log(s, out=lg)
        if reduction == "einsum":
            t = np.einsum("ijk,ijk->ij", s, lg)
        else:
            np.multiply(s, lg, out=s)
            t = s.sum(axis=2)
        r = (e[i0:i1, None] + e[None, j0:j1]) - t
        r *= 0.5
        r += LN2
        np.clip(r, 0.0, LN2, out=r)
        D[i0:i1, j0:j1] = r
        D[j0:j1, i0:i1] = r.T

    if threads > 1:
        with ThreadPoolExecutor(threads) as ex:
            for _ in ex.map(work, tiles):
                pass
    else:
        for tile in tiles:
            work(tile)
    np.fill_diagonal(D, 0)
    return D


def tune_numpy_blockwise(X: np.ndarray, n_jobs: int, quick: bool) -> Dict[str, Any]:
    """Fastest (block_rows, block_cols, reduction, threads) on X, best of 2 per setting."""
    shapes = [(8, 128), (16, 64), (16, 128), (32, 64), (8, 256), (16, 256), (32, 128), (64, 64)]
    reductions = ["einsum", "sum"]
    if quick:
        shapes, reductions = [(16, 64), (16, 128), (32, 64)], ["einsum"]
    thread_opts = sorted({1, n_jobs})
    timings = []
    for br, bc in shapes:
        for red in reductions:
            for th in thread_opts:
                cfg = {"block_rows": br, "block_cols": bc, "reduction": red, "threads": th}
                t, _ = best_of(lambda cfg=cfg: numpy_jsd_blockwise(X, **cfg), 2)
                timings.append((t, cfg))
    timings.sort(key=lambda x: x[0])
    return dict(timings[0][1], tuned_on_rows=X.shape[0], settings_tried=len(timings))


def numpy_mirror_upper(U: np.ndarray, block: int = 256) -> None:
    """Copy the strict upper triangle of the square matrix U into its lower triangle, in place,
    the fast way NumPy allows: blocks of ``block`` rows from transposed views (``U += U.T`` takes
    8.6 s at N = 20000 here, this 0.6 s)."""
    n = U.shape[0]
    for b in range(0, n, block):
        e = min(n, b + block)
        U[b:e, :b] = U[:b, b:e].T
        d = U[b:e, b:e]
        il = np.tril_indices(e - b, -1)
        d[il] = d.T[il]


def numpy_jsd_inverted_index(
    S: sp.csr_matrix,
    rows: Optional[np.ndarray] = None,
    threads: int = 1,
    timing: Optional[Dict[str, Any]] = None,
) -> Tuple[np.ndarray, int]:
    """Sparse JSD (nats) through an inverted index (posting lists), upper triangle only.

    For row i, the entries of each of its columns' posting lists that come after row i (rows
    j > i) are gathered in one vectorised step, g = p ln p + q ln q - s ln s (s = p + q) is
    evaluated for each, and ``np.bincount(j, weights=g)`` sums them per row j:
    JSD(i, j) = ln 2 + ½ Σ g. With ``rows=None`` all rows are done and the upper triangle is
    mirrored (:func:`numpy_mirror_upper`), giving the full (N, N) matrix; otherwise the
    (len(rows), N) block for the given rows, filled for j > i only (for timing a subset).
    ``threads`` > 1 splits the rows over a thread pool (NumPy releases the GIL in most of these
    loops). Returns (block, number of g evaluations); ``timing["mirror_s"]`` (a list) receives
    the time of each final mirror.
    """
    n, v = S.shape
    S = sp.csr_matrix(S, dtype=np.float64)
    S.sort_indices()
    nnz = S.nnz
    rowsum = np.asarray(S.sum(axis=1)).ravel()
    pdata = S.data / np.repeat(rowsum, np.diff(S.indptr))
    plog = pdata * np.log(pdata)
    # Inverted index: CSC whose data are CSR positions, so that each CSR entry knows its place in
    # its column's posting list (the entries after it are the rows j > i).
    T = sp.csr_matrix(
        (np.arange(nnz, dtype=np.float64), S.indices, S.indptr), shape=S.shape
    ).tocsc()
    T.sort_indices()
    post_rows = T.indices
    csr_at = T.data.astype(np.int64)
    post_val, post_log = pdata[csr_at], plog[csr_at]
    csc_pos = np.empty(nnz, dtype=np.int64)
    csc_pos[csr_at] = np.arange(nnz)
    col_end = T.indptr[S.indices + 1]
    full = rows is None
    row_list = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    U = np.zeros((row_list.size, n))
    counts = np.zeros(max(1, threads), dtype=np.int64)

    def work(t: int) -> None:
        for r in range(t, row_list.size, max(1, threads)):
            i = int(row_list[r])
            a, z = S.indptr[i], S.indptr[i + 1]
            start = csc_pos[a:z] + 1
            cnt = col_end[a:z] - start
            tot = int(cnt.sum())
            counts[t] += tot
            if tot == 0:
                U[r, i + 1 :] = LN2
                continue
            pos = np.arange(tot) + np.repeat(start - (np.cumsum(cnt) - cnt), cnt)
            s = np.repeat(pdata[a:z], cnt)
            g = np.repeat(plog[a:z], cnt)
            s += post_val[pos]
            g += post_log[pos]
            g -= s * np.log(s)
            acc = np.bincount(post_rows[pos] - (i + 1), weights=g, minlength=n - i - 1)
            acc *= 0.5
            acc += LN2
            U[r, i + 1 :] = acc

    if threads > 1:
        with ThreadPoolExecutor(threads) as ex:
            for _ in ex.map(work, range(threads)):
                pass
    else:
        work(0)
    np.clip(U, 0.0, LN2, out=U)
    if full:
        t0 = time.perf_counter()
        numpy_mirror_upper(U)
        if timing is not None:
            timing.setdefault("mirror_s", []).append(time.perf_counter() - t0)  # type: ignore[attr-defined]
    return U, int(counts.sum())


def spread_rows(n: int, m: int) -> Optional[np.ndarray]:
    """m row indices spread evenly over [0, n) (None: all rows). The work of row i in the upper
    triangle falls with i, so a subset must cover the whole range."""
    if m >= n:
        return None
    return np.unique(np.linspace(0, n - 1, m).round().astype(np.int64))


# ---------------------------------------------------------------------------------------------
# Cases


def dense_case(n: int, dtype: Any, quick: bool, n_jobs: int) -> Dict[str, Any]:
    size = QUICK if quick else FULL
    dt = np.dtype(dtype)
    tag = "f64" if dt == np.float64 else "f32"
    X = dense_topics(n).astype(dt)
    notes: List[str] = []
    pairwise(X[: min(n, 256)], metric="jsd", dtype=dt, n_jobs=n_jobs)  # warm-up
    runs: List[float] = []
    t_ours, D = best_of(lambda: pairwise(X, metric="jsd", dtype=dt, n_jobs=n_jobs), 3, runs)
    t_ours1, _ = best_of(
        lambda: pairwise(X, metric="jsd", dtype=dt, n_jobs=1), 3 if not quick else 1
    )
    cfg = tune_numpy_blockwise(X[: min(n, size["tune_rows"])], n_jobs, quick)
    run_cfg = {k: cfg[k] for k in ("block_rows", "block_cols", "reduction", "threads")}
    t_np, Dn = best_of(lambda: numpy_jsd_blockwise(X, **run_cfg), 3)
    baselines = {f"numpy blockwise {tag}": t_np}
    extra: Dict[str, Any] = {
        "N": n,
        "K": X.shape[1],
        "dtype": str(dt),
        "pairs": _pairs(n),
        "n_jobs": n_jobs,
        "ours_runs_s": runs,
        "ours_n_jobs1_s": t_ours1,
        "numpy_blockwise_config": cfg,
        "max_abs_diff_vs_numpy": float(np.abs(D.astype(np.float64) - Dn).max()),
    }
    del Dn
    targets = {f"numpy blockwise {tag}": 2.0 if tag == "f64" else 3.0}
    if tag == "f64":
        from scipy.spatial.distance import pdist as scipy_pdist

        t_sc, dc = best_of(lambda: scipy_pdist(X, "jensenshannon"), 1)
        baselines["scipy pdist jensenshannon"] = t_sc
        targets = {"scipy pdist jensenshannon": 25.0, **targets}
        iu = np.triu_indices(n, 1)
        extra["max_abs_diff_sqrt_vs_scipy"] = float(np.abs(np.sqrt(D[iu]) - dc).max())
        notes.append("scipy pdist returns sqrt(JSD); timed as is")
    notes.append(f"numpy blockwise tuned on {cfg['tuned_on_rows']} rows: {run_cfg}")
    return _result(
        f"dense jsd {tag} N={n} K={X.shape[1]}", t_ours, baselines, targets, extra, notes
    )


def sparse_case(n: int, quick: bool, n_jobs: int, role: str) -> Dict[str, Any]:
    """role "small": target vs scipy pdist on densified rows; "large": vs sklearn and the NumPy
    inverted index. Both report all the baselines that are affordable."""
    from sklearn.metrics.pairwise import cosine_similarity

    size = QUICK if quick else FULL
    S = sparse_counts(n)
    stats = shared_term_stats(S)
    notes: List[str] = []
    m_inv = min(n, size["inverted_rows_small" if role == "small" else "inverted_rows_large"])
    slow = n > 4000
    pairwise(S[: min(n, 256)], metric="jsd", n_jobs=n_jobs)  # warm-up
    runs: List[float] = []
    t_ours, D = best_of(lambda: pairwise(S, metric="jsd", n_jobs=n_jobs), 3, runs)
    rows = spread_rows(n, m_inv)
    m_pd = min(n, size["pdist_rows"]) if role == "small" else 0
    D_rows = D if rows is None else D[rows]  # kept for the checks (a copy for a subset)
    D_first = np.array(D[:m_pd, :m_pd])
    del D
    gc.collect()
    baselines: Dict[str, float] = {}
    t_sk, C = best_of(lambda: cosine_similarity(S), 1 if slow else 3)
    del C
    baselines["sklearn cosine_similarity"] = t_sk
    tune_rows = spread_rows(n, min(n, 100))
    inv_threads = 1
    if n_jobs > 1:  # thread count tuned on 100 rows (or all if fewer)
        t1, _ = best_of(lambda: numpy_jsd_inverted_index(S, tune_rows, 1), 2)
        tn, _ = best_of(lambda: numpy_jsd_inverted_index(S, tune_rows, n_jobs), 2)
        inv_threads = n_jobs if tn < t1 else 1
    inv_timing: Dict[str, Any] = {}
    inv_runs: List[float] = []
    t_inv_sub, (Dinv, evaluations) = best_of(
        lambda: numpy_jsd_inverted_index(S, rows, inv_threads, inv_timing),
        2 if rows is None and slow else 3,
        inv_runs,
    )
    scale = stats["sum_df_pairs"] / evaluations
    name_inv = "numpy inverted index" + (" (scaled)" if rows is not None else "")
    baselines[name_inv] = t_inv_sub * scale
    if rows is None:
        max_diff_inv = float(np.abs(Dinv - D_rows).max())
        mirrors = inv_timing.get("mirror_s", [0.0] * len(inv_runs))
        no_mirror = min(t - m for t, m in zip(inv_runs, mirrors))
        notes.append(
            f"numpy inverted index: full matrix end to end, best of {len(inv_runs)} (like ours: "
            f"its output, all {evaluations:.3g} g evaluations = sum df(df-1)/2, and its mirror "
            f"{min(mirrors):.3g} s), {inv_threads} thread(s); without the mirror {no_mirror:.3g} s "
            f"= {no_mirror / t_ours:.3g}x ours"
        )
        extra_inv = {
            "numpy_inverted_runs_s": inv_runs,
            "numpy_inverted_mirror_s": mirrors,
            "ratio_vs_numpy_inverted_without_mirror": no_mirror / t_ours,
        }
    else:
        upper = np.arange(n)[None, :] > rows[:, None]
        max_diff_inv = float(np.abs(np.where(upper, Dinv - D_rows, 0.0)).max())
        notes.append(
            f"numpy inverted index: {rows.size} rows spread over 0..{n - 1} (upper triangle) timed "
            f"{t_inv_sub:.3g} s for {evaluations:.3g} g evaluations, {inv_threads} thread(s);"
            " scaled "
            f"x{scale:.3g} to sum df(df-1)/2 = {stats['sum_df_pairs']:.3g} (the full run's count)"
        )
        extra_inv = {}
    del Dinv, D_rows
    extra: Dict[str, Any] = dict(stats)
    extra.update(
        {
            "pairs": _pairs(n),
            "n_jobs": n_jobs,
            "ours_runs_s": runs,
            "numpy_inverted_rows_timed": m_inv,
            "numpy_inverted_timed_s": t_inv_sub,
            "numpy_inverted_threads": inv_threads,
            "max_abs_diff_vs_numpy_inverted": max_diff_inv,
        }
    )
    extra.update(extra_inv)
    targets: Dict[str, float] = {}
    if role == "small":
        from scipy.spatial.distance import pdist as scipy_pdist

        Xd = S[:m_pd].toarray()
        t_pd_sub, dc = best_of(lambda: scipy_pdist(Xd, "jensenshannon"), 1)
        pd_scale = _pairs(n) / _pairs(m_pd)
        baselines["scipy pdist dense (scaled)"] = t_pd_sub * pd_scale
        iu = np.triu_indices(m_pd, 1)
        extra["max_abs_diff_sqrt_vs_scipy_dense"] = float(np.abs(np.sqrt(D_first[iu]) - dc).max())
        extra["scipy_pdist_dense_rows_timed"] = m_pd
        notes.append(
            f"scipy pdist on {m_pd} densified rows ({_pairs(m_pd)} pairs) timed {t_pd_sub:.3g} s, "
            f"scaled x{pd_scale:.4g} to {_pairs(n)} pairs"
        )
        targets["scipy pdist dense (scaled)"] = 1000.0
    else:
        targets["sklearn cosine_similarity"] = 1.0
        targets[name_inv] = 10.0
    return _result(f"sparse jsd N={n} V={S.shape[1]}", t_ours, baselines, targets, extra, notes)


# ---------------------------------------------------------------------------------------------
# Memory cases: a fresh subprocess per case


def _status_kib(field: str) -> Optional[int]:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _release_free_memory() -> None:
    """Return freed heap memory to the OS (glibc malloc_trim), so that the baseline RSS is live
    memory only: otherwise the case could reuse pages freed by the data generation unseen."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def _child(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Runs in a fresh interpreter: generate data, warm up, reset the peak-RSS mark, run the
    case once, and report time and peak RSS above the baseline (imports + data + warm-up)."""
    n, n_jobs, kind = int(spec["n"]), int(spec["n_jobs"]), spec["kind"]
    S = sparse_counts(n)
    input_bytes = csr_bytes(S)
    warm = S[: min(n, 500)]
    if kind == "nearest":
        nearest(warm, k=NEAREST_K, n_jobs=n_jobs)
    else:
        pairwise(warm, n_jobs=n_jobs)
    del warm
    _release_free_memory()
    reset = _reset_peak()
    base_kib = _status_kib("VmRSS") if reset else _status_kib("VmHWM")
    t0 = time.perf_counter()
    if kind == "nearest":
        out: Any = nearest(S, k=NEAREST_K, n_jobs=n_jobs)
    else:
        out = pairwise(S, n_jobs=n_jobs)
    elapsed = time.perf_counter() - t0
    peak_kib = _status_kib("VmHWM")
    res: Dict[str, Any] = {
        "seconds": elapsed,
        "input_bytes": input_bytes,
        "peak_reset": reset,
        "baseline_rss_bytes": (base_kib or 0) * 1024,
        "peak_rss_bytes": (peak_kib or 0) * 1024,
    }
    res["peak_above_baseline_bytes"] = max(0, res["peak_rss_bytes"] - res["baseline_rss_bytes"])
    # Sanity check: 3 rows against pairwise(S[:3], S).
    rows = pairwise(S[:3], S, n_jobs=n_jobs)
    if kind == "nearest":
        idx, val = out
        rows[np.arange(3), np.arange(3)] = np.inf
        ref = np.argsort(rows, axis=1, kind="stable")[:, :NEAREST_K]
        diff = float(np.abs(np.take_along_axis(rows, ref, 1) - val[:3]).max())
        res["check_rows_ok"] = bool(np.array_equal(ref, idx[:3]) and diff <= 1e-12)
        res["output_bytes"] = int(idx.nbytes + val.nbytes)
    else:
        diff = float(np.abs(rows - out[:3]).max())
        res["check_rows_ok"] = diff <= 1e-12
        res["output_bytes"] = int(out.nbytes)
    res["check_rows_max_abs_diff"] = diff
    return res


def _run_child(spec: Dict[str, Any], timeout: float) -> Dict[str, Any]:
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(divergence.__file__)))
    code = (
        "import json, sys\n"
        f"sys.path[:0] = [{HERE!r}, {pkg_parent!r}]\n"
        "import bench_pairwise as b\n"
        "print(b.CHILD_MARK + json.dumps(b._child(json.loads(sys.argv[1]))), flush=True)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"subprocess for {spec} exited {proc.returncode}: {proc.stderr[-2000:]}")
    for line in proc.stdout.splitlines():
        if line.startswith(CHILD_MARK):
            return json.loads(line[len(CHILD_MARK) :])
    raise RuntimeError(
        f"subprocess for {spec} printed no result: {proc.stdout[-1000:]} {proc.stderr[-1000:]}"
    )


def nearest_case(n: int, quick: bool, n_jobs: int) -> Dict[str, Any]:
    r = _run_child({"kind": "nearest", "n": n, "n_jobs": n_jobs}, timeout=7200)
    peak = r["peak_above_baseline_bytes"]
    passed = peak < NEAREST_PEAK_LIMIT and r["check_rows_ok"]
    extra = {
        "N": n,
        "k": NEAREST_K,
        "pairs": _pairs(n),
        "n_jobs": n_jobs,
        "peak_above_baseline_MB": peak / 1e6,
        "process_peak_MB": r["peak_rss_bytes"] / 1e6,
        "baseline_rss_MB": r["baseline_rss_bytes"] / 1e6,
        "input_MB": r["input_bytes"] / 1e6,
        "output_MB": r["output_bytes"] / 1e6,
        "peak_reset": r["peak_reset"],
        "check_rows_ok": r["check_rows_ok"],
        "check_rows_max_abs_diff": r["check_rows_max_abs_diff"],
    }
    notes = [
        "fresh subprocess; peak = VmHWM above the RSS after imports, data and a warm-up "
        "(VmHWM reset through /proc/self/clear_refs)"
        if r["peak_reset"]
        else "fresh subprocess; VmHWM could not be reset: peak is a lower bound"
        " (HWM after - HWM before)",
        "one timed run (no best of 3: slow case); pairs/s counts N(N-1)/2 candidate pairs",
    ]
    return {
        "name": f"nearest k={NEAREST_K} sparse N={n}",
        "ours_s": r["seconds"],
        "baselines": {},
        "ratios": {},
        "target": f"peak {peak / 1e6:.0f} MB < {NEAREST_PEAK_LIMIT / 1e9:g} GB",
        "passed": passed,
        "extra": dict(extra, notes=notes),
    }


def full_matrix_memory_case(n: int, quick: bool, n_jobs: int) -> Dict[str, Any]:
    r = _run_child({"kind": "pairwise", "n": n, "n_jobs": n_jobs}, timeout=3600)
    peak, out_b, in_b = r["peak_above_baseline_bytes"], r["output_bytes"], r["input_bytes"]
    limit = 1.1 * out_b + in_b
    extra = {
        "N": n,
        "pairs": _pairs(n),
        "n_jobs": n_jobs,
        "peak_above_baseline_MB": peak / 1e6,
        "output_MB": out_b / 1e6,
        "input_MB": in_b / 1e6,
        "limit_MB": limit / 1e6,
        "peak_over_output": peak / out_b,
        "process_peak_MB": r["peak_rss_bytes"] / 1e6,
        "baseline_rss_MB": r["baseline_rss_bytes"] / 1e6,
        "peak_reset": r["peak_reset"],
        "check_rows_ok": r["check_rows_ok"],
        "check_rows_max_abs_diff": r["check_rows_max_abs_diff"],
    }
    notes = [
        "fresh subprocess, one run; peak = VmHWM above the RSS after imports, data (the input "
        "is already resident) and a warm-up; limit = 1.1 x output + input"
    ]
    return {
        "name": f"full matrix memory sparse N={n}",
        "ours_s": r["seconds"],
        "baselines": {},
        "ratios": {},
        "target": f"peak {peak / 1e6:.0f} MB <= 1.1 out + in = {limit / 1e6:.0f} MB",
        "passed": bool(peak <= limit and r["check_rows_ok"]),
        "extra": dict(extra, notes=notes),
    }


def cases(quick: bool) -> List[Dict[str, Any]]:
    """Case specs; ``run(n_jobs)`` returns the result dict (see benchmarks/run.py)."""
    s = QUICK if quick else FULL
    return [
        {
            "name": "dense jsd f64",
            "run": lambda n_jobs: dense_case(s["dense_n"], np.float64, quick, n_jobs),
        },
        {
            "name": "dense jsd f32",
            "run": lambda n_jobs: dense_case(s["dense_n"], np.float32, quick, n_jobs),
        },
        {
            "name": "sparse jsd small",
            "run": lambda n_jobs: sparse_case(s["sparse_small"], quick, n_jobs, "small"),
        },
        {
            "name": "sparse jsd large",
            "run": lambda n_jobs: sparse_case(s["sparse_large"], quick, n_jobs, "large"),
        },
        {
            "name": "nearest sparse",
            "run": lambda n_jobs: nearest_case(s["nearest_n"], quick, n_jobs),
        },
        {
            "name": "full matrix memory",
            "run": lambda n_jobs: full_matrix_memory_case(s["memory_n"], quick, n_jobs),
        },
    ]
