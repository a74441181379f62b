"""``nb2pkg build``: export, detected dependencies into pyproject.toml, then a wheel.

Everything is decided before anything is written, so a refused build leaves every byte of
the project as it was:

    export = generate(...)                            # modules planned in memory (or refused)
    build_gate(...)                                   # refuse code that breaks when it runs
    dependencies = collect_dependencies(...)          # every import resolved (or refused)
    changes = pyproject_changes_for(...)              # insert-only edit of the user's file
    plan = plan_build(...)                            # output folder, backend, metadata, the
                                                      # version read statically (or refused)
    check_all_writable(...)                           # no read-only target
    --- nothing can refuse any more; write ---
    apply_file_changes(export.changes)                # atomic, guarded, only changed files
    write pyproject.toml                              # guarded against a save meanwhile
    run_build(plan)                                   # flit in-process, or the PEP 517 backend;
                                                      # the wheel moves into dist/ last

A backend other than flit reads the modules and the pyproject from disk, so they are
written before it runs; if the build fails anyway (the backend, a file saved meanwhile),
the files are put back as they were (``nb2pkg.rollback``). No stage imports or runs the project's code: the version and the
description come from the source, read with ``ast`` (``nb2pkg.staticmeta``), and backend
settings that would import the package are refused (``nb2pkg.backendguard``).

``--check`` stops after computing the pyproject changes and writes nothing.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..deps.collect import DependencySet, collect_dependencies, pyproject_changes_for
from ..deps.pyproject_update import DependencyChanges, generated_pyproject
from ..errors import Location, Nb2pkgError
from ..export_result import ExportResult
from ..export_stamp import remove_leftovers
from ..file_changes import Action, apply_file_changes
from ..fsio import check_all_writable, digest_bytes, read_text_exact, write_text_atomic
from ..gate import build_gate
from ..generate import generate
from ..project import load_project
from ..report import Diagnostic, Severity
from ..rollback import Snapshot
from ..staticmeta import SourceTree
from ..wheel import DEFAULT_BUILD_SYSTEM, BuildPlan, BuiltDistribution, plan_build, run_build

_WRITES = (Action.WRITE, Action.CREATE, Action.IDS)
_REMOVES = (Action.REMOVE, Action.REMOVE_INIT)


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the export, the dependencies, the pyproject edit, the files built."""

    export: ExportResult
    dependencies: DependencySet
    changes: DependencyChanges | None  # None for nbdev 2 projects (pyproject generated)
    pyproject_written: bool
    distributions: tuple[BuiltDistribution, ...]
    notes: tuple[Diagnostic, ...]

    def report(self) -> list[str]:
        """Return the lines the CLI prints: export, dependency changes, built files."""
        lines = [self.export.summary()]
        changes = self.changes
        verb = "added to" if self.pyproject_written else "would add to"
        if changes is not None and changes.added:
            lines.append(f"pyproject.toml: {verb} dependencies: {', '.join(changes.added)}")
        for extra, added in sorted((changes.added_optional if changes else {}).items()):
            if added:
                lines.append(
                    f"pyproject.toml: {verb} optional-dependencies.{extra}: {', '.join(added)}"
                )
        if changes is not None and changes.build_system_added:
            lines.append(f"pyproject.toml: {verb} [build-system] (flit_core)")
        if changes is not None and not changes.changed:
            lines.append("pyproject.toml: dependencies up to date")
        for built in self.distributions:
            lines.append(f"built {built.path.name} ({_size(built.size)})")
        return lines


def build_project(
    path: Path | None = None,
    *,
    outdir: Path | None = None,
    sdist: bool = False,
    check_only: bool = False,
    allow_unresolved: bool = False,
    check: bool = True,
    discard_edits: bool = False,
) -> BuildResult:
    """Build the project at *path*; with *check_only*, only say what would change."""
    started = time.time()
    project = load_project(path)
    config = project.config
    export = generate(project, check=check, discard_edits=discard_edits)
    if check:
        build_gate(export.warnings)  # also refuse what breaks only when the code runs
    dependencies = collect_dependencies(project, export.modules, allow_unresolved=allow_unresolved)
    pyproject_path = config.root / "pyproject.toml"
    current = read_text_exact(pyproject_path) if config.source != "nbdev2" else None
    changes = pyproject_changes_for(project, dependencies, current)
    notes = list(dependencies.unresolved) + _unused_notes(changes) + _bom_notes(current)
    if check_only:
        return BuildResult(export, dependencies, changes, False, (), tuple(notes))
    text = changes.text if changes is not None else _nbdev2_pyproject(config, dependencies)
    pending = changes is not None and changes.changed
    planned = _planned_files(export)
    plan = plan_build(
        config.root,
        outdir=outdir or config.root / "dist",
        pyproject_text=text,
        sdist=sdist,
        package=config.package,
        tree=SourceTree(config.root, planned),
        metadata_from="settings.ini" if changes is None else "pyproject.toml",
    )
    pyproject = None
    if pending and current is not None:
        planned[pyproject_path] = text
        pyproject = (text, digest_bytes(current.encode("utf-8")))  # guards the write
    check_all_writable(planned, root=config.root)
    # Nothing can refuse the build any more: from here on, files are written.
    built = _write_and_build(config, export, plan, planned, pyproject, started)
    if export.cache is not None:
        export.cache.save()
    export = dataclasses.replace(export, written=True)
    return BuildResult(export, dependencies, changes, pending, tuple(built), tuple(notes))


def _planned_files(export: ExportResult) -> dict[Path, str | None]:
    """Return the files the export will write (their text) or remove (None)."""
    planned: dict[Path, str | None] = {}
    for change in export.changes:
        if change.action in _WRITES and change.text is not None:
            planned[change.path] = change.text
        elif change.action in _REMOVES:
            planned[change.path] = None
    return planned


def _write_and_build(
    config: Config,
    export: ExportResult,
    plan: BuildPlan,
    planned: dict[Path, str | None],
    pyproject: tuple[str, str] | None,
    started: float,
) -> list[BuiltDistribution]:
    """Write the export (and the pyproject: text, digest as read), build; on failure undo."""
    snapshot = Snapshot(config.root, planned)
    remove_leftovers(config, started)
    try:
        apply_file_changes(export.changes, config.root)
        if pyproject is not None:
            _write_pyproject(config, pyproject)
        built = run_build(plan)  # publishing the wheel in dist/ is its last step
    except BaseException as exc:
        changed_again = snapshot.restore()
        if changed_again and isinstance(exc, Nb2pkgError):
            names = ", ".join(config.relative(p) for p in changed_again)
            exc.message += f" (changed again while building, so left as they are: {names})"
        raise
    return built


def _write_pyproject(config: Config, pyproject: tuple[str, str]) -> None:
    text, expect = pyproject  # refused if the file changed since it was read
    write_text_atomic(config.root / "pyproject.toml", text, root=config.root, expect=expect)


def _nbdev2_pyproject(config: Config, dependencies: DependencySet) -> str:
    settings = dict(config.raw.get("settings", {}))
    return generated_pyproject(
        settings,
        dependencies.required,
        {config.optional_extra: dependencies.optional} if dependencies.optional else {},
        DEFAULT_BUILD_SYSTEM,
        readme=(config.root / "README.md").is_file(),
        package=config.package,
    )


def _unused_notes(changes: DependencyChanges | None) -> list[Diagnostic]:
    if changes is None or not changes.unused:
        return []
    return [
        Diagnostic(
            "NB802",
            Severity.NOTE,
            f"declared but imported by no exported cell: {', '.join(changes.unused)} "
            "(kept; it may be a plugin or a runtime-only dependency)",
        )
    ]


def _bom_notes(pyproject: str | None) -> list[Diagnostic]:
    """Say that pip cannot read a pyproject.toml that starts with a byte order mark."""
    if pyproject is None or not pyproject.startswith("\ufeff"):
        return []
    return [
        Diagnostic(
            "NB803",
            Severity.NOTE,
            "pyproject.toml starts with a byte order mark: nb2pkg reads past it (and keeps it), "
            "but pip and most build tools refuse the file; save it as UTF-8 without the mark",
            Location("pyproject.toml", line=1),
        )
    ]


def _size(size: int) -> str:
    return f"{size / 1024:.1f} kB" if size >= 1024 else f"{size} B"
