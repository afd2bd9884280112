"""``divergence report``: every analysis of a corpus in one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import click

from ._common import check_metrics, echo_notes, given_options, handle_errors
from ._options import (
    CorpusSpec,
    Replicates,
    VectorizerSpec,
    corpus_options,
    replicate_options,
    vectorizer_options,
)


@click.command("report")
@corpus_options
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The HTML file to write; FILE.manifest.json is written beside it.",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    default=("jsd",),
    show_default=True,
    help="Metric(s) of the summary (repeat or comma-separate).",
)
@replicate_options()
@click.option(
    "--top-terms",
    type=click.IntRange(min=2),
    default=2000,
    show_default=True,
    help="Terms per pair in the explorer (the most distinguishing, half per side); with more"
    " than 4 groups the pairs share 10 times this many.",
)
@click.option(
    "--per-term",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Statements embedded per term and group (a sample drawn with --seed); with K > 4"
    " groups max(1, 4 x this // K).",
)
@click.option(
    "--context",
    type=click.IntRange(min=10),
    default=80,
    show_default=True,
    help="Characters kept either side of the term in an embedded statement.",
)
@click.option(
    "--speaker-col",
    default="speaker",
    show_default=True,
    help="Column shown as the speaker of a statement (ignored when absent).",
)
@click.option("--stance-col", default=None, help="Add stances per target (--example: 'stance').")
@click.option("--target-col", default=None, help="With --stance-col: what each stance is about.")
@click.option(
    "--drift/--no-drift",
    default=None,
    help="Drift over time between groups (default: when the corpus has a time column).",
)
@click.option("--window", default=None, help="Drift window (90D, 6M, ...; default: span / 6).")
@click.option("--step", default=None, help="Drift step (default: half the default window).")
@click.option(
    "--topics", type=click.IntRange(min=2), default=None, help="Add a topics section: K topics."
)
@click.option(
    "--scale",
    type=click.Choice(["wordfish", "wordscores"]),
    default=None,
    help="Add positions by group (wordscores needs --ref-col).",
)
@click.option("--ref-col", default=None, help="Wordscores: column of reference positions.")
@click.option("--title", default=None, help="Title of the page.")
@vectorizer_options
@click.option("-j", "--jobs", type=int, default=None, help="Threads (default: all usable CPUs).")
@click.option("--no-progress", is_flag=True, help="No progress messages on stderr.")
@handle_errors
def report_cmd(
    corpus: CorpusSpec,
    output: str,
    metrics: Tuple[str, ...],
    replicates: Replicates,
    top_terms: int,
    per_term: int,
    context: int,
    speaker_col: str,
    stance_col: Optional[str],
    target_col: Optional[str],
    drift: Optional[bool],
    window: Optional[str],
    step: Optional[str],
    topics: Optional[int],
    scale: Optional[str],
    ref_col: Optional[str],
    title: Optional[str],
    vectorizer: VectorizerSpec,
    jobs: Optional[int],
    no_progress: bool,
) -> None:
    """Write a self-contained HTML report on CORPUS: summary, term explorer (any pair, or a
    group against the rest), and drift, stances, topics and positions when asked or present.

    One file, no network: it opens offline from disk in any browser. Try:
    divergence report --example -o report.html
    """
    from .. import report
    from .._output import manifest_path, same_file

    metric_list = check_metrics(metrics)
    if scale == "wordscores" and not ref_col:
        raise click.UsageError("--scale wordscores needs --ref-col")
    out = Path(output)
    for p in corpus.paths:
        for target in (out, manifest_path(out)):
            if p != "-" and same_file(p, target):
                raise click.UsageError(
                    f"output {target} is the input {p}; refusing to overwrite an input"
                )
    c = corpus.load()
    c.require_groups(2)
    if corpus.example and stance_col is None and "stance" in c.frame.columns:
        stance_col = "stance"
        target_col = target_col or ("target" if "target" in c.frame.columns else None)
    if not no_progress:
        click.echo(f"... report on {len(c)} statements", err=True)
    res = report(
        c,
        metric=metric_list,
        **replicates.kwargs(),
        n_jobs=jobs,
        vectorizer=vectorizer.make(jobs),
        top_terms=top_terms,
        per_group=per_term,
        context=context,
        speaker_col=speaker_col,
        stance_col=stance_col,
        target_col=target_col,
        drift=drift,
        window=window,
        step=step,
        topics=topics,
        scale=scale,
        ref_col=ref_col,
        title=title,
    )
    echo_notes(res.notes)
    res.write(
        out,
        sources=c.sources,
        protect=[p for p in corpus.paths if p != "-"],
        options=given_options(),
        resolved={**vectorizer.resolved(), "columns": c.columns},
    )
    click.echo(f"wrote {out}", err=True)
    click.echo(f"wrote {manifest_path(out)}", err=True)
