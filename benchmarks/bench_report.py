"""The HTML report at scale: size and time of ``divergence.report`` on N synthetic statements.

Targets (issue 14): on 1 million statements the page is under 15 MB and is made (analyses,
page, written with its manifest) in under 60 s on 2 cores; the example report is under 1 MB
(checked by tests/test_report.py). Scattertext's users report 50 MB to 572 MB for corpora of
this size (its issues #11, #110).

The corpus: K groups (default 4), 8-30 words per statement drawn from a Zipf(1.1) vocabulary of
V words (default 20000), each group with its own tilt on 5% of the words; with --dates, dates
over two years (and so the drift section: between-group windows with bootstrap bands, the
costliest part). Run alone::

    PYTHONPATH=python python benchmarks/bench_report.py --n 1000000 --jobs 2

Measured (2 cores shared with other work, so wall times are stretched; CPU time counts all
threads, user + sys of the process). Before the speed-ups of issue 14's last point (load
average 13-16): 1M statements without dates: 6.26 MB, 20.8 s CPU; with --dates: 6.67 MB, 179 s
CPU (wall 1069 s under that load). Again at load average 1.7: with --dates 6.67 MB, 122.3 s CPU,
106.1 s wall.

Then: the drift section's bootstrap adds each drawn statement once times its multiplicity, in
row order, over (window, replicate) tasks; its block jackknife is one core pass
(``window_between_jackknife``) and compare's takes each block's sums out of the groups' sums,
instead of recomputing on a copy of X per block; a permutation's largest group is the totals
minus the others; the report reuses its counts for the drift section instead of tokenising
again. Same numbers bit for bit (tests/test_drift.py, test_intervals.py, test_report.py, the C++
tests). After, default replicates (200 bootstrap, 200 permutations), load average 3.7 (other
work on the machine): with --dates 6.67 MB, 31.3 s CPU, 25.6 s wall; without dates 6.26 MB,
16.3 s CPU, 16.1 s wall (load 3.3). Per stage with --dates (CPU s, load average 4.3): compare's
replicates over 1M statements 11.6, drift's window_between (11 windows of ~167,000 statements,
200 replicates; 115.6 s CPU before) 13.0, drift's jackknife 1.2 (3.4 before), tokenising 1.1
(twice before), statements for the explorer 1.3, compare's jackknife 0.9 (2.9 before); about
5 s of it runs on one thread, so on 2 free cores about 27 / 2 + 5 = 19 s (an estimate).

Not part of ``run.py --quick`` (a full-size run takes about a minute); ``run.py`` without
--quick runs the 1M case.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pandas as pd

SIZE_TARGET = 15_000_000
TIME_TARGET = 60.0


def synthetic(
    n: int, k: int = 4, vocab: int = 20000, seed: int = 0, dates: bool = False
) -> pd.DataFrame:
    """``n`` statements: party, speaker, text and, with ``dates``, a date (see the module
    docstring)."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(vocab)], dtype=object)
    base = 1.0 / np.arange(1, vocab + 1) ** 1.1
    groups = rng.integers(0, k, n)
    lengths = rng.integers(8, 31, n)
    total = int(lengths.sum())
    tokens = np.empty(total, dtype=np.int64)
    owner = np.repeat(groups, lengths)
    for g in range(k):
        p = base.copy()
        tilt = rng.choice(vocab, vocab // 20, replace=False)
        p[tilt] *= 3.0
        p /= p.sum()
        m = owner == g
        tokens[m] = rng.choice(vocab, int(m.sum()), p=p)
    toks = words[tokens]
    ends = np.cumsum(lengths)
    starts = ends - lengths
    texts = [" ".join(toks[a:b]) for a, b in zip(starts, ends)]
    frame = pd.DataFrame(
        {
            "party": [f"party {chr(65 + g)}" for g in groups],
            "speaker": [f"speaker {g}-{s}" for g, s in zip(groups, rng.integers(0, 50, n))],
            "text": texts,
        }
    )
    if dates:
        days = rng.integers(0, 730, n)
        frame["date"] = pd.Timestamp("2022-01-01") + pd.to_timedelta(days, unit="D")
    return frame


def measure(
    n: int, n_jobs: int = 2, k: int = 4, bootstrap: int = 200, dates: bool = False
) -> Dict[str, Any]:
    import divergence as dv

    t0 = time.perf_counter()
    frame = synthetic(n, k, dates=dates)
    c = dv.Corpus.from_frame(frame)
    t1 = time.perf_counter()
    c1 = time.process_time()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        r = dv.report(c, bootstrap=bootstrap, permutations=bootstrap, n_jobs=n_jobs)
        t2 = time.perf_counter()
        r.write(out)
        t3 = time.perf_counter()
        c3 = time.process_time()
        size = out.stat().st_size
    data = r.data
    return {
        "n": n,
        "groups": k,
        "jobs": n_jobs,
        "bootstrap": bootstrap,
        "corpus_s": round(t1 - t0, 2),
        "analyses_s": round(t2 - t1, 2),
        "page_and_write_s": round(t3 - t2, 2),
        "report_s": round(t3 - t1, 2),
        # CPU time of all threads of the report (a machine shared with other work stretches
        # the wall time; with 2 uncontended cores it is about report_cpu_s / 2 or more)
        "report_cpu_s": round(c3 - c1, 2),
        "load_average_before": load,
        "load_average_after": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "bytes": size,
        "pairs": len(data["pairs"]),
        "terms": len(data["vocab"]),
        "statements_embedded": len(data["st"]),
        "sections": [s[0] for s in r.sections],
    }


def cases(quick: bool) -> List[Dict[str, Any]]:
    if quick:
        return []  # a full-size run takes about a minute: not part of the quick CI check

    def run(n_jobs: int = 2) -> Dict[str, Any]:
        m = measure(1_000_000, n_jobs)
        ok = m["bytes"] < SIZE_TARGET and m["report_s"] < TIME_TARGET
        return {
            "name": "report 1M statements",
            "ours_s": m["report_s"],
            "baselines": {},
            "ratios": {},
            "target": f"< {SIZE_TARGET / 1e6:.0f} MB and < {TIME_TARGET:.0f} s",
            "passed": ok,
            "extra": {"notes": [json.dumps(m)]},
        }

    return [{"name": "report 1M statements", "run": run}]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--groups", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument("--dates", action="store_true", help="add dates: the drift section too")
    a = ap.parse_args()
    c0 = time.process_time()
    m = measure(a.n, a.jobs, a.groups, a.bootstrap, a.dates)
    m["cpu_s_all"] = round(time.process_time() - c0, 2)  # this process, corpus included
    m["size_target_met"] = m["bytes"] < SIZE_TARGET
    m["time_target_met"] = m["report_s"] < TIME_TARGET
    json.dump(m, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
