"""Figure of a scaling (Wordfish or Wordscores): documents on the dimension with their
intervals, group means as bands, and Wordfish's feature parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import numpy as np
import pandas as pd

from .._util.types import PathLike
from ._style import FONT_SMALL, FONT_TINY, colours, figure, place_labels, save

__all__ = ["scaling_plot"]


def scaling_plot(
    documents: pd.DataFrame,
    path: PathLike,
    *,
    position: str = "theta",
    interval: Tuple[str, str] = ("ci_low", "ci_high"),
    groups: Optional[pd.DataFrame] = None,
    features: Optional[pd.DataFrame] = None,
) -> Path:
    """Documents in order of ``position`` (a column of ``documents``, e.g. Wordfish's
    ``theta`` or Wordscores' ``lbg``), with the ``interval`` columns as error bars; each group's
    mean (``groups``: Wordfish's or Wordscores' ``group_positions``) as a line in a band of its
    interval (the bootstrap one when the table has it); with ``features`` (Wordfish's
    ``features()``), a second panel of beta against psi naming the 20 most discriminating."""
    lo, hi = interval
    ncol = 2 if features is not None else 1
    n = len(documents)
    with figure(path, 1, ncol, figsize=(6 * ncol, max(3.0, 0.25 * n + 1.0)), squeeze=False) as (
        fig,
        axes,
    ):
        ax = axes[0, 0]
        d = documents.sort_values(position).reset_index(drop=True)
        y = np.arange(n)
        err = [np.maximum(d[position] - d[lo], 0), np.maximum(d[hi] - d[position], 0)]
        ax.errorbar(d[position], y, xerr=err, fmt="o", color="black", ms=4, capsize=2)
        ax.set_yticks(y)
        ax.set_yticklabels([str(x)[:30] for x in d["document"]], fontsize=FONT_SMALL)
        ax.set_xlabel("position")
        ax.set_title("documents (and group means)")
        if groups is not None:
            glo, ghi = (
                ("boot_low", "boot_high") if "boot_low" in groups.columns else ("ci_low", "ci_high")
            )
            for r, c in zip(groups.itertuples(), colours(len(groups))):
                ax.axvspan(
                    getattr(r, glo),
                    getattr(r, ghi),
                    alpha=0.15,
                    color=c,
                    label=f"{r.group} ({r.theta:.2f})",
                )
                ax.axvline(r.theta, color=c, lw=1)
            ax.legend(fontsize=FONT_SMALL, loc="best")
        if features is not None:
            ax2 = axes[0, 1]
            ax2.scatter(features["beta"], features["psi"], s=4, alpha=0.4, color="gray")
            top = features.reindex(features["beta"].abs().sort_values(ascending=False).index).head(
                20
            )
            ax2.set_xlabel("beta (discrimination)")
            ax2.set_ylabel("psi (frequency)")
            ax2.set_title("features (20 most discriminating named where room)")
            place_labels(
                ax2,
                top["beta"].to_numpy(),
                top["psi"].to_numpy(),
                [str(f) for f in top["feature"]],
                fontsize=FONT_TINY,
            )
        return save(fig, path)
