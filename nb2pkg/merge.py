"""Decide what a sync brings back into which notebook cell: a pure function.

    merge(project, plan, modules, options, prefer) -> MergeResult

The inputs are the notebooks (in ``project``), the export plan made from them, and the
text of every generated module in the package; the output is a list of ``CellChange``
values. Nothing here reads or writes a file. The base of every decision is what export
wrote: the hash in a block's marker, and the manifest listing the cells a module held.

For every block, across all modules at once:

- a block whose code differs from its hash was edited in the module; the cell's fresh
  export differing from the hash means the notebook was edited; both ⇒ a conflict, unless
  ``prefer`` names the side that wins;
- a block found in another module than the one whose manifest lists it was moved there:
  its cell moves (directive retargeted, placed after the cell of the block before it);
- a second block naming a cell that another block already names is a copy: a new cell;
- a bare ``# %%`` block is a new cell after the cell of the block before it;
- code added above the first block goes into the module's first cell;
- a cell that a manifest lists but no block anywhere names was deleted in the module.
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from .cellcode import parse_code
from .directives import export_kind
from .errors import CellError, Location, Nb2pkgError, cell_label
from .markers import Block, Marker, MarkerKind
from .module_text import ModuleText, read_module
from .nbdev_blocks import as_nbdev_wrote, match_unknown_ids
from .notebook import Cell, Notebook
from .notebook_form import to_cell_body
from .plan import Chunk, ExportPlan
from .project import Project
from .render import ExportOptions, RenderedBlock, export_chunk
from .report import Diagnostic, Severity, count
from .sourcelines import source_lines


class Prefer(str, Enum):
    """Which side wins a conflict."""

    MODULE = "module"
    NOTEBOOK = "notebook"


PREFER_CHOICES = tuple(p.value for p in Prefer)


class ChangeKind(str, Enum):
    """What sync does to one cell."""

    EDIT = "edit"  # the cell's body becomes the module's version
    ADD = "add"  # a new exported cell
    MOVE = "move"  # the cell exports to another module now (and may be placed elsewhere)
    REMOVE = "remove"  # the cell is deleted
    CONFLICT = "conflict"  # both sides changed: nothing is written


@dataclass(frozen=True)
class Placement:
    """Where a new or moved cell goes: after one cell, before one, or at the end."""

    notebook: str
    after: str | None = None
    before: str | None = None


@dataclass(frozen=True)
class CellChange:
    """One outcome of sync for one cell.

    ``before`` is the cell's body in the notebook, ``after`` the module's version in
    notebook form. For ADD, ``directive`` is the new cell's directive line; for MOVE, the
    module the cell now exports to (None: the notebook's default module).
    """

    kind: ChangeKind
    notebook: str
    cell_id: str | None
    cell_index: int | None
    module: str  # module file, project-relative
    line: int  # line of the block's marker in the module (0: none)
    before: str
    after: str
    reason: str = ""
    place: Placement | None = None
    directive: str = "#| export"
    target: str | None = None  # MOVE: the module the cell exports to now

    def where(self) -> Location:
        """Return the cell's location (or the module's, for a new cell)."""
        if self.cell_id is None or self.kind is ChangeKind.ADD:
            return Location(self.module, line=self.line or None)
        return Location(self.notebook, self.cell_index, self.cell_id)

    def diff(self) -> str:
        """Return a unified diff from the notebook's version to the module's."""
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=f"{self.notebook} (notebook)",
            tofile=f"{self.module} (module)",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class ModuleSource:
    """A generated module file as read: where it is, its dotted name, its text."""

    path: Path
    relpath: str
    name: str
    text: str


@dataclass(frozen=True)
class MergeResult:
    """Every decision of one merge, and what stops it."""

    changes: tuple[CellChange, ...]
    notes: tuple[Diagnostic, ...]
    problems: tuple[Nb2pkgError, ...]
    overruled: int  # module edits dropped by --prefer notebook: export restores the notebook
    modules: dict[str, ModuleText] = field(default_factory=dict, compare=False, repr=False)

    @property
    def conflicts(self) -> list[CellChange]:
        """Return the conflicts (nothing may be written while there are any)."""
        return [c for c in self.changes if c.kind is ChangeKind.CONFLICT]


@dataclass
class _Occurrence:
    """One block of one module file, resolved to its cell where it names one."""

    source: ModuleSource
    position: int
    block: Block
    notebook: Notebook | None = None
    cell: Cell | None = None
    role: str = "original"  # original, moved, copy, new
    key: tuple[str, str] | None = None
    exported_to: str | None = None  # moved: the module export had put the block in
    prefix: str = ""  # code added above the module's first block, which joins this cell
    destination: str | None = None  # moved: the notebook the cell goes to

    @property
    def code(self) -> str:
        """Return the module's version of the cell: the block, after any code added above."""
        if not self.prefix:
            return self.block.code
        return _prepend(self.prefix, self.block.code)


#: Returns the fresh export of a chunk in a module (the same as ``render.export_chunk``).
FreshExport = Callable[[Chunk, str], RenderedBlock]


@dataclass
class _Merge:
    project: Project
    plan: ExportPlan
    options: ExportOptions
    prefer: Prefer | None
    fresh: FreshExport | None = None
    changes: list[CellChange] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    problems: list[Nb2pkgError] = field(default_factory=list)
    overruled: int = 0


def merge(
    project: Project,
    plan: ExportPlan,
    modules: Sequence[ModuleSource],
    options: ExportOptions,
    prefer: Prefer | None = None,
    fresh: FreshExport | None = None,
    unchanged: Collection[str] = frozenset(),
) -> MergeResult:
    """Decide what every generated module's edits do to the notebooks (nothing is written).

    *fresh* returns a cell's fresh export, from a cache (default: ``render.export_chunk``).
    The modules whose project-relative paths are in *unchanged* are byte for byte as
    export last wrote them, so they hold no edit: one is read only when a block of an
    edited module names one of its cells (a copy or a move out of it), and otherwise adds
    nothing to the decisions.
    """
    state = _Merge(project, plan, options, prefer, fresh)
    homes = {(c.notebook, c.cell_id): (m.name, c) for m in plan.modules for c in m.chunks}
    texts = _read_edited(modules, unchanged, homes, project)
    occurrences = _resolve_all(state, texts)
    owners = _manifest_owners(texts, homes)
    _assign_roles(occurrences, owners, homes)
    for source, text in texts:
        mine = [o for o in occurrences if o.source is source]
        _check_order(state, mine)
        if _head_code(state, source, text, mine, homes):
            continue
        for occurrence in mine:
            _decide(state, occurrence, mine, homes)
    _removed(state, texts, occurrences, homes)
    return MergeResult(
        tuple(state.changes),
        tuple(state.notes),
        tuple(state.problems),
        state.overruled,
        {source.relpath: text for source, text in texts},
    )


def _read_edited(
    modules: Sequence[ModuleSource],
    unchanged: Collection[str],
    homes: dict[tuple[str, str], tuple[str, Chunk]],
    project: Project,
) -> list[tuple[ModuleSource, ModuleText]]:
    """Read the edited modules, and the unchanged ones whose cells their blocks name."""
    read = {s.relpath: _read(s, project) for s in modules if s.relpath not in unchanged}
    named = {b.marker.cell_id for text in read.values() for b in text.blocks}
    wanted = {module for (_, cell_id), (module, _) in homes.items() if cell_id in named}
    return [
        (source, read[source.relpath] if source.relpath in read else _read(source, project))
        for source in modules
        if source.relpath in read or source.name in wanted
    ]


def _read(source: ModuleSource, project: Project) -> ModuleText:
    def code_lines(marker: Marker) -> Counter[str]:
        notebook = project.notebook(marker.notebook or "")
        cell = notebook.cell_by_id(marker.cell_id or "") if notebook else None
        body = cell.body if cell else ""
        lines = (line.rstrip("\r\n") for line in source_lines(body))
        return Counter(line for line in lines if line.startswith("# %%"))

    return read_module(source.text, code_lines)


def _resolve_all(state: _Merge, texts: list[tuple[ModuleSource, ModuleText]]) -> list[_Occurrence]:
    found: list[_Occurrence] = []
    for source, text in texts:
        unknown_ids = _nbdev_unknown_ids(state, source, text)
        for position, block in enumerate(text.blocks):
            marker = block.marker
            if marker.kind is MarkerKind.AUTO:
                continue
            changed = marker.kind is MarkerKind.NEW or marker.digest is None or block.edited
            occurrence = _Occurrence(source, position, block)
            if changed and not _parses(state, block, source.relpath):
                # Refused (a problem is recorded), but its cell is still named: never removed.
                occurrence.role = "broken"
                target = (
                    None
                    if marker.kind is MarkerKind.NEW
                    else _resolve(state, marker, source, False)
                )
                if target is not None:
                    occurrence.key = (target[0].relpath, marker.cell_id or "")
                    found.append(occurrence)
                continue
            if marker.kind is MarkerKind.NEW:
                occurrence.role = "new"
                found.append(occurrence)
                continue
            target = _resolve(state, marker, source, report=changed)
            if target is None:
                continue
            if target[1] is None and position in unknown_ids:
                target = (target[0], target[0].cell_by_id(unknown_ids[position]))
            occurrence.notebook, occurrence.cell = target
            occurrence.key = (
                target[0].relpath,
                target[1].id if target[1] else marker.cell_id or "",
            )
            found.append(occurrence)
    return found


def _nbdev_unknown_ids(state: _Merge, source: ModuleSource, text: ModuleText) -> dict[int, str]:
    """Place nbdev blocks whose marker ids name no cell: nbdev 2's random ids for cells
    without one (``nbdev_blocks.match_unknown_ids``). Returns {block position: cell id}."""
    planned = state.plan.module(source.name)
    if planned is None:
        return {}
    by_notebook: dict[str, list[tuple[int, str]]] = {}
    named: set[str] = set()
    for position, block in enumerate(text.blocks):
        marker = block.marker
        if marker.kind is not MarkerKind.NBDEV or marker.cell_id is None:
            continue
        written = os.path.normpath(source.path.parent / (marker.notebook or ""))
        notebook = state.project.notebook(state.project.config.relative(Path(written)))
        if notebook is None or not notebook.needs_ids:
            continue
        if notebook.cell_by_id(marker.cell_id) is not None:
            named.add(marker.cell_id)
            continue
        by_notebook.setdefault(notebook.relpath, []).append((position, block.code))
    found: dict[int, str] = {}
    for relpath, blocks in by_notebook.items():
        chunks = [c for c in planned.chunks if c.notebook == relpath and c.cell_id not in named]
        found.update(match_unknown_ids(blocks, chunks, state.plan.package, source.name))
    return found


def _parses(state: _Merge, block: Block, relpath: str) -> bool:
    _, issue = parse_code(block.code)  # kept: the export after the merge parses it again
    if issue is None:
        return True
    what = issue.message if issue.kind == "syntax" else f'IPython syntax "{issue.text}"'
    state.problems.append(
        CellError(
            f"the block cannot go into its cell ({what}); fix it in the module before syncing",
            Location(relpath, line=block.marker.line + issue.line),
        )
    )
    return False


def _resolve(
    state: _Merge, marker: Marker, source: ModuleSource, report: bool
) -> tuple[Notebook, Cell | None] | None:
    """Find the notebook and cell a marker names; report markers that name nothing.

    A block that was not edited may name a notebook that is gone: export removes it.
    """
    config = state.project.config
    written = marker.notebook or ""
    if marker.kind is MarkerKind.NBDEV:
        written = config.relative(Path(os.path.normpath(source.path.parent / written)))
    notebook = state.project.notebook(written)
    if notebook is None:
        if report:
            state.problems.append(
                Nb2pkgError(
                    f'the marker names the notebook "{marker.notebook}", which does not exist; '
                    "fix the marker, or delete the block and run `nb2pkg export`",
                    Location(source.relpath, line=marker.line),
                )
            )
        return None
    if marker.cell_id is not None:
        return notebook, notebook.cell_by_id(marker.cell_id)
    index = marker.cell_index
    if index is None or not 0 <= index < len(notebook.cells):
        state.problems.append(
            Nb2pkgError(
                f"the marker names the cell at index {index} (counted from 0, as nbdev "
                f"writes it) of {notebook.relpath}, which has {len(notebook.cells)} cells",
                Location(source.relpath, line=marker.line),
            )
        )
        return None
    return notebook, notebook.cells[index]


def _manifest_owners(
    texts: list[tuple[ModuleSource, ModuleText]],
    homes: dict[tuple[str, str], tuple[str, Chunk]],
) -> dict[tuple[str, str], ModuleSource]:
    """Map each cell to the module whose manifest lists it (a copied head lists it twice:
    the module export puts the cell in is the one that wrote the manifest)."""
    owners: dict[tuple[str, str], ModuleSource] = {}
    for source, text in texts:
        for key in text.manifest:
            home = homes.get(key)
            if key not in owners or (home is not None and source.name == home[0]):
                owners[key] = source
    return owners


def _assign_roles(
    occurrences: list[_Occurrence],
    owners: dict[tuple[str, str], ModuleSource],
    homes: dict[tuple[str, str], tuple[str, Chunk]],
) -> None:
    """Tell originals from moved blocks and copies: the manifest says where export put each."""
    by_key: dict[tuple[str, str], list[_Occurrence]] = {}
    for occurrence in occurrences:
        if occurrence.key is not None and occurrence.role != "broken":
            by_key.setdefault(occurrence.key, []).append(occurrence)
    for key, group in by_key.items():
        owner = owners.get(key)
        home = homes.get(key)
        at_owner = [o for o in group if o.source is owner]
        at_home = [o for o in group if home is not None and o.source.name == home[0]]
        original = (at_owner or at_home or group)[0]
        if owner is not None and not at_owner and original.cell is not None:
            original.role = "moved"
            original.exported_to = owner.name
        for other in group:
            if other is not original:
                other.role = "copy"


def _check_order(state: _Merge, mine: list[_Occurrence]) -> None:
    """A block of one notebook that stands before a block of an earlier cell was reordered
    in the module: its cell moves to follow the cell of the block before it."""
    last: dict[str, int] = {}
    for occurrence in mine:
        if occurrence.role != "original" or occurrence.cell is None or occurrence.notebook is None:
            continue
        relpath = occurrence.notebook.relpath
        index = occurrence.cell.index
        if index < last.get(relpath, -1):
            occurrence.role = "reordered"
        last[relpath] = max(last.get(relpath, -1), index)


def _decide(
    state: _Merge,
    occurrence: _Occurrence,
    mine: list[_Occurrence],
    homes: dict[tuple[str, str], tuple[str, Chunk]],
) -> None:
    source = occurrence.source
    if occurrence.role == "broken":
        return
    if occurrence.role in ("new", "copy"):
        _add(state, occurrence, mine, homes)
        return
    notebook, cell, block = occurrence.notebook, occurrence.cell, occurrence.block
    assert notebook is not None and occurrence.key is not None
    home = homes.get(occurrence.key)
    chunk = home[1] if home else None
    moved = occurrence.role in ("moved", "reordered")
    base = block.marker.digest
    edited = base is None or block.edited or bool(occurrence.prefix)
    if not edited and not moved:
        return  # not edited in the module: export brings any notebook edit across
    fresh = _fresh(state, chunk, home[0]) if chunk and home else None
    same = fresh is not None and (
        _same_code(state, occurrence.code, fresh.code)
        or (
            base is None
            and cell is not None
            and not occurrence.prefix
            and as_nbdev_wrote(block.code, cell.body, state.plan.package, source.name)
        )
    )
    content_edited = edited and not same
    notebook_edited = fresh is None or base is None or fresh.digest != base
    if occurrence.role == "moved" and home is not None and home[0] == source.name:
        moved = False  # the notebook sends the cell to this module already
    elif occurrence.role == "moved" and home is not None and home[0] != occurrence.exported_to:
        # The notebook sent the cell to another module too: both sides moved it.
        content_edited, notebook_edited = True, True
    if not content_edited and not moved:
        return
    before = cell.body if cell else ""
    after = (
        to_cell_body(occurrence.code, state.plan.package, source.name, cell.body if cell else None)
        if content_edited
        else before
    )
    if content_edited and notebook_edited:
        if state.prefer is Prefer.NOTEBOOK:
            state.overruled += 1
            return
        if state.prefer is None:
            state.changes.append(
                CellChange(
                    ChangeKind.CONFLICT,
                    notebook.relpath,
                    block.marker.cell_id,
                    cell.index if cell else None,
                    source.relpath,
                    block.marker.line,
                    before,
                    after,
                    _conflict_reason(cell, chunk, base),
                )
            )
            return
    if cell is None:
        occurrence.role = "copy"  # the cell is gone: the module's version comes back as new
        _add(state, occurrence, mine, homes, code=after, reason="recreated from the module")
        return
    change = CellChange(
        ChangeKind.EDIT,
        notebook.relpath,
        cell.id,
        cell.index,
        source.relpath,
        block.marker.line,
        before,
        after,
    )
    if moved:
        place = _placement(state, occurrence, mine, homes)
        occurrence.destination = place.notebook if place else notebook.relpath
        reordered = occurrence.role == "reordered"
        target = (
            _current_target(cell)
            if reordered
            else _target_for(state, occurrence.destination, source.name)
        )
        change = replace(
            change,
            kind=ChangeKind.MOVE,
            reason="reordered in the module" if reordered else f"moved to {source.relpath}",
            place=place,
            directive=chunk.directive if chunk else "export",
            target=target,
        )
    state.changes.append(change)


def _fresh(state: _Merge, chunk: Chunk, module: str) -> RenderedBlock:
    if state.fresh is not None:
        return state.fresh(chunk, module)
    return export_chunk(chunk, state.plan.package, module, state.options)


def _same_code(state: _Merge, module_code: str, fresh_code: str) -> bool:
    """Compare exactly; with ``format = true``, modulo what black would change."""
    if module_code.rstrip() == fresh_code.rstrip():
        return True
    if not state.options.format:
        return False
    from .formatting import try_format

    formatted = try_format(module_code, state.options.black)
    return formatted is not None and formatted.rstrip() == fresh_code.rstrip()


def _add(
    state: _Merge,
    occurrence: _Occurrence,
    mine: list[_Occurrence],
    homes: dict[tuple[str, str], tuple[str, Chunk]],
    code: str | None = None,
    reason: str | None = None,
) -> None:
    """A new block, or a copy of one, becomes a new exported cell in its module's place."""
    source, block = occurrence.source, occurrence.block
    place = _placement(state, occurrence, mine, homes)
    if place is None:
        state.problems.append(
            Nb2pkgError(
                "a new block that no other block of its module precedes or follows must name "
                "its notebook: `# %% nbs/NAME.ipynb`",
                Location(source.relpath, line=block.marker.line),
            )
        )
        return
    if code is None:
        code = to_cell_body(block.code, state.plan.package, source.name, None)
    kind = "export"
    if occurrence.role == "copy" and occurrence.key in homes:
        kind = homes[occurrence.key][1].directive
    target = _target_for(state, place.notebook, source.name)
    directive = f"#| {kind}" + (f" {target}" if target else "")
    state.changes.append(
        CellChange(
            ChangeKind.ADD,
            place.notebook,
            None,
            None,
            source.relpath,
            block.marker.line,
            "",
            code,
            reason or ("a copy of a block" if occurrence.role == "copy" else "new block"),
            place,
            directive,
        )
    )


def _placement(
    state: _Merge,
    occurrence: _Occurrence,
    mine: list[_Occurrence],
    homes: dict[tuple[str, str], tuple[str, Chunk]],
) -> Placement | None:
    """Place a new or moved cell: after the cell of the block before it in the module, else
    before the cell of the block after it, else after the module's ``default_exp`` cell."""
    index = mine.index(occurrence)
    if occurrence.role == "reordered" and occurrence.notebook is not None:
        same = [o for o in mine if o.notebook is occurrence.notebook and o.cell]
        position = same.index(occurrence)
        cells = [o.cell for o in same if o.cell is not None]
        if position > 0:
            return Placement(occurrence.notebook.relpath, after=cells[position - 1].id)
        return Placement(
            occurrence.notebook.relpath, before=cells[1].id if len(cells) > 1 else None
        )
    for other in reversed(mine[:index]):
        if other.role in ("original", "moved", "reordered") and other.cell and other.notebook:
            return Placement(other.destination or other.notebook.relpath, after=other.cell.id)
    for other in mine[index + 1 :]:
        if other.role == "original" and other.cell and other.notebook:
            return Placement(other.notebook.relpath, before=other.cell.id)
    owner = _declaring_notebook(state, occurrence.source.name)
    if owner is not None:
        return Placement(owner.relpath, after=_default_exp_cell(owner))
    if occurrence.role == "moved" and occurrence.notebook is not None:
        return None if occurrence.cell is None else Placement(occurrence.notebook.relpath)
    if occurrence.role == "copy" and occurrence.notebook and occurrence.cell:
        return Placement(occurrence.notebook.relpath, after=occurrence.cell.id)
    named = state.project.notebook(occurrence.block.marker.notebook or "")
    if named is not None:
        return Placement(named.relpath, after=_default_exp_cell(named))
    return None


def _declaring_notebook(state: _Merge, module: str) -> Notebook | None:
    planned = state.plan.module(module)
    if planned is None or not planned.notebooks:
        return None
    notebook = state.project.notebook(planned.notebooks[0])
    if notebook is not None and _declared_module(notebook) == module:
        return notebook
    return None


def _declared_module(notebook: Notebook) -> str | None:
    for cell in notebook.cells:
        for directive in cell.directives:
            if directive.name == "default_exp":
                return directive.value.strip()
    return None


def _default_exp_cell(notebook: Notebook) -> str | None:
    for cell in notebook.cells:
        if any(d.name == "default_exp" for d in cell.directives):
            return cell.id
    return None


def _current_target(cell: Cell) -> str | None:
    kind = export_kind(cell.directives)
    return kind[1] if kind else None


def _target_for(state: _Merge, notebook_relpath: str, module: str) -> str | None:
    """Return the export directive's value for *module* in that notebook (None: its default)."""
    notebook = state.project.notebook(notebook_relpath)
    if notebook is not None and _declared_module(notebook) == module:
        return None
    return module


def _head_code(
    state: _Merge,
    source: ModuleSource,
    text: ModuleText,
    mine: list[_Occurrence],
    homes: dict[tuple[str, str], tuple[str, Chunk]],
) -> bool:
    """Code added above the first block joins the module's first cell (or makes a new one).

    Returns True when the module cannot be merged (a syntax error above the first block).
    """
    head = text.head
    if head.syntax_error is not None:
        state.problems.append(
            CellError(
                "the code above the first block has a syntax error; fix it before syncing",
                Location(source.relpath, line=head.syntax_error),
            )
        )
        return True
    if not head.user_code:
        return False
    first = next((o for o in mine if o.role in ("original", "moved", "reordered") and o.cell), None)
    if first is not None:
        first.prefix = head.user_code
        return False
    marker = Marker(head.user_line or 1, None, None, None, None, MarkerKind.NEW)
    added = _Occurrence(source, -1, Block(marker, head.user_code), role="new")
    mine.insert(0, added)
    return False


def _prepend(code: str, body: str) -> str:
    code = code.rstrip("\n") + "\n"
    return code + ("\n" if body.strip() else "") + body


def _removed(
    state: _Merge,
    texts: list[tuple[ModuleSource, ModuleText]],
    occurrences: list[_Occurrence],
    homes: dict[tuple[str, str], tuple[str, Chunk]],
) -> None:
    """Cells a manifest lists but no block of any module names any more were deleted.

    Where a block of that module names a cell the notebook does not have, a marker was
    probably edited by hand: no cell of that notebook is deleted on the manifest's word.
    """
    named = {o.key for o in occurrences if o.key is not None}
    for source, text in texts:
        unknown = {
            o.notebook.relpath
            for o in occurrences
            if o.source is source and o.notebook is not None and o.cell is None
        }
        for key, base in text.manifest.items():
            home = homes.get(key)
            if key in named or home is None or home[0] != source.name:
                continue
            chunk = home[1]
            if key[0] in unknown:
                state.notes.append(
                    Diagnostic(
                        "NB704",
                        Severity.NOTE,
                        f"the block of {cell_label(chunk.cell_index, chunk.cell_id)} is "
                        "missing, but another block names a cell that does not exist: the cell "
                        "is kept; delete it in the notebook if that was meant",
                        Location(source.relpath),
                    )
                )
                continue
            removal = CellChange(
                ChangeKind.REMOVE,
                chunk.notebook,
                chunk.cell_id,
                chunk.cell_index,
                source.relpath,
                0,
                chunk.code,
                "",
                "the block was deleted from the module",
            )
            fresh = _fresh(state, chunk, home[0])
            if fresh.digest == base or state.prefer is Prefer.MODULE:
                state.changes.append(removal)
            elif state.prefer is Prefer.NOTEBOOK:
                state.overruled += 1
            else:
                reason = (
                    "the block was deleted in the module, but the cell was edited in the notebook"
                )
                state.changes.append(replace(removal, kind=ChangeKind.CONFLICT, reason=reason))


def _conflict_reason(cell: Cell | None, chunk: Chunk | None, base: str | None) -> str:
    if cell is None:
        return "edited in the module, but the cell was deleted from the notebook"
    if chunk is None:
        return "edited in the module, but the cell is no longer exported"
    if base is None:
        return "the module (written by nbdev, no base hash) and the notebook differ"
    return "edited both in the module and in the notebook"


def conflict_report(conflicts: list[CellChange]) -> str:
    """Return the message that lists every conflict with its diff and the way out."""
    parts = [f"{count(len(conflicts), 'cell')} changed on both sides; nothing was written."]
    for change in conflicts:
        parts.append(
            f"{change.where()}: {change.reason} (block at {change.module}, line {change.line})"
        )
        diff = change.diff()
        if diff:
            parts.append(diff.rstrip("\n"))
    parts.append(
        "Resolve with `nb2pkg sync --prefer module` (the module's version wins) or "
        "`nb2pkg sync --prefer notebook` (the notebook's version wins; sync rewrites the "
        "module from it)."
    )
    return "\n".join(parts)
