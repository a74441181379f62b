"""``nb2pkg export``: notebooks → package modules.

    (the export stamp says nothing changed? done)
    (only some notebooks changed? export_delta redoes what they touch, or declines)
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

from ..config import Config, load_config
from ..export_result import ExportResult
from ..export_stamp import remember_export, remove_leftovers, stamp_state, up_to_date_result

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
    state = None
    if project is None:
        config = load_config(path)
        state = None if dry_run else stamp_state(config, drop_magics, check)
        previous = None if state is None else up_to_date_result(state)
        if previous is not None:
            remove_leftovers(config, started)
            return previous
        if state is not None and files is None and not discard_edits:
            # Only some notebooks changed: redo what they touch, if that is all there is.
            from ..export_delta import export_changed

            result = export_changed(config, state, drop_magics, check)
            if result is not None:
                _write(result, config, started)
                remember_export(result, config, drop_magics, check, before=state)
                return result
    # The export stage is imported only past the stamp: a no-op export never loads it.
    from ..generate import generate
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
        _write(result, project.config, started)
        if stamped:
            remember_export(result, project.config, drop_magics, check)
    return result


def _write(result: ExportResult, config: Config, started: float) -> None:
    from ..generate import write_export

    remove_leftovers(config, started)
    write_export(result)
