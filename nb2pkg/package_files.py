"""The package folder as nb2pkg sees it, and the file changes an export makes to it.

    files = PackageFiles.read(lib_dir)                 # every .py read once, with its digest
    changes = plan_file_changes(project, plan, modules, files)   # decide: nothing written
    apply_file_changes(changes, root)                  # file_changes: check every target, then write

Every write and removal is guarded by the digest of the file as it was read: a file saved
by someone else in between is never overwritten. A generated module that holds edits not
yet synced (a block that differs from its hash, a new block, code added above the first
block, a deleted block, an edited docstring or ``__all__``) is never overwritten or
removed unless the caller says the edits are to be discarded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import Location, Nb2pkgError, PlanError, UnsyncedEdits, raise_all
from .file_changes import Action, FileChange
from .fsio import (
    ABSENT,
    digest_bytes,
)
from .markers import (
    HEAD_PREFIX,
    INIT_TEXT,
    MANIFEST_PREFIX,
    MARKER_PREFIX,
    is_generated,
    is_nbdev1,
    split_blocks,
)
from .module_text import EditKind, HeadPart, ModuleText, read_head, read_module
from .notebook import notebook_with_ids
from .plan import ExportPlan
from .project import Project
from .render import RenderedModule
from .walk import python_files

_HEAD_FIXES = {
    HeadPart.DOCSTRING: "the module docstring is generated from the notebook: the `> summary` "
    "in its title cell (the first markdown cell starting with `# `), markdown cells marked "
    "`#| export` and cells marked `#| exportd`; edit it there",
    HeadPart.ALL: "`__all__` is generated from the public names of the exported cells: "
    "add names with `_all_ = [...]` in an exported cell, hide one with `#| exporti` or a "
    "leading underscore",
    HeadPart.FUTURE: "`from __future__` imports are hoisted from the exported cells: "
    "add or remove them there",
}


@dataclass(frozen=True)
class PackageFile:
    """One ``.py`` file of the package folder, as read."""

    path: Path
    text: str | None  # None: not UTF-8 (never ours, never touched)
    digest: str

    @property
    def generated(self) -> bool:
        """Tell whether nb2pkg (or nbdev) wrote this file and may replace it."""
        return self.text is not None and (self.text == INIT_TEXT or is_generated(self.text))

    @property
    def is_module(self) -> bool:
        """Tell whether this is a generated module (not a package __init__), blocks or not."""
        if not self.generated or self.text is None or self.text == INIT_TEXT:
            return False
        text = "\n" + self.text
        return any(f"\n{mark}" in text for mark in (MARKER_PREFIX, MANIFEST_PREFIX, HEAD_PREFIX))


class PackageFiles:
    """Every ``.py`` file under the package folder, read once."""

    def __init__(self, files: dict[Path, PackageFile]) -> None:
        self._files = files

    @classmethod
    def read(cls, lib_dir: Path) -> PackageFiles:
        """Read every ``.py`` file under *lib_dir* (none if it does not exist)."""
        files: dict[Path, PackageFile] = {}
        for path in python_files(lib_dir):
            try:
                data = path.read_bytes()
            except (IsADirectoryError, PermissionError):
                continue
            try:
                text: str | None = data.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            files[path] = PackageFile(path, text, digest_bytes(data))
        return cls(files)

    def get(self, path: Path) -> PackageFile | None:
        """Return the file at *path*, or None if there is none."""
        return self._files.get(path)

    def __iter__(self) -> Iterator[PackageFile]:
        return iter(self._files[path] for path in sorted(self._files))

    def modules(self) -> list[PackageFile]:
        """Return the generated modules (files with blocks), sorted by path."""
        return [f for f in self if f.is_module]


def unsynced_edits(current: ModuleText, fresh: RenderedModule | None) -> list[str]:
    """Describe the edits in *current* that writing *fresh* (or removing it: None) would lose."""
    planned = {b.chunk.cell_id for b in fresh.blocks} if fresh is not None else set()
    # A block whose marker was changed by hand still holds its code: export loses nothing.
    still_there = {b.marker.digest for b in current.blocks if not b.edited}
    found = [
        str(edit)
        for edit in current.edits()
        if edit.kind is not EditKind.HEAD_GENERATED
        # a block missing from a module that export no longer puts there is no loss
        and not (
            edit.kind is EditKind.DELETED_BLOCK
            and (
                edit.cell_id not in planned
                or current.manifest.get((edit.notebook or "", edit.cell_id or "")) in still_there
            )
        )
    ]
    found += [
        f"{part.value} edited, which export would write back as generated: {fix}"
        for part, fix in reverted_head_edits(current, fresh)
    ]
    return found


def reverted_head_edits(
    current: ModuleText, fresh: RenderedModule | None
) -> list[tuple[HeadPart, str]]:
    """Return the generated head parts a user edited that *fresh* would write differently."""
    head = current.head
    if not head.generated_edited:
        return []
    fresh_head = read_head(split_blocks(fresh.text)[0]) if fresh is not None else None
    found = []
    for kind in HeadPart:
        mine = head.part(kind)
        theirs = fresh_head.part(kind) if fresh_head is not None else None
        if mine != theirs:
            found.append((kind, _HEAD_FIXES[kind]))
    return found


def plan_file_changes(
    project: Project,
    plan: ExportPlan,
    modules: Iterable[RenderedModule],
    files: PackageFiles,
    *,
    discard_edits: bool = False,
) -> list[FileChange]:
    """Decide what to write, keep and remove; refuse to lose a hand-written file or an edit."""
    config = project.config
    # Markers name cells by id: a 4.0-4.4 notebook gets its ids written only if it exports a
    # cell (a notebook of prose or tests stays as its author saved it).
    exporting = {chunk.notebook for module in plan.modules for chunk in module.chunks}
    changes: list[FileChange] = [
        FileChange(nb.path, Action.IDS, notebook_with_ids(nb, nb.path.read_bytes()), nb.digest)
        for nb in project.notebooks
        if nb.needs_ids and nb.relpath in exporting
    ]
    problems: list[Nb2pkgError] = []
    planned: set[Path] = set()
    for module in modules:
        path = module.plan.path
        planned.add(path)
        current = files.get(path)
        if current is None:
            changes.append(FileChange(path, Action.CREATE, module.text, ABSENT, module=True))
            continue
        if not current.generated:
            problems.append(
                PlanError(
                    f"module {plan.package}.{module.plan.name} would replace the hand-written "
                    f"file {config.relative(path)}; rename the module or move the file",
                    _module_location(module),
                )
            )
            continue
        if current.text == module.text:
            changes.append(FileChange(path, Action.KEEP, module.text, current.digest, module=True))
            continue
        if not discard_edits and current.text != INIT_TEXT and not is_nbdev1(current.text or ""):
            edits = unsynced_edits(read_module(current.text or ""), module)
            if edits:
                problems.append(_edits_problem(config.relative(path), edits, stale=False))
        changes.append(FileChange(path, Action.WRITE, module.text, current.digest, module=True))
    changes.extend(_package_inits(plan, planned, files))
    changes.extend(
        _stale_files(
            plan, planned | {c.path for c in changes}, files, discard_edits, problems, project
        )
    )
    raise_all(problems)
    return changes


def _edits_problem(relpath: str, edits: list[str], *, stale: bool) -> Nb2pkgError:
    listing = "; ".join(edits)
    if stale:
        what = (
            f"no notebook exports this module any more, but it holds edits not synced into a "
            f"notebook ({listing}); run `nb2pkg sync` to carry them into the notebooks, or "
            "delete the file yourself (or pass --discard-edits)"
        )
    else:
        what = (
            f"the module holds edits not synced into its notebooks ({listing}); export would "
            "overwrite them: run `nb2pkg sync` first (or pass --discard-edits to overwrite them)"
        )
    return UnsyncedEdits(what, Location(relpath))


def _module_location(module: RenderedModule) -> Location | None:
    chunks = module.plan.chunks
    if chunks:
        return Location(chunks[0].notebook, chunks[0].cell_index, chunks[0].cell_id)
    return Location(module.plan.notebooks[0]) if module.plan.notebooks else None


def _package_inits(plan: ExportPlan, planned: set[Path], files: PackageFiles) -> list[FileChange]:
    """Create an ``__init__.py`` in every package folder that lacks one."""
    folders = {plan.lib_dir}
    for module in plan.modules:
        folder = module.path.parent
        while folder != plan.lib_dir and plan.lib_dir in folder.parents:
            folders.add(folder)
            folder = folder.parent
    changes = []
    for folder in sorted(folders):
        init = folder / "__init__.py"
        if init not in planned and files.get(init) is None and not init.exists():
            changes.append(FileChange(init, Action.CREATE, INIT_TEXT, ABSENT))
    return changes


def _stale_files(
    plan: ExportPlan,
    keep: set[Path],
    files: PackageFiles,
    discard_edits: bool,
    problems: list[Nb2pkgError],
    project: Project,
) -> list[FileChange]:
    """Find files nb2pkg generated earlier that no notebook produces any more."""
    stale = []
    for file in files:
        if file.path in keep or not file.generated or file.text is None:
            continue
        if file.text == INIT_TEXT:
            if not _package_still_used(file.path.parent, plan.lib_dir, keep):
                stale.append(FileChange(file.path, Action.REMOVE_INIT, expect=file.digest))
            continue
        if not discard_edits and not is_nbdev1(file.text):
            edits = unsynced_edits(read_module(file.text), None)
            if edits:
                problems.append(
                    _edits_problem(project.config.relative(file.path), edits, stale=True)
                )
                continue
        stale.append(FileChange(file.path, Action.REMOVE, expect=file.digest))
    return stale


def _package_still_used(folder: Path, lib_dir: Path, keep: set[Path]) -> bool:
    return folder == lib_dir or any(folder in path.parents for path in keep)
