"""``nb2pkg check``: run the static checks, and with ``--ci`` the freshness checks.

    project, plan = load_project(...), plan_export(...)  # plan problems: raised, all at once
    modules, bad_cells, analyses = render_for_check(plan)  # NB501/NB502, NB101 analyses
    diagnostics = every check in checks.py               # NB1xx–NB6xx
    with ci: freshness(project)                           # NB9xx: would export/sync/build change files?
    drop ignored codes ([tool.nb2pkg.check] ignore, `#| nb2pkg: ignore NB101`)

Never runs notebook code, never writes a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import checks
from ..cache import BlockCache
from ..deps.collect import pyproject_changes
from ..errors import Location, Nb2pkgError
from ..exit_codes import ExitCode
from ..generate import duplicate_name_warnings, generate, options_for, plan_export
from ..hidden_state import undefined_names
from ..ignores import check_settings, without_ignored
from ..module_text import read_module
from ..own_imports import own_import_problems
from ..package_files import PackageFiles
from ..project import Project, load_project
from ..render import RenderedModule
from ..report import Diagnostic, Severity, count, github_annotation
from ..vcs_checks import version_control_problems


@dataclass(frozen=True)
class CheckResult:
    """The diagnostics of one run, and the exit code they mean."""

    diagnostics: tuple[Diagnostic, ...]
    strict: bool
    notebooks: int
    modules: int
    ignored: tuple[Diagnostic, ...] = ()  # silenced by [tool.nb2pkg.check] or a cell (for -v)

    @property
    def errors(self) -> int:
        """Return the number of errors."""
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        """Return the number of warnings."""
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    @property
    def exit_code(self) -> ExitCode:
        """Return 1 if an error (or, with strict, a warning) was found, else 0."""
        return ExitCode.found_if(self.errors or (self.strict and self.warnings))

    def summary(self) -> str:
        """Return the one-line summary."""
        return (
            f"checked {count(self.notebooks, 'notebook')} and {count(self.modules, 'module')}: "
            f"{count(self.errors, 'error')}, {count(self.warnings, 'warning')}"
        )


def check_project(
    path: Path | None = None, *, ci: bool = False, strict: bool | None = None
) -> CheckResult:
    """Run every check on the project at *path*; with *ci*, also the freshness checks."""
    project = load_project(path)
    settings = check_settings(project)
    config = project.config
    options = options_for(project.config)
    plan = plan_export(project, options)
    cache = BlockCache(config.root, config.package, options)  # read only: check writes nothing
    modules, found, analyses = checks.render_for_check(plan, options, cache)
    hidden, namespaces = undefined_names(project, modules, cache, analyses)
    found += hidden
    found += own_import_problems(project, modules, namespaces)
    found += checks.shadowed_names(project, modules)
    found += checks.execution_order(project)
    found += checks.directive_problems(project)
    found += version_control_problems(project, ci=ci)
    found += checks.import_cycles(config.package, modules)
    found += duplicate_name_warnings(modules)
    if ci and not any(d.severity is Severity.ERROR and d.code.startswith("NB5") for d in found):
        found += freshness(project, modules)
    kept = without_ignored(project, found, settings["ignore"])
    shown = {id(d) for d in kept}
    ignored = [d for d in found if id(d) not in shown]
    return CheckResult(
        tuple(sorted(kept, key=_order)),
        settings["strict"] if strict is None else strict,
        len(project.notebooks),
        len(modules),
        tuple(sorted(ignored, key=_order)),
    )


def _order(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    where = diagnostic.where
    if where is None:
        return ("", 0, 0, diagnostic.code)
    return (where.file, where.cell_index or 0, where.line or 0, diagnostic.code)


def freshness(project: Project, modules: list[RenderedModule]) -> list[Diagnostic]:
    """NB901–NB903: files that ``export``, ``sync`` or ``build`` would still change."""
    config = project.config
    files = PackageFiles.read(config.lib_dir)
    found = unsynced_edits(project, files)
    edited = {d.where.file for d in found if d.where is not None}
    try:
        result = generate(project, check=False, discard_edits=True, files=files)
    except Nb2pkgError as exc:
        return [*found, Diagnostic("NB900", Severity.ERROR, f"export would fail: {exc}", None)]
    for change in result.changes:
        relpath = config.relative(change.path)
        if change.action == "keep" or relpath in edited:
            continue
        what = {
            "ids": "export would add cell ids to this notebook",
            "remove": "export would remove this stale module",
            "remove-init": "export would remove this package's generated __init__.py",
        }.get(
            change.action,
            "export would change this file: run `nb2pkg export` and commit the result",
        )
        found.append(Diagnostic("NB901", Severity.ERROR, what, Location(relpath)))
    found += dependency_drift(project, modules)
    return found


def unsynced_edits(project: Project, files: PackageFiles) -> list[Diagnostic]:
    """NB902: modules holding edits that ``nb2pkg sync`` has not carried back yet."""
    found = []
    for file in files.modules():
        edits = read_module(file.text or "").edits()
        if edits:
            listing = "; ".join(str(e) for e in edits[:3]) + ("; …" if len(edits) > 3 else "")
            found.append(
                Diagnostic(
                    "NB902",
                    Severity.ERROR,
                    f"the module holds edits not yet synced into its notebooks ({listing}): run "
                    "`nb2pkg sync` (export would overwrite them)",
                    Location(project.config.relative(file.path), line=edits[0].line),
                )
            )
    return found


def dependency_drift(project: Project, modules: list[RenderedModule]) -> list[Diagnostic]:
    """NB903: the pyproject's dependencies are not what ``nb2pkg build`` would write."""
    try:
        changes = pyproject_changes(project, modules)
    except Nb2pkgError as exc:
        return [
            Diagnostic("NB903", Severity.ERROR, f"dependencies cannot be resolved: {exc}", None)
        ]
    if changes is None:
        return []
    added = ", ".join(
        [*changes.added, *(r for group in changes.added_optional.values() for r in group)]
    )
    if not added:  # a missing [build-system] alone is not a dependency change
        return []
    return [
        Diagnostic(
            "NB903",
            Severity.ERROR,
            f"`nb2pkg build` would add dependencies to pyproject.toml ({added}): run it and commit",
            Location("pyproject.toml"),
        )
    ]


def render(result: CheckResult, fmt: str) -> str:
    """Return the diagnostics as text, JSON or GitHub Actions annotations."""
    if fmt == "json":
        return json.dumps(
            {
                "diagnostics": [_json_record(d) for d in result.diagnostics],
                "errors": result.errors,
                "warnings": result.warnings,
                "exit_code": result.exit_code,
            },
            indent=2,
            ensure_ascii=False,
        )
    if fmt == "github":
        return "\n".join(_github(d) for d in result.diagnostics)
    return "\n".join(str(d) for d in result.diagnostics)


def _json_record(diagnostic: Diagnostic) -> dict[str, Any]:
    """Return one diagnostic for ``--format json``; "cell" counts from 1, as messages do."""
    where = diagnostic.where
    location = (
        None
        if where is None
        else {
            "file": where.file,
            "cell": where.cell_number,
            "cell_id": where.cell_id,
            "line": where.line,
            "column": where.column,
        }
    )
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "location": location,
    }


def _github(diagnostic: Diagnostic) -> str:
    level = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(
        diagnostic.severity, "notice"
    )
    return github_annotation(level, diagnostic.code, diagnostic.message, diagnostic.where)
