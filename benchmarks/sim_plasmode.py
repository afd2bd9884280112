"""Coverage of compare's intervals on real text with known truth (a plasmode simulation).

The multinomial simulation of ``sim_coverage.py`` draws every token independently from a fixed
5000-word vocabulary; real text is neither (words come in bursts, and the vocabulary keeps
growing with the sample). Here the population is real: the paragraphs (blank-line separated, at
least 20 words) of two parties' documents in ../shared/data, tokenised as ``compare`` does
(``Vectorizer()``). The true divergence is the JSD of the two populations' pooled counts. A
data set draws n paragraphs of each party with replacement (independent draws from the
population, so the population's JSD is exactly what is estimated) and goes through compare's
own steps (the core's resampling bootstrap, the block jackknife, the Chao-Wang-Jost bias
estimate, ``summarise``), as ``sim_coverage.py`` does.

Corpora: ``sotu`` (US State of the Union addresses, Democratic against Republican presidents)
and ``manifestos`` (UK manifestos 1945-2005, Conservative against Labour). Skips with a
message when ../shared/data is absent. Printed per n: the share of data sets whose interval
the tool withholds (undersampled groups), the coverage of the intervals it gives (and of all,
withheld or not), their mean width, and the bias and SD of each estimate. Not part of the quick
benchmark run: ``python benchmarks/sim_plasmode.py --corpus sotu --sizes 1000 2000 4000``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

import divergence as dv
from divergence._util.replicates import hapax_share, undersampled_reasons
from sim_coverage import (
    BOOTSTRAP_SPREAD,
    PLUGIN_JACKKNIFE,
    dataset_replicates,
    replicate_options,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = {
    # file, group column, the two groups
    "sotu": ("us_sotu.csv", "party", ("Democratic", "Republican")),
    "manifestos": ("uk_manifestos.csv", "party", ("Con", "Lab")),
}
#: The intervals measured: the tool's two around the bias-corrected estimates, the same two with
#: the bootstrap replicates' spread (the default before the jackknife-t spread), and as they
#: were before the entropy estimate (the jackknife of the plug-in value and the bootstrap's own
#: correction; ``sim_coverage.DataSet.summary``).
VARIANTS = tuple(
    m + v for v in ("", BOOTSTRAP_SPREAD, PLUGIN_JACKKNIFE) for m in ("bracket", "corrected")
)


def paragraphs(corpus: str) -> Tuple[sp.csr_matrix, np.ndarray, List[str]]:
    """The population: every paragraph's counts (CSR), its group (0/1) and the group names."""
    name, col, groups = CORPORA[corpus]
    d = pd.read_csv(SHARED / name)
    d = d[d[col].isin(groups)]
    text, group = [], []
    for g, doc in zip(d[col], d["text"]):
        for para in str(doc).split("\n\n"):
            if len(para.split()) >= 20:
                text.append(para)
                group.append(groups.index(g))
    X = sp.csr_matrix(dv.Vectorizer().fit_transform(text), dtype=np.float64)
    return X, np.asarray(group), list(groups)


def plug_in_jsd(a: np.ndarray, b: np.ndarray) -> float:
    p, q = a / a.sum(), b / b.sum()
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kp = np.where(p > 0, p * np.log(p / m), 0.0).sum()
        kq = np.where(q > 0, q * np.log(q / m), 0.0).sum()
    return float(0.5 * kp + 0.5 * kq)


def run(args: argparse.Namespace) -> Dict[str, object]:
    X, group, names = paragraphs(args.corpus)
    A, B = X[group == 0], X[group == 1]
    truth = plug_in_jsd(np.asarray(A.sum(axis=0)).ravel(), np.asarray(B.sum(axis=0)).ravel())
    print(
        f"{args.corpus}: {A.shape[0]} / {B.shape[0]} paragraphs ({names[0]} / {names[1]}), "
        f"{X.shape[1]} terms, true JSD {truth:.4f}",
        flush=True,
    )
    rng = np.random.default_rng(args.seed)
    cells = []
    for n in args.sizes:
        hit = {m: 0 for m in VARIANTS}
        hit_all = {m: 0 for m in VARIANTS}
        width = {m: 0.0 for m in VARIANTS}
        est: Dict[str, List[float]] = {k: [] for k in ("value", "corrected", "entropy", "plugin")}
        withheld, hapax = 0, []
        t0 = time.perf_counter()
        for d in range(args.datasets):
            Xd = sp.vstack(
                [A[rng.integers(A.shape[0], size=n)], B[rng.integers(B.shape[0], size=n)]]
            ).tocsr()
            labels = np.repeat([0, 1], n)
            ds = dataset_replicates(Xd, labels, d, args.bootstrap, args.jobs, args.blocks)
            shares = hapax_share(ds.sums)
            hapax.append(float(shares.max()))
            shown = undersampled_reasons(shares, names)[0, 1] == ""
            withheld += not shown
            for m in VARIANTS:
                lo, hi, corrected = ds.cell(m)
                inside = lo <= truth <= hi
                hit_all[m] += inside
                if shown:
                    hit[m] += inside
                    width[m] += hi - lo
                if m == "corrected":
                    est["corrected"].append(corrected)
                if m == "corrected" + PLUGIN_JACKKNIFE:
                    est["plugin"].append(corrected)
            est["value"].append(ds.value)
            est["entropy"].append(ds.value - ds.bias_value)
        given = args.datasets - withheld
        cell = {
            "corpus": args.corpus,
            "paragraphs_per_group": n,
            "true_jsd": truth,
            "datasets": args.datasets,
            "withheld": withheld / args.datasets,
            "max_hapax_share": float(np.mean(hapax)),
            "coverage": {m: hit[m] / given if given else float("nan") for m in VARIANTS},
            "coverage_all": {m: hit_all[m] / args.datasets for m in VARIANTS},
            "mean_width": {m: width[m] / given if given else float("nan") for m in VARIANTS},
            "bias": {k: float(np.mean(v) - truth) for k, v in est.items()},
            "sd": {k: float(np.std(v)) for k, v in est.items()},
            "seconds": time.perf_counter() - t0,
        }
        cells.append(cell)
        cov = "  ".join(
            f"{m} {cell['coverage'][m]:.2f} ({cell['coverage_all'][m]:.2f} all, "
            f"width {cell['mean_width'][m]:.4f})"
            for m in VARIANTS
        )
        bias_text = " ".join(f"{k} {cell['bias'][k]:+.4f} (sd {cell['sd'][k]:.4f})" for k in est)
        print(
            f"n={n:5d} withheld {cell['withheld']:.2f} (hapax {cell['max_hapax_share']:.3f})  "
            f"{cov}  bias: {bias_text}  ({cell['seconds']:.0f} s)",
            flush=True,
        )
    return {"settings": {k: str(v) for k, v in vars(args).items()}, "cells": cells}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--corpus", choices=sorted(CORPORA), default="sotu")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    ap.add_argument("--datasets", type=int, default=100)
    replicate_options(ap)
    return ap


def main() -> None:
    args = parser().parse_args()
    if not (SHARED / CORPORA[args.corpus][0]).exists():
        print(f"skipped: {SHARED / CORPORA[args.corpus][0]} not found")
        return
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
