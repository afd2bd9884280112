"""Short summaries of results: ``repr()`` as a few lines of text, ``_repr_html_`` as a compact
HTML table for notebooks (every label escaped with :func:`html.escape`).

A result builds a :class:`Brief` (a title, a few ``name: value`` facts, an optional small
table, and where to find the full tables); :func:`summary_text` and :func:`summary_html` render
it. Tables are cut at :data:`MAX_ROWS` rows (the rest counted), so a summary stays under about
25 lines whatever the number of groups.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import pandas as pd

__all__ = [
    "PAIR_COLUMNS",
    "pair_rows",
    "SummarisedResult",
    "MAX_ROWS",
    "Brief",
    "interval_text",
    "names_text",
    "notes_text",
    "number_text",
    "replicates_text",
    "summary_html",
    "summary_text",
    "tables_page",
]

MAX_ROWS = 10
MAX_NAMES = 8
# to_html(): the result tables it shows (those a result has), and at most how many rows each.
HTML_TABLES = ("table", "distributions", "prevalence", "topics", "terms", "speakers")
HTML_TABLE_ROWS = 2000


def number_text(v: Any, digits: int = 4) -> str:
    """A number for people: 4 significant digits, "-" for a missing one, an integer as is."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return "-"
    if f.is_integer() and abs(f) < 1e15 and not isinstance(v, float):
        return str(int(f))
    return f"{f:.{digits}g}"


def interval_text(lo: Any, hi: Any) -> str:
    """``[lo, hi]``, or "-" when there is no interval."""
    a, b = number_text(lo), number_text(hi)
    return "-" if a == "-" and b == "-" else f"[{a}, {b}]"


def names_text(names: Sequence[Any], limit: int = MAX_NAMES) -> str:
    """Names joined by commas, the first ``limit`` of them and how many more."""
    shown = ", ".join(str(x) for x in list(names)[:limit])
    more = len(names) - limit
    return shown + (f", ... ({more} more)" if more > 0 else "")


@dataclass
class Brief:
    """What a result's repr shows: ``title`` (its kind and size), ``facts`` (name, value) lines,
    an optional table (``header`` and ``rows`` of text, cut at :data:`MAX_ROWS`) and ``more``
    (how to get the full tables)."""

    title: str
    facts: List[Tuple[str, str]] = field(default_factory=list)
    header: List[str] = field(default_factory=list)
    rows: List[List[str]] = field(default_factory=list)
    more: str = ""

    def shown_rows(self) -> Tuple[List[List[str]], int]:
        return self.rows[:MAX_ROWS], max(0, len(self.rows) - MAX_ROWS)


def summary_text(s: Brief) -> str:
    """The summary as plain text (the ``repr``)."""
    lines = [s.title]
    width = max((len(k) for k, _ in s.facts), default=0)
    lines += [f"  {k + ':':<{width + 1}} {v}" for k, v in s.facts]
    rows, hidden = s.shown_rows()
    if s.header:
        cols = [s.header] + rows
        w = [max(len(r[i]) for r in cols) for i in range(len(s.header))]
        for r in cols:
            lines.append(
                "  "
                + "  ".join(c.rjust(w[i]) if i else c.ljust(w[i]) for i, c in enumerate(r)).rstrip()
            )
        if hidden:
            lines.append(f"  ... {hidden} more row(s)")
    if s.more:
        lines.append(s.more)
    return "\n".join(lines)


def summary_html(s: Brief) -> str:
    """The summary as a compact HTML table (the ``_repr_html_``); every text is escaped."""
    e = html.escape
    out = [f"<div><strong>{e(s.title)}</strong>"]
    if s.facts:
        out.append("<table>")
        out += [
            f"<tr><th style='text-align:left'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in s.facts
        ]
        out.append("</table>")
    rows, hidden = s.shown_rows()
    if s.header:
        out.append("<table>")
        out.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in s.header) + "</tr>")
        out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows]
        out.append("</table>")
        if hidden:
            out.append(f"<p>... {hidden} more row(s)</p>")
    if s.more:
        out.append(f"<p>{e(s.more)}</p>")
    out.append("</div>")
    return "\n".join(out)


def replicates_text(settings: Dict[str, Any]) -> str:
    """``bootstrap B (95% percentile interval), permutations P, seed S`` from a result's
    settings."""
    b = settings.get("bootstrap", 0)
    ci = settings.get("ci")
    how = settings.get("ci_method", "percentile")
    parts = [f"bootstrap {b}" + (f" ({ci:.0%} {how} interval)" if b and ci is not None else "")]
    parts.append(f"permutations {settings.get('permutations', 0)}")
    if "seed" in settings:
        parts.append(f"seed {settings['seed']}")
    return ", ".join(parts)


PAIR_COLUMNS = ["group_a", "group_b", "metric", "value", "corrected", "interval", "null mean", "p"]


def pair_rows(table: pd.DataFrame) -> List[List[str]]:
    """The summary rows of a tidy pair table (group_a, group_b, metric, value, corrected,
    ci_low, ci_high, null_mean, p_value; "-" for a column it lacks), in the order of
    :data:`PAIR_COLUMNS`."""
    return [
        [
            str(r["group_a"]),
            str(r["group_b"]),
            str(r["metric"]),
            number_text(r["value"]),
            number_text(r["corrected"]) if "corrected" in r else "-",
            interval_text(r["ci_low"], r["ci_high"]),
            number_text(r["null_mean"]),
            number_text(r["p_value"]),
        ]
        for r in table.to_dict("records")
    ]


def notes_text(notes: Sequence[str]) -> str:
    """The first note, cut to 100 characters, and how many there are."""
    first = notes[0] if len(notes[0]) <= 100 else notes[0][:97] + "..."
    return f"{len(notes)} (see .notes): {first}"


class SummarisedResult:
    """Mixin of the result classes: a short ``repr`` and a notebook table (``_repr_html_``),
    both from the class's ``_summary()``. A dataclass that uses it says
    ``@dataclass(repr=False)``, so that the generated field-by-field repr does not replace it."""

    def _summary(self) -> Brief:
        raise NotImplementedError

    def __repr__(self) -> str:
        return summary_text(self._summary())

    def _repr_html_(self) -> str:
        return summary_html(self._summary())

    def to_html(self) -> str:
        """A self-contained HTML page (no script, no network) with the summary and the full
        result tables (each cut at :data:`HTML_TABLE_ROWS` rows, the rest counted). The
        full explorer of a corpus is :func:`divergence.report`."""
        s = self._summary()
        tables = {name: getattr(self, name, None) for name in HTML_TABLES}
        return tables_page(s.title, s.facts, tables)


def tables_page(
    title: str, facts: Sequence[Tuple[str, str]], tables: Mapping[str, Optional[pd.DataFrame]]
) -> str:
    """A self-contained HTML page (no script, no network): ``facts`` as (name, value) rows, then
    each table of ``tables`` that is a DataFrame with columns, captioned ``.name`` and cut at
    :data:`HTML_TABLE_ROWS` rows (the rest counted); every text escaped."""
    from .htmlpage import render_page, table_html

    parts = [table_html(["", ""], facts, numeric_from=99)] if facts else []
    for name, df in tables.items():
        if not isinstance(df, pd.DataFrame) or not len(df.columns):
            continue
        shown = df.head(HTML_TABLE_ROWS)
        rows = [[number_text(v) for v in r] for r in shown.itertuples(index=False)]
        parts.append(table_html([str(c) for c in df.columns], rows, f".{name}"))
        if len(df) > len(shown):
            parts.append(f"<p>... {len(df) - len(shown)} more row(s)</p>")
    return render_page(title, [("summary", title, "".join(parts))])
