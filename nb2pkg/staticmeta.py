"""Read what a build needs from the package's source without running it.

A build must never execute project code: a notebook cell exported into ``__init__.py`` runs
when the package is imported. Backends import it for metadata they cannot find otherwise
(flit for ``dynamic = ["version"]`` or ``["description"]`` when ``__version__`` or the
docstring is not a literal; setuptools for ``attr:`` values that are not literals). Here
the same values are read with ``ast`` only:

* ``literal_assignment``: the value of the first top-level ``NAME = <literal>`` (or
  annotated) assignment of a module, as setuptools' static reader and flit's find them;
* ``flit_dynamic``: flit's ``version`` (a string ``__version__`` in ``__init__.py``, or in
  ``version.py``, ``_version.py``, ``__version__.py`` - flit's files and precedence) and
  ``description`` (the first line of the module docstring), or a ``BuildError`` that says
  how to declare them statically.

Files are read through a ``SourceTree``: the project as it will be once the export planned
in memory is written, so the checks run before anything is written.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BuildError, Location

#: flit's version files, the later ones taking precedence (``__init__.py`` last).
_VERSION_FILES = ("__version__.py", "_version.py", "version.py", "__init__.py")


@dataclass(frozen=True)
class SourceTree:
    """The project's files as a build will see them: planned texts over the files on disk."""

    root: Path
    planned: Mapping[Path, str | None] = field(default_factory=dict)  # None: to be removed

    def source(self, path: Path) -> bytes | None:
        """Return the bytes *path* will hold, or None if it will not be a file."""
        if path in self.planned:
            text = self.planned[path]
            return None if text is None else text.encode("utf-8")
        try:
            return path.read_bytes() if path.is_file() else None
        except OSError:
            return None

    def is_file(self, path: Path) -> bool:
        """Tell whether *path* will be a file."""
        if path in self.planned:
            return self.planned[path] is not None
        return path.is_file()

    def is_dir(self, path: Path) -> bool:
        """Tell whether *path* will be a folder (on disk, or holding a planned file)."""
        if path.is_dir():
            return True
        return any(path in p.parents for p, text in self.planned.items() if text is not None)


def literal_assignment(source: bytes, name: str) -> tuple[bool, Any]:
    """Return (True, value) for the first top-level assignment of *name*, if it is a literal.

    (False, None) when *name* is never assigned at the top level, or its first assignment
    is not a literal (``ast.literal_eval`` fails), or the source does not parse.
    """
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError):
        return False, None
    for statement in module.body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            try:
                return True, ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return False, None
    return False, None


def docstring(source: bytes) -> str | None:
    """Return a module's docstring, read statically (None if it has none or does not parse)."""
    try:
        return ast.get_docstring(ast.parse(source))
    except (SyntaxError, ValueError):
        return None


def module_file(tree: SourceTree, name: str) -> tuple[Path, bool] | None:
    """Find the import name *name* as flit does: (``__init__.py`` or ``name.py``, is_package)."""
    relative = name.replace(".", "/")
    for base in (tree.root, tree.root / "src"):
        if tree.is_dir(base / relative):
            return base / relative / "__init__.py", True
        if tree.is_file(base / f"{relative}.py"):
            return base / f"{relative}.py", False
    return None


def flit_dynamic(tree: SourceTree, name: str, dynamic: set[str], where: Location) -> dict[str, str]:
    """Return the static values of flit's dynamic ``version``/``description`` for *name*."""
    found = module_file(tree, name)
    if found is None:
        return {}  # the build refuses the missing package itself, with its own message
    main, is_package = found
    shown = main.relative_to(tree.root).as_posix()
    values: dict[str, str] = {}
    if "version" in dynamic:
        version = _flit_version(tree, main, is_package)
        if version is None:
            if where.file == "settings.ini":
                asked, declare = (
                    "settings.ini has no `version`",
                    "`version = 0.1.0` in settings.ini",
                )
            else:
                asked = '[project] lists "version" in `dynamic`'
                declare = '`version = "0.1.0"` in [project] (and remove "version" from `dynamic`)'
            raise BuildError(
                f'{asked}, and {shown} has no plain `__version__ = "..."` string to read it '
                f"from. nb2pkg never runs your code to find it; declare it statically: "
                f'{declare}, or `__version__ = "0.1.0"` as a literal in {shown}',
                where,
            )
        values["version"] = version
    if "description" in dynamic:
        text = docstring(tree.source(main) or b"")
        if not text or not text.strip():
            raise BuildError(
                f'[project] lists "description" in `dynamic`, and {shown} has no docstring to '
                'take it from; write `description = "..."` in [project] (and remove '
                f'"description" from `dynamic`), or start {shown} with a docstring',
                where,
            )
        values["description"] = text.lstrip().splitlines()[0]
    return values


def _flit_version(tree: SourceTree, main: Path, is_package: bool) -> str | None:
    files = [main.parent / f for f in _VERSION_FILES] if is_package else [main]
    version = None
    for path in files:
        source = tree.source(path)
        if source is None:
            continue
        assigned, value = literal_assignment(source, "__version__")
        if assigned and isinstance(value, str) and value:
            version = value
    return version
