"""`divergence drift`'s readable report says why a window has no value and marks the window
anchored at the end of the data (issue 12, point 3)."""

from __future__ import annotations

from click.testing import CliRunner

from divergence.cli import main


def _report(*args: str) -> str:
    res = CliRunner().invoke(main, ["drift", "--example", *args])
    assert res.exit_code == 0, res.output
    return res.output


def test_unscored_windows_say_why() -> None:
    out = _report("--window", "10D", "--mode", "between")
    unscored = [line for line in out.splitlines() if "not scored:" in line]
    assert unscored, out
    for line in unscored:
        reason = line.split("not scored:", 1)[1].strip()
        assert reason, line


def test_the_last_window_is_anchored_at_the_end() -> None:
    out = _report("--window", "60D", "--mode", "between")
    anchored = [line for line in out.splitlines() if "(anchored at the end of the data)" in line]
    # One anchored window per pair of groups, the last row of each series.
    assert len(anchored) >= 1
    blocks = out.split("\n\n")[1:]
    for block in blocks:
        lines = [ln for ln in block.splitlines() if ln.startswith("  2")]
        if lines:
            assert "(anchored at the end of the data)" in lines[-1]
            assert all("(anchored" not in ln for ln in lines[:-1])


def test_partisanship_marks_the_anchored_window() -> None:
    res = CliRunner().invoke(
        main,
        [
            "partisanship",
            "--example",
            "--speaker-col",
            "speaker",
            "--time-col",
            "date",
            "--window",
            "4M",
            "--bootstrap",
            "5",
            "--permutations",
            "5",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = [ln for ln in res.output.splitlines() if ln.startswith("20")]
    assert rows and "(anchored at the end of the data)" in rows[-1]
    assert all("(anchored" not in ln for ln in rows[:-1])
