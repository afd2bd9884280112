"""Group comparison (`divergence compare`): bootstrap + permutation replicates on the UN
General Debate corpus (475 speeches, 8 countries) in ../shared/data, or on a synthetic corpus of
the same shape when that folder is absent.

Target (issue "compare"): 1000 bootstrap + 1000 permutation replicates on the full UN corpus in
under 10 seconds on 2 cores. The baseline is the same resampling written with scipy.sparse and
NumPy (group sums by a sparse indicator product, JSD matrix by NumPy), timed on a few
replicates and scaled to the same count.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import scipy.sparse as sp

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _corpus(quick: bool):
    path = SHARED / "ungd_caucasus.csv"
    if path.exists():
        import pandas as pd

        df = pd.read_csv(path)
        texts, groups, source = list(df["text"]), np.asarray(df["country"]), "ungd_caucasus.csv"
    else:
        rng = np.random.default_rng(0)
        vocab = [f"w{i}" for i in range(20000)]
        p = 1.0 / np.arange(1, 20001) ** 1.1
        p /= p.sum()
        texts = [" ".join(rng.choice(vocab, size=3000, p=p)) for _ in range(475)]
        groups = np.asarray([f"G{i % 8}" for i in range(475)])
        source = "synthetic (../shared/data absent)"
    return texts, groups, source


def _numpy_replicate(
    X: sp.csr_matrix, labels: np.ndarray, K: int, rng: np.random.Generator, boot: bool
) -> np.ndarray:
    n = X.shape[0]
    if boot:
        idx = np.concatenate(
            [
                rng.choice(np.flatnonzero(labels == g), size=int((labels == g).sum()))
                for g in range(K)
            ]
        )
        lab = labels[idx]
    else:
        idx = np.arange(n)
        lab = rng.permutation(labels)
    ind = sp.csr_matrix((np.ones(idx.size), (lab, idx)), shape=(K, n))
    G = np.asarray((ind @ X).todense())
    P = G / G.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        H = np.where(P > 0, P * np.log(P), 0).sum(axis=1)
        D = np.zeros((K, K))
        for a in range(K):
            S = P[a] + P[a + 1 :]
            D[a, a + 1 :] = np.log(2) + 0.5 * (
                H[a] + H[a + 1 :] - np.where(S > 0, S * np.log(S), 0).sum(axis=1)
            )
    return D


def _case(quick: bool, n_jobs: int) -> Dict[str, Any]:
    from divergence import Vectorizer, group_matrix

    texts, groups, source = _corpus(quick)
    X = Vectorizer().fit_transform(texts).astype(np.float64)
    names, labels = np.unique(groups, return_inverse=True)
    K = len(names)
    reps = 100 if quick else 1000
    group_matrix(
        X, labels, K, ["jsd"], bootstrap=2, permutations=2, seed=0, n_jobs=n_jobs
    )  # warm-up
    best = np.inf
    for _ in range(1 if not quick else 2):
        t0 = time.perf_counter()
        group_matrix(
            X, labels, K, ["jsd"], bootstrap=reps, permutations=reps, seed=1, n_jobs=n_jobs
        )
        best = min(best, time.perf_counter() - t0)
    rng = np.random.default_rng(0)
    few = 10 if quick else 20
    t0 = time.perf_counter()
    for r in range(few):
        _numpy_replicate(X, labels, K, rng, boot=bool(r % 2))
    numpy_s = (time.perf_counter() - t0) * (2 * reps) / few
    target_s = 10.0
    return {
        "name": f"compare: {reps} bootstrap + {reps} permutations, {X.shape[0]} statements,"
        f" {K} groups",
        "ours_s": best,
        "baselines": {"scipy.sparse+NumPy (scaled)": numpy_s},
        "ratios": {"scipy.sparse+NumPy (scaled)": numpy_s / best},
        "target": "< 10 s for 1000 + 1000 on 2 cores" if not quick else "smoke (100 + 100)",
        "passed": (best < target_s) if not quick else None,
        "extra": {
            "source": source,
            "n_terms": int(X.shape[1]),
            "nnz": int(X.nnz),
            "n_jobs": n_jobs,
            "notes": [f"NumPy baseline timed on {few} replicates and scaled to {2 * reps}"],
        },
    }


def cases(quick: bool) -> List[Dict[str, Any]]:
    return [{"name": "compare replicates", "run": lambda n_jobs=None: _case(quick, n_jobs or 2)}]
