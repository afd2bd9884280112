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

_LEGEND_ROWS = 22  # legend entries per column


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
    """Line chart of ``value`` per curve over window midpoints (or window index) -- of
    ``corrected`` where the table has it, the plug-in ``value`` then dotted --, the bootstrap
    band (``ci_low``..``ci_high``, the interval of the solid line) shaded, the null mean
    dashed, and change points (a frame with ``series`` and ``position`` columns, position =
    index of the window within its curve, as :func:`divergence.drift_changepoints` returns
    them) as dotted vertical lines."""
    keys = series_key(table)
    curves = pd.unique(keys)
    n_col = -(-len(curves) // _LEGEND_ROWS)  # legend columns beside the axes
    size = (WIDE[0] + 2.2 * n_col, WIDE[1])
    band = mean = False
    # With a bias-corrected estimate (drift between groups) the solid line is that estimate,
    # the one the band belongs to, and the plug-in value is dotted.
    corrected = "corrected" in table.columns and bool(table["corrected"].notna().any())
    with figure(path, figsize=size) as (fig, ax):
        for k, c in zip(curves, colours(len(curves))):
            sub = table[keys == k]
            x = _x(sub)
            y = sub["corrected" if corrected else "value"].to_numpy(dtype=float)
            ax.plot(x, y, marker="o", ms=3, lw=1.5, color=c, label=str(k))
            if corrected:
                ax.plot(x, sub["value"].to_numpy(dtype=float), ls=":", lw=1, color=c)
            lo, hi = sub["ci_low"].to_numpy(dtype=float), sub["ci_high"].to_numpy(dtype=float)
            if np.isfinite(lo).any():
                ax.fill_between(x, lo, hi, color=c, alpha=SHADE, lw=0)
                band = True
            nm = sub["null_mean"].to_numpy(dtype=float)
            if np.isfinite(nm).any():
                ax.plot(x, nm, ls="--", lw=1, color=c)
                mean = True
            if changepoints is not None and len(changepoints):
                cps = changepoints[changepoints["series"] == k]
                xs = np.asarray(x)
                for pos in cps["position"].to_numpy():
                    j = int(pos)
                    if 0 <= j < len(xs):
                        ax.axvline(xs[j], color=c, ls=":", lw=1.2)
        if corrected:
            ax.plot([], [], color="grey", marker="o", ms=3, lw=1.5, label="bias-corrected")
            ax.plot([], [], color="grey", ls=":", lw=1, label="plug-in")
        withheld = "reason" in table.columns and bool(
            table["reason"].astype(str).str.contains("undersampled").any()
        )
        if withheld:  # intervals not given for some windows: say why where the eye looks
            ax.plot([], [], ls="none", label="no band: undersampled\n(see the reason column)")
        if band:  # one entry for the style of every curve's band and null mean
            what = "interval of bias-corrected" if corrected else "bootstrap band"
            ax.fill_between([], [], [], color="grey", alpha=SHADE, lw=0, label=what)
        if mean:
            ax.plot([], [], color="grey", ls="--", lw=1, label="null mean")
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
        fig.legend(fontsize=FONT_SMALL, loc="outside right upper", ncols=n_col)
        if pd.api.types.is_datetime64_any_dtype(table["window_start"]):
            from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

            # few horizontal date labels: rotated ones run into each other on narrow axes
            locator = AutoDateLocator(minticks=3, maxticks=7)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        return save(fig, path)
