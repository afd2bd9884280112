"""Files in and out: the bundled example corpus, atomic writes, result tables, run manifests.

Every file this package writes goes through :func:`atomic_write`: the content is written to a
temporary file in the destination folder, flushed to disk (``fsync``) and renamed over the
destination (``os.replace``). An error or Ctrl-C while writing removes the temporary file, so a
destination is either the old file or the complete new one, never half written.

Several files written as one result (a table, its sibling tables, a figure and the manifest
that records their checksums) go through an :class:`OutputSet`: every file is written to a
temporary first, and only when all are written are they renamed into place, the manifest last;
a failure before that removes the temporaries and leaves the previous set untouched. Between
the first and the last rename a journal (``.NAME.PID-TAG.commit``) lists the renames, so that a
process killed in that instant is completed by the next write into the folder
(:func:`clean_stale`), which also removes temporaries (``.NAME.PID-TAG.part``) left by dead
processes. :func:`verify_manifest` checks a set against its manifest.

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
import re
import secrets
import sys
import tempfile
import threading
from datetime import date, datetime, timezone
from importlib import resources
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterable, List, Mapping, Optional, Set, Tuple, Union

import numpy as np
import pandas as pd

from ._util.types import PathLike

__all__ = [
    "EXAMPLE_NAME",
    "MANIFEST_NAME",
    "MANIFEST_SUFFIX",
    "TABLE_FORMATS",
    "OutputSet",
    "atomic_write",
    "clean_stale",
    "manifest_document",
    "manifest_path",
    "same_file",
    "table_payload",
    "verify_manifest",
    "write_stdout",
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
MANIFEST_SUFFIX = ".manifest.json"  # an output set's manifest: <output>.manifest.json
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

    Examples
    --------
    >>> import divergence as dv
    >>> dv.example_path().name
    'karabakh_statements.csv'
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

    Examples
    --------
    >>> import tempfile
    >>> import divergence as dv
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = dv.write_example(folder)
    ...     print(path.name)
    karabakh_statements.csv
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


# Temporary names: ``.NAME.PID-TAG.part`` (a file being written) and ``.NAME.PID-TAG.commit`` (a
# journal of renames), optionally followed by NAME's extension (for writers that choose the
# format by the extension, such as figures). The pid tells a later run whether the writer is
# still alive.
_TEMP_RE = re.compile(r"^\..+\.(?P<pid>[0-9]+)-[0-9a-f]+\.(?P<kind>part|commit)(\.[A-Za-z0-9]+)?$")


def _temp_path(dest: Path, kind: str = "part", keep_suffix: bool = False) -> Path:
    tail = dest.suffix if keep_suffix else ""
    return dest.with_name(f".{dest.name}.{os.getpid()}-{secrets.token_hex(4)}.{kind}{tail}")


def _create_temp(dest: Path, kind: str = "part", keep_suffix: bool = False) -> Tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = _temp_path(dest, kind, keep_suffix)
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
        except OSError as e:
            raise _naming(e, dest) from e


def _naming(e: OSError, dest: Path) -> OSError:
    """The same error naming the file the user asked for (``dest``), not its temporary: a
    read-only folder says 'Permission denied: out/r.csv'."""
    return type(e)(e.errno, e.strerror or str(e), os.fspath(dest))


def _new_permissions(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_current_umask()


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _write_temp(
    path: Path,
    data: Union[bytes, bytearray, memoryview, str, Writer],
    mode: str = "wb",
    kind: str = "part",
) -> Path:
    """Write ``data`` to a new temporary beside ``path`` (fsynced, with the permissions the
    destination will have); returns the temporary's path. On any exception the temporary is
    removed and the exception re-raised."""
    if mode not in ("wb", "w"):
        raise ValueError(f"mode: must be 'wb' (binary) or 'w' (text), got {mode!r}")
    if not (callable(data) or isinstance(data, (bytes, bytearray, memoryview, str))):
        raise TypeError(
            f"data: expected bytes, str or a callable writer(file), got {type(data).__name__}"
        )
    perms = _new_permissions(path)
    fd, tmp = _create_temp(path, kind)
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
            _fsync_file(tmp)
        os.chmod(tmp, perms)
    except BaseException:
        if f is None:
            os.close(fd)
        elif not f.closed:
            try:
                f.close()
            except Exception:
                pass
        _unlink_quietly(tmp)
        raise
    return tmp


def _fsync_file(path: Path) -> None:
    sync_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(sync_fd)
    finally:
        os.close(sync_fd)


def atomic_write(
    path: PathLike, data: Union[bytes, bytearray, memoryview, str, Writer], *, mode: str = "wb"
) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path`` as a Path.

    ``data`` is bytes, a str (written as UTF-8), or a callable ``writer(file)`` that writes into
    the open temporary file: a binary file for ``mode="wb"`` (the default), a UTF-8 text file
    with no newline translation for ``mode="w"``. The folder must exist. The temporary file
    (``.<name>.<pid>-<random>.part`` in the same folder) is flushed, fsynced and renamed over
    ``path``; on any exception, KeyboardInterrupt included, it is removed and the exception
    re-raised, leaving any previous ``path`` untouched. A temporary left by a process that was
    killed (SIGKILL) is removed by the next :class:`OutputSet` writing into the folder (see
    :func:`clean_stale`). The new file gets the usual permissions (0666 less the umask), or
    those of the file it replaces.
    """
    path = Path(path)
    tmp = _write_temp(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_dir(path.parent)
    return path


def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether paths ``a`` and ``b`` name the same file: the same device and inode when both
    exist (through links and different relative paths alike), else the same resolved path
    (``os.path.realpath``; ``sub/../x`` is ``x`` even before ``sub`` exists)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        pass
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except (OSError, ValueError):  # pragma: no cover
        return False


# --------------------------------------------------------------------------------------------
# Output sets


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, someone else's
        return True
    return True


def _roll_forward(journal: Path) -> None:
    """Finish the renames a journal lists (those whose temporary is still there), then remove
    the journal and its copies."""
    try:
        doc = json.loads(journal.read_text(encoding="utf-8"))
        renames = [(Path(a), Path(b)) for a, b in doc["renames"]]
        copies = [Path(p) for p in doc.get("journals", [])]
    except (OSError, ValueError, KeyError, TypeError):
        _unlink_quietly(journal)  # unreadable: written only in part, so no rename had begun
        return
    for tmp, dest in renames:
        if tmp.exists():
            os.replace(tmp, dest)
    for folder in {dest.parent for _, dest in renames}:
        _fsync_dir(folder)
    for j in [journal, *copies]:
        _unlink_quietly(j)


def clean_stale(folder: PathLike) -> List[Path]:
    """Tidy up after writers into ``folder`` that died (SIGKILL, power loss); returns what it
    removed or completed.

    A journal (``.NAME.PID-TAG.commit``) of a dead process means it was killed while renaming a
    complete output set into place: the remaining renames are done, so the folder holds the
    complete new set. Temporaries (``.NAME.PID-TAG.part``) of dead processes are removed.
    Files of living processes (this one included) are left alone.
    """
    folder = Path(folder)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    stale: List[Tuple[str, Path]] = []
    for name in names:
        m = _TEMP_RE.match(name)
        if m and not _pid_alive(int(m.group("pid"))):
            stale.append((m.group("kind"), folder / name))
    done: List[Path] = []
    for kind, path in sorted(stale, key=lambda kp: kp[0] != "commit"):  # journals first
        if kind == "commit":
            if path.exists():
                _roll_forward(path)
                done.append(path)
        elif path.exists():
            _unlink_quietly(path)
            done.append(path)
    return done


def manifest_path(output: PathLike) -> Path:
    """The manifest of the output set whose main file is ``output``:
    ``<output>.manifest.json`` beside it."""
    p = Path(output)
    return p.with_name(p.name + MANIFEST_SUFFIX)


class OutputSet:
    """Files written as one whole: all or none of them replace the previous ones.

    ``add``, ``add_table`` and ``add_path`` write each file to a temporary beside its
    destination (the folder is created if needed, and temporaries of dead writers there are
    cleaned up first); ``manifest`` asks for a manifest (written at commit, recording the
    sha256 of every file of the set); ``commit`` renames them all into place, the manifest last.
    Until ``commit`` nothing visible changes; ``abort`` (or leaving a ``with`` block by an
    exception) removes the temporaries. A destination that is the same file as one of
    ``protect`` (e.g. the inputs) is refused with ValueError.
    """

    def __init__(self, protect: Iterable[PathLike] = ()) -> None:
        self._protect = [Path(p) for p in protect]
        self._staged: List[Tuple[Path, Path]] = []  # (temporary, destination)
        self._folders: Set[Path] = set()
        self._manifest: Optional[Tuple[Path, Dict[str, Any]]] = None

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, kind: object, value: object, tb: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()

    def protect(self, paths: Iterable[PathLike]) -> None:
        """Also refuse destinations that are the same file as one of ``paths``."""
        self._protect.extend(Path(p) for p in paths)

    @property
    def destinations(self) -> List[Path]:
        """The files of the set so far (the manifest not included)."""
        return [dest for _, dest in self._staged]

    def _prepare(self, dest: PathLike) -> Path:
        dest = Path(dest)
        for p in self._protect:
            if same_file(dest, p):
                raise ValueError(f"output: {dest} is the input {p}; refusing to overwrite it")
        for other in self.destinations:
            if dest == other or same_file(dest, other):
                raise ValueError(f"output: {dest} is written twice in one output set")
        folder = dest.parent
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            clean_stale(folder)
            self._folders.add(folder)
        return dest

    def add(
        self,
        dest: PathLike,
        data: Union[bytes, bytearray, memoryview, str, Writer],
        mode: str = "wb",
    ) -> Path:
        """Stage ``data`` (as :func:`atomic_write` takes it) for ``dest``; returns ``dest``."""
        d = self._prepare(dest)
        self._staged.append((_write_temp(d, data, mode), d))
        return d

    def add_table(self, df: pd.DataFrame, dest: PathLike, fmt: Optional[str] = None) -> Path:
        """Stage a result table as :func:`write_table` writes it."""
        kind = _table_format(dest, fmt)
        if os.fspath(dest) == "-":
            raise ValueError("dest: an output set writes files, not standard output ('-')")
        return self.add(dest, table_payload(df, kind))

    def add_path(self, dest: PathLike, write: Callable[[Path], object]) -> Path:
        """Stage a file that ``write(path)`` writes itself (a figure, a saved model): it is
        handed a temporary path with ``dest``'s extension."""
        d = self._prepare(dest)
        fd, tmp = _create_temp(d, keep_suffix=True)
        os.close(fd)
        try:
            write(tmp)
            _fsync_file(tmp)
            os.chmod(tmp, _new_permissions(d))
        except BaseException:
            _unlink_quietly(tmp)
            raise
        self._staged.append((tmp, d))
        return d

    def manifest(
        self,
        dest: PathLike,
        command: str,
        params: Mapping[str, object],
        seed: Optional[int] = None,
        sources: Optional[Iterable[Union[Mapping[str, object], PathLike]]] = None,
        n_jobs: Optional[int] = None,
        options: Optional[Mapping[str, object]] = None,
        resolved: Optional[Mapping[str, object]] = None,
    ) -> Path:
        """Write a manifest to ``dest`` at commit (fields as :func:`manifest_document`, plus
        ``outputs``: path relative to the manifest's folder, bytes and sha256 of each file)."""
        d = self._prepare(dest)
        doc = manifest_document(command, params, seed, sources, n_jobs, options, resolved)
        self._manifest = (d, doc)
        return d

    def commit(self) -> List[Path]:
        """Rename every staged file into place, the manifest last; returns the destinations."""
        staged = list(self._staged)
        try:
            if self._manifest is not None:
                dest, doc = self._manifest
                doc["outputs"] = [
                    {
                        "path": os.path.relpath(d, dest.parent),
                        "bytes": t.stat().st_size,
                        "sha256": sha256_file(t),
                    }
                    for t, d in staged
                ]
                text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
                staged.append((_write_temp(dest, text), dest))
                self._staged = staged
            journals = self._journal(staged) if len(staged) > 1 else []
        except BaseException:
            self.abort()
            raise
        # From here on the journal completes the set if this process dies or a rename fails:
        # the temporaries are no longer this object's to remove.
        self._staged = []
        self._manifest = None
        for tmp, dest in staged:
            try:
                os.replace(tmp, dest)
            except OSError as e:
                raise _naming(e, dest) from e
        for folder in {d.parent for _, d in staged}:
            _fsync_dir(folder)
        for j in journals:
            _unlink_quietly(j)
        return [d for _, d in staged]

    def _journal(self, staged: List[Tuple[Path, Path]]) -> List[Path]:
        folders = sorted({d.parent for _, d in staged})
        names = [_temp_path(f / staged[-1][1].name, "commit") for f in folders]
        doc = {
            "renames": [[os.path.abspath(t), os.path.abspath(d)] for t, d in staged],
            "journals": [os.path.abspath(j) for j in names],
        }
        text = json.dumps(doc) + "\n"
        written: List[Path] = []
        try:
            for j in names:
                tmp = _write_temp(j, text)
                os.replace(tmp, j)
                written.append(j)
                _fsync_dir(j.parent)
        except BaseException:
            for j in written:
                _unlink_quietly(j)
            raise
        return written

    def abort(self) -> None:
        """Remove the temporaries; the destinations keep what they held."""
        for tmp, _ in self._staged:
            _unlink_quietly(tmp)
        self._staged = []
        self._manifest = None


def verify_manifest(path: PathLike) -> List[str]:
    """Check an output set against its manifest; returns the problems (empty: the set is whole).

    Each file the manifest's ``outputs`` lists (relative to the manifest's folder) must exist
    with the recorded size and sha256; a problem names the file ("r.csv: sha256 differs",
    "r.terms.csv: missing"). A manifest without ``outputs`` (written before they were
    recorded) is a problem too. Raises OSError / ValueError when the manifest cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import divergence as dv
    >>> from click.testing import CliRunner
    >>> from divergence.cli import main
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = str(Path(folder) / "terms.csv")
    ...     _ = CliRunner().invoke(main, ["terms", "--example", "--format", "csv", "-o", out])
    ...     print(dv.verify_manifest(out + ".manifest.json"))
    ...     _ = Path(out).write_text("changed")
    ...     print([p.replace(folder, "DIR") for p in dv.verify_manifest(out + ".manifest.json")])
    []
    ['DIR/terms.csv: size differs from the manifest']
    """
    path = Path(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    outputs = doc.get("outputs") if isinstance(doc, dict) else None
    if not isinstance(outputs, list):
        return [f"{path}: records no outputs"]
    problems: List[str] = []
    for entry in outputs:
        f = path.parent / str(entry.get("path"))
        if not f.is_file():
            problems.append(f"{f}: missing")
        elif f.stat().st_size != entry.get("bytes", f.stat().st_size):
            problems.append(f"{f}: size differs from the manifest")
        elif sha256_file(f) != entry.get("sha256"):
            problems.append(f"{f}: sha256 differs from the manifest")
    return problems


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


def table_payload(df: pd.DataFrame, kind: str) -> Union[bytes, str]:
    """A result table as written by :func:`write_table` in format ``kind`` (csv, json: str;
    parquet: bytes)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    table = _flat(df)
    if kind == "parquet":
        buf = io.BytesIO()
        frame = table.copy()
        frame.columns = [str(c) for c in frame.columns]
        frame.to_parquet(buf, index=False)
        return buf.getvalue()
    if kind == "json":
        return table_json(table)
    return table.to_csv(index=False, lineterminator="\n")


def write_stdout(text: str) -> None:
    """Write ``text`` to standard output completely, or raise BrokenPipeError.

    Python's buffered stdout can drop the rest of a large write silently when the reader
    closes the pipe (``| head``) after part of it was written; this writes to the file
    descriptor in a loop, so that the closed pipe is always seen. A stdout without a file
    descriptor (a test runner's capture) gets an ordinary write.
    """
    out = sys.stdout
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        out.write(text)
        out.flush()
        return
    out.flush()
    data = text.encode(
        getattr(out, "encoding", None) or "utf-8", getattr(out, "errors", None) or "strict"
    )
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_table(df: pd.DataFrame, path: PathLike, fmt: Optional[str] = None) -> Optional[Path]:
    """Write a result table as csv, json or parquet; returns the path (None for stdout).

    ``fmt`` defaults to the file extension (.csv, .json, .parquet); ``path="-"`` writes csv
    (the default there) or json to standard output; parquet cannot go to standard output. The
    parent folder is created if needed and the file written atomically.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    kind = _table_format(path, fmt)
    to_stdout = os.fspath(path) == "-"
    if kind == "parquet" and to_stdout:
        raise ValueError(
            "write_table: parquet cannot be written to standard output ('-'); give a file name"
        )
    payload = table_payload(df, kind)
    if to_stdout:
        assert isinstance(payload, str)
        write_stdout(payload)
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


def manifest_document(
    command: str,
    params: Mapping[str, object],
    seed: Optional[int] = None,
    sources: Optional[Iterable[Union[Mapping[str, object], PathLike]]] = None,
    n_jobs: Optional[int] = None,
    options: Optional[Mapping[str, object]] = None,
    resolved: Optional[Mapping[str, object]] = None,
) -> Dict[str, Any]:
    """The fields of a manifest (see :func:`write_manifest`) as a dict of JSON values; with
    ``options`` (a command line's options as given: value and source of each) and
    ``resolved`` (what they resolved to), also ``options`` and ``resolved``, the latter
    with the ``seed`` and ``threads`` used."""
    if not isinstance(command, str):
        raise TypeError(f"command: expected a string, got {type(command).__name__}")
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a mapping, got {type(params).__name__}")
    from ._util.version import VERSION as __version__

    threads = _thread_count(n_jobs)
    doc: Dict[str, Any] = {
        "version": __version__,
        "command": command,
        "parameters": jsonable(dict(params)),
    }
    if options is not None:
        doc["options"] = jsonable(dict(options))
    if resolved is not None:
        doc["resolved"] = jsonable({**dict(resolved), "seed": seed, "threads": threads})
    return {
        **doc,
        "seed": jsonable(seed),
        "inputs": [_source_entry(s) for s in (sources or [])],
        "n_jobs": jsonable(n_jobs),
        "threads": threads,
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(terse=True),
    }


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
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    doc = manifest_document(command, params, seed, sources, n_jobs)
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return atomic_write(folder / MANIFEST_NAME, text)
