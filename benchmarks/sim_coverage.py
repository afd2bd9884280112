"""Coverage of the bootstrap intervals of a group divergence, by simulation with known truth.

Two groups of statements, each statement a multinomial draw (100-300 tokens) from its group's
word distribution over V = 5000 terms (Zipf-like), the two distributions at a known JSD
(0 to 0.3 nats). For each data set the groups' JSD is estimated by the core (``group_matrix``,
statements resampled within groups, as ``compare`` does) and every interval method is checked
for whether it holds the true JSD. ``--mixing`` adds statement-level heterogeneity: each
statement mixes its group's distribution with one of a few shared topics (the case in which
statements are not exchangeable bags of tokens).

Printed: per (statements per group, true JSD) the coverage of each method's nominal 95% interval
and the bias of the plug-in and of the corrected estimates; the standard deviation of the
plug-in and corrected estimates over data sets against the mean bootstrap replicates' standard
deviation and the block jackknife's standard error of value - bias (what sets the width of the
default interval); the bracket and corrected intervals with the bootstrap's spread instead
(" (bootstrap spread)") and as they were before the entropy estimate (" (plug-in jackknife)").
``--scheme poisson`` runs each data set through ``compare(bootstrap_scheme="poisson")`` instead
(the engines' bounded-memory scheme, with compare's keyed jackknife blocks) and measures the
two intervals around the bias-corrected estimates, ``bracket`` and ``corrected``.
Not part of the quick benchmark run (it takes minutes):
``python benchmarks/sim_coverage.py --datasets 200``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

import divergence as dv
from divergence._compare import group_jackknife, jsd_bias_cells
from divergence._util.groups import group_sums
from divergence._util.replicates import (
    CI_METHODS,
    JACKKNIFE_BLOCKS,
    JACKKNIFE_T_MIN_BLOCKS,
    Summary,
    hapax_share,
    summarise,
    undersampled_reasons,
)

#: Suffix of the interval variants measured as they were before the entropy estimate.
PLUGIN_JACKKNIFE = " (plug-in jackknife)"
#: Suffix of the interval variants with the entropy estimate but the bootstrap replicates'
#: spread (the default before the jackknife-t spread).
BOOTSTRAP_SPREAD = " (bootstrap spread)"


def jsd(p: np.ndarray, q: np.ndarray) -> float:
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log(a[nz] / m[nz])))

    return 0.5 * kl(p) + 0.5 * kl(q)


def zipf(V: int, rng: np.random.Generator) -> np.ndarray:
    w = 1.0 / (np.arange(V) + 2.7)
    return w / w.sum()


def pair_at(p: np.ndarray, target: float, rng: np.random.Generator) -> np.ndarray:
    """q = (1 - t) p + t r with r a shuffled Zipf, t chosen so that JSD(p, q) = target."""
    if target == 0:
        return p.copy()
    r = p[rng.permutation(p.size)]
    lo, hi = 0.0, 1.0
    if jsd(p, r) < target:
        raise ValueError(f"target {target} beyond JSD(p, r) = {jsd(p, r):.3f}")
    for _ in range(60):
        t = (lo + hi) / 2
        if jsd(p, (1 - t) * p + t * r) < target:
            lo = t
        else:
            hi = t
    t = (lo + hi) / 2
    return (1 - t) * p + t * r


def statements(
    dist: np.ndarray, n: int, rng: np.random.Generator, topics: np.ndarray | None, mix: float
) -> sp.csr_matrix:
    lengths = rng.integers(100, 301, size=n)
    V = dist.size
    rows, cols = [], []
    for i, L in enumerate(lengths):
        d = dist
        if topics is not None:
            d = (1 - mix) * dist + mix * topics[rng.integers(len(topics))]
        tok = rng.choice(V, size=L, p=d)
        rows.append(np.full(L, i))
        cols.append(tok)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    X = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(n, V))
    X.sum_duplicates()
    return X


@dataclass(frozen=True)
class DataSet:
    """One data set of two groups through compare's own steps (the resampling scheme): the
    core's observed and bootstrap values, the block jackknife, the group sums, and the JSD's
    Chao-Wang-Jost bias estimate with its values on the jackknife's blocks."""

    obs: np.ndarray
    boot: np.ndarray
    jack: np.ndarray
    sums: np.ndarray
    bias: np.ndarray
    bias_jack: Optional[np.ndarray]

    @property
    def value(self) -> float:
        return float(self.obs[0, 0, 1])

    @property
    def bias_value(self) -> float:
        return float(self.bias[0, 0, 1])

    def summary(self, method: str) -> Summary:
        """``summarise`` by ``method``, as compare does; a name ending in
        :data:`PLUGIN_JACKKNIFE` gives that interval as it was before the entropy estimate
        (the jackknife of the plug-in value, and the bootstrap's own correction), one ending in
        :data:`BOOTSTRAP_SPREAD` the same estimates with the bootstrap's spread."""
        variant = method.replace(PLUGIN_JACKKNIFE, "").replace(BOOTSTRAP_SPREAD, "")
        entropy = not method.endswith(PLUGIN_JACKKNIFE)
        return summarise(
            self.obs,
            self.boot,
            None,
            method=variant,
            jackknife=self.jack,
            lower=0.0,
            bias=self.bias if entropy else None,
            bias_jackknife=self.bias_jack if entropy else None,
            # no number of blocks is enough for the jackknife-t spread: the bootstrap's
            jackknife_t_blocks=sys.maxsize
            if method.endswith(BOOTSTRAP_SPREAD)
            else JACKKNIFE_T_MIN_BLOCKS,
        )

    def cell(self, method: str) -> Tuple[float, float, float]:
        """The pair's (ci_low, ci_high, corrected) by :meth:`summary`."""
        s = self.summary(method)
        return float(s.ci_low[0, 0, 1]), float(s.ci_high[0, 0, 1]), float(s.corrected[0, 0, 1])


def dataset_replicates(
    X: sp.csr_matrix,
    labels: np.ndarray,
    seed: int,
    bootstrap: int,
    jobs: int,
    blocks: int = JACKKNIFE_BLOCKS,
) -> DataSet:
    """:class:`DataSet` of statements ``X`` in groups ``labels`` (0/1), replicates seeded by
    ``seed``, the jackknife on at most ``blocks`` blocks (compare's G: 20, fewer where a
    group of the corpus has fewer statements)."""
    obs, boot, _ = dv.group_matrix(
        X, labels, 2, ["jsd"], bootstrap=bootstrap, seed=seed, n_jobs=jobs
    )
    jack, _, bias_jack = group_jackknife(X, labels, 2, ["jsd"], 0.0, None, seed, jobs, blocks)
    sums = group_sums(X, labels, 2)
    bias = jsd_bias_cells(sums, ["jsd"], None, jobs)
    assert bias is not None  # integer counts
    return DataSet(obs, boot, jack, sums, bias, bias_jack)


def poisson_dataset(
    X: sp.csr_matrix,
    labels: np.ndarray,
    d: int,
    args: argparse.Namespace,
    truth: float,
    hit: Dict[str, int],
    width: Dict[str, float],
    est: Dict[str, List[float]],
    boot_sd: List[float],
) -> bool:
    """One data set through ``compare(bootstrap_scheme="poisson")``, once per interval method
    (the same seed: the same replicates); a withheld interval is not counted as covering or not.
    Returns whether it was withheld."""
    shown = True
    for m in hit:
        res = dv.compare(
            X,
            labels,
            metric="jsd",
            bootstrap=args.bootstrap,
            permutations=0,
            seed=d,
            terms=False,
            bootstrap_scheme="poisson",
            ci_method=m,
            n_jobs=args.jobs,
        )
        row = res.table.iloc[0]
        shown = bool(np.isfinite(row["ci_low"]))
        if shown:
            hit[m] += row["ci_low"] <= truth <= row["ci_high"]
            width[m] += row["ci_high"] - row["ci_low"]
    est["value"].append(float(row["value"]))
    est["corrected"].append(float(row["corrected"]))
    boot_sd.append(float(np.std(np.asarray(res.bootstrap["jsd"])[:, 0, 1], ddof=1)))
    return not shown


def run(args: argparse.Namespace) -> Dict[str, object]:
    rng = np.random.default_rng(args.seed)
    V = args.vocabulary
    p = zipf(V, rng)
    topics = None
    if args.mixing > 0:
        topics = np.stack([p[rng.permutation(V)] for _ in range(5)])
    cells: List[Dict[str, object]] = []
    # the Poisson scheme is measured through compare itself (its keyed jackknife blocks are
    # compare's own): the two intervals around the bias-corrected estimates
    methods = list(CI_METHODS) if args.scheme == "resample" else ["bracket", "corrected"]
    if args.scheme == "resample":
        methods += [
            m + v for v in (BOOTSTRAP_SPREAD, PLUGIN_JACKKNIFE) for m in ("bracket", "corrected")
        ]
    for n in args.sizes:
        for target in args.jsd:
            q = pair_at(p, target, np.random.default_rng(args.seed + 1))
            # With mixing, the group distributions are the expected statement distributions.
            if topics is not None:
                tm = topics.mean(axis=0)
                mix = args.mixing
                truth = jsd((1 - mix) * p + mix * tm, (1 - mix) * q + mix * tm)
            else:
                truth = jsd(p, q)
            hit = {m: 0 for m in methods}
            width = {m: 0.0 for m in methods}
            withheld = 0
            est: Dict[str, List[float]] = {
                "value": [],
                "corrected": [],
                "entropy": [],
                "plugin_jackknife": [],
            }
            # the spreads behind the interval's width: the bootstrap replicates' SD and the
            # block jackknife's standard error of value - bias, per data set (against the
            # estimates' own SD over data sets)
            boot_sd: List[float] = []
            jack_se: List[float] = []
            t0 = time.perf_counter()
            for d in range(args.datasets):
                X = sp.vstack(
                    [
                        statements(p, n, rng, topics, args.mixing),
                        statements(q, n, rng, topics, args.mixing),
                    ]
                ).tocsr()
                labels = np.repeat([0, 1], n)
                if args.scheme == "poisson":
                    withheld += poisson_dataset(X, labels, d, args, truth, hit, width, est, boot_sd)
                    continue
                ds = dataset_replicates(X, labels, d, args.bootstrap, args.jobs, args.blocks)
                reasons = undersampled_reasons(hapax_share(ds.sums), ["a", "b"])
                withheld += reasons[0, 1] != ""
                for m in methods:
                    # coverage of every method whether or not the tool would print it
                    lo, hi, corrected = ds.cell(m)
                    hit[m] += lo <= truth <= hi
                    width[m] += hi - lo
                    if m == "corrected":
                        est["corrected"].append(corrected)
                    if m == "corrected" + PLUGIN_JACKKNIFE:
                        est["plugin_jackknife"].append(corrected)
                est["value"].append(ds.value)
                est["entropy"].append(ds.value - ds.bias_value)
                assert ds.bias_jack is not None
                jv = np.asarray(ds.jack - ds.bias_jack, dtype=float)[:, 0, 0, 1]
                G = jv.size
                jack_se.append(float(np.sqrt((G - 1) / G * np.sum((jv - jv.mean()) ** 2))))
                boot_sd.append(float(np.std(np.asarray(ds.boot)[:, 0, 0, 1], ddof=1)))
            shown = args.datasets - withheld if args.scheme == "poisson" else args.datasets
            cell = {
                "scheme": args.scheme,
                "statements_per_group": n,
                "true_jsd": truth,
                "datasets": args.datasets,
                "coverage": {m: hit[m] / max(shown, 1) for m in methods},
                "mean_width": {m: width[m] / max(shown, 1) for m in methods},
                "withheld": withheld / args.datasets,
                "bias_plugin": float(np.mean(est["value"]) - truth),
                "bias_corrected": float(np.mean(est["corrected"]) - truth),
                # value - the Chao-Wang-Jost bias estimate (the bracket's other end), and the
                # jackknife of the plug-in value (the corrected estimate before it)
                "bias_entropy": float(np.mean(est["entropy"]) - truth)
                if est["entropy"]
                else float("nan"),
                "bias_plugin_jackknife": float(np.mean(est["plugin_jackknife"]) - truth)
                if est["plugin_jackknife"]
                else float("nan"),
                "sd_plugin": float(np.std(est["value"])),
                "sd_corrected": float(np.std(est["corrected"])),
                "mean_boot_sd": float(np.mean(boot_sd)),
                "mean_jackknife_se": float(np.mean(jack_se)) if jack_se else float("nan"),
                "seconds": time.perf_counter() - t0,
            }
            cells.append(cell)
            cov = "  ".join(f"{m} {cell['coverage'][m]:.2f}" for m in methods)
            print(
                f"n={n:5d} jsd={truth:.3f}  {cov}  bias plug-in {cell['bias_plugin']:+.4f} "
                f"corrected {cell['bias_corrected']:+.4f} entropy {cell['bias_entropy']:+.4f} "
                f"plug-in jackknife {cell['bias_plugin_jackknife']:+.4f}  "
                f"withheld {cell['withheld']:.2f}  "
                f"sd plug-in {cell['sd_plugin']:.4f} corrected {cell['sd_corrected']:.4f} "
                f"boot {cell['mean_boot_sd']:.4f} jackknife {cell['mean_jackknife_se']:.4f}  "
                f"({cell['seconds']:.0f} s)",
                flush=True,
            )
    return {"settings": vars(args), "cells": cells}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--datasets", type=int, default=200)
    ap.add_argument("--vocabulary", type=int, default=5000)
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000])
    ap.add_argument("--jsd", type=float, nargs="+", default=[0.0, 0.02, 0.05, 0.1, 0.3])
    ap.add_argument("--mixing", type=float, default=0.0)
    ap.add_argument("--scheme", choices=["resample", "poisson"], default="resample")
    replicate_options(ap)
    return ap


def replicate_options(ap: argparse.ArgumentParser) -> None:
    """The options sim_coverage and sim_plasmode share: replicates, seed, threads, the
    jackknife's blocks and the JSON output."""
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument(
        "--blocks",
        type=int,
        default=JACKKNIFE_BLOCKS,
        help="at most this many jackknife blocks, as compare uses where a group of the corpus "
        "has fewer statements (resampling scheme; the Poisson scheme runs compare as it is)",
    )
    ap.add_argument("--json", type=Path)


def main() -> None:
    args = parser().parse_args()
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
