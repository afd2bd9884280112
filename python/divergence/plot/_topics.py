"""Figure of a topic comparison: topic prevalence by group."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from .. import TopicComparison
from .._util.types import PathLike
from ._style import FONT, colours, figure, figure_format, save

__all__ = ["prevalence_plot"]


def prevalence_plot(
    result: TopicComparison, path: PathLike, groups: Optional[Sequence[str]] = None
) -> Path:
    """Dot plot of topic prevalence by group: one row per topic (labelled by its top words),
    one marker per group at its mean topic share, with the bootstrap interval as a bar.

    ``result`` is a :class:`~divergence.TopicComparison`; ``groups`` limits the plot to
    some groups (default: all). Written to ``path`` (.png, .svg or .pdf)."""
    figure_format(path)
    names = list(result.groups) if groups is None else [str(g) for g in groups]
    unknown = [g for g in names if g not in result.groups]
    if unknown:
        raise ValueError(f"groups: not in the comparison: {', '.join(unknown)}")
    P = result.prevalence
    k = len(result.labels)
    G = len(names)
    height = max(3.0, 0.45 * k * max(1.0, G / 3) + 1.2)
    with figure(path, figsize=(8.0, height)) as (fig, ax):
        span = 0.7
        offs = np.linspace(-span / 2, span / 2, G) if G > 1 else np.zeros(1)
        for gi, (g, c) in enumerate(zip(names, colours(G))):
            sub = P[P["group"] == g].sort_values("topic")
            y = np.arange(k) + offs[gi]
            x = sub["prevalence"].to_numpy()
            lo, hi = sub["ci_low"].to_numpy(), sub["ci_high"].to_numpy()
            has_ci = np.isfinite(lo) & np.isfinite(hi)
            if has_ci.any():
                ax.hlines(y[has_ci], lo[has_ci], hi[has_ci], color=c, lw=1.6, alpha=0.8)
            ax.plot(x, y, "o", color=c, ms=5, label=g)
        ax.set_yticks(np.arange(k), labels=[str(lab) for lab in result.labels])
        ax.invert_yaxis()
        for t in range(k - 1):
            ax.axhline(t + 0.5, color="0.9", lw=0.8, zorder=0)
        ax.set_xlim(left=0)
        ax.set_xlabel("prevalence (mean topic share of the group's statements)")
        ci = result.settings.get("ci", 0.95)
        if result.settings.get("bootstrap"):
            ax.set_title(f"Topic prevalence by group ({int(round(ci * 100))}% bootstrap intervals)")
        else:
            ax.set_title("Topic prevalence by group")
        ax.legend(loc="best", fontsize=FONT, frameon=False)
        return save(fig, path)
