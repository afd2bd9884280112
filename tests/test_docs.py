"""The documentation site (docs/, issue 18) documents every public name and every CLI option.

Compares ``divergence.__all__`` and every click command and option with the built HTML pages.
``.ci/run`` builds the whole site with ``-W`` (tutorials executed) and runs this file with
``DIVERGENCE_DOCS_HTML`` pointing at that build; without the variable, the reference pages are
built here into a temporary folder (tutorials not executed, the other pages left out), so the
check also runs in a plain ``pytest`` where the ``docs`` extra is installed. Skipped when it is
not (``pip install ".[docs]"``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import click
import pytest

import divergence as dv
from divergence.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NEEDED = ("sphinx", "myst_nb", "numpydoc", "sphinx_click", "furo")
missing = [m for m in NEEDED if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(
    bool(missing) or not DOCS.is_dir(),
    reason=f"the docs extra is not installed ({', '.join(missing)} missing: pip install '.[docs]')"
    if missing
    else "no docs/ folder (an installed package without its sources)",
)


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("DIVERGENCE_DOCS_HTML")
    if given:
        path = Path(given)
        assert (path / "index.html").is_file(), f"DIVERGENCE_DOCS_HTML={given}: no index.html"
        return path
    out = tmp_path_factory.mktemp("docs-html")
    keep = {"index.md", "reference/api.md", "reference/cli.md"}
    skip = [
        str(p.relative_to(DOCS))
        for p in DOCS.rglob("*.md")
        if str(p.relative_to(DOCS)) not in keep and "_build" not in p.parts
    ]
    args = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-D", "nb_execution_mode=off"]
    args += ["-D", "exclude_patterns=" + ",".join(["_build", *skip]), str(DOCS), str(out)]
    res = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    return out


def ids(page: Path) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8")))


def commands(group: click.Group, prefix: str) -> Iterator[Tuple[str, click.Command]]:
    for name, cmd in sorted(group.commands.items()):
        yield f"{prefix}-{name}", cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, f"{prefix}-{name}")


def option_anchors() -> Dict[str, List[str]]:
    """Per command, the anchors sphinx-click gives its options (cmdoption-PROG-CMD-NAME)."""
    out: Dict[str, List[str]] = {}
    for path, cmd in commands(main, "divergence"):
        names = []
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.hidden:
                names += [o.lstrip("-") for o in [*p.opts, *p.secondary_opts]]
        out[path] = [f"cmdoption-{path}-{n}" for n in names]
    return out


def test_every_public_name_is_in_the_api_reference(html: Path) -> None:
    found = ids(html / "reference" / "api.html")
    absent = [n for n in dv.__all__ if f"divergence.{n}" not in found]
    assert not absent, f"public names missing from reference/api.html: {absent}"


def test_every_command_and_option_is_in_the_cli_reference(html: Path) -> None:
    found = ids(html / "reference" / "cli.html")
    anchors = option_anchors()
    assert len(anchors) >= 8  # compare, drift, terms, example, partisanship, topics, ...
    absent_cmds = [c for c in anchors if c not in found]
    absent_opts = [a for opts in anchors.values() for a in opts if a not in found]
    assert not absent_cmds, f"commands missing from reference/cli.html: {absent_cmds}"
    assert not absent_opts, f"options missing from reference/cli.html: {absent_opts}"


def test_output_tables_of_every_command_are_described(html: Path) -> None:
    page = html / "reference" / "outputs.html"
    if not page.is_file():
        pytest.skip("reference/outputs.html is built by the full build (.ci/run)")
    text = page.read_text(encoding="utf-8")
    for name, cmd in sorted(main.commands.items()):
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        if "--example" in opts and "--format" in opts:
            heading = f'rubric">divergence {name}<'  # the section the schema directive writes
            assert heading in text, f"no output tables of `divergence {name}`"
    assert "(not described)" not in text
