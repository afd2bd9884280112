"""Wordfish: is the parametric bootstrap's spread of theta the size of the Hessian standard errors?

For each data set, with stop words removed (scikit-learn's English list) and kept, and for both
solvers, this fits Wordfish, runs a parametric bootstrap of B replicates and prints

* ``n_iter``: outer iterations of the fit;
* ``boot iters``: median (min-max) outer iterations of the replicates;
* ``median SD``: median over documents of the bootstrap SD of theta;
* ``median SE``: median over documents of the Hessian standard error ``se_theta_``;
* ``ratio``: median SD / median SE (the acceptance band of issue 12 point 2 is 0.5-2);
* ``zero-width``: how many document, group-mean and group-distance bootstrap intervals have
  width 0 (or below 1e-12);
* ``outlier``: the document Wordfish names as dominating the dimension, if any.

Data (../shared/data, third-party, never committed; a set whose file is missing is skipped):
UK manifestos, Con and Lab national 1945-2005 (32 documents, groups = party); Irish budget 2010
(14 speeches, groups = party); the bundled example corpus (170 statements, groups = party); the
same plus one Spanish statement (``spanish_frame()`` of tests/test_scaling.py).
Vectorizer(min_df=2) (min_df=1 for the Spanish set, whose Spanish words all occur in one
document). Not part of the test suite (tens of minutes: the converged solver's replicates run
hundreds of iterations); the figures are in docs/scaling.md.

    PYTHONPATH=python python benchmarks/wordfish_boot_sd.py [--boot 50] [--jobs 2] [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
import warnings
from typing import Iterator, List, Optional, Tuple

import numpy as np
import pandas as pd

import divergence

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data")


def data_sets() -> Iterator[Tuple[str, List[str], List[str], List[str], int]]:
    """(name, texts, document ids, groups, min_df) of every data set present."""
    uk = os.path.join(SHARED, "uk_manifestos.csv")
    if os.path.exists(uk):
        u = pd.read_csv(uk)
        s = u[(u.type == "natl") & u.party.isin(["Con", "Lab"])].reset_index(drop=True)
        yield "UK manifestos Con+Lab 1945-2005", list(s.text), list(s.doc_id), list(s.party), 2
    ib = os.path.join(SHARED, "irishbudget2010.csv")
    if os.path.exists(ib):
        b = pd.read_csv(ib)
        yield "Irish budget 2010", list(b.text), list(b.doc_id), list(b.party), 2
    c = divergence.Corpus.example()
    yield "example corpus", list(c.text), [str(x) for x in c.id], [str(g) for g in c.group], 2
    # The tests' corpus with one Spanish statement; min_df=1, as its words all occur once.
    spec = importlib.util.spec_from_file_location(
        "test_scaling", os.path.join(HERE, "..", "tests", "test_scaling.py")
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    d = mod.spanish_frame()
    yield "example + 1 Spanish statement", list(d.text), list(d.id), list(d.party), 1


def zero_width(low: np.ndarray, high: np.ndarray) -> int:
    return int(np.sum(np.asarray(high) - np.asarray(low) < 1e-12))


def run(boot: int, jobs: int, quick: bool) -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    print(f"B = {boot} replicates, n_jobs = {jobs}, Vectorizer(min_df=2; 1 for the Spanish set)")
    print(
        f"{'data':<32} {'stop words':<10} {'solver':<9} {'n_iter':>6} {'boot iters':>14} "
        f"{'median SD':>9} {'median SE':>9} {'ratio':>6} {'zero-width':>10} {'s':>6}  outlier"
    )
    for name, texts, ids, groups, min_df in data_sets():
        for stop in ("removed", "kept"):
            vec = divergence.Vectorizer(
                min_df=min_df, stop_words=sorted(ENGLISH_STOP_WORDS) if stop == "removed" else None
            )
            X = vec.fit_transform(texts)
            keep = np.flatnonzero(np.asarray(X.sum(axis=1)).ravel() > 0)
            X, d_ids = X[keep], [ids[i] for i in keep]
            g = [groups[i] for i in keep]
            first_other = next(i for i, x in enumerate(g) if x != g[0])
            for solver in ("quanteda", "converged"):
                t0 = time.perf_counter()
                m = divergence.Wordfish(solver=solver, dir=(0, first_other), n_jobs=jobs)
                outlier: Optional[str] = None
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m.fit(X, doc_names=d_ids)
                    tb = m.bootstrap(boot)
                if m.outlier_ is not None:
                    outlier = d_ids[m.outlier_]
                sd = np.median(tb.std(axis=0, ddof=1))
                se = np.median(m.se_theta_)
                docs = m.documents()
                gp = m.group_positions(g)
                gd = m.group_distances(g)
                zw = (
                    zero_width(docs["boot_low"], docs["boot_high"])
                    + zero_width(gp["boot_low"], gp["boot_high"])
                    + zero_width(gd["boot_low"], gd["boot_high"])
                )
                its = m.boot_n_iter_
                print(
                    f"{name:<32} {stop:<10} {solver:<9} {m.n_iter_:>6} "
                    f"{f'{int(np.median(its))} ({its.min()}-{its.max()})':>14} "
                    f"{sd:>9.4f} {se:>9.4f} {sd / se:>6.2f} {zw:>10} "
                    f"{time.perf_counter() - t0:>6.1f}  {outlier or '-'}",
                    flush=True,
                )
            if quick:
                break


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boot", type=int, default=50)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="stop words removed only")
    a = ap.parse_args()
    run(a.boot, a.jobs, a.quick)


if __name__ == "__main__":
    main()
