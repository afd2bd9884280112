"""Coverage of :func:`divergence.stance_shares`'s intervals, by simulation with known truth.

The setup of issue 17: 3 groups, 2 targets, 3 stance classes, 20000 statements (group and
target uniform, so about 3333 per cell), each statement's stance drawn from its cell's true
shares (``TRUE_SHARES``); 600 statements hand-coded, drawn at random (about 100 per cell); a
predictor that is right with probability 0.9 / 0.8 / 0.7 in groups A / B / C (0.8 overall)
and otherwise names one of the two other stances at random (so its errors pull every group's
naive shares towards uniform, by different amounts).

Printed, per estimator (PPI++, hand codes only, predictions as truth): the coverage of the
nominal 95% share intervals over every data set and share (18 per data set) of the true
share, and of the realised share of the data set's own statements; the mean interval width
per group, and the PPI / hand-codes-only width ratio in each group. With ``--bootstrap``, on
the first ``--boot-datasets`` data sets: the coverage of the 95% percentile bootstrap
intervals of the group differences (share differences, TV, JSD in nats), and the size of the
permutation test at 5% under a null setting (every group with the same true shares, the
predictor's accuracy still 0.9 / 0.8 / 0.7).

Not part of the quick benchmark run (it takes minutes); the tests run a bounded version
(tests/test_stance_ppi.py). Full run: ``python benchmarks/sim_stance_ppi.py --datasets 500
--bootstrap 200 --boot-datasets 200``.

Measured (2026-12-07, seed 0; 2 shared cores under load ~12: 274 s for the 500 share data sets,
324 s for the 200 divergence data sets with 200 bootstrap and 200 permutation replicates):

- share intervals, 500 data sets x 18 shares = 9000 per estimator, coverage of the true share
  (of the data set's realised share): PPI++ 94.4% (95.5%), hand codes only 94.2% (94.7%),
  predictions as truth 24.4% (24.0%);
- mean interval width, groups A / B / C (accuracy 0.9 / 0.8 / 0.7): PPI++ 0.096 / 0.129 /
  0.141, hand codes only 0.170 / 0.176 / 0.165, naive 0.030 / 0.031 / 0.031; PPI++ / hand
  codes only: 0.57 / 0.73 / 0.86 (43% narrower at 90% accuracy);
- group differences, 200 data sets x 6 pairs, percentile bootstrap (200 replicates): coverage
  of the true JSD 93.8%, TV 91.2%, share differences 93.6% (18 per data set);
- permutation test at 5% under the null (equal shares in every group, accuracy still 0.9 /
  0.8 / 0.7), 200 data sets x 6 pairs: rejects JSD 5.0%, TV 4.25%, share differences 5.0%;
- ``--stratified 300`` (hand-coded at rates 1% / 3% / 6% in groups A / B / C: about 34 / 100 /
  199 hand codes per cell; no weights, every estimate within its cell; 100 s): PPI++ coverage
  90.8% / 93.7% / 94.4% by group (92.96% overall), hand codes only 93.3% / 93.6% / 94.1%,
  naive 23.9%; PPI++ / hand codes only width 0.53 / 0.73 / 0.87. With about 30 hand codes per
  cell the normal PPI++ interval covers about 91%, not 95%.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

import divergence as dv

GROUPS = ("A", "B", "C")
TARGETS = ("corridor", "mediation")
STANCES = ("against", "favour", "neutral")
ACCURACY = (0.9, 0.8, 0.7)
# true shares per group and target (against, favour, neutral)
TRUE_SHARES = np.array(
    [
        [[0.60, 0.30, 0.10], [0.20, 0.50, 0.30]],
        [[0.30, 0.55, 0.15], [0.25, 0.45, 0.30]],
        [[0.15, 0.70, 0.15], [0.50, 0.20, 0.30]],
    ]
)


def simulate(
    rng: np.random.Generator,
    n: int = 20000,
    n_labels: int = 600,
    shares: np.ndarray = TRUE_SHARES,
    accuracy: Tuple[float, ...] = ACCURACY,
    label_rates: Optional[Tuple[float, ...]] = None,
) -> pd.DataFrame:
    """One data set: group, target, stance (hand code, None where not hand-coded), the true
    stance and the predicted one. ``label_rates``: hand-code each statement of group g with
    probability label_rates[g] (a subset stratified by group) instead of ``n_labels`` at
    random."""
    G, T, K = shares.shape
    g = rng.integers(0, G, n)
    t = rng.integers(0, T, n)
    cum = np.cumsum(shares[g, t], axis=1)
    y = (rng.random(n)[:, None] > cum).sum(axis=1)
    right = rng.random(n) < np.asarray(accuracy)[g]
    yhat = np.where(right, y, (y + rng.integers(1, K, n)) % K)
    coded = np.zeros(n, dtype=bool)
    if label_rates is None:
        coded[rng.choice(n, n_labels, replace=False)] = True
    else:
        coded = rng.random(n) < np.asarray(label_rates)[g]
    st = np.asarray(STANCES, dtype=object)
    return pd.DataFrame(
        {
            "group": np.asarray(GROUPS, dtype=object)[g],
            "target": np.asarray(TARGETS, dtype=object)[t],
            "stance": np.where(coded, st[y], None),
            "truth": st[y],
            "pred": st[yhat],
        }
    )


def _truth_table(df: pd.DataFrame, shares: np.ndarray) -> pd.DataFrame:
    rows = []
    for gi, g in enumerate(GROUPS):
        for ti, t in enumerate(TARGETS):
            sub = df[(df["group"] == g) & (df["target"] == t)]
            for k, s in enumerate(STANCES):
                rows.append(
                    dict(
                        group=g,
                        target=t,
                        stance=s,
                        true=shares[gi, ti, k],
                        realised=float((sub["truth"] == s).mean()),
                    )
                )
    return pd.DataFrame(rows)


def share_coverage(
    datasets: int,
    seed: int = 0,
    ci: float = 0.95,
    label_rates: Optional[Tuple[float, ...]] = None,
) -> Dict[str, Any]:
    """Coverage and width of the three estimators' share intervals over ``datasets`` data
    sets (no replicates needed: the share intervals are analytic)."""
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(datasets):
        df = simulate(rng, label_rates=label_rates)
        r = dv.stance_shares(
            df, "stance", "target", pred_col="pred", bootstrap=0, permutations=0, ci=ci
        )
        t = r.table.merge(_truth_table(df, TRUE_SHARES), on=["group", "target", "stance"])
        parts.append(t)
    t = pd.concat(parts, ignore_index=True)
    t["width"] = t["ci_high"] - t["ci_low"]
    t["covers"] = (t["ci_low"] <= t["true"]) & (t["true"] <= t["ci_high"])
    t["covers_realised"] = (t["ci_low"] <= t["realised"]) & (t["realised"] <= t["ci_high"])
    out: Dict[str, Any] = {"datasets": datasets, "intervals_per_estimator": int(len(t) // 3)}
    for est in ("ppi", "classical", "naive"):
        e = t[t["estimator"] == est]
        out[est] = dict(
            coverage=float(e["covers"].mean()),
            coverage_realised=float(e["covers_realised"].mean()),
            coverage_by_group={g: float(e[e["group"] == g]["covers"].mean()) for g in GROUPS},
            mean_labelled={g: float(e[e["group"] == g]["n_labelled"].mean()) for g in GROUPS},
            mean_width={g: float(e[e["group"] == g]["width"].mean()) for g in GROUPS},
            statuses=sorted(set(e["status"])),
        )
    out["width_ratio_ppi_over_classical"] = {
        g: out["ppi"]["mean_width"][g] / out["classical"]["mean_width"][g] for g in GROUPS
    }
    return out


def _pair_truth(shares: np.ndarray) -> Dict[Tuple[str, str, str, str, Optional[str]], float]:
    truth = {}
    for ti, t in enumerate(TARGETS):
        for a in range(len(GROUPS)):
            for b in range(a + 1, len(GROUPS)):
                p, q = shares[a, ti], shares[b, ti]
                m = (p + q) / 2
                jsd = 0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m))
                key = (t, GROUPS[a], GROUPS[b])
                truth[key + ("jsd", None)] = float(jsd)
                truth[key + ("tv", None)] = float(0.5 * np.abs(p - q).sum())
                for k, s in enumerate(STANCES):
                    truth[key + ("share_difference", s)] = float(p[k] - q[k])
    return truth


def divergence_coverage(
    datasets: int, bootstrap: int, permutations: int, seed: int = 1
) -> Dict[str, Any]:
    """Bootstrap interval coverage of the group differences (true shares TRUE_SHARES) and the
    permutation test's rejection rate at 5% under the null (every group with target-wise
    equal shares)."""
    rng = np.random.default_rng(seed)
    truth = _pair_truth(TRUE_SHARES)
    null_shares = np.repeat(TRUE_SHARES[1:2], len(GROUPS), axis=0)
    cover: Dict[str, List[bool]] = {}
    reject: Dict[str, List[bool]] = {}
    for i in range(datasets):
        df = simulate(rng)
        r = dv.stance_shares(
            df,
            "stance",
            "target",
            pred_col="pred",
            bootstrap=bootstrap,
            permutations=0,
            seed=i,
        )
        for row in r.divergence.to_dict("records"):
            s = row["stance"] if isinstance(row["stance"], str) else None
            key = (row["target"], row["group_a"], row["group_b"], row["metric"], s)
            cover.setdefault(row["metric"], []).append(
                bool(row["ci_low"] <= truth[key] <= row["ci_high"])
            )
        df0 = simulate(rng, shares=null_shares)
        r0 = dv.stance_shares(
            df0,
            "stance",
            "target",
            pred_col="pred",
            bootstrap=0,
            permutations=permutations,
            seed=i,
        )
        for row in r0.divergence.to_dict("records"):
            reject.setdefault(row["metric"], []).append(bool(row["p_value"] <= 0.05))
    return dict(
        datasets=datasets,
        bootstrap=bootstrap,
        permutations=permutations,
        coverage={m: float(np.mean(v)) for m, v in cover.items()},
        rejection_at_5pct_under_null={m: float(np.mean(v)) for m, v in reject.items()},
    )


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=int, default=500)
    ap.add_argument("--bootstrap", type=int, default=0)
    ap.add_argument("--permutations", type=int, default=200)
    ap.add_argument("--boot-datasets", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--stratified",
        type=int,
        default=0,
        help="also this many data sets hand-coded at rates 1%% / 3%% / 6%% in groups A / B / C",
    )
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    res: Dict[str, Any] = {"shares": share_coverage(a.datasets, a.seed)}
    res["shares"]["seconds"] = time.perf_counter() - t0
    if a.stratified:
        t1 = time.perf_counter()
        res["stratified"] = share_coverage(a.stratified, a.seed + 2, label_rates=(0.01, 0.03, 0.06))
        res["stratified"]["seconds"] = time.perf_counter() - t1
    if a.bootstrap:
        t1 = time.perf_counter()
        res["divergence"] = divergence_coverage(
            a.boot_datasets, a.bootstrap, a.permutations, a.seed + 1
        )
        res["divergence"]["seconds"] = time.perf_counter() - t1
    text = json.dumps(res, indent=2)
    print(text)
    if a.json:
        Path(a.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
