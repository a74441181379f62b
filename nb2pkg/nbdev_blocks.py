"""Blocks that nbdev wrote: no hash to judge edits by, and sometimes no usable cell id.

nbdev's markers carry no hash, so sync has no base for them. One base is known all the
same: the block as nbdev writes it from the cell as it is now — the cell's source without
its directive lines, ``from __future__`` imports in place, imports such as
``import acme.core as c`` absolute. A block that, taken back to notebook form, is the cell's
body was edited on neither side (``as_nbdev_wrote``).

nbdev 2 gives every cell without an id (nbformat 4.4 notebooks) a random id each time it
reads the notebook, and writes it into the marker: on a fresh checkout that id names no
cell. ``match_unknown_ids`` finds those blocks' cells: first by content (the one exported
cell of the module whose body the block is, in notebook form), then by order, when the
blocks left and the cells left are as many. Pure: text in, values out.
"""

from __future__ import annotations

from collections.abc import Sequence

from .notebook_form import to_cell_body
from .plan import Chunk


def as_nbdev_wrote(code: str, body: str, package: str, module: str) -> bool:
    """Tell whether block *code* of *module* is what nbdev writes for a cell with *body*."""
    return to_cell_body(code, package, module, body).rstrip() == body.rstrip()


def match_unknown_ids(
    blocks: Sequence[tuple[int, str]], chunks: Sequence[Chunk], package: str, module: str
) -> dict[int, str]:
    """Map blocks whose marker ids name no cell to the cells of *chunks* they came from.

    *blocks* are (position in the module, code), in module order; *chunks* the cells the
    plan puts into *module* from the same notebook, in notebook order, less those another
    block names already. Returns {position: cell id} for the blocks it can place.
    """
    found: dict[int, str] = {}
    left = list(chunks)
    for position, code in blocks:
        same = [c for c in left if as_nbdev_wrote(code, c.code, package, module)]
        if len(same) == 1:
            found[position] = same[0].cell_id
            left.remove(same[0])
    rest = [(position, code) for position, code in blocks if position not in found]
    if rest and len(rest) == len(left):
        for (position, _), chunk in zip(rest, left):
            found[position] = chunk.cell_id
    return found
