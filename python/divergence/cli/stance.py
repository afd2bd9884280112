"""``divergence stance``: stance shares from a few hand codes plus model predictions (PPI++)."""

from __future__ import annotations

from typing import Dict, List, Optional

import click

from .. import StanceShares
from ._common import echo_notes, fmt_interval, fmt_value, handle_errors
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

_NAMES = {"ppi": "PPI++", "classical": "hand codes only", "naive": "predictions as truth"}


def render(result: StanceShares) -> str:
    """Per target: each group's shares by the three estimators side by side, then the group
    pairs' divergence, then how well the predictions agree with the hand codes."""
    s = result.settings
    ci = f"{int(round(s['ci'] * 100))}%"
    lines: List[str] = [
        f"{len(result.groups)} groups, {len(result.targets)} targets, {s['n_labelled']} of"
        f" {s['n_statements']} statements hand-coded; predictions: {s['predictions']}",
        f"shares with {ci} intervals: PPI++ (prediction-powered, power-tuned lam), hand codes"
        " only (classical), predictions taken as truth (naive: biased by the predictor's"
        " errors, intervals too narrow)",
        "assumption: the hand-coded statements are a random sample of each group x target"
        " cell; this cannot be checked from the data",
    ]
    wide = result.side_by_side()
    gw = max([5] + [len(str(g)) for g in wide["group"]])
    sw = max([6] + [len(str(x)) for x in wide["stance"]])
    for target in result.targets:
        t = wide[wide["target"] == target]
        lines.append("")
        lines.append(f"{target}")
        head = f"  {'group':<{gw}} {'stance':<{sw}} {'n':>5} {'N':>6} {'lam':>5}"
        for est in ("ppi", "classical", "naive"):
            head += f"  {_NAMES[est]:<24}"
        lines.append(head.rstrip())
        for r in t.to_dict("records"):
            row = f"  {r['group']:<{gw}} {r['stance']:<{sw}} {r['n_labelled']:>5} "
            row += f"{r['n_unlabelled']:>6} {fmt_value(r['lam'], 2):>5}"
            if r["status"] != "ok":
                lines.append(row + f"  {r['status']}")
                continue
            for est in ("ppi", "classical", "naive"):
                cell = f"{fmt_value(r[est])} {fmt_interval(r[est + '_low'], r[est + '_high'])}"
                row += f"  {cell:<24}"
            lines.append(row.rstrip())
        d = result.divergence
        d = d[(d["target"] == target) & d["metric"].isin(["jsd", "tv"])]
        if len(d):
            lines.append(
                f"  between groups (PPI++ shares; jsd in {s['units']}; {ci}"
                f" {s['ci_method']} bootstrap, permutation p):"
            )
            for (ga, gb), sub in d.groupby(["group_a", "group_b"], sort=False):
                parts = [
                    f"{m} {fmt_value(v)} {fmt_interval(lo, hi)} p={fmt_value(p, 3)}"
                    for m, v, lo, hi, p in zip(
                        sub["metric"], sub["value"], sub["ci_low"], sub["ci_high"], sub["p_value"]
                    )
                ]
                lines.append(f"    {ga} vs {gb}: " + "; ".join(parts))
        a = result.agreement[result.agreement["target"] == target]
        agree = ", ".join(
            f"{g} {fmt_value(acc, 2)}/{fmt_value(k, 2)}/{fmt_value(al, 2)} (n={n})"
            for g, acc, k, al, n in zip(
                a["group"], a["accuracy"], a["kappa"], a["alpha"], a["n_labelled"]
            )
        )
        lines.append(f"  predictions vs hand codes (accuracy/kappa/alpha): {agree}")
    return "\n".join(lines)


@click.command("stance")
@corpus_options
@click.option(
    "--stance-col",
    default="stance",
    show_default=True,
    help="Hand-coded stances; empty for statements not hand-coded.",
)
@click.option(
    "--target-col",
    default=None,
    help="What each stance is about (every statement needs one; --example: 'target').",
)
@click.option("--pred-col", default=None, help="Predicted stance labels (any model), every row.")
@click.option(
    "--prob-cols",
    default=None,
    help="Predicted class probabilities: STANCE=COLUMN,... (or COLUMN,... named by stance).",
)
@click.option(
    "--folds",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Without --pred-col/--prob-cols: cross-fitting folds of the built-in classifier.",
)
@click.option(
    "--min-labels",
    type=click.IntRange(min=2),
    default=10,
    show_default=True,
    help="Hand codes a group x target cell needs for an estimate.",
)
@click.option(
    "--pooled",
    is_flag=True,
    help="One group for every statement (shares per target); --example sets it.",
)
@replicate_options()
@vectorizer_options
@output_options
@handle_errors
def stance_cmd(
    corpus: CorpusSpec,
    stance_col: str,
    target_col: Optional[str],
    pred_col: Optional[str],
    prob_cols: Optional[str],
    folds: int,
    min_labels: int,
    pooled: bool,
    replicates: Replicates,
    vectorizer: VectorizerSpec,
    out: Outputs,
) -> None:
    """Stance shares per group and target from hand codes on a random subset of CORPUS plus
    predictions on every statement: prediction-powered (PPI++) intervals beside the hand-codes
    only and the predictions-only estimates, group divergence, and the predictions' agreement
    with the hand codes.

    --example: the bundled example with hand codes kept for a random third of its statements,
    shares per target over all parties (too few hand codes for party x target cells).
    """
    from .. import partial_coding_example, stance_shares

    progress = out.progress()
    out.check()
    probs: Optional[Dict[str, str]] = None
    if prob_cols is not None:
        probs = {}
        for part in prob_cols.split(","):
            if not part.strip():
                continue
            label, _, col = part.partition("=")
            probs[label.strip()] = (col or label).strip()
        if not probs:
            raise click.BadParameter("no columns given", param_hint="--prob-cols")
    progress.step("reading the corpus")
    if corpus.example:
        if corpus.paths:
            raise click.UsageError("give CORPUS files or --example, not both")
        c = partial_coding_example()
        target_col = target_col or "target"
        pooled = True
    else:
        c = corpus.load()
    progress.step("predicting and estimating")
    result = stance_shares(
        c,
        stance_col,
        target_col,
        pooled=pooled,
        pred_col=pred_col,
        prob_cols=probs,
        folds=folds,
        vectorizer=vectorizer.make(out.jobs),
        min_labels=min_labels,
        **replicates.kwargs(),
    )
    progress.done()
    echo_notes([n for n in result.notes if not n.startswith("assumption:")])
    tables = {
        "shares": result.table,
        "divergence": result.divergence,
        "agreement": result.agreement,
        "confusion": result.confusion,
    }
    params = dict(
        corpus=corpus.names,
        stance_col=stance_col,
        target_col=target_col,
        pred_col=pred_col,
        prob_cols=probs,
        folds=folds,
        min_labels=min_labels,
        pooled=pooled,
        **replicates.manifest(),
        **vectorizer.manifest(),
        plot=out.plot,
        columns=c.columns,
    )
    resolved: Dict[str, object] = dict(
        columns=c.columns, predictions=result.settings["predictions"]
    )
    out.emit(
        lambda: render(result),
        tables,
        "stance",
        params,
        result.settings["seed"],
        c.sources,
        vectorizer=vectorizer if pred_col is None and probs is None else None,
        resolved=resolved,
    )
    from ..plot import plot_stance_shares

    out.draw(lambda path: plot_stance_shares(result, path))
