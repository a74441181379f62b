"""Clean one notebook file's bytes with the settings of the project that holds it.

The layer between the pure ``clean`` (what goes, what stays, over a notebook's JSON) and
everything that cleans files: ``nb2pkg clean``, git's filter (``gitfilter``), the merge
driver (``gitdrivers``) and check's NB702 (``vcs_checks``)::

    options = clean_options(project_config(start))   # [tool.nb2pkg.clean], nbdev's settings
    cleaned = clean_bytes(data, shown, options)       # cleaned and laid out as Jupyter writes
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .clean import CleanOptions, clean_in_place
from .config import Config, find_project_root, load_config, read_toml
from .errors import ConfigError, Location, NotebookError
from .nbjson import Layout, dumps_jupyter
from .notebook import load_notebook_json

_LAYOUT = "layout (Jupyter writes one-space indents, sorted keys, lines split)"


@dataclass(frozen=True)
class CleanText:
    """One notebook's cleaned text and what cleaning removed (empty: it was clean)."""

    text: str
    removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Return True if the notebook was not clean."""
        return bool(self.removed)


def clean_options(config: Config | None, outputs: bool | None = None) -> CleanOptions:
    """Return the clean options of a project (defaults without one), *outputs* overriding."""
    table = dict(config.clean) if config else {}
    return CleanOptions(
        outputs=table.get("outputs", False) if outputs is None else outputs,
        keep_metadata=tuple(table.get("keep-metadata", ())),
        keep_cell_metadata=tuple(table.get("keep-cell-metadata", ())),
        strip_metadata=tuple(table.get("strip-metadata", ())),
        strip_cell_metadata=tuple(table.get("strip-cell-metadata", ())),
        keep_object_addresses=table.get("keep-object-addresses", False),
    )


def project_config(start: Path) -> Config | None:
    """Return the configuration of the project holding *start*, or None outside projects.

    A pyproject.toml of another tool (no [project], [tool.nb2pkg] or [tool.nbdev]) is not a
    project here: a repository may use nb2pkg only to clean its notebooks.
    """
    try:
        root = find_project_root(start)
    except ConfigError:
        return None
    pyproject = root / "pyproject.toml"
    if not (root / "settings.ini").is_file():
        data = read_toml(pyproject)
        tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
        if "project" not in data and not {"nb2pkg", "nbdev"} & set(tool or {}):
            return None
    return load_config(root)


def clean_bytes(data: bytes, shown: str, options: CleanOptions) -> CleanText:
    """Clean one notebook file's bytes; raise NotebookError if they are not a notebook."""
    raw = load_notebook_json(data, shown)  # a fresh dict: cleaned and laid out in place
    try:
        removed = clean_in_place(raw, options)
        layout = Layout.of(data.decode("utf-8", errors="replace"))
        text = dumps_jupyter(raw, layout, copy_first=False)
    except RecursionError:
        raise NotebookError("is nested too deeply to be a notebook", Location(shown)) from None
    try:
        same = text.encode("utf-8") == data
    except UnicodeEncodeError:
        raise NotebookError(
            "holds a lone surrogate (an escaped \\ud800-\\udfff character) that cannot be "
            "written as UTF-8; remove it",
            Location(shown),
        ) from None
    return CleanText(text, removed or (() if same else (_LAYOUT,)))


def volatile_parts(data: bytes, shown: str, options: CleanOptions) -> tuple[str, ...]:
    """Return what clean would remove from a notebook file's bytes (its layout aside).

    Cheaper than ``clean_bytes``: nothing is serialised, which is most of the cost.
    """
    raw = load_notebook_json(data, shown)
    try:
        return clean_in_place(raw, options)
    except RecursionError:
        raise NotebookError("is nested too deeply to be a notebook", Location(shown)) from None
