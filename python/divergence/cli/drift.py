"""``divergence drift``: how positions move over time (sliding windows, change points)."""

from __future__ import annotations

import math
from typing import Any, List

import click
import numpy as np
import pandas as pd

from .._util.timeutil import when_text
from ._common import (
    Progress,
    check_metrics,
    corpus_options,
    fmt_value,
    handle_errors,
    load_corpus,
    make_vectorizer,
    output_options,
    vectorizer_options,
    write_outputs,
)


def find_changes(table: pd.DataFrame, permutations: int, block: int, seed: int) -> pd.DataFrame:
    """Change points of every curve of a drift table (see :func:`divergence.changepoints`)."""
    from .. import changepoints
    from ..plot import series_key

    keys = series_key(table)
    frames: List[pd.DataFrame] = []
    for k in pd.unique(keys):
        sub = table[keys == k].reset_index(drop=True)
        cp = changepoints(sub["value"], times=sub["window_start"], permutations=permutations, block=block, seed=seed)
        if len(cp):
            cp.insert(0, "series", k)
            frames.append(cp)
    cols = ["series", "position", "time", "mean_before", "mean_after", "gain", "p_value"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in cols})


def render(table: pd.DataFrame, changes: pd.DataFrame) -> str:
    from ..plot import series_key

    s = table.attrs
    res = s.get("resolution")
    lines = [
        f"drift, mode {s['mode']}, {s['metric']} ({s['units']}), window {s['window']}, step {s['step']}; "
        f"{s['n_statements']} statements, {s['n_terms']} terms"
        + (f"; bootstrap {s['bootstrap']}, permutations {s['permutations']}, seed {s['seed']}" if s["mode"] == "between" else "")
    ]
    if s.get("reference"):
        lines.append("reference: " + ", ".join(f"{g}: {r}" for g, r in s["reference"].items()))
    keys = series_key(table)
    for k in pd.unique(keys):
        sub = table[keys == k]
        lines.append("")
        lines.append(str(k))
        lines.append(f"  {'start':>10} {'end':>10} {'stmts':>6} {'tokens':>8} {'value':>8} {'interval':>19} {'null mean':>9}")
        for r in sub.itertuples():
            interval = f"[{fmt_value(r.ci_low)}, {fmt_value(r.ci_high)}]" if not np.isnan(r.ci_low) else "-"
            lines.append(
                f"  {when_text(r.window_start, res):>10} {when_text(r.window_end, res):>10} {r.n_statements:>6} "
                f"{r.n_tokens:>8} {fmt_value(r.value):>8} {interval:>19} {fmt_value(r.null_mean):>9}"
            )
    if len(changes):
        lines.append("")
        lines.append("change points (binary segmentation, BIC penalty; permutation p-values)")
        for r in changes.itertuples():
            lines.append(
                f"  {r.series}: from {when_text(r.time, res)} mean {fmt_value(r.mean_before)} -> {fmt_value(r.mean_after)}, "
                f"p = {fmt_value(r.p_value, 4)}"
            )
    return "\n".join(lines)


@click.command("drift")
@corpus_options
@click.option("--window", required=True, help="Window: statements (50) or a span of time (90D, 2W, 6M, 1Y).")
@click.option("--step", default=None, help="Step between windows, same kind as --window (default: the window).")
@click.option("--mode", type=click.Choice(["adjacent", "baseline", "between"]), default="adjacent", show_default=True, help="adjacent: each window vs the previous; baseline: vs the first (or --reference); between: groups per window.")
@click.option("--groups", "groups_filter", default=None, help="Comma-separated groups to keep, e.g. ARM,AZE.")
@click.option("--reference", default=None, help="Baseline mode: reference period START:END (inclusive; years or dates) or a window index.")
@click.option("--metric", "metrics", multiple=True, default=("jsd",), show_default=True, help="Metric: jsd, jensenshannon, kl, jeffreys, hellinger, bhattacharyya, tv, cosine.")
@click.option("--base", type=float, default=None, help="Log base for log metrics (default: nats).")
@click.option("--alpha", type=float, default=0.0, show_default=True, help="Additive smoothing for kl/jeffreys.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=200, show_default=True, help="Between mode: bootstrap replicates per window.")
@click.option("--permutations", type=click.IntRange(min=0), default=200, show_default=True, help="Between mode: permutation replicates per window.")
@click.option("--ci", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95, show_default=True, help="Interval coverage.")
@click.option("--ci-method", type=click.Choice(["percentile", "basic"]), default="percentile", show_default=True, help="Bootstrap interval type (basic corrects the upward shift of small windows).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed: same seed, same numbers, any --jobs.")
@click.option("--change-permutations", type=click.IntRange(min=0), default=199, show_default=True, help="Permutations for change-point p-values (0: no change points).")
@vectorizer_options
@output_options
@handle_errors
def drift_cmd(corpus, example, input_format, text_col, group_col, time_col, id_col, group_name,
              encoding_errors, drop_empty, strict, window, step, mode, groups_filter, reference,
              metrics, base, alpha, bootstrap, permutations, ci, ci_method, seed, change_permutations,
              min_df, max_df, max_features, stop_words, ngram, normalize_text, fmt, output, plot,
              jobs, no_progress):
    """Drift over time in CORPUS: sliding windows compared with each other or between groups.

    Prints one curve per group (adjacent, baseline) or pair of groups (between), with bootstrap
    intervals and permutation null means per window in between mode, and the change points
    found on each curve.
    """
    from .. import drift, parse_window

    progress = Progress(not no_progress)
    metric_list = check_metrics(metrics)
    if len(metric_list) != 1:
        raise click.BadParameter("drift takes one metric", param_hint="--metric")
    win = parse_window(window, "window")
    stp = parse_window(step if step is not None else window, "step")
    progress.step("reading the corpus")
    c = load_corpus(corpus, example, input_format=input_format, text_col=text_col, group_col=group_col,
                    time_col=time_col, id_col=id_col, group_name=group_name, encoding_errors=encoding_errors,
                    drop_empty=drop_empty, strict=strict)
    keep = None
    if groups_filter:
        keep = [g.strip() for g in groups_filter.split(",") if g.strip()]
        c = c.filter(groups=keep)
    if mode == "between":
        c.require_groups(2)
    ref: Any = None
    if reference is not None:
        if reference.strip().lstrip("-").isdigit():
            ref = int(reference)
        elif ":" in reference:
            a, b = reference.split(":", 1)
            ref = tuple(int(x) if x.strip().isdigit() else x.strip() for x in (a, b))
        else:
            raise click.BadParameter("expected START:END or a window index", param_hint="--reference")
    vec = make_vectorizer(min_df, max_df, max_features, stop_words, ngram, normalize_text, jobs)
    progress.step(f"windows over {len(c)} statements")
    table = drift(c, window=window, step=step, mode=mode, metric=metric_list[0], alpha=alpha, base=base,
                  bootstrap=bootstrap if mode == "between" else 0,
                  permutations=permutations if mode == "between" else 0, ci=ci, ci_method=ci_method, seed=seed, n_jobs=jobs,
                  reference=ref, vectorizer=vec, progress=progress.bar)
    progress.done()
    for note in table.attrs.get("notes", []):
        click.echo(f"note: {note}", err=True)
    changes = pd.DataFrame()
    if change_permutations:
        block = 1
        if isinstance(win, int) and isinstance(stp, int):
            block = max(1, math.ceil(win / stp))
        elif isinstance(win, tuple) and isinstance(stp, tuple) and win[1] == stp[1]:
            block = max(1, math.ceil(win[0] / stp[0]))
        changes = find_changes(table, change_permutations, block, seed)
    params = dict(corpus=list(corpus) or ["<example>"], window=window, step=step, mode=mode, groups=keep,
                  reference=reference, metric=metric_list[0], base=base, alpha=alpha, bootstrap=bootstrap,
                  permutations=permutations, ci=ci, ci_method=ci_method, change_permutations=change_permutations,
                  min_df=min_df, max_df=max_df, max_features=max_features, ngram=list(ngram),
                  normalize_text=normalize_text, plot=plot, columns=c.columns)
    if fmt == "table":
        if output not in (None, "-"):
            raise click.UsageError("-o/--output needs --format csv, json or parquet")
        click.echo(render(table, changes))
    else:
        tables = {"drift": table, "changepoints": changes if len(changes) else None}
        written = write_outputs(tables, fmt, output, "drift", params, seed, c.sources, jobs)
        for p in written:
            click.echo(f"wrote {p}", err=True)
    if plot:
        from ..plot import drift_plot

        drift_plot(table, plot, changes)
        click.echo(f"wrote {plot}", err=True)
