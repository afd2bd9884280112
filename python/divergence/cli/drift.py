"""``divergence drift``: how positions move over time (sliding windows, change points)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import click
import pandas as pd

from .._util.timeutil import when_text
from ._common import check_metrics, echo_notes, fmt_interval, fmt_value, handle_errors
from ._options import (
    CorpusSpec,
    Outputs,
    Replicates,
    VectorizerSpec,
    bootstrap_scheme_option,
    corpus_options,
    metric_options,
    output_options,
    replicate_options,
    scheduler_option,
    vectorizer_options,
)


def render(table: pd.DataFrame, changes: pd.DataFrame) -> str:
    from .. import series_key

    s = table.attrs
    res = s.get("resolution")
    lines = [
        f"drift, mode {s['mode']}, {s['metric']} ({s['units']}), window {s['window']},"
        f" step {s['step']}; "
        f"{s['n_statements']} statements, {s['n_terms']} terms"
        + (
            f"; bootstrap {s['bootstrap']}, permutations {s['permutations']}, seed {s['seed']}"
            if s["mode"] == "between"
            else ""
        )
    ]
    if s.get("reference"):
        lines.append("reference: " + ", ".join(f"{g}: {r}" for g, r in s["reference"].items()))
    keys = series_key(table)
    for k in pd.unique(keys):
        sub = table[keys == k]
        lines.append("")
        lines.append(str(k))
        lines.append(
            f"  {'start':>10} {'end':>10} {'stmts':>6} {'tokens':>8} {'value':>8}"
            f" {'interval':>19} {'null mean':>9}"
        )
        for r in sub.itertuples():
            interval = fmt_interval(r.ci_low, r.ci_high)
            reason = str(getattr(r, "reason", "") or "")
            anchored = bool(getattr(r, "anchored_end", False))
            lines.append(
                f"  {when_text(r.window_start, res):>10} {when_text(r.window_end, res):>10}"
                f" {r.n_statements:>6} "
                f"{r.n_tokens:>8} {fmt_value(r.value):>8} {interval:>19}"
                f" {fmt_value(r.null_mean):>9}"
                + ("  (anchored at the end of the data)" if anchored else "")
                + (f"  not scored: {reason}" if reason and pd.isna(r.value) else "")
                + (f"  {reason}" if reason and not pd.isna(r.value) else "")
            )
    if len(changes):
        lines.append("")
        lines.append("change points (binary segmentation, BIC penalty; permutation p-values)")
        for r in changes.itertuples():
            lines.append(
                f"  {r.series}: from {when_text(r.time, res)} mean {fmt_value(r.mean_before)}"
                f" -> {fmt_value(r.mean_after)}, "
                f"p = {fmt_value(r.p_value, 4)}"
            )
    return "\n".join(lines)


@click.command("drift")
@corpus_options
@scheduler_option
@click.option(
    "--window", required=True, help="Window: statements (50) or a span of time (90D, 2W, 6M, 1Y)."
)
@click.option(
    "--step",
    default=None,
    help="Step between windows, same kind as --window (default: the window).",
)
@click.option(
    "--mode",
    type=click.Choice(["adjacent", "baseline", "between"]),
    default="adjacent",
    show_default=True,
    help="adjacent: each window vs the previous; baseline: vs the first (or --reference);"
    " between: groups per window.",
)
@click.option(
    "--groups", "groups_filter", default=None, help="Comma-separated groups to keep, e.g. ARM,AZE."
)
@click.option(
    "--reference",
    default=None,
    help="Baseline mode: reference period START:END (inclusive; years or dates) or a window index.",
)
@metric_options(
    "Metric: jsd, jensenshannon, kl, jeffreys, hellinger, bhattacharyya, tv, cosine.",
    "Log base for log metrics (default: nats).",
)
@replicate_options(
    bootstrap=dict(help="Between mode: bootstrap replicates per window."),
    permutations=dict(help="Between mode: permutation replicates per window."),
    ci_method=dict(
        help="Bootstrap interval type (basic corrects the upward shift of small windows)."
    ),
)
@bootstrap_scheme_option(
    " Between mode; with --engine stream/dask, time windows and --permutations 0, poisson keeps"
    " only sums per time bucket (memory: one file plus (bootstrap + 21) x buckets x groups x"
    " terms, not the corpus)."
)
@click.option(
    "--change-permutations",
    type=click.IntRange(min=0),
    default=199,
    show_default=True,
    help="Permutations for change-point p-values (0: no change points).",
)
@vectorizer_options
@output_options
@handle_errors
def drift_cmd(
    corpus: CorpusSpec,
    scheduler: Optional[str],
    window: str,
    step: Optional[str],
    mode: str,
    groups_filter: Optional[str],
    reference: Optional[str],
    metrics: Tuple[str, ...],
    base: Optional[float],
    alpha: float,
    replicates: Replicates,
    bootstrap_scheme: str,
    change_permutations: int,
    vectorizer: VectorizerSpec,
    out: Outputs,
) -> None:
    """Drift over time in CORPUS: sliding windows compared with each other or between groups.

    Prints one curve per group (adjacent, baseline) or pair of groups (between), with bootstrap
    intervals and permutation null means per window in between mode, and the change points
    found on each curve.
    """
    corpus = corpus.with_scheduler(scheduler)
    from .. import dask_drift, drift, drift_changepoints, parse_window, stream_drift

    progress = out.progress()
    metric_list = check_metrics(metrics)
    if len(metric_list) != 1:
        raise click.BadParameter("drift takes one metric", param_hint="--metric")
    parse_window(window, "window")
    parse_window(step if step is not None else window, "step")
    keep = None
    if groups_filter:
        keep = [g.strip() for g in groups_filter.split(",") if g.strip()]
    ref: Any = None
    if reference is not None:
        if reference.strip().lstrip("-").isdigit():
            ref = int(reference)
        elif ":" in reference:
            a, b = reference.split(":", 1)
            ref = tuple(int(x) if x.strip().isdigit() else x.strip() for x in (a, b))
        else:
            raise click.BadParameter(
                "expected START:END or a window index", param_hint="--reference"
            )
    rep = replicates
    between = mode == "between"
    options: Dict[str, Any] = dict(  # drift's keyword arguments, of several types
        window=window,
        step=step,
        mode=mode,
        metric=metric_list[0],
        alpha=alpha,
        base=base,
        bootstrap=rep.bootstrap if between else 0,
        permutations=rep.permutations if between else 0,
        ci=rep.ci,
        ci_method=rep.ci_method,
        seed=rep.seed,
        bootstrap_scheme=bootstrap_scheme,
        n_jobs=out.jobs,
        reference=ref,
        vectorizer=vectorizer.make(out.jobs),
    )
    if corpus.engine != "memory":
        options["groups"] = keep or None
        paths = corpus.stream_paths()
        progress.step("reading and tokenising the corpus one file at a time")
        if corpus.engine == "dask":
            table = dask_drift(
                paths, **corpus.engine_options(), read=corpus.read_options(), **options
            )
        else:
            table = stream_drift(paths, read=corpus.read_options(), **options)
        columns: Dict[str, Any] = {}
        sources = table.attrs["sources"]
    else:
        progress.step("reading the corpus")
        c = corpus.load()
        if keep:
            c = c.filter(groups=keep)
        if mode == "between":
            c.require_groups(2)
        progress.step(f"windows over {len(c)} statements")
        table = drift(c, **options, progress=progress.bar)
        columns, sources = c.columns, c.sources
    progress.done()
    echo_notes(table.attrs.get("notes", []))
    changes = pd.DataFrame()
    if change_permutations:
        changes = drift_changepoints(table, permutations=change_permutations, seed=rep.seed)
    params = dict(
        corpus=corpus.names,
        window=window,
        step=step,
        mode=mode,
        groups=keep,
        reference=reference,
        metric=metric_list[0],
        base=base,
        alpha=alpha,
        **rep.manifest(),
        bootstrap_scheme=bootstrap_scheme,
        change_permutations=change_permutations,
        **vectorizer.manifest(),
        plot=out.plot,
        columns=columns,
        engine=corpus.engine,
    )
    tables = {"drift": table, "changepoints": changes if len(changes) else None}
    out.emit(
        lambda: render(table, changes),
        tables,
        "drift",
        params,
        rep.seed,
        sources,
        vectorizer=vectorizer,
        resolved=dict(columns=columns, metric=metric_list[0]),
    )
    from ..plot import drift_plot

    out.draw(lambda path: drift_plot(table, path, changes))
