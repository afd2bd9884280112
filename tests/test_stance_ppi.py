"""Stance shares from partial hand codes plus predictions (divergence.stance_shares, issue 17):
the reference implementation (ppi_py) to 1e-8, the agreement statistics against obvious
references, a bounded coverage simulation with known truth (the full one:
benchmarks/sim_stance_ppi.py), bad input, the built-in classifier's cross-fitting, the CLI."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import divergence as dv
from divergence._stance_ppi import (
    _agreement,
    _features_labelled,
    _features_other,
    _ppi_from_sums,
    ppi_shares,
)
from divergence.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _sim() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "sim_stance_ppi", ROOT / "benchmarks" / "sim_stance_ppi.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def sim() -> ModuleType:
    return _sim()


@pytest.fixture(scope="module")
def data(sim: ModuleType) -> pd.DataFrame:
    return sim.simulate(np.random.default_rng(5), n=4000, n_labels=400)


def _cells(df: pd.DataFrame, stances: list, P: np.ndarray):
    K = len(stances)
    coded = df["stance"].notna().to_numpy()
    for (t, g), sub in df.groupby(["target", "group"]):
        idx = sub.index.to_numpy()
        L, U = idx[coded[idx]], idx[~coded[idx]]
        Y = np.eye(K)[np.searchsorted(stances, df["stance"].to_numpy()[L].astype(str))]
        yield t, g, Y, P[L], P[U]


@pytest.mark.parametrize("kind", ["labels", "probabilities"])
def test_matches_ppi_py_to_1e8(data: pd.DataFrame, kind: str) -> None:
    ppi_py = pytest.importorskip(
        "ppi_py", reason="ppi-python (the reference implementation, a test extra) not installed"
    )
    from ppi_py import classical_mean_ci, ppi_mean_ci, ppi_mean_pointestimate

    stances = ["against", "favour", "neutral"]
    df = data.copy()
    if kind == "labels":
        P = np.eye(3)[np.searchsorted(stances, df["pred"].to_numpy().astype(str))]
        kw: dict = dict(pred_col="pred")
    else:
        rng = np.random.default_rng(2)
        P = 0.6 * np.eye(3)[np.searchsorted(stances, df["pred"].to_numpy().astype(str))]
        P += 0.4 * rng.dirichlet([1, 1, 1], len(df))
        for k, s in enumerate(stances):
            df["p_" + s] = P[:, k]
        kw = dict(prob_cols={s: "p_" + s for s in stances})
    r = dv.stance_shares(df, "stance", "target", ci=0.9, bootstrap=0, permutations=0, **kw)
    wide = r.side_by_side()
    assert ppi_py is not None
    checked = 0
    for t, g, Y, Yh, Yu in _cells(df, stances, P):
        w = wide[(wide["target"] == t) & (wide["group"] == g)].set_index("stance").loc[stances]
        lo, hi = ppi_mean_ci(Y, Yh, Yu, alpha=0.1)
        est = ppi_mean_pointestimate(Y, Yh, Yu)
        np.testing.assert_allclose(w["ppi"], est, rtol=0, atol=1e-8)
        np.testing.assert_allclose(w["ppi_low"], lo, rtol=0, atol=1e-8)
        np.testing.assert_allclose(w["ppi_high"], hi, rtol=0, atol=1e-8)
        for k in range(3):
            clo, chi = classical_mean_ci(Y[:, k], alpha=0.1)
            assert abs(w["classical_low"].iloc[k] - clo) < 1e-8
            assert abs(w["classical_high"].iloc[k] - chi) < 1e-8
        checked += 1
    assert checked == 6


def test_replicate_sums_give_the_same_estimate() -> None:
    rng = np.random.default_rng(0)
    for n, N in ((30, 500), (12, 0), (50, 7)):
        Y = np.eye(4)[rng.integers(0, 4, n)]
        Yh = rng.dirichlet([1, 2, 1, 1], n)
        Yu = rng.dirichlet([1, 2, 1, 1], N)
        direct = ppi_shares(Y, Yh, Yu)["estimate"]
        sums = _ppi_from_sums(_features_labelled(Y, Yh).sum(0), _features_other(Yu).sum(0), n, N, 4)
        np.testing.assert_allclose(sums, direct, rtol=0, atol=1e-12)
        assert abs(direct.sum() - 1) < 1e-12  # one lam per cell: the shares sum to one


def _alpha_reference(a: np.ndarray, b: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) from its definition: disagreement within units over
    disagreement between all pairable values."""
    v = np.concatenate([a, b])
    m = len(v)
    d_e = sum(v[i] != v[j] for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    d_o = sum(2 * (x != y) for x, y in zip(a, b)) / m
    return 1 - d_o / d_e


def test_agreement_statistics_against_references() -> None:
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    for _ in range(5):
        a = rng.integers(0, 3, 40)
        b = np.where(rng.random(40) < 0.6, a, rng.integers(0, 3, 40))
        C = np.zeros((3, 3))
        np.add.at(C, (a, b), 1)
        acc, kappa, alpha = _agreement(C)
        assert acc == pytest.approx(np.mean(a == b))
        assert kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
        assert alpha == pytest.approx(_alpha_reference(a, b), abs=1e-12)


def test_agreement_shows_a_predictor_that_errs_more_for_one_group(sim: ModuleType) -> None:
    df = sim.simulate(np.random.default_rng(9), n=6000, n_labels=3000)
    r = dv.stance_shares(df, "stance", "target", pred_col="pred", bootstrap=0, permutations=0)
    acc = r.agreement[r.agreement["group"] != "(all)"].groupby("group")["accuracy"].mean()
    assert acc["A"] > acc["B"] > acc["C"]
    assert abs(acc["A"] - 0.9) < 0.04 and abs(acc["C"] - 0.7) < 0.04
    conf = r.confusion
    assert conf["count"].sum() == 3000
    assert set(r.agreement["group"]) == {"A", "B", "C", "(all)"}


def test_coverage_quick(sim: ModuleType) -> None:
    """60 data sets of the issue's setup (1080 intervals per estimator; the full run, 500 data
    sets, is benchmarks/sim_stance_ppi.py): PPI++ covers near 95%, the naive intervals collapse,
    PPI is much narrower than hand codes alone where the predictor is 90% accurate."""
    res = sim.share_coverage(60, seed=11)
    assert 0.92 <= res["ppi"]["coverage"] <= 0.975
    assert 0.92 <= res["classical"]["coverage"] <= 0.975
    assert res["naive"]["coverage"] < 0.5
    assert res["width_ratio_ppi_over_classical"]["A"] <= 0.8
    assert res["ppi"]["statuses"] == ["ok"]


def test_divergence_quick(sim: ModuleType) -> None:
    res = sim.divergence_coverage(6, bootstrap=100, permutations=100, seed=4)
    assert res["coverage"]["share_difference"] >= 0.8
    assert res["rejection_at_5pct_under_null"]["share_difference"] <= 0.25


def test_divergence_table_and_determinism(data: pd.DataFrame) -> None:
    kw = dict(pred_col="pred", bootstrap=30, permutations=30, seed=3)
    r1 = dv.stance_shares(data, "stance", "target", **kw)
    r2 = dv.stance_shares(data, "stance", "target", **kw)
    pd.testing.assert_frame_equal(r1.divergence, r2.divergence)
    d = r1.divergence
    assert set(d["metric"]) == {"jsd", "tv", "share_difference"}
    # 2 targets x 3 pairs x (jsd, tv, 3 differences)
    assert len(d) == 2 * 3 * 5
    ppi = r1.side_by_side().set_index(["target", "group", "stance"])["ppi"]
    row = d[(d["metric"] == "share_difference") & (d["stance"] == "favour")].iloc[0]
    want = (
        ppi[(row["target"], row["group_a"], "favour")]
        - ppi[(row["target"], row["group_b"], "favour")]
    )
    assert row["value"] == pytest.approx(want, abs=1e-12)
    assert ((d["p_value"] > 0) & (d["p_value"] <= 1)).all()
    r3 = dv.stance_shares(data, "stance", "target", **{**kw, "seed": 4})
    assert not np.array_equal(r1.divergence["ci_low"], r3.divergence["ci_low"])


def test_too_few_labels_row(data: pd.DataFrame) -> None:
    df = data.copy()
    cell = (df["group"] == "C") & (df["target"] == "mediation") & df["stance"].notna()
    df.loc[df.index[cell][5:], "stance"] = None  # leave 5 hand codes in the cell
    r = dv.stance_shares(df, "stance", "target", pred_col="pred", bootstrap=5, permutations=5)
    t = r.table[(r.table["group"] == "C") & (r.table["target"] == "mediation")]
    assert len(t) == 9 and t["estimate"].isna().all()
    assert (t["status"] == "too few labels (5 < 10)").all()
    assert any("too few labels" in n for n in r.notes)
    d = r.divergence[r.divergence["target"] == "mediation"]
    assert "C" not in set(d["group_a"]) | set(d["group_b"])
    assert len(d) == 5  # the one pair A vs B left
    assert any(n.startswith("assumption:") for n in r.notes)


def test_bad_input_is_named(data: pd.DataFrame) -> None:
    df = data.copy()
    df.loc[3, "pred"] = "Favour"
    with pytest.raises(ValueError, match=r"pred_col: predicted stance\(s\) 'Favour'"):
        dv.stance_shares(df, "stance", "target", pred_col="pred")
    df = data.copy()
    df["pred"] = df["pred"].replace("neutral", "against")
    with pytest.raises(ValueError, match=r"stance_col: hand-coded stance\(s\) 'neutral'"):
        dv.stance_shares(df, "stance", "target", pred_col="pred")
    df = data.copy()
    df.loc[7, "target"] = ""
    with pytest.raises(ValueError, match="target_col: 1 statement.*rows 7"):
        dv.stance_shares(df, "stance", "target", pred_col="pred")
    df = data.copy()
    df["p_a"], df["p_f"], df["p_n"] = 0.5, 0.5, 0.5
    with pytest.raises(ValueError, match="prob_cols: the probabilities of a statement must sum"):
        dv.stance_shares(
            df, "stance", "target", prob_cols={"against": "p_a", "favour": "p_f", "neutral": "p_n"}
        )
    with pytest.raises(ValueError, match=r"prob_cols: no probability column.*'neutral'"):
        dv.stance_shares(df, "stance", "target", prob_cols={"against": "p_a", "favour": "p_f"})
    with pytest.raises(ValueError, match="pred_col: give pred_col or prob_cols"):
        dv.stance_shares(df, "stance", "target", pred_col="pred", prob_cols=["p_a"])
    with pytest.raises(ValueError, match="stance_col: no column 'nope'"):
        dv.stance_shares(df, "nope", "target", pred_col="pred")
    with pytest.raises(ValueError, match="min_labels"):
        dv.stance_shares(df, "stance", "target", pred_col="pred", min_labels=1)
    empty = data.assign(stance=None)
    with pytest.raises(ValueError, match="stance_col: no statement has a hand code"):
        dv.stance_shares(empty, "stance", "target", pred_col="pred")


def test_builtin_classifier_is_cross_fitted() -> None:
    """A hand-coded statement's prediction comes from a model that never saw it: changing its
    own hand code leaves its own prediction unchanged (and changes others')."""
    c = dv.partial_coding_example()
    f = c.frame.copy()
    coded = np.flatnonzero(f["stance"].notna().to_numpy())
    assert len(coded) == round(len(f) / 3)
    i = int(coded[0])
    f2 = f.copy()
    f2.loc[i, "stance"] = "neutral" if f.loc[i, "stance"] != "neutral" else "favour"

    def probs(frame: pd.DataFrame) -> np.ndarray:
        from divergence._stance_ppi import _builtin_predictions

        y = frame["stance"].to_numpy(dtype=object)
        lab = frame["stance"].notna().to_numpy()
        return _builtin_predictions(
            frame["text"].tolist(),
            frame["target"].to_numpy().astype(str),
            y,
            lab,
            ["against", "favour", "neutral"],
            5,
            0,
            None,
        )

    p1, p2 = probs(f), probs(f2)
    np.testing.assert_array_equal(p1[i], p2[i])
    assert not np.allclose(p1, p2)
    assert np.allclose(p1.sum(axis=1), 1)


def test_cli_example_prints_three_estimates() -> None:
    r = CliRunner().invoke(main, ["stance", "--example", "--bootstrap", "5", "--permutations", "5"])
    assert r.exit_code == 0, r.output
    out = r.stdout
    for head in ("PPI++", "hand codes only", "predictions as truth", "assumption:"):
        assert head in out
    assert "too few labels" in out
    assert "57 of 170 statements hand-coded" in out
    assert "predictions: built-in logistic regression, cross-fitted over 5 folds" in out
    assert "3 group x target cell(s) have fewer than 40 hand codes" in r.output  # a note


def test_cli_outputs_and_bad_input(tmp_path: Path, data: pd.DataFrame) -> None:
    src = tmp_path / "coded.csv"
    data.assign(text="some words here").to_csv(src, index=False)
    out = tmp_path / "shares.csv"
    r = CliRunner().invoke(
        main,
        [
            "stance",
            str(src),
            "--target-col",
            "target",
            "--pred-col",
            "pred",
            "--bootstrap",
            "10",
            "--permutations",
            "10",
            "--format",
            "csv",
            "-o",
            str(out),
            "--plot",
            str(tmp_path / "shares.png"),
        ],
    )
    assert r.exit_code == 0, r.output
    shares = pd.read_csv(out)
    assert set(shares["estimator"]) == {"ppi", "classical", "naive"}
    for name in ("divergence", "agreement", "confusion"):
        assert (tmp_path / f"shares.{name}.csv").exists()
    assert (tmp_path / "shares.png").stat().st_size > 0
    manifest = json.loads((tmp_path / "shares.csv.manifest.json").read_text())
    assert manifest["command"] == "stance"
    bad = data.assign(text="w")
    bad.loc[4, "pred"] = "pro"
    src2 = tmp_path / "bad.csv"
    bad.to_csv(src2, index=False)
    r = CliRunner().invoke(
        main, ["stance", str(src2), "--target-col", "target", "--pred-col", "pred"]
    )
    assert r.exit_code == 3
    assert "'pro'" in r.output


@pytest.mark.parametrize(
    "arg, value, exc",
    [
        ("seed", -1, ValueError),
        ("seed", "1", TypeError),
        ("bootstrap", -1, ValueError),
        ("bootstrap", 2.0, TypeError),
        ("permutations", True, TypeError),
        ("ci", 1.0, ValueError),
        ("ci", "0.9", TypeError),
        ("ci_method", "studentized", ValueError),
        ("folds", 1, ValueError),
        ("min_labels", 2.5, TypeError),
    ],
)
def test_arguments_checked_as_every_analysis(
    data: pd.DataFrame, arg: str, value: object, exc: type
) -> None:
    with pytest.raises(exc, match=f"^{arg}"):
        dv.stance_shares(data, "stance", "target", pred_col="pred", **{arg: value})


def test_cli_missing_prediction_names_file_and_line(tmp_path: Path, data: pd.DataFrame) -> None:
    bad = data.assign(text="w")
    bad.loc[4, "pred"] = None
    src = tmp_path / "gaps.csv"
    bad.to_csv(src, index=False)
    r = CliRunner().invoke(
        main, ["stance", str(src), "--target-col", "target", "--pred-col", "pred"]
    )
    assert r.exit_code == 3
    assert "--pred-col: 1 statement(s) without a prediction" in r.output
    assert "gaps.csv line 6" in r.output  # header line 1, row 4 of the frame
