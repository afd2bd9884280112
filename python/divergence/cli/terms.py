"""``divergence terms``: the words that distinguish groups."""

from __future__ import annotations

import click
import pandas as pd

from ._common import handle_errors
from ._options import (
    CorpusSpec,
    Outputs,
    VectorizerSpec,
    corpus_options,
    output_options,
    term_options,
    vectorizer_options,
)


@click.command("terms")
@corpus_options
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
@vectorizer_options
@output_options
@handle_errors
def terms_cmd(
    corpus: CorpusSpec,
    top: int,
    pairs: str,
    prior: float,
    variance: str,
    min_count: int,
    vectorizer: VectorizerSpec,
    out: Outputs,
) -> None:
    """Distinguishing terms between groups: log-odds with an informative Dirichlet prior
    (Monroe, Colaresi and Quinn 2008), z-scores, counts and each term's share of the JSD."""
    from .. import distinguishing_terms

    out.check(plot_supported=False)  # before any work
    progress = out.progress()
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
    progress.done()
    params = dict(
        corpus=corpus.names,
        top=top,
        pairs=pairs,
        prior=prior,
        variance=variance,
        min_count=min_count,
    )
    out.emit(
        lambda: render(table, prior, variance), {"terms": table}, "terms", params, None, c.sources
    )


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
