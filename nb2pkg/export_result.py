"""What an export found and did: the value ``generate`` returns and ``export`` prints.

Light on purpose (the types it names are only annotations here): an export found up to
date from its stamp builds one without importing the export stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .file_changes import Action, FileChange
from .report import Diagnostic, count

if TYPE_CHECKING:
    from .cache import BlockCache
    from .export_facts import ExportFacts
    from .plan import ExportPlan
    from .project import Project
    from .render import RenderedModule


@dataclass(frozen=True)
class ExportResult:
    """What an export found and did.

    ``project``, ``plan`` and ``modules`` are None/empty when the export was found up to
    date from its stamp (nothing read beyond file hashes); the counts are always there.
    """

    root: Path
    notebooks: int
    cells: int
    module_count: int
    changes: tuple[FileChange, ...]  # what was (or, on a dry run, would be) done
    warnings: tuple[Diagnostic, ...]
    written: bool  # False for a dry run
    project: Project | None = None
    plan: ExportPlan | None = None
    modules: tuple[RenderedModule, ...] = ()
    cache: BlockCache | None = field(default=None, compare=False, repr=False)
    # What it learnt per notebook and module, for the next export (``export_delta``).
    facts: ExportFacts | None = field(default=None, compare=False, repr=False)

    def paths(self, *actions: Action) -> list[Path]:
        """Return the paths of the changes with one of *actions*."""
        return [c.path for c in self.changes if c.action in actions]

    @property
    def changed(self) -> bool:
        """Tell whether the export wrote (or would write) or removed any file."""
        return any(c.action is not Action.KEEP for c in self.changes)

    def summary(self) -> str:
        """Return the one-line summary the CLI prints."""
        counts = {Action.WRITE: 0, Action.KEEP: 0, Action.REMOVE: 0}
        for change in self.changes:
            if change.module or change.action is Action.REMOVE:
                counts[Action.WRITE if change.action is Action.CREATE else change.action] += 1
        verb = "exported" if self.written else "would export"
        text = (
            f"{verb} {count(self.cells, 'cell')} from {count(self.notebooks, 'notebook')} into "
            f"{count(self.module_count, 'module')} ({counts[Action.WRITE]} written, "
            f"{counts[Action.KEEP]} unchanged, {counts[Action.REMOVE]} removed)"
        )
        ids = [path.relative_to(self.root).as_posix() for path in self.paths(Action.IDS)]
        if ids:
            named = ", ".join(ids) if len(ids) <= 3 else count(len(ids), "notebook")
            text += f"; added cell ids to {named} (as nbformat 4.5: markers name cells by id)"
        return text
