"""Parse TOML text; every failure becomes a ``ConfigError`` naming the file and the line.

tomllib raises ``TOMLDecodeError`` for text that is not TOML, and ``RecursionError`` for
arrays or inline tables nested deeper than Python's recursion limit lets it follow (a few
hundred levels); what it reads is refused beyond ``MAX_DEPTH`` levels. All of it is the
user's input, not a bug: each is reported with its line.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from .errors import ConfigError, Location
from .nesting import deepest_nesting, depth_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_LINE = re.compile(r"line (\d+)")
# Deeper TOML is refused on reading, so that nothing later (copies, the layout scanner)
# comes near Python's recursion limit; configuration needs a few levels.
MAX_DEPTH = 100


def loads(text: str, file: str) -> dict[str, Any]:
    """Return the TOML document *text* (read from *file*), or raise a located ConfigError."""
    try:
        data = tomllib.loads(text)
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
    depth = depth_of(data)
    if depth > MAX_DEPTH:
        raise nested_too_deeply(text, file, depth)
    return data


def nested_too_deeply(text: str, file: str, depth: int | None = None) -> ConfigError:
    """Return the error for TOML whose values nest too deeply to be read (*depth* if known)."""
    line, depth_in_text = deepest_nesting(text)
    return ConfigError(
        f"nests tables, arrays and inline tables {depth or depth_in_text} levels deep; nb2pkg "
        f"reads TOML nested up to {MAX_DEPTH} levels: flatten the value that starts on this line",
        Location(file, line=line),
    )
