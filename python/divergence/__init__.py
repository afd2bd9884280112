"""divergence: how far apart are parties' stated positions?

Divergence measures between statement distributions (bag-of-words counts or topic mixtures),
on a compiled C++ core: pairwise matrices and nearest statements (:func:`pairwise`,
:func:`nearest`), group comparison with bootstrap intervals and permutation nulls
(:func:`compare`), distinguishing terms, drift over time (:func:`drift`), topic models
(:class:`TopicModel`), position scaling (:class:`Wordfish`, :class:`Wordscores`) and leave-out
partisanship (:func:`partisanship`). Natural logarithms (nats) unless ``base`` is given.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version
from typing import Any

from .compare import Comparison, compare
from .corpus import Corpus, CorpusError
from .drift import changepoints, drift, novelty, token_drift
from .measures import (
    METRICS,
    cdist,
    contributions,
    divergence,
    nearest,
    pairwise,
    pdist,
)
from .partisan import (
    JSDBias,
    Partisanship,
    PartisanshipOverTime,
    StanceDivergence,
    jsd_bias,
    jsd_bias_pairs,
    partisanship,
    partisanship_over_time,
    stance_divergence,
)
from .scaling import Wordfish, Wordscores
from .text import Vectorizer

try:
    __version__ = _version("stance-divergence")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

# Imported on first use: topic models need scikit-learn, which takes about a second to import.
_LAZY = {"TopicModel": "topics", "compare_topics": "topics"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'divergence' has no attribute {name!r}")


__all__ = [
    "METRICS",
    "Comparison",
    "Corpus",
    "CorpusError",
    "JSDBias",
    "Partisanship",
    "PartisanshipOverTime",
    "StanceDivergence",
    "TopicModel",
    "Vectorizer",
    "Wordfish",
    "Wordscores",
    "__version__",
    "cdist",
    "changepoints",
    "compare",
    "compare_topics",
    "contributions",
    "divergence",
    "drift",
    "jsd_bias",
    "jsd_bias_pairs",
    "nearest",
    "novelty",
    "pairwise",
    "partisanship",
    "partisanship_over_time",
    "pdist",
    "stance_divergence",
    "token_drift",
]
