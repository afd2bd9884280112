"""Leave-out partisanship (:func:`partisanship`), and the statement and speaker handling that
partisanship over time, stances and the bias correction share.

How far apart two parties look depends on how much they said: with a large vocabulary and few
statements any two groups look different. Partisanship is reported together with what noise
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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._corpus import Corpus
from ._util.groups import drop_absent, group_sums, label_codes, require_groups_with_tokens
from ._util.operands import as_csr, csr_tuple
from ._util.replicates import (
    CI_METHODS,
    DEFAULT_CI_METHOD,
    HAPAX_LIMIT,
    hapax_share,
    jackknife_blocks,
    summarise,
    undersampled_text,
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
from ._util.types import Counts, Labels, Seed, VectorizerLike
from ._util.validation import (
    check_choice,
    check_ci,
    check_ci_method,
    check_count,
    resolve_n_jobs,
    seed_value,
)

if TYPE_CHECKING:
    from typing import TypeGuard  # Python >= 3.10; annotations only

__all__ = ["CI_METHODS", "ESTIMATORS", "Partisanship", "SPEAKER_GROUP_POLICIES", "partisanship"]

SPEAKER_GROUP_POLICIES = ("error", "first", "split")
ESTIMATORS = ("plug-in", "leave-out")
_SHOW = 5


# --------------------------------------------------------------------------------------------
# Shared input handling


def is_corpus(data: object) -> TypeGuard[Corpus]:
    return isinstance(data, Corpus)


def missing_values(values: pd.Series) -> np.ndarray:
    s = values
    miss = s.isna().to_numpy()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        miss = miss | s.astype(str).str.strip().eq("").to_numpy()
    return np.asarray(miss, dtype=bool)


def where_rows(data: object, rows: np.ndarray) -> str:
    rows = np.asarray(rows, dtype=np.int64)
    if is_corpus(data):
        return data.describe_locations(rows)
    shown = ", ".join(str(int(r)) for r in rows[:_SHOW])
    more = f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
    return f"rows {shown}{more}"


def statement_counts(
    data: Union[Corpus, Counts],
    groups: Optional[Labels],
    vectorizer: Optional[VectorizerLike],
) -> Tuple[sp.csr_matrix, List[str], np.ndarray, Optional[List[str]]]:
    """Statements x terms counts (float64 CSR), the group names, each statement's group code
    (a Corpus's own codes, or :func:`label_codes` of ``groups``) and the vocabulary."""
    if is_corpus(data):
        if groups is not None:
            raise ValueError("groups: a Corpus carries its groups; do not pass groups=")
        from ._text import Vectorizer

        vec = vectorizer if vectorizer is not None else Vectorizer()
        counts = vec.fit_transform(list(data.text))
        vocab = [str(v) for v in vec.get_feature_names_out()]
        names, codes = data.group_names, data.group_codes
    else:
        if groups is None:
            raise ValueError("groups: pass one group label per statement when data is a matrix")
        counts = data
        labels = np.asarray(groups)
        vocab = None
        names, codes = label_codes(labels)
    X = as_csr(counts, drop_zeros=True, invalid="counts: must be finite and non-negative")
    if X.ndim != 2 or X.shape[0] != codes.shape[0]:
        raise ValueError(f"groups: {codes.shape[0]} labels for {X.shape[0]} statements")
    return X, names, codes, vocab


@dataclass
class SpeakerIds:
    codes: np.ndarray  # int64 speaker code per statement
    names: List[str]  # name of each code


def speaker_labels(
    data: Union[Corpus, Counts], speakers: Union[str, Labels, None], n: int
) -> Optional[SpeakerIds]:
    """Speaker code of each statement (None: each statement is its own speaker). Speakers are
    compared by their text (1 and "1" are one speaker)."""
    if speakers is None:
        return None
    if isinstance(speakers, str):
        if not is_corpus(data):
            raise TypeError(
                "speakers: a column name needs a Corpus; pass one speaker per statement"
            )
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
        return SpeakerIds(np.asarray(codes, dtype=np.int64), [str(u) for u in uniq])
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    text = [str(u).strip() for u in uniq]
    bad_code = np.array([t == "" for t in text] + [True], dtype=bool)  # last entry: code -1
    miss = np.flatnonzero(bad_code[codes])
    if len(miss):
        raise ValueError(
            f"speakers: {len(miss)} statement(s) without a speaker: {where_rows(data, miss)}"
        )
    merged, names = pd.factorize(np.asarray([str(u) for u in uniq], dtype=object))
    return SpeakerIds(np.asarray(merged, dtype=np.int64)[codes], [str(x) for x in names])


def multi_group_speakers(
    spk: np.ndarray,
    gcode: np.ndarray,
    G: int,
    names: Sequence[str],
    gnames: Sequence[str],
    raise_error: bool,
) -> np.ndarray:
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
            f"speakers: {len(multi)} speaker(s) belong to more than one group: "
            f"{'; '.join(shown)}{more}; fix the data, or choose speaker_group_policy='first' "
            "(each speaker counted in the group of their first statement) or 'split' (one "
            "speaker per speaker and group)"
        )
    return multi


@dataclass
class Speakers:
    X: sp.csr_matrix  # speakers x terms
    codes: np.ndarray  # int32 group code per speaker
    names: List[str]  # speaker names
    groups: List[str]  # group names
    n_statements: np.ndarray  # per speaker
    notes: List[str]


def by_speaker(
    X: sp.csr_matrix,
    gnames_all: Sequence[str],
    gcode: np.ndarray,
    spk: Optional[SpeakerIds],
    policy: str,
    threads: int = 1,
    statements: Optional[np.ndarray] = None,
) -> Speakers:
    """Sum statements per speaker; resolve speakers found in several groups; drop empty ones.
    ``gcode``: each statement's index into ``gnames_all`` (groups without statements here are
    left out of the result). ``statements``: how many statements each row of ``X`` stands for
    (default one each; the stream engine passes rows already summed per speaker and group, in
    the order of each pair's first statement, which gives the same result)."""
    check_choice(policy, "speaker_group_policy", SPEAKER_GROUP_POLICIES)
    notes: List[str] = []
    gcode = np.asarray(gcode, dtype=np.int64)
    G_all = len(gnames_all)
    n = X.shape[0]
    weight = np.ones(n, dtype=np.int64) if statements is None else np.asarray(statements)
    if spk is None:
        S = as_csr(X)
        sp_gcode = gcode
        names: List[str] = [f"statement {i}" for i in range(n)]
        n_stat = weight.astype(np.int64)
    else:
        multi = multi_group_speakers(
            spk.codes, gcode, G_all, spk.names, [str(g) for g in gnames_all], policy == "error"
        )
        if policy == "split":
            key = spk.codes * G_all + gcode
            if len(multi):
                notes.append(
                    f"speaker_group_policy='split': {len(multi)} speaker(s) in several groups "
                    "counted once per group"
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
            names = [
                f"{nm} [{gnames_all[g]}]" if int(k) in mset else nm
                for nm, k, g in zip(names, base, sp_gcode)
            ]
        if policy == "first" and len(multi):
            moved = int(weight[gcode != sp_gcode[sp_idx]].sum())
            notes.append(
                f"speaker_group_policy='first': {len(multi)} speaker(s) in several groups counted "
                f"in the group of their first statement ({moved} statement(s) reassigned)"
            )
        ip, ix, dt = _core.sum_rows_by(csr_tuple(as_csr(X)), sp_idx, n_sp, threads)
        S = sp.csr_matrix((dt, ix, ip), shape=(n_sp, X.shape[1]))
        n_stat = np.bincount(sp_idx, weights=weight, minlength=n_sp).astype(np.int64)
    tok = np.asarray(S.sum(axis=1)).ravel()
    keep = tok > 0
    if not keep.all():
        what = "statement(s)" if spk is None else "speaker(s)"
        notes.append(f"dropped {int((~keep).sum())} {what} with no tokens after tokenising")
        S = S[keep]
        sp_gcode = sp_gcode[keep]
        names = [nm for nm, k in zip(names, keep) if k]
        n_stat = n_stat[keep]
    groups, codes = drop_absent(gnames_all, sp_gcode)
    return Speakers(S, codes.astype(np.int32), names, groups, n_stat, notes)


def check_speaker_groups(s: Speakers, unit: str) -> None:
    G = len(s.groups)
    tokens = np.bincount(s.codes, weights=np.asarray(s.X.sum(axis=1)).ravel(), minlength=G)
    require_groups_with_tokens(s.groups, tokens, "partisanship")
    counts = np.bincount(s.codes, minlength=G)
    few = [f"{s.groups[g]!r} has {counts[g]}" for g in range(G) if counts[g] < 2]
    if few:
        raise ValueError(
            f"speakers: the leave-out estimate needs at least two {unit}s per group; "
            + ", ".join(few)
        )


# --------------------------------------------------------------------------------------------
# Partisanship


@dataclass(repr=False)
class Partisanship(SummarisedResult):
    """Result of :func:`partisanship`.

    ``table``: one row per estimator (plug-in, leave-out) with value, ci_low, ci_high,
    boot_mean, null_mean (shuffled-label baseline), excess (value - null_mean), p_value
    ((1 + #{null >= value}) / (1 + permutations)), chance (1/G) and sizes. ``by_group``: each
    group's q^g . rho_g and mean leave-out score; ``speakers``: each speaker's leave-out score
    q_i . rho_{g,-i}. ``bootstrap`` (B x 2) and ``null`` (P x 2) hold the replicates.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> res = dv.partisanship(corpus, speakers="speaker", bootstrap=20, permutations=20, seed=1)
    >>> res.table.set_index("estimator")["p_value"].round(3).to_dict()
    {'plug-in': 0.048, 'leave-out': 0.048}
    >>> res.bootstrap.shape, res.null.shape
    ((20, 2), (20, 2))
    >>> res.by_group["group"].tolist()[:2]
    ['Armenia', 'Azerbaijan']
    """

    groups: List[str]
    table: pd.DataFrame
    by_group: pd.DataFrame
    speakers: pd.DataFrame
    bootstrap: np.ndarray
    null: np.ndarray
    settings: Dict[str, Any]  # values of every kind (numbers, names, lists), as reported
    notes: List[str] = field(default_factory=list)

    @property
    def chance(self) -> float:
        """Partisanship of speech that carries no information about the group: 1/K."""
        return 1.0 / len(self.groups)

    @property
    def plug_in(self) -> float:
        """The plug-in estimate (the ``plug_in`` row of :attr:`table`; biased upward)."""
        return float(self.table["value"].iloc[0])

    @property
    def leave_out(self) -> float:
        """The leave-out estimate (the ``leave_out`` row of :attr:`table`)."""
        return float(self.table["value"].iloc[1])

    def _summary(self) -> Brief:
        st = self.settings
        t0 = self.table.iloc[0] if len(self.table) else None
        unit = st.get("unit", "speaker")
        sizes = (
            [
                f"{r['group']} ({int(r['n_speakers'])} {unit}s, {int(r['n_statements'])} "
                "statements)"
                if unit == "speaker"
                else f"{r['group']} ({int(r['n_statements'])})"
                for r in self.by_group.to_dict("records")
            ]
            if {"group", "n_speakers", "n_statements"} <= set(self.by_group.columns)
            else list(self.groups)
        )
        title = f"Partisanship: {len(self.groups)} groups"
        if t0 is not None:
            title += (
                f", {int(t0['n_speakers'])} {unit}s, {int(t0['n_statements'])} statements, "
                f"{st.get('n_terms', '?')} terms"
            )
        sm = Brief(
            title,
            [
                ("groups", names_text(sizes, 4)),
                ("chance", number_text(self.chance)),
                ("replicates", replicates_text(st)),
            ],
            ["estimator", "value", "interval", "null mean", "excess", "p"],
            [
                [
                    str(r["estimator"]),
                    number_text(r["value"]),
                    interval_text(r["ci_low"], r["ci_high"]),
                    number_text(r["null_mean"]),
                    number_text(r["excess"]),
                    number_text(r["p_value"]),
                ]
                for r in self.table.to_dict("records")
            ],
            "Full results: .table, .by_group, .speakers (per speaker), .bootstrap and .null "
            "(replicates), .settings, .notes",
        )
        if self.notes:
            sm.facts.append(("notes", notes_text(self.notes)))
        return sm


def speakers_setting(speakers: object) -> Optional[str]:
    """How a run's settings record ``speakers=``: the column name, "given" for labels passed
    as values, None without speakers."""
    if isinstance(speakers, str):
        return speakers
    return "given" if speakers is not None else None


def _summarise(
    obs: np.ndarray,
    boot: np.ndarray,
    perm: np.ndarray,
    ci: float,
    ci_method: str,
    jack: Optional[np.ndarray] = None,
    withhold: Optional[np.ndarray] = None,
) -> Tuple[List[Dict[str, Any]], int]:
    """Table rows per estimator, and how many bootstrap replicates had no leave-out value."""
    E = len(ESTIMATORS)
    sm = summarise(
        obs,
        np.reshape(boot, (-1, E)),
        np.reshape(perm, (-1, E)),
        ci=ci,
        method=ci_method,
        jackknife=jack,
        lower=0.0,
        withhold=withhold,
    )
    rows = [
        {"estimator": name, "value": float(obs[e]), **sm.at(e)} for e, name in enumerate(ESTIMATORS)
    ]
    return rows, int(sm.boot_dropped[1])


def speaker_jackknife(s: Speakers, seed: int, threads: int) -> np.ndarray:
    """Block-jackknife values (G, estimators): blocks of speakers (stratified by group,
    :func:`jackknife_blocks`) left out in turn; NaN where a block leaves a group without the
    speakers an estimator needs."""
    blocks = jackknife_blocks(s.codes, seed)
    n_blocks = int(blocks.max()) + 1 if blocks.size else 0
    out = np.full((n_blocks, len(ESTIMATORS)), np.nan)
    K = len(s.groups)
    for b in range(n_blocks):
        keep = blocks != b
        if np.bincount(s.codes[keep], minlength=K).min() < 2:
            continue  # a group left with fewer than two speakers: no leave-out value
        sub = Speakers(
            X=s.X[keep],
            codes=np.ascontiguousarray(s.codes[keep]),
            names=[n for n, k in zip(s.names, keep) if k],
            groups=s.groups,
            n_statements=s.n_statements[keep],
            notes=[],
        )
        out[b] = run_leave_out(sub, 0, 0, seed, threads)[0]
    return out


def run_leave_out(
    s: Speakers, bootstrap: int, permutations: int, seed: int, threads: int
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The core's (observed, by group, per speaker, bootstrap, null) of :class:`Speakers`."""
    return _core.partisanship(
        csr_tuple(s.X), s.codes, len(s.groups), bootstrap, permutations, seed, threads
    )


def partisanship(
    data: Union[Corpus, Counts],
    groups: Optional[Labels] = None,
    speakers: Union[str, Labels, None] = None,
    *,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = DEFAULT_CI_METHOD,
    seed: Seed = 0,
    n_jobs: Optional[int] = None,
    vectorizer: Optional[VectorizerLike] = None,
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
    ci, ci_method : interval coverage and method: ``"bracket"`` (default) spans each
        estimator's block-jackknife bias-corrected value (blocks of speakers, column
        ``corrected``) and the bootstrap's own correction, widened by the bootstrap's spread;
        ``"corrected"`` places that spread around the jackknife-corrected value alone;
        ``"percentile"``, ``"basic"``, ``"bca"`` as in :func:`divergence.compare`.
    seed : makes every random step reproducible for any ``n_jobs`` (None draws one, reported in
        ``settings``).
    vectorizer : used for a Corpus (default: a :class:`divergence.Vectorizer` with its defaults).
    speaker_group_policy : a speaker found in several groups is an error ("error", default
        naming the speakers and groups), counted in the group of their first statement
        ("first"), or counted as one speaker per group ("split").

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> res = dv.partisanship(corpus, speakers="speaker", bootstrap=20, permutations=20, seed=1)
    >>> res.chance, res.leave_out > res.chance
    (0.25, True)
    """

    def speakers_of(threads: int) -> Tuple[Speakers, str, int]:
        X, gnames, gcodes, _ = statement_counts(data, groups, vectorizer)
        spk = speaker_labels(data, speakers, X.shape[0])
        s = by_speaker(X, gnames, gcodes, spk, speaker_group_policy, threads)
        return s, "statement" if spk is None else "speaker", int(X.shape[1])

    return partisanship_of_speakers(
        speakers_of,
        speakers=speakers_setting(speakers),
        bootstrap=bootstrap,
        permutations=permutations,
        ci=ci,
        ci_method=ci_method,
        seed=seed,
        n_jobs=n_jobs,
        speaker_group_policy=speaker_group_policy,
    )


def partisanship_of_speakers(
    speakers_of: Callable[[int], Tuple[Speakers, str, int]],
    *,
    speakers: Optional[str],
    bootstrap: int,
    permutations: int,
    ci: float,
    ci_method: str,
    seed: Seed,
    n_jobs: Optional[int],
    speaker_group_policy: str,
) -> Partisanship:
    """:func:`partisanship` once the options are checked: ``speakers_of(threads)`` gives the
    speakers' summed counts, the unit ("speaker" or "statement") and the number of terms (the
    in-memory engine sums a Corpus's statements; the stream and Dask engines add partitions'
    sums). ``speakers``: the setting recorded (:func:`speakers_setting`)."""
    bootstrap = check_count(bootstrap, "bootstrap")
    permutations = check_count(permutations, "permutations")
    check_ci(ci)
    check_ci_method(ci_method)
    seed_v = seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    s, unit, n_terms = speakers_of(threads)
    check_speaker_groups(s, unit)
    obs, by_g, per_sp, boot, perm = run_leave_out(s, bootstrap, permutations, seed_v, threads)
    return assemble_partisanship(
        s,
        obs,
        by_g,
        per_sp,
        boot,
        perm,
        ci,
        ci_method,
        jackknife_seed=seed_v,
        threads=threads,
        settings_extra=dict(
            bootstrap=bootstrap,
            permutations=permutations,
            ci=ci,
            ci_method=ci_method,
            seed=seed_v,
            n_jobs=threads,
            speakers=speakers,
            speaker_group_policy=speaker_group_policy,
            n_terms=n_terms,
        ),
        unit=unit,
    )


def assemble_partisanship(
    s: Speakers,
    obs: np.ndarray,
    by_g: np.ndarray,
    per_sp: np.ndarray,
    boot: np.ndarray,
    perm: np.ndarray,
    ci: float,
    ci_method: str,
    settings_extra: Dict[str, Any],
    unit: str,
    jackknife_seed: int = 0,
    threads: int = 1,
) -> Partisanship:
    G = len(s.groups)
    notes = list(s.notes)
    jack = speaker_jackknife(s, jackknife_seed, threads) if len(boot) else None
    # The plug-in estimator of an undersampled vocabulary keeps a bias that the jackknife does
    # not remove (as for compare): no interval for it there; the leave-out estimator is the
    # answer to that bias and keeps its interval.
    shares = hapax_share(group_sums(s.X, s.codes, G))
    worst = int(np.nanargmax(shares)) if np.isfinite(shares).any() else 0
    withhold = np.array(["", ""], dtype=object)
    if shares.size and shares[worst] > HAPAX_LIMIT:
        withhold[0] = (
            undersampled_text(float(shares[worst]), s.groups[worst])
            + ": the plug-in's bias is not removed there; read the leave-out estimator"
        )
    rows, dropped = _summarise(obs, boot, perm, ci, ci_method, jack, withhold)
    if dropped:
        notes.append(
            f"{dropped} of {len(boot)} bootstrap replicates drew a single {unit} for some group "
            "and have no leave-out value; the leave-out interval uses the others"
        )
    tokens = np.asarray(s.X.sum(axis=1)).ravel()
    n_sp_g = np.bincount(s.codes, minlength=G)
    for r in rows:
        r.update(
            chance=1.0 / G,
            n_groups=G,
            n_speakers=int(s.X.shape[0]),
            n_statements=int(s.n_statements.sum()),
            tokens=float(tokens.sum()),
        )
    table = pd.DataFrame(rows)
    by_group = pd.DataFrame(
        {
            "group": s.groups,
            "n_speakers": n_sp_g.astype(int),
            "n_statements": np.bincount(s.codes, weights=s.n_statements, minlength=G).astype(int),
            "tokens": np.bincount(s.codes, weights=tokens, minlength=G),
            "plug_in": by_g[:, 0],
            "leave_out": by_g[:, 1],
        }
    )
    speakers = pd.DataFrame(
        {
            "speaker": s.names,
            "group": [s.groups[c] for c in s.codes],
            "n_statements": s.n_statements.astype(int),
            "tokens": tokens,
            "leave_out_score": per_sp,
        }
    )
    settings = dict(settings_extra)
    settings.update(n_groups=G, n_speakers=int(s.X.shape[0]), unit=unit, chance=1.0 / G)
    return Partisanship(
        groups=s.groups,
        table=table,
        by_group=by_group,
        speakers=speakers,
        bootstrap=boot,
        null=perm,
        settings=settings,
        notes=notes,
    )
