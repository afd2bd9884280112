"""One self-contained HTML page with every analysis of a corpus: :func:`report`.

The page (see ``_util/htmlpage.py``) opens offline from disk: inline CSS and a small
hand-written script, no request of any kind (a Content-Security-Policy forbids them). Sections,
each present when its data is:

- Summary: groups and sizes, the divergence matrix, every pair's estimate, interval, null mean,
  excess and p-value (the columns of :func:`divergence.compare`'s table, read by name), the
  parameters and the manifest (version, seed, input checksums). Static HTML: readable with
  JavaScript off.
- Term explorer (needs JavaScript): for any pair of groups, or a group against the rest, terms
  placed by their frequency on the two sides (rank or log scale), coloured by log-odds z (the
  informative-Dirichlet log-odds of :func:`divergence.distinguishing_terms`); hover shows counts,
  z and the term's JSD contribution; a search box finds a term; clicking a term lists statements
  that use it, the term marked in context, with group, speaker and date.
- Drift over time (a time column): between-group divergence per window with bootstrap bands and
  change points (:func:`divergence.drift`, :func:`divergence.drift_changepoints`).
- Stances per target (``stance_col``), topics (``topics=K``: prevalence by group with intervals,
  top words) and positions (``scale="wordfish"`` or ``"wordscores"``) with intervals.

Size caps that hold at scale: at most ``top_terms`` terms per pair (the most distinguishing:
half for each side), at most ``per_group`` statements per term and group (a sample drawn with
``seed``), each cut to ``context`` characters either side of the term. With more than four
groups the page shares a fixed budget instead of growing with the number of pairs
(:func:`page_budget`): the terms of all pairs together are at most ``10 * top_terms`` (what
four groups' 6 pairs and 4 "against the rest" get), and the statements per term and group
shrink to ``max(1, 4 * per_group // K)``. Measured: 200,000 synthetic statements in 12 groups
(78 pairs) gave a 25.5 MB page with 2000 terms per pair and 3 statements per group; with the
budget (256 terms per pair, 1 statement per group) about 3 MB.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._compare import Comparison, compare
from ._corpus import Corpus
from ._output import OutputSet, manifest_path
from ._terms import terms_from_group_counts
from ._util.groups import group_sums
from ._util.htmlpage import (
    PALETTE,
    explorer_html,
    render_page,
    svg_intervals,
    svg_series,
    table_html,
)
from ._util.operands import as_csr
from ._util.replicates import CI_METHOD_TEXT, DEFAULT_CI_METHOD
from ._util.summary import Brief, SummarisedResult, interval_text, names_text, number_text
from ._util.types import Progress, Seed, VectorizerLike
from ._util.validation import check_choice, check_count, check_int, resolve_n_jobs, seed_value
from ._util.version import VERSION

__all__ = ["Report", "report"]

PathLike = Union[str, Path]


@dataclass(repr=False)
class Report(SummarisedResult):
    """Result of :func:`report`: the analyses (``comparison``, ``drift``, ``changepoints``,
    ``stances``, ``topics``, ``positions``: None where not run), the explorer's data
    (``data``), the page's static ``sections`` and ``settings``. :meth:`to_html` gives the page,
    :meth:`write` writes it with its manifest.

    Examples
    --------
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> rep = dv.report(corpus, bootstrap=10, permutations=10, drift=False)
    >>> rep.comparison.metrics, rep.drift is None, [s[0] for s in rep.sections]
    (['jsd'], True, ['summary', 'terms'])
    >>> rep.to_html().startswith("<!DOCTYPE html>")
    True
    """

    title: str
    comparison: Comparison
    data: Dict[str, Any]
    sections: List[Tuple[str, str, str]]
    settings: Dict[str, Any]
    drift: Optional[pd.DataFrame] = None
    changepoints: Optional[pd.DataFrame] = None
    stances: Any = None
    topics: Any = None
    positions: Optional[pd.DataFrame] = None
    notes: List[str] = field(default_factory=list)

    def to_html(self) -> str:
        """The whole page as text (UTF-8 when written)."""
        return render_page(self.title, self.sections, self.data)

    def write(
        self,
        path: PathLike,
        *,
        sources: Optional[Sequence[Any]] = None,
        protect: Sequence[PathLike] = (),
        options: Optional[Dict[str, Any]] = None,
        resolved: Optional[Dict[str, Any]] = None,
    ) -> Path:
        """Write the page to ``path`` and ``path.manifest.json`` beside it, atomically (both or
        neither; see :class:`divergence._output.OutputSet`); ``sources`` (default: the
        corpus's) are recorded in the manifest, and ``options`` / ``resolved`` (a command
        line's options as given and what they resolved to) when given; a ``path`` that is one
        of ``protect`` (the inputs) is refused with ValueError. Returns ``path``."""
        dest = Path(path)
        with OutputSet(protect) as out:
            out.add(dest, self.to_html().encode("utf-8"))
            out.manifest(
                manifest_path(dest),
                "report",
                {k: v for k, v in self.settings.items() if k != "sources"},
                seed=self.settings.get("seed"),
                sources=sources if sources is not None else self.settings.get("sources", []),
                n_jobs=self.settings.get("n_jobs"),
                options=options,
                resolved=resolved,
            )
        return dest

    def _summary(self) -> Brief:
        names = [s[1] for s in self.sections]
        return Brief(
            f"Report: {self.title}",
            [
                ("groups", names_text(self.comparison.groups)),
                ("sections", ", ".join(names)),
                ("terms", f"{len(self.data.get('vocab', []))} in the explorer"),
                ("statements", f"{len(self.data.get('st', []))} embedded"),
            ],
            more="The page: .to_html(), or .write(path) (with its manifest).",
        )


def _sig(v: float, digits: int = 3) -> Optional[float]:
    """A float cut to ``digits`` significant digits for the page (None for NaN/inf)."""
    if v is None or not math.isfinite(v):
        return None
    return float(f"{v:.{digits}g}")


def _when(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.isoformat()
    return str(v)


def _term_pattern(term: str) -> re.Pattern[str]:
    words = term.split()
    return re.compile(
        r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE
    )


def _u16(s: str) -> int:
    """Length of ``s`` in UTF-16 code units (JavaScript's string offsets)."""
    return len(s.encode("utf-16-le")) // 2


_WORD = re.compile(r"\w+")


def _hit(text: str, term: str, pattern: Optional[re.Pattern[str]]) -> Tuple[int, int]:
    """(start, end) of the term's first use in ``text`` (code points), or (-1, -1); a one-word
    term is matched word by word (no pattern to compile), an n-gram by its ``pattern``."""
    if pattern is None:
        for m in _WORD.finditer(text):
            if m.group().lower() == term:
                return m.start(), m.end()
        return -1, -1
    found = pattern.search(text)
    return (found.start(), found.end()) if found else (-1, -1)


def _snippet(text: str, a: int, b: int, context: int) -> Tuple[int, int, str]:
    """(hit start in the snippet, hit length, both in UTF-16 units, the snippet): ``context``
    characters either side of the hit ``text[a:b]`` (a = -1: none), cut with an ellipsis."""
    if a < 0:
        cut = text[: 2 * context]
        return -1, 0, cut + ("\u2026" if len(text) > len(cut) else "")
    lo, hi = max(0, a - context), min(len(text), b + context)
    pre = "\u2026" if lo > 0 else ""
    post = "\u2026" if hi < len(text) else ""
    return _u16(pre + text[lo:a]), _u16(text[a:b]), pre + text[lo:hi] + post


#: Pairs that get the full ``top_terms`` (four groups: 6 pairs and 4 "against the rest").
BUDGET_PAIRS = 10
#: Groups that get the full ``per_group`` statements per term.
BUDGET_GROUPS = 4


def page_budget(n_groups: int, top_terms: int, per_group: int) -> Tuple[int, int]:
    """(terms per pair, statements per term and group) for a page of ``n_groups`` groups:
    ``top_terms`` and ``per_group`` up to four groups; beyond, the pairs share
    ``BUDGET_PAIRS * top_terms`` terms (at least 2 each) and the groups ``BUDGET_GROUPS *
    per_group`` statements per term (at least 1 each while ``per_group`` > 0), so that the
    page's size does not grow with the number of pairs."""
    K = int(n_groups)
    n_pairs = K * (K - 1) // 2 + (K if K >= 3 else 0)
    terms = top_terms if n_pairs <= BUDGET_PAIRS else max(2, BUDGET_PAIRS * top_terms // n_pairs)
    per = per_group
    if K > BUDGET_GROUPS and per_group > 0:
        per = max(1, BUDGET_GROUPS * per_group // K)
    return terms, per


def _pair_terms(
    G: np.ndarray,
    names: List[str],
    vocab: List[str],
    top_terms: int,
    prior: float,
    variance: str,
) -> List[Dict[str, Any]]:
    """The explorer's pairs: every pair, then each group against the rest; for each, the
    ``top_terms`` most distinguishing terms (vocabulary index, counts, z, JSD contribution)."""
    pos = {t: i for i, t in enumerate(vocab)}
    half = max(1, top_terms // 2)
    out: List[Dict[str, Any]] = []
    totals = G.sum(axis=1)
    code = {g: i for i, g in enumerate(names)}
    for how in ("all", "rest"):
        if how == "rest" and len(names) < 3:
            continue  # with two groups, "a vs rest" is the pair itself
        tt = terms_from_group_counts(
            G, names, vocab, pairs=how, top=half, alpha0=prior, variance=variance
        )
        if not len(tt):
            continue
        for (ga, gb), sub in tt.groupby(["group_a", "group_b"], sort=False):
            a = code[str(ga)]
            b = -1 if how == "rest" else code[str(gb)]
            nb = float(totals.sum() - totals[a]) if b < 0 else float(totals[b])
            out.append(
                {
                    "label": f"{ga} vs {'the rest' if b < 0 else gb}",
                    "a": a,
                    "b": b,
                    "na": float(totals[a]),
                    "nb": nb,
                    "t": [pos[str(t)] for t in sub["term"]],
                    "ca": [int(x) for x in sub["count_a"]],
                    "cb": [int(x) for x in sub["count_b"]],
                    "z": [round(float(x), 2) for x in sub["z"]],
                    "j": [_sig(float(x), 2) or 0.0 for x in sub["jsd_contribution"]],
                }
            )
    return out


def _kwic(
    X: sp.csr_matrix,
    codes: np.ndarray,
    terms: np.ndarray,
    vocab: List[str],
    texts: Sequence[str],
    per_group: int,
    context: int,
    seed: int,
) -> Tuple[Dict[str, Any], List[List[Any]], Dict[str, int]]:
    """For each term of ``terms`` (vocabulary indices), up to ``per_group`` statements of each
    group that use it (a random sample: rows visited in one seeded random order), as
    ``[statement, hit start, hit length]`` (UTF-16 offsets into the statement's text) when
    the statement is short (at most ``8 * context`` characters: its whole text is embedded once,
    as the fifth item of its ``meta`` row), else ``[statement, hit start, hit length,
    snippet]``; the rows of the statements used, each once (the fifth item: its text, when
    short, else None); and how many statements use each term."""
    short = 8 * context
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)  # row perm[i] is visited i-th
    Xp = X[perm].tocsc()
    Xp.sum_duplicates()  # one entry per (statement, term), indices sorted
    codes_p = codes[perm]
    kw: Dict[str, Any] = {}
    used: Dict[str, int] = {}
    st_index: Dict[int, int] = {}
    st: List[List[Any]] = []
    for v in terms:
        rows = Xp.indices[Xp.indptr[v] : Xp.indptr[v + 1]]
        used[str(int(v))] = int(rows.size)
        if not rows.size:
            continue
        g = codes_p[rows]
        order = np.argsort(g, kind="stable")  # by group, random order kept within each
        gs = g[order]
        starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
        ends = np.r_[starts[1:], gs.size]
        pick = np.concatenate([order[s : min(s + per_group, e)] for s, e in zip(starts, ends)])
        entries: List[List[Any]] = []
        term = vocab[v]
        pattern = _term_pattern(term) if " " in term else None
        for r in np.sort(pick):  # visiting order: the seeded sample
            row = int(perm[rows[r]])
            text = texts[row]
            a, b = _hit(text, term, pattern)
            if row not in st_index:
                st_index[row] = len(st)
                st.append([row, text if len(text) <= short else None])
            if len(text) <= short:
                entries.append([st_index[row], _u16(text[:a]) if a >= 0 else -1, _u16(text[a:b])])
            else:
                entries.append([st_index[row], *_snippet(text, a, b, context)])
        kw[str(int(v))] = entries
    return kw, st, used


def _statement_rows(
    corpus: Corpus, used: List[List[Any]], codes: np.ndarray, speaker_col: Optional[str]
) -> List[List[Any]]:
    """The page's statement rows: group (index), date, speaker, id and, when short, the text,
    for the ``used`` [row, text or None] pairs of :func:`_kwic` (formatted in one go)."""
    rows = np.array([u[0] for u in used], dtype=np.int64)
    n = rows.size
    if corpus.has_time and n:
        t = corpus.time.iloc[rows]
        if pd.api.types.is_datetime64_any_dtype(t):
            whole_days = bool((t.dropna() == t.dropna().dt.normalize()).all())
            dates = t.dt.strftime("%Y-%m-%d" if whole_days else "%Y-%m-%dT%H:%M:%S").fillna("")
        else:
            dates = t.map(_when)
        date_list = [str(d) for d in dates]
    else:
        date_list = [""] * n
    if speaker_col is not None and n:
        spk = corpus.frame[speaker_col].iloc[rows]
        speakers = ["" if pd.isna(v) else str(v) for v in spk]
    else:
        speakers = [""] * n
    ids = [str(v) for v in corpus.id.iloc[rows]] if n else []
    out: List[List[Any]] = []
    for i, (row, text) in enumerate(used):
        r: List[Any] = [int(codes[row]), date_list[i], speakers[i], ids[i]]
        if text is not None:
            r.append(text)
        out.append(r)
    return out


def stop_words_text(stop_words: Any) -> str:
    """What a vectorizer's ``stop_words`` removes, for the page's parameters: ``english
    (scikit-learn list, 318 words removed)``, ``none removed`` or ``a list of N words``."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if stop_words is None:
        return "none removed"
    words = set(ENGLISH_STOP_WORDS) if isinstance(stop_words, str) else set(stop_words)
    if words == set(ENGLISH_STOP_WORDS):
        return f"english (scikit-learn list, {len(words)} words removed)"
    return f"a list of {len(words)} words removed" if words else "none removed"


def _summary_section(
    cmp: Comparison, settings: Dict[str, Any], sources: List[Dict[str, Any]]
) -> str:
    t = cmp.table
    out: List[str] = []
    sizes: Dict[str, Tuple[Any, Any]] = {}
    for r in t.to_dict("records"):
        sizes.setdefault(str(r["group_a"]), (r.get("n_a"), r.get("tokens_a")))
        sizes.setdefault(str(r["group_b"]), (r.get("n_b"), r.get("tokens_b")))
    out.append(
        table_html(
            ["group", "statements", "tokens"],
            [
                [
                    g,
                    number_text(sizes.get(g, ("-", "-"))[0]),
                    number_text(sizes.get(g, ("-", "-"))[1]),
                ]
                for g in cmp.groups
            ],
            "Groups",
        )
    )
    units = settings.get("units", "nats")
    for m in cmp.metrics:
        M = cmp.matrix(m)
        rows = [
            [g] + ["." if i == j else number_text(M.iloc[i, j]) for j in range(len(cmp.groups))]
            for i, g in enumerate(cmp.groups)
        ]
        out.append(table_html(["", *cmp.groups], rows, f"{m} ({units}), rows vs columns"))
        sub = t[t["metric"] == m]
        # the bias-corrected estimate the interval belongs to, and why an interval is missing,
        # where the table has them
        extra = [c for c in ("corrected", "estimate") if c in sub.columns]
        notes = "ci_note" in sub.columns and bool(sub["ci_note"].fillna("").astype(str).any())
        header = ["pair", "value", *extra, "interval", "null mean", "excess", "p"]
        header += ["interval note"] if notes else []
        body = []
        for r in sub.to_dict("records"):
            body.append(
                [
                    f"{r['group_a']} vs {r['group_b']}",
                    number_text(r.get("value")),
                    *[number_text(r.get(c)) for c in extra],
                    interval_text(r.get("ci_low"), r.get("ci_high")),
                    number_text(r.get("null_mean")),
                    number_text(r.get("excess")),
                    number_text(r.get("p_value")),
                ]
                + ([str(r.get("ci_note") or "")] if notes else [])
            )
        out.append(table_html(header, body, f"Pairs: {m} ({units})"))
    b, p = settings.get("bootstrap", 0), settings.get("permutations", 0)
    method = str(settings.get("ci_method", DEFAULT_CI_METHOD))
    out.append(
        '<p class="note">interval: '
        + (
            f"{settings.get('ci', 0.95):.0%} {method} interval"
            f"{' (' + CI_METHOD_TEXT[method] + ')' if method in CI_METHOD_TEXT else ''}"
            f"; bootstrap: {b} resamples of statements within groups"
            if b
            else "none (no bootstrap)"
        )
        + f"; null mean and p: {p} permutations of the group labels"
        " (p = (1 + #null \u2265 value) / (1 + permutations)); excess = value \u2212 null mean."
        " How often these intervals cover, measured by simulation with known truth, and"
        " when no interval is given: docs/intervals.md.</p>"
    )
    params = [[k, str(v)] for k, v in settings.items() if k not in ("sources",)]
    out.append(table_html(["parameter", "value"], params, "Parameters", numeric_from=99))
    man = [["divergence version", VERSION], ["seed", str(settings.get("seed"))]]
    for s in sources:
        man.append([f"input {s.get('path', '')}", f"sha256 {s.get('sha256', '')}"])
    out.append(
        table_html(["manifest", ""], man, "Manifest (the full one is FILE.manifest.json)", 99)
    )
    return "".join(out)


def _drift_section(table: pd.DataFrame, changes: pd.DataFrame, units: str) -> str:
    def num(v: Any) -> float:
        if isinstance(v, pd.Timestamp):
            return v.value / 86400e9
        try:
            return float(v)
        except (TypeError, ValueError):
            return float("nan")

    keycols = [c for c in ("group_a", "group_b") if c in table.columns] or (
        ["group"] if "group" in table.columns else []
    )
    series: List[Dict[str, Any]] = []
    labels: Dict[float, str] = {}
    rows_out: List[List[str]] = []
    for key, sub in table.groupby(keycols, sort=False) if keycols else [("all", table)]:
        name = " vs ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)
        xs = [(num(a) + num(b)) / 2 for a, b in zip(sub["window_start"], sub["window_end"])]
        for x, a in zip(xs, sub["window_start"]):
            labels.setdefault(x, _when(a)[:10])
        s: Dict[str, Any] = {"label": name, "x": xs, "y": [float(v) for v in sub["value"]]}
        if "ci_low" in sub.columns and sub["ci_low"].notna().any():
            s["lo"] = [float(v) for v in sub["ci_low"]]
            s["hi"] = [float(v) for v in sub["ci_high"]]
        if len(changes) and "series" in changes.columns:
            cp = changes[changes["series"].astype(str) == name]
            s["marks"] = [num(v) for v in cp["time"]] if "time" in cp.columns else []
            for r in cp.to_dict("records"):
                rows_out.append(
                    [
                        name,
                        _when(r.get("time")),
                        number_text(r.get("mean_before")),
                        number_text(r.get("mean_after")),
                        number_text(r.get("p_value")),
                    ]
                )
        series.append(s)
    html_ = svg_series(series, labels, f"divergence ({units})", "drift between groups")
    banded = any("lo" in s for s in series)
    html_ += (
        '<p class="note">Each line: the divergence between two groups in sliding windows of time'
        " (window midpoints); "
        + (
            "shaded: the interval per window"
            if banded
            else "no interval in any window (too few statements or an undersampled"
            " vocabulary per window: docs/intervals.md)"
        )
        + "; dashed: change points (binary segmentation, BIC penalty, block-permutation"
        " p-values).</p>"
    )
    if rows_out:
        html_ += table_html(
            ["curve", "change at", "mean before", "mean after", "p"], rows_out, "Change points"
        )
    return html_


def _stance_section(st: Any) -> str:
    out: List[str] = []
    dist, tab = st.distributions, st.table
    metric = st.metrics[0]
    for target in st.targets:
        out.append(f"<h3>{_esc(str(target))}</h3>")
        d = dist[dist["target"] == target]
        if "share" in d.columns and "stance" in d.columns:
            stances = sorted({str(s) for s in d["stance"]})
            rows = []
            for g, sub in d.groupby("group", sort=True):
                share = {str(s): v for s, v in zip(sub["stance"], sub["share"])}
                rows.append([str(g), *[f"{share[s]:.0%}" if s in share else "-" for s in stances]])
            out.append(table_html(["group", *stances], rows, "stance shares"))
        t = tab[(tab["target"] == target) & (tab["metric"] == metric)]
        rows = [
            [
                f"{r['group_a']} vs {r['group_b']}",
                number_text(r.get("value")),
                interval_text(r.get("ci_low"), r.get("ci_high")),
                number_text(r.get("p_value")),
            ]
            for r in t.to_dict("records")
        ]
        out.append(table_html(["pair", metric, "interval", "p"], rows, "stance divergence"))
    return "".join(out)


def _esc(s: str) -> str:
    import html

    return html.escape(s)


def _topic_section(tc: Any) -> str:
    prev = tc.prevalence
    groups = list(tc.groups)
    rows: List[Tuple[str, float, float, float, int]] = []
    for label in tc.labels:
        sub = prev[prev["label"] == label]
        for r in sub.to_dict("records"):
            rows.append(
                (
                    f"{str(label).split(':')[0]} | {r['group']}",
                    float(r["prevalence"]),
                    float(r.get("ci_low", float("nan"))),
                    float(r.get("ci_high", float("nan"))),
                    groups.index(str(r["group"])) if str(r["group"]) in groups else 0,
                )
            )
    out = svg_intervals(rows, "prevalence (mean topic share), bootstrap interval", "topics")
    words = tc.model.top_words(10)
    out += table_html(
        ["topic", "top words"],
        [[lab, ", ".join(w)] for lab, w in zip(tc.labels, words)],
        "Topics",
        numeric_from=99,
    )
    return out


def _scale_section(pos: pd.DataFrame, method: str, est: str, lo: str, hi: str) -> str:
    groups = [str(g) for g in pos["group"]]
    rows = [
        (g, float(r[est]), float(r.get(lo, np.nan)), float(r.get(hi, np.nan)), i)
        for i, (g, r) in enumerate(zip(groups, pos.to_dict("records")))
    ]
    out = svg_intervals(rows, f"{method} position ({est}), interval", "positions")
    out += table_html(
        ["group", "n", "position", "interval"],
        [
            [g, number_text(r.get("n")), number_text(r[est]), interval_text(r.get(lo), r.get(hi))]
            for g, r in zip(groups, pos.to_dict("records"))
        ],
        f"Positions ({method})",
    )
    return out


def _time_ordered_rows(corpus: Corpus, X: sp.csr_matrix, vocab: List[str]) -> Any:
    """drift's rows (:func:`divergence._drift.prepare_rows` of the whole corpus) from the
    report's counts X (one row per statement, corpus order) instead of tokenising again."""
    from ._drift import Rows

    corpus.require_time()
    order = np.argsort(corpus.time.to_numpy(), kind="stable")
    frame = corpus.frame
    return Rows(
        X=as_csr(X[order]),
        times=pd.DatetimeIndex(frame["time"].iloc[order]),
        resolution=corpus.time_resolution,
        labels=np.asarray(frame["group"].astype(str))[order],
        names=corpus.group_names,
        codes=corpus.group_codes[order],
        ids=np.asarray(frame["id"].astype(str))[order],
        notes=[],
        vocab=np.asarray(vocab, dtype=object),
    )


def _auto_window(times: pd.Series, resolution: Optional[str]) -> Tuple[str, str]:
    """Window and step for the drift section: about a sixth of the time span, step half of it;
    whole years for yearly data."""
    t = pd.to_datetime(times)
    days = (t.max() - t.min()).days
    if resolution == "year":
        years = max(1, int(round(days / 365.25 / 6)))
        return f"{years}Y", f"{max(1, years // 2)}Y"
    w = max(2, int(round(days / 6)))
    return f"{w}D", f"{max(1, w // 2)}D"


def report(
    corpus: Corpus,
    *,
    metric: Union[str, Sequence[str]] = "jsd",
    bootstrap: int = 200,
    permutations: int = 200,
    ci: float = 0.95,
    ci_method: str = DEFAULT_CI_METHOD,
    seed: Seed = 0,
    n_jobs: Optional[int] = None,
    vectorizer: Optional[VectorizerLike] = None,
    top_terms: int = 2000,
    per_group: int = 3,
    context: int = 80,
    prior: float = 500.0,
    variance: str = "monroe",
    speaker_col: Optional[str] = "speaker",
    stance_col: Optional[str] = None,
    target_col: Optional[str] = None,
    drift: Optional[bool] = None,
    window: Optional[str] = None,
    step: Optional[str] = None,
    topics: Optional[int] = None,
    scale: Optional[str] = None,
    ref_col: Optional[str] = None,
    title: Optional[str] = None,
    progress: Progress = None,
) -> Report:
    """Every analysis of ``corpus`` in one self-contained HTML page (see the module docstring).

    Parameters
    ----------
    corpus : a :class:`~divergence.Corpus` with at least two groups.
    metric, bootstrap, permutations, ci, ci_method, seed, n_jobs, vectorizer, prior, variance :
        as in :func:`divergence.compare` (the summary, the explorer's log-odds).
    top_terms : terms per pair in the explorer (the most distinguishing, half per side); with
        more than four groups the pairs share ``10 * top_terms`` (:func:`page_budget`).
    per_group : statements embedded per term and group (a seeded sample); with more than four
        groups ``max(1, 4 * per_group // K)``.
    context : characters kept either side of the term in an embedded statement.
    speaker_col : the column shown as the speaker (ignored when absent; None: none).
    stance_col, target_col : add the stances section (:func:`divergence.stance_divergence`).
    drift : add the drift section (None: when the corpus has times); ``window``/``step`` as in
        :func:`divergence.drift` (default: a sixth of the time span, step half of it).
    topics : add the topics section with this many topics (:func:`divergence.compare_topics`).
    scale : ``"wordfish"`` or ``"wordscores"`` (needs ``ref_col``): add positions by group.
    title : the page's title (default: the groups compared).

    Returns a :class:`Report`; ``.write(path)`` writes the page and its manifest.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> import divergence as dv
    >>> corpus = dv.Corpus.read(dv.example_path())
    >>> rep = dv.report(corpus, bootstrap=10, permutations=10, drift=False)
    >>> rep.title
    'divergence report: Armenia, Azerbaijan, Karabakh Armenians, Mediators'
    >>> with tempfile.TemporaryDirectory() as d:
    ...     page = rep.write(os.path.join(d, "report.html"))
    ...     print(page.name, page.stat().st_size > 0)
    report.html True
    """
    if not isinstance(corpus, Corpus):
        raise TypeError(f"corpus: expected a Corpus, got {type(corpus).__name__}")
    top_terms = check_int(top_terms, "top_terms", minimum=2)
    per_group = check_count(per_group, "per_group")
    context = check_int(context, "context", minimum=10)
    if scale is not None:
        check_choice(scale, "scale", ("wordfish", "wordscores"))
        if scale == "wordscores" and not ref_col:
            raise ValueError("ref_col: scale='wordscores' needs the column of reference positions")
    if topics is not None:
        topics = check_int(topics, "topics", minimum=2)
    if target_col is not None and stance_col is None:
        raise ValueError("target_col: give stance_col too")
    seed_v = seed_value(seed)
    threads = resolve_n_jobs(n_jobs)
    corpus.require_groups(2)
    from ._text import Vectorizer

    vec = vectorizer if vectorizer is not None else Vectorizer(n_jobs=threads)
    texts = [str(t) for t in corpus.text]
    X = sp.csr_matrix(vec.fit_transform(texts))
    vocab = [str(v) for v in vec.get_feature_names_out()]
    cmp = compare(
        X,
        groups=np.asarray(corpus.group.astype(str)),
        vocabulary=vocab,
        metric=metric,
        bootstrap=bootstrap,
        permutations=permutations,
        ci=ci,
        ci_method=ci_method,
        seed=seed_v,
        n_jobs=threads,
        terms=False,
        prior=prior,
        variance=variance,
        progress=progress,
    )
    names = list(cmp.groups)
    code = {g: i for i, g in enumerate(names)}
    raw = np.asarray(corpus.group.astype(str))
    codes = np.array([code.get(g, -1) for g in raw], dtype=np.int64)
    keep = codes >= 0
    G = group_sums(X[keep], codes[keep], len(names))
    terms_per_pair, per_group_used = page_budget(len(names), top_terms, per_group)
    pairs = _pair_terms(G, names, vocab, terms_per_pair, prior, variance)
    shown = np.array(sorted({v for p in pairs for v in p["t"]}), dtype=np.int64)
    # The page's vocabulary: only the terms shown, renumbered.
    renum = {int(v): i for i, v in enumerate(shown)}
    for p in pairs:
        p["t"] = [renum[v] for v in p["t"]]

    frame = corpus.frame
    has_speaker = speaker_col is not None and speaker_col in frame.columns

    # Statements of a group that compare dropped (no tokens) are never sampled.
    Xk = X if keep.all() else sp.csr_matrix(sp.diags(keep.astype(X.dtype)) @ X)
    kw_raw, used_rows, used = _kwic(Xk, codes, shown, vocab, texts, per_group_used, context, seed_v)
    st = _statement_rows(corpus, used_rows, codes, speaker_col if has_speaker else None)
    kw = [kw_raw.get(str(int(v)), []) for v in shown]
    kn = [used.get(str(int(v)), 0) for v in shown]

    settings: Dict[str, Any] = {
        **{k: cmp.settings[k] for k in ("metrics", "units", "bootstrap", "permutations", "ci")},
        "ci_method": ci_method,
        "seed": seed_v,
        "n_jobs": threads,
        "n_statements": cmp.settings.get("n_statements"),
        "n_terms": cmp.settings.get("n_terms"),
        "top_terms": top_terms,
        "per_group": per_group,
        "terms_per_pair": terms_per_pair,
        "per_group_used": per_group_used,
        "context": context,
        "prior_alpha0": prior,
        "variance": variance,
        "stop_words": stop_words_text(getattr(vec, "stop_words", None)),
    }
    sources = [dict(s) for s in getattr(corpus, "sources", [])]
    notes = list(cmp.notes)
    sections: List[Tuple[str, str, str]] = [
        ("summary", "Summary", _summary_section(cmp, settings, sources)),
        (
            "terms",
            "Term explorer",
            explorer_html()
            + '<p class="note">Terms: the '
            + f"{terms_per_pair} most distinguishing per pair (log-odds z with an informative"
            f" Dirichlet prior, alpha0 {prior:g}, {variance} variance; positive z: more typical"
            " of the first side). Statements: a seeded sample of at most"
            f" {per_group_used} per group and term, cut to {context} characters around the"
            " term."
            + (
                f" With {len(names)} groups the page shares a fixed budget (given: {top_terms}"
                f" terms per pair, {per_group} statements per group and term)."
                if (terms_per_pair, per_group_used) != (top_terms, per_group)
                else ""
            )
            + "</p>",
        ),
    ]

    drift_table = changes = None
    if drift is None:
        drift = corpus.has_time
    if drift:
        if not corpus.has_time:
            raise ValueError("drift: the corpus has no time column (give --time-col)")
        from ._changepoints import drift_changepoints
        from ._drift import drift_of_rows, prepare_rows

        if window is None:
            w, auto_step = _auto_window(corpus.time, getattr(corpus, "time_resolution", None))
            step = step or auto_step
        else:
            w = window
        # The statements in time order: our Vectorizer's vocabulary does not depend on the
        # order of the texts, so the report's counts, rows reordered, are the matrix drift would
        # tokenise again; another vectorizer is fitted again on the sorted texts, as drift does.
        rows = (
            (lambda: _time_ordered_rows(corpus, X, vocab))
            if isinstance(vec, Vectorizer)
            else (lambda: prepare_rows(corpus, None, None, vec, sort=True))
        )
        drift_table = drift_of_rows(
            rows,
            window=w,
            step=step,
            mode="between",
            metric=cmp.metrics[0],
            alpha=0.0,
            base=None,
            bootstrap=min(bootstrap, 200),
            permutations=0,
            ci=ci,
            ci_method=ci_method,
            seed=seed_v,
            n_jobs=threads,
            reference=None,
            incremental=True,
            progress=None,
        )
        changes = drift_changepoints(drift_table, permutations=199, seed=seed_v, n_jobs=threads)
        settings.update(window=w, step=step)
        sections.append(
            ("drift", "Drift over time", _drift_section(drift_table, changes, settings["units"]))
        )

    stances = None
    if stance_col is not None:
        from ._stance import stance_divergence

        stances = stance_divergence(
            corpus,
            stance_col,
            target_col,
            bootstrap=bootstrap,
            permutations=permutations,
            ci=ci,
            ci_method=ci_method,
            seed=seed_v,
            n_jobs=threads,
        )
        settings.update(stance_col=stance_col, target_col=target_col)
        sections.append(("stances", "Stances per target", _stance_section(stances)))

    tc = None
    if topics is not None:
        from ._topic_compare import compare_topics

        tc = compare_topics(
            data=corpus,
            k=topics,
            vectorizer=vec,
            bootstrap=bootstrap,
            permutations=permutations,
            ci=ci,
            seed=seed_v,
            n_jobs=threads,
        )
        settings.update(topics=topics)
        sections.append(("topics", "Topics", _topic_section(tc)))

    positions = None
    if scale is not None:
        from ._scaling import ScalingCounts, Wordfish, Wordscores

        data = ScalingCounts.from_corpus(corpus, vec)
        if scale == "wordfish":
            wf = Wordfish(n_jobs=threads, seed=seed_v)
            wf.fit(data.counts, doc_names=data.documents, feature_names=data.features)
            positions = wf.group_positions(data.groups, ci)
            lo, hi, est = "ci_low", "ci_high", "theta"
        else:
            assert ref_col is not None
            y = data.reference(ref_col)
            ws = Wordscores().fit(
                data.counts, y, doc_names=data.documents, feature_names=data.features
            )
            positions = ws.group_positions(data.groups, ci)
            lo, hi, est = "ci_low", "ci_high", "theta"
        settings.update(scale=scale, ref_col=ref_col)
        sections.append(("positions", "Positions", _scale_section(positions, scale, est, lo, hi)))

    data_ = {
        "groups": names,
        "colors": PALETTE,
        "units": settings["units"],
        "pairs": pairs,
        "vocab": [vocab[v] for v in shown],
        "kw": kw,
        "kn": kn,
        "st": st,
        "per_group": per_group_used,
        "context": context,
    }
    settings["sources"] = sources
    return Report(
        title=title or f"divergence report: {', '.join(names)}",
        comparison=cmp,
        data=data_,
        sections=sections,
        settings=settings,
        drift=drift_table,
        changepoints=changes,
        stances=stances,
        topics=tc,
        positions=positions,
        notes=notes,
    )
