"""``divergence example``: the bundled example corpus."""

from __future__ import annotations

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
@handle_errors
def example_cmd(folder: Optional[str]) -> None:
    """About the bundled example corpus, or write it out (--write DIR) to adapt.

    Invented statements by the Azerbaijani government, Karabakh Armenian officials, the
    Armenian government and mediators on talks over Nagorno-Karabakh (2022-2023), written for
    this project; not real quotations.
    """
    from .. import Corpus, example_path, write_example

    if folder:
        path = write_example(folder)
        click.echo(f"wrote {path}")
        return
    c = Corpus.example()
    click.echo(f"{example_path()}")
    click.echo(repr(c))
