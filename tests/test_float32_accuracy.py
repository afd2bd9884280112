"""float32 accuracy of pairwise: the per-metric bounds documented in pairwise's docstring."""

import numpy as np
import pytest
import scipy.sparse as sp

import divergence

# metric -> documented float32 bound (absolute error against float64 on the same inputs).
BOUNDS = {
    "jsd": 4e-6,
    "jensenshannon": 3e-3,
    "kl": 2e-6,
    "jeffreys": 2e-6,
    "hellinger": 1.5e-3,
    "bhattacharyya": 1e-6,
    "tv": 1e-6,
    "cosine": 1e-6,
}


def _r32(a):
    return a.astype(np.float32).astype(np.float64)


def test_bounds_cover_every_metric():
    assert set(BOUNDS) == set(divergence.METRICS)


def test_bounds_are_in_the_docstring():
    doc = divergence.pairwise.__doc__
    for metric, bound in BOUNDS.items():
        line = next(ln for ln in doc.splitlines() if ln.strip().startswith(f"``{metric}``"))
        assert float(line.split()[-1]) == bound, line


@pytest.mark.parametrize("metric", sorted(BOUNDS))
@pytest.mark.parametrize("V", [5, 500, 5000])
def test_float32_within_documented_bound(metric, V):
    rng = np.random.default_rng(V)
    kw = {"alpha": 1e-3} if metric in ("kl", "jeffreys") else {}
    worst = 0.0
    for conc in (0.1, 1.0, 10.0):
        A = _r32(rng.dirichlet(np.full(V, conc), 12))
        B = _r32(rng.dirichlet(np.full(V, conc), 12))
        N = _r32((A * (1 + 1e-3 * rng.standard_normal(A.shape))).clip(0))
        for X, Y, diag in ((A, B, False), (A, A.copy(), True), (A, N, True)):
            for fmt in (np.asarray, sp.csr_matrix):
                ref = divergence.pairwise(fmt(X), fmt(Y), metric, **kw)
                got = divergence.pairwise(fmt(X), fmt(Y), metric, dtype=np.float32, **kw)
                if diag:
                    ref, got = np.diag(ref), np.diag(got)
                ok = np.isfinite(ref)
                worst = max(worst, float(np.abs(got[ok] - ref[ok]).max()))
    assert worst <= BOUNDS[metric], f"{metric}: float32 error {worst:.2e} > {BOUNDS[metric]:g}"
