"""``divergence compare``: how far apart are the groups, is the gap real, which words carry it."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import click

from .. import Comparison, StanceDivergence
from .._util.replicates import CI_METHOD_TEXT
from .._util.validation import LOG_METRICS
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
    term_options,
    vectorizer_options,
)


def render(result: Comparison, top: int = 15, width: int = 100) -> str:
    """The readable report: matrix, pairs with intervals and p-values, ``top`` terms per side
    of each pair (compare's --top-terms)."""
    s = result.settings
    lines: List[str] = []
    ci = f"{int(round(s['ci'] * 100))}% {s['ci_method']}"
    lines.append(
        f"{len(result.groups)} groups, {s['n_statements']} statements, {s['n_terms']} terms; "
        f"bootstrap {s['bootstrap']} ({ci}), permutations {s['permutations']}, seed {s['seed']}"
    )
    for m in result.metrics:
        units = s["units"] if m in LOG_METRICS else "no log units"
        lines.append("")
        lines.append(f"{m} ({units}); rows vs columns")
        M = result.matrix(m)
        names = [str(g) for g in result.groups]
        w = max(6, max(len(n) for n in names))
        lines.append(" " * w + "".join(f" {n[:w]:>{w}}" for n in names))
        for i, n in enumerate(names):
            cells = "".join(
                f" {'.' if i == j else fmt_value(M.iloc[i, j]):>{w}}" for j in range(len(names))
            )
            lines.append(f"{n:<{w}}{cells}")
        t = result.table[result.table["metric"] == m]
        pairs = [f"{a} vs {b}" for a, b in zip(t["group_a"], t["group_b"])]
        pw = max([4] + [len(p) for p in pairs])
        lines.append("")
        corr = "jsd_corrected" in t.columns and t["jsd_corrected"].notna().any()
        lines.append(
            f"{'pair':<{pw}} {'plug-in':>8} {'corrected':>9} {'interval':>19} {'null mean':>9}"
            f" {'excess':>8} {'p':>7}" + (f" {'analytic corr.':>14}" if corr else "")
        )
        for pair, r in zip(pairs, t.itertuples()):
            interval = fmt_interval(r.ci_low, r.ci_high)
            lines.append(
                f"{pair:<{pw}} {fmt_value(r.value):>8} {fmt_value(r.corrected):>9}"
                f" {interval:>19} {fmt_value(r.null_mean):>9} "
                f"{fmt_value(r.excess):>8} {fmt_value(r.p_value, 4):>7}"
                + (f" {fmt_value(r.jsd_corrected):>14}" if corr else "")
            )
        lines.extend(interval_legend(s, t))
        if corr:
            lines.append(
                "analytic corr.: value minus (V-1)/8 (1/n_a + 1/n_b), the JSD expected with no"
                " difference (chi-square approximation; with sparse vocabularies trust the"
                " permutation null instead)"
            )
    stances = result.stances
    if stances is not None:
        lines.extend(render_stances(stances))
    if result.terms is not None and len(result.terms):
        tt = result.terms
        lines.append("")
        lines.append(
            "distinguishing terms (log-odds z, informative Dirichlet prior"
            f" alpha0={tt['alpha0'].iloc[0]:g}, {tt['variance'].iloc[0]} variance)"
        )
        for (ga, gb), sub in tt.groupby(["group_a", "group_b"], sort=False):
            lines.append(f"  {ga} vs {gb}")
            for side in (ga, gb):
                part = sub[sub["side"] == side].head(top)
                words = ", ".join(f"{t} ({abs(z):.1f})" for t, z in zip(part["term"], part["z"]))
                lines.append(f"    {side}: {words}" if words else f"    {side}: -")
    return "\n".join(lines)


def interval_legend(settings: Dict[str, Any], t: Any) -> List[str]:
    """What the plug-in, corrected and interval columns are, and why an interval is missing."""
    if not settings.get("bootstrap"):
        return []
    pct = f"{int(round(settings['ci'] * 100))}%"
    method = str(settings.get("ci_method", ""))
    of = f"{method} ({CI_METHOD_TEXT[method]})" if method in CI_METHOD_TEXT else method
    out = [
        f"plug-in: the divergence of the groups' summed counts (biased upward); corrected: "
        f"{settings.get('corrected', 'bias-corrected')}; interval: {pct} {of}. null mean: what "
        "noise alone gives groups of these sizes; excess: plug-in minus null mean."
    ]
    notes = [n for n in t["ci_note"] if n] if "ci_note" in t.columns else []
    if notes:
        out.append(
            f"interval '-': {notes[0]}" + (f" ({len(notes)} pairs)" if len(notes) > 1 else "")
        )
    return out


def render_stances(st: StanceDivergence) -> List[str]:
    """Per target: each group's stance shares, then the pairs whose stances differ most."""
    lines = [
        "",
        f"hand-coded stances ({st.kind}s; per target: group shares, then pairs by {st.metrics[0]})",
    ]
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
            lines.append(
                f"    {r.group_a} vs {r.group_b}: {fmt_value(r.value)}"
                f" (p={fmt_value(r.p_value, 3)})"
            )
    return lines


@click.command("compare")
@corpus_options
@scheduler_option
@metric_options(
    "Metric(s): jsd, jensenshannon, kl, jeffreys, hellinger, bhattacharyya, tv, cosine"
    " (repeat or comma-separate).",
    "Log base for log metrics (default: natural log, nats; 2 = bits).",
)
@replicate_options()
@bootstrap_scheme_option()
@click.option(
    "--permutation-scheme",
    type=click.Choice(["exact", "keyed"]),
    default="exact",
    show_default=True,
    help="exact: labels shuffled; keyed: statements ranked by a keyed uniform (group sizes"
    " fixed, the same for any partitioning). With --engine stream/dask, poisson + keyed keep"
    " only group sums (memory bounded by one file plus the sums, not by the corpus).",
)
@click.option(
    "--top-terms",
    type=click.IntRange(min=0),
    default=15,
    show_default=True,
    help="Distinguishing terms per side of each pair (0: none).",
)
@term_options(
    ("--term-pairs",),
    "Terms for every pair, or each group against the rest.",
    "Log-odds variance: Monroe et al.'s two terms, or four terms.",
)
@click.option(
    "--stance-col",
    default=None,
    help="Also compare hand-coded stances (labels or numeric scores) in this column"
    " (--example: 'stance'); with --plot, a heatmap per target goes to FILE's name"
    " + '.stances'.",
)
@click.option(
    "--target-col",
    default=None,
    help="With --stance-col: what each stance is about (--example: 'target').",
)
@click.option(
    "--level",
    type=click.Choice(["group", "statement"]),
    default="group",
    show_default=True,
    help="statement: for each statement, its nearest statements from every other group.",
)
@click.option(
    "-k",
    "k",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="With --level statement: nearest statements per other group.",
)
@vectorizer_options
@output_options
@handle_errors
def compare_cmd(
    corpus: CorpusSpec,
    scheduler: Optional[str],
    metrics: Tuple[str, ...],
    base: Optional[float],
    alpha: float,
    replicates: Replicates,
    bootstrap_scheme: str,
    permutation_scheme: str,
    top_terms: int,
    term_pairs: str,
    prior: float,
    variance: str,
    stance_col: Optional[str],
    target_col: Optional[str],
    level: str,
    k: int,
    vectorizer: VectorizerSpec,
    out: Outputs,
) -> None:
    """Compare groups of statements in CORPUS (CSV, TSV, JSONL, Parquet or text files; '-' for
    stdin).

    Prints the group-by-group divergence matrix, each pair's interval, permutation
    null mean, excess over it and p-value, then the terms that distinguish each pair.
    """
    corpus = corpus.with_scheduler(scheduler)
    from .. import compare, nearest_statements

    progress = out.progress()
    metric_list = check_metrics(metrics)
    out.check()  # before any work
    rep = replicates
    common: Dict[str, Any] = dict(
        metric=metric_list,
        base=base,
        alpha=alpha,
        **rep.kwargs(),
        bootstrap_scheme=bootstrap_scheme,
        permutation_scheme=permutation_scheme,
        n_jobs=out.jobs,
        terms=top_terms > 0,
        top_terms=max(top_terms, 1),
        term_pairs=term_pairs,
        prior=prior,
        variance=variance,
        vectorizer=vectorizer.make(out.jobs),
    )
    if corpus.engine != "memory":
        from .. import dask_compare, stream_compare

        if stance_col is not None or target_col is not None:
            raise click.UsageError("--stance-col needs --engine memory")
        bounded = bootstrap_scheme == "poisson" and (
            permutation_scheme == "keyed" or rep.permutations == 0
        )
        if level == "statement" and bounded:
            raise click.UsageError(
                "--level statement needs every statement's counts, which --engine "
                f"{corpus.engine} keeps only with --bootstrap-scheme resample or "
                "--permutation-scheme exact"
            )
        progress.step("reading and tokenising the corpus one file at a time")
        result = (dask_compare if corpus.engine == "dask" else stream_compare)(
            corpus.stream_paths(),
            **corpus.engine_options(),
            read=corpus.read_options(),
            **common,
        )
        columns: Dict[str, Any] = {}
        sources = result.settings["sources"]
    else:
        progress.step("reading the corpus")
        c = corpus.load()
        c.require_groups(2)
        if corpus.example and stance_col is None and "stance" in c.frame.columns:
            stance_col = "stance"
            target_col = target_col or ("target" if "target" in c.frame.columns else None)
        progress.step(
            f"tokenising {len(c)} statements, {rep.bootstrap} bootstrap"
            f" + {rep.permutations} permutation replicates"
        )
        result = compare(
            c, **common, progress=progress.bar, stance_col=stance_col, target_col=target_col
        )
        columns, sources = c.columns, c.sources
    progress.done()
    echo_notes(result.notes)
    tables = {"divergence": result.table, "terms": result.terms}
    if result.stances is not None:
        tables["stances"] = result.stances.table
        tables["stance_distributions"] = result.stances.distributions
    if level == "statement":
        progress.step("nearest statements across groups")
        tables["nearest"] = nearest_statements(result, k=k, n_jobs=out.jobs)
        progress.done()
    params = dict(
        corpus=corpus.names,
        metrics=metric_list,
        base=base,
        alpha=alpha,
        **rep.manifest(),
        bootstrap_scheme=bootstrap_scheme,
        permutation_scheme=permutation_scheme,
        top_terms=top_terms,
        term_pairs=term_pairs,
        prior=prior,
        variance=variance,
        stance_col=stance_col,
        target_col=target_col,
        level=level,
        k=k,
        **vectorizer.manifest(),
        plot=out.plot,
        columns=columns,
        engine=corpus.engine,
    )

    def report() -> str:
        text = render(result, top=top_terms)
        if level == "statement":
            text += "\n\n" + tables["nearest"].to_string(index=False, max_colwidth=60)
        return text

    out.emit(
        report,
        tables,
        "compare",
        params,
        result.settings["seed"],
        sources,
        vectorizer=vectorizer,
        resolved=dict(columns=columns, metrics=metric_list, n_terms=result.settings["n_terms"]),
    )
    from ..plot import heatmap, plot_stances

    out.draw(lambda path: heatmap(result, path))
    stances = result.stances
    if stances is not None:
        out.draw(lambda path: plot_stances(stances, path), "stances")
