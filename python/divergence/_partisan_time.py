"""Leave-out partisanship over time, in the windows of :func:`divergence.drift`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

import numpy as np
import pandas as pd

from ._corpus import Corpus
from ._partisan import (
    ESTIMATORS,
    SPEAKER_GROUP_POLICIES,
    Partisanship,
    SpeakerIds,
    assemble_partisanship,
    by_speaker,
    check_speaker_groups,
    is_corpus,
    multi_group_speakers,
    run_leave_out,
    speaker_labels,
    speakers_setting,
    statement_counts,
)
from ._util.replicates import DEFAULT_CI_METHOD, SUMMARY_COLUMNS
from ._util.summary import (
    Brief,
    SummarisedResult,
    interval_text,
    names_text,
    notes_text,
    number_text,
    replicates_text,
)
from ._util.timeutil import (
    EMPTY_WINDOW,
    check_window_args,
    outside_rows,
    parse_windows,
    span_text,
    statement_times,
    when_text,
    window_bounds,
    window_grid,
    windows_note,
)
from ._util.types import Counts, Labels, Seed, TimesLike, VectorizerLike, WindowSpec
from ._util.validation import (
    check_choice,
    check_ci,
    check_ci_method,
    check_count,
    resolve_n_jobs,
    seed_value,
)

__all__ = ["OVER_TIME_COLUMNS", "PartisanshipOverTime", "partisanship_over_time"]


@dataclass
class _Windows:
    """Windows as :func:`divergence.drift` builds them (``mode="between"``: shared by all
    groups, count windows over all statements)."""

    order: np.ndarray  # statement indices (into the input) in time order
    begin: np.ndarray  # window k holds statements order[begin[k]:end[k]]
    end: np.ndarray
    start: Any  # reported window_start / window_end (drift's convention): times or positions
    stop: Any
    anchored: np.ndarray  # bool per window: the last window, anchored at the end of the data
    window: str  # canonical text, e.g. "10Y" or "50"
    step: str
    kind: str  # "time" or "statements"
    resolution: Optional[str]
    times: Optional[pd.DatetimeIndex]  # in time order


def _drift_windows(
    data: Union[Corpus, Counts],
    times: Optional[TimesLike],
    n: int,
    window: WindowSpec,
    step: Optional[WindowSpec],
) -> _Windows:
    """The windows :func:`divergence.drift` uses (``mode="between"``), from the same window
    specification, grid and errors (``_util.timeutil``)."""
    win, stp = parse_windows(window, step)
    t: Optional[pd.DatetimeIndex] = None
    res: Optional[str] = None
    if is_corpus(data):
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
            t, res = statement_times(times, n)
    check_window_args(win, stp, res, t is not None)
    grid = window_grid(t, win, stp, res)
    rw = window_bounds(t, n, win, stp, res, grid, "the corpus")
    return _Windows(
        order=np.asarray(order, dtype=np.int64),
        begin=np.asarray(rw.begin, dtype=np.int64),
        end=np.asarray(rw.end, dtype=np.int64),
        start=rw.start,
        stop=rw.stop,
        anchored=rw.anchored,
        window=span_text(win),
        step=span_text(stp),
        kind="time" if isinstance(win, tuple) else "statements",
        resolution=res,
        times=t,
    )


OVER_TIME_COLUMNS = [
    "window",
    "window_start",
    "window_end",
    "anchored_end",
    "n_statements",
    "n_tokens",
    "n_speakers",
    "n_groups",
    "groups",
    "estimator",
    *SUMMARY_COLUMNS,
    "chance",
    "scored",
    "reason",
]


@dataclass(repr=False)
class PartisanshipOverTime(SummarisedResult):
    """Result of :func:`partisanship_over_time`.

    ``table``: one row per window and estimator (plug-in, leave-out), every window of
    :func:`divergence.drift` included: ``window`` (index), ``window_start``, ``window_end``
    (drift's convention: time windows are the half-open span ``[start, end)``; count windows the
    first and last statement's time, or row positions ``[start, end)`` without times),
    ``anchored_end`` (True for a last window anchored at the end of the data, see
    :func:`divergence.drift`),
    ``n_statements`` (in the window), ``n_tokens``, ``n_speakers`` (with tokens), ``n_groups``
    and ``groups`` (present with tokens), then the columns of :attr:`Partisanship.table`
    (value, ci_low, ci_high, boot_mean, null_mean = shuffled-label mean, excess, p_value,
    chance = 1/G), ``scored`` and ``reason`` (why a window has no value: NaN values, never
    dropped). ``results``: the full :class:`Partisanship` of each scored window.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> pot = dv.partisanship_over_time(corpus, speakers="speaker", window="6M", bootstrap=10,
    ...                                 permutations=10, seed=1)
    >>> pot.table[["window", "estimator", "scored"]].head(2).to_dict("list")
    {'window': [0, 0], 'estimator': ['plug-in', 'leave-out'], 'scored': [True, True]}
    >>> type(pot.results[0]).__name__
    'Partisanship'
    """

    groups: List[str]
    table: pd.DataFrame
    results: Dict[int, Partisanship]
    settings: Dict[str, Any]  # values of every kind (numbers, names, lists), as reported
    notes: List[str] = field(default_factory=list)

    def _summary(self) -> Brief:
        st = self.settings
        t = self.table
        res = st.get("resolution")
        lo = t[t["estimator"] == "leave-out"]
        rows = [
            [
                str(int(r["window"])),
                when_text(r["window_start"], res),
                when_text(r["window_end"], res) + (" (anchored)" if r["anchored_end"] else ""),
                str(int(r["n_statements"])),
                number_text(r["value"]),
                interval_text(r["ci_low"], r["ci_high"]),
                number_text(r["null_mean"]),
                number_text(r["p_value"]) if r["scored"] else f"not scored: {r['reason']}",
            ]
            for r in lo.to_dict("records")
        ]
        sm = Brief(
            f"PartisanshipOverTime: {len(self.groups)} groups, {st.get('n_statements', '?')} "
            f"statements; {st.get('n_windows', '?')} windows of {st.get('window')} every "
            f"{st.get('step')}, {st.get('n_scored', '?')} scored",
            [
                ("groups", names_text(self.groups)),
                ("unit", str(st.get("unit", ""))),
                ("replicates", replicates_text(st)),
            ],
            ["window", "start", "end", "stmts", "leave-out", "interval", "null mean", "p"],
            rows,
            "Full results: .table (per window and estimator, with reasons), .results[window] "
            "(a Partisanship per scored window), .settings, .notes",
        )
        if self.notes:
            sm.facts.append(("notes", notes_text(self.notes)))
        return sm


def partisanship_over_time(
    data: Union[Corpus, Counts],
    groups: Optional[Labels] = None,
    speakers: Union[str, Labels, None] = None,
    *,
    window: WindowSpec = "4Y",
    step: Optional[WindowSpec] = None,
    times: Optional[TimesLike] = None,
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = DEFAULT_CI_METHOD,
    seed: Seed = 0,
    n_jobs: Optional[int] = None,
    vectorizer: Optional[VectorizerLike] = None,
    speaker_group_policy: str = "error",
) -> PartisanshipOverTime:
    """Partisanship per window of :func:`divergence.drift`, with intervals and the
    shuffled-label baseline.

    Windows are exactly drift's (``mode="between"``): ``window``/``step`` both numbers of
    statements (``window=50, step=10``, over all statements in time order) or both spans of
    time (``"90D"``, ``"2W"``, ``"6M"``, ``"4Y"``); ``step`` defaults to ``window``. Time windows
    are half-open ``[start, start + window)``, start = first time + k * step, kept while they
    end no later than one resolution unit (a year for yearly data, a day for dates) after the
    last time; when the last times fall past the last of them, one more window anchored at the
    end of the data covers them (``anchored_end`` True; count windows likewise end with the last
    ``window`` statements), so every statement is in a window unless the step is longer than
    the window (the statements between windows are then named in ``notes``). The same
    errors as drift: a window or step narrower than the time resolution, a step of 0, a window
    longer than the data, unsorted times (a matrix; a Corpus is sorted by time), time windows
    without times.

    The vocabulary is built once on the whole corpus; each window's speakers are the speakers
    with statements in it (their statements in the window summed). A window that cannot be
    scored (no statements, fewer than two groups, a group with fewer than two speakers) is
    reported with NaN values and its ``reason``. Each window uses ``seed`` (a window's numbers
    equal :func:`partisanship` on its statements). Other parameters as in :func:`partisanship`
    (``times=``: one time per statement for a matrix; a Corpus carries its times).

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> pot = dv.partisanship_over_time(corpus, speakers="speaker", window="6M", bootstrap=10,
    ...                                 permutations=10, seed=1)
    >>> sorted(set(pot.table["estimator"]))
    ['leave-out', 'plug-in']
    """
    bootstrap = check_count(bootstrap, "bootstrap")
    permutations = check_count(permutations, "permutations")
    check_ci(ci)
    check_ci_method(ci_method)
    seed_v = seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    check_choice(speaker_group_policy, "speaker_group_policy", SPEAKER_GROUP_POLICIES)
    X, gn, gc, vocab = statement_counts(data, groups, vectorizer)
    n = X.shape[0]
    if n == 0:
        raise ValueError("data: no statements")
    wins = _drift_windows(data, times, n, window, step)
    if len(gn) < 2:
        raise ValueError(
            f"groups: partisanship needs at least two groups, found {len(gn)}"
            + (f" ({gn[0]!r})" if len(gn) else "")
        )
    spk = speaker_labels(data, speakers, n)
    if spk is not None and speaker_group_policy == "error":
        multi_group_speakers(
            spk.codes, gc, len(gn), spk.names, [str(g) for g in gn], raise_error=True
        )
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
        label = (
            f"window {w} ({when_text(wins.start[w], wins.resolution)} "
            f"to {when_text(wins.stop[w], wins.resolution)})"
        )
        base: Dict[str, Any] = {
            "window": w,
            "window_start": wins.start[w],
            "window_end": wins.stop[w],
            "anchored_end": bool(wins.anchored[w]),
            "n_statements": e - b,
            "n_tokens": int(round(csum[e] - csum[b])),
            "n_speakers": 0,
            "n_groups": 0,
            "groups": "",
        }
        reason = ""
        res: Optional[Partisanship] = None
        if e <= b:
            reason = EMPTY_WINDOW
        else:
            idx = wins.order[b:e]
            s = by_speaker(
                X[idx],
                gn,
                gc[idx],
                None if spk is None else SpeakerIds(spk.codes[idx], spk.names),
                speaker_group_policy,
                threads,
            )
            base.update(
                n_speakers=int(s.X.shape[0]), n_groups=len(s.groups), groups=", ".join(s.groups)
            )
            try:
                check_speaker_groups(s, spunit)
            except ValueError as err:
                reason = str(err)
            else:
                obs, by_g, per_sp, boot, perm = run_leave_out(
                    s, bootstrap, permutations, seed_v, threads
                )
                res = assemble_partisanship(
                    s,
                    obs,
                    by_g,
                    per_sp,
                    boot,
                    perm,
                    ci,
                    ci_method,
                    settings_extra={},
                    unit=spunit,
                    jackknife_seed=seed_v,
                    threads=threads,
                )
                results[w] = res
                notes.extend(f"{label}: {nt}" for nt in res.notes)
        if res is None:
            notes.append(f"{label} not scored: {reason}")
            G = base["n_groups"]
            for est in ESTIMATORS:
                rows.append(
                    {
                        **base,
                        "estimator": est,
                        "value": np.nan,
                        "corrected": np.nan,
                        "ci_low": np.nan,
                        "ci_high": np.nan,
                        "boot_mean": np.nan,
                        "null_mean": np.nan,
                        "excess": np.nan,
                        "p_value": np.nan,
                        "chance": 1.0 / G if G >= 2 else np.nan,
                        "scored": False,
                        "reason": reason,
                    }
                )
        else:
            for r in res.table.to_dict("records"):
                rows.append(
                    {
                        **base,
                        **{
                            k: r[k]
                            for k in (
                                "estimator",
                                "value",
                                "corrected",
                                "ci_low",
                                "ci_high",
                                "boot_mean",
                                "null_mean",
                                "excess",
                                "p_value",
                                "chance",
                            )
                        },
                        "scored": True,
                        "reason": r["ci_note"] and f"no interval: {r['ci_note']}",
                    }
                )
    table = pd.DataFrame(rows, columns=OVER_TIME_COLUMNS)
    if wins.kind == "time":
        table["window_start"] = pd.DatetimeIndex(table["window_start"])
        table["window_end"] = pd.DatetimeIndex(table["window_end"])
    outside = outside_rows(wins.begin, wins.end, n)
    note = windows_note(outside, n, wins.times, wins.resolution)
    if note is not None:
        notes.append(note)
    settings = dict(
        window=wins.window,
        step=wins.step,
        window_kind=wins.kind,
        resolution=wins.resolution,
        bootstrap=bootstrap,
        permutations=permutations,
        ci=ci,
        ci_method=ci_method,
        seed=seed_v,
        n_jobs=threads,
        speakers=speakers_setting(speakers),
        speaker_group_policy=speaker_group_policy,
        unit=spunit,
        n_statements=int(n),
        n_terms=int(X.shape[1]),
        groups=all_groups,
        n_windows=W,
        n_scored=len(results),
        n_outside=int(len(outside)),
        anchored_end=bool(wins.anchored.any()),
    )
    table.attrs = dict(settings)
    return PartisanshipOverTime(
        groups=all_groups, table=table, results=results, settings=settings, notes=notes
    )
