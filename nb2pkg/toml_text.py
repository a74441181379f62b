"""Find where things sit in TOML text, and insert into it without rewriting what is there.

tomllib gives the data but not where it is written. ``Scanner`` reads text that tomllib
has accepted and records, as a ``Layout``, where the table headers, keys, arrays and
inline tables are. ``Editor`` collects insertions at those places and ``apply`` splices
them in; nothing is removed, re-quoted or re-ordered. ``verify`` checks the result.

Where new text goes:

* a multi-line array gets one line per new entry, indented and quoted like its last entry,
  with a trailing comma when the user writes one; the lines go before the closing bracket,
  so after the existing entries. When the last entry has no trailing comma (or shares its
  line with the bracket), a line after it would need a comma added to the user's line; the
  new lines go *before* that last entry's line instead (``Editor.placed`` records where).
* an empty one-line array (``key = []``) becomes a multi-line one: a newline goes after
  ``[``, so later additions are pure line insertions.
* new lines end like the file's lines (CRLF or LF) and indent by the file's own unit (its
  first indented line's: a tab, two spaces, ...; four spaces if nothing is indented); a
  file whose last line has no newline still ends without one.
* a non-empty one-line array (``["a", "b"]``) keeps its style: the new entries go inside
  that line, the only kind of line the editor changes. Inline tables are treated alike.
* a missing key goes after the last key of its table (inside its inline table, or after
  the dotted keys that spell that table); a new table of arrays after the keys of the
  table it is given.
* a table added first goes above the first table (and above the comment lines that sit
  right on top of it).
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


# -- locating things in the text --------------------------------------------------------


@dataclass(frozen=True)
class Array:
    open: int  # offset of "["
    close: int  # offset of "]"
    items: tuple[tuple[int, int], ...]  # start and end offset of each entry
    after_last: int  # just past the last entry, or past its trailing comma
    trailing_comma: bool


@dataclass(frozen=True)
class Inline:
    open: int
    after_last: int | None  # just past the last value; None when the table is empty


@dataclass(frozen=True)
class Statement:
    table: tuple[str, ...]  # the header (or inline table) it sits in
    key: tuple[str, ...]  # its dotted key
    start: int
    end: int  # just past the value
    value: Array | Inline | None  # None for a scalar
    inline: bool  # inside an inline table

    @property
    def path(self) -> tuple[str, ...]:
        return self.table + self.key


@dataclass(frozen=True)
class Header:
    path: tuple[str, ...]
    start: int
    end: int  # just past the closing bracket
    array: bool


@dataclass(frozen=True)
class Layout:
    text: str
    headers: tuple[Header, ...]
    statements: tuple[Statement, ...]

    def header(self, path: tuple[str, ...]) -> Header | None:
        return next((h for h in self.headers if h.path == path and not h.array), None)

    def statement(self, path: tuple[str, ...]) -> Statement | None:
        return next((s for s in self.statements if s.path == path), None)

    def line_of_key(self, path: tuple[str, ...]) -> int | None:
        found = self.statement(path)
        return self.text.count("\n", 0, found.start) + 1 if found else None


class Scanner:
    """Record where headers, keys and arrays are in TOML text that tomllib accepted."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.headers: list[Header] = []
        self.statements: list[Statement] = []

    def scan(self) -> Layout:
        table: tuple[str, ...] = ()
        while self.skip(newlines=True) < len(self.text):
            if self.text[self.pos] == "[":
                table = self.header()
            else:
                self.key_value(table, inline=False)
        return Layout(self.text, tuple(self.headers), tuple(self.statements))

    def skip(self, *, newlines: bool) -> int:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self.pos += 1
            elif newlines and char == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            else:
                break
        return self.pos

    def expect(self, token: str) -> None:
        self.skip(newlines=False)
        if not self.text.startswith(token, self.pos):
            raise RuntimeError(f"TOML scanner lost its way at offset {self.pos}")
        self.pos += len(token)

    def header(self) -> tuple[str, ...]:
        start = self.pos
        array = self.text.startswith("[[", start)
        self.pos += 2 if array else 1
        path = self.key()
        self.expect("]]" if array else "]")
        self.headers.append(Header(path, start, self.pos, array))
        return path

    def key(self) -> tuple[str, ...]:
        parts = [self.key_part()]
        while self.skip(newlines=False) < len(self.text) and self.text[self.pos] == ".":
            self.pos += 1
            parts.append(self.key_part())
        return tuple(parts)

    def key_part(self) -> str:
        start = self.skip(newlines=False)
        if self.text[start] in "\"'":
            self.pos = self.string_end()
            value: str = tomllib.loads("k = " + self.text[start : self.pos])["k"]
            return value
        match = _BARE_KEY.match(self.text, start)
        if not match:
            raise RuntimeError(f"TOML scanner found no key at offset {start}")
        self.pos = match.end()
        return match.group()

    def key_value(self, table: tuple[str, ...], *, inline: bool) -> None:
        start = self.skip(newlines=False)
        key = self.key()
        self.expect("=")
        self.skip(newlines=False)
        value = self.value(table + key)
        self.statements.append(Statement(table, key, start, self.pos, value, inline))

    def value(self, path: tuple[str, ...]) -> Array | Inline | None:
        char = self.text[self.pos]
        if char == "[":
            return self.array(path)
        if char == "{":
            return self.inline_table(path)
        if char in "\"'":
            self.pos = self.string_end()
        else:  # number, boolean, date: runs to a delimiter
            match = re.compile(r"[^,\]}#\r\n]*").match(self.text, self.pos)
            assert match is not None
            self.pos = match.start() + len(match.group().rstrip())
        return None

    def array(self, path: tuple[str, ...]) -> Array:
        start = self.pos
        self.pos += 1
        items: list[tuple[int, int]] = []
        comma_end: int | None = None
        while self.skip(newlines=True) < len(self.text) and self.text[self.pos] != "]":
            item_start = self.pos
            self.value(path)
            items.append((item_start, self.pos))
            comma_end = None
            if self.skip(newlines=True) < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
                comma_end = self.pos
        close = self.pos
        self.pos += 1
        after = comma_end or (items[-1][1] if items else start + 1)
        return Array(start, close, tuple(items), after, comma_end is not None)

    def inline_table(self, path: tuple[str, ...]) -> Inline:
        start = self.pos
        self.pos += 1
        after: int | None = None
        while self.skip(newlines=True) < len(self.text) and self.text[self.pos] != "}":
            if self.text[self.pos] == ",":
                self.pos += 1
                continue
            self.key_value(path, inline=True)
            after = self.pos
        self.pos += 1
        return Inline(start, after)

    def string_end(self) -> int:
        text, quote = self.text, self.text[self.pos]
        escapes = quote == '"'
        if text.startswith(quote * 3, self.pos):
            i = self.pos + 3
            while not text.startswith(quote * 3, i):
                i += 2 if escapes and text[i] == "\\" else 1
            while i + 3 < len(text) and text[i + 3] == quote:
                i += 1  # up to two quotes may end the content, right before the delimiter
            return i + 3
        i = self.pos + 1
        while text[i] != quote:
            i += 2 if escapes and text[i] == "\\" else 1
        return i + 1


# -- inserting --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Insert:
    offset: int
    text: str


class Editor:
    """Collect insertions into *text*; ``apply`` returns the new text."""

    def __init__(self, text: str, layout: Layout) -> None:
        self.text = text
        self.layout = layout
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.unit = self.indent_unit()
        self.inserts: list[_Insert] = []
        self.placed: dict[tuple[str, ...], int] = {}  # array -> index of the first new entry

    def add_entries(self, path: tuple[str, ...], entries: Sequence[str]) -> None:
        """Add *entries* to the array at the dotted *path*, writing the key if it is missing."""
        found = self.layout.statement(path)
        if found is None:
            self.add_key(path[:-1], path[-1], entries)
        elif isinstance(found.value, Array):
            self.extend_array(path, found.value, entries)
        else:  # tomllib said it is a list of strings, so the scanner missed something
            raise RuntimeError(f"no array found for {'.'.join(path)}")

    def extend_array(self, path: tuple[str, ...], array: Array, entries: Sequence[str]) -> None:
        literal = bool(array.items) and self.text[array.items[-1][0]] == "'"
        quoted = [_quote(e, literal=literal) for e in entries]
        one_line = self.line_of(array.open) == self.line_of(array.close)
        self.placed[path] = len(array.items)
        if not array.items:
            if one_line:  # `[]`: open it up, so that later additions are whole lines
                base = self.indent_of(array.open)
                body = "".join(f"{base}{self.unit}{q},{self.nl}" for q in quoted)
                self.inserts.append(_Insert(array.open + 1, self.nl + body + base))
            else:
                self.insert_lines_before(array.close, quoted, self.empty_array_indent(array))
            return
        last_start = array.items[-1][0]
        if self.line_of(last_start) == self.line_of(array.open):
            indent = self.indent_of(array.open) + self.unit
        else:
            indent = self.indent_of(last_start)
        if not one_line and self.starts_line(array.close) and array.trailing_comma:
            self.insert_lines_before(array.close, quoted, indent)
        elif not one_line and (before := self.item_starting_line(array, last_start)) is not None:
            # No trailing comma: a line after the last entry would change that entry's line.
            self.placed[path] = before
            self.insert_lines_before(last_start, quoted, indent)
        elif array.trailing_comma:
            self.inserts.append(_Insert(array.after_last, "".join(f" {q}," for q in quoted)))
        else:
            self.inserts.append(_Insert(array.after_last, "".join(f", {q}" for q in quoted)))

    def add_key(self, table: tuple[str, ...], key: str, entries: Sequence[str]) -> None:
        header = self.layout.header(table)
        statements = self.layout.statements
        if header is not None:
            own = [s for s in statements if not s.inline and s.table == table]
            anchor, indent = (
                (own[-1].end, self.indent_of(own[-1].start)) if own else (header.end, "")
            )
            self.insert_lines_after(anchor, self.array_lines(_key(key), entries, indent))
            return
        inline = next(
            (s for s in statements if s.path == table and isinstance(s.value, Inline)), None
        )
        if inline is not None and isinstance(inline.value, Inline):
            pair = f"{_key(key)} = [{', '.join(_quote(e) for e in entries)}]"
            where = inline.value.after_last
            self.inserts.append(
                _Insert(inline.value.open + 1, pair)
                if where is None
                else _Insert(where, ", " + pair)
            )
            return
        dotted = [
            s
            for s in statements
            if not s.inline and len(s.table) < len(table) and s.path[: len(table)] == table
        ]
        if not dotted:
            raise RuntimeError(f"no place found for {'.'.join(table)}")
        last = dotted[-1]
        prefix = ".".join(_key(part) for part in (*last.key[: len(table) - len(last.table)], key))
        self.insert_lines_after(
            last.end, self.array_lines(prefix, entries, self.indent_of(last.start))
        )

    def add_arrays_table(
        self, path: tuple[str, ...], arrays: Mapping[str, Sequence[str]], *, after: tuple[str, ...]
    ) -> None:
        """Add a ``[path]`` table of arrays after the keys of the *after* table."""
        header = self.layout.header(after)
        assert header is not None
        own = [s for s in self.layout.statements if not s.inline and s.table == after]
        anchor = own[-1].end if own else header.end
        lines = ["", f"[{_dotted(path)}]"]
        for name, entries in arrays.items():
            lines += self.array_lines(_key(name), entries, "")
        following = self.line_of(anchor) + 1
        if following < len(self.line_starts) and self.line_text(following):
            lines.append("")  # keep a blank line before whatever table comes next
        self.insert_lines_after(anchor, lines)

    def add_first_table(self, path: tuple[str, ...], table: Mapping[str, Any]) -> None:
        """Add a ``[path]`` table above the first table and the comments on top of it."""
        lines = [f"[{_dotted(path)}]"] + [f"{_key(k)} = {_render(v)}" for k, v in table.items()]
        first = min(self.layout.headers, key=lambda h: h.start)
        floor = max((s.end for s in self.layout.statements if s.start < first.start), default=0)
        line = self.line_of(first.start)
        # Comments right on top of the first table describe it: keep them next to it.
        while (
            line > 0
            and self.line_starts[line - 1] >= floor
            and self.line_text(line - 1).startswith("#")
        ):
            line -= 1
        if line > 0 and self.line_text(line - 1):
            lines.insert(0, "")  # set it apart from the root keys above
        self.inserts.append(
            _Insert(self.line_starts[line], "".join(x + self.nl for x in lines + [""]))
        )

    # -- positions --

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1

    def line_text(self, line: int) -> str:
        return self.raw_line(line).strip()

    def indent_of(self, offset: int) -> str:
        prefix = self.text[self.line_starts[self.line_of(offset)] : offset]
        return prefix[: len(prefix) - len(prefix.lstrip())]

    def empty_array_indent(self, array: Array) -> str:
        """Indent like the last comment inside an empty multi-line array, or by four."""
        for line in range(self.line_of(array.close) - 1, self.line_of(array.open), -1):
            if self.line_text(line):
                return self.indent_of(self.line_starts[line] + len(self.raw_line(line)))
        return self.indent_of(array.close) + self.unit

    def raw_line(self, line: int) -> str:
        end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.text)
        return self.text[self.line_starts[line] : end].rstrip("\r\n")

    def starts_line(self, offset: int) -> bool:
        return not self.text[self.line_starts[self.line_of(offset)] : offset].strip()

    def item_starting_line(self, array: Array, offset: int) -> int | None:
        """Return the index of the entry that begins the line holding *offset*, if any."""
        first = self.line_starts[self.line_of(offset)] + len(self.indent_of(offset))
        starts = [start for start, _ in array.items]
        return starts.index(first) if first in starts else None

    def insert_lines_before(self, offset: int, entries: Sequence[str], indent: str) -> None:
        body = "".join(f"{indent}{e},{self.nl}" for e in entries)
        self.inserts.append(_Insert(self.line_starts[self.line_of(offset)], body))

    def insert_lines_after(self, offset: int, lines: Sequence[str]) -> None:
        end = self.text.find("\n", offset)
        body = "".join(line + self.nl for line in lines)
        if end >= 0:
            self.inserts.append(_Insert(end + 1, body))
        elif not self.text or self.text.endswith("\n"):
            self.inserts.append(_Insert(len(self.text), body))
        else:  # the last line has no newline: start a line, and keep the file's habit
            self.inserts.append(_Insert(len(self.text), self.nl + self.nl.join(lines)))

    def indent_unit(self) -> str:
        """Return one level of the file's indentation, for new array entries.

        The first multi-line array's entries say it; else a tab if the file's first indented
        line starts with one; else four spaces.
        """
        for statement in self.layout.statements:
            array = statement.value
            if isinstance(array, Array) and array.items:
                first = array.items[0][0]
                if self.line_of(first) != self.line_of(array.open):
                    key_indent = self.indent_of(statement.start)
                    entry_indent = self.indent_of(first)
                    if entry_indent.startswith(key_indent) and entry_indent != key_indent:
                        return entry_indent[len(key_indent) :]
        match = re.search(r"^[ \t]+[^ \t\r\n]", self.text, re.MULTILINE)
        return "\t" if match and match.group().startswith("\t") else "    "

    def array_lines(self, key: str, entries: Sequence[str], indent: str) -> list[str]:
        body = [f"{indent}{self.unit}{_quote(e)}," for e in entries]
        return [f"{indent}{key} = [", *body, f"{indent}]"]

    def apply(self) -> str:
        parts, previous = [], 0
        for insert in sorted(self.inserts, key=lambda i: i.offset):
            parts += [self.text[previous : insert.offset], insert.text]
            previous = insert.offset
        return "".join(parts) + self.text[previous:]

    def touched_lines(self) -> set[int]:
        """Return the old lines an insertion lands inside of (one-line arrays)."""
        return {
            self.line_of(i.offset)
            for i in self.inserts
            if i.offset not in self.line_starts
            and not (i.offset == len(self.text) and i.text.startswith(self.nl))
        }


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _quote(name)


def _dotted(path: Sequence[str]) -> str:
    return ".".join(_key(part) for part in path)


def _quote(value: str, *, literal: bool = False) -> str:
    """Return *value* as a TOML string: a literal one when asked and possible."""
    control = any(ord(c) < 32 or ord(c) == 127 for c in value)
    if literal and "'" not in value and not control:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return (
        '"'
        + "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or ord(c) == 127 else c for c in escaped)
        + '"'
    )


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, Sequence):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as a TOML value here")


# -- checking the result ----------------------------------------------------------------


def verify(
    old: str, new: str, expected: Mapping[str, Any], touched: set[int], *, name: str
) -> None:
    """Raise RuntimeError unless *new* says *expected* and keeps every line of *old*.

    *touched* holds the (0-based) old lines an insertion landed inside of, which may have
    grown; *name* is the file's name for the messages. A failure is a bug in the editor.
    """
    try:
        parsed = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise RuntimeError(f"the updated {name} is not valid TOML: {exc}") from exc
    if parsed != expected:
        raise RuntimeError(f"the updated {name} does not say what was intended")
    remaining = iter(new)
    if not all(char in remaining for char in old):
        raise RuntimeError(f"the updated {name} lost some of the old text")
    new_lines, position = new.splitlines(), 0
    for number, line in enumerate(old.splitlines()):
        if number in touched:
            continue
        try:
            position = new_lines.index(line, position) + 1
        except ValueError:
            raise RuntimeError(f"the updated {name} changed line {number + 1}") from None
