"""How often select_k picks the planted number of topics (not part of run.py's benchmarks).

For each method (LDA, NMF), planted k (8, 16) and corpus seed s = 0 .. N-1: a corpus with k
planted topics (``planted`` of tests/test_topic_select.py: disjoint 60-term blocks, Zipf
within each block, 600 statements of 100-300 tokens mixing 1-3 topics), then
``select_k(X, [k // 2, k, 2 * k], method=..., seed=0)`` with every other setting at its
default. A trial succeeds when the chosen k is the planted one. Prints, per method and k, the
successes, the choices, and the held-out log-likelihood gaps (nats per token) between k/2, k
and 2k in units of the best candidate's standard error (the rule's margin is 1).

    PYTHONPATH=python python benchmarks/topic_select_planted.py --seeds 20 --jobs 2
    PYTHONPATH=python python benchmarks/topic_select_planted.py --init sklearn   # former start

About 5 s per trial on one core of the 2-core VM (3 fits each).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "tests"))


def trial(args: Tuple[str, int, int, str]) -> Dict[str, Any]:
    method, k, seed, init = args
    from divergence import select_k
    from test_topic_select import planted  # type: ignore[import-not-found]

    t0 = time.perf_counter()
    X, _ = planted(k, seed=seed)
    table, chosen = select_k(X, [k // 2, k, 2 * k], method=method, seed=0, n_jobs=1, init=init)
    ll = dict(zip(table["k"], table["heldout_loglik"]))
    se = float(table["heldout_se"][table["heldout_loglik"].idxmax()])
    return {
        "method": method,
        "k": k,
        "seed": seed,
        "init": init,
        "chosen": int(chosen),
        "ok": int(chosen) == k,
        "gap_half_se": (ll[k] - ll[k // 2]) / se,  # > 0: k fits better than k/2
        "gap_double_se": (ll[2 * k] - ll[k]) / se,  # < 1: 2k gains less than one SE
        "seconds": time.perf_counter() - t0,
    }


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20, help="corpus seeds 0 .. N-1 (default 20)")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--methods", default="lda,nmf")
    ap.add_argument("--ks", default="8,16")
    ap.add_argument("--init", default="anchors", choices=["anchors", "sklearn"])
    ap.add_argument("--jobs", type=int, default=1, help="processes")
    ap.add_argument("--json", help="write the trials here (JSON lines)")
    a = ap.parse_args(argv)
    tasks = [
        (m, int(k), s, a.init)
        for m in a.methods.split(",")
        for k in a.ks.split(",")
        for s in range(a.first_seed, a.first_seed + a.seeds)
    ]
    with ProcessPoolExecutor(max_workers=a.jobs) as pool:
        results = list(pool.map(trial, tasks))
    if a.json:
        with open(a.json, "w") as f:
            for r in results:
                f.write(json.dumps(r) + "\n")
    print(
        f"select_k on planted corpora, candidates {{k/2, k, 2k}}, init={a.init}, "
        f"corpus seeds {a.first_seed}..{a.first_seed + a.seeds - 1}"
    )
    print(
        f"{'method':<6} {'k':>3} {'picked k':>9} {'choices':<24} "
        f"{'(k - k/2)/SE min':>16} {'(2k - k)/SE max':>16} {'s/trial':>8}"
    )
    for m in a.methods.split(","):
        for k in (int(x) for x in a.ks.split(",")):
            rs = [r for r in results if r["method"] == m and r["k"] == k]
            choices: Dict[int, int] = {}
            for r in rs:
                choices[r["chosen"]] = choices.get(r["chosen"], 0) + 1
            ch = ", ".join(f"{c}: {n}" for c, n in sorted(choices.items()))
            print(
                f"{m:<6} {k:>3} {sum(r['ok'] for r in rs):>4}/{len(rs):<4} {ch:<24} "
                f"{min(r['gap_half_se'] for r in rs):>16.1f} "
                f"{max(r['gap_double_se'] for r in rs):>16.2f} "
                f"{sum(r['seconds'] for r in rs) / len(rs):>8.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
