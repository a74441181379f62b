"""``nb2pkg sync``: carry edits made in generated modules back into their notebook cells.

    (the export stamp says nothing changed? done)
    (only generated modules changed? merge their share alone: _merge_changed)
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
from ..config import Config, load_config
from ..errors import Location, Nb2pkgError, SyncConflict, UnsyncedEdits, raise_all
from ..export_delta import PartProject, basis, redo, worth_it
from ..export_result import ExportResult
from ..export_stamp import StampState, exported_digests, remember_export, stamp_state
from ..file_changes import Action, FileChange, apply_file_changes
from ..fsio import check_writable, digest_bytes, ensure_inside, write_text_atomic
from ..generate import generate, options_for, plan_export, save_caches
from ..markers import MarkerKind, split_blocks
from ..merge import (
    CellChange,
    ChangeKind,
    FreshExport,
    MergeResult,
    ModuleSource,
    Prefer,
    conflict_report,
    merge,
)
from ..module_text import EditKind, ModuleText, read_module
from ..notebook import Notebook, parse_notebook
from ..package_files import (
    PackageFile,
    PackageFiles,
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
    state = stamp_state(config)
    if state is not None and state.unchanged():  # as the last export left it: no edit
        return SyncResult((), (), (), dry_run, config.root)
    chosen = Prefer(prefer) if prefer else None
    # The short cut redoes the checks export made; without checks, the whole merge runs.
    merged = _merge_changed(config, state, chosen) if state is not None and check else None
    if merged is None:
        merged = _merge_all(config, chosen, check, dry_run)
    return _write(config, merged, dry_run, state, check)


@dataclass(frozen=True)
class _Merged:
    """A sync decided: the merge, the notebooks' new texts, the export that follows."""

    result: MergeResult
    texts: list[tuple[Notebook, str]]
    export: ExportResult
    short_cut: bool  # only the edited modules' share of the project was read


def _merge_all(config: Config, prefer: Prefer | None, check: bool, dry_run: bool) -> _Merged:
    """Merge every module into the notebooks, and export the merged project whole."""
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
    result = merge(project, plan, sources, options, prefer, fresh, unchanged)
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
    return _Merged(result, texts, export, short_cut=False)


def _merge_changed(config: Config, state: StampState, prefer: Prefer | None) -> _Merged | None:
    """Merge only the modules edited since the last export, reading only their notebooks
    (and those of the modules those notebooks feed); None when the whole project must be
    merged: anything but generated modules changed, a block names a notebook outside that
    share, or anything is wrong (the full merge reports it)."""
    try:
        return _merge_share(config, state, prefer)
    except (Nb2pkgError, OSError, UnicodeError):
        return None


def _merge_share(config: Config, state: StampState, prefer: Prefer | None) -> _Merged | None:
    """``_merge_changed``'s work; raises what the full merge would report."""
    found = basis(config, state)
    if found is None or not found.changed:
        return None
    facts = found.facts
    by_path = {m.path: name for name, m in facts.modules.items()}
    if any(kind != "package" or path not in by_path for path, kind in found.changed.items()):
        return None
    edited = {by_path[path] for path in found.changed}
    notebooks = {relpath for name in edited for relpath in facts.modules[name].notebooks}
    digests = state.digests("package")
    for name in edited:  # blocks copied or moved in name other notebooks' cells
        text = _module_text(config, facts.modules[name].path, digests)
        if text is None:
            return None
        for block in split_blocks(text)[1]:
            marker = block.marker
            if marker.kind is MarkerKind.NBDEV:
                return None
            if marker.kind is MarkerKind.NB2PKG and (marker.notebook or "") in facts.notebooks:
                notebooks.add(marker.notebook or "")
    while True:  # every module these notebooks feed, and all of its notebooks: whole modules
        more = {r for name in found.modules_of(notebooks) for r in facts.modules[name].notebooks}
        if more <= notebooks:
            break
        notebooks |= more
    if not worth_it(len(notebooks), found.notebook_count):
        return None
    texts = {}
    for name in found.modules_of(notebooks) | edited:
        text = _module_text(config, facts.modules[name].path, digests)
        if text is None:
            return None
        texts[name] = text
    ordered = [r for r in facts.notebooks if r in notebooks]
    project = PartProject(
        config, tuple(nb for nb in map(found.load, ordered) if nb is not None), load=found.load
    )
    options = options_for(config)
    plan = plan_export(project, options)
    if {m.name for m in plan.modules} != set(texts):
        return None
    sources = [
        ModuleSource(m.path, config.relative(m.path), m.name, texts[m.name]) for m in plan.modules
    ]
    unchanged = {config.relative(m.path) for m in plan.modules if m.name not in edited}
    result = merge(project, plan, sources, options, prefer, None, unchanged)
    if result.problems or result.conflicts:
        return None  # the full merge reports them
    changes = apply_changes(project, result.changes)
    merged = {
        nb.relpath: parse_notebook(text.encode("utf-8"), nb.path, nb.relpath)
        for nb, text in changes
    }
    export = redo(found, merged, list(merged), edited, None, True)
    if export is None:
        return None
    _refuse_reverted_heads(project, result.modules, export.modules)
    if not changes and not result.overruled:  # as in _merge_all
        files = PackageFiles(
            {
                m.path: PackageFile(m.path, texts[m.name], digest_bytes(texts[m.name].encode()))
                for m in plan.modules
            }
        )
        export = replace(export, changes=tuple(_refreshing(export.changes, files)))
    return _Merged(result, changes, export, short_cut=True)


def _module_text(config: Config, relpath: str, digests: dict[str, str | None]) -> str | None:
    """Return a module's text as hashed (None: saved since, or not UTF-8)."""
    data = (config.root / relpath).read_bytes()
    if digest_bytes(data) != digests.get(relpath):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _write(
    config: Config, merged: _Merged, dry_run: bool, state: StampState | None, check: bool
) -> SyncResult:
    """Write what the merge decided (unless *dry_run*): notebooks first, then modules."""
    result, texts, export = merged.result, merged.texts, merged.export
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
        before = state if merged.short_cut else None
        # Stamped as an export with the same checks: a --no-check sync is no checked export.
        remember_export(export, config, check=check, before=before, written=written)
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
