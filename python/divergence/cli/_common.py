"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import functools
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import click

from .. import METRICS

EXIT_RUNTIME, EXIT_DATA, EXIT_RESOURCES, EXIT_INTERRUPTED = 1, 3, 4, 130

FORMATS = ("table", "csv", "json", "parquet")


class DataError(click.ClickException):
    """Invalid input data: exit code 3."""

    exit_code = EXIT_DATA

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class Failure(click.ClickException):
    exit_code = EXIT_RUNTIME

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn exceptions into messages and exit codes, never a traceback (unless --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
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
            raise DataError(str(e))
        except MemoryError:
            click.echo("error: out of memory; try fewer replicates or a smaller vocabulary (--max-features)", err=True)
            sys.exit(EXIT_RESOURCES)
        except (ValueError, TypeError) as e:
            if debug:
                traceback.print_exc()
            raise DataError(str(e))
        except OSError as e:
            if debug:
                traceback.print_exc()
            raise Failure(f"{e.strerror or e}: {e.filename}" if getattr(e, "filename", None) else str(e))

    return wrapper


def corpus_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """CORPUS arguments and the options that read them."""
    opts = [
        click.argument("corpus", nargs=-1, type=click.Path(allow_dash=True, dir_okay=False)),
        click.option("--example", is_flag=True, help="Use the bundled example corpus (talks on Nagorno-Karabakh, invented statements)."),
        click.option("--input-format", type=click.Choice(["csv", "tsv", "jsonl", "parquet", "text"]), default=None, help="Input format (default: from the file extension; needed for '-')."),
        click.option("--text-col", default=None, help="Text column (default: text, statement, ...)."),
        click.option("--group-col", default=None, help="Group column (default: party, group, speaker, country, ...)."),
        click.option("--time-col", default=None, help="Time column (default: date, time, year, ...)."),
        click.option("--id-col", default=None, help="Id column (default: id, doc_id)."),
        click.option("--group", "group_name", default=None, help="Group name for every statement of plain text input (default: the file name)."),
        click.option("--encoding-errors", type=click.Choice(["strict", "replace"]), default="strict", show_default=True, help="Invalid UTF-8: stop with an error, or replace the bad bytes."),
        click.option("--drop-empty", is_flag=True, help="Drop statements with empty text instead of stopping."),
        click.option("--strict", is_flag=True, help="Treat a BOM or CRLF line endings as errors instead of fixing them."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def load_corpus(corpus: Sequence[str], example: bool, **kw: Any):
    from .. import Corpus

    if example:
        if corpus:
            raise click.UsageError("give CORPUS files or --example, not both")
        c = Corpus.example()
    else:
        if not corpus:
            raise click.UsageError("no CORPUS given (a file, several files, '-' for stdin, or --example)")
        for p in corpus:
            if p != "-" and not Path(p).exists():
                raise click.UsageError(f"CORPUS: file not found: {p}")
        if "-" in corpus and kw.get("input_format") is None:
            raise click.UsageError("reading standard input ('-') needs --input-format (csv, tsv, jsonl, parquet or text)")
        c = Corpus.read(
            list(corpus),
            input_format=kw.get("input_format"),
            text_col=kw.get("text_col"),
            group_col=kw.get("group_col"),
            time_col=kw.get("time_col"),
            id_col=kw.get("id_col"),
            group=kw.get("group_name"),
            encoding_errors=kw.get("encoding_errors", "strict"),
            drop_empty=kw.get("drop_empty", False),
            strict=kw.get("strict", False),
        )
    for note in c.notes:
        click.echo(f"note: {note}", err=True)
    return c


def vectorizer_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option("--min-df", type=float, default=1, show_default=True, help="Drop terms in fewer statements (int: count, <1: share)."),
        click.option("--max-df", type=float, default=1.0, show_default=True, help="Drop terms in more statements (share, or a count if > 1)."),
        click.option("--max-features", type=int, default=None, help="Keep only the most frequent terms."),
        click.option("--stop-words", default=None, help="'english' (scikit-learn's list) or a file with one stop word per line."),
        click.option("--ngram", type=(int, int), default=(1, 1), show_default=True, help="n-gram range, e.g. --ngram 1 2."),
        click.option("--normalize-text", type=click.Choice(["none", "NFC", "NFKC"]), default="none", show_default=True, help="Unicode normalisation before tokenising."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def make_vectorizer(min_df: float, max_df: float, max_features: Optional[int], stop_words: Optional[str], ngram: Any, normalize_text: str, n_jobs: Optional[int]):
    from .. import Vectorizer

    words = None
    if stop_words == "english":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        words = sorted(ENGLISH_STOP_WORDS)
    elif stop_words:
        p = Path(stop_words)
        if not p.is_file():
            raise click.BadParameter(f"not 'english' and not a file: {stop_words}", param_hint="--stop-words")
        words = [w.strip() for w in p.read_text(encoding="utf-8").splitlines() if w.strip()]
    md = int(min_df) if float(min_df).is_integer() and min_df >= 1 else float(min_df)
    xd = int(max_df) if max_df > 1 and float(max_df).is_integer() else float(max_df)
    return Vectorizer(
        ngram_range=tuple(ngram), min_df=md, max_df=xd, max_features=max_features,
        stop_words=words, normalize=None if normalize_text == "none" else normalize_text, n_jobs=n_jobs,
    )


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Readable table on the terminal, or a tidy csv/json/parquet table."),
        click.option("-o", "--output", type=click.Path(allow_dash=True, dir_okay=False), default=None, help="Output file ('-' = stdout). manifest.json is written beside it."),
        click.option("--plot", type=click.Path(dir_okay=False), default=None, help="Also draw a figure (.png, .svg or .pdf)."),
        click.option("-j", "--jobs", type=int, default=None, help="Threads (default: all usable CPUs). Results do not depend on it."),
        click.option("--no-progress", is_flag=True, help="No progress messages on stderr."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


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


def check_output_usage(fmt: str, output: Optional[str], plot: Optional[str] = None, plot_supported: bool = True) -> None:
    """Usage errors about outputs, raised before any work is done."""
    if fmt == "table" and output not in (None, "-"):
        raise click.UsageError("-o/--output needs --format csv, json or parquet")
    if fmt == "parquet" and output in (None, "-"):
        raise click.UsageError("--format parquet needs -o FILE (it cannot go to stdout)")
    if plot:
        if not plot_supported:
            raise click.UsageError("--plot is not available for this command")
        if not plot.lower().endswith((".png", ".svg", ".pdf")):
            raise click.BadParameter(f"unsupported file type for {plot}; use .png, .svg or .pdf", param_hint="--plot")


def fmt_value(v: Any, digits: int = 3) -> str:
    """A number for a terminal table: ``-`` when missing (None or NaN), else ``digits``
    decimals (infinities print as ``inf`` / ``-inf``)."""
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    return f"{v:.{digits}f}"


def check_metrics(metrics: Sequence[str]) -> List[str]:
    out = []
    for m in metrics:
        for part in m.split(","):
            part = part.strip()
            if not part:
                continue
            if part not in METRICS:
                raise click.BadParameter(f"unknown metric {part!r}; valid: {', '.join(METRICS)}", param_hint="--metric")
            out.append(part)
    return out or ["jsd"]


def write_outputs(tables: Dict[str, Any], fmt: str, output: Optional[str], command: str, params: Dict[str, Any], seed: Optional[int], sources: Any, n_jobs: Optional[int]) -> List[str]:
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
    io.write_manifest(out.parent if str(out.parent) else Path("."), command, params, seed=seed, sources=sources, n_jobs=n_jobs)
    written.append(str((out.parent / "manifest.json")))
    return written
