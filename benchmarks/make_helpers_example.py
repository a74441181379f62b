#!/usr/bin/env python3
"""Write a notebook project whose notebooks star-import hand-written helper modules.

    python benchmarks/make_helpers_example.py OUTDIR [--notebooks 12]

The pattern of many real nbdev projects (fastai's ``from .imports import *``): the package
``helpex`` holds hand-written modules next to the generated ones,

* ``helpex/imports.py``: the third-party and standard imports every notebook wants, no
  ``__all__`` (so ``import *`` takes every public name, imported modules included);
* ``helpex/utils.py``: small functions, with ``__all__`` built by ``=``, ``+=`` and
  ``.extend``;
* ``helpex/all.py``: ``from .imports import *`` and ``from .utils import *``;

and every notebook exports cells that start with ``from helpex.all import *`` (or one of
the others) and use those names. A few genuine problems are planted, so that the check
has something true to say: a star import of a compiled module (``from math import *``:
blind, one NB102), a name defined only in an unexported cell (NB101), and an import of a
function that was renamed (NB103).

The output is the same on every run. Used by the README's figures (diagnostics by code,
before and after the star-import resolution).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PACKAGE = "helpex"

IMPORTS = """\
import os, re, json, math as _math
from pathlib import Path
from functools import partial, reduce
from collections import Counter, defaultdict
from typing import Any, Callable, Iterable, Optional
import numpy as np
import pandas as pd
"""

UTILS = """\
from .imports import *

__all__ = ["listify", "first"]
__all__ += ["chunked"]
__all__.extend(["flatten", "read_json"])


def listify(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def first(items):
    return next(iter(items), None)


def chunked(items, size):
    return [items[i : i + size] for i in range(0, len(items), size)]


def flatten(rows):
    return [x for row in rows for x in row]


def read_json(path):
    return json.loads(Path(path).read_text())


def _internal():
    return None
"""

ALL = """\
from .imports import *
from .utils import *
"""

SOURCES = ("all", "all", "imports", "utils")


def _cells(index: int) -> list[tuple[str, str]]:
    source = SOURCES[index % len(SOURCES)]
    name = f"step{index:02d}"
    star = f"from {PACKAGE}.{source} import *"
    if source == "utils":  # utils' __all__ lists its own functions only
        star += (
            "\nfrom typing import Any, Iterable, Optional\nfrom pathlib import Path\nimport json"
        )
    uses = {
        "all": "listify(first(chunked(flatten([[1, 2]]), 1))) + [Path(os.sep), Counter(), np, pd]",
        "imports": "[Path(os.sep), re.compile('x'), Counter(), defaultdict(list), partial, reduce, np, pd]",
        "utils": "listify(first(chunked(flatten([[1, 2]]), 1))) + [read_json]",
    }[source]
    cells = [
        ("markdown", f"# Step {index}\n> Stage {index} of the pipeline."),
        ("code", f"#| default_exp {name}"),
        (
            "code",
            f"#| export\n{star}\n\n\ndef run_{name}(data: Optional[Iterable[Any]] = None) -> list:\n"
            f"    parts = {uses}\n    return parts\n",
        ),
        (
            "code",
            f"#| export\ndef describe_{name}(path: Path) -> str:\n    return json.dumps(str(path))",
        ),
        ("code", f"assert run_{name}() is not None"),
    ]
    if index == 1:  # a star import nb2pkg cannot see into: blind, reported once
        cells.append(
            ("code", "#| export\nfrom math import *\n\n\ndef area(r):\n    return pi * r ** 2")
        )
    if index == 2:  # hidden state: defined only in an unexported cell
        cells.append(("code", "scale = 3"))
        cells.append(("code", "#| export\ndef scaled(x):\n    return x * scale"))
    if index == 3:  # a function renamed in another notebook
        cells.append(("code", f"#| export\nfrom {PACKAGE}.step00 import run_step0"))
    return cells


def write(outdir: Path, notebooks: int) -> None:
    """Write the project into *outdir* (which must not hold files yet)."""
    if outdir.exists() and any(outdir.iterdir()):
        raise SystemExit(f"{outdir} is not empty")
    (outdir / "nbs").mkdir(parents=True)
    (outdir / PACKAGE).mkdir()
    (outdir / "pyproject.toml").write_text(
        f'[project]\nname = "{PACKAGE}"\nversion = "0.1.0"\ndescription = "Star-imported helpers."\n'
        'requires-python = ">=3.10"\ndependencies = ["numpy", "pandas"]\n\n'
        f'[tool.nb2pkg]\nnotebooks = "nbs"\npackage = "{PACKAGE}"\n'
    )
    for name, text in (("imports", IMPORTS), ("utils", UTILS), ("all", ALL)):
        (outdir / PACKAGE / f"{name}.py").write_text(text)
    for index in range(notebooks):
        made = [
            new_markdown_cell(text) if kind == "markdown" else new_code_cell(text)
            for kind, text in _cells(index)
        ]
        nb = new_notebook(cells=made)
        for number, cell in enumerate(nb.cells):
            cell.id = f"c{index:02d}x{number:02d}"
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.validate(nb)
        nbformat.write(nb, str(outdir / "nbs" / f"{index:02d}_step.ipynb"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--notebooks", type=int, default=12)
    args = parser.parse_args(argv)
    write(args.outdir, args.notebooks)
    print(f"wrote {args.notebooks} notebooks and 3 hand-written modules into {args.outdir}")


if __name__ == "__main__":
    main(sys.argv[1:])
