"""Issue 16 (2) and issue 12 (8): every command that compares groups refuses fewer than two
groups with tokens through the one shared check (``_util.groups.require_groups_with_tokens``),
and library errors reaching the command line name its options, not Python keywords."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import divergence
from divergence.cli import main
from divergence.cli._common import cli_message

FAST = ["--bootstrap", "5", "--permutations", "5"]


def _invoke(args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def stop_only(tmp_path):
    """Group B says nothing but English stop words."""
    src = tmp_path / "stop.csv"
    src.write_text(
        "id,party,text\n1,A,hello world peace\n2,A,good bye talks\n3,A,peace talks again\n"
        "4,B,the and of\n5,B,a the\n6,B,of the\n"
    )
    return src


# What each command calls the comparison in the shared message.
WHAT = {
    "terms": ("distinguishing terms", []),
    "compare": ("comparing", FAST),
    "partisanship": ("partisanship", FAST),
    "topics": ("comparing topics", ["--k", "2", "--max-iter", "5", *FAST]),
}


@pytest.mark.parametrize("command", list(WHAT))
def test_a_group_without_tokens_is_refused_by_the_shared_check(stop_only, command):
    what, extra = WHAT[command]
    res = _invoke([command, stop_only, *extra, "--format", "csv"])
    assert res.exit_code == 3, res.output
    assert (
        f"error: groups: {what} needs at least two groups with tokens, found 1 ('A')" in res.stderr
    )
    assert "RuntimeWarning" not in res.stderr and res.stdout == ""
    # with the stop words kept, B has tokens and the command runs
    assert _invoke([command, stop_only, *extra, "--stop-words", "none"]).exit_code == 0


def test_the_library_analyses_share_the_message():
    X = np.array([[2, 1, 0], [1, 0, 1], [0, 0, 0], [0, 0, 0]])
    msg = r"^groups: comparing needs at least two groups with tokens, found 1 \('A'\)$"
    with pytest.raises(ValueError, match=msg):
        divergence.compare(X, groups=["A", "A", "B", "B"], bootstrap=0, permutations=0)
    msg = r"^groups: partisanship needs at least two groups with tokens, found 1 \('A'\)$"
    with pytest.raises(ValueError, match=msg):
        divergence.partisanship(X, groups=["A", "A", "B", "B"], bootstrap=0, permutations=0)


# -- library keywords become CLI options --------------------------------------------------------


def test_a_library_error_names_the_cli_option(tmp_path):
    src = tmp_path / "spk.csv"
    src.write_text(
        "id,party,speaker,text\n1,A,x,peace talks now\n2,B,x,war and more war\n"
        "3,A,y,talks of peace\n4,B,z,border war talk\n5,A,y,peace again\n6,B,w,war again\n"
    )
    res = _invoke(["partisanship", src, "--speaker-col", "speaker", *FAST])
    assert res.exit_code == 3, res.output
    assert "--speaker-group-policy first" in res.stderr
    assert "speaker_group_policy" not in res.stderr
    assert res.stderr.startswith("error: --speaker-col: 1 speaker(s) belong to more than one")


def test_cli_message_translates_keywords_of_the_command_only():
    part, terms = main.commands["partisanship"], main.commands["terms"]
    m = "speakers: 2 speaker(s) in two groups; choose speaker_group_policy='first' or 'split'"
    assert cli_message(m, part) == (
        "--speaker-col: 2 speaker(s) in two groups; choose --speaker-group-policy first or 'split'"
    )
    assert cli_message(m, terms) == m  # terms has neither option
    assert cli_message("alpha0: must be > 0", terms) == "--prior: must be > 0"
    assert cli_message("min_df: expected a number", terms) == "--min-df: expected a number"
    assert cli_message("seed=3 is bad", part) == "--seed 3 is bad"
    # data words stay data words unless written as keyword=value
    m = "groups: partisanship needs at least two groups with tokens, found 1 ('A')"
    assert cli_message(m, part) == m
    # a message that already names the option is left alone
    m = "pass time_col= (CLI --time-col) to choose another column"
    assert cli_message(m, main.commands["drift"]) == m
    assert cli_message("plain text", None) == "plain text"  # no command running
    # a keyword inside a path or file name stays; at the end of a sentence it is translated
    compare = main.commands["compare"]
    m = "output: out/top_terms.csv and top_terms.json are inputs; see top_terms."
    assert cli_message(m, compare) == (
        "--output: out/top_terms.csv and top_terms.json are inputs; see --top-terms."
    )
