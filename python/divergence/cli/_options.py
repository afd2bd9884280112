"""The option groups the commands share, each declared once: corpus, vectorizer, replicate,
output, metric and term options. The corpus, vectorizer, replicate and output decorators add
their options and hand the command ONE object for the group (a :class:`CorpusSpec`,
:class:`VectorizerSpec`, :class:`Replicates` or :class:`Outputs`) instead of one parameter per
option; the metric and term options arrive as parameters of their own."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypedDict,
    Union,
    cast,
)

import click
import pandas as pd

from .. import Corpus, Vectorizer, check_memory
from .._output import OutputSet, manifest_path, same_file, write_stdout
from .._readers import detect_format
from .._util.replicates import CI_METHODS, DEFAULT_CI_METHOD
from ._common import (
    FORMATS,
    Progress,
    handle_errors,
    sibling_stem,
    terminating_signals,
    write_outputs,
)

# An option group's decorator: takes a command function, returns it with the group's options
# (whose values it folds into one keyword argument, so the signature changes).
Decorator = Callable[[Callable[..., object]], Callable[..., object]]


def _group(
    field: str,
    make: Callable[..., object],
    params: Sequence[Tuple[Any, Tuple[str, ...], Dict[str, Any]]],
) -> Decorator:
    """A decorator adding ``params`` ((click.argument or click.option, declarations, settings),
    in --help order) to a command and passing their values as one keyword ``field`` built by
    ``make(**values)``."""
    kinds = {click.argument: click.Argument, click.option: click.Option}
    names = [kinds[kind](list(decls), **dict(attrs)).name for kind, decls, attrs in params]

    def decorate(fn: Callable[..., object]) -> Callable[..., object]:
        @functools.wraps(fn)
        def command(*args: object, **kw: object) -> object:
            kw[field] = make(**{n: kw.pop(n) for n in names})
            return fn(*args, **kw)

        for kind, decls, attrs in reversed(params):
            command = kind(*decls, **attrs)(command)
        return command

    return decorate


def given_on_command_line(*names: str) -> List[str]:
    """Which of these parameters of the running command were given on the command line."""
    ctx = click.get_current_context()
    return [
        n for n in names if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE
    ]


# --------------------------------------------------------------------------------------------
# Corpus


@dataclass(frozen=True)
class CorpusSpec:
    """The CORPUS arguments and the options that read them."""

    paths: Tuple[str, ...]
    example: bool
    input_format: Optional[str]
    text_col: Optional[str]
    group_col: Optional[str]
    time_col: Optional[str]
    id_col: Optional[str]
    group_name: Optional[str]
    encoding_errors: str
    drop_empty: bool
    strict: bool
    engine: str = "memory"
    scheduler: Optional[str] = None

    @property
    def names(self) -> List[str]:
        """The sources as the manifest names them."""
        return list(self.paths) or ["<example>"]

    def load(self) -> Corpus:
        """Read the corpus (usage errors for missing or conflicting sources); its notes go to
        stderr."""
        if self.engine != "memory":
            raise click.UsageError(
                f"--engine {self.engine}: only compare, terms, partisanship and drift run on "
                "it so far; "
                "this command reads the corpus into memory (--engine memory)"
            )
        if self.example:
            if self.paths:
                raise click.UsageError("give CORPUS files or --example, not both")
            c = Corpus.example()
        else:
            if not self.paths:
                raise click.UsageError(
                    "no CORPUS given (a file, several files, '-' for stdin, or --example)"
                )
            for p in self.paths:
                if p != "-" and not Path(p).exists():
                    raise click.UsageError(f"CORPUS: file not found: {p}")
            if "-" in self.paths and self.input_format is None:
                raise click.UsageError(
                    "reading standard input ('-') needs --input-format"
                    " (csv, tsv, jsonl, parquet or text)"
                )
            if self.scheduler is not None:
                raise click.UsageError("--scheduler needs --engine dask")
            check_memory(list(self.paths))  # MemoryError (exit 4) before reading
            c = Corpus.read(list(self.paths), **self.read_options())
        for note in getattr(c, "notes", []):
            click.echo(f"note: {note}", err=True)
        return c

    def read_options(self) -> Dict[str, Any]:
        """Corpus.read's keyword arguments (for the stream engine: per file)."""
        return dict(
            input_format=self.input_format,
            text_col=self.text_col,
            group_col=self.group_col,
            time_col=self.time_col,
            id_col=self.id_col,
            group=self.text_group(),
            encoding_errors=self.encoding_errors,
            drop_empty=self.drop_empty,
            strict=self.strict,
        )

    def text_group(self) -> Union[None, str, List[Optional[str]]]:
        """--group names the statements of plain text inputs only: the name when every input
        is text, None when none is, else one entry per input (None for a table, whose group
        column gives the groups)."""
        if self.group_name is None:
            return None
        is_text = []
        for p in self.paths:
            try:
                fmt = detect_format(str(p), b"", self.input_format, is_stdin=str(p) == "-")
            except (ValueError, TypeError):
                fmt = ""
            is_text.append(fmt == "text")
        if all(is_text):
            return self.group_name
        if not any(is_text):
            return None
        return [self.group_name if t else None for t in is_text]

    def with_scheduler(self, scheduler: Optional[str]) -> CorpusSpec:
        """This spec with ``--scheduler`` (given to the commands the Dask engine runs)."""
        return replace(self, scheduler=scheduler)

    def engine_options(self) -> Dict[str, Any]:
        """The engine's own keyword arguments (the scheduler address for dask; 'local': a
        local cluster)."""
        if self.engine != "dask":
            return {}
        return {"scheduler": None if self.scheduler in (None, "local") else self.scheduler}

    def stream_paths(self) -> List[str]:
        """The files for ``--engine stream`` or ``dask`` (usage errors for --example, stdin, a
        missing file)."""
        if self.scheduler is not None and self.engine != "dask":
            raise click.UsageError("--scheduler needs --engine dask")
        if self.example or not self.paths:
            raise click.UsageError(f"--engine {self.engine} reads CORPUS files (not --example)")
        for p in self.paths:
            if p == "-":
                raise click.UsageError(
                    f"--engine {self.engine} reads files, not standard input ('-')"
                )
            if not Path(p).exists():
                raise click.UsageError(f"CORPUS: file not found: {p}")
        return list(self.paths)


def _corpus_spec(corpus: Tuple[str, ...], **options: Any) -> CorpusSpec:
    return CorpusSpec(paths=tuple(corpus), **options)


corpus_options = _group(
    "corpus",
    _corpus_spec,
    [
        (
            click.argument,
            ("corpus",),
            dict(nargs=-1, type=click.Path(allow_dash=True, dir_okay=False)),
        ),
        (
            click.option,
            ("--example",),
            dict(
                is_flag=True,
                help="Use the bundled example corpus"
                " (talks on Nagorno-Karabakh, invented statements).",
            ),
        ),
        (
            click.option,
            ("--input-format",),
            dict(
                type=click.Choice(["csv", "tsv", "jsonl", "parquet", "text"]),
                default=None,
                help="Input format (default: from the file extension; needed for '-').",
            ),
        ),
        (
            click.option,
            ("--text-col",),
            dict(default=None, help="Text column (default: text, statement, ...)."),
        ),
        (
            click.option,
            ("--group-col",),
            dict(default=None, help="Group column (default: party, group, speaker, country, ...)."),
        ),
        (
            click.option,
            ("--time-col",),
            dict(default=None, help="Time column (default: date, time, year, ...)."),
        ),
        (click.option, ("--id-col",), dict(default=None, help="Id column (default: id, doc_id).")),
        (
            click.option,
            ("--group", "group_name"),
            dict(
                default=None,
                help="Group name for every statement of plain text input (default: the file name).",
            ),
        ),
        (
            click.option,
            ("--encoding-errors",),
            dict(
                type=click.Choice(["strict", "replace"]),
                default="strict",
                show_default=True,
                help="Invalid UTF-8: stop with an error, or replace the bad bytes.",
            ),
        ),
        (
            click.option,
            ("--drop-empty",),
            dict(is_flag=True, help="Drop statements with empty text instead of stopping."),
        ),
        (
            click.option,
            ("--strict",),
            dict(
                is_flag=True,
                help="Treat a BOM or CRLF line endings as errors instead of fixing them.",
            ),
        ),
        (
            click.option,
            ("--engine",),
            dict(
                type=click.Choice(["memory", "stream", "dask"]),
                default="memory",
                show_default=True,
                help="memory: read the whole corpus (stops with exit code 4 when the estimate"
                " exceeds 90% of the available memory); stream: one CORPUS file at a time;"
                " dask: one task per file on a Dask cluster (--scheduler; compare, terms,"
                " partisanship, drift).",
            ),
        ),
    ],
)

#: ``--scheduler`` of the commands the Dask engine runs (compare, terms, partisanship, drift).
scheduler_option = click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="With --engine dask: the Dask scheduler (e.g. tcp://10.0.0.5:8786), or 'local' (the"
    " default): a local cluster of 2 worker processes.",
)


def bootstrap_scheme_option(more_help: str = "") -> Decorator:
    """``--bootstrap-scheme`` (compare, drift): the library's ``bootstrap_scheme``;
    ``more_help``: the command's own sentence (what it bounds with the engines)."""
    return click.option(
        "--bootstrap-scheme",
        type=click.Choice(["resample", "poisson"]),
        default="resample",
        show_default=True,
        help="resample: statements drawn with replacement within groups; poisson: each statement"
        " weighted by a Poisson(1) draw keyed by its position (the same for any partitioning)."
        + more_help,
    )


# --------------------------------------------------------------------------------------------
# Vectorizer


@dataclass(frozen=True)
class VectorizerSpec:
    """How statements become term counts."""

    min_df: float
    max_df: float
    max_features: Optional[int]
    stop_words: Optional[str]
    ngram: Tuple[int, int]
    normalize_text: str

    def stop_word_list(self) -> Tuple[str, Optional[List[str]]]:
        """(name, words) of --stop-words: ('english', scikit-learn's list), ('none', None) or
        (the file's path, its words, one per line)."""
        stop = self.stop_words or "none"
        if stop.lower() == "none":
            return "none", None
        if stop == "english":
            from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

            return "english", sorted(ENGLISH_STOP_WORDS)
        p = Path(stop)
        if not p.is_file():
            raise click.BadParameter(
                f"not 'english', not 'none' and not a file: {stop}", param_hint="--stop-words"
            )
        return stop, [w.strip() for w in p.read_text(encoding="utf-8").splitlines() if w.strip()]

    def stop_words_line(self) -> str:
        """The report header's line on stop words, e.g. ``stop words: english (scikit-learn
        list, 318 words; --stop-words none keeps them)``."""
        name, words = self.stop_word_list()
        if words is None:
            return "stop words: none removed (--stop-words english removes scikit-learn's list)"
        if name == "english":
            return (
                f"stop words: english (scikit-learn list, {len(words)} words removed;"
                " --stop-words none keeps them)"
            )
        return f"stop words: {name} ({len(words)} words removed; --stop-words none keeps them)"

    def make(self, n_jobs: Optional[int]) -> Vectorizer:
        """A :class:`divergence.Vectorizer` with these settings (stop words as
        :meth:`stop_word_list` reads them)."""
        words = self.stop_word_list()[1]
        md = (
            int(self.min_df)
            if float(self.min_df).is_integer() and self.min_df >= 1
            else float(self.min_df)
        )
        xd = (
            int(self.max_df)
            if self.max_df > 1 and float(self.max_df).is_integer()
            else float(self.max_df)
        )
        return Vectorizer(
            ngram_range=(self.ngram[0], self.ngram[1]),
            min_df=md,
            max_df=xd,
            max_features=self.max_features,
            stop_words=words,
            normalize=None if self.normalize_text == "none" else self.normalize_text,
            n_jobs=n_jobs,
        )

    def manifest(self) -> Dict[str, object]:
        """The settings a manifest records, stop words by name (the list's size is in the
        manifest's ``resolved`` part, see :meth:`resolved`)."""
        return dict(
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            stop_words=self.stop_word_list()[0],
            ngram=list(self.ngram),
            normalize_text=self.normalize_text,
        )

    def resolved(self, vectorizer: Optional[Vectorizer] = None) -> Dict[str, object]:
        """What these settings resolve to, for the manifest: the stop word list (name, size),
        and the vocabulary settings as the vectorizer took them (``vectorizer``: the fitted
        one, whose vocabulary size is added)."""
        name, words = self.stop_word_list()
        vec = vectorizer if vectorizer is not None else self.make(None)
        vocabulary: Dict[str, object] = dict(
            min_df=vec.min_df,
            max_df=vec.max_df,
            max_features=vec.max_features,
            ngram_range=list(vec.ngram_range),
            normalize=vec.normalize,
        )
        if vectorizer is not None and hasattr(vectorizer, "fixed_vocabulary_"):
            vocabulary["n_terms"] = len(vectorizer.get_feature_names_out())
        return dict(stop_words=dict(name=name, size=len(words or [])), vocabulary=vocabulary)


VECTORIZER_PARAMS = tuple(f.name for f in fields(VectorizerSpec))

vectorizer_options = _group(
    "vectorizer",
    VectorizerSpec,
    [
        (
            click.option,
            ("--min-df",),
            dict(
                type=float,
                default=1,
                show_default=True,
                help="Drop terms in fewer statements (int: count, <1: share).",
            ),
        ),
        (
            click.option,
            ("--max-df",),
            dict(
                type=float,
                default=1.0,
                show_default=True,
                help="Drop terms in more statements (share, or a count if > 1).",
            ),
        ),
        (
            click.option,
            ("--max-features",),
            dict(type=int, default=None, help="Keep only the most frequent terms."),
        ),
        (
            click.option,
            ("--stop-words",),
            dict(
                default="english",
                show_default=True,
                help="Stop words removed before counting: 'english' (scikit-learn's list),"
                " 'none', or a file with one stop word per line.",
            ),
        ),
        (
            click.option,
            ("--ngram",),
            dict(
                type=(int, int),
                default=(1, 1),
                show_default=True,
                help="n-gram range, e.g. --ngram 1 2.",
            ),
        ),
        (
            click.option,
            ("--normalize-text",),
            dict(
                type=click.Choice(["none", "NFC", "NFKC"]),
                default="none",
                show_default=True,
                help="Unicode normalisation before tokenising.",
            ),
        ),
    ],
)


# --------------------------------------------------------------------------------------------
# Replicates


class ReplicateSettings(TypedDict, total=False):
    """The resampling keyword arguments of the library's analyses (those a command declares)."""

    bootstrap: int
    permutations: int
    ci: float
    ci_method: str
    seed: int


@dataclass(frozen=True)
class Replicates:
    """Resampling settings: the replicate options a command declares (``declared``), the
    others at their library defaults."""

    declared: Tuple[str, ...]
    bootstrap: int = 0
    permutations: int = 0
    ci: float = 0.95
    ci_method: str = DEFAULT_CI_METHOD
    seed: int = 0

    def kwargs(self) -> ReplicateSettings:
        """The declared settings, as keyword arguments of the library's analyses."""
        return cast(ReplicateSettings, {n: getattr(self, n) for n in self.declared})

    def manifest(self) -> Dict[str, object]:
        """The declared settings but the seed (a manifest records the seed used on its own)."""
        return {n: v for n, v in self.kwargs().items() if n != "seed"}


_REPLICATE_OPTIONS: Dict[str, Tuple[Tuple[str, ...], Dict[str, Any]]] = {
    "bootstrap": (
        ("--bootstrap",),
        dict(
            type=click.IntRange(min=0),
            default=200,
            show_default=True,
            help="Bootstrap replicates (statements resampled within groups).",
        ),
    ),
    "permutations": (
        ("--permutations",),
        dict(
            type=click.IntRange(min=0),
            default=200,
            show_default=True,
            help="Permutation replicates (labels shuffled across statements).",
        ),
    ),
    "ci": (
        ("--ci",),
        dict(
            type=click.FloatRange(0, 1, min_open=True, max_open=True),
            default=0.95,
            show_default=True,
            help="Interval coverage.",
        ),
    ),
    "ci_method": (
        ("--ci-method",),
        dict(
            type=click.Choice(list(CI_METHODS)),
            default=DEFAULT_CI_METHOD,
            show_default=True,
            help="Interval: 'bracket' = from the lower to the higher of two "
            "bias-corrected estimates (the JSD of word counts: value less its entropy-based "
            "bias estimate, and that jackknifed over statements; other measures: the "
            "jackknife's and the bootstrap's corrections), widened by t x the jackknife's "
            "standard error of the JSD less its bias estimate (other measures, or fewer than "
            "8 jackknife blocks: the bootstrap's spread); 'corrected' = that spread around "
            "the corrected estimate alone; 'percentile', 'basic', 'bca': bootstrap intervals "
            "of the plug-in value. Coverage measured in docs/intervals.md.",
        ),
    ),
    "seed": (
        ("--seed",),
        dict(
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            help="Random seed: same seed, same numbers, any --jobs.",
        ),
    ),
}


def replicate_options(*names: str, **changes: Dict[str, object]) -> Decorator:
    """--bootstrap, --permutations, --ci, --ci-method, --seed (or the ``names`` given, in that
    order), passed as one :class:`Replicates` ``replicates``; ``changes`` sets a command's own
    default or help, e.g. ``bootstrap=dict(default=0, help=...)``."""
    chosen = names or tuple(_REPLICATE_OPTIONS)
    unknown = (set(chosen) - set(_REPLICATE_OPTIONS)) | (set(changes) - set(chosen))
    if unknown:
        raise ValueError(f"replicate_options: unknown or undeclared {sorted(unknown)}")
    params = [
        (click.option, _REPLICATE_OPTIONS[n][0], {**_REPLICATE_OPTIONS[n][1], **changes.get(n, {})})
        for n in chosen
    ]
    return _group("replicates", functools.partial(Replicates, chosen), params)


# --------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class Outputs:
    """Where results go (--format, -o, --plot), threads and progress messages.

    Every file of a run (tables, figures, the manifest) is staged in ``staged`` and renamed
    into place only when the command has finished (see ``output_options``): all or none."""

    fmt: str
    output: Optional[str]
    plot: Optional[str]
    jobs: Optional[int]
    no_progress: bool
    staged: OutputSet = field(default_factory=OutputSet)
    messages: List[str] = field(default_factory=list)  # files, as the messages name them
    manifests: List[str] = field(default_factory=list)  # named last

    def progress(self) -> Progress:
        return Progress(not self.no_progress)

    def check(self, plot_supported: bool = True) -> None:
        """Usage errors about the outputs, raised before any work is done."""
        if self.fmt == "table" and self.output not in (None, "-"):
            raise click.UsageError("-o/--output needs --format csv, json or parquet")
        if self.fmt == "parquet" and self.output in (None, "-"):
            raise click.UsageError("--format parquet needs -o FILE (it cannot go to stdout)")
        if self.plot:
            if not plot_supported:
                raise click.UsageError("--plot is not available for this command")
            if not self.plot.lower().endswith((".png", ".svg", ".pdf")):
                raise click.BadParameter(
                    f"unsupported file type for {self.plot}; use .png, .svg or .pdf",
                    param_hint="--plot",
                )

    def refuse_inputs(self, inputs: Sequence[Optional[str]], extra: Sequence[str] = ()) -> None:
        """Usage error (exit 2, before any work) when an output of this run would overwrite
        one of ``inputs``: the main output, its manifest, the figure and ``extra`` (same file:
        device and inode, through any path), or a sibling (``STEM.<table>.EXT`` beside the
        output, ``STEM.<name>.EXT`` beside the figure) that an input's name matches. The
        inputs are also protected in ``staged`` itself."""
        files = [str(p) for p in inputs if p and p != "-" and os.path.isfile(p)]
        self.staged.protect(files)
        exact: List[str] = list(extra)
        patterns: List[Tuple[Path, str]] = []  # (folder, regex of sibling names)
        if self.output not in (None, "-") and self.fmt in ("csv", "json", "parquet"):
            out = Path(str(self.output))
            exact += [str(out), str(manifest_path(out))]
            ext = "." + self.fmt
            patterns.append(
                (out.parent, re.escape(sibling_stem(out)) + r"\.[A-Za-z0-9_]+" + re.escape(ext))
            )
        if self.plot:
            fig = Path(self.plot)
            exact.append(str(fig))
            patterns.append(
                (fig.parent, re.escape(fig.stem) + r"\.[A-Za-z0-9_]+" + re.escape(fig.suffix))
            )
        for inp in files:
            for target in exact:
                if same_file(inp, target):
                    raise click.UsageError(
                        f"output {target} is the input {inp}; refusing to overwrite an input"
                    )
            p = Path(inp)
            for folder, pattern in patterns:
                if re.fullmatch(pattern, p.name) and same_file(p.parent, folder or "."):
                    raise click.UsageError(
                        f"an output beside {folder / p.name} may be named like the input {inp}"
                        "; refusing to overwrite an input (choose another -o/--plot name)"
                    )

    def emit(
        self,
        report: Callable[[], str],
        tables: Mapping[str, Optional[pd.DataFrame]],
        command: str,
        params: Mapping[str, object],
        seed: Optional[int],
        sources: Sequence[Mapping[str, object]],
        vectorizer: Optional[VectorizerSpec] = None,
        resolved: Optional[Mapping[str, object]] = None,
    ) -> None:
        """The readable report on stdout (--format table; its first line says which stop
        words ``vectorizer`` removed), or the tables staged as asked (and named on stderr once
        written) with a manifest recording every option of the command as given and
        ``resolved`` (plus the stop words and vocabulary settings of ``vectorizer``)."""
        if self.fmt == "table":
            if self.output not in (None, "-"):
                raise click.UsageError("-o/--output needs --format csv, json or parquet")
            head = vectorizer.stop_words_line() + "\n" if vectorizer is not None else ""
            write_stdout(head + report() + "\n")
            return
        res: Dict[str, object] = dict(resolved or {})
        if vectorizer is not None:
            res = {**vectorizer.resolved(), **res}
        names = write_outputs(
            tables,
            self.fmt,
            self.output,
            command,
            params,
            seed,
            sources,
            self.jobs,
            self.staged,
            resolved=res,
        )
        self.messages.extend(names[:-1])
        self.manifests.extend(names[-1:])

    def draw(self, figure: Callable[[Path], object], suffix: Optional[str] = None) -> None:
        """Draw a figure into --plot (or, with ``suffix``, into ``NAME.suffix.EXT`` beside it),
        staged with the other outputs."""
        if not self.plot:
            return
        p = Path(self.plot)
        if suffix:
            p = p.with_name(f"{p.stem}.{suffix}{p.suffix}")
        self.stage(p, figure, self.plot if not suffix else str(p))

    def stage(self, path: Path, write: Callable[[Path], object], name: str) -> None:
        """Stage a file that ``write(path)`` writes itself (a figure, a model)."""
        self.staged.add_path(path, write)
        self.messages.append(name)

    def finish(self) -> None:
        """Rename the staged files into place and name them on stderr."""
        self.staged.commit()
        for m in self.messages + self.manifests:
            click.echo(f"wrote {m}", err=True)


_output_group = _group(
    "out",
    Outputs,
    [
        (
            click.option,
            ("--format", "fmt"),
            dict(
                type=click.Choice(FORMATS),
                default="table",
                show_default=True,
                help="Readable table on the terminal, or a tidy csv/json/parquet table.",
            ),
        ),
        (
            click.option,
            ("-o", "--output"),
            dict(
                type=click.Path(allow_dash=True, dir_okay=False),
                default=None,
                help="Output file ('-' = stdout). FILE.manifest.json is written beside it"
                " (what was run, input and output checksums: divergence verify).",
            ),
        ),
        (
            click.option,
            ("--plot",),
            dict(
                type=click.Path(dir_okay=False),
                default=None,
                help="Also draw a figure (.png, .svg or .pdf).",
            ),
        ),
        (
            click.option,
            ("-j", "--jobs"),
            dict(
                type=int,
                default=None,
                help="Threads (default: all usable CPUs). Results do not depend on it.",
            ),
        ),
        (
            click.option,
            ("--no-progress",),
            dict(is_flag=True, help="No progress messages on stderr."),
        ),
    ],
)


def metric_options(metric_help: str, base_help: str) -> Decorator:
    """--metric (repeatable), --base and --alpha, with the command's own help."""

    def decorate(fn: Callable[..., object]) -> Callable[..., object]:
        fn = click.option(
            "--alpha",
            type=float,
            default=0.0,
            show_default=True,
            help="Additive smoothing for kl/jeffreys.",
        )(fn)
        fn = click.option("--base", type=float, default=None, help=base_help)(fn)
        return click.option(
            "--metric",
            "metrics",
            multiple=True,
            default=("jsd",),
            show_default=True,
            help=metric_help,
        )(fn)

    return decorate


def term_options(pairs_decls: Sequence[str], pairs_help: str, variance_help: str) -> Decorator:
    """The distinguishing-terms settings, in --help order: which pairs (declared as
    ``pairs_decls``, e.g. ``("--pairs",)``; every pair or each group against the rest),
    --prior and --variance, each passed as its own parameter; the help of the pair choice and
    of --variance is the command's own."""

    def decorate(fn: Callable[..., object]) -> Callable[..., object]:
        fn = click.option(
            "--variance",
            type=click.Choice(["monroe", "full"]),
            default="monroe",
            show_default=True,
            help=variance_help,
        )(fn)
        fn = click.option(
            "--prior",
            type=click.FloatRange(min=0, min_open=True),
            default=500.0,
            show_default=True,
            help="Total pseudo-count alpha0 of the informative Dirichlet prior.",
        )(fn)
        return click.option(
            *pairs_decls,
            type=click.Choice(["all", "rest"]),
            default="all",
            show_default=True,
            help=pairs_help,
        )(fn)

    return decorate


def output_options(fn: Callable[..., object]) -> Callable[..., object]:
    """--format, -o, --plot, -j and --no-progress as one :class:`Outputs`; outputs that would
    overwrite the command's CORPUS are refused before any work (exit 2), and the files the
    command staged are written, all at once, when it returns (and removed when it fails;
    SIGTERM and SIGHUP count as failures)."""

    @functools.wraps(fn)
    def run(*args: object, **kw: object) -> object:
        out = kw["out"]
        assert isinstance(out, Outputs)
        corpus = kw.get("corpus")
        if isinstance(corpus, CorpusSpec):
            out.refuse_inputs(list(corpus.paths))
        with terminating_signals():
            try:
                result = fn(*args, **kw)
                handle_errors(out.finish)()
            except BaseException:
                out.staged.abort()
                raise
        return result

    return _output_group(run)
