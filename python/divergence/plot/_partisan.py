"""Figures of leave-out partisanship and of stance divergences."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd

from .._partisan import Partisanship
from .._partisan_time import PartisanshipOverTime
from .._stance import StanceDivergence
from .._util.timeutil import when_text
from .._util.types import PathLike
from ._style import FONT, FONT_SMALL, FONT_TITLE, figure, matrix_panel, save

__all__ = ["plot_partisanship", "plot_stances"]


def plot_partisanship(result: Union[Partisanship, PartisanshipOverTime], path: PathLike) -> Path:
    """Partisanship figure: over time (leave-out with its interval, plug-in, shuffled-label
    baseline, 1/G) for :class:`PartisanshipOverTime`; the two estimators with intervals for
    :class:`Partisanship`."""
    n_win = (
        int(result.settings.get("n_windows", 0)) if isinstance(result, PartisanshipOverTime) else 0
    )
    with figure(path, figsize=(max(7.5, 2.5 + 0.4 * n_win), 4.6 if n_win else 4.2)) as (fig, ax):
        if isinstance(result, PartisanshipOverTime):
            t = result.table
            if not bool(t["scored"].any()):
                raise ValueError(
                    "plot: no window could be scored (see the reasons in the table or the notes)"
                )
            lo = t[t["estimator"] == "leave-out"]
            pi = t[t["estimator"] == "plug-in"]
            x = np.arange(len(lo))
            res_ = result.settings.get("resolution")
            half_open = result.settings.get("window_kind") == "time" or not isinstance(
                lo["window_start"].iloc[0], pd.Timestamp
            )
            labels = [
                (
                    f"[{when_text(a, res_)}, {when_text(b, res_)})"
                    if half_open
                    else f"{when_text(a, res_)} to {when_text(b, res_)}"
                )
                + ("" if ok else " (n/a)")
                for a, b, ok in zip(lo["window_start"], lo["window_end"], lo["scored"])
            ]
            # intervals as bars: visible for a window between unscored ones, and a percentile
            # interval need not contain the estimate
            cl, ch = lo["ci_low"].to_numpy(dtype=float), lo["ci_high"].to_numpy(dtype=float)
            ok = np.isfinite(cl) & np.isfinite(ch)
            if ok.any():
                ax.vlines(
                    x[ok], cl[ok], ch[ok], color="C0", lw=4, alpha=0.35, label="leave-out interval"
                )
            ax.plot(x, lo["value"].to_numpy(dtype=float), "o-", color="C0", label="leave-out")
            ax.plot(x, pi["value"].to_numpy(dtype=float), "s--", color="C1", label="plug-in")
            if lo["null_mean"].notna().any():
                ax.plot(
                    x,
                    pi["null_mean"].to_numpy(dtype=float),
                    ":",
                    marker="x",
                    ms=4,
                    color="C1",
                    label="plug-in, shuffled labels",
                )
                ax.plot(
                    x,
                    lo["null_mean"].to_numpy(dtype=float),
                    ":",
                    marker="x",
                    ms=4,
                    color="C0",
                    label="leave-out, shuffled labels",
                )
            chance = lo["chance"].to_numpy(dtype=float)
            levels = np.unique(chance[np.isfinite(chance)])
            if len(levels) == 1:
                ax.axhline(float(levels[0]), color="grey", lw=1, label="1/G (no difference)")
            else:
                ax.plot(
                    x,
                    chance,
                    color="grey",
                    lw=1,
                    drawstyle="steps-mid",
                    label="1/G (no difference)",
                )
            ax.set_xticks(x)
            ax.set_xticklabels(labels, rotation=90, fontsize=FONT)
            for tick, ok in zip(ax.get_xticklabels(), lo["scored"]):
                if not ok:
                    tick.set_color("grey")
            ax.set_xlabel(
                "window"
                + (" (n/a: not scored, see the table's reason)" if not lo["scored"].all() else "")
            )
            s_ = result.settings
            ax.set_title(
                f"partisanship by window ({s_.get('window')}, step {s_.get('step')})",
                fontsize=FONT_TITLE,
            )
        else:
            t = result.table
            x = np.arange(len(t))
            # intervals drawn as bars (a percentile interval need not contain the estimate)
            ok = t["ci_low"].notna().to_numpy()
            if ok.any():
                ax.vlines(
                    x[ok],
                    t["ci_low"][ok],
                    t["ci_high"][ok],
                    color="C0",
                    lw=3,
                    alpha=0.4,
                    label="interval",
                )
            ax.plot(x, t["value"], "o", color="C0", label="estimate")
            if t["null_mean"].notna().any():
                ax.plot(x, t["null_mean"], "x", color="C3", label="shuffled-label mean")
            ax.axhline(result.chance, color="grey", lw=1, label="1/G (no difference)")
            ax.set_xticks(x)
            ax.set_xticklabels(list(t["estimator"]))
            ax.set_xlim(-0.6, len(t) - 0.4)
        ax.set_ylabel("partisanship\n(posterior on the true group)")
        if isinstance(result, PartisanshipOverTime):
            fig.legend(fontsize=FONT, loc="outside right upper")
        else:
            ax.legend(fontsize=FONT, loc="best")
        return save(fig, path)


def plot_stances(result: StanceDivergence, path: PathLike, metric: Optional[str] = None) -> Path:
    """One heatmap per target of the stance divergence between groups."""
    metric = metric or result.metrics[0]
    n = len(result.targets)
    cols = min(3, n)
    rws = (n + cols - 1) // cols
    g = max([len(result.matrix(t, metric)) for t in result.targets] + [1])
    side = max(4.2, 0.5 * g + 2.2)  # a cell wide enough for its value
    with figure(path, rws, cols, figsize=(side * cols, 0.9 * side * rws), squeeze=False) as (
        fig,
        axes,
    ):
        panels = axes.ravel()
        for ax, target in zip(panels, result.targets):
            M = result.matrix(target, metric)
            if M.shape[0] == 0:
                ax.set_axis_off()
                continue
            matrix_panel(
                fig,
                ax,
                M.to_numpy(dtype=float),
                M.index,
                M.columns,
                digits=2,
                fontsize=FONT_SMALL,
                tick_fontsize=FONT_SMALL,
            )
            ax.set_title(str(target), fontsize=9)
        for ax in panels[n:]:
            ax.set_axis_off()
        fig.suptitle(f"stance divergence ({metric})", fontsize=FONT_TITLE)
        return save(fig, path)
