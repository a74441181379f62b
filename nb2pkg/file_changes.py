"""What an export does to each file: the values ``package_files`` plans, and applying them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .fsio import check_writable, ensure_inside, remove_file, write_text_atomic


class Action(str, Enum):
    """What an export does to one file."""

    WRITE = "write"
    CREATE = "create"
    KEEP = "keep"
    REMOVE = "remove"  # a stale generated module
    REMOVE_INIT = "remove-init"  # a generated __init__.py left without modules
    IDS = "ids"  # a notebook that got cell ids


@dataclass(frozen=True)
class FileChange:
    """One file an export touches; ``expect`` is the digest it had when read (or ABSENT)."""

    path: Path
    action: Action
    text: str | None = None
    expect: str | None = None
    module: bool = False  # a module of the plan (not a notebook or package __init__)


def apply_file_changes(changes: Iterable[FileChange], root: Path) -> list[Path]:
    """Check every target first (inside the project, writable), then write and remove.

    Returns the paths written or removed. A target that fails the check stops the whole
    run before any file is touched; a file changed on disk since it was read is not
    overwritten (``ConcurrentEdit``).
    """
    pending = [c for c in changes if c.action is not Action.KEEP]
    for change in pending:
        ensure_inside(root, change.path)
        check_writable(change.path, root=root)
    done = []
    for change in pending:
        if change.action in (Action.REMOVE, Action.REMOVE_INIT):
            remove_file(change.path, root=root, expect=change.expect)
        elif change.text is not None:
            write_text_atomic(change.path, change.text, root=root, expect=change.expect)
        done.append(change.path)
    return done
