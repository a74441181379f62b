"""Refuse a foreign build backend that is set up to import or run the project's package.

nb2pkg calls another backend (setuptools, hatchling, pdm-backend, ...) through the PEP 517
hooks in a subprocess: it runs the backend's own code, and the build scripts the project
gives it, never nb2pkg's process. Some settings make a backend import the package itself,
which runs the notebooks' exported cells; those are refused here, statically, before
anything is written or run:

=====================  ===============================================  ======================
backend                setting                                          nb2pkg
=====================  ===============================================  ======================
setuptools             ``[tool.setuptools.dynamic] x = {attr = "m.a"}``  allowed when ``m.a`` is
                       or ``attr: m.a`` in setup.cfg                    a literal assignment
                                                                        (setuptools then reads
                                                                        it without importing)
hatchling              ``[tool.hatch.version] source = "code"``          refused
pdm-backend            ``[tool.pdm.version] source = "call"``            refused
any                    a build script: ``setup.py``, hatch's custom      runs, as under pip;
                       hooks (``hatch_build.py``), ``pdm_build.py``,     refused if it imports
                       an in-tree backend (``backend-path``)             the package
=====================  ===============================================  ======================
"""

from __future__ import annotations

import ast
import configparser
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import BuildError, Location
from .staticmeta import SourceTree, literal_assignment

_WHERE = Location("pyproject.toml")


def check_backend(
    tree: SourceTree, data: Mapping[str, Any], backend: str, package: str | None
) -> None:
    """Raise BuildError if building with *backend* would import or run the package."""
    tool = data.get("tool", {})
    if backend.startswith("setuptools"):
        _check_setuptools(tree, tool.get("setuptools", {}))
    version_source = tool.get("hatch", {}).get("version", {}).get("source")
    if backend.startswith("hatchling") and version_source == "code":
        raise BuildError(
            '[tool.hatch.version] source = "code" makes hatchling run a file of the project '
            "to find the version; nb2pkg never runs project code while building. Use hatch's "
            'default source instead: [tool.hatch.version] path = "<package>/__init__.py" '
            "(read with a regular expression), or a static `version` in [project]",
            _WHERE,
        )
    if backend.startswith("pdm") and tool.get("pdm", {}).get("version", {}).get("source") == (
        "call"
    ):
        raise BuildError(
            '[tool.pdm.version] source = "call" makes pdm-backend import the package to call '
            'a function; nb2pkg never runs project code while building. Use source = "file" '
            "or a static `version` in [project]",
            _WHERE,
        )
    if package:
        for script in _build_scripts(tree, data, backend):
            _check_script(tree, script, package)


# -- setuptools ---------------------------------------------------------------------------


def _check_setuptools(tree: SourceTree, settings: Mapping[str, Any]) -> None:
    package_dir = settings.get("package-dir", {})
    for key, value in settings.get("dynamic", {}).items():
        if isinstance(value, Mapping) and "attr" in value:
            _check_attr(tree, str(value["attr"]), package_dir, f"[tool.setuptools.dynamic] {key}")
    setup_cfg = tree.source(tree.root / "setup.cfg")
    if setup_cfg is None:
        return
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(setup_cfg.decode("utf-8", "replace"))
    except configparser.Error:
        return  # setuptools reports a broken setup.cfg itself, without importing anything
    cfg_dirs = _cfg_package_dir(parser.get("options", "package_dir", fallback=""))
    for section in parser.sections():
        for key, value in parser.items(section):
            if value.strip().startswith("attr:"):
                where = f"setup.cfg [{section}] {key}"
                _check_attr(tree, value.strip()[5:].strip(), cfg_dirs, where)


def _cfg_package_dir(value: str) -> dict[str, str]:
    mapping = {}
    for line in value.replace(",", "\n").splitlines():
        if "=" in line:
            name, _, folder = line.partition("=")
            mapping[name.strip()] = folder.strip()
    return mapping


def _check_attr(tree: SourceTree, attr: str, package_dir: Mapping[str, str], where: str) -> None:
    """Refuse an ``attr`` value setuptools could only get by importing a module."""
    *parts, name = attr.strip().split(".")
    module = ".".join(parts) or "__init__"
    path = _find_module(tree, module, package_dir)
    source = tree.source(path) if path is not None else None
    if source is not None and literal_assignment(source, name)[0]:
        return
    found = (
        f"{path.relative_to(tree.root).as_posix()} does not assign {name} a plain literal"
        if path
        else f"no file of the project is the module {module}"
    )
    raise BuildError(
        f'{where} = {{attr = "{attr}"}}: {found}, so setuptools would import {module} to '
        "find it, running project code; nb2pkg never does that while building. Write "
        f'`{name} = "..."` as a literal there, or a static value in [project]',
        _WHERE,
    )


def _find_module(tree: SourceTree, module: str, package_dir: Mapping[str, str]) -> Path | None:
    """Find a module's file the way setuptools maps package folders (``package-dir``)."""
    parts = module.split(".")
    base = tree.root
    for depth in range(len(parts), 0, -1):
        prefix = ".".join(parts[:depth])
        if prefix in package_dir:
            base = tree.root / package_dir[prefix]
            parts = parts[depth:]
            break
    else:
        if "" in package_dir:
            base = tree.root / package_dir[""]
    stem = base.joinpath(*parts) if parts else base
    for candidate in (stem.with_name(stem.name + ".py"), stem / "__init__.py"):
        if tree.is_file(candidate):
            return candidate
    return None


# -- build scripts ------------------------------------------------------------------------


def _build_scripts(tree: SourceTree, data: Mapping[str, Any], backend: str) -> Iterator[Path]:
    root, tool = tree.root, data.get("tool", {})
    if backend.startswith("setuptools"):
        yield root / "setup.py"
    if backend.startswith("hatchling"):
        hatch = tool.get("hatch", {})
        hooks = [
            hatch.get("metadata", {}).get("hooks", {}),
            hatch.get("build", {}).get("hooks", {}),
        ]
        targets = hatch.get("build", {}).get("targets", {})
        hooks += [t.get("hooks", {}) for t in targets.values() if isinstance(t, Mapping)]
        for table in hooks:
            custom = table.get("custom")
            if isinstance(custom, Mapping):
                yield root / str(custom.get("path", "hatch_build.py"))
    if backend.startswith("pdm"):
        yield root / "pdm_build.py"
    for folder in data.get("build-system", {}).get("backend-path", []):
        name = backend.split(":")[0].replace(".", "/")
        yield from (root / folder / f"{name}.py", root / folder / name / "__init__.py")


def _check_script(tree: SourceTree, script: Path, package: str) -> None:
    source = tree.source(script)
    if source is None:
        return
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError):
        return  # the backend reports it when it runs the script
    top = package.split(".")[0]
    for node in ast.walk(module):
        if _imports(node, top):
            line = getattr(node, "lineno", None)
            raise BuildError(
                f"the build script imports the package {top} (line {line}), which runs "
                "the notebooks' exported code during the build; nb2pkg never runs project "
                "code while building. Read what the script needs statically instead (e.g. the "
                "version with a regular expression), or declare it in [project]",
                Location(script.relative_to(tree.root).as_posix(), line=line),
            )


def _imports(node: ast.AST, top: str) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == top for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] == top
    if isinstance(node, ast.Call) and node.args:
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        first = node.args[0]
        return (
            name in ("import_module", "__import__")
            and isinstance(first, ast.Constant)
            and str(first.value).split(".")[0] == top
        )
    return False
