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
from typing import TYPE_CHECKING

from .cache import BlockCache
from .errors import CellError, Location, Nb2pkgError, cell_label, raise_all
from .export_result import ExportResult
from .module_job import render_all
from .moduledoc import doc_rules
from .package_files import (
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
from .report import Diagnostic, Severity

if TYPE_CHECKING:
    from .hidden_state import Analysis


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

    scan = UndefinedNameScan(project, cache, [m.name for m in plan.modules])
    modules, warnings = render_modules(plan, options, cache, scan.add)
    found = scan.diagnostics()  # workers for the modules left to analyse, if they pay
    found += own_import_problems(project, modules, scan.namespaces)
    return modules, warnings + export_gate(project, found)


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
