"""Shared figure handling: the look (sizes, fonts, colour maps), matplotlib off-screen, the
supported file types, atomic saving, and the open-draw-save-close frame every figure uses."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .._output import atomic_write
from .._util.types import PathLike

__all__ = ["figure_format", "save"]

_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

DPI = 150
WIDE = (9.0, 4.5)  # a figure with time (or windows) along x
MATRIX_CMAP = "viridis"  # heatmaps of divergences
FONT_TINY, FONT_SMALL, FONT, FONT_TITLE = 6, 7, 8, 10
SHADE = 0.2  # alpha of bands and spans


def figure_format(path: PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(
            f"plot: unsupported file type {suffix or '(none)'!r} for {path}; use .png, .svg or .pdf"
        )
    return _FORMATS[suffix]


def save(fig: Any, path: PathLike) -> Path:  # fig: a matplotlib Figure
    fmt = figure_format(path)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(p, lambda f: fig.savefig(f, format=fmt, bbox_inches="tight", dpi=DPI))
    return p


def pyplot() -> Any:
    """``matplotlib.pyplot`` drawing off-screen (Agg), unless a backend was chosen already."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


@contextmanager
def figure(
    path: PathLike, nrows: int = 1, ncols: int = 1, **subplots: Any
) -> Iterator[Tuple[Any, Any]]:
    """``with figure(path, figsize=...) as (fig, ax):`` draw, then ``return save(fig, path)``.

    The file type is checked before anything is drawn; the figure is closed however the block
    ends. Arguments as :func:`matplotlib.pyplot.subplots`."""
    figure_format(path)
    plt = pyplot()
    fig, ax = plt.subplots(nrows, ncols, **subplots)
    try:
        yield fig, ax
    finally:
        plt.close(fig)


def colours(n: int) -> List[Tuple[float, float, float, float]]:
    """``n`` distinguishable colours, one per series or group: tab10, tab20 beyond ten (cycled
    beyond twenty)."""
    cmap = pyplot().get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def matrix_panel(
    fig: Any,
    ax: Any,
    values: np.ndarray,
    rows: Sequence[object],
    cols: Sequence[object],
    *,
    digits: int,
    fontsize: Optional[int] = None,
    tick_fontsize: Optional[int] = None,
    marks: Optional[np.ndarray] = None,
) -> Any:
    """A square group-by-group matrix as an image with its values written in the cells (and
    ``marks[i, j]`` after them) and a colour bar. The diagonal (a group against itself) is left
    blank so that it does not squash the colour scale."""
    M = np.asarray(values, dtype=float)
    off = ~np.eye(M.shape[0], M.shape[1], dtype=bool)
    finite = M[off & np.isfinite(M)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 1.0
    im = ax.imshow(
        np.where(off, M, np.nan), cmap=MATRIX_CMAP, vmin=lo, vmax=hi if hi > lo else lo + 1e-12
    )
    ticks = {} if tick_fontsize is None else {"fontsize": tick_fontsize}
    ax.set_xticks(
        range(M.shape[1]), labels=[str(c) for c in cols], rotation=45, ha="right", **ticks
    )
    ax.set_yticks(range(M.shape[0]), labels=[str(r) for r in rows], **ticks)
    for i, j in zip(*np.nonzero(off & np.isfinite(M))):
        v = M[i, j]
        dark = v < lo + 0.6 * (hi - lo)  # light text on the dark end of viridis
        text = f"{v:.{digits}f}" + ("" if marks is None else str(marks[i, j]))
        ax.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=fontsize or FONT,
            color="white" if dark else "black",
        )
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return im
