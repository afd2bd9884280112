"""The ``divergence`` command line: ``compare``, ``terms``, ``example`` (more to come).

Data go to standard output or files; notes, progress and errors to standard error. Exit codes:
0 ok, 1 runtime failure (``verify``: a file differs from its manifest), 2 usage error (an
output that would overwrite an input included), 3 invalid input data, 4 out of memory,
130 interrupted (Ctrl-C), 141 standard output closed early (``| head``), 143 / 129 SIGTERM /
SIGHUP. Output files are written all at once, or not at all.
"""

from __future__ import annotations

import click

from .. import __version__
from .compare import compare_cmd
from .drift import drift_cmd
from .example import example_cmd
from .partisanship import partisanship_cmd
from .report import report_cmd
from .scale import scale_cmd
from .stance import stance_cmd
from .terms import terms_cmd
from .topics import topics_cmd
from .verify import verify_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="divergence")
def main() -> None:
    """How far apart are parties' stated positions?

    Compare groups of statements (party, date, text): divergence matrices with bootstrap
    intervals and permutation nulls, the words that carry the gap, and more.
    Try: divergence compare --example

    Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 invalid input data, 4 out of memory,
    130 interrupted.
    """


main.add_command(compare_cmd)
main.add_command(drift_cmd)
main.add_command(terms_cmd)
main.add_command(example_cmd)
main.add_command(partisanship_cmd)
main.add_command(topics_cmd)
main.add_command(scale_cmd)
main.add_command(stance_cmd)
main.add_command(report_cmd)
main.add_command(verify_cmd)

__all__ = ["main"]
