"""How deeply the brackets of JSON or TOML text nest, and where: found in one pass.

``depth_of`` measures a parsed document; ``deepest_nesting`` (after a parser gave up, or
refused a document too deep) names the line where the deepest value starts.
"""

from __future__ import annotations

from typing import Any


def depth_of(value: Any) -> int:
    """Return how many lists and dicts of parsed JSON or TOML *value* nest (no recursion).

    Level by level: only containers are kept for the next level, so the strings that make
    up most of a notebook are looked at once and never stacked.
    """
    level = [value] if type(value) in (dict, list) else []
    depth = 0
    while level:
        depth += 1
        deeper = []
        for item in level:
            for child in item.values() if type(item) is dict else item:
                kind = type(child)
                if kind is dict or kind is list:
                    deeper.append(child)
        level = deeper
    return depth


def deepest_nesting(text: str) -> tuple[int, int]:
    """Return (line, depth) of the most deeply nested value: the line its outermost bracket opens.

    Brackets inside strings (either quote, as TOML writes them; JSON has only ``"``) and
    ``#`` comments (TOML's; JSON has none outside strings) do not count.
    """
    depth = deepest = 0
    line = opened = deepest_line = 1
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\n":
            line += 1
        elif char == "#":
            end = text.find("\n", index)
            index = length if end < 0 else end
            continue
        elif char in "\"'":
            index, line = _string_end(text, index, line)
            continue
        elif char in "[{":
            if depth == 0:
                opened = line
            depth += 1
            if depth > deepest:
                deepest, deepest_line = depth, opened
        elif char in "]}" and depth:
            depth -= 1
        index += 1
    return deepest_line, deepest


def _string_end(text: str, start: int, line: int) -> tuple[int, int]:
    """Return the index after the string opening at *start*, and the line it ends on."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        end = text.find(quote * 3, start + 3)
        while end > 0 and quote == '"' and _escaped(text, end):
            end = text.find(quote * 3, end + 1)
        stop = len(text) if end < 0 else end + 3
    else:
        stop = start + 1
        while stop < len(text) and text[stop] not in (quote, "\n"):
            stop += 2 if quote == '"' and text[stop] == "\\" else 1
        stop = min(stop + 1, len(text)) if stop < len(text) and text[stop] == quote else stop
    return stop, line + text.count("\n", start, stop)


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1
