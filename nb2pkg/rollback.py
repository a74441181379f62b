"""Put files back as they were when what follows a batch of writes fails.

``nb2pkg build`` decides everything before it writes, but a backend other than flit reads
the exported modules and the pyproject from disk, so they are written before it runs, and
a backend can still fail on its own (a setuptools configuration error, say). ``Snapshot``
keeps the bytes, permissions and times of every file the batch will write or remove;
``restore`` puts them back, removes files the batch created and the folders it made, so
the refused build leaves every byte of the project as it was.

A file that changed again after the batch wrote it (someone saved it meanwhile) is not
touched: ``restore`` returns it, and the caller says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .fsio import ensure_inside, write_text_atomic


@dataclass(frozen=True)
class _Saved:
    path: Path
    data: bytes | None  # None: the file did not exist
    written: bytes | None  # what the batch puts there; None: it removes the file
    mode: int
    times: tuple[int, int]  # access and modification time, in nanoseconds


class Snapshot:
    """The state of the files a batch of writes is about to change."""

    def __init__(self, root: Path, planned: Mapping[Path, str | None]) -> None:
        """Remember the files of *planned* (path: the text to be written, None: removed)."""
        self.root = root
        self.saved: list[_Saved] = []
        self.folders: list[Path] = []  # missing now; a write may create them
        for path, text in planned.items():
            target = ensure_inside(root, path)
            written = None if text is None else text.encode("utf-8")
            try:
                status = target.stat()
                data = target.read_bytes()
            except FileNotFoundError:
                self.saved.append(_Saved(target, None, written, 0o644, (0, 0)))
                self.folders.extend(self._missing_folders(target.parent))
                continue
            times = (status.st_atime_ns, status.st_mtime_ns)
            self.saved.append(_Saved(target, data, written, status.st_mode & 0o777, times))

    def restore(self) -> list[Path]:
        """Put every file back; return those left alone because they changed again."""
        changed_again: list[Path] = []
        for saved in self.saved:
            current = _read(saved.path)
            if current == saved.data:
                continue  # never written, or written back already
            if current != saved.written:
                changed_again.append(saved.path)
                continue
            if saved.data is None:
                saved.path.unlink()
                continue
            text = saved.data.decode("utf-8")  # it was read as UTF-8 text before the batch
            write_text_atomic(saved.path, text, root=self.root)
            os.chmod(saved.path, saved.mode)
            os.utime(saved.path, ns=saved.times)
        for folder in sorted(set(self.folders), key=lambda p: len(p.parts), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return changed_again

    def _missing_folders(self, folder: Path) -> list[Path]:
        missing = []
        while not folder.exists() and folder != self.root.resolve():
            missing.append(folder)
            folder = folder.parent
        return missing


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
