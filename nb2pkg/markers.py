"""The block marker: the one place that knows how a generated module is cut into blocks.

Every exported cell becomes one block of its module, introduced by a marker line::

    # %% nbs/00_core.ipynb #c0ffee12 4f1a9b2e

naming the notebook (relative to the project root), the cell id and a short hash of the
block's code as exported. The hash is the base of sync's three-way merge: if the block's
code no longer matches it, the module was edited; if the cell's fresh export no longer
matches it, the notebook was edited.

The module's head also lists every exported cell with its hash (the *manifest*), so that
sync can tell a block deleted from the module from a cell added to the notebook since the
last export::

    # nb2pkg cells: nbs/00_core.ipynb c0ffee12:4f1a9b2e 9a8b7c6d:01234567

Also read: nbdev's markers (``# %% ../nbs/00_core.ipynb 3`` with a cell index, or
``# %% ../nbs/00_core.ipynb #id``, no hash), its ``# %% auto 0`` block, and a bare
``# %%`` (or one naming only the notebook), which marks a block a user added by hand.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MARKER_PREFIX = "# %%"
_MARKER = re.compile(r"^# %%(?:[ \t]+(?P<rest>.*?))?[ \t]*$")
_DIGEST = re.compile(r"^[0-9a-f]{8}$")


@dataclass(frozen=True)
class Marker:
    """A parsed marker line; ``line`` is its 1-based line number in the module."""

    line: int
    notebook: str | None  # as written: project-relative for nb2pkg, module-relative for nbdev
    cell_id: str | None
    cell_index: int | None  # nbdev's numeric form
    digest: str | None
    kind: str  # "nb2pkg", "nbdev", "new" (hand-added, no cell) or "auto" (nbdev's __all__)


@dataclass(frozen=True)
class Block:
    """One block of a module: its marker and its code (trailing blank lines removed)."""

    marker: Marker
    code: str


def block_digest(code: str) -> str:
    """Return the short hash of a block's code, ignoring trailing white space and blank edges."""
    normal = "\n".join(line.rstrip() for line in code.strip("\n").splitlines()).strip("\n")
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:8]


def format_marker(notebook: str, cell_id: str, digest: str) -> str:
    """Return the marker line (without newline) for an exported cell."""
    if "\n" in notebook or "\r" in notebook:
        raise ValueError(f"notebook path {notebook!r} cannot stand in a marker line")
    return f"{MARKER_PREFIX} {notebook} #{cell_id} {digest}"


def parse_marker(text: str, line: int) -> Marker | None:
    """Parse one line; return None if it is not a marker."""
    match = _MARKER.match(text)
    if not match:
        return None
    rest = (match["rest"] or "").strip()
    if not rest:
        return Marker(line, None, None, None, None, "new")
    tokens = rest.split(" ")
    digest = None
    if len(tokens) >= 3 and _DIGEST.match(tokens[-1]) and tokens[-2].startswith("#"):
        digest = tokens.pop()
    last = tokens[-1]
    if len(tokens) >= 2 and last.startswith("#") and len(last) > 1:
        notebook = " ".join(tokens[:-1])
        return Marker(line, notebook, last[1:], None, digest, "nb2pkg" if digest else "nbdev")
    if len(tokens) >= 2 and last.isdigit():
        notebook = " ".join(tokens[:-1])
        if notebook == "auto":
            return Marker(line, None, None, int(last), None, "auto")
        return Marker(line, notebook, None, int(last), None, "nbdev")
    return Marker(line, rest, None, None, None, "new")


def split_blocks(text: str) -> tuple[str, list[Block]]:
    """Cut a module's text into its head (before the first marker) and its blocks."""
    head: list[str] = []
    blocks: list[Block] = []
    current: Marker | None = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        marker = parse_marker(line.rstrip("\r\n"), number) if line.startswith("# %%") else None
        if marker is None:
            (lines if current else head).append(line)
            continue
        if current is not None:
            blocks.append(Block(current, _block_code(lines)))
        current, lines = marker, []
    if current is not None:
        blocks.append(Block(current, _block_code(lines)))
    return "".join(head), blocks


def _block_code(lines: list[str]) -> str:
    code = "".join(lines).rstrip()
    return code + "\n" if code else ""


MANIFEST_PREFIX = "# nb2pkg cells: "
_MANIFEST_WIDTH = 100


def format_manifest(entries: list[tuple[str, str, str]]) -> list[str]:
    """Return the manifest lines for (notebook, cell id, digest) entries, wrapped at 100."""
    lines: list[str] = []
    by_notebook: dict[str, list[str]] = {}
    for notebook, cell_id, digest in entries:
        by_notebook.setdefault(notebook, []).append(f"{cell_id}:{digest}")
    for notebook, cells in by_notebook.items():
        line = f"{MANIFEST_PREFIX}{notebook}"
        for cell in cells:
            if len(line) + 1 + len(cell) > _MANIFEST_WIDTH and line.count(" ") > 3:
                lines.append(line)
                line = f"{MANIFEST_PREFIX}{notebook}"
            line += f" {cell}"
        lines.append(line)
    return lines


def parse_manifest(head: str) -> dict[tuple[str, str], str]:
    """Return {(notebook, cell id): digest} from the manifest lines in a module's head."""
    found: dict[tuple[str, str], str] = {}
    for line in head.splitlines():
        if not line.startswith(MANIFEST_PREFIX):
            continue
        rest = line[len(MANIFEST_PREFIX) :].rstrip()
        # The notebook path may hold spaces: entries are the trailing "id:digest" tokens.
        tokens = rest.split(" ")
        entries: list[str] = []
        while tokens and re.fullmatch(r"[A-Za-z0-9_-]{1,64}:[0-9a-f]{8}", tokens[-1]):
            entries.append(tokens.pop())
        notebook = " ".join(tokens)
        for entry in entries:
            cell_id, digest = entry.split(":")
            found[(notebook, cell_id)] = digest
    return found
