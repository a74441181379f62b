"""Write files atomically, and only inside the project.

Every file nb2pkg writes goes through ``write_text_atomic``: the text goes to a temporary
file in the same folder and replaces the target with one rename, so a reader (or a crashed
nb2pkg) never sees half a file. ``expect`` guards against a file that changed
on disk after nb2pkg read it: the write is refused instead of losing someone's edit.

A file the user made read-only is never replaced (``check_writable``; ``write_text_atomic``
and ``remove_file`` refuse it too). The temporary files have one exact name pattern,
``.<name>.<8 random characters>.tmp`` (``is_temp_name``): a run killed between creating
one and renaming it leaves it behind, and later runs remove such leftovers
(``remove_stale_temp_files``) and never package them.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import ConcurrentEdit, Location, Nb2pkgError

#: ``expect`` value for a file that must not exist yet (it is being created).
ABSENT = "absent"
# The temporary file of a write is named ".{name}.XXXXXXXX.tmp" (mkstemp's 8 characters).
_TEMP_EXTRA = len("..") + 8 + len(".tmp")

#: tempfile's names: the prefix, eight characters of its alphabet, the suffix.
_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp")


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


def read_text_exact(path: Path) -> str:
    """Return a UTF-8 file's text as it is: line endings untranslated, a BOM kept as U+FEFF.

    Text read this way and written back with ``write_text_atomic`` keeps every byte the
    edit did not change (``Path.read_text`` would turn CRLF into LF).
    """
    return path.read_bytes().decode("utf-8")


def write_text_atomic(path: Path, text: str, *, root: Path, expect: str | None = None) -> None:
    """Replace *path* with *text* in one rename; refuse if it changed since read (*expect*)."""
    write_chunks_atomic(path, [text.encode("utf-8")], root=root, expect=expect)


def write_chunks_atomic(
    path: Path, chunks: Iterable[bytes], *, root: Path, expect: str | None = None
) -> None:
    """Like ``write_text_atomic``, the bytes coming in *chunks*: a large file is written
    without ever being held whole in memory."""
    target = ensure_inside(root, path)
    check_writable(target, root=root)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            # No fsync: the rename makes the write atomic for every reader; forcing each file
            # to disk would cost more than the export itself and protects only against a
            # power cut, after which a re-export rebuilds everything.
            for chunk in chunks:
                stream.write(chunk)
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


def remove_file(path: Path, *, root: Path, expect: str | None = None) -> None:
    """Delete *path* (inside the project) and any folders it leaves empty below *root*."""
    target = ensure_inside(root, path)
    check_writable(target, root=root)
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


def check_writable(path: Path, *, root: Path) -> None:
    """Refuse to replace or remove *path* if it, or the folder it goes into, is read-only.

    Read-only means what the user can see: no write permission for nb2pkg's user, or no
    write bit at all (the superuser may write anything, but a file made read-only is a
    file someone does not want changed).
    """
    target = ensure_inside(root, path)
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    for place, kind in ((target, "file"), (folder, "folder")):
        if not place.exists() or _writable(place):
            continue
        relative = os.path.relpath(place, root.resolve())
        raise Nb2pkgError(
            f"the {kind} {relative} is read-only, so nb2pkg will not "
            f"{'replace' if kind == 'file' else 'write into'} it and wrote nothing; make it "
            f"writable (chmod u+w {relative}) and run the command again",
            Location(os.path.relpath(target, root.resolve())),
        )


def check_all_writable(paths: Iterable[Path], *, root: Path) -> None:
    """Refuse before the first write if any of *paths* may not be written (``check_writable``)."""
    for path in paths:
        check_writable(path, root=root)


def is_temp_name(name: str) -> bool:
    """Tell whether a file name is one of ``write_text_atomic``'s temporary names."""
    return _TEMP_NAME.fullmatch(name) is not None


def remove_stale_temp_files(
    folders: Iterable[Path], *, root: Path, before: float, recursive: bool = True
) -> list[Path]:
    """Remove nb2pkg's temporary files older than *before* (a time) under *folders*.

    Only names of exactly the temporary pattern go, and only files last changed before the
    current run began, so a file another nb2pkg is writing right now stays. Hidden
    subfolders (``.git``, checkpoints) and links are not searched.
    """
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for current, subfolders, files in os.walk(folder):
            subfolders[:] = sorted(d for d in subfolders if recursive and not d.startswith("."))
            for name in sorted(files):
                if not is_temp_name(name):
                    continue
                place = ensure_inside(root, Path(current)) / name  # never a link out
                try:
                    if not place.is_symlink() and place.stat().st_mtime < before:
                        place.unlink()
                        removed.append(place)
                except FileNotFoundError:  # another run removed or renamed it first
                    continue
    return removed


def _writable(path: Path) -> bool:
    any_write_bit = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & any_write_bit)
