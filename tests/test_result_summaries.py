"""Every result's repr is a short summary (at most 25 lines on the example corpus) and its
_repr_html_ is well-formed HTML in which every label is escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import divergence as dv

HOSTILE = "<script>x</script>"
VOID = {"br", "hr", "img", "meta", "input", "col"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _check_html(doc: str) -> _Checker:
    p = _Checker()
    p.feed(doc)
    p.close()
    assert not p.errors, p.errors
    assert not p.stack, f"unclosed tags: {p.stack}"
    assert "script" not in p.tags
    return p


def _corpus(hostile: bool) -> dv.Corpus:
    df = pd.read_csv(dv.example_path())
    if hostile:
        df["party"] = df["party"].replace({"Mediators": HOSTILE})
        df["target"] = df["target"].replace({"mediation": HOSTILE})
    return dv.Corpus.from_frame(df, group_col="party", time_col="date", id_col="id")


def _results(c: dv.Corpus):
    r = dict(bootstrap=10, permutations=10, seed=1)
    return {
        "Comparison": dv.compare(c, **r),
        "Partisanship": dv.partisanship(c, speakers="speaker", **r),
        "PartisanshipOverTime": dv.partisanship_over_time(c, speakers="speaker", window="3M", **r),
        "StanceDivergence": dv.stance_divergence(c, "stance", "target", **r),
        "StanceShares": dv.stance_shares(c, "stance", "target", **r),
        "JSDBias": dv.jsd_bias(np.array([[3, 4, 5], [6, 1, 2]])),
        "TopicComparison": dv.compare_topics(data=c, k=4, max_iter=10, **r),
    }


@pytest.fixture(scope="module")
def results():
    return _results(_corpus(False))


@pytest.fixture(scope="module")
def hostile_results():
    return _results(_corpus(True))


def test_every_result_class_is_covered(results):
    assert {type(v).__name__ for v in results.values()} == set(results)


@pytest.mark.parametrize(
    "name",
    [
        "Comparison",
        "Partisanship",
        "PartisanshipOverTime",
        "StanceDivergence",
        "StanceShares",
        "JSDBias",
        "TopicComparison",
    ],
)
def test_repr_is_a_short_summary(results, name):
    r = results[name]
    text = repr(r)
    lines = text.splitlines()
    assert 3 <= len(lines) <= 25, text
    assert lines[0].startswith(name)
    if name != "JSDBias":
        assert "seed 1" in text and "bootstrap 10" in text and "permutations 10" in text
        assert ".table" in text or ".prevalence" in text  # how to get the full tables
        assert "Armenia" in text
    p = _check_html(r._repr_html_())
    assert lines[0] in "".join(p.text)


def test_headline_numbers_are_shown(results):
    text = repr(results["Partisanship"])
    lo = results["Partisanship"].table.iloc[1]
    assert "leave-out" in text and f"{lo['value']:.4g}" in text
    assert f"[{lo['ci_low']:.4g}, {lo['ci_high']:.4g}]" in text
    cmp_text = repr(results["Comparison"])
    assert f"{results['Comparison'].table['value'].iloc[0]:.4g}" in cmp_text


@pytest.mark.parametrize(
    "name",
    [
        "Comparison",
        "Partisanship",
        "PartisanshipOverTime",
        "StanceDivergence",
        "StanceShares",
        "TopicComparison",
    ],
)
def test_html_escapes_hostile_labels(hostile_results, name):
    r = hostile_results[name]
    doc = r._repr_html_()
    assert HOSTILE not in doc and "&lt;script&gt;x&lt;/script&gt;" in doc
    p = _check_html(doc)
    assert HOSTILE in "".join(p.text)  # shown to the reader as text
    assert HOSTILE in repr(r)  # plain text as is
    assert len(repr(r).splitlines()) <= 25


def test_many_groups_stay_short():
    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, (120, 30))
    groups = np.array([f"g{i}" for i in range(12)])[np.arange(120) % 12]
    r = dv.compare(X, groups, bootstrap=0, permutations=0)
    text = repr(r)
    assert len(text.splitlines()) <= 25
    assert "more row(s)" in text and "4 more" in text  # 12 groups: the first 8 named
    _check_html(r._repr_html_())
