"""Statement-level matrices by tiles (issue 13, point 5): the Zarr matrix equals in-memory
``pairwise`` bit for bit for three chunk sizes (every metric, dense and sparse, X against
itself and against Y); the merged top-k equals in-memory ``nearest`` (ties by index)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import divergence as dv
from divergence._tiled import nearest_tiled, pairwise_zarr

zarr = pytest.importorskip("zarr")


def _data():
    rng = np.random.default_rng(0)
    X = rng.poisson(0.3, (75, 40)).astype(float)
    X = X[X.sum(axis=1) > 0]
    X[5] = X[9]  # ties
    X[30] = X[9]
    return X


def _kw(m):
    return dict(alpha=0.5) if m in ("kl", "jeffreys") else {}


@pytest.mark.parametrize("chunk", [7, 16, 1000])
@pytest.mark.parametrize("sparse", [False, True])
def test_zarr_pairwise_equals_in_memory(tmp_path, chunk, sparse):
    X = _data()
    Y = X[::3] * 2
    if sparse:
        X, Y = sp.csr_matrix(X), sp.csr_matrix(Y)
    for m in dv.METRICS:
        z = pairwise_zarr(X, str(tmp_path / f"{m}.zarr"), metric=m, chunk=chunk, **_kw(m))
        assert z.chunks == (chunk, chunk)
        np.testing.assert_array_equal(z[:], dv.pairwise(X, metric=m, n_jobs=2, **_kw(m)))
        z = pairwise_zarr(X, str(tmp_path / f"{m}y.zarr"), Y, metric=m, chunk=chunk, **_kw(m))
        np.testing.assert_array_equal(z[:], dv.pairwise(X, Y, metric=m, **_kw(m)))


@pytest.mark.parametrize("chunk", [7, 16, 1000])
@pytest.mark.parametrize("sparse", [False, True])
def test_tiled_nearest_equals_in_memory(chunk, sparse):
    X = _data()
    Y = X[::2]
    if sparse:
        X, Y = sp.csr_matrix(X), sp.csr_matrix(Y)
    for m in dv.METRICS:
        for y in (None, Y):
            got = nearest_tiled(X, y, 5, m, chunk=chunk, **_kw(m))
            want = dv.nearest(X, y, 5, m, **_kw(m))
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])


def test_arguments(tmp_path):
    X = _data()
    with pytest.raises(ValueError, match="chunk"):
        pairwise_zarr(X, str(tmp_path / "a.zarr"), chunk=0)
    with pytest.raises(ValueError, match="k: asked for"):
        nearest_tiled(X, None, len(X))
