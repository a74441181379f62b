"""The static checks: each takes the project (and its rendered modules) and returns diagnostics.

None of them runs notebook code. Codes are stable; ``docs/check.md`` lists each with an
example and the fix.

    NB101 error    a name exported code uses that the module never defines (NameError)
    NB102 warning  a star import nb2pkg cannot see into, where it might define used names
    NB103 error    an own-package import of a module or name the package will not have
    NB201 warning  an exported name redefined by a later unexported cell
    NB301 warning  saved execution counts out of order
    NB401 warning  an unknown directive
    NB402 error    a mis-typed export directive (the cell is silently not exported)
    NB403 warning  a directive comment after the first code line (ignored, as by nbdev)
    NB404 error    nbdev 1 directives (`# export`), one per notebook: run `nb2pkg migrate`
    NB501 error    IPython syntax in an exported cell
    NB502 error    a syntax error in an exported cell
    NB601 warning  an import cycle between generated modules
    NB602 warning  one public name defined by two cells of one module
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from .cache import BlockCache
from .cellcode import comment_lines, extends_name, parse_loosely
from .errors import Location, cell_label
from .hidden_state import Analysis, is_exported, resolve_module
from .module_job import render_all
from .notebook import Cell
from .plan import ExportPlan
from .project import Project, directive_warnings
from .render import (
    ExportOptions,
    RenderedBlock,
    RenderedModule,
    render_module,
)
from .report import Diagnostic, Severity

_LATE_DIRECTIVE = re.compile(r"^\s*#\s*\|\s*(default_exp|export|exporti|exports)\b")


def render_for_check(
    plan: ExportPlan, options: ExportOptions, cache: BlockCache | None = None
) -> tuple[list[RenderedModule], list[Diagnostic], list[Analysis | None]]:
    """Render every module, turning bad cells into NB501/NB502 diagnostics instead of
    raising; with each module, its NB101 analysis when its job made one."""
    modules: list[RenderedModule] = []
    found: list[Diagnostic] = []
    analyses: list[Analysis | None] = []
    for module, results, analysis in render_all(plan, options, cache, analyse=True):
        blocks: list[RenderedBlock] = []
        for _, result in results:
            if not isinstance(result, list):
                blocks.append(result)
                continue
            for text, where in result:
                code = "NB501" if "IPython" in text or "magic" in text else "NB502"
                found.append(Diagnostic(code, Severity.ERROR, text, where))
        modules.append(render_module(module, blocks))
        analyses.append(analysis)
    return modules, found, analyses


def _mentions(names: Iterable[str]) -> re.Pattern[str]:
    """Return a pattern that finds any of *names* as a whole word."""
    return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")


def shadowed_names(project: Project, modules: list[RenderedModule]) -> list[Diagnostic]:
    """NB201: an exported name that a later unexported cell of the same notebook redefines.

    The exported names come from the rendered blocks (no second parse); an unexported cell
    is parsed only when its text mentions one of them.
    """
    exported: dict[str, dict[str, tuple[int, str]]] = {}  # notebook -> name -> (index, id)
    for module in modules:
        for block in module.blocks:
            chunk = block.chunk
            for name in block.defines:
                exported.setdefault(chunk.notebook, {})[name] = (chunk.cell_index, chunk.cell_id)
    found: list[Diagnostic] = []
    for notebook in project.notebooks:
        names = exported.get(notebook.relpath)
        if not names:
            continue
        mentions = _mentions(names)
        for cell in notebook.cells:
            if cell.kind != "code" or is_exported(cell) or not mentions.search(cell.body):
                continue
            for name, line in _top_level_definitions(parse_loosely(cell.body)).items():
                source = names.get(name)
                if source is None or source[0] > cell.index:
                    continue
                found.append(
                    Diagnostic(
                        "NB201",
                        Severity.WARNING,
                        f'"{name}" from exported {cell_label(*source)} is redefined '
                        "here, in a cell that is not exported: the notebook now tests a different "
                        "object from the one the package ships; rename it, or export this cell",
                        notebook.where(cell, cell.body_line - 1 + line),
                    )
                )
    return found


def _top_level_definitions(tree: ast.Module | None) -> dict[str, int]:
    names: dict[str, int] = {}
    for node in tree.body if tree else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and extends_name(node):
            continue  # @patch, @overload, @f.register, ...: adds to the name, does not rebind it
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.setdefault(node.name, node.lineno)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.setdefault(sub.id, node.lineno)
    return names


def execution_order(project: Project) -> list[Diagnostic]:
    """NB301: saved execution counts that do not increase from top to bottom."""
    found: list[Diagnostic] = []
    for notebook in project.notebooks:
        previous: Cell | None = None
        for cell in notebook.cells:
            if cell.kind != "code" or cell.execution_count is None:
                continue
            if previous is not None and cell.execution_count <= (previous.execution_count or 0):
                found.append(
                    Diagnostic(
                        "NB301",
                        Severity.WARNING,
                        f"ran out of order: execution count {cell.execution_count} after "
                        f"{previous.execution_count} in {cell_label(previous.index)}; the saved outputs may "
                        "not match the code — restart the kernel and run all cells",
                        notebook.where(cell),
                    )
                )
                break
            previous = cell
    return found


def directive_problems(project: Project) -> list[Diagnostic]:
    """NB401/NB402/NB403/NB404: directives nb2pkg will not act on."""
    found = directive_warnings(project, export_severity=Severity.ERROR)
    for notebook in project.notebooks:
        for cell in notebook.cells:
            if cell.kind != "code" or "|" not in cell.body:
                continue
            for number, line in comment_lines(cell.body):  # not text inside strings
                if _LATE_DIRECTIVE.match(line):
                    found.append(
                        Diagnostic(
                            "NB403",
                            Severity.WARNING,
                            f'"{line.strip()}" comes after the first code line and is ignored (nbdev '
                            "ignores it too); move it to the top of the cell",
                            notebook.where(cell, cell.body_line - 1 + number),
                        )
                    )
    return found


def import_cycles(package: str, modules: list[RenderedModule]) -> list[Diagnostic]:
    """NB601: generated modules that import each other at import time, in a cycle."""
    names = {m.plan.name for m in modules}
    graph = {m.plan.name: sorted(set(_imported_modules(package, m, names))) for m in modules}
    found = []
    for cycle in _cycles(graph):
        module = next(m for m in modules if m.plan.name == cycle[0])
        chain = " → ".join([*cycle, cycle[0]])
        found.append(
            Diagnostic(
                "NB601",
                Severity.WARNING,
                f"import cycle between generated modules: {chain}; importing one of them may fail "
                "with a partially initialised module — move the shared code into its own module, "
                "or import inside the function that needs it",
                Location(module.plan.notebooks[0]) if module.plan.notebooks else None,
            )
        )
    return found


def _imported_modules(package: str, module: RenderedModule, names: set[str]) -> Iterator[str]:
    """Yield the modules of the plan that *module* imports at import time."""
    for block in module.blocks:
        for level, name, imported in block.imports:
            base = resolve_module(package, module.plan.name, name, level)
            if base is None:
                continue
            base = base.removesuffix(".__init__")
            for candidate in [base, *(f"{base}.{item}".lstrip(".") for item in imported)]:
                for target in (candidate, f"{candidate}.__init__"):
                    if target in names and target != module.plan.name:
                        yield target


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Return one cycle per strongly connected component with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(graph, component) for component in components]


def _cycle_in(graph: dict[str, list[str]], component: list[str]) -> list[str]:
    """Walk from the component's first module until a module repeats: that is a cycle."""
    members = set(component)
    path = [component[0]]
    while True:
        step = next(t for t in graph[path[-1]] if t in members)
        if step in path:
            return path[path.index(step) :]
        path.append(step)
