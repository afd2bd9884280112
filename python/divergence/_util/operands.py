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

from typing import Any, Optional, Tuple

import numpy as np
import scipy.sparse as sp

from .types import DTypeLike, MatrixLike

__all__ = ["as_csr", "check_structure", "csr_tuple"]

CsrTuple = Tuple[np.ndarray, np.ndarray, np.ndarray, int]


def check_structure(X: Any, name: str = "X") -> None:
    """ValueError naming ``name`` and the first bad position when a CSR or CSC matrix's arrays
    do not describe a matrix of its shape; run before SciPy reads them (SciPy trusts them and
    fails with a C++ error such as ``vector::_M_default_append`` or ``std::bad_alloc``).

    indptr must be 1-d with one entry per row (CSC: per column) plus one, start at 0, never
    decrease and end at most at the number of stored entries (indices and data, of one length);
    every index lies in [0, number of columns) (CSC: of rows). Other formats pass unchecked.
    """
    if not sp.issparse(X) or X.format not in ("csr", "csc"):
        return
    n_major, n_minor = X.shape if X.format == "csr" else X.shape[::-1]
    what, other = ("row", "column") if X.format == "csr" else ("column", "row")
    indptr = np.asarray(X.indptr)
    indices = np.asarray(X.indices)
    n_stored = np.asarray(X.data).shape[0] if np.ndim(X.data) else 0
    if indptr.ndim != 1 or indptr.shape[0] != n_major + 1:
        raise ValueError(
            f"{name}: indptr must be 1-d with {n_major + 1} entries ({n_major} {what}s + 1), "
            f"got shape {indptr.shape}"
        )
    if not np.issubdtype(indptr.dtype, np.integer) or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(
            f"{name}: indptr and indices must be integers, got {indptr.dtype} and {indices.dtype}"
        )
    if indices.ndim != 1 or np.ndim(X.data) != 1 or indices.shape[0] != n_stored:
        raise ValueError(
            f"{name}: indices and data must be 1-d of one length, got shapes {indices.shape} "
            f"and {np.shape(X.data)}"
        )
    if indptr[0] != 0:
        raise ValueError(f"{name}: indptr[0] must be 0, got {indptr[0]}")
    step = np.diff(indptr)
    if step.size and step.min() < 0:
        i = int(np.argmax(step < 0)) + 1
        raise ValueError(
            f"{name}: indptr decreases at position {i} ({indptr[i - 1]} then {indptr[i]}); "
            "it must be non-decreasing"
        )
    if indptr[-1] > n_stored:
        raise ValueError(
            f"{name}: indptr[{n_major}] = {indptr[-1]} exceeds the {n_stored} stored entries"
        )
    used = indices[: int(indptr[-1])]
    if used.size and (used.min() < 0 or used.max() >= n_minor):
        k = int(np.argmax((used < 0) | (used >= n_minor)))
        row = int(np.searchsorted(indptr, k, side="right")) - 1
        raise ValueError(
            f"{name}: indices[{k}] = {used[k]} ({what} {row}) is outside [0, {n_minor}), the "
            f"{other}s of a {X.shape[0]} x {X.shape[1]} matrix"
        )


def as_csr(
    X: MatrixLike,
    *,
    dtype: DTypeLike = np.float64,
    drop_zeros: bool = False,
    copy: bool = False,
    invalid: Optional[str] = None,
    name: str = "X",
) -> sp.csr_matrix:
    """X as a canonical CSR matrix (see the module docstring).

    ``copy=True`` always returns arrays of its own (for a result that is kept, such as a fitted
    model's training counts). ``invalid``: when given, a ValueError with this message is raised
    if any stored value is negative or not finite. A CSR or CSC input's structure is checked
    first (:func:`check_structure`; ``name`` is the argument the errors name).
    """
    check_structure(X, name)
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
