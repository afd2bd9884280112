"""Benchmark (issue 13, point 7): the in-memory engine's memory guard against measured peaks.

Runs ``divergence compare`` (the in-memory engine, writing nothing) in a child process on the
first ``n`` shards of bench_scale.py's synthetic Parquet corpus (100,000 statements of 50
words per shard; made when absent) and records its peak resident memory (``ru_maxrss`` of the
child) next to ``divergence._engine.memory_estimate`` for the same files. A child whose
resident memory passes ``--limit-gib`` is killed (the row says so).

    python benchmarks/bench_memory_guard.py --shards 1 5 10 20 \\
        --options "" "--bootstrap-scheme poisson" \\
        "--bootstrap-scheme poisson --permutation-scheme keyed"

The measured table is in benchmarks/README.md ("Scale").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def cases(quick: bool) -> List[Dict[str, Any]]:
    """No tracked cases: minutes per row and GBs of memory; run standalone."""
    return []


def peak(paths: List[str], options: List[str], limit: float) -> Dict[str, Any]:
    """The child's exit code, seconds and peak resident bytes (killed above ``limit`` bytes)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    env.pop("DIVERGENCE_MEMORY_AVAILABLE", None)
    t = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "divergence", "compare", *paths, *options],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed = []

    def watch() -> None:
        while child.poll() is None:
            try:
                with open(f"/proc/{child.pid}/status") as f:
                    rss = [int(x.split()[1]) * 1024 for x in f if x.startswith("VmRSS")]
                if rss and rss[0] > limit:
                    killed.append(rss[0])
                    child.kill()
            except OSError:
                pass
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    _, status, usage = os.wait4(child.pid, 0)
    return {
        "exit_code": os.waitstatus_to_exitcode(status),
        "seconds": time.perf_counter() - t,
        "peak_bytes": usage.ru_maxrss * 1024,
        "killed_above_limit": bool(killed),
    }


def main(argv: Optional[List[str]] = None) -> List[Dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shards", type=int, nargs="+", default=[1, 5])
    ap.add_argument("--options", nargs="+", default=[""], help="compare options, one string each")
    ap.add_argument("--limit-gib", type=float, default=8.0)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT / "python"))
    from bench_scale import make_shards  # type: ignore[import-not-found]
    from divergence._engine import memory_estimate

    per = 100_000
    n = per * max(args.shards)
    # the first shards of every corpus bench_scale.py makes are the same: use a larger one made
    base = Path(tempfile.gettempdir()) / "divergence-bench-scale"
    made = [int(f.name[1:].split("_")[0]) for f in base.glob(f"n*_s{per}")] if base.is_dir() else []
    n = min([m for m in made if m >= n], default=n)
    shards = [str(p) for p in make_shards(base / f"n{n}_s{per}", n, per)]
    rows = []
    for k in args.shards:
        paths = shards[:k]
        need, text = memory_estimate(paths)
        for opt in args.options:
            r = peak(paths, opt.split(), args.limit_gib * 2**30)
            r.update(statements=k * per, options=opt, text_bytes=text, estimate_bytes=need)
            rows.append(r)
            print(
                f"{k * per:>9,} statements {opt or '(defaults)':52s} text {text / 2**30:.3f} GiB"
                f"  peak {r['peak_bytes'] / 2**30:.2f} GiB  estimate {need / 2**30:.2f} GiB"
                f" ({need / r['peak_bytes'] - 1:+.0%})  {r['seconds']:.0f} s"
                f"  exit {r['exit_code']}{'  KILLED' if r['killed_above_limit'] else ''}",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
