"""Apply sync's cell changes to copies of the notebooks' JSON, and serialise them.

Edits replace a cell's body and keep its directive lines, id, metadata and outputs; moved
cells keep all of that too, with their export directive pointed at their new module; added
cells go where their placement says; removed cells are dropped. Nothing is written here:
the caller writes the texts atomically.

Applying is idempotent, so that a sync interrupted after writing some notebooks converges
when run again: a new cell's id is derived from its place and text, and a cell that is
already where a change would put it (same id, same source) is not added twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from .directives import export_kind
from .merge import CellChange, ChangeKind, Placement
from .nbjson import copy_json
from .notebook import Notebook, as_v4_5, dumps_notebook, set_source
from .notebook_form import retarget_header, with_own_end
from .project import Project
from .sourcelines import normalise_newlines, with_newline

Raw = dict[str, Any]


def apply_changes(project: Project, changes: Iterable[CellChange]) -> list[tuple[Notebook, str]]:
    """Return the new text of every notebook that *changes* touch (nothing is written here)."""
    changes = [c for c in changes if c.kind is not ChangeKind.CONFLICT]
    raws: dict[str, Raw] = {}

    def raw(relpath: str) -> list[dict[str, Any]]:
        if relpath not in raws:
            notebook = project.notebook(relpath)
            assert notebook is not None, relpath
            raws[relpath] = copy_json(notebook.raw)
        cells: list[dict[str, Any]] = raws[relpath]["cells"]
        return cells

    for change in changes:
        if change.kind is ChangeKind.EDIT:
            _edit(project, raw(change.notebook), change)
    placed = _Placer()
    for change in changes:
        if change.kind is ChangeKind.MOVE:
            _move(project, raw, change, placed)
        elif change.kind is ChangeKind.ADD:
            _add(raw(change.notebook), change, placed)
    for change in changes:
        if change.kind is ChangeKind.REMOVE:
            cells = raw(change.notebook)
            entry = _entry(cells, change.cell_id)
            if entry is not None:
                cells.remove(entry)
    # Notebooks that receive cells are written before those that lose them: a sync stopped
    # in between leaves a cell twice, never nowhere, and the next sync converges.
    receiving = {c.place.notebook for c in changes if c.place is not None}
    results = []
    for relpath in sorted(raws, key=lambda r: (r not in receiving, r)):
        notebook = project.notebook(relpath)
        assert notebook is not None
        if raws[relpath] != notebook.raw:
            edited = raws[relpath]
            if notebook.needs_ids or notebook.upgraded:
                edited = as_v4_5(edited)  # its cells have the ids they were given on reading
            # An upgraded notebook is laid out as Jupyter writes version 4: nothing of a v3
            # file's layout carries over.
            like = None if notebook.upgraded else notebook.path.read_bytes()
            results.append((notebook, dumps_notebook(edited, like=like)))
    return results


def _edit(project: Project, cells: list[dict[str, Any]], change: CellChange) -> None:
    entry = _entry(cells, change.cell_id)
    notebook = project.notebook(change.notebook)
    cell = notebook.cell_by_id(change.cell_id or "") if notebook else None
    if entry is None or cell is None:
        return
    source = _join(cell.header, with_own_end(change.after, cell.body))
    if source != cell.source:
        set_source(entry, with_newline(source, cell.newline))  # the cell's own line breaks


class _Placer:
    """Insert cells at placements; consecutive cells after one anchor keep their order."""

    def __init__(self) -> None:
        self.last_after: dict[tuple[str, str | None], str] = {}
        self.claimed: dict[str, set[str]] = {}

    def insert(self, cells: list[dict[str, Any]], place: Placement, entry: dict[str, Any]) -> None:
        key = (place.notebook, place.after)
        after = self.last_after.get(key, place.after) if place.before is None else None
        position = _position(cells, after, place.before)
        cells.insert(position, entry)
        if place.before is None:
            self.last_after[key] = str(entry["id"])

    def new_id(
        self, notebook: str, cells: list[dict[str, Any]], basis: str, source: str
    ) -> tuple[str, bool]:
        """Return a deterministic id for a new cell, and whether it is already there."""
        claimed = self.claimed.setdefault(notebook, set())
        salt = 0
        while True:
            digest = hashlib.sha1(f"{basis}\0{salt}".encode("utf-8", "surrogatepass")).hexdigest()
            cell_id = digest[:8]
            salt += 1
            if cell_id in claimed:
                continue
            existing = _entry(cells, cell_id)
            if existing is not None and _source(existing) != source:
                continue
            claimed.add(cell_id)
            return cell_id, existing is not None


def _add(cells: list[dict[str, Any]], change: CellChange, placed: _Placer) -> None:
    place = change.place or Placement(change.notebook)
    source = _join(change.directive + "\n", change.after.rstrip("\n"))
    basis = f"{change.notebook}\0{place.after}\0{place.before}\0{change.after}"
    cell_id, present = placed.new_id(change.notebook, cells, basis, source)
    if present:
        return  # an interrupted sync added it already
    entry: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": None,
        "id": cell_id,
        "metadata": {},
        "outputs": [],
        "source": source.splitlines(keepends=True),
    }
    placed.insert(cells, place, entry)


def _move(project: Project, raw: Any, change: CellChange, placed: _Placer) -> None:
    """Take the cell out of its place and put it where the module now has it."""
    notebook = project.notebook(change.notebook)
    cell = notebook.cell_by_id(change.cell_id or "") if notebook else None
    source_cells = raw(change.notebook)
    entry = _entry(source_cells, change.cell_id)
    if cell is None or entry is None:
        return
    kind = export_kind(cell.directives)
    header = cell.header
    if kind is None or kind[1] != change.target:
        header = retarget_header(cell.header, change.target)
    source = _join(header, with_own_end(change.after, cell.body))
    stored = with_newline(source, cell.newline)  # the cell keeps its own line breaks
    place = change.place or Placement(change.notebook)
    target_cells = raw(place.notebook)
    if place.notebook == change.notebook and change.place is None:
        set_source(entry, stored)  # stays where it is, exported elsewhere
        return
    if place.notebook == change.notebook:
        source_cells.remove(entry)
        set_source(entry, stored)
        placed.insert(target_cells, place, entry)
        return
    existing = _entry(target_cells, change.cell_id)
    if existing is None:
        moved = copy_json(entry)
        set_source(moved, stored)
        placed.claimed.setdefault(place.notebook, set()).add(str(change.cell_id))
        placed.insert(target_cells, place, moved)
    elif _source(existing) != source:  # the id is taken there: the cell gets a new one
        basis = f"{change.notebook}\0{change.cell_id}\0moved"
        cell_id, present = placed.new_id(place.notebook, target_cells, basis, source)
        if not present:
            moved = copy_json(entry)
            set_source(moved, stored)
            moved["id"] = cell_id
            placed.insert(target_cells, place, moved)
    # else: an interrupted sync moved it there already
    source_cells.remove(entry)


def _source(entry: dict[str, Any]) -> str:
    """Return a cell's source as read: line breaks made "\\n"."""
    source = entry.get("source", "")
    return normalise_newlines(source if isinstance(source, str) else "".join(source))


def _entry(cells: list[dict[str, Any]], cell_id: str | None) -> dict[str, Any] | None:
    return next((c for c in cells if c.get("id") == cell_id), None)


def _position(cells: list[dict[str, Any]], after: str | None, before: str | None) -> int:
    for index, cell in enumerate(cells):
        if before is not None and cell.get("id") == before:
            return index
        if before is None and after is not None and cell.get("id") == after:
            return index + 1
    return len(cells)


def _join(header: str, body: str) -> str:
    if header and body and not header.endswith("\n"):
        header += "\n"
    return header + body
