"""Argument checks shared by every analysis: one place, one message style.

A wrong type raises TypeError, a wrong value ValueError; each message starts with the argument's
name. (scikit-learn keeps the same kind of room: ``utils/validation.py``.)
"""

from __future__ import annotations

import numbers
import os
from typing import Any, Optional, Tuple

import numpy as np

from .. import _core

__all__ = [
    "LOG_METRICS",
    "METRICS",
    "check_count",
    "check_metric",
    "check_options",
    "resolve_n_jobs",
    "seed_value",
]

METRICS: Tuple[str, ...] = tuple(_core.METRICS)
LOG_METRICS = ("jsd", "jensenshannon", "kl", "jeffreys", "bhattacharyya")


def resolve_n_jobs(n_jobs: Optional[int]) -> int:
    """Number of threads: None or -1 = every CPU this process may use, 1 = serial.

    Negative values count back from the number of usable CPUs (-2 = all but one), as in
    scikit-learn. The count comes from ``os.sched_getaffinity`` where available (containers and
    ``taskset`` limit it), not from the machine's total.
    """
    try:
        cpus = len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - macOS / Windows
        cpus = os.cpu_count() or 1
    if n_jobs is None:
        return cpus
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs: expected an integer or None, got {type(n_jobs).__name__}")
    n_jobs = int(n_jobs)
    if n_jobs == 0 or n_jobs < -cpus:
        raise ValueError(f"n_jobs: must be a positive integer, -1 (all {cpus} CPUs) or None; got {n_jobs}")
    if n_jobs < 0:
        return max(1, cpus + 1 + n_jobs)
    return n_jobs


def check_metric(metric: Any) -> str:
    if not isinstance(metric, str):
        raise TypeError(f"metric: expected a string, got {type(metric).__name__}")
    if metric not in METRICS:
        raise ValueError(f"metric: unknown metric {metric!r}; valid metrics are {', '.join(METRICS)}")
    return metric


def check_options(metric: str, base: Optional[float], alpha: float) -> float:
    if base is None:
        base_value = 0.0
    else:
        if isinstance(base, bool) or not isinstance(base, numbers.Real):
            raise TypeError(f"base: expected a number or None, got {type(base).__name__}")
        base_value = float(base)
        if not np.isfinite(base_value) or base_value <= 1:
            raise ValueError(f"base: must be a number greater than 1 (2 for bits, e for nats), got {base}")
        if metric not in LOG_METRICS:
            raise ValueError(
                f"base: applies only to log-based metrics ({', '.join(LOG_METRICS)}); "
                f"{metric} has no log units, leave base=None"
            )
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha: expected a number, got {type(alpha).__name__}")
    if not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha: must be a finite number >= 0, got {alpha}")
    if alpha > 0 and metric not in ("kl", "jeffreys"):
        raise ValueError(f"alpha: smoothing applies only to kl and jeffreys, not {metric}; use alpha=0")
    return base_value


def check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name}: must be >= 0, got {value}")
    return int(value)


def seed_value(seed: Optional[int]) -> int:
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: must be a non-negative integer, got {seed!r}")
    return int(seed) % (2**64)
