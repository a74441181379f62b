"""Apply sync's cell changes to copies of the notebooks' JSON, and serialise them.

Edits replace a cell's body and keep its directive lines, id, metadata and outputs; added
cells go right after their anchor cell; removed cells are dropped. Nothing is written here:
the caller writes the texts atomically.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from typing import Any

from .merge import CellChange
from .notebook import Notebook, dumps_notebook, set_source
from .project import Project


def apply_changes(project: Project, changes: Iterable[CellChange]) -> list[tuple[Notebook, str]]:
    """Return the new text of every notebook that *changes* touch (nothing is written here)."""
    by_notebook: dict[str, list[CellChange]] = {}
    for change in changes:
        if change.kind in ("edit", "add", "remove"):
            by_notebook.setdefault(change.notebook, []).append(change)
    results = []
    for relpath, notebook_changes in sorted(by_notebook.items()):
        notebook = project.notebook(relpath)
        assert notebook is not None
        raw = copy.deepcopy(notebook.raw)
        if _apply_to_raw(notebook, raw, notebook_changes):
            original = notebook.path.read_bytes()
            results.append((notebook, dumps_notebook(raw, like=original)))
    return results


def _apply_to_raw(notebook: Notebook, raw: dict[str, Any], changes: list[CellChange]) -> bool:
    cells: list[dict[str, Any]] = raw["cells"]
    changed = False
    for change in changes:
        if change.kind != "edit":
            continue
        entry = _entry(cells, change.cell_id)
        cell = notebook.cell_by_id(change.cell_id or "")
        if entry is None or cell is None:
            continue
        source = _join(cell.header, _match_ending(change.after, cell.body))
        if source != cell.source:
            set_source(entry, source)
            changed = True
    taken = {str(c.get("id")) for c in cells}
    inserted_after: dict[str | None, str | None] = {}
    for change in changes:
        if change.kind != "add":
            continue
        anchor = inserted_after.get(change.anchor, change.anchor)
        new = _new_cell(notebook.relpath, change, taken)
        position = _position(cells, anchor)
        cells.insert(position, new)
        inserted_after[change.anchor] = new["id"]
        changed = True
    for change in changes:
        if change.kind == "remove":
            entry = _entry(cells, change.cell_id)
            if entry is not None:
                cells.remove(entry)
                changed = True
    return changed


def _entry(cells: list[dict[str, Any]], cell_id: str | None) -> dict[str, Any] | None:
    return next((c for c in cells if c.get("id") == cell_id), None)


def _position(cells: list[dict[str, Any]], anchor: str | None) -> int:
    for index, cell in enumerate(cells):
        if cell.get("id") == anchor:
            return index + 1
    return len(cells)


def _new_cell(relpath: str, change: CellChange, taken: set[str]) -> dict[str, Any]:
    basis = f"{relpath}\0{change.anchor}\0{change.after}"
    salt = 0
    while True:
        cell_id = hashlib.sha1(f"{basis}\0{salt}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
        if cell_id not in taken:
            break
        salt += 1
    taken.add(cell_id)
    source = _join(change.directive + "\n", change.after.rstrip("\n"))
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": cell_id,
        "metadata": {},
        "outputs": [],
        "source": source.splitlines(keepends=True),
    }


def _join(header: str, body: str) -> str:
    if header and body and not header.endswith("\n"):
        header += "\n"
    return header + body


def _match_ending(new: str, old: str) -> str:
    """Keep the cell's habit of ending (or not) with a newline, so unchanged cells stay put."""
    stripped = new.rstrip("\n")
    return stripped + "\n" if old.endswith("\n") else stripped
