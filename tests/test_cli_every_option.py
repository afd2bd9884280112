"""Every option that ``--help`` lists works: each option of each command (read from the click
objects, so a new option is picked up by itself) is given once on the example corpus and the
run must succeed (exit 0) and write what it was asked to write.

Options are packed: one run per command with every option that goes with the others, and a
run of its own for each option that excludes another (``SOLO``). An option that needs a value
takes it from ``VALUES`` (by click's parameter name; ``COMMAND_VALUES`` for a command's own
meaning); a new option without one fails :func:`test_every_option_has_a_run` by name."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from divergence import example_path
from divergence.cli import main

REP = ["--bootstrap", "5", "--permutations", "5"]
# Values by click's parameter name; "{dir}" is the run's folder, "{corpus}" the example CSV.
VALUES: Dict[str, List[str]] = {
    "input_format": ["csv"],
    "group_name": ["Text files"],  # names plain-text inputs only: the CSV keeps its groups
    "text_col": ["text"],
    "group_col": ["party"],
    "time_col": ["date"],
    "id_col": ["id"],
    "encoding_errors": ["replace"],
    "metrics": ["kl,jsd"],
    "base": ["2"],
    "alpha": ["0.5"],
    "bootstrap": ["5"],
    "permutations": ["5"],
    "ci": ["0.9"],
    "ci_method": ["basic"],
    "bootstrap_scheme": ["poisson"],
    "permutation_scheme": ["keyed"],
    "seed": ["3"],
    "top_terms": ["4"],
    "term_pairs": ["rest"],
    "pairs": ["rest"],
    "prior": ["100"],
    "variance": ["full"],
    "stance_col": ["stance"],
    "target_col": ["target"],
    "level": ["statement"],
    "k": ["2"],
    "min_df": ["2"],
    "max_df": ["0.95"],
    "max_features": ["400"],
    "stop_words": ["{dir}/stop.txt"],
    "ngram": ["1", "2"],
    "normalize_text": ["NFKC"],
    "fmt": ["csv"],
    "output": ["{dir}/out.csv"],
    "plot": ["{dir}/fig.png"],
    "jobs": ["2"],
    "window": ["120D"],
    "step": ["60D"],
    "mode": ["between"],
    "groups_filter": ["Armenia,Azerbaijan,Mediators"],
    "only_groups": ["Armenia,Azerbaijan,Mediators"],
    "k_text": ["2,3"],
    "change_permutations": ["5"],
    "top": ["5"],
    "min_count": ["2"],
    "plot_pairs": ["Armenia", "Azerbaijan"],
    "folder": ["{dir}/example"],
    "speaker_col": ["speaker"],
    "speaker_group_policy": ["first"],
    "stance_kind": ["label"],
    "method": ["nmf"],
    "max_iter": ["20"],
    "top_words": ["5"],
    "top_topics": ["2"],
    "pair": ["Armenia", "Azerbaijan"],
    "holdout": ["0.25"],
    "tolerance": ["0.01"],
    "save_path": ["{dir}/model.joblib"],
    "solver": ["converged"],
    "dispersion": ["quasipoisson"],
    "rescaling": ["mv"],
    "smooth": ["0.5"],
    "ref_col": ["ref"],
    "folds": ["3"],
    "min_labels": ["3"],
    "per_term": ["2"],
    "context": ["40"],
    "topics": ["3"],
    "title": ["Every option"],
    "se_margin": ["1"],
    "engine": ["memory"],
}
# A command's own meaning of a name.
COMMAND_VALUES: Dict[Tuple[str, str], List[str]] = {
    ("topics", "metrics"): ["kl"],
    ("terms", "plot_pairs"): ["Armenia", "rest"],
    ("scale", "method"): ["wordscores"],
    ("scale", "bootstrap"): ["5"],
    ("report", "output"): ["{dir}/page.html"],
    ("report", "scale"): ["wordfish"],
    ("report", "ci_method"): ["percentile"],
    ("drift", "metrics"): ["kl"],
    ("report", "metrics"): ["jsd,hellinger"],
    ("verify", "manifest"): ["{dir}/out.csv.manifest.json"],
}
# Options run on their own (they exclude another option of the pack), with what they need.
SOLO: Dict[Tuple[str, str], List[str]] = {
    ("compare", "example"): ["--example", *REP],
    # the Dask engine on a local cluster (2 worker processes)
    ("compare", "scheduler"): ["{corpus}", "--engine", "dask", "--scheduler", "local", *REP],
    ("terms", "scheduler"): ["{corpus}", "--engine", "dask", "--scheduler", "local"],
    ("partisanship", "scheduler"): ["{corpus}", "--engine", "dask", "--scheduler", "local", *REP],
    ("drift", "scheduler"): [
        "{corpus}",
        "--engine",
        "dask",
        "--scheduler",
        "local",
        "--window",
        "120D",
        "--mode",
        "between",
        *REP,
    ],
    ("drift", "reference"): [
        "{corpus}",
        "--mode",
        "baseline",
        "--reference",
        "2022-09-01:2022-12-31",
        "--window",
        "120D",
    ],
    ("drift", "example"): ["--example", "--window", "120D"],
    ("terms", "example"): ["--example"],
    ("partisanship", "example"): ["--example", *REP],
    ("topics", "example"): ["--example", "--k", "2", *REP],
    ("topics", "load_path"): ["--example", "--load", "{dir}/model.joblib", *REP],
    ("scale", "example"): ["--example", "--bootstrap", "0"],
    ("scale", "dir_docs"): ["--example", "--dir", "s002", "s001", "--bootstrap", "0"],
    ("stance", "example"): ["--example", *REP],
    ("stance", "pred_col"): ["{corpus}", "--target-col", "target", "--pred-col", "pred", *REP],
    ("stance", "prob_cols"): ["{corpus}", "--target-col", "target", "--prob-cols", "{probs}"],
    ("stance", "pooled"): ["--example", "--pooled", *REP],
    ("report", "example"): ["--example", "-o", "{dir}/ex.html", *REP, "--no-drift"],
    ("report", "drift"): ["--example", "-o", "{dir}/d.html", *REP, "--drift"],
    ("example", "force"): ["--write", "{dir}/example", "--force"],
}
# The order of runs within a command: a solo run that needs a file of the pack runs after it.
AFTER_PACK = {("topics", "load_path"), ("example", "force")}
# Options of the pack a command cannot take (given in its solo run instead, or not at all).
NOT_IN_PACK = {("stance", "target_col")}
# Listed but not working, each with a strict xfail below that turns red once it is fixed.
KNOWN_BROKEN: set = set()


def options(command: click.Command) -> List[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option) and p.name != "help"]


def flag_args(opt: click.Option, cmd: str) -> List[str]:
    """The option as given on the command line, with its value."""
    name = max(opt.opts, key=len)
    if opt.is_flag:
        return [name if not opt.secondary_opts or opt.default else name]
    value = COMMAND_VALUES.get((cmd, opt.name or ""), VALUES.get(opt.name or ""))
    if value is None:
        raise KeyError(f"{cmd} {name}: no value to try; add one to VALUES in {__file__}")
    return [name, *value]


def runs(cmd: str) -> List[Tuple[str, List[str]]]:
    """(what it covers, arguments) for every run of ``cmd``."""
    command = main.commands[cmd]
    solo = [o for o in options(command) if (cmd, o.name) in SOLO]
    pack: List[str] = []
    for o in options(command):
        if (cmd, o.name) in SOLO or (cmd, o.name) in NOT_IN_PACK or o.name in KNOWN_BROKEN:
            continue
        pack += flag_args(o, cmd)
    corpus = [] if cmd in ("example", "verify") else ["{corpus}"]
    first = [(f"{cmd} pack", pack + corpus)] if pack or corpus else []
    before = [
        (f"{cmd} {o.name}", SOLO[(cmd, o.name)]) for o in solo if (cmd, o.name) not in AFTER_PACK
    ]
    after = [(f"{cmd} {o.name}", SOLO[(cmd, o.name)]) for o in solo if (cmd, o.name) in AFTER_PACK]
    return before + first + after


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("every_option")
    frame = pd.read_csv(example_path())
    ref = {"Azerbaijan": 1.0, "Karabakh Armenians": -1.0}
    frame["ref"] = [
        ref.get(p, float("nan")) if i % 2 == 0 else float("nan")
        for i, p in enumerate(frame["party"])
    ]
    stances = sorted(frame["stance"].dropna().unique())
    frame["pred"] = frame["stance"].fillna(stances[0])
    for s in stances:
        frame[f"p_{s}"] = 1.0 / len(stances)
    frame.to_csv(d / "corpus.csv", index=False)
    (d / "stop.txt").write_text("the\nand\nof\n", encoding="utf-8")
    (d / "a.txt").write_text("first statement here\nsecond statement there\n", encoding="utf-8")
    (d / "probs").write_text(",".join(f"{s}=p_{s}" for s in stances), encoding="utf-8")
    return d


def fill(args: List[str], d: Path) -> List[str]:
    probs = (d / "probs").read_text(encoding="utf-8")
    return [
        a.replace("{dir}", str(d))
        .replace("{corpus}", str(d / "corpus.csv"))
        .replace("{probs}", probs)
        for a in args
    ]


def test_every_option_has_a_run():
    """Each listed option of each command is in some run (a new one needs a value here)."""
    for cmd, command in main.commands.items():
        given = {a for _, args in runs(cmd) for a in args}
        for o in options(command):
            if o.name in KNOWN_BROKEN:
                continue
            assert set(o.opts) & given, f"{cmd} {max(o.opts, key=len)} is never run"


@pytest.mark.parametrize("cmd", [c for c in main.commands if c != "verify"] + ["verify"])
def test_every_option_runs(folder, cmd):
    for what, args in runs(cmd):
        res = CliRunner().invoke(
            main,
            [cmd, *fill(args, folder), "--no-progress"]
            if cmd not in ("example", "verify")
            else [cmd, *fill(args, folder)],
        )
        assert res.exit_code == 0, (what, args, res.output)
    if cmd in ("compare", "drift", "terms", "partisanship", "topics", "scale", "stance"):
        wrote = {p.name for p in folder.iterdir()}
        assert "out.csv" in wrote and "out.csv.manifest.json" in wrote
        if "plot" in {o.name for o in options(main.commands[cmd])}:
            assert (folder / "fig.png").is_file()
            (folder / "fig.png").unlink()


def test_group_option_names_text_files(folder):
    """--group for plain text input next to a CSV with its party column: two groups."""
    res = CliRunner().invoke(
        main,
        ["terms", "--group", "Text files", str(folder / "a.txt"), str(folder / "corpus.csv")],
    )
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("cmd", list(main.commands))
def test_every_command_has_help(cmd):
    res = CliRunner().invoke(main, [cmd, "--help"])
    assert res.exit_code == 0 and "Usage" in res.output
