"""Sphinx configuration: ``python -m sphinx -W -b html docs docs/_build/html``.

Needs the ``docs`` extra (``pip install ".[docs]"``) and divergence importable (installed, or
``PYTHONPATH`` pointing at a built tree). Nothing is fetched from the network: no intersphinx.
The tutorials (``tutorials/*.md``) are executed at build time by myst-nb; the reference
pages are generated from the code by ``_ext/dvdocs.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

import divergence

project = "divergence"
author = "divergence developers"
copyright = "divergence developers, MIT licence"
version = release = divergence.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_click",
    "dvdocs",
]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints", "jupyter_execute"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# Tutorials: executed at every build (no cache), in order; a cell that raises fails the build.
nb_execution_mode = "force"
nb_execution_in_temp = True  # the tutorials write files: into a temporary folder
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "furo"
html_title = f"divergence {release}"
html_static_path: list[str] = []
