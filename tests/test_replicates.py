"""The one replicate summariser (divergence._util.replicates.summarise) against the slow,
obvious NumPy code: per cell, drop the NaN replicates, np.percentile (nearest rank where a
replicate is infinite), np.mean, an explicit p-value loop. Bit for bit, NaN policy included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.stats import norm
from scipy.stats import t as student_t

from divergence._util.replicates import (
    CI_METHODS,
    JACKKNIFE_T_MIN_BLOCKS,
    ci_percentiles,
    summarise,
)

FIELDS = ("ci_low", "ci_high", "boot_mean", "null_mean", "excess", "p_value")


@np.errstate(invalid="ignore", divide="ignore")
def reference_cell(v, bs, ns, ci, method, two_sided=False, tol=0.0, jk=None):
    """One cell, the obvious way."""
    out = dict.fromkeys(FIELDS, math.nan)
    if math.isnan(v):
        return out
    if bs is not None:
        ok = [x for x in bs if not math.isnan(x)]
        if ok:
            ok = np.array(ok)
            mean = float(ok.mean())
            lo_q, hi_q = 100 * (1 - ci) / 2, 100 * (1 + ci) / 2
            kind = "linear" if np.all(np.isfinite(ok)) else "nearest"
            ql, qh = (float(q) for q in np.percentile(ok, [lo_q, hi_q], method=kind))
            corrected = 2 * v - mean if math.isfinite(v) else v
            accel = 0.0
            if jk is not None and all(math.isfinite(x) for x in jk) and math.isfinite(v):
                G = len(jk)
                jm = sum(jk) / G
                corrected = G * v - (G - 1) * float(np.mean(jk))
                U = [(G - 1) * (float(np.mean(jk)) - x) for x in jk]
                ss = sum(u * u for u in U)
                accel = sum(u**3 for u in U) / (6 * ss**1.5) if ss > 0 else 0.0
                del jm
            if method == "basic":
                ql, qh = 2 * v - qh, 2 * v - ql
            elif method in ("corrected", "bracket"):
                low_est = high_est = corrected
                if method == "bracket":  # from the lower to the higher of the two corrections
                    low_est = float(np.minimum(corrected, 2 * v - mean))
                    high_est = float(np.maximum(corrected, 2 * v - mean))
                if np.all(np.isfinite(ok)):
                    ql, qh = low_est - max(mean - ql, 0.0), high_est + max(qh - mean, 0.0)
                else:  # an infinite replicate: no interval around the corrected estimate
                    ql = qh = math.nan
            elif method == "bca":
                n = len(ok)
                share = (sum(x < v for x in ok) + 0.5 * sum(x == v for x in ok)) / n
                z0 = norm.ppf(min(max(share, 0.5 / n), 1 - 0.5 / n))
                probs = []
                for q in (lo_q, hi_q):
                    z = norm.ppf(q / 100)
                    probs.append(100 * norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z))))
                ql, qh = (float(q) for q in np.percentile(ok, probs, method=kind))
            out.update(ci_low=ql, ci_high=qh, boot_mean=mean)
    if ns is not None:
        ok = [x for x in ns if not math.isnan(x)]
        if ok:
            hits = 0
            for x in ok:
                if two_sided:
                    hits += abs(x) >= abs(v) - tol
                else:
                    hits += x >= v - tol
            nm = float(np.mean(np.array(ok)))
            out.update(null_mean=nm, excess=v - nm, p_value=(1 + hits) / (1 + len(ok)))
    return out


def assert_cells(s, obs, boot, null, ci, method, axis=0, two_sided=None, tol=0.0, jack=None):
    obs = np.asarray(obs, dtype=float)
    B = None if boot is None else np.moveaxis(np.asarray(boot, dtype=float), axis, 0)
    P = None if null is None else np.moveaxis(np.asarray(null, dtype=float), axis, 0)
    for idx in np.ndindex(obs.shape):
        sides = bool(two_sided[idx]) if two_sided is not None else False
        bs = None if B is None or not len(B) else list(B[(slice(None),) + idx])
        ns = None if P is None or not len(P) else list(P[(slice(None),) + idx])
        jk = None if jack is None else list(jack[(slice(None),) + idx])
        want = reference_cell(float(obs[idx]), bs, ns, ci, method, sides, tol, jk)
        for f in FIELDS:
            got = float(getattr(s, f)[idx])
            same = got == want[f] or (math.isnan(got) and math.isnan(want[f]))
            assert same, (idx, f, got, want[f])


@pytest.mark.parametrize("method", CI_METHODS)
@pytest.mark.parametrize("R", [1, 7, 8, 200, 1001])
def test_matches_the_per_cell_reference_bit_for_bit(method, R):
    rng = np.random.default_rng(R)
    obs = rng.normal(size=(3, 4, 4))
    boot = rng.normal(size=(R, 3, 4, 4)) * 1e3
    null = rng.normal(size=(R + 3, 3, 4, 4))
    s = summarise(obs, boot, null, ci=0.9, method=method)
    assert_cells(s, obs, boot, null, 0.9, method)
    assert s.ci_low.shape == obs.shape and s.p_value.dtype == np.float64


@pytest.mark.parametrize("method", CI_METHODS)
@pytest.mark.parametrize("G", [2, 5, 20])
def test_with_jackknife_values_matches_the_reference(method, G):
    rng = np.random.default_rng(G)
    obs = rng.random((3, 4))
    boot = obs + 0.1 + rng.normal(size=(150, 3, 4)) * 0.05
    jack = obs + 0.01 + rng.normal(size=(G, 3, 4)) * 0.01
    jack[0, 0, 0] = np.nan  # no jackknife value: the bootstrap's correction there
    s = summarise(obs, boot, None, ci=0.9, method=method, jackknife=jack)
    assert_cells(s, obs, boot, None, 0.9, method, jack=jack)
    want = G * obs - (G - 1) * jack.mean(axis=0)
    want[0, 0] = 2 * obs[0, 0] - boot[:, 0, 0].mean()
    np.testing.assert_allclose(s.corrected, want, rtol=0, atol=1e-12)
    want_for = {"corrected": "corrected", "bracket": "corrected", "basic": "2*value-boot_mean"}
    assert s.ci_for == want_for.get(method, "value")


def test_every_method_is_described_in_words():
    from divergence._util.replicates import CI_METHOD_TEXT, DEFAULT_CI_METHOD

    assert set(CI_METHOD_TEXT) == set(CI_METHODS) and DEFAULT_CI_METHOD in CI_METHODS


def test_corrected_interval_holds_its_estimate_and_is_clipped():
    rng = np.random.default_rng(3)
    obs = np.array([0.001, 0.05, 0.3])
    boot = obs + 0.02 + rng.normal(size=(200, 3)) * 0.004  # shifted up, as resampling does
    jack = obs + 0.001 + rng.normal(size=(20, 3)) * 0.0003
    s = summarise(obs, boot, None, jackknife=jack, lower=0.0)
    assert (s.ci_low <= s.corrected).all() and (s.corrected <= s.ci_high).all()
    assert (s.corrected >= 0).all() and (s.ci_low >= 0).all()
    assert s.corrected[0] == 0.0  # 20 * 0.001 - 19 * ~0.002 < 0: clipped to the bound
    # the percentile interval of the same replicates excludes the plug-in value: the finding
    p = summarise(obs, boot, None, jackknife=jack, method="percentile")
    assert (p.ci_low > obs).all()


def test_withheld_cells_have_no_interval_and_say_why():
    obs = np.array([0.1, 0.2])
    boot = np.tile(obs, (50, 1)) + np.linspace(0, 0.01, 50)[:, None]
    s = summarise(obs, boot, None, withhold=np.array(["", "undersampled"]))
    assert np.isfinite(s.ci_low[0]) and np.isnan(s.ci_low[1]) and np.isnan(s.ci_high[1])
    assert list(s.ci_note) == ["", "undersampled"]
    assert s.at(1)["ci_note"] == "undersampled" and np.isfinite(s.corrected[1])


def test_jackknife_blocks_are_stratified_and_seeded():
    from divergence._util.replicates import jackknife_blocks

    codes = np.repeat([0, 1, 2], [45, 200, 31])
    b = jackknife_blocks(codes, seed=7)
    assert b.max() + 1 == 20
    for g in range(3):
        counts = np.bincount(b[codes == g], minlength=20)
        assert counts.max() - counts.min() <= 1  # each block about 1/G of each group
    assert (jackknife_blocks(codes, seed=7) == b).all()
    assert not (jackknife_blocks(codes, seed=8) == b).all()
    small = jackknife_blocks(np.repeat([0, 1], [3, 50]), seed=0)
    assert small.max() + 1 == 3  # the smallest group sets G


def test_hapax_share_and_reasons():
    from divergence._util.replicates import HAPAX_LIMIT, hapax_share, undersampled_reasons

    G = np.array([[1, 1, 8, 0], [50, 50, 0, 0]])
    h = hapax_share(G)
    assert h[0] == 0.2 and h[1] == 0.0
    r = undersampled_reasons(h, ["A", "B"])
    assert r[0, 1] == r[1, 0] and "20% of A's tokens" in r[0, 1] and r[1, 1] == ""
    assert HAPAX_LIMIT < 0.2


def test_nan_replicates_are_dropped_and_counted():
    rng = np.random.default_rng(0)
    obs = rng.random((2, 5))
    boot = rng.random((40, 2, 5))
    null = rng.random((30, 2, 5))
    boot[rng.random(boot.shape) < 0.3] = np.nan
    null[rng.random(null.shape) < 0.2] = np.nan
    boot[:, 1, 4] = np.nan  # a cell without a bootstrap value
    null[:, 0, 0] = np.nan
    s = summarise(obs, boot, null, ci=0.95, method="basic")
    assert_cells(s, obs, boot, null, 0.95, "basic")
    np.testing.assert_array_equal(s.boot_dropped, np.isnan(boot).sum(axis=0))
    np.testing.assert_array_equal(s.boot_used, 40 - np.isnan(boot).sum(axis=0))
    np.testing.assert_array_equal(s.null_dropped, np.isnan(null).sum(axis=0))
    assert np.isnan(s.ci_low[1, 4]) and np.isnan(s.boot_mean[1, 4])
    assert np.isnan(s.p_value[0, 0]) and np.isnan(s.null_mean[0, 0])
    # the p-value counts only the replicates used
    ns = null[:, 1, 2][~np.isnan(null[:, 1, 2])]
    assert s.p_value[1, 2] == (1 + np.count_nonzero(ns >= obs[1, 2])) / (1 + len(ns))


def test_infinite_replicates_are_values_with_nearest_rank_quantiles():
    bs = np.array([0.1, 0.2, np.inf, 0.4, 0.3, np.inf, 0.25, 0.15, 0.35, 0.05])
    s = summarise(0.2, bs, ci=0.8, method="percentile")
    ql, qh = np.percentile(bs, [10, 90], method="nearest")
    assert (s.ci_low, s.ci_high) == (ql, qh)
    assert s.boot_mean == np.inf
    # an infinite observed value is summarised too (basic: inf - inf is NaN, as in Python)
    s = summarise(np.inf, bs, np.array([0.1, 0.2]), ci=0.8, method="basic")
    assert np.isnan(s.ci_low) and s.ci_high == np.inf
    assert s.p_value == 1 / 3 and s.excess == np.inf


def test_nan_observed_has_no_summary():
    obs = np.array([np.nan, 0.5])
    s = summarise(obs, np.ones((5, 2)), np.ones((5, 2)), method="percentile")
    for f in FIELDS:
        assert np.isnan(getattr(s, f)[0]), f
    assert s.ci_low[1] == 1.0 and s.p_value[1] == 1.0


def test_no_replicates():
    obs = np.array([0.3, 0.4])
    for boot, null in ((None, None), (np.empty((0, 2)), np.empty((0, 2)))):
        s = summarise(obs, boot, null)
        for f in FIELDS:
            assert np.isnan(getattr(s, f)).all(), f
        assert (s.boot_dropped == 0).all() and (s.null_used == 0).all()


def test_replicate_axis_elsewhere():
    rng = np.random.default_rng(4)
    obs = rng.random((6, 2, 2))
    boot = rng.random((6, 25, 2, 2))  # windows x replicates x K x K, as drift's core returns them
    null = rng.random((6, 19, 2, 2))
    s = summarise(obs, boot, null, ci=0.9, method="percentile", axis=1)
    assert_cells(s, obs, boot, null, 0.9, "percentile", axis=1)


def test_two_sided_per_cell_and_tolerance():
    rng = np.random.default_rng(5)
    obs = rng.normal(size=(2, 3))
    null = rng.normal(size=(50, 2, 3))
    sides = np.array([[True], [False]])
    s = summarise(obs, None, null, two_sided=sides)
    assert_cells(
        s, obs, None, null, 0.95, "percentile", two_sided=np.broadcast_to(sides, obs.shape)
    )
    # tol: a null replicate just below the observed value counts
    s = summarise(1.0, None, np.array([1.0 - 1e-13, 0.0]), tol=1e-12)
    assert s.p_value == 2 / 3
    assert summarise(1.0, None, np.array([1.0 - 1e-13, 0.0])).p_value == 1 / 3


def test_scalar_observed():
    bs = np.array([0.4, 0.6, 0.5])
    s = summarise(0.5, bs, np.array([0.1, 0.7]), method="percentile")
    row = s.at(())
    assert row.pop("ci_for") == "value" and row.pop("ci_note") == ""
    assert row.pop("corrected") == 2 * 0.5 - 0.5
    assert s.ci_low.shape == () and row == pytest.approx(
        dict(
            ci_low=np.percentile(bs, 2.5),
            ci_high=np.percentile(bs, 97.5),
            boot_mean=0.5,
            null_mean=0.4,
            excess=0.1,
            p_value=2 / 3,
        )
    )


def test_ci_percentiles():
    assert ci_percentiles(0.95) == (100 * (1 - 0.95) / 2, 100 * (1 + 0.95) / 2)
    assert ci_percentiles(0.5) == (25.0, 75.0)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="boot"):
        summarise(np.zeros(3), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="null"):
        summarise(np.zeros(3), None, np.zeros(5))


finite_or_nan = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan")))
with_inf = st.one_of(finite_or_nan, st.sampled_from([float("inf"), float("-inf")]))


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    cells=st.integers(1, 4),
    ci=st.floats(0.01, 0.99),
    method=st.sampled_from(CI_METHODS),
    infinite=st.booleans(),
)
def test_properties(data, cells, ci, method, infinite):
    R = data.draw(st.integers(1, 40), label="R")
    P = data.draw(st.integers(1, 40), label="P")
    elems = with_inf if infinite else finite_or_nan
    obs = data.draw(hnp.arrays(np.float64, cells, elements=st.floats(-1e6, 1e6)), label="obs")
    boot = data.draw(hnp.arrays(np.float64, (R, cells), elements=elems), label="boot")
    null = data.draw(hnp.arrays(np.float64, (P, cells), elements=elems), label="null")
    s = summarise(obs, boot, null, ci=ci, method=method)
    assert_cells(s, obs, boot, null, ci, method)
    for c in range(cells):
        bs = boot[:, c][~np.isnan(boot[:, c])]
        ns = null[:, c][~np.isnan(null[:, c])]
        assert s.boot_dropped[c] == R - len(bs) and s.null_dropped[c] == P - len(ns)
        if len(bs) == 0:
            assert np.isnan(s.ci_low[c]) and np.isnan(s.ci_high[c]) and np.isnan(s.boot_mean[c])
        else:
            lo, hi = s.ci_low[c], s.ci_high[c]
            if not (np.isnan(lo) or np.isnan(hi)):
                assert lo <= hi  # ordered
            if method == "percentile":
                assert bs.min() <= lo <= hi <= bs.max()  # within the replicates' range
            if method in ("corrected", "bracket") and not np.isnan(lo):
                assert lo <= s.corrected[c] <= hi  # the interval holds its estimate
            if method == "bracket" and not np.isnan(lo):
                # ... and the bootstrap's own correction, and the corrected interval
                assert lo <= 2 * obs[c] - s.boot_mean[c] <= hi
                k = summarise(obs, boot, null, ci=ci, method="corrected")
                assert lo <= k.ci_low[c] and k.ci_high[c] <= hi
        if len(ns) == 0:
            assert np.isnan(s.p_value[c])
        else:
            assert 0 < s.p_value[c] <= 1
            assert s.p_value[c] >= 1 / (1 + len(ns))


def reference_bias_cell(v, bs, jk, b, bj, ci, method, lower=0.0, min_blocks=8):
    """One cell with a bias estimate ``b`` (NaN: none) and its jackknife values ``bj``, the
    obvious way: corrected = G (v - b) - (G - 1) mean(jk - bj); the bracket runs from the lower
    to the higher of corrected and v - b (each clipped to ``lower``), widened on each side by
    t_{G-1} x the jackknife standard error of v - b; without a bias estimate, the bootstrap's
    correction and spread as before."""
    ok = np.array([x for x in bs if not math.isnan(x)])
    mean = float(ok.mean())
    ql, qh = (float(q) for q in np.percentile(ok, [100 * (1 - ci) / 2, 100 * (1 + ci) / 2]))
    G = len(jk)
    below, above = max(mean - ql, 0.0), max(qh - mean, 0.0)  # the bootstrap's spread
    if math.isnan(b):
        corrected = G * v - (G - 1) * float(np.mean(jk))
        other = 2 * v - mean
    else:
        e = [x - y for x, y in zip(jk, bj)]
        em = sum(e) / G
        corrected = G * (v - b) - (G - 1) * em
        other = max(v - b, lower)
        se = math.sqrt((G - 1) / G * sum((x - em) ** 2 for x in e))
        if G >= min_blocks:  # the jackknife-t spread
            below = above = float(student_t.ppf((1 + ci) / 2, G - 1)) * se
    corrected = max(corrected, lower)
    lo_est, hi_est = corrected, corrected
    if method == "bracket":
        lo_est, hi_est = min(corrected, other), max(corrected, other)
    return corrected, max(lo_est - below, lower), max(hi_est + above, lower)


@pytest.mark.parametrize("method", ["bracket", "corrected"])
@pytest.mark.parametrize("ci", [0.9, 0.95])
@pytest.mark.parametrize("G", [12, JACKKNIFE_T_MIN_BLOCKS, 5])
def test_bias_cells_take_the_jackknife_t_spread_and_others_the_bootstrap(method, ci, G):
    """Cells with a bias estimate (the JSD of word counts): the corrected estimate is the block
    jackknife of value - bias and the interval's spread is t_{G-1} x the jackknife's standard
    error of value - bias on both sides, where there are at least JACKKNIFE_T_MIN_BLOCKS blocks
    (else the bootstrap's spread); a cell without one (NaN bias) keeps the plug-in's jackknife
    and the bootstrap's spread. Against the per-cell reference."""
    rng = np.random.default_rng(int(ci * 100) + len(method) + G)
    shape, R = (3, 4), 150
    v = rng.uniform(0.02, 0.2, size=shape)
    boot = v + rng.normal(0.03, 0.01, size=(R,) + shape)
    jk = v + rng.normal(0.002, 0.004, size=(G,) + shape)
    b = rng.uniform(0.005, 0.03, size=shape)
    bj = b + rng.normal(0.0, 0.002, size=(G,) + shape)
    b[0, 1] = b[2, 3] = np.nan  # no bias estimate: the old path
    bj[:, 0, 1] = bj[:, 2, 3] = np.nan
    s = summarise(
        v, boot, None, ci=ci, method=method, jackknife=jk, lower=0.0, bias=b, bias_jackknife=bj
    )
    for i, j in np.ndindex(shape):
        c, lo, hi = reference_bias_cell(
            v[i, j], boot[:, i, j], jk[:, i, j], b[i, j], bj[:, i, j], ci, method
        )
        assert s.corrected[i, j] == pytest.approx(c, rel=1e-12, abs=1e-15)
        assert s.ci_low[i, j] == pytest.approx(lo, rel=1e-12, abs=1e-15)
        assert s.ci_high[i, j] == pytest.approx(hi, rel=1e-12, abs=1e-15)
        assert s.ci_low[i, j] <= s.corrected[i, j] <= s.ci_high[i, j]
    # not vacuous: the other spread would give other bounds in the cells with a bias estimate
    other_rule = 10**9 if G >= JACKKNIFE_T_MIN_BLOCKS else 0
    differs = [
        reference_bias_cell(
            v[i, j],
            boot[:, i, j],
            jk[:, i, j],
            b[i, j],
            bj[:, i, j],
            ci,
            method,
            min_blocks=other_rule,
        )[2]
        != pytest.approx(s.ci_high[i, j], rel=1e-12)
        for i, j in np.ndindex(shape)
        if not np.isnan(b[i, j])
    ]
    assert all(differs)
    plain = summarise(v, boot, None, ci=ci, method=method, jackknife=jk, lower=0.0)
    assert s.ci_high[0, 1] - s.corrected[0, 1] == pytest.approx(
        plain.ci_high[0, 1] - plain.corrected[0, 1], rel=1e-12
    )
