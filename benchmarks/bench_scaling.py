"""Benchmarks of Wordfish (divergence.Wordfish, compiled core) on sparse simulated Zipf counts.

Cases (targets reported, not asserted)
--------------------------------------
* ``wordfish iteration``: one outer iteration (feature step + document step + log-posterior) at
  the baseline's size, ours (n_jobs as given, and n_jobs=1) vs a straightforward dense NumPy
  implementation of the same updates (all features / all documents Newton-stepped at once on the
  dense N x V matrix of expected counts, 10 inner steps). Target: faster than NumPy.
* ``wordfish large``: 20000 documents x 50000 features (quick: 2000 x 5000), fitted with
  ``max_iter=1`` in a fresh subprocess: time of the start values (eigsh), time of one iteration,
  n_jobs=1 vs 2, and peak resident memory of the child: ``peak_rss`` (VmHWM of the whole fresh
  child over its phases, data generation included; not ru_maxrss, which Linux carries over from
  the parent across fork + exec) and ``fit_peak_rss`` (VmHWM, reset through
  /proc/self/clear_refs after the data are made, so the fit's own peak is not hidden behind the
  generator's). Target: both < 2 GB. One iteration is timed (``max_iter=1``) so the full size
  finishes in a few minutes; a full fit costs about ``n_iter`` times that (plus the start values).

Data (:func:`zipf_counts`): each document draws ``L`` tokens (L uniform on [100, 300]) from a Zipf
law over V features, p(rank r) proportional to 1/(r+1)^1.1 (ranks mapped to columns by a fixed
permutation), tilted by one latent dimension: p_ij proportional to p_j exp(beta_j theta_i) with
theta_i ~ N(0, 1) and beta_j ~ N(0, 0.5). Then one extra token of every feature is given to a
random document so that no feature is empty. Counts are summed into a float64 CSR matrix.
Structureless Zipf noise is not used: on it the residual SVD start singles out one outlying
document and the quanteda procedure overflows in its first iteration (quanteda itself would too),
so the timings would be of inf/NaN arithmetic. Each case checks that the fit stays finite.
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


def _package_parent() -> str:
    """The folder holding the `divergence` this process imported (installed or source tree),
    so the child process measures the same build."""
    import divergence

    return os.path.dirname(os.path.dirname(os.path.abspath(divergence.__file__)))


def zipf_counts(
    N: int,
    V: int,
    seed: int = 0,
    beta_sd: float = 0.5,
    levels: int = 41,
    return_theta: bool = False,
):
    """Zipf counts with one latent dimension: document i has a position theta_i ~ N(0, 1)
    (rounded to one of ``levels`` values on [-3, 3], so that every level's word distribution is
    computed once), feature j a discrimination beta_j ~ N(0, beta_sd), and the document's tokens
    are drawn from p_j proportional to exp(beta_j theta_i) / (rank_j + 1)^1.1. Without a latent
    dimension (beta_sd=0: pure noise) the residual SVD start picks out one outlying document
    (theta about 30) and the quanteda procedure overflows in its first iteration, which would
    time inf/NaN arithmetic rather than a fit."""
    rng = np.random.default_rng(seed)
    base = -1.1 * np.log(np.arange(2, V + 2, dtype=np.float64))
    perm = rng.permutation(V)
    logp = np.empty(V)
    logp[perm] = base  # rank r -> column perm[r]
    beta = rng.normal(0.0, beta_sd, size=V) if beta_sd > 0 else np.zeros(V)
    grid = np.linspace(-3.0, 3.0, levels)
    theta = grid[np.abs(rng.standard_normal(N)[:, None] - grid[None, :]).argmin(axis=1)]
    lens = rng.integers(100, 301, size=N)
    rows_l, cols_l = [], []
    for _lev, t in enumerate(grid):
        docs = np.flatnonzero(theta == t)
        if docs.size == 0:
            continue
        w = logp + beta * t
        p = np.exp(w - w.max())
        p /= p.sum()
        n_tok = lens[docs]
        rows_l.append(np.repeat(docs, n_tok))
        cols_l.append(rng.choice(V, size=int(n_tok.sum()), p=p))
    extra_rows = rng.integers(0, N, size=V)  # one token of every feature: no empty column
    rows = np.concatenate(rows_l + [extra_rows])
    cols = np.concatenate(cols_l + [np.arange(V)])
    X = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(N, V))
    X.sum_duplicates()
    X.sort_indices()
    return (X, theta) if return_theta else X


def numpy_iteration(
    Y: np.ndarray,
    alpha,
    theta,
    psi,
    beta,
    pb=1 / 9,
    pt=1.0,
    inner=10,
    first_step=0.5,
    inner_tol=1e-8,
):
    """One outer iteration of the same updates on dense arrays (vectorised over parameters):
    the first outer iteration of the "quanteda" solver (first Newton step halved, at most
    ``inner`` steps, stopping when no parameter moves by more than ``inner_tol``), then the
    identification (alpha centred, theta standardised) and the log-posterior."""
    alpha, theta, psi, beta = (np.array(v, dtype=np.float64) for v in (alpha, theta, psi, beta))
    step = first_step
    for _ in range(inner):
        L = np.exp(alpha[:, None] + psi[None, :] + theta[:, None] * beta[None, :])
        S0 = L.sum(0)
        S1 = theta @ L
        S2 = (theta * theta) @ L
        g0 = Y.sum(0) - S0
        g1 = theta @ Y - S1 - beta * pb
        h00, h01, h11 = -S0, -S1, -S2 - pb
        det = h00 * h11 - h01 * h01
        dpsi = step * (h11 * g0 - h01 * g1) / det
        dbeta = step * (h00 * g1 - h01 * g0) / det
        psi = psi - dpsi
        beta = beta - dbeta
        step = 1.0
        if max(np.abs(dpsi).max(), np.abs(dbeta).max()) <= inner_tol:
            break
    step = first_step
    for _ in range(inner):
        L = np.exp(alpha[:, None] + psi[None, :] + theta[:, None] * beta[None, :])
        T0 = L.sum(1)
        T1 = L @ beta
        T2 = L @ (beta * beta)
        g0 = Y.sum(1) - T0
        g1 = Y @ beta - T1 - theta * pt
        h00, h01, h11 = -T0, -T1, -T2 - pt
        det = h00 * h11 - h01 * h01
        dalpha = step * (h11 * g0 - h01 * g1) / det
        dtheta = step * (h00 * g1 - h01 * g0) / det
        alpha = alpha - dalpha
        theta = theta - dtheta
        step = 1.0
        if max(np.abs(dalpha).max(), np.abs(dtheta).max()) <= inner_tol:
            break
    alpha = alpha - alpha.mean()
    theta = (theta - theta.mean()) / theta.std(ddof=1)
    eta = alpha[:, None] + psi[None, :] + theta[:, None] * beta[None, :]
    lp = float(
        (Y * eta).sum() - np.exp(eta).sum() - 0.5 * pb * (beta @ beta) - 0.5 * pt * (theta @ theta)
    )
    return alpha, theta, psi, beta, lp


def _core_fit(X: sp.csr_matrix, u: np.ndarray, n_jobs: int, iters: int = 1):
    """(seconds, result) of ``iters`` outer iterations in the core from the given start vector."""
    from divergence import Wordfish, _core
    from divergence._util.operands import csr_tuple

    opts = Wordfish(max_iter=iters)._options((0, 1))
    t = time.perf_counter()
    res = _core.wordfish_fit(csr_tuple(X), u, opts, n_jobs)
    return time.perf_counter() - t, res


def _core_iteration_time(X: sp.csr_matrix, u: np.ndarray, n_jobs: int, iters: int = 1) -> float:
    return _core_fit(X, u, n_jobs, iters)[0]


def iteration_case(N: int, V: int, n_jobs: int) -> Dict[str, Any]:
    from divergence import residual_start

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
    _a, th_np, _p, _b, lp_np = numpy_iteration(Y, alpha, theta, psi, beta)
    base = time.perf_counter() - t
    from divergence import Wordfish, _core
    from divergence._util.operands import csr_tuple

    res = _core.wordfish_fit(csr_tuple(X), u, Wordfish(max_iter=1)._options((0, 1)), n_jobs)
    th_ours = np.asarray(res["theta"])
    if np.corrcoef(th_ours, th_np)[0, 1] < 0:  # dir=(0, 1) orientation is applied by the core only
        th_np = -th_np
    agree = float(np.max(np.abs(th_ours - th_np)))
    return {
        "name": f"wordfish iteration {N}x{V}",
        "ours_s": ours,
        "baselines": {"numpy dense": base},
        "ratios": {"numpy dense": base / ours},
        "target": "faster than the dense NumPy implementation of the same updates",
        "passed": base > ours and agree < 1e-6,
        "extra": {
            "n_jobs": n_jobs,
            "ours_n_jobs_1_s": ours1,
            "speedup_threads": ours1 / ours,
            "nnz": int(X.nnz),
            "numpy_finite": bool(np.isfinite(lp_np) and np.all(np.isfinite(th_np))),
            "max_abs_theta_diff_vs_numpy": agree,
            "logpost_numpy": lp_np,
            "logpost_ours": float(res["logpost"]),
            "numpy_dense_bytes": int(Y.nbytes),
        },
    }


_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {path!r})
import numpy as np
sys.path.insert(0, {here!r})
from bench_scaling import zipf_counts, _core_fit, _status_bytes, _reset_hwm
from divergence import residual_start
t = time.perf_counter(); X = zipf_counts({N}, {V}, seed=2); t_data = time.perf_counter() - t
out = dict(nnz=int(X.nnz), data_s=t_data, rss_data_peak=_status_bytes("VmHWM"))
out["rss_before_fit"] = _status_bytes("VmRSS")
out["hwm_reset"] = _reset_hwm()
t = time.perf_counter(); u = residual_start(X); out["start_s"] = time.perf_counter() - t
out["start_peak_rss"] = _status_bytes("VmHWM")
for j in {jobs}:
    _reset_hwm()
    out[f"iter_s_{{j}}"], res = _core_fit(X, u, j, 1)
    out[f"iter_peak_rss_{{j}}"] = _status_bytes("VmHWM")
    out[f"logpost_{{j}}"] = float(res["logpost"])
    out["finite"] = bool(
        out.get("finite", True)
        and np.isfinite(res["logpost"])
        and np.all(np.isfinite(res["theta"]))
    )
# This process's own peak: VmHWM (the data generation's, then the largest phase after each
# reset). Not ru_maxrss: on Linux it keeps the parent's peak across fork + exec, so a child of
# a runner that held a 3 GB matrix earlier would report that.
out["peak_rss"] = max(
    [out["rss_data_peak"], out["start_peak_rss"]]
    + [out[f"iter_peak_rss_{{j}}"] for j in {jobs}]
)
print(json.dumps(out))
"""


def _status_bytes(key: str) -> int:
    """VmRSS / VmHWM of this process from /proc/self/status, in bytes (-1 when unavailable)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def _reset_hwm() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs), so the
    peak of each phase (start values, each timed iteration) is measured on its own; the whole
    child's peak (``peak_rss``: the largest of the phases' VmHWM, data generation included) is
    reported as well."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def large_case(N: int, V: int, n_jobs: int) -> Dict[str, Any]:
    jobs = sorted({1, max(1, n_jobs)} | ({2} if n_jobs >= 2 else set()))
    code = _CHILD.format(path=_package_parent(), here=HERE, N=N, V=V, jobs=jobs)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    ours = out[f"iter_s_{max(jobs)}"]
    fit_peak = max([out["start_peak_rss"]] + [out[f"iter_peak_rss_{j}"] for j in jobs])
    out["fit_peak_rss"] = fit_peak
    if 2 in jobs:
        out["speedup_threads"] = out["iter_s_1"] / out["iter_s_2"]
    out["cells"] = N * V
    out["ns_per_cell_1"] = out["iter_s_1"] / (N * V) * 1e9
    notes = [
        (
            "peak_rss = VmHWM of a fresh child process over all its phases"
            " (data generation included; "
            "not ru_maxrss, which on Linux keeps the parent's peak across fork + exec); "
            "fit_peak_rss = VmHWM reset after the data were made"
            " (start values and each timed iteration)"
        ),
        "iter_s_J = one outer iteration"
        " (max_iter=1: feature step, document step, log-posterior) with n_jobs=J",
    ]
    return {
        "name": f"wordfish large {N}x{V}",
        "ours_s": ours,
        "baselines": {},
        "ratios": {},
        "target": "peak memory < 2 GB; one iteration timed with n_jobs 1 and 2",
        "passed": out["peak_rss"] < 2e9 and fit_peak < 2e9 and out["finite"],
        "extra": dict(out, notes=notes),
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
