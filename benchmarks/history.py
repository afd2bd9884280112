#!/usr/bin/env python
"""Draw the benchmark history: each case's instruction count and ratios over the runs.

``benchmarks/run.py --quick --history benchmarks/history.jsonl`` appends one line per run
(commit, date, machine, measures). This script reads those lines and draws one panel per case:
the instruction count (left axis, solid, in millions) and each ratio against a baseline library
(right axis, dashed, log scale) over the runs in file order, labelled by short commit; the
baseline file's values are drawn as horizontal lines in the same colours (dotted), so a step
away from them stands out.

Usage::

    python benchmarks/history.py --plot history.png [--history benchmarks/history.jsonl]
        [--baseline benchmarks/baseline.json] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))


def read_history(path: str) -> List[Dict[str, Any]]:
    entries = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError as e:
                print(f"{path}:{n}: skipped, not JSON ({e})", file=sys.stderr)
    return entries


def plot(
    entries: List[Dict[str, Any]],
    baseline: Optional[Dict[str, Any]],
    out: str,
    only: Optional[str] = None,
) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys: List[str] = []
    for e in entries:
        for k, m in e.get("cases", {}).items():
            measured = m.get("instructions") or m.get("ratios")  # not the memory-only cases
            if k not in keys and measured and (only is None or only in k):
                keys.append(k)
    if not keys:
        print("no cases to draw", file=sys.stderr)
        return 1
    labels = [f"{str(e.get('commit', '?'))[:7]}\n{str(e.get('date', ''))[5:10]}" for e in entries]
    x = list(range(len(entries)))
    ncols = 3 if len(keys) > 4 else min(2, len(keys))
    nrows = math.ceil(len(keys) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.2 * ncols, 3.4 * nrows), squeeze=False)
    base_cases = (baseline or {}).get("cases", {})
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, key in enumerate(keys):
        ax = axes[i // ncols][i % ncols]
        ax.set_title(key, fontsize=9)
        b = base_cases.get(key, {})
        ins = [e.get("cases", {}).get(key, {}).get("instructions") for e in entries]
        if any(v is not None for v in ins):
            ax.plot(
                x,
                [v / 1e6 if v is not None else math.nan for v in ins],
                "o-",
                color="black",
                label="instructions (M)",
            )
            if b.get("instructions"):
                ax.axhline(b["instructions"] / 1e6, color="black", ls=":", lw=1)
            ax.set_ylabel("instructions (M)", fontsize=8)
            lo = min(v for v in ins if v is not None) / 1e6
            hi = max(v for v in ins if v is not None) / 1e6
            if b.get("instructions"):
                lo, hi = min(lo, b["instructions"] / 1e6), max(hi, b["instructions"] / 1e6)
            pad = max(0.1 * (hi - lo), 0.06 * hi)  # +-6% at least: noise-free counts look flat
            ax.set_ylim(lo - pad, hi + pad)
        names: List[str] = []
        for e in entries:
            for n in e.get("cases", {}).get(key, {}).get("ratios", {}):
                if n not in names:
                    names.append(n)
        if names:
            ax2 = ax.twinx()
            for j, n in enumerate(names):
                c = colours[j % len(colours)]
                ys = [e.get("cases", {}).get(key, {}).get("ratios", {}).get(n) for e in entries]
                ax2.plot(
                    x,
                    [v if v else math.nan for v in ys],
                    "s--",
                    color=c,
                    ms=3,
                    label=f"ratio vs {n}",
                )
                br = b.get("ratios", {}).get(n)
                if br:
                    ax2.axhline(br, color=c, ls=":", lw=1)
            ax2.set_yscale("log")
            ax2.set_ylabel("ratio (x)", fontsize=8)
            ax2.tick_params(labelsize=7)
            ax2.legend(fontsize=6, loc="lower right")
        ax.set_xticks(x)
        ax.set_xticklabels(labels, fontsize=6)
        ax.tick_params(axis="y", labelsize=7)
        if any(v is not None for v in ins):
            ax.legend(fontsize=6, loc="lower left")
        else:
            ax.set_yticks([])
    for j in range(len(keys), nrows * ncols):
        axes[j // ncols][j % ncols].axis("off")
    fig.suptitle(
        "benchmark history: instructions (solid, left), ratios (dashed, right, log); "
        "dotted: baseline",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    fig.savefig(out, dpi=90)
    print(f"wrote {out} ({len(keys)} cases, {len(entries)} runs)")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plot", metavar="PNG", required=True, help="the figure to write")
    ap.add_argument("--history", default=os.path.join(HERE, "history.jsonl"))
    ap.add_argument("--baseline", default=os.path.join(HERE, "baseline.json"))
    ap.add_argument("--only", metavar="SUBSTRING", help="cases whose key contains it")
    args = ap.parse_args(argv)
    entries = read_history(args.history)
    if not entries:
        print(f"{args.history}: no runs", file=sys.stderr)
        return 1
    baseline = None
    if os.path.exists(args.baseline):
        with open(args.baseline) as f:
            baseline = json.load(f)
    return plot(entries, baseline, args.plot, args.only)


if __name__ == "__main__":
    sys.exit(main())
