"""Annotated stances (:func:`stance_divergence`).

Hand-coded stances (labels such as favour / against / neutral, or numeric scores) towards
targets: per target, each group's stance distribution and the group-by-group divergence of
those distributions (every core metric for labels; difference of means and Wasserstein-1
distance for scores), with bootstrap intervals (statements resampled within groups) and a
permutation null (group labels shuffled across the target's statements).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _core
from ._corpus import Corpus
from ._partisan import is_corpus, missing_values, where_rows
from ._util.groups import drop_absent, group_pairs, label_codes
from ._util.replicates import (
    DEFAULT_CI_METHOD,
    SUMMARY_COLUMNS,
    Summary,
    jackknife_blocks,
    summarise,
)
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
    ASYMMETRIC_METRICS,
    METRICS,
    check_choice,
    check_ci,
    check_ci_method,
    check_count,
    resolve_n_jobs,
    seed_value,
)

__all__ = ["SCORE_METRICS", "StanceDivergence", "stance_divergence"]


@dataclass(repr=False)
class StanceDivergence(SummarisedResult):
    """Result of :func:`stance_divergence`.

    ``distributions``: per target and group, the stance distribution (labels: count and share
    per stance; scores: n, mean, sd, median). ``table``: per target, pair of groups and metric,
    value, ci_low, ci_high, boot_mean, null_mean, excess, p_value, n_a, n_b (the tidy
    group x group x target stance-divergence matrix). ``matrix(target, metric)``: K x K.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> st = dv.stance_divergence(corpus, "stance", "target", bootstrap=20, permutations=20)
    >>> st.kind, st.stances
    ('label', ['against', 'favour', 'neutral'])
    >>> d = st.distributions
    >>> d[(d["target"] == "Lachin corridor") & (d["group"] == "Armenia")]["count"].tolist()
    [0, 11, 0]
    """

    kind: str  # "label" or "score"
    targets: List[str]
    groups: List[str]
    stances: List[str]
    metrics: List[str]
    distributions: pd.DataFrame
    table: pd.DataFrame
    settings: Dict[str, Any]  # values of every kind (numbers, names, lists), as reported
    notes: List[str] = field(default_factory=list)

    def _summary(self) -> Brief:
        st = self.settings
        metric = self.metrics[0] if self.metrics else None
        t = self.table if metric is None else self.table[self.table["metric"] == metric]
        sm = Brief(
            f"StanceDivergence ({self.kind}s): {len(self.groups)} groups, {len(self.targets)} "
            f"targets, {st.get('n_statements', '?')} statements",
            [
                ("groups", names_text(self.groups)),
                ("targets", names_text(self.targets)),
                ("stances", names_text(self.stances) if self.stances else "scores"),
                ("metrics", names_text(self.metrics)),
                ("replicates", replicates_text(st)),
            ],
            ["target", "group_a", "group_b", f"{metric}", "interval", "p", "n_a", "n_b"],
            [
                [
                    str(r["target"]),
                    str(r["group_a"]),
                    str(r["group_b"]),
                    number_text(r["value"]),
                    interval_text(r["ci_low"], r["ci_high"]),
                    number_text(r["p_value"]),
                    number_text(r["n_a"]),
                    number_text(r["n_b"]),
                ]
                for r in t.to_dict("records")
            ],
            "Full results: .table (per target, pair and metric), .matrix(target, metric), "
            ".distributions, .settings, .notes",
        )
        if self.notes:
            sm.facts.append(("notes", notes_text(self.notes)))
        return sm

    def matrix(
        self, target: Optional[str] = None, metric: Optional[str] = None, what: str = "value"
    ) -> pd.DataFrame:
        """Groups by groups for one ``target`` and ``metric`` (default: the first of each):
        ``what`` is a column of :attr:`table` (``value``, ``p_value``, ``ci_low``, ...); the
        diagonal is 0 (NaN for p-values), pairs without data NaN."""
        target = self.targets[0] if target is None else target
        metric = self.metrics[0] if metric is None else metric
        if target not in self.targets:
            raise ValueError(f"target: {target!r} not among {', '.join(map(repr, self.targets))}")
        if metric not in self.metrics:
            raise ValueError(f"metric: {metric!r} not among {', '.join(self.metrics)}")
        t = self.table[(self.table["target"] == target) & (self.table["metric"] == metric)]
        present = sorted(set(t["group_a"]) | set(t["group_b"]))
        M = pd.DataFrame(np.nan, index=present, columns=present)
        for g in present:
            M.loc[g, g] = np.nan if what == "p_value" else 0.0
        antisym = metric == "mean_difference"
        mirror = {"ci_low": "ci_high", "ci_high": "ci_low"}.get(what, what)
        for ga, gb, v, w in zip(t["group_a"], t["group_b"], t[what], t[mirror]):
            M.loc[ga, gb] = v
            if metric in ASYMMETRIC_METRICS:
                continue  # an asymmetric metric's rows hold both directions
            if antisym and what != "p_value":
                M.loc[gb, ga] = -w  # the reversed pair: negated (and, for intervals, swapped)
            else:
                M.loc[gb, ga] = v
        return M


SCORE_METRICS = ("mean_difference", "wasserstein")


def _stance_frame(
    data: Union[Corpus, pd.DataFrame],
    stance_col: str,
    target_col: Optional[str],
    group_col: Optional[str],
) -> Tuple[pd.DataFrame, List[str]]:
    """(group, gcode, stance, target) per statement, and the group names ``gcode`` indexes (a
    Corpus's own group codes when grouped by its group column)."""
    if is_corpus(data):
        frame = data.frame
        gcol = "group"
        if group_col not in (None, "group"):
            gcol = group_col
    elif isinstance(data, pd.DataFrame):
        frame = data
        gcol = group_col or "group"
    else:
        raise TypeError(f"data: expected a Corpus or a pandas DataFrame, got {type(data).__name__}")
    for what, col in (("stance_col", stance_col), ("target_col", target_col), ("group_col", gcol)):
        if col is not None and col not in frame.columns:
            cols = ", ".join(repr(c) for c in frame.columns)
            raise ValueError(f"{what}: no column {col!r}; columns: {cols}")
    if is_corpus(data) and gcol == "group":
        gnames, gcodes = data.group_names, data.group_codes
    else:
        gnames, gcodes = label_codes(frame[gcol].astype(str))
    out = pd.DataFrame(
        {
            "group": frame[gcol].astype(str).to_numpy(),
            "gcode": gcodes,
            "stance": frame[stance_col].to_numpy(),
            "target": frame[target_col].to_numpy()
            if target_col is not None
            else np.full(len(frame), "(all)", dtype=object),
        }
    )
    return out, gnames


def _as_scores(values: pd.Series) -> Optional[np.ndarray]:
    if pd.api.types.is_bool_dtype(values.dtype):
        return None
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=np.float64)
    v = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    ok = values.notna().to_numpy() & values.astype(str).str.strip().ne("").to_numpy()
    if ok.any() and v[ok].notna().all():
        return v.to_numpy(dtype=np.float64)
    return None


def stance_divergence(
    data: Union[Corpus, pd.DataFrame],
    stance_col: str = "stance",
    target_col: Optional[str] = None,
    *,
    group_col: Optional[str] = None,
    kind: str = "auto",
    metrics: Optional[Sequence[str]] = None,
    alpha: float = 0.5,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = DEFAULT_CI_METHOD,
    seed: Seed = 0,
    n_jobs: Optional[int] = None,
    missing: str = "error",
) -> StanceDivergence:
    """How far apart are the groups' hand-coded stances, per target?

    Parameters
    ----------
    data : Corpus (groups from its group column) or DataFrame (``group_col``, default "group").
    stance_col : stance labels (e.g. favour / against / neutral) or numeric scores.
    target_col : what the stance is about (optional; without it, one target "(all)").
    kind : "auto" (scores when every value is a number), "label" or "score".
    metrics : labels: core metrics (default all of :data:`divergence.METRICS`; kl and jeffreys
        smoothed with ``alpha`` pseudo-counts per stance); scores: "mean_difference" (mean of
        group_a minus mean of group_b; p-value two-sided) and "wasserstein" (Wasserstein-1).
    bootstrap, permutations, ci, seed, n_jobs : as in :func:`divergence.compare` (statements
        resampled within groups; group labels shuffled across each target's statements).
    missing : statements without a stance: "error" (default, naming them) or "drop" (noted).

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> st = dv.stance_divergence(corpus, "stance", "target", bootstrap=20, permutations=20)
    >>> st.targets[:2]
    ['Lachin corridor', 'mediation']
    >>> round(float(st.matrix("reintegration").loc["Armenia", "Azerbaijan"]), 4)
    0.6931
    """
    check_choice(kind, "kind", ("auto", "label", "score"))
    check_choice(missing, "missing", ("error", "drop"))
    bootstrap = check_count(bootstrap, "bootstrap")
    permutations = check_count(permutations, "permutations")
    check_ci(ci)
    check_ci_method(ci_method)
    seed_v = seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    df, gnames = _stance_frame(data, stance_col, target_col, group_col)
    notes: List[str] = []
    stance = (
        pd.Series(df["stance"].to_numpy(), dtype=object)
        if df["stance"].dtype == object
        else df["stance"]
    )
    scores = None if kind == "label" else _as_scores(stance)
    if kind == "score" and scores is None:
        raise ValueError(
            f"stance_col: {stance_col!r} is not numeric (kind='score' needs a number in every row)"
        )
    is_score = scores is not None
    if is_score:
        assert scores is not None
        bad = np.flatnonzero(~np.isfinite(scores))
        if len(bad):
            if missing == "error":
                raise ValueError(
                    f"stance_col: numeric stance {stance_col!r} has {len(bad)} "
                    f"missing/NaN/infinite value(s): {where_rows(data, bad)}; fill them in or "
                    "pass missing='drop'"
                )
            notes.append(f"dropped {len(bad)} statement(s) without a numeric stance")
        keep = np.isfinite(scores)
    else:
        miss = missing_values(pd.Series(df["stance"]))
        bad = np.flatnonzero(miss)
        if len(bad):
            if missing == "error":
                raise ValueError(
                    f"stance_col: {len(bad)} statement(s) without a stance in {stance_col!r}: "
                    f"{where_rows(data, bad)}; fill them in or pass missing='drop'"
                )
            notes.append(f"dropped {len(bad)} statement(s) without a stance")
        keep = ~miss
    if target_col is not None:
        tmiss = missing_values(pd.Series(df["target"]))
        if tmiss[keep].any():
            no_target = np.flatnonzero(tmiss & keep)
            raise ValueError(
                f"target_col: {len(no_target)} statement(s) without a target in {target_col!r}: "
                f"{where_rows(data, no_target)}"
            )
    df = df[keep].reset_index(drop=True)
    if is_score:
        assert scores is not None
        df["value"] = scores[keep]
        distinct = np.unique(df["value"])
    else:
        df["stance"] = df["stance"].astype(str).str.strip()
        distinct = np.unique(df["stance"])
    if len(distinct) < 2:
        shown = f" ({distinct[0]!r})" if len(distinct) else ""
        raise ValueError(
            f"stance_col: {stance_col!r} has {len(distinct)} distinct "
            f"value{'' if len(distinct) == 1 else 's'}{shown}; "
            "stance divergence needs at least two different stances"
        )
    groups_all, _ = drop_absent(gnames, df["gcode"].to_numpy())
    if len(groups_all) < 2:
        raise ValueError(
            f"groups: stance divergence needs at least two groups, found {len(groups_all)}"
        )
    targets = sorted(set(df["target"].astype(str)))
    df["target"] = df["target"].astype(str)

    if is_score:
        mlist = list(metrics) if metrics is not None else list(SCORE_METRICS)
        for m in mlist:
            if m not in SCORE_METRICS:
                raise ValueError(
                    f"metrics: for numeric stances use {', '.join(SCORE_METRICS)}; got {m!r}"
                )
        stances: List[str] = []
    else:
        mlist = list(metrics) if metrics is not None else list(METRICS)
        for m in mlist:
            if m not in METRICS:
                raise ValueError(f"metrics: unknown metric {m!r}; valid: {', '.join(METRICS)}")
        stances = [str(x) for x in distinct]

    reps = _replicates(
        df,
        gnames,
        targets,
        None if is_score else stances,
        mlist,
        alpha,
        bootstrap,
        permutations,
        seed_v,
        threads,
    )
    jack = (
        _jackknife(
            df, gnames, targets, None if is_score else stances, mlist, alpha, seed_v, threads
        )
        if bootstrap
        else {}
    )
    dist_rows: List[Dict[str, Any]] = []
    rows: List[Dict[str, Any]] = []
    for target in targets:
        sub = df[df["target"] == target]
        present, codes = drop_absent(gnames, sub["gcode"].to_numpy())
        if len(present) < 2:
            notes.append(
                f"target {target!r}: only {len(present)} group ({', '.join(present)}) has "
                "statements; skipped"
            )
        codes = codes.astype(np.int32)
        K = len(present)
        n_g = np.bincount(codes, minlength=K)
        if is_score:
            x = sub["value"].to_numpy(dtype=np.float64)
            for g, name in enumerate(present):
                xs = x[codes == g]
                dist_rows.append(
                    dict(
                        target=target,
                        group=name,
                        n=int(len(xs)),
                        mean=float(xs.mean()),
                        sd=float(xs.std(ddof=1)) if len(xs) > 1 else np.nan,
                        median=float(np.median(xs)),
                    )
                )
            if K < 2:
                continue
            obs, boot, perm = reps[target]
            rows.extend(
                _score_pairs(
                    obs,
                    boot,
                    perm,
                    codes,
                    present,
                    target,
                    mlist,
                    bootstrap,
                    permutations,
                    ci,
                    ci_method,
                    jack.get(target),
                )
            )
        else:
            lab = np.searchsorted(stances, sub["stance"].to_numpy())
            counts = np.zeros((K, len(stances)))
            np.add.at(counts, (codes, lab), 1.0)
            for g, name in enumerate(present):
                for si, st in enumerate(stances):
                    dist_rows.append(
                        dict(
                            target=target,
                            group=name,
                            stance=st,
                            count=int(counts[g, si]),
                            share=float(counts[g, si] / n_g[g]),
                        )
                    )
            if K < 2:
                continue
            obs, boot, perm = reps[target]
            sm = summarise(
                obs,
                boot if bootstrap else None,
                perm if permutations else None,
                ci=ci,
                method=ci_method,
                jackknife=jack.get(target),
                lower=0.0,
            )
            for mi, m in enumerate(mlist):
                pairs = group_pairs(K, m)
                for a, b in pairs:
                    rows.append(
                        _row(
                            target,
                            present[a],
                            present[b],
                            m,
                            sm,
                            (mi, a, b),
                            int(n_g[a]),
                            int(n_g[b]),
                        )
                    )
    table = pd.DataFrame(
        rows,
        columns=[
            "target",
            "group_a",
            "group_b",
            "metric",
            *SUMMARY_COLUMNS,
            "n_a",
            "n_b",
            "ci_for",
            "ci_note",
        ],
    )
    settings = dict(
        stance_col=stance_col,
        target_col=target_col,
        kind="score" if is_score else "label",
        metrics=mlist,
        alpha=alpha if not is_score else None,
        bootstrap=bootstrap,
        permutations=permutations,
        ci=ci,
        ci_method=ci_method,
        seed=seed_v,
        n_jobs=threads,
        n_statements=int(len(df)),
    )
    return StanceDivergence(
        kind="score" if is_score else "label",
        targets=targets,
        groups=groups_all,
        stances=stances,
        metrics=mlist,
        distributions=pd.DataFrame(dist_rows),
        table=table,
        settings=settings,
        notes=notes,
    )


def _row(
    target: str,
    ga: str,
    gb: str,
    metric: str,
    sm: Summary,
    cell: Tuple[int, int, int],
    n_a: int,
    n_b: int,
) -> Dict[str, Any]:
    return dict(
        target=target,
        group_a=ga,
        group_b=gb,
        metric=metric,
        value=float(sm.value[cell]),
        **sm.at(cell),
        n_a=n_a,
        n_b=n_b,
    )


def _jackknife(
    df: pd.DataFrame,
    gnames: List[str],
    targets: Sequence[str],
    stances: Optional[Sequence[str]],
    metrics: Sequence[str],
    alpha: float,
    seed: int,
    n_jobs: int,
) -> Dict[str, np.ndarray]:
    """{target: block-jackknife values (G, m, K, K)}: blocks of statements (stratified by
    group, :func:`jackknife_blocks`) left out in turn; NaN for a block that removes a target's
    group entirely."""
    blocks = jackknife_blocks(df["gcode"].to_numpy(), seed)
    G = int(blocks.max()) + 1 if blocks.size else 0
    full = {
        t: tuple(np.unique(df["gcode"].to_numpy()[df["target"].to_numpy() == t])) for t in targets
    }
    vals: Dict[str, List[np.ndarray]] = {}
    for b in range(G):
        sub = df[blocks != b]
        reps = _replicates(sub, gnames, targets, stances, metrics, alpha, 0, 0, seed, n_jobs)
        tv, gv = sub["target"].to_numpy(), sub["gcode"].to_numpy()
        for t in targets:
            K = len(full[t])
            if K < 2:
                continue
            same = tuple(np.unique(gv[tv == t])) == full[t]
            obs = reps[t][0] if same and t in reps else np.full((len(metrics), K, K), np.nan)
            vals.setdefault(t, []).append(obs)
    return {t: np.stack(v) for t, v in vals.items()}


def _replicates(
    df: pd.DataFrame,
    gnames: List[str],
    targets: Sequence[str],
    stances: Optional[Sequence[str]],
    metrics: Sequence[str],
    alpha: float,
    bootstrap: int,
    permutations: int,
    seed: int,
    n_jobs: int,
) -> Dict[str, Tuple[np.ndarray, ...]]:
    """{target: (observed (m, K, K), bootstrap (B, m, K, K), permutation (P, m, K, K))} for every
    target with at least two groups, from one threaded core call over all targets and replicates
    (groups coded in sorted order; labels when ``stances`` is given, else the scores in "value")."""
    tv = df["target"].to_numpy()
    gv = df["gcode"].to_numpy()
    names, parts, codes, sizes = [], [], [], []
    for target in targets:
        idx = np.flatnonzero(tv == target)
        present, code = drop_absent(gnames, gv[idx])
        if len(present) >= 2:
            names.append(target)
            parts.append(idx)
            codes.append(code)
            sizes.append(len(present))
    if not names:
        return {}
    order = np.concatenate(parts)
    group = np.concatenate(codes).astype(np.int32)
    start = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    n_groups = np.asarray(sizes, dtype=np.int32)
    if stances is not None:
        lab = np.searchsorted(np.asarray(stances), df["stance"].to_numpy()[order]).astype(np.int32)
        out = _core.stance_label_replicates(
            group,
            lab,
            start,
            n_groups,
            len(stances),
            list(metrics),
            float(alpha),
            bootstrap,
            permutations,
            seed,
            n_jobs,
        )
    else:
        x = np.ascontiguousarray(df["value"].to_numpy(dtype=np.float64)[order])
        out = _core.stance_score_replicates(
            group, x, start, n_groups, list(metrics), bootstrap, permutations, seed, n_jobs
        )
    return dict(zip(names, out))


def _score_pairs(
    obs: np.ndarray,
    boot: np.ndarray,
    perm: np.ndarray,
    codes: np.ndarray,
    present: List[str],
    target: str,
    metrics: Sequence[str],
    bootstrap: int,
    permutations: int,
    ci: float,
    ci_method: str,
    jack: Optional[np.ndarray] = None,
) -> List[Dict[str, Any]]:
    K = len(present)
    n_g = np.bincount(codes, minlength=K)
    two_sided = np.array([m == "mean_difference" for m in metrics])[
        :, None, None
    ]  # p-value of a signed difference
    sm = summarise(
        obs,
        boot if bootstrap else None,
        perm if permutations else None,
        ci=ci,
        method=ci_method,
        two_sided=two_sided,
        jackknife=jack,
        # a divergence is at least 0; a mean difference has no bound
        lower=None if "mean_difference" in metrics else 0.0,
    )
    rows = []
    for mi, m in enumerate(metrics):
        for a in range(K):
            for b in range(a + 1, K):
                rows.append(
                    _row(
                        target, present[a], present[b], m, sm, (mi, a, b), int(n_g[a]), int(n_g[b])
                    )
                )
    return rows
