"""divergence: how far apart are parties' stated positions?

Divergence measures between statement distributions (bag-of-words counts or topic mixtures),
on a compiled C++ core: pairwise matrices, nearest statements, and per-term contributions.
Natural logarithms (nats) unless ``base`` is given.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version

from .measures import (
    METRICS,
    cdist,
    contributions,
    divergence,
    nearest,
    pairwise,
    pdist,
)

try:
    __version__ = _version("stance-divergence")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "METRICS",
    "__version__",
    "cdist",
    "contributions",
    "divergence",
    "nearest",
    "pairwise",
    "pdist",
]
