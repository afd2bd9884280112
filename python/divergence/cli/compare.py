"""``divergence compare``: how far apart are the groups, is the gap real, which words carry it."""

from __future__ import annotations

from typing import Any, List, Optional

import click
import numpy as np
import pandas as pd

from ._common import (
    Progress,
    check_metrics,
    check_output_usage,
    corpus_options,
    fmt_value,
    handle_errors,
    load_corpus,
    make_vectorizer,
    output_options,
    vectorizer_options,
    write_outputs,
)


def render(result: Any, top: int = 8, width: int = 100) -> str:
    """The readable report: matrix, pairs with intervals and p-values, top terms."""
    s = result.settings
    lines: List[str] = []
    ci = f"{int(round(s['ci'] * 100))}% {s['ci_method']}"
    lines.append(
        f"{len(result.groups)} groups, {s['n_statements']} statements, {s['n_terms']} terms; "
        f"bootstrap {s['bootstrap']} ({ci}), permutations {s['permutations']}, seed {s['seed']}"
    )
    for m in result.metrics:
        units = s["units"] if m in ("jsd", "jensenshannon", "kl", "jeffreys", "bhattacharyya") else "no log units"
        lines.append("")
        lines.append(f"{m} ({units}); rows vs columns")
        M = result.matrix(m)
        names = [str(g) for g in result.groups]
        w = max(6, max(len(n) for n in names))
        lines.append(" " * w + "".join(f" {n[:w]:>{w}}" for n in names))
        for i, n in enumerate(names):
            cells = "".join(f" {'.' if i == j else fmt_value(M.iloc[i, j]):>{w}}" for j in range(len(names)))
            lines.append(f"{n:<{w}}{cells}")
        t = result.table[result.table["metric"] == m]
        pairs = [f"{a} vs {b}" for a, b in zip(t["group_a"], t["group_b"])]
        pw = max([4] + [len(p) for p in pairs])
        lines.append("")
        corr = "jsd_corrected" in t.columns and t["jsd_corrected"].notna().any()
        lines.append(f"{'pair':<{pw}} {'value':>8} {'interval':>19} {'null mean':>9} {'excess':>8} {'p':>7}"
                     + (f" {'analytic corr.':>14}" if corr else ""))
        for pair, r in zip(pairs, t.itertuples()):
            interval = f"[{fmt_value(r.ci_low)}, {fmt_value(r.ci_high)}]" if not np.isnan(r.ci_low) else "-"
            lines.append(
                f"{pair:<{pw}} {fmt_value(r.value):>8} {interval:>19} {fmt_value(r.null_mean):>9} "
                f"{fmt_value(r.excess):>8} {fmt_value(r.p_value, 4):>7}"
                + (f" {fmt_value(r.jsd_corrected):>14}" if corr else "")
            )
        if corr:
            lines.append(
                "analytic corr.: value minus (V-1)/8 (1/n_a + 1/n_b), the JSD expected with no difference "
                "(chi-square approximation; with sparse vocabularies trust the permutation null instead)"
            )
        above = t["ci_low"].to_numpy() > t["value"].to_numpy()
        if s["bootstrap"] and s["ci_method"] == "percentile" and above.any():
            lines.append(
                f"note: {int(above.sum())} of {len(t)} percentile intervals lie above their value: a plug-in "
                "divergence is biased upward and resampling (which repeats statements) adds more; "
                "--ci-method basic corrects for this shift. 'null mean' is what noise alone gives "
                "groups of these sizes, 'excess' the divergence beyond it."
            )
    if getattr(result, "stances", None) is not None:
        lines.extend(render_stances(result.stances))
    if result.terms is not None and len(result.terms):
        tt = result.terms
        lines.append("")
        lines.append(
            f"distinguishing terms (log-odds z, informative Dirichlet prior alpha0={tt['alpha0'].iloc[0]:g}, "
            f"{tt['variance'].iloc[0]} variance)"
        )
        for (ga, gb), sub in tt.groupby(["group_a", "group_b"], sort=False):
            lines.append(f"  {ga} vs {gb}")
            for side in (ga, gb):
                part = sub[sub["side"] == side].head(top)
                words = ", ".join(f"{t} ({abs(z):.1f})" for t, z in zip(part["term"], part["z"]))
                lines.append(f"    {side}: {words}" if words else f"    {side}: -")
    return "\n".join(lines)


def render_stances(st: Any) -> List[str]:
    """Per target: each group's stance shares, then the pairs whose stances differ most."""
    lines = ["", f"hand-coded stances ({st.kind}s; per target: group shares, then pairs by {st.metrics[0]})"]
    dist = st.distributions
    tab = st.table[st.table["metric"] == st.metrics[0]]
    for target in st.targets:
        lines.append(f"  {target}")
        d = dist[dist["target"] == target]
        if st.kind == "label" and "share" in d.columns:
            for g, sub in d.groupby("group", sort=True):
                parts = ", ".join(f"{s_} {v:.0%}" for s_, v in zip(sub["stance"], sub["share"]))
                lines.append(f"    {g}: {parts}")
        t = tab[tab["target"] == target].sort_values("value", ascending=False)
        for r in t.head(3).itertuples():
            lines.append(f"    {r.group_a} vs {r.group_b}: {fmt_value(r.value)} (p={fmt_value(r.p_value, 3)})")
    return lines


@click.command("compare")
@corpus_options
@click.option("--metric", "metrics", multiple=True, default=("jsd",), show_default=True, help="Metric(s): jsd, jensenshannon, kl, jeffreys, hellinger, bhattacharyya, tv, cosine (repeat or comma-separate).")
@click.option("--base", type=float, default=None, help="Log base for log metrics (default: natural log, nats; 2 = bits).")
@click.option("--alpha", type=float, default=0.0, show_default=True, help="Additive smoothing for kl/jeffreys.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=200, show_default=True, help="Bootstrap replicates (statements resampled within groups).")
@click.option("--permutations", type=click.IntRange(min=0), default=200, show_default=True, help="Permutation replicates (labels shuffled across statements).")
@click.option("--ci", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95, show_default=True, help="Interval coverage.")
@click.option("--ci-method", type=click.Choice(["percentile", "basic"]), default="percentile", show_default=True, help="Bootstrap interval type.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed: same seed, same numbers, any --jobs.")
@click.option("--top-terms", type=click.IntRange(min=0), default=15, show_default=True, help="Distinguishing terms per side of each pair (0: none).")
@click.option("--term-pairs", type=click.Choice(["all", "rest"]), default="all", show_default=True, help="Terms for every pair, or each group against the rest.")
@click.option("--prior", type=click.FloatRange(min=0, min_open=True), default=500.0, show_default=True, help="Total pseudo-count alpha0 of the informative Dirichlet prior.")
@click.option("--variance", type=click.Choice(["monroe", "full"]), default="monroe", show_default=True, help="Log-odds variance: Monroe et al.'s two terms, or four terms.")
@click.option("--stance-col", default=None, help="Also compare hand-coded stances (labels or numeric scores) in this column (--example: 'stance'); with --plot, a heatmap per target goes to FILE's name + '.stances'.")
@click.option("--target-col", default=None, help="With --stance-col: what each stance is about (--example: 'target').")
@click.option("--level", type=click.Choice(["group", "statement"]), default="group", show_default=True, help="statement: for each statement, its nearest statements from every other group.")
@click.option("-k", "k", type=click.IntRange(min=1), default=3, show_default=True, help="With --level statement: nearest statements per other group.")
@vectorizer_options
@output_options
@handle_errors
def compare_cmd(corpus, example, input_format, text_col, group_col, time_col, id_col, group_name,
                encoding_errors, drop_empty, strict, metrics, base, alpha, bootstrap, permutations,
                ci, ci_method, seed, top_terms, term_pairs, prior, variance, stance_col, target_col, level, k, min_df,
                max_df, max_features, stop_words, ngram, normalize_text, fmt, output, plot, jobs,
                no_progress):
    """Compare groups of statements in CORPUS (CSV, TSV, JSONL, Parquet or text files; '-' for stdin).

    Prints the group-by-group divergence matrix, each pair's bootstrap interval, permutation
    null mean, excess over it and p-value, then the terms that distinguish each pair.
    """
    from .. import compare

    progress = Progress(not no_progress)
    metric_list = check_metrics(metrics)
    check_output_usage(fmt, output, plot)  # before any work
    progress.step("reading the corpus")
    c = load_corpus(corpus, example, input_format=input_format, text_col=text_col, group_col=group_col,
                    time_col=time_col, id_col=id_col, group_name=group_name, encoding_errors=encoding_errors,
                    drop_empty=drop_empty, strict=strict)
    c.require_groups(2)
    if example and stance_col is None and "stance" in c.frame.columns:
        stance_col = "stance"
        target_col = target_col or ("target" if "target" in c.frame.columns else None)
    vec = make_vectorizer(min_df, max_df, max_features, stop_words, ngram, normalize_text, jobs)
    progress.step(f"tokenising {len(c)} statements, {bootstrap} bootstrap + {permutations} permutation replicates")
    result = compare(c, metric=metric_list, base=base, alpha=alpha, bootstrap=bootstrap,
                     permutations=permutations, ci=ci, ci_method=ci_method, seed=seed, n_jobs=jobs,
                     terms=top_terms > 0, top_terms=max(top_terms, 1), term_pairs=term_pairs,
                     prior=prior, variance=variance, vectorizer=vec, progress=progress.bar,
                     stance_col=stance_col, target_col=target_col)
    progress.done()
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    tables = {"divergence": result.table, "terms": result.terms}
    if result.stances is not None:
        tables["stances"] = result.stances.table
        tables["stance_distributions"] = result.stances.distributions
    if level == "statement":
        progress.step("nearest statements across groups")
        tables["nearest"] = nearest_statements(c, vec, metric_list[0], k, base, alpha, jobs)
        progress.done()
    params = dict(corpus=list(corpus) or ["<example>"], metrics=metric_list, base=base, alpha=alpha,
                  bootstrap=bootstrap, permutations=permutations, ci=ci, ci_method=ci_method,
                  top_terms=top_terms, term_pairs=term_pairs, prior=prior, variance=variance,
                  stance_col=stance_col, target_col=target_col, level=level, k=k, min_df=min_df, max_df=max_df, max_features=max_features,
                  ngram=list(ngram), normalize_text=normalize_text, plot=plot,
                  columns=c.columns)
    if fmt == "table":
        click.echo(render(result))
        if level == "statement":
            click.echo("")
            click.echo(tables["nearest"].to_string(index=False, max_colwidth=60))
    else:
        written = write_outputs(tables, fmt, output, "compare", params, result.settings["seed"], c.sources, jobs)
        for p in written:
            click.echo(f"wrote {p}", err=True)
    if plot:
        from ..plot import heatmap

        heatmap(result, plot)
        click.echo(f"wrote {plot}", err=True)
        if result.stances is not None:
            from pathlib import Path

            from ..plot import plot_stances

            sp = Path(plot)
            stance_plot = sp.with_name(f"{sp.stem}.stances{sp.suffix}")
            plot_stances(result.stances, stance_plot)
            click.echo(f"wrote {stance_plot}", err=True)


def nearest_statements(c: Any, vec: Any, metric: str, k: int, base: Optional[float], alpha: float, jobs: Optional[int]) -> pd.DataFrame:
    """For each statement, its k nearest statements in every other group."""
    from .. import nearest

    X = vec.transform(list(c.text)).astype(np.float64)
    ntok = np.asarray(X.sum(axis=1)).ravel()
    keep = np.flatnonzero(ntok > 0)
    groups = np.asarray(c.group.astype(str))
    ids = np.asarray(c.id.astype(str))
    rows = []
    for g in sorted(set(groups[keep])):
        src = keep[groups[keep] == g]
        for h in sorted(set(groups[keep]) - {g}):
            dst = keep[groups[keep] == h]
            kk = min(k, dst.size)
            idx, val = nearest(X[src], X[dst], k=kk, metric=metric, base=base, alpha=alpha, n_jobs=jobs)
            for a, i in enumerate(src):
                for r in range(kk):
                    rows.append((ids[i], g, h, r + 1, ids[dst[idx[a, r]]], float(val[a, r])))
    return pd.DataFrame(rows, columns=["id", "group", "other_group", "rank", "nearest_id", "value"])
