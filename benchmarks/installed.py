"""Make nb2pkg start as an installed copy does, before anything is timed.

``pip install`` byte-compiles a package's modules, so an installed nb2pkg (like the nbdev
it is compared with) imports from ``__pycache__``. A development checkout run with
``PYTHONDONTWRITEBYTECODE`` set, or a fresh clone, compiles every module again on every
start, which adds tens of milliseconds to each command. The benchmarks compile nb2pkg
once, as pip would, so that the figures are those of the installed tool.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "nb2pkg"


def byte_compile() -> None:
    """Write the ``.pyc`` files of every nb2pkg module (as ``pip install`` does)."""
    if not compileall.compile_dir(str(PACKAGE_DIR), quiet=1):
        raise SystemExit("nb2pkg's modules could not be byte-compiled")
