"""Collect what the exported code imports, across all modules, each with its reason.

The per-import rules live in ``scan`` (finding imports) and ``classify`` (one import's
distribution); this module runs them over the rendered blocks of a project and merges the
answers per import name, with the cells that use each one — the table behind ``nb2pkg deps``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..config import Config, setting_line
from ..errors import ConfigError, DependencyError, Location, Nb2pkgError, raise_all
from ..fsio import read_text_exact
from ..project import Project
from ..render import RenderedModule
from ..report import Diagnostic, Severity
from ..wheel import DEFAULT_BUILD_SYSTEM
from .classify import Declared, Dependency, FoundImport, classify, find_imports
from .pyproject_update import DependencyChanges, declared_requirements, update_pyproject


@dataclass(frozen=True)
class DependencySet:
    """Every import of the exported code, classified, and the requirements they add up to."""

    dependencies: tuple[Dependency, ...]  # one per import name, sorted (unresolved too)
    unresolved: tuple[Diagnostic, ...]  # the imports nothing resolved, located, with the fix
    declared: Declared = Declared({})

    @property
    def required(self) -> list[str]:
        """Return the hard requirements, sorted and unique."""
        return sorted(
            {d.requirement for d in self.dependencies if d.requirement and not d.optional}
        )

    @property
    def optional(self) -> list[str]:
        """Return the requirements of optional imports that are not hard requirements too."""
        hard = {_name(r) for r in self.required}
        found = {d.requirement for d in self.dependencies if d.requirement and d.optional}
        return sorted(r for r in found if r and _name(r) not in hard)

    def explain(self, name: str) -> list[Dependency]:
        """Return the dependencies whose import name or distribution is *name*."""
        wanted = _canonical(name)
        return [
            d
            for d in self.dependencies
            if _canonical(d.import_name) == wanted
            or _canonical(d.import_name.split(".")[0]) == wanted
            or (d.distribution and _canonical(d.distribution) == wanted)
        ]


def collect_dependencies(
    project: Project,
    modules: Iterable[RenderedModule],
    *,
    allow_unresolved: bool = False,
    list_unresolved: bool = False,
) -> DependencySet:
    """Classify every import of every exported block; raise all unresolved ones together.

    With *allow_unresolved* they become NB801 warnings; with *list_unresolved* (the full
    table of ``nb2pkg deps``) NB801 errors. Either way each is also a row of the set.
    """
    config = project.config
    _check_requires_python(config)
    declared = Declared.of(declared_requirements(config), config.relative(config.config_file))
    merged: dict[str, Dependency] = {}
    problems: list[Nb2pkgError] = []
    unresolved: list[Diagnostic] = []
    for module in modules:
        for block in module.blocks:
            chunk = block.chunk
            cell = Location(chunk.notebook, chunk.cell_index, chunk.cell_id)
            for found in _imports(block.code):
                where = Location(
                    chunk.notebook,
                    chunk.cell_index,
                    chunk.cell_id,
                    _cell_line(chunk.body_line, found),
                )
                try:
                    dependency = classify(
                        found,
                        package=config.package,
                        requires_python=config.requires_python,
                        dependency_map=config.dependency_map,
                        where=where,
                        declared=declared,
                    )
                except DependencyError as exc:
                    severity = Severity.WARNING if allow_unresolved else Severity.ERROR
                    if allow_unresolved or list_unresolved:
                        unresolved.append(Diagnostic("NB801", severity, exc.message, exc.where))
                    else:
                        problems.append(exc)
                    dependency = _unresolved(found, exc)
                _merge(merged, replace(dependency, used_in=(cell,)))
    raise_all(_unique(problems))
    return DependencySet(
        tuple(merged[k] for k in sorted(merged)), tuple(_unique_diagnostics(unresolved)), declared
    )


def _unresolved(found: FoundImport, error: DependencyError) -> Dependency:
    name = "." * found.level + found.module
    return Dependency(
        name, "third-party", None, error.message, optional=found.optional, unresolved=True
    )


def _unique_diagnostics(found: list[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per unresolved import name is enough; the first place names it."""
    seen: set[str] = set()
    kept = []
    for diagnostic in found:
        if diagnostic.message not in seen:
            seen.add(diagnostic.message)
            kept.append(diagnostic)
    return kept


def _imports(code: str) -> list[FoundImport]:
    try:
        return find_imports(code)
    except SyntaxError:  # export already refused such code; nothing to find here
        return []


def _cell_line(body_line: int, found: FoundImport) -> int:
    return body_line - 1 + found.line


def _merge(merged: dict[str, Dependency], dependency: Dependency) -> None:
    """Keep one entry per import name: hard beats optional; every using cell is listed."""
    key = dependency.import_name
    old = merged.get(key)
    if old is None:
        merged[key] = dependency
        return
    used = tuple(dict.fromkeys(old.used_in + dependency.used_in))
    keep = old if not old.optional or dependency.optional else dependency
    if keep.unresolved and not (old.unresolved and dependency.unresolved):
        keep = old if not old.unresolved else dependency  # a resolved use answers for all
    merged[key] = replace(keep, used_in=used, optional=old.optional and dependency.optional)


def _unique(problems: list[Nb2pkgError]) -> list[Nb2pkgError]:
    """One error per unresolved import name is enough; the first place names it."""
    seen: set[str] = set()
    kept = []
    for problem in problems:
        key = problem.message
        if key not in seen:
            seen.add(key)
            kept.append(problem)
    return kept


def _canonical(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def _name(requirement: str) -> str:
    import re

    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return _canonical(match.group(1)) if match else requirement


def _check_requires_python(config: Config) -> None:
    """Raise a bad ``requires-python`` (or nbdev's ``min_python``) once, with its line."""
    from ..stdlib import supported_versions

    try:
        supported_versions(config.requires_python)
    except ConfigError as exc:
        key = ("min_python",) if config.source == "nbdev2" else ("project", "requires-python")
        where = Location(config.relative(config.config_file), line=setting_line(config, *key))
        raise ConfigError(exc.message, where) from None


def pyproject_changes(project: Project, modules: list[RenderedModule]) -> DependencyChanges | None:
    """Return what ``build`` would change in the pyproject (None for nbdev 2 projects)."""
    return pyproject_changes_for(project, collect_dependencies(project, modules))


def pyproject_changes_for(
    project: Project, dependencies: DependencySet, text: str | None = None
) -> DependencyChanges | None:
    """Return the insert-only edit of the pyproject (*text*: as read) declaring *dependencies*."""
    config = project.config
    if config.source == "nbdev2":
        return None  # settings.ini stays the source; the build uses a generated pyproject
    if text is None:
        text = read_text_exact(config.root / "pyproject.toml")  # CRLF and a BOM kept
    return update_pyproject(
        text,
        required=dependencies.required,
        optional={config.optional_extra: dependencies.optional} if dependencies.optional else {},
        default_build_system=DEFAULT_BUILD_SYSTEM,
    )
