"""A corpus frame written as k files of consecutive rows, for the engines' tests (stream, Dask,
partisanship and drift, the bounded compare path); a synthetic corpus whose windows get
intervals (drift's replicates)."""

from __future__ import annotations

from pathlib import Path
from typing import List

import numpy as np
import pandas as pd


def write_parts(
    frame: pd.DataFrame, folder: Path, k: int, fmt: str = "csv", stem: str = "part"
) -> List[Path]:
    """``frame`` cut into ``k`` near-equal runs of rows, in order, written as
    ``folder/<stem>NN.<fmt>`` (CSV or Parquet, no index); the paths in file order."""
    edges = np.linspace(0, len(frame), k + 1).astype(int)
    paths = []
    for j in range(k):
        part = frame.iloc[edges[j] : edges[j + 1]]
        p = folder / f"{stem}{j:02d}.{fmt}"
        if fmt == "parquet":
            part.to_parquet(p, index=False)
        else:
            part.to_csv(p, index=False)
        paths.append(p)
    return paths


def small_vocabulary_frame(n: int = 240, seed: int = 5) -> pd.DataFrame:
    """Three groups (A, B, C) over two years (2020-2021, dates), 60 words a statement from 25,
    each group's word distribution tilted its own way: few words used once, so drift's
    windows get intervals. Rows in random order (corpus order is not time order)."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{j}" for j in range(25)])
    groups = np.array(["A", "B", "C"])[rng.integers(0, 3, n)]
    tilt = {"A": 0.0, "B": 0.6, "C": 1.2}
    texts = []
    for g in groups:
        p = np.exp(-tilt[g] * np.linspace(0, 1, 25) - 0.1 * np.arange(25))
        texts.append(" ".join(rng.choice(words, 60, p=p / p.sum())))
    days = np.sort(rng.integers(0, 730, n))
    frame = pd.DataFrame(
        {
            "id": [f"s{i}" for i in range(n)],
            "group": groups,
            "time": (np.datetime64("2020-01-01") + days).astype(str),
            "text": texts,
        }
    )
    return frame.iloc[rng.permutation(n)].reset_index(drop=True)
