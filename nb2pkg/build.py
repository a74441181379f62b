"""``nb2pkg build``: export, detected dependencies into pyproject.toml, then a wheel.

    export = generate(...)                            # modules planned (refused if broken)
    build_gate(...)                                   # refuse code that breaks when it runs
    dependencies = collect_dependencies(...)          # every import, classified, with reasons
    changes = pyproject_changes(...)                  # insert-only edit of the user's file
    write pyproject.toml                              # atomic; nbdev 2: generated in memory
    build_wheel(...)                                  # flit_core in-process, reproducible

``--check`` stops after computing the pyproject changes and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .dependencies import DependencySet, collect_dependencies, pyproject_changes_for
from .errors import Location
from .fsio import write_text_atomic
from .gate import build_gate
from .generate import ExportResult, generate, write_export
from .project import load_project
from .pyproject import DependencyChanges, generated_pyproject
from .report import Diagnostic
from .wheel import DEFAULT_BUILD_SYSTEM, BuiltDistribution, build_wheel


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
    project = load_project(path)
    config = project.config
    export = generate(project, check=check, discard_edits=discard_edits, written=not check_only)
    if check:
        build_gate(export.warnings)  # also refuse what breaks only when the code runs
    dependencies = collect_dependencies(project, export.modules, allow_unresolved=allow_unresolved)
    changes = pyproject_changes_for(project, dependencies)
    notes = list(dependencies.unresolved) + _unused_notes(changes) + _bom_notes(config)
    if check_only:
        return BuildResult(export, dependencies, changes, False, (), tuple(notes))
    write_export(export)  # nothing refused up to here: the modules the wheel is built from
    text = changes.text if changes is not None else _nbdev2_pyproject(config, dependencies)
    pending = changes is not None and changes.changed
    in_memory = changes is None or _flit_builds(changes.text)
    if pending and not in_memory:
        _write_pyproject(config, text)  # another backend reads the file from disk
    built = build_wheel(
        config.root,
        outdir=outdir or config.root / "dist",
        pyproject_text=text if in_memory else None,
        sdist=sdist,
        package=config.package,
    )
    if pending and in_memory:
        _write_pyproject(config, text)  # only once the wheel built from it
    return BuildResult(export, dependencies, changes, pending, tuple(built), tuple(notes))


def _flit_builds(text: str) -> bool:
    """Tell whether *text* builds with flit_core, which nb2pkg can drive from memory."""
    from .wheel import FLIT_BACKEND, backend_of

    return backend_of(text) == FLIT_BACKEND


def _write_pyproject(config: Config, text: str) -> None:
    write_text_atomic(config.root / "pyproject.toml", text, root=config.root)


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
            "note",
            f"declared but imported by no exported cell: {', '.join(changes.unused)} "
            "(kept; it may be a plugin or a runtime-only dependency)",
        )
    ]


def _bom_notes(config: Config) -> list[Diagnostic]:
    """Say that pip cannot read a pyproject.toml that starts with a byte order mark."""
    path = config.root / "pyproject.toml"
    if config.source == "nbdev2" or not path.is_file():
        return []
    with path.open("rb") as stream:
        if stream.read(3) != b"\xef\xbb\xbf":
            return []
    return [
        Diagnostic(
            "NB803",
            "note",
            "pyproject.toml starts with a byte order mark: nb2pkg reads past it (and keeps it), "
            "but pip and most build tools refuse the file; save it as UTF-8 without the mark",
            Location("pyproject.toml", line=1),
        )
    ]


def _size(size: int) -> str:
    return f"{size / 1024:.1f} kB" if size >= 1024 else f"{size} B"
