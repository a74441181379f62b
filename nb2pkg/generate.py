"""The export stage as a library: a project → its rendered modules and the file changes.

    plan = plan_export(...)                 # all modules, before anything is written
    modules = render_modules(plan, ...)     # cached per cell, checked, marked blocks
    changes = plan_file_changes(...)        # what to write, keep, remove; lost edits refused
    write_export(result)                    # guarded atomic writes, then the block cache

``export``, ``build``, ``sync``, ``check`` and ``deps`` all call ``generate``; none of them
calls another command. Nothing here writes a file except ``write_export``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import BlockCache
from .config import Config
from .errors import CellError, Location, Nb2pkgError, cell_label, raise_all
from .export_facts import ExportFacts, ModuleFacts, NotebookFacts, own_references
from .export_result import ExportResult
from .file_changes import apply_file_changes
from .module_job import render_all
from .moduledoc import doc_rules
from .plan import ExportPlan, notebook_targets, plan_with_problems
from .project import Project, notebook_directive_warnings
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
    from .package_files import PackageFiles


def options_for(config: Config, drop_magics: bool | None = None) -> ExportOptions:
    """Return the export options from the configuration, with command-line overrides."""
    from .formatting import black_settings

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
    options = options_for(config, drop_magics)
    plan = plan_export(project, options)
    cache = BlockCache(config.root, config.package, options)
    checked: Checked = {}
    if check:
        modules, checked = render_checked(project, plan, options, cache)
    else:
        modules, _ = render_modules(plan, options, cache)
    from .package_files import PackageFiles, plan_file_changes

    files = files if files is not None else PackageFiles.read(config.lib_dir)
    changes = plan_file_changes(project, plan, modules, files, discard_edits=discard_edits)
    facts = export_facts(project, plan, modules, checked, files)
    return ExportResult(
        config.root,
        len(project.notebooks),
        sum(len(m.blocks) for m in modules),
        len(modules),
        tuple(changes),
        tuple(facts.warnings()),
        written,
        project,
        plan,
        tuple(modules),
        cache,
        facts,
    )


#: Each checked module's reported errors: (NB101/NB102/NB502, NB103), by plan name.
Checked = dict[str, tuple[list[Diagnostic], list[Diagnostic]]]


def export_facts(
    project: Project,
    plan: ExportPlan,
    modules: Sequence[RenderedModule],
    checked: Checked,
    files: PackageFiles,
) -> ExportFacts:
    """Return what this export learnt, notebook by notebook and module by module, with
    every warning and reported error in its place (``nb2pkg.export_facts``)."""
    config = project.config
    package = plan.package
    targets = notebook_targets(plan, project.notebooks)
    notebooks = {
        nb.relpath: NotebookFacts(
            tuple(sorted(targets[nb.relpath])),
            tuple(notebook_directive_warnings(config, nb)),
        )
        for nb in project.notebooks
    }
    senders: dict[str, list[str]] = {}
    for relpath, names in targets.items():
        for name in names:
            senders.setdefault(name, []).append(relpath)
    facts = {
        module.plan.name: module_facts(
            module, config, tuple(senders.get(module.plan.name, ())), checked
        )
        for module in modules
    }
    generated = {m.plan.path for m in modules}
    hand_written = {}
    for file in files:
        if file.path in generated or file.text is None:
            continue
        relative = file.path.relative_to(config.lib_dir).with_suffix("").parts
        absolute = ".".join((package, *relative)).removesuffix(".__init__")
        is_package = file.path.name == "__init__.py"
        hand_written[absolute] = own_references(file.text, absolute, is_package, package)
    return ExportFacts(notebooks, facts, hand_written)


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


def module_facts(
    module: RenderedModule, config: Config, notebooks: tuple[str, ...], checked: Checked
) -> ModuleFacts:
    """Return one rendered module's facts; *notebooks* send it code or docs."""
    name = module.plan.name
    scanned, imported = checked.get(name, ([], []))
    return ModuleFacts(
        module.plan.path.relative_to(config.root).as_posix(),
        notebooks,
        len(module.blocks),
        own_references(
            module.text,
            import_name(config.package, name),
            name.endswith("__init__"),
            config.package,
        ),
        tuple(module.exports),
        tuple(w for block in module.blocks for w in block.warnings),
        tuple(duplicate_name_warnings([module])),
        tuple(scanned),
        tuple(imported),
    )


def render_checked(
    project: Project,
    plan: ExportPlan,
    options: ExportOptions,
    cache: BlockCache | None,
    others: Mapping[str, tuple[Path, tuple[str, ...], tuple[str, ...]]] | None = None,
) -> tuple[list[RenderedModule], Checked]:
    """Render while NB101 analyses each finished module; refuse what breaks at import.

    Code that breaks only when called is reported (as errors) and written; ``build``
    refuses it (``nb2pkg.gate``). Returns each module's reported errors. *others* are the
    package's other generated modules, already written as they render, when *plan* holds
    only some (``nb2pkg.export_delta``): plan name -> (file, ``__all__``, notebooks).
    """
    from .gate import export_gate
    from .hidden_state import UndefinedNameScan
    from .own_imports import own_import_problems_by_module

    others = others or {}
    scan = UndefinedNameScan(project, cache, [*(m.name for m in plan.modules), *others])
    for name, (path, exports, _) in others.items():
        scan.namespaces.add(name, path, exports)
    modules, _ = render_modules(plan, options, cache, scan.add)
    scanned = scan.diagnostics_by_module()  # workers for the modules left, if they pay
    sources = {
        import_name(plan.package, name): notebooks
        for name, notebooks in [
            *((m.plan.name, m.plan.notebooks) for m in modules),
            *((name, notebooks) for name, (_, _, notebooks) in others.items()),
        ]
    }
    imported = own_import_problems_by_module(project, modules, scan.namespaces, sources)
    found = [d for m in modules for d in scanned.get(m.plan.name, [])]
    found += [d for m in modules for d in imported[m.plan.name]]
    kept = {id(d) for d in export_gate(project, found)}
    return modules, {
        m.plan.name: (
            [d for d in scanned.get(m.plan.name, []) if id(d) in kept],
            [d for d in imported[m.plan.name] if id(d) in kept],
        )
        for m in modules
    }


def import_name(package: str, plan_name: str) -> str:
    """Return the import name of a planned module ("sub.__init__" → "acme.sub")."""
    name = plan_name.removesuffix("__init__").rstrip(".")
    return f"{package}.{name}" if name else package


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
