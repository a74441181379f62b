"""``nb2pkg deps``: the table of detected dependencies, and ``--why`` for one of them.

The table always lists every import of the exported code. An import that nothing
resolves is a row marked ``UNRESOLVED`` (with the fix printed below the table) and makes
the exit code 1, unless ``--allow-unresolved`` says that is expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..deps.classify import Dependency
from ..deps.collect import DependencySet, collect_dependencies
from ..exit_codes import ExitCode
from ..generate import generate
from ..project import load_project

UNRESOLVED = "UNRESOLVED"


@dataclass(frozen=True)
class DependencyTable:
    """What ``nb2pkg deps`` prints, and its exit code."""

    text: str
    exit_code: ExitCode


def dependency_table(
    path: Path | None = None,
    *,
    why: str | None = None,
    allow_unresolved: bool = False,
    quiet: bool = False,
    verbose: bool = False,
) -> DependencyTable:
    """Return the dependency table of the project at *path* (or the story of one import).

    *quiet* keeps only the imports nothing resolves (and their fixes); *verbose* lists every
    place an import is used instead of the first one.
    """
    project = load_project(path)
    # deps writes nothing: a module holding unsynced edits does not stop it (export and
    # build say so when they would write); the table is that of the notebooks' code.
    export = generate(project, check=False, discard_edits=True)
    found = collect_dependencies(
        project, export.modules, allow_unresolved=allow_unresolved, list_unresolved=True
    )
    failed = ExitCode.found_if(found.unresolved and not allow_unresolved)
    if why is not None:
        return _why(found, why)
    if quiet:
        return DependencyTable("\n".join(str(w) for w in found.unresolved), failed)
    rows = [("import", "kind", "distribution", "reason", "used in")]
    for dependency in found.dependencies:
        places = dependency.used_in if verbose else [_places(dependency)]
        rows.append(
            (
                dependency.import_name,
                dependency.kind + (" (optional)" if dependency.optional else ""),
                UNRESOLVED if dependency.unresolved else dependency.requirement or "-",
                (
                    "nothing says which distribution provides it (see below)"
                    if dependency.unresolved
                    else dependency.reason
                ),
                str(places[0]) if places else "",
            )
        )
        rows += [("", "", "", "", str(place)) for place in places[1:]]
    lines = _columns(rows)
    lines += [str(w) for w in found.unresolved]
    summary = (
        f"{len(found.dependencies)} imports; requires: {', '.join(found.required) or 'nothing'}"
    )
    if found.optional:
        summary += f"; optional [{project.config.optional_extra}]: {', '.join(found.optional)}"
    unresolved = sum(d.unresolved for d in found.dependencies)
    if unresolved:
        summary += f"; {unresolved} unresolved"
    lines.append(summary)
    return DependencyTable("\n".join(lines), failed)


def _why(found: DependencySet, name: str) -> DependencyTable:
    """Tell the story of one import or distribution, whatever it is."""
    matches = found.explain(name)
    if matches:
        stories = "\n\n".join(_story(d) for d in matches)
        return DependencyTable(stories, ExitCode.found_if(any(d.unresolved for d in matches)))
    requirement = found.declared.requirements.get(_canonical(name))
    if requirement is not None:
        return DependencyTable(
            f'no exported code imports "{name}"; it is declared in {found.declared.where} '
            f"as {requirement!r} and kept there (nb2pkg never removes a declared dependency: "
            "it may be a plugin or needed only at run time)",
            ExitCode.OK,
        )
    return DependencyTable(f'no exported code imports "{name}"', ExitCode.FOUND)


def _canonical(name: str) -> str:
    from ..deps.distributions import canonical_name

    return canonical_name(name)


def _places(dependency: Dependency) -> str:
    first = dependency.used_in[0] if dependency.used_in else None
    if first is None:
        return ""
    more = len(dependency.used_in) - 1
    return f"{first}" + (f" (+{more} more)" if more else "")


def _story(dependency: Dependency) -> str:
    distribution = dependency.requirement or "none needed"
    if dependency.unresolved:
        distribution = f"{UNRESOLVED} (nothing says which distribution provides it)"
    lines = [
        f"{dependency.import_name}: {dependency.kind}"
        + (" (optional)" if dependency.optional else ""),
        f"  distribution: {distribution}",
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
