"""Figure of stance shares from partial hand codes (:func:`divergence.stance_shares`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._stance_ppi import ESTIMATORS, StanceShares
from .._util.types import PathLike
from ._style import FONT, FONT_SMALL, FONT_TITLE, figure, save

__all__ = ["plot_stance_shares"]

_LABELS = {
    "ppi": "prediction-powered (PPI++)",
    "classical": "hand codes only",
    "naive": "predictions as truth",
}


def plot_stance_shares(result: StanceShares, path: PathLike) -> Path:
    """One panel per target: each group's share of each stance, the three estimates side by
    side with their intervals (cells with too few hand codes are marked, not drawn)."""
    wide = result.side_by_side()
    targets = result.targets
    n_x = max(1, len(result.groups) * len(result.stances))
    with figure(
        path, nrows=len(targets), ncols=1, figsize=(max(7.0, 1.0 + 0.55 * n_x), 2.6 * len(targets))
    ) as (fig, axes):
        axes = np.atleast_1d(axes)
        offsets = dict(zip(ESTIMATORS, (-0.22, 0.0, 0.22)))
        for ax, target in zip(axes, targets):
            t = wide[wide["target"] == target].reset_index(drop=True)
            x = np.arange(len(t), dtype=float)
            for ci, est in enumerate(ESTIMATORS):
                v = t[est].to_numpy(dtype=float)
                lo = t[f"{est}_low"].to_numpy(dtype=float)
                hi = t[f"{est}_high"].to_numpy(dtype=float)
                ok = np.isfinite(v)
                ax.errorbar(
                    x[ok] + offsets[est],
                    v[ok],
                    yerr=np.vstack([v[ok] - lo[ok], hi[ok] - v[ok]]),
                    fmt="o",
                    ms=4,
                    capsize=2,
                    color=f"C{ci}",
                    label=_LABELS[est],
                )
            for xi, status in zip(x, t["status"]):
                if status != "ok":
                    ax.text(
                        xi, 0.5, "too few\nlabels", ha="center", va="center", fontsize=FONT_SMALL
                    )
            ax.set_xticks(x)
            ax.set_xticklabels(
                [f"{g}\n{s}" for g, s in zip(t["group"], t["stance"])], fontsize=FONT_SMALL
            )
            ax.set_xlim(-0.5, len(t) - 0.5)
            ax.set_ylim(-0.05, 1.05)
            ax.set_ylabel("share", fontsize=FONT)
            ax.set_title(str(target), fontsize=FONT_TITLE)
            ax.grid(axis="y", alpha=0.3)
        axes[0].legend(fontsize=FONT_SMALL, ncol=3, loc="upper center", bbox_to_anchor=(0.5, 1.45))
        return save(fig, path)
