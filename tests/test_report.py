"""The HTML report without a browser: size, sections, escaping of hostile text, the manifest,
the command line and to_html() of the result classes (the browser tests are in
test_report_browser.py)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import divergence as dv
from divergence.cli import main

FAST = dict(bootstrap=20, permutations=20)

HOSTILE = [
    "</script><script>document.title='pwned'</script> pwnword one",
    "<img src=x onerror=\"document.title='pwned'\"> pwnword two",
    '"><svg onload="document.title=\'pwned\'"> pwnword three',
    "quotes ' \" and back\\slashes \\u003c\\ pwnword four <!-- <![CDATA[",
    "\u202eright-to-left override \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 pwnword",
    "an emoji \U0001f600 before pwnword and \u2028 separators \u2029 here",
    "words that name object internals: __proto__ constructor hasOwnProperty pwnword",
]
HOSTILE_GROUPS = [
    "A <b>bold</b>",
    "B </script><script>document.title='pwned'</script>",
    "C \u05e9\u05dc\u05d5\u05dd \"q\" 'q' \\",
]


def hostile_corpus() -> dv.Corpus:
    rows = []
    for i in range(60):
        g = HOSTILE_GROUPS[i % 3]
        rows.append(
            {
                "id": f"<i>{i}</i>",
                "party": g,
                "date": f"2022-{1 + i % 12:02d}-01",
                "speaker": "<img src=x onerror=\"document.title='pwned'\">",
                # group A uses pwnword and the object-internal words more: they carry z != 0
                "text": HOSTILE[i % len(HOSTILE)]
                + f" filler{i % 7} common words here"
                + (" pwnword __proto__ constructor hasOwnProperty" if i % 3 == 0 else ""),
            }
        )
    return dv.Corpus.from_frame(pd.DataFrame(rows))


def scripts(page: str) -> list:
    return re.findall(r"<script[^>]*>", page)


@pytest.fixture(scope="module")
def example_report() -> dv.Report:
    return dv.report(dv.Corpus.example(), stance_col="stance", target_col="target", **FAST)


def test_example_report_is_small_and_has_its_sections(example_report: dv.Report) -> None:
    page = example_report.to_html()
    size = len(page.encode("utf-8"))
    assert size < 1_000_000, size
    for sid in ("summary", "terms", "drift", "stances"):
        assert f'<section id="{sid}"' in page
    # one page: no external reference of any kind
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "@import" not in page and "url(" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp and "default-src 'none'" in csp.group(1) and "connect-src 'none'" in csp.group(1)
    # the summary is static HTML (readable without JavaScript): every group and pair is there
    body = page.split('<script type="application/json"')[0]
    for g in example_report.comparison.groups:
        assert f'<th scope="row">{html.escape(g)}</th>' in body
    assert "Armenia vs Azerbaijan" in body and "null mean" in body and "excess" in body
    if example_report.comparison.settings.get("bootstrap"):
        # the note says which interval the table holds, in words
        assert "95% bracket interval (from the lower to the higher of the" in body
        assert "block jackknife" in body  # the JSD's spread, named


def test_explorer_data_respects_the_caps() -> None:
    c = dv.Corpus.example()
    r = dv.report(c, top_terms=50, per_group=2, context=30, drift=False, **FAST)
    d = r.data
    K = len(r.comparison.groups)
    assert len(d["pairs"]) == K * (K - 1) // 2 + K  # every pair, and each group vs the rest
    for p in d["pairs"]:
        assert 0 < len(p["t"]) <= 50
        assert len(p["t"]) == len(p["ca"]) == len(p["cb"]) == len(p["z"]) == len(p["j"])
    for v, entries in enumerate(d["kw"]):
        groups = [d["st"][e[0]][0] for e in entries]
        assert all(groups.count(g) <= 2 for g in set(groups))
        for e in entries:
            text = e[3] if len(e) > 3 else d["st"][e[0]][4]
            if e[1] >= 0:  # the hit is the term (offsets in UTF-16 units, as JavaScript's)
                u16 = text.encode("utf-16-le")
                hit = u16[2 * e[1] : 2 * (e[1] + e[2])].decode("utf-16-le")
                assert hit.lower().split() == d["vocab"][v].split()
    # the same seed gives the same page; another seed another sample
    again = dv.report(c, top_terms=50, per_group=2, context=30, drift=False, **FAST)
    assert again.data == d
    other = dv.report(c, top_terms=50, per_group=2, context=30, drift=False, seed=5, **FAST)
    assert other.data["kw"] != d["kw"]


def test_page_budget_does_not_grow_with_the_number_of_groups() -> None:
    from divergence._report import page_budget

    assert page_budget(2, 2000, 3) == (2000, 3)
    assert page_budget(4, 2000, 3) == (2000, 3)  # 6 pairs + 4 against the rest: the full caps
    for K in (5, 8, 12, 30, 100):
        terms, per = page_budget(K, 2000, 3)
        n_pairs = K * (K - 1) // 2 + K
        assert terms * n_pairs <= 10 * 2000 or terms == 2
        assert per * K <= 4 * 3 or per == 1
        assert per >= 1
    assert page_budget(12, 2000, 0)[1] == 0
    # a 12-group corpus: the page holds the budget, and says so
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(400)]
    rows = []
    for i in range(12 * 40):
        g = i % 12
        toks = rng.choice(words[g * 20 : g * 20 + 120], size=12)
        rows.append({"party": f"party {g:02d}", "text": " ".join(toks)})
    c = dv.Corpus.from_frame(pd.DataFrame(rows), text_col="text", group_col="party")
    r = dv.report(c, top_terms=40, per_group=3, drift=False, bootstrap=0, permutations=0)
    d = r.data
    assert len(d["pairs"]) == 78
    assert sum(len(p["t"]) for p in d["pairs"]) <= 10 * 40
    assert d["per_group"] == 1
    for entries in d["kw"]:
        groups = [d["st"][e[0]][0] for e in entries]
        assert all(groups.count(g) <= 1 for g in set(groups))
    assert r.settings["terms_per_pair"] == 5 and r.settings["top_terms"] == 40
    assert "shares a fixed budget" in r.to_html()


def test_hostile_text_stays_text_in_the_raw_page() -> None:
    r = dv.report(hostile_corpus(), drift=False, **FAST)
    page = r.to_html()
    # exactly the page's two script elements: the JSON block and the explorer
    assert scripts(page) == ['<script type="application/json" id="dv-data">', "<script>"]
    assert page.count("</script>") == 2
    for bad in ("<img", "<svg onload", "<b>bold", "<i>", "<!--", "<![CDATA["):
        assert bad not in page, bad
    # the JSON block parses back to the original strings
    block = page.split('id="dv-data">')[1].split("</script>")[0]
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    assert data["groups"] == sorted(HOSTILE_GROUPS)
    texts = " ".join(s[4] for s in data["st"] if len(s) > 4)
    assert "<img src=x onerror=" in texts and "\u202e" in texts and "\U0001f600" in texts
    assert data["st"][0][2] == "<img src=x onerror=\"document.title='pwned'\">"


def test_write_is_atomic_with_a_manifest(tmp_path: Path, example_report: dv.Report) -> None:
    out = example_report.write(tmp_path / "r.html")
    man = json.loads((tmp_path / "r.html.manifest.json").read_text())
    assert man["command"] == "report" and man["seed"] == 0
    assert [o["path"] for o in man["outputs"]] == ["r.html"]
    assert dv.verify_manifest(tmp_path / "r.html.manifest.json") == []
    assert out.read_text(encoding="utf-8") == example_report.to_html()
    # nothing else is left beside them (no temporary)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.html.manifest.json"]
    # a failure while writing leaves the previous page and manifest as they were
    before = out.read_bytes()

    class Broken(dv.Report):
        def to_html(self) -> str:
            raise RuntimeError("disk on fire")

    broken = Broken(**{f: getattr(example_report, f) for f in example_report.__dataclass_fields__})
    with pytest.raises(RuntimeError):
        broken.write(out)
    assert out.read_bytes() == before
    assert dv.verify_manifest(tmp_path / "r.html.manifest.json") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.html.manifest.json"]


def test_bad_arguments_name_themselves() -> None:
    c = dv.Corpus.example()
    with pytest.raises(TypeError, match="^corpus"):
        dv.report("not a corpus")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^top_terms"):
        dv.report(c, top_terms=1)
    with pytest.raises(ValueError, match="^scale"):
        dv.report(c, scale="pca")
    with pytest.raises(ValueError, match="^ref_col"):
        dv.report(c, scale="wordscores")
    with pytest.raises(ValueError, match="^target_col"):
        dv.report(c, target_col="target")


def test_topics_and_positions_sections() -> None:
    r = dv.report(dv.Corpus.example(), topics=3, scale="wordfish", drift=False, **FAST)
    page = r.to_html()
    assert '<section id="topics"' in page and '<section id="positions"' in page
    assert r.positions is not None and set(r.positions["group"]) == set(r.comparison.groups)


def test_cli_writes_the_example_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    res = CliRunner().invoke(
        main,
        ["report", "--example", "-o", str(out), "--bootstrap", "20", "--permutations", "20"],
    )
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) < 1_000_000
    assert '<section id="stances"' in page  # --example brings its stance columns
    assert dv.verify_manifest(tmp_path / "report.html.manifest.json") == []


def test_cli_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_bytes(dv.example_path().read_bytes())
    res = CliRunner().invoke(main, ["report", str(src), "-o", str(src)])
    assert res.exit_code == 2 and "refusing to overwrite" in res.output
    res = CliRunner().invoke(
        main, ["report", str(src), "-o", str(tmp_path / "r.html"), "--scale", "wordscores"]
    )
    assert res.exit_code == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda c: dv.compare(c, **FAST),
        lambda c: dv.partisanship(c, bootstrap=5, permutations=5),
        lambda c: dv.stance_divergence(c, "stance", "target", **FAST),
    ],
)
def test_result_to_html_is_a_safe_static_page(make: object) -> None:
    c = dv.Corpus.example()
    res = make(c)  # type: ignore[operator]
    page = res.to_html()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "script-src 'none'" in page
    assert "<table>" in page
    assert res._repr_html_().startswith("<div>")  # the notebook summary stays compact


def test_scaling_to_html_is_a_safe_static_page() -> None:
    c = dv.Corpus.example()
    data = dv.ScalingCounts.from_corpus(c)
    wf = dv.Wordfish(seed=0).fit(data.counts, doc_names=data.documents)
    page = wf.to_html(groups=data.groups)
    assert "<script" not in page and ".group_positions" in page and ".documents" in page
    for g in c.group_names:
        assert html.escape(g) in page
    y = np.full(data.counts.shape[0], np.nan)
    y[:10] = np.linspace(-1, 1, 10)  # ten reference texts
    ws = dv.Wordscores().fit(data.counts, y, doc_names=data.documents)
    page = ws.to_html(groups=data.groups)
    assert "<script" not in page and ".scores" in page and ".group_positions" in page


def test_drift_windows_follow_yearly_data() -> None:
    rows = [
        {"party": "ab"[i % 2], "year": 1990 + i // 4, "text": f"tax jobs w{i % 5}"}
        if i % 2
        else {"party": "ab"[i % 2], "year": 1990 + i // 4, "text": f"health care w{i % 3}"}
        for i in range(80)
    ]
    c = dv.Corpus.from_frame(pd.DataFrame(rows), time_col="year")
    r = dv.report(c, **FAST)
    assert (r.settings["window"], r.settings["step"]) == ("3Y", "1Y")
    assert r.drift is not None and '<section id="drift"' in r.to_html()
    with pytest.raises(ValueError, match="^drift"):
        dv.report(dv.Corpus.from_frame(pd.DataFrame(rows).drop(columns="year")), drift=True)


@pytest.mark.parametrize("own_vectorizer", [True, False])
def test_drift_section_is_drift_of_the_corpus(own_vectorizer: bool) -> None:
    # The report reuses its counts (rows put in time order) rather than tokenising again when
    # the vectorizer is ours; either way its table is dv.drift's on the corpus, exactly.
    from sklearn.feature_extraction.text import CountVectorizer

    c = dv.Corpus.example()
    vec = dv.Vectorizer() if own_vectorizer else CountVectorizer()
    r = dv.report(c, vectorizer=vec, seed=3, **FAST)
    assert r.drift is not None
    want = dv.drift(
        c,
        window=r.settings["window"],
        step=r.settings["step"],
        mode="between",
        bootstrap=FAST["bootstrap"],
        seed=3,
        vectorizer=dv.Vectorizer() if own_vectorizer else CountVectorizer(),
    )
    pd.testing.assert_frame_equal(r.drift, want, check_exact=True)
