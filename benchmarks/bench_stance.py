"""Replicate loops over small tables: stance divergence bootstrap/permutation replicates (labels
and scores) and change-point permutation p-values, each against the code it replaced, measured
in the same run.

* **stance labels**: the example corpus (`Corpus.example()`, 5 targets, 4 groups, 3 stances),
  1000 bootstrap + 1000 permutation replicates of all 8 metrics. Ours: one
  `_core.stance_label_replicates` call for every target; baseline: the former path, one
  `group_matrix` call per target on one-hot statement rows (the general sparse-vocabulary
  kernel). Also reported: `stance_divergence(...)` end to end (replicate summaries included).
* **stance scores**: synthetic Likert scores (1-5), 3 targets x 200 statements, 4 groups; ours:
  `_core.stance_score_replicates`; baseline: the former Python loop (numpy means, scipy's
  `wasserstein_distance` per pair), timed on a few replicates and scaled.
* **changepoints**: 200 values with a mean shift in the middle, 1000 permutations; ours:
  `changepoints(y, permutations=1000)`; baseline: the former Python loop (block permutation,
  NumPy gain per replicate) over the same changes, run in full.

Target (redesign issue item 6): at least 10x faster than the loops they replace.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Dict, List

import numpy as np
import scipy.sparse as sp


def _best(fn: Callable[[], Any], repeat: int = 3) -> float:
    fn()  # warm-up
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _result(
    name: str, ours: float, baseline: str, base_s: float, extra: Dict[str, Any]
) -> Dict[str, Any]:
    return {
        "name": name,
        "ours_s": ours,
        "baselines": {baseline: base_s},
        "ratios": {baseline: base_s / ours},
        "target": ">= 10x vs the former loop",
        "passed": base_s / ours >= 10,
        "extra": extra,
    }


def _targets(target: np.ndarray, group: np.ndarray):
    """Statements target by target: (order, group codes within target, start, n_groups)."""
    parts, codes, sizes = [], [], []
    for t in np.unique(target):
        idx = np.flatnonzero(target == t)
        present, code = np.unique(group[idx], return_inverse=True)
        parts.append(idx)
        codes.append(code)
        sizes.append(len(present))
    start = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    return (
        np.concatenate(parts),
        np.concatenate(codes).astype(np.int32),
        start,
        np.asarray(sizes, dtype=np.int32),
    )


def _labels(quick: bool, n_jobs: int) -> Dict[str, Any]:
    import divergence as dv
    from divergence import _core, group_matrix

    reps = 200 if quick else 1000
    c = dv.Corpus.example()
    df = c.frame
    stance = df["stance"].astype(str).str.strip().to_numpy()
    stances = np.unique(stance)
    order, group, start, ng = _targets(
        df["target"].astype(str).to_numpy(), df["group"].astype(str).to_numpy()
    )
    lab = np.searchsorted(stances, stance[order]).astype(np.int32)
    metrics = list(dv.METRICS)

    def ours() -> None:
        _core.stance_label_replicates(
            group, lab, start, ng, len(stances), metrics, 0.5, reps, reps, 0, n_jobs
        )

    def former() -> None:
        for t in range(len(ng)):
            sl = slice(start[t], start[t + 1])
            X = sp.csr_matrix(
                (np.ones(sl.stop - sl.start), (np.arange(sl.stop - sl.start), lab[sl])),
                shape=(sl.stop - sl.start, len(stances)),
            )
            group_matrix(
                X,
                group[sl],
                int(ng[t]),
                metrics,
                alpha=0.5,
                bootstrap=reps,
                permutations=reps,
                seed=0,
                n_jobs=n_jobs,
            )

    total = _best(
        lambda: dv.stance_divergence(
            c, "stance", "target", bootstrap=reps, permutations=reps, n_jobs=n_jobs
        )
    )
    return _result(
        f"stance labels: example, {len(ng)} targets, {reps} + {reps} replicates, 8 metrics",
        _best(ours),
        "group_matrix per target (former)",
        _best(former),
        {"n_jobs": n_jobs, "stance_divergence_s": total, "n_statements": len(lab)},
    )


def _former_scores(
    x: np.ndarray, codes: np.ndarray, K: int, rng: np.random.Generator, boot: bool
) -> np.ndarray:
    from scipy.stats import wasserstein_distance

    if boot:
        idx = np.concatenate(
            [
                m[rng.integers(0, len(m), len(m))]
                for m in (np.flatnonzero(codes == g) for g in range(K))
            ]
        )
        x, codes = x[idx], codes[idx]
    else:
        codes = rng.permutation(codes)
    out = np.full((2, K, K), np.nan)
    parts = [x[codes == g] for g in range(K)]
    for a in range(K):
        for b in range(a + 1, K):
            out[0, a, b] = parts[a].mean() - parts[b].mean()
            out[1, a, b] = wasserstein_distance(parts[a], parts[b])
    return out


def _scores(quick: bool, n_jobs: int) -> Dict[str, Any]:
    from divergence import _core

    reps = 200 if quick else 1000
    rng = np.random.default_rng(0)
    T, n, K = 3, 200, 4
    x = rng.integers(1, 6, T * n).astype(np.float64)
    group = np.tile(np.arange(n) % K, T).astype(np.int32)
    start = np.arange(0, T * n + 1, n, dtype=np.int64)
    ng = np.full(T, K, dtype=np.int32)
    ours = _best(
        lambda: _core.stance_score_replicates(
            group, x, start, ng, ["mean_difference", "wasserstein"], reps, reps, 0, n_jobs
        )
    )
    few = 20 if quick else 50
    t0 = time.perf_counter()
    for r in range(few):
        t = r % T
        _former_scores(x[t * n : (t + 1) * n], group[t * n : (t + 1) * n], K, rng, boot=bool(r % 2))
    former = (time.perf_counter() - t0) * (T * 2 * reps) / few
    return _result(
        f"stance scores: {T} targets x {n} statements, {K} groups, {reps} + {reps} replicates",
        ours,
        "Python/scipy loop (former, scaled)",
        former,
        {
            "n_jobs": n_jobs,
            "notes": [f"former loop timed on {few} replicates, scaled to {T * 2 * reps}"],
        },
    )


def _changepoints(quick: bool, n_jobs: int) -> Dict[str, Any]:
    import divergence as dv

    perms = 200 if quick else 1000
    rng = np.random.default_rng(1)
    y = np.r_[rng.normal(0, 1, 100), rng.normal(1.5, 1, 100)]
    cp = dv.changepoints(y, permutations=0)
    ours = _best(lambda: dv.changepoints(y, permutations=perms, n_jobs=n_jobs))

    def former() -> None:
        # The former loop, for each change found: its segment shuffled, the NumPy max gain.
        bounds = [0] + sorted(cp.position) + [len(y)]
        for idx in range(len(cp)):
            seg = y[bounds[idx] : bounds[idx + 2]]
            g = np.random.default_rng([0, idx])
            for _ in range(perms):
                z = seg[g.permutation(len(seg))]
                c = np.cumsum(z - z.mean())
                k = np.arange(2, len(z) - 1)
                np.max((c[k - 1] ** 2) * len(z) / (k * (len(z) - k)))

    return _result(
        f"changepoints: {len(y)} values, {len(cp)} change(s), {perms} permutations",
        ours,
        "NumPy loop (former)",
        _best(former, 1),
        {"n_jobs": n_jobs},
    )


def cases(quick: bool) -> List[Dict[str, Any]]:
    return [
        {"name": "stance labels", "run": lambda n_jobs=None: _labels(quick, n_jobs or 2)},
        {"name": "stance scores", "run": lambda n_jobs=None: _scores(quick, n_jobs or 2)},
        {"name": "changepoints", "run": lambda n_jobs=None: _changepoints(quick, n_jobs or 2)},
    ]
