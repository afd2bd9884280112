"""``divergence verify``: check an output set against its manifest."""

from __future__ import annotations

import sys

import click

from ._common import EXIT_RUNTIME, handle_errors


@click.command("verify")
@click.argument("manifest", type=click.Path(dir_okay=False, exists=True))
@handle_errors
def verify_cmd(manifest: str) -> None:
    """Check that the files MANIFEST (FILE.manifest.json, written with every -o FILE) lists
    are there with the recorded sizes and sha256 checksums: one whole set from one run.

    Exit 0 when they all match; 1 naming each file that is missing or differs.
    """
    from .. import verify_manifest

    try:
        problems = verify_manifest(manifest)
    except ValueError as e:  # not JSON
        raise click.UsageError(f"{manifest}: not a manifest ({e})") from e
    if problems:
        for p in problems:
            click.echo(f"mismatch: {p}", err=True)
        sys.exit(EXIT_RUNTIME)
    click.echo(f"ok: {manifest}")
