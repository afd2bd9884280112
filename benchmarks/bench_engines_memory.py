"""Benchmark (issue 13, point 5): peak memory of partisanship and drift by the stream engine
against the in-memory engine, as the corpus grows with the speakers fixed.

Writes a synthetic corpus as Parquet shards (Zipf vocabulary of 20,000 words, 2 groups,
``--speakers`` speakers each in one group, dates over 10 years, 30 words per statement,
``--per-shard`` statements per shard; cached in a temporary folder) and runs, each in a fresh
subprocess with its peak resident memory (``ru_maxrss``) and time:

* ``partisanship`` in memory (``Corpus.read`` of every shard, then ``partisanship``) and
  ``stream_partisanship`` (keeps the counts summed per speaker: its peak should not grow with
  the statements once the speakers' sums are in);
* ``drift`` (mode between, yearly windows, bootstrap) in memory and ``stream_drift`` (keeps every
  statement's counts but not its text: grows with the corpus, more slowly);
* ``stream_drift`` without replicates (``attrs["memory"] == "bucket sums"``: only the (year,
  group) sums are kept, so its peak should not grow with the statements), and with the
  ``bootstrap_scheme="poisson"`` bootstrap (also on bucket sums: each cell's replicates'
  and jackknife blocks' sums).

    python benchmarks/bench_engines_memory.py --statements 100000 400000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import in_child  # noqa: E402  (the child process and its reading)


def make_shards(folder: Path, n: int, per_shard: int, speakers: int, seed: int = 0) -> List[Path]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    letters = np.array(list("etaoinshrdlucmfwypvbgkjqxz"))
    vocab = np.array(
        ["".join(rng.choice(letters, rng.integers(3, 10))) for _ in range(20_000)], dtype=object
    )
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    paths = []
    start = np.datetime64("2010-01-01")
    for s, lo in enumerate(range(0, n, per_shard)):
        path = folder / f"shard{s:05d}.parquet"
        paths.append(path)
        if path.exists():
            continue
        m = min(per_shard, n - lo)
        words = vocab[rng.choice(len(vocab), size=(m, 30), p=p)]
        spk = rng.integers(0, speakers, m)
        days = np.sort(rng.integers(0, 3650, m))
        table = pa.table(
            {
                "id": [f"s{lo + i}" for i in range(m)],
                "party": np.where(spk % 2 == 0, "A", "B").tolist(),
                "speaker": [f"speaker{k}" for k in spk],
                "date": [str(d) for d in (start + days)],
                "text": [" ".join(row) for row in words],
            }
        )
        tmp = path.with_suffix(".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    return paths


P = "speakers='speaker', bootstrap={boot}, permutations={boot}, n_jobs=2"
D = "window='1Y', mode='between', bootstrap={boot}, permutations={boot}, n_jobs=2"
BODIES = {
    "partisanship (memory)": f"r = dv.partisanship(dv.Corpus.read(paths), {P})",
    "stream_partisanship": f"r = dv.stream_partisanship(paths, {P}, progress=lambda d, n: None)",
    "drift (memory)": f"t = dv.drift(dv.Corpus.read(paths), {D})",
    "stream_drift": f"t = dv.stream_drift(paths, {D}, progress=lambda d, n: None)",
    "stream_drift (bucket sums)": (
        "t = dv.stream_drift(paths, window='1Y', mode='between', n_jobs=2, "
        "progress=lambda d, n: None)\nassert t.attrs['memory'] == 'bucket sums'"
    ),
    "stream_drift (bucket sums, poisson)": (
        "t = dv.stream_drift(paths, window='1Y', mode='between', bootstrap={boot}, "
        "bootstrap_scheme='poisson', n_jobs=2, progress=lambda d, n: None)\n"
        "assert t.attrs['memory'] == 'bucket sums'"
    ),
}


def run(name: str, paths: List[str], boot: int) -> Dict[str, Any]:
    return in_child(BODIES[name].format(boot=boot), paths)[0]


def cases(quick: bool) -> List[Dict[str, Any]]:
    """No tracked cases: this benchmark writes hundreds of MB and runs standalone (minutes),
    outside benchmarks/run.py's ratio tracking."""
    return []


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--statements", type=int, nargs="+", default=[100_000, 400_000])
    ap.add_argument("--per-shard", type=int, default=25_000)
    ap.add_argument("--speakers", type=int, default=2_000)
    ap.add_argument("--bootstrap", type=int, default=20)
    ap.add_argument("--skip", nargs="*", default=[])
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    base = Path(tempfile.gettempdir()) / "divergence-bench-engines"
    results: Dict[str, Any] = {}
    for n in args.statements:
        folder = base / f"n{n}_s{args.per_shard}_k{args.speakers}"
        paths = make_shards(folder, n, args.per_shard, args.speakers)
        size = sum(p.stat().st_size for p in paths)
        print(  # the corpus
            f"{n} statements, {30 * n / 1e6:.1f}M words, {len(paths)} shards, {size / 1e6:.0f} MB"
        )
        row: Dict[str, Any] = {"files_bytes": size, "tokens": 30 * n}
        for name in BODIES:
            if name in args.skip:
                continue
            r = run(name, [str(p) for p in paths], args.bootstrap)
            row[name] = r
            print(f"  {name:24s} {r['seconds']:7.1f} s  peak {r['peak_bytes'] / 2**20:7.0f} MiB")
        results[str(n)] = row
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
