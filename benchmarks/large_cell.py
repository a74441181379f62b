#!/usr/bin/env python3
"""Time ``export`` and ``sync`` on a notebook with one very large exported cell.

    python benchmarks/large_cell.py [--megabytes 4.7] [--source DIR] [--repeat 1]

Writes a project whose notebook has one ``#| export`` cell of about the given size (short
functions, one after another), then times, each in a fresh process with the nb2pkg found in
``--source`` (a checkout or an unpacked ``git archive``; default: this one):

- ``export`` of the fresh project (every block rendered, nothing cached);
- ``sync`` after a one-line edit in the middle of the generated module (the edit is carried
  into the cell and the module re-exported);
- ``sync`` after a one-line edit in a cell that also holds a line export leaves out (an
  IPython line dropped with ``drop-magics``), which sync must put back in its place.

Nothing is asserted: the figures say whether sync costs about what export costs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parent.parent

PYPROJECT = """[project]
name = "bigcell"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = []

[tool.nb2pkg]
notebooks = "nbs"
drop-magics = true
"""


def big_code(megabytes: float) -> str:
    """Return about *megabytes* MB of plain Python: short functions, one after another."""
    parts = []
    size = 0
    index = 0
    while size < megabytes * 1_000_000:
        text = (
            f"def function_{index:06d}(value: int) -> int:\n"
            f'    """Return the value shifted by {index}."""\n'
            f"    total = value + {index}\n"
            f"    return total * 2\n\n\n"
        )
        parts.append(text)
        size += len(text)
        index += 1
    return "".join(parts)


def make_project(root: Path, megabytes: float, magic: bool) -> None:
    """Write the project: a default_exp cell and one large exported cell."""
    (root / "nbs").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    code = big_code(megabytes)
    if magic:  # a line export leaves out, which sync must put back
        code = "%load_ext autoreload\n" + code
    notebook = new_notebook(cells=[new_code_cell("#| default_exp core"), new_code_cell(code)])
    notebook.cells[1].source = "#| export\n" + code
    nbformat.write(notebook, str(root / "nbs" / "00_core.ipynb"))


def run(source: Path, *args: str) -> float:
    """Run one nb2pkg command in a fresh process; return its wall time in seconds."""
    env = dict(os.environ, PYTHONPATH=str(source), PYTHONDONTWRITEBYTECODE="1")
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "nb2pkg", *args], env=env, cwd=source, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"nb2pkg {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def edit_one_line(module: Path) -> None:
    """Change one line in the middle of the module, as a user would in an editor."""
    lines = module.read_text(encoding="utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    while "total = value" not in lines[middle]:
        middle += 1
    lines[middle] = lines[middle].replace("total = value", "total = 1 + value")
    module.write_text("".join(lines), encoding="utf-8")


def measure(source: Path, megabytes: float, magic: bool) -> tuple[float, float]:
    """Return (export seconds, sync seconds) for a fresh project."""
    root = Path(tempfile.mkdtemp(prefix="nb2pkg-bigcell-"))
    try:
        make_project(root, megabytes, magic)
        export = run(source, "export", "--path", str(root))
        edit_one_line(root / "bigcell" / "core.py")
        sync = run(source, "sync", "--path", str(root))
        return export, sync
    finally:
        shutil.rmtree(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=4.7)
    parser.add_argument("--source", type=Path, default=REPO)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    size = len(big_code(args.megabytes).encode())
    print(f"one exported cell of {size / 1e6:.1f} MB; nb2pkg from {args.source}")
    for magic, label in ((False, "plain cell"), (True, "cell with a dropped IPython line")):
        for _ in range(args.repeat):
            export, sync = measure(args.source, args.megabytes, magic)
            print(f"{label:34s} export {export:6.2f} s   sync of a one-line edit {sync:6.2f} s")


if __name__ == "__main__":
    main()
