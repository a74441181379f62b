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
import re

from .cellcode import ipython_lines, might_hold_ipython, parse_code
from .imports import ImportContext, to_notebook_imports
from .sequences import kept_pairs
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
    if left_out:
        body = _restore(body, original, left_out)
    return with_own_end(body, original)


def with_own_end(body: str, original: str) -> str:
    """Keep the white space that closes the cell (blank lines, a final newline or none):
    it is the cell's layout, which a block does not carry (its hash leaves it out)."""
    if not body.strip():
        return body
    return body.rstrip() + original[len(original.rstrip()) :]


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
    pairs = iter(kept_pairs(old, new))
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
