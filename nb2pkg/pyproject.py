"""Add detected dependencies to the user's pyproject.toml, inserting and never rewriting.

``update_pyproject`` works on text: a small TOML scanner finds where arrays and tables
sit, the additions are planned from the parsed data, and every change is expressed as an
insertion. Nothing the user wrote is removed, re-pinned, re-quoted or re-ordered.

Where new text goes:

* a multi-line array gets one line per new entry, indented and quoted like its last entry,
  with a trailing comma when the user writes one; the lines go before the closing bracket,
  so after the existing entries, sorted. When the last entry has no trailing comma (or
  shares its line with the bracket), a line after it would need a comma added to the
  user's line; the new lines go *before* that last entry's line instead.
* an empty one-line array (``dependencies = []``, as the template writes) becomes a
  multi-line one: a newline goes after ``[``, so later updates are pure line insertions.
* a non-empty one-line array (``["a", "b"]``) keeps its style: the new entries go inside
  that line, the only kind of line nb2pkg changes. Inline tables are treated alike.
* a missing ``dependencies`` key or extra goes after the last key of its table; a missing
  ``[project.optional-dependencies]`` table after the ``[project]`` keys.
* a missing ``[build-system]`` goes above the first table (and above the comment lines
  that sit right on top of it), where the packaging guides and most tools put it.

A distribution counts as declared when an entry with the same canonical name (PEP 503)
exists, whatever its pin, extras or marker. An optional one also counts as declared when
it is in ``dependencies`` or in any extra: a user who filed it under their own extra
meant it. ``dynamic = ["dependencies"]`` is an error when something must be added: the
backend computes that list, nb2pkg cannot add to it, and skipping it would build wheels
that fail on import.

The result is checked before it is returned: it must parse to the old data plus exactly
the additions, and the old text must survive in it (every old line, in order, except a
one-line array's line, which may only have grown). A failed check is a bug: RuntimeError.

``generated_pyproject`` writes a whole PEP 621 pyproject.toml from an nbdev 2
``settings.ini``, for building projects that have none of their own.
"""

from __future__ import annotations

import bisect
import copy
import importlib
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .errors import ConfigError, Location

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_OPTIONAL = ("project", "optional-dependencies")


@dataclass(frozen=True)
class DependencyChanges:
    """What ``update_pyproject`` added, what it noticed, and the new text."""

    added: tuple[str, ...]
    added_optional: dict[str, tuple[str, ...]]
    build_system_added: bool
    unused: tuple[str, ...]  # declared, but no detected import needs them (plugins, ...)
    text: str
    changed: bool


def canonical_name(name: str) -> str:
    """Return the PEP 503 form of a distribution name: lower case, ``-`` for ``-_.`` runs."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str | None:
    """Return the canonical distribution name a PEP 508 requirement string starts with."""
    match = _NAME.match(requirement)
    return canonical_name(match.group(1)) if match else None


def update_pyproject(
    text: str,
    *,
    required: Sequence[str],
    optional: Mapping[str, Sequence[str]],
    default_build_system: Mapping[str, Any],
    where: str = "pyproject.toml",
) -> DependencyChanges:
    """Insert the detected requirements that *text* does not declare yet; return the result."""
    data = _parse(text, where)
    layout = _Scanner(text).scan()
    project = _project_table(data, layout, where)
    additions = _plan(project, required, optional)
    _refuse_dynamic(project, additions, layout, where)
    add_build_system = "build-system" not in data
    editor = _Editor(text, layout)
    editor.add_requirements(additions, project)
    if add_build_system:
        editor.add_build_system(default_build_system)
    new_text = editor.apply()
    build_system = default_build_system if add_build_system else None
    expected = _expected(data, additions, editor.placed, build_system)
    _verify(text, new_text, expected, editor.touched_lines())
    return DependencyChanges(
        added=additions.required,
        added_optional=dict(additions.optional),
        build_system_added=add_build_system,
        unused=_unused(project, required, optional),
        text=new_text,
        changed=new_text != text,
    )


# -- reading and planning ----------------------------------------------------------------


@dataclass(frozen=True)
class _Additions:
    required: tuple[str, ...]
    optional: dict[str, tuple[str, ...]]  # keyed by the extra's name as the file spells it


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"line (\d+)", message)
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise ConfigError(
            f"is not valid TOML: {message.split(' (at ')[0]}; fix the file and run again",
            Location(where, line=line),
        ) from None


def _project_table(data: Mapping[str, Any], layout: _Layout, where: str) -> dict[str, Any]:
    project = data.get("project")
    if project is None:
        raise ConfigError(
            "has no [project] table, where nb2pkg lists the dependencies; add one, e.g. "
            '[project] name = "acme" version = "0.1.0" description = "..."',
            Location(where),
        )
    if not isinstance(project, dict) or layout.header(("project",)) is None:
        raise ConfigError(
            "nb2pkg can only add dependencies to a [project] table written with a "
            "`[project]` header line; rewrite it that way",
            Location(where),
        )
    deps = project.get("dependencies", [])
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise ConfigError(
            "[project] dependencies must be a list of requirement strings",
            Location(where, line=layout.line_of_key(("project", "dependencies"))),
        )
    extras = project.get("optional-dependencies", {})
    if not isinstance(extras, dict) or not all(
        isinstance(v, list) and all(isinstance(r, str) for r in v) for v in extras.values()
    ):
        raise ConfigError(
            "[project.optional-dependencies] must map extra names to lists of requirement "
            'strings, e.g. test = ["pytest"]',
            Location(where, line=layout.line_of_key(_OPTIONAL)),
        )
    return project


def _plan(
    project: Mapping[str, Any], required: Sequence[str], optional: Mapping[str, Sequence[str]]
) -> _Additions:
    extras: dict[str, list[str]] = project.get("optional-dependencies", {})
    taken = {requirement_name(r) for r in project.get("dependencies", [])}
    new_required = _new_entries(required, taken)
    taken |= {requirement_name(r) for r in new_required}
    taken |= {requirement_name(r) for reqs in extras.values() for r in reqs}
    spelled = {canonical_name(extra): extra for extra in extras}
    new_optional: dict[str, tuple[str, ...]] = {}
    for extra in sorted(optional):
        entries = _new_entries(optional[extra], taken)
        if entries:
            new_optional[spelled.get(canonical_name(extra), extra)] = entries
            taken |= {requirement_name(r) for r in entries}
    return _Additions(new_required, new_optional)


def _new_entries(requirements: Sequence[str], taken: set[str | None]) -> tuple[str, ...]:
    """Return one requirement per distribution not in *taken*, sorted by canonical name."""
    chosen: dict[str, str] = {}
    for requirement in requirements:
        name = requirement_name(requirement)
        if name is None:
            raise ValueError(f"not a requirement: {requirement!r}")
        if name not in taken:
            chosen.setdefault(name, requirement.strip())
    return tuple(chosen[name] for name in sorted(chosen))


def _unused(
    project: Mapping[str, Any], required: Sequence[str], optional: Mapping[str, Sequence[str]]
) -> tuple[str, ...]:
    """Return the declared hard dependencies that no detected import needs."""
    detected = {requirement_name(r) for r in required}
    detected |= {requirement_name(r) for entries in optional.values() for r in entries}
    declared: list[str] = project.get("dependencies", [])
    return tuple(e for e in declared if requirement_name(e) not in detected | {None})


def _refuse_dynamic(
    project: Mapping[str, Any], additions: _Additions, layout: _Layout, where: str
) -> None:
    dynamic = project.get("dynamic", [])
    for key, needed in (
        ("dependencies", additions.required),
        ("optional-dependencies", additions.optional),
    ):
        if key in dynamic and needed:
            raise ConfigError(
                f'[project] lists "{key}" in `dynamic`, so the build backend computes it '
                f"and nb2pkg cannot add the imported distributions to it; remove it from "
                f"`dynamic` and write `{key} = ...` in [project] (your own entries are kept)",
                Location(where, line=layout.line_of_key(("project", "dynamic"))),
            )


# -- locating things in the text --------------------------------------------------------


@dataclass(frozen=True)
class _Array:
    open: int  # offset of "["
    close: int  # offset of "]"
    items: tuple[tuple[int, int], ...]  # start and end offset of each entry
    after_last: int  # just past the last entry, or past its trailing comma
    trailing_comma: bool


@dataclass(frozen=True)
class _Inline:
    open: int
    after_last: int | None  # just past the last value; None when the table is empty


@dataclass(frozen=True)
class _Statement:
    table: tuple[str, ...]  # the header (or inline table) it sits in
    key: tuple[str, ...]  # its dotted key
    start: int
    end: int  # just past the value
    value: _Array | _Inline | None  # None for a scalar
    inline: bool  # inside an inline table

    @property
    def path(self) -> tuple[str, ...]:
        return self.table + self.key


@dataclass(frozen=True)
class _Header:
    path: tuple[str, ...]
    start: int
    end: int  # just past the closing bracket
    array: bool


@dataclass(frozen=True)
class _Layout:
    text: str
    headers: tuple[_Header, ...]
    statements: tuple[_Statement, ...]

    def header(self, path: tuple[str, ...]) -> _Header | None:
        return next((h for h in self.headers if h.path == path and not h.array), None)

    def statement(self, path: tuple[str, ...]) -> _Statement | None:
        return next((s for s in self.statements if s.path == path), None)

    def line_of_key(self, path: tuple[str, ...]) -> int | None:
        found = self.statement(path)
        return self.text.count("\n", 0, found.start) + 1 if found else None


class _Scanner:
    """Record where headers, keys and arrays are in TOML text that tomllib accepted."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.headers: list[_Header] = []
        self.statements: list[_Statement] = []

    def scan(self) -> _Layout:
        table: tuple[str, ...] = ()
        while self.skip(newlines=True) < len(self.text):
            if self.text[self.pos] == "[":
                table = self.header()
            else:
                self.key_value(table, inline=False)
        return _Layout(self.text, tuple(self.headers), tuple(self.statements))

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
        self.headers.append(_Header(path, start, self.pos, array))
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
        self.statements.append(_Statement(table, key, start, self.pos, value, inline))

    def value(self, path: tuple[str, ...]) -> _Array | _Inline | None:
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

    def array(self, path: tuple[str, ...]) -> _Array:
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
        return _Array(start, close, tuple(items), after, comma_end is not None)

    def inline_table(self, path: tuple[str, ...]) -> _Inline:
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
        return _Inline(start, after)

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


# -- writing the additions --------------------------------------------------------------


@dataclass(frozen=True)
class _Insert:
    offset: int
    text: str


class _Editor:
    """Collect insertions into *text*; ``apply`` returns the new text."""

    def __init__(self, text: str, layout: _Layout) -> None:
        self.text = text
        self.layout = layout
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.inserts: list[_Insert] = []
        self.placed: dict[tuple[str, ...], int] = {}  # array -> index of the first new entry

    def add_requirements(self, additions: _Additions, project: Mapping[str, Any]) -> None:
        if additions.required:
            self.add_entries(("project", "dependencies"), additions.required)
        extras = project.get("optional-dependencies")
        if extras is None and additions.optional:
            self.add_optional_table(additions.optional)
            return
        for extra, entries in additions.optional.items():
            self.add_entries((*_OPTIONAL, extra), entries)

    def add_entries(self, path: tuple[str, ...], entries: Sequence[str]) -> None:
        found = self.layout.statement(path)
        if found is None:
            self.add_key(path[:-1], path[-1], entries)
        elif isinstance(found.value, _Array):
            self.extend_array(path, found.value, entries)
        else:  # tomllib said it is a list of strings, so the scanner missed something
            raise RuntimeError(f"no array found for {'.'.join(path)}")

    def extend_array(self, path: tuple[str, ...], array: _Array, entries: Sequence[str]) -> None:
        literal = bool(array.items) and self.text[array.items[-1][0]] == "'"
        quoted = [_quote(e, literal=literal) for e in entries]
        one_line = self.line_of(array.open) == self.line_of(array.close)
        self.placed[path] = len(array.items)
        if not array.items:
            if one_line:  # `[]`: open it up, so that later additions are whole lines
                base = self.indent_of(array.open)
                body = "".join(f"{base}    {q},{self.nl}" for q in quoted)
                self.inserts.append(_Insert(array.open + 1, self.nl + body + base))
            else:
                self.insert_lines_before(array.close, quoted, self.empty_array_indent(array))
            return
        last_start = array.items[-1][0]
        if self.line_of(last_start) == self.line_of(array.open):
            indent = self.indent_of(array.open) + "    "
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
            self.insert_lines_after(anchor, _array_lines(_key(key), entries, indent))
            return
        inline = next(
            (s for s in statements if s.path == table and isinstance(s.value, _Inline)), None
        )
        if inline is not None and isinstance(inline.value, _Inline):
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
        self.insert_lines_after(last.end, _array_lines(prefix, entries, self.indent_of(last.start)))

    def add_optional_table(self, optional: Mapping[str, Sequence[str]]) -> None:
        header = self.layout.header(("project",))
        assert header is not None
        own = [s for s in self.layout.statements if not s.inline and s.table == ("project",)]
        anchor = own[-1].end if own else header.end
        lines = ["", "[project.optional-dependencies]"]
        for extra, entries in optional.items():
            lines += _array_lines(_key(extra), entries, "")
        following = self.line_of(anchor) + 1
        if following < len(self.line_starts) and self.line_text(following):
            lines.append("")  # keep a blank line before whatever table comes next
        self.insert_lines_after(anchor, lines)

    def add_build_system(self, table: Mapping[str, Any]) -> None:
        lines = ["[build-system]"] + [f"{_key(k)} = {_render(v)}" for k, v in table.items()]
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

    def empty_array_indent(self, array: _Array) -> str:
        """Indent like the last comment inside an empty multi-line array, or by four."""
        for line in range(self.line_of(array.close) - 1, self.line_of(array.open), -1):
            if self.line_text(line):
                return self.indent_of(self.line_starts[line] + len(self.raw_line(line)))
        return self.indent_of(array.close) + "    "

    def raw_line(self, line: int) -> str:
        end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.text)
        return self.text[self.line_starts[line] : end].rstrip("\r\n")

    def starts_line(self, offset: int) -> bool:
        return not self.text[self.line_starts[self.line_of(offset)] : offset].strip()

    def item_starting_line(self, array: _Array, offset: int) -> int | None:
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
        else:  # the last line has no newline: end it first
            self.inserts.append(_Insert(len(self.text), self.nl + body))

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


def _array_lines(key: str, entries: Sequence[str], indent: str) -> list[str]:
    return [f"{indent}{key} = [", *(f"{indent}    {_quote(e)}," for e in entries), f"{indent}]"]


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _quote(name)


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


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


def _expected(
    data: Mapping[str, Any],
    additions: _Additions,
    placed: Mapping[tuple[str, ...], int],
    build_system: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Return *data* with the additions made, each at the index the editor chose."""
    expected = copy.deepcopy(dict(data))
    project = expected["project"]
    wanted: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        (("project", "dependencies"), additions.required),
        *(((*_OPTIONAL, extra), entries) for extra, entries in additions.optional.items()),
    ]
    for path, entries in wanted:
        if entries:
            table: dict[str, Any] = project
            for part in path[1:-1]:
                table = table.setdefault(part, {})
            array: list[str] = table.setdefault(path[-1], [])
            index = placed.get(path, len(array))
            array[index:index] = entries
    if build_system is not None:
        expected["build-system"] = _plain(build_system)
    return expected


def _verify(old: str, new: str, expected: Mapping[str, Any], touched: set[int]) -> None:
    """Raise RuntimeError unless *new* says *expected* and keeps every line of *old*."""
    try:
        parsed = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise RuntimeError(f"the updated pyproject.toml is not valid TOML: {exc}") from exc
    if parsed != expected:
        raise RuntimeError("the updated pyproject.toml does not say what was intended")
    remaining = iter(new)
    if not all(char in remaining for char in old):
        raise RuntimeError("the updated pyproject.toml lost some of the old text")
    new_lines, position = new.splitlines(), 0
    for number, line in enumerate(old.splitlines()):
        if number in touched:
            continue
        try:
            position = new_lines.index(line, position) + 1
        except ValueError:
            raise RuntimeError(f"the updated pyproject.toml changed line {number + 1}") from None


# -- a pyproject.toml for nbdev 2 projects ----------------------------------------------

#: nbdev 2's ``license`` keys and their SPDX identifiers.
NBDEV_LICENSES = {
    "apache2": "Apache-2.0",
    "mit": "MIT",
    "gpl2": "GPL-2.0-only",
    "gpl3": "GPL-3.0-only",
    "bsd3": "BSD-3-Clause",
    "bsd2": "BSD-2-Clause",
}


def generated_pyproject(
    metadata: Mapping[str, Any],
    required: Sequence[str],
    optional: Mapping[str, Sequence[str]],
    build_system: Mapping[str, Any],
    *,
    readme: bool = False,
    package: str | None = None,
) -> str:
    """Return a PEP 621 pyproject.toml for an nbdev 2 project, from its settings.ini values.

    *readme* says whether README.md exists; *package* is the import name (default: the
    last part of ``lib_path``). Requirements from settings.ini come first, as written;
    detected ones not declared there follow, sorted.
    """
    import tomlkit

    name = str(metadata.get("lib_name", "")).strip()
    if not name:
        raise ConfigError("[DEFAULT] needs lib_name (the package's name)", Location("settings.ini"))
    doc = tomlkit.document()
    doc["build-system"] = _plain(build_system)
    project = tomlkit.table()
    for key, value in _project_fields(metadata, name, readme).items():
        project[key] = _inline_people(tomlkit, value) if key == "authors" else value
    declared = [*_split(metadata, "requirements"), *_split(metadata, "pip_requirements")]
    additions = _plan({"dependencies": declared}, required, {})
    project["dependencies"] = _multiline(tomlkit, [*declared, *additions.required])
    extras = _nbdev_extras(metadata, declared, optional)
    if extras:
        project["optional-dependencies"] = {k: _multiline(tomlkit, v) for k, v in extras.items()}
    if metadata.get("git_url"):
        project["urls"] = {"Repository": str(metadata["git_url"])}
    scripts = _console_scripts(str(metadata.get("console_scripts", "")))
    if scripts:
        project["scripts"] = scripts
    doc["project"] = project
    module = package or PurePosixPath(str(metadata.get("lib_path", name.replace("-", "_")))).name
    if module != name.replace("-", "_"):  # flit's default import name
        doc["tool"] = {"flit": {"module": {"name": module}}}
    text = tomlkit.dumps(doc)
    tomllib.loads(text)  # a generated file must at least parse
    return text


def _project_fields(metadata: Mapping[str, Any], name: str, readme: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": name}
    if metadata.get("version"):
        fields["version"] = str(metadata["version"])
    else:  # flit then reads __version__ from the package
        fields["dynamic"] = ["version"]
    fields["description"] = str(metadata.get("description", ""))
    if readme:
        fields["readme"] = "README.md"
    if metadata.get("min_python"):
        fields["requires-python"] = f">={metadata['min_python']}"
    if metadata.get("license"):
        fields["license"] = _license(str(metadata["license"]))
    person = {
        k: str(metadata[f])
        for k, f in (("name", "author"), ("email", "author_email"))
        if metadata.get(f)
    }
    if person:
        fields["authors"] = [person]
    keywords = _split(metadata, "keywords")
    if keywords:
        fields["keywords"] = keywords
    return fields


def _license(value: str) -> str | dict[str, str]:
    """Return an SPDX expression when *value* is one (or an nbdev alias), else a text table."""
    if value.strip().lower() in NBDEV_LICENSES:
        return NBDEV_LICENSES[value.strip().lower()]
    try:
        flit_config = importlib.import_module("flit_core.config")
        return str(flit_config.normalise_compound_license_expr(value.strip()))
    except (ImportError, AttributeError, ValueError):  # flit's ConfigError is a ValueError
        return {"text": value}


def _split(metadata: Mapping[str, Any], key: str) -> list[str]:
    """Split a whitespace-separated settings.ini value, honouring quotes as nbdev does."""
    return shlex.split(str(metadata.get(key, "") or ""))


def _nbdev_extras(
    metadata: Mapping[str, Any], declared: Sequence[str], optional: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    extras: dict[str, list[str]] = {}
    dev = _split(metadata, "dev_requirements")
    if dev:  # nbdev 2's setup.py installs these with the "dev" extra
        extras["dev"] = dev
    additions = _plan(
        {"dependencies": list(declared), "optional-dependencies": extras}, [], optional
    )
    for extra, entries in additions.optional.items():
        extras.setdefault(extra, []).extend(entries)
    return extras


def _console_scripts(value: str) -> dict[str, str]:
    scripts: dict[str, str] = {}
    for entry in shlex.split(value):
        script, sep, target = entry.partition("=")
        if not sep or ":" not in target or not script.strip():
            raise ConfigError(
                f"console_scripts entry {entry!r} must look like name=module:function",
                Location("settings.ini"),
            )
        scripts[script.strip()] = target.strip()
    return scripts


def _multiline(tomlkit: Any, items: Sequence[str]) -> Any:
    array = tomlkit.array()
    array.extend(items)
    return array.multiline(True) if items else array


def _inline_people(tomlkit: Any, people: Sequence[Mapping[str, str]]) -> Any:
    """Return people as one line of inline tables, as people write them."""
    array = tomlkit.array()
    for person in people:
        table = tomlkit.inline_table()
        table.update(person)
        array.append(table)
    return array
