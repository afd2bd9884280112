"""Benchmark: reading a large CSV or JSON Lines file into a Corpus, against pyarrow's readers
and pandas.

Generates (once, cached in a temporary folder) a synthetic CSV of 400,000 statements, about
213 MB (columns id, party, date, text; Zipf-like words, some quoted fields with commas and
newlines), or the same statements as JSON Lines (``--format jsonl``, about 240 MB), then times
each reader in a fresh subprocess and records its peak resident memory (``ru_maxrss`` of the
child, which includes the interpreter and imports, about 100 MB):

* ``Corpus.read`` (the package: bytes to a Corpus with every check of the readers);
* ``pyarrow.csv.read_csv`` / ``pyarrow.json.read_json`` (the floor: the parse alone, no
  checks, Arrow strings);
* the package before issue 13 (the standard library's csv / json module, forced in the child);
* ``pandas.read_csv`` / ``pandas.read_json(lines=True)``.

    python benchmarks/bench_read.py [--format csv|jsonl] [--rows 400000] [--repeat 3]
                                    [--json out.json]

Memory is stated against the file size (the issue's target: peak at most 3x the file).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

ROOT = Path(__file__).resolve().parents[1]

CSV_READERS = {
    "divergence Corpus.read": (
        "import divergence as dv\nc = dv.Corpus.read(PATH)\nn = len(c)\n",
        "import divergence",
    ),
    "pyarrow.csv.read_csv": (
        "import pyarrow.csv as pc\n"
        "t = pc.read_csv(PATH, parse_options=pc.ParseOptions(newlines_in_values=True))\n"
        "n = t.num_rows\n",
        "import pyarrow.csv",
    ),
    "divergence Corpus.read, stdlib CSV (before)": (
        "import divergence as dv\nimport divergence._readers as R\n"
        "R._read_delimited_arrow = R._delimited_plan = lambda *a, **k: None\n"
        "c = dv.Corpus.read(PATH)\nn = len(c)\n",
        "import divergence",
    ),
    "pandas.read_csv": (
        "import pandas as pd\nd = pd.read_csv(PATH)\nn = len(d)\n",
        "import pandas",
    ),
}

JSONL_READERS = {
    "divergence Corpus.read": (
        "import divergence as dv\nc = dv.Corpus.read(PATH)\nn = len(c)\n",
        "import divergence",
    ),
    "pyarrow.json.read_json": (
        "import pyarrow.json as pj\nt = pj.read_json(PATH)\nn = t.num_rows\n",
        "import pyarrow.json",
    ),
    "divergence Corpus.read, json module (before)": (
        "import divergence as dv\nimport divergence._readers as R\n"
        "R._read_jsonl_arrow = R._jsonl_plan = lambda *a, **k: None\n"
        "c = dv.Corpus.read(PATH)\nn = len(c)\n",
        "import divergence",
    ),
    "pandas.read_json(lines=True)": (
        "import pandas as pd\nd = pd.read_json(PATH, lines=True)\nn = len(d)\n",
        "import pandas",
    ),
}

READERS = {"csv": CSV_READERS, "jsonl": JSONL_READERS}

CHILD = """
import resource, sys, time
sys.path.insert(0, {python!r})
{warm}
PATH = {path!r}
t0 = time.perf_counter()
{body}
dt = time.perf_counter() - t0
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, n)
"""


def _statements(rows: int, seed: int = 0) -> Iterator[Tuple[str, str, str, str]]:
    """(id, party, date, text) of synthetic statements of about 530 bytes each (213 MB of CSV
    at 400,000 rows); one in ten texts holds a comma, quotes and a newline."""
    rng = random.Random(seed)
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    vocab = [
        "".join(rng.choice(letters[: rng.randint(8, 26)]) for _ in range(rng.randint(2, 10)))
        for _ in range(20_000)
    ]
    cum = []
    acc = 0.0
    for k in range(len(vocab)):
        acc += 1.0 / (k + 1)
        cum.append(acc)
    parties = ["Labour", "Conservative", "Liberal Democrat", "Green"]
    for i in range(rows):
        words = rng.choices(vocab, cum_weights=cum, k=72)
        text = " ".join(words)
        if i % 10 == 0:
            text = f'{text[:200]}, "quoted",\n{text[200:]}'
        year = 1990 + i % 30
        yield f"s{i}", parties[i % 4], f"{year}-0{1 + i % 9}-1{i % 10}", text


def make_csv(path: Path, rows: int, seed: int = 0) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write("id,party,date,text\n")
        for ident, party, date, text in _statements(rows, seed):
            if "\n" in text:
                text = '"' + text.replace('"', '""') + '"'
            f.write(f"{ident},{party},{date},{text}\n")
    os.replace(tmp, path)


def make_jsonl(path: Path, rows: int, seed: int = 0) -> None:
    """The same statements as :func:`make_csv`, one JSON object per line."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        for ident, party, date, text in _statements(rows, seed):
            record = {"id": ident, "party": party, "date": date, "text": text}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def run_one(name: str, path: Path, fmt: str = "csv") -> Dict[str, float]:
    body, warm = READERS[fmt][name]
    code = CHILD.format(python=str(ROOT / "python"), warm=warm, path=str(path), body=body)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    return {"seconds": float(out[0]), "peak_bytes": float(out[1]), "rows": float(out[2])}


def cases(quick: bool) -> List[Dict[str, Any]]:
    """No tracked cases: this benchmark generates hundreds of MB and runs standalone (minutes),
    outside benchmarks/run.py's ratio tracking."""
    return []


def main(argv: List[str] | None = None) -> Dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--format", choices=sorted(READERS), default="csv")
    ap.add_argument("--rows", type=int, default=400_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default=None, help="one reader's name")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    folder = Path(tempfile.gettempdir()) / "divergence-bench-read"
    folder.mkdir(exist_ok=True)
    path = folder / f"statements_{args.rows}.{args.format}"
    if not path.exists():
        (make_jsonl if args.format == "jsonl" else make_csv)(path, args.rows)
    size = path.stat().st_size
    print(f"file: {path} ({size / 1e6:.0f} MB, {args.rows} statements)")
    results: Dict[str, Any] = {
        "format": args.format,
        "file_bytes": size,
        "rows": args.rows,
        "readers": {},
    }
    for name in READERS[args.format]:
        if args.only and name != args.only:
            continue
        runs = [run_one(name, path, args.format) for _ in range(args.repeat)]
        best = min(r["seconds"] for r in runs)
        peak = max(r["peak_bytes"] for r in runs)
        results["readers"][name] = {"seconds": best, "peak_bytes": peak}
        print(
            f"{name:44s} {best:6.2f} s (best of {args.repeat})  "
            f"peak {peak / 1e9:5.2f} GB = {peak / size:4.1f}x the file"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
