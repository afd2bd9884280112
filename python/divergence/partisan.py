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

import re
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
    pairs = np.unique(spk.astype(np.int64) * G + gcode)
    per = np.bincount(pairs // G)
    multi = np.flatnonzero(per > 1)
    if len(multi) and raise_error:
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
# Over time


_WINDOW_RE = re.compile(r"^\s*(\d+)\s*([YySs]?)\s*$")


def parse_window(spec: Any, name: str = "window") -> Tuple[int, str]:
    """``"4Y"`` -> (4, "years"); ``50`` or ``"50"`` or ``"50S"`` -> (50, "statements")."""
    if isinstance(spec, bool):
        raise TypeError(f"{name}: expected e.g. '4Y' (years) or 50 (statements), got bool")
    if isinstance(spec, (int, np.integer)):
        n, unit = int(spec), "statements"
    elif isinstance(spec, str) and _WINDOW_RE.match(spec):
        m = _WINDOW_RE.match(spec)
        assert m is not None
        n = int(m.group(1))
        unit = "years" if m.group(2) in ("Y", "y") else "statements"
    else:
        raise ValueError(f"{name}: expected e.g. '4Y' (years) or 50 (statements), got {spec!r}")
    if n < 1:
        raise ValueError(f"{name}: must be at least 1, got {spec!r}")
    return n, unit


@dataclass
class PartisanshipOverTime:
    """Result of :func:`partisanship_over_time`: ``table`` has one row per window and
    estimator (window, start, end, n_statements, then the columns of
    :attr:`Partisanship.table`); ``results`` the full result of each scored window."""

    groups: List[str]
    table: pd.DataFrame
    results: Dict[int, Partisanship]
    settings: Dict[str, Any]
    notes: List[str] = field(default_factory=list)


def _windows(times: Optional[pd.Series], n: int, window: Any, step: Any) -> Tuple[List[Tuple[Any, Any, np.ndarray]], str]:
    size, unit = parse_window(window, "window")
    if step is None:
        stride, sunit = size, unit
    else:
        stride, sunit = parse_window(step, "step")
    if sunit != unit:
        raise ValueError(f"step: must be in the unit of window ({unit}), got {step!r}")
    out: List[Tuple[Any, Any, np.ndarray]] = []
    if unit == "years":
        if times is None:
            raise ValueError("window: windows of years need times (a Corpus with a time column, or times=)")
        t = pd.to_datetime(times)
        if t.isna().any():
            bad = np.flatnonzero(t.isna().to_numpy())
            raise ValueError(f"times: {len(bad)} statement(s) without a time (rows {', '.join(map(str, bad[:_SHOW]))})")
        years = t.dt.year.to_numpy()
        start = (int(years.min()) // stride) * stride
        last = int(years.max())
        while start <= last:
            idx = np.flatnonzero((years >= start) & (years < start + size))
            if len(idx):
                out.append((start, start + size - 1, idx))
            start += stride
    else:
        if times is not None:
            t = pd.to_datetime(times)
            order = np.argsort(t.to_numpy(), kind="stable")
        else:
            order = np.arange(n)
        for a in range(0, max(n - size, 0) + 1, stride):
            idx = np.sort(order[a:a + size])
            if times is not None:
                tt = pd.to_datetime(times).iloc[idx]
                out.append((str(tt.min().date()), str(tt.max().date()), idx))
            else:
                out.append((int(a), int(a + len(idx) - 1), idx))
    return out, unit


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
    """Partisanship per time window, with intervals and the shuffled-label baseline.

    ``window``: ``"4Y"`` (years; windows aligned to multiples of ``step``, e.g. ``"10Y"`` gives
    decades 1790-1799, 1800-1809, ...) or an integer number of statements (in time order when
    times are known). ``step``: how far windows move (default: ``window``, no overlap), in the
    same unit. The vocabulary is built once on the whole corpus. A window with fewer than two
    groups, or a group with fewer than two speakers, is skipped and named in ``notes``. Other
    parameters as in :func:`partisanship` (``times=``: one time per statement for a matrix).
    """
    bootstrap = _check_count(bootstrap, "bootstrap")
    permutations = _check_count(permutations, "permutations")
    _ci_bounds(ci)
    _check_ci_method(ci_method)
    seed_v = _seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    X, labels, vocab = _statement_counts(data, groups, vectorizer)
    if _is_corpus(data):
        if times is not None:
            raise ValueError("times: a Corpus carries its times; do not pass times=")
        t = data.time if data.has_time else None
    else:
        t = pd.Series(np.asarray(times)) if times is not None else None
        if t is not None and len(t) != X.shape[0]:
            raise ValueError(f"times: {len(t)} times for {X.shape[0]} statements")
    spk = _speaker_labels(data, speakers, X.shape[0])
    if speaker_group_policy not in SPEAKER_GROUP_POLICIES:
        raise ValueError(f"speaker_group_policy: must be one of {', '.join(SPEAKER_GROUP_POLICIES)}, got {speaker_group_policy!r}")
    if spk is not None and speaker_group_policy == "error":
        gn, gc = _label_codes(labels)
        _multi_group_speakers(spk.codes, gc, len(gn), spk.names, [str(g) for g in gn], raise_error=True)
    wins, unit = _windows(t, X.shape[0], window, step)
    all_groups = sorted(set(labels.astype(str)))
    rows = []
    results: Dict[int, Partisanship] = {}
    notes: List[str] = []
    spunit = "statement" if spk is None else "speaker"
    for w, (a, b, idx) in enumerate(wins):
        s = _by_speaker(X[idx], labels[idx], None if spk is None else _SpeakerIds(spk.codes[idx], spk.names),
                        speaker_group_policy, threads)
        try:
            _check_speaker_groups(s, spunit)
        except ValueError as e:
            notes.append(f"window {a}-{b} skipped: {e}")
            continue
        obs, by_g, per_sp, boot, perm = _run(s, bootstrap, permutations, seed_v, threads)
        res = _assemble(s, obs, by_g, per_sp, boot, perm, ci, ci_method, settings_extra={}, unit=spunit)
        results[w] = res
        notes.extend(f"window {a}-{b}: {n}" for n in res.notes)
        for r in res.table.to_dict("records"):
            rows.append({"window": w, "start": a, "end": b, "groups": ", ".join(res.groups), **r})
    table = pd.DataFrame(rows)
    settings = dict(window=window, step=step if step is not None else window, window_unit=unit,
                    bootstrap=bootstrap, permutations=permutations, ci=ci, ci_method=ci_method, seed=seed_v, n_jobs=threads,
                    speaker_group_policy=speaker_group_policy, n_terms=int(X.shape[1]),
                    n_windows=len(wins), n_scored=len(results))
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
    C = (A @ X).toarray()
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
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    try:
        if isinstance(result, PartisanshipOverTime):
            t = result.table
            if len(t) == 0:
                raise ValueError("plot: no window could be scored (see the notes)")
            lo = t[t["estimator"] == "leave-out"]
            pi = t[t["estimator"] == "plug-in"]
            x = np.arange(len(lo))
            labels = [f"{a}-{b}" for a, b in zip(lo["start"], lo["end"])]
            ax.fill_between(x, lo["ci_low"], lo["ci_high"], alpha=0.25, color="C0", label="leave-out interval")
            ax.plot(x, lo["value"], "o-", color="C0", label="leave-out")
            ax.plot(x, pi["value"], "s--", color="C1", label="plug-in")
            if lo["null_mean"].notna().any():
                ax.plot(x, pi["null_mean"], ":", color="C1", label="plug-in, shuffled labels")
                ax.plot(x, lo["null_mean"], ":", color="C0", label="leave-out, shuffled labels")
            ax.axhline(float(lo["chance"].iloc[0]), color="grey", lw=1, label="1/G (no difference)")
            ax.set_xticks(x)
            ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
            ax.set_xlabel("window")
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
