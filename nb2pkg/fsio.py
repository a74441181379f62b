"""Write files atomically, and only inside the project.

Every file nb2pkg writes goes through ``write_text_atomic``: the text goes to a temporary
file in the same folder and replaces the target with one rename, so a reader (or a crashed
nb2pkg) never sees half a file. ``expect`` guards against a file that changed
on disk after nb2pkg read it: the write is refused instead of losing someone's edit.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from .errors import Location, Nb2pkgError


class ConcurrentEdit(Nb2pkgError):
    """A file changed on disk between reading it and writing it back."""

    exit_code = 1


def digest_bytes(data: bytes) -> str:
    """Return a hex digest of *data*, used to notice files that changed under us."""
    return hashlib.sha256(data).hexdigest()


def ensure_inside(root: Path, path: Path) -> Path:
    """Return *path* resolved, refusing anything outside the project *root*."""
    resolved = path.resolve()
    root = root.resolve()
    if resolved != root and root not in resolved.parents:
        raise Nb2pkgError(
            f"refusing to write {resolved}: it is outside the project {root}",
            Location(str(path)),
        )
    return resolved


def write_text_atomic(path: Path, text: str, *, root: Path, expect: str | None = None) -> None:
    """Replace *path* with *text* in one rename; refuse if it changed since read (*expect*)."""
    target = ensure_inside(root, path)
    data = text.encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            # No fsync: the rename makes the write atomic for every reader; forcing each file
            # to disk would cost more than the export itself and protects only against a
            # power cut, after which a re-export rebuilds everything.
            stream.write(data)
        if target.exists():
            os.chmod(temp_name, target.stat().st_mode & 0o777)
        else:
            os.chmod(temp_name, 0o644)
        if expect is not None and _current_digest(target) != expect:
            raise ConcurrentEdit(
                "changed on disk while nb2pkg was working; nothing was written to it. "
                "Run the command again",
                Location(os.path.relpath(target, root)),
            )
        os.replace(temp_name, target)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise


def remove_file(path: Path, *, root: Path) -> None:
    """Delete *path* (inside the project) and any folders it leaves empty below *root*."""
    target = ensure_inside(root, path)
    target.unlink()
    folder = target.parent
    while folder != root.resolve() and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _current_digest(path: Path) -> str | None:
    try:
        return digest_bytes(path.read_bytes())
    except FileNotFoundError:
        return None
