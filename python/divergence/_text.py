"""Texts to term counts: :class:`Vectorizer`, a drop-in for scikit-learn's ``CountVectorizer``.

Tokenising, vocabulary building and counting run in the compiled core, in parallel over
statements, with the GIL released. With the defaults the result is *identical* to
``sklearn.feature_extraction.text.CountVectorizer(lowercase=True)`` on any text: the same
vocabulary (same order) and the same counts. That is, for each statement:

1. (optional, off by default) Unicode normalisation ``normalize="NFC"`` / ``"NFKC"`` (or
   ``"NFD"``/``"NFKD"``), done in Python with :func:`unicodedata.normalize` before the text
   reaches the core (CountVectorizer does not normalise; NFKC folds compatibility forms such
   as "ﬁ" -> "fi" and full-width letters, NFC composes "e" + U+0301 into "é" so that it stays
   inside a word);
2. ``str.lower()`` exactly as Python does it: full case mapping (``"İ"`` becomes ``"i"`` +
   U+0307 COMBINING DOT ABOVE, and U+0307 is not a word character, so ``"İstanbul"`` gives the
   token ``"stanbul"``), and the final sigma rule (``"Σ"`` becomes ``"ς"`` at the end of a word,
   ``"σ"`` elsewhere);
3. tokens are the maximal runs of word characters (Python ``re``'s ``\\w``: ``str.isalnum()``
   or ``"_"``; letters, digits of every script, and the underscore; not combining marks) with
   at least ``min_token_length`` code points: 2 reproduces the token pattern
   ``(?u)\\b\\w\\w+\\b``, 1 the pattern ``(?u)\\b\\w+\\b``;
4. tokens in ``stop_words`` are removed (exact match with the lowercased token), then n-grams
   for n in ``ngram_range`` are formed over the remaining tokens, joined by one space.

The character data (what ``str.isalnum`` and ``str.lower`` do per code point) is generated from
CPython by ``tools/gen_unicode_tables.py``; ``divergence._core.UNICODE_VERSION`` says which
Unicode version it holds (a Python with a different Unicode version may differ on characters
that version added or changed).

The vocabulary is sorted (code point order, as ``sorted()`` on the terms) and pruned as
CountVectorizer prunes it: ``min_df``/``max_df`` (int: number of statements; float in [0, 1]:
proportion of statements), then ``max_features`` (the most frequent terms by total count).
CountVectorizer breaks ties at the ``max_features`` cut with an unstable sort, so which of
several equally frequent terms it keeps is not defined; ``Vectorizer`` keeps the ones that come
first in vocabulary order. Apart from such ties the two agree.

Statements may be ``str`` or ``bytes`` (UTF-8). A ``str`` may hold lone surrogates; they are not
word characters and separate tokens, as in Python. Invalid UTF-8 in ``bytes`` raises
``ValueError`` naming the statement and the byte offset (CountVectorizer raises
``UnicodeDecodeError``, also a ``ValueError``).

Results are identical for every ``n_jobs``.
"""

from __future__ import annotations

import numbers
import sys
import unicodedata
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np
import scipy.sparse as sp

from . import _core
from ._util.types import DTypeLike
from ._util.validation import (
    INT32_MAX,
    INT64_MAX,
    check_choice,
    check_int,
    is_int,
    resolve_n_jobs,
)

__all__ = ["Vectorizer"]

# A statement: text, or UTF-8 bytes.
Document = Union[str, bytes]
# What fit_transform / transform return (csr_array under scikit-learn's "sparray" setting).
CountMatrix = Union["sp.csr_matrix", "sp.csr_array"]

_NORMAL_FORMS = ("NFC", "NFKC", "NFD", "NFKD")
_PARAMS = (
    "lowercase",
    "normalize",
    "ngram_range",
    "min_df",
    "max_df",
    "max_features",
    "stop_words",
    "min_token_length",
    "binary",
    "dtype",
    "n_jobs",
)


def _not_fitted(name: str) -> Exception:
    # scikit-learn's NotFittedError (a ValueError and AttributeError), imported only when needed
    # so that `import divergence` does not pay for importing scikit-learn.
    from sklearn.exceptions import NotFittedError

    return NotFittedError(
        f"This {name} instance is not fitted yet. Call 'fit' or 'fit_transform' first."
    )


def _is_real_not_int(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, numbers.Integral))


class Vectorizer:
    """Convert statements to a matrix of term counts (scikit-learn ``CountVectorizer`` semantics).

    Parameters
    ----------
    lowercase : bool, default True
        Lowercase with ``str.lower()`` before tokenising.
    normalize : {"NFC", "NFKC", "NFD", "NFKD"} or None, default None
        Unicode normalisation applied (in Python, with :func:`unicodedata.normalize`) before
        lowercasing. Off by default, as in CountVectorizer. Stop words are not normalised.
    ngram_range : (int, int), default (1, 1)
        ``(min_n, max_n)``, 1 <= min_n <= max_n <= 2**31 - 1: the n-grams of tokens to count.
    min_df, max_df : int or float, default 1 and 1.0
        Keep terms whose document frequency is in [min_df, max_df]. An int is a number of
        statements (>= 1 for max_df, >= 0 for min_df); a float in [0.0, 1.0] a proportion of
        the statements.
    max_features : int or None, default None
        Keep at most this many terms (after min_df/max_df): those with the largest total count;
        ties at the cut go to the term first in vocabulary order.
    stop_words : "english", iterable of str, or None, default None
        Tokens to drop before n-grams are formed ("english": scikit-learn's list). Matched
        exactly against the lowercased tokens, so give them in lowercase.
    min_token_length : int, default 2
        Shortest token in code points; 2 is CountVectorizer's default token pattern, 1 keeps
        one-letter tokens.
    binary : bool, default False
        Count presence (1) instead of occurrences; ``max_features`` then ranks by document
        frequency, as in CountVectorizer.
    dtype : NumPy dtype, default numpy.int64
        dtype of the returned matrix.
    n_jobs : int or None, default None
        Threads: None or -1 = every CPU this process may use, 1 = serial, at most 4096.
        Results do not depend on it.

    Attributes
    ----------
    vocabulary_ : dict of str -> int
        Term -> column (built on first access).
    fixed_vocabulary_ : bool
        Always False (the vocabulary is learnt by ``fit``), as CountVectorizer without
        ``vocabulary=``.

    Returns of ``fit_transform``/``transform``: a ``scipy.sparse.csr_matrix`` (or ``csr_array``
    when scikit-learn's ``sparse_interface`` config says "sparray") of shape
    (statements, terms), sorted column indices, int64 counts.

    Examples
    --------
    >>> import divergence as dv
    >>> vec = dv.Vectorizer(stop_words="english")
    >>> X = vec.fit_transform(["Talks in Baku.", "Talks in Brussels, then Baku."])
    >>> vec.get_feature_names_out().tolist()
    ['baku', 'brussels', 'talks']
    >>> X.toarray().tolist()
    [[1, 0, 1], [1, 1, 1]]
    """

    def __init__(
        self,
        *,
        lowercase: bool = True,
        normalize: Optional[str] = None,
        ngram_range: Tuple[int, int] = (1, 1),
        min_df: Union[int, float] = 1,
        max_df: Union[int, float] = 1.0,
        max_features: Optional[int] = None,
        stop_words: Union[str, Iterable[str], None] = None,
        min_token_length: int = 2,
        binary: bool = False,
        dtype: DTypeLike = np.int64,
        n_jobs: Optional[int] = None,
    ) -> None:
        self.lowercase = lowercase
        self.normalize = normalize
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.stop_words = stop_words
        self.min_token_length = min_token_length
        self.binary = binary
        self.dtype = dtype
        self.n_jobs = n_jobs

    # -- scikit-learn estimator protocol --------------------------------------------------------

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """Parameters of this vectorizer (for ``sklearn.base.clone``, grid search, pipelines)."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params: Any) -> Vectorizer:
        """Set parameters by name; returns self."""
        for name, value in params.items():
            if name not in _PARAMS:
                raise ValueError(
                    f"Invalid parameter {name!r} for Vectorizer; "
                    f"valid parameters: {', '.join(_PARAMS)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = Vectorizer().get_params()
        changed = []
        for k, v in self.get_params().items():
            d = defaults[k]
            same = v is d or (type(v) is type(d) and _safe_equal(v, d))
            if not same:
                changed.append(f"{k}={v!r}")
        return f"Vectorizer({', '.join(changed)})"

    # -- validation -----------------------------------------------------------------------------

    def _options(self) -> Dict[str, Any]:
        if not isinstance(self.lowercase, (bool, np.bool_)):
            raise TypeError(f"lowercase: expected a bool, got {type(self.lowercase).__name__}")
        check_choice(self.normalize, "normalize", _NORMAL_FORMS + (None,))
        ngram = self.ngram_range
        if not isinstance(ngram, tuple) or len(ngram) != 2 or not all(is_int(n) for n in ngram):
            raise TypeError(f"ngram_range: expected a tuple of two ints, got {ngram!r}")
        min_n, max_n = int(ngram[0]), int(ngram[1])
        if min_n > max_n:
            raise ValueError(
                f"Invalid value for ngram_range={ngram} lower boundary larger than the upper "
                "boundary."
            )
        if min_n < 1 or max_n > INT32_MAX:
            raise ValueError(
                f"ngram_range: n-gram lengths must be in [1, {INT32_MAX}], got {ngram}"
            )
        for name, lo in (("min_df", 0), ("max_df", 1)):
            v = getattr(self, name)
            if is_int(v):
                if v < lo:
                    raise ValueError(
                        f"{name}: an int must be >= {lo} (a number of statements), got {v}"
                    )
            elif _is_real_not_int(v):
                if not 0.0 <= float(v) <= 1.0:
                    raise ValueError(
                        f"{name}: a float must be in [0.0, 1.0] (a proportion), got {v}"
                    )
            else:
                raise TypeError(f"{name}: expected an int or a float, got {type(v).__name__}")
        check_int(self.max_features, "max_features", minimum=1, maximum=INT64_MAX, allow_none=True)
        mtl = check_int(self.min_token_length, "min_token_length", minimum=1, maximum=INT32_MAX)
        if not isinstance(self.binary, (bool, np.bool_)):
            raise TypeError(f"binary: expected a bool, got {type(self.binary).__name__}")
        return {
            "lowercase": bool(self.lowercase),
            "min_token_length": mtl,
            "ngram_min": min_n,
            "ngram_max": max_n,
            "stop_words": self._stop_list(),
        }

    def _stop_list(self) -> Optional[List[str]]:
        sw = self.stop_words
        if sw is None:
            return None
        if isinstance(sw, str):
            if sw == "english":
                from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

                return sorted(ENGLISH_STOP_WORDS)
            raise ValueError(f"not a built-in stop list: {sw}")
        words = list(sw)
        for w in words:
            if not isinstance(w, str):
                raise TypeError(f"stop_words: expected str items, got {type(w).__name__}")
        return words

    def _documents(self, raw_documents: Iterable[Document]) -> List[Document]:
        if isinstance(raw_documents, (str, bytes)):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        # Item types are checked by the core's binding (TypeError naming the statement).
        docs = raw_documents if isinstance(raw_documents, list) else list(raw_documents)
        if self.normalize is not None:
            form: Any = self.normalize  # typeshed wants a Literal; _options checked the value
            docs = [unicodedata.normalize(form, _decode(d, i)) for i, d in enumerate(docs)]
        return docs

    # -- fitting and transforming ---------------------------------------------------------------

    def fit(self, raw_documents: Iterable[Document], y: object = None) -> Vectorizer:
        """Learn the vocabulary of the statements; returns self."""
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents: Iterable[Document], y: object = None) -> CountMatrix:
        """Learn the vocabulary and return the statement x term count matrix (CSR)."""
        opts = self._options()
        docs = self._documents(raw_documents)
        n_jobs = resolve_n_jobs(self.n_jobs)
        n_doc = len(docs)
        max_doc = float(self.max_df) if is_int(self.max_df) else float(self.max_df) * n_doc
        min_doc = float(self.min_df) if is_int(self.min_df) else float(self.min_df) * n_doc
        terms, offsets, csr, n_seen = _core.tokenize_fit(
            docs,
            min_df=min_doc,
            max_df=max_doc,
            max_features=0 if self.max_features is None else int(self.max_features),
            binary=bool(self.binary),
            n_jobs=n_jobs,
            **opts,
        )
        if n_seen == 0:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        if max_doc < min_doc:
            raise ValueError("max_df corresponds to < documents than min_df")
        if len(offsets) == 1:
            raise ValueError(
                "After pruning, no terms remain. Try a lower min_df or a higher max_df."
            )
        self._terms = terms
        self._term_offsets = offsets
        self._vocabulary: Optional[Dict[str, int]] = None
        self._feature_names: Optional[np.ndarray] = None
        self.fixed_vocabulary_ = False
        return self._matrix(csr)

    def transform(self, raw_documents: Iterable[Document]) -> CountMatrix:
        """Count the fitted vocabulary's terms in the statements (other terms are ignored)."""
        if not hasattr(self, "_terms"):
            raise _not_fitted(type(self).__name__)
        opts = self._options()
        docs = self._documents(raw_documents)
        csr = _core.tokenize_count(
            docs,
            terms=self._terms,
            term_offsets=self._term_offsets,
            binary=bool(self.binary),
            n_jobs=resolve_n_jobs(self.n_jobs),
            **opts,
        )
        return self._matrix(csr)

    def _matrix(self, csr: Tuple[Any, ...]) -> CountMatrix:
        indptr, indices, data, rows, cols = csr
        if indptr[-1] <= np.iinfo(np.int32).max and cols <= np.iinfo(np.int32).max:
            indptr = indptr.astype(np.int32)  # as scikit-learn; no copy of indices then
        else:
            indices = indices.astype(np.int64)
        dtype = np.dtype(self.dtype)
        if dtype != data.dtype:
            data = data.astype(dtype)
        cls = sp.csr_matrix
        skl = sys.modules.get("sklearn")
        if skl is not None:  # follow scikit-learn's sparse_interface setting when it is loaded
            cfg: Dict[str, Any] = getattr(skl, "get_config", dict)()
            if cfg.get("sparse_interface") == "sparray":
                cls = sp.csr_array
        X = cls((data, indices, indptr), shape=(int(rows), int(cols)))
        X.has_sorted_indices = True
        return X

    # -- fitted vocabulary ----------------------------------------------------------------------

    def _term_list(self) -> List[str]:
        if not hasattr(self, "_terms"):
            raise _not_fitted(type(self).__name__)
        return _core.tokenize_terms(self._terms, self._term_offsets)

    @property
    def vocabulary_(self) -> Dict[str, int]:
        """Term -> column index (a dict; built on first access after fitting)."""
        if not hasattr(self, "_terms"):
            raise AttributeError("vocabulary_: the Vectorizer is not fitted yet")
        if self._vocabulary is None:
            self._vocabulary = {t: i for i, t in enumerate(self._term_list())}
        return self._vocabulary

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """The terms in column order, as an object array of str."""
        if not hasattr(self, "_terms"):
            raise _not_fitted(type(self).__name__)
        if self._feature_names is None:
            names = np.empty(len(self._term_offsets) - 1, dtype=object)
            names[:] = self._term_list()
            self._feature_names = names
        return self._feature_names.copy()

    def build_analyzer(self) -> Callable[[Document], List[str]]:
        """A function statement -> list of terms (tokens, then n-grams), as CountVectorizer's."""
        opts = self._options()
        form: Any = self.normalize  # typeshed wants a Literal; _options checked the value

        def analyze(doc: Document) -> List[str]:
            if form is not None:
                doc = unicodedata.normalize(form, _decode(doc, 0))
            return _core.tokenize_analyze(doc, **opts)

        return analyze

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_vocabulary", None)
        state.pop("_feature_names", None)
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "_terms" in state:
            self._vocabulary = None
            self._feature_names = None


def _decode(b: Any, i: int) -> Any:
    """bytes -> str (UTF-8) before normalising; str and other types pass through unchanged."""
    if isinstance(b, str) or not isinstance(b, (bytes, bytearray)):
        return b
    try:
        return bytes(b).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"statement {i}: invalid UTF-8 at byte offset {e.start}") from e


def _safe_equal(a: object, b: object) -> bool:
    try:
        return bool(a == b)
    except Exception:  # pragma: no cover - exotic parameter values
        return False
