"""Figure of a drift table: one line per group (or pair of groups) over time, with the bootstrap
band, the permutation null mean and change points (matplotlib, off-screen, written atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from .. import series_key
from .._util.types import PathLike
from ._style import FONT_SMALL, SHADE, WIDE, colours, figure, save

__all__ = ["drift_plot", "series_key"]


def _x(sub: pd.DataFrame) -> Any:
    s = sub["window_start"]
    e = sub["window_end"]
    if pd.api.types.is_datetime64_any_dtype(s) and pd.api.types.is_datetime64_any_dtype(e):
        return s + (e - s) / 2  # window midpoints
    return sub["window"].to_numpy()


def drift_plot(
    table: pd.DataFrame,
    path: PathLike,
    changepoints: Optional[pd.DataFrame] = None,
    title: Optional[str] = None,
) -> Path:
    """Line chart of ``value`` per curve over window midpoints (or window index), the bootstrap
    band (``ci_low``..``ci_high``) shaded, the null mean dashed, and change points (a frame with
    ``series`` and ``position`` columns, position = index of the window within its curve, as
    :func:`divergence.drift_changepoints` returns them) as dotted vertical lines."""
    keys = series_key(table)
    curves = pd.unique(keys)
    with figure(path, figsize=WIDE) as (fig, ax):
        for k, c in zip(curves, colours(len(curves))):
            sub = table[keys == k]
            x = _x(sub)
            ax.plot(x, sub["value"].to_numpy(), marker="o", ms=3, lw=1.5, color=c, label=str(k))
            lo, hi = sub["ci_low"].to_numpy(dtype=float), sub["ci_high"].to_numpy(dtype=float)
            if np.isfinite(lo).any():
                ax.fill_between(x, lo, hi, color=c, alpha=SHADE, lw=0, label=f"{k}: bootstrap band")
            nm = sub["null_mean"].to_numpy(dtype=float)
            if np.isfinite(nm).any():
                ax.plot(x, nm, ls="--", lw=1, color=c, label=f"{k}: null mean")
            if changepoints is not None and len(changepoints):
                cps = changepoints[changepoints["series"] == k]
                xs = np.asarray(x)
                for pos in cps["position"].to_numpy():
                    j = int(pos)
                    if 0 <= j < len(xs):
                        ax.axvline(xs[j], color=c, ls=":", lw=1.2)
        if changepoints is not None and len(changepoints):
            ax.plot([], [], color="grey", ls=":", label="change point")
        st = table.attrs or {}
        metric = table["metric"].iloc[0] if "metric" in table.columns and len(table) else "value"
        units = st.get("units", "")
        ax.set_ylabel(f"{metric}" + (f" ({units})" if units and units != "none" else ""))
        ax.set_xlabel(
            "window midpoint"
            if pd.api.types.is_datetime64_any_dtype(table["window_start"])
            else "window"
        )
        mode = st.get("mode", "")
        ax.set_title(
            title or f"drift ({mode}, window {st.get('window', '?')}, step {st.get('step', '?')})"
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=FONT_SMALL, loc="best")
        fig.autofmt_xdate()
        return save(fig, path)
