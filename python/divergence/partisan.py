"""Honest gap estimates: leave-out partisanship, bias-corrected divergence, annotated stances.

How far apart two parties look depends on how much they said: with a large vocabulary and few
statements any two groups look different. This module reports gaps together with what noise
alone would give.

Partisanship (Gentzkow, Shapiro and Taddy 2019, Econometrica 87(4))
--------------------------------------------------------------------
Speaker i (``speakers=``; a speaker's statements are summed; without speakers each statement is
its own speaker) in group g has phrase counts c_i, total m_i, frequencies q_i = c_i/m_i; group
frequencies are q^g = sum_{i in g} c_i / sum_{i in g} m_i and the posterior on group g after
phrase j is rho_{g,j} = q^g_j / sum_h q^h_j (equal priors 1/G).

- plug-in ``pi = (1/G) sum_g q^g . rho_g``: the expected posterior a listener puts on a
  speaker's true group after hearing one phrase (for two groups exactly GST's pi). It is biased
  upward when the vocabulary is large relative to the speech: two groups that speak alike still
  score well above 1/G.
- leave-out ``pi_LO = (1/G) sum_g mean_{i in g} q_i . rho_{g,-i}``, rho_{g,-i} computed
  without speaker i (speakers equally weighted within a group). A phrase that no remaining
  speaker of any group used has posterior 1/G (the prior: it tells a listener nothing).
- ``1/G`` (``chance``) means "no difference"; the shuffled-label baseline (labels permuted over
  speakers, group sizes kept) gives the value noise alone produces (its mean is ``null_mean``;
  for the leave-out it sits near 1/G, for the plug-in well above); intervals resample speakers
  with replacement within each group (a speaker drawn w times counts w times and is left out
  with all its copies; a replicate in which a group drew a single speaker has no leave-out value
  and is dropped, with a note).

Every group needs at least two speakers with tokens (the leave-out has no one left otherwise).
With few speakers per group, resampled groups hold fewer distinct speakers, so bootstrap values
of the leave-out sit below it (and of the plug-in above it): ``ci_method="basic"`` (2 value - q)
corrects for that shift, as in :func:`divergence.compare`. The shuffled-label leave-out mean can
sit slightly below 1/G for small groups (rho is concave in the left-out group's frequencies);
``excess`` is measured against it, not against 1/G.

Bias-corrected divergence (:func:`jsd_bias`, :func:`jsd_bias_pairs`)
-------------------------------------------------------------------
With size weights n_g/N, the JSD of K groups equals G/(2N), G the likelihood-ratio statistic of
the K x V table (Grosse et al. 2002). Under no difference G is approximately chi-square with
(K-1)(V-1) degrees of freedom (V the number of terms used), so the plug-in JSD is biased up by
about (K-1)(V-1)/(2N) nats; ``corrected`` subtracts that and ``p_value`` is the chi-square tail.
For the equally weighted JSD of two groups that :func:`divergence.compare` reports, the same
expansion gives (V-1)/8 * (1/n_a + 1/n_b).

When to trust which: the chi-square approximation (and the analytic expectation) assume tokens
are independent draws and expected cell counts that are not small (the usual rule: at least 5
in most cells; ``share_small_expected`` reports the share of cells below 5). Text breaks both:
sparse vocabularies (most words are rare) make the expectation an underestimate of the bias
(a word said once contributes up to 2 ln(N/n_g) to G, not 1), and words come in statements
(clustered, overdispersed), which makes chi-square p-values far too small. The permutation null
of :func:`divergence.compare` (labels shuffled across statements) assumes neither and is the
one to report; the analytic values are a quick check, trustworthy for small vocabularies with
large counts (e.g. stance labels, a few hundred frequent terms).

Annotated stances (:func:`stance_divergence`)
---------------------------------------------
Hand-coded stances (labels such as favour / against / neutral, or numeric scores) towards
targets: per target, each group's stance distribution and the group-by-group divergence of
those distributions (every core metric for labels; difference of means and Wasserstein-1
distance for scores), with bootstrap intervals (statements resampled within groups) and
permutation p-values (group labels shuffled across the target's statements).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from .compare import _check_count, _seed_value, group_matrix
from .measures import METRICS, resolve_n_jobs

__all__ = [
    "JSDBias",
    "Partisanship",
    "PartisanshipOverTime",
    "StanceDivergence",
    "jsd_bias",
    "jsd_bias_from_group_counts",
    "jsd_bias_pairs",
    "partisanship",
    "partisanship_over_time",
    "stance_divergence",
]

SPEAKER_GROUP_POLICIES = ("error", "first", "split")
ESTIMATORS = ("plug-in", "leave-out")
_SHOW = 5


# --------------------------------------------------------------------------------------------
# Shared input handling


def _is_corpus(data: Any) -> bool:
    from .corpus import Corpus

    return isinstance(data, Corpus)


def _missing(values: pd.Series) -> np.ndarray:
    s = values
    miss = s.isna().to_numpy()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        miss = miss | s.astype(str).str.strip().eq("").to_numpy()
    return np.asarray(miss, dtype=bool)


def _where(data: Any, rows: np.ndarray) -> str:
    rows = np.asarray(rows, dtype=np.int64)
    if _is_corpus(data):
        return data.describe_locations(rows)
    shown = ", ".join(str(int(r)) for r in rows[:_SHOW])
    more = f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
    return f"rows {shown}{more}"


def _ci_bounds(ci: float) -> Tuple[float, float]:
    if isinstance(ci, bool) or not isinstance(ci, (int, float, np.floating)) or not (0 < ci < 1):
        raise ValueError(f"ci: must be between 0 and 1 (e.g. 0.95), got {ci!r}")
    return 100 * (1 - ci) / 2, 100 * (1 + ci) / 2


CI_METHODS = ("percentile", "basic")


def _interval(bs: np.ndarray, v: float, lo_q: float, hi_q: float, method: str) -> Tuple[float, float]:
    """Percentile (or basic: 2 v - q) interval of bootstrap values; no interpolation across
    infinite values (bhattacharyya of disjoint supports)."""
    if np.all(np.isfinite(bs)):
        ql, qh = np.percentile(bs, [lo_q, hi_q])
    else:
        ql, qh = np.percentile(bs, [lo_q, hi_q], method="nearest")
    ql, qh = float(ql), float(qh)
    if method == "basic":
        ql, qh = 2 * v - qh, 2 * v - ql
    return ql, qh


def _check_ci_method(ci_method: str) -> str:
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci_method: must be one of {', '.join(CI_METHODS)}, got {ci_method!r}")
    return ci_method


def _statement_counts(data: Any, groups: Any, vectorizer: Any) -> Tuple[sp.csr_matrix, np.ndarray, Optional[List[str]]]:
    """Statements x terms counts (float64 CSR) and raw group labels."""
    if _is_corpus(data):
        if groups is not None:
            raise ValueError("groups: a Corpus carries its groups; do not pass groups=")
        from .text import Vectorizer

        vec = vectorizer if vectorizer is not None else Vectorizer()
        counts = vec.fit_transform(list(data.text))
        vocab = [str(v) for v in vec.get_feature_names_out()]
        labels = np.asarray(data.group.astype(str))
    else:
        if groups is None:
            raise ValueError("groups: pass one group label per statement when data is a matrix")
        counts = data
        labels = np.asarray(groups)
        vocab = None
    X = sp.csr_matrix(counts, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != labels.shape[0]:
        raise ValueError(f"groups: {labels.shape[0]} labels for {X.shape[0]} statements")
    X.sum_duplicates()
    if X.nnz and (not np.all(np.isfinite(X.data)) or X.data.min() < 0):
        raise ValueError("counts: must be finite and non-negative")
    X.eliminate_zeros()
    return X, labels, vocab


@dataclass
class _SpeakerIds:
    codes: np.ndarray  # int64 speaker code per statement
    names: List[str]  # name of each code


def _speaker_labels(data: Any, speakers: Any, n: int) -> Optional[_SpeakerIds]:
    """Speaker code of each statement (None: each statement is its own speaker). Speakers are
    compared by their text (1 and "1" are one speaker)."""
    if speakers is None:
        return None
    if isinstance(speakers, str):
        if not _is_corpus(data):
            raise TypeError("speakers: a column name needs a Corpus; pass one speaker per statement")
        if speakers not in data.frame.columns:
            cols = ", ".join(repr(c) for c in data.frame.columns)
            raise ValueError(f"speakers: no column {speakers!r} in the corpus; columns: {cols}")
        values: Any = data.frame[speakers].to_numpy()
    else:
        values = np.asarray(speakers)
        if values.dtype.kind not in "iub":
            values = np.asarray(speakers, dtype=object)
    if values.ndim != 1 or len(values) != n:
        raise ValueError(f"speakers: {len(values)} speakers for {n} statements")
    if values.dtype.kind in "iub":  # integer ids: never missing, distinct ids print distinctly
        codes, uniq = pd.factorize(values)
        return _SpeakerIds(np.asarray(codes, dtype=np.int64), [str(u) for u in uniq])
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    text = [str(u).strip() for u in uniq]
    bad_code = np.array([t == "" for t in text] + [True], dtype=bool)  # last entry: code -1
    miss = np.flatnonzero(bad_code[codes])
    if len(miss):
        raise ValueError(f"speakers: {len(miss)} statement(s) without a speaker: {_where(data, miss)}")
    merged, names = pd.factorize(np.asarray([str(u) for u in uniq], dtype=object))
    return _SpeakerIds(np.asarray(merged, dtype=np.int64)[codes], [str(x) for x in names])


def _multi_group_speakers(spk: np.ndarray, gcode: np.ndarray, G: int, names: Sequence[str],
                          gnames: Sequence[str], raise_error: bool) -> np.ndarray:
    """Codes of speakers found in more than one group (a ValueError naming them and their
    groups when ``raise_error``)."""
    spk = np.asarray(spk, dtype=np.int64)
    one = np.zeros(int(spk.max()) + 1 if len(spk) else 0, dtype=np.int64)
    one[spk] = gcode  # some group of each speaker (the last written)
    multi = np.unique(spk[gcode != one[spk]])  # a statement in another group: O(n), no sort of n
    if len(multi) and raise_error:
        pairs = np.unique(spk[np.isin(spk, multi)] * G + gcode[np.isin(spk, multi)])
        shown = []
        for k in multi[:_SHOW]:
            gs = sorted(gnames[int(p % G)] for p in pairs[pairs // G == k])
            shown.append(f"{names[int(k)]!r} ({', '.join(repr(g) for g in gs)})")
        more = f" and {len(multi) - _SHOW} more" if len(multi) > _SHOW else ""
        raise ValueError(
            f"speakers: {len(multi)} speaker(s) belong to more than one group: {'; '.join(shown)}{more}; "
            "fix the data, or choose speaker_group_policy='first' (each speaker counted in the group of "
            "their first statement) or 'split' (one speaker per speaker and group)"
        )
    return multi


@dataclass
class _Speakers:
    X: sp.csr_matrix  # speakers x terms
    codes: np.ndarray  # int32 group code per speaker
    names: List[str]  # speaker names
    groups: List[str]  # group names
    n_statements: np.ndarray  # per speaker
    notes: List[str]


def _label_codes(labels: Any) -> Tuple[np.ndarray, np.ndarray]:
    """(sorted distinct labels as str, code per element): np.unique(astype(str)) by hashing."""
    codes, uniq = pd.factorize(np.asarray(labels, dtype=object), use_na_sentinel=False)
    text = np.asarray([str(u) for u in uniq], dtype=object)
    merged, names = pd.factorize(text)  # values whose text agrees are one group
    names = np.asarray([str(x) for x in names], dtype=object)
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return names[order], rank[np.asarray(merged)][np.asarray(codes)]


def _sorted_csr(S: Any) -> sp.csr_matrix:
    """CSR with sorted column indices, by two linear conversions (CSR -> CSC -> CSR)."""
    S = sp.csr_matrix(S)
    if not S.has_sorted_indices:
        S = S.tocsc().tocsr()
    return S


def _by_speaker(X: sp.csr_matrix, labels: np.ndarray, spk: Optional[_SpeakerIds], policy: str,
                threads: int = 1) -> _Speakers:
    """Sum statements per speaker; resolve speakers found in several groups; drop empty ones."""
    if policy not in SPEAKER_GROUP_POLICIES:
        raise ValueError(f"speaker_group_policy: must be one of {', '.join(SPEAKER_GROUP_POLICIES)}, got {policy!r}")
    notes: List[str] = []
    gnames_all, gcode = _label_codes(labels)
    G_all = len(gnames_all)
    n = X.shape[0]
    if spk is None:
        S = X if X.has_sorted_indices else _sorted_csr(X)
        sp_gcode = gcode
        names: List[str] = [f"statement {i}" for i in range(n)]
        n_stat = np.ones(n, dtype=np.int64)
    else:
        multi = _multi_group_speakers(spk.codes, gcode, G_all, spk.names, [str(g) for g in gnames_all], policy == "error")
        if policy == "split":
            key = spk.codes * G_all + gcode
            if len(multi):
                notes.append(
                    f"speaker_group_policy='split': {len(multi)} speaker(s) in several groups counted once per group"
                )
        else:
            key = spk.codes
        sp_idx, uniq = pd.factorize(key, sort=False)
        sp_idx = np.asarray(sp_idx, dtype=np.int64)
        uniq = np.asarray(uniq, dtype=np.int64)
        n_sp = len(uniq)
        first = np.full(n_sp, -1, dtype=np.int64)
        order = np.arange(n)[::-1]
        first[sp_idx[order]] = order  # first statement of each speaker
        sp_gcode = gcode[first]
        base = uniq // G_all if policy == "split" else uniq
        names = [spk.names[int(k)] for k in base]
        if policy == "split" and len(multi):
            mset = set(int(k) for k in multi)
            names = [f"{nm} [{gnames_all[g]}]" if int(k) in mset else nm for nm, k, g in zip(names, base, sp_gcode)]
        if policy == "first" and len(multi):
            moved = int(np.count_nonzero(gcode != sp_gcode[sp_idx]))
            notes.append(
                f"speaker_group_policy='first': {len(multi)} speaker(s) in several groups counted in the group "
                f"of their first statement ({moved} statement(s) reassigned)"
            )
        Xs = X if X.has_sorted_indices else _sorted_csr(X)
        ip, ix, dt = _core.sum_rows_by(_csr_tuple(Xs), sp_idx, n_sp, threads)
        S = sp.csr_matrix((dt, ix, ip), shape=(n_sp, X.shape[1]))
        n_stat = np.bincount(sp_idx, minlength=n_sp)
    tok = np.asarray(S.sum(axis=1)).ravel()
    keep = tok > 0
    if not keep.all():
        what = "statement(s)" if spk is None else "speaker(s)"
        notes.append(f"dropped {int((~keep).sum())} {what} with no tokens after tokenising")
        S = S[keep]
        sp_gcode = sp_gcode[keep]
        names = [nm for nm, k in zip(names, keep) if k]
        n_stat = n_stat[keep]
    present, codes = np.unique(sp_gcode, return_inverse=True)
    return _Speakers(S, codes.astype(np.int32), names, [str(gnames_all[g]) for g in present], n_stat, notes)


def _check_speaker_groups(s: _Speakers, unit: str) -> None:
    G = len(s.groups)
    if G < 2:
        raise ValueError(
            f"groups: partisanship needs at least two groups with tokens, found {G}"
            + (f" ({s.groups[0]!r})" if G else "")
        )
    counts = np.bincount(s.codes, minlength=G)
    few = [f"{s.groups[g]!r} has {counts[g]}" for g in range(G) if counts[g] < 2]
    if few:
        raise ValueError(
            f"speakers: the leave-out estimate needs at least two {unit}s per group; " + ", ".join(few)
        )


def _csr_tuple(X: sp.csr_matrix) -> Tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    return (
        np.ascontiguousarray(X.indptr, dtype=np.int64),
        np.ascontiguousarray(X.indices, dtype=np.int32),
        np.ascontiguousarray(X.data, dtype=np.float64),
        int(X.shape[1]),
    )


# --------------------------------------------------------------------------------------------
# Partisanship


@dataclass
class Partisanship:
    """Result of :func:`partisanship`.

    ``table``: one row per estimator (plug-in, leave-out) with value, ci_low, ci_high,
    boot_mean, null_mean (shuffled-label baseline), excess (value - null_mean), p_value
    ((1 + #{null >= value}) / (1 + permutations)), chance (1/G) and sizes. ``by_group``: each
    group's q^g . rho_g and mean leave-out score; ``speakers``: each speaker's leave-out score
    q_i . rho_{g,-i}. ``bootstrap`` (B x 2) and ``null`` (P x 2) hold the replicates.
    """

    groups: List[str]
    table: pd.DataFrame
    by_group: pd.DataFrame
    speakers: pd.DataFrame
    bootstrap: np.ndarray
    null: np.ndarray
    settings: Dict[str, Any]
    notes: List[str] = field(default_factory=list)

    @property
    def chance(self) -> float:
        return 1.0 / len(self.groups)

    @property
    def plug_in(self) -> float:
        return float(self.table["value"].iloc[0])

    @property
    def leave_out(self) -> float:
        return float(self.table["value"].iloc[1])


def _summarise(obs: np.ndarray, boot: np.ndarray, perm: np.ndarray, ci: float, ci_method: str) -> Tuple[List[Dict[str, Any]], int]:
    lo_q, hi_q = _ci_bounds(ci)
    rows = []
    dropped = 0
    for e, name in enumerate(ESTIMATORS):
        v = float(obs[e])
        row: Dict[str, Any] = {"estimator": name, "value": v}
        bs = boot[:, e] if len(boot) else np.empty(0)
        ok = bs[np.isfinite(bs)]
        if e == 1:
            dropped = int(len(bs) - len(ok))
        if len(ok):
            ql, qh = _interval(ok, v, lo_q, hi_q, ci_method)
            row.update(ci_low=float(ql), ci_high=float(qh), boot_mean=float(ok.mean()))
        else:
            row.update(ci_low=np.nan, ci_high=np.nan, boot_mean=np.nan)
        if len(perm):
            ns = perm[:, e]
            nm = float(ns.mean())
            row.update(null_mean=nm, excess=v - nm, p_value=float((1 + np.count_nonzero(ns >= v)) / (1 + len(ns))))
        else:
            row.update(null_mean=np.nan, excess=np.nan, p_value=np.nan)
        rows.append(row)
    return rows, dropped


def _run(s: _Speakers, bootstrap: int, permutations: int, seed: int, threads: int):
    return _core.partisanship(_csr_tuple(s.X), s.codes, len(s.groups), bootstrap, permutations, seed, threads)


def partisanship(
    data: Any,
    groups: Optional[Sequence[Any]] = None,
    speakers: Any = None,
    *,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = "percentile",
    seed: Optional[int] = 0,
    n_jobs: Optional[int] = None,
    vectorizer: Any = None,
    speaker_group_policy: str = "error",
) -> Partisanship:
    """Plug-in and leave-out partisanship of groups' speech (see the module docstring).

    Parameters
    ----------
    data : Corpus, or a statements x phrases count matrix (sparse or dense) with ``groups``.
    groups : group label per statement (needed when ``data`` is a matrix).
    speakers : a column of the Corpus (e.g. ``"speaker"``) or one speaker per statement; the
        statements of one speaker are summed. None: each statement is its own speaker.
    bootstrap : speaker-resampling replicates for the intervals (0 disables).
    permutations : shuffled-label replicates (labels permuted over speakers; 0 disables).
    ci : interval coverage (percentile intervals).
    seed : makes every random step reproducible for any ``n_jobs`` (None draws one, reported in
        ``settings``).
    vectorizer : used for a Corpus (default :class:`divergence.Vectorizer`()).
    speaker_group_policy : a speaker found in several groups is an error ("error", default
        naming the speakers and groups), counted in the group of their first statement
        ("first"), or counted as one speaker per group ("split").
    """
    bootstrap = _check_count(bootstrap, "bootstrap")
    permutations = _check_count(permutations, "permutations")
    _ci_bounds(ci)
    _check_ci_method(ci_method)
    seed_v = _seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    X, labels, vocab = _statement_counts(data, groups, vectorizer)
    spk = _speaker_labels(data, speakers, X.shape[0])
    s = _by_speaker(X, labels, spk, speaker_group_policy, threads)
    unit = "statement" if spk is None else "speaker"
    _check_speaker_groups(s, unit)
    obs, by_g, per_sp, boot, perm = _run(s, bootstrap, permutations, seed_v, threads)
    return _assemble(s, obs, by_g, per_sp, boot, perm, ci, ci_method, settings_extra=dict(
        bootstrap=bootstrap, permutations=permutations, ci=ci, ci_method=ci_method, seed=seed_v, n_jobs=threads,
        speakers=speakers if isinstance(speakers, str) else ("given" if speakers is not None else None),
        speaker_group_policy=speaker_group_policy, n_terms=int(X.shape[1]),
    ), unit=unit)


def _assemble(s: _Speakers, obs, by_g, per_sp, boot, perm, ci: float, ci_method: str, settings_extra: Dict[str, Any], unit: str) -> Partisanship:
    G = len(s.groups)
    notes = list(s.notes)
    rows, dropped = _summarise(obs, boot, perm, ci, ci_method)
    if dropped:
        notes.append(
            f"{dropped} of {len(boot)} bootstrap replicates drew a single {unit} for some group and have no "
            "leave-out value; the leave-out interval uses the others"
        )
    tokens = np.asarray(s.X.sum(axis=1)).ravel()
    n_sp_g = np.bincount(s.codes, minlength=G)
    for r in rows:
        r.update(chance=1.0 / G, n_groups=G, n_speakers=int(s.X.shape[0]),
                 n_statements=int(s.n_statements.sum()), tokens=float(tokens.sum()))
    table = pd.DataFrame(rows)
    by_group = pd.DataFrame({
        "group": s.groups,
        "n_speakers": n_sp_g.astype(int),
        "n_statements": np.bincount(s.codes, weights=s.n_statements, minlength=G).astype(int),
        "tokens": np.bincount(s.codes, weights=tokens, minlength=G),
        "plug_in": by_g[:, 0],
        "leave_out": by_g[:, 1],
    })
    speakers = pd.DataFrame({
        "speaker": s.names,
        "group": [s.groups[c] for c in s.codes],
        "n_statements": s.n_statements.astype(int),
        "tokens": tokens,
        "leave_out_score": per_sp,
    })
    settings = dict(settings_extra)
    settings.update(n_groups=G, n_speakers=int(s.X.shape[0]), unit=unit, chance=1.0 / G)
    return Partisanship(groups=s.groups, table=table, by_group=by_group, speakers=speakers,
                        bootstrap=boot, null=perm, settings=settings, notes=notes)


# --------------------------------------------------------------------------------------------
# Over time: the windows of divergence.drift


@dataclass
class _Windows:
    """Windows as :func:`divergence.drift` builds them (``mode="between"``: shared by all
    groups, count windows over all statements)."""

    order: np.ndarray  # statement indices (into the input) in time order
    begin: np.ndarray  # window k holds statements order[begin[k]:end[k]]
    end: np.ndarray
    start: Any  # reported window_start / window_end (drift's convention)
    stop: Any
    window: str  # canonical text, e.g. "10Y" or "50"
    step: str
    kind: str  # "time" or "statements"
    resolution: Optional[str]
    times: Optional[pd.DatetimeIndex]  # in time order


def _drift_windows(data: Any, times: Any, n: int, window: Any, step: Any) -> _Windows:
    """The windows :func:`divergence.drift` uses, with its window specification, conventions and
    errors. The only place that touches drift.py's private helpers: if drift's internals change,
    this adapter is what to update."""
    import importlib

    _d = importlib.import_module(".drift", __package__)  # the module (the package's ``drift`` is the function)

    win = _d.parse_window(window, "window")
    stp = _d.parse_window(step if step is not None else window, "step")
    t: Optional[pd.DatetimeIndex] = None
    res: Optional[str] = None
    if _is_corpus(data):
        if times is not None:
            raise ValueError("times: a Corpus carries its times; do not pass times=")
        data.require_time()  # as drift: a Corpus is windowed by its times
        tv = data.time.to_numpy()
        order = np.argsort(tv, kind="stable")
        t = pd.DatetimeIndex(tv[order])
        res = data.time_resolution
    else:
        order = np.arange(n, dtype=np.int64)
        if times is not None:
            t, res = _d._to_times(times)
            if len(t) != n:
                raise ValueError(f"times: {len(t)} times for {n} statements")
            _d._check_sorted(_d._ns(t))
    _d._check_window_args(win, stp, res)
    if isinstance(win, tuple) and t is None:
        raise ValueError(f"times: time windows ({_d._span_text(win)}) need times= (one per statement)")
    grid = _d._grid(t, win, stp, res)
    b, e, ws, we = _d._window_bounds(t, n, win, stp, res, grid, "the corpus")
    return _Windows(order=np.asarray(order, dtype=np.int64), begin=np.asarray(b, dtype=np.int64),
                    end=np.asarray(e, dtype=np.int64), start=ws, stop=we, window=_d._span_text(win),
                    step=_d._span_text(stp), kind="time" if isinstance(win, tuple) else "statements",
                    resolution=res, times=t)


def parse_window(value: Any, name: str = "window") -> Any:
    """The window specification of :func:`divergence.drift`: ``50`` or ``"50"`` -> 50
    statements; ``"90D"``, ``"2W"``, ``"6M"``, ``"4Y"`` -> ``(n, unit)``."""
    from .drift import parse_window as _parse

    return _parse(value, name)


def _when(v: Any, resolution: Optional[str]) -> str:
    """A window bound as text: a year for yearly data, a date otherwise, a row position as is."""
    if isinstance(v, pd.Timestamp):
        if resolution == "year":
            return v.strftime("%Y")
        return v.strftime("%Y-%m-%d") if v == v.normalize() else str(v)
    return str(v)


OVER_TIME_COLUMNS = [
    "window", "window_start", "window_end", "n_statements", "n_tokens", "n_speakers", "n_groups", "groups",
    "estimator", "value", "ci_low", "ci_high", "boot_mean", "null_mean", "excess", "p_value", "chance",
    "scored", "reason",
]


@dataclass
class PartisanshipOverTime:
    """Result of :func:`partisanship_over_time`.

    ``table``: one row per window and estimator (plug-in, leave-out), every window of
    :func:`divergence.drift` included: ``window`` (index), ``window_start``, ``window_end``
    (drift's convention: time windows are the half-open span ``[start, end)``; count windows the
    first and last statement's time, or row positions ``[start, end)`` without times),
    ``n_statements`` (in the window), ``n_tokens``, ``n_speakers`` (with tokens), ``n_groups``
    and ``groups`` (present with tokens), then the columns of :attr:`Partisanship.table`
    (value, ci_low, ci_high, boot_mean, null_mean = shuffled-label mean, excess, p_value,
    chance = 1/G), ``scored`` and ``reason`` (why a window has no value: NaN values, never
    dropped). ``results``: the full :class:`Partisanship` of each scored window."""

    groups: List[str]
    table: pd.DataFrame
    results: Dict[int, Partisanship]
    settings: Dict[str, Any]
    notes: List[str] = field(default_factory=list)


def partisanship_over_time(
    data: Any,
    groups: Optional[Sequence[Any]] = None,
    speakers: Any = None,
    *,
    window: Any = "4Y",
    step: Any = None,
    times: Any = None,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = "percentile",
    seed: Optional[int] = 0,
    n_jobs: Optional[int] = None,
    vectorizer: Any = None,
    speaker_group_policy: str = "error",
) -> PartisanshipOverTime:
    """Partisanship per window of :func:`divergence.drift`, with intervals and the
    shuffled-label baseline.

    Windows are exactly drift's (``mode="between"``): ``window``/``step`` both numbers of
    statements (``window=50, step=10``, over all statements in time order) or both spans of
    time (``"90D"``, ``"2W"``, ``"6M"``, ``"4Y"``); ``step`` defaults to ``window``. Time windows
    are half-open ``[start, start + window)``, start = first time + k * step, kept while they
    end no later than one resolution unit (a year for yearly data, a day for dates) after the
    last time; statements after the last window are in none (named in ``notes``). The same
    errors as drift: a window or step narrower than the time resolution, a step of 0, a window
    longer than the data, unsorted times (a matrix; a Corpus is sorted by time), time windows
    without times.

    The vocabulary is built once on the whole corpus; each window's speakers are the speakers
    with statements in it (their statements in the window summed). A window that cannot be
    scored (no statements, fewer than two groups, a group with fewer than two speakers) is
    reported with NaN values and its ``reason``. Each window uses ``seed`` (a window's numbers
    equal :func:`partisanship` on its statements). Other parameters as in :func:`partisanship`
    (``times=``: one time per statement for a matrix; a Corpus carries its times).
    """
    bootstrap = _check_count(bootstrap, "bootstrap")
    permutations = _check_count(permutations, "permutations")
    _ci_bounds(ci)
    _check_ci_method(ci_method)
    seed_v = _seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    if speaker_group_policy not in SPEAKER_GROUP_POLICIES:
        raise ValueError(f"speaker_group_policy: must be one of {', '.join(SPEAKER_GROUP_POLICIES)}, got {speaker_group_policy!r}")
    X, labels, vocab = _statement_counts(data, groups, vectorizer)
    n = X.shape[0]
    if n == 0:
        raise ValueError("data: no statements")
    wins = _drift_windows(data, times, n, window, step)
    gn, gc = _label_codes(labels)
    if len(gn) < 2:
        raise ValueError(
            f"groups: partisanship needs at least two groups, found {len(gn)}" + (f" ({gn[0]!r})" if len(gn) else "")
        )
    spk = _speaker_labels(data, speakers, n)
    if spk is not None and speaker_group_policy == "error":
        _multi_group_speakers(spk.codes, gc, len(gn), spk.names, [str(g) for g in gn], raise_error=True)
    all_groups = [str(g) for g in gn]
    ntok = np.asarray(X.sum(axis=1)).ravel()[wins.order]
    csum = np.concatenate([[0.0], np.cumsum(ntok)])
    spunit = "statement" if spk is None else "speaker"
    rows: List[Dict[str, Any]] = []
    results: Dict[int, Partisanship] = {}
    notes: List[str] = []
    W = len(wins.begin)
    for w in range(W):
        b, e = int(wins.begin[w]), int(wins.end[w])
        label = f"window {w} ({_when(wins.start[w], wins.resolution)} to {_when(wins.stop[w], wins.resolution)})"
        base: Dict[str, Any] = {
            "window": w, "window_start": wins.start[w], "window_end": wins.stop[w], "n_statements": e - b,
            "n_tokens": int(round(csum[e] - csum[b])), "n_speakers": 0, "n_groups": 0, "groups": "",
        }
        reason = ""
        res: Optional[Partisanship] = None
        if e <= b:
            reason = "no statements in the window"
        else:
            idx = wins.order[b:e]
            s = _by_speaker(X[idx], labels[idx], None if spk is None else _SpeakerIds(spk.codes[idx], spk.names),
                            speaker_group_policy, threads)
            base.update(n_speakers=int(s.X.shape[0]), n_groups=len(s.groups), groups=", ".join(s.groups))
            try:
                _check_speaker_groups(s, spunit)
            except ValueError as err:
                reason = str(err)
            else:
                obs, by_g, per_sp, boot, perm = _run(s, bootstrap, permutations, seed_v, threads)
                res = _assemble(s, obs, by_g, per_sp, boot, perm, ci, ci_method, settings_extra={}, unit=spunit)
                results[w] = res
                notes.extend(f"{label}: {nt}" for nt in res.notes)
        if res is None:
            notes.append(f"{label} not scored: {reason}")
            G = base["n_groups"]
            for est in ESTIMATORS:
                rows.append({**base, "estimator": est, "value": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                             "boot_mean": np.nan, "null_mean": np.nan, "excess": np.nan, "p_value": np.nan,
                             "chance": 1.0 / G if G >= 2 else np.nan, "scored": False, "reason": reason})
        else:
            for r in res.table.to_dict("records"):
                rows.append({**base, **{k: r[k] for k in ("estimator", "value", "ci_low", "ci_high", "boot_mean",
                                                          "null_mean", "excess", "p_value", "chance")},
                             "scored": True, "reason": ""})
    table = pd.DataFrame(rows, columns=OVER_TIME_COLUMNS)
    if wins.kind == "time":
        table["window_start"] = pd.DatetimeIndex(table["window_start"])
        table["window_end"] = pd.DatetimeIndex(table["window_end"])
    covered = np.zeros(n + 1, dtype=np.int64)
    np.add.at(covered, wins.begin, 1)
    np.add.at(covered, wins.end, -1)
    outside = np.flatnonzero(np.cumsum(covered)[:n] == 0)
    if len(outside):
        what = ""
        if wins.times is not None:
            lo_t, hi_t = wins.times[outside[0]], wins.times[outside[-1]]
            what = f" (times {_when(lo_t, wins.resolution)} to {_when(hi_t, wins.resolution)})"
        notes.append(
            f"{len(outside)} of {n} statement(s){what} fall in no window: windows start at the first time "
            "(or statement) plus multiples of the step and are kept only while they fit the data, as in "
            "divergence.drift; shift or shorten the window to include them"
        )
    settings = dict(window=wins.window, step=wins.step, window_kind=wins.kind, resolution=wins.resolution,
                    bootstrap=bootstrap, permutations=permutations, ci=ci, ci_method=ci_method, seed=seed_v,
                    n_jobs=threads, speakers=speakers if isinstance(speakers, str) else ("given" if speakers is not None else None),
                    speaker_group_policy=speaker_group_policy, unit=spunit, n_statements=int(n),
                    n_terms=int(X.shape[1]), groups=all_groups, n_windows=W, n_scored=len(results),
                    n_outside=int(len(outside)))
    table.attrs = dict(settings)
    return PartisanshipOverTime(groups=all_groups, table=table, results=results, settings=settings, notes=notes)


# --------------------------------------------------------------------------------------------
# Bias-corrected divergence


@dataclass
class JSDBias:
    """Size-weighted JSD of K groups with its analytic bias correction (see module docstring).

    jsd: plug-in sum_g (n_g/N) KL(p_g || pooled); g_statistic = 2 N jsd; df = (K-1)(V-1) with V
    the terms used; expected = df / (2N), the plug-in's expectation under no difference;
    corrected = jsd - expected (may be negative: no evidence of a difference); p_value: the
    chi-square tail of g_statistic; share_small_expected: share of cells with expected count
    below 5 (high: do not trust the chi-square values, use a permutation null)."""

    jsd: float
    expected: float
    corrected: float
    g_statistic: float
    df: int
    p_value: float
    n_tokens: float
    n_groups: int
    v_observed: int
    share_small_expected: float

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


def jsd_bias(counts_by_group: Any) -> JSDBias:
    """Bias-corrected size-weighted JSD of a K x V table of counts (one row per group)."""
    from scipy.stats import chi2

    C = counts_by_group.toarray() if sp.issparse(counts_by_group) else np.asarray(counts_by_group)
    if C.ndim != 2:
        raise ValueError(f"counts_by_group: expected a 2-d groups x terms table, got {C.ndim}-d")
    C = C.astype(np.float64)
    if not np.all(np.isfinite(C)) or (C.size and C.min() < 0):
        raise ValueError("counts_by_group: counts must be finite and non-negative")
    n = C.sum(axis=1)
    if C.shape[0] < 2 or np.count_nonzero(n > 0) < 2:
        raise ValueError(f"counts_by_group: needs at least two groups with counts, got {int(np.count_nonzero(n > 0))}")
    if np.any(n == 0):
        bad = ", ".join(str(i) for i in np.flatnonzero(n == 0))
        raise ValueError(f"counts_by_group: group row(s) {bad} have no counts")
    N = float(n.sum())
    col = C.sum(axis=0)
    used = col > 0
    C = C[:, used]
    col = col[used]
    K, V = C.shape
    E = np.outer(n, col) / N
    nz = C > 0
    g_stat = float(2.0 * np.sum(C[nz] * np.log(C[nz] / E[nz])))
    g_stat = max(g_stat, 0.0)
    jsd = g_stat / (2.0 * N)
    df = (K - 1) * (V - 1)
    expected = df / (2.0 * N)
    p = float(chi2.sf(g_stat, df)) if df > 0 else float("nan")
    return JSDBias(jsd=jsd, expected=expected, corrected=jsd - expected, g_statistic=g_stat, df=int(df),
                   p_value=p, n_tokens=N, n_groups=K, v_observed=int(V),
                   share_small_expected=float(np.mean(E < 5)) if E.size else float("nan"))


def jsd_bias_pairs(data: Any, groups: Optional[Sequence[Any]] = None, *, vectorizer: Any = None) -> pd.DataFrame:
    """Analytic bias correction for every pair of groups, beside :func:`divergence.compare`.

    Columns: group_a, group_b, jsd (equal weights, as compare reports), expected
    ((V-1)/8 (1/n_a + 1/n_b), V the terms either group used, n token totals), corrected,
    jsd_weighted (size weights), expected_weighted ((V-1)/(2N)), corrected_weighted,
    g_statistic, df, p_value (chi-square), share_small_expected, tokens_a, tokens_b, v_observed.
    """
    X, labels, _ = _statement_counts(data, groups, vectorizer)
    names, codes = np.unique(labels.astype(str), return_inverse=True)
    K = len(names)
    if K < 2:
        raise ValueError(f"groups: needs at least two groups, found {K}")
    A = sp.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(K, len(codes)))
    return jsd_bias_from_group_counts((A @ X).toarray(), [str(n) for n in names])


def jsd_bias_from_group_counts(C: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """:func:`jsd_bias_pairs` from the K x V matrix of summed group counts (rows: ``names``)."""
    K = len(names)
    rows = []
    for a in range(K):
        for b in range(a + 1, K):
            pair = C[[a, b]]
            pair = pair[:, pair.sum(axis=0) > 0]
            na, nb = pair.sum(axis=1)
            if na == 0 or nb == 0:
                continue
            w = jsd_bias(pair)
            p, q = pair[0] / na, pair[1] / nb
            m = 0.5 * (p + q)
            with np.errstate(divide="ignore", invalid="ignore"):
                kl_p = np.where(p > 0, p * np.log(p / m), 0.0).sum()
                kl_q = np.where(q > 0, q * np.log(q / m), 0.0).sum()
            jsd_eq = max(0.0, 0.5 * (kl_p + kl_q))
            exp_eq = (w.v_observed - 1) / 8.0 * (1.0 / na + 1.0 / nb)
            rows.append(dict(
                group_a=str(names[a]), group_b=str(names[b]), jsd=jsd_eq, expected=exp_eq, corrected=jsd_eq - exp_eq,
                jsd_weighted=w.jsd, expected_weighted=w.expected, corrected_weighted=w.corrected,
                g_statistic=w.g_statistic, df=w.df, p_value=w.p_value, share_small_expected=w.share_small_expected,
                tokens_a=float(na), tokens_b=float(nb), v_observed=w.v_observed,
            ))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Annotated stances


@dataclass
class StanceDivergence:
    """Result of :func:`stance_divergence`.

    ``distributions``: per target and group, the stance distribution (labels: count and share
    per stance; scores: n, mean, sd, median). ``table``: per target, pair of groups and metric,
    value, ci_low, ci_high, boot_mean, null_mean, excess, p_value, n_a, n_b (the tidy
    group x group x target stance-divergence matrix). ``matrix(target, metric)``: K x K.
    """

    kind: str  # "label" or "score"
    targets: List[str]
    groups: List[str]
    stances: List[str]
    metrics: List[str]
    distributions: pd.DataFrame
    table: pd.DataFrame
    settings: Dict[str, Any]
    notes: List[str] = field(default_factory=list)

    def matrix(self, target: Optional[str] = None, metric: Optional[str] = None, what: str = "value") -> pd.DataFrame:
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
            if metric == "kl":
                continue  # kl rows hold both directions
            if antisym and what != "p_value":
                M.loc[gb, ga] = -w  # the reversed pair: negated (and, for intervals, swapped)
            else:
                M.loc[gb, ga] = v
        return M


SCORE_METRICS = ("mean_difference", "wasserstein")


def _stance_frame(data: Any, stance_col: str, target_col: Optional[str], group_col: Optional[str]) -> Tuple[pd.DataFrame, Any]:
    if _is_corpus(data):
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
    out = pd.DataFrame({
        "group": frame[gcol].astype(str).to_numpy(),
        "stance": frame[stance_col].to_numpy(),
        "target": frame[target_col].to_numpy() if target_col is not None else np.full(len(frame), "(all)", dtype=object),
    })
    return out, frame


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
    data: Any,
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
    ci_method: str = "percentile",
    seed: Optional[int] = 0,
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
    """
    if kind not in ("auto", "label", "score"):
        raise ValueError(f"kind: must be 'auto', 'label' or 'score', got {kind!r}")
    if missing not in ("error", "drop"):
        raise ValueError(f"missing: must be 'error' or 'drop', got {missing!r}")
    bootstrap = _check_count(bootstrap, "bootstrap")
    permutations = _check_count(permutations, "permutations")
    lo_q, hi_q = _ci_bounds(ci)
    _check_ci_method(ci_method)
    seed_v = _seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    df, _ = _stance_frame(data, stance_col, target_col, group_col)
    notes: List[str] = []
    stance = pd.Series(df["stance"].to_numpy(), dtype=object) if df["stance"].dtype == object else df["stance"]
    scores = None if kind == "label" else _as_scores(stance)
    if kind == "score" and scores is None:
        raise ValueError(f"stance_col: {stance_col!r} is not numeric (kind='score' needs a number in every row)")
    is_score = scores is not None
    if is_score:
        assert scores is not None
        bad = np.flatnonzero(~np.isfinite(scores))
        if len(bad):
            if missing == "error":
                raise ValueError(
                    f"stance_col: numeric stance {stance_col!r} has {len(bad)} missing/NaN/infinite value(s): "
                    f"{_where(data, bad)}; fill them in or pass missing='drop'"
                )
            notes.append(f"dropped {len(bad)} statement(s) without a numeric stance")
        keep = np.isfinite(scores)
    else:
        miss = _missing(pd.Series(df["stance"]))
        bad = np.flatnonzero(miss)
        if len(bad):
            if missing == "error":
                raise ValueError(
                    f"stance_col: {len(bad)} statement(s) without a stance in {stance_col!r}: {_where(data, bad)}; "
                    "fill them in or pass missing='drop'"
                )
            notes.append(f"dropped {len(bad)} statement(s) without a stance")
        keep = ~miss
    if target_col is not None:
        tmiss = _missing(pd.Series(df["target"]))
        if tmiss[keep].any():
            rows = np.flatnonzero(tmiss & keep)
            raise ValueError(f"target_col: {len(rows)} statement(s) without a target in {target_col!r}: {_where(data, rows)}")
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
            f"stance_col: {stance_col!r} has {len(distinct)} distinct value{'' if len(distinct) == 1 else 's'}{shown}; "
            "stance divergence needs at least two different stances"
        )
    groups_all = sorted(set(df["group"]))
    if len(groups_all) < 2:
        raise ValueError(f"groups: stance divergence needs at least two groups, found {len(groups_all)}")
    targets = sorted(set(df["target"].astype(str)))
    df["target"] = df["target"].astype(str)

    if is_score:
        mlist = list(metrics) if metrics is not None else list(SCORE_METRICS)
        for m in mlist:
            if m not in SCORE_METRICS:
                raise ValueError(f"metrics: for numeric stances use {', '.join(SCORE_METRICS)}; got {m!r}")
        stances: List[str] = []
    else:
        mlist = list(metrics) if metrics is not None else list(METRICS)
        for m in mlist:
            if m not in METRICS:
                raise ValueError(f"metrics: unknown metric {m!r}; valid: {', '.join(METRICS)}")
        stances = [str(x) for x in distinct]

    dist_rows: List[Dict[str, Any]] = []
    rows: List[Dict[str, Any]] = []
    for ti, target in enumerate(targets):
        sub = df[df["target"] == target]
        present = sorted(set(sub["group"]))
        if len(present) < 2:
            notes.append(f"target {target!r}: only {len(present)} group ({', '.join(present)}) has statements; skipped")
        codes = np.searchsorted(present, sub["group"].to_numpy()).astype(np.int32)
        K = len(present)
        n_g = np.bincount(codes, minlength=K)
        if is_score:
            x = sub["value"].to_numpy(dtype=np.float64)
            for g, name in enumerate(present):
                xs = x[codes == g]
                dist_rows.append(dict(target=target, group=name, n=int(len(xs)), mean=float(xs.mean()),
                                      sd=float(xs.std(ddof=1)) if len(xs) > 1 else np.nan, median=float(np.median(xs))))
            if K < 2:
                continue
            rows.extend(_score_pairs(x, codes, present, target, mlist, bootstrap, permutations, seed_v, ti, lo_q, hi_q, ci_method))
        else:
            lab = np.searchsorted(stances, sub["stance"].to_numpy())
            counts = np.zeros((K, len(stances)))
            np.add.at(counts, (codes, lab), 1.0)
            for g, name in enumerate(present):
                for si, st in enumerate(stances):
                    dist_rows.append(dict(target=target, group=name, stance=st, count=int(counts[g, si]),
                                          share=float(counts[g, si] / n_g[g])))
            if K < 2:
                continue
            X = sp.csr_matrix((np.ones(len(lab)), (np.arange(len(lab)), lab)), shape=(len(lab), len(stances)))
            obs, boot, perm = group_matrix(X, codes, K, mlist, alpha=alpha, bootstrap=bootstrap,
                                           permutations=permutations, seed=seed_v, n_jobs=threads)
            for mi, m in enumerate(mlist):
                pairs = [(a, b) for a in range(K) for b in range(K) if a != b] if m == "kl" else \
                    [(a, b) for a in range(K) for b in range(a + 1, K)]
                for a, b in pairs:
                    v = float(obs[mi, a, b])
                    rows.append(_row(target, present[a], present[b], m, v,
                                     boot[:, mi, a, b] if bootstrap else None,
                                     perm[:, mi, a, b] if permutations else None, lo_q, hi_q,
                                     int(n_g[a]), int(n_g[b]), two_sided=False, ci_method=ci_method))
    table = pd.DataFrame(rows, columns=["target", "group_a", "group_b", "metric", "value", "ci_low", "ci_high",
                                        "boot_mean", "null_mean", "excess", "p_value", "n_a", "n_b"])
    settings = dict(stance_col=stance_col, target_col=target_col, kind="score" if is_score else "label",
                    metrics=mlist, alpha=alpha if not is_score else None, bootstrap=bootstrap,
                    permutations=permutations, ci=ci, ci_method=ci_method, seed=seed_v, n_jobs=threads, n_statements=int(len(df)))
    return StanceDivergence(kind="score" if is_score else "label", targets=targets, groups=groups_all,
                            stances=stances, metrics=mlist, distributions=pd.DataFrame(dist_rows), table=table,
                            settings=settings, notes=notes)


def _row(target: str, ga: str, gb: str, metric: str, v: float, bs: Optional[np.ndarray], ns: Optional[np.ndarray],
         lo_q: float, hi_q: float, n_a: int, n_b: int, two_sided: bool, ci_method: str) -> Dict[str, Any]:
    row: Dict[str, Any] = dict(target=target, group_a=ga, group_b=gb, metric=metric, value=v)
    if bs is not None and len(bs):
        ql, qh = _interval(bs, v, lo_q, hi_q, ci_method)
        row.update(ci_low=float(ql), ci_high=float(qh), boot_mean=float(np.mean(bs)))
    else:
        row.update(ci_low=np.nan, ci_high=np.nan, boot_mean=np.nan)
    if ns is not None and len(ns):
        nm = float(np.mean(ns))
        hits = np.count_nonzero(np.abs(ns) >= abs(v)) if two_sided else np.count_nonzero(ns >= v)
        row.update(null_mean=nm, excess=v - nm, p_value=float((1 + hits) / (1 + len(ns))))
    else:
        row.update(null_mean=np.nan, excess=np.nan, p_value=np.nan)
    row.update(n_a=n_a, n_b=n_b)
    return row


def _score_values(x: np.ndarray, codes: np.ndarray, K: int, metrics: Sequence[str]) -> np.ndarray:
    """metrics x K x K values (a, b) for a < b."""
    from scipy.stats import wasserstein_distance

    out = np.full((len(metrics), K, K), np.nan)
    parts = [x[codes == g] for g in range(K)]
    means = [p.mean() for p in parts]
    for mi, m in enumerate(metrics):
        for a in range(K):
            for b in range(a + 1, K):
                if m == "mean_difference":
                    out[mi, a, b] = means[a] - means[b]
                else:
                    out[mi, a, b] = wasserstein_distance(parts[a], parts[b])
    return out


def _score_pairs(x: np.ndarray, codes: np.ndarray, present: List[str], target: str, metrics: Sequence[str],
                 bootstrap: int, permutations: int, seed: int, ti: int, lo_q: float, hi_q: float, ci_method: str) -> List[Dict[str, Any]]:
    K = len(present)
    obs = _score_values(x, codes, K, metrics)
    members = [np.flatnonzero(codes == g) for g in range(K)]
    boot = np.empty((bootstrap,) + obs.shape)
    rng_b = np.random.default_rng(np.random.SeedSequence([seed, ti, 1]))
    for r in range(bootstrap):
        idx = np.concatenate([m[rng_b.integers(0, len(m), len(m))] for m in members])
        boot[r] = _score_values(x[idx], codes[idx], K, metrics)
    perm = np.empty((permutations,) + obs.shape)
    rng_p = np.random.default_rng(np.random.SeedSequence([seed, ti, 2]))
    for r in range(permutations):
        perm[r] = _score_values(x, rng_p.permutation(codes), K, metrics)
    n_g = np.bincount(codes, minlength=K)
    rows = []
    for mi, m in enumerate(metrics):
        for a in range(K):
            for b in range(a + 1, K):
                rows.append(_row(target, present[a], present[b], m, float(obs[mi, a, b]),
                                 boot[:, mi, a, b] if bootstrap else None,
                                 perm[:, mi, a, b] if permutations else None, lo_q, hi_q,
                                 int(n_g[a]), int(n_g[b]), two_sided=(m == "mean_difference"), ci_method=ci_method))
    return rows


# --------------------------------------------------------------------------------------------
# Figures


def plot_partisanship(result: Any, path: Any) -> Any:
    """Partisanship figure: over time (leave-out with its interval, plug-in, shuffled-label
    baseline, 1/G) for :class:`PartisanshipOverTime`; the two estimators with intervals for
    :class:`Partisanship`."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .plot import _figure_format, _save

    _figure_format(path)
    n_win = int(result.settings.get("n_windows", 0)) if isinstance(result, PartisanshipOverTime) else 0
    fig, ax = plt.subplots(figsize=(max(7.5, 2.5 + 0.4 * n_win), 4.6 if n_win else 4.2))
    try:
        if isinstance(result, PartisanshipOverTime):
            t = result.table
            if not bool(t["scored"].any()):
                raise ValueError("plot: no window could be scored (see the reasons in the table or the notes)")
            lo = t[t["estimator"] == "leave-out"]
            pi = t[t["estimator"] == "plug-in"]
            x = np.arange(len(lo))
            res_ = result.settings.get("resolution")
            half_open = result.settings.get("window_kind") == "time" or not isinstance(lo["window_start"].iloc[0], pd.Timestamp)
            labels = [(f"[{_when(a, res_)}, {_when(b, res_)})" if half_open else f"{_when(a, res_)} to {_when(b, res_)}")
                      + ("" if ok else " (n/a)") for a, b, ok in zip(lo["window_start"], lo["window_end"], lo["scored"])]
            # intervals as bars: visible for a window between unscored ones, and a percentile
            # interval need not contain the estimate
            cl, ch = lo["ci_low"].to_numpy(dtype=float), lo["ci_high"].to_numpy(dtype=float)
            ok = np.isfinite(cl) & np.isfinite(ch)
            if ok.any():
                ax.vlines(x[ok], cl[ok], ch[ok], color="C0", lw=4, alpha=0.35, label="leave-out interval")
            ax.plot(x, lo["value"].to_numpy(dtype=float), "o-", color="C0", label="leave-out")
            ax.plot(x, pi["value"].to_numpy(dtype=float), "s--", color="C1", label="plug-in")
            if lo["null_mean"].notna().any():
                ax.plot(x, pi["null_mean"].to_numpy(dtype=float), ":", marker="x", ms=4, color="C1",
                        label="plug-in, shuffled labels")
                ax.plot(x, lo["null_mean"].to_numpy(dtype=float), ":", marker="x", ms=4, color="C0",
                        label="leave-out, shuffled labels")
            chance = lo["chance"].to_numpy(dtype=float)
            levels = np.unique(chance[np.isfinite(chance)])
            if len(levels) == 1:
                ax.axhline(float(levels[0]), color="grey", lw=1, label="1/G (no difference)")
            else:
                ax.plot(x, chance, color="grey", lw=1, drawstyle="steps-mid", label="1/G (no difference)")
            ax.set_xticks(x)
            ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
            for tick, ok in zip(ax.get_xticklabels(), lo["scored"]):
                if not ok:
                    tick.set_color("grey")
            ax.set_xlabel("window" + (" (n/a: not scored, see the table's reason)" if not lo["scored"].all() else ""))
            s_ = result.settings
            ax.set_title(f"partisanship by window ({s_.get('window')}, step {s_.get('step')})", fontsize=10)
        else:
            t = result.table
            x = np.arange(len(t))
            # intervals drawn as bars (a percentile interval need not contain the estimate)
            ok = t["ci_low"].notna().to_numpy()
            if ok.any():
                ax.vlines(x[ok], t["ci_low"][ok], t["ci_high"][ok], color="C0", lw=3, alpha=0.4, label="interval")
            ax.plot(x, t["value"], "o", color="C0", label="estimate")
            if t["null_mean"].notna().any():
                ax.plot(x, t["null_mean"], "x", color="C3", label="shuffled-label mean")
            ax.axhline(result.chance, color="grey", lw=1, label="1/G (no difference)")
            ax.set_xticks(x)
            ax.set_xticklabels(list(t["estimator"]))
            ax.set_xlim(-0.6, len(t) - 0.4)
        ax.set_ylabel("partisanship (posterior on the true group)")
        if isinstance(result, PartisanshipOverTime):
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        else:
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        return _save(fig, path)
    finally:
        plt.close(fig)


def plot_stances(result: StanceDivergence, path: Any, metric: Optional[str] = None) -> Any:
    """One heatmap per target of the stance divergence between groups."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .plot import _figure_format, _save

    _figure_format(path)
    metric = metric or result.metrics[0]
    n = len(result.targets)
    cols = min(3, n)
    rws = (n + cols - 1) // cols
    fig, axes = plt.subplots(rws, cols, figsize=(4.2 * cols, 3.8 * rws), squeeze=False)
    try:
        for k, target in enumerate(result.targets):
            ax = axes[k // cols][k % cols]
            M = result.matrix(target, metric)
            if M.shape[0] == 0:
                ax.set_axis_off()
                continue
            vals = M.to_numpy(dtype=float)
            im = ax.imshow(vals, cmap="viridis")
            fin = vals[np.isfinite(vals)]
            lo_v, hi_v = (float(fin.min()), float(fin.max())) if fin.size else (0.0, 1.0)
            ax.set_xticks(range(M.shape[1]))
            ax.set_xticklabels(M.columns, rotation=45, ha="right", fontsize=7)
            ax.set_yticks(range(M.shape[0]))
            ax.set_yticklabels(M.index, fontsize=7)
            for i in range(M.shape[0]):
                for j in range(M.shape[1]):
                    v = M.iat[i, j]
                    if i != j and np.isfinite(v):
                        bright = hi_v > lo_v and (v - lo_v) / (hi_v - lo_v) > 0.6
                        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="k" if bright else "w")
            ax.set_title(str(target), fontsize=9)
            fig.colorbar(im, ax=ax, fraction=0.046)
        for k in range(n, rws * cols):
            axes[k // cols][k % cols].set_axis_off()
        fig.suptitle(f"stance divergence ({metric})", fontsize=10)
        fig.tight_layout()
        return _save(fig, path)
    finally:
        plt.close(fig)
