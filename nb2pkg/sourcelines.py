"""Lines of source text as Python reads them: broken at ``\\n``, ``\\r\\n`` and ``\\r`` only.

``str.splitlines`` also breaks at ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``, ``\\x85``,
``\\u2028`` and ``\\u2029``, which code may hold inside strings and comments: line numbers
counted that way disagree with Python's, and a marker-like text after such a character
would look like a line of its own. Cell sources are read as Python reads a file, with
every line break made ``\\n``; ``newline_of`` remembers which one a cell used, so that text
written back into the cell keeps its convention.
"""

from __future__ import annotations

from collections import Counter


def source_lines(text: str) -> list[str]:
    """Return the lines of *text*, each with its line break, split as Python splits source."""
    lines: list[str] = []
    pending: list[str] = []
    for piece in text.splitlines(keepends=True):
        pending.append(piece)
        if piece.endswith(("\n", "\r")):
            lines.append("".join(pending))
            pending = []
    if pending:
        lines.append("".join(pending))
    return lines


def normalise_newlines(text: str) -> str:
    """Return *text* with every ``\\r\\n`` and lone ``\\r`` made ``\\n``, as Python reads source."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def newline_of(text: str) -> str:
    """Return the line break *text* uses most (``\\n`` when it has none or on a tie)."""
    if "\r" not in text:
        return "\n"
    crlf = text.count("\r\n")
    counts = Counter({"\n": text.count("\n") - crlf, "\r\n": crlf, "\r": text.count("\r") - crlf})
    best = max(counts.values())
    return next(newline for newline in ("\n", "\r\n", "\r") if counts[newline] == best)


def with_newline(text: str, newline: str) -> str:
    """Return *text* (whose lines end in ``\\n``) with its line breaks made *newline*."""
    return text if newline == "\n" else text.replace("\n", newline)
