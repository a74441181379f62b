"""Where nb2pkg keeps derived data in a project, and what invalidates all of it.

Every cache under ``.nb2pkg/`` is salted with ``code_fingerprint``: a changed nb2pkg may
read or render differently, whatever its version says.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .fsio import ensure_inside, write_chunks_atomic, write_text_atomic

CACHE_DIR = ".nb2pkg"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash nb2pkg's own source: a changed nb2pkg renders differently, whatever its version."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(__file__).resolve().parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def home_identity(folder: Path) -> list[int] | None:
    """Return the identity (device, inode) of the folder a cache file lives in, or None.

    Every cache record carries the identity of its folder, and is read only from that same
    folder: a cache file committed, copied or checked out from elsewhere lands in a folder
    made anew, so derived data cannot be planted in a project (a planted block would put
    code in a module that no notebook holds). A moved project costs one slow run.
    """
    try:
        status = folder.stat()
    except OSError:
        return None
    return [status.st_dev, status.st_ino]


def read_cache_file(path: Path, salt: object) -> dict[str, Any]:
    """Return what a cache file holds if it was written here with *salt*; {} otherwise
    (missing, corrupt, too deep, written by another nb2pkg, for other options, or not in
    this folder)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("salt") != [salt, home_identity(path.parent)]:
        return {}
    return data


def write_cache_file(
    root: Path,
    path: Path,
    salt: object,
    record: dict[str, Any],
    encode: Callable[[Any], Any] = lambda entry: entry,
) -> None:
    """Write a cache file (atomically, inside *root*, salted with its folder's identity),
    and the ``.gitignore`` that keeps the cache folder out of git. Each entry of a table
    in *record* is written as ``encode`` makes it, one at a time."""
    ensure_inside(root, path).parent.mkdir(parents=True, exist_ok=True)
    ignore = root / CACHE_DIR / ".gitignore"
    if not ignore.exists():
        write_text_atomic(ignore, "# nb2pkg's cache: safe to delete\n*\n", root=root)
    salted = [salt, home_identity(path.parent)]
    write_chunks_atomic(path, _json_chunks({"salt": salted, **record}, encode), root=root)


def _json_chunks(
    record: dict[str, Any], encode: Callable[[Any], Any] = lambda entry: entry
) -> Iterator[bytes]:
    """Yield *record* as JSON, a top-level value or one entry of a table value at a time:
    the caches hold every block and notebook of a project, and their text whole would be
    the largest thing a run holds."""

    def dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")

    yield b"{"
    for index, (key, value) in enumerate(record.items()):
        yield (b", " if index else b"") + dumps(key) + b": "
        if isinstance(value, dict):
            yield b"{"
            for number, (name, entry) in enumerate(value.items()):
                yield (b", " if number else b"") + dumps(name) + b": " + dumps(encode(entry))
            yield b"}"
        else:
            yield dumps(value)
    yield b"}"
