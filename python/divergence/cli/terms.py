"""``divergence terms``: the words that distinguish groups."""

from __future__ import annotations

from typing import Optional, Tuple

import click
import pandas as pd

from ._common import handle_errors
from ._options import (
    CorpusSpec,
    Outputs,
    VectorizerSpec,
    corpus_options,
    output_options,
    scheduler_option,
    term_options,
    vectorizer_options,
)


@click.command("terms")
@corpus_options
@scheduler_option
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Terms per side of each pair.",
)
@term_options(
    ("--pairs",),
    "Every pair of groups, or each group against the rest.",
    "Log-odds variance form.",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Ignore terms used fewer times in the pair.",
)
@click.option(
    "--plot-pair",
    "plot_pairs",
    nargs=2,
    multiple=True,
    metavar="A B",
    help="With --plot: a panel for this pair only (repeatable; B may be 'rest' with --pairs"
    " rest). Default: every pair, at most 12.",
)
@vectorizer_options
@output_options
@handle_errors
def terms_cmd(
    corpus: CorpusSpec,
    scheduler: Optional[str],
    top: int,
    pairs: str,
    prior: float,
    variance: str,
    min_count: int,
    plot_pairs: Tuple[Tuple[str, str], ...],
    vectorizer: VectorizerSpec,
    out: Outputs,
) -> None:
    """Distinguishing terms between groups: log-odds with an informative Dirichlet prior
    (Monroe, Colaresi and Quinn 2008), z-scores, counts and each term's share of the JSD.

    With --plot, one panel per pair: each term's z against how often the pair uses it (log
    scale), the --top terms of each side in colour, at most 10 of them named, the other terms
    in grey."""
    corpus = corpus.with_scheduler(scheduler)
    from .. import distinguishing_terms

    out.check()  # before any work
    if plot_pairs and not out.plot:
        raise click.UsageError("--plot-pair needs --plot FILE")
    progress = out.progress()
    if corpus.engine != "memory":
        from .. import dask_terms, stream_terms

        if out.plot:
            raise click.UsageError("--plot needs --engine memory")
        table = (dask_terms if corpus.engine == "dask" else stream_terms)(
            corpus.stream_paths(),
            **corpus.engine_options(),
            vectorizer=vectorizer.make(out.jobs),
            read=corpus.read_options(),
            pairs=pairs,
            top=top,
            alpha0=prior,
            variance=variance,
            min_count=min_count,
        )
        progress.done()
        out.emit(
            lambda: render(table, prior, variance),
            {"terms": table},
            "terms",
            dict(
                corpus=corpus.names,
                top=top,
                pairs=pairs,
                prior=prior,
                variance=variance,
                min_count=min_count,
                engine=corpus.engine,
                **vectorizer.manifest(),
            ),
            None,
            table.attrs["sources"],
            vectorizer=vectorizer,
            resolved=dict(engine=corpus.engine),
        )
        return
    c = corpus.load()
    c.require_groups(2)
    vec = vectorizer.make(out.jobs)
    progress.step(f"tokenising {len(c)} statements")
    X = vec.fit_transform(list(c.text))
    table = distinguishing_terms(
        X,
        c.group_codes,
        c.group_names,
        list(vec.get_feature_names_out()),
        pairs=pairs,
        top=top,
        alpha0=prior,
        variance=variance,
        min_count=min_count,
    )
    cloud = None
    if out.plot:  # every term of every pair, grey behind the top ones
        progress.step("every term's z for the figure")
        cloud = distinguishing_terms(
            X,
            c.group_codes,
            c.group_names,
            list(vec.get_feature_names_out()),
            pairs=pairs,
            top=max(X.shape[1], 1),
            alpha0=prior,
            variance=variance,
            min_count=min_count,
        )
        chosen = [(a, b) for a, b in plot_pairs] or None
        from ..plot import term_panels, terms_plot

        try:
            term_panels(table, chosen)
        except ValueError as e:
            raise click.UsageError(f"--plot: {e}: --plot-pair A B, or --pairs rest") from None
    progress.done()
    params = dict(
        corpus=corpus.names,
        top=top,
        pairs=pairs,
        prior=prior,
        variance=variance,
        min_count=min_count,
        plot_pairs=[list(p) for p in plot_pairs],
        **vectorizer.manifest(),
        columns=c.columns,
    )
    out.emit(
        lambda: render(table, prior, variance),
        {"terms": table},
        "terms",
        params,
        None,
        c.sources,
        vectorizer=vectorizer,
        resolved=dict(columns=c.columns, **vectorizer.resolved(vec)),
    )

    if out.plot:
        out.draw(lambda path: terms_plot(table, path, cloud=cloud, pairs=chosen))


def render(table: pd.DataFrame, prior: float, variance: str) -> str:
    """Per pair, the terms typical of each side with their |z|."""
    lines = [
        f"log-odds |z| with an informative Dirichlet prior (alpha0={prior:g}, {variance}"
        " variance); each side lists the terms typical of that group"
    ]
    for (ga, gb), sub in table.groupby(["group_a", "group_b"], sort=False):
        lines.append(f"{ga} vs {gb}")
        for side in (ga, gb):
            part = sub[sub["side"] == side]
            words = ", ".join(f"{t} ({abs(z):.1f})" for t, z in zip(part["term"], part["z"]))
            lines.append(f"  {side}: {words or '-'}")
    return "\n".join(lines)
