"""``divergence scale``: place documents (and groups) on one dimension with Wordfish or Wordscores."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import click
import numpy as np
import pandas as pd

from ._common import (
    Progress,
    corpus_options,
    handle_errors,
    load_corpus,
    make_vectorizer,
    output_options,
    vectorizer_options,
    write_outputs,
)


def _resolve_doc(value: str, ids: List[str]) -> Any:
    if value in ids:
        return value
    try:
        i = int(value)
    except ValueError:
        raise click.BadParameter(f"no document with id {value!r}", param_hint="--dir") from None
    if not -len(ids) <= i < len(ids):
        raise click.BadParameter(f"document index {i} outside the {len(ids)} documents", param_hint="--dir")
    return i


def render(docs: pd.DataFrame, groups: Optional[pd.DataFrame], dists: Optional[pd.DataFrame], header: str, pos: str, lo: str, hi: str) -> str:
    lines = [header, ""]
    d = docs.sort_values(pos)
    w = max(8, min(40, max(len(str(x)) for x in d["document"])))
    lines.append(f"{'document':<{w}} {'position':>9} {'interval':>21}")
    for r in d.itertuples():
        lines.append(f"{str(r.document)[:w]:<{w}} {getattr(r, pos):>9.3f} [{getattr(r, lo):>8.3f}, {getattr(r, hi):>8.3f}]")
    if groups is not None:
        g = groups.sort_values("theta")
        glo, ghi = ("boot_low", "boot_high") if "boot_low" in g.columns else ("ci_low", "ci_high")
        lines += ["", f"{'group':<{w}} {'n':>4} {'mean':>9} {'interval':>21}"]
        for r in g.itertuples():
            lines.append(f"{str(r.group)[:w]:<{w}} {r.n:>4} {r.theta:>9.3f} [{getattr(r, glo):>8.3f}, {getattr(r, ghi):>8.3f}]")
    if dists is not None and len(dists):
        dlo, dhi = ("boot_low", "boot_high") if "boot_low" in dists.columns else ("ci_low", "ci_high")
        lines += ["", "distance between group means (b - a)"]
        for r in dists.itertuples():
            lines.append(f"  {r.group_a} -> {r.group_b}: {r.distance:7.3f} [{getattr(r, dlo):.3f}, {getattr(r, dhi):.3f}]")
    return "\n".join(lines)


def draw(path: str, docs: pd.DataFrame, pos: str, lo: str, hi: str, groups_of_docs: Optional[np.ndarray], group_table: Optional[pd.DataFrame], features: Optional[pd.DataFrame]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plot import save

    ncol = 2 if features is not None else 1
    n = len(docs)
    fig, axes = plt.subplots(1, ncol, figsize=(6 * ncol, max(3.0, 0.25 * n + 1.0)), squeeze=False)
    ax = axes[0, 0]
    d = docs.sort_values(pos).reset_index(drop=True)
    y = np.arange(n)
    ax.errorbar(d[pos], y, xerr=[np.maximum(d[pos] - d[lo], 0), np.maximum(d[hi] - d[pos], 0)], fmt="o", color="black", ms=4, capsize=2)
    ax.set_yticks(y)
    ax.set_yticklabels([str(x)[:30] for x in d["document"]], fontsize=7)
    ax.set_xlabel("position")
    ax.set_title("documents (and group means)")
    if group_table is not None:
        glo, ghi = ("boot_low", "boot_high") if "boot_low" in group_table.columns else ("ci_low", "ci_high")
        for j, r in enumerate(group_table.itertuples()):
            ax.axvspan(getattr(r, glo), getattr(r, ghi), alpha=0.15, color=f"C{j % 10}", label=f"{r.group} ({r.theta:.2f})")
            ax.axvline(r.theta, color=f"C{j % 10}", lw=1)
        ax.legend(fontsize=7, loc="best")
    if features is not None:
        ax2 = axes[0, 1]
        ax2.scatter(features["beta"], features["psi"], s=4, alpha=0.4, color="gray")
        top = features.reindex(features["beta"].abs().sort_values(ascending=False).index).head(20)
        for r in top.itertuples():
            ax2.annotate(str(r.feature), (r.beta, r.psi), fontsize=6)
        ax2.set_xlabel("beta (discrimination)")
        ax2.set_ylabel("psi (frequency)")
        ax2.set_title("features")
    save(fig, path)
    plt.close(fig)


@click.command("scale")
@corpus_options
@click.option("--method", type=click.Choice(["wordfish", "wordscores"]), default="wordfish", show_default=True, help="Unsupervised Wordfish, or Wordscores from reference texts.")
@click.option("--dir", "dir_docs", nargs=2, default=None, help="Wordfish: two document ids (or 0-based indices) A B so that A's position < B's.")
@click.option("--solver", type=click.Choice(["quanteda", "converged"]), default="quanteda", show_default=True, help="Wordfish procedure: quanteda's (published numbers) or run to convergence.")
@click.option("--dispersion", type=click.Choice(["poisson", "quasipoisson"]), default="poisson", show_default=True, help="Wordfish dispersion.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=0, show_default=True, help="Wordfish parametric bootstrap replicates (intervals for documents and groups).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Bootstrap seed: same seed, same numbers, any --jobs.")
@click.option("--ci", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95, show_default=True, help="Interval coverage.")
@click.option("--ref-col", default=None, help="Wordscores: column with the reference positions (empty for texts to score).")
@click.option("--rescaling", type=click.Choice(["none", "lbg", "mv"]), default="lbg", show_default=True, help="Wordscores rescaling.")
@click.option("--smooth", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Wordscores: pseudo-count added to reference counts.")
@vectorizer_options
@output_options
@handle_errors
def scale_cmd(corpus, example, input_format, text_col, group_col, time_col, id_col, group_name,
              encoding_errors, drop_empty, strict, method, dir_docs, solver, dispersion, bootstrap,
              seed, ci, ref_col, rescaling, smooth, min_df, max_df, max_features, stop_words, ngram,
              normalize_text, fmt, output, plot, jobs, no_progress):
    """Place the documents of CORPUS on one dimension (Wordfish or Wordscores).

    Prints each document's position with its interval, group means with intervals and the
    distances between groups. Wordfish: --dir A B fixes the direction.
    Wordscores: --ref-col names the column of reference positions.
    """
    from .. import Wordfish, Wordscores

    progress = Progress(not no_progress)
    progress.step("reading the corpus")
    c = load_corpus(corpus, example, input_format=input_format, text_col=text_col, group_col=group_col,
                    time_col=time_col, id_col=id_col, group_name=group_name, encoding_errors=encoding_errors,
                    drop_empty=drop_empty, strict=strict)
    vec = make_vectorizer(min_df, max_df, max_features, stop_words, ngram, normalize_text, jobs)
    progress.step(f"tokenising {len(c)} statements")
    X = vec.fit_transform(list(c.text))
    vocab = [str(v) for v in vec.get_feature_names_out()]
    ids = [str(x) for x in c.id]
    groups = np.asarray(c.group.astype(str))
    ntok = np.asarray(X.sum(axis=1)).ravel()
    keep = np.flatnonzero(ntok > 0)
    if keep.size < len(ids):
        click.echo(f"note: dropped {len(ids) - keep.size} statement(s) with no tokens", err=True)
    X = X[keep]
    ids = [ids[i] for i in keep]
    groups = groups[keep]
    frame = c.frame.iloc[keep]
    use_groups = len(set(groups)) > 1
    tables: Dict[str, Any] = {}
    features = None
    group_table = dist_table = None
    params: Dict[str, Any] = dict(corpus=list(corpus) or ["<example>"], method=method, ci=ci, min_df=min_df,
                                  max_df=max_df, max_features=max_features, ngram=list(ngram),
                                  normalize_text=normalize_text, plot=plot, columns=c.columns)
    if method == "wordfish":
        if ref_col:
            raise click.UsageError("--ref-col applies to --method wordscores")
        dir_ab = None
        if dir_docs:
            dir_ab = tuple(_resolve_doc(v, ids) for v in dir_docs)
        progress.step(f"Wordfish on {X.shape[0]} documents x {X.shape[1]} features")
        m = Wordfish(dir=dir_ab, solver=solver, dispersion=dispersion, n_jobs=jobs, seed=seed)
        m.fit(X, doc_names=ids, feature_names=vocab, bootstrap=bootstrap)
        progress.done()
        docs = m.documents(ci)
        docs.insert(1, "group", groups)
        pos = "theta"
        lo, hi = ("boot_low", "boot_high") if bootstrap else ("ci_low", "ci_high")
        features = m.features()
        if use_groups:
            group_table = m.group_positions(groups, ci)
            dist_table = m.group_distances(groups, ci)
        header = (f"Wordfish ({solver}, {dispersion}): {X.shape[0]} documents, {X.shape[1]} features; "
                  f"{m.n_iter_} iterations, {'converged' if m.converged_ else 'NOT converged'}; "
                  f"direction {m.doc_names_[m.dir_[0]]} < {m.doc_names_[m.dir_[1]]}; intervals: "
                  + (f"parametric bootstrap ({bootstrap}, seed {seed})" if bootstrap else "Hessian standard errors"))
        params.update(dir=list(dir_docs) if dir_docs else None, solver=solver, dispersion=dispersion,
                      bootstrap=bootstrap, seed=seed)
        tables = {"documents": docs, "groups": group_table, "distances": dist_table, "features": features}
    else:
        if not ref_col:
            raise click.UsageError("--method wordscores needs --ref-col (the column of reference positions)")
        if ref_col not in frame.columns:
            raise click.BadParameter(f"no column {ref_col!r}; columns: {', '.join(map(str, c.frame.columns))}", param_hint="--ref-col")
        y = pd.to_numeric(frame[ref_col], errors="coerce").to_numpy(dtype=float)
        resc = None if rescaling == "none" else rescaling
        ws = Wordscores(smooth=smooth, rescaling=resc).fit(X, y, doc_names=ids, feature_names=vocab)
        docs = ws.scores(rescaling=resc, ci=ci)
        docs.insert(1, "group", groups)
        docs.insert(2, "reference", y)
        pos = resc or "raw"
        lo, hi = (f"{pos}_low", f"{pos}_high") if resc else ("ci_low", "ci_high")
        if use_groups:
            rows = []
            from scipy.stats import norm

            z = float(norm.ppf(0.5 + ci / 2))
            for g in sorted(set(groups)):
                sel = docs[docs["group"] == g]
                se_col = f"{pos}_se" if resc else "se"
                mean = float(sel[pos].mean())
                se = float(np.sqrt((sel[se_col] ** 2).sum()) / len(sel))
                rows.append({"group": g, "n": len(sel), "theta": mean, "se": se, "ci_low": mean - z * se, "ci_high": mean + z * se})
            group_table = pd.DataFrame(rows)
        header = (f"Wordscores ({int((~np.isnan(y)).sum())} reference texts, rescaling {rescaling}, smooth {smooth:g}): "
                  f"{X.shape[0]} documents, {int((~np.isnan(ws.wordscores_)).sum())} scored words")
        params.update(ref_col=ref_col, rescaling=rescaling, smooth=smooth)
        words = pd.DataFrame({"feature": vocab, "score": ws.wordscores_}).dropna()
        tables = {"documents": docs, "groups": group_table, "wordscores": words}

    if fmt == "table":
        if output not in (None, "-"):
            raise click.UsageError("-o/--output needs --format csv, json or parquet")
        click.echo(render(docs, group_table, dist_table, header, pos, lo, hi))
    else:
        written = write_outputs(tables, fmt, output, "scale", params, seed, c.sources, jobs)
        for p in written:
            click.echo(f"wrote {p}", err=True)
    if plot:
        draw(plot, docs, pos, lo, hi, groups, group_table, features)
        click.echo(f"wrote {plot}", err=True)
