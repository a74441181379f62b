"""Turn a module block back into the text of its notebook cell: the inverse of export.

Export takes a cell's body, leaves out IPython lines (with ``drop-magics``) and
``from __future__`` imports (hoisted to the module's top), and makes imports of the own
package relative. ``to_cell_body`` undoes all three for an edited block: imports go back to
the cell's absolute form, and every line export left out returns to its place among the
lines around it. ``retarget_header`` rewrites a cell's export directive for a block that
moved to another module. Pure text in, text out.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import re

from .cellcode import ipython_lines, might_hold_ipython, parse_code
from .imports import ImportContext, to_notebook_imports
from .sourcelines import source_lines

_EXPORT_LINE = re.compile(
    r"^(?P<prefix>\s*#\s*\|\s*)(?P<name>exporti|exports|export)\b(?P<rest>.*)$"
)


def to_cell_body(code: str, package: str, module: str, original: str | None) -> str:
    """Return block *code* as the cell's body, given the cell's *original* body (if any)."""
    body = to_notebook_imports(code, ImportContext(package, module), original)
    if original is None:
        return body
    left_out = _left_out_lines(original)
    if not left_out:
        return body
    return _restore(body, original, left_out)


def _left_out_lines(original: str) -> set[int]:
    """Return the 1-based numbers of the lines of *original* that export leaves out."""
    if "__future__" not in original and not might_hold_ipython(original):
        return set()  # nothing to leave out: no need to parse a cell that may be large
    tree, issue = parse_code(original)
    dropped: set[int] = set()
    if issue is not None and issue.kind == "ipython":
        dropped = set(ipython_lines(original))
        if "__future__" not in original:
            return dropped  # no future import to find: no second parse
        kept = "".join(
            line for number, line in enumerate(source_lines(original), 1) if number not in dropped
        )
        tree, _ = parse_code(kept)
        numbering = [n for n in range(1, original.count("\n") + 2) if n not in dropped]
    else:
        numbering = list(range(1, original.count("\n") + 2))
    if tree is None:
        return dropped
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__" and node.level == 0:
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                if line - 1 < len(numbering):
                    dropped.add(numbering[line - 1])
    return dropped


def _restore(body: str, original: str, left_out: set[int]) -> str:
    """Put the *left_out* lines of *original* back into *body*, each beside its old neighbours."""
    original_lines = source_lines(original)
    kept = [line for n, line in enumerate(original_lines, 1) if n not in left_out]
    new = source_lines(body)
    mapping = _position_map(kept, new)
    insertions: dict[int, list[str]] = {}
    present = set(new)
    kept_before = 0
    for number, line in enumerate(original_lines, 1):
        if number in left_out:
            if line in present:
                continue  # the edit kept it (or put it back) already
            position = mapping[kept_before]
            insertions.setdefault(position, []).append(line if line.endswith("\n") else line + "\n")
        else:
            kept_before += 1
    out: list[str] = []
    for index in range(len(new) + 1):
        out.extend(insertions.get(index, []))
        if index < len(new):
            out.append(new[index])
    text = "".join(out)
    return text if body.endswith("\n") or not text.endswith("\n") else text


def _position_map(old: list[str], new: list[str]) -> list[int]:
    """Map each position 0..len(old) between old lines to a position between new lines.

    A position before a line that the edit kept maps to that line's new place; any other
    maps to just after the last kept line before it.
    """
    mapping = [0] * (len(old) + 1)
    after = 0  # the new position just after the last kept line seen
    pairs = iter(_kept_lines(old, new))
    pair = next(pairs, None)
    for index in range(len(old)):
        if pair is not None and pair[0] == index:
            mapping[index] = pair[1]
            after = pair[1] + 1
            pair = next(pairs, None)
        else:
            mapping[index] = after
    mapping[len(old)] = len(new)
    return mapping


#: Below this product of lengths, a range without anchors is compared line by line.
_SMALL_RANGE = 250_000


def _kept_lines(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """Return the pairs (old index, new index) of lines the edit kept, in order.

    Patience matching: common lines at both ends, then lines that occur once on each side
    as anchors (in an order both sides agree on), then the same within each range between
    anchors. It costs time linear in the lines but for the sorting of anchors (difflib's
    matcher is quadratic on a large cell of repetitive lines); a range with no anchors is
    compared by difflib only when small. Total work is capped, so no input makes it slow.
    """
    kept: list[tuple[int, int]] = []
    if len(old) * len(new) <= _SMALL_RANGE:  # as difflib sees it, whenever that is cheap
        _matched(old, 0, len(old), new, 0, len(new), kept)
        return kept
    budget = 20 * (len(old) + len(new) + 1)
    ranges = [(0, len(old), 0, len(new))]
    while ranges:
        old_lo, old_hi, new_lo, new_hi = ranges.pop()
        while old_lo < old_hi and new_lo < new_hi and old[old_lo] == new[new_lo]:
            kept.append((old_lo, new_lo))
            old_lo, new_lo = old_lo + 1, new_lo + 1
        while old_lo < old_hi and new_lo < new_hi and old[old_hi - 1] == new[new_hi - 1]:
            old_hi, new_hi = old_hi - 1, new_hi - 1
            kept.append((old_hi, new_hi))
        size = (old_hi - old_lo) + (new_hi - new_lo)
        if old_lo == old_hi or new_lo == new_hi or size > budget:
            continue
        budget -= size
        anchors = _anchors(old, old_lo, old_hi, new, new_lo, new_hi)
        if not anchors:
            if (old_hi - old_lo) * (new_hi - new_lo) <= _SMALL_RANGE:
                _matched(old, old_lo, old_hi, new, new_lo, new_hi, kept)
            continue
        previous = (old_lo - 1, new_lo - 1)
        for anchor in [*anchors, (old_hi, new_hi)]:
            if anchor[0] - previous[0] > 1 and anchor[1] - previous[1] > 1:
                ranges.append((previous[0] + 1, anchor[0], previous[1] + 1, anchor[1]))
            if anchor != (old_hi, new_hi):
                kept.append(anchor)
            previous = anchor
    return sorted(kept)


def _matched(
    old: list[str],
    old_lo: int,
    old_hi: int,
    new: list[str],
    new_lo: int,
    new_hi: int,
    kept: list[tuple[int, int]],
) -> None:
    """Add the lines difflib finds kept between the two ranges to *kept*."""
    matcher = difflib.SequenceMatcher(None, old[old_lo:old_hi], new[new_lo:new_hi], autojunk=False)
    for i, j, length in matcher.get_matching_blocks():
        kept.extend((old_lo + i + k, new_lo + j + k) for k in range(length))


def _anchors(
    old: list[str], old_lo: int, old_hi: int, new: list[str], new_lo: int, new_hi: int
) -> list[tuple[int, int]]:
    """Return lines that occur once in each range, as pairs in increasing order on both sides."""
    once_old = _once(old, old_lo, old_hi)
    once_new = _once(new, new_lo, new_hi)
    pairs = [(i, once_new[line]) for line, i in once_old.items() if line in once_new]
    pairs.sort()
    # The longest run of pairs increasing in the new index too (patience sorting).
    tails: list[int] = []  # index into pairs of the smallest tail of a run of each length
    tail_values: list[int] = []  # the new index of each of those tails
    before: list[int] = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        length = bisect.bisect_left(tail_values, j)
        if length > 0:
            before[index] = tails[length - 1]
        if length == len(tails):
            tails.append(index)
            tail_values.append(j)
        else:
            tails[length] = index
            tail_values[length] = j
    run: list[tuple[int, int]] = []
    index = tails[-1] if tails else -1
    while index >= 0:
        run.append(pairs[index])
        index = before[index]
    return run[::-1]


def _once(lines: list[str], low: int, high: int) -> dict[str, int]:
    seen: dict[str, int] = {}
    repeated: set[str] = set()
    for index in range(low, high):
        line = lines[index]
        if line in seen:
            repeated.add(line)
        else:
            seen[line] = index
    return {line: index for line, index in seen.items() if line not in repeated}


def retarget_header(header: str, module: str | None) -> str:
    """Point the cell's (last) export directive at *module* (None: the notebook's default)."""
    lines = header.splitlines(keepends=True)
    for index in range(len(lines) - 1, -1, -1):
        match = _EXPORT_LINE.match(lines[index].rstrip("\r\n"))
        if match is None:
            continue
        ending = lines[index][len(lines[index].rstrip("\r\n")) :]
        target = f" {module}" if module else ""
        lines[index] = f"{match['prefix']}{match['name']}{target}{ending}"
        return "".join(lines)
    return f"#| export {module}\n" + header if module else "#| export\n" + header
