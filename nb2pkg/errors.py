"""Errors that nb2pkg reports to its users.

Every problem caused by the user's input is an ``Nb2pkgError``; anything else that escapes
is a bug in nb2pkg. Each class carries its exit code (``exit_codes.ExitCode``); the CLI
turns every error into its message and code in one place (``cli._reported``).

    Nb2pkgError                 bad input; exit 2
    ├── ConfigError             pyproject.toml / settings.ini / [tool.nb2pkg]
    ├── NotebookError           a notebook that cannot be read
    ├── PlanError               directives that give no consistent set of modules
    ├── CellError               exported code that cannot go into a module
    ├── DependencyError         an import that cannot be resolved to a distribution
    ├── BuildError              the wheel or sdist could not be built
    ├── SyncConflict            both sides of a block changed; exit 1
    ├── UnsyncedEdits           a module holds edits that a write would lose; exit 1
    ├── ConcurrentEdit          a file changed on disk while nb2pkg worked; exit 1
    ├── CheckFailed             exported code would fail at import or call time; exit 1
    └── ProblemsFound           several located problems, reported together

Each error carries *where* as a ``Location`` (file, cell index and id, line, column) and
prints compiler-style, with the fix in the message::

    nbs/01_data.ipynb: cell 5 (id 9a8b7c6d): line 2: IPython magic "%time" cannot be exported

A ``Location`` keeps the cell's 0-based position in the notebook's JSON (``cell_index``);
people count cells from 1, so every message names a cell through ``cell_label``: the
cell at index 4 is "cell 5".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .exit_codes import ExitCode


def cell_label(index: int, cell_id: str | None = None) -> str:
    """Name a cell as people count them: index 4 with id "9a8b" is "cell 5 (id 9a8b)"."""
    return f"cell {index + 1}" + (f" (id {cell_id})" if cell_id else "")


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, optionally a cell in it, a line and a column."""

    file: str
    cell_index: int | None = None
    cell_id: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def cell_number(self) -> int | None:
        """Return the cell's number counted from 1, as messages show it (None: no cell)."""
        return None if self.cell_index is None else self.cell_index + 1

    def __str__(self) -> str:
        parts = [self.file]
        if self.cell_index is not None:
            parts.append(cell_label(self.cell_index, self.cell_id))
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        return ": ".join(parts)


class Nb2pkgError(Exception):
    """A problem with the user's input: says what, where and how to fix it."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, where: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ConfigError(Nb2pkgError):
    """The project's configuration is missing, malformed or names unknown keys."""


class NotebookError(Nb2pkgError):
    """A notebook file cannot be read as a Jupyter notebook."""


class PlanError(Nb2pkgError):
    """The directives do not describe one consistent set of modules."""


class CellError(Nb2pkgError):
    """Exported code cannot be placed into a module (syntax error, IPython syntax, ...)."""


class DependencyError(Nb2pkgError):
    """An import cannot be resolved to a distribution."""


class BuildError(Nb2pkgError):
    """The wheel or sdist could not be built."""


class SyncConflict(Nb2pkgError):
    """A block changed both in its module and in its notebook."""

    exit_code = ExitCode.FOUND


class UnsyncedEdits(Nb2pkgError):
    """A generated module holds edits not synced into a notebook, which a write would lose."""

    exit_code = ExitCode.FOUND


class ConcurrentEdit(Nb2pkgError):
    """A file changed on disk between reading it and writing it back."""

    exit_code = ExitCode.FOUND


class CheckFailed(Nb2pkgError):
    """Exported code would fail at import or call time (found by the checks before writing)."""

    exit_code = ExitCode.FOUND


class ProblemsFound(Nb2pkgError):
    """Several problems found in one pass, reported together."""

    def __init__(self, problems: Iterable[Nb2pkgError]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
        self.exit_code = max((p.exit_code for p in self.problems), default=ExitCode.BAD_INPUT)

    def __str__(self) -> str:
        return self.message


def raise_all(problems: Iterable[Nb2pkgError]) -> None:
    """Raise the one problem, or all of them together; return if there are none."""
    found = list(problems)
    if len(found) == 1:
        raise found[0]
    if found:
        raise ProblemsFound(found)
