"""``divergence example``: the bundled example corpus."""

from __future__ import annotations

import click

from ._common import handle_errors


@click.command("example")
@click.option("--write", "folder", type=click.Path(file_okay=False), default=None, help="Write the example corpus as CSV into this folder.")
@handle_errors
def example_cmd(folder):
    """About the bundled example corpus, or write it out (--write DIR) to adapt.

    Invented statements by the Azerbaijani government, Karabakh Armenian officials, the
    Armenian government and mediators on talks over Nagorno-Karabakh (2022-2023), written for
    this project; not real quotations.
    """
    from .. import _output as io
    from .. import Corpus

    if folder:
        path = io.write_example(folder)
        click.echo(f"wrote {path}")
        return
    c = Corpus.example()
    click.echo(f"{io.example_path()}")
    click.echo(repr(c))
