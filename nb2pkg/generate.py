"""The export stage as a library: a project → its rendered modules and the file changes.

    plan = plan_export(...)                 # all modules, before anything is written
    modules = render_modules(plan, ...)     # cached per cell, checked, marked blocks
    changes = plan_file_changes(...)        # what to write, keep, remove; lost edits refused
    write_export(result)                    # guarded atomic writes, then the block cache

``export``, ``build``, ``sync``, ``check`` and ``deps`` all call ``generate``; none of them
calls another command. Nothing here writes a file except ``write_export``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import BlockCache, ExportStamp
from .cache_home import CACHE_DIR
from .config import Config
from .errors import CellError, Location, Nb2pkgError, cell_label, raise_all
from .fsio import digest_bytes, remove_stale_temp_files
from .module_job import render_all
from .moduledoc import doc_rules
from .notebook import find_notebooks
from .package_files import (
    Action,
    FileChange,
    PackageFiles,
    apply_file_changes,
    plan_file_changes,
)
from .plan import ExportPlan, plan_with_problems
from .project import Project, directive_warnings
from .render import (
    ExportOptions,
    RenderedBlock,
    RenderedModule,
    export_chunks,
    render_module,
)
from .report import Diagnostic, Severity, count, diagnostic_from_json, diagnostic_to_json

if TYPE_CHECKING:
    from .hidden_state import Analysis


@dataclass(frozen=True)
class ExportResult:
    """What an export found and did.

    ``project``, ``plan`` and ``modules`` are None/empty when the export was found up to
    date from its stamp (nothing read beyond file hashes); the counts are always there.
    """

    root: Path
    notebooks: int
    cells: int
    module_count: int
    changes: tuple[FileChange, ...]  # what was (or, on a dry run, would be) done
    warnings: tuple[Diagnostic, ...]
    written: bool  # False for a dry run
    project: Project | None = None
    plan: ExportPlan | None = None
    modules: tuple[RenderedModule, ...] = ()
    cache: BlockCache | None = field(default=None, compare=False, repr=False)

    def paths(self, *actions: Action) -> list[Path]:
        """Return the paths of the changes with one of *actions*."""
        return [c.path for c in self.changes if c.action in actions]

    @property
    def changed(self) -> bool:
        """Tell whether the export wrote (or would write) or removed any file."""
        return any(c.action is not Action.KEEP for c in self.changes)

    def summary(self) -> str:
        """Return the one-line summary the CLI prints."""
        counts = {Action.WRITE: 0, Action.KEEP: 0, Action.REMOVE: 0}
        for change in self.changes:
            if change.module or change.action is Action.REMOVE:
                counts[Action.WRITE if change.action is Action.CREATE else change.action] += 1
        verb = "exported" if self.written else "would export"
        text = (
            f"{verb} {count(self.cells, 'cell')} from {count(self.notebooks, 'notebook')} into "
            f"{count(self.module_count, 'module')} ({counts[Action.WRITE]} written, "
            f"{counts[Action.KEEP]} unchanged, {counts[Action.REMOVE]} removed)"
        )
        ids = [path.relative_to(self.root).as_posix() for path in self.paths(Action.IDS)]
        if ids:
            named = ", ".join(ids) if len(ids) <= 3 else count(len(ids), "notebook")
            text += f"; added cell ids to {named} (as nbformat 4.5: markers name cells by id)"
        return text


def options_for(project: Project, drop_magics: bool | None = None) -> ExportOptions:
    """Return the export options from the configuration, with command-line overrides."""
    from .formatting import black_settings

    config = project.config
    return ExportOptions(
        drop_magics=config.drop_magics if drop_magics is None else drop_magics,
        format=config.format,
        black=black_settings(config.raw) if config.format else {},
    )


def generate(
    project: Project,
    *,
    drop_magics: bool | None = None,
    check: bool = True,
    discard_edits: bool = False,
    files: PackageFiles | None = None,
    written: bool = False,
) -> ExportResult:
    """Render every module of *project* and plan the file changes; write nothing.

    With *check*, what would break the package at import is refused (``nb2pkg.gate``). A
    generated module holding edits not yet synced is refused (``UnsyncedEdits``) unless
    *discard_edits*. *files* is the package folder as already read (sync passes the state
    it merged from, so that a module saved since is not overwritten). *written* says
    whether the caller is going to write the result (for its summary).
    """
    config = project.config
    options = options_for(project, drop_magics)
    plan = plan_export(project, options)
    cache = BlockCache(config.root, config.package, options)
    if check:
        modules, warnings = _render_checked(project, plan, options, cache)
    else:
        modules, warnings = render_modules(plan, options, cache)
    files = files if files is not None else PackageFiles.read(config.lib_dir)
    changes = plan_file_changes(project, plan, modules, files, discard_edits=discard_edits)
    warnings = directive_warnings(project) + warnings + duplicate_name_warnings(modules)
    return ExportResult(
        config.root,
        len(project.notebooks),
        sum(len(m.blocks) for m in modules),
        len(modules),
        tuple(changes),
        tuple(warnings),
        written,
        project,
        plan,
        tuple(modules),
        cache,
    )


def plan_export(project: Project, options: ExportOptions) -> ExportPlan:
    """Plan the modules; raise the plan's problems together with those of its cells.

    A notebook whose ``default_exp`` is refused must not hide that another cell holds
    IPython syntax: every problem is reported in one run.
    """
    config = project.config
    plan, problems = plan_with_problems(
        config.package, config.lib_dir, project.notebooks, doc_rules(config)
    )
    if problems:
        for module in plan.modules:
            chunks = list(module.chunks)
            for result in export_chunks(chunks, plan.package, module.name, options):
                if isinstance(result, list):
                    problems.extend(CellError(message, where) for message, where in result)
        raise_all(problems)
    return plan


def write_export(result: ExportResult) -> None:
    """Write the planned file changes (every target checked first), then the block cache."""
    apply_file_changes(result.changes, result.root)
    save_caches(result)


def save_caches(result: ExportResult) -> None:
    """Keep what this run rendered and read (derived data) for the next run."""
    if result.cache is not None:
        result.cache.save()
    if result.project is not None and result.project.read_cache is not None:
        result.project.read_cache.save()


def remove_leftovers(config: Config, before: float) -> list[Path]:
    """Remove the temporary files that runs killed before *before* left where nb2pkg writes."""
    root = config.root
    removed = remove_stale_temp_files([root], root=root, before=before, recursive=False)
    folders = [config.lib_dir, config.notebooks_dir, root / CACHE_DIR]
    return removed + remove_stale_temp_files(folders, root=root, before=before)


def stamped_result(
    config: Config, drop_magics: bool | None = None, check: bool = True
) -> ExportResult | None:
    """Return the last export's result if nothing changed since it ran (from its stamp)."""
    stamp = ExportStamp(config.root, config.lib_dir)
    fingerprint = _fingerprint(stamp, config, drop_magics, check)
    previous = None if fingerprint is None else stamp.load(fingerprint)
    return None if previous is None else _up_to_date(config.root, previous)


def remember_export(
    result: ExportResult, config: Config, drop_magics: bool | None = None, check: bool = True
) -> None:
    """Stamp the project as exported: until an input or a package file changes, no work."""
    stamp = ExportStamp(config.root, config.lib_dir)
    # Hash after writing: the export itself just changed the package's files.
    fingerprint = _fingerprint(stamp, config, drop_magics, check)
    if fingerprint is not None:
        stamp.save(fingerprint, _record(result))


def _render_checked(
    project: Project, plan: ExportPlan, options: ExportOptions, cache: BlockCache
) -> tuple[list[RenderedModule], list[Diagnostic]]:
    """Render while NB101 analyses each finished module; refuse what breaks at import.

    Code that breaks only when called is reported (as errors) and written; ``build``
    refuses it (``nb2pkg.gate``).
    """
    from .gate import export_gate
    from .hidden_state import UndefinedNameScan
    from .own_imports import own_import_problems

    scan = UndefinedNameScan(project, cache, None, [m.name for m in plan.modules])
    modules, warnings = render_modules(plan, options, cache, scan.add)
    found = scan.diagnostics()  # workers for the modules left to analyse, if they pay
    found += own_import_problems(project, modules, scan.namespaces)
    return modules, warnings + export_gate(project, found)


def up_to_date(config: Config) -> bool:
    """Tell whether notebooks, configuration and package are exactly as the last export left them."""
    stamp = ExportStamp(config.root, config.lib_dir)
    fingerprint = _fingerprint(stamp, config, None, True)
    return fingerprint is not None and stamp.load(fingerprint) is not None


def _fingerprint(
    stamp: ExportStamp, config: Config, drop_magics: bool | None, check: bool
) -> str | None:
    """Hash the inputs and outputs of an export with these options (None: no notebooks)."""
    if not config.notebooks_dir.is_dir():
        return None
    notebooks = find_notebooks(config.notebooks_dir, recursive=config.recursive)
    # A --no-check export may leave modules that a checked one refuses: not interchangeable.
    return stamp.fingerprint(config.config_file, notebooks, repr((drop_magics, check)))


def _record(result: ExportResult) -> dict[str, Any]:
    root = result.root
    modules = [c.path for c in result.changes if c.module]
    return {
        "notebooks": result.notebooks,
        "cells": result.cells,
        "modules": [path.relative_to(root).as_posix() for path in modules],
        "written": _digests(root, modules),
        "warnings": [diagnostic_to_json(w) for w in result.warnings],
    }


def _digests(root: Path, paths: list[Path]) -> dict[str, str]:
    """Return the digest of each file as it is now (just written or kept by the export)."""
    found = {}
    for path in paths:
        try:
            found[path.relative_to(root).as_posix()] = digest_bytes(path.read_bytes())
        except OSError:
            continue
    return found


def exported_digests(config: Config) -> dict[str, str]:
    """Return {module path: digest} of the modules as the last export (or sync) left them.

    A module whose bytes still have that digest holds no edit. Empty when no export was
    recorded (or its record is unreadable): every module must then be read.
    """
    record = ExportStamp(config.root, config.lib_dir).last_record()
    written = record.get("written") if record else None
    if not isinstance(written, dict):
        return {}
    return {str(k): str(v) for k, v in written.items()}


def _up_to_date(root: Path, record: dict[str, Any]) -> ExportResult:
    modules = [FileChange(root / path, Action.KEEP, module=True) for path in record["modules"]]
    return ExportResult(
        root,
        int(record["notebooks"]),
        int(record["cells"]),
        len(modules),
        tuple(modules),
        tuple(diagnostic_from_json(w) for w in record["warnings"]),
        True,
    )


def render_modules(
    plan: ExportPlan,
    options: ExportOptions,
    cache: BlockCache | None = None,
    on_module: Callable[[RenderedModule, Analysis | None], None] | None = None,
) -> tuple[list[RenderedModule], list[Diagnostic]]:
    """Render every planned module; collect every bad cell and raise them together.

    Blocks missing from the *cache* are exported by each module's job (``module_job``), in
    worker processes when the work left pays for them. *on_module* is handed each module
    as soon as it is rendered, with its NB101 analysis when the job made one (it does when
    *on_module* is given: the trees rendering made serve the analysis too).
    """
    modules: list[RenderedModule] = []
    warnings: list[Diagnostic] = []
    problems: list[Nb2pkgError] = []
    for module, results, analysis in render_all(plan, options, cache, analyse=bool(on_module)):
        blocks: list[RenderedBlock] = []
        for key, result in results:
            if isinstance(result, list):
                problems.extend(CellError(message, where) for message, where in result)
                continue
            if cache:
                cache.store(key, result)
            blocks.append(result)
            warnings.extend(result.warnings)
        rendered = render_module(module, blocks)
        modules.append(rendered)
        if on_module is not None and not problems:
            on_module(rendered, analysis)
    raise_all(problems)
    return modules, warnings


def duplicate_name_warnings(modules: Iterable[RenderedModule]) -> list[Diagnostic]:
    """Warn where two cells of one module define the same public name.

    Names listed in ``_all_`` and functions whose decorator adds to a name (``@patch``,
    ``@overload``, ``@typedispatch``, ``@f.register``) define nothing again.
    """
    found: list[Diagnostic] = []
    for module in modules:
        first: dict[str, RenderedBlock] = {}
        for block in module.blocks:
            for name in block.defines:
                if name in first and first[name].chunk.cell_id != block.chunk.cell_id:
                    earlier = first[name].chunk
                    found.append(
                        Diagnostic(
                            "NB602",
                            Severity.WARNING,
                            f'"{name}" is defined again in module {module.plan.name} (first in '
                            f"{earlier.notebook} {cell_label(earlier.cell_index)}); the later one wins",
                            Location(
                                block.chunk.notebook, block.chunk.cell_index, block.chunk.cell_id
                            ),
                        )
                    )
                first.setdefault(name, block)
    return found
