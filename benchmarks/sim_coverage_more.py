"""Coverage of the default (bracket) intervals of stance divergences and of partisanship, by
simulation with known truth (the companion of ``sim_coverage.py``, which measures compare).

Stances: three groups whose hand-coded stances (three classes) are drawn from known class
probabilities; the JSD between two groups' stance distributions is known. Each data set goes
through ``divergence.stance_divergence`` (statements resampled within groups, the block
jackknife, 200 bootstrap replicates) and the default interval is checked for the true JSD.

Partisanship: two parties of speakers, each speaker's phrase counts a multinomial draw (300
phrases) from the party's distribution over V = 2000 Zipf-distributed phrases; the true
partisanship of Gentzkow, Shapiro and Taddy (2019) is computed from the two distributions,
pi = 1/2 q_R . rho + 1/2 q_D . (1 - rho) with rho = q_R / (q_R + q_D). Each data set goes
through ``divergence.partisanship`` (speakers resampled within parties) and both estimators'
default intervals are checked for it.

``python benchmarks/sim_coverage_more.py --datasets 200`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

import divergence as dv
from divergence._util.replicates import CI_METHODS, DEFAULT_CI_METHOD


def jsd(p: np.ndarray, q: np.ndarray) -> float:
    m = (p + q) / 2
    a = p > 0
    b = q > 0
    return float(
        0.5 * np.sum(p[a] * np.log(p[a] / m[a])) + 0.5 * np.sum(q[b] * np.log(q[b] / m[b]))
    )


STANCE_PROBS = {
    "equal": [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]],
    "apart": [[0.6, 0.3, 0.1], [0.4, 0.4, 0.2], [0.1, 0.3, 0.6]],
}


def stances(args: argparse.Namespace) -> List[Dict[str, object]]:
    rng = np.random.default_rng(args.seed)
    out = []
    for case, probs in STANCE_PROBS.items():
        P = np.array(probs)
        truth = {(a, b): jsd(P[a], P[b]) for a in range(3) for b in range(a + 1, 3)}
        for n in args.stance_sizes:
            hit = {k: 0 for k in truth}
            bias = {k: 0.0 for k in truth}
            t0 = time.perf_counter()
            for d in range(args.datasets):
                rows = []
                for g in range(3):
                    lab = rng.choice(3, size=n, p=P[g])
                    rows += [(f"g{g}", f"s{x}", "t") for x in lab]
                df = pd.DataFrame(rows, columns=["group", "stance", "target"])
                r = dv.stance_divergence(
                    df,
                    "stance",
                    "target",
                    metrics=["jsd"],
                    bootstrap=args.bootstrap,
                    permutations=0,
                    seed=d,
                    n_jobs=1,
                    ci_method=args.ci_method,
                )
                for row in r.table.itertuples():
                    key = (int(row.group_a[1]), int(row.group_b[1]))
                    hit[key] += row.ci_low <= truth[key] <= row.ci_high
                    bias[key] += row.corrected - truth[key]
            cov = np.mean([hit[k] / args.datasets for k in truth])
            cell = {
                "case": case,
                "statements_per_group": n,
                "coverage": float(cov),
                "coverage_by_pair": {f"{a}-{b}": hit[(a, b)] / args.datasets for a, b in truth},
                "bias_corrected": float(np.mean([bias[k] / args.datasets for k in truth])),
                "true_jsd": {f"{a}-{b}": truth[(a, b)] for a, b in truth},
                "seconds": time.perf_counter() - t0,
            }
            print(
                f"stances {case:5s} n={n:4d}: default-interval coverage {cov:.3f} "
                f"(by pair {', '.join(f'{v:.2f}' for v in cell['coverage_by_pair'].values())}),"
                f" mean bias of corrected {cell['bias_corrected']:+.4f} "
                f"({cell['seconds']:.0f} s)",
                flush=True,
            )
            out.append(cell)
    return out


def partisanship_truth(qR: np.ndarray, qD: np.ndarray) -> float:
    s = qR + qD
    rho = np.where(s > 0, qR / np.where(s > 0, s, 1), 0.5)
    return float(0.5 * qR @ rho + 0.5 * qD @ (1 - rho))


def partisanship(args: argparse.Namespace) -> List[Dict[str, object]]:
    rng = np.random.default_rng(args.seed + 1)
    V = 2000
    w = 1.0 / (np.arange(V) + 2.7)
    qR = w / w.sum()
    out = []
    for shift in args.shifts:
        qD = (1 - shift) * qR + shift * qR[rng.permutation(V)]
        truth = partisanship_truth(qR, qD)
        for n in args.speaker_sizes:
            hit = {"plug-in": 0, "leave-out": 0}
            shown = {"plug-in": 0, "leave-out": 0}
            bias = {"plug-in": 0.0, "leave-out": 0.0}
            t0 = time.perf_counter()
            for d in range(args.datasets):
                X = sp.csr_matrix(
                    np.vstack(
                        [rng.multinomial(300, qR, size=n), rng.multinomial(300, qD, size=n)]
                    ).astype(float)
                )
                groups = np.repeat(["R", "D"], n)
                r = dv.partisanship(
                    X,
                    groups,
                    bootstrap=args.bootstrap,
                    permutations=0,
                    seed=d,
                    n_jobs=1,
                    ci_method=args.ci_method,
                )
                for row in r.table.itertuples():
                    bias[row.estimator] += row.corrected - truth
                    if np.isfinite(row.ci_low):
                        shown[row.estimator] += 1
                        hit[row.estimator] += row.ci_low <= truth <= row.ci_high
            cell = {
                "shift": shift,
                "true_partisanship": truth,
                "speakers_per_party": n,
                "coverage": {k: hit[k] / max(shown[k], 1) for k in hit},
                "shown": {k: shown[k] / args.datasets for k in shown},
                "bias_corrected": {k: bias[k] / args.datasets for k in bias},
                "seconds": time.perf_counter() - t0,
            }
            print(
                f"partisanship shift={shift:.2f} (true {truth:.4f}) speakers={n:4d}: coverage "
                f"leave-out {cell['coverage']['leave-out']:.3f} (shown "
                f"{cell['shown']['leave-out']:.2f}), plug-in {cell['coverage']['plug-in']:.3f} "
                f"(shown {cell['shown']['plug-in']:.2f}); bias of corrected: leave-out "
                f"{cell['bias_corrected']['leave-out']:+.5f}, plug-in "
                f"{cell['bias_corrected']['plug-in']:+.5f} ({cell['seconds']:.0f} s)",
                flush=True,
            )
            out.append(cell)
    return out


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--datasets", type=int, default=200)
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument("--ci-method", default=DEFAULT_CI_METHOD, choices=CI_METHODS)
    ap.add_argument("--stance-sizes", type=int, nargs="+", default=[30, 100, 300])
    ap.add_argument("--speaker-sizes", type=int, nargs="+", default=[100, 400])
    ap.add_argument("--shifts", type=float, nargs="+", default=[0.0, 0.3])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", choices=["stances", "partisanship"])
    return ap


def main() -> None:
    args = parser().parse_args()
    if args.only in (None, "stances"):
        stances(args)
    if args.only in (None, "partisanship"):
        partisanship(args)


if __name__ == "__main__":
    main()
