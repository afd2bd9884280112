"""Figure of distinguishing terms (:func:`divergence.distinguishing_terms`): per pair of
groups, each term's log-odds z against how often the pair uses it, the top terms labelled."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .._util.types import PathLike
from ._style import FONT, FONT_SMALL, figure, figure_format, place_labels, save

__all__ = ["terms_plot", "term_panels", "MAX_TERM_PANELS"]

MAX_TERM_PANELS = 12  # beyond this a panel is too small to read: choose pairs
_SIDE_A, _SIDE_B, _CLOUD = "C0", "C3", "0.75"
_Z = 1.96  # |z| above it: the usual two-sided 5% reading of a z-score


def _pairs_of(table: pd.DataFrame) -> List[Tuple[str, str]]:
    return [(str(a), str(b)) for a, b in dict.fromkeys(zip(table["group_a"], table["group_b"]))]


def term_panels(
    terms: pd.DataFrame, pairs: Optional[Sequence[Tuple[str, str]]] = None
) -> List[Tuple[str, str]]:
    """The pairs :func:`terms_plot` draws for ``pairs`` (default: every pair of ``terms``);
    ValueError for a pair not in the table or more than :data:`MAX_TERM_PANELS`."""
    available = _pairs_of(terms)
    if pairs is None:
        chosen = available
    else:
        chosen = []
        for a, b in pairs:
            a, b = str(a), str(b)
            b = "(rest)" if b == "rest" else b
            hit = [p for p in available if p in ((a, b), (b, a))]
            if not hit:
                known = ", ".join(f"{x} vs {y}" for x, y in available[:8])
                more = ", ..." if len(available) > 8 else ""
                raise ValueError(f"pairs: no pair {a} vs {b} in the table (pairs: {known}{more})")
            chosen.extend(p for p in hit if p not in chosen)
    if not chosen:
        raise ValueError("terms: the table has no pair of groups to draw")
    if len(chosen) > MAX_TERM_PANELS:
        raise ValueError(
            f"pairs: {len(chosen)} pairs are too many panels for one figure (at most"
            f" {MAX_TERM_PANELS}); choose some pairs (or compare each group with the rest)"
        )
    return chosen


def terms_plot(
    terms: pd.DataFrame,
    path: PathLike,
    *,
    cloud: Optional[pd.DataFrame] = None,
    pairs: Optional[Sequence[Tuple[str, str]]] = None,
    label: int = 10,
) -> Path:
    """One panel per pair of groups: each term's log-odds z (y; above 0 typical of the pair's
    first group, below 0 of the second) against the number of times the pair uses it (x, log
    scale), the ``label`` terms of largest |z| on each side named beside their points (labels
    never overlap; one with no free place is left out), dotted lines at |z| = 1.96.

    ``terms`` is a table of :func:`divergence.distinguishing_terms` (its top terms are drawn in
    colour); ``cloud``, optional, the same table for every term (``top`` = the vocabulary size),
    drawn in grey behind them. ``pairs`` chooses panels as (group_a, group_b) (either order;
    ``"rest"`` for a group against the rest); default every pair of the table, at most
    :data:`MAX_TERM_PANELS`. Written to ``path`` (.png, .svg or .pdf)."""
    figure_format(path)
    need = {"group_a", "group_b", "term", "z", "count_a", "count_b"}
    missing = sorted(need - set(terms.columns))
    if missing:
        raise ValueError(f"terms: missing columns {', '.join(missing)}")
    if label < 0:
        raise ValueError(f"label: must be >= 0, got {label}")
    chosen = term_panels(terms, pairs)
    n = len(chosen)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    with figure(path, rows, cols, figsize=(5.4 * cols, 4.4 * rows), squeeze=False) as (fig, axes):
        panels = axes.ravel()
        for ax in panels[n:]:
            ax.set_axis_off()
        for ax, (a, b) in zip(panels, chosen):
            sel = (terms["group_a"].astype(str) == a) & (terms["group_b"].astype(str) == b)
            top = terms[sel]
            if cloud is not None:
                cs = cloud[
                    (cloud["group_a"].astype(str) == a) & (cloud["group_b"].astype(str) == b)
                ]
                cs = cs[~cs["term"].isin(top["term"])]
                ax.scatter(
                    cs["count_a"] + cs["count_b"], cs["z"], s=4, color=_CLOUD, lw=0, zorder=1
                )
            x = (top["count_a"] + top["count_b"]).to_numpy(dtype=float)
            z = top["z"].to_numpy(dtype=float)
            colour = np.where(z > 0, _SIDE_A, _SIDE_B)
            ax.scatter(x, z, s=10, c=list(colour), lw=0, zorder=2)
            ax.set_xscale("log")
            ax.axhline(0.0, color="0.4", lw=0.8, zorder=0)
            for level in (_Z, -_Z):
                ax.axhline(level, color="0.6", lw=0.6, ls=":", zorder=0)
            side = textwrap.fill(f"z above 0: typical of {a}; below 0: of {b}", 70)
            ax.set_title(f"{a} vs {b}\n{side}", fontsize=FONT)
            ax.set_xlabel("uses in the pair (log scale)", fontsize=FONT)
            ax.set_ylabel("log-odds z", fontsize=FONT)
            ax.tick_params(labelsize=FONT_SMALL)
            if len(z):
                span = max(float(np.max(np.abs(z))), _Z) * 1.25
                ax.set_ylim(-span, span)
            every = x if cloud is None else np.concatenate([x, cs["count_a"] + cs["count_b"]])
            lo_x, hi_x = (float(every.min()), float(every.max())) if len(every) else (1.0, 10.0)
            ax.set_xlim(max(lo_x, 0.5) / 1.6, hi_x * 2.5)  # room for labels on both sides
        for ax, (a, b) in zip(panels, chosen):
            sel = (terms["group_a"].astype(str) == a) & (terms["group_b"].astype(str) == b)
            top = terms[sel]
            order = []
            for sign in (1, -1):  # the `label` largest |z| of each side, then by |z|
                side = top[np.sign(top["z"]) == sign]
                order.extend(
                    side.reindex(side["z"].abs().sort_values(ascending=False).index)
                    .head(label)
                    .index
                )
            pick = top.loc[order]
            pick = pick.reindex(pick["z"].abs().sort_values(ascending=False).index)
            place_labels(
                ax,
                (pick["count_a"] + pick["count_b"]).to_numpy(dtype=float),
                pick["z"].to_numpy(dtype=float),
                [str(t) for t in pick["term"]],
                colors=[_SIDE_A if v > 0 else _SIDE_B for v in pick["z"]],
                fontsize=FONT_SMALL,
            )
        return save(fig, path)
