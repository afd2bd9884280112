"""The installed package version (one place, so that no module imports the package itself)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["VERSION"]

try:
    VERSION: str = version("stance-divergence")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    VERSION = "0.0.0+unknown"
