"""Shared figure handling: matplotlib off-screen, the supported file types, atomic saving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._output import atomic_write

__all__ = ["figure_format", "save"]

_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def figure_format(path: Any) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(f"plot: unsupported file type {suffix or '(none)'!r} for {path}; use .png, .svg or .pdf")
    return _FORMATS[suffix]


def save(fig: Any, path: Any) -> Path:
    fmt = figure_format(path)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(p, lambda f: fig.savefig(f, format=fmt, bbox_inches="tight", dpi=150))
    return p
