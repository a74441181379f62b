"""What an export does to each file: the values ``package_files`` plans and applies."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path


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
