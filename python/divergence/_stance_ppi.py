"""Stance shares at corpus scale (:func:`stance_shares`): hand codes on a subset, model
predictions on every statement, prediction-powered inference.

Per group x target cell, with ``n`` hand-coded statements (stance one-hot ``Y``, prediction
``Yh``: one-hot labels or class probabilities) and ``N`` statements without a hand code
(predictions ``Yu``), the stance shares are estimated three ways:

- ``ppi`` (PPI++, Angelopoulos, Duchi and Zrnic 2023, with power tuning): ``theta = lam mean(Yu)
  + mean(Y - lam Yh)``, one ``lam`` for the cell's share vector (so the shares sum to one),
  ``lam = sum_k cov(Y_k, Yh_k) / ((1 + n/N) sum_k var(Yh_k))`` clipped to [0, 1] (covariance
  over the hand-coded statements, divisor n; variance over all statements' predictions, divisor
  n + N - 1; both centred at the lam = 1 estimate, which does not change them), standard error
  ``sqrt(var(lam Yu)/N + var(Y - lam Yh)/n)`` (divisors N and n) and a normal interval. These
  are the formulas of ``ppi_py.ppi_mean_ci`` (``lam_optim_mode="overall"``); the tests compare
  the two to 1e-8;
- ``classical``: the hand codes alone, ``mean(Y)``, standard error ``sd(Y)/sqrt(n)``;
- ``naive``: the predictions taken as truth, ``mean`` of every statement's prediction, standard
  error ``sd/sqrt(n + N)`` (what ignoring the predictor's errors gives: biased, and too narrow).

Weights: every estimate is made within its group x target cell, and the hand-coded statements
are assumed to be a simple random sample of their cell. The labelling rate may differ between
cells (a subset stratified by group, or by group and target) without any weight; a share pooled
over groups would weight each cell by its number of statements. Whether the subset is random
cannot be checked from the data: the report says the assumption.

Divergence between groups (per target: JSD in nats, total variation, share differences) is
computed from the PPI shares (clipped at 0 and renormalised for JSD and TV; the differences use
the estimates as they are). Bootstrap: the hand-coded and the other statements are resampled
within each cell, and each replicate recomputes lam and the PPI shares. Permutation null: group
labels shuffled across a target's hand-coded statements and, separately, across its other
statements (each group keeps its numbers of each). Both loops are vectorised in NumPy over
per-cell sums (a replicate is a table of a few sums per cell, so the core is not needed); one
NumPy generator per target and kind, spawned from ``seed``: same seed, same numbers.

Measured by simulation with known truth (``benchmarks/sim_stance_ppi.py``: 3 groups, 2 targets,
3 stances, 20000 statements, 600 hand-coded at random, a predictor 90 / 80 / 70% accurate by
group; 500 data sets): 95% PPI++ share intervals cover the true share in 94.4% of 9000 cases
(hand codes only 94.2%, predictions as truth 24.4%), and are 43% narrower than the hand-codes-
only ones in the 90%-accurate group (27% and 14% in the others). Over 200 data sets the 95%
percentile bootstrap intervals of the group differences cover 93.8% (JSD), 91.2% (TV, a little
short) and 93.6% (share differences), and the permutation test at 5% under equal shares (the
predictor still erring more for some groups) rejects 5.0% / 4.25% / 5.0%. The true shares
there lie between 0.10 and 0.70 with about 100 hand codes per cell: the share intervals are
normal (Wald) intervals, as in ``ppi_py``, and with few hand codes and a share near 0 or 1 they
are too short (a cell whose hand codes all agree gets a zero-width hand-codes-only interval).
With hand codes stratified by group (1% / 3% / 6% of the statements, about 34 / 100 / 199 per
cell, 300 data sets) PPI++ covered 90.8% / 93.7% / 94.4%: near 30 hand codes per cell, expect
about 91% from a nominal 95% interval.

Predictions: ``pred_col`` (labels from any model), ``prob_cols`` (class probabilities), or,
without either, a logistic regression (scikit-learn) on the core tokeniser's counts plus one
indicator per target, cross-fitted over ``folds`` folds of the hand-coded statements: each
hand-coded statement is predicted by the model that did not see it, and each other statement
by the model of a fold drawn at random (so hand-coded and other statements get predictions
from the same mixture of models). Class probabilities are used as ``Yh``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
from scipy.stats import norm

from ._corpus import Corpus
from ._partisan import is_corpus, missing_values, where_rows
from ._text import Vectorizer
from ._util.replicates import summarise
from ._util.summary import (
    Brief,
    SummarisedResult,
    interval_text,
    names_text,
    notes_text,
    number_text,
    replicates_text,
)
from ._util.types import Seed
from ._util.validation import (
    check_ci,
    check_ci_method,
    check_count,
    check_int,
    seed_value,
)

__all__ = [
    "ASSUMPTION",
    "ESTIMATORS",
    "StanceShares",
    "partial_coding_example",
    "ppi_shares",
    "stance_shares",
]

ESTIMATORS = ("ppi", "classical", "naive")
TOO_FEW = "too few labels"
SMALL_CELL = 40  # below it, the simulation measured share intervals short of their level
ASSUMPTION = (
    "the hand-coded statements are assumed to be a simple random sample of each group x target"
    " cell (any labelling rate per cell; no weights enter, every estimate is made within its"
    " cell); this cannot be checked from the data: a subset chosen for being easy, typical or"
    " interesting biases every estimate, the prediction-powered ones included"
)

SHARE_COLUMNS = [
    "target",
    "group",
    "stance",
    "estimator",
    "estimate",
    "ci_low",
    "ci_high",
    "se",
    "n_labelled",
    "n_unlabelled",
    "lam",
    "status",
]
DIVERGENCE_COLUMNS = [
    "target",
    "group_a",
    "group_b",
    "metric",
    "stance",
    "value",
    "ci_low",
    "ci_high",
    "boot_mean",
    "null_mean",
    "excess",
    "p_value",
    "n_labelled_a",
    "n_labelled_b",
    "n_a",
    "n_b",
]
AGREEMENT_COLUMNS = ["target", "group", "n_labelled", "accuracy", "kappa", "alpha"]


@dataclass(repr=False)
class StanceShares(SummarisedResult):
    """Result of :func:`stance_shares`.

    ``table``: per target, group, stance and estimator (ppi, classical, naive): estimate,
    ci_low, ci_high, se, n_labelled, n_unlabelled, lam (PPI's power-tuning parameter) and
    status ("ok", or "too few labels" with no numbers). ``divergence``: per target, pair of
    groups and metric (jsd in nats, tv, share_difference per stance): value, bootstrap
    interval, boot_mean, null_mean, excess, permutation p_value, hand-coded and all statements
    per group. ``agreement``: predictions against hand codes per target and group (group
    "(all)": every group of the target): accuracy, Cohen's kappa, Krippendorff's alpha
    (nominal). ``confusion``: per target and group, counts of (stance, predicted).

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.partial_coding_example()
    >>> sh = dv.stance_shares(corpus, "stance", "target", pooled=True, bootstrap=20,
    ...                       permutations=20, seed=1)
    >>> sorted(set(sh.table["estimator"])), sh.groups
    (['classical', 'naive', 'ppi'], ['(all)'])
    >>> t = sh.table
    >>> ppi = t[(t["estimator"] == "ppi") & (t["target"] == "Lachin corridor")]
    >>> ppi["estimate"].round(2).tolist(), ppi["status"].tolist()
    ([0.24, 0.62, 0.14], ['ok', 'ok', 'ok'])
    """

    targets: List[str]
    groups: List[str]
    stances: List[str]
    table: pd.DataFrame
    divergence: pd.DataFrame
    agreement: pd.DataFrame
    confusion: pd.DataFrame
    settings: Dict[str, Any]
    notes: List[str] = field(default_factory=list)

    def _summary(self) -> Brief:
        st = self.settings
        wide = self.side_by_side()
        sm = Brief(
            f"StanceShares: {len(self.groups)} groups, {len(self.targets)} targets, "
            f"{st['n_labelled']} hand-coded of {st['n_statements']} statements",
            [
                ("groups", names_text(self.groups)),
                ("targets", names_text(self.targets)),
                ("stances", names_text(self.stances)),
                ("predictions", str(st["predictions"])),
                ("assumption", "hand codes a random sample of each cell"),
                ("divergence", "group pairs per target: " + replicates_text(st)),
            ],
            ["target", "group", "stance", "ppi", "interval", "classical", "naive"],
            [
                [
                    str(r["target"]),
                    str(r["group"]),
                    str(r["stance"]),
                    number_text(r["ppi"]) if r["status"] == "ok" else r["status"],
                    interval_text(r["ppi_low"], r["ppi_high"]),
                    number_text(r["classical"]),
                    number_text(r["naive"]),
                ]
                for r in wide.to_dict("records")
            ],
            "Full results: .table (three estimators), .side_by_side(), .divergence, .agreement, "
            ".confusion, .settings, .notes",
        )
        if self.notes:
            sm.facts.append(("notes", notes_text(self.notes)))
        return sm

    def side_by_side(self) -> pd.DataFrame:
        """One row per target, group and stance: each estimator's estimate and interval
        (columns ``ppi``, ``ppi_low``, ``ppi_high``, ``classical``, ..., ``naive_high``)."""
        keys = ["target", "group", "stance"]
        base = self.table[self.table["estimator"] == ESTIMATORS[0]][
            keys + ["n_labelled", "n_unlabelled", "lam", "status"]
        ].reset_index(drop=True)
        for est in ESTIMATORS:
            part = self.table[self.table["estimator"] == est][
                keys + ["estimate", "ci_low", "ci_high"]
            ].rename(columns={"estimate": est, "ci_low": f"{est}_low", "ci_high": f"{est}_high"})
            base = base.merge(part, on=keys, how="left", sort=False)
        return base


# -- PPI++ for a vector of shares ----------------------------------------------------------------


def ppi_shares(
    Y: np.ndarray, Yh: np.ndarray, Yu: np.ndarray, ci: float = 0.95
) -> Dict[str, np.ndarray]:
    """PPI++ (power-tuned) shares of one cell: ``Y`` (n, K) hand codes (one-hot), ``Yh`` (n, K)
    their predictions, ``Yu`` (N, K) the other statements' predictions. Returns estimate,
    se, ci_low, ci_high (each (K,)) and lam (a 0-d array). Without other statements (N = 0)
    lam = 0: the hand codes alone."""
    Y = np.asarray(Y, dtype=np.float64)
    Yh = np.asarray(Yh, dtype=np.float64)
    Yu = np.asarray(Yu, dtype=np.float64)
    n, N = len(Y), len(Yu)
    lam = 0.0
    if N > 0:
        theta1 = Yu.mean(axis=0) + (Y - Yh).mean(axis=0)
        g = Y - theta1
        gh = Yh - theta1
        gc = g - g.mean(axis=0)
        ghc = gh - gh.mean(axis=0)
        num = 2.0 * float(np.sum(gc * ghc)) / n
        var = float(np.concatenate([gh, Yu - theta1]).var(axis=0, ddof=1).sum())
        denom = 2.0 * (1.0 + n / N) * var
        lam = float(np.clip(num / denom, 0.0, 1.0)) if denom > 0 else 0.0
    est = (Y - lam * Yh).mean(axis=0)
    var_rect = (Y - lam * Yh).var(axis=0) / n
    if N > 0:
        est = (lam * Yu).mean(axis=0) + est
        var_rect = (lam * Yu).var(axis=0) / N + var_rect
    se = np.sqrt(var_rect)
    z = float(norm.ppf(0.5 + ci / 2))
    return dict(estimate=est, se=se, ci_low=est - z * se, ci_high=est + z * se, lam=np.array(lam))


def _mean_ci(X: np.ndarray, ci: float) -> Dict[str, np.ndarray]:
    est = X.mean(axis=0)
    se = X.std(axis=0) / np.sqrt(len(X))
    z = float(norm.ppf(0.5 + ci / 2))
    return dict(estimate=est, se=se, ci_low=est - z * se, ci_high=est + z * se)


def _features_labelled(Y: np.ndarray, Yh: np.ndarray) -> np.ndarray:
    """Per hand-coded statement: Y, Yh, Y*Yh, Yh**2 (the sums PPI++ needs)."""
    return np.hstack([Y, Yh, Y * Yh, Yh * Yh])


def _features_other(Yu: np.ndarray) -> np.ndarray:
    return np.hstack([Yu, Yu * Yu])


def _ppi_from_sums(SL: np.ndarray, SU: np.ndarray, n: int, N: int, K: int) -> np.ndarray:
    """PPI++ shares from per-replicate sums: SL (..., 4K) of the hand-coded statements'
    features, SU (..., 2K) of the others'. Same estimate as :func:`ppi_shares`."""
    sY, sH, sYH, sHH = (SL[..., i * K : (i + 1) * K] for i in range(4))
    mY, mH = sY / n, sH / n
    if N == 0:
        return mY
    uH, uHH = SU[..., :K], SU[..., K:]
    num = 2.0 * np.sum(sYH / n - mY * mH, axis=-1)
    tot = n + N
    mall = (sH + uH) / tot
    var = np.sum(((sHH + uHH) - tot * mall * mall) / (tot - 1), axis=-1)
    denom = 2.0 * (1.0 + n / N) * var
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(denom > 0, np.clip(num / np.where(denom > 0, denom, 1.0), 0.0, 1.0), 0.0)
    lam = lam[..., None]
    return lam * (uH / N) + mY - lam * mH


def _boot_sums(F: np.ndarray, B: int, rng: np.random.Generator) -> np.ndarray:
    """Sums of the rows of F over B resamples with replacement: (B, F.shape[1])."""
    n = len(F)
    out = np.empty((B, F.shape[1]))
    if n == 0:
        out[:] = 0.0
        return out
    step = max(1, 4_000_000 // n)
    for b0 in range(0, B, step):
        b = min(step, B - b0)
        idx = rng.integers(0, n, size=(b, n))
        flat = (idx + n * np.arange(b)[:, None]).ravel()
        W = np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)
        out[b0 : b0 + b] = W @ F
    return out


def _perm_sums(
    F: np.ndarray, codes: np.ndarray, G: int, P: int, rng: np.random.Generator
) -> np.ndarray:
    """Per group sums of the rows of F with the group codes shuffled P times: (P, G, f)."""
    n = len(F)
    out = np.zeros((P, G, F.shape[1]))
    if n == 0:
        return out
    step = max(1, 4_000_000 // n)
    for p0 in range(0, P, step):
        p = min(step, P - p0)
        perm = rng.permuted(np.broadcast_to(codes, (p, n)), axis=1)
        flat = (perm + G * np.arange(p)[:, None]).ravel()
        for f in range(F.shape[1]):
            w = np.broadcast_to(F[:, f], (p, n)).ravel()
            out[p0 : p0 + p, :, f] = np.bincount(flat, weights=w, minlength=p * G).reshape(p, G)
    return out


def _jsd_tv(P: np.ndarray, Q: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """JSD (nats) and TV of share vectors along the last axis (clipped at 0, renormalised)."""

    def norm_(a: np.ndarray) -> np.ndarray:
        a = np.clip(a, 0.0, None)
        s = a.sum(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(s > 0, a / np.where(s > 0, s, 1.0), np.nan)

    p, q = norm_(P), norm_(Q)
    m = (p + q) / 2

    def kl(a: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / np.where(m > 0, m, 1.0)), 0.0)
        return t.sum(axis=-1)

    jsd = 0.5 * kl(p) + 0.5 * kl(q)
    jsd = np.where(np.isnan(p).any(-1) | np.isnan(q).any(-1), np.nan, np.maximum(jsd, 0.0))
    tv = 0.5 * np.abs(p - q).sum(axis=-1)
    return jsd, tv


def _pair_metrics(shares: np.ndarray) -> np.ndarray:
    """(..., G, K) shares -> (..., pairs, 2 + K): jsd, tv, then the share differences a - b."""
    G = shares.shape[-2]
    pairs = [(a, b) for a in range(G) for b in range(a + 1, G)]
    out = []
    for a, b in pairs:
        pa, pb = shares[..., a, :], shares[..., b, :]
        j, t = _jsd_tv(pa, pb)
        out.append(np.concatenate([j[..., None], t[..., None], pa - pb], axis=-1))
    return np.stack(out, axis=-2)


# -- agreement -----------------------------------------------------------------------------------


def _agreement(C: np.ndarray) -> Tuple[float, float, float]:
    """Accuracy, Cohen's kappa and Krippendorff's alpha (nominal, two coders, no missing
    values) from a confusion matrix C (true x predicted)."""
    n = C.sum()
    if n == 0:
        return np.nan, np.nan, np.nan
    po = np.trace(C) / n
    pe = float(np.sum(C.sum(axis=1) * C.sum(axis=0))) / (n * n)
    kappa = (po - pe) / (1.0 - pe) if pe < 1.0 else np.nan
    o = C + C.T  # coincidences: each statement is a pair of values, counted both ways
    nc = o.sum(axis=1)
    tot = 2.0 * n
    de = tot * tot - float(np.sum(nc * nc))
    alpha = 1.0 - (tot - 1.0) * (tot - np.trace(o)) / de if de > 0 else np.nan
    return float(po), float(kappa), float(alpha)


# -- inputs --------------------------------------------------------------------------------------


def _frame(
    data: Union[Corpus, pd.DataFrame], group_col: Optional[str], pooled: bool
) -> Tuple[pd.DataFrame, np.ndarray]:
    if is_corpus(data):
        frame = data.frame
        gcol = group_col or "group"
    elif isinstance(data, pd.DataFrame):
        frame = data.reset_index(drop=True)
        gcol = group_col or "group"
    else:
        raise TypeError(f"data: expected a Corpus or a pandas DataFrame, got {type(data).__name__}")
    if pooled:
        return frame, np.full(len(frame), "(all)", dtype=object)
    if gcol not in frame.columns:
        cols = ", ".join(repr(c) for c in frame.columns)
        raise ValueError(f"group_col: no column {gcol!r}; columns: {cols}")
    g = frame[gcol]
    bad = np.flatnonzero(missing_values(pd.Series(g)))
    if len(bad):
        raise ValueError(
            f"group_col: {len(bad)} statement(s) without a group in {gcol!r}: "
            f"{where_rows(data, bad)}"
        )
    return frame, g.astype(str).str.strip().to_numpy(dtype=object)


def _column(frame: pd.DataFrame, col: str, what: str) -> pd.Series:
    if not isinstance(col, str):
        raise TypeError(f"{what}: expected a column name, got {type(col).__name__}")
    if col not in frame.columns:
        cols = ", ".join(repr(c) for c in frame.columns)
        raise ValueError(f"{what}: no column {col!r}; columns: {cols}")
    return frame[col]


def _labels(values: pd.Series) -> Tuple[np.ndarray, np.ndarray]:
    miss = missing_values(values)
    lab = values.astype(object).where(~pd.Series(miss, index=values.index), None)
    out = np.array([None if m else str(v).strip() for v, m in zip(lab, miss)], dtype=object)
    return out, ~miss


def _named(labels: Iterable[str]) -> str:
    return ", ".join(repr(x) for x in sorted(labels))


def _probabilities(
    data: Any,
    frame: pd.DataFrame,
    prob_cols: Union[Mapping[str, str], Sequence[str]],
    stances: List[str],
) -> np.ndarray:
    if not isinstance(prob_cols, Mapping):
        if isinstance(prob_cols, str) or not isinstance(prob_cols, Sequence):
            raise TypeError(
                "prob_cols: expected a mapping {stance: column} or a list of columns named "
                f"by their stance, got {type(prob_cols).__name__}"
            )
        prob_cols = {str(c): str(c) for c in prob_cols}
    labels = set(prob_cols)
    if labels - set(stances):
        raise ValueError(
            f"prob_cols: probabilities for stance(s) {_named(labels - set(stances))} that no hand"
            f" code uses (hand-coded stances: {_named(stances)})"
        )
    if set(stances) - labels:
        raise ValueError(
            f"prob_cols: no probability column for hand-coded stance(s) "
            f"{_named(set(stances) - labels)}"
        )
    cols = []
    for s in stances:
        v = pd.to_numeric(_column(frame, prob_cols[s], "prob_cols"), errors="coerce").to_numpy(
            dtype=np.float64
        )
        bad = np.flatnonzero(~np.isfinite(v) | (v < 0) | (v > 1))
        if len(bad):
            raise ValueError(
                f"prob_cols: column {prob_cols[s]!r} needs a probability in [0, 1] in every row;"
                f" {len(bad)} row(s) do not: {where_rows(data, bad)}"
            )
        cols.append(v)
    P = np.column_stack(cols)
    bad = np.flatnonzero(np.abs(P.sum(axis=1) - 1.0) > 1e-6)
    if len(bad):
        raise ValueError(
            f"prob_cols: the probabilities of a statement must sum to 1 (within 1e-6); "
            f"{len(bad)} row(s) do not: {where_rows(data, bad)}"
        )
    return P


def _builtin_predictions(
    texts: Sequence[str],
    targets: np.ndarray,
    y: np.ndarray,
    labelled: np.ndarray,
    stances: List[str],
    folds: int,
    seed: int,
    vectorizer: Optional[Vectorizer],
) -> np.ndarray:
    """Cross-fitted class probabilities of a logistic regression on token counts plus target
    indicators (see the module docstring)."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    vec = vectorizer if vectorizer is not None else Vectorizer()
    X = sp.csr_matrix(vec.fit_transform(list(texts)), dtype=np.float64)
    tnames, tcodes = np.unique(targets.astype(str), return_inverse=True)
    T = sp.csr_matrix(
        (np.ones(len(tcodes)), (np.arange(len(tcodes)), tcodes)), shape=(len(tcodes), len(tnames))
    )
    X = sp.hstack([X, T], format="csr")
    lab = np.flatnonzero(labelled)
    oth = np.flatnonzero(~labelled)
    if not 2 <= folds <= len(lab):
        raise ValueError(f"folds: must be between 2 and the {len(lab)} hand-coded statements")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    fold_l = rng.permutation(len(lab)) % folds
    fold_o = rng.integers(0, folds, size=len(oth))
    ycode = np.searchsorted(stances, y[lab].astype(str))
    P = np.zeros((len(targets), len(stances)))
    for j in range(folds):
        train = lab[fold_l != j]
        classes = np.unique(ycode[fold_l != j])
        if len(classes) < 2:
            raise ValueError(
                f"folds: fold {j + 1} of {folds} leaves training statements of a single stance"
                " only; hand-code more statements, use fewer folds, or give --pred-col"
            )
        model = LogisticRegression(max_iter=2000)
        model.fit(X[train], ycode[fold_l != j])
        rows = np.concatenate([lab[fold_l == j], oth[fold_o == j]])
        if len(rows):
            P[np.ix_(rows, model.classes_)] = model.predict_proba(X[rows])
    return P


def partial_coding_example(fraction: float = 1 / 3, seed: int = 17) -> Corpus:
    """The bundled example corpus with its hand codes (``stance``) kept for a random
    ``fraction`` of the statements (chosen with ``seed``; the default: a third, seed 17) and
    emptied for the others: a partial-coding setup for :func:`stance_shares`.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.partial_coding_example()
    >>> len(corpus), int(corpus.frame["stance"].notna().sum())
    (170, 57)
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction: must be in (0, 1], got {fraction!r}")
    seed_v = seed_value(seed, allow_none=False)
    frame = Corpus.example().frame.copy()
    keep = np.zeros(len(frame), dtype=bool)
    rng = np.random.default_rng(seed_v)
    keep[rng.choice(len(frame), int(round(fraction * len(frame))), replace=False)] = True
    frame["stance"] = frame["stance"].where(keep, None)
    return Corpus.from_frame(frame, name="example (a third hand-coded)")


# -- the analysis --------------------------------------------------------------------------------


def stance_shares(
    data: Union[Corpus, pd.DataFrame],
    stance_col: str = "stance",
    target_col: Optional[str] = None,
    *,
    group_col: Optional[str] = None,
    pooled: bool = False,
    pred_col: Optional[str] = None,
    prob_cols: Union[Mapping[str, str], Sequence[str], None] = None,
    text_col: str = "text",
    folds: int = 5,
    vectorizer: Optional[Vectorizer] = None,
    min_labels: int = 10,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = "percentile",
    seed: Seed = 0,
) -> StanceShares:
    """Stance shares per group and target from hand codes on a subset plus predictions on
    every statement, with prediction-powered intervals (PPI++), the hand-codes-only and the
    predictions-only estimates beside them, group divergence and the predictor's agreement.

    Parameters
    ----------
    data : Corpus (groups from its group column) or DataFrame (``group_col``, default "group").
    stance_col : the hand codes; empty for statements not hand-coded.
    target_col : what the stance is about (needed for every statement; optional: without it one
        target "(all)").
    group_col : the grouping column (default: the corpus's groups); ``pooled=True``: one group
        "(all)" (shares per target over every group).
    pred_col : predicted stance labels from any model, for every statement.
    prob_cols : predicted class probabilities: {stance: column} or columns named by their
        stance. Without ``pred_col`` and ``prob_cols``, the built-in cross-fitted logistic
        regression (``folds`` folds, ``vectorizer`` default: the core tokeniser's defaults) on
        ``text_col`` (a Corpus: its text).
    min_labels : a group x target cell with fewer hand codes gets a "too few labels" row and is
        left out of the divergence (default 10).
    bootstrap, permutations, ci, ci_method, seed : the divergence's replicates (see the module
        docstring); ``ci`` is also the coverage of the share intervals.

    The hand-coded statements must be a random sample of each cell (see :data:`ASSUMPTION`).

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.partial_coding_example()  # hand codes on a third of the statements
    >>> sh = dv.stance_shares(corpus, "stance", "target", pooled=True, bootstrap=20,
    ...                       permutations=20, seed=1)
    >>> sh.agreement[["target", "n_labelled"]].head(2).to_dict("list")
    {'target': ['Lachin corridor', 'mediation'], 'n_labelled': [17, 7]}
    """
    bootstrap = check_count(bootstrap, "bootstrap")
    permutations = check_count(permutations, "permutations")
    ci = check_ci(ci)
    ci_method = check_ci_method(ci_method)
    min_labels = check_int(min_labels, "min_labels", minimum=2)
    folds = check_int(folds, "folds", minimum=2)
    seed_v = seed_value(seed)
    if pred_col is not None and prob_cols is not None:
        raise ValueError("pred_col: give pred_col or prob_cols, not both")
    frame, groups_v = _frame(data, group_col, pooled)
    y, labelled = _labels(_column(frame, stance_col, "stance_col"))
    if not labelled.any():
        raise ValueError(f"stance_col: no statement has a hand code in {stance_col!r}")
    stances = sorted({str(v) for v in y[labelled]})
    if len(stances) < 2:
        raise ValueError(
            f"stance_col: {stance_col!r} has 1 distinct hand-coded stance ({stances[0]!r}); "
            "shares need at least two"
        )
    if target_col is not None:
        tv, has_t = _labels(_column(frame, target_col, "target_col"))
        if not has_t.all():
            bad = np.flatnonzero(~has_t)
            raise ValueError(
                f"target_col: {len(bad)} statement(s) without a target in {target_col!r}: "
                f"{where_rows(data, bad)}"
            )
        targets_v = tv.astype(str)
    else:
        targets_v = np.full(len(frame), "(all)", dtype=object).astype(str)
    K = len(stances)
    if pred_col is not None:
        pv, has_p = _labels(_column(frame, pred_col, "pred_col"))
        if not has_p.all():
            bad = np.flatnonzero(~has_p)
            raise ValueError(
                f"pred_col: {len(bad)} statement(s) without a prediction in {pred_col!r}: "
                f"{where_rows(data, bad)}"
            )
        plabels = {str(v) for v in pv}
        if plabels - set(stances):
            raise ValueError(
                f"pred_col: predicted stance(s) {_named(plabels - set(stances))} in {pred_col!r}"
                f" never occur among the hand codes ({_named(stances)}); map them to the hand"
                " codes' labels"
            )
        if set(stances) - plabels:
            raise ValueError(
                f"stance_col: hand-coded stance(s) {_named(set(stances) - plabels)} never occur"
                f" among the predictions in {pred_col!r} ({_named(plabels)}); map them to the"
                " predictions' labels"
            )
        Yh_all = np.eye(K)[np.searchsorted(stances, pv.astype(str))]
        source = f"labels in {pred_col!r}"
    elif prob_cols is not None:
        Yh_all = _probabilities(data, frame, prob_cols, stances)
        source = "probabilities in " + ", ".join(
            repr(c) for c in (prob_cols.values() if isinstance(prob_cols, Mapping) else prob_cols)
        )
    else:
        if is_corpus(data):
            texts = data.text.astype(str).tolist()
        else:
            texts = _column(frame, text_col, "text_col").fillna("").astype(str).tolist()
        Yh_all = _builtin_predictions(
            texts, targets_v, y, labelled, stances, folds, seed_v, vectorizer
        )
        source = f"built-in logistic regression, cross-fitted over {folds} folds"
    pred_label = np.asarray(stances, dtype=object)[np.argmax(Yh_all, axis=1)]
    Y_all = np.zeros((len(frame), K))
    Y_all[np.flatnonzero(labelled), np.searchsorted(stances, y[labelled].astype(str))] = 1.0

    targets = sorted({str(t) for t in targets_v})
    group_names = sorted({str(g) for g in groups_v})
    notes: List[str] = []
    small = 0  # estimated cells with fewer than SMALL_CELL hand codes
    share_rows: List[Dict[str, Any]] = []
    div_rows: List[Dict[str, Any]] = []
    agree_rows: List[Dict[str, Any]] = []
    conf_rows: List[Dict[str, Any]] = []
    ss = np.random.SeedSequence(seed_v)
    streams = ss.spawn(2 * len(targets))
    for ti, target in enumerate(targets):
        in_t = targets_v == target
        present = sorted({str(g) for g in groups_v[in_t]})
        valid: List[str] = []
        cells: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        for g in present:
            cell = in_t & (groups_v == g)
            L = np.flatnonzero(cell & labelled)
            U = np.flatnonzero(cell & ~labelled)
            n, N = len(L), len(U)
            C = np.zeros((K, K))
            if n:
                np.add.at(C, (Y_all[L].argmax(1), np.searchsorted(stances, pred_label[L])), 1.0)
            acc, kap, alp = _agreement(C)
            agree_rows.append(
                dict(target=target, group=g, n_labelled=n, accuracy=acc, kappa=kap, alpha=alp)
            )
            for a in range(K):
                for b in range(K):
                    conf_rows.append(
                        dict(
                            target=target,
                            group=g,
                            stance=stances[a],
                            predicted=stances[b],
                            count=int(C[a, b]),
                        )
                    )
            if n < min_labels:
                status = f"{TOO_FEW} ({n} < {min_labels})"
                for est in ESTIMATORS:
                    for s in stances:
                        share_rows.append(
                            dict(
                                target=target,
                                group=g,
                                stance=s,
                                estimator=est,
                                estimate=np.nan,
                                ci_low=np.nan,
                                ci_high=np.nan,
                                se=np.nan,
                                n_labelled=n,
                                n_unlabelled=N,
                                lam=np.nan,
                                status=status,
                            )
                        )
                continue
            valid.append(g)
            small += n < SMALL_CELL
            cells[g] = (L, U)
            res = {
                "ppi": ppi_shares(Y_all[L], Yh_all[L], Yh_all[U], ci),
                "classical": _mean_ci(Y_all[L], ci),
                "naive": _mean_ci(Yh_all[np.concatenate([L, U])], ci),
            }
            lam = float(res["ppi"]["lam"])
            for est in ESTIMATORS:
                r = res[est]
                for k, s in enumerate(stances):
                    share_rows.append(
                        dict(
                            target=target,
                            group=g,
                            stance=s,
                            estimator=est,
                            estimate=float(r["estimate"][k]),
                            ci_low=float(r["ci_low"][k]),
                            ci_high=float(r["ci_high"][k]),
                            se=float(r["se"][k]),
                            n_labelled=n,
                            n_unlabelled=N,
                            lam=lam if est == "ppi" else np.nan,
                            status="ok",
                        )
                    )
        all_l = np.flatnonzero(in_t & labelled)
        if len(present) > 1:  # the target over every group
            C = np.zeros((K, K))
            np.add.at(C, (Y_all[all_l].argmax(1), np.searchsorted(stances, pred_label[all_l])), 1.0)
            acc, kap, alp = _agreement(C)
            agree_rows.append(
                dict(
                    target=target,
                    group="(all)",
                    n_labelled=len(all_l),
                    accuracy=acc,
                    kappa=kap,
                    alpha=alp,
                )
            )
        short = [g for g in present if g not in valid]
        if short:
            notes.append(
                f"target {target!r}: {TOO_FEW} (< {min_labels} hand codes) for "
                f"{', '.join(short)}; no estimate"
            )
        if len(valid) >= 2:
            div_rows.extend(
                _divergence(
                    target,
                    valid,
                    cells,
                    Y_all,
                    Yh_all,
                    K,
                    stances,
                    bootstrap,
                    permutations,
                    ci,
                    ci_method,
                    np.random.default_rng(streams[2 * ti]),
                    np.random.default_rng(streams[2 * ti + 1]),
                )
            )
    if small:
        notes.append(
            f"{small} group x target cell(s) have fewer than {SMALL_CELL} hand codes: there the"
            " normal share intervals cover less than their nominal level (measured: about 91%"
            " for a nominal 95% at 34 hand codes per cell; benchmarks/sim_stance_ppi.py)"
        )
    notes.append("assumption: " + ASSUMPTION)
    settings = dict(
        stance_col=stance_col,
        target_col=target_col,
        group_col=None if pooled else (group_col or "group"),
        pooled=bool(pooled),
        predictions=source,
        pred_col=pred_col,
        prob_cols=None
        if prob_cols is None
        else dict(prob_cols)
        if isinstance(prob_cols, Mapping)
        else list(prob_cols),
        folds=folds if pred_col is None and prob_cols is None else None,
        min_labels=min_labels,
        bootstrap=bootstrap,
        permutations=permutations,
        ci=ci,
        ci_method=ci_method,
        seed=seed_v,
        units="nats",
        n_statements=int(len(frame)),
        n_labelled=int(labelled.sum()),
    )
    # every column the replicate summary gives (read by name); the listed ones when empty
    divergence = pd.DataFrame(div_rows) if div_rows else pd.DataFrame(columns=DIVERGENCE_COLUMNS)
    return StanceShares(
        targets=targets,
        groups=group_names,
        stances=stances,
        table=pd.DataFrame(share_rows, columns=SHARE_COLUMNS),
        divergence=divergence,
        agreement=pd.DataFrame(agree_rows, columns=AGREEMENT_COLUMNS),
        confusion=pd.DataFrame(
            conf_rows, columns=["target", "group", "stance", "predicted", "count"]
        ),
        settings=settings,
        notes=notes,
    )


def _divergence(
    target: str,
    groups: List[str],
    cells: Dict[str, Tuple[np.ndarray, np.ndarray]],
    Y_all: np.ndarray,
    Yh_all: np.ndarray,
    K: int,
    stances: List[str],
    bootstrap: int,
    permutations: int,
    ci: float,
    ci_method: str,
    rng_boot: np.random.Generator,
    rng_perm: np.random.Generator,
) -> List[Dict[str, Any]]:
    G = len(groups)
    FL = _features_labelled(Y_all, Yh_all)
    FU = _features_other(Yh_all)
    sizes = [(len(cells[g][0]), len(cells[g][1])) for g in groups]
    obs_sh = np.stack(
        [
            ppi_shares(Y_all[cells[g][0]], Yh_all[cells[g][0]], Yh_all[cells[g][1]])["estimate"]
            for g in groups
        ]
    )
    obs = _pair_metrics(obs_sh)  # (pairs, 2 + K)
    boot = None
    if bootstrap:
        bsh = np.empty((bootstrap, G, K))
        for gi, g in enumerate(groups):
            L, U = cells[g]
            SL = _boot_sums(FL[L], bootstrap, rng_boot)
            SU = _boot_sums(FU[U], bootstrap, rng_boot)
            bsh[:, gi, :] = _ppi_from_sums(SL, SU, len(L), len(U), K)
        boot = _pair_metrics(bsh)
    null = None
    if permutations:
        L = np.concatenate([cells[g][0] for g in groups])
        U = np.concatenate([cells[g][1] for g in groups])
        cL = np.repeat(np.arange(G), [s[0] for s in sizes])
        cU = np.repeat(np.arange(G), [s[1] for s in sizes])
        SL = _perm_sums(FL[L], cL, G, permutations, rng_perm)
        SU = _perm_sums(FU[U], cU, G, permutations, rng_perm)
        psh = np.stack(
            [
                _ppi_from_sums(SL[:, gi], SU[:, gi], sizes[gi][0], sizes[gi][1], K)
                for gi in range(G)
            ],
            axis=1,
        )
        null = _pair_metrics(psh)
    two_sided = np.array([False, False] + [True] * K)
    sm = summarise(obs, boot, null, ci=ci, method=ci_method, two_sided=two_sided[None, :])
    rows: List[Dict[str, Any]] = []
    metric_names = [("jsd", None), ("tv", None)] + [("share_difference", s) for s in stances]
    pi = 0
    for a in range(G):
        for b in range(a + 1, G):
            for mi, (m, s) in enumerate(metric_names):
                rows.append(
                    dict(
                        target=target,
                        group_a=groups[a],
                        group_b=groups[b],
                        metric=m,
                        stance=s,
                        value=float(obs[pi, mi]),
                        **sm.at((pi, mi)),
                        n_labelled_a=sizes[a][0],
                        n_labelled_b=sizes[b][0],
                        n_a=sizes[a][0] + sizes[a][1],
                        n_b=sizes[b][0] + sizes[b][1],
                    )
                )
            pi += 1
    return rows
