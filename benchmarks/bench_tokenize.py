"""Benchmark: divergence.Vectorizer.fit_transform against scikit-learn's CountVectorizer.

Both run in the same process on the same texts with the same (default) options, and the results
are checked to be identical before the times are reported. Corpus: the UN General Debate
statements of ../shared/data/ungd_caucasus.csv, replicated to about 10 million tokens (full mode);
quick mode uses a slice of it, or a synthetic text when ../shared is absent.

    python benchmarks/bench_tokenize.py [--quick] [--json out.json]

``cases(quick)`` is the interface used by benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
try:  # an installed divergence (CI) or PYTHONPATH=python (developers)
    import divergence  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT / "python"))

UNGD = ROOT.parent / "shared" / "data" / "ungd_caucasus.csv"
BASELINE = "sklearn CountVectorizer.fit_transform"
FULL_TOKENS = 10_000_000
QUICK_TOKENS = 400_000


def _ungd_texts() -> List[str]:
    import pandas as pd

    return pd.read_csv(UNGD)["text"].astype(str).tolist()


def _synthetic_texts(n_docs: int, words_per_doc: int, seed: int = 0) -> List[str]:
    """Zipf-like English-looking text with punctuation and capitals (fallback corpus)."""
    rng = random.Random(seed)
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    vocab = []
    for _ in range(20_000):
        n = rng.randint(2, 10)
        vocab.append("".join(rng.choice(letters[: rng.randint(8, 26)]) for _ in range(n)))
    weights = [1.0 / (k + 1) for k in range(len(vocab))]
    docs = []
    for _ in range(n_docs):
        words = rng.choices(vocab, weights, k=words_per_doc)
        for k in range(0, len(words), 12):
            words[k] = words[k].capitalize()
            words[min(k + 11, len(words) - 1)] += rng.choice(".,;")
        docs.append(" ".join(words))
    return docs


def corpus(quick: bool) -> Tuple[List[str], str]:
    """The texts to time and a description of them, about QUICK_TOKENS / FULL_TOKENS tokens."""
    from divergence import Vectorizer

    target = QUICK_TOKENS if quick else FULL_TOKENS
    if UNGD.exists():
        base = _ungd_texts()
        source = "UN General Debate (Caucasus)"
    else:
        base = _synthetic_texts(200, 2_000)
        source = "synthetic (../shared absent)"
    n_base = int(Vectorizer(n_jobs=1).fit_transform(base).sum())
    if target <= n_base:
        # a prefix of the statements with about `target` tokens
        per_doc = n_base / len(base)
        texts = base[: max(1, int(target / per_doc))]
        return texts, f"{source}, first {len(texts)} statements"
    reps = max(1, round(target / n_base))
    return base * reps, f"{source} x {reps}"


def _best_of(fn: Callable[[], Any], repeats: int) -> Tuple[float, Any]:
    best = float("inf")
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _n_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


def cases(quick: bool) -> List[Dict[str, Any]]:
    from sklearn.feature_extraction.text import CountVectorizer

    from divergence import Vectorizer

    texts, source = corpus(quick)
    n_jobs = _n_jobs()
    # Best of several runs (ours is cheap to repeat; the machine may be shared).
    repeats = {"ours": 7 if quick else 3, "sklearn": 3 if quick else 2}
    ours_s, X = _best_of(lambda: Vectorizer(n_jobs=n_jobs).fit_transform(texts), repeats["ours"])
    serial_s, _ = _best_of(lambda: Vectorizer(n_jobs=1).fit_transform(texts), repeats["ours"])
    skl_s, Y = _best_of(lambda: CountVectorizer().fit_transform(texts), repeats["sklearn"])
    identical = X.shape == Y.shape and (X != Y).nnz == 0
    ratio = skl_s / ours_s
    return [
        {
            "name": "tokenize: Vectorizer().fit_transform vs CountVectorizer().fit_transform",
            "ours_s": ours_s,
            "baselines": {BASELINE: skl_s},
            "ratio": ratio,
            "target": "ratio >= 5",
            "passed": bool(identical and ratio >= 5),
            "extra": {
                "n_tokens": int(X.sum()),
                "n_docs": len(texts),
                "n_terms": int(X.shape[1]),
                "n_bytes_utf8": sum(len(t.encode("utf-8")) for t in texts),
                "n_jobs": n_jobs,
                "ours_serial_s": serial_s,
                "ratio_serial": skl_s / serial_s,
                "identical_to_sklearn": bool(identical),
                "corpus": source,
                "repeats": repeats,
            },
        }
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small corpus, a few seconds")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    results = cases(args.quick)
    for r in results:
        base = r["baselines"][BASELINE]
        print(
            f"{r['name']}\n  ours {r['ours_s']:.3f} s, sklearn {base:.3f} s,"
            f" ratio {r['ratio']:.1f} "
            f"(target {r['target']}: {'passed' if r['passed'] else 'FAILED'})\n  {r['extra']}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
