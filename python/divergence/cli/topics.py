"""``divergence topics``: which topics carry the gap between groups."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import click
import numpy as np
import pandas as pd

from .. import TopicComparison, TopicModel
from ._common import check_metrics, echo_notes, fmt_interval, fmt_value, handle_errors
from ._options import (
    VECTORIZER_PARAMS,
    CorpusSpec,
    Outputs,
    Replicates,
    VectorizerSpec,
    corpus_options,
    given_on_command_line,
    metric_options,
    output_options,
    replicate_options,
    vectorizer_options,
)


def parse_k(text: str) -> List[int]:
    """'10' -> [10]; '5,10,20' -> [5, 10, 20]."""
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(int(part))
        except ValueError:
            raise click.BadParameter(
                f"not an integer: {part!r} (give e.g. 10 or 5,10,20)", param_hint="--k"
            ) from None
    if not out:
        raise click.BadParameter("give a number of topics, e.g. 10 or 5,10,20", param_hint="--k")
    if len(set(out)) != len(out):
        raise click.BadParameter(f"candidates repeat: {text}", param_hint="--k")
    return out


def render_selection(table: pd.DataFrame, chosen: int) -> str:
    """The candidates' held-out fit (document completion) and the rule's choice."""
    a = table.attrs
    lines = [
        f"choosing k: fitted on {a.get('n_train')} training statements, scored by document"
        f" completion on {a.get('n_scored', a.get('n_heldout'))} held-out statements",
        "  (topic shares fitted on a random half of each statement's tokens, the other half"
        " scored);",
        "  log-lik/token: held-out log-likelihood in nats per token (higher is better), SE its"
        " standard error;",
        "  perplexity = exp(-log-lik/token) (lower is better; the uniform guess over the"
        f" {a.get('n_terms')} terms scores {a.get('n_terms')})",
    ]
    lines.append(
        f"{'k':>4} {'log-lik/token':>14} {'SE':>7} {'perplexity':>11}"
        f" {'coherence (NPMI)':>17} {'min':>7}"
    )
    for r in table.itertuples():
        mark = (
            "  <- chosen" if r.k == chosen else ("  (within the margin)" if r.within_margin else "")
        )
        lines.append(
            f"{r.k:>4} {r.heldout_loglik:>14.4f} {r.heldout_se:>7.4f} {r.heldout:>11.2f}"
            f" {r.coherence:>17.3f} {r.coherence_min:>7.3f}{mark}"
        )
    lines.append(f"rule: {a.get('rule')}; picks k={chosen} (coherence is shown, not used)")
    return "\n".join(lines)


def loaded_stop_words(model: TopicModel) -> Tuple[str, int]:
    """(name, size) of the stop words of a loaded model's vectorizer: 'english' (scikit-learn's
    list), 'none', or "the loaded model's list"."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    sw = getattr(model.vectorizer_, "stop_words", None)
    if sw is None:
        return "none", 0
    words = set(ENGLISH_STOP_WORDS) if isinstance(sw, str) else set(sw)
    if words == set(ENGLISH_STOP_WORDS):
        return "english", len(words)
    return ("none", 0) if not words else ("the loaded model's list", len(words))


def render(
    result: TopicComparison, pairs: Optional[Sequence[Tuple[str, str]]] = None, top: int = 3
) -> str:
    """Readable report: topics, prevalence by group, prevalence divergence, differing topics."""
    s = result.settings
    model = result.model
    lines: List[str] = []
    lines.append(
        f"{s['method'].upper()} with k={s['k']} topics, {s['n_statements']} statements,"
        f" {s['n_terms']} terms; "
        f"seed {s['seed']}, {s['n_iter']} iterations; bootstrap {s['bootstrap']},"
        f" permutations {s['permutations']}"
    )
    lines.append("")
    lines.append("topics (label from FREX words; coherence = mean NPMI of the top words)")
    for t, lab in enumerate(result.labels):
        lines.append(f"  {lab}  [coherence {model.coherence_[t]:.2f}]")
        lines.append(f"      top: {' '.join(model.top_words_[t][:8])}")
    lines.append("")
    ci = int(round(s["ci"] * 100))
    lines.append(
        f"prevalence (mean topic share of each group's statements, {ci}% bootstrap interval)"
    )
    names = result.groups
    w = max(8, max(len(g) for g in names))
    lines.append(f"{'topic':<10}" + "".join(f" {g[:w]:>{w + 10}}" for g in names))
    P = result.prevalence
    for t in range(s["k"]):
        cells = []
        for g in names:
            r = P[(P["group"] == g) & (P["topic"] == t)].iloc[0]
            iv = (
                f"[{fmt_value(r.ci_low, 2)},{fmt_value(r.ci_high, 2)}]"
                if not np.isnan(r.ci_low)
                else ""
            )
            cells.append(f" {fmt_value(r.prevalence, 2) + ' ' + iv:>{w + 10}}")
        lines.append(f"{'topic' + str(t):<10}" + "".join(cells))
    div = result.divergence.table
    for m in result.divergence.metrics:
        lines.append("")
        lines.append(f"divergence of topic prevalence: {m}")
        t = div[div["metric"] == m]
        lines.append(
            f"  {'pair':<24} {'value':>8} {'interval':>19} {'null mean':>9} {'excess':>8} {'p':>7}"
        )
        for r in t.itertuples():
            iv = fmt_interval(r.ci_low, r.ci_high)
            lines.append(
                f"  {(r.group_a + ' vs ' + r.group_b)[:24]:<24} {fmt_value(r.value):>8} {iv:>19}"
                f" {fmt_value(r.null_mean):>9} "
                f"{fmt_value(r.excess):>8} {fmt_value(r.p_value, 4):>7}"
            )
    metric0 = result.divergence.metrics[0]
    lines.append("")
    lines.append(
        "where the groups differ: topics by share of the prevalence JSD;"
        " difference = prevalence a - b "
        f"[{ci}% interval], permutation p; within = {metric0} of the groups' word usage"
        " inside the topic"
    )
    T = result.topics
    todo = pairs if pairs else list(dict.fromkeys(zip(T["group_a"], T["group_b"])))
    for a, b in todo:
        sub = result.differing(a, b, top)
        if sub.empty:
            continue
        flip = sub["group_a"].iloc[0] != a
        lines.append(f"  {a} vs {b}")
        for r in sub.itertuples():
            d, lo, hi = (
                (r.difference, r.ci_low, r.ci_high)
                if not flip
                else (-r.difference, -r.ci_high, -r.ci_low)
            )
            wa, wb = (r.words_a, r.words_b) if not flip else (r.words_b, r.words_a)
            lines.append(
                f"    {r.label}: share {r.share:.0%}, difference {d:+.3f}"
                f" [{fmt_value(lo)}, {fmt_value(hi)}], p {fmt_value(r.p_value, 4)}, "
                f"within {getattr(r, 'within_' + metric0):.3f}"
            )
            lines.append(f"        {a}: {wa or '-'}")
            lines.append(f"        {b}: {wb or '-'}")
    return "\n".join(lines)


@click.command("topics")
@corpus_options
@click.option(
    "--k",
    "k_text",
    default="10",
    show_default=True,
    help="Number of topics, or candidates such as 5,10,20"
    " (compared by held-out fit and coherence; the chosen k is used).",
)
@click.option(
    "--method",
    type=click.Choice(["lda", "nmf"]),
    default="lda",
    show_default=True,
    help="Latent Dirichlet allocation or non-negative matrix factorisation (scikit-learn).",
)
@click.option(
    "--max-iter",
    type=click.IntRange(min=1),
    default=None,
    help="Passes over the data (default: 30 for lda, 300 for nmf).",
)
@metric_options(
    "Metric(s) for the prevalence and within-topic divergences (repeat or comma-separate; 'all').",
    "Log base for log metrics (default: natural log, nats).",
)
@replicate_options(
    "bootstrap",
    "permutations",
    "ci",
    "seed",
    seed=dict(help="Random seed: same seed, same topics and numbers, any --jobs."),
)
@click.option(
    "--top-words",
    type=click.IntRange(min=2),
    default=10,
    show_default=True,
    help="Top words per topic (labels, coherence, tables).",
)
@click.option(
    "--top-topics",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Differing topics shown per pair of groups.",
)
@click.option(
    "--pair",
    nargs=2,
    default=None,
    help="Show only this pair of groups in the report, e.g. --pair ARM AZE.",
)
@click.option(
    "--holdout",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.2,
    show_default=True,
    help="With several --k: share of statements held out to score each k.",
)
@click.option(
    "--se-margin",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="With several --k: pick the smallest k whose held-out log-likelihood is within this"
    " many standard errors of the best (the one-standard-error rule).",
)
@click.option(
    "--save",
    "save_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Save the fitted model (joblib) for later runs.",
)
@click.option(
    "--load",
    "load_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Reuse a saved model (its vocabulary and topics) instead of fitting one."
    " Load only files you trust.",
)
@vectorizer_options
@output_options
@handle_errors
def topics_cmd(
    corpus: CorpusSpec,
    k_text: str,
    method: str,
    max_iter: Optional[int],
    metrics: Tuple[str, ...],
    base: Optional[float],
    alpha: float,
    replicates: Replicates,
    top_words: int,
    top_topics: int,
    pair: Optional[Tuple[str, str]],
    holdout: float,
    se_margin: float,
    save_path: Optional[str],
    load_path: Optional[str],
    vectorizer: VectorizerSpec,
    out: Outputs,
) -> None:
    """Topic model of CORPUS and where the groups differ in topic space.

    Fits LDA (or NMF) on the statements, labels the topics by their top words, and reports
    each group's topic prevalence with bootstrap intervals, the group-by-group divergence of
    prevalence with a permutation null, and per pair the topics that carry the gap (share of
    the divergence, prevalence difference, and how differently each group words the topic).
    English stop words are removed unless --stop-words says otherwise ('none' keeps them), as
    in every command.
    """
    from .. import METRICS, TopicModel, compare_topics, select_k

    progress = out.progress()
    out.refuse_inputs([*corpus.paths, load_path], extra=[save_path] if save_path else [])
    metric_list = list(METRICS) if any(m == "all" for m in metrics) else check_metrics(metrics)
    ks = parse_k(k_text)
    if save_path and load_path:
        raise click.UsageError("give --save or --load, not both")
    if load_path and len(ks) > 1:
        raise click.UsageError(
            "--k with several candidates fits new models; it cannot be combined with --load"
        )
    for k in ks:
        if k < 2:
            raise click.BadParameter(
                f"a topic model needs at least 2 topics, got {k}", param_hint="--k"
            )
    if pair is not None and pair[0] == pair[1]:
        raise click.BadParameter("give two different groups", param_hint="--pair")
    c = corpus.load()
    c.require_groups(2)
    if pair is not None:
        known = set(c.groups)
        for g in pair:
            if g not in known:
                raise click.BadParameter(
                    f"no group {g!r} in the corpus (groups: {', '.join(sorted(known))})",
                    param_hint="--pair",
                )
    rep = replicates
    texts = list(c.text)
    selection = None
    if load_path:
        model = TopicModel.load(load_path)
        if getattr(model, "vectorizer_", None) is None:
            raise ValueError(
                f"{load_path}: the model was fitted on a count matrix, not on statements;"
                " refit with divergence topics --save"
            )
        given = given_on_command_line("k_text", "method", "max_iter")
        if "k_text" in given and ks[0] != model.k:
            raise click.UsageError(
                f"--k {ks[0]} differs from the loaded model's k={model.k}; drop --k or refit"
            )
        if "method" in given and method != model.method:
            raise click.UsageError(
                f"--method {method} differs from the loaded model's method {model.method};"
                " drop --method or refit"
            )
        if given_on_command_line(*VECTORIZER_PARAMS):
            vec = vectorizer.make(out.jobs)
            progress.step("checking the vocabulary against the loaded model")
            vec.fit(texts)
            model.check_vocabulary(
                list(vec.get_feature_names_out()),
                what="this corpus (with these vectorizer options)",
            )
        click.echo(
            f"note: using the model in {load_path}"
            f" (k={model.k}, {model.method}, {model.n_features_in_} terms)",
            err=True,
        )
    else:
        vec = vectorizer.make(out.jobs)
        k = ks[0]
        if len(ks) > 1:
            progress.step(
                f"fitting k = {', '.join(map(str, ks))} on a {1 - holdout:.0%} training split"
            )
            selection, k = select_k(
                c,
                ks,
                method=method,
                seed=rep.seed,
                holdout=holdout,
                se_margin=se_margin,
                n_jobs=out.jobs,
                vectorizer=vec,
                max_iter=max_iter,
                n_top_words=top_words,
            )
        progress.step(f"tokenising {len(c)} statements, fitting {method} with k={k}")
        model = TopicModel(
            k=k,
            method=method,
            seed=rep.seed,
            max_iter=max_iter,
            n_jobs=out.jobs,
            vectorizer=vec,
            n_top_words=top_words,
        ).fit(c)
    progress.step(
        f"comparing groups: {rep.bootstrap} bootstrap + {rep.permutations} permutation replicates"
    )
    result = compare_topics(
        model,
        c,
        metric=metric_list,
        base=base,
        alpha=alpha,
        bootstrap=rep.bootstrap,  # the replicate options this command declares
        permutations=rep.permutations,
        ci=rep.ci,
        seed=rep.seed,
        n_jobs=out.jobs,
        top_words=top_words,
        progress=progress.bar,
    )
    progress.done()
    echo_notes(result.notes)
    if save_path:
        out.stage(Path(save_path), model.save, save_path)  # written with the other outputs
    tables: Dict[str, Optional[pd.DataFrame]] = {
        "prevalence": result.prevalence,
        "divergence": result.divergence.table,
        "topic_pairs": result.topics,
        "topics": model.describe(),
        "selection": selection,
    }
    params = dict(
        corpus=corpus.names,
        k=ks,
        chosen_k=model.k,
        method=model.method,
        max_iter=model.max_iter,
        metrics=metric_list,
        base=base,
        alpha=alpha,
        **rep.manifest(),
        top_words=top_words,
        holdout=holdout,
        se_margin=se_margin,
        load=load_path,
        save=save_path,
        **vectorizer.manifest(),
        plot=out.plot,
        columns=c.columns,
    )

    spec: Optional[VectorizerSpec] = vectorizer
    resolved: Dict[str, object] = dict(columns=c.columns, k=model.k, method=model.method)
    head = ""
    if load_path:  # the loaded model's vectorizer counted the statements: its stop words
        name, n_words = loaded_stop_words(model)
        params["stop_words"] = name
        resolved["stop_words"] = dict(name=name, size=n_words)
        spec = None
        head = (
            f"stop words: {name} ({n_words} words removed by the loaded model's vectorizer)\n"
            if n_words
            else "stop words: none removed (by the loaded model's vectorizer)\n"
        )

    def report() -> str:
        text = render(result, pairs=[(pair[0], pair[1])] if pair else None, top=top_topics)
        text = text if selection is None else render_selection(selection, model.k) + "\n\n" + text
        return head + text

    out.emit(report, tables, "topics", params, rep.seed, c.sources, spec, resolved)
    from ..plot import prevalence_plot

    out.draw(lambda path: prevalence_plot(result, path))
