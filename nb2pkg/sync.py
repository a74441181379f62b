"""``nb2pkg sync``: carry edits made in generated modules back into their notebook cells.

    (the export stamp says nothing changed? done)
    project, plan = load_project(...), make_plan(...)
    changes = Merger(...).sync_module(m) for every generated module      # merge.py, pure
    refuse on conflicts (nothing written) unless --prefer says who wins
    texts = apply_changes(project, changes)                             # notebook_edit.py
    export the merged notebooks in memory (refuses what would not export)
    write notebooks (atomic, re-checked), then the re-exported modules

It is a three-way merge without timestamps: the base of a block is the hash in its marker.
Module block ≠ base ⇒ edited in the module; the cell's fresh export ≠ base ⇒ edited in the
notebook; both, with different results ⇒ conflict. Formatting-only differences (after
reversing the import rewrite) are not edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .config import load_config
from .errors import Nb2pkgError, SyncConflict, raise_all
from .export import apply_changes as apply_export
from .export import export_project, options_for, remember_export, up_to_date
from .fsio import write_text_atomic
from .merge import PREFER_CHOICES, CellChange, Merger, conflict_report
from .notebook import Notebook, parse_notebook
from .notebook_edit import apply_changes
from .plan import make_plan
from .project import Project, load_project
from .render import is_generated
from .report import Diagnostic, count


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
        counts = {
            kind: sum(c.kind == kind for c in self.changes) for kind in ("edit", "add", "remove")
        }
        if not any(counts.values()):
            if self.modules:
                return f"kept the notebooks' versions; {count(len(self.modules), 'module')} re-exported"
            return "nothing to sync: the modules and the notebooks agree"
        notebooks = len({c.notebook for c in self.changes if c.kind != "conflict"})
        verb = "synced" if not self.dry_run else "would sync"
        return (
            f"{verb} {counts['edit']} edited, {counts['add']} added and {counts['remove']} removed "
            f"cells into {count(notebooks, 'notebook')}; {count(len(self.modules), 'module')} re-exported"
        )


def sync_project(
    path: Path | None = None, *, prefer: str | None = None, dry_run: bool = False
) -> SyncResult:
    """Sync every generated module of the project at *path* back into its notebooks."""
    if prefer not in (None, *PREFER_CHOICES):
        raise Nb2pkgError(f"--prefer must be one of {', '.join(PREFER_CHOICES)}, not {prefer!r}")
    config = load_config(path)
    if up_to_date(config):  # nothing changed since the last export: nothing to merge
        return SyncResult((), (), (), dry_run, config.root)
    modules = generated_modules(config.lib_dir)
    project = load_project(config=config)
    plan = make_plan(config.package, config.lib_dir, project.notebooks)
    merger = Merger(project, plan, options_for(project), prefer)
    for module_path in modules:
        merger.sync_module(module_path)
    raise_all(merger.problems)
    conflicts = [c for c in merger.changes if c.kind == "conflict"]
    if conflicts:
        raise SyncConflict(conflict_report(conflicts))
    texts = apply_changes(project, merger.changes)
    # Export the merged notebooks before writing anything: new blocks get their real
    # markers and every hash its new base, so a second sync is a no-op; and a merge that
    # would not export is refused while nothing is written yet.
    if not texts and not merger.overruled:
        return SyncResult(tuple(merger.changes), tuple(merger.notes), (), dry_run, config.root)
    merged = _merged_project(project, texts)
    export = export_project(project=merged, dry_run=True)
    written: list[Path] = []
    if not dry_run:
        for notebook, text in texts:
            write_text_atomic(notebook.path, text, root=config.root, expect=notebook.digest)
            written.append(notebook.path)
        apply_export(export.changes, config.root)
        remember_export(export, config)
    return SyncResult(
        tuple(merger.changes),
        tuple(merger.notes),
        tuple(written),
        dry_run,
        config.root,
        tuple(c.path for c in export.changes if c.action not in ("keep", "ids")),
    )


def _merged_project(project: Project, texts: list[tuple[Notebook, str]]) -> Project:
    """Return *project* with the notebooks replaced by their merged texts."""
    merged = {
        nb.relpath: parse_notebook(text.encode("utf-8"), nb.path, nb.relpath) for nb, text in texts
    }
    notebooks = tuple(merged.get(nb.relpath, nb) for nb in project.notebooks)
    return replace(project, notebooks=notebooks)


def generated_modules(lib_dir: Path) -> list[Path]:
    """Return the modules under *lib_dir* that nb2pkg or nbdev generated, sorted."""
    if not lib_dir.is_dir():
        return []
    found = []
    for path in sorted(lib_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if is_generated(text) and "\n# %%" in text:
            found.append(path)
    return found
