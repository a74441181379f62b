"""Where nb2pkg keeps derived data in a project, and what invalidates all of it.

Every cache under ``.nb2pkg/`` is salted with ``code_fingerprint``: a changed nb2pkg may
read or render differently, whatever its version says.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .fsio import write_text_atomic

CACHE_DIR = ".nb2pkg"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash nb2pkg's own source: a changed nb2pkg renders differently, whatever its version."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(__file__).resolve().parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_cache_file(path: Path, salt: object) -> dict[str, Any]:
    """Return what a cache file holds if it was written with *salt*; {} otherwise (missing,
    corrupt, too deep, or written by another nb2pkg or for other options)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("salt") != salt:
        return {}
    return data


def write_cache_file(root: Path, path: Path, salt: object, record: dict[str, Any]) -> None:
    """Write a cache file (atomically, inside *root*), and the ``.gitignore`` that keeps
    the cache folder out of git."""
    ignore = root / CACHE_DIR / ".gitignore"
    if not ignore.exists():
        write_text_atomic(ignore, "# nb2pkg's cache: safe to delete\n*\n", root=root)
    text = json.dumps({"salt": salt, **record}, ensure_ascii=False)
    write_text_atomic(path, text, root=root)
