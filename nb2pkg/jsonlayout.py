"""Write a JSON value in the layout of the text it was read from, so diffs stay small.

``dumps_like(value, original)`` walks the new value beside the parsed original
(``nb2pkg.jsonparse``) and copies every byte it can:

* a scalar equal to the original one (same type and value) keeps its token, so ``1E5``,
  ``\\u00e9`` and ``"\\/"`` stay as written;
* an object keeps its members in their written order, with their keys, colons, separators
  and whitespace; a removed member takes its separator with it; an added one goes where
  sorting would put it if the object's keys are sorted, else at the end;
* an array is aligned with the original items (common head and tail first, then
  ``difflib`` over the middle): unchanged items keep their bytes, changed ones are rewritten
  in place, and inserted ones get the separator the array already uses;
* whatever is new is written in the text's own ``Style``: line ending, indent unit and
  depth, separators, ASCII escaping and key sorting.

So the unchanged parts of the text come back byte for byte, and Jupyter's own layout (one
space indent, sorted keys) gives exactly what Jupyter would write. The walk keeps its work
on an explicit stack: deep nesting costs memory, never the interpreter's stack; values
nested too deeply for ``json`` itself raise ``JsonLayoutError``. Equality is checked once
per array item against its old self, so the cost grows with the size of the document times
the depth of the arrays that hold changes, which is small for notebooks.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .jsonparse import Document, JsonLayoutError, Kind, Node, Style, parse
from .sequences import kept_pairs

__all__ = ["JsonLayoutError", "dumps_like", "parse", "same"]

_SAME = object()  # in an alignment: the old item, unchanged

# A piece of output: text to copy, or (new value, its old node if any, and the indent of
# its line - or a position on that line, measured only if something new is written there).
_Task = str | tuple[Any, Node | None, str | int]


def dumps_like(value: Any, original: str | Document) -> str:
    """Return *value* as JSON text laid out like *original* (a text, or one parsed already)."""
    document = original if isinstance(original, Document) else parse(original)
    text, root = document.text, document.root
    writer = _Writer(document)
    try:
        body = writer.write(value, root, writer.indent_at(root.start))
    except RecursionError:  # json.dumps of a new value nested deeper than it can write
        raise JsonLayoutError("the value is nested too deeply to be written as JSON") from None
    return text[: root.start] + body + text[root.end :]


def same(a: Any, b: Any) -> bool:
    """Tell whether two JSON values are equal, types included (``1``, ``1.0``, ``True`` differ)."""
    pairs = [(a, b)]
    while pairs:
        x, y = pairs.pop()
        if x is y:
            continue
        if type(x) is not type(y):
            return False
        if isinstance(x, dict):
            if x.keys() != y.keys():
                return False
            pairs.extend((x[key], y[key]) for key in x)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            pairs.extend(zip(x, y))
        elif isinstance(x, float):
            if math.isnan(x) and math.isnan(y):
                continue
            if x != y or math.copysign(1.0, x) != math.copysign(1.0, y):
                return False
        elif x != y:
            return False
    return True


@dataclass(frozen=True)
class _Frame:
    """How one container writes what is new in it."""

    opening: str  # between the bracket and the first member
    separator: str  # between two members that were not neighbours in the original
    closing: str  # between the last member and the bracket
    indent: str  # indentation of the lines of new members
    key_separator: str


class _Writer:
    def __init__(self, document: Document) -> None:
        self.text = document.text
        self.style: Style = document.style
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def indent_at(self, position: int) -> str:
        """Return the spaces and tabs that begin the line holding *position*."""
        start = self.line_starts[bisect.bisect_right(self.line_starts, position) - 1]
        end = start
        while end < position and self.text[end] in " \t":
            end += 1
        return self.text[start:end]

    def write(self, value: Any, root: Node, indent: str) -> str:
        """Return *value* written over the text of *root*, whose line begins with *indent*."""
        out: list[str] = []
        tasks: list[_Task] = [(value, root, indent)]
        while tasks:
            task = tasks.pop()
            if isinstance(task, str):
                out.append(task)
                continue
            new, old, where = task
            if old is None:
                out.append(self.dump(new, where))
            elif old.kind is Kind.OBJECT and isinstance(new, dict) and not old.duplicates:
                tasks.extend(reversed(self.object(new, old)))
            elif old.kind is Kind.ARRAY and isinstance(new, list):
                tasks.extend(reversed(self.array(new, old)))
            elif same(new, old.value):
                out.append(self.text[old.start : old.end])
            else:
                out.append(self.dump(new, where))
        return "".join(out)

    # -- containers --

    def object(self, new: dict[str, Any], old: Node) -> list[_Task]:
        keys = old.keys
        kept = [index for index, key in enumerate(keys) if key in new]
        known = set(keys)
        added = [key for key in new if key not in known]
        if not kept and not added:
            return [self.text[old.start : old.end] if not keys else "{}"]
        order = self.key_order(keys, kept, added)
        frame = self.frame(old)
        pieces: list[_Task] = ["{", frame.opening]
        for number, entry in enumerate(order):
            if number:
                pieces.append(self.separator(old, order[number - 1], entry, frame))
            if isinstance(entry, int):
                child, (key_start, _) = old.items[entry], old.key_spans[entry]
                pieces.append(self.text[key_start : child.start])
                pieces.append((new[keys[entry]], child, key_start))
            else:
                pieces.append(self.key(entry) + frame.key_separator)
                pieces.append((new[entry], None, frame.indent))
        return [*pieces, frame.closing, "}"]

    def key_order(self, keys: list[str], kept: list[int], added: list[str]) -> list[int | str]:
        """Keep the written order; put new keys where sorting would, if the keys are sorted."""
        ordered = keys == sorted(keys) if len(keys) > 1 else self.style.sort_keys
        if not ordered:
            return [*kept, *added]
        order: list[int | str] = []
        fresh = sorted(added)
        for index in kept:
            while fresh and fresh[0] < keys[index]:
                order.append(fresh.pop(0))
            order.append(index)
        return order + fresh

    def array(self, new: list[Any], old: Node) -> list[_Task]:
        if not new:
            return [self.text[old.start : old.end] if not old.items else "[]"]
        frame = self.frame(old)
        pieces: list[_Task] = ["[", frame.opening]
        previous: int | str | None = None
        for number, (index, item) in enumerate(self.align(new, old.items)):
            entry: int | str = index if index is not None else "new"
            if number:
                assert previous is not None
                pieces.append(self.separator(old, previous, entry, frame))
            if index is None:
                pieces.append((item, None, frame.indent))
            elif item is _SAME:
                child = old.items[index]
                pieces.append(self.text[child.start : child.end])
            else:
                child = old.items[index]
                pieces.append((item, child, child.start))
            previous = entry
        return [*pieces, frame.closing, "]"]

    def align(self, new: list[Any], items: list[Node]) -> list[tuple[int | None, Any]]:
        """Pair each new item with the old item it replaces, in order.

        An inserted item has no old index (None); an old item known to be unchanged is paired
        with ``_SAME`` (its bytes are copied without looking into it again).
        """
        old_count, new_count = len(items), len(new)
        if old_count == new_count == 1:
            return [(0, new[0])]  # nothing to align: comparing first would only cost time
        head = 0
        while head < min(old_count, new_count) and same(new[head], items[head].value):
            head += 1
        tail = 0
        while tail < min(old_count, new_count) - head and same(
            new[new_count - 1 - tail], items[old_count - 1 - tail].value
        ):
            tail += 1
        pairs: list[tuple[int | None, Any]] = [(i, _SAME) for i in range(head)]
        old_middle = range(head, old_count - tail)
        new_middle = range(head, new_count - tail)
        if len(old_middle) == len(new_middle) or not old_middle or not new_middle:
            pairs += [(i, new[j]) for i, j in zip(old_middle, new_middle)]
            pairs += [(None, new[j]) for j in new_middle[len(old_middle) :]]
        else:
            pairs += self.match(new, items, old_middle, new_middle)
        return pairs + [(i, _SAME) for i in range(old_count - tail, old_count)]

    def match(
        self, new: list[Any], items: list[Node], old_middle: range, new_middle: range
    ) -> list[tuple[int | None, Any]]:
        """Align the middle parts: kept items copied, replaced items paired in order.

        Patience matching (``sequences.kept_pairs``): a large array of repetitive items (a
        big cell's source lines) aligns in about linear time, where difflib is quadratic.
        """
        before = [_fingerprint(items[i].value) for i in old_middle]
        after = [_fingerprint(new[j]) for j in new_middle]
        pairs: list[tuple[int | None, Any]] = []
        old_at, new_at = 0, 0
        for old_kept, new_kept in [*kept_pairs(before, after), (len(before), len(after))]:
            olds = [old_middle[i] for i in range(old_at, old_kept)]
            news = [new_middle[j] for j in range(new_at, new_kept)]
            pairs += [(i, new[j]) for i, j in zip(olds, news)]
            pairs += [(None, new[j]) for j in news[len(olds) :]]
            if old_kept < len(before):
                pairs.append((old_middle[old_kept], _SAME))
            old_at, new_at = old_kept + 1, new_kept + 1
        return pairs

    def frame(self, old: Node) -> _Frame:
        text, style = self.text, self.style
        base = self.indent_at(old.start)
        key_separator = style.key_separator
        if old.items:
            opening = text[old.start + 1 : old.first_start()]
            closing = text[old.items[-1].end : old.end - 1]
            if len(old.items) > 1:
                separator = text[old.items[0].end : old.member_start(1)]
            else:
                separator = "," + opening if "\n" in opening else style.item_separator
            indent = opening[opening.rfind("\n") + 1 :] if "\n" in opening else base
            if old.kind is Kind.OBJECT:
                key_separator = text[old.key_spans[0][1] : old.items[0].start]
            return _Frame(opening, separator, closing, indent, key_separator)
        if style.indent is None:
            return _Frame("", style.item_separator, "", base, key_separator)
        child = base + style.indent
        line = style.newline + child
        return _Frame(line, "," + line, style.newline + base, child, key_separator)

    def separator(self, old: Node, previous: int | str, entry: int | str, frame: _Frame) -> str:
        """Return the original separator between neighbours, else the container's own."""
        if isinstance(previous, int) and isinstance(entry, int) and entry == previous + 1:
            return self.text[old.items[previous].end : old.member_start(entry)]
        return frame.separator

    # -- new values --

    def dump(self, value: Any, where: str | int) -> str:
        """Write a new value in the text's style, its lines indented like *where*'s line."""
        indent = self.indent_at(where) if isinstance(where, int) else where
        style = self.style
        if style.indent is None:
            return json.dumps(
                value,
                ensure_ascii=style.ensure_ascii,
                sort_keys=style.sort_keys,
                separators=(style.item_separator, style.key_separator),
            )
        text = json.dumps(
            value,
            ensure_ascii=style.ensure_ascii,
            sort_keys=style.sort_keys,
            indent=style.indent,
            separators=(",", style.key_separator),
        )
        return text.replace("\n", style.newline + indent)

    def key(self, key: str) -> str:
        return json.dumps(key, ensure_ascii=self.style.ensure_ascii)


def _fingerprint(value: Any) -> str:
    """Return a text equal for two values exactly when ``same`` says they are equal."""
    try:
        return json.dumps(value, sort_keys=True, allow_nan=True)
    except RecursionError:
        return f"\0{id(value)}"  # too deep to compare cheaply: matches nothing
