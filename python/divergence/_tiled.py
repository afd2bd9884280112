"""Statement-level matrices larger than memory (issue 13, point 5): :func:`pairwise_zarr` writes
the N x M divergence matrix tile by tile into a Zarr array (one tile = one chunk, so every
write is chunk-aligned), and :func:`nearest_tiled` merges each tile's k nearest into the exact
k nearest. Tiles are computed by the core: a diagonal tile of X against itself as
``pairwise(X[rows])``, every other tile as ``pairwise(X[rows], Y[cols])``; both equal the
corresponding block of the in-memory ``pairwise`` bit for bit (tested for every metric, dense
and sparse). Needs the zarr package (the ``dask`` extra).
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from ._measures import nearest, pairwise
from ._util.types import MatrixLike
from ._util.validation import check_int

__all__ = ["nearest_tiled", "pairwise_zarr"]


def _rows(X: Any, a: int, b: int) -> Any:
    return X[a:b]


def pairwise_zarr(
    X: MatrixLike,
    store: Any,
    Y: Optional[MatrixLike] = None,
    metric: str = "jsd",
    *,
    chunk: int = 4096,
    **kwargs: Any,
) -> Any:
    """The matrix of :func:`divergence.pairwise` written into a new Zarr array at ``store`` (a
    path or a Zarr store) with chunks of ``chunk`` x ``chunk``, one tile in memory at a time;
    returns the zarr array. ``kwargs``: pairwise's (base, alpha, normalize, dtype, n_jobs).

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> import numpy as np
    >>> import divergence as dv
    >>> X = np.array([[4.0, 1.0, 0.0], [0.0, 1.0, 4.0], [3.0, 1.0, 1.0]])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     z = dv.pairwise_zarr(X, os.path.join(d, "jsd.zarr"), chunk=2)
    ...     print(z.shape, z.chunks, np.asarray(z[:]).round(4).tolist())
    (3, 3) (2, 2) [[0.0, 0.5545, 0.0765], [0.5545, 0.0, 0.3043], [0.0765, 0.3043, 0.0]]
    """
    try:
        import zarr
    except ImportError:
        raise ImportError(
            "pairwise_zarr needs the zarr package: pip install 'stance-divergence[dask]'"
        ) from None
    if "out" in kwargs:
        raise TypeError("pairwise_zarr: out is not supported (the Zarr array is the output)")
    chunk = check_int(chunk, "chunk", minimum=1)
    n = X.shape[0]  # type: ignore[union-attr]
    m = n if Y is None else Y.shape[0]  # type: ignore[union-attr]
    dtype = np.dtype(kwargs.get("dtype", np.float64))
    z = zarr.open_array(store, mode="w", shape=(n, m), chunks=(chunk, chunk), dtype=dtype)
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        rows = _rows(X, a, b)
        for c in range(0, m, chunk):
            d = min(c + chunk, m)
            if Y is None and a == c:
                tile = pairwise(rows, None, metric, **kwargs)
            else:
                tile = pairwise(rows, _rows(X if Y is None else Y, c, d), metric, **kwargs)
            z[a:b, c:d] = tile
    return z


def nearest_tiled(
    X: MatrixLike,
    Y: Optional[MatrixLike] = None,
    k: int = 10,
    metric: str = "jsd",
    *,
    chunk: int = 4096,
    **kwargs: Any,
) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`divergence.nearest` computed over column tiles of ``chunk`` rows of Y (or X) and
    merged: the same indices and values, ties to the smaller index.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> X = np.array([[4.0, 1.0, 0.0], [0.0, 1.0, 4.0], [3.0, 1.0, 1.0]])
    >>> idx, val = dv.nearest_tiled(X, k=1, chunk=2)
    >>> idx.ravel().tolist(), val.ravel().round(4).tolist()
    ([2, 2, 0], [0.0765, 0.3043, 0.0765])
    """
    chunk = check_int(chunk, "chunk", minimum=1)
    k = check_int(k, "k", minimum=1)
    n = X.shape[0]  # type: ignore[union-attr]
    m = n if Y is None else Y.shape[0]  # type: ignore[union-attr]
    available = n - 1 if Y is None else m
    if k > available:
        what = "other rows in X" if Y is None else "rows in Y"
        raise ValueError(f"k: asked for {k} nearest rows but there are only {available} {what}")
    out_idx = np.empty((n, k), dtype=np.int64)
    out_val: Optional[np.ndarray] = None
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        rows = _rows(X, a, b)
        cand_idx, cand_val = [], []
        for c in range(0, m, chunk):
            d = min(c + chunk, m)
            if Y is None and a == c:
                if b - a < 2:
                    continue
                kk = min(k, b - a - 1)
                i, v = nearest(rows, None, kk, metric, **kwargs)
            else:
                kk = min(k, d - c)
                i, v = nearest(rows, _rows(X if Y is None else Y, c, d), kk, metric, **kwargs)
            cand_idx.append(i + c)
            cand_val.append(v)
        idx = np.concatenate(cand_idx, axis=1)
        val = np.concatenate(cand_val, axis=1)
        order = np.lexsort((idx, val), axis=1)[:, :k]  # by value, then index
        if out_val is None:
            out_val = np.empty((n, k), dtype=val.dtype)
        out_idx[a:b] = np.take_along_axis(idx, order, axis=1)
        out_val[a:b] = np.take_along_axis(val, order, axis=1)
    assert out_val is not None
    return out_idx, out_val
