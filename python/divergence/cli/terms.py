"""``divergence terms``: the words that distinguish groups."""

from __future__ import annotations

import click

from ._common import Progress, check_output_usage, corpus_options, handle_errors, load_corpus, make_vectorizer, output_options, vectorizer_options, write_outputs


@click.command("terms")
@corpus_options
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Terms per side of each pair.")
@click.option("--pairs", type=click.Choice(["all", "rest"]), default="all", show_default=True, help="Every pair of groups, or each group against the rest.")
@click.option("--prior", type=click.FloatRange(min=0, min_open=True), default=500.0, show_default=True, help="Total pseudo-count alpha0 of the informative Dirichlet prior.")
@click.option("--variance", type=click.Choice(["monroe", "full"]), default="monroe", show_default=True, help="Log-odds variance form.")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True, help="Ignore terms used fewer times in the pair.")
@vectorizer_options
@output_options
@handle_errors
def terms_cmd(corpus, example, input_format, text_col, group_col, time_col, id_col, group_name,
              encoding_errors, drop_empty, strict, top, pairs, prior, variance, min_count, min_df,
              max_df, max_features, stop_words, ngram, normalize_text, fmt, output, plot, jobs,
              no_progress):
    """Distinguishing terms between groups: log-odds with an informative Dirichlet prior
    (Monroe, Colaresi and Quinn 2008), z-scores, counts and each term's share of the JSD."""

    from .. import distinguishing_terms

    check_output_usage(fmt, output, plot, plot_supported=False)  # before any work
    progress = Progress(not no_progress)
    c = load_corpus(corpus, example, input_format=input_format, text_col=text_col, group_col=group_col,
                    time_col=time_col, id_col=id_col, group_name=group_name, encoding_errors=encoding_errors,
                    drop_empty=drop_empty, strict=strict)
    c.require_groups(2)
    vec = make_vectorizer(min_df, max_df, max_features, stop_words, ngram, normalize_text, jobs)
    progress.step(f"tokenising {len(c)} statements")
    X = vec.fit_transform(list(c.text))
    table = distinguishing_terms(X, c.group_codes, c.group_names, list(vec.get_feature_names_out()), pairs=pairs,
                                 top=top, alpha0=prior, variance=variance, min_count=min_count)
    progress.done()
    if fmt == "table":
        click.echo(f"log-odds |z| with an informative Dirichlet prior (alpha0={prior:g}, {variance} variance); each side lists the terms typical of that group")
        for (ga, gb), sub in table.groupby(["group_a", "group_b"], sort=False):
            click.echo(f"{ga} vs {gb}")
            for side in (ga, gb):
                part = sub[sub["side"] == side]
                words = ", ".join(f"{t} ({abs(z):.1f})" for t, z in zip(part["term"], part["z"]))
                click.echo(f"  {side}: {words or '-'}")
    else:
        params = dict(corpus=list(corpus) or ["<example>"], top=top, pairs=pairs, prior=prior,
                      variance=variance, min_count=min_count)
        for p in write_outputs({"terms": table}, fmt, output, "terms", params, None, c.sources, jobs):
            click.echo(f"wrote {p}", err=True)
