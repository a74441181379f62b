"""Remember each notebook as read (its cells, directives and problems), keyed by its bytes.

Reading a notebook — JSON, cells, directive blocks — costs about as much as everything
else an export does to its unchanged modules. A notebook whose bytes hash as they did when
it was last read reads the same, so its cells come back from
``.nb2pkg/cache/notebooks.json``; its JSON is loaded only if a command needs it (sync
editing it, ``test`` running it: ``Notebook.raw``). Like the block cache this is derived
data: a missing, stale or corrupt file only costs time, a notebook that did not read
cleanly is never remembered, and the file is plain JSON (nothing in it is executed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .cache_home import read_cache_file, write_cache_file
from .directives import Directive, DirectiveProblem
from .notebook import Cell, Notebook

_FILE = "cache/notebooks.json"
_FORMAT = 1


class NotebookCache:
    """Parsed notebooks by project-relative path and the sha256 of their bytes."""

    def __init__(self, root: Path, cache_dir: str, fingerprint: str) -> None:
        self.root = root
        self.path = root / cache_dir / _FILE
        self._salt = [_FORMAT, fingerprint, list(sys.version_info[:2])]
        self._old = self._load()
        # As read from the cache (encoded already), or read this run (encoded when saved:
        # a project's encoded cells at once would be the largest thing a run holds).
        self._new: dict[str, list[Any] | Notebook] = {}
        self.hits = 0  # notebooks this run took from the cache

    def _load(self) -> dict[str, Any]:
        entries = read_cache_file(self.path, self._salt).get("notebooks")
        return entries if isinstance(entries, dict) else {}

    def lookup(self, path: Path, relpath: str, digest: str) -> Notebook | None:
        """Return the notebook at *relpath* as read before, if its bytes hash to *digest*."""
        entry = self._old.get(relpath)
        if not isinstance(entry, list) or len(entry) != 4 or entry[0] != digest:
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
        self._new[relpath] = entry
        self.hits += 1
        return notebook

    def store(self, notebook: Notebook) -> None:
        """Remember *notebook* (read cleanly this run) for the next one."""
        self._new[notebook.relpath] = notebook

    def save(self) -> None:
        """Write the notebooks read this run (dropping the rest), if anything changed."""
        changed = any(isinstance(entry, Notebook) for entry in self._new.values())
        if changed or self._new.keys() != self._old.keys():
            record = {"notebooks": self._new}
            write_cache_file(self.root, self.path, self._salt, record, _encode)


def _encode(entry: list[Any] | Notebook) -> list[Any]:
    if not isinstance(entry, Notebook):
        return entry
    cells = [_encode_cell(cell) for cell in entry.cells]
    return [entry.digest, entry.needs_ids, entry.upgraded, cells]


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
