"""Version-control checks of the notebooks, for ``nb2pkg check``.

    NB701  error    a cell holds unresolved conflict markers (<<<<<<< … >>>>>>>)
    NB702  warning  the notebook holds what clean removes (an error with --ci when .gitattributes says
                    notebooks are stored clean but this clone's git does not clean them:
                    in CI, that means a notebook was committed without the filter)
    NB703  warning  a cell is still tagged nb2pkg-conflict although its markers are gone

A notebook git cleans on every commit (nb2pkg's filter is active) is not checked for
cleanliness: its working copy may keep counts and timings, the repository never sees them.
"""

from __future__ import annotations

import re

from .clean import CONFLICT_TAG
from .clean_io import clean_options, volatile_parts
from .errors import Nb2pkgError
from .gitsetup import FilterUse, filter_use
from .notebook import Notebook
from .project import Project
from .report import Diagnostic, Severity

_OPEN = re.compile(r"^<{7,}(?: |$)")
_CLOSE = re.compile(r"^>{7,}(?: |$)")


def conflict_line(source: str) -> int | None:
    """Return the line (1-based) where a conflict opens in *source*, if markers close it."""
    opened = None
    for number, line in enumerate(source.splitlines(), 1):
        if opened is None and _OPEN.match(line):
            opened = number
        elif opened is not None and _CLOSE.match(line):
            return opened
    return None


def version_control_problems(project: Project, *, ci: bool = False) -> list[Diagnostic]:
    """Return NB701–NB703 for the project's notebooks."""
    found: list[Diagnostic] = []
    for notebook in project.notebooks:
        found += _conflicts(notebook)
    found += _not_clean(project, ci)
    return found


def _tagged(notebook: Notebook) -> set[int]:
    """Return the indices of the cells tagged as holding a conflict.

    The notebook's JSON is read only when its bytes name the tag at all: most never do, and
    a checked project's notebooks come from the cache of notebooks read before.
    """
    try:
        if CONFLICT_TAG.encode() not in notebook.path.read_bytes():
            return set()
    except OSError:
        return set()
    found = set()
    for index, cell in enumerate(notebook.raw.get("cells", [])):
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        tags = metadata.get("tags") if isinstance(metadata, dict) else None
        if isinstance(tags, list) and CONFLICT_TAG in tags:
            found.add(index)
    return found


def _conflicts(notebook: Notebook) -> list[Diagnostic]:
    found = []
    tagged = _tagged(notebook)
    for cell in notebook.cells:
        line = conflict_line(cell.source)
        if line is not None:
            found.append(
                Diagnostic(
                    "NB701",
                    Severity.ERROR,
                    "unresolved merge conflict: keep the lines you want between the markers, "
                    f"delete the markers, then remove the {CONFLICT_TAG} tag",
                    notebook.where(cell, line),
                )
            )
        elif cell.index in tagged:
            found.append(
                Diagnostic(
                    "NB703",
                    Severity.WARNING,
                    f"the cell is tagged {CONFLICT_TAG} but holds no conflict markers: "
                    "if the conflict is resolved, remove the tag",
                    notebook.where(cell),
                )
            )
    return found


def _not_clean(project: Project, ci: bool) -> list[Diagnostic]:
    notebooks = project.notebooks
    if not notebooks:
        return []
    options = clean_options(project.config)
    uses = filter_use(project.config.root, [notebook.path for notebook in notebooks])
    found = []
    for notebook in notebooks:
        use = uses.get(notebook.path.resolve(), FilterUse.NONE)
        if use is FilterUse.ACTIVE:
            continue
        try:
            parts = volatile_parts(notebook.path.read_bytes(), notebook.relpath, options)
        except (OSError, Nb2pkgError):
            continue  # reported when the notebook was read
        if not parts:
            continue
        removed = ", ".join(parts[:4]) + (", …" if len(parts) > 4 else "")
        if use is FilterUse.DECLARED:
            fix = (
                "run `nb2pkg clean` and commit; .gitattributes says notebooks are stored "
                "clean, so run `nb2pkg hooks install` once in each clone"
            )
        else:
            fix = "run `nb2pkg clean`, or `nb2pkg hooks install` to clean on every commit"
        severity = Severity.ERROR if ci and use is FilterUse.DECLARED else Severity.WARNING
        found.append(
            Diagnostic("NB702", severity, f"not clean ({removed}): {fix}", notebook.where())
        )
    return found
