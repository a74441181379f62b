"""Find the project and read its configuration.

Three sources, tried in this order in the project root:

1. ``pyproject.toml`` with ``[tool.nb2pkg]`` (nb2pkg's own);
2. ``pyproject.toml`` with ``[tool.nbdev]`` (nbdev 3);
3. ``settings.ini`` (nbdev 2).

A ``pyproject.toml`` with only a ``[project]`` table is an nb2pkg project with defaults.
Configuration is validated here, at the boundary: the rest of nb2pkg gets a ``Config``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .config_keys import (
    BOM,
    TABLE_KEYS,
    TOOL_KEYS,
    KeyLines,
    Kind,
    must_be_string,
    tool_problems,
)
from .errors import ConfigError, Location, Nb2pkgError, raise_all
from .identifiers import import_name_problem
from .tomlread import loads

#: Keys of ``[tool.nb2pkg]`` and of ``[tool.nb2pkg.clean]`` (their kinds: ``config_keys``).
KNOWN_KEYS = tuple(TOOL_KEYS)
CLEAN_KEYS = TABLE_KEYS["clean"]
# nbdev's clean settings and the [tool.nb2pkg.clean] keys they mean.
_NBDEV_CLEAN = {
    "allowed_metadata_keys": "keep-metadata",
    "allowed_cell_metadata_keys": "keep-cell-metadata",
    "clear_all": "outputs",
}

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
    clean: Mapping[str, Any] = field(default_factory=dict)  # validated [tool.nb2pkg.clean]
    test: TestSettings = field(default_factory=TestSettings)
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
    text = read_toml_text(pyproject) if pyproject.is_file() else ""
    data = parse_toml(text, pyproject.name) if text else {}
    lines = KeyLines(text, pyproject.name)
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    own = tool.get("nb2pkg")
    # An nbdev project may add [tool.nb2pkg] settings (a dependency-map, say) on top of
    # nbdev's; only a [tool.nb2pkg] that says where the notebooks or package are takes over.
    takes_over = isinstance(own, dict) and bool({"package", "notebooks"} & set(own))
    if own is not None and (takes_over or not _has_nbdev(root, tool)):
        return _from_nb2pkg(root, data, own, lines)
    if "nbdev" in tool:
        return _with_overrides(_from_nbdev3(root, data, tool["nbdev"], lines), own, lines)
    if (root / "settings.ini").is_file():
        return _with_overrides(_from_nbdev2(root, data), own, lines)
    if "project" in data:
        return _from_nb2pkg(root, data, {}, lines, source="defaults")
    raise ConfigError(
        "has neither a [project] nor a [tool.nb2pkg] table; add `[project]` with a `name`",
        Location(pyproject.name),
    )


def _has_nbdev(root: Path, tool: Mapping[str, Any]) -> bool:
    return "nbdev" in tool or (root / "settings.ini").is_file()


def _with_overrides(config: Config, own: Any, lines: KeyLines) -> Config:
    """Apply the settings of a [tool.nb2pkg] table on top of an nbdev configuration."""
    if own is None:
        return config
    _valid_tool_table(own, lines)
    clean = dict(config.clean)
    for key, value in own.get("clean", {}).items():
        clean[key] = [*clean.get(key, []), *value] if isinstance(value, list) else value
    return replace(
        config,
        clean=clean,
        recursive=own.get("recursive", config.recursive),
        format=own.get("format", config.format),
        drop_magics=own.get("drop-magics", config.drop_magics),
        dependency_map=dict(own.get("dependency-map", {})),
        optional_extra=own.get("optional-extra", config.optional_extra),
        check=dict(own.get("check", {})),
        test=_test_settings(own, lines, config.test),
    )


def _valid_tool_table(tool: Any, lines: KeyLines) -> None:
    """Raise every problem of a [tool.nb2pkg] table at once, each with its line."""
    if not isinstance(tool, dict):
        raise lines.error("[tool.nb2pkg] must be a table", "tool", "nb2pkg")
    raise_all(tool_problems(tool, lines))


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a located ConfigError."""
    return parse_toml(read_toml_text(path), path.name)


def read_toml_text(path: Path) -> str:
    """Return a TOML file's text; a byte order mark at its start is kept (see ``parse_toml``)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"is not UTF-8 text ({exc.reason})", Location(path.name)) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror}", Location(path.name)) from None


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML *text* (a leading byte order mark allowed), or raise a located ConfigError.

    Editors on Windows may save UTF-8 with a byte order mark; TOML does not allow one, but
    it carries no meaning, so nb2pkg reads past it (and keeps it when it edits the file).
    Values nested beyond ``tomlread.MAX_DEPTH`` levels are refused with their line.
    """
    return loads(text.removeprefix(BOM), where)


def _project_table(data: Mapping[str, Any], lines: KeyLines) -> dict[str, Any]:
    project = data.get("project", {})
    if not isinstance(project, dict):
        raise lines.error("[project] must be a table", "project")
    return project


def _project_name(project: Mapping[str, Any], lines: KeyLines) -> str:
    name = project.get("name")
    if not isinstance(name, str) or not name.strip():
        raise lines.error(
            '[project] needs a `name` (the distribution name, e.g. name = "acme")',
            "project",
            "name",
        )
    return name


def _from_nb2pkg(
    root: Path, data: Mapping[str, Any], tool: Any, lines: KeyLines, source: str = "nb2pkg"
) -> Config:
    _valid_tool_table(tool, lines)
    project = _project_table(data, lines)
    name = _project_name(project, lines)
    problems: list[Nb2pkgError] = []
    if "package" in tool:
        package = tool["package"]
        where: tuple[str, ...] = ("tool", "nb2pkg", "package")
        lead, fix = f'[tool.nb2pkg] package "{package}" is not an import name', ""
    else:
        package = normalise_package_name(name)
        where = ("project", "name")
        lead = f'[project] name "{name}" makes the import name "{package}"'
        fix = '; choose the import name with [tool.nb2pkg] package = "…"'
    named = _check_package_name(package, lead, lines, where, problems, fix)
    lib_dir = _inside(root, package.replace(".", "/"), lines, where, problems) if named else None
    notebooks_dir = _inside(
        root, tool.get("notebooks", "nbs"), lines, ("tool", "nb2pkg", "notebooks"), problems
    )
    raise_all(problems)
    assert lib_dir is not None and notebooks_dir is not None
    version = project.get("version")
    requires = project.get("requires-python")
    return Config(
        root=root,
        source=source,
        name=name,
        version=version if isinstance(version, str) else None,
        package=package,
        lib_dir=lib_dir,
        notebooks_dir=notebooks_dir,
        recursive=tool.get("recursive", True),
        format=tool.get("format", False),
        drop_magics=tool.get("drop-magics", False),
        requires_python=requires if isinstance(requires, str) else None,
        dependency_map=dict(tool.get("dependency-map", {})),
        optional_extra=tool.get("optional-extra", "optional"),
        check=dict(tool.get("check", {})),
        clean=dict(tool.get("clean", {})),
        test=_test_settings(tool, lines, TestSettings()),
        raw=data,
    )


def _nbdev_clean(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Translate nbdev's clean settings (TOML values or settings.ini strings)."""
    clean: dict[str, Any] = {}
    for nbdev_key, key in _NBDEV_CLEAN.items():
        value = settings.get(nbdev_key)
        if value is None or value == "":
            continue
        if CLEAN_KEYS[key] is Kind.BOOLEAN:
            clean[key] = _truthy(value)
        elif isinstance(value, list):
            clean[key] = [str(item) for item in value]
        else:
            clean[key] = re.split(r"[\s,]+", str(value).strip())
    if "clean_ids" in settings and not _truthy(settings["clean_ids"]):
        clean["keep-object-addresses"] = True
    return clean


def _check_package_name(
    package: str,
    lead: str,
    lines: KeyLines | _IniLines,
    path: tuple[str, ...],
    problems: list[Nb2pkgError],
    fix: str = "",
) -> bool:
    """Add an error to *problems* unless *package* is an import name; tell if it is one."""
    problem = import_name_problem(package)
    if problem:
        problems.append(lines.error(f"{lead}: {problem}{fix}", *path))
    return problem is None


def _inside(
    root: Path,
    relative: Any,
    lines: KeyLines | _IniLines,
    path: tuple[str, ...],
    problems: list[Nb2pkgError],
) -> Path | None:
    """Resolve a configured folder and refuse one outside the project."""
    key = path[-1]
    if not isinstance(relative, str) or not relative.strip():
        problems.append(lines.error(f"{key} must be a folder name relative to the project", *path))
        return None
    resolved = (root / relative).resolve()
    if resolved != root and root not in resolved.parents:
        problems.append(
            lines.error(
                f"{key} = {relative!r} points outside the project ({root}); use a folder inside it",
                *path,
            )
        )
        return None
    return resolved


def _from_nbdev3(root: Path, data: Mapping[str, Any], tool: Any, lines: KeyLines) -> Config:
    if not isinstance(tool, dict):
        raise lines.error("[tool.nbdev] must be a table", "tool", "nbdev")
    project = _project_table(data, lines)
    name = _project_name(project, lines)
    problems: list[Nb2pkgError] = []
    paths = {}
    for key, default in (("nbs_path", "nbs"), ("lib_path", name.replace("-", "_"))):
        value = tool.get(key, default)
        shown = f'[tool.nbdev] {key} must be a string naming one folder, e.g. "{default}"'
        wrong = must_be_string(value, shown, lines, "tool", "nbdev", key)
        if wrong is not None:
            problems.append(wrong)
        paths[key] = value if wrong is None else None
    raise_all(problems)
    lib_path, nbs_path = str(paths["lib_path"]), str(paths["nbs_path"])
    package = Path(lib_path).name
    at = ("tool", "nbdev", "lib_path")
    lead = f'[tool.nbdev] lib_path "{lib_path}" ends in "{package}", which is not an import name'
    named = _check_package_name(package, lead, lines, at, problems)
    lib_dir = _inside(root, lib_path, lines, at, problems) if named else None
    notebooks_dir = _inside(root, nbs_path, lines, ("tool", "nbdev", "nbs_path"), problems)
    raise_all(problems)
    assert lib_dir is not None and notebooks_dir is not None
    version = project.get("version")
    requires = project.get("requires-python")
    return Config(
        root=root,
        source="nbdev3",
        name=name,
        version=version if isinstance(version, str) else None,
        package=package,
        lib_dir=lib_dir,
        notebooks_dir=notebooks_dir,
        recursive=_truthy(tool.get("recursive", True)),
        requires_python=requires if isinstance(requires, str) else None,
        clean=_nbdev_clean(tool),
        test=_nbdev_test_settings(tool.get("tst_flags"), tool.get("skip_file_re"), lines.where),
        raw=data,
    )


class _IniLines:
    """Find the line of a setting in settings.ini, for messages (as ``KeyLines`` for TOML)."""

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.where = where

    def line(self, *path: str) -> int | None:
        """Return the line of the setting named last in *path*."""
        key = re.escape(path[-1]) if path else "(?!)"
        found = re.search(rf"^[ \t]*{key}[ \t]*[=:]", self.text, re.MULTILINE | re.IGNORECASE)
        return self.text.count("\n", 0, found.start()) + 1 if found else None

    def error(self, message: str, *path: str) -> ConfigError:
        """Return a ConfigError located at the line of the setting."""
        return ConfigError(message, Location(self.where, line=self.line(*path)))


def _from_nbdev2(root: Path, data: Mapping[str, Any]) -> Config:
    import configparser  # nbdev 2 projects only

    where = "settings.ini"
    # nbdev's settings.ini uses configparser's %(name)s interpolation (lib_name = %(repo)s).
    parser = configparser.ConfigParser()
    try:
        text = (root / where).read_text(encoding="utf-8-sig")
        parser.read_string(text)
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot be parsed: {exc}".replace("\n", " "), Location(where)) from None
    try:
        section = dict(parser["DEFAULT"])
    except configparser.Error as exc:
        raise ConfigError(f"cannot be read: {exc}".replace("\n", " "), Location(where)) from None
    lines = _IniLines(text, where)
    lib_name = section.get("lib_name")
    if not lib_name:
        raise lines.error("[DEFAULT] needs lib_name (the package's name)", "lib_name")
    lib_path = section.get("lib_path", lib_name.replace("-", "_"))
    package = Path(lib_path).name
    problems: list[Nb2pkgError] = []
    lead = f'lib_path "{lib_path}" ends in "{package}", which is not an import name'
    named = _check_package_name(package, lead, lines, ("lib_path",), problems)
    lib_dir = _inside(root, lib_path, lines, ("lib_path",), problems) if named else None
    notebooks_dir = _inside(root, section.get("nbs_path", "nbs"), lines, ("nbs_path",), problems)
    raise_all(problems)
    assert lib_dir is not None and notebooks_dir is not None
    min_python = section.get("min_python")
    return Config(
        root=root,
        source="nbdev2",
        name=lib_name,
        version=section.get("version"),
        package=package,
        lib_dir=lib_dir,
        notebooks_dir=notebooks_dir,
        recursive=_truthy(section.get("recursive", "True")),
        requires_python=f">={min_python}" if min_python else None,
        clean=_nbdev_clean(section),
        test=_nbdev_test_settings(section.get("tst_flags"), section.get("skip_file_re"), where),
        raw={"settings": section},
    )


def setting_line(config: Config, *path: str) -> int | None:
    """Return the line of a setting in the project's configuration file (for messages)."""
    file = config.config_file
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = _IniLines(text, file.name) if config.source == "nbdev2" else KeyLines(text, file.name)
    return lines.line(*path)


def notebooks_setting(config: Config) -> Location:
    """Return where the configuration names the notebooks folder (its line, if written)."""
    path = {
        "nbdev2": ("nbs_path",),
        "nbdev3": ("tool", "nbdev", "nbs_path"),
        "nb2pkg": ("tool", "nb2pkg", "notebooks"),
    }.get(config.source)
    line = setting_line(config, *path) if path else None
    return Location(config.relative(config.config_file), line=line)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


_FLAG_NAME = re.compile(r"^[A-Za-z_][\w-]*$")


def _test_settings(tool: Mapping[str, Any], lines: KeyLines, base: TestSettings) -> TestSettings:
    """Apply ``[tool.nb2pkg.test]`` (its keys and kinds checked by ``config_keys``) on *base*."""
    table = tool.get("test")
    if not isinstance(table, dict):
        return base
    at = ("tool", "nb2pkg", "test")
    settings = base
    if "flags" in table:
        flags = [flag.strip() for flag in table["flags"]]
        for flag in flags:
            if not _FLAG_NAME.match(flag):
                raise lines.error(
                    f'[tool.nb2pkg.test] flags: "{flag}" is not a directive name; a flag is the '
                    'name a cell carries as `#| NAME`, e.g. flags = ["slow"]',
                    *at,
                    "flags",
                )
        settings = replace(settings, flags=tuple(flags))
    if "skip" in table:
        settings = replace(settings, skip=tuple(item.strip() for item in table["skip"]))
    if "timeout" in table:
        timeout = float(table["timeout"])
        if timeout < 0:
            raise lines.error(
                f"[tool.nb2pkg.test] timeout must be a number of seconds, 0 for none, not "
                f"{timeout:g}",
                *at,
                "timeout",
            )
        settings = replace(settings, timeout=timeout or None)
    if "sanitize" in table:
        settings = replace(settings, sanitize=_sanitizers(table["sanitize"], lines))
    return settings


def _sanitizers(table: Mapping[str, Any], lines: KeyLines) -> tuple[tuple[str, str], ...]:
    name = "tool.nb2pkg.test.sanitize"
    found = []
    for pattern, replacement in table.items():
        at = ("tool", "nb2pkg", "test", "sanitize", pattern)
        if not isinstance(replacement, str):
            raise lines.error(
                f"[{name}] the replacement for {pattern!r} must be a string, "
                f"not {type(replacement).__name__}",
                *at,
            )
        try:
            re.compile(pattern)
        except (re.error, RecursionError) as exc:  # groups nested too deeply: RecursionError
            raise lines.error(
                f"[{name}] {pattern!r} is not a valid regular expression ({exc}); "
                "write patterns as TOML literal strings ('...') so backslashes stay as typed",
                *at,
            ) from None
        found.append((pattern, replacement))
    return tuple(found)


def _nbdev_test_settings(flags: Any, skip_re: Any, where: str) -> TestSettings:
    """Read nbdev's ``tst_flags`` (space- or |-separated) and ``skip_file_re``."""
    names = re.split(r"[\s|,]+", flags) if isinstance(flags, str) else flags
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        names = []
    pattern = skip_re.strip() if isinstance(skip_re, str) and skip_re.strip() else None
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, RecursionError) as exc:  # groups nested too deeply: RecursionError
            raise ConfigError(
                f"skip_file_re {pattern!r} is not a valid regular expression ({exc})",
                Location(where),
            ) from None
    return TestSettings(flags=tuple(n for n in names if n), skip_re=pattern)
