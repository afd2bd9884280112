"""A corpus frame written as k files of consecutive rows, for the engines' tests (stream, Dask,
partisanship and drift, the bounded compare path)."""

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
