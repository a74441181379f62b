"""Say which distribution each import in exported code needs, and why.

Used by ``nb2pkg build`` and ``nb2pkg deps`` after ``find_imports`` (in
``nb2pkg.deps.scan``, re-exported here) has listed the imports:

``classify(found, ...)``
    first-party (the project's package, or relative), stdlib (on *every* Python the
    project supports, from the shipped lists in ``nb2pkg.stdlib``), or third-party with
    a distribution found in this order: the user's ``[tool.nb2pkg.dependency-map]``;
    the requirements the project already declares (``Declared``: a requirement whose
    normalised name is the import's, one the curated table names for it, or one whose
    installed files provide it), so a declared dependency resolves where it is not
    installed, as in CI; the installed distributions' metadata (namespace packages such
    as ``google`` are settled by the distributions' file lists); then nb2pkg's tables in
    ``nb2pkg.deps.distributions``. Nothing is guessed and no package index is asked: an import
    nothing resolves is a ``DependencyError`` that names the config line to add.
    A module that is stdlib on only some supported Pythons gets a PEP 508 marker for the
    others (``setuptools; python_version >= "3.12"`` for ``distutils``), or is an error
    when nothing provides it there and the import is not optional. An import that runs
    only under ``TYPE_CHECKING``, or only as a fallback no supported Python reaches,
    needs no distribution. A fallback in an ``except ImportError:`` handler is never a
    hard dependency for its own sake: it is needed only where a guarded module that is
    standard library on some supported Pythons is missing (``tomli`` for ``tomllib``),
    or when it imports the same distribution as the guarded import (``from yaml import
    CLoader`` / ``from yaml import Loader``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ..errors import DependencyError, Location
from ..stdlib import (
    Version,
    describe_versions,
    python_version_marker,
    stdlib_versions,
    supported_versions,
    version_text,
)
from .distributions import (
    CURATED,
    STDLIB_HINTS,
    STDLIB_REPLACEMENTS,
    Installed,
    Matches,
    canonical_name,
    installed_distributions,
    installed_matches,
    table_matches,
)
from .scan import FoundImport, find_imports

__all__ = ["Declared", "Dependency", "FoundImport", "Kind", "classify", "find_imports"]

Kind = Literal["first-party", "stdlib", "third-party"]


@dataclass(frozen=True)
class Dependency:
    """What one import needs, and why: the answer behind ``nb2pkg deps --why``.

    A third-party dependency with ``distribution=None`` needs nothing installed (it only
    runs under ``TYPE_CHECKING``, or as a fallback that no supported Python reaches).
    """

    import_name: str
    kind: Kind
    distribution: str | None
    reason: str
    marker: str | None = None
    optional: bool = False
    used_in: tuple[Location, ...] = ()
    unresolved: bool = False  # nothing says which distribution provides it (reason says why)

    @property
    def requirement(self) -> str | None:
        """Return the PEP 508 requirement for pyproject, e.g. ``PyYAML`` (None if none)."""
        if self.distribution is None:
            return None
        return f"{self.distribution}; {self.marker}" if self.marker else self.distribution


@dataclass(frozen=True)
class Declared:
    """The requirements a project declares, by canonical name, and where (for reasons)."""

    requirements: Mapping[str, str]  # canonical distribution name -> requirement as written
    where: str = "pyproject.toml"

    @classmethod
    def of(cls, requirements: Sequence[str], where: str = "pyproject.toml") -> Declared:
        """Index *requirements* (PEP 508 strings) by their canonical names."""
        found: dict[str, str] = {}
        for requirement in requirements:
            match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
            if match:
                found.setdefault(canonical_name(match.group(1)), requirement.strip())
        return cls(found, where)

    def name_of(self, distribution: str) -> str | None:
        """Return the distribution's name as the project writes it, if it is declared."""
        requirement = self.requirements.get(canonical_name(distribution))
        if requirement is None:
            return None
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        return match.group(1) if match else distribution


NOTHING_DECLARED = Declared({})


def classify(
    found: FoundImport,
    *,
    package: str,
    requires_python: str | None,
    dependency_map: Mapping[str, str],
    where: Location | None = None,
    installed: Installed | None = None,
    declared: Declared = NOTHING_DECLARED,
) -> Dependency:
    """Say what ``found`` needs on the Pythons that ``requires_python`` admits, and why.

    ``where`` locates the scanned code (a notebook cell) for the ``DependencyError``
    raised when the import cannot be resolved; the import's own line and column are
    filled in when it has none. ``installed`` defaults to the running environment;
    ``declared`` holds the project's own requirements, consulted before it. A
    ``requires_python`` that does not parse, or admits no Python from 3.8 to 3.14, is a
    ``ConfigError``.
    """
    name = "." * found.level + found.module
    if found.level or found.module == package or found.module.startswith(package + "."):
        why = "relative import" if found.level else f"the project's own package {package!r}"
        return Dependency(name, "first-party", None, why, optional=found.optional)
    supported = supported_versions(requires_python)
    on = [v for v in supported if v in stdlib_versions(found.top)]
    if on == list(supported):
        why = f"stdlib on every supported Python ({describe_versions(supported, supported)})"
        return Dependency(name, "stdlib", None, why, optional=found.optional)
    kind: Kind = "stdlib" if on else "third-party"
    if found.type_checking:
        why = "imported only under TYPE_CHECKING, so not needed at run time"
        return Dependency(name, kind, None, why, optional=found.optional)
    needed = _needed_versions(found, supported, on)
    if not needed:
        return Dependency(
            name, kind, None, _never_needed(found, supported), optional=found.optional
        )
    resolved = _resolve(
        found, dependency_map, installed or installed_distributions(), where, declared
    )
    if resolved is None and on and found.optional:
        why = (
            f"stdlib on Python {describe_versions(on, supported)}; elsewhere the import is "
            "optional (inside try/except ImportError)"
        )
        return Dependency(name, "stdlib", None, why, optional=True)
    if resolved is None:
        raise DependencyError(
            _unresolved_message(found, requires_python, supported, on, needed, installed),
            _locate(where, found),
        )
    distribution, why = resolved
    marker = None
    if len(needed) < len(supported):
        marker = python_version_marker(needed, supported)
        missing = f"where {found.top!r} is not stdlib" if on else "where the guarded import fails"
        why += f"; needed only on Python {describe_versions(needed, supported)}, {missing}"
    return Dependency(name, "third-party", distribution, why, marker, found.optional)


def _needed_versions(
    found: FoundImport, supported: Sequence[Version], on: Sequence[Version]
) -> list[Version]:
    """Return the supported versions where the import runs and is not stdlib."""
    reached = set(supported)
    if found.fallback_for:
        # The handler runs where a guarded import fails. It needs a distribution only where
        # a guarded module that is stdlib on some supported Python is missing, or where it
        # imports the guarded distribution itself; a fallback for another distribution
        # stands in for it, and nb2pkg declares the guarded import instead.
        guards = [
            g for g in found.fallback_for if g == found.top or _stdlib_somewhere(g, supported)
        ]
        reached = {v for v in supported for g in guards if v not in stdlib_versions(g)}
    return [v for v in supported if v not in on and v in reached]


def _stdlib_somewhere(module: str, supported: Sequence[Version]) -> bool:
    return any(v in stdlib_versions(module) for v in supported)


def _never_needed(found: FoundImport, supported: Sequence[Version]) -> str:
    """Explain why a fallback import needs no distribution."""
    everywhere = [g for g in found.fallback_for if _stdlib_somewhere(g, supported)]
    if everywhere:
        guards = ", ".join(repr(g) for g in everywhere)
        return f"fallback for {guards}, which every supported Python has: never needed"
    guards = ", ".join(repr(g) for g in found.fallback_for)
    return (
        f"fallback for {guards}: it runs only where that import fails, and nb2pkg declares "
        "the guarded import instead (a fallback is never a hard dependency)"
    )


def _locate(where: Location | None, found: FoundImport) -> Location | None:
    """Return ``where`` with the import's line and column, unless it has a line already."""
    if where is None or where.line is not None:
        return where
    return replace(where, line=found.line, column=found.column)


def _paths(found: FoundImport) -> list[str]:
    """Return the dotted paths that identify the import: ``a.b`` and ``a.b.name``s."""
    names = [n for n in found.names if n != "*"]
    return [f"{found.module}.{n}" for n in names] or [found.module]


def _resolve(
    found: FoundImport,
    dependency_map: Mapping[str, str],
    installed: Installed,
    where: Location | None,
    declared: Declared = NOTHING_DECLARED,
) -> tuple[str, str] | None:
    """Return ``(distribution, reason)`` from the first source that knows the import."""
    paths = _paths(found)
    replacement = STDLIB_REPLACEMENTS.get(found.top)
    in_file = f"declared in {declared.where} ({{requirement!r}})"
    sources: list[tuple[Callable[[], Matches], str]] = [
        (
            lambda: table_matches(dependency_map, paths),
            'from [tool.nb2pkg.dependency-map] ({toml_key} = "{dist}")',
        ),
        (
            lambda: _declared_by_name(paths, declared),
            in_file + ": the import name {key!r} is the distribution's name",
        ),
        (
            lambda: _declared(table_matches(CURATED, paths), declared),
            in_file + ": nb2pkg's curated table says it provides {key!r}",
        ),
        (
            lambda: _declared(installed_matches(found.top, paths, installed), declared),
            in_file + ": its installed files provide {key!r}",
        ),
        (
            lambda: installed_matches(found.top, paths, installed),
            "installed distribution {dist!r} provides {key!r}",
        ),
        (
            lambda: [(found.top, replacement)] if replacement else [],
            "{dist!r} provides {key!r} (nb2pkg's table of standard-library replacements)",
        ),
        (lambda: table_matches(CURATED, paths), "curated: {key!r} is provided by {dist!r}"),
    ]
    for matches, reason in sources:
        offered = matches()
        if len(offered) > 1:
            several = ", ".join(repr(dist) for _, dist in offered)
            raise DependencyError(
                f"'from {found.module} import {', '.join(found.names)}' needs several "
                f"distributions ({several}); import from each in its own statement",
                _locate(where, found),
            )
        if offered:
            key, dist = offered[0]
            requirement = declared.requirements.get(canonical_name(dist), dist)
            text = reason.format(
                key=key, dist=dist, toml_key=_toml_key(key), requirement=requirement
            )
            return dist, text
    return None


def _declared_by_name(paths: Sequence[str], declared: Declared) -> Matches:
    """Match declared requirements whose normalised name is the import's (or a prefix's)."""
    matches: dict[str, tuple[str, str]] = {}
    for path in paths:
        parts = path.split(".")
        for size in range(len(parts), 0, -1):
            key = ".".join(parts[:size])
            name = declared.name_of(key)
            if name is not None:
                matches.setdefault(canonical_name(name), (key, name))
                break
    return list(matches.values())


def _declared(offered: Matches, declared: Declared) -> Matches:
    """Keep the matches whose distribution the project declares, named as it writes them."""
    kept = []
    for key, dist in offered:
        name = declared.name_of(dist)
        if name is not None:
            kept.append((key, name))
    return kept


def _unresolved_message(
    found: FoundImport,
    requires_python: str | None,
    supported: Sequence[Version],
    on: Sequence[Version],
    needed: Sequence[Version],
    installed: Installed | None,
) -> str:
    """Explain an import that nothing resolves, and how to fix it."""
    if on:
        spec = requires_python or "(any)"
        hint = STDLIB_HINTS.get(found.top, "make the import optional with try/except ImportError")
        return (
            f"{found.top!r} is in the standard library only on Python "
            f"{describe_versions(on, supported)}, but requires-python {spec!r} also admits "
            f"{describe_versions(needed, supported)}, where it is missing and no distribution "
            f"is known to provide it: {hint}, {_narrowing(on, supported)}, or name a "
            f'distribution under [tool.nb2pkg.dependency-map] ({found.top} = "...")'
        )
    providers = sorted(set((installed or installed_distributions()).providers.get(found.top, ())))
    key, several = found.top, ""
    if len(providers) > 1:
        key = _paths(found)[0]
        several = f" (installed distributions providing {found.top!r}: {', '.join(providers)})"
    return (
        f"cannot tell which distribution provides {found.module!r}{several}: nb2pkg does "
        "not guess from the import name. Name it in pyproject.toml under "
        f'[tool.nb2pkg.dependency-map], e.g. {_toml_key(key)} = "distribution-name", or '
        "install it in this environment and build again"
    )


def _toml_key(key: str) -> str:
    """Return ``key`` as written on the left of a TOML ``=`` (dotted names need quotes)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _narrowing(on: Sequence[Version], supported: Sequence[Version]) -> str:
    """Suggest a requires-python that keeps only the versions that have the module."""
    if on[0] == supported[0]:
        after = (on[-1][0], on[-1][1] + 1)
        return f"add '<{version_text(after)}' to requires-python"
    return f"raise requires-python to '>={version_text(on[0])}'"
