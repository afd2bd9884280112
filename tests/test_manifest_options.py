"""Issue 12 (4, 8): every output's manifest records every option of its command, as given
(value and source: command line or default) and as resolved (columns, stop words, vocabulary,
seed, threads); one stop-word default for all commands, stated in every readable report."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from divergence.cli import main
from divergence.cli._common import option_label

FAST = ["--bootstrap", "5", "--permutations", "5"]

# Each command that writes result tables, with what it needs besides --example; each run also
# gives --stop-words none and --min-df 1 on the command line.
COMMANDS = {
    "compare": [*FAST, "--top-terms", "3"],
    "drift": ["--window", "120D", *FAST],
    "terms": ["--top", "3"],
    "topics": ["--k", "2", *FAST, "--max-iter", "5"],
    "partisanship": FAST,
    "scale": [],
    "stance": FAST,
}
# Commands without result tables, so without a manifest.
NO_TABLES = {"example", "verify"}
# The HTML report: one page (-o required, no --format) and its manifest.
REPORT = ["report", "--example", *FAST, "--top-terms", "3"]


def _invoke(args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_every_command_with_outputs_is_checked():
    with_output = {
        name
        for name, cmd in main.commands.items()
        if any(isinstance(p, click.Option) and "--output" in p.opts for p in cmd.params)
    }
    assert with_output == set(COMMANDS) | {"report"}
    assert set(main.commands) == set(COMMANDS) | NO_TABLES | {"report"}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_manifest_records_every_option(tmp_path, command):
    out = tmp_path / "r.csv"
    given = ["--stop-words", "none", "--min-df", "1", "--format", "csv", "-o", out]
    res = _invoke([command, "--example", *COMMANDS[command], *given])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "r.csv.manifest.json").read_text())
    options = doc["options"]
    for param in main.commands[command].params:
        label = option_label(param)
        assert label in options, f"{command}: {label} missing from the manifest"
        assert set(options[label]) == {"value", "source"}
    # as given: the source says which came from the command line
    assert options["--stop-words"] == {"value": "none", "source": "commandline"}
    assert options["--min-df"] == {"value": 1.0, "source": "commandline"}
    assert options["--output"] == {"value": str(out), "source": "commandline"}
    assert options["--example"]["source"] == "commandline"
    assert options["--normalize-text"] == {"value": "none", "source": "default"}
    assert options["--jobs"] == {"value": None, "source": "default"}
    for opt in COMMANDS[command][::2]:
        assert options[opt]["source"] == "commandline", opt
    # as resolved
    resolved = doc["resolved"]
    assert resolved["stop_words"] == {"name": "none", "size": 0}
    assert resolved["vocabulary"]["min_df"] == 1  # the count it means, not the share 1.0
    assert resolved["vocabulary"]["ngram_range"] == [1, 1]
    assert resolved["columns"]["text"] == "text"
    assert resolved["columns"]["group"] == ("group" if command == "stance" else "party")
    assert isinstance(resolved["threads"], int) and resolved["threads"] >= 1
    assert "seed" in resolved
    assert doc["parameters"]["stop_words"] == "none"


def test_the_report_manifest_records_every_option(tmp_path):
    out = tmp_path / "r.html"
    res = _invoke([*REPORT, "--stop-words", "none", "-o", out])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "r.html.manifest.json").read_text())
    for param in main.commands["report"].params:
        assert option_label(param) in doc["options"], option_label(param)
    assert doc["options"]["--stop-words"] == {"value": "none", "source": "commandline"}
    assert doc["options"]["--top-terms"] == {"value": 3, "source": "commandline"}
    assert doc["resolved"]["stop_words"] == {"name": "none", "size": 0}
    assert doc["resolved"]["columns"]["group"] == "party"
    html = out.read_text(encoding="utf-8")  # the page's parameters state the stop words
    assert "stop_words</th><td>none removed</td>" in html.replace("\n", "")
    res = _invoke([*REPORT, "-o", tmp_path / "d.html"])
    html = (tmp_path / "d.html").read_text(encoding="utf-8").replace("\n", "")
    n = len(ENGLISH_STOP_WORDS)
    assert f"stop_words</th><td>english (scikit-learn list, {n} words removed)</td>" in html


def test_the_manifest_resolves_the_default_stop_words_and_a_file(tmp_path):
    _invoke(["terms", "--example", "--format", "csv", "-o", tmp_path / "a.csv"])
    doc = json.loads((tmp_path / "a.csv.manifest.json").read_text())
    assert doc["options"]["--stop-words"] == {"value": "english", "source": "default"}
    assert doc["resolved"]["stop_words"] == {"name": "english", "size": len(ENGLISH_STOP_WORDS)}
    assert doc["resolved"]["vocabulary"]["n_terms"] > 0
    words = tmp_path / "stop.txt"
    words.write_text("the\nof\n\nand\n", encoding="utf-8")
    _invoke(["terms", "--example", "--stop-words", words, "--format", "csv", "-o", tmp_path / "b"])
    doc = json.loads((tmp_path / "b.manifest.json").read_text())
    assert doc["resolved"]["stop_words"] == {"name": str(words), "size": 3}


def test_wordfish_records_its_solver(tmp_path):
    _invoke(["scale", "--example", "--format", "csv", "-o", tmp_path / "s.csv"])
    resolved = json.loads((tmp_path / "s.csv.manifest.json").read_text())["resolved"]
    assert resolved["solver"] in ("quanteda", "converged") and "converged" in resolved


def test_two_outputs_in_one_folder_keep_their_own_manifests(tmp_path):
    _invoke(["terms", "--example", "--top", "2", "--format", "csv", "-o", tmp_path / "a.csv"])
    _invoke(["terms", "--example", "--top", "4", "--format", "csv", "-o", tmp_path / "b.csv"])
    a = json.loads((tmp_path / "a.csv.manifest.json").read_text())
    b = json.loads((tmp_path / "b.csv.manifest.json").read_text())
    assert a["options"]["--top"]["value"] == 2 and b["options"]["--top"]["value"] == 4
    assert not (tmp_path / "manifest.json").exists()


# -- one stop-word default, stated in every report ---------------------------------------------


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_report_states_the_stop_words(command):
    res = _invoke([command, "--example", *COMMANDS[command]])
    assert res.exit_code == 0, res.output
    first = res.stdout.splitlines()[0]
    n = len(ENGLISH_STOP_WORDS)
    assert first == (
        f"stop words: english (scikit-learn list, {n} words removed; --stop-words none keeps them)"
    )
    res = _invoke([command, "--example", *COMMANDS[command], "--stop-words", "none"])
    assert res.stdout.splitlines()[0].startswith("stop words: none removed")


def test_the_default_removes_english_stop_words_from_the_terms():
    lines = _invoke(["terms", "--example", "--top", "30"]).stdout.splitlines()
    words = {
        w.split(" (")[0]
        for line in lines[2:]
        if ": " in line
        for w in line.split(": ")[1].split(", ")
    }
    assert words and not words & set(ENGLISH_STOP_WORDS)
    lines = _invoke(["terms", "--example", "--top", "30", "--stop-words", "none"]).stdout
    assert any(f"{w} (" in lines for w in ("the", "of", "we", "our"))


def test_a_stop_word_setting_that_is_neither_a_name_nor_a_file_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(main, ["terms", "--example", "--stop-words", str(tmp_path / "no")])
    assert res.exit_code == 2 and "--stop-words" in res.output


def test_a_loaded_topic_model_states_its_own_stop_words(tmp_path):
    model = tmp_path / "m.joblib"
    args = ["topics", "--example", "--k", "2", "--max-iter", "5", *FAST]
    assert _invoke([*args, "--stop-words", "none", "--save", model]).exit_code == 0
    load = ["topics", "--example", "--load", model, *FAST]
    res = _invoke(load)  # --stop-words at its default, english: the model's own words count
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == (
        "stop words: none removed (by the loaded model's vectorizer)"
    )
    assert _invoke([*load, "--format", "csv", "-o", tmp_path / "t.csv"]).exit_code == 0
    doc = json.loads((tmp_path / "t.csv.manifest.json").read_text())
    assert doc["resolved"]["stop_words"] == {"name": "none", "size": 0}
    assert doc["parameters"]["stop_words"] == "none"
