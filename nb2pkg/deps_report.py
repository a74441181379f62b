"""``nb2pkg deps``: the table of detected dependencies, and ``--why`` for one of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .dependencies import collect_dependencies
from .deps import Dependency
from .export import export_project
from .project import load_project


@dataclass(frozen=True)
class DependencyTable:
    """What ``nb2pkg deps`` prints, and its exit code."""

    text: str
    exit_code: int


def dependency_table(
    path: Path | None = None, *, why: str | None = None, allow_unresolved: bool = False
) -> DependencyTable:
    """Return the dependency table of the project at *path* (or the story of one import)."""
    project = load_project(path)
    export = export_project(project=project, dry_run=True, check=False)
    found = collect_dependencies(project, export.modules, allow_unresolved=allow_unresolved)
    if why is not None:
        matches = found.explain(why)
        if not matches:
            return DependencyTable(f'no exported code imports "{why}"', 1)
        return DependencyTable("\n\n".join(_story(d) for d in matches), 0)
    rows = [("import", "kind", "distribution", "reason", "used in")]
    for dependency in found.dependencies:
        rows.append(
            (
                dependency.import_name,
                dependency.kind + (" (optional)" if dependency.optional else ""),
                dependency.requirement or "-",
                dependency.reason,
                _places(dependency),
            )
        )
    lines = _columns(rows)
    lines += [str(w) for w in found.unresolved]
    lines.append(
        f"{len(found.dependencies)} imports; requires: {', '.join(found.required) or 'nothing'}"
    )
    if found.optional:
        lines.append(f"optional [{project.config.optional_extra}]: {', '.join(found.optional)}")
    return DependencyTable("\n".join(lines), 0)


def _places(dependency: Dependency) -> str:
    first = dependency.used_in[0] if dependency.used_in else None
    if first is None:
        return ""
    more = len(dependency.used_in) - 1
    return f"{first}" + (f" (+{more} more)" if more else "")


def _story(dependency: Dependency) -> str:
    lines = [
        f"{dependency.import_name}: {dependency.kind}"
        + (" (optional)" if dependency.optional else ""),
        f"  distribution: {dependency.requirement or 'none needed'}",
        f"  why: {dependency.reason}",
        "  used in:",
    ]
    lines += [f"    {place}" for place in dependency.used_in]
    return "\n".join(lines)


def _columns(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [min(max(len(row[i]) for row in rows), 60) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]
        for row in rows
    ]
