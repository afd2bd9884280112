"""divergence: how far apart are parties' stated positions?

Divergence measures between statement distributions (bag-of-words counts or topic mixtures),
on a compiled C++ core: pairwise matrices and nearest statements (:func:`pairwise`,
:func:`nearest`), group comparison with bootstrap intervals and permutation nulls
(:func:`compare`), distinguishing terms, drift over time (:func:`drift`), topic models
(:class:`TopicModel`), position scaling (:class:`Wordfish`, :class:`Wordscores`) and leave-out
partisanship (:func:`partisanship`). Natural logarithms (nats) unless ``base`` is given.

This file is the public face: every public name is imported here from a private module
(``_compare``, ``_drift``, ...), so no function shadows a module. See CONTRIBUTING.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._bias import JSDBias, jsd_bias, jsd_bias_pairs
from ._changepoints import changepoints, drift_changepoints, series_key
from ._compare import Comparison, compare
from ._corpus import Corpus, CorpusError
from ._dask import dask_compare, dask_drift, dask_partisanship, dask_terms
from ._drift import drift, parse_window
from ._engine import check_memory
from ._measures import cdist, contributions, divergence, group_matrix, nearest, pairwise, pdist
from ._neighbours import nearest_statements
from ._novelty import novelty, token_drift
from ._output import example_path, verify_manifest, write_example
from ._partisan import Partisanship, partisanship
from ._partisan_time import PartisanshipOverTime, partisanship_over_time
from ._report import Report, report
from ._scaling import (
    ConvergenceWarning,
    ScalingCounts,
    ScalingWarning,
    Wordfish,
    Wordscores,
    residual_start,
)
from ._stance import StanceDivergence, stance_divergence
from ._stance_ppi import StanceShares, partial_coding_example, stance_shares
from ._stream import stream_compare, stream_drift, stream_partisanship, stream_terms
from ._terms import distinguishing_terms, log_odds
from ._text import Vectorizer
from ._tiled import nearest_tiled, pairwise_zarr
from ._util.validation import METRICS
from ._util.version import VERSION as __version__

if TYPE_CHECKING:  # type checkers see the lazy names as if imported here
    from ._topic_compare import TopicComparison, compare_topics
    from ._topic_select import select_k
    from ._topics import TopicModel, coherence, frex

# Imported on first use: topic models need scikit-learn, which takes about a second to import.
_LAZY = {
    "TopicModel": "._topics",
    "TopicComparison": "._topic_compare",
    "compare_topics": "._topic_compare",
    "coherence": "._topics",
    "frex": "._topics",
    "select_k": "._topic_select",
}


def __getattr__(name: str) -> Any:  # Any: a class or a function, by name
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'divergence' has no attribute {name!r}")


__all__ = [
    "METRICS",
    "Comparison",
    "ConvergenceWarning",
    "Corpus",
    "CorpusError",
    "JSDBias",
    "Partisanship",
    "PartisanshipOverTime",
    "Report",
    "ScalingCounts",
    "ScalingWarning",
    "StanceDivergence",
    "StanceShares",
    "TopicComparison",
    "TopicModel",
    "Vectorizer",
    "Wordfish",
    "Wordscores",
    "__version__",
    "cdist",
    "changepoints",
    "check_memory",
    "coherence",
    "compare",
    "compare_topics",
    "contributions",
    "dask_compare",
    "dask_drift",
    "dask_partisanship",
    "dask_terms",
    "distinguishing_terms",
    "divergence",
    "drift",
    "drift_changepoints",
    "example_path",
    "frex",
    "group_matrix",
    "jsd_bias",
    "jsd_bias_pairs",
    "log_odds",
    "nearest",
    "nearest_statements",
    "nearest_tiled",
    "novelty",
    "pairwise",
    "pairwise_zarr",
    "parse_window",
    "partial_coding_example",
    "partisanship",
    "partisanship_over_time",
    "pdist",
    "report",
    "residual_start",
    "select_k",
    "series_key",
    "stance_divergence",
    "stream_compare",
    "stream_drift",
    "stream_partisanship",
    "stream_terms",
    "stance_shares",
    "token_drift",
    "verify_manifest",
    "write_example",
]
