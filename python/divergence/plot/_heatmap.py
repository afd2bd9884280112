"""Heatmap of a group comparison (:func:`divergence.compare`), groups in clustered order."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from .. import Comparison
from .._util.types import PathLike
from ._style import FONT, figure, matrix_panel, save

__all__ = ["heatmap", "cluster_order"]


def cluster_order(M: np.ndarray) -> np.ndarray:
    """Leaf order of average-linkage clustering of a symmetric distance matrix."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    n = M.shape[0]
    if n < 3:
        return np.arange(n)
    D = np.array(M, dtype=np.float64)
    D = 0.5 * (D + D.T)
    D[~np.isfinite(D)] = np.nanmax(D[np.isfinite(D)]) if np.isfinite(D).any() else 1.0
    np.fill_diagonal(D, 0.0)
    return leaves_list(linkage(squareform(D, checks=False), method="average"))


def heatmap(result: Comparison, path: PathLike, metric: Optional[str] = None) -> Path:
    """Heatmap of a :class:`~divergence.Comparison` matrix in clustered order, with the
    values in the cells and non-significant pairs (p >= 0.05, when permutations were run)
    marked with a dagger."""
    metric = metric or result.metrics[0]
    M = result.matrix(metric).to_numpy()
    P = result.matrix(metric, "p_value").to_numpy()
    order = cluster_order(M)
    M = M[np.ix_(order, order)]
    P = P[np.ix_(order, order)]
    names = [str(result.groups[i]) for i in order]
    size = max(4.0, 0.7 * len(names) + 2)
    marks = np.where(np.isfinite(P) & (P >= 0.05), "†", "")
    with figure(path, figsize=(size, size * 0.85)) as (fig, ax):
        matrix_panel(fig, ax, M, names, names, digits=3, marks=marks)
        units = result.settings.get("units", "nats")
        ax.set_title(f"{metric}, plug-in ({units})")
        if (marks != "").any():  # the axis label sits below the tick labels, however long
            ax.set_xlabel("† permutation p >= 0.05", fontsize=FONT, loc="left")
        return save(fig, path)
