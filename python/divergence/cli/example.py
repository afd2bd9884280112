"""``divergence example``: the bundled example corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from ._common import handle_errors


@click.command("example")
@click.option(
    "--write",
    "folder",
    type=click.Path(file_okay=False),
    default=None,
    help="Write the example corpus as CSV into this folder.",
)
@click.option(
    "--force",
    is_flag=True,
    help="With --write: replace an existing karabakh_statements.csv that differs from the"
    " bundled one (e.g. after editing it).",
)
@handle_errors
def example_cmd(folder: Optional[str], force: bool) -> None:
    """About the bundled example corpus, or write it out (--write DIR) to adapt.

    Invented statements by the Azerbaijani government, Karabakh Armenian officials, the
    Armenian government and mediators on talks over Nagorno-Karabakh (2022-2023), written for
    this project; not real quotations.
    """
    from .. import Corpus, example_path, write_example
    from .._output import EXAMPLE_NAME, sha256_file

    if force and not folder:
        raise click.UsageError("--force goes with --write DIR")
    if folder:
        dest = Path(folder) / EXAMPLE_NAME
        if dest.exists() and not force:
            if dest.is_file() and sha256_file(dest) == sha256_file(example_path()):
                click.echo(f"{dest} is already the example corpus (unchanged)")
                return
            raise click.UsageError(
                f"{dest} exists and differs from the bundled example (edited?); pass --force"
                " to replace it, or --write another folder"
            )
        path = write_example(folder)
        click.echo(f"wrote {path}")
        return
    c = Corpus.example()
    click.echo(f"{example_path()}")
    click.echo(repr(c))
