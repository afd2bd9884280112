"""Files in and out: the bundled example corpus, atomic writes, result tables, run manifests.

Every file this package writes goes through :func:`atomic_write`: the content is written to a
temporary file in the destination folder, flushed to disk (``fsync``) and renamed over the
destination (``os.replace``). An error or Ctrl-C while writing removes the temporary file, so a
destination is either the old file or the complete new one, never half written.

Result tables (:func:`write_table`) are written as

- ``csv``: UTF-8, comma separated, LF line endings, floats at full precision;
- ``json``: one JSON document, a list of records ``[{"column": value, ...}, ...]``; NaN and
  missing values are ``null``, infinities are the strings ``"Infinity"`` / ``"-Infinity"``
  (JSON has no infinity), times are ISO strings (``"2022-09-08"`` when every time in the column
  is midnight);
- ``parquet``: via pyarrow.

A table whose index carries information (named, or anything but the default 0..n-1) is written
with the index as its first column(s). ``-`` as the path writes csv or json to standard output.
"""

from __future__ import annotations

import io
import json
import math
import os
import platform
import sys
import tempfile
import threading
from datetime import date, datetime, timezone
from importlib import resources
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterable, List, Mapping, Optional, Union

import numpy as np
import pandas as pd

from ._util.types import PathLike

__all__ = [
    "EXAMPLE_NAME",
    "MANIFEST_NAME",
    "TABLE_FORMATS",
    "atomic_write",
    "example_path",
    "jsonable",
    "sha256_bytes",
    "sha256_file",
    "write_example",
    "write_manifest",
    "write_table",
]

EXAMPLE_NAME = "karabakh_statements.csv"
MANIFEST_NAME = "manifest.json"
TABLE_FORMATS = ("csv", "json", "parquet")
_TABLE_EXTENSIONS = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}

# writer(file) for atomic_write: the file is binary or text by ``mode``, so IO[Any]; the return
# value is ignored.
Writer = Callable[[IO[Any]], object]
# What jsonable returns: plain JSON values.
JSONValue = Union[None, bool, int, float, str, List["JSONValue"], Dict[str, "JSONValue"]]

_umask_lock = threading.Lock()


# --------------------------------------------------------------------------------------------
# Hashes and the bundled example


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


def sha256_file(path: PathLike) -> str:
    """Hex SHA-256 of the file at ``path``, read in 1 MiB blocks."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _example_resource() -> Any:
    return resources.files("divergence") / "data" / EXAMPLE_NAME


_extracted_example: Optional[Path] = None


def example_path() -> Path:
    """Path of the bundled example corpus ``karabakh_statements.csv``.

    An invented, illustrative corpus (170 statements by 4 parties, 2022-09 to 2023-11; columns
    id, date, party, speaker, text, target, stance); see ``data/README.md``. Not real quotations.
    """
    global _extracted_example
    ref = _example_resource()
    if isinstance(ref, Path):
        return ref
    # Installed inside a zip archive: extract once to a private temporary folder.
    if _extracted_example is None or not _extracted_example.exists():  # pragma: no cover
        folder = Path(tempfile.mkdtemp(prefix="divergence-example-"))
        target = folder / EXAMPLE_NAME
        target.write_bytes(ref.read_bytes())
        _extracted_example = target
    return _extracted_example  # pragma: no cover


def write_example(folder: PathLike, *, overwrite: bool = True) -> Path:
    """Copy the bundled example corpus into ``folder`` (created if needed); returns the new path.

    The copy is written atomically. With ``overwrite=False`` an existing file is left alone and
    FileExistsError is raised.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / EXAMPLE_NAME
    if not overwrite and dest.exists():
        raise FileExistsError(
            f"write_example: {dest} already exists (pass overwrite=True to replace it)"
        )
    return atomic_write(dest, _example_resource().read_bytes())


# --------------------------------------------------------------------------------------------
# Atomic writes


def _current_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _umask_lock:  # pragma: no cover - non-Linux
        mask = os.umask(0o022)
        os.umask(mask)
    return mask  # pragma: no cover


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)


def atomic_write(
    path: PathLike, data: Union[bytes, bytearray, memoryview, str, Writer], *, mode: str = "wb"
) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path`` as a Path.

    ``data`` is bytes, a str (written as UTF-8), or a callable ``writer(file)`` that writes into
    the open temporary file: a binary file for ``mode="wb"`` (the default), a UTF-8 text file
    with no newline translation for ``mode="w"``. The folder must exist. The temporary file
    (``.<name>.<random>.part`` in the same folder) is flushed, fsynced and renamed over ``path``;
    on any exception, KeyboardInterrupt included, it is removed and the exception re-raised,
    leaving any previous ``path`` untouched. The new file gets the usual permissions
    (0666 less the umask), or those of the file it replaces.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode: must be 'wb' (binary) or 'w' (text), got {mode!r}")
    if not (callable(data) or isinstance(data, (bytes, bytearray, memoryview, str))):
        raise TypeError(
            f"data: expected bytes, str or a callable writer(file), got {type(data).__name__}"
        )
    path = Path(path)
    folder = path.parent
    try:
        perms = path.stat().st_mode & 0o7777
    except OSError:
        perms = 0o666 & ~_current_umask()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    f: Optional[IO[Any]] = None
    try:
        if callable(data):
            if mode == "w":
                f = open(fd, "w", encoding="utf-8", newline="")
            else:
                f = open(fd, "wb")
            data(f)
        else:
            f = open(fd, "wb")
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        if not f.closed:
            f.flush()
            os.fsync(f.fileno())
            f.close()
        else:  # the writer closed the file itself
            sync_fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(sync_fd)
            finally:
                os.close(sync_fd)
        os.chmod(tmp, perms)
        os.replace(tmp, path)
    except BaseException:
        if f is None:
            os.close(fd)
        elif not f.closed:
            try:
                f.close()
            except Exception:
                pass
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)
    return path


# --------------------------------------------------------------------------------------------
# JSON conversion


def _clean_float(x: float) -> Union[float, str, None]:
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def jsonable(obj: object) -> JSONValue:
    """``obj`` converted to plain JSON types.

    NumPy scalars and arrays become numbers and lists, NaN / NaT / pd.NA become None,
    infinities the strings "Infinity" / "-Infinity", times ISO strings, paths strings, tuples
    and sets lists (sets sorted), mappings dicts with string keys.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, np.bool_):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _clean_float(float(obj))
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is pd.NaT or obj is pd.NA:
        return None
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if isinstance(obj, np.datetime64):
        return None if np.isnat(obj) else pd.Timestamp(obj).isoformat()
    if isinstance(obj, (pd.Timedelta, np.timedelta64)):
        return None if pd.isna(obj) else pd.Timedelta(obj).isoformat()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (set, frozenset)):
        items = [jsonable(v) for v in obj]
        try:
            # mypy cannot know that the items compare: values of mixed kinds raise TypeError,
            # caught here (they keep the set's order)
            return sorted(items)  # type: ignore[type-var]
        except TypeError:
            return items
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (list, tuple, pd.Series, pd.Index)):
        return [jsonable(v) for v in list(obj)]
    if isinstance(obj, bytes):
        return obj.decode("utf-8", errors="replace")
    return str(obj)


def _column_for_json(s: pd.Series) -> List[JSONValue]:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        valid = s.dropna()
        # Dates without a time of day are written as YYYY-MM-DD, as pandas writes them to CSV.
        if (
            getattr(s.dt, "tz", None) is None
            and len(valid)
            and bool((valid == valid.dt.normalize()).all())
        ):
            return [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in s]
        return [None if pd.isna(v) else v.isoformat() for v in s]
    return [jsonable(v) for v in s.tolist()]


def table_json(df: pd.DataFrame) -> str:
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise ValueError("write_table: column names must be unique for json output")
    columns = [_column_for_json(df.iloc[:, j]) for j in range(df.shape[1])]
    records = (
        [dict(zip(names, row)) for row in zip(*columns)]
        if columns
        else [{} for _ in range(len(df))]
    )
    return json.dumps(records, ensure_ascii=False, allow_nan=False) + "\n"


# --------------------------------------------------------------------------------------------
# Tables


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Index turned into columns unless it is the default 0..n-1 RangeIndex without a name."""
    idx = df.index
    trivial = (
        isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1 and idx.name is None
    )
    if trivial:
        return df
    return df.reset_index()


def _table_format(path: PathLike, fmt: Optional[str]) -> str:
    if fmt is not None:
        if not isinstance(fmt, str):
            raise TypeError(f"fmt: expected a string or None, got {type(fmt).__name__}")
        key = fmt.lower()
        if key not in TABLE_FORMATS:
            raise ValueError(
                f"fmt: unknown table format {fmt!r}; choose one of {', '.join(TABLE_FORMATS)}"
            )
        return key
    if os.fspath(path) == "-":
        return "csv"
    suffix = Path(path).suffix.lower()
    if suffix not in _TABLE_EXTENSIONS:
        raise ValueError(
            f"fmt: cannot tell the table format of {os.fspath(path)!r} from its extension; "
            f"pass fmt= ({', '.join(TABLE_FORMATS)}) or use .csv, .json or .parquet"
        )
    return _TABLE_EXTENSIONS[suffix]


def write_table(df: pd.DataFrame, path: PathLike, fmt: Optional[str] = None) -> Optional[Path]:
    """Write a result table as csv, json or parquet; returns the path (None for stdout).

    ``fmt`` defaults to the file extension (.csv, .json, .parquet); ``path="-"`` writes csv
    (the default there) or json to standard output; parquet cannot go to standard output. The
    parent folder is created if needed and the file written atomically.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    kind = _table_format(path, fmt)
    table = _flat(df)
    to_stdout = os.fspath(path) == "-"
    if kind == "parquet":
        if to_stdout:
            raise ValueError(
                "write_table: parquet cannot be written to standard output ('-'); give a file name"
            )
        buf = io.BytesIO()
        frame = table.copy()
        frame.columns = [str(c) for c in frame.columns]
        frame.to_parquet(buf, index=False)
        payload: Union[bytes, str] = buf.getvalue()
    elif kind == "json":
        payload = table_json(table)
    else:
        payload = table.to_csv(index=False, lineterminator="\n")
    if to_stdout:
        assert isinstance(payload, str)
        out = sys.stdout
        out.write(payload)
        out.flush()
        return None
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(target, payload)


# --------------------------------------------------------------------------------------------
# Manifests


def _thread_count(n_jobs: Optional[int]) -> Optional[int]:
    try:
        from ._measures import resolve_n_jobs
    except ImportError:  # pragma: no cover - compiled core missing
        return None
    try:
        return resolve_n_jobs(n_jobs)
    except (TypeError, ValueError):
        return None


def _source_entry(src: object) -> Dict[str, JSONValue]:
    if isinstance(src, Mapping):
        return {str(k): jsonable(v) for k, v in src.items()}
    if isinstance(src, (str, os.PathLike)):
        p = Path(src)
        return {"path": os.fspath(src), "sha256": sha256_file(p) if p.is_file() else None}
    raise TypeError(f"sources: expected dicts (corpus.sources) or paths, got {type(src).__name__}")


def write_manifest(
    folder: PathLike,
    command: str,
    params: Mapping[str, object],
    seed: Optional[int] = None,
    sources: Optional[Iterable[Union[Mapping[str, object], PathLike]]] = None,
    n_jobs: Optional[int] = None,
) -> Path:
    """Write ``folder/manifest.json`` (atomically) describing one run; returns its path.

    Fields: ``version`` (divergence), ``command``, ``parameters``, ``seed``, ``inputs`` (one
    dict per input file: path, sha256, format, rows; ``corpus.sources`` fits, plain paths are
    hashed here), ``n_jobs`` as given and ``threads`` (the number it resolves to),
    ``created_utc`` (ISO 8601, seconds, ``Z``), and the ``python``, ``numpy``, ``pandas``
    versions and ``platform``. Parameter values are converted to JSON types (paths to strings,
    tuples to lists, NumPy scalars to numbers).
    """
    if not isinstance(command, str):
        raise TypeError(f"command: expected a string, got {type(command).__name__}")
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a mapping, got {type(params).__name__}")
    from ._util.version import VERSION as __version__

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "version": __version__,
        "command": command,
        "parameters": jsonable(dict(params)),
        "seed": jsonable(seed),
        "inputs": [_source_entry(s) for s in (sources or [])],
        "n_jobs": jsonable(n_jobs),
        "threads": _thread_count(n_jobs),
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(terse=True),
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return atomic_write(folder / MANIFEST_NAME, text)
