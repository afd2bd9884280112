"""``divergence partisanship``: how well does one phrase reveal a speaker's group, beyond
noise?"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

import click
import pandas as pd

from .. import Partisanship, PartisanshipOverTime, StanceDivergence
from .._util.replicates import CI_METHOD_TEXT
from ._common import DataError, echo_notes, fmt_interval, fmt_value, handle_errors
from ._options import (
    CorpusSpec,
    Outputs,
    Replicates,
    VectorizerSpec,
    corpus_options,
    output_options,
    replicate_options,
    scheduler_option,
    vectorizer_options,
)


def _estimator_lines(t: pd.DataFrame, ci_method: str) -> List[str]:
    lines = [
        f"{'estimator':<10} {'value':>7} {'corrected':>9} {'interval':>17} {'shuffled':>8}"
        f" {'excess':>7} {'p':>7}"
    ]
    for r in t.itertuples():
        interval = fmt_interval(r.ci_low, r.ci_high)
        lines.append(
            f"{r.estimator:<10} {fmt_value(r.value):>7} {fmt_value(r.corrected):>9}"
            f" {interval:>17} {fmt_value(r.null_mean):>8} {fmt_value(r.excess):>7}"
            f" {fmt_value(r.p_value, 4):>7}"
        )
    if len(t) and "ci_for" in t.columns and t["ci_for"].iloc[0] == "corrected":
        lines.append(
            "value: the estimator on the data; corrected: its block-jackknife bias correction "
            f"(blocks of speakers); interval: {CI_METHOD_TEXT.get(ci_method, ci_method)}"
        )
    for r in t.itertuples():
        note = getattr(r, "ci_note", "")
        if isinstance(note, str) and note:
            lines.append(f"{r.estimator} interval '-': {note}")
    return lines


def render(result: Union[Partisanship, PartisanshipOverTime]) -> str:
    """Readable report of a Partisanship or PartisanshipOverTime result."""
    s = result.settings
    ci = f"{int(round(s['ci'] * 100))}% {s['ci_method']}"
    lines: List[str] = []
    if isinstance(result, PartisanshipOverTime):
        from .._util.timeutil import when_text

        res = s.get("resolution")
        kind = "statements" if s["window_kind"] == "statements" else "time"
        lines.append(
            f"partisanship by window ({s['window']}, step {s['step']};"
            f" windows of divergence drift, {kind}): "
            f"{s['n_scored']} of {s['n_windows']} windows scored; {len(result.groups)} groups "
            f"({', '.join(result.groups)}); bootstrap {s['bootstrap']}"
            f" ({ci}, {s['unit']}s resampled), "
            f"shuffled labels {s['permutations']}, seed {s['seed']}"
        )
        t = result.table
        if len(t):
            lines.append(
                f"{'start':>10} {'end':>10} {'stmts':>6} {'speakers':>8} {'plug-in':>7}"
                f" {'leave-out':>9} {'corrected':>9} "
                f"{'interval':>17} {'shuffled':>8} {'1/G':>5}"
            )
            for _, sub in t.groupby("window", sort=True):
                pi = sub[sub["estimator"] == "plug-in"].iloc[0]
                lo = sub[sub["estimator"] == "leave-out"].iloc[0]
                interval = fmt_interval(lo["ci_low"], lo["ci_high"])
                line = (
                    f"{when_text(lo['window_start'], res):>10}"
                    f" {when_text(lo['window_end'], res):>10} {int(lo['n_statements']):>6} "
                    f"{int(lo['n_speakers']):>8} {fmt_value(pi['value']):>7}"
                    f" {fmt_value(lo['value']):>9} {fmt_value(lo['corrected']):>9} "
                    f"{interval:>17} {fmt_value(lo['null_mean']):>8}"
                    f" {fmt_value(lo['chance'], 2):>5}"
                )
                if bool(lo.get("anchored_end", False)):
                    line += "  (anchored at the end of the data)"
                if not lo["scored"]:
                    line += f"  not scored: {lo['reason']}"
                lines.append(line)
        lines.append("")
        lines.append(
            "Windows as in divergence drift: "
            + (
                "half-open [start, end)."
                if kind == "time"
                else "start and end are the first and last statement."
            )
            + " 'shuffled': leave-out partisanship with labels permuted over speakers"
            " (what noise alone gives)."
        )
        return "\n".join(lines)
    G = len(result.groups)
    lines.append(
        f"{G} groups ({', '.join(result.groups)}), {s['n_speakers']} {s['unit']}s,"
        f" {s['n_terms']} phrases; "
        f"bootstrap {s['bootstrap']} ({ci}, {s['unit']}s resampled),"
        f" shuffled labels {s['permutations']}, seed {s['seed']}"
    )
    lines.append(
        f"1/G = {1.0 / G:.3f} means no difference:"
        " a phrase tells a listener nothing about the group."
    )
    lines.append("")
    lines.extend(_estimator_lines(result.table, s["ci_method"]))
    lines.append("")
    lines.append(
        "plug-in: biased upward when the vocabulary is large relative to the speech; leave-out "
        "(Gentzkow, Shapiro and Taddy 2019): each speaker scored against the others' phrase use. "
        "'shuffled': mean under labels permuted over speakers."
    )
    lines.append("")
    bg = result.by_group
    w = max(5, max(len(g) for g in bg["group"]))
    lines.append(f"{'group':<{w}} {'speakers':>8} {'tokens':>9} {'plug-in':>8} {'leave-out':>9}")
    for r in bg.itertuples():
        lines.append(
            f"{r.group:<{w}} {r.n_speakers:>8} {int(r.tokens):>9} {fmt_value(r.plug_in):>8}"
            f" {fmt_value(r.leave_out):>9}"
        )
    return "\n".join(lines)


def render_stances(st: StanceDivergence) -> str:
    lines = [
        f"stance divergence ({st.kind}s; {', '.join(st.metrics[:3])}"
        f"{', ...' if len(st.metrics) > 3 else ''})"
    ]
    m = st.metrics[0]
    t = st.table[st.table["metric"] == m]
    for target, sub in t.groupby("target", sort=True):
        lines.append(f"  {target}")
        for r in sub.itertuples():
            interval = fmt_interval(r.ci_low, r.ci_high)
            lines.append(
                f"    {r.group_a} vs {r.group_b}: {m} {fmt_value(r.value)} {interval}"
                f" p {fmt_value(r.p_value, 4)}"
            )
    return "\n".join(lines)


def by_files(
    corpus: CorpusSpec,
    speaker_col: Optional[str],
    speaker_group_policy: str,
    stance_kind: str,
    rep: Replicates,
    vectorizer: VectorizerSpec,
    out: Outputs,
    wanted: List[str],
) -> None:
    """``--engine stream`` or ``dask``: partisanship of CORPUS files read one at a time
    (``wanted``: the groups kept, all when empty)."""
    from .. import dask_partisanship, stream_partisanship
    from ..plot import plot_partisanship

    progress = out.progress()
    out.check()  # before any work
    progress.step("reading and tokenising the corpus one file at a time")
    result = (dask_partisanship if corpus.engine == "dask" else stream_partisanship)(
        corpus.stream_paths(),
        **corpus.engine_options(),
        read=corpus.read_options(),
        speakers=speaker_col,
        **rep.kwargs(),
        n_jobs=out.jobs,
        vectorizer=vectorizer.make(out.jobs),
        speaker_group_policy=speaker_group_policy,
        groups=wanted or None,
    )
    progress.done()
    echo_notes(result.notes)
    tables: Dict[str, Optional[pd.DataFrame]] = {
        "partisanship": result.table,
        "groups": result.by_group,
        "speakers": result.speakers,
    }
    params = dict(
        corpus=corpus.names,
        speaker_col=speaker_col,
        groups=wanted or None,
        speaker_group_policy=speaker_group_policy,
        window=None,
        step=None,
        **rep.manifest(),
        stance_col=None,
        target_col=None,
        stance_kind=stance_kind,
        **vectorizer.manifest(),
        plot=out.plot,
        columns={},
        engine=corpus.engine,
    )
    out.emit(
        lambda: render(result),
        tables,
        "partisanship",
        params,
        result.settings["seed"],
        result.settings["sources"],
        vectorizer=vectorizer,
        resolved=dict(columns={}, engine=corpus.engine),
    )
    out.draw(lambda path: plot_partisanship(result, path))


@click.command("partisanship")
@corpus_options
@scheduler_option
@click.option(
    "--speaker-col",
    default=None,
    help="Speaker column: a speaker's statements are summed"
    " (default: each statement is its own speaker).",
)
@click.option(
    "--groups",
    "only_groups",
    multiple=True,
    help="Only these groups (repeat or comma-separate), e.g. --groups Republican,Democratic.",
)
@click.option(
    "--speaker-group-policy",
    type=click.Choice(["error", "first", "split"]),
    default="error",
    show_default=True,
    help="A speaker found in several groups: stop with an error, count them in the group of"
    " their first statement, or once per group.",
)
@click.option(
    "--window",
    default=None,
    help="Partisanship per window of divergence drift: statements (50) or a span of time"
    " (90D, 2W, 6M, 4Y).",
)
@click.option(
    "--step",
    default=None,
    help="Step between windows, same kind as --window (default: the window, no overlap).",
)
@replicate_options(
    bootstrap=dict(help="Bootstrap replicates (speakers resampled within groups)."),
    permutations=dict(help="Shuffled-label replicates (labels permuted over speakers)."),
)
@click.option(
    "--stance-col",
    default=None,
    help="Also compare hand-coded stances (labels or numeric scores) between groups.",
)
@click.option(
    "--target-col",
    default=None,
    help="With --stance-col: what the stance is about (one comparison per target).",
)
@click.option(
    "--stance-kind",
    type=click.Choice(["auto", "label", "score"]),
    default="auto",
    show_default=True,
    help="Stance labels or numeric scores (auto: scores when every value is a number).",
)
@vectorizer_options
@output_options
@handle_errors
def partisanship_cmd(
    corpus: CorpusSpec,
    scheduler: Optional[str],
    speaker_col: Optional[str],
    only_groups: Tuple[str, ...],
    speaker_group_policy: str,
    window: Optional[str],
    step: Optional[str],
    replicates: Replicates,
    stance_col: Optional[str],
    target_col: Optional[str],
    stance_kind: str,
    vectorizer: VectorizerSpec,
    out: Outputs,
) -> None:
    """Partisanship of the groups' speech in CORPUS: plug-in and leave-out estimates.

    The expected posterior that a listener puts on a speaker's true group after one phrase
    (Gentzkow, Shapiro and Taddy 2019): 1/G means no difference. Prints both estimates with
    speaker-bootstrap intervals and the shuffled-label baseline; with --window, one row per
    time window; with --stance-col, the divergence of hand-coded stances per target.
    """
    corpus = corpus.with_scheduler(scheduler)
    from .. import partisanship, partisanship_over_time, stance_divergence
    from ..plot import plot_partisanship, plot_stances

    progress = out.progress()
    wanted = [g.strip() for part in only_groups for g in part.split(",") if g.strip()]
    if corpus.engine != "memory":
        for given, flag in (
            (window, "--window"),
            (step, "--step"),
            (stance_col, "--stance-col"),
            (target_col, "--target-col"),
        ):
            if given:
                raise click.UsageError(f"{flag} needs --engine memory")
        by_files(
            corpus,
            speaker_col,
            speaker_group_policy,
            stance_kind,
            replicates,
            vectorizer,
            out,
            wanted,
        )
        return
    if window is not None:  # the window specification of divergence drift, checked before reading
        from .. import parse_window

        parse_window(window, "window")
        parse_window(step if step is not None else window, "step")
    progress.step("reading the corpus")
    c = corpus.load()
    if wanted:
        c = c.filter(groups=wanted)
    c.require_groups(2)
    if speaker_col is not None and speaker_col not in c.frame.columns:
        raise DataError(
            f"--speaker-col: no column {speaker_col!r};"
            f" columns: {', '.join(map(repr, c.frame.columns))}"
        )
    rep = replicates
    stances = None
    if target_col is not None and stance_col is None:
        raise click.UsageError("--target-col needs --stance-col")
    if stance_col is not None:
        progress.step("stance divergence")
        stances = stance_divergence(
            c, stance_col, target_col, kind=stance_kind, **rep.kwargs(), n_jobs=out.jobs
        )
        progress.done()
        echo_notes(stances.notes)
    common: Dict[str, Any] = dict(  # keyword arguments of both analyses, of several types
        speakers=speaker_col,
        **rep.kwargs(),
        n_jobs=out.jobs,
        vectorizer=vectorizer.make(out.jobs),
        speaker_group_policy=speaker_group_policy,
    )
    tables: Dict[str, Optional[pd.DataFrame]] = {}
    if window is not None:
        progress.step(
            f"partisanship per window of {window}, {rep.bootstrap} + {rep.permutations}"
            " replicates each"
        )
        result: Union[Partisanship, PartisanshipOverTime] = partisanship_over_time(
            c, window=window, step=step, **common
        )
        tables["partisanship"] = result.table
    else:
        if step is not None:
            raise click.UsageError("--step needs --window")
        progress.step(
            f"tokenising {len(c)} statements, {rep.bootstrap} bootstrap"
            f" + {rep.permutations} shuffled-label replicates"
        )
        result = partisanship(c, **common)
        tables["partisanship"] = result.table
        tables["groups"] = result.by_group
        tables["speakers"] = result.speakers
    progress.done()
    echo_notes(result.notes)
    if stances is not None:
        tables["stances"] = stances.table
        tables["stance_distributions"] = stances.distributions
    params = dict(
        corpus=corpus.names,
        speaker_col=speaker_col,
        groups=wanted or None,
        speaker_group_policy=speaker_group_policy,
        window=window,
        step=step,
        **rep.manifest(),
        stance_col=stance_col,
        target_col=target_col,
        stance_kind=stance_kind,
        **vectorizer.manifest(),
        plot=out.plot,
        columns=c.columns,
        engine=corpus.engine,
    )

    def report() -> str:
        return render(result) + ("" if stances is None else "\n\n" + render_stances(stances))

    out.emit(
        report,
        tables,
        "partisanship",
        params,
        result.settings["seed"],
        c.sources,
        vectorizer=vectorizer,
        resolved=dict(columns=c.columns),
    )
    out.draw(lambda path: plot_partisanship(result, path))
    if stances is not None:
        out.draw(lambda path: plot_stances(stances, path), "stances")
