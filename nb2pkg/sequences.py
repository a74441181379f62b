"""Which items of a sequence an edit kept: a line diff that stays fast on any input.

``kept_pairs`` is patience matching (common ends, then items found once on each side as
anchors, recursively), with difflib only on ranges small enough for its quadratic worst
case. Sync uses it for the lines of a cell, the notebook writer for the items of a JSON
array (a large cell's list of source lines).
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Hashable, Sequence
from typing import TypeVar

H = TypeVar("H", bound=Hashable)


#: Below this product of lengths, a range without anchors is compared line by line.
_SMALL_RANGE = 250_000


def kept_pairs(old: Sequence[H], new: Sequence[H]) -> list[tuple[int, int]]:
    """Return the pairs (old index, new index) of items the edit kept, in order.

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
    old: Sequence[H],
    old_lo: int,
    old_hi: int,
    new: Sequence[H],
    new_lo: int,
    new_hi: int,
    kept: list[tuple[int, int]],
) -> None:
    """Add the lines difflib finds kept between the two ranges to *kept*."""
    matcher = difflib.SequenceMatcher(None, old[old_lo:old_hi], new[new_lo:new_hi], autojunk=False)
    for i, j, length in matcher.get_matching_blocks():
        kept.extend((old_lo + i + k, new_lo + j + k) for k in range(length))


def _anchors(
    old: Sequence[H], old_lo: int, old_hi: int, new: Sequence[H], new_lo: int, new_hi: int
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


def _once(lines: Sequence[H], low: int, high: int) -> dict[H, int]:
    seen: dict[H, int] = {}
    repeated: set[H] = set()
    for index in range(low, high):
        line = lines[index]
        if line in seen:
            repeated.add(line)
        else:
            seen[line] = index
    return {line: index for line, index in seen.items() if line not in repeated}
