"""Benchmark (issue 13): does the stream engine's memory stay flat as the corpus grows?

Writes a synthetic corpus as Parquet shards (Zipf vocabulary of 50,000 words, 4 groups, about
50 tokens per statement, ``--per-shard`` statements per shard; cached in a temporary folder)
and, each in a fresh subprocess with its peak resident memory (``ru_maxrss``):

* ``stream_terms`` (the stream engine; memory: one shard + K x V group sums);
* ``dask_terms`` on a LocalCluster of 2 worker processes (the client's peak; each worker's
  peak goes to stderr, in KiB);
* ``stream_compare`` with ``--bootstrap`` Poisson replicates and ``--permutations`` keyed
  relabellings (the bounded path: only K x V sums per replicate are kept, so its memory should
  not grow with the corpus);
* ``dask_compare`` the same on a LocalCluster of 2 worker processes (each file's sums added
  along one chain of tasks per worker; the client's peak, each worker's to stderr);
* the baseline: pandas.read_parquet of every shard + scikit-learn's CountVectorizer, on the
  same corpus (the in-memory way, as far as it fits);
* the in-memory engine's memory guard (``divergence compare`` on all shards with
  ``DIVERGENCE_MEMORY_AVAILABLE`` set below its estimate: exit code 4 expected).

    python benchmarks/bench_scale.py --statements 200000 1000000 [--per-shard 100000]

The issue's target run is 10 million statements (~500M tokens) with 100 bootstrap replicates:
on the shared 2-core development VM the stream engine took 620 s at a peak of 0.88 GiB (1M:
0.92 GiB); the measured table is in benchmarks/README.md ("Scale").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ["A", "B", "C", "D"]


def make_shards(folder: Path, n: int, per_shard: int, seed: int = 0) -> List[Path]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    letters = np.array(list("etaoinshrdlucmfwypvbgkjqxz"))
    vocab = np.array(
        ["".join(rng.choice(letters, rng.integers(3, 10))) for _ in range(50_000)], dtype=object
    )
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    paths = []
    for s, lo in enumerate(range(0, n, per_shard)):
        path = folder / f"shard{s:05d}.parquet"
        paths.append(path)
        if path.exists():
            continue
        m = min(per_shard, n - lo)
        words = vocab[rng.choice(len(vocab), size=(m, 50), p=p)]
        text = [" ".join(row) for row in words]
        table = pa.table(
            {
                "id": [f"s{lo + i}" for i in range(m)],
                "party": [GROUPS[(lo + i) % 4] for i in range(m)],
                "text": text,
            }
        )
        tmp = path.with_suffix(".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    return paths


CHILD = """
import resource, sys, time
sys.path.insert(0, {python!r})
import divergence as dv
paths = {paths!r}
t0 = time.perf_counter()
{body}
dt = time.perf_counter() - t0
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""

BODIES = {
    "stream_terms": "t = dv.stream_terms(paths, progress=lambda d, n: None)",
    "stream_compare": (
        "r = dv.stream_compare(paths, bootstrap={boot}, permutations={perm}, "
        "bootstrap_scheme='poisson', permutation_scheme='keyed', progress=lambda d, n: None)\n"
        "assert r.settings['memory'] == 'bounded'"
    ),
    "dask_compare (2 local workers)": (
        "import resource, distributed\n"
        "cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,"
        " host='127.0.0.1', dashboard_address=':0')\n"
        "client = distributed.Client(cl)\n"
        "r = dv.dask_compare(paths, client=client, bootstrap={boot}, permutations={perm}, "
        "bootstrap_scheme='poisson', permutation_scheme='keyed', n_jobs=1)\n"
        "peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        "print('worker peaks', *peaks.values(), file=sys.stderr)\n"
        "client.close(); cl.close()"
    ),
    "dask_terms (2 local workers)": (
        "import resource, distributed\n"
        "cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,"
        " host='127.0.0.1', dashboard_address=':0')\n"
        "client = distributed.Client(cl)\n"
        "t = dv.dask_terms(paths, client=client)\n"
        "peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        "print('worker peaks', *peaks.values(), file=sys.stderr)\n"
        "client.close(); cl.close()"
    ),
    "pandas + CountVectorizer": (
        "import pandas as pd\n"
        "from sklearn.feature_extraction.text import CountVectorizer\n"
        "d = pd.concat([pd.read_parquet(p) for p in paths])\n"
        "X = CountVectorizer().fit_transform(d['text'])"
    ),
}


def in_child(body: str, paths: List[str]) -> Tuple[Dict[str, Any], str]:
    """Runs ``body`` (with ``dv`` and ``paths`` defined) in a fresh interpreter: its seconds
    and peak resident memory (the child's ``ru_maxrss``), and its standard error."""
    code = CHILD.format(python=str(ROOT / "python"), paths=paths, body=body)
    res = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    out = res.stdout.split()
    return {"seconds": float(out[0]), "peak_bytes": float(out[1])}, res.stderr


def run(name: str, paths: List[str], boot: int, perm: int = 0) -> Dict[str, Any]:
    row, stderr = in_child(BODIES[name].format(boot=boot, perm=perm), paths)
    for line in stderr.splitlines():
        if line.startswith("worker peaks"):
            row["worker_peak_bytes"] = max(float(x) * 1024 for x in line.split()[2:])
    return row


def guard(paths: List[Path], available: int) -> int:
    """The in-memory CLI's exit code when ``available`` bytes are said to be free."""
    env = dict(
        os.environ, DIVERGENCE_MEMORY_AVAILABLE=str(available), PYTHONPATH=str(ROOT / "python")
    )
    res = subprocess.run(
        [sys.executable, "-m", "divergence", "compare", *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
    )
    return res.returncode


def cases(quick: bool) -> List[Dict[str, Any]]:
    """No tracked cases: this benchmark generates hundreds of MB and runs standalone (minutes),
    outside benchmarks/run.py's ratio tracking."""
    return []


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--statements", type=int, nargs="+", default=[200_000, 1_000_000])
    ap.add_argument("--per-shard", type=int, default=100_000)
    ap.add_argument("--bootstrap", type=int, default=100)
    ap.add_argument("--permutations", type=int, default=0, help="keyed relabellings")
    ap.add_argument(
        "--subset",
        type=int,
        default=None,
        help="shards read by the pandas + CountVectorizer baseline (default: all)",
    )
    ap.add_argument("--skip", nargs="*", default=[])
    ap.add_argument(
        "--available",
        type=int,
        default=2**30,
        help="bytes the memory guard is told are free (DIVERGENCE_MEMORY_AVAILABLE)",
    )
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    base = Path(tempfile.gettempdir()) / "divergence-bench-scale"
    results: Dict[str, Any] = {}
    for n in args.statements:
        folder = base / f"n{n}_s{args.per_shard}"
        paths = make_shards(folder, n, args.per_shard)
        size = sum(p.stat().st_size for p in paths)
        tokens = 50 * n
        print(
            f"{n} statements, {tokens / 1e6:.0f}M words, {len(paths)} shards, {size / 1e6:.0f} MB"
        )
        row: Dict[str, Any] = {"files_bytes": size, "tokens": tokens}
        for name in BODIES:
            if name in args.skip:
                continue
            use = paths
            if name.startswith("pandas") and args.subset is not None:
                use = paths[: args.subset]  # the first shards
            r = run(name, [str(p) for p in use], args.bootstrap, args.permutations)
            r["tokens"] = tokens * len(use) / len(paths)
            row[name] = r
            workers = (
                f" (workers {r['worker_peak_bytes'] / 2**30:.2f} GiB each at most)"
                if "worker_peak_bytes" in r
                else ""
            )
            print(
                f"  {name:28s} {r['seconds']:7.1f} s  peak {r['peak_bytes'] / 2**30:5.2f} GiB"
                f"  {r['tokens'] / r['seconds'] / 1e6:5.2f}M tokens/s{workers}"
            )
        row["guard_exit_code"] = guard(paths, args.available)
        print(
            f"  memory guard ({args.available / 2**30:.2f} GiB said available): "
            f"exit code {row['guard_exit_code']}"
        )
        results[str(n)] = row
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
