"""Write files atomically, and only inside the project.

Every file nb2pkg writes goes through ``write_text_atomic``: the text goes to a temporary
file in the same folder and replaces the target with one rename, so a reader (or a crashed
nb2pkg) never sees half a file. ``expect`` guards against a file that changed
on disk after nb2pkg read it: the write is refused instead of losing someone's edit.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

from .errors import ConcurrentEdit, Location, Nb2pkgError

#: ``expect`` value for a file that must not exist yet (it is being created).
ABSENT = "absent"
# The temporary file of a write is named ".{name}.XXXXXXXX.tmp" (mkstemp's 8 characters).
_TEMP_EXTRA = len("..") + 8 + len(".tmp")


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
        _guard(target, root, expect)
        os.replace(temp_name, target)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise


def name_problem(path: Path) -> str | None:
    """Return why ``write_text_atomic`` could not create *path*: a folder name, the file name
    (with its temporary file's) or the whole path longer than the file system holds."""
    path = Path(os.path.abspath(path))
    name_max, path_max = _limits(path.parent)
    for part in path.parent.parts[1:]:
        size = len(os.fsencode(part))
        if size > name_max:
            return (
                f'the folder name "{part}" would be {size} bytes long, and the file system '
                f"holds names of up to {name_max} bytes"
            )
    size = len(os.fsencode(path.name))
    if size + _TEMP_EXTRA > name_max:
        return (
            f"its file name would be {size} bytes long, and the file system "
            f"holds names of up to {name_max} bytes ({name_max - _TEMP_EXTRA} here, leaving "
            "room for the temporary file of an atomic write)"
        )
    size = len(os.fsencode(str(path)))
    if size + _TEMP_EXTRA >= path_max:
        return (
            f"its path would be {size} bytes long, and the file system holds paths of up to "
            f"{path_max - 1 - _TEMP_EXTRA} bytes (with the temporary file of an atomic write)"
        )
    return None


def _limits(folder: Path) -> tuple[int, int]:
    """Return the longest name and path (bytes, the path counting its final NUL) at *folder*."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    name_max, path_max = 255, 260 if sys.platform == "win32" else 4096
    pathconf = getattr(os, "pathconf", None)  # not on Windows
    if pathconf is not None:
        try:
            name_max = pathconf(folder, "PC_NAME_MAX")
            path_max = pathconf(folder, "PC_PATH_MAX")
        except (OSError, ValueError):
            pass  # the file system does not say: keep the common limits
    return name_max, path_max


def check_writable(path: Path, *, root: Path) -> None:
    """Refuse a target nb2pkg may not replace: read-only, or in a read-only folder."""
    target = ensure_inside(root, path)
    where = Location(os.path.relpath(target, root.resolve()))
    if target.exists() and not os.access(target, os.W_OK):
        raise Nb2pkgError(
            "the file is read-only; nb2pkg does not replace files it may not write. Make it "
            "writable (chmod u+w) or leave it out of the project, then run the command again",
            where,
        )
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Nb2pkgError(
            f"the folder {os.path.relpath(folder, root.resolve())} is read-only; nothing was "
            "written",
            where,
        )


def remove_file(path: Path, *, root: Path, expect: str | None = None) -> None:
    """Delete *path* (inside the project) and any folders it leaves empty below *root*."""
    target = ensure_inside(root, path)
    _guard(target, root, expect)
    target.unlink()
    folder = target.parent
    while folder != root.resolve() and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _guard(target: Path, root: Path, expect: str | None) -> None:
    """Refuse if *target* is no longer as it was read (*expect*: its digest, or ABSENT)."""
    if expect is None:
        return
    current = _current_digest(target)
    if current == expect or (expect == ABSENT and current is None):
        return
    raise ConcurrentEdit(
        "changed on disk while nb2pkg was working; nothing was written to it. "
        "Run the command again",
        Location(os.path.relpath(target, root.resolve())),
    )


def _current_digest(path: Path) -> str | None:
    try:
        return digest_bytes(path.read_bytes())
    except FileNotFoundError:
        return None
