"""The user's ``[tool.nb2pkg.check]`` settings and the diagnostics they silence.

``ignore`` lists codes (``NB301``) or families with ``x`` as wildcard (``NB4xx``); a cell
silences codes for itself with ``#| nb2pkg: ignore NB101``. ``check``, ``export`` and
``build`` all honour them, so an ignored finding neither fails CI nor stops an export.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .project import Project
from .report import Diagnostic


def check_settings(project: Project) -> dict[str, Any]:
    """Return ``[tool.nb2pkg.check]``: ``ignore`` (codes or prefixes) and ``strict``.

    The table was validated when the configuration was read (``config_keys``).
    """
    table = project.config.check
    ignore = table.get("ignore", [])
    return {"ignore": [code.upper() for code in ignore], "strict": table.get("strict", False)}


def matches(code: str, patterns: Iterable[str]) -> bool:
    """Tell whether *code* is one of *patterns* (``NB4xx`` covers ``NB401``...)."""
    for pattern in patterns:
        prefix = pattern.upper().rstrip("X")
        if code == pattern.upper() or (pattern.upper().endswith("X") and code.startswith(prefix)):
            return True
    return False


def without_ignored(
    project: Project, found: Sequence[Diagnostic], ignore: Sequence[str] | None = None
) -> list[Diagnostic]:
    """Drop diagnostics silenced by configuration (*ignore*, read from the project when
    None) or by a cell's ``#| nb2pkg: ignore`` line."""
    if ignore is None:
        ignore = check_settings(project)["ignore"]
    per_cell: dict[tuple[str, str], list[str]] = {}
    for notebook in project.notebooks:
        for cell in notebook.cells:
            for directive in cell.directives:
                words = directive.value.split()
                if directive.name == "nb2pkg" and words[:1] == ["ignore"]:
                    per_cell.setdefault((notebook.relpath, cell.id), []).extend(words[1:])
    kept = []
    for diagnostic in found:
        if matches(diagnostic.code, ignore):
            continue
        where = diagnostic.where
        if (
            where
            and where.cell_id
            and matches(diagnostic.code, per_cell.get((where.file, where.cell_id), []))
        ):
            continue
        kept.append(diagnostic)
    return kept
