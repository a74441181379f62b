"""How deeply the brackets of JSON or TOML text nest, and where: found in one pass.

``depth_of`` measures a parsed document; ``deepest_nesting`` (after a parser gave up, or
refused a document too deep) names the line where the deepest value starts.
"""

from __future__ import annotations

from typing import Any


def depth_of(value: Any) -> int:
    """Return how many lists and dicts of parsed JSON or TOML *value* nest (no recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item)
    return deepest


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
