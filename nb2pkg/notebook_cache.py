"""Remember each notebook as read (its cells, directives and problems), keyed by its bytes.

Reading a notebook — JSON, cells, directive blocks — costs about as much as everything
else an export does to its unchanged modules. A notebook whose bytes hash as they did when
it was last read reads the same, so its cells come back from its own file under
``.nb2pkg/cache/notebooks/``; its JSON is loaded only if a command needs it (sync editing
it, ``test`` running it: ``Notebook.raw``). One file per notebook: a run reads each once
and keeps only the cells, and writes only the notebooks it read anew. Like the block cache
this is derived data: a missing, stale or corrupt file only costs time, a notebook that
did not read cleanly is never remembered, and the files are plain JSON (nothing in them
is executed), trusted only in the folder they were written in.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from .cache_home import read_cache_file, write_cache_files
from .directives import Directive, DirectiveProblem
from .fsio import ensure_inside
from .notebook import Cell, Notebook

_FOLDER = "cache/notebooks"
_FORMAT = 2


class NotebookCache:
    """Parsed notebooks by project-relative path and the sha256 of their bytes."""

    def __init__(self, root: Path, cache_dir: str, fingerprint: str) -> None:
        self.root = root
        self.folder = root / cache_dir / _FOLDER
        self._salt = [_FORMAT, fingerprint, list(sys.version_info[:2])]
        self._seen: set[str] = set()  # file names of the notebooks this run looked up
        self._fresh: dict[str, Notebook] = {}  # by file name: read this run, to be written
        self.hits = 0  # notebooks this run took from the cache

    def file(self, relpath: str) -> Path:
        """Return the cache file of the notebook at *relpath*."""
        name = hashlib.sha256(relpath.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        return self.folder / f"{name}.json"

    def lookup(self, path: Path, relpath: str, digest: str) -> Notebook | None:
        """Return the notebook at *relpath* as read before, if its bytes hash to *digest*."""
        file = self.file(relpath)
        self._seen.add(file.name)
        data = read_cache_file(file, self._salt)
        entry = data.get("notebook")
        if data.get("relpath") != relpath or not isinstance(entry, list) or len(entry) != 4:
            return None
        if entry[0] != digest:
            return None
        try:
            _, needs_ids, upgraded, cells = entry
            notebook = Notebook(
                path,
                relpath,
                tuple(_decode_cell(cell) for cell in cells),
                digest,
                bool(needs_ids),
                None,
                bool(upgraded),
            )
        except (TypeError, ValueError, IndexError):
            return None
        self.hits += 1
        return notebook

    def store(self, notebook: Notebook) -> None:
        """Remember *notebook* (read cleanly this run) for the next one."""
        file = self.file(notebook.relpath)
        self._seen.add(file.name)
        self._fresh[file.name] = notebook

    def save(self) -> None:
        """Write the notebooks read anew this run; remove the files of notebooks gone."""
        records = (
            (name, {"relpath": notebook.relpath, "notebook": _encode(notebook)})
            for name, notebook in self._fresh.items()
        )
        if self._fresh:
            write_cache_files(self.root, self.folder, self._salt, records)
        self._fresh = {}
        if not self.folder.is_dir():
            return
        for file in self.folder.glob("*.json"):
            if file.name not in self._seen:
                ensure_inside(self.root, file).unlink(missing_ok=True)


def _encode(notebook: Notebook) -> list[Any]:
    cells = [_encode_cell(cell) for cell in notebook.cells]
    return [notebook.digest, notebook.needs_ids, notebook.upgraded, cells]


def _encode_cell(cell: Cell) -> list[Any]:
    return [
        cell.index,
        cell.id,
        cell.kind,
        cell.source,
        len(cell.header),
        [[d.name, d.value, d.line] for d in cell.directives],
        cell.body_line,
        list(cell.magic_lines),
        [
            [p.line, p.text, p.message, p.suggestion, p.affects_export, p.old_style]
            for p in cell.problems
        ],
        cell.execution_count,
        cell.newline,
    ]


def _decode_cell(entry: list[Any]) -> Cell:
    (index, cell_id, kind, source, header, directives, body_line, magics, problems, count, nl) = (
        entry
    )
    if not isinstance(source, str) or not isinstance(header, int):
        raise TypeError("source")
    return Cell(
        int(index),
        str(cell_id),
        str(kind),
        source,
        tuple(Directive(str(name), str(value), int(line)) for name, value, line in directives),
        source[:header],
        source[header:],
        int(body_line),
        tuple(int(n) for n in magics),
        tuple(
            DirectiveProblem(
                int(line),
                str(text),
                str(message),
                None if fix is None else str(fix),
                bool(a),
                bool(o),
            )
            for line, text, message, fix, a, o in problems
        ),
        None if count is None else int(count),
        str(nl),
    )
