"""Merge three versions of a notebook cell by cell, matching cells by id.

    keys = _cell_keys(base, ours, theirs)     # cell ids (or an alignment when ids are missing)
    kept = which cells survive                # deleted only if the other side left it alone
    order = _merged_order(...)                # ours' order; theirs' moves and new cells by neighbour
    cells = [_merge_cell(...) for each kept]  # source line by line, metadata key by key,
                                              # outputs follow the source they belong to
    metadata = _merge_values(...)             # key by key; volatile keys resolve to ours

What clean removes (execution counts, timings, view state) never conflicts: ours wins.
Outputs are those of the side whose source the merged cell has, or none. A cell changed by
one side and deleted by the other is kept. Two different edits of one cell's source become a
conflict inside that cell: git-style markers in the source and the ``nb2pkg-conflict`` tag,
so that the notebook stays valid JSON that Jupyter opens. Pure: dicts in, dict out.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .clean import CONFLICT_TAG, CleanOptions, is_volatile, remove_paths
from .textmerge import Markers, conflict_text, merge_texts

Cell = dict[str, Any]
Path_ = tuple[str, ...]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class MergeOptions:
    """Conflict markers, and what counts as volatile (the project's clean settings)."""

    markers: Markers = field(default_factory=Markers)
    clean: CleanOptions = field(default_factory=CleanOptions)


@dataclass(frozen=True)
class CellConflict:
    """A cell of the merged notebook that holds a conflict to resolve by hand."""

    index: int
    cell_id: str | None
    reason: str


@dataclass(frozen=True)
class NotebookMerge:
    """The merged notebook, its conflicts, and notes on what was decided for the user."""

    notebook: dict[str, Any]
    conflicts: tuple[CellConflict, ...]
    notes: tuple[str, ...]


def merge_notebooks(
    base: dict[str, Any] | None,
    ours: dict[str, Any],
    theirs: dict[str, Any],
    options: MergeOptions | None = None,
) -> NotebookMerge:
    """Merge *ours* and *theirs*, both descended from *base* (None: added on both sides)."""
    options = options or MergeOptions()
    base = base or {"cells": [], "metadata": {}}
    versions = [_cells(nb) for nb in (base, ours, theirs)]
    keys = _cell_keys(*versions)
    by_key = [dict(zip(k, cells)) for k, cells in zip(keys, versions)]
    kept = _kept(keys, by_key, options.clean)
    order = _merged_order(keys, kept)
    notes: list[str] = []
    cells: list[Cell] = []
    conflicts: list[CellConflict] = []
    for index, key in enumerate(order):
        b, o, t = (cells_by_key.get(key) for cells_by_key in by_key)
        cell, reasons = _merge_cell(b, o, t, options, notes)
        cells.append(cell)
        if reasons:
            conflicts.append(CellConflict(index, cell.get("id"), "; ".join(reasons)))
    metadata, disputed = _merge_values(
        base.get("metadata", {}),
        ours.get("metadata", {}),
        theirs.get("metadata", {}),
        (),
        lambda path: is_volatile(path, options.clean, cell=False),
    )
    notes += [f'notebook metadata "{".".join(p)}": kept ours (theirs differs)' for p in disputed]
    notebook = copy.deepcopy(ours)
    notebook["metadata"] = metadata if metadata is not MISSING else {}
    minors = [nb.get("nbformat_minor") for nb in (base, ours, theirs)]
    notebook["nbformat_minor"] = max((m for m in minors if isinstance(m, int)), default=4)
    notebook["cells"] = _with_ids(cells, order, notebook["nbformat_minor"])
    return NotebookMerge(notebook, tuple(conflicts), tuple(notes))


def _cells(notebook: dict[str, Any]) -> list[Cell]:
    cells = notebook.get("cells", [])
    return [cell for cell in cells if isinstance(cell, dict)] if isinstance(cells, list) else []


def _source(cell: Cell | None) -> str:
    if cell is None:
        return ""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _cell_keys(base: list[Cell], ours: list[Cell], theirs: list[Cell]) -> list[list[str]]:
    """Key cells by id; if a version lacks ids (nbformat < 4.5), align them by content."""
    versions = (base, ours, theirs)
    ids = [[cell.get("id") for cell in cells] for cells in versions]
    if all(
        all(isinstance(i, str) and i for i in found) and len(set(found)) == len(found)
        for found in ids
    ):
        return [[str(i) for i in found] for found in ids]
    base_keys = [f"base:{index}" for index in range(len(base))]
    return [
        base_keys,
        _aligned(base, ours, base_keys, "ours"),
        _aligned(base, theirs, base_keys, "theirs"),
    ]


def _aligned(base: list[Cell], side: list[Cell], base_keys: list[str], name: str) -> list[str]:
    """Give *side*'s cells the key of the base cell they came from (same place, or same text)."""
    keys = [f"{name}:{index}" for index in range(len(side))]
    signature = [(c.get("cell_type"), _source(c)) for c in base]
    matcher = difflib.SequenceMatcher(
        None, signature, [(c.get("cell_type"), _source(c)) for c in side], autojunk=False
    )
    for tag, b1, b2, s1, s2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):  # a replaced run pairs up in order: edited cells
            for offset in range(min(b2 - b1, s2 - s1)):
                keys[s1 + offset] = base_keys[b1 + offset]
    return keys


def _substance(cell: Cell, options: CleanOptions) -> Any:
    """Return what a user changes in a cell: all but outputs, counts and volatile metadata."""
    kept = {
        k: v for k, v in cell.items() if k not in ("outputs", "execution_count", "id", "source")
    }
    kept["source"] = _source(cell)
    metadata = copy.deepcopy(cell.get("metadata", {}))
    if isinstance(metadata, dict):
        strip, keep = options.cell_rules()
        remove_paths(metadata, strip, keep)
    kept["metadata"] = metadata
    return kept


def _kept(keys: list[list[str]], by_key: list[dict[str, Cell]], options: CleanOptions) -> set[str]:
    """Return the cells the merge keeps: a deletion wins only over a cell left as it was."""
    kept = set()
    for key in {*keys[1], *keys[2]}:
        b, o, t = (cells_by_key.get(key) for cells_by_key in by_key)
        if o is not None and t is not None or b is None:
            kept.add(key)
        elif o is not None and _substance(o, options) != _substance(b, options):
            kept.add(key)  # theirs deleted a cell ours changed
        elif t is not None and _substance(t, options) != _substance(b, options):
            kept.add(key)  # ours deleted a cell theirs changed
    return kept


def _moved(side: list[str], base: list[str]) -> bool:
    common = set(side) & set(base)
    return [k for k in side if k in common] != [k for k in base if k in common]


def _merged_order(keys: list[list[str]], kept: set[str]) -> list[str]:
    """Ours' order (theirs' if only theirs moved cells), the other side's new cells by anchor."""
    base, ours, theirs = ([k for k in found if k in kept] for found in keys)
    primary, secondary = (
        (theirs, ours) if _moved(theirs, base) and not _moved(ours, base) else (ours, theirs)
    )
    order = list(primary)
    placed = set(order)
    in_base = set(keys[0])
    from_secondary: set[str] = set()
    for index, key in enumerate(secondary):
        if key in placed:
            continue
        anchor = next((k for k in reversed(secondary[:index]) if k in placed), None)
        position = 0 if anchor is None else order.index(anchor) + 1
        if anchor not in from_secondary:  # after the primary side's new cells at this spot
            while (
                position < len(order)
                and order[position] not in in_base
                and order[position] not in secondary
            ):
                position += 1
        order.insert(position, key)
        placed.add(key)
        from_secondary.add(key)
    return order


def _merge_cell(
    b: Cell | None, o: Cell | None, t: Cell | None, options: MergeOptions, notes: list[str]
) -> tuple[Cell, list[str]]:
    """Merge one cell's three versions; return the cell and its conflicts (empty: none)."""
    markers = options.markers
    if o is None or t is None:
        kept = o if o is not None else t
        assert kept is not None
        if b is None:  # new on one side
            return copy.deepcopy(kept), []
        return _deleted_on_one_side(b, o, t, markers), [
            f"changed on one side, deleted by {'ours' if o is None else 'theirs'}"
        ]
    base = b if b is not None else {"cell_type": o.get("cell_type"), "source": "", "metadata": {}}
    reasons: list[str] = []
    cell = copy.deepcopy(o)
    kind, _ = _merge_values(
        base.get("cell_type"), o.get("cell_type"), t.get("cell_type"), (), _never
    )
    if o.get("cell_type") != t.get("cell_type") and base.get("cell_type") not in (
        o.get("cell_type"),
        t.get("cell_type"),
    ):
        reasons.append(f"cell type: ours {o.get('cell_type')}, theirs {t.get('cell_type')}")
    cell["cell_type"] = kind
    merged = merge_texts(_source(base), _source(o), _source(t), markers)
    if merged.conflicts:
        reasons.append("both sides edited the source")
    cell["source"] = merged.text

    def volatile(path: Path_) -> bool:
        return is_volatile(path, options.clean, cell=True)

    metadata, disputed = _merge_values(
        base.get("metadata", {}), o.get("metadata", {}), t.get("metadata", {}), (), volatile
    )
    cell["metadata"] = metadata if isinstance(metadata, dict) else {}
    where = f"the cell with id {o['id']}" if o.get("id") else "a cell"
    notes += [f'{where}: metadata "{".".join(p)}": kept ours (theirs differs)' for p in disputed]
    if "attachments" in o or "attachments" in t:
        attachments, disputed = _merge_values(
            base.get("attachments", MISSING),
            o.get("attachments", MISSING),
            t.get("attachments", MISSING),
            (),
            _never,
        )
        notes += [
            f'{where}: attachment "{p[0]}": kept ours (theirs differs)' for p in disputed if p
        ]
        if attachments is MISSING:
            cell.pop("attachments", None)
        else:
            cell["attachments"] = attachments
    _merge_outputs(cell, o, t, merged.text if not reasons else None)
    if reasons:
        _tag(cell)
    return cell, reasons


def _deleted_on_one_side(b: Cell, o: Cell | None, t: Cell | None, markers: Markers) -> Cell:
    """Keep a cell one side changed and the other deleted, as a conflict inside the cell."""
    kept = o if o is not None else t
    assert kept is not None
    cell = copy.deepcopy(kept)
    if o is None:
        text = conflict_text("", _source(b), _source(t), _deleted(markers, "ours"))
    else:
        text = conflict_text(_source(o), _source(b), "", _deleted(markers, "theirs"))
    if not _source(kept).endswith("\n"):
        text = text.removesuffix("\n")
    cell["source"] = text
    _drop_outputs(cell)
    _tag(cell)
    return cell


def _deleted(markers: Markers, side: str) -> Markers:
    if side == "ours":
        return replace(markers, ours=f"{markers.ours} (deleted this cell)")
    return replace(markers, theirs=f"{markers.theirs} (deleted this cell)")


def _merge_outputs(cell: Cell, o: Cell, t: Cell, source: str | None) -> None:
    """Outputs belong to the source that made them: ours', theirs', or none."""
    if cell.get("cell_type") != "code":
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
        return
    if source is None:
        _drop_outputs(cell)
    elif source == _source(o) and o.get("cell_type") == "code":
        cell["outputs"] = copy.deepcopy(o.get("outputs", []))
        cell["execution_count"] = o.get("execution_count")
    elif source == _source(t) and t.get("cell_type") == "code":
        cell["outputs"] = copy.deepcopy(t.get("outputs", []))
        cell["execution_count"] = t.get("execution_count")
    else:
        _drop_outputs(cell)
    cell.pop("attachments", None)


def _drop_outputs(cell: Cell) -> None:
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None


def _tag(cell: Cell) -> None:
    metadata = cell.setdefault("metadata", {})
    tags = metadata.get("tags")
    if not isinstance(tags, list):
        tags = metadata["tags"] = []
    if CONFLICT_TAG not in tags:
        tags.append(CONFLICT_TAG)


def _never(path: Path_) -> bool:
    return False


def _merge_values(
    base: Any, ours: Any, theirs: Any, path: Path_, volatile: Callable[[Path_], bool]
) -> tuple[Any, list[Path_]]:
    """Merge JSON values three-way; return the value and the paths where ours was kept."""
    if ours == theirs or theirs == base:
        return copy.deepcopy(ours), []
    if ours == base:
        return copy.deepcopy(theirs), []
    if volatile(path):
        return copy.deepcopy(ours), []
    if isinstance(ours, dict) and isinstance(theirs, dict):
        base = base if isinstance(base, dict) else {}
        merged: dict[str, Any] = {}
        disputed: list[Path_] = []
        for key in [*ours, *(k for k in theirs if k not in ours)]:
            value, found = _merge_values(
                base.get(key, MISSING),
                ours.get(key, MISSING),
                theirs.get(key, MISSING),
                (*path, key),
                volatile,
            )
            disputed += found
            if value is not MISSING:
                merged[key] = value
        return merged, disputed
    if path == ("tags",) and all(isinstance(v, list) or v is MISSING for v in (base, ours, theirs)):
        return _merge_tags(base, ours, theirs), []
    return copy.deepcopy(ours), [path]


def _merge_tags(base: Any, ours: Any, theirs: Any) -> Any:
    """Tags are a set: keep each tag unless one side removed it; add both sides' new ones."""
    b, o, t = ([] if v is MISSING else v for v in (base, ours, theirs))
    merged = [tag for tag in o if tag in t or tag not in b]
    merged += [tag for tag in t if tag not in o and tag not in b]
    return merged if merged or (ours is not MISSING and theirs is not MISSING) else MISSING


def _with_ids(cells: list[Cell], keys: Sequence[str], minor: int) -> list[Cell]:
    """Make the cells' ids fit the notebook's version: unique ids from 4.5 on, none before."""
    if minor < 5:
        for cell in cells:
            cell.pop("id", None)
        return cells
    taken: set[str] = set()
    for cell, key in zip(cells, keys):
        cell_id = cell.get("id")
        salt = 0
        while not isinstance(cell_id, str) or not cell_id or cell_id in taken:
            basis = f"{key}\0{_source(cell)}\0{salt}".encode("utf-8", "surrogatepass")
            cell_id = hashlib.sha1(basis).hexdigest()[:8]
            salt += 1
        cell["id"] = cell_id
        taken.add(cell_id)
    return cells
