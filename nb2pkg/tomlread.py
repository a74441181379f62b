"""Parse TOML text; every failure becomes a ``ConfigError`` naming the file and the line.

tomllib raises ``TOMLDecodeError`` for text that is not TOML, and ``RecursionError`` for
arrays or inline tables nested deeper than Python's recursion limit lets it follow (a few
hundred levels). Both are the user's input, not a bug: each is reported with its line.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from .errors import ConfigError, Location

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_LINE = re.compile(r"line (\d+)")


def loads(text: str, file: str) -> dict[str, Any]:
    """Return the TOML document *text* (read from *file*), or raise a located ConfigError."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _LINE.search(message)
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise ConfigError(
            f"is not valid TOML: {message.split(' (at ')[0]}; fix the file and run again",
            Location(file, line=line),
        ) from None
    except RecursionError:
        raise nested_too_deeply(text, file) from None


def nested_too_deeply(text: str, file: str) -> ConfigError:
    """Return the error for TOML whose arrays or inline tables nest too deeply to be read."""
    line, depth = deepest_nesting(text)
    return ConfigError(
        f"is not readable TOML: arrays or inline tables are nested {depth} deep, more than "
        "can be read; flatten the value",
        Location(file, line=line),
    )


def deepest_nesting(text: str) -> tuple[int, int]:
    """Return (line, depth) of the most deeply nested value: the line its outermost bracket opens.

    Brackets inside strings and comments do not count. One pass over the text.
    """
    depth = deepest = 0
    line = opened = deepest_line = 1
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\n":
            line += 1
        elif char == "#":
            end = text.find("\n", index)
            index = length if end < 0 else end
            continue
        elif char in "\"'":
            index, line = _string_end(text, index, line)
            continue
        elif char in "[{":
            if depth == 0:
                opened = line
            depth += 1
            if depth > deepest:
                deepest, deepest_line = depth, opened
        elif char in "]}" and depth:
            depth -= 1
        index += 1
    return deepest_line, deepest


def _string_end(text: str, start: int, line: int) -> tuple[int, int]:
    """Return the index after the string opening at *start*, and the line it ends on."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        end = text.find(quote * 3, start + 3)
        while end > 0 and quote == '"' and _escaped(text, end):
            end = text.find(quote * 3, end + 1)
        stop = len(text) if end < 0 else end + 3
    else:
        stop = start + 1
        while stop < len(text) and text[stop] not in (quote, "\n"):
            stop += 2 if quote == '"' and text[stop] == "\\" else 1
        stop = min(stop + 1, len(text)) if stop < len(text) and text[stop] == quote else stop
    return stop, line + text.count("\n", start, stop)


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1
