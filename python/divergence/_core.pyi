"""Type stubs for the compiled core (private: use the functions of `divergence`)."""

from typing import Callable, Optional, Tuple

import numpy as np
import numpy.typing as npt

# A CSR matrix as (indptr int64, indices int32, data float32/float64, n_cols).
_Csr = Tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.floating], int]

METRICS: Tuple[str, ...]

def pairwise_dense(
    X: npt.NDArray[np.floating],
    Y: Optional[npt.NDArray[np.floating]],
    out: npt.NDArray[np.floating],
    metric: str,
    alpha: float,
    base: float,
    normalize: bool,
    n_jobs: int,
    full_rows: bool = ...,
    block: int = ...,
) -> None: ...
def pairwise_sparse(
    X: _Csr,
    Y: Optional[_Csr],
    out: npt.NDArray[np.floating],
    metric: str,
    alpha: float,
    base: float,
    normalize: bool,
    n_jobs: int,
    full_rows: bool = ...,
) -> None: ...
def nearest_dense(
    X: npt.NDArray[np.floating],
    Y: Optional[npt.NDArray[np.floating]],
    k: int,
    indices: npt.NDArray[np.int64],
    values: npt.NDArray[np.floating],
    metric: str,
    alpha: float,
    base: float,
    normalize: bool,
    n_jobs: int,
) -> None: ...
def nearest_sparse(
    X: _Csr,
    Y: Optional[_Csr],
    k: int,
    indices: npt.NDArray[np.int64],
    values: npt.NDArray[np.floating],
    metric: str,
    alpha: float,
    base: float,
    normalize: bool,
    n_jobs: int,
) -> None: ...
def group_divergence(
    X: _Csr,
    labels: npt.NDArray[np.int32],
    K: int,
    metrics: list[str],
    alpha: float,
    base: float,
    n_bootstrap: int,
    n_permutations: int,
    seed: int,
    n_jobs: int,
    progress: Optional[Callable[[int, int], object]] = ...,
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def fast_log(x: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]: ...
