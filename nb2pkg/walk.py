"""The one walk of each folder nb2pkg reads: the notebooks, and the package's ``.py`` files.

Light on purpose: the export stamp hashes what these return before anything heavier is
imported (a no-op export stops there).
"""

from __future__ import annotations

import os
from pathlib import Path

_SKIPPED_FOLDERS = (".ipynb_checkpoints",)


def find_notebooks(folder: Path, *, recursive: bool = True) -> list[Path]:
    """Return the notebooks under *folder*, sorted; skip checkpoints and _/. names."""
    found: list[tuple[str, Path]] = []  # (path below the folder, posix), path
    for current, folders, files in os.walk(folder):
        below = os.path.relpath(current, folder)
        below = "" if below == "." else below.replace(os.sep, "/") + "/"
        folders[:] = [
            f
            for f in folders
            if recursive and not f.startswith(("_", ".")) and f not in _SKIPPED_FOLDERS
        ]
        for name in files:
            if name.endswith(".ipynb") and not name.startswith(("_", ".")):
                path = Path(current, name)
                if path.is_file():  # a link to nothing is not a notebook
                    found.append((below + name, path))
    return [path for _, path in sorted(found, key=lambda item: item[0])]


def python_files(lib_dir: Path) -> list[Path]:
    """Return every ``.py`` file under *lib_dir*, sorted (the one walk of the package)."""
    if not lib_dir.is_dir():
        return []
    return sorted(p for p in lib_dir.rglob("*.py") if "__pycache__" not in p.parts)
