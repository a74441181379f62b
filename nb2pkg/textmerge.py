"""Merge three versions of a text line by line, the way git does (diff3).

Each side's changes against the base are found with difflib; changes of the two sides
that overlap or touch form one region. A region changed by one side takes that side's
lines; changed alike by both, those lines; changed differently, it is a conflict. As in git,
edits to adjacent lines conflict: a merge never guesses how two edits next to each other
combine.

    merge_texts(base, ours, theirs, ...) -> MergedText(text, conflicts)

Pure: strings in, a string out, with git-style markers around each conflict.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

Lines = tuple[str, ...]


@dataclass(frozen=True)
class Conflict:
    """A region both sides changed differently: the three versions of its lines."""

    ours: Lines
    base: Lines
    theirs: Lines


Chunk = Lines | Conflict


@dataclass(frozen=True)
class Markers:
    """How conflicts are written: labels, marker length, and whether the base is shown."""

    ours: str = "ours"
    base: str = "base"
    theirs: str = "theirs"
    size: int = 7
    diff3: bool = False


@dataclass(frozen=True)
class MergedText:
    """The merged text (with markers around conflicts) and the number of conflicts."""

    text: str
    conflicts: int


def merge_lines(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> list[Chunk]:
    """Merge three lists of lines into resolved runs of lines and conflicts."""
    hunks = sorted(
        [(b1, b2, 0, s1, s2) for b1, b2, s1, s2 in _changes(base, ours)]
        + [(b1, b2, 1, s1, s2) for b1, b2, s1, s2 in _changes(base, theirs)]
    )
    chunks: list[Chunk] = []
    position = 0
    index = 0
    while index < len(hunks):
        low, high = hunks[index][0], hunks[index][1]
        region = [hunks[index]]
        index += 1
        while index < len(hunks) and hunks[index][0] <= high:
            region.append(hunks[index])
            high = max(high, hunks[index][1])
            index += 1
        chunks.append(tuple(base[position:low]))
        sides = (ours, theirs)
        versions = [_side_text(base, sides[side], low, high, region, side) for side in (0, 1)]
        chunks.append(_resolve(tuple(base[low:high]), versions[0], versions[1]))
        position = high
    chunks.append(tuple(base[position:]))
    return _joined(chunks)


def _changes(base: Sequence[str], side: Sequence[str]) -> list[tuple[int, int, int, int]]:
    matcher = difflib.SequenceMatcher(None, base, side, autojunk=False)
    return [(b1, b2, s1, s2) for tag, b1, b2, s1, s2 in matcher.get_opcodes() if tag != "equal"]


def _side_text(
    base: Sequence[str],
    lines: Sequence[str],
    low: int,
    high: int,
    region: list[tuple[int, int, int, int, int]],
    side: int,
) -> Lines:
    """Return one side's version of base lines low..high (equal to base between its hunks)."""
    out: list[str] = []
    position = low
    for b1, b2, which, s1, s2 in region:
        if which != side:
            continue
        out += base[position:b1]
        out += lines[s1:s2]
        position = b2
    out += base[position:high]
    return tuple(out)


def _resolve(base: Lines, ours: Lines, theirs: Lines) -> Chunk:
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    return Conflict(ours, base, theirs)


def _joined(chunks: list[Chunk]) -> list[Chunk]:
    """Join neighbouring resolved runs; drop empty ones."""
    joined: list[Chunk] = []
    for chunk in chunks:
        if isinstance(chunk, Conflict):
            joined.append(chunk)
        elif chunk:
            if joined and not isinstance(joined[-1], Conflict):
                joined[-1] = joined[-1] + chunk
            else:
                joined.append(chunk)
    return joined


def merge_texts(base: str, ours: str, theirs: str, markers: Markers | None = None) -> MergedText:
    """Merge three texts; conflicts are written between git-style markers.

    Texts are compared with a final newline added where one is missing, so that appending
    to a cell that does not end with a newline is not an edit of its last line; the result
    ends with a newline if the side that changed the ending says so.
    """
    markers = markers or Markers()
    ends = [not text or text.endswith("\n") for text in (base, ours, theirs)]
    chunks = merge_lines(*(_lines(text) for text in (base, ours, theirs)))
    out: list[str] = []
    conflicts = 0
    for chunk in chunks:
        if isinstance(chunk, Conflict):
            conflicts += 1
            out += _conflict_lines(chunk, markers)
        else:
            out += chunk
    text = "".join(out)
    keep_newline = ends[2] if ends[1] == ends[0] else ends[1]
    if not keep_newline and text.endswith("\n"):
        text = text[:-1]
    return MergedText(text, conflicts)


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    return lines


def _conflict_lines(conflict: Conflict, markers: Markers) -> list[str]:
    ours, theirs = list(conflict.ours), list(conflict.theirs)
    before: list[str] = []
    after: list[str] = []
    if not markers.diff3:  # as git does: lines both sides agree on stay outside the markers
        while ours and theirs and ours[0] == theirs[0]:
            before.append(ours.pop(0))
            theirs.pop(0)
        while ours and theirs and ours[-1] == theirs[-1]:
            after.insert(0, ours.pop())
            theirs.pop()
    size = markers.size
    middle = [f"{'|' * size} {markers.base}\n", *conflict.base] if markers.diff3 else []
    return [
        *before,
        f"{'<' * size} {markers.ours}\n",
        *ours,
        *middle,
        f"{'=' * size}\n",
        *theirs,
        f"{'>' * size} {markers.theirs}\n",
        *after,
    ]


def conflict_text(ours: str, base: str, theirs: str, markers: Markers | None = None) -> str:
    """Write the whole of two versions as one conflict (a cell one side deleted, say)."""
    markers = markers or Markers()
    conflict = Conflict(tuple(_lines(ours)), tuple(_lines(base)), tuple(_lines(theirs)))
    return "".join(_conflict_lines(conflict, markers))
