"""Where nb2pkg keeps derived data in a project, and what invalidates all of it.

Every cache under ``.nb2pkg/`` is salted with ``code_fingerprint``: a changed nb2pkg may
read or render differently, whatever its version says.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .errors import Nb2pkgError
from .fsio import ensure_inside, write_text_atomic

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


def write_cache_file(root: Path, path: Path, salt: object, record: dict[str, Any]) -> None:
    """Write one cache file (see ``write_cache_files``)."""
    write_cache_files(root, path.parent, salt, [(path.name, record)])


def write_cache_files(
    root: Path,
    folder: Path,
    salt: object,
    records: Iterable[tuple[str, dict[str, Any]]],
) -> None:
    """Write cache files into *folder* (inside *root*), each atomically and salted with the
    folder's identity, and the ``.gitignore`` that keeps the cache folder out of git.

    One file per notebook or module keeps each small (a project's whole cache as one text
    was the largest thing a run held). The folder is checked once; a file that cannot be written is left out, since a cache
    only saves time (the next run renders or reads what it lacks).
    """
    folder = ensure_inside(root, folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = root.resolve() / CACHE_DIR / ".gitignore"
        if not ignore.exists():
            write_text_atomic(ignore, "# nb2pkg's cache: safe to delete\n*\n", root=root)
    except (OSError, Nb2pkgError):
        return
    identity = home_identity(folder)
    for name, record in records:
        if Path(name).name != name:
            raise ValueError(f"not a file name: {name!r}")
        data = json.dumps({"salt": [salt, identity], **record}, ensure_ascii=False)
        # Written in place, not through a temporary file and a rename: a reader that finds
        # a file half written (another run, or one stopped) cannot parse it and reads the
        # notebook or renders the block itself, so atomicity buys nothing here.
        try:
            (folder / name).write_bytes(data.encode("utf-8"))
        except OSError:
            continue
