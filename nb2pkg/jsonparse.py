"""Parse JSON text into values that remember where they were written.

``json.loads`` gives the values; writing a changed value back in the layout it was read in
(``nb2pkg.jsonlayout``) also needs to know where each value, key and separator sits.
``parse`` reads the text once, left to right, keeping open containers on an explicit stack
(never recursion, so any nesting costs memory, not stack), and returns a ``Document``:

* every value becomes a ``Node`` with its span in the text and its Python value (the same
  value ``json.loads`` returns: duplicate keys keep the last one);
* an object node also holds, per member, its key and the span of the key's token;
* the ``Style`` the text is written in: line ending, indent unit, separators, whether
  non-ASCII characters are escaped, whether object keys are sorted.

It accepts what ``json.loads`` accepts (NaN and Infinity included) plus a leading byte order
mark, which stays part of the text before the value. Bad input and nesting deeper than
``MAX_DEPTH`` raise ``JsonLayoutError`` with the line and column.
"""

from __future__ import annotations

import json
import json.decoder
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

#: Deeper than ``json.loads`` itself reads with the default recursion limit.
MAX_DEPTH = 1000

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CONSTANTS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}
# json's own string scanner (C code): validates escapes and returns the value and the end.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_RAW_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# An escape of a character beyond ASCII, not itself preceded by an escaped backslash.
_ESCAPED_NON_ASCII = re.compile(r"(?<!\\)(?:\\\\)*\\u(?!00[0-7])[0-9a-fA-F]{4}")


class JsonLayoutError(ValueError):
    """The text is not JSON, or is nested too deeply to be rewritten in its layout."""

    def __init__(self, message: str, text: str | None = None, position: int = 0) -> None:
        if text is not None:
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            message = f"{message} (line {line}, column {column})"
        super().__init__(message)


class Kind(Enum):
    """What a node holds."""

    OBJECT = "object"
    ARRAY = "array"
    SCALAR = "scalar"


class Node:
    """One value of the text: where it is, what it is, and for containers, its members."""

    __slots__ = ("kind", "start", "end", "value", "items", "keys", "key_spans", "duplicates")

    def __init__(self, kind: Kind, start: int, value: Any = None, end: int = -1) -> None:
        self.kind = kind
        self.start = start  # offset of the first character of the value
        self.end = end  # just past its last character
        self.value = value
        self.items: list[Node] = []  # array items, or object members' values
        self.keys: list[str] = []  # object members' keys, in the order written
        self.key_spans: list[tuple[int, int]] = []  # where each key's string token is
        self.duplicates = False  # an object that names a key twice

    def add(self, child: Node) -> None:
        """Append a finished item (array) or the value of the member being read (object)."""
        self.items.append(child)
        if self.kind is Kind.ARRAY:
            self.value.append(child.value)
            return
        key = self.keys[-1]
        self.duplicates = self.duplicates or key in self.value
        self.value[key] = child.value

    def first_start(self) -> int:
        """Return where the first member (its key, for objects) or item starts."""
        return self.key_spans[0][0] if self.kind is Kind.OBJECT else self.items[0].start

    def member_start(self, index: int) -> int:
        """Return where member or item *index* starts (its key, for objects)."""
        return self.key_spans[index][0] if self.kind is Kind.OBJECT else self.items[index].start


@dataclass(frozen=True)
class Style:
    """How a JSON text is laid out, for writing new values the same way."""

    newline: str  # "\n" or "\r\n"
    indent: str | None  # one level of indentation; None for text on one line
    key_separator: str  # between a key and its value, e.g. ": "
    item_separator: str  # between items written on one line, e.g. ", "
    ensure_ascii: bool  # non-ASCII characters written as \\u escapes
    sort_keys: bool  # objects list their keys sorted


@dataclass(frozen=True)
class Document:
    """A parsed JSON text: the text, its root value's node, and its layout."""

    text: str
    root: Node
    style: Style

    @property
    def value(self) -> Any:
        """Return the value the text holds (what ``json.loads`` returns)."""
        return self.root.value


def _line_indent(text: str, position: int) -> str:
    """Return the spaces and tabs that begin the line holding *position*."""
    start = text.rfind("\n", 0, position) + 1
    end = start
    while end < position and text[end] in " \t":
        end += 1
    return text[start:end]


def parse(text: str) -> Document:
    """Parse *text*; raise JsonLayoutError if it is not JSON or nests too deeply."""
    return _Parser(text).document()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.indent: str | None = None
        self.key_separator: str | None = None
        self.item_separator: str | None = None
        self.sorted_objects = 0
        self.unsorted_objects = 0

    def document(self) -> Document:
        text = self.text
        position = self.space(1 if text.startswith("\ufeff") else 0)
        stack: list[Node] = []
        while True:
            node, position = self.value(position, stack)
            if node is None:
                continue  # a container opened: read its first value
            while stack:
                parent = stack[-1]
                parent.add(node)
                position = self.space(position)
                char = text[position : position + 1]
                if char == ",":
                    after = self.space(position + 1)
                    self.note_separator(node.end, after)
                    position = self.key(after, parent) if parent.kind is Kind.OBJECT else after
                    break
                if char != ("}" if parent.kind is Kind.OBJECT else "]"):
                    closing = "}" if parent.kind is Kind.OBJECT else "]"
                    raise self.error(f"expected ',' or '{closing}'", position)
                position += 1
                node = stack.pop()
                node.end = position
                self.closed(node)
            else:
                end = self.space(position)
                if end != len(text):
                    raise self.error("extra data after the JSON value", end)
                return Document(text, node, self.style())

    def value(self, position: int, stack: list[Node]) -> tuple[Node | None, int]:
        """Read a scalar, or open a container: (None, where its first value starts)."""
        text = self.text
        char = text[position : position + 1]
        if char not in ("{", "["):
            return self.scalar(position)
        if len(stack) >= MAX_DEPTH:
            raise self.error(f"nested deeper than {MAX_DEPTH} levels", position)
        kind = Kind.OBJECT if char == "{" else Kind.ARRAY
        node = Node(kind, position, {} if kind is Kind.OBJECT else [])
        inside = self.space(position + 1)
        if text[inside : inside + 1] == ("}" if kind is Kind.OBJECT else "]"):
            node.end = inside + 1
            self.closed(node)
            return node, node.end
        self.note_opening(position, inside)
        stack.append(node)
        return None, self.key(inside, node) if kind is Kind.OBJECT else inside

    def scalar(self, position: int) -> tuple[Node, int]:
        text = self.text
        char = text[position : position + 1]
        value: Any
        if char == '"':
            value, end = self.string(position)
        elif number := _NUMBER.match(text, position):
            token = number.group()
            try:
                value = float(token) if number.group(1) or number.group(2) else int(token)
            except ValueError as exc:  # an integer longer than Python converts
                raise self.error(str(exc), position) from None
            end = number.end()
        else:
            name = next((n for n in _CONSTANTS if text.startswith(n, position)), None)
            if name is None:
                raise self.error("expected a value", position)
            value, end = _CONSTANTS[name], position + len(name)
        return Node(Kind.SCALAR, position, value, end), end

    def string(self, position: int) -> tuple[str, int]:
        try:
            value, end = _scanstring(self.text, position + 1, True)
        except json.JSONDecodeError as exc:
            raise self.error(exc.msg, exc.pos) from None
        return value, end

    def key(self, position: int, node: Node) -> int:
        """Read a member's key and colon; return where its value starts."""
        if self.text[position : position + 1] != '"':
            raise self.error("expected a key in double quotes", position)
        key, end = self.string(position)
        node.keys.append(key)
        node.key_spans.append((position, end))
        colon = self.space(end)
        if self.text[colon : colon + 1] != ":":
            raise self.error("expected ':' after the key", colon)
        start = self.space(colon + 1)
        if self.key_separator is None:
            self.key_separator = self.text[end:start]
        return start

    def space(self, position: int) -> int:
        if self.text[position : position + 1] > " ":
            return position  # no JSON whitespace sorts above the space: nothing to skip
        match = _SPACE.match(self.text, position)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def error(self, message: str, position: int) -> JsonLayoutError:
        return JsonLayoutError(f"not valid JSON: {message}", self.text, position)

    # -- noticing the layout --

    def note_opening(self, bracket: int, inside: int) -> None:
        """Learn the indent unit from the first container whose members start a new line."""
        gap = self.text[bracket + 1 : inside]
        if self.indent is not None or "\n" not in gap:
            return
        child = gap[gap.rfind("\n") + 1 :]
        parent = _line_indent(self.text, bracket)
        unit = child[len(parent) :] if child.startswith(parent) else child
        self.indent = unit or None

    def note_separator(self, end: int, start: int) -> None:
        gap = self.text[end:start]
        if self.item_separator is None and "\n" not in gap:
            self.item_separator = gap

    def closed(self, node: Node) -> None:
        if node.kind is Kind.OBJECT and len(node.keys) > 1:
            if node.keys == sorted(node.keys):
                self.sorted_objects += 1
            else:
                self.unsorted_objects += 1

    def style(self) -> Style:
        text = self.text
        first = text.find("\n")
        newline = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
        key_separator = self.key_separator if self.key_separator is not None else ": "
        item_separator = self.item_separator
        if item_separator is None:
            item_separator = ", " if key_separator.endswith(" ") else ","
        body = text[1:] if text.startswith("\ufeff") else text
        escaped = not _RAW_NON_ASCII.search(body) and bool(_ESCAPED_NON_ASCII.search(body))
        return Style(
            newline=newline,
            indent=self.indent,
            key_separator=key_separator,
            item_separator=item_separator,
            ensure_ascii=escaped,
            sort_keys=self.unsorted_objects == 0,
        )
