"""Add detected dependencies to the user's pyproject.toml, inserting and never rewriting.

``update_pyproject`` works on text: ``nb2pkg.toml_text`` finds where arrays and tables
sit, the additions are planned here from the parsed data, and every change is expressed
as an insertion. Nothing the user wrote is removed, re-pinned, re-quoted or re-ordered.

Where new text goes (``nb2pkg.toml_text`` says how arrays are extended):

* new entries go into ``dependencies`` or the extra's array, sorted; an empty one-line
  array (``dependencies = []``, as the template writes) is opened up into a multi-line one.
* a missing ``dependencies`` key or extra goes after the last key of its table; a missing
  ``[project.optional-dependencies]`` table after the ``[project]`` keys.
* a missing ``[build-system]`` goes above the first table (and above the comment lines
  that sit right on top of it), where the packaging guides and most tools put it.
* the file's own bytes stay: CRLF or LF, its indent unit, a byte order mark, a missing
  final newline (the caller reads the file with ``fsio.read_text_exact``).

A distribution counts as declared when an entry with the same canonical name (PEP 503)
exists, whatever its pin, extras or marker. An optional one also counts as declared when
it is in ``dependencies`` or in any extra: a user who filed it under their own extra
meant it. ``dynamic = ["dependencies"]`` is an error when something must be added: the
backend computes that list, nb2pkg cannot add to it, and skipping it would build wheels
that fail on import.

The result is checked before it is returned: it must parse to the old data plus exactly
the additions, and the old text must survive in it (every old line, in order, except a
one-line array's line, which may only have grown). A failed check is a bug: RuntimeError.

``generated_pyproject`` writes a whole PEP 621 pyproject.toml from an nbdev 2
``settings.ini``, for building projects that have none of their own.
"""

from __future__ import annotations

import copy
import importlib
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..config import Config
from ..config_keys import BOM
from ..errors import ConfigError, Location
from ..toml_text import Editor, Layout, Scanner, verify
from ..tomlread import loads

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_OPTIONAL = ("project", "optional-dependencies")


@dataclass(frozen=True)
class DependencyChanges:
    """What ``update_pyproject`` added, what it noticed, and the new text."""

    added: tuple[str, ...]
    added_optional: dict[str, tuple[str, ...]]
    build_system_added: bool
    unused: tuple[str, ...]  # declared, but no detected import needs them (plugins, ...)
    text: str
    changed: bool


def canonical_name(name: str) -> str:
    """Return the PEP 503 form of a distribution name: lower case, ``-`` for ``-_.`` runs."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str | None:
    """Return the canonical distribution name a PEP 508 requirement string starts with."""
    match = _NAME.match(requirement)
    return canonical_name(match.group(1)) if match else None


def declared_requirements(config: Config) -> list[str]:
    """Return every requirement the project declares, hard and optional.

    ``[project] dependencies`` and ``optional-dependencies``; for an nbdev 2 project,
    settings.ini's ``requirements``, ``pip_requirements`` and ``dev_requirements``.
    """
    if config.source == "nbdev2":
        settings = config.raw.get("settings", {})
        keys = ("requirements", "pip_requirements", "dev_requirements")
        return [r for key in keys for r in _split(settings, key)]
    project = config.raw.get("project", {})
    if not isinstance(project, Mapping):
        return []
    found = [r for r in project.get("dependencies", []) if isinstance(r, str)]
    extras = project.get("optional-dependencies", {})
    if isinstance(extras, Mapping):
        for entries in extras.values():
            found += [r for r in entries if isinstance(r, str)] if isinstance(entries, list) else []
    return found


def update_pyproject(
    text: str,
    *,
    required: Sequence[str],
    optional: Mapping[str, Sequence[str]],
    default_build_system: Mapping[str, Any],
    where: str = "pyproject.toml",
) -> DependencyChanges:
    """Insert the detected requirements that *text* does not declare yet; return the result.

    *text* is the file's text exactly as it is on disk: its line endings, indentation and
    byte order mark are kept (a BOM is set aside for the edit and put back in front).
    """
    bom = BOM if text.startswith(BOM) else ""
    text = text[len(bom) :]
    data = _parse(text, where)
    layout = Scanner(text).scan()
    project = _project_table(data, layout, where)
    additions = _plan(project, required, optional)
    _refuse_dynamic(project, additions, layout, where)
    add_build_system = "build-system" not in data
    editor = Editor(text, layout)
    _insert_requirements(editor, additions, project)
    if add_build_system:
        editor.add_first_table(("build-system",), default_build_system)
    new_text = editor.apply()
    build_system = default_build_system if add_build_system else None
    expected = _expected(data, additions, editor.placed, build_system)
    verify(text, new_text, expected, editor.touched_lines(), name="pyproject.toml")
    return DependencyChanges(
        added=additions.required,
        added_optional=dict(additions.optional),
        build_system_added=add_build_system,
        unused=_unused(project, required, optional),
        text=bom + new_text,
        changed=new_text != text,
    )


# -- reading and planning ----------------------------------------------------------------


@dataclass(frozen=True)
class _Additions:
    required: tuple[str, ...]
    optional: dict[str, tuple[str, ...]]  # keyed by the extra's name as the file spells it


def _parse(text: str, where: str) -> dict[str, Any]:
    return loads(text, where)


def _project_table(data: Mapping[str, Any], layout: Layout, where: str) -> dict[str, Any]:
    project = data.get("project")
    if project is None:
        raise ConfigError(
            "has no [project] table, where nb2pkg lists the dependencies; add one, e.g. "
            '[project] name = "acme" version = "0.1.0" description = "..."',
            Location(where),
        )
    if not isinstance(project, dict) or layout.header(("project",)) is None:
        raise ConfigError(
            "nb2pkg can only add dependencies to a [project] table written with a "
            "`[project]` header line; rewrite it that way",
            Location(where),
        )
    deps = project.get("dependencies", [])
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise ConfigError(
            "[project] dependencies must be a list of requirement strings",
            Location(where, line=layout.line_of_key(("project", "dependencies"))),
        )
    extras = project.get("optional-dependencies", {})
    if not isinstance(extras, dict) or not all(
        isinstance(v, list) and all(isinstance(r, str) for r in v) for v in extras.values()
    ):
        raise ConfigError(
            "[project.optional-dependencies] must map extra names to lists of requirement "
            'strings, e.g. test = ["pytest"]',
            Location(where, line=layout.line_of_key(_OPTIONAL)),
        )
    return project


def _plan(
    project: Mapping[str, Any], required: Sequence[str], optional: Mapping[str, Sequence[str]]
) -> _Additions:
    extras: dict[str, list[str]] = project.get("optional-dependencies", {})
    taken = {requirement_name(r) for r in project.get("dependencies", [])}
    new_required = _new_entries(required, taken)
    taken |= {requirement_name(r) for r in new_required}
    taken |= {requirement_name(r) for reqs in extras.values() for r in reqs}
    spelled = {canonical_name(extra): extra for extra in extras}
    new_optional: dict[str, tuple[str, ...]] = {}
    for extra in sorted(optional):
        entries = _new_entries(optional[extra], taken)
        if entries:
            new_optional[spelled.get(canonical_name(extra), extra)] = entries
            taken |= {requirement_name(r) for r in entries}
    return _Additions(new_required, new_optional)


def _new_entries(requirements: Sequence[str], taken: set[str | None]) -> tuple[str, ...]:
    """Return one requirement per distribution not in *taken*, sorted by canonical name."""
    chosen: dict[str, str] = {}
    for requirement in requirements:
        name = requirement_name(requirement)
        if name is None:
            raise ValueError(f"not a requirement: {requirement!r}")
        if name not in taken:
            chosen.setdefault(name, requirement.strip())
    return tuple(chosen[name] for name in sorted(chosen))


def _unused(
    project: Mapping[str, Any], required: Sequence[str], optional: Mapping[str, Sequence[str]]
) -> tuple[str, ...]:
    """Return the declared hard dependencies that no detected import needs."""
    detected = {requirement_name(r) for r in required}
    detected |= {requirement_name(r) for entries in optional.values() for r in entries}
    declared: list[str] = project.get("dependencies", [])
    return tuple(e for e in declared if requirement_name(e) not in detected | {None})


def _refuse_dynamic(
    project: Mapping[str, Any], additions: _Additions, layout: Layout, where: str
) -> None:
    dynamic = project.get("dynamic", [])
    for key, needed in (
        ("dependencies", additions.required),
        ("optional-dependencies", additions.optional),
    ):
        if key in dynamic and needed:
            raise ConfigError(
                f'[project] lists "{key}" in `dynamic`, so the build backend computes it '
                f"and nb2pkg cannot add the imported distributions to it; remove it from "
                f"`dynamic` and write `{key} = ...` in [project] (your own entries are kept)",
                Location(where, line=layout.line_of_key(("project", "dynamic"))),
            )


# -- writing the additions --------------------------------------------------------------


def _insert_requirements(editor: Editor, additions: _Additions, project: Mapping[str, Any]) -> None:
    if additions.required:
        editor.add_entries(("project", "dependencies"), additions.required)
    extras = project.get("optional-dependencies")
    if extras is None and additions.optional:
        editor.add_arrays_table(_OPTIONAL, additions.optional, after=("project",))
        return
    for extra, entries in additions.optional.items():
        editor.add_entries((*_OPTIONAL, extra), entries)


# -- what the result must say -----------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


def _expected(
    data: Mapping[str, Any],
    additions: _Additions,
    placed: Mapping[tuple[str, ...], int],
    build_system: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Return *data* with the additions made, each at the index the editor chose."""
    expected = copy.deepcopy(dict(data))
    project = expected["project"]
    wanted: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        (("project", "dependencies"), additions.required),
        *(((*_OPTIONAL, extra), entries) for extra, entries in additions.optional.items()),
    ]
    for path, entries in wanted:
        if entries:
            table: dict[str, Any] = project
            for part in path[1:-1]:
                table = table.setdefault(part, {})
            array: list[str] = table.setdefault(path[-1], [])
            index = placed.get(path, len(array))
            array[index:index] = entries
    if build_system is not None:
        expected["build-system"] = _plain(build_system)
    return expected


# -- a pyproject.toml for nbdev 2 projects ----------------------------------------------

#: nbdev 2's ``license`` keys and their SPDX identifiers.
NBDEV_LICENSES = {
    "apache2": "Apache-2.0",
    "mit": "MIT",
    "gpl2": "GPL-2.0-only",
    "gpl3": "GPL-3.0-only",
    "bsd3": "BSD-3-Clause",
    "bsd2": "BSD-2-Clause",
}


def generated_pyproject(
    metadata: Mapping[str, Any],
    required: Sequence[str],
    optional: Mapping[str, Sequence[str]],
    build_system: Mapping[str, Any],
    *,
    readme: bool = False,
    package: str | None = None,
) -> str:
    """Return a PEP 621 pyproject.toml for an nbdev 2 project, from its settings.ini values.

    *readme* says whether README.md exists; *package* is the import name (default: the
    last part of ``lib_path``). Requirements from settings.ini come first, as written;
    detected ones not declared there follow, sorted.
    """
    import tomlkit

    name = str(metadata.get("lib_name", "")).strip()
    if not name:
        raise ConfigError("[DEFAULT] needs lib_name (the package's name)", Location("settings.ini"))
    doc = tomlkit.document()
    doc["build-system"] = _plain(build_system)
    project = tomlkit.table()
    for key, value in _project_fields(metadata, name, readme).items():
        project[key] = _inline_people(tomlkit, value) if key == "authors" else value
    declared = [*_split(metadata, "requirements"), *_split(metadata, "pip_requirements")]
    additions = _plan({"dependencies": declared}, required, {})
    project["dependencies"] = _multiline(tomlkit, [*declared, *additions.required])
    extras = _nbdev_extras(metadata, declared, optional)
    if extras:
        project["optional-dependencies"] = {k: _multiline(tomlkit, v) for k, v in extras.items()}
    if metadata.get("git_url"):
        project["urls"] = {"Repository": str(metadata["git_url"])}
    scripts = _console_scripts(str(metadata.get("console_scripts", "")))
    if scripts:
        project["scripts"] = scripts
    doc["project"] = project
    module = package or PurePosixPath(str(metadata.get("lib_path", name.replace("-", "_")))).name
    if module != name.replace("-", "_"):  # flit's default import name
        doc["tool"] = {"flit": {"module": {"name": module}}}
    text = tomlkit.dumps(doc)
    tomllib.loads(text)  # a generated file must at least parse
    return text


def _project_fields(metadata: Mapping[str, Any], name: str, readme: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": name}
    if metadata.get("version"):
        fields["version"] = str(metadata["version"])
    else:  # flit then reads __version__ from the package
        fields["dynamic"] = ["version"]
    fields["description"] = str(metadata.get("description", ""))
    if readme:
        fields["readme"] = "README.md"
    if metadata.get("min_python"):
        fields["requires-python"] = f">={metadata['min_python']}"
    if metadata.get("license"):
        fields["license"] = _license(str(metadata["license"]))
    person = {
        k: str(metadata[f])
        for k, f in (("name", "author"), ("email", "author_email"))
        if metadata.get(f)
    }
    if person:
        fields["authors"] = [person]
    keywords = _split(metadata, "keywords")
    if keywords:
        fields["keywords"] = keywords
    return fields


def _license(value: str) -> str | dict[str, str]:
    """Return an SPDX expression when *value* is one (or an nbdev alias), else a text table."""
    if value.strip().lower() in NBDEV_LICENSES:
        return NBDEV_LICENSES[value.strip().lower()]
    try:
        flit_config = importlib.import_module("flit_core.config")
        return str(flit_config.normalise_compound_license_expr(value.strip()))
    except (ImportError, AttributeError, ValueError):  # flit's ConfigError is a ValueError
        return {"text": value}


def _split(metadata: Mapping[str, Any], key: str) -> list[str]:
    """Split a whitespace-separated settings.ini value, honouring quotes as nbdev does."""
    return shlex.split(str(metadata.get(key, "") or ""))


def _nbdev_extras(
    metadata: Mapping[str, Any], declared: Sequence[str], optional: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    extras: dict[str, list[str]] = {}
    dev = _split(metadata, "dev_requirements")
    if dev:  # nbdev 2's setup.py installs these with the "dev" extra
        extras["dev"] = dev
    additions = _plan(
        {"dependencies": list(declared), "optional-dependencies": extras}, [], optional
    )
    for extra, entries in additions.optional.items():
        extras.setdefault(extra, []).extend(entries)
    return extras


def _console_scripts(value: str) -> dict[str, str]:
    scripts: dict[str, str] = {}
    for entry in shlex.split(value):
        script, sep, target = entry.partition("=")
        if not sep or ":" not in target or not script.strip():
            raise ConfigError(
                f"console_scripts entry {entry!r} must look like name=module:function",
                Location("settings.ini"),
            )
        scripts[script.strip()] = target.strip()
    return scripts


def _multiline(tomlkit: Any, items: Sequence[str]) -> Any:
    array = tomlkit.array()
    array.extend(items)
    return array.multiline(True) if items else array


def _inline_people(tomlkit: Any, people: Sequence[Mapping[str, str]]) -> Any:
    """Return people as one line of inline tables, as people write them."""
    array = tomlkit.array()
    for person in people:
        table = tomlkit.inline_table()
        table.update(person)
        array.append(table)
    return array
