"""Helpers shared by the subcommands: errors and exit codes, progress, number formatting,
metric names, writing tables (the option groups are in ``_options``)."""

from __future__ import annotations

import functools
import os
import sys
import time
import traceback
from pathlib import Path
from typing import IO, Any, Callable, List, Mapping, Optional, Sequence, TypeVar, cast

import click
import pandas as pd

from .. import METRICS

EXIT_RUNTIME, EXIT_DATA, EXIT_RESOURCES, EXIT_INTERRUPTED = 1, 3, 4, 130

FORMATS = ("table", "csv", "json", "parquet")

# A command function (or any callable) that a decorator hands back with its signature kept.
F = TypeVar("F", bound=Callable[..., object])


class DataError(click.ClickException):
    """Invalid input data: exit code 3."""

    exit_code = EXIT_DATA

    def show(self, file: Optional[IO[Any]] = None) -> None:  # click's signature
        click.echo(f"error: {self.format_message()}", err=True)


class Failure(click.ClickException):
    exit_code = EXIT_RUNTIME

    def show(self, file: Optional[IO[Any]] = None) -> None:  # click's signature
        click.echo(f"error: {self.format_message()}", err=True)


def handle_errors(fn: F) -> F:
    """Turn exceptions into messages and exit codes, never a traceback (unless --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> object:
        from .. import CorpusError

        debug = bool(os.environ.get("DIVERGENCE_DEBUG"))
        try:
            return fn(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): stop quietly, as command-line tools do.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except OSError:
                pass
            sys.exit(EXIT_RUNTIME)
        except KeyboardInterrupt:
            click.echo("interrupted: no output was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except CorpusError as e:
            if debug:
                traceback.print_exc()
            raise DataError(str(e)) from e
        except MemoryError:
            click.echo(
                "error: out of memory; try fewer replicates or a smaller vocabulary"
                " (--max-features)",
                err=True,
            )
            sys.exit(EXIT_RESOURCES)
        except (ValueError, TypeError) as e:
            if debug:
                traceback.print_exc()
            raise DataError(str(e)) from e
        except OSError as e:
            if debug:
                traceback.print_exc()
            raise Failure(
                f"{e.strerror or e}: {e.filename}" if getattr(e, "filename", None) else str(e)
            ) from e

    return cast(F, wrapper)


class Progress:
    """Step messages on stderr, only when stderr is a terminal (and not --no-progress)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._t = time.perf_counter()

    def step(self, msg: str) -> None:
        if self.enabled:
            click.echo(f"... {msg}", err=True)
        self._t = time.perf_counter()

    def bar(self, done: int, total: int) -> None:
        """A one-line progress bar (rewritten in place)."""
        if not self.enabled or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r    [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            click.echo(f"\r    done in {time.perf_counter() - self._t:.1f} s" + " " * 40, err=True)


def fmt_value(v: Optional[float], digits: int = 3) -> str:
    """A number for a terminal table: ``-`` when missing (None or NaN), else ``digits``
    decimals (infinities print as ``inf`` / ``-inf``)."""
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    return f"{v:.{digits}f}"


def fmt_interval(low: Optional[float], high: Optional[float]) -> str:
    """An interval for a terminal table, ``[low, high]``; ``-`` when there is none (NaN)."""
    return "-" if low is None or low != low else f"[{fmt_value(low)}, {fmt_value(high)}]"


def echo_notes(notes: Sequence[str]) -> None:
    """A result's notes on stderr."""
    for note in notes:
        click.echo(f"note: {note}", err=True)


def check_metrics(metrics: Sequence[str]) -> List[str]:
    out = []
    for m in metrics:
        for part in m.split(","):
            part = part.strip()
            if not part:
                continue
            if part not in METRICS:
                raise click.BadParameter(
                    f"unknown metric {part!r}; valid: {', '.join(METRICS)}", param_hint="--metric"
                )
            out.append(part)
    return out or ["jsd"]


def write_outputs(
    tables: Mapping[str, Optional[pd.DataFrame]],
    fmt: str,
    output: Optional[str],
    command: str,
    params: Mapping[str, object],
    seed: Optional[int],
    sources: Sequence[Mapping[str, object]],
    n_jobs: Optional[int],
) -> List[str]:
    """Write the main table to ``output`` and the others beside it (``name.<table>.ext``);
    json to stdout holds every table in one document. Returns the written paths."""
    from .. import _output as io

    if output is None:
        output = "-"
    written: List[str] = []
    names = list(tables)
    main_name = names[0]
    if output == "-":
        if fmt == "parquet":
            raise click.UsageError("--format parquet needs -o FILE (it cannot go to stdout)")
        if fmt == "json":
            import json

            doc = {k: json.loads(io.table_json(v)) for k, v in tables.items() if v is not None}
            click.echo(json.dumps(doc, ensure_ascii=False))
        else:
            io.write_table(tables[main_name], "-", "csv")
        return written
    out = Path(output)
    ext = {"csv": ".csv", "json": ".json", "parquet": ".parquet"}[fmt]
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    io.write_table(tables[main_name], out, fmt)
    written.append(str(out))
    for k in names[1:]:
        if tables[k] is None:
            continue
        p = out.with_name(f"{stem}.{k}{ext}")
        io.write_table(tables[k], p, fmt)
        written.append(str(p))
    io.write_manifest(
        out.parent if str(out.parent) else Path("."),
        command,
        params,
        seed=seed,
        sources=sources,
        n_jobs=n_jobs,
    )
    written.append(str(out.parent / "manifest.json"))
    return written
