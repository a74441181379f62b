"""``nb2pkg export``: notebooks → package modules.

    (the export stamp says nothing changed? done)
    result = generate(project, ...)         # generate.py: plan, render, check, file changes
    write_export(result)                    # guarded atomic writes, only changed files;
                                            # leftovers of killed runs removed first
    remember_export(result, ...)            # stamp: the next run with no change is free

Any error before ``write_export`` means nothing is written.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import load_config
from ..export_result import ExportResult
from ..export_stamp import remember_export, remove_leftovers, stamped_result

if TYPE_CHECKING:
    from ..package_files import PackageFiles
    from ..project import Project

__all__ = ["ExportResult", "export_project"]


def export_project(
    path: Path | None = None,
    *,
    project: Project | None = None,
    drop_magics: bool | None = None,
    dry_run: bool = False,
    check: bool = True,
    discard_edits: bool = False,
    files: PackageFiles | None = None,
) -> ExportResult:
    """Export the project at *path*; write nothing if anything is wrong, or on a dry run.

    Without a ready *project*, an export whose inputs and outputs are exactly as the last
    one left them is recognised from its stamp and returns at once. The options are those
    of ``generate``.
    """
    started = time.time()
    stamped = project is None
    if project is None:
        config = load_config(path)
        previous = None if dry_run else stamped_result(config, drop_magics, check)
        if previous is not None:
            remove_leftovers(config, started)
            return previous
    # The export stage is imported only past the stamp: a no-op export never loads it.
    from ..generate import generate, write_export
    from ..project import load_project

    if project is None:
        project = load_project(config=config)
    result = generate(
        project,
        drop_magics=drop_magics,
        check=check,
        discard_edits=discard_edits,
        files=files,
        written=not dry_run,
    )
    if not dry_run:
        remove_leftovers(project.config, started)
        write_export(result)
        if stamped:
            remember_export(result, project.config, drop_magics, check)
    return result
