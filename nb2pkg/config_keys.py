"""The keys of ``[tool.nb2pkg]`` and of its tables, and a located error for everything else.

Configuration is validated once, at the boundary, and every problem is reported in the same
run: an unknown key names the closest known one, a value of the wrong type says what it must
be, and each error carries the line the key is written on::

    pyproject.toml: line 12: unknown key "ignroe" in [tool.nb2pkg.check]; did you mean
    "ignore"? (known keys: ignore, strict)

``KeyLines`` finds those lines in the TOML text (``tomllib`` gives values, not places).
A new table of settings is one more entry in ``TABLE_KEYS``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

from .errors import ConfigError, Location
from .identifiers import import_name_problem

BOM = "\ufeff"


class Kind(Enum):
    """What a setting's value must be; the value is how messages say it."""

    STRING = 'a string, e.g. "nbs"'
    BOOLEAN = "true or false"
    TABLE = "a table"
    NAMES = 'a list of key names, e.g. ["tags"]'
    CODES = 'a list of check codes such as ["NB301", "NB4xx"]'
    SECONDS = "a number of seconds, e.g. 600 (0: no limit)"
    STRINGS = 'a list of non-empty strings, e.g. ["slow"]'

    def accepts(self, value: Any) -> bool:
        """Tell whether *value* (as tomllib returns it) is of this kind."""
        if self is Kind.STRING:
            return isinstance(value, str)
        if self is Kind.BOOLEAN:
            return isinstance(value, bool)
        if self is Kind.TABLE:
            return isinstance(value, dict)
        if self is Kind.SECONDS:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return False
        if self is Kind.STRINGS:
            return all(v.strip() for v in value)
        return self is Kind.NAMES or all(CODE_PATTERN.match(v) for v in value)


CODE_PATTERN = re.compile(r"^NB\d[\dx]{0,2}$", re.IGNORECASE)

#: ``[tool.nb2pkg]`` (see docs/configuration.md).
TOOL_KEYS: dict[str, Kind] = {
    "notebooks": Kind.STRING,
    "package": Kind.STRING,
    "recursive": Kind.BOOLEAN,
    "format": Kind.BOOLEAN,
    "drop-magics": Kind.BOOLEAN,
    "dependency-map": Kind.TABLE,
    "optional-extra": Kind.STRING,
    "check": Kind.TABLE,
    "clean": Kind.TABLE,
    "test": Kind.TABLE,
}
#: The tables inside ``[tool.nb2pkg]`` whose keys nb2pkg defines.
TABLE_KEYS: dict[str, dict[str, Kind]] = {
    "check": {"ignore": Kind.CODES, "strict": Kind.BOOLEAN},
    "test": {
        "flags": Kind.STRINGS,
        "sanitize": Kind.TABLE,
        "skip": Kind.STRINGS,
        "timeout": Kind.SECONDS,
    },
    "clean": {
        "outputs": Kind.BOOLEAN,
        "keep-metadata": Kind.NAMES,
        "keep-cell-metadata": Kind.NAMES,
        "strip-metadata": Kind.NAMES,
        "strip-cell-metadata": Kind.NAMES,
        "keep-object-addresses": Kind.BOOLEAN,
    },
}
_EXTRA_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


class KeyLines:
    """Find the line a key (or its table) is written on, for messages."""

    def __init__(self, text: str, where: str) -> None:
        self.text = text.removeprefix(BOM)  # not a line break: line numbers stay the same
        self.where = where
        self._layout: Any = None

    def line(self, *path: str) -> int | None:
        """Return the line of the key at *path*, else of the nearest table holding it."""
        layout = self._scan()
        if layout is None:
            return None
        for depth in range(len(path), 0, -1):
            found = layout.statement(path[:depth]) or layout.header(path[:depth])
            if found is not None:
                return int(self.text.count("\n", 0, found.start)) + 1
        return None

    def error(self, message: str, *path: str) -> ConfigError:
        """Return a ConfigError located at the line of *path*."""
        return ConfigError(message, Location(self.where, line=self.line(*path)))

    def _scan(self) -> Any:
        if self._layout is None:
            from .toml_text import Scanner  # only an error message needs it

            try:
                self._layout = Scanner(self.text).scan()
            except RuntimeError:  # a layout the scanner cannot follow: no line, same error
                self._layout = False
        return self._layout or None


def tool_problems(tool: Mapping[str, Any], lines: KeyLines) -> list[ConfigError]:
    """Return every problem of a ``[tool.nb2pkg]`` table (keys, types, its tables), by line."""
    base = ("tool", "nb2pkg")
    problems = _table_problems(tool, TOOL_KEYS, base, lines)
    for name, known in TABLE_KEYS.items():
        table = tool.get(name)
        if isinstance(table, dict):
            problems += _table_problems(table, known, (*base, name), lines)
    mapping = tool.get("dependency-map")
    if isinstance(mapping, dict):
        problems += _dependency_map_problems(mapping, lines)
    extra = tool.get("optional-extra")
    if isinstance(extra, str) and not _EXTRA_NAME.match(extra):
        problems.append(
            lines.error(
                f"[tool.nb2pkg] optional-extra {extra!r} is not an extra name; use letters, "
                'digits, "-", "_" and ".", e.g. optional-extra = "optional"',
                *base,
                "optional-extra",
            )
        )
    return sorted(problems, key=lambda problem: (problem.where and problem.where.line) or 0)


def _table_problems(
    table: Mapping[str, Any], known: Mapping[str, Kind], path: tuple[str, ...], lines: KeyLines
) -> list[ConfigError]:
    shown = "[" + ".".join(path) + "]"
    problems = []
    for key, value in table.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            problems.append(
                lines.error(
                    f'unknown key "{key}" in {shown}{hint} (known keys: {", ".join(known)})',
                    *path,
                    key,
                )
            )
        elif not known[key].accepts(value):
            problems.append(
                lines.error(
                    f"{shown} {key} must be {known[key].value}, not {_toml(value)}", *path, key
                )
            )
    return problems


def _dependency_map_problems(mapping: Mapping[str, Any], lines: KeyLines) -> list[ConfigError]:
    path = ("tool", "nb2pkg", "dependency-map")
    problems = []
    for key, value in mapping.items():
        problem = import_name_problem(key)
        if problem:
            problems.append(
                lines.error(
                    f'[tool.nb2pkg.dependency-map] "{key}" is not an import name ({problem}); '
                    "the map goes from the name you import to its distribution, e.g. "
                    'sklearn = "scikit-learn"',
                    *path,
                    key,
                )
            )
        elif not isinstance(value, str) or not value.strip():
            problems.append(
                lines.error(
                    f"[tool.nb2pkg.dependency-map] {key} must be a distribution name string, "
                    f'e.g. {key} = "{key}", not {_toml(value)}',
                    *path,
                    key,
                )
            )
    return problems


def must_be_string(value: Any, rule: str, lines: KeyLines, *path: str) -> ConfigError | None:
    """Return an error saying *rule* unless the setting at *path* is a non-empty string."""
    if isinstance(value, str) and value.strip():
        return None
    return lines.error(f"{rule}, not {_toml(value)}", *path)


def _toml(value: Any) -> str:
    """Show a value as TOML writes it (true, "yes", ["nbs"]), cut short if it is long."""
    shown = _written(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _written(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return (
            "[" + ", ".join(_written(v) for v in value[:5]) + (", ..." if value[5:] else "") + "]"
        )
    if isinstance(value, dict):
        return "a table"
    return str(value)
