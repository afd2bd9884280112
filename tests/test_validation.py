"""The one validation module (divergence._util.validation): a wrong type raises TypeError, a
wrong value ValueError, and every message starts with the argument's name; and every analysis
checks seed, replicate counts, ci and ci_method through it."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import divergence
from divergence._util import validation as V


def raises(exc, name, fn, *args, **kw):
    """fn(*args, **kw) raises exactly ``exc`` with a message that starts with ``name:``."""
    with pytest.raises((TypeError, ValueError)) as info:
        fn(*args, **kw)
    assert type(info.value) is exc, (type(info.value), str(info.value))
    assert str(info.value).startswith(f"{name}:"), str(info.value)
    return str(info.value)


# ---------------------------------------------------------------------------------------------
# The checks one by one


@pytest.mark.parametrize(
    "x, want",
    [
        (3, True),
        (np.int32(3), True),
        (np.uint8(0), True),
        (True, False),
        (np.bool_(True), False),
        (3.0, False),
        ("3", False),
        (None, False),
    ],
)
def test_is_int(x, want):
    assert V.is_int(x) is want


@pytest.mark.parametrize(
    "x, want",
    [
        (3, True),
        (2.5, True),
        (np.float32(1.5), True),
        (np.int64(2), True),
        (True, False),
        (np.bool_(False), False),
        ("1", False),
        (None, False),
    ],
)
def test_is_real(x, want):
    assert V.is_real(x) is want


def test_check_int():
    assert V.check_int(np.int64(4), "k", minimum=1) == 4
    assert type(V.check_int(np.int64(4), "k")) is int
    assert V.check_int(None, "k", allow_none=True) is None
    for bad in (2.0, "2", True, None, [1]):
        raises(TypeError, "k", V.check_int, bad, "k")
    msg = raises(ValueError, "k", V.check_int, 0, "k", minimum=1, hint=" (a number of tokens)")
    assert "(a number of tokens)" in msg and "0" in msg
    assert V.check_int(-5, "k") == -5  # no minimum, no bound


def test_check_real():
    assert V.check_real(1, "tol", low=0, low_open=True) == 1.0
    assert V.check_real(None, "tol", allow_none=True) is None
    assert V.check_real(math.inf, "priors", low=0, allow_inf=True) == math.inf
    for bad in ("0.5", True, None, [0.5]):
        raises(TypeError, "tol", V.check_real, bad, "tol")
    raises(ValueError, "tol", V.check_real, 0, "tol", low=0, low_open=True)
    raises(ValueError, "tol", V.check_real, math.nan, "tol")
    raises(ValueError, "tol", V.check_real, math.inf, "tol")
    raises(ValueError, "tol", V.check_real, math.nan, "tol", allow_inf=True)
    raises(ValueError, "share", V.check_real, 1.0, "share", low=0, high=1, high_open=True)
    assert V.check_real(1.0, "share", low=0, high=1) == 1.0
    msg = raises(
        ValueError, "ci", V.check_real, 2, "ci", low=0, high=1, low_open=True, high_open=True
    )
    assert "in (0, 1)" in msg
    assert "<= 3" in raises(ValueError, "x", V.check_real, 4, "x", high=3)


def test_check_choice():
    assert V.check_choice("b", "mode", ("a", "b")) == "b"
    assert V.check_choice(None, "rescaling", (None, "lbg")) is None
    raises(TypeError, "mode", V.check_choice, 1, "mode", ("a", "b"))
    msg = raises(ValueError, "mode", V.check_choice, "c", "mode", ("a", "b"))
    assert "a, b" in msg and "'c'" in msg
    raises(TypeError, "mode", V.check_choice, None, "mode", ("a", "b"))


def test_check_count():
    assert V.check_count(0, "bootstrap") == 0 and V.check_count(np.int16(7), "bootstrap") == 7
    for bad in (1.5, "10", True, None):
        raises(TypeError, "bootstrap", V.check_count, bad, "bootstrap")
    raises(ValueError, "permutations", V.check_count, -1, "permutations")


def test_check_ci():
    assert V.check_ci(0.95) == 0.95 and V.check_ci(np.float32(0.5)) == 0.5
    for bad in (0, 1, 1.5, -0.1, math.nan):
        msg = raises(ValueError, "ci", V.check_ci, bad)
        assert "0.95" in msg  # the hint
    for bad in ("0.9", True, None):
        raises(TypeError, "ci", V.check_ci, bad)


def test_check_ci_method():
    for m in V.CI_METHODS:
        assert V.check_ci_method(m) == m
    assert set(V.CI_METHODS) >= {"percentile", "basic"}
    msg = raises(ValueError, "ci_method", V.check_ci_method, "bca-ish")
    assert "percentile" in msg
    raises(TypeError, "ci_method", V.check_ci_method, None)


def test_seed_value():
    assert V.seed_value(5) == 5 and V.seed_value(np.uint64(2**64 - 1)) == 2**64 - 1
    assert V.seed_value(2**64 + 3) == 3
    drawn = V.seed_value(None)
    assert isinstance(drawn, int) and 0 <= drawn < 2**63
    raises(ValueError, "seed", V.seed_value, -1)
    for bad in (1.0, "1", True):
        raises(TypeError, "seed", V.seed_value, bad)
    raises(TypeError, "seed", V.seed_value, None, allow_none=False)
    assert V.seed_value(2**32 + 7, modulus=2**32) == 7


def test_sklearn_seed():
    assert V.sklearn_seed(2**32 + 9) == 9
    raises(TypeError, "seed", V.sklearn_seed, None)
    raises(ValueError, "seed", V.sklearn_seed, -3)


def test_check_options_and_metric():
    assert V.check_options("jsd", None, 0.0) == 0.0
    assert V.check_options("jsd", 2, 0.0) == 2.0
    raises(TypeError, "base", V.check_options, "jsd", "2", 0.0)
    for b in (1, 0.5, math.nan, math.inf):
        raises(ValueError, "base", V.check_options, "jsd", b, 0.0)
    raises(ValueError, "base", V.check_options, "tv", 2, 0.0)
    raises(TypeError, "alpha", V.check_options, "kl", None, "0.5")
    for a in (-1.0, math.nan, math.inf):
        raises(ValueError, "alpha", V.check_options, "kl", None, a)
    raises(ValueError, "alpha", V.check_options, "jsd", None, 0.5)
    raises(TypeError, "metric", V.check_metric, 3)
    raises(ValueError, "metric", V.check_metric, "euclid")


def test_resolve_n_jobs():
    assert V.resolve_n_jobs(1) == 1 and V.resolve_n_jobs(None) >= 1
    raises(TypeError, "n_jobs", V.resolve_n_jobs, 2.0)
    raises(TypeError, "n_jobs", V.resolve_n_jobs, True)
    raises(ValueError, "n_jobs", V.resolve_n_jobs, 0)


# ---------------------------------------------------------------------------------------------
# Every analysis uses them: the same exception type and argument name for the same mistake


def _matrix():
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.poisson(1.0, (12, 8)).astype(float))
    return X, np.array(["a", "b"] * 6)


def _analyses():
    X, g = _matrix()
    years = np.repeat(np.arange(2000, 2006), 2)
    frame = pd.DataFrame({"group": g, "stance": ["pro", "con", "con"] * 4})
    reps = dict(bootstrap=2, permutations=2)
    return {
        "compare": lambda **kw: divergence.compare(X, g, terms=False, **{**reps, **kw}),
        "drift": lambda **kw: divergence.drift(
            X, times=years, groups=g, window="2Y", mode="between", **{**reps, **kw}
        ),
        "partisanship": lambda **kw: divergence.partisanship(X, g, **{**reps, **kw}),
        "partisanship_over_time": lambda **kw: divergence.partisanship_over_time(
            X, g, times=years, window="3Y", **{**reps, **kw}
        ),
        "stance_divergence": lambda **kw: divergence.stance_divergence(
            frame, "stance", **{**reps, **kw}
        ),
    }


ANALYSES = list(_analyses())
BAD = [
    ("seed", -1, ValueError),
    ("seed", 1.5, TypeError),
    ("seed", "1", TypeError),
    ("bootstrap", -1, ValueError),
    ("bootstrap", 2.0, TypeError),
    ("permutations", -2, ValueError),
    ("permutations", True, TypeError),
    ("ci", 1.0, ValueError),
    ("ci", 0, ValueError),
    ("ci", "0.9", TypeError),
    ("ci_method", "studentized", ValueError),
    ("ci_method", 1, TypeError),
    ("n_jobs", 0, ValueError),
    ("n_jobs", 1.0, TypeError),
]


@pytest.mark.parametrize("analysis", ANALYSES)
@pytest.mark.parametrize("arg, value, exc", BAD, ids=[f"{a}={v!r}" for a, v, _ in BAD])
def test_every_analysis_checks_its_arguments_alike(analysis, arg, value, exc):
    raises(exc, arg, _analyses()[analysis], **{arg: value})


@pytest.mark.parametrize(
    "arg, value, exc",
    [
        ("seed", None, TypeError),
        ("seed", -1, ValueError),
        ("bootstrap", 1.5, TypeError),
        ("bootstrap", -1, ValueError),
        ("top_words", -1, ValueError),
        ("ci", 2, ValueError),
    ],
)
def test_compare_topics_checks_alike(arg, value, exc):
    X, g = _matrix()
    raises(
        exc, arg, divergence.compare_topics, None, X, g, k=2, max_iter=1, n_jobs=1, **{arg: value}
    )


def test_topic_model_parameters():
    X, _ = _matrix()
    TM = divergence.TopicModel
    raises(TypeError, "seed", TM(k=2, seed=None).fit, X)
    raises(TypeError, "max_iter", TM(k=2, max_iter=2.5).fit, X)
    raises(ValueError, "max_iter", TM(k=2, max_iter=0).fit, X)
    raises(ValueError, "n_top_words", TM(k=2, n_top_words=1).fit, X)
    raises(ValueError, "frex_weight", TM(k=2, frex_weight=1.5).fit, X)
    raises(TypeError, "tol", TM(k=2, tol="small").fit, X)
    raises(ValueError, "method", TM(k=2, method="plsa").fit, X)


def test_other_integer_and_number_arguments():
    X, g = _matrix()
    raises(TypeError, "k", divergence.nearest, X, k=1.0)
    raises(ValueError, "k", divergence.nearest, X, k=0)
    raises(TypeError, "window", divergence.token_drift, np.arange(20), 2.0)
    raises(ValueError, "step", divergence.token_drift, np.arange(20), 2, step=0)
    raises(TypeError, "min_size", divergence.changepoints, np.arange(10.0), min_size=1.5)
    raises(ValueError, "block", divergence.changepoints, np.arange(10.0), block=0)
    raises(ValueError, "penalty", divergence.changepoints, np.arange(10.0), penalty=-1.0)
    raises(
        TypeError,
        "top",
        divergence.distinguishing_terms,
        X,
        (g == "b").astype(int),
        ["a", "b"],
        [f"w{j}" for j in range(8)],
        top=2.5,
    )
    raises(ValueError, "alpha0", divergence.log_odds, [1, 2], [2, 1], alpha0=-1)
    raises(ValueError, "mode", divergence.drift, X, window=4, mode="sideways")
    raises(TypeError, "max_features", divergence.Vectorizer(max_features=1.5).fit, ["aa bb"])


def test_messages_name_the_argument_first():
    """Spot check of the message style over a few analyses: ``name: ...``."""
    X, g = _matrix()
    for fn in (
        lambda: divergence.compare(X, g, ci=7),
        lambda: divergence.partisanship(X, g, seed=-4),
    ):
        with pytest.raises(ValueError) as info:
            fn()
        assert re.match(r"^[a-z_]+: ", str(info.value))
