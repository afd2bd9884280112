"""Figures for every analysis (matplotlib, drawn off-screen, written atomically).

One module per analysis; shared style and saving in ``_style``. Analyses never import this
package: figures sit above them, beside the CLI.
"""

from __future__ import annotations

from ._drift import drift_plot, series_key
from ._heatmap import cluster_order, heatmap
from ._partisan import plot_partisanship, plot_stances
from ._scaling import scaling_plot
from ._stance import plot_stance_shares
from ._style import figure_format, save
from ._terms import MAX_TERM_PANELS, term_panels, terms_plot
from ._topics import prevalence_plot

__all__ = [
    "MAX_TERM_PANELS",
    "cluster_order",
    "drift_plot",
    "figure_format",
    "heatmap",
    "plot_partisanship",
    "plot_stance_shares",
    "plot_stances",
    "prevalence_plot",
    "save",
    "scaling_plot",
    "series_key",
    "term_panels",
    "terms_plot",
]
