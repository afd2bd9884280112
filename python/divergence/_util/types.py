"""Type aliases shared by the package's signatures: one name for each kind of argument.

Only for annotations (every module has ``from __future__ import annotations``): the aliases
are ordinary module attributes, so they import at run time on every supported Python, but the
names inside them are forward references (strings) wherever the class may be missing from an
older NumPy, SciPy or pandas. pandas and SciPy have no type information here, so their classes
read as ``Any`` to mypy: in those aliases the name documents what is meant.

Append new aliases at the end (another part of the package may be adding its own); keep each
with a one-line comment saying what it stands for.
"""

from __future__ import annotations

import os
from datetime import date
from typing import (
    TYPE_CHECKING,
    Callable,
    Hashable,
    Iterable,
    Optional,
    Protocol,
    Sequence,
    Union,
)

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # pragma: no cover - annotations only
    import pandas as pd
    import scipy.sparse as sp

__all__ = [
    "ArrayLike",
    "Counts",
    "DTypeLike",
    "FrameLike",
    "Indices",
    "Labels",
    "MatrixLike",
    "PathLike",
    "Progress",
    "Seed",
    "SupportsToPandas",
    "TimeBound",
    "TimesLike",
    "VectorizerLike",
    "WindowSpec",
]

# A file path: a string or any os.PathLike (pathlib.Path...).
PathLike = Union[str, "os.PathLike[str]"]

# Anything NumPy turns into an array (lists, tuples, arrays, pandas Series...).
ArrayLike = npt.ArrayLike

# Anything NumPy turns into a dtype (np.float64, "float32", np.dtype(...)).
DTypeLike = npt.DTypeLike

# Rows of counts or distributions: dense (anything array-like) or a SciPy sparse matrix / array.
MatrixLike = Union[npt.ArrayLike, "sp.spmatrix", "sp.sparray"]

# A statement x term count matrix: a dense array or a SciPy sparse matrix / array.
Counts = Union[np.ndarray, "sp.spmatrix", "sp.sparray"]

# Positions of rows: a sequence of ints or an integer array.
Indices = Union[Sequence[int], np.ndarray]

# A seed for the random streams: a non-negative integer, or None for a fresh one.
Seed = Optional[int]

# A progress callback, called as progress(done, total); its return value is ignored.
Progress = Optional[Callable[[int, int], object]]

# A bound of a period: a year (2020, "2020"), an ISO date string, a date, datetime or
# pd.Timestamp (a datetime), or an np.datetime64.
TimeBound = Union[int, np.integer, str, date, np.datetime64, "pd.Timestamp"]

# One time per statement: a sequence, array, pandas Series or Index (of dates, ISO strings or
# years; see divergence._util.timeutil).
TimesLike = Union[Sequence[object], np.ndarray, "pd.Series", "pd.Index"]

# A window or step: a number of statements (50, "50") or a span of time ("90D", "6M", "1Y").
WindowSpec = Union[int, np.integer, str]


class SupportsToPandas(Protocol):
    """A table that converts itself to a pandas DataFrame (polars, pyarrow)."""

    def to_pandas(self) -> pd.DataFrame: ...


# A data frame: pandas, or a table with to_pandas().
FrameLike = Union["pd.DataFrame", SupportsToPandas]


# One label per statement (a group, a speaker): a sequence of hashable values, an array or a
# pandas Series.
Labels = Union[Sequence[Hashable], np.ndarray, "pd.Series"]


class VectorizerLike(Protocol):
    """Turns statements into a statement x term count matrix: divergence.Vectorizer, or any
    object with scikit-learn's fit_transform / transform / get_feature_names_out
    (CountVectorizer)."""

    def fit_transform(self, raw_documents: Iterable[str], /) -> Counts: ...

    def transform(self, raw_documents: Iterable[str], /) -> Counts: ...

    def get_feature_names_out(self) -> np.ndarray: ...
