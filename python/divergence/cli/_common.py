"""Helpers shared by the subcommands: errors and exit codes, progress, number formatting,
metric names, writing tables (the option groups are in ``_options``)."""

from __future__ import annotations

import functools
import os
import re
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import (
    IO,
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    TypeVar,
    cast,
)

import click
import pandas as pd

from .. import METRICS

EXIT_RUNTIME, EXIT_DATA, EXIT_RESOURCES, EXIT_INTERRUPTED = 1, 3, 4, 130
# The reader of standard output went away (`| head`): exit quietly with 128 + SIGPIPE, the
# status a Unix tool killed by SIGPIPE reports (as git does), in every command and format.
EXIT_BROKEN_PIPE = 128 + 13
# Signals that stop a run like Ctrl-C does (temporaries removed), exiting with 128 + n.
TERMINATING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like KeyboardInterrupt (temporaries are removed on
    the way), then the command exits with 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def terminating_signals() -> Iterator[None]:
    """SIGTERM / SIGHUP raise :class:`Terminated` inside the block (main thread only; the
    previous handlers come back afterwards). A second signal while unwinding is ignored, so
    that the clean-up finishes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum: int, frame: Optional[FrameType]) -> None:
        for s in TERMINATING_SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        raise Terminated(signum)

    previous = {s: signal.signal(s, raise_terminated) for s in TERMINATING_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


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
            with terminating_signals():
                return fn(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): stop quietly, as command-line tools do.
            _quiet_stdout()
            sys.exit(EXIT_BROKEN_PIPE)
        except KeyboardInterrupt:
            click.echo("interrupted: no output was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Terminated as e:
            name = signal.Signals(e.signum).name
            click.echo(f"terminated ({name}): no output was written", err=True)
            sys.exit(128 + e.signum)
        except CorpusError as e:
            if debug:
                traceback.print_exc()
            raise DataError(str(e)) from e
        except MemoryError as e:
            click.echo(
                f"error: {e}"
                if str(e)
                else "error: out of memory; try fewer replicates or a smaller vocabulary"
                " (--max-features)",
                err=True,
            )
            sys.exit(EXIT_RESOURCES)
        except (ValueError, TypeError) as e:
            if debug:
                traceback.print_exc()
            raise DataError(cli_message(str(e))) from e
        except OSError as e:
            if debug:
                traceback.print_exc()
            raise Failure(
                f"{e.strerror or e}: {e.filename}" if getattr(e, "filename", None) else str(e)
            ) from e

    return cast(F, wrapper)


# Library keywords that a command's option names differently (the others are the option's own
# name with "-" for "_": speaker_group_policy is --speaker-group-policy).
KEYWORD_OPTIONS = {
    "speakers": "--speaker-col",
    "alpha0": "--prior",
    "n_jobs": "--jobs",
    "ngram_range": "--ngram",
    "normalize": "--normalize-text",
    "top_terms": "--top-terms",
    "k": "--k",
}
# Keywords that also name data in messages ("groups: ... needs two groups with tokens"): only
# translated where written as keyword=value.
DATA_WORDS = frozenset({"groups", "group", "corpus", "text", "k"})


def keyword_options(command: Optional[click.Command] = None) -> Dict[str, str]:
    """Python keyword -> CLI option of ``command`` (default: the running one): every option
    by its parameter name, and :data:`KEYWORD_OPTIONS` where the command has that option."""
    if command is None:
        ctx = click.get_current_context(silent=True)
        if ctx is None:
            return {}
        command = ctx.command
    options = {
        p.name: option_label(p) for p in command.params if isinstance(p, click.Option) and p.name
    }
    labels = set(options.values())
    options.update({kw: opt for kw, opt in KEYWORD_OPTIONS.items() if opt in labels})
    return options


def cli_message(message: str, command: Optional[click.Command] = None) -> str:
    """A library error message as the command line says it: a Python keyword of an option of
    ``command`` (default: the running one) becomes the option. ``name='x'`` (or ``name=x``)
    becomes ``--name x``; a message starting ``name:`` starts ``--name:``; an underscored
    keyword anywhere (``speaker_group_policy``) becomes its option. A keyword whose option the
    message already names (``time_col= (CLI --time-col)``) is left alone."""
    for kw, opt in sorted(keyword_options(command).items(), key=lambda x: -len(x[0])):
        if opt in message:
            continue
        word = re.escape(kw)

        def as_option(m: re.Match[str], opt: str = opt) -> str:
            return f"{opt} {m.group(1) or m.group(2) or m.group(3) or ''}".rstrip()

        message = re.sub(
            rf"(?<![\w./\\-]){word}=(?:'([^']*)'|\"([^\"]*)\"|([^\s,;)]*))", as_option, message
        )
        if kw in DATA_WORDS:
            continue
        message = re.sub(rf"^{word}:", f"{opt}:", message)
        if "_" in kw:
            # not inside a path or a file name (out/top_terms.csv)
            message = re.sub(rf"(?<![\w./\\-]){word}(?![\w(/\\-]|\.\w)", opt, message)
    return message


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
    staged: Any,  # an OutputSet: the files are written when it commits
    resolved: Optional[Mapping[str, object]] = None,
) -> List[str]:
    """Stage the main table for ``output``, the others beside it (``name.<table>.ext``) and
    the manifest (``output.manifest.json``) in ``staged``; json to stdout holds every table in
    one document, csv to stdout the main table (both written at once). Returns the staged
    paths as the messages name them, the manifest last. The manifest records ``params``,
    every option of the running click command as given (:func:`given_options`) and
    ``resolved`` (what the options resolved to: columns, stop words, vocabulary, solver...;
    the seed and thread count are added)."""
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
            io.write_stdout(json.dumps(doc, ensure_ascii=False) + "\n")
        else:
            io.write_table(tables[main_name], "-", "csv")
        return written
    out = Path(output)
    ext = {"csv": ".csv", "json": ".json", "parquet": ".parquet"}[fmt]
    staged.add_table(tables[main_name], out, fmt)
    written.append(str(out))
    for k in names[1:]:
        if tables[k] is None:
            continue
        p = out.with_name(f"{sibling_stem(out)}.{k}{ext}")
        staged.add_table(tables[k], p, fmt)
        written.append(str(p))
    man = io.manifest_path(out)
    staged.manifest(
        man,
        command,
        params,
        seed=seed,
        sources=sources,
        n_jobs=n_jobs,
        options=given_options(),
        resolved=resolved or {},
    )
    written.append(str(man))
    return written


def option_label(param: click.Parameter) -> str:
    """How the command line names a parameter: its longest option (``--min-df``), or the
    argument's name in capitals (``CORPUS``)."""
    if isinstance(param, click.Option) and param.opts:
        return max(param.opts, key=len)
    return (param.name or "").upper()


def given_options() -> Dict[str, Dict[str, object]]:
    """Every parameter of the running click command (none outside one): its value as click
    parsed it and where it came from (``commandline``, ``environment``, ``default``...), keyed
    by :func:`option_label`."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return {}
    out: Dict[str, Dict[str, object]] = {}
    for param in ctx.command.params:
        if param.name is None:
            continue
        source = ctx.get_parameter_source(param.name)
        out[option_label(param)] = {
            "value": ctx.params.get(param.name),
            "source": source.name.lower() if source is not None else "default",
        }
    return out


def sibling_stem(out: Path) -> str:
    """The name the sibling tables of ``out`` start with (``res`` for ``res.csv``)."""
    return out.name[: -len(out.suffix)] if out.suffix else out.name
