"""Argument checks shared by every analysis: one place, one message style.

A wrong type raises TypeError, a wrong value ValueError; each message starts with the argument's
name. (scikit-learn keeps the same kind of room: ``utils/validation.py``.)
"""

from __future__ import annotations

import numbers
import os
from typing import TYPE_CHECKING, Optional, Sequence, Tuple, cast, overload

import numpy as np

from .. import _core
from .replicates import CI_METHODS

if TYPE_CHECKING:  # pragma: no cover - annotations only (typing.TypeGuard is 3.10+)
    from typing import Literal, TypeGuard

__all__ = [
    "ALPHA_METRICS",
    "ASYMMETRIC_METRICS",
    "CI_METHODS",
    "INT32_MAX",
    "INT64_MAX",
    "LOG_METRICS",
    "MAX_JOBS",
    "METRICS",
    "check_choice",
    "check_ci",
    "check_ci_method",
    "check_count",
    "check_int",
    "check_metric",
    "check_options",
    "check_real",
    "is_int",
    "is_real",
    "resolve_n_jobs",
    "seed_value",
    "sklearn_seed",
]

# From the core's metric table (cpp/include/divergence/metrics.hpp), the one list of metrics.
METRICS: Tuple[str, ...] = tuple(m["name"] for m in _core.metric_table())
LOG_METRICS: Tuple[str, ...] = tuple(m["name"] for m in _core.metric_table() if m["uses_log"])
# Metrics with d(p, q) != d(q, p) (kl): their group tables hold both orders of each pair.
ASYMMETRIC_METRICS: Tuple[str, ...] = tuple(
    m["name"] for m in _core.metric_table() if not m["symmetric"]
)
# Metrics that take additive smoothing (``alpha``).
ALPHA_METRICS: Tuple[str, ...] = tuple(m["name"] for m in _core.metric_table() if m["uses_alpha"])

# The largest integers the core's int32 / int64 arguments take (a larger Python int would fail
# in pybind11's argument conversion with a message that prints every argument).
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
# The most threads n_jobs may ask for. Results never depend on the thread count, and more threads
# than CPUs only add overhead (and per-thread buffers: n_jobs=10**9 exhausted memory), so a
# larger value is taken for a mistake.
MAX_JOBS = 4096


def resolve_n_jobs(n_jobs: Optional[int]) -> int:
    """Number of threads: None or -1 = every CPU this process may use, 1 = serial.

    Negative values count back from the number of usable CPUs (-2 = all but one), as in
    scikit-learn. The count comes from ``os.sched_getaffinity`` where available (containers and
    ``taskset`` limit it), not from the machine's total. At most :data:`MAX_JOBS` (4096).
    """
    affinity = getattr(os, "sched_getaffinity", None)  # not on macOS / Windows
    cpus = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    if n_jobs is None:
        return cpus
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs: expected an integer or None, got {type(n_jobs).__name__}")
    n_jobs = int(n_jobs)
    if n_jobs == 0 or n_jobs < -cpus:
        raise ValueError(
            f"n_jobs: must be a positive integer, -1 (all {cpus} CPUs) or None; got {n_jobs}"
        )
    if n_jobs > MAX_JOBS:
        raise ValueError(
            f"n_jobs: at most {MAX_JOBS} threads (this process may use {cpus} CPUs), got {n_jobs}"
        )
    if n_jobs < 0:
        return max(1, cpus + 1 + n_jobs)
    return n_jobs


def _integral(x: object) -> TypeGuard[numbers.Integral]:
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _real(x: object) -> TypeGuard[numbers.Real]:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


# is_int / is_real return a plain bool: as type guards they would narrow a caller's ``int``
# to the abstract ``numbers.Integral``, which supports less (the checks here use _integral and
# _real, which narrow ``object``).
def is_int(x: object) -> bool:
    """An integer (Python or NumPy), not a bool."""
    return _integral(x)


def is_real(x: object) -> bool:
    """A real number (Python or NumPy, integers included), not a bool."""
    return _real(x)


@overload
def check_int(
    value: object,
    name: str,
    *,
    minimum: Optional[int] = None,
    maximum: Optional[int] = None,
    allow_none: Literal[False] = False,
    hint: str = "",
) -> int: ...


@overload
def check_int(
    value: object,
    name: str,
    *,
    minimum: Optional[int] = None,
    maximum: Optional[int] = None,
    allow_none: bool,
    hint: str = "",
) -> Optional[int]: ...


def check_int(
    value: object,
    name: str,
    *,
    minimum: Optional[int] = None,
    maximum: Optional[int] = None,
    allow_none: bool = False,
    hint: str = "",
) -> Optional[int]:
    """``value`` as an int (None passes when ``allow_none``): TypeError unless an integer,
    ValueError below ``minimum`` or above ``maximum``. ``hint`` (e.g. " (a number of tokens)")
    follows the rule."""
    if value is None and allow_none:
        return None
    if not _integral(value):
        kind = "an integer or None" if allow_none else "an integer"
        raise TypeError(f"{name}: expected {kind}{hint}, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}{hint}, got {value}")
    if maximum is not None and int(value) > maximum:
        raise ValueError(f"{name}: must be <= {maximum}{hint}, got {value}")
    return int(value)


@overload
def check_real(
    value: object,
    name: str,
    *,
    low: Optional[float] = None,
    high: Optional[float] = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: Literal[False] = False,
    allow_inf: bool = False,
    hint: str = "",
) -> float: ...


@overload
def check_real(
    value: object,
    name: str,
    *,
    low: Optional[float] = None,
    high: Optional[float] = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool,
    allow_inf: bool = False,
    hint: str = "",
) -> Optional[float]: ...


def check_real(
    value: object,
    name: str,
    *,
    low: Optional[float] = None,
    high: Optional[float] = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
    allow_inf: bool = False,
    hint: str = "",
) -> Optional[float]:
    """``value`` as a float (None passes when ``allow_none``): TypeError unless a real number,
    ValueError for NaN, for an infinity (unless ``allow_inf``) or outside [low, high] (ends
    excluded when ``low_open`` / ``high_open``)."""
    if value is None and allow_none:
        return None
    if not _real(value):
        kind = "a number or None" if allow_none else "a number"
        raise TypeError(f"{name}: expected {kind}{hint}, got {type(value).__name__}")
    v = float(value)
    if low is not None and high is not None:
        rule = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    elif low is not None:
        rule = f"{'>' if low_open else '>='} {low:g}"
    elif high is not None:
        rule = f"{'<' if high_open else '<='} {high:g}"
    else:
        rule = ""
    ok = not np.isnan(v) and (allow_inf or np.isfinite(v))
    if ok and low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v < high if high_open else v <= high
    if not ok:
        kind = "a number" if allow_inf else "a finite number"
        raise ValueError(f"{name}: must be {kind}{' ' + rule if rule else ''}{hint}, got {value!r}")
    return v


@overload
def check_choice(value: object, name: str, choices: Sequence[str]) -> str: ...


@overload
def check_choice(value: object, name: str, choices: Sequence[Optional[str]]) -> Optional[str]: ...


def check_choice(value: object, name: str, choices: Sequence[Optional[str]]) -> Optional[str]:
    """``value`` if it is one of ``choices`` (strings, perhaps None): TypeError for a value of
    another type, ValueError for an unknown one."""
    if not isinstance(value, str) and not (value is None and None in choices):
        raise TypeError(f"{name}: expected a string, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name}: must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


def check_metric(metric: object) -> str:
    if not isinstance(metric, str):
        raise TypeError(f"metric: expected a string, got {type(metric).__name__}")
    if metric not in METRICS:
        raise ValueError(
            f"metric: unknown metric {metric!r}; valid metrics are {', '.join(METRICS)}"
        )
    return metric


def check_options(metric: str, base: Optional[float], alpha: float) -> float:
    """The log base as the core takes it (0 = nats), after checking ``base`` and ``alpha``
    (smoothing) against ``metric``."""
    base_value = check_real(
        base, "base", low=1, low_open=True, allow_none=True, hint=" (2 for bits, e for nats)"
    )
    if base_value is None:
        base_value = 0.0
    elif metric not in LOG_METRICS:
        raise ValueError(
            f"base: applies only to log-based metrics ({', '.join(LOG_METRICS)}); "
            f"{metric} has no log units, leave base=None"
        )
    alpha = check_real(alpha, "alpha", low=0)
    if alpha > 0 and metric not in ALPHA_METRICS:
        raise ValueError(
            f"alpha: smoothing applies only to {' and '.join(ALPHA_METRICS)}, not {metric}; "
            "use alpha=0"
        )
    return base_value


def check_count(value: object, name: str) -> int:
    """A number of replicates (or of anything countable): an integer in [0, 2**63 - 1]."""
    return check_int(value, name, minimum=0, maximum=INT64_MAX)


def check_ci(ci: object) -> float:
    """Interval coverage: a number strictly between 0 and 1."""
    return check_real(ci, "ci", low=0, high=1, low_open=True, high_open=True, hint=" (e.g. 0.95)")


def check_ci_method(ci_method: object) -> str:
    """An interval method of :mod:`divergence._util.replicates` (percentile, basic)."""
    return check_choice(ci_method, "ci_method", CI_METHODS)


def seed_value(seed: object, *, allow_none: bool = True, modulus: int = 2**64) -> int:
    """A seed for the core's random streams: a non-negative integer, reduced modulo ``modulus``
    (2**32 for scikit-learn's ``random_state``, with ``allow_none=False``). None, where allowed,
    draws a fresh seed (callers report it in their settings)."""
    if seed is None and allow_none:
        return int(cast(int, np.random.SeedSequence().entropy) % min(2**63, modulus))
    if not _integral(seed):
        kind = "a non-negative integer or None" if allow_none else "a non-negative integer"
        raise TypeError(f"seed: expected {kind}, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed: must be a non-negative integer, got {seed!r}")
    return int(seed) % modulus


def sklearn_seed(seed: object) -> int:
    """A seed that scikit-learn's ``random_state`` takes (0 .. 2**32 - 1): a non-negative
    integer (None is refused: a topic model's seed is part of the model), modulo 2**32."""
    return seed_value(seed, allow_none=False, modulus=2**32)


BOOTSTRAP_SCHEMES = ("resample", "poisson")


def check_bootstrap_scheme(scheme: object) -> str:
    """``resample`` (statements drawn with replacement within each group) or ``poisson``
    (each statement weighted by a Poisson(1) draw keyed by the statement: the same replicates
    for any ordering or partitioning of the corpus)."""
    return check_choice(scheme, "bootstrap_scheme", BOOTSTRAP_SCHEMES)


def statement_keys(keys: object, n: int) -> np.ndarray:
    """One non-negative integer key per statement (uint64, contiguous) for keyed draws."""
    arr = np.asarray(keys)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"keys: expected {n} keys (one per statement), got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"keys: expected integers, got dtype {arr.dtype}")
    if arr.dtype.kind == "i" and arr.size and int(arr.min()) < 0:
        raise ValueError("keys: must be non-negative")
    return np.ascontiguousarray(arr, dtype=np.uint64)
