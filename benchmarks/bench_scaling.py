"""Benchmarks of Wordfish (divergence.Wordfish, compiled core) on sparse simulated Zipf counts.

Cases (targets reported, not asserted)
--------------------------------------
* ``wordfish iteration``: one outer iteration (feature step + document step + log-posterior) at
  the baseline's size, ours (n_jobs as given, and n_jobs=1) vs a straightforward dense NumPy
  implementation of the same updates (all features / all documents Newton-stepped at once on the
  dense N x V matrix of expected counts, 10 inner steps). Target: faster than NumPy.
* ``wordfish large``: 20000 documents x 50000 features (quick: 2000 x 5000), fitted with
  ``max_iter=1`` in a fresh subprocess: time of the start values (eigsh), time of one iteration,
  n_jobs=1 vs 2, and peak resident memory of the child. Target: peak < 2 GB.

Data (:func:`zipf_counts`): each document draws ``L`` tokens (L uniform on [100, 300]) from a Zipf
law over V features, p(rank r) proportional to 1/(r+1)^1.1, ranks mapped to columns by a fixed
permutation; then one extra token of every feature is given to a random document so that no
feature is empty. Counts are summed into a float64 CSR matrix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, List

import numpy as np
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHONPATH = os.path.join(os.path.dirname(HERE), "python")


def zipf_counts(N: int, V: int, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, V + 1) ** 1.1
    p /= p.sum()
    perm = rng.permutation(V)
    lens = rng.integers(100, 301, size=N)
    rows = np.repeat(np.arange(N), lens)
    cols = perm[rng.choice(V, size=int(lens.sum()), p=p)]
    extra_rows = rng.integers(0, N, size=V)
    rows = np.concatenate([rows, extra_rows])
    cols = np.concatenate([cols, np.arange(V)])
    X = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(N, V))
    X.sum_duplicates()
    X.sort_indices()
    return X


def numpy_iteration(Y: np.ndarray, alpha, theta, psi, beta, pb=1 / 9, pt=1.0, inner=10):
    """One outer iteration of the same updates on dense arrays (vectorised over parameters)."""
    for _ in range(inner):
        L = np.exp(alpha[:, None] + psi[None, :] + theta[:, None] * beta[None, :])
        S0 = L.sum(0)
        S1 = theta @ L
        S2 = (theta * theta) @ L
        g0 = Y.sum(0) - S0
        g1 = theta @ Y - S1 - beta * pb
        h00, h01, h11 = -S0, -S1, -S2 - pb
        det = h00 * h11 - h01 * h01
        psi = psi - (h11 * g0 - h01 * g1) / det
        beta = beta - (h00 * g1 - h01 * g0) / det
    for _ in range(inner):
        L = np.exp(alpha[:, None] + psi[None, :] + theta[:, None] * beta[None, :])
        T0 = L.sum(1)
        T1 = L @ beta
        T2 = L @ (beta * beta)
        g0 = Y.sum(1) - T0
        g1 = Y @ beta - T1 - theta * pt
        h00, h01, h11 = -T0, -T1, -T2 - pt
        det = h00 * h11 - h01 * h01
        alpha = alpha - (h11 * g0 - h01 * g1) / det
        theta = theta - (h00 * g1 - h01 * g0) / det
    L = np.exp(alpha[:, None] + psi[None, :] + theta[:, None] * beta[None, :])
    lp = float((Y * np.log(L)).sum() - L.sum())
    return alpha, theta, psi, beta, lp


def _core_iteration_time(X: sp.csr_matrix, u: np.ndarray, n_jobs: int, iters: int = 1) -> float:
    from divergence import _core
    from divergence.scaling import Wordfish, _csr_tuple

    opts = Wordfish(max_iter=iters)._options((0, 1))
    t = time.perf_counter()
    _core.wordfish_fit(_csr_tuple(X), u, opts, n_jobs)
    return time.perf_counter() - t


def iteration_case(N: int, V: int, n_jobs: int) -> Dict[str, Any]:
    from divergence.scaling import residual_start

    X = zipf_counts(N, V, seed=1)
    u = residual_start(X)
    _core_iteration_time(X, u, n_jobs)  # warm-up
    ours = min(_core_iteration_time(X, u, n_jobs) for _ in range(2))
    ours1 = min(_core_iteration_time(X, u, 1) for _ in range(2)) if n_jobs != 1 else ours
    Y = X.toarray()
    r, c = Y.sum(1), Y.sum(0)
    theta = (r / r.sum()) ** -0.5 * u
    theta = (theta - theta.mean()) / theta.std(ddof=1)
    alpha = np.log(r) - np.log(r.mean())
    psi = np.log(c / N)
    beta = np.zeros(V)
    t = time.perf_counter()
    numpy_iteration(Y, alpha, theta, psi, beta)
    base = time.perf_counter() - t
    return {
        "name": f"wordfish iteration {N}x{V}",
        "ours_s": ours,
        "baselines": {"numpy dense": base},
        "ratios": {"numpy dense": base / ours},
        "target": "faster than the dense NumPy implementation of the same updates",
        "passed": base > ours,
        "extra": {"n_jobs": n_jobs, "ours_n_jobs_1_s": ours1, "speedup_threads": ours1 / ours, "nnz": int(X.nnz)},
    }


_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {path!r})
import numpy as np
sys.path.insert(0, {here!r})
from bench_scaling import zipf_counts, _core_iteration_time
from divergence.scaling import residual_start
X = zipf_counts({N}, {V}, seed=2)
gen = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter(); u = residual_start(X); t_start = time.perf_counter() - t
out = dict(nnz=int(X.nnz), start_s=t_start, rss_after_data=gen)
for j in {jobs}:
    out[f"iter_s_{{j}}"] = _core_iteration_time(X, u, j, 1)
out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(out))
"""


def large_case(N: int, V: int, n_jobs: int) -> Dict[str, Any]:
    jobs = sorted({1, max(1, n_jobs)} | ({2} if n_jobs >= 2 else set()))
    code = _CHILD.format(path=PYTHONPATH, here=HERE, N=N, V=V, jobs=jobs)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    ours = out[f"iter_s_{max(jobs)}"]
    return {
        "name": f"wordfish large {N}x{V}",
        "ours_s": ours,
        "baselines": {},
        "ratios": {},
        "target": "peak memory < 2 GB; one iteration timed with n_jobs 1 and 2",
        "passed": out["peak_rss"] < 2e9,
        "extra": out,
    }


def cases(quick: bool) -> List[Dict[str, Any]]:
    """Case specs; ``run(n_jobs)`` returns the result dict (see benchmarks/run.py)."""
    if quick:
        it, big = (600, 2000), (2000, 5000)
    else:
        it, big = (2000, 10000), (20000, 50000)
    return [
        {"name": "wordfish iteration", "run": lambda n_jobs: iteration_case(*it, n_jobs)},
        {"name": "wordfish large", "run": lambda n_jobs: large_case(*big, n_jobs)},
    ]


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for case in cases(quick):
        print(json.dumps(case["run"](len(os.sched_getaffinity(0))), default=float))
