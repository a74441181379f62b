"""Read a generated module back: its head, its blocks, and what a user changed in them.

Pure: text in, values out. ``read_module`` splits a module with the format owned by
``markers.py``; ``ModuleText.edits`` says which parts differ from what export wrote — the
one definition of "this module holds edits" that export, build, check and sync share.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import Enum

from .markers import (
    Block,
    CodeLines,
    MarkerKind,
    head_digest,
    is_generated_comment,
    parse_head_digest,
    parse_manifest,
    split_blocks,
)
from .sourcelines import source_lines


class HeadPart(str, Enum):
    """A statement of the head that export generates."""

    DOCSTRING = "docstring"
    FUTURE = "future"
    ALL = "__all__"


@dataclass(frozen=True)
class Head:
    """The text above the first block, split into generated statements and the user's lines."""

    text: str
    parts: tuple[tuple[HeadPart, str], ...]  # generated statements, exact text, in order
    user_code: str  # lines the user wrote (code and comments), in order; "" if none
    user_line: int | None  # 1-based line of the first of them
    stored_digest: str | None  # the head digest export wrote, if any
    syntax_error: int | None = None  # line of a syntax error in the head

    @property
    def digest(self) -> str:
        """Return the hash of the generated parts as they stand now."""
        return head_digest(text for _, text in self.parts)

    @property
    def generated_edited(self) -> bool:
        """Tell whether a generated part changed since export wrote it (no digest: unknown)."""
        return self.stored_digest is not None and self.digest != self.stored_digest

    def part(self, kind: HeadPart) -> str | None:
        """Return the text of the first generated part of *kind* (futures joined), or None."""
        found = [text for part, text in self.parts if part is kind]
        return "\n".join(found) if found else None


@dataclass(frozen=True)
class ModuleText:
    """A generated module as read from disk."""

    head: Head
    blocks: tuple[Block, ...]
    manifest: dict[tuple[str, str], str]  # (notebook, cell id) -> digest at export

    def edits(self) -> list[Edit]:
        """Return every edit made in the module since export wrote it (empty: none)."""
        found: list[Edit] = []
        head = self.head
        if head.syntax_error is not None:
            found.append(Edit(EditKind.HEAD_SYNTAX, head.syntax_error))
        elif head.user_code:
            found.append(Edit(EditKind.HEAD_CODE, head.user_line))
        if head.generated_edited:
            found.append(Edit(EditKind.HEAD_GENERATED))
        named = set()
        for block in self.blocks:
            marker = block.marker
            if marker.kind is MarkerKind.NEW:
                found.append(Edit(EditKind.NEW_BLOCK, marker.line))
            elif block.edited:
                found.append(Edit(EditKind.EDITED_BLOCK, marker.line, marker.cell_id))
            if marker.notebook is not None and marker.cell_id is not None:
                named.add((marker.notebook, marker.cell_id))
        for notebook, cell_id in self.manifest:
            if (notebook, cell_id) not in named:
                found.append(Edit(EditKind.DELETED_BLOCK, None, cell_id, notebook))
        return found


class EditKind(str, Enum):
    """A kind of change a user made to a generated module."""

    HEAD_SYNTAX = "head-syntax"
    HEAD_CODE = "head-code"
    HEAD_GENERATED = "head-generated"
    NEW_BLOCK = "new-block"
    EDITED_BLOCK = "edited-block"
    DELETED_BLOCK = "deleted-block"


@dataclass(frozen=True)
class Edit:
    """One change a user made to a generated module."""

    kind: EditKind
    line: int | None = None
    cell_id: str | None = None
    notebook: str | None = None

    def __str__(self) -> str:
        at = f"line {self.line}: " if self.line else ""
        text = {
            EditKind.HEAD_SYNTAX: "the head above the first block has a syntax error",
            EditKind.HEAD_CODE: "code added above the first block",
            EditKind.HEAD_GENERATED: "the generated docstring, future imports or __all__ edited",
            EditKind.NEW_BLOCK: "a new block",
            EditKind.EDITED_BLOCK: f"the block of the cell with id {self.cell_id} edited",
            EditKind.DELETED_BLOCK: f"the block of the cell with id {self.cell_id} ({self.notebook}) "
            "deleted or moved",
        }[self.kind]
        return at + text


def read_module(text: str, code_lines: CodeLines | None = None) -> ModuleText:
    """Parse a generated module's *text* (see ``markers.split_blocks`` for *code_lines*)."""
    head_text, blocks = split_blocks(text, code_lines)
    return ModuleText(read_head(head_text), tuple(blocks), parse_manifest(head_text))


def read_head(text: str) -> Head:
    """Split a head into the statements export generates and the lines the user added."""
    lines = [line.rstrip("\r\n") for line in source_lines(text)]
    stored = parse_head_digest(text)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        user = [n for n, line_ in enumerate(lines, 1) if _is_user_line(line_)]
        return Head(text, (), _join(lines, user), user[0] if user else None, stored, line)
    generated: set[int] = set()
    parts: list[tuple[HeadPart, str]] = []
    docstring_seen = False
    for node in tree.body:
        kind = _part_kind(node, docstring_seen)
        docstring_seen = docstring_seen or kind is HeadPart.DOCSTRING
        span = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        if kind is None:
            continue
        generated.update(span)
        parts.append((kind, "\n".join(lines[n - 1] for n in span).rstrip()))
    user = [n for n, line in enumerate(lines, 1) if n not in generated and _is_user_line(line)]
    return Head(text, tuple(parts), _join(lines, user), user[0] if user else None, stored)


def _part_kind(node: ast.stmt, docstring_seen: bool) -> HeadPart | None:
    # The first string statement is the docstring, even below an import added above it.
    if (
        not docstring_seen
        and isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ):
        return HeadPart.DOCSTRING
    if isinstance(node, ast.ImportFrom) and node.module == "__future__" and node.level == 0:
        return HeadPart.FUTURE
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "__all__"
    ):
        return HeadPart.ALL
    return None


def _is_user_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not is_generated_comment(stripped)


def _join(lines: list[str], numbers: list[int]) -> str:
    """Return the user's lines from the first to the last, blank lines between them kept."""
    if not numbers:
        return ""
    kept = set(numbers)
    span = range(numbers[0], numbers[-1] + 1)
    text = "\n".join(lines[n - 1] for n in span if n in kept or not lines[n - 1].strip())
    return text + "\n"
