"""Every figure of every command is readable: drawn on the example corpus and on synthetic
corpora of 2 and of 12 groups (long group names), no two drawn text elements overlap, none
leaves the figure, no axis or colour bar shows an offset or a scientific multiplier, and the
heatmap's footnote appears only when a cell is marked.

The check runs on the figure as drawn by the Agg canvas at its own size (before the file is
written), from the window extents of the Text artists actually drawn (an annotation's letters,
not its leader line)."""

from __future__ import annotations

from typing import List, Tuple

import matplotlib
import matplotlib.figure
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from divergence.cli import main

matplotlib.use("Agg")

TOL = 0.5  # pixels: boxes that merely touch do not overlap


def synthetic(k: int, n_per: int = 16, seed: int = 0) -> pd.DataFrame:
    """``k`` groups with names of different lengths, each with its own word distribution over a
    shared vocabulary, dates over two years, speakers, stance targets and labels."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(200)]
    rows = []
    for g in range(k):
        name = f"Party {chr(65 + g)} {'long name ' * (g % 3)}".strip()
        p = rng.dirichlet(np.full(len(vocab), 0.3))
        for j in range(n_per):
            day = pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(rng.integers(0, 700)))
            rows.append(
                dict(
                    id=f"g{g}-{j}",
                    date=day.strftime("%Y-%m-%d"),
                    party=name,
                    speaker=f"s{g}-{j % 4}",
                    text=" ".join(rng.choice(vocab, size=40, p=p)),
                    target=f"target {j % 2}",
                    stance=["pro", "con", "neutral"][j % 3],
                )
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("corpora")
    out = {"example": ["--example"]}
    for k in (2, 12):
        p = d / f"groups{k}.csv"
        synthetic(k).to_csv(p, index=False)
        out[f"{k} groups"] = [str(p)]
    return out


REP = ["--bootstrap", "10", "--permutations", "10"]
COMMANDS = {
    "compare": ["compare", *REP, "--top-terms", "0"],
    "compare stances": ["compare", *REP, "--top-terms", "0", "--stance-col", "stance"]
    + ["--target-col", "target"],
    "drift": ["drift", "--window", "180D", "--step", "120D", "--mode", "between", *REP],
    "partisanship": ["partisanship", *REP],
    "partisanship over time": ["partisanship", "--window", "180D", *REP],
    "topics": ["topics", "--k", "3", *REP],
    "scale": ["scale", "--bootstrap", "0"],
    "terms": ["terms", "--top", "10"],
    "terms rest": ["terms", "--pairs", "rest", "--top", "10"],
}


def layout_problems(fig) -> List[str]:
    """Overlapping or escaping text, and offset notation, in ``fig`` drawn as it stands."""
    drawn: List[Tuple[str, object]] = []
    original = matplotlib.text.Text.draw

    def record(text, renderer):
        original(text, renderer)
        if text.get_visible() and text.get_text().strip():
            drawn.append((text.get_text(), matplotlib.text.Text.get_window_extent(text, renderer)))

    matplotlib.text.Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        matplotlib.text.Text.draw = original
    problems = []
    frame = fig.bbox
    for i, (s, b) in enumerate(drawn):
        if (
            b.x0 < frame.x0 - TOL
            or b.y0 < frame.y0 - TOL
            or b.x1 > frame.x1 + TOL
            or b.y1 > frame.y1 + TOL
        ):
            problems.append(f"leaves the figure: {s!r}")
        for s2, b2 in drawn[i + 1 :]:
            dx = min(b.x1, b2.x1) - max(b.x0, b2.x0)
            dy = min(b.y1, b2.y1) - max(b.y0, b2.y0)
            if dx > TOL and dy > TOL:
                problems.append(f"overlap: {s!r} / {s2!r}")
    from matplotlib.dates import ConciseDateFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            offset = axis.get_offset_text().get_text()
            if offset and not isinstance(axis.get_major_formatter(), ConciseDateFormatter):
                problems.append(f"offset notation {offset!r} on {ax.get_title()!r}")
    return problems


@pytest.fixture
def checked(monkeypatch):
    """Every figure saved while the test runs: (text of all its drawn Text, its problems)."""
    seen: List[Tuple[List[str], List[str]]] = []
    original = matplotlib.figure.Figure.savefig

    def savefig(self, *a, **k):
        seen.append(([t.get_text() for t in self.findobj(matplotlib.text.Text)], []))
        seen[-1][1].extend(layout_problems(self))
        return original(self, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    return seen


@pytest.mark.parametrize("corpus", ["example", "2 groups", "12 groups"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_plot_is_readable(tmp_path, corpora, checked, command, corpus):
    args = list(COMMANDS[command])
    if command == "terms" and corpus == "12 groups":  # 66 pairs: choose two panels
        args += ["--plot-pair", "Party A", "Party B long name"]
        args += ["--plot-pair", "Party C long name long name", "Party L long name long name"]
    fig = tmp_path / "fig.png"
    res = CliRunner().invoke(main, [*args, *corpora[corpus], "--plot", str(fig), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert fig.is_file()
    assert checked, "no figure was drawn"
    for _, problems in checked:
        assert problems == [], problems


def test_heatmap_footnote_only_when_marked(tmp_path, corpora, checked):
    """Two groups with different words: p < 0.05, nothing marked, no footnote; the example's
    groups with few permutations: some pair has p >= 0.05, marked and explained."""
    # (40 permutations: with 10 the smallest p-value is 1/11, never below 0.05)
    rep = ["--bootstrap", "10", "--permutations", "40"]
    res = CliRunner().invoke(
        main, ["compare", *corpora["2 groups"], *rep, "--plot", str(tmp_path / "a.png")]
    )
    assert res.exit_code == 0, res.output
    texts = checked[-1][0]
    assert not any("†" in t for t in texts), texts
    res = CliRunner().invoke(
        main,
        ["compare", "--example", "--bootstrap", "0", "--permutations", "3"]
        + ["--top-terms", "0", "--plot", str(tmp_path / "b.png")],
    )
    assert res.exit_code == 0, res.output
    texts = checked[-2][0]  # the heatmap (the stance figure comes after it)
    marked = [t for t in texts if t.endswith("†")]
    assert marked and "† permutation p >= 0.05" in texts, texts


def test_single_value_colour_bar_is_plain(tmp_path, checked):
    """Two groups: one distinct value; the colour bar spans around it with plain labels (it
    showed '1e-12+1.316788995e-1' over the title)."""
    from divergence import Corpus, compare
    from divergence.plot import heatmap

    p = tmp_path / "c.csv"
    synthetic(2).to_csv(p, index=False)
    result = compare(Corpus.read(p), bootstrap=0, permutations=0, terms=False)
    heatmap(result, tmp_path / "h.png")
    texts, problems = checked[-1]
    assert problems == []
    assert not any("e-" in t or "e−" in t for t in texts), texts
