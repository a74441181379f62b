"""``nb2pkg sync``: carry edits made in generated modules back into their notebook cells.

    (the export stamp says nothing changed? done)
    files = PackageFiles.read(...)                 # every module read once: the merge's base
    result = merge(project, plan, modules, ...)     # merge.py: pure decisions
    refuse on problems and conflicts (nothing written) unless --prefer says who wins
    texts = apply_changes(project, changes)         # cell_edits.py: new notebook texts
    export the merged notebooks in memory           # refuses what would not export
    check every target, write notebooks (receivers first), then modules: all guarded

It is a three-way merge without timestamps: the base of a block is the hash in its marker,
the base of a module is its manifest. Code is compared exactly (with ``format = true``,
modulo black). Every write is guarded by the digest of the file as the merge read it, so a
notebook or module saved during the run is never overwritten, and a sync stopped between
two writes converges when run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..cache import BlockCache
from ..cell_edits import apply_changes
from ..config import load_config
from ..errors import Location, Nb2pkgError, SyncConflict, UnsyncedEdits, raise_all
from ..export_stamp import exported_digests, remember_export, up_to_date
from ..file_changes import Action, FileChange
from ..fsio import check_writable, ensure_inside, write_text_atomic
from ..generate import generate, options_for, plan_export, save_caches
from ..merge import (
    CellChange,
    ChangeKind,
    FreshExport,
    ModuleSource,
    Prefer,
    conflict_report,
    merge,
)
from ..module_text import EditKind, ModuleText, read_module
from ..notebook import Notebook, parse_notebook
from ..package_files import (
    PackageFiles,
    apply_file_changes,
    reverted_head_edits,
)
from ..plan import Chunk, ExportPlan, module_name
from ..project import Project, load_project
from ..render import ExportOptions, RenderedBlock, RenderedModule, export_chunk
from ..report import Diagnostic, Severity, count


@dataclass(frozen=True)
class SyncResult:
    """What sync found and did."""

    changes: tuple[CellChange, ...]
    notes: tuple[Diagnostic, ...]
    written: tuple[Path, ...]
    dry_run: bool
    root: Path = field(default=Path("."))
    modules: tuple[Path, ...] = ()  # files the follow-up export rewrote (or would)

    def summary(self) -> str:
        """Return the one-line summary the CLI prints."""
        counts = {kind: sum(c.kind is kind for c in self.changes) for kind in ChangeKind}
        done = [f"{counts[ChangeKind.EDIT]} edited", f"{counts[ChangeKind.ADD]} added"]
        if counts[ChangeKind.MOVE]:
            done.append(f"{counts[ChangeKind.MOVE]} moved")
        done.append(f"{counts[ChangeKind.REMOVE]} removed")
        if not any(counts[k] for k in ChangeKind if k is not ChangeKind.CONFLICT):
            if self.modules:
                verb = "re-exported" if not self.dry_run else "would re-export"
                modules = count(len(self.modules), "module")
                return f"nothing to bring into the notebooks; {modules} {verb}"
            return "nothing to sync: the modules and the notebooks agree"
        notebooks = len(
            {c.notebook for c in self.changes} | {c.place.notebook for c in self.changes if c.place}
        )
        verb = "synced" if not self.dry_run else "would sync"
        return (
            f"{verb} {', '.join(done[:-1])} and {done[-1]} cells into "
            f"{count(notebooks, 'notebook')}; {count(len(self.modules), 'module')} re-exported"
        )


def sync_project(
    path: Path | None = None,
    *,
    prefer: str | None = None,
    dry_run: bool = False,
    check: bool = True,
) -> SyncResult:
    """Sync every generated module of the project at *path* back into its notebooks.

    With *check* (the default), a merge whose modules would fail when imported is refused,
    as ``export`` refuses them; nothing is written then.
    """
    if prefer not in (None, *(p.value for p in Prefer)):
        raise Nb2pkgError(f"--prefer must be one of module, notebook, not {prefer!r}")
    config = load_config(path)
    if up_to_date(config):  # nothing changed since the last export: nothing to merge
        return SyncResult((), (), (), dry_run, config.root)
    files = PackageFiles.read(config.lib_dir)
    project = load_project(config=config)
    options = options_for(project.config)
    plan = plan_export(project, options)
    sources = [
        ModuleSource(
            f.path, config.relative(f.path), module_name(config.lib_dir, f.path), f.text or ""
        )
        for f in files.modules()
    ]
    fresh = _cached_export(BlockCache(config.root, config.package, options), plan, options)
    exported = exported_digests(config)  # modules still as export wrote them hold no edit
    unchanged = {
        config.relative(f.path)
        for f in files.modules()
        if exported.get(config.relative(f.path)) == f.digest
    }
    result = merge(
        project, plan, sources, options, Prefer(prefer) if prefer else None, fresh, unchanged
    )
    raise_all(result.problems)
    if result.conflicts:
        raise SyncConflict(conflict_report(result.conflicts))
    texts = apply_changes(project, result.changes)
    # Export the merged notebooks before writing anything: new blocks get their real
    # markers and every hash its new base, so a second sync is a no-op; and a merge that
    # would not export is refused while nothing is written yet.
    merged = _merged_project(project, texts)
    export = generate(merged, check=check, discard_edits=True, files=files, written=not dry_run)
    _refuse_reverted_heads(merged, result.modules, export.modules)
    if not texts and not result.overruled:
        # Nothing goes into a notebook: rewrite only modules whose edits the notebooks
        # already hold (their hashes are refreshed); export's job is left to export.
        export = replace(export, changes=tuple(_refreshing(export.changes, files)))
    module_changes = [c for c in export.changes if c.action not in (Action.KEEP, Action.IDS)]
    written: list[Path] = []
    if not dry_run and (texts or module_changes):
        for notebook, _ in texts:
            ensure_inside(config.root, notebook.path)
            check_writable(notebook.path, root=config.root)
        for notebook, text in texts:
            write_text_atomic(notebook.path, text, root=config.root, expect=notebook.digest)
            written.append(notebook.path)
        apply_file_changes(export.changes, config.root)
        save_caches(export)
        remember_export(export, config)
    return SyncResult(
        result.changes,
        result.notes + _format_notes(texts),
        tuple(written),
        dry_run,
        config.root,
        tuple(c.path for c in module_changes),
    )


def _cached_export(cache: BlockCache, plan: ExportPlan, options: ExportOptions) -> FreshExport:
    """Return fresh exports read from the last export's block cache where it has them."""

    def fresh(chunk: Chunk, module: str) -> RenderedBlock:
        _, block = cache.lookup(chunk, module)
        return block or export_chunk(chunk, plan.package, module, options)

    return fresh


def _format_notes(texts: list[tuple[Notebook, str]]) -> tuple[Diagnostic, ...]:
    """Say which notebooks sync writes in a newer nbformat than they had (NB705)."""
    notes = []
    for notebook, _ in texts:
        if notebook.upgraded:
            what = (
                "an nbformat 3 notebook: sync writes it as nbformat 4.5, with the cell ids "
                "its markers name; its name and worksheet metadata are kept in its metadata"
            )
        elif notebook.needs_ids:
            what = "sync writes it with the cell ids its markers name, as nbformat 4.5"
        else:
            continue
        notes.append(Diagnostic("NB705", Severity.NOTE, what, notebook.where()))
    return tuple(notes)


def _refreshing(changes: tuple[FileChange, ...], files: PackageFiles) -> list[FileChange]:
    """Keep the writes of modules holding edits (which the notebooks agree with)."""
    kept = []
    for change in changes:
        current = files.get(change.path)
        if change.action is Action.WRITE and current is not None and current.text is not None:
            kinds = {e.kind for e in read_module(current.text).edits()}
            if kinds - {EditKind.DELETED_BLOCK}:
                kept.append(change)
    return kept


def _refuse_reverted_heads(
    project: Project, read: dict[str, ModuleText], modules: tuple[RenderedModule, ...]
) -> None:
    """Edits to a generated docstring or ``__all__`` that export would revert are refused."""
    problems: list[Nb2pkgError] = []
    for module in modules:
        current = read.get(project.config.relative(module.plan.path))
        if current is None:
            continue
        for part, fix in reverted_head_edits(current, module):
            problems.append(
                UnsyncedEdits(
                    f"{part.value} was edited in the module, but sync cannot carry that edit "
                    f"into a notebook: {fix}; then undo the edit in the module (or run "
                    "`nb2pkg export --discard-edits` to overwrite it)",
                    Location(project.config.relative(module.plan.path)),
                )
            )
    raise_all(problems)


def _merged_project(project: Project, texts: list[tuple[Notebook, str]]) -> Project:
    """Return *project* with the notebooks replaced by their merged texts."""
    merged = {
        nb.relpath: parse_notebook(text.encode("utf-8"), nb.path, nb.relpath) for nb, text in texts
    }
    if project.read_cache is not None:
        for notebook in merged.values():
            project.read_cache.store(notebook)  # as it will be on disk once written
    notebooks = tuple(merged.get(nb.relpath, nb) for nb in project.notebooks)
    return replace(project, notebooks=notebooks)
