"""Benchmarks of leave-out partisanship (divergence.partisanship, Gentzkow-Shapiro-Taddy).

Our code and a straightforward NumPy / scipy.sparse implementation of the same formula run in
the same process (time.perf_counter, best of 3 after a warm-up call; best of 2 at full size).

Data (:func:`statements`)
-------------------------
Full size (the issue): 1,000,000 statements by 100,000 speakers (10 each), V = 50,000 phrases,
two groups of 50,000 speakers; quick: 100,000 statements by 10,000 speakers, V = 50,000.
Phrase of popularity rank r has base probability proportional to 1/(r+1)^1.1 (ranks mapped to
columns by a fixed random permutation); group R uses base * e^z, group D base * e^-z
(renormalised), z ~ N(0, 0.3^2) per phrase: a planted difference. Each statement draws 15
tokens from its group's distribution; float64 CSR counts (duplicates summed).

Cases and targets (reported, not asserted)
------------------------------------------
* ``leave-out end-to-end``: statements + speaker ids -> plug-in and leave-out pi.
  Ours: ``divergence.partisanship(X, groups, speakers, bootstrap=0, permutations=0)`` (speakers
  coded by ``pandas.factorize``, speaker sums by the C++ core's ``sum_rows_by``, then the C++
  formula). Baseline ``numpy/scipy.sparse``:
  :func:`numpy_partisanship` on the same input (the same speaker sums, then the formula
  vectorised over nonzeros: group totals by a sparse product, rho_{-i} on each nonzero from
  totals minus the speaker's counts, ``np.bincount`` per speaker). Target: >= 1.5x.
* ``leave-out core``: the same formula on the speaker x phrase matrix (summing excluded).
  Target: >= 3x vs the NumPy formula.
* ``inference``: ours with 100 bootstrap + 100 shuffled-label replicates (20 + 20 quick);
  the baseline is the NumPy formula per replicate (timed on 3 replicates, scaled by the number
  of replicates; resampling itself not counted, which favours the baseline). Target: >= 3x.

Accuracy: |ours - NumPy| for pi and pi_LO is reported (they agree to ~1e-12).
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
import scipy.sparse as sp

from divergence import _core, partisanship

FULL = {"statements": 1_000_000, "speakers": 100_000, "v": 50_000, "reps": 100, "best_of": 2}
QUICK = {"statements": 100_000, "speakers": 10_000, "v": 50_000, "reps": 20, "best_of": 3}
TOKENS = 15

_cache: Dict[Tuple[int, int, int], Any] = {}


def statements(n: int, n_speakers: int, v: int, seed: int = 0):
    """(X statements x phrases CSR float64, group per statement, speaker per statement)."""
    key = (n, n_speakers, v)
    if key in _cache:
        return _cache[key]
    rng = np.random.default_rng(seed)
    base = 1.0 / np.arange(1, v + 1, dtype=np.float64) ** 1.1
    base = base[rng.permutation(v)]
    z = rng.normal(0.0, 0.3, v)
    pR = base * np.exp(z)
    pR /= pR.sum()
    pD = base * np.exp(-z)
    pD /= pD.sum()
    speaker = np.arange(n) % n_speakers
    group = (speaker >= n_speakers // 2).astype(np.int8)  # 0 = R, 1 = D
    rows, cols = [], []
    for g, p in ((0, pR), (1, pD)):
        idx = np.flatnonzero(group == g)
        cdf = np.cumsum(p)
        cdf /= cdf[-1]
        tok = np.searchsorted(cdf, rng.random(len(idx) * TOKENS), side="right")
        rows.append(np.repeat(idx, TOKENS))
        cols.append(np.minimum(tok, v - 1))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    X = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, v))
    X.sum_duplicates()
    labels = np.where(group == 0, "R", "D")
    _cache.clear()
    _cache[key] = (X, labels, speaker)
    return _cache[key]


def speaker_sums(X: sp.csr_matrix, speaker: np.ndarray, n_speakers: int) -> sp.csr_matrix:
    A = sp.csr_matrix(
        (np.ones(X.shape[0]), (speaker, np.arange(X.shape[0]))), shape=(n_speakers, X.shape[0])
    )
    return sp.csr_matrix(A @ X)  # indices left unsorted: the formula does not need them sorted


def numpy_formula(S: sp.csr_matrix, codes: np.ndarray, G: int) -> Tuple[float, float]:
    """Plug-in and leave-out pi of a speaker x phrase CSR matrix, vectorised NumPy/scipy."""
    n = S.shape[0]
    m = np.asarray(S.sum(axis=1)).ravel()
    A = sp.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(G, n))
    C = np.asarray((A @ S).todense())
    M = C.sum(axis=1)
    F = C / M[:, None]
    T = F.sum(axis=0)
    rho = np.divide(F, T, out=np.zeros_like(F), where=T > 0)
    pi = float(np.mean((F * rho).sum(axis=1)))
    rows = np.repeat(np.arange(n), np.diff(S.indptr))
    cols = S.indices
    x = S.data
    g = codes[rows]
    a = np.maximum(C[g, cols] - x, 0.0) / (M[g] - m[rows])
    o = T[cols] - F[g, cols]
    den = a + o
    r = np.where(den > 0, a / np.where(den > 0, den, 1.0), 1.0 / G)
    score = np.bincount(rows, weights=x * r, minlength=n) / m
    lo = float(np.mean([score[codes == k].mean() for k in range(G)]))
    return pi, lo


def numpy_partisanship(
    X: sp.csr_matrix, labels: np.ndarray, speaker: np.ndarray
) -> Tuple[float, float]:
    n_sp = int(speaker.max()) + 1
    S = speaker_sums(X, speaker, n_sp)
    first = np.zeros(n_sp, dtype=np.int64)
    first[speaker[::-1]] = np.arange(len(speaker))[::-1]
    names, codes = np.unique(labels[first], return_inverse=True)
    return numpy_formula(S, codes, len(names))


def _best(fn: Callable[[], Any], k: int) -> Tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(k):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _csr(S: sp.csr_matrix):
    return (S.indptr.astype(np.int64), S.indices.astype(np.int32), S.data, S.shape[1])


def end_to_end_case(quick: bool, n_jobs: int) -> Dict[str, Any]:
    s = QUICK if quick else FULL
    X, labels, speaker = statements(s["statements"], s["speakers"], s["v"])
    ours = lambda: partisanship(X, labels, speaker, bootstrap=0, permutations=0, n_jobs=n_jobs)  # noqa: E731
    ours()
    t_ours, r = _best(ours, s["best_of"])
    t_np, (pi, lo) = _best(lambda: numpy_partisanship(X, labels, speaker), s["best_of"])
    ratio = t_np / t_ours
    return {
        "name": f"leave-out end-to-end ({s['statements']} statements,"
        f" {s['speakers']} speakers, V={s['v']})",
        "ours_s": t_ours,
        "baselines": {"numpy/scipy.sparse": t_np},
        "ratios": {"numpy/scipy.sparse": ratio},
        "target": ">= 1.5x vs numpy",
        "passed": ratio >= 1.5,
        "extra": {
            "nnz_statements": int(X.nnz),
            "plug_in": r.plug_in,
            "leave_out": r.leave_out,
            "max_abs_diff": max(abs(r.plug_in - pi), abs(r.leave_out - lo)),
            "targets": {"numpy/scipy.sparse": 1.5},
        },
    }


def core_case(quick: bool, n_jobs: int) -> Dict[str, Any]:
    s = QUICK if quick else FULL
    X, labels, speaker = statements(s["statements"], s["speakers"], s["v"])
    S = speaker_sums(X, speaker, s["speakers"])
    S.sort_indices()  # the core's input format (both sides get the same matrix)
    codes = (np.arange(s["speakers"]) < s["speakers"] // 2).astype(np.int32)  # D = 0, R = 1
    csr = _csr(S)
    ours = lambda: _core.partisanship(csr, codes, 2, 0, 0, 0, n_jobs)  # noqa: E731
    ours()
    t_ours, out = _best(ours, s["best_of"])
    t_np, (pi, lo) = _best(lambda: numpy_formula(S, codes, 2), s["best_of"])
    ratio = t_np / t_ours
    return {
        "name": f"leave-out core ({s['speakers']} speakers x V={s['v']}, nnz={S.nnz})",
        "ours_s": t_ours,
        "baselines": {"numpy formula": t_np},
        "ratios": {"numpy formula": ratio},
        "target": ">= 3x vs numpy",
        "passed": ratio >= 3.0,
        "extra": {
            "nnz_speakers": int(S.nnz),
            "max_abs_diff": float(max(abs(out[0][0] - pi), abs(out[0][1] - lo))),
            "targets": {"numpy formula": 3.0},
        },
    }


def inference_case(quick: bool, n_jobs: int) -> Dict[str, Any]:
    s = QUICK if quick else FULL
    X, labels, speaker = statements(s["statements"], s["speakers"], s["v"])
    S = speaker_sums(X, speaker, s["speakers"])
    S.sort_indices()
    codes = (np.arange(s["speakers"]) < s["speakers"] // 2).astype(np.int32)
    csr = _csr(S)
    reps = s["reps"]
    t = time.perf_counter()
    _core.partisanship(csr, codes, 2, reps, reps, 1, n_jobs)
    t_ours = time.perf_counter() - t
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    for _ in range(3):
        numpy_formula(S, rng.permutation(codes), 2)
    t_np = (time.perf_counter() - t) / 3 * (2 * reps)
    ratio = t_np / t_ours
    return {
        "name": f"inference {reps} bootstrap + {reps} shuffled ({s['speakers']} speakers)",
        "ours_s": t_ours,
        "baselines": {"numpy formula (scaled)": t_np},
        "ratios": {"numpy formula (scaled)": ratio},
        "target": ">= 3x vs numpy",
        "passed": ratio >= 3.0,
        "extra": {
            "notes": [f"numpy timed on 3 shuffled-label replicates, scaled to {2 * reps}"],
            "targets": {"numpy formula (scaled)": 3.0},
        },
    }


def cases(quick: bool) -> List[Dict[str, Any]]:
    """Case specs; ``run(n_jobs)`` returns the result dict (see benchmarks/run.py)."""
    return [
        {"name": "leave-out end-to-end", "run": lambda n_jobs: end_to_end_case(quick, n_jobs)},
        {"name": "leave-out core", "run": lambda n_jobs: core_case(quick, n_jobs)},
        {"name": "partisanship inference", "run": lambda n_jobs: inference_case(quick, n_jobs)},
    ]
