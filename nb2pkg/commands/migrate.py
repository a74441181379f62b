"""``nb2pkg migrate``: rewrite nbdev 1's comment directives in the ``#|`` form, in place.

    project = load_project(path)                 # configuration and notebooks, checked
    plans = [plan_notebook(...) for each]        # which lines change; new text, verified
    write every changed notebook                 # decided first; atomic, guarded writes

nbdev 1 marked cells with plain comments: ``# export``, ``#exports``, ``# exporti``,
``# export core``, ``# default_exp core``, ``# hide``, test flags such as ``# slow``. nbdev 2
and 3, and nb2pkg, read only the ``#|`` form, so such a project exports nothing until its
directives are rewritten: ``# export core`` becomes ``#| export core``.

As nbdev's own ``nbdev_migrate`` does, only the leading comment block of a code cell is
looked at (directive, blank and cell-magic lines before the first other line), and a line
is a directive when its first word is one nbdev 1 knew and at most one word follows.
Unlike ``nbdev_migrate``, directive names are kept (``# hide`` becomes ``#| hide``, which
nbdev 2 and 3 read too, not Quarto's ``#| include: false``) and nothing else changes:
markdown cells, front matter and every other line stay as they are, and the notebook is
written back in the layout it was read in, without cell ids added (``nb2pkg export`` adds
them, as for any notebook). Each new text is read back before anything is written.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import ConcurrentEdit, Location, Nb2pkgError, raise_all
from ..fsio import check_writable, digest_bytes, ensure_inside, write_text_atomic
from ..notebook import Notebook, dumps_notebook, parse_notebook, set_source
from ..project import load_project
from ..report import count

#: The comment directives of nbdev 1 (``nbdev_migrate``'s list, plus ``collapse_output``).
NBDEV1_DIRECTIVES = (
    "default_exp",
    "export",
    "exports",
    "exporti",
    "hide",
    "hide_input",
    "hide_output",
    "collapse",
    "collapse_show",
    "collapse_hide",
    "collapse_input",
    "collapse_output",
    "default_cls_lvl",
)
_MAGIC = re.compile(r"^\s*%%\w")
_PIPE = re.compile(r"^\s*#\s*\|")


@dataclass(frozen=True)
class LineChange:
    """One directive line rewritten: where it is, and its text before and after."""

    where: Location
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.where}: {self.before} → {self.after}"


@dataclass(frozen=True)
class NotebookMigration:
    """The directive lines of one notebook that change, and the notebook's new text."""

    notebook: Notebook
    lines: tuple[LineChange, ...]
    text: str


@dataclass(frozen=True)
class MigrateResult:
    """What migrate found and did."""

    notebooks: int  # notebooks read
    migrations: tuple[NotebookMigration, ...]  # notebooks with lines to rewrite
    written: bool  # False for a dry run

    @property
    def lines(self) -> list[LineChange]:
        """Return every line rewritten (or, on a dry run, to be rewritten)."""
        return [line for migration in self.migrations for line in migration.lines]

    def summary(self) -> str:
        """Return the one-line summary the CLI prints."""
        if not self.migrations:
            return (
                f"nothing to migrate: no nbdev 1 directives in {count(self.notebooks, 'notebook')}"
            )
        verb = "migrated" if self.written else "would migrate"
        return (
            f"{verb} {count(len(self.lines), 'directive')} in "
            f"{count(len(self.migrations), 'notebook')} to the `#|` form; now run `nb2pkg export`"
        )


def migrate_project(path: Path | None = None, *, dry_run: bool = False) -> MigrateResult:
    """Rewrite the nbdev 1 directives of every notebook of the project at *path*."""
    project = load_project(path)
    names = directive_names(project.config)
    migrations: list[NotebookMigration] = []
    problems: list[Nb2pkgError] = []
    for notebook in project.notebooks:
        try:
            migration = plan_notebook(notebook, notebook.path.read_bytes(), names)
        except Nb2pkgError as exc:
            problems.append(exc)
            continue
        if migration is not None:
            migrations.append(migration)
    raise_all(problems)
    root = project.config.root
    if not dry_run:
        for migration in migrations:
            ensure_inside(root, migration.notebook.path)
            check_writable(migration.notebook.path, root=root)
        for migration in migrations:
            write_text_atomic(
                migration.notebook.path,
                migration.text,
                root=root,
                expect=migration.notebook.digest,
            )
    return MigrateResult(len(project.notebooks), tuple(migrations), not dry_run)


def directive_names(config: Config) -> tuple[str, ...]:
    """Return the directive names to migrate: nbdev 1's, and the project's test flags."""
    settings = config.raw.get("settings")
    tool = config.raw.get("tool")
    nbdev = tool.get("nbdev") if isinstance(tool, dict) else None
    flags: Any = None
    if isinstance(settings, dict):
        flags = settings.get("tst_flags")
    elif isinstance(nbdev, dict):
        flags = nbdev.get("tst_flags")
    words = re.split(r"[\s|,]+", flags) if isinstance(flags, str) else []
    extra = [w for w in words if re.fullmatch(r"[A-Za-z_][\w-]*", w)]
    return tuple(dict.fromkeys([*NBDEV1_DIRECTIVES, *extra]))


def plan_notebook(
    notebook: Notebook, data: bytes, names: tuple[str, ...]
) -> NotebookMigration | None:
    """Return the migration of one notebook (its file's bytes *data*), or None if none."""
    if digest_bytes(data) != notebook.digest:
        raise ConcurrentEdit(
            "changed on disk while nb2pkg read it; nothing was written: run the command again",
            Location(notebook.relpath),
        )
    raw: dict[str, Any] = json.loads(data.decode("utf-8-sig"))  # as written: no ids added
    if not isinstance(raw.get("cells"), list) or len(raw["cells"]) != len(notebook.cells):
        raise Nb2pkgError(
            "is an nbformat 3 notebook, which migrate does not rewrite; open and save it in "
            "Jupyter (nbformat 4) first, then run `nb2pkg migrate` again",
            Location(notebook.relpath),
        )
    changes: list[LineChange] = []
    for cell in notebook.cells:
        if cell.kind != "code":
            continue
        lines = cell.source.splitlines(keepends=True)
        rewritten = migrated_source(cell.source, names).splitlines(keepends=True)
        if rewritten == lines:
            continue
        for number, (old, new) in enumerate(zip(lines, rewritten), 1):
            if old != new:
                where = notebook.where(cell, number)
                changes.append(LineChange(where, old.rstrip("\r\n"), new.rstrip("\r\n")))
        set_source(raw["cells"][cell.index], "".join(rewritten))
    if not changes:
        return None
    text = dumps_notebook(raw, like=data)
    _verify(notebook, text, changes)
    return NotebookMigration(notebook, tuple(changes), text)


def migrated_source(source: str, names: tuple[str, ...] = NBDEV1_DIRECTIVES) -> str:
    """Return a code cell's *source* with the nbdev 1 directives of its leading block in the
    ``#|`` form (``# export core`` → ``#| export core``); every other line as it was."""
    pattern = _directive_line(names)
    lines = source.splitlines(keepends=True)
    for index, line in enumerate(lines):
        match = pattern.match(line)
        if match:
            name = match["name"].lower().replace("-", "_")
            lines[index] = f"#| {name}{match['value'].rstrip()}{match['end']}"
        elif line.strip() and not _PIPE.match(line) and not _MAGIC.match(line):
            break
    return "".join(lines)


@functools.lru_cache(maxsize=8)
def _directive_line(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(
        sorted({re.escape(n) for name in names for n in (name, name.replace("_", "-"))}, key=len)[
            ::-1
        ]
    )
    return re.compile(
        rf"^[ \t]*#[ \t]*(?P<name>{alternatives})(?P<value>(?:[ \t]+\S+)?)[ \t]*(?P<end>\r?\n?)$",
        re.IGNORECASE,
    )


def _verify(notebook: Notebook, text: str, changes: list[LineChange]) -> None:
    """Read the new text back: a notebook still, every rewritten line read as a directive."""
    again = parse_notebook(text.encode("utf-8"), notebook.path, notebook.relpath)
    by_cell = {cell.index: cell for cell in again.cells}
    for change in changes:
        cell = by_cell.get(change.where.cell_index or 0)
        line = change.where.line
        if cell is None or not any(d.line == line for d in cell.directives):
            raise Nb2pkgError(
                f"rewriting `{change.before}` as `{change.after}` would not give a directive "
                "nb2pkg reads; nothing was written (please report this)",
                change.where,
            )
