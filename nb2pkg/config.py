"""Find the project and read its configuration.

Three sources, tried in this order in the project root:

1. ``pyproject.toml`` with ``[tool.nb2pkg]`` (nb2pkg's own);
2. ``pyproject.toml`` with ``[tool.nbdev]`` (nbdev 3);
3. ``settings.ini`` (nbdev 2).

A ``pyproject.toml`` with only a ``[project]`` table is an nb2pkg project with defaults.
Configuration is validated here, at the boundary: the rest of nb2pkg gets a ``Config``.
"""

from __future__ import annotations

import configparser
import difflib
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError, Location

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

#: Keys of ``[tool.nb2pkg]`` and the type each must have.
KNOWN_KEYS: dict[str, type | tuple[type, ...]] = {
    "notebooks": str,
    "package": str,
    "recursive": bool,
    "format": bool,
    "drop-magics": bool,
    "dependency-map": dict,
    "optional-extra": str,
    "check": dict,
    "test": dict,
    "clean": dict,
}

#: Keys of ``[tool.nb2pkg.clean]`` (see docs/version-control.md) and the type each must have.
CLEAN_KEYS: dict[str, type] = {
    "outputs": bool,
    "keep-metadata": list,
    "keep-cell-metadata": list,
    "strip-metadata": list,
    "strip-cell-metadata": list,
    "keep-object-addresses": bool,
}
# nbdev's clean settings and the [tool.nb2pkg.clean] keys they mean.
_NBDEV_CLEAN = {
    "allowed_metadata_keys": "keep-metadata",
    "allowed_cell_metadata_keys": "keep-cell-metadata",
    "clear_all": "outputs",
}

#: Keys of ``[tool.nb2pkg.test]`` and the type each must have (see ``TestSettings``).
TEST_KEYS: dict[str, type | tuple[type, ...]] = {
    "flags": list,
    "skip": list,
    "timeout": (int, float),
    "sanitize": dict,
}
_FLAG_NAME = re.compile(r"^[A-Za-z_][\w-]*$")

MARKER_FILES = ("pyproject.toml", "settings.ini")


@dataclass(frozen=True)
class TestSettings:
    """How ``nb2pkg test`` runs a project's notebooks (``[tool.nb2pkg.test]``, nbdev's keys)."""

    __test__ = False  # a value, not a test class, for pytest's collector

    flags: tuple[str, ...] = ()  # cells with one of these directives run only with --flags
    skip: tuple[str, ...] = ()  # globs of notebooks not to run
    skip_re: str | None = None  # nbdev's skip_file_re: a regex on the notebook's file name
    timeout: float | None = 600.0  # seconds per cell; None: no limit
    sanitize: tuple[tuple[str, str], ...] = ()  # (regex, replacement) for --check-outputs


@dataclass(frozen=True)
class Config:
    """Everything nb2pkg needs to know about a project, validated."""

    root: Path
    source: str  # "nb2pkg", "nbdev3", "nbdev2" or "defaults": where the settings came from
    name: str  # distribution name
    version: str | None
    package: str  # import name of the top-level package
    lib_dir: Path  # folder of the top-level package
    notebooks_dir: Path
    recursive: bool = True
    format: bool = False
    drop_magics: bool = False
    requires_python: str | None = None
    dependency_map: Mapping[str, str] = field(default_factory=dict)
    optional_extra: str = "optional"
    check: Mapping[str, Any] = field(default_factory=dict)
    test: TestSettings = field(default_factory=TestSettings)
    clean: Mapping[str, Any] = field(default_factory=dict)  # validated [tool.nb2pkg.clean]
    raw: Mapping[str, Any] = field(default_factory=dict)  # the whole parsed pyproject, if any

    @property
    def config_file(self) -> Path:
        """Return the file the settings were read from."""
        if self.source == "nbdev2":
            return self.root / "settings.ini"
        return self.root / "pyproject.toml"

    def relative(self, path: Path) -> str:
        """Return *path* relative to the project root, POSIX-style, for messages and markers."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


def normalise_package_name(name: str) -> str:
    """Turn a distribution name into the import name nb2pkg uses by default."""
    return re.sub(r"[-_.]+", "_", name).lower()


def find_project_root(start: Path) -> Path:
    """Walk up from *start* to the first folder holding pyproject.toml or settings.ini."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        if any((folder / marker).is_file() for marker in MARKER_FILES):
            return folder
    raise ConfigError(
        f"no pyproject.toml or settings.ini found in {start} or any folder above it; "
        "run nb2pkg inside a project, pass --path, or create one with `nb2pkg new NAME`"
    )


def load_config(path: Path | None = None) -> Config:
    """Find the project that holds *path* (default: the current folder) and read its settings."""
    root = find_project_root(path or Path.cwd())
    pyproject = root / "pyproject.toml"
    data = read_toml(pyproject) if pyproject.is_file() else {}
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    own = tool.get("nb2pkg")
    # An nbdev project may add [tool.nb2pkg] settings (a dependency-map, say) on top of
    # nbdev's; only a [tool.nb2pkg] that says where the notebooks or package are takes over.
    takes_over = isinstance(own, dict) and bool({"package", "notebooks"} & set(own))
    if own is not None and (takes_over or not _has_nbdev(root, tool)):
        return _from_nb2pkg(root, data, own)
    if "nbdev" in tool:
        return _with_overrides(_from_nbdev3(root, data, tool["nbdev"]), own, root)
    if (root / "settings.ini").is_file():
        return _with_overrides(_from_nbdev2(root, data), own, root)
    if "project" in data:
        return _from_nb2pkg(root, data, {}, source="defaults")
    raise ConfigError(
        "has neither a [project] nor a [tool.nb2pkg] table; add `[project]` with a `name`",
        Location(pyproject.name),
    )


def _has_nbdev(root: Path, tool: Mapping[str, Any]) -> bool:
    return "nbdev" in tool or (root / "settings.ini").is_file()


def _with_overrides(config: Config, own: Any, root: Path) -> Config:
    """Apply the settings of a [tool.nb2pkg] table on top of an nbdev configuration."""
    if own is None:
        return config
    if not isinstance(own, dict):
        raise ConfigError("[tool.nb2pkg] must be a table", Location("pyproject.toml"))
    _reject_unknown_keys(own, root / "pyproject.toml")
    clean = dict(config.clean)
    for key, value in _clean_table(own, root / "pyproject.toml").items():
        clean[key] = [*clean.get(key, []), *value] if isinstance(value, list) else value
    return replace(
        config,
        clean=clean,
        recursive=own.get("recursive", config.recursive),
        format=own.get("format", config.format),
        drop_magics=own.get("drop-magics", config.drop_magics),
        dependency_map=_dependency_map(own),
        optional_extra=own.get("optional-extra", config.optional_extra),
        check=dict(own.get("check", {})),
        test=_test_settings(own, root / "pyproject.toml", config.test),
    )


def _dependency_map(tool: Mapping[str, Any]) -> dict[str, str]:
    dependency_map = tool.get("dependency-map", {})
    for key, value in dependency_map.items():
        if not isinstance(value, str):
            raise ConfigError(
                f"[tool.nb2pkg.dependency-map] {key} must be a distribution name string, "
                f'e.g. {key} = "{key}"',
                Location("pyproject.toml"),
            )
    return dict(dependency_map)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a located ConfigError."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte order mark is no TOML
    except UnicodeDecodeError as exc:
        raise ConfigError(f"is not UTF-8 text ({exc.reason})", Location(path.name)) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror}", Location(path.name)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise ConfigError(
            f"is not valid TOML: {str(exc).split(' (at ')[0]}; fix the file and run again",
            Location(path.name, line=line),
        ) from None


def _line_from_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _project_table(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    project = data.get("project", {})
    if not isinstance(project, dict):
        raise ConfigError("[project] must be a table", Location(where))
    return project


def _from_nb2pkg(root: Path, data: Mapping[str, Any], tool: Any, source: str = "nb2pkg") -> Config:
    where = "pyproject.toml"
    if not isinstance(tool, dict):
        raise ConfigError("[tool.nb2pkg] must be a table", Location(where))
    _reject_unknown_keys(tool, root / where)
    project = _project_table(data, where)
    name = project.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            '[project] needs a `name` (the distribution name, e.g. name = "acme")',
            Location(where),
        )
    package = tool.get("package", normalise_package_name(name))
    _check_package_name(package, where, "[tool.nb2pkg] package")
    notebooks = tool.get("notebooks", "nbs")
    dependency_map = _dependency_map(tool)
    version = project.get("version")
    requires = project.get("requires-python")
    return Config(
        root=root,
        source=source,
        name=name,
        version=version if isinstance(version, str) else None,
        package=package,
        lib_dir=_inside(root, package.replace(".", "/"), where, "package"),
        notebooks_dir=_inside(root, notebooks, where, "notebooks"),
        recursive=tool.get("recursive", True),
        format=tool.get("format", False),
        drop_magics=tool.get("drop-magics", False),
        requires_python=requires if isinstance(requires, str) else None,
        dependency_map=dependency_map,
        optional_extra=tool.get("optional-extra", "optional"),
        check=dict(tool.get("check", {})),
        test=_test_settings(tool, root / where, TestSettings()),
        clean=_clean_table(tool, root / where),
        raw=data,
    )


def _clean_table(tool: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """Validate ``[tool.nb2pkg.clean]``: known keys, booleans, lists of metadata key names."""
    table = tool.get("clean", {})
    where = path.name
    for key, value in table.items():
        if key not in CLEAN_KEYS:
            close = difflib.get_close_matches(key, CLEAN_KEYS, n=1, cutoff=0.5)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            known = ", ".join(CLEAN_KEYS)
            raise ConfigError(
                f'unknown key "{key}" in [tool.nb2pkg.clean]{hint} (known keys: {known})',
                Location(where, line=_key_line(path, key, "tool.nb2pkg.clean")),
            )
        expected = CLEAN_KEYS[key]
        good = (
            isinstance(value, bool)
            if expected is bool
            else (isinstance(value, list) and all(isinstance(item, str) and item for item in value))
        )
        if not good:
            example = "true or false" if expected is bool else 'a list of key names, e.g. ["tags"]'
            raise ConfigError(
                f"[tool.nb2pkg.clean] {key} must be {example}, not {value!r}",
                Location(where, line=_key_line(path, key, "tool.nb2pkg.clean")),
            )
    return dict(table)


def _nbdev_clean(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Translate nbdev's clean settings (TOML values or settings.ini strings)."""
    clean: dict[str, Any] = {}
    for nbdev_key, key in _NBDEV_CLEAN.items():
        value = settings.get(nbdev_key)
        if value is None or value == "":
            continue
        if CLEAN_KEYS[key] is bool:
            clean[key] = _truthy(value)
        elif isinstance(value, list):
            clean[key] = [str(item) for item in value]
        else:
            clean[key] = re.split(r"[\s,]+", str(value).strip())
    if "clean_ids" in settings and not _truthy(settings["clean_ids"]):
        clean["keep-object-addresses"] = True
    return clean


def _reject_unknown_keys(
    tool: Mapping[str, Any],
    path: Path,
    known: Mapping[str, type | tuple[type, ...]] = KNOWN_KEYS,
    table: str = "tool.nb2pkg",
) -> None:
    where = path.name
    for key, value in tool.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            names = ", ".join(sorted(known))
            raise ConfigError(
                f'unknown key "{key}" in [{table}]{hint} (known keys: {names})',
                Location(where, line=_key_line(path, key, table)),
            )
        expected = known[key]
        # TOML's true/false are Python bools, which are ints too: no `timeout = true`.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            names = (
                expected.__name__
                if isinstance(expected, type)
                else "/".join(t.__name__ for t in expected)
            )
            raise ConfigError(
                f"[{table}] {key} must be a {_toml_type(names)}, not {type(value).__name__}",
                Location(where, line=_key_line(path, key, table)),
            )


def _toml_type(python_name: str) -> str:
    return {
        "str": "string",
        "bool": "boolean (true/false)",
        "dict": "table",
        "list": "list",
        "int/float": "number",
    }.get(python_name, python_name)


def _key_line(path: Path, key: str, table: str = "tool.nb2pkg") -> int | None:
    """Find the line of *key* inside *table*, for the error message (best effort)."""
    in_table = False
    pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped.strip("[] ") == table
        elif in_table and pattern.match(line):
            return number
    return None


def _test_settings(tool: Mapping[str, Any], path: Path, base: TestSettings) -> TestSettings:
    """Validate ``[tool.nb2pkg.test]`` and apply it on top of *base* (nbdev's settings)."""
    table = tool.get("test")
    if table is None:
        return base
    name = "tool.nb2pkg.test"
    _reject_unknown_keys(table, path, TEST_KEYS, name)
    settings = base
    if "flags" in table:
        flags = _strings(table["flags"], path, name, "flags")
        for flag in flags:
            if not _FLAG_NAME.match(flag):
                raise ConfigError(
                    f'[{name}] flags: "{flag}" is not a directive name; a flag is the name a '
                    'cell carries as `#| NAME`, e.g. flags = ["slow"]',
                    Location(path.name, line=_key_line(path, "flags", name)),
                )
        settings = replace(settings, flags=tuple(flags))
    if "skip" in table:
        settings = replace(settings, skip=tuple(_strings(table["skip"], path, name, "skip")))
    if "timeout" in table:
        timeout = float(table["timeout"])
        if timeout < 0:
            raise ConfigError(
                f"[{name}] timeout must be a number of seconds, 0 for none, not {timeout:g}",
                Location(path.name, line=_key_line(path, "timeout", name)),
            )
        settings = replace(settings, timeout=timeout or None)
    if "sanitize" in table:
        settings = replace(settings, sanitize=_sanitizers(table["sanitize"], path))
    return settings


def _strings(value: Sequence[Any], path: Path, table: str, key: str) -> list[str]:
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise ConfigError(
            f"[{table}] {key} must be a list of non-empty strings",
            Location(path.name, line=_key_line(path, key, table)),
        )
    return [item.strip() for item in value]


def _sanitizers(table: Mapping[str, Any], path: Path) -> tuple[tuple[str, str], ...]:
    name = "tool.nb2pkg.test.sanitize"
    found = []
    for pattern, replacement in table.items():
        where = Location(path.name, line=_key_line(path, pattern, name))
        if not isinstance(replacement, str):
            raise ConfigError(
                f"[{name}] the replacement for {pattern!r} must be a string, "
                f"not {type(replacement).__name__}",
                where,
            )
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"[{name}] {pattern!r} is not a valid regular expression ({exc}); "
                "write patterns as TOML literal strings ('...') so backslashes stay as typed",
                where,
            ) from None
        found.append((pattern, replacement))
    return tuple(found)


def _check_package_name(package: Any, where: str, what: str) -> None:
    if not isinstance(package, str) or not all(part.isidentifier() for part in package.split(".")):
        raise ConfigError(
            f'{what} must be a Python import name such as "acme", not {package!r}',
            Location(where),
        )


def _inside(root: Path, relative: Any, where: str, key: str) -> Path:
    """Resolve a configured folder and refuse one outside the project."""
    if not isinstance(relative, str) or not relative.strip():
        raise ConfigError(f"{key} must be a folder name relative to the project", Location(where))
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise ConfigError(
            f"{key} = {relative!r} points outside the project ({root}); " "use a folder inside it",
            Location(where),
        )
    return path


def _from_nbdev3(root: Path, data: Mapping[str, Any], tool: Any) -> Config:
    where = "pyproject.toml"
    if not isinstance(tool, dict):
        raise ConfigError("[tool.nbdev] must be a table", Location(where))
    project = _project_table(data, where)
    name = project.get("name")
    if not isinstance(name, str):
        raise ConfigError("[project] needs a `name`", Location(where))
    lib_path = str(tool.get("lib_path", name.replace("-", "_")))
    package = Path(lib_path).name
    _check_package_name(package, where, "[tool.nbdev] lib_path")
    version = project.get("version")
    requires = project.get("requires-python")
    return Config(
        root=root,
        source="nbdev3",
        name=name,
        version=version if isinstance(version, str) else None,
        package=package,
        lib_dir=_inside(root, lib_path, where, "lib_path"),
        notebooks_dir=_inside(root, str(tool.get("nbs_path", "nbs")), where, "nbs_path"),
        recursive=_truthy(tool.get("recursive", True)),
        requires_python=requires if isinstance(requires, str) else None,
        test=_nbdev_test_settings(tool.get("tst_flags"), tool.get("skip_file_re"), where),
        clean=_nbdev_clean(tool),
        raw=data,
    )


def _from_nbdev2(root: Path, data: Mapping[str, Any]) -> Config:
    where = "settings.ini"
    # nbdev's settings.ini uses configparser's %(name)s interpolation (lib_name = %(repo)s).
    parser = configparser.ConfigParser()
    try:
        parser.read_string((root / where).read_text(encoding="utf-8"))
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot be parsed: {exc}".replace("\n", " "), Location(where)) from None
    try:
        section = dict(parser["DEFAULT"])
    except configparser.Error as exc:
        raise ConfigError(f"cannot be read: {exc}".replace("\n", " "), Location(where)) from None
    lib_name = section.get("lib_name")
    if not lib_name:
        raise ConfigError("[DEFAULT] needs lib_name (the package's name)", Location(where))
    lib_path = section.get("lib_path", lib_name.replace("-", "_"))
    package = Path(lib_path).name
    _check_package_name(package, where, "lib_path")
    min_python = section.get("min_python")
    return Config(
        root=root,
        source="nbdev2",
        name=lib_name,
        version=section.get("version"),
        package=package,
        lib_dir=_inside(root, lib_path, where, "lib_path"),
        notebooks_dir=_inside(root, section.get("nbs_path", "nbs"), where, "nbs_path"),
        recursive=_truthy(section.get("recursive", "True")),
        requires_python=f">={min_python}" if min_python else None,
        test=_nbdev_test_settings(section.get("tst_flags"), section.get("skip_file_re"), where),
        clean=_nbdev_clean(section),
        raw={"settings": section},
    )


def _nbdev_test_settings(flags: Any, skip_re: Any, where: str) -> TestSettings:
    """Read nbdev's ``tst_flags`` (space- or |-separated) and ``skip_file_re``."""
    names = re.split(r"[\s|,]+", flags) if isinstance(flags, str) else flags
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        names = []
    pattern = skip_re.strip() if isinstance(skip_re, str) and skip_re.strip() else None
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"skip_file_re {pattern!r} is not a valid regular expression ({exc})",
                Location(where),
            ) from None
    return TestSettings(flags=tuple(n for n in names if n), skip_re=pattern)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
