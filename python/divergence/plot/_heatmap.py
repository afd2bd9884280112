"""Figures (matplotlib, drawn off-screen and written atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np

from ._style import figure_format, save

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


def heatmap(result: Any, path: Any, metric: Optional[str] = None) -> Path:
    """Heatmap of a :class:`~divergence.compare.Comparison` matrix in clustered order, with the
    values in the cells and non-significant pairs (p >= 0.05, when permutations were run)
    marked with a dagger."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figure_format(path)
    metric = metric or result.metrics[0]
    M = result.matrix(metric).to_numpy()
    P = result.matrix(metric, "p_value").to_numpy()
    order = cluster_order(M)
    M = M[np.ix_(order, order)]
    P = P[np.ix_(order, order)]
    names = [str(result.groups[i]) for i in order]
    n = len(names)
    size = max(4.0, 0.7 * n + 2)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    try:
        off = ~np.eye(n, dtype=bool)
        finite = M[off & np.isfinite(M)]
        vmax = float(finite.max()) if finite.size else 1.0
        vmin = float(finite.min()) if finite.size else 0.0
        shown = np.where(off, M, np.nan)  # the zero diagonal would squash the colour scale
        im = ax.imshow(shown, cmap="viridis", vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1e-12)
        ax.set_xticks(range(n), labels=names, rotation=45, ha="right")
        ax.set_yticks(range(n), labels=names)
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                v = M[i, j]
                mark = "†" if np.isfinite(P[i, j]) and P[i, j] >= 0.05 else ""
                colour = "white" if v < vmin + 0.6 * (vmax - vmin) else "black"
                ax.text(j, i, f"{v:.3f}{mark}", ha="center", va="center", fontsize=8, color=colour)
        units = result.settings.get("units", "nats")
        ax.set_title(f"{metric} between groups ({units})")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        if result.settings.get("permutations"):
            fig.text(0.01, 0.01, "† permutation p >= 0.05", fontsize=8)
        return save(fig, path)
    finally:
        plt.close(fig)
