"""Render planned modules to text: one exported cell → one block, blocks → one module.

``export_chunk`` is the single definition of "a cell's fresh export": export writes what it
returns, and sync compares against it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .cellcode import (
    DROP_MAGICS_FIX,
    ImportRef,
    defined_names,
    drop_lines,
    import_time_imports,
    ipython_issues,
    outside_function,
    parse_code,
    public_names,
    split_future_imports,
)
from .errors import CellError, Location, Nb2pkgError, ProblemsFound, raise_all
from .markers import (
    GENERATED_MARK,
    block_digest,
    format_head_line,
    format_manifest,
    format_marker,
    head_digest,
    quote_path,
)
from .moduledoc import docstring_literal
from .plan import Chunk, ModulePlan
from .report import Diagnostic, Severity


@dataclass(frozen=True)
class ExportOptions:
    """Settings that change how a cell's code is exported."""

    drop_magics: bool = False
    format: bool = False
    black: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedBlock:
    """One exported cell as it stands in its module."""

    chunk: Chunk
    code: str  # ends with one newline
    digest: str
    names: tuple[str, ...]  # public names for __all__ (empty for exporti)
    futures: tuple[str, ...]  # `from __future__` names hoisted to the module top
    warnings: tuple[Diagnostic, ...] = ()
    imports: tuple[ImportRef, ...] = ()  # imports that run at import time (for NB601)
    defines: tuple[str, ...] = ()  # public names the cell (re)binds (for NB201, NB602)


@dataclass(frozen=True)
class RenderedModule:
    """A module's full text, and the blocks it is made of."""

    plan: ModulePlan
    text: str
    exports: tuple[str, ...]
    blocks: tuple[RenderedBlock, ...]
    block_lines: tuple[int, ...] = ()  # the module line where each block's code starts


def chunk_location(chunk: Chunk, line: int | None = None) -> Location:
    """Return the location of *line* (1-based within the chunk's code) in the notebook."""
    cell_line = None if line is None else chunk.body_line - 1 + line
    return Location(chunk.notebook, chunk.cell_index, chunk.cell_id, cell_line)


def export_chunk(chunk: Chunk, package: str, module: str, options: ExportOptions) -> RenderedBlock:
    """Turn one exported cell into its block: check, drop magics, rewrite imports, format."""
    return export_chunk_tree(chunk, package, module, options)[0]


def export_chunk_tree(
    chunk: Chunk, package: str, module: str, options: ExportOptions
) -> tuple[RenderedBlock, ast.Module | None]:
    """Return ``export_chunk``'s block, and the syntax tree made on the way when it is the
    tree of the block's code, line for line (None when imports were rewritten, lines
    hoisted or dropped, or the code formatted)."""
    from .imports import ImportContext, to_package_imports

    code, tree, warnings = _without_ipython(chunk, options)
    parsed = code
    futures, code = split_future_imports(code, tree)
    code = to_package_imports(code, ImportContext(package, module))
    if options.format and code.strip():
        from .formatting import format_code

        code = format_code(code, options.black)
    code = _tidy(code)
    names = tuple(public_names(tree)) if chunk.directive != "exporti" else ()
    imports = import_time_imports(tree)
    block = RenderedBlock(
        chunk,
        code,
        block_digest(code),
        names,
        tuple(futures),
        tuple(warnings),
        imports,
        tuple(defined_names(tree)),
    )
    return block, tree if code.rstrip() == parsed.rstrip() else None


CellProblems = list[tuple[str, Location | None]]  # a bad cell: (message, location) each


def export_chunks(
    chunks: list[Chunk], package: str, module: str, options: ExportOptions
) -> list[RenderedBlock | CellProblems]:
    """Export several chunks; a bad one comes back as its problems, not raised.

    This is the unit of work a worker process does: values, not exceptions, cross back.
    """
    results: list[RenderedBlock | CellProblems] = []
    for chunk in chunks:
        try:
            results.append(export_chunk(chunk, package, module, options))
        except (CellError, ProblemsFound) as exc:
            results.append([(p.message, p.where) for p in cell_problems(exc)])
    return results


def cell_problems(error: CellError | ProblemsFound) -> tuple[Nb2pkgError, ...]:
    """Return the problems one bad cell raised (``export_chunk`` reports them all)."""
    return error.problems if isinstance(error, ProblemsFound) else (error,)


def _without_ipython(
    chunk: Chunk, options: ExportOptions
) -> tuple[str, ast.Module, list[Diagnostic]]:
    """Return the chunk's code and tree, failing on IPython syntax unless told to drop it.

    Every IPython line of the cell is reported, not only the first. Without drop-magics the
    syntax of what remains is not judged: a line such as ``%time for x in y:`` leaves an
    indented block behind, and that error would only repeat the IPython one.
    """
    warnings: list[Diagnostic] = []
    problems: list[Nb2pkgError] = []
    for line in chunk.magic_lines:
        where = Location(chunk.notebook, chunk.cell_index, chunk.cell_id, line)
        if options.drop_magics:
            warnings.append(Diagnostic("NB501", Severity.WARNING, "dropped a cell magic", where))
        else:
            message = f"a cell magic in an exported cell cannot be exported; {DROP_MAGICS_FIX}"
            problems.append(CellError(message, where))
    code = chunk.code
    tree, issue = parse_code(code)
    kept_lines: list[int] | None = None  # the original numbers of the lines left
    if issue is not None and issue.kind == "ipython":
        found = ipython_issues(code)
        for each in found:
            where = chunk_location(chunk, each.line)
            if options.drop_magics:
                warnings.append(
                    Diagnostic("NB501", Severity.WARNING, "dropped an IPython line", where)
                )
            else:
                problems.append(CellError(each.message, where))
        dropped = {each.line for each in found}
        kept_lines = [n for n in range(1, len(code.splitlines()) + 1) if n not in dropped]
        if not options.drop_magics:
            raise_all(problems)
        code = drop_lines(code, sorted(dropped))
        tree, issue = parse_code(code)
    if issue is not None or tree is None:
        at = issue.line if issue else None
        if at is not None and kept_lines is not None and at <= len(kept_lines):
            at = kept_lines[at - 1]  # count lines as the cell does, dropped ones included
        message = issue.message if issue else "cannot be parsed"
        problems.append(CellError(message, chunk_location(chunk, at)))
    elif (misplaced := outside_function(tree)) is not None:
        at, what = misplaced
        if kept_lines is not None and at <= len(kept_lines):
            at = kept_lines[at - 1]
        problems.append(
            CellError(
                f"{what} outside a function cannot stand in a module (importing it raises "
                "SyntaxError); move it into a function, or keep the cell unexported",
                chunk_location(chunk, at),
            )
        )
    raise_all(problems)
    assert tree is not None
    return code, tree, warnings


def _tidy(code: str) -> str:
    """Strip blank edges and trailing white space at the end, keep one final newline."""
    code = code.strip("\n").rstrip()
    return code + "\n" if code else ""


def render_module(plan: ModulePlan, blocks: list[RenderedBlock]) -> RenderedModule:
    """Assemble the module text: docstring, header, futures, ``__all__``, marked blocks."""
    exports = _exports(blocks)
    futures = list(dict.fromkeys(name for block in blocks for name in block.futures))
    docstring = docstring_literal(plan.title) if plan.title else None
    future_line = f"from __future__ import {', '.join(futures)}" if futures else None
    all_line = _all_line(exports)
    generated = [part for part in (docstring, future_line, all_line) if part is not None]
    parts: list[str] = []
    if docstring:
        parts.append(docstring + "\n\n")
    parts.append(header_comment(plan.notebooks) + "\n")
    manifest = [(b.chunk.notebook, b.chunk.cell_id, b.digest) for b in blocks]
    parts.extend(line + "\n" for line in format_manifest(manifest))
    parts.append(format_head_line(head_digest(generated)) + "\n")
    if future_line:
        parts.append(f"\n{future_line}\n")
    parts.append("\n" + all_line + "\n")
    lines = sum(part.count("\n") for part in parts)  # every part so far ends a line
    starts = []
    for block in blocks:
        marker = format_marker(block.chunk.notebook, block.chunk.cell_id, block.digest)
        starts.append(lines + 4)  # two blank lines, the marker, then the code
        parts.append(f"\n\n{marker}\n{block.code}")
        lines += 3 + block.code.count("\n")
    return RenderedModule(plan, "".join(parts), tuple(exports), tuple(blocks), tuple(starts))


def module_parts(
    module: RenderedModule, trees: Mapping[int, ast.Module | None]
) -> list[tuple[ast.Module, int]] | None:
    """Return the module's syntax tree in parts for ``scope.analyse_module``: the head, then
    each block (the tree made while rendering it, from *trees* by position, else parsed
    now), each with the module lines before it. None where lines are not counted by
    ``\\n`` alone (a carriage return), so that the module is parsed whole."""
    text = module.text
    if "\r" in text or not module.block_lines:
        return None
    head_end = -1
    for _ in range(module.block_lines[0] - 1):
        head_end = text.index("\n", head_end + 1)
    parts = [(ast.parse(text[: head_end + 1]), 0)]
    for index, (block, start) in enumerate(zip(module.blocks, module.block_lines)):
        tree = trees.get(index) or ast.parse(block.code)
        parts.append((tree, start - 1))
    return parts


def header_comment(notebooks: tuple[str, ...]) -> str:
    """Return the comment that marks a module as generated, naming its notebooks."""
    sources = ", ".join(map(quote_path, notebooks)) if notebooks else "no notebook"
    return (
        f"{GENERATED_MARK} from {sources}: edit the notebook, or edit here and run `nb2pkg sync`."
    )


def _exports(blocks: list[RenderedBlock]) -> list[str]:
    names: dict[str, None] = {}
    for block in blocks:
        for name in block.names:
            names.setdefault(name, None)
    return list(names)


def _all_line(names: list[str]) -> str:
    one_line = "__all__ = [" + ", ".join(f'"{n}"' for n in names) + "]"
    if len(one_line) <= 100:
        return one_line
    return "__all__ = [\n" + "".join(f'    "{n}",\n' for n in names) + "]"
