"""Run black over exported code: the one place that touches black (it has no stable API)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any


def format_code(code: str, black_settings: Mapping[str, Any] | None = None) -> str:
    """Return *code* formatted by black with the project's ``[tool.black]`` settings."""
    import black  # heavy: only projects with format = true pay for it

    unstable: Any = black  # black has no stable API: its names are not all re-exported
    nothing_changed: type[Exception] = unstable.NothingChanged
    mode = _mode(tuple(sorted((black_settings or {}).items(), key=lambda kv: kv[0])))
    try:
        return black.format_str(code, mode=mode)
    except nothing_changed:
        return code


def try_format(code: str, black_settings: Mapping[str, Any] | None = None) -> str | None:
    """Return *code* formatted by black, or None if black cannot format it."""
    import black

    unstable: Any = black
    invalid: type[Exception] = unstable.InvalidInput
    try:
        return format_code(code, black_settings)
    except invalid:
        return None


@lru_cache(maxsize=8)
def _mode(settings: tuple[tuple[str, Any], ...]) -> Any:
    import black

    options = dict(settings)
    unstable: Any = black  # black has no stable API: its names are not all re-exported
    versions = unstable.TargetVersion
    targets = {
        versions[str(v).upper()]
        for v in _as_list(options.get("target-version", options.get("target_version")))
        if str(v).upper() in versions.__members__
    }
    return black.Mode(
        target_versions=targets,
        line_length=int(options.get("line-length", options.get("line_length", 88))),
        string_normalization=not options.get("skip-string-normalization", False),
        magic_trailing_comma=not options.get("skip-magic-trailing-comma", False),
        preview=bool(options.get("preview", False)),
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def black_settings(pyproject: Mapping[str, Any]) -> dict[str, Any]:
    """Return the ``[tool.black]`` table of a parsed pyproject (empty if none)."""
    tool = pyproject.get("tool", {})
    black_table = tool.get("black", {}) if isinstance(tool, dict) else {}
    return dict(black_table) if isinstance(black_table, dict) else {}
