"""One module's share of an export, as one unit of work: export the cells not in the block
cache and, for the checked export, analyse the module on the syntax trees that made.

A worker process (``nb2pkg.workers``) runs it for one module, so the parse of each cell
serves both rendering and the NB101 analysis and nothing but values crosses back: the new
blocks (or a bad cell's problems) and the module's analysis.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .errors import CellError, ProblemsFound
from .plan import ModulePlan
from .render import (
    CellProblems,
    ExportOptions,
    RenderedBlock,
    cell_problems,
    export_chunk_tree,
    module_parts,
    render_module,
)

if TYPE_CHECKING:
    from .hidden_state import Analysis

JobResult = tuple[list[RenderedBlock | CellProblems], "Analysis | None"]


def render_job(
    module: ModulePlan,
    cached: list[RenderedBlock | None],
    package: str,
    options: ExportOptions,
    analyse: bool,
) -> JobResult:
    """Export the chunks of *module* that have no *cached* block (None at their place).

    Returns the new blocks in order (a bad cell as its problems) and, with *analyse* and
    no bad cell, the module's analysis (``hidden_state.analyse_parts``).
    """
    fresh: list[RenderedBlock | CellProblems] = []
    blocks: list[RenderedBlock] = []
    trees: dict[int, ast.Module | None] = {}
    for chunk, block in zip(module.chunks, cached):
        if block is None:
            try:
                block, tree = export_chunk_tree(chunk, package, module.name, options)
            except (CellError, ProblemsFound) as exc:
                fresh.append([(p.message, p.where) for p in cell_problems(exc)])
                continue
            fresh.append(block)
            trees[len(blocks)] = tree
        blocks.append(block)
    if not analyse or len(blocks) < len(cached):
        return fresh, None
    from .hidden_state import analyse_parts

    rendered = render_module(module, blocks)
    return fresh, analyse_parts(rendered.text, module_parts(rendered, trees))
