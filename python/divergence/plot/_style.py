"""Shared figure handling: the look (sizes, fonts, colour maps), matplotlib off-screen, the
supported file types, atomic saving, and the open-draw-save-close frame every figure uses."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.transforms import Bbox

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


def plain_numbers(fig: Any) -> None:
    """Tick labels as plain numbers on every axis and colour bar of ``fig``: no offset
    ("1e-12+1.3e-1") and no scientific multiplier, which sit in a corner of the axes and run
    into titles. Only the default number formatter is replaced (log, date and categorical
    axes keep theirs)."""
    from matplotlib.ticker import ScalarFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                plain = ScalarFormatter(useOffset=False)
                plain.set_scientific(False)
                axis.set_major_formatter(plain)


def save(fig: Any, path: PathLike) -> Path:  # fig: a matplotlib Figure
    """Write ``fig`` to ``path`` atomically (the type from the suffix), numbers plain."""
    fmt = figure_format(path)
    plain_numbers(fig)
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
    ends. Arguments as :func:`matplotlib.pyplot.subplots`; the layout is constrained (titles,
    labels, colour bars and legends placed outside the axes fit inside the figure) unless
    ``layout`` says otherwise."""
    figure_format(path)
    plt = pyplot()
    subplots.setdefault("layout", "constrained")
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
    # one distinct value (two groups): a scale of +-10% around it, not a zero-width one
    pad = 0.0 if hi > lo else (0.1 * abs(lo) or 1.0)
    im = ax.imshow(np.where(off, M, np.nan), cmap=MATRIX_CMAP, vmin=lo - pad, vmax=hi + pad)
    ticks = {} if tick_fontsize is None else {"fontsize": tick_fontsize}
    # vertical column labels: long group names never run into each other
    ax.set_xticks(range(M.shape[1]), labels=[str(c) for c in cols], rotation=90, **ticks)
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


def text_extent(text: Any, renderer: Any) -> Any:
    """The window extent of a Text's letters alone (an annotation's arrow left out)."""
    from matplotlib.text import Text

    return Text.get_window_extent(text, renderer)


def _free(box: Any, placed: List[Any], inside: Any) -> bool:
    if box.x0 < inside.x0 or box.x1 > inside.x1 or box.y0 < inside.y0 or box.y1 > inside.y1:
        return False
    return not any(box.overlaps(other) for other in placed)


def place_labels(
    ax: Any,
    x: Sequence[float],
    y: Sequence[float],
    labels: Sequence[str],
    *,
    colors: Optional[Sequence[Any]] = None,
    fontsize: int = FONT_SMALL,
) -> int:
    """Label the points (``x``, ``y``) of ``ax`` in the given order (most important first),
    each beside its point or, failing that, further out with a thin leader line, never over
    another label or outside the axes; a label with no free place is left out. The figure's
    layout is drawn first and then frozen (once per figure), so that the places found stay
    where they are: set the axis limits before. Returns how many labels were left out."""
    fig = ax.figure
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if not isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        fig.canvas.draw()  # the final layout (constrained) and axis limits
        fig.set_layout_engine("none")
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer).padded(-2)
    placed = [text_extent(t, renderer) for t in ax.texts if t.get_visible() and t.get_text()]
    px = fig.dpi / 72.0  # pixels per point
    left_out = 0
    for i, (xi, yi, text) in enumerate(zip(x, y, labels)):
        colour = "black" if colors is None else colors[i]
        probe = ax.text(0, 0, str(text), fontsize=fontsize)
        size = text_extent(probe, renderer)
        probe.remove()
        w, h = size.width + 2, size.height + 2
        X, Y = ax.transData.transform((xi, yi))
        done = False
        for dist in (3, 10, 18, 28, 40):
            for dx, dy in ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)):
                ax_, ay_ = X + dx * dist * px, Y + dy * dist * px
                x0 = ax_ - 1 if dx > 0 else ax_ - w + 1 if dx < 0 else ax_ - w / 2
                y0 = ay_ - 1 if dy > 0 else ay_ - h + 1 if dy < 0 else ay_ - h / 2
                box = Bbox.from_bounds(x0, y0, w, h)
                if not _free(box, placed, inside):
                    continue
                ann = ax.annotate(
                    str(text),
                    (xi, yi),
                    xytext=(dx * dist, dy * dist),
                    textcoords="offset points",
                    ha="left" if dx > 0 else "right" if dx < 0 else "center",
                    va="bottom" if dy > 0 else "top" if dy < 0 else "center",
                    fontsize=fontsize,
                    color=colour,
                    arrowprops=None if dist <= 3 else dict(arrowstyle="-", lw=0.4, color="0.5"),
                )
                ann.update_positions(renderer)
                real = text_extent(ann, renderer).padded(1)
                if not _free(real, placed, inside):  # the estimate was off: try on
                    ann.remove()
                    continue
                placed.append(real)
                done = True
                break
            if done:
                break
        if not done:
            left_out += 1
    return left_out
