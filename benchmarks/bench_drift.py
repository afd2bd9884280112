"""Benchmarks of divergence.drift (sliding windows) and divergence.token_drift.

Cases and targets (reported, not asserted)
------------------------------------------
* ``drift adjacent jsd``: 100000 time-ordered sparse statements, V = 20000, windows of 500
  statements, step 100 (996 windows), adjacent JSD: >= 20x vs the same computation with
  scipy.sparse sums and NumPy by hand, timed in the same run.
* ``token drift``: 10 million tokens, window 1000, step 1 (9998001 boundaries): under 3 s. Its
  ``extra`` also times windows of 100 and 10000 over the same stream (the cost does not grow
  with the window: O(tokens)) and the from-scratch recomputation (O(window) per boundary) on a
  subset, scaled.
Quick sizes (``--quick``): 20000 statements; 1 million tokens.

Data
----
Statements: term of rank r has probability proportional to 1 / (r + 1) ** 1.1, ranks mapped to
columns by a fixed random permutation; each statement makes 40 draws (with replacement;
duplicates add up), each draw counting uniformly 1..5. Tokens: draws from the same Zipf
distribution. ``numpy.random.default_rng(0)``.

Baseline (``scipy.sparse + numpy``)
-----------------------------------
For each window, ``np.asarray(X[b:e].sum(axis=0)).ravel()`` (each window summed once and reused
by the next pair), then JSD = ½ Σ p ln(p/m) + ½ Σ q ln(q/m) over the V columns with NumPy
(``np.log`` on the nonzero entries): the code one writes by hand.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List

import numpy as np
import scipy.sparse as sp

V = 20000


def _zipf_cdf(V: int, s: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, V + 1) ** s
    return np.cumsum(w / w.sum())


def statements(n: int, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    perm = rng.permutation(V)
    cdf = _zipf_cdf(V)
    draws = np.minimum(np.searchsorted(cdf, rng.random(n * 40)), V - 1)
    cols = perm[draws].astype(np.int32)
    rows = np.repeat(np.arange(n), 40)
    data = rng.integers(1, 6, size=n * 40).astype(np.float64)
    X = sp.csr_matrix((data, (rows, cols)), shape=(n, V))
    X.sum_duplicates()
    return X


def tokens(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cdf = _zipf_cdf(V)
    return np.minimum(np.searchsorted(cdf, rng.random(n)), V - 1).astype(np.int64)


def baseline_adjacent(X: sp.csr_matrix, window: int, step: int) -> np.ndarray:
    starts = np.arange(0, X.shape[0] - window + 1, step)
    out = np.full(len(starts), np.nan)
    prev = None
    for k, b in enumerate(starts):
        s = np.asarray(X[b:b + window].sum(axis=0)).ravel()
        p = s / s.sum()
        if prev is not None:
            q = prev
            m = 0.5 * (p + q)
            nz_p = p > 0
            nz_q = q > 0
            out[k] = 0.5 * np.sum(p[nz_p] * np.log(p[nz_p] / m[nz_p])) + 0.5 * np.sum(q[nz_q] * np.log(q[nz_q] / m[nz_q]))
        prev = p
    return out


def _best(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def case_windows(quick: bool, n_jobs: int) -> Dict[str, Any]:
    import divergence as dv

    n = 20000 if quick else 100000
    window, step = 500, 100
    X = statements(n)
    dv.drift(X, window=window, step=step, n_jobs=n_jobs)  # warm-up
    res: Dict[str, Any] = {}
    ours = _best(lambda: res.__setitem__("ours", dv.drift(X, window=window, step=step, mode="adjacent", n_jobs=n_jobs)), 3)
    ours1 = _best(lambda: dv.drift(X, window=window, step=step, mode="adjacent", n_jobs=1), 1)
    base = _best(lambda: res.__setitem__("base", baseline_adjacent(X, window, step)), 1)
    diff = float(np.nanmax(np.abs(res["ours"].value.to_numpy() - res["base"])))
    ratio = base / ours
    return {
        "name": f"drift adjacent jsd, N={n}, V={V}, window {window}, step {step}",
        "ours_s": ours,
        "baselines": {"scipy.sparse + numpy": base},
        "ratios": {"scipy.sparse + numpy": ratio},
        "target": ">= 20x vs scipy.sparse + numpy",
        "passed": bool(ratio >= 20),
        "extra": {
            "windows": int(len(res["ours"])), "nnz": int(X.nnz), "max_abs_diff": diff,
            "ours_1_thread_s": ours1, "targets": {"scipy.sparse + numpy": 20.0},
        },
    }


def case_tokens(quick: bool, n_jobs: int) -> Dict[str, Any]:
    import divergence as dv

    n = 1_000_000 if quick else 10_000_000
    tok = tokens(n)
    dv.token_drift(tok[:100000], 1000)  # warm-up
    ours = _best(lambda: dv.token_drift(tok, 1000, step=1), 1 if not quick else 2)
    by_window = {w: _best(lambda w=w: dv.token_drift(tok, w, step=1), 1) for w in (100, 10000)}
    # From scratch at every boundary (O(window) each) on the first 20000 boundaries, scaled.
    m = 20000
    sub = tok[: m + 2000 - 1]
    t_sub = _best(lambda: dv.token_drift(sub, 1000, step=1, incremental=False), 1)
    scratch_est = t_sub * (n - 2000 + 1) / m
    target_s = 3.0
    return {
        "name": f"token drift, {n} tokens, window 1000, step 1",
        "ours_s": ours,
        "baselines": {"from scratch per boundary (est.)": scratch_est},
        "ratios": {"from scratch per boundary (est.)": scratch_est / ours},
        "target": f"< {target_s:g} s for 10 million tokens (O(1) per token)",
        "passed": bool(ours < target_s * (n / 10_000_000)),
        "extra": {
            "boundaries": n - 2000 + 1,
            "ns_per_token": ours / n * 1e9,
            "window_100_s": by_window[100],
            "window_10000_s": by_window[10000],
            "notes": ["time does not grow with the window: O(tokens) for the whole curve"],
        },
    }


def cases(quick: bool) -> List[Dict[str, Any]]:
    return [
        {"name": "drift adjacent jsd", "run": lambda n_jobs=1: case_windows(quick, n_jobs)},
        {"name": "token drift", "run": lambda n_jobs=1: case_tokens(quick, n_jobs)},
    ]
