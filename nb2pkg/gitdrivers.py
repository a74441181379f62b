"""The commands git runs for notebooks: the merge driver and the diff textconv.

    nb2pkg hooks merge %O %A %B --marker-size %L --path %P
        read base, ours and theirs; merge them cell by cell (nbmerge); write the result
        over %A in Jupyter's layout; conflicts -> exit 1, and git marks the file conflicted
    nb2pkg hooks textconv FILE
        the notebook as reviewable text (nbtext)

The notebooks' project settings ([tool.nb2pkg.clean]) decide what counts as volatile. A
version that is not a notebook at all stops the merge before anything is written, so git
keeps ours in the work tree and reports the conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .clean import CleanOptions
from .clean_io import clean_options, project_config
from .errors import Location, Nb2pkgError, NotebookError
from .exit_codes import ExitCode
from .fsio import write_text_atomic
from .nbjson import Layout, dumps_jupyter
from .nbmerge import MergeOptions, NotebookMerge, merge_notebooks
from .nbtext import notebook_text
from .notebook import load_notebook_json, parse_notebook
from .report import count
from .textmerge import Markers

_UNSET_PLACEHOLDER = ("%S", "%X", "%Y")  # git before 2.44 passes these through as they are


@dataclass(frozen=True)
class MergeOutcome:
    """What the merge driver did, for git's terminal."""

    path: str
    merge: NotebookMerge

    @property
    def exit_code(self) -> ExitCode:
        """Return 1 if conflicts are left in the notebook (git then marks it conflicted)."""
        return ExitCode.found_if(self.merge.conflicts)

    def report(self) -> list[str]:
        """Return the lines to print: one per conflict and per decision taken for the user."""
        lines = [f"{self.path}: note: {note}" for note in self.merge.notes]
        for conflict in self.merge.conflicts:
            where = Location(self.path, conflict.index, conflict.cell_id)
            lines.append(
                f"{where}: conflict: {conflict.reason}; resolve the markers in this cell, "
                "then remove its nb2pkg-conflict tag"
            )
        conflicts = len(self.merge.conflicts)
        lines.append(
            f"{self.path}: merged cell by cell, {count(conflicts, 'conflict')} left"
            if conflicts
            else f"{self.path}: merged cell by cell"
        )
        return lines


def _read(data: bytes, shown: str) -> dict[str, Any]:
    """Parse one version, refusing cells nb2pkg cannot read (the merge must lose nothing)."""
    raw = load_notebook_json(data, shown)
    parse_notebook(data, Path(shown), shown)  # every cell checked: kind, source, unique ids
    return raw


def _label(value: str | None, default: str) -> str:
    return default if not value or value in _UNSET_PLACEHOLDER else value


def merge_files(
    base: Path,
    current: Path,
    other: Path,
    *,
    name: str | None = None,
    marker_size: int = 7,
    labels: tuple[str | None, str | None, str | None] = (None, None, None),
) -> MergeOutcome:
    """Merge the notebooks *base*, *current* (ours) and *other* (theirs) into *current*."""
    shown = name or current.name
    texts = []
    for path, side in ((base, "base"), (current, "ours"), (other, "theirs")):
        try:
            texts.append(path.read_bytes())
        except OSError as exc:
            raise NotebookError(f"{side} cannot be read: {exc.strerror}", Location(shown)) from None
    raw_base = _read(texts[0], f"{shown} (base)") if texts[0].strip() else None
    raw_ours = _read(texts[1], f"{shown} (ours)")
    raw_theirs = _read(texts[2], f"{shown} (theirs)")
    markers = Markers(
        ours=_label(labels[1], "ours"),
        base=_label(labels[0], "base"),
        theirs=_label(labels[2], "theirs"),
        size=marker_size,
        diff3=_conflict_style(current.parent) in ("diff3", "zdiff3"),
    )
    options = MergeOptions(markers, _options_for(name))
    merged = merge_notebooks(raw_base, raw_ours, raw_theirs, options)
    layout = Layout.of(texts[1].decode("utf-8", errors="replace"))
    write_text_atomic(
        current, dumps_jupyter(merged.notebook, layout), root=current.resolve().parent
    )
    return MergeOutcome(shown, merged)


def _options_for(name: str | None) -> CleanOptions:
    """Return the clean settings of the project the merged notebook belongs to."""
    if not name:
        return CleanOptions()
    try:
        return clean_options(project_config(Path(name).resolve().parent))
    except Nb2pkgError:  # the pyproject may itself be mid-merge: merge with the defaults
        return CleanOptions()


def _conflict_style(folder: Path) -> str:
    from .gitsetup import run_git

    try:
        result = run_git(["config", "--get", "merge.conflictStyle"], folder)
    except Nb2pkgError:
        return "merge"
    return result.stdout.strip() or "merge"


def textconv(path: Path) -> str:
    """Return the review text of the notebook at *path* (its raw text if it is not one)."""
    data = path.read_bytes()
    try:
        raw = load_notebook_json(data, path.name)
    except NotebookError:
        return data.decode("utf-8", errors="replace")
    try:
        options = clean_options(project_config(path.resolve().parent))
    except Nb2pkgError:
        options = CleanOptions()
    return notebook_text(raw, options)
