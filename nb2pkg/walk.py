"""The one walk of each folder nb2pkg reads: the notebooks, and the package's ``.py`` files.

Light on purpose: the export stamp hashes what these return before anything heavier is
imported (a no-op export stops there).
"""

from __future__ import annotations

from pathlib import Path

_SKIPPED_FOLDERS = (".ipynb_checkpoints",)


def find_notebooks(folder: Path, *, recursive: bool = True) -> list[Path]:
    """Return the notebooks under *folder*, sorted; skip checkpoints and _/. names."""
    pattern = "**/*.ipynb" if recursive else "*.ipynb"
    found = []
    for path in folder.glob(pattern):
        parts = path.relative_to(folder).parts
        if any(part.startswith(("_", ".")) or part in _SKIPPED_FOLDERS for part in parts):
            continue
        if path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def python_files(lib_dir: Path) -> list[Path]:
    """Return every ``.py`` file under *lib_dir*, sorted (the one walk of the package)."""
    if not lib_dir.is_dir():
        return []
    return sorted(p for p in lib_dir.rglob("*.py") if "__pycache__" not in p.parts)
