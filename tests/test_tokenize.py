"""The tokeniser and divergence.Vectorizer against scikit-learn's CountVectorizer.

CountVectorizer is the oracle: with the same options, the vocabulary (terms and order) and the
count matrix must be identical, on the UN General Debate corpus, on hand-written multilingual
text, and on random Unicode text (hypothesis).
"""

from __future__ import annotations

import pickle
import re
import unicodedata
import warnings
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer

from divergence import Vectorizer, _core

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
UNGD = SHARED_DATA / "ungd_caucasus.csv"

SAME_UNICODE = _core.UNICODE_VERSION == unicodedata.unidata_version
needs_same_unicode = pytest.mark.skipif(
    not SAME_UNICODE,
    reason=f"tables hold Unicode {_core.UNICODE_VERSION}, this Python has "
    f"{unicodedata.unidata_version}: rerun tools/gen_unicode_tables.py",
)

MULTILINGUAL = [
    # Armenian (with the Armenian full stop and a hyphenated abbreviation)
    "Հայաստանի Հանրապետությունը ողջունում է ՄԱԿ-ի Գլխավոր ասամբլեայի նստաշրջանը։ ՀԱՅԱՍՏԱՆ և Արցախ",
    # Azerbaijani Latin: ə, ı, İ, ğ, ş
    "Azərbaycan Respublikası İNSAN HAQLARI; İlham Əliyev, Qarabağ, ıslahat, IĞDIR, Şuşa ŞƏHƏRİ",
    # Russian
    "Российская Федерация поддерживает ДИАЛОГ; Ёлка и ЁЖ, МИД России: 2023 г. ООН-ом",
    # Greek: final sigma in all its contexts
    "ΟΔΟΣ ΟΔΟΣ. Ο ΛΟΓΟΣ ΤΗΣ ΕΛΛΑΔΟΣ' ΣΑΣ Σ ΑΣ. ΑΣ'Α ὈΔΥΣΣΕΥΣ Ἀθῆναι ΣΊΣΥΦΟΣ ΑΣ\u0301 ΑΣ\u0301Α",
    # Arabic (Arabic-Indic digits, a right-to-left mark, tatweel)
    "الجمعية العامة للأمم المتحدة ١٢٣ مؤتمر\u200f السلام والأمن الدوليين ـ ٢٠١٥",
    # Chinese (no spaces: one run per clause)
    "联合国大会第七十届会议，中华人民共和国。和平与发展！",
    # Emoji, ZWJ sequences, variation selectors, flags, skin tones
    "peace 🕊️ and love ❤️ 👍🏽 👨\u200d👩\u200d👧 flags 🇦🇲🇦🇿 ok👌ok",
    # Combining marks: decomposed accents split words; zalgo
    "cafe\u0301 café nai\u0308ve e\u0301le\u0300ve Z\u0335a\u0336l\u0337g\u0338o o\u0308o",
    # Digits of several scripts, superscripts, fractions, roman numerals, underscores
    "2024 ٢٠٢٤ ²³ x² ½ Ⅻ x_1 __init__ snake_case ①② ௧௨ 12_000 _ __",
    # Turkish dotted capital I: lowers to "i" + U+0307 (not a word character)
    "İSTANBUL İzmir DİYARBAKIR Iİ ıI İİ aİb",
    # German sharp s, ligatures, titlecase digraphs
    "STRASSE Straße ﬁnance ǅemal ǄEMAL ǆ",
    # Georgian (Mtavruli capitals lower to Mkhedruli), Cherokee, Devanagari vowel signs
    "ᲡᲐᲥᲐᲠᲗᲕᲔᲚᲝ საქართველო ᏣᎳᎩ ꮳꮃꭹ नमस्ते भारत",
    # Punctuation and case-ignorable characters between letters
    "don't it’s U.S.A. e-mail a:b soft\u00adhyphen zero\u200bwidth x·y",
    "",
    "   ",
]


def vectorizers(**kw: Any):
    """(ours, CountVectorizer) with the same options."""
    ours_kw = dict(kw)
    skl_kw = dict(kw)
    skl_kw.pop("n_jobs", None)
    mtl = skl_kw.pop("min_token_length", 2)
    if mtl == 1:
        skl_kw["token_pattern"] = r"(?u)\b\w+\b"
    norm = skl_kw.pop("normalize", None)
    if norm is not None:
        lower = skl_kw.get("lowercase", True)
        skl_kw["preprocessor"] = lambda s: (
            unicodedata.normalize(norm, s).lower() if lower else unicodedata.normalize(norm, s)
        )
    return Vectorizer(**ours_kw), CountVectorizer(**skl_kw)


def assert_same_matrix(X: Any, Y: Any) -> None:
    assert sp.issparse(X) and X.format == "csr"
    assert X.shape == Y.shape
    assert X.dtype == Y.dtype
    X = X.tocsr()
    Y = Y.tocsr()
    Y.sort_indices()
    np.testing.assert_array_equal(X.indptr, Y.indptr)
    np.testing.assert_array_equal(X.indices, Y.indices)
    np.testing.assert_array_equal(X.data, Y.data)


def assert_same_fit(texts: List[Any], n_jobs: int = 2, **kw: Any) -> Vectorizer:
    ours, skl = vectorizers(n_jobs=n_jobs, **kw)
    try:
        Y = skl.fit_transform(texts)
    except ValueError as e:  # empty vocabulary, nothing left after pruning, undecodable bytes
        with pytest.raises(ValueError) as ours_err:
            ours.fit_transform(texts)
        if not isinstance(e, UnicodeDecodeError):
            assert str(ours_err.value) == str(e)
        return ours
    X = ours.fit_transform(texts)
    assert ours.get_feature_names_out().tolist() == skl.get_feature_names_out().tolist()
    assert ours.vocabulary_ == skl.vocabulary_
    assert_same_matrix(X, Y)
    return ours


# -- the UN General Debate corpus ------------------------------------------------------------------


@pytest.fixture(scope="module")
def ungd() -> List[str]:
    if not UNGD.exists():
        pytest.skip(f"shared data not found: {UNGD}")
    import pandas as pd

    return pd.read_csv(UNGD)["text"].astype(str).tolist()


@pytest.mark.shared_data
def test_ungd_default_equals_countvectorizer(ungd: List[str]) -> None:
    ours = assert_same_fit(ungd)
    assert len(ours.vocabulary_) > 10_000


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "kw",
    [
        dict(ngram_range=(1, 2)),
        dict(ngram_range=(2, 3), stop_words="english"),
        dict(min_df=3, max_df=0.5),
        dict(min_df=0.1, max_df=20),
        dict(stop_words=["the", "of", "and", "united", "nations"]),
        dict(min_token_length=1, lowercase=False),
        dict(binary=True, min_df=2),
        dict(normalize="NFKC"),
    ],
    ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()),
)
def test_ungd_options_equal_countvectorizer(ungd: List[str], kw: Dict[str, Any]) -> None:
    assert_same_fit(ungd[:60], **kw)


@pytest.mark.shared_data
def test_ungd_max_features_without_ties(ungd: List[str]) -> None:
    texts = ungd[:120]
    tf = np.asarray(CountVectorizer().fit_transform(texts).sum(axis=0)).ravel()
    ordered = np.sort(tf)[::-1]
    # cut points where the k-th and (k+1)-th largest totals differ: the kept set is defined
    cuts = [k for k in (10, 50, 200, 1000, 3000) if ordered[k - 1] != ordered[k]]
    assert cuts
    for k in cuts:
        assert_same_fit(texts, max_features=k)


@pytest.mark.shared_data
def test_ungd_transform_equals_countvectorizer(ungd: List[str]) -> None:
    ours, skl = vectorizers(n_jobs=2)
    ours.fit(ungd[:200])
    skl.fit(ungd[:200])
    assert_same_matrix(ours.transform(ungd[200:]), skl.transform(ungd[200:]))


# -- multilingual text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        {},
        dict(min_token_length=1),
        dict(lowercase=False),
        dict(ngram_range=(1, 3)),
        dict(normalize="NFC"),
        dict(normalize="NFKC"),
        dict(stop_words=["και", "и", "və", "the"]),
    ],
    ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "default",
)
def test_multilingual_equals_countvectorizer(kw: Dict[str, Any]) -> None:
    assert_same_fit(MULTILINGUAL, **kw)
    for t in MULTILINGUAL:
        if t.strip():
            ours, skl = vectorizers(**kw)
            assert ours.build_analyzer()(t) == skl.build_analyzer()(t)


def test_turkish_dotted_i_and_final_sigma() -> None:
    analyze = Vectorizer().build_analyzer()
    # "İ".lower() == "i\u0307"; U+0307 is not \w, so it splits the word, and "i" alone is too short
    assert analyze("İstanbul") == ["stanbul"]
    assert analyze("İstanbul") == re.findall(r"(?u)\b\w\w+\b", "İstanbul".lower())
    assert Vectorizer(min_token_length=1).build_analyzer()("İzmir") == ["i", "zmir"]
    # Final sigma: ς at the end of a word, σ elsewhere (case-ignorable characters skipped)
    small, final = "\u03c3", "\u03c2"
    assert analyze("ΟΔΟΣ ΣΑΣ. ΑΣ'Α") == ["οδο" + final, small + "α" + final, "α" + small]
    assert analyze("ΑΣ\u0301") == ["α" + final]  # the combining accent is skipped
    assert analyze("ΑΣ\u0301Α") == ["α" + small]  # ... and a letter follows it
    assert analyze("Σ") == [] and Vectorizer(min_token_length=1).build_analyzer()("Σ") == [small]


def test_ascii_runs_of_every_length() -> None:
    # The ASCII fast path copies 16 bytes at a time: runs that end at, before and after chunk
    # edges, at the very end of the text, and runs continued by non-ASCII letters.
    rng = np.random.default_rng(5)
    alphabet = list("abcXYZ019_")
    texts = []
    for n in range(1, 70):
        word = "".join(rng.choice(alphabet, size=n))
        texts += [word, " " + word, word + "é" + word, word + "-" + word.upper() + " x", "Ä" + word]
    texts.append("Q" * 5000 + "ü" + "w" * 33)
    for kw in ({}, dict(lowercase=False), dict(min_token_length=1)):
        assert_same_fit(texts, **kw)


def test_lone_surrogates_separate_tokens_like_python() -> None:
    texts = ["ab\udc80cd", "\ud800xyz\udfff", "Σ\ud800ΑΣ"]
    assert_same_fit(texts)
    assert Vectorizer().build_analyzer()("ab\udc80cd") == ["ab", "cd"]


def test_bytes_are_utf8() -> None:
    texts = [t.encode("utf-8") for t in MULTILINGUAL]
    assert_same_fit(texts)


@pytest.mark.parametrize(
    "bad, offset",
    [
        (b"ok \xff", 3),
        (b"\xc0\xaf", 0),  # overlong "/"
        (b"ab\xed\xa0\x80", 2),  # a surrogate encoded in bytes
        (b"abc\xe2\x82", 3),  # truncated at the end
        (b"x\xf4\x90\x80\x80", 1),  # above U+10FFFF
        (b"\xe0\x80\x80", 0),  # overlong 3-byte
        (b"caf\xc3", 3),
        (b"\x80", 0),
    ],
)
def test_invalid_utf8_raises_value_error(bad: bytes, offset: int) -> None:
    with pytest.raises(UnicodeDecodeError) as py_err:
        bad.decode("utf-8")
    assert py_err.value.start == offset  # the same offset Python reports
    texts = [b"fine text", "also fine", bad]
    for n_jobs in (1, 2):
        with pytest.raises(
            ValueError, match=rf"^statement 2: invalid UTF-8 at byte offset {offset}$"
        ):
            Vectorizer(n_jobs=n_jobs).fit_transform(texts)
    v = Vectorizer().fit(["fine text"])
    with pytest.raises(ValueError, match=rf"statement 1: invalid UTF-8 at byte offset {offset}"):
        v.transform(["fine", bad])


def test_first_invalid_statement_is_reported_whatever_the_threads() -> None:
    texts = ["word " * 50] * 200 + [b"bad \xff here"] + ["more words"] * 200 + [b"\xfe"]
    for n_jobs in (1, 2, 3, 8):
        with pytest.raises(ValueError, match="^statement 200: invalid UTF-8 at byte offset 4$"):
            Vectorizer(n_jobs=n_jobs).fit_transform(texts)


def test_bad_item_types() -> None:
    with pytest.raises(TypeError, match="statement 1: expected str or bytes, got float"):
        Vectorizer().fit_transform(["a text", float("nan")])
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        Vectorizer().fit_transform("a single string")


# -- random text ----------------------------------------------------------------------------------

# Characters that stress lowercasing and Final_Sigma: sigmas, cased letters of several kinds,
# case-ignorable ones (combining marks, apostrophes, periods, colons, modifier letters, format
# characters), letters whose lowercase differs in length, digits, separators.
TRICKY = list(
    "ΣσςΑαAaİIıi\u0307\u0301\u0345'.:\u00ad\u02b0\u2019ǅǄß_1²½ Ⅻⓐ\U0001d400\u10a0\u1c90Ꮳꭰΐ\n\t-"
)


@needs_same_unicode
@settings(deadline=None, max_examples=300)
@given(st.lists(st.text(), min_size=1, max_size=6))
def test_random_text_equals_countvectorizer(texts: List[str]) -> None:
    assert_same_fit(texts)


@needs_same_unicode
@settings(deadline=None, max_examples=300)
@given(
    st.lists(st.text(alphabet=st.sampled_from(TRICKY), max_size=30), min_size=1, max_size=5),
    st.sampled_from(
        [{}, dict(min_token_length=1), dict(ngram_range=(1, 2)), dict(lowercase=False)]
    ),
)
def test_tricky_text_equals_countvectorizer(texts: List[str], kw: Dict[str, Any]) -> None:
    assert_same_fit(texts, **kw)


@needs_same_unicode
@settings(deadline=None, max_examples=200)
@given(
    st.lists(st.binary(max_size=20) | st.text(max_size=10).map(str.encode), min_size=1, max_size=4)
)
def test_random_bytes(texts: List[bytes]) -> None:
    for i, b in enumerate(texts):
        try:
            b.decode("utf-8")
        except UnicodeDecodeError as e:
            with pytest.raises(
                ValueError, match=rf"^statement {i}: invalid UTF-8 at byte offset {e.start}$"
            ):
                Vectorizer(n_jobs=1).fit_transform(texts)
            return
    assert_same_fit(texts)


# -- options and invariants -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw", [{}, dict(ngram_range=(1, 3), stop_words=["and"]), dict(max_features=7)]
)
def test_result_does_not_depend_on_n_jobs(kw: Dict[str, Any]) -> None:
    texts = MULTILINGUAL * 5 + [f"word{i % 17} and w{i % 5} and more{i}" for i in range(300)]
    ref = Vectorizer(n_jobs=1, **kw)
    Xr = ref.fit_transform(texts)
    for n_jobs in (2, 3, 7):
        v = Vectorizer(n_jobs=n_jobs, **kw)
        X = v.fit_transform(texts)
        assert v.get_feature_names_out().tolist() == ref.get_feature_names_out().tolist()
        assert_same_matrix(X, Xr)
        assert_same_matrix(v.transform(texts[::-1]), ref.transform(texts[::-1]))


def test_max_features_ties_go_to_vocabulary_order() -> None:
    texts = ["dd cc bb aa", "ee ee ff"]
    v = Vectorizer(max_features=3)
    X = v.fit_transform(texts)
    # ee (2) first, then the earliest of the terms seen once: aa, bb
    assert v.get_feature_names_out().tolist() == ["aa", "bb", "ee"]
    assert X.toarray().tolist() == [[1, 1, 0], [0, 0, 2]]


def test_min_max_df_as_counts_and_proportions() -> None:
    texts = ["aa bb cc", "aa bb", "aa", "dd"]
    for kw in (
        dict(min_df=2),
        dict(min_df=0.5),
        dict(max_df=2),
        dict(max_df=0.5),
        dict(min_df=2, max_df=2),
    ):
        assert_same_fit(texts, **kw)
    assert Vectorizer(min_df=2, max_df=2).fit(texts).get_feature_names_out().tolist() == ["bb"]


def test_binary_and_dtype() -> None:
    texts = ["aa aa bb", "bb cc cc cc"]
    assert_same_fit(texts, binary=True)
    assert_same_fit(texts, dtype=np.float32)
    assert_same_fit(texts, binary=True, max_features=2)


def test_errors_match_countvectorizer() -> None:
    with pytest.raises(
        ValueError, match="empty vocabulary; perhaps the documents only contain stop words"
    ):
        Vectorizer().fit(["a b c", "!!"])
    with pytest.raises(ValueError, match="empty vocabulary"):
        Vectorizer(stop_words=["the"]).fit(["the the"])
    with pytest.raises(ValueError, match="empty vocabulary"):
        Vectorizer().fit([])
    with pytest.raises(ValueError, match="After pruning, no terms remain"):
        Vectorizer(min_df=2).fit(["aa bb", "cc"])
    with pytest.raises(ValueError, match="max_df corresponds to < documents than min_df"):
        Vectorizer(min_df=3, max_df=2).fit(["aa bb", "aa", "aa"])
    with pytest.raises(ValueError, match="lower boundary larger than the upper boundary"):
        Vectorizer(ngram_range=(2, 1)).fit(["aa bb"])
    with pytest.raises(ValueError, match="ngram_range"):
        Vectorizer(ngram_range=(0, 1)).fit(["aa bb"])
    with pytest.raises(TypeError, match="ngram_range"):
        Vectorizer(ngram_range=[1, 2]).fit(["aa bb"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_df"):
        Vectorizer(min_df=1.5).fit(["aa"])
    with pytest.raises(ValueError, match="max_df"):
        Vectorizer(max_df=0).fit(["aa"])
    with pytest.raises(TypeError, match="max_df"):
        Vectorizer(max_df="all").fit(["aa"])
    with pytest.raises(ValueError, match="max_features"):
        Vectorizer(max_features=0).fit(["aa"])
    with pytest.raises(ValueError, match="min_token_length"):
        Vectorizer(min_token_length=0).fit(["aa"])
    with pytest.raises(ValueError, match="normalize"):
        Vectorizer(normalize="NFX").fit(["aa"])
    with pytest.raises(ValueError, match="not a built-in stop list"):
        Vectorizer(stop_words="french").fit(["aa"])
    with pytest.raises(NotFittedError):
        Vectorizer().transform(["aa"])
    with pytest.raises(NotFittedError):
        Vectorizer().get_feature_names_out()
    with pytest.raises(AttributeError):
        Vectorizer().vocabulary_  # noqa: B018


def test_transform_ignores_unknown_terms_and_keeps_empty_rows() -> None:
    ours, skl = vectorizers()
    ours.fit(["alpha beta", "beta gamma"])
    skl.fit(["alpha beta", "beta gamma"])
    new = ["delta", "", "gamma gamma alpha", "ΑΛΦΑ beta"]
    assert_same_matrix(ours.transform(new), skl.transform(new))


def test_estimator_protocol_clone_pickle() -> None:
    v = Vectorizer(ngram_range=(1, 2), min_df=1, stop_words=["aa"], n_jobs=1)
    c = clone(v)
    assert c.get_params() == v.get_params()
    assert "ngram_range=(1, 2)" in repr(v)
    v.set_params(min_token_length=1)
    assert v.min_token_length == 1
    with pytest.raises(ValueError, match="Invalid parameter"):
        v.set_params(token_pattern="x")
    X = v.fit_transform(["aa bb c", "bb c dd"])
    w = pickle.loads(pickle.dumps(v))
    assert w.vocabulary_ == v.vocabulary_
    assert_same_matrix(w.transform(["bb c"]), v.transform(["bb c"]))
    assert X.shape == (2, len(v.vocabulary_))


def test_sparse_interface_follows_sklearn_config() -> None:
    import sklearn

    if "sparse_interface" not in sklearn.get_config():
        pytest.skip("this scikit-learn has no sparse_interface setting")
    with sklearn.config_context(sparse_interface="sparray"):
        X = Vectorizer().fit_transform(["aa bb"])
    assert isinstance(X, sp.csr_array)
    assert isinstance(Vectorizer().fit_transform(["aa bb"]), sp.csr_matrix)


def test_english_stop_words_consistent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same_fit(
            ["The cat and the hat were on the mat", "A dog is not a cat"], stop_words="english"
        )


def test_core_direct_surface() -> None:
    terms, offsets, csr, n_seen = _core.tokenize_fit(
        ["bb aa bb", "cc"],
        lowercase=True,
        min_token_length=2,
        ngram_min=1,
        ngram_max=1,
        stop_words=None,
        min_df=1.0,
        max_df=2.0,
        max_features=0,
        binary=False,
        n_jobs=1,
    )
    assert terms == b"aabbcc" and offsets.tolist() == [0, 2, 4, 6] and n_seen == 3
    indptr, indices, data, rows, cols = csr
    assert (indptr.tolist(), indices.tolist(), data.tolist()) == ([0, 2, 3], [0, 1, 2], [1, 2, 1])
    assert (rows, cols) == (2, 3)
    assert _core.tokenize_terms(terms, offsets) == ["aa", "bb", "cc"]
    with pytest.raises(ValueError, match="repeats"):
        _core.tokenize_count(["aa"], True, 2, 1, 1, None, b"aaaa", np.array([0, 2, 4]), False, 1)
