"""Decide, block by block, what a sync brings back into which notebook cell.

Pure logic: the inputs are the project, its plan and the text of the generated modules;
the output is a list of ``CellChange`` values (edit, add, remove, conflict). The base of
each decision is the hash in the block's marker (see ``markers.py``); nothing here writes.
"""

from __future__ import annotations

import ast
import difflib
import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import CellError, Location, Nb2pkgError
from .imports import ImportContext, to_notebook_imports
from .markers import Block, Marker, block_digest, parse_manifest, split_blocks
from .notebook import Cell, Notebook
from .plan import Chunk, ExportPlan, ModulePlan, module_name
from .project import Project
from .render import ExportOptions, export_chunk, render_module
from .report import Diagnostic, count

PREFER_CHOICES = ("module", "notebook")


@dataclass(frozen=True)
class CellChange:
    """One outcome of sync for one cell.

    ``kind``: edit, add, remove, conflict. ``before`` is the cell's code in the notebook,
    ``after`` the module's version in notebook form.
    """

    kind: str
    notebook: str
    cell_id: str | None
    cell_index: int | None
    module: str  # module file, project-relative
    line: int  # line of the block's marker in the module
    before: str
    after: str
    reason: str = ""
    anchor: str | None = None  # for "add": the cell id the new cell goes after
    directive: str = "#| export"

    def where(self) -> Location:
        """Return the cell's location (or the module's, for a new cell)."""
        if self.cell_id is None:
            return Location(self.module, line=self.line)
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


class Merger:
    """Decide, block by block, what goes back into which cell; collect the outcomes."""

    def __init__(
        self, project: Project, plan: ExportPlan, options: ExportOptions, prefer: str | None
    ) -> None:
        self.project = project
        self.plan = plan
        self.options = options
        self.prefer = prefer
        self.changes: list[CellChange] = []
        self.notes: list[Diagnostic] = []
        self.problems: list[Nb2pkgError] = []
        self.overruled = 0  # module edits dropped by --prefer notebook: export restores them

    def sync_module(self, path: Path) -> None:
        config = self.project.config
        relpath = config.relative(path)
        text = path.read_text(encoding="utf-8")
        head, blocks = split_blocks(text)
        name = module_name(config.lib_dir, path)
        module = self.plan.module(name)
        chunks = {(c.notebook, c.cell_id): c for c in module.chunks} if module else {}
        seen: set[tuple[str, str]] = set()
        unknown: set[str] = set()  # notebooks with a block naming a cell that is not there
        anchor: tuple[str, str] | None = None
        order: dict[str, int] = {}
        for block in blocks:
            marker = block.marker
            if marker.kind == "auto":
                continue
            edited = marker.digest is None or block_digest(block.code) != marker.digest
            if edited and not self._parses(block, relpath):
                continue
            if marker.kind == "new":
                self._add(block, relpath, name, module, anchor)
                continue
            target = self._resolve(marker, path, relpath, report=edited)
            if target is None:
                continue
            notebook, cell = target
            key = (notebook.relpath, cell.id if cell else marker.cell_id or "")
            seen.add(key)
            if cell is not None:
                self._check_order(notebook, cell, order, relpath, marker)
                anchor = (notebook.relpath, cell.id)
            else:
                unknown.add(notebook.relpath)
            self._decide(block, relpath, name, notebook, cell, chunks.get(key), anchor)
        if module is not None:
            self._removed(head, seen, chunks, relpath, name, unknown)
            self._note_head_edits(head, module, relpath)

    def _parses(self, block: Block, relpath: str) -> bool:
        try:
            ast.parse(block.code)
        except (SyntaxError, ValueError) as exc:
            line = block.marker.line + (getattr(exc, "lineno", None) or 1)
            self.problems.append(
                CellError(
                    f"the block has a syntax error ({getattr(exc, 'msg', exc)}); fix it in the "
                    "module before syncing",
                    Location(relpath, line=line),
                )
            )
            return False
        return True

    def _resolve(
        self, marker: Marker, path: Path, relpath: str, report: bool
    ) -> tuple[Notebook, Cell | None] | None:
        """Find the notebook and cell a marker names; report markers that name nothing.

        A block that was not edited may name a notebook that is gone: export removes it.
        """
        config = self.project.config
        written = marker.notebook or ""
        if marker.kind == "nbdev":
            written = config.relative(Path(os.path.normpath(path.parent / written)))
        notebook = self.project.notebook(written)
        if notebook is None:
            if not report:
                return None
            self.problems.append(
                Nb2pkgError(
                    f'the marker names the notebook "{marker.notebook}", which does not exist; '
                    "fix the marker, or delete the block and run `nb2pkg export`",
                    Location(relpath, line=marker.line),
                )
            )
            return None
        if marker.cell_id is not None:
            return notebook, notebook.cell_by_id(marker.cell_id)
        index = marker.cell_index
        if index is None or not 0 <= index < len(notebook.cells):
            self.problems.append(
                Nb2pkgError(
                    f"the marker names cell {index} of {notebook.relpath}, which has "
                    f"{len(notebook.cells)} cells",
                    Location(relpath, line=marker.line),
                )
            )
            return None
        return notebook, notebook.cells[index]

    def _check_order(
        self, notebook: Notebook, cell: Cell, order: dict[str, int], relpath: str, marker: Marker
    ) -> None:
        last = order.get(notebook.relpath, -1)
        if cell.index < last:
            self.problems.append(
                Nb2pkgError(
                    f"blocks of {notebook.relpath} are in another order than their cells "
                    f"(cell {cell.index}, id {cell.id}, comes after cell {last}); sync does not "
                    "move cells: restore the order of the blocks, or move the cells in the notebook",
                    Location(relpath, line=marker.line),
                )
            )
        order[notebook.relpath] = max(last, cell.index)

    def _decide(
        self,
        block: Block,
        relpath: str,
        module: str,
        notebook: Notebook,
        cell: Cell | None,
        chunk: Chunk | None,
        anchor: tuple[str, str] | None,
    ) -> None:
        base = block.marker.digest
        if base is not None and block_digest(block.code) == base:
            return  # not edited in the module: export brings any notebook edit across
        fresh = export_chunk(chunk, self.plan.package, module, self.options) if chunk else None
        if fresh is not None and same_code(block.code, fresh.code):
            return  # both sides agree (or differ only in formatting)
        notebook_edited = fresh is None or base is None or fresh.digest != base
        before = cell.body if cell else ""
        after = self._notebook_form(block.code, module, cell)
        kind = "edit" if cell is not None else "add"
        if notebook_edited:
            if self.prefer == "notebook":
                self.overruled += 1
                return
            if self.prefer != "module":
                self.changes.append(
                    CellChange(
                        "conflict",
                        notebook.relpath,
                        block.marker.cell_id,
                        cell.index if cell else None,
                        relpath,
                        block.marker.line,
                        before,
                        after,
                        _conflict_reason(cell, chunk, base),
                    )
                )
                return
        if cell is None:
            previous = anchor[1] if anchor and anchor[0] == notebook.relpath else None
            self._add_cell(
                notebook, module, relpath, block, after, "recreated from the module", previous
            )
            return
        self.changes.append(
            CellChange(
                kind,
                notebook.relpath,
                cell.id,
                cell.index,
                relpath,
                block.marker.line,
                before,
                after,
            )
        )

    def _notebook_form(self, code: str, module: str, cell: Cell | None) -> str:
        """Return module code as the notebook writes it: absolute imports, hoisted lines back."""
        original = cell.body if cell else None
        body = to_notebook_imports(code, ImportContext(self.plan.package, module), original)
        if cell is not None:
            body = _restore_lines(body, cell.body)
        return body

    def _add(
        self,
        block: Block,
        relpath: str,
        module_name_: str,
        module: ModulePlan | None,
        anchor: tuple[str, str] | None,
    ) -> None:
        """A block with a bare marker becomes a new cell after the previous block's cell."""
        if anchor is None:
            owner = module.notebooks[0] if module and module.notebooks else None
            notebook = self.project.notebook(block.marker.notebook or owner or "")
            if notebook is None:
                self.problems.append(
                    Nb2pkgError(
                        "a new block before any other block must name its notebook: "
                        "`# %% nbs/NAME.ipynb`",
                        Location(relpath, line=block.marker.line),
                    )
                )
                return
            anchor_id = _default_exp_cell(notebook)
        else:
            notebook = self.project.notebook(anchor[0])
            anchor_id = anchor[1]
            assert notebook is not None
        after = to_notebook_imports(block.code, ImportContext(self.plan.package, module_name_))
        self._add_cell(notebook, module_name_, relpath, block, after, "new block", anchor_id)

    def _add_cell(
        self,
        notebook: Notebook,
        module: str,
        relpath: str,
        block: Block,
        code: str,
        reason: str,
        anchor: str | None,
    ) -> None:
        """Record a new exported cell, after *anchor*, holding a block's code."""
        directive = self._directive(notebook, module)
        line = block.marker.line
        change = CellChange(
            "add", notebook.relpath, None, None, relpath, line, "", code, reason, anchor, directive
        )
        self.changes.append(change)

    def _directive(self, notebook: Notebook, module: str) -> str:
        declared = next(
            (m.name for m in self.plan.modules if notebook.relpath in m.notebooks[:1]), None
        )
        return "#| export" if declared == module else f"#| export {module}"

    def _removed(
        self,
        head: str,
        seen: set[tuple[str, str]],
        chunks: dict[tuple[str, str], Chunk],
        relpath: str,
        module: str,
        unknown: set[str],
    ) -> None:
        """Cells the manifest lists but no block names any more were deleted in the module.

        Where a block names a cell the notebook does not have, a marker was probably edited
        by hand: no cell of that notebook is deleted on the manifest's word alone.
        """
        for key, base in parse_manifest(head).items():
            chunk = chunks.get(key)
            if key in seen or chunk is None:
                continue
            if key[0] in unknown:
                self.notes.append(
                    Diagnostic(
                        "NB702",
                        "note",
                        f"the block of cell {chunk.cell_index} (id {chunk.cell_id}) is missing, "
                        "but another block names a cell that does not exist: the cell is kept; "
                        "delete it in the notebook if that was meant",
                        Location(relpath),
                    )
                )
                continue
            fresh = export_chunk(chunk, self.plan.package, module, self.options)
            removal = CellChange(
                "remove",
                chunk.notebook,
                chunk.cell_id,
                chunk.cell_index,
                relpath,
                0,
                chunk.code,
                "",
            )
            if fresh.digest == base or self.prefer == "module":
                self.changes.append(removal)
            elif self.prefer == "notebook":
                self.overruled += 1
            else:
                reason = (
                    "the block was deleted in the module, but the cell was edited in the notebook"
                )
                self.changes.append(replace(removal, kind="conflict", reason=reason))

    def _note_head_edits(self, head: str, module: ModulePlan, relpath: str) -> None:
        fresh_head, _ = split_blocks(render_module(module, []).text)
        if _strip_generated(head) != _strip_generated(fresh_head):
            self.notes.append(
                Diagnostic(
                    "NB701",
                    "note",
                    "edits above the first block (docstring, header, __all__) are not synced: "
                    "export regenerates them; __all__ follows the exported names",
                    Location(relpath),
                )
            )


def _strip_generated(head: str) -> str:
    """Drop what export recomputes from block contents (manifest, __all__) before comparing."""
    lines = [
        line
        for line in head.splitlines()
        if not line.startswith(("# nb2pkg cells: ", "__all__", '    "', "]", "from __future__"))
    ]
    return "\n".join(lines).strip()


def _conflict_reason(cell: Cell | None, chunk: Chunk | None, base: str | None) -> str:
    if cell is None:
        return "edited in the module, but the cell was deleted from the notebook"
    if chunk is None:
        return "edited in the module, but the cell is no longer exported to this module"
    if base is None:
        return "the module (written by nbdev, no base hash) and the notebook differ"
    return "edited both in the module and in the notebook"


def _default_exp_cell(notebook: Notebook) -> str | None:
    for cell in notebook.cells:
        if any(d.name == "default_exp" for d in cell.directives):
            return cell.id
    return None


def _restore_lines(body: str, original: str) -> str:
    """Put back the lines export takes out of a cell: `from __future__` imports, IPython lines."""
    from .cellcode import ipython_lines

    kept = [
        line
        for line in original.splitlines(keepends=True)
        if line.startswith("from __future__ import") and line not in body
    ]
    magic_numbers = set(ipython_lines(original)) if _has_ipython(original) else set()
    kept += [
        line
        for n, line in enumerate(original.splitlines(keepends=True), 1)
        if n in magic_numbers and line not in body
    ]
    kept = [line if line.endswith("\n") else line + "\n" for line in kept]
    return "".join(kept) + body


def _has_ipython(code: str) -> bool:
    from .cellcode import parse_code

    issue = parse_code(code)[1]
    return issue is not None and issue.kind == "ipython"


def same_code(left: str, right: str) -> bool:
    """Tell whether two blocks are the same code, ignoring formatting (black decides)."""
    if left.strip() == right.strip():
        return True
    from .formatting import format_code

    try:
        return format_code(left) == format_code(right)
    except Exception:  # noqa: BLE001 - black's errors have no stable type; unparsable = different
        return False


def conflict_report(conflicts: list[CellChange]) -> str:
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
        "`--prefer notebook` (the notebook's version wins; then run `nb2pkg export`)."
    )
    return "\n".join(parts)
