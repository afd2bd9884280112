"""Reference pages generated from the code at build time (docs/conf.py loads this extension).

Directives:

``dv-api``
    every name of ``divergence.__all__``: autodoc for functions and classes, a described entry
    for data. A public name, or a public method or property of a public class, without a
    docstring is a build warning (``-W`` makes it an error).
``dv-schemas``
    the output tables of every command of the click group that takes ``--example`` and
    ``--format csv``: each command is run on the bundled example (small replicate counts), and
    each file it writes is listed column by column with its type and a description from
    ``COLUMNS`` below. A column without a description is a build warning.
``dv-manifest``
    the top-level fields of a manifest, read from one written by ``compare``; a field without
    a description in ``MANIFEST`` is a build warning.
``dv-exit-codes``
    the exit codes, checked against the constants of ``divergence.cli._common``.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Tuple

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

# Public data (no docstring of their own).
DATA = {
    "METRICS": "Tuple of the metric names the core knows (read from the core's metric table): "
    "``jsd``, ``jensenshannon``, ``kl``, ``jeffreys``, ``hellinger``, ``bhattacharyya``, "
    "``tv``, ``cosine``. See :doc:`/methods/divergences`.",
    "__version__": "The package version, a string (also ``divergence --version`` and the "
    "``version`` field of every manifest).",
}

# Output columns, by name; a (command, table, column) key overrides the plain name.
COLUMNS: Dict[Any, str] = {
    # pairs and replicate summaries
    "group_a": "First group of the pair.",
    "group_b": "Second group of the pair.",
    "metric": "Divergence measure (see :doc:`/methods/divergences`).",
    "value": "Plug-in estimate: the measure on the pooled counts (nats unless ``--base``).",
    "ci_low": "Lower end of the bootstrap interval (``--ci``, ``--ci-method``).",
    "ci_high": "Upper end of the bootstrap interval.",
    "boot_mean": "Mean of the bootstrap replicates (its distance from ``value`` shows the "
    "resampling bias).",
    "null_mean": "Mean of the permutation replicates: what noise alone gives groups of these "
    "sizes.",
    "excess": "``value - null_mean``: the divergence beyond chance.",
    "p_value": "Permutation p-value, (1 + #{null >= observed}) / (1 + permutations).",
    "n_a": "Statements of ``group_a``.",
    "n_b": "Statements of ``group_b``.",
    "tokens_a": "Tokens (counted terms) of ``group_a``.",
    "tokens_b": "Tokens of ``group_b``.",
    "jsd_expected": "Analytic JSD expected with no difference, (V-1)/8 (1/n_a + 1/n_b) in "
    "tokens (:doc:`/methods/bias`).",
    "jsd_corrected": "``value - jsd_expected`` (may be negative).",
    "chi2_p": "Chi-square p-value of the G statistic (2 N JSD); anticonservative on text.",
    "share_small_expected": "Share of cells with expected count below 5 (high: distrust "
    "``chi2_p``).",
    "corrected": "Bias-corrected estimate (block jackknife; see :doc:`/intervals`).",
    "ci_for": "Which estimate the interval belongs to (``corrected`` or ``value``, by "
    "``--ci-method``).",
    "ci_note": "Why the interval is withheld (empty when it is given), e.g. an undersampled "
    "vocabulary.",
    # terms
    "side": "Which group the term leans to (``a`` or ``b``).",
    "rank": "Rank of the term on its side (1 = most distinguishing).",
    "term": "The term (word or n-gram).",
    "z": "Log-odds z-score with the informative Dirichlet prior (Monroe et al. 2008).",
    "delta": "Log-odds ratio (prior-smoothed), a minus b.",
    "count_a": "Count of the term in ``group_a``.",
    "count_b": "Count of the term in ``group_b``.",
    "freq_a": "Relative frequency of the term in ``group_a``.",
    "freq_b": "Relative frequency of the term in ``group_b``.",
    "jsd_contribution": "The term's part of the pair's JSD (the parts sum to the JSD).",
    "alpha0": "Total pseudo-count of the prior (``--prior``).",
    "variance": "Variance formula (``monroe`` or ``full``).",
    # stances
    "target": "What the stance is about (``--target-col``).",
    "group": "Group (party).",
    "stance": "Stance label.",
    "count": "Statements with this stance.",
    "share": "Share of the group's statements on this target with this stance.",
    # drift
    "window": "Window index (0-based).",
    "window_start": "First time (or position) of the window.",
    "window_end": "Last time (or position) of the window.",
    "n_statements": "Statements in the window (or group, or overall).",
    "n_tokens": "Tokens in the window.",
    "anchored_end": "Whether the window is anchored at the end of the series.",
    "reason": "Why ``value`` is missing (empty when it is not).",
    "series": "Which series the change point is in (a pair of groups, or the overall series).",
    "position": "Index of the first window after the change.",
    "time": "Start of the first window after the change.",
    "mean_before": "Mean of the series before the change.",
    "mean_after": "Mean after the change.",
    "gain": "Reduction in squared error from splitting here.",
    # partisanship
    "estimator": "``plug-in`` or ``leave-out`` (Gentzkow, Shapiro and Taddy 2019).",
    "chance": "Partisanship of random speech, 1/K for K groups.",
    "n_groups": "Number of groups.",
    "n_speakers": "Number of speakers.",
    "tokens": "Tokens.",
    "plug_in": "Plug-in partisanship of this group's speakers.",
    "leave_out": "Leave-out partisanship of this group's speakers.",
    "speaker": "Speaker.",
    "leave_out_score": "Speaker's leave-out score (expected posterior on the true group).",
    # topics
    "topic": "Topic index (0-based).",
    "label": "Short label of the topic (its top words).",
    "prevalence": "Mean topic share of the group's statements.",
    "n": "Statements.",
    "top_words": "Most probable words of the topic.",
    "frex_words": "FREX words: frequent and exclusive (Roberts et al.).",
    "coherence": "NPMI coherence of the top words.",
    "prevalence_a": "Topic prevalence in ``group_a``.",
    "prevalence_b": "Topic prevalence in ``group_b``.",
    "difference": "``prevalence_a - prevalence_b``.",
    "within_jsd": "JSD between the two groups' word distributions within the topic.",
    "words_a": "Words of the topic that lean to ``group_a``.",
    "words_b": "Words of the topic that lean to ``group_b``.",
    ("topics", "topic_pairs", "share"): "Share of the pair's topic-space JSD carried by this "
    "topic.",
    ("topics", "topic_pairs", "ci_low"): "Lower end of the bootstrap interval of ``difference``.",
    ("topics", "topic_pairs", "ci_high"): "Upper end of the bootstrap interval of ``difference``.",
    ("topics", "topic_pairs", "p_value"): "Permutation p-value of ``difference``.",
    ("topics", "topic_pairs", "jsd_contribution"): "The topic's part of the pair's JSD over "
    "topic prevalences.",
    ("topics", "main", "ci_low"): "Lower end of the bootstrap interval of ``prevalence``.",
    ("topics", "main", "ci_high"): "Upper end of the bootstrap interval of ``prevalence``.",
    # stance shares (prediction-powered inference)
    ("stance", "main", "estimator"): "``ppi`` (PPI++), ``classical`` (hand codes only) or "
    "``naive`` (predictions taken as truth).",
    ("stance", "main", "estimate"): "Estimated share of the stance in the group's statements on "
    "the target.",
    ("stance", "main", "se"): "Standard error of ``estimate``.",
    ("stance", "main", "ci_low"): "Lower end of the normal interval of ``estimate``.",
    ("stance", "main", "ci_high"): "Upper end of the normal interval of ``estimate``.",
    "n_labelled": "Hand-coded statements.",
    "n_unlabelled": "Statements with a prediction only.",
    "lam": "PPI++ power-tuning weight of the predictions, in [0, 1].",
    "status": "``ok``, or why the cell has no estimate.",
    "accuracy": "Share of hand-coded statements whose prediction matches the hand code.",
    "kappa": "Cohen's kappa between predictions and hand codes.",
    ("stance", "agreement", "alpha"): "Krippendorff's alpha between predictions and hand codes.",
    "predicted": "Predicted stance.",
    "n_labelled_a": "Hand-coded statements of ``group_a``.",
    "n_labelled_b": "Hand-coded statements of ``group_b``.",
    # scaling
    "document": "Document (statement id).",
    "theta": "Position on the scale (Wordfish: identified to mean 0, sd 1).",
    "se": "Standard error of ``theta`` (Wordfish: from the Hessian).",
    "alpha": "Document fixed effect (Wordfish: verbosity).",
    "boot_se": "Parametric-bootstrap standard error.",
    "boot_low": "Lower end of the parametric-bootstrap interval.",
    "boot_high": "Upper end of the parametric-bootstrap interval.",
    "distance": "Distance between the groups' mean positions.",
    "feature": "Term.",
    "beta": "Word discrimination (weight on the dimension).",
    "psi": "Word fixed effect (frequency).",
    "phi": "Dispersion (Wordfish with a negative binomial); 1 for Poisson.",
    ("scale", "main", "ci_low"): "Lower end of the interval of ``theta`` (normal, from ``se``).",
    ("scale", "main", "ci_high"): "Upper end of the interval of ``theta``.",
    ("scale", "groups", "theta"): "Mean position of the group's documents.",
    ("scale", "groups", "ci_low"): "Lower end of the interval of the group mean.",
    ("scale", "groups", "ci_high"): "Upper end of the interval of the group mean.",
    ("scale", "distances", "ci_low"): "Lower end of the interval of ``distance``.",
    ("scale", "distances", "ci_high"): "Upper end of the interval of ``distance``.",
    ("scale", "distances", "se"): "Standard error of ``distance``.",
}

MANIFEST = {
    "version": "Version of divergence that wrote the files.",
    "command": "The command (``compare``, ``drift``, ...).",
    "parameters": "The library call's parameters as the command passed them (corpus, "
    "metrics, replicate counts, columns...).",
    "options": "Every option of the command line: its ``value`` and its ``source`` "
    "(``commandline``, ``default``, ``environment``).",
    "resolved": "What the options resolved to: columns found, stop-word list and size, "
    "vocabulary settings and size, metrics, the seed and threads used.",
    "seed": "The random seed (same seed, same numbers, any thread count).",
    "inputs": "Each input: path, sha256 of its bytes, format, rows read.",
    "n_jobs": "``--jobs`` as given (null: all available cores).",
    "threads": "Threads used (does not change any number).",
    "created_utc": "When the set was written (UTC, ISO 8601).",
    "python": "Python version.",
    "numpy": "NumPy version.",
    "pandas": "pandas version.",
    "platform": "Operating system and machine.",
    "outputs": "Each file of the set: path relative to the manifest, bytes, sha256 "
    "(``divergence verify`` checks them).",
}

# Options for a quick run of a command on the example (besides --example, --format, -o).
EXTRA_ARGS = {
    "drift": ["--window", "180D", "--step", "90D", "--mode", "between"],
    "topics": ["--k", "4"],
}
SMALL = {"--bootstrap": "20", "--permutations": "20", "--change-permutations": "19"}


class Generated(SphinxDirective):
    has_content = False

    def lines(self) -> List[str]:
        raise NotImplementedError

    def run(self) -> List[nodes.Node]:
        node = nodes.container()
        text = StringList(self.lines(), source=self.env.docname)
        self.state.nested_parse(text, self.content_offset, node)
        return node.children


def _members(cls: type) -> List[str]:
    """The public methods and properties a class defines itself (not scikit-learn's
    metadata-routing ``set_*_request`` methods, which its base classes generate)."""
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_") or (name.startswith("set_") and name.endswith("_request")):
            continue
        if isinstance(value, (property, classmethod, staticmethod)) or callable(value):
            out.append(name)
    return out


def _undocumented_members(cls: type) -> List[str]:
    out = []
    for name in _members(cls):
        value = vars(cls)[name]
        if isinstance(value, property):
            value = value.fget
        elif isinstance(value, (classmethod, staticmethod)):
            value = value.__func__
        elif not callable(value):
            continue
        if not (getattr(value, "__doc__", None) or "").strip():
            out.append(name)
    return out


class ApiDirective(Generated):
    def lines(self) -> List[str]:
        import divergence

        out: List[str] = []
        for name in sorted(divergence.__all__, key=str.lower):
            obj = getattr(divergence, name)
            if name in DATA:
                out += [f".. py:data:: divergence.{name}", "", f"   {DATA[name]}", ""]
                continue
            if not (inspect.isclass(obj) or callable(obj)):
                logger.warning(f"divergence.{name}: public data without an entry in DATA")
                continue
            if not (obj.__doc__ or "").strip():
                logger.warning(f"divergence.{name}: public name without a docstring")
            if inspect.isclass(obj):
                for m in _undocumented_members(obj):
                    logger.warning(f"divergence.{name}.{m}: public member without a docstring")
                members = ", ".join(_members(obj))
                out += [f".. autoclass:: divergence.{name}"]
                out += [f"   :members: {members}", ""] if members else [""]
            else:
                out += [f".. autofunction:: divergence.{name}", ""]
        return out


_RUNS: Dict[str, Any] = {}


def _run_examples() -> Tuple[Path, Dict[str, List[Path]]]:
    """Run every command that takes --example and --format csv; its files, by command."""
    if "dir" in _RUNS:
        return _RUNS["dir"], _RUNS["files"]
    from divergence.cli import main

    folder = Path(tempfile.mkdtemp(prefix="dvdocs-"))
    runs: Dict[str, List[str]] = {}
    for name, cmd in sorted(main.commands.items()):
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        if "--example" not in opts or "--format" not in opts:
            continue
        (folder / name).mkdir()
        args = [sys.executable, "-m", "divergence", name, "--example", "--format", "csv"]
        args += ["-o", str(folder / name / f"{name}.csv")] + EXTRA_ARGS.get(name, [])
        for opt, val in SMALL.items():
            if opt in opts:
                args += [opt, val]
        runs[name] = args

    def run(args: List[str]) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        return subprocess.run(args, capture_output=True, text=True, env=env)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(runs, pool.map(run, runs.values())))
    files: Dict[str, List[Path]] = {}
    for name, res in results.items():
        if res.returncode != 0:
            logger.warning(
                f"output schemas: `{' '.join(runs[name][1:])}` failed ({res.returncode}): "
                f"{res.stderr.strip()[-500:]}"
            )
            continue
        sub = folder / name
        files[name] = sorted(sub.glob("*.csv"), key=lambda p: (p.name != f"{name}.csv", p.name))
    _RUNS["dir"], _RUNS["files"] = folder, files
    return folder, files


def _csv_table(rows: List[Tuple[str, str, str]], header: Tuple[str, str, str]) -> List[str]:
    out = [".. list-table::", "   :header-rows: 1", "   :widths: 20 12 68", ""]
    for r in [header, *rows]:
        out.append(f"   * - {r[0]}")
        out += [f"     - {c}" for c in r[1:]]
    return out + [""]


class SchemasDirective(Generated):
    def lines(self) -> List[str]:
        import pandas as pd

        _, files = _run_examples()
        out: List[str] = []
        for name, paths in files.items():
            out += [f".. rubric:: divergence {name}", ""]
            for p in paths:
                stem = p.name[: -len(".csv")]
                table = "main" if stem == name else stem.split(".", 1)[1]
                df = pd.read_csv(p, keep_default_na=False, na_values=[""])
                title = (
                    f"``-o FILE`` (the main table, ``{name}`` run as above)"
                    if table == "main"
                    else f"``FILE-STEM.{table}.EXT``"
                )
                out += [f"**{title}**", ""]
                rows = []
                for col in df.columns:
                    desc = COLUMNS.get((name, table, col)) or COLUMNS.get(col)
                    if desc is None:
                        logger.warning(
                            f"output schemas: {name} {table} table: column {col!r} "
                            "has no description in docs/_ext/dvdocs.py COLUMNS"
                        )
                        desc = "(not described)"
                    rows.append((f"``{col}``", str(df[col].dtype), desc))
                out += _csv_table(rows, ("column", "type", "meaning"))
        return out


class ManifestDirective(Generated):
    def lines(self) -> List[str]:
        _, files = _run_examples()
        if "compare" not in files:
            logger.warning("manifest fields: no compare run to read a manifest from")
            return []
        doc = json.loads(Path(str(files["compare"][0]) + ".manifest.json").read_text())
        rows = []
        for key, value in doc.items():
            desc = MANIFEST.get(key)
            if desc is None:
                logger.warning(f"manifest fields: {key!r} has no description in MANIFEST")
                desc = "(not described)"
            rows.append((f"``{key}``", type(value).__name__, desc))
        return _csv_table(rows, ("field", "JSON type", "meaning"))


EXIT_CODES = [
    (0, None, "Success."),
    (
        1,
        "EXIT_RUNTIME",
        "Runtime failure (a full disk, ...; ``verify``: a file is missing or "
        "differs from its manifest).",
    ),
    (2, None, "Usage error: a bad option, or an output that would overwrite an input."),
    (
        3,
        "EXIT_DATA",
        "Invalid input data: the message names the file and line (also: fewer "
        "than two groups with tokens).",
    ),
    (4, "EXIT_RESOURCES", "Out of memory."),
    (129, None, "Stopped by SIGHUP (temporaries removed)."),
    (130, "EXIT_INTERRUPTED", "Interrupted (Ctrl-C); temporaries removed."),
    (
        141,
        "EXIT_BROKEN_PIPE",
        "Standard output closed early (``| head``): the command stops quietly.",
    ),
    (143, None, "Stopped by SIGTERM (temporaries removed)."),
]


class ExitCodesDirective(Generated):
    def lines(self) -> List[str]:
        from divergence.cli import _common

        for code, const, _ in EXIT_CODES:
            if const is not None and getattr(_common, const, None) != code:
                logger.warning(f"exit codes: cli._common.{const} is not {code}")
        rows = [(f"``{c}``", f"``{k}``" if k else "", d) for c, k, d in EXIT_CODES]
        out = [".. list-table::", "   :header-rows: 1", "   :widths: 8 22 70", ""]
        for r in [("code", "constant", "meaning"), *rows]:
            out.append(f"   * - {r[0]}")
            out += [f"     - {c}" for c in r[1:]]
        return out + [""]


def setup(app: Any) -> Dict[str, Any]:
    app.add_directive("dv-api", ApiDirective)
    app.add_directive("dv-schemas", SchemasDirective)
    app.add_directive("dv-manifest", ManifestDirective)
    app.add_directive("dv-exit-codes", ExitCodesDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
