"""One module's share of an export, as one unit of work: export the cells not in the block
cache and, for the checked export, analyse the module on the syntax trees that made.

A worker process (``nb2pkg.workers``) runs it for one module, so the parse of each cell
serves both rendering and the NB101 analysis and nothing but values crosses back: the new
blocks (or a bad cell's problems) and the module's analysis.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from .errors import CellError, ProblemsFound
from .plan import ExportPlan, ModulePlan
from .render import (
    CellProblems,
    ExportOptions,
    RenderedBlock,
    cell_problems,
    export_chunk_tree,
    module_parts,
    render_module,
)
from .workers import worker_pool

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .cache import BlockCache
    from .hidden_state import Analysis

JobResult = tuple[list[RenderedBlock | CellProblems], "Analysis | None"]
#: Each planned module with its chunks' cache keys and cached blocks (None: not cached).
Lookup = list[tuple[ModulePlan, list[tuple[str, RenderedBlock | None]]]]
#: A rendered module's chunks, in order: (cache key, its block or a bad cell's problems).
Rendered = list[tuple[str, RenderedBlock | CellProblems]]


def look_up(plan: ExportPlan, cache: BlockCache | None) -> Lookup:
    """Return each planned module with its chunks' cache keys and cached blocks (or None)."""
    return [
        (m, [cache.lookup(c, m.name) if cache else ("", None) for c in m.chunks])
        for m in plan.modules
    ]


def work_left(found: Lookup) -> int:
    """Return how much code is left to render (bytes of the chunks the cache lacks)."""
    return sum(
        len(chunk.code)
        for module, entries in found
        for chunk, (_, block) in zip(module.chunks, entries)
        if block is None
    )


def render_all(
    plan: ExportPlan, options: ExportOptions, cache: BlockCache | None, *, analyse: bool
) -> Iterator[tuple[ModulePlan, Rendered, Analysis | None]]:
    """Yield every planned module's chunks rendered (from the *cache*, or by its job),
    with the module's analysis when *analyse* and its job made one.

    Jobs run in forked workers when the work the cache leaves pays for them; modules come
    back in plan order, each as soon as its job is done.
    """
    found = look_up(plan, cache)
    with worker_pool(work_left(found)) as pool:
        outcomes: list[Callable[[], JobResult]] = []
        batch: list[JobArgs] = []
        size = 0

        def send() -> None:
            nonlocal batch, size
            assert pool is not None
            future = pool.submit(render_batch, batch)
            outcomes.extend(partial(_nth, future, n) for n in range(len(batch)))
            batch, size = [], 0

        for module, entries in found:
            cached = [block for _, block in entries]
            args = (module, cached, plan.package, options, analyse)
            if all(block is not None for block in cached):
                outcomes.append(partial(_done, ([], None)))
            elif pool is None:
                outcomes.append(partial(render_job, *args))
            else:
                batch.append(args)
                size += sum(len(c.code) for c, b in zip(module.chunks, cached) if b is None)
                if size >= _BATCH:
                    send()
        if batch:
            send()
        for (module, entries), outcome in zip(found, outcomes):
            made, analysis = outcome()
            fresh = iter(made)
            rendered: Rendered = []
            for chunk, (key, block) in zip(module.chunks, entries):
                result = block or next(fresh)
                if isinstance(result, RenderedBlock) and result.chunk is not chunk:
                    object.__setattr__(result, "chunk", chunk)  # back from a worker without
                rendered.append((key, result))
            yield module, rendered, analysis


#: Code sent to a worker in one task: fewer, larger tasks cost less to hand over.
_BATCH = 64_000

JobArgs = tuple[ModulePlan, list["RenderedBlock | None"], str, ExportOptions, bool]


def _done(result: JobResult) -> JobResult:
    return result


def _nth(future: Future[list[JobResult]], index: int) -> JobResult:
    return future.result()[index]


def render_batch(batch: list[JobArgs]) -> list[JobResult]:
    """Run the jobs of several modules (one task of a worker process).

    The blocks go back without their chunks (the caller has them, code and all, and puts
    them back): half the bytes to send, and no second copy of every cell's code.
    """
    results = [render_job(*args) for args in batch]
    for made, _ in results:
        for block in made:
            if isinstance(block, RenderedBlock):
                object.__setattr__(block, "chunk", None)
    return results


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
