"""Count matrices for the compiled core: one canonical CSR form and one tuple layout.

:func:`as_csr` turns whatever a caller passed (dense array, any SciPy sparse format, any numeric
dtype) into a ``scipy.sparse.csr_matrix`` in canonical form: the requested dtype (float64 by
default), column indices sorted within each row, duplicate entries summed. Explicit zeros are
dropped on request (``drop_zeros=True``: callers whose core code reads the sparsity pattern) and
otherwise kept (harmless where rows are only summed). The caller's arrays are never modified in
place: a matrix that is already canonical is used as is (no copy), anything else is converted or
copied first.

:func:`csr_tuple` is the layout every core function takes: ``(indptr int64, indices int32,
data, n_cols)``, each array C-contiguous (no copy when it already is).
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import scipy.sparse as sp

from .types import DTypeLike, MatrixLike

__all__ = ["as_csr", "csr_tuple"]

CsrTuple = Tuple[np.ndarray, np.ndarray, np.ndarray, int]


def as_csr(
    X: MatrixLike,
    *,
    dtype: DTypeLike = np.float64,
    drop_zeros: bool = False,
    copy: bool = False,
    invalid: Optional[str] = None,
) -> sp.csr_matrix:
    """X as a canonical CSR matrix (see the module docstring).

    ``copy=True`` always returns arrays of its own (for a result that is kept, such as a fitted
    model's training counts). ``invalid``: when given, a ValueError with this message is raised
    if any stored value is negative or not finite.
    """
    M = sp.csr_matrix(X, dtype=dtype)
    owned = not sp.issparse(X)  # a dense input was converted: the arrays are new
    if copy and not owned:
        M, owned = M.copy(), True
    if not M.has_canonical_format:
        if not owned:
            M, owned = M.copy(), True  # never sort or merge the caller's arrays in place
        M.sum_duplicates()  # also sorts the indices
    if drop_zeros and M.nnz and not np.all(M.data != 0):
        if not owned:
            M, owned = M.copy(), True
        M.eliminate_zeros()
    if invalid is not None and M.nnz and (not np.all(np.isfinite(M.data)) or M.data.min() < 0):
        raise ValueError(invalid)
    return M


def csr_tuple(M: sp.csr_matrix, name: str = "X") -> CsrTuple:
    """``(indptr, indices, data, n_cols)`` of a CSR matrix, as the core takes it (the data keep
    their dtype; :func:`as_csr` sets it)."""
    n_cols = int(M.shape[1])
    if n_cols >= 2**31:
        raise ValueError(f"{name}: more than 2**31 columns are not supported")
    return (
        np.ascontiguousarray(M.indptr, dtype=np.int64),
        np.ascontiguousarray(M.indices, dtype=np.int32),
        np.ascontiguousarray(M.data),
        n_cols,
    )
