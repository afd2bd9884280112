"""Token-stream drift and novelty / transience / resonance (Barron et al. 2018)."""

from __future__ import annotations

import math
from typing import Any, Dict, Optional, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._corpus import Corpus
from ._drift import prepare_rows
from ._util.operands import as_csr, csr_tuple
from ._util.timeutil import statement_times
from ._util.types import ArrayLike, Counts, TimesLike, VectorizerLike
from ._util.validation import check_int, check_options, resolve_n_jobs

__all__ = ["novelty", "token_drift"]


# --------------------------------------------------------------------------------------------
# Token streams


def token_drift(
    tokens: ArrayLike,
    window: int,
    step: int = 1,
    *,
    base: Optional[float] = None,
    n_types: Optional[int] = None,
    incremental: bool = True,
) -> pd.DataFrame:
    """JSD between adjacent windows of ``window`` tokens along one token stream.

    For boundaries i = window, window + step, ... (while i + window <= len(tokens)),
    ``value`` = JSD(tokens[i - window : i], tokens[i : i + window]) and ``position`` = i.
    ``tokens``: integer token ids (0 .. n_types - 1), or any labels (strings), which are
    numbered first. Concatenate a group's statements for one stream per group.

    Complexity: O(len(tokens) + n_types) time for the whole curve, i.e. O(1) per token the
    windows move, whatever ``window`` and ``step``: both windows' counts are kept, and with
    G(x) = x ln x, JSD = ln 2 + S / (2 window) with S = sum over types of G(a) + G(b) - G(a + b);
    a token moving changes at most three types' terms. S is kept as an exact fixed-point integer
    sum (2^-64 units), so the curve equals the one recomputed from scratch at every boundary
    (``incremental=False``, O(window) per boundary) exactly.

    Examples
    --------
    >>> import divergence as dv
    >>> t = dv.token_drift(list("aaaabbbb"), window=2)
    >>> t["value"].round(4).tolist()
    [0.0, 0.2158, 0.6931, 0.2158, 0.0]
    """
    window = check_int(window, "window", minimum=1, hint=" (a number of tokens)")
    step = check_int(step, "step", minimum=1, hint=" (a number of tokens)")
    arr = np.asarray(tokens)
    if arr.ndim != 1:
        raise ValueError(f"tokens: expected a 1-d sequence, got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        _, arr = np.unique(arr, return_inverse=True)
    arr = np.ascontiguousarray(arr, dtype=np.int64)
    if len(arr) < 2 * window:
        raise ValueError(
            f"window: two windows of {window} tokens need {2 * window} tokens, "
            f"the stream has {len(arr)}"
        )
    if arr.size and arr.min() < 0:
        raise ValueError("tokens: ids must be >= 0")
    nt = int(n_types) if n_types is not None else (int(arr.max()) + 1 if arr.size else 1)
    base_v = check_options("jsd", base, 0.0)
    scale = 1.0 if base_v == 0.0 else 1.0 / math.log(base_v)
    pos, val = _core.token_drift(arr, nt, int(window), int(step), scale, bool(incremental))
    return pd.DataFrame({"position": pos, "value": val})


# --------------------------------------------------------------------------------------------
# Novelty, transience, resonance


def novelty(
    data: Union[Corpus, Counts],
    times: Optional[TimesLike] = None,
    *,
    window: int,
    alpha: Optional[float] = None,
    base: Optional[float] = None,
    n_jobs: Optional[int] = None,
    vectorizer: Optional[VectorizerLike] = None,
) -> pd.DataFrame:
    """Novelty, transience and resonance (Barron, Huang, Spang and DeDeo 2018, PNAS 115(18)).

    For statement j (in time order) with window w and distributions s (rows after smoothing):
    novelty N = (1/w) sum_{d=1..w} KL(s_j || s_{j-d}), transience T = (1/w) sum_{d=1..w}
    KL(s_j || s_{j+d}), resonance R = N - T. Only statements with full windows are scored:
    novelty needs w statements before, transience w after, resonance both (``scored``);
    the rest are NaN.

    Parameters
    ----------
    data : dense rows (topic mixtures, N x D; every entry > 0 unless ``alpha`` > 0), a sparse
        count matrix (smoothed with ``alpha``), or a :class:`~divergence.Corpus` (sorted by
        time, counted with ``vectorizer``).
    times : optional, one per row, sorted (reported in the ``time`` column).
    alpha : additive smoothing s = (x + alpha) / (sum x + D alpha); default 0 for dense rows,
        1.0 for counts (KL needs every entry > 0).
    base : log base (None: nats; the paper uses bits, base=2).

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> mix = np.array([[0.8, 0.2], [0.8, 0.2], [0.2, 0.8], [0.2, 0.8], [0.2, 0.8]])
    >>> t = dv.novelty(mix, window=1)
    >>> t["novelty"].round(3).tolist()
    [nan, 0.0, 0.832, 0.0, 0.0]
    """
    window = check_int(window, "window", minimum=1, hint=" (a number of statements)")
    base_v = check_options("kl", base, 0.0 if alpha is None else alpha)
    scale = 1.0 if base_v == 0.0 else 1.0 / math.log(base_v)
    threads = resolve_n_jobs(n_jobs)
    extra: Dict[str, Any] = {}
    tt: Any = None
    if isinstance(data, Corpus):
        if times is not None:
            raise ValueError("times: a Corpus carries its times; do not pass times=")
        d = prepare_rows(data, None, None, vectorizer, sort=True)
        M: Any = d.X
        tt = d.times
        extra = {"id": d.ids, "group": d.labels}
    else:
        M = data
        if times is not None:
            tt, _ = statement_times(times, None)
    if sp.issparse(M):
        X = as_csr(M)
        a = 1.0 if alpha is None else float(alpha)
        n = X.shape[0]
        if n <= window:
            raise ValueError(
                f"window: {window} is not less than the {n} statements; nothing would be scored"
            )
        nov, tra = _core.novelty_sparse(csr_tuple(X), int(window), a, scale, threads)
    else:
        D = np.ascontiguousarray(np.asarray(M, dtype=np.float64))
        if D.ndim != 2:
            raise ValueError(
                f"data: expected a 2-d array (statements x topics), got shape {D.shape}"
            )
        a = 0.0 if alpha is None else float(alpha)
        n = D.shape[0]
        if n <= window:
            raise ValueError(
                f"window: {window} is not less than the {n} statements; nothing would be scored"
            )
        nov, tra = _core.novelty_dense(D, int(window), a, scale, threads)
    if tt is not None and len(tt) != n:
        raise ValueError(f"times: {len(tt)} times for {n} statements")
    out = pd.DataFrame({"position": np.arange(n)})
    if tt is not None:
        out["time"] = tt
    for k, v in extra.items():
        out[k] = v
    out["novelty"] = nov
    out["transience"] = tra
    out["resonance"] = nov - tra
    out["scored"] = np.isfinite(out["resonance"].to_numpy())
    out.attrs = dict(
        window=int(window), alpha=a, base=base, units="nats" if base is None else f"log base {base}"
    )
    return out
