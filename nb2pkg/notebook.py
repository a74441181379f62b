"""Read notebooks into frozen ``Notebook`` values, and write them back the way Jupyter does.

Reading uses plain ``json`` (nbformat's validator is slow and its errors are not located);
the structure nb2pkg relies on is checked here, and every failure becomes a
``NotebookError`` naming the file and cell. nbformat 3 notebooks are upgraded to 4 in
memory with nbformat's converter (the file is left as it is; sync writes one it edits as
4.5, keeping the name and worksheet metadata that the converter drops). Cells without ids
get deterministic ids: a 4.0-4.4 notebook is marked ``needs_ids``, and export writes the
ids back (as nbformat 4.5) into those that export cells.
Directives kept in metadata, as nbdev reads them, join the cells' comment directives.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .directives import Directive, DirectiveProblem, parse_cell, parse_markdown
from .errors import ConcurrentEdit, Location, NotebookError, cell_label
from .metadirectives import metadata_directives, notebook_directives, with_metadata
from .nbjson import escape_surrogates
from .nesting import deepest_nesting, depth_of
from .sourcelines import newline_of, normalise_newlines

_VALID_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONFLICT_MARKER = re.compile(r"^<{7}(?: |$)", re.MULTILINE)
# Deeper JSON is refused on reading: every later step (copies, the indenting writer, clean,
# the merge driver) then stays far from Python's recursion limit.
MAX_DEPTH = 300


@dataclass(frozen=True)
class Cell:
    """One cell: its place, its kind, and its directive block and body.

    Code cells: the leading ``#|`` block (``parse_cell``). Markdown cells: leading ``#|``
    lines only (nbdev 3's ``#| export`` on markdown). Both also carry the directives of the
    cell's ``nbdev`` metadata, and the first code cell those of the notebook's
    (``metadirectives``), which stand on no line (``line`` 0).
    """

    index: int
    id: str
    kind: str  # "code", "markdown" or "raw"
    directives: tuple[Directive, ...] = ()
    header: str = ""  # the leading directive block ("" for none)
    body: str = ""  # the rest of the source
    body_line: int = 1
    magic_lines: tuple[int, ...] = ()
    problems: tuple[DirectiveProblem, ...] = ()
    execution_count: int | None = None
    newline: str = "\n"  # the line break the stored source uses most; ``source`` has "\n"

    @property
    def source(self) -> str:
        """The cell's source, with "\n" line breaks: its header, then its body (held
        as those two parts only: a project's cells are the largest thing export holds)."""
        return self.header + self.body if self.header else self.body


@dataclass(frozen=True)
class Notebook:
    """A notebook as nb2pkg sees it; ``raw`` is the parsed JSON, kept to write it back.

    A notebook from the cache of notebooks read before (``nb2pkg.notebook_cache``) has
    its cells but not its JSON: ``raw`` loads it on first use, from the same bytes.
    """

    path: Path
    relpath: str  # relative to the project root, POSIX-style: used in markers and messages
    cells: tuple[Cell, ...]
    digest: str  # sha256 of the file's bytes
    needs_ids: bool  # a 4.0-4.4 notebook: ids were assigned in memory (see ``as_v4_5``)
    loaded: dict[str, Any] | None = field(compare=False, repr=False)  # None: not read yet
    upgraded: bool = False  # an nbformat 3 file, read through the converter (ids in memory)

    @property
    def raw(self) -> dict[str, Any]:
        """The notebook's JSON (ids assigned, v3 upgraded), read now if it was not yet."""
        if self.loaded is None:
            try:
                data = self.path.read_bytes()
            except OSError as exc:
                raise NotebookError(
                    f"cannot be read: {exc.strerror}", Location(self.relpath)
                ) from None
            if hashlib.sha256(data).hexdigest() != self.digest:
                raise ConcurrentEdit(
                    "changed on disk while nb2pkg was working with it; nothing was written, "
                    "run the command again",
                    Location(self.relpath),
                )
            object.__setattr__(self, "loaded", parse_notebook(data, self.path, self.relpath).loaded)
        assert self.loaded is not None
        return self.loaded

    def where(self, cell: Cell | None = None, line: int | None = None) -> Location:
        """Return a location in this notebook, optionally at a cell and a line of it."""
        line = line or None  # 0: a directive read from metadata, on no line of the source
        if cell is None:
            return Location(self.relpath, line=line)
        return Location(self.relpath, cell.index, cell.id, line)

    def cell_by_id(self, cell_id: str) -> Cell | None:
        """Return the cell with id *cell_id*, or None."""
        for cell in self.cells:
            if cell.id == cell_id:
                return cell
        return None


def read_notebook(path: Path, relpath: str) -> Notebook:
    """Read and check one notebook file; raise NotebookError naming what is wrong."""
    where = Location(relpath)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotebookError(f"cannot be read: {exc.strerror}", where) from None
    return parse_notebook(data, path, relpath)


def parse_notebook(data: bytes, path: Path, relpath: str) -> Notebook:
    """Turn a notebook file's bytes into a ``Notebook``."""
    where = Location(relpath)
    raw = _load_json(data, where)
    upgraded = raw.get("nbformat") == 3
    raw = _upgrade(raw, where)
    cells_raw = raw.get("cells")
    if not isinstance(cells_raw, list):
        raise NotebookError('has no list of "cells"; it is not a Jupyter notebook', where)
    cells, needs_ids = _read_cells(cells_raw, relpath)
    cells = _with_notebook_directives(cells, raw.get("metadata"), where)
    digest = hashlib.sha256(data).hexdigest()
    needs_ids = needs_ids and not upgraded
    return Notebook(path, relpath, tuple(cells), digest, needs_ids, raw, upgraded)


def load_notebook_json(data: bytes, relpath: str) -> dict[str, Any]:
    """Parse an nbformat 4 notebook's bytes as they are: no upgrade, no ids assigned."""
    where = Location(relpath)
    raw = _load_json(data, where)
    if raw.get("nbformat") == 3:
        raise NotebookError(
            "is an nbformat 3 notebook; open and save it in Jupyter (or run `jupyter nbconvert "
            "--to notebook --inplace` on it) to upgrade it to version 4 first",
            where,
        )
    if raw.get("nbformat") != 4 or not isinstance(raw.get("cells"), list):
        raise NotebookError(
            'is not an nbformat 4 notebook ("nbformat": 4 and a list of "cells" are needed)', where
        )
    return raw


def _load_json(data: bytes, where: Location) -> dict[str, Any]:
    if not data.strip():
        raise NotebookError("is empty; a notebook is a JSON object with cells", where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(
            f"is not UTF-8 text (byte {exc.start}); notebooks are UTF-8 JSON", where
        ) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) or not text.rstrip().endswith("}")
        hint = " (the file looks truncated)" if truncated else ""
        markers = _CONFLICT_MARKER.search(text)
        if markers:
            line = text.count("\n", 0, markers.start()) + 1
            hint = (
                f" (it holds git conflict markers from line {line}: a text merge wrote them into "
                "the JSON; take one side with `git checkout --ours` or `--theirs` and redo the "
                "other's edits, and run `nb2pkg hooks install` so that git merges notebooks "
                "cell by cell)"
            )
        raise NotebookError(
            f"is not valid JSON{hint}: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            where,
        ) from None
    except RecursionError:
        raise _too_deep(text, where, None) from None
    depth = depth_of(raw)
    if depth > MAX_DEPTH:
        raise _too_deep(text, where, depth)
    if not isinstance(raw, dict):
        raise NotebookError(
            f"is not a Jupyter notebook: its JSON is a {type(raw).__name__}, not an object", where
        )
    return raw


def _too_deep(text: str, where: Location, depth: int | None) -> NotebookError:
    line, depth_in_text = deepest_nesting(text)
    return NotebookError(
        f"nests arrays and objects {depth or depth_in_text} levels deep; nb2pkg reads "
        f"notebooks nested up to {MAX_DEPTH} levels (a notebook needs a handful): remove the "
        "value that starts on this line",
        Location(where.file, line=line),
    )


def _upgrade(raw: dict[str, Any], where: Location) -> dict[str, Any]:
    major = raw.get("nbformat")
    if major == 4 or (major is None and isinstance(raw.get("cells"), list)):
        return raw
    if major == 3:
        return _upgrade_v3(raw, where)
    if isinstance(major, int) and not isinstance(major, bool):
        raise NotebookError(
            f"has nbformat version {major}; nb2pkg reads notebooks of version 3 and 4", where
        )
    raise NotebookError(
        '"nbformat" is missing or not a number; it is not a Jupyter notebook', where
    )


def _upgrade_v3(raw: dict[str, Any], where: Location) -> dict[str, Any]:
    import nbformat  # only v3 notebooks pay for nbformat's import

    try:
        upgraded = nbformat.convert(nbformat.from_dict(raw), 4)  # type: ignore[no-untyped-call]
        result: dict[str, Any] = json.loads(json.dumps(upgraded))
    except Exception as exc:  # noqa: BLE001 - nbformat's converter raises anything on bad input
        raise NotebookError(
            f"is an nbformat 3 notebook that cannot be upgraded to version 4 ({exc!r})", where
        ) from None
    for cell in result.get("cells", []):
        if isinstance(cell, dict):
            cell.pop("id", None)  # assigned below, deterministically
    result["nbformat_minor"] = 4
    metadata = result.setdefault("metadata", {})
    for key in ("orig_nbformat", "orig_nbformat_minor"):
        metadata.pop(key, None)  # Jupyter drops them on save too
    # Kept for a sync that writes the notebook: the converter drops them.
    old = raw.get("metadata")
    if isinstance(old, dict) and isinstance(old.get("name"), str) and old["name"]:
        metadata.setdefault("name", old["name"])
    worksheets = [
        sheet.get("metadata") for sheet in raw.get("worksheets") or [] if isinstance(sheet, dict)
    ]
    if any(isinstance(m, dict) and m for m in worksheets):
        metadata.setdefault("worksheets", [m if isinstance(m, dict) else {} for m in worksheets])
    return result


def _read_cells(cells_raw: list[Any], relpath: str) -> tuple[list[Cell], bool]:
    cells: list[Cell] = []
    seen: dict[str, int] = {}
    needs_ids = False
    for index, entry in enumerate(cells_raw):
        if not isinstance(entry, dict):
            raise NotebookError(
                f"the cell is a {type(entry).__name__}, not a JSON object",
                Location(relpath, index),
            )
        cell_id = entry.get("id")
        if cell_id is None:
            needs_ids = True
            cell_id = _new_id(relpath, index, entry, seen)
        elif not isinstance(cell_id, str) or not _VALID_ID.match(cell_id):
            raise NotebookError(
                f"the cell has an invalid id {cell_id!r}; ids are 1-64 letters, digits, "
                "- or _ (delete the id and nb2pkg assigns a new one)",
                Location(relpath, index),
            )
        if cell_id in seen:
            raise NotebookError(
                f"the cell shares its id {cell_id!r} with {cell_label(seen[cell_id])}; delete one of "
                "the ids and nb2pkg assigns a new one",
                Location(relpath, index, cell_id),
            )
        seen[cell_id] = index
        cells.append(_read_cell(entry, index, cell_id, relpath))
    return cells, needs_ids


def _new_id(relpath: str, index: int, entry: dict[str, Any], seen: dict[str, int]) -> str:
    """Make a deterministic id: the same notebook always gets the same ids."""
    basis = f"{relpath}\0{index}\0{entry.get('source')!r}"
    salt = 0
    while True:
        cell_id = hashlib.sha1(f"{basis}\0{salt}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
        if cell_id not in seen:
            entry["id"] = cell_id
            return cell_id
        salt += 1


def _read_cell(entry: dict[str, Any], index: int, cell_id: str, relpath: str) -> Cell:
    where = Location(relpath, index, cell_id)
    kind = entry.get("cell_type")
    if not isinstance(kind, str):
        raise NotebookError('has no "cell_type"', where)
    stored = _source_text(entry.get("source", ""), where)
    # Read as Python reads a file: "\r\n" and a lone "\r" end lines like "\n" does.
    source, newline = normalise_newlines(stored), newline_of(stored)
    count = entry.get("execution_count")
    count = count if isinstance(count, int) and not isinstance(count, bool) else None
    metadata = metadata_directives(entry.get("metadata"), where)
    if kind == "markdown":
        directives, text = parse_markdown(source)
        return Cell(
            index,
            cell_id,
            kind,
            directives=with_metadata(directives, metadata),
            header=source[: len(source) - len(text)],
            body=text,
        )
    if kind != "code":
        return Cell(index, cell_id, kind, body=source, newline=newline)
    parsed = parse_cell(source)
    return Cell(
        index=index,
        id=cell_id,
        kind="code",
        directives=with_metadata(parsed.directives, metadata),
        header=parsed.header,
        body=parsed.body,
        body_line=parsed.body_line,
        magic_lines=parsed.magic_lines,
        problems=parsed.problems,
        execution_count=count,
        newline=newline,
    )


def _with_notebook_directives(cells: list[Cell], metadata: Any, where: Location) -> list[Cell]:
    """Give the notebook's metadata directives (nbdev's ``default_exp`` there) to a cell."""
    placed = notebook_directives(
        [(c.kind, c.directives) for c in cells], metadata_directives(metadata, where)
    )
    if placed is None:
        return cells
    index, directives = placed
    cells = list(cells)
    cells[index] = replace(cells[index], directives=cells[index].directives + directives)
    return cells


def _source_text(source: Any, where: Location) -> str:
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        text = "".join(source)
    elif isinstance(source, str):
        text = source
    else:
        raise NotebookError(
            f'"source" must be a string or a list of strings, not {type(source).__name__}', where
        )
    surrogate = _SURROGATE.search(text)
    if surrogate:
        raise NotebookError(
            f"source holds a character that cannot be stored as UTF-8 "
            f"({surrogate.group()!r}, a lone surrogate); remove it",
            where,
        )
    return text


def set_source(entry: dict[str, Any], text: str) -> None:
    """Store *text* as a cell's source, keeping the cell's list-or-string representation."""
    if isinstance(entry.get("source"), str):
        entry["source"] = text
    else:
        entry["source"] = text.splitlines(keepends=True)


def dumps_notebook(raw: dict[str, Any], like: bytes | None = None) -> str:
    """Serialise *raw* as Jupyter does (1-space indent, sorted keys, UTF-8), or like *like*.

    With *like* (the file's bytes as read), every part of the notebook that did not change
    keeps its bytes - line endings, indentation, key order, escapes, number spelling, a byte
    order mark - and what changed is written in the file's own style (``nb2pkg.jsonlayout``):
    a one-cell change is a one-cell diff in every layout.
    """
    if not like:
        text = json.dumps(raw, indent=1, sort_keys=True, ensure_ascii=False, separators=(",", ": "))
        return escape_surrogates(text) + "\n"
    from .jsonlayout import JsonLayoutError, dumps_like

    try:
        # Lone surrogates can only stand in strings, where their escape means the same.
        return escape_surrogates(dumps_like(raw, like.decode("utf-8")))
    except (UnicodeDecodeError, JsonLayoutError) as exc:
        # The same bytes were read as a notebook a moment ago, so this is unexpected.
        raise NotebookError(f"cannot be written back in its own layout: {exc}") from None


def notebook_with_ids(notebook: Notebook, original: bytes) -> str:
    """Return the notebook's text with the ids assigned on read, as nbformat 4.5."""
    return dumps_notebook(as_v4_5(notebook.raw), like=original)


def as_v4_5(raw: dict[str, Any]) -> dict[str, Any]:
    """Mark *raw* (whose cells all have ids) as nbformat 4.5, the first version with ids."""
    minor = raw.get("nbformat_minor")
    if not isinstance(minor, int) or minor < 5:
        raw["nbformat_minor"] = 5
    raw["nbformat"] = 4
    return raw
