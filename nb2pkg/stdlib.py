"""Know which top-level modules are in the standard library of each Python 3.8-3.14.

The lists are data files in ``nb2pkg/data/stdlib/`` (one per minor version), generated
from real interpreters by ``tools/make_stdlib_lists.py``. Using shipped lists instead of
the running interpreter's ``sys.stdlib_module_names`` matters: a project is built with
one Python but must install on every Python it supports, and modules come and go
(``tomllib`` arrived in 3.11, ``distutils`` left in 3.12, ``cgi`` in 3.13).

Also here: the supported versions of a ``requires-python`` specifier, and version sets
rendered for people ("3.10–3.14") and for PEP 508 markers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from .errors import ConfigError

Version = tuple[int, int]

#: Every minor version nb2pkg has a list for, oldest first.
KNOWN_VERSIONS: tuple[Version, ...] = tuple((3, minor) for minor in range(8, 15))

#: Patch levels tried when deciding whether a minor version satisfies a specifier.
_PATCHES = range(100)


def stdlib_versions(top_level_name: str) -> frozenset[Version]:
    """Return the versions among 3.8-3.14 whose standard library has ``top_level_name``.

    Only the first component of a dotted name is looked at (``os.path`` is ``os``).
    Private modules (``_thread``) count like any other.
    """
    top = top_level_name.partition(".")[0]
    return _by_module().get(top, frozenset())


def version_text(version: Version) -> str:
    """Return ``(3, 10)`` as ``"3.10"``."""
    return f"{version[0]}.{version[1]}"


def supported_versions(requires_python: str | None) -> tuple[Version, ...]:
    """Return the known minor versions (3.8-3.14) that ``requires_python`` admits, in order.

    A minor version counts when any of its releases satisfies the specifier, so
    ``>3.10`` admits 3.10 (3.10.1 is fine) and ``!=3.11.*`` leaves 3.11 out. ``None`` or
    an empty string means every known version. Raises ``ConfigError`` for a specifier
    that does not parse or admits none of the known versions.
    """
    return _supported_versions((requires_python or "").strip())


def runs(versions: Iterable[Version], within: Iterable[Version]) -> list[list[Version]]:
    """Split ``versions`` into runs that are consecutive in the ordered ``within``."""
    chosen = set(versions)
    result: list[list[Version]] = []
    previous_in = False
    for version in sorted(within):
        if version in chosen:
            if previous_in:
                result[-1].append(version)
            else:
                result.append([version])
        previous_in = version in chosen
    return result


def describe_versions(versions: Iterable[Version], within: Iterable[Version]) -> str:
    """Return versions for people: ``"3.10–3.14"``, ``"3.8, 3.12–3.13"``."""
    parts = []
    for run in runs(versions, within):
        first, last = version_text(run[0]), version_text(run[-1])
        parts.append(first if first == last else f"{first}–{last}")
    return ", ".join(parts)


def python_version_marker(versions: Iterable[Version], within: Iterable[Version]) -> str:
    """Return a PEP 508 marker true on ``versions`` and false on the rest of ``within``.

    Bounds that ``within`` (the project's supported versions) already implies are left
    out, so ``{3.12, 3.13, 3.14}`` within 3.10-3.14 gives ``python_version >= "3.12"``.
    """
    ordered = sorted(within)
    clauses = []
    for run in runs(versions, ordered):
        bounds = []
        if run[0] != ordered[0]:
            bounds.append(f'python_version >= "{version_text(run[0])}"')
        if run[-1] != ordered[-1]:
            after = (run[-1][0], run[-1][1] + 1)
            bounds.append(f'python_version < "{version_text(after)}"')
        clauses.append(" and ".join(bounds))
    if not clauses or not all(clauses):
        raise ValueError("a marker needs some, but not all, of the supported versions")
    if len(clauses) > 1:
        clauses = [f"({c})" if " and " in c else c for c in clauses]
    return " or ".join(clauses)


@cache
def _by_module() -> Mapping[str, frozenset[Version]]:
    """Load every list once and index it by module name."""
    found: dict[str, set[Version]] = {}
    for version in KNOWN_VERSIONS:
        for name in _load_list(version):
            found.setdefault(name, set()).add(version)
    return {name: frozenset(versions) for name, versions in found.items()}


def _load_list(version: Version) -> list[str]:
    """Read the module names of one version's data file."""
    from importlib import resources  # it imports tempfile, pathlib, ...: only when needed

    path = resources.files("nb2pkg") / "data" / "stdlib" / f"{version_text(version)}.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@cache
def _supported_versions(requires_python: str) -> tuple[Version, ...]:
    """Evaluate a stripped ``requires-python`` against every known minor version."""
    if not requires_python:
        return KNOWN_VERSIONS
    # packaging comes with black, one of nb2pkg's own dependencies; imported here so
    # that importing nb2pkg stays cheap.
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier as exc:
        raise ConfigError(
            f"requires-python {requires_python!r} is not a valid version specifier ({exc}); "
            'write it like ">=3.10" or ">=3.9,<3.13"'
        ) from None
    admitted = tuple(
        version
        for version in KNOWN_VERSIONS
        if any(spec.contains(f"{version_text(version)}.{patch}") for patch in _PATCHES)
    )
    if not admitted:
        known = describe_versions(KNOWN_VERSIONS, KNOWN_VERSIONS)
        raise ConfigError(
            f"requires-python {requires_python!r} admits none of the Python versions "
            f'nb2pkg knows ({known}); widen it, e.g. to ">=3.10"'
        )
    return admitted
