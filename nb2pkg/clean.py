"""Decide what of a notebook changes without a code change, and remove it.

Removed by default: execution counts (of cells and of results), timings (``execution``,
``ExecuteTime``, papermill's records), view state (``collapsed``, ``scrolled``, JupyterLab's
``jupyter.source_hidden`` / ``outputs_hidden``, collapsed headings), widget state (and the
widget views that point into it), the notebook ``signature``, the Python version in
``language_info`` and the interpreter VS Code records, and memory addresses in object reprs
(``<Foo object at 0x7f…>``). Kept: cell ids, tags (papermill's ``parameters`` too), sources
with their directives, attachments, every other metadata key, and outputs, unless
``outputs`` is set.

Pure functions over the notebook's JSON: ``clean_notebook`` returns a new dict and the list
of what it removed; nothing here reads or writes files.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Notebook metadata removed by default (dotted paths reach into nested tables).
NOTEBOOK_METADATA = (
    "signature",
    "widgets",
    "language_info.version",
    "vscode.interpreter",
    "papermill",
    "orig_nbformat",
    "orig_nbformat_minor",
)
#: Cell metadata removed by default.
CELL_METADATA = (
    "execution",
    "ExecuteTime",
    "collapsed",
    "scrolled",
    "jupyter.outputs_hidden",
    "jupyter.source_hidden",
    "heading_collapsed",
    "hidden",
    "papermill",
    "trusted",
)
CONFLICT_TAG = "nb2pkg-conflict"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+(?=>)")


@dataclass(frozen=True)
class CleanOptions:
    """What to remove beyond the defaults, and what to keep of them."""

    outputs: bool = False  # remove outputs as well
    keep_metadata: tuple[str, ...] = ()  # notebook metadata kept although listed above
    keep_cell_metadata: tuple[str, ...] = ()
    strip_metadata: tuple[str, ...] = ()  # notebook metadata removed in addition
    strip_cell_metadata: tuple[str, ...] = ()
    keep_object_addresses: bool = False

    def notebook_rules(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return the notebook metadata paths to remove and those to keep."""
        return (*NOTEBOOK_METADATA, *self.strip_metadata), self.keep_metadata

    def cell_rules(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return the cell metadata paths to remove and those to keep."""
        return (*CELL_METADATA, *self.strip_cell_metadata), self.keep_cell_metadata

    @property
    def keeps_widgets(self) -> bool:
        """Return True if widget state is kept (then widget views in outputs are kept too)."""
        strip, keep = self.notebook_rules()
        return "widgets" not in strip or any(_split(k)[0] == "widgets" for k in keep)


@dataclass(frozen=True)
class Cleaned:
    """A cleaned notebook and a short description of each kind of thing removed."""

    notebook: dict[str, Any]
    removed: tuple[str, ...]


def clean_notebook(raw: dict[str, Any], options: CleanOptions | None = None) -> Cleaned:
    """Return a copy of *raw* without what changes when nothing but a re-run happened."""
    notebook = copy.deepcopy(raw)
    return Cleaned(notebook, clean_in_place(notebook, options))


def clean_in_place(
    notebook: dict[str, Any], options: CleanOptions | None = None
) -> tuple[str, ...]:
    """Clean *notebook* itself (a dict nobody else holds); return what was removed."""
    options = options or CleanOptions()
    removed: dict[str, None] = {}  # ordered set of descriptions
    strip, keep = options.notebook_rules()
    metadata = notebook.get("metadata")
    if isinstance(metadata, dict):
        for path in remove_paths(metadata, strip, keep):
            removed[f'notebook metadata "{path}"'] = None
    cells = notebook.get("cells")
    for cell in cells if isinstance(cells, list) else ():
        if isinstance(cell, dict):
            for what in _clean_cell(cell, options):
                removed[what] = None
    return tuple(removed)


def _clean_cell(cell: dict[str, Any], options: CleanOptions) -> Iterable[str]:
    metadata = cell.get("metadata")
    if isinstance(metadata, dict):
        strip, keep = options.cell_rules()
        for path in remove_paths(metadata, strip, keep):
            yield f'cell metadata "{path}"'
    if cell.get("cell_type") != "code":
        return
    if cell.get("execution_count") is not None:
        cell["execution_count"] = None
        yield "execution counts"
    outputs = cell.get("outputs")
    if not isinstance(outputs, list):
        return
    if options.outputs and outputs:
        cell["outputs"] = []
        yield "outputs"
        return
    kept = []
    for output in outputs:
        if isinstance(output, dict):
            had_view = WIDGET_VIEW in (output.get("data") or ())
            yield from _clean_output(output, options)
            if had_view and not output.get("data"):
                continue  # nothing left to show: it held only a widget view
        kept.append(output)
    if len(kept) != len(outputs):
        cell["outputs"] = kept


def _clean_output(output: dict[str, Any], options: CleanOptions) -> Iterable[str]:
    if output.get("execution_count") is not None:
        output["execution_count"] = None
        yield "execution counts"
    data = output.get("data")
    if isinstance(data, dict):
        if not options.keeps_widgets and WIDGET_VIEW in data:
            del data[WIDGET_VIEW]
            yield "widget views"
        if not options.keep_object_addresses and "text/plain" in data:
            data["text/plain"], changed = _without_addresses(data["text/plain"])
            if changed:
                yield "memory addresses"
    if output.get("output_type") == "stream" and not options.keep_object_addresses:
        output["text"], changed = _without_addresses(output.get("text"))
        if changed:
            yield "memory addresses"


def _without_addresses(text: Any) -> tuple[Any, bool]:
    """Remove `` at 0x…`` from reprs such as ``<function f at 0x7f3a…>``."""
    if isinstance(text, str):
        new = _ADDRESS.sub("", text)
        return new, new != text
    if isinstance(text, list) and all(isinstance(line, str) for line in text):
        lines = [_ADDRESS.sub("", line) for line in text]
        return lines, lines != text
    return text, False


def _split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def remove_paths(
    metadata: dict[str, Any], strip: Iterable[str], keep: Iterable[str] = ()
) -> list[str]:
    """Remove the dotted *strip* paths from *metadata* in place, except what *keep* names.

    A kept path protects its whole subtree, and keeping a deeper path (``papermill.parameters``)
    keeps that part of a removed table. Tables left empty by a removal are removed too.
    Return the paths that were removed.
    """
    keeps = [_split(k) for k in keep]
    removed = []
    for path in strip:
        parts = _split(path) if path not in metadata else (path,)
        if any(parts[: len(k)] == k for k in keeps):
            continue
        below = [k[len(parts) :] for k in keeps if len(k) > len(parts) and k[: len(parts)] == parts]
        if _remove(metadata, parts, below):
            removed.append(path)
    return removed


def _remove(table: dict[str, Any], parts: tuple[str, ...], below: list[tuple[str, ...]]) -> bool:
    head, rest = parts[0], parts[1:]
    if head not in table:
        return False
    if rest:
        child = table[head]
        if not isinstance(child, dict) or not _remove(child, rest, below):
            return False
        if not child:
            del table[head]
        return True
    if below and isinstance(table[head], dict):
        changed = _prune(table[head], below)
        if not table[head]:
            del table[head]
        return changed
    del table[head]
    return True


def _prune(table: dict[str, Any], keep: list[tuple[str, ...]]) -> bool:
    """Remove everything from *table* except the subtrees *keep* names; return if any went."""
    changed = False
    for key in list(table):
        kept = [k[1:] for k in keep if k[0] == key]
        if not kept:
            del table[key]
            changed = True
        elif all(kept) and isinstance(table[key], dict):
            changed = _prune(table[key], kept) or changed
    return changed


def is_volatile(path: tuple[str, ...], options: CleanOptions | None, *, cell: bool) -> bool:
    """Return True if the metadata at *path* is something clean removes (for merges)."""
    options = options or CleanOptions()
    strip, keep = options.cell_rules() if cell else options.notebook_rules()
    if any(path[: len(k)] == k for k in map(_split, keep)):
        return False
    return any(path[: len(s)] == s for s in map(_split, strip))
