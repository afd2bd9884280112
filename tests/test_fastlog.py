"""Accuracy of the kernels' vectorised logarithm (the issue's bound: 1e-12 relative in
float64, 1e-6 in float32), over the whole normal range and near 1."""

import numpy as np
import pytest

from divergence import _core


def _inputs(dtype):
    rng = np.random.default_rng(12345)
    info = np.finfo(dtype)
    lo, hi = np.log(info.tiny), np.log(info.max)
    parts = [
        np.exp(rng.uniform(lo, hi, 200_000)),
        rng.uniform(0.5, 2.0, 200_000),  # the reduction boundaries
        1.0 + rng.uniform(-1e-3, 1e-3, 50_000),  # log close to 0: relative error is hardest
        np.array([info.tiny, info.max, 1.0, 2.0, 0.5, np.sqrt(0.5), np.sqrt(2.0)]),
    ]
    x = np.concatenate(parts).astype(dtype)
    return x[(x >= info.tiny) & np.isfinite(x)]


@pytest.mark.parametrize("dtype, bound", [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_fast_log_relative_error(dtype, bound):
    x = _inputs(dtype)
    got = _core.fast_log(x).astype(np.float64)
    want = np.log(x.astype(np.float64))
    nonzero = want != 0
    rel = np.abs(got[nonzero] - want[nonzero]) / np.abs(want[nonzero])
    assert rel.max() <= bound
    assert np.all(got[~nonzero] == 0)


def test_fast_log_rejects_non_normal():
    with pytest.raises(ValueError, match="x: fast_log needs positive"):
        _core.fast_log(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="index 1"):
        _core.fast_log(np.array([1.0, np.nan]))
