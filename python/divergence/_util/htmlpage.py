"""Self-contained HTML pages: the report's template, static tables and charts, safe embedding.

One file, no network: the CSS and the (hand-written, library-free) JavaScript are inline, and a
Content-Security-Policy meta tag allows only the page's own script and style (by their sha256)
and no connection, image, font or frame from anywhere. Untrusted text (statements, speakers,
group labels) reaches the page two ways only: HTML-escaped into the static parts
(:func:`html.escape`), or as JSON inside a ``<script type="application/json">`` block with
``<``, ``>`` and ``&`` written as ``\\u003c`` etc. (:func:`json_for_script`), which the script
reads with ``JSON.parse`` and inserts with ``textContent`` (never ``innerHTML``).

The static parts (summary tables, drift, topic and scaling charts as inline SVG) need no
JavaScript; the term explorer does. Colours: the Okabe-Ito palette (safe for the common colour
vision deficiencies); the term plot's diverging scale runs from blue to vermillion through grey.
This module imports nothing of the package: the analyses hand it plain data.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = [
    "PALETTE",
    "json_for_script",
    "table_html",
    "svg_series",
    "svg_intervals",
    "render_page",
]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common deficiency.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

e = html.escape
_NUMERIC = re.compile(r"^(-|[-+]?(inf|nan)|[\[\]0-9eE.,+\- %]+)$")


def json_for_script(obj: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` (so no ``</script>``
    or ``<!--`` can end or change the block), and U+2028/U+2029 escaped too. NaN is refused."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def table_html(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    caption: str = "",
    numeric_from: int = 1,
) -> str:
    """A static table, every cell escaped; from column ``numeric_from`` on, a cell that is a
    number or an interval is right-aligned."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append(
        "<thead><tr>"
        + "".join(f'<th scope="col">{e(str(h))}</th>' for h in header)
        + "</tr></thead>"
    )
    out.append("<tbody>")
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            if i == 0:
                cells.append(f'<th scope="row">{e(str(c))}</th>')
            else:
                num = i >= numeric_from and _NUMERIC.match(str(c)) is not None
                cls = ' class="num"' if num else ""
                cells.append(f"<td{cls}>{e(str(c))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _ticks(lo: float, hi: float, n: int = 5) -> List[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def svg_series(
    series: Sequence[Dict[str, Any]],
    x_labels: Optional[Dict[float, str]] = None,
    y_title: str = "",
    title: str = "",
    width: int = 760,
    height: int = 300,
) -> str:
    """A line chart as inline SVG: each series a dict with ``label``, ``x``, ``y`` (numbers;
    NaN breaks the line), optional ``lo``/``hi`` (a shaded band) and ``marks`` (x positions
    drawn as dashed vertical lines, e.g. change points). ``x_labels`` maps x values to tick
    labels (dates). Text is escaped; colours from :data:`PALETTE`."""
    left, right, top, bottom = 56, 170, 24, 36
    W, H = width - left - right, height - top - bottom
    xs = [x for s in series for x in s["x"] if math.isfinite(x)]
    ys = [
        v
        for s in series
        for key in ("y", "lo", "hi")
        for v in s.get(key) or []
        if v is not None and math.isfinite(v)
    ]
    if not xs or not ys:
        return "<p>(no values to draw)</p>"
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(0.0, min(ys)), max(ys)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1

    def X(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * W

    def Y(v: float) -> float:
        return top + H - (v - y0) / (y1 - y0) * H

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-label="{e(title or y_title)}">'
    ]
    out.append(f'<rect x="{left}" y="{top}" width="{W}" height="{H}" fill="#fff" stroke="#999"/>')
    for t in _ticks(y0, y1):
        out.append(
            f'<line x1="{left}" x2="{left + W}" y1="{Y(t):.1f}" y2="{Y(t):.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{Y(t) + 4:.1f}" text-anchor="end">{e(_fmt(t))}</text>'
        )
    if x_labels:
        keys = sorted(x_labels)
        every = max(1, len(keys) // 6)
        for k in keys[::every]:
            out.append(
                f'<text x="{X(k):.1f}" y="{top + H + 16}" text-anchor="middle">'
                f"{e(x_labels[k])}</text>"
            )
    out.append(
        f'<text x="14" y="{top + H / 2:.1f}" transform="rotate(-90 14 {top + H / 2:.1f})"'
        f' text-anchor="middle">{e(y_title)}</text>'
    )
    for i, s in enumerate(series):
        col = PALETTE[i % len(PALETTE)]
        lo, hi = s.get("lo"), s.get("hi")
        pts = list(zip(s["x"], s["y"], lo or [None] * len(s["x"]), hi or [None] * len(s["x"])))
        if lo is not None and hi is not None:
            band = [(x, a, b) for x, _, a, b in pts if _finite(a) and _finite(b)]
            if len(band) > 1:
                poly = [f"{X(x):.1f},{Y(b):.1f}" for x, _, b in band] + [
                    f"{X(x):.1f},{Y(a):.1f}" for x, a, _ in reversed(band)
                ]
                out.append(
                    f'<polygon points="{" ".join(poly)}" fill="{col}" fill-opacity="0.18"'
                    ' stroke="none"/>'
                )
        path: List[str] = []
        for x, y, _, _ in pts:
            if _finite(y):
                path.append(f"{'L' if path else 'M'}{X(x):.1f},{Y(y):.1f}")
            elif path:
                out.append(f'<path d="{" ".join(path)}" fill="none" stroke="{col}"/>')
                path = []
        if path:
            out.append(f'<path d="{" ".join(path)}" fill="none" stroke="{col}" stroke-width="2"/>')
        for x, y, _, _ in pts:
            if _finite(y):
                out.append(f'<circle cx="{X(x):.1f}" cy="{Y(y):.1f}" r="2.5" fill="{col}"/>')
        for m in s.get("marks") or []:
            out.append(
                f'<line x1="{X(m):.1f}" x2="{X(m):.1f}" y1="{top}" y2="{top + H}" stroke="{col}"'
                ' stroke-dasharray="5 3" stroke-width="1.5"/>'
            )
        ly = top + 12 + 16 * i
        out.append(
            f'<rect x="{left + W + 10}" y="{ly - 9}" width="12" height="10" fill="{col}"/>'
            f'<text x="{left + W + 26}" y="{ly}">{e(_short(str(s["label"]), 22))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def svg_intervals(
    rows: Sequence[Tuple[str, float, float, float, int]],
    x_title: str = "",
    title: str = "",
    width: int = 760,
) -> str:
    """Estimates with intervals as inline SVG, one row each: (label, estimate, low, high,
    colour index). Text is escaped."""
    left, right, top, bottom = 220, 20, 10, 34
    height = top + bottom + 18 * len(rows)
    W = width - left - right
    vals = [v for r in rows for v in r[1:4] if _finite(v)]
    if not vals:
        return "<p>(no values to draw)</p>"
    v0, v1 = min(vals), max(vals)
    if v1 == v0:
        v0, v1 = v0 - 1, v1 + 1
    pad = 0.04 * (v1 - v0)
    v0, v1 = v0 - pad, v1 + pad

    def X(v: float) -> float:
        return left + (v - v0) / (v1 - v0) * W

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-label="{e(title or x_title)}">'
    ]
    base = top + 18 * len(rows)
    for t in _ticks(v0, v1):
        out.append(
            f'<line x1="{X(t):.1f}" x2="{X(t):.1f}" y1="{top}" y2="{base}" stroke="#eee"/>'
            f'<text x="{X(t):.1f}" y="{base + 14}" text-anchor="middle">{e(_fmt(t))}</text>'
        )
    out.append(
        f'<text x="{left + W / 2:.1f}" y="{base + 30}" text-anchor="middle">{e(x_title)}</text>'
    )
    for i, (label, est, lo, hi, c) in enumerate(rows):
        y = top + 18 * i + 9
        col = PALETTE[c % len(PALETTE)]
        out.append(
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{e(_short(label, 34))}</text>'
        )
        if _finite(lo) and _finite(hi):
            out.append(
                f'<line x1="{X(lo):.1f}" x2="{X(hi):.1f}" y1="{y}" y2="{y}" stroke="{col}"'
                ' stroke-width="2"/>'
            )
        if _finite(est):
            out.append(f'<circle cx="{X(est):.1f}" cy="{y}" r="4" fill="{col}"/>')
    out.append("</svg>")
    return "".join(out)


def _finite(v: Any) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _sha(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def render_page(
    title: str,
    sections: Sequence[Tuple[str, str, str]],
    data: Optional[Dict[str, Any]] = None,
) -> str:
    """The whole page. ``sections``: (id, heading, inner HTML already escaped by the caller's
    helpers); ``data``: the term explorer's data (None: no explorer, no script at all)."""
    script = _SCRIPT if data is not None else ""
    csp = (
        "default-src 'none'; style-src "
        + _sha(_STYLE)
        + "; script-src "
        + (_sha(script) if script else "'none'")
        + "; img-src data:; connect-src 'none'; font-src 'none'; frame-src 'none';"
        " object-src 'none'; base-uri 'none'; form-action 'none'"
    )
    nav = "".join(f'<a href="#{e(sid)}">{e(head)}</a>' for sid, head, _ in sections)
    body = "".join(
        f'<section id="{e(sid)}" aria-labelledby="{e(sid)}-h"><h2 id="{e(sid)}-h">{e(head)}</h2>'
        f"{inner}</section>"
        for sid, head, inner in sections
    )
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="referrer" content="no-referrer"><title>{e(title)}</title>',
        f"<style>{_STYLE}</style></head><body>",
        f'<header><h1>{e(title)}</h1><nav aria-label="sections">{nav}</nav></header><main>',
        body,
        "</main>",
    ]
    if data is not None:
        parts.append(
            f'<script type="application/json" id="dv-data">{json_for_script(data)}</script>'
        )
        parts.append(f"<script>{script}</script>")
    parts.append("</body></html>\n")
    return "".join(parts)


def _asset(name: str) -> str:
    from importlib.resources import files

    return files(__package__).joinpath(name).read_text(encoding="utf-8")


# The page's style, and the term explorer's script (report.js: hand-written, no library; it
# reads the JSON block, builds everything with createElement / textContent, never innerHTML,
# and makes no request).
_STYLE = _asset("report.css")
_SCRIPT = _asset("report.js")


def explorer_html() -> str:
    """The term explorer's controls and panels (filled by the script; hidden without it)."""
    return (
        '<noscript><p class="note">The term explorer needs JavaScript; the tables above hold'
        " the results.</p></noscript>"
        '<div id="explorer-wrap" hidden>'
        '<div id="controls">'
        '<label for="pair">pair<select id="pair"></select></label>'
        '<label for="scale">axes<select id="scale"><option value="rank">rank of frequency'
        '</option><option value="log">log frequency</option></select></label>'
        '<label for="search">find a term<input id="search" type="search" autocomplete="off"'
        ' spellcheck="false" placeholder="term"></label>'
        '<span id="found" class="note" role="status" aria-live="polite"></span></div>'
        '<p id="legend" class="legend"></p>'
        '<div id="explorer"><div><svg id="plot" role="img" aria-label="terms by frequency in'
        ' the two sides, coloured by log-odds z"></svg></div><div>'
        '<div class="lists"><div><h3 id="head0"></h3><ul id="list0" class="terms"'
        ' aria-labelledby="head0"></ul></div><div><h3 id="head1"></h3><ul id="list1"'
        ' class="terms" aria-labelledby="head1"></ul></div></div>'
        '<div id="kwic" aria-live="polite"></div></div></div></div><div id="tip"></div>'
    )
