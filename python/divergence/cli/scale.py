"""``divergence scale``: place documents (and groups) on one dimension with Wordfish or
Wordscores."""

from __future__ import annotations

import warnings
from typing import Dict, List, Optional, Tuple, Union

import click
import numpy as np
import pandas as pd

from ._common import Failure, echo_notes, handle_errors
from ._options import (
    CorpusSpec,
    Outputs,
    Replicates,
    VectorizerSpec,
    corpus_options,
    output_options,
    replicate_options,
    vectorizer_options,
)


def _resolve_doc(value: str, ids: List[str]) -> Union[str, int]:
    if value in ids:
        return value
    try:
        i = int(value)
    except ValueError:
        raise click.BadParameter(f"no document with id {value!r}", param_hint="--dir") from None
    if not -len(ids) <= i < len(ids):
        raise click.BadParameter(
            f"document index {i} outside the {len(ids)} documents", param_hint="--dir"
        )
    return i


def _fit_status(converged: bool, n_iter: int, solver: str) -> str:
    if not converged:
        return "NOT converged"
    if solver == "quanteda" and n_iter <= 2:
        return "stopped early (the log-posterior fell; see the note)"
    return "converged"


def _doc_label(names: List[str], groups: List[str], i: int, use_groups: bool) -> str:
    return f"{names[i]} ({groups[i]})" if use_groups else str(names[i])


def render(
    docs: pd.DataFrame,
    groups: Optional[pd.DataFrame],
    dists: Optional[pd.DataFrame],
    header: str,
    pos: str,
    lo: str,
    hi: str,
) -> str:
    lines = [header, ""]
    d = docs.sort_values(pos)
    w = max(8, min(40, max(len(str(x)) for x in d["document"])))
    lines.append(f"{'document':<{w}} {'position':>9} {'interval':>21}")
    for r in d.itertuples():
        lines.append(
            f"{str(r.document)[:w]:<{w}} {getattr(r, pos):>9.3f}"
            f" [{getattr(r, lo):>8.3f}, {getattr(r, hi):>8.3f}]"
        )
    if groups is not None:
        g = groups.sort_values("theta")
        glo, ghi = ("boot_low", "boot_high") if "boot_low" in g.columns else ("ci_low", "ci_high")
        lines += ["", f"{'group':<{w}} {'n':>4} {'mean':>9} {'interval':>21}"]
        for r in g.itertuples():
            lines.append(
                f"{str(r.group)[:w]:<{w}} {r.n:>4} {r.theta:>9.3f}"
                f" [{getattr(r, glo):>8.3f}, {getattr(r, ghi):>8.3f}]"
            )
    if dists is not None and len(dists):
        dlo, dhi = (
            ("boot_low", "boot_high") if "boot_low" in dists.columns else ("ci_low", "ci_high")
        )
        lines += ["", "distance between group means (b - a)"]
        for r in dists.itertuples():
            lines.append(
                f"  {r.group_a} -> {r.group_b}: {r.distance:7.3f}"
                f" [{getattr(r, dlo):.3f}, {getattr(r, dhi):.3f}]"
            )
    return "\n".join(lines)


@click.command("scale")
@corpus_options
@click.option(
    "--method",
    type=click.Choice(["wordfish", "wordscores"]),
    default="wordfish",
    show_default=True,
    help="Unsupervised Wordfish, or Wordscores from reference texts.",
)
@click.option(
    "--dir",
    "dir_docs",
    nargs=2,
    default=None,
    help="Wordfish: two document ids (or 0-based indices) A B so that A's position < B's.",
)
@click.option(
    "--solver",
    type=click.Choice(["quanteda", "converged"]),
    default="quanteda",
    show_default=True,
    help="Wordfish procedure: quanteda's (published numbers) or run to convergence.",
)
@click.option(
    "--dispersion",
    type=click.Choice(["poisson", "quasipoisson"]),
    default="poisson",
    show_default=True,
    help="Wordfish dispersion.",
)
@replicate_options(
    "bootstrap",
    "seed",
    "ci",
    bootstrap=dict(
        default=0,
        help="Wordfish parametric bootstrap replicates (intervals for documents and groups).",
    ),
    seed=dict(help="Bootstrap seed: same seed, same numbers, any --jobs."),
)
@click.option(
    "--ref-col",
    default=None,
    help="Wordscores: column with the reference positions (empty for texts to score).",
)
@click.option(
    "--rescaling",
    type=click.Choice(["none", "lbg", "mv"]),
    default="lbg",
    show_default=True,
    help="Wordscores rescaling.",
)
@click.option(
    "--smooth",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Wordscores: pseudo-count added to reference counts.",
)
@vectorizer_options
@output_options
@handle_errors
def scale_cmd(
    corpus: CorpusSpec,
    method: str,
    dir_docs: Optional[Tuple[str, str]],
    solver: str,
    dispersion: str,
    replicates: Replicates,
    ref_col: Optional[str],
    rescaling: str,
    smooth: float,
    vectorizer: VectorizerSpec,
    out: Outputs,
) -> None:
    """Place the documents of CORPUS on one dimension (Wordfish or Wordscores).

    Prints each document's position with its interval, group means with intervals and the
    distances between groups. Wordfish: --dir A B fixes the direction.
    Wordscores: --ref-col names the column of reference positions.
    """
    from .. import ScalingCounts, Wordfish, Wordscores

    progress = out.progress()
    progress.step("reading the corpus")
    c = corpus.load()
    progress.step(f"tokenising {len(c)} statements")
    data = ScalingCounts.from_corpus(c, vectorizer.make(out.jobs))
    echo_notes(data.notes)
    X, ids, group_list = data.counts, data.documents, data.groups
    use_groups = data.n_groups > 1
    rep = replicates
    tables: Dict[str, Optional[pd.DataFrame]] = {}
    features = None
    group_table = dist_table = None
    fitted: Dict[str, object] = {}  # what the manifest records as resolved
    params: Dict[str, object] = dict(
        corpus=corpus.names,
        method=method,
        ci=rep.ci,
        **vectorizer.manifest(),
        plot=out.plot,
        columns=c.columns,
    )
    if method == "wordfish":
        if ref_col:
            raise click.UsageError("--ref-col applies to --method wordscores")
        dir_ab: Optional[Tuple[Union[str, int], Union[str, int]]] = None
        if dir_docs:
            dir_ab = (_resolve_doc(dir_docs[0], ids), _resolve_doc(dir_docs[1], ids))
        elif use_groups:
            dir_ab = data.default_dir()
        progress.step(f"Wordfish on {X.shape[0]} documents x {X.shape[1]} features")
        m = Wordfish(
            dir=dir_ab, solver=solver, dispersion=dispersion, n_jobs=out.jobs, seed=rep.seed
        )
        # The library's warnings in our words: one note each on stderr, no Python source line.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                m.fit(X, doc_names=ids, feature_names=data.features, bootstrap=rep.bootstrap)
            except FloatingPointError as e:
                raise Failure(str(e)) from e
        echo_notes(
            [
                str(w.message).replace(
                    "solver='converged' (--solver converged)", "--solver converged"
                )
                for w in caught
            ]
        )
        if not dir_docs:
            a, b = m.dir_
            echo_notes(
                [
                    f"direction: {_doc_label(ids, group_list, a, use_groups)} < "
                    f"{_doc_label(ids, group_list, b, use_groups)}"
                    + (" (the first documents of two groups)" if use_groups else "")
                    + "; --dir A B chooses it"
                ]
            )
        fitted = dict(
            solver=solver,
            dispersion=dispersion,
            n_iter=int(m.n_iter_),
            converged=bool(m.converged_),
            direction=[str(m.doc_names_[m.dir_[0]]), str(m.doc_names_[m.dir_[1]])],
        )
        progress.done()
        docs = m.documents(rep.ci)
        docs.insert(1, "group", group_list)
        pos = "theta"
        lo, hi = ("boot_low", "boot_high") if rep.bootstrap else ("ci_low", "ci_high")
        features = m.features()
        if use_groups:
            group_table = m.group_positions(group_list, rep.ci)
            dist_table = m.group_distances(group_list, rep.ci)
        header = (
            f"Wordfish ({solver}, {dispersion}): {X.shape[0]} documents, {X.shape[1]} features; "
            f"{m.n_iter_} iteration(s), {_fit_status(m.converged_, m.n_iter_, solver)}; "
            f"direction {_doc_label(m.doc_names_, group_list, m.dir_[0], use_groups)} < "
            f"{_doc_label(m.doc_names_, group_list, m.dir_[1], use_groups)}; intervals: "
            + (
                f"parametric bootstrap ({rep.bootstrap}, seed {rep.seed})"
                if rep.bootstrap
                else "Hessian standard errors"
            )
        )
        params.update(
            dir=list(dir_docs) if dir_docs else None,
            solver=solver,
            dispersion=dispersion,
            bootstrap=rep.bootstrap,
            seed=rep.seed,
        )
        tables = {
            "documents": docs,
            "groups": group_table,
            "distances": dist_table,
            "features": features,
        }
    else:
        if not ref_col:
            raise click.UsageError(
                "--method wordscores needs --ref-col (the column of reference positions)"
            )
        if ref_col not in c.frame.columns:
            raise click.BadParameter(
                f"no column {ref_col!r}; columns: {', '.join(map(str, c.frame.columns))}",
                param_hint="--ref-col",
            )
        y = data.reference(ref_col)
        resc = None if rescaling == "none" else rescaling
        ws = Wordscores(smooth=smooth, rescaling=resc).fit(
            X, y, doc_names=ids, feature_names=data.features
        )
        docs = ws.scores(rescaling=resc, ci=rep.ci)
        docs.insert(1, "group", group_list)
        docs.insert(2, "reference", y)
        pos = resc or "raw"
        lo, hi = (f"{pos}_low", f"{pos}_high") if resc else ("ci_low", "ci_high")
        if use_groups:
            group_table = ws.group_positions(group_list, rep.ci, rescaling=resc)
        header = (
            f"Wordscores ({int((~np.isnan(y)).sum())} reference texts, rescaling {rescaling},"
            f" smooth {smooth:g}): "
            f"{X.shape[0]} documents, {int((~np.isnan(ws.wordscores_)).sum())} scored words"
        )
        params.update(ref_col=ref_col, rescaling=rescaling, smooth=smooth)
        fitted = dict(rescaling=resc, smooth=smooth, n_reference=int((~np.isnan(y)).sum()))
        words = pd.DataFrame({"feature": data.features, "score": ws.wordscores_}).dropna()
        tables = {"documents": docs, "groups": group_table, "wordscores": words}

    out.emit(
        lambda: render(docs, group_table, dist_table, header, pos, lo, hi),
        tables,
        "scale",
        params,
        rep.seed,
        c.sources,
        vectorizer=vectorizer,
        resolved=dict(columns=c.columns, n_features=X.shape[1], **fitted),
    )
    from ..plot import scaling_plot

    out.draw(
        lambda path: scaling_plot(
            docs, path, position=pos, interval=(lo, hi), groups=group_table, features=features
        )
    )
