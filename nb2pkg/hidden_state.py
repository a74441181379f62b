"""NB101/NB102: names exported code uses that its module never defines — hidden state.

``UndefinedNameScan`` takes rendered modules one by one, analyses each with
``scope.analyse_module`` and turns what it finds into located diagnostics. On a machine
with several cores and a large project, the analysis runs in forked worker processes
*while* the remaining modules are still being rendered (export hands each module over as
soon as it is ready), so the check adds little to an export's wall time. A module found
clean before — same text, same names behind its star imports — is skipped (block cache).
"""

from __future__ import annotations

import ast
import hashlib
import re
from concurrent.futures import Future, ProcessPoolExecutor

from .cache import BlockCache
from .directives import export_kind
from .errors import Location
from .markers import split_blocks
from .notebook import Cell
from .plan import Chunk
from .project import Project
from .render import RenderedModule
from .report import Diagnostic
from .scope import UndefinedName, analyse_module
from .workers import worker_pool

StarTable = dict[tuple[int, str], frozenset[str] | None]

_STAR_IMPORT = re.compile(r"^\s*from\s+(\.*)([\w.]*)\s+import\s+\*", re.MULTILINE)


class UndefinedNameScan:
    """Collect modules as they are rendered; analyse them, in parallel when it pays."""

    def __init__(
        self, project: Project, cache: BlockCache | None, pool: ProcessPoolExecutor | None = None
    ) -> None:
        self.project = project
        self.package = project.config.package
        self.cache = cache
        self.pool = pool  # None: analyse in this process
        self.exports: dict[str, frozenset[str]] = {}
        self.waiting: list[RenderedModule] = []  # star imports of modules not rendered yet
        self.started: list[tuple[RenderedModule, str, Future[tuple[UndefinedName, ...]] | None]]
        self.started = []

    def add(self, module: RenderedModule) -> None:
        """Take one rendered module; start its analysis once its star imports are known."""
        self.exports[module.plan.name] = frozenset(module.exports)
        self.waiting.append(module)
        still = []
        for waiting in self.waiting:
            if all(target in self.exports for target in self._star_targets(waiting)):
                self._start(waiting)
            else:
                still.append(waiting)
        self.waiting = still

    def diagnostics(self) -> list[Diagnostic]:
        """Finish every analysis and return the diagnostics, in module order."""
        for module in self.waiting:
            self._start(module)
        self.waiting = []
        found: list[Diagnostic] = []
        for module, key, future in sorted(self.started, key=lambda item: item[0].plan.name):
            undefined = future.result() if future is not None else ()
            if not undefined and self.cache is not None:
                self.cache.mark_clean(key)
            found.extend(self._diagnose(module, undefined))
        return found

    def _star_targets(self, module: RenderedModule) -> list[str]:
        targets = []
        for dots, name in _STAR_IMPORT.findall(module.text):
            target = resolve_module(self.package, module.plan.name, name, len(dots))
            if target is not None:
                targets.append(target)
        return targets

    def _start(self, module: RenderedModule) -> None:
        stars: StarTable = {}
        behind = []
        for dots, name in _STAR_IMPORT.findall(module.text):
            target = resolve_module(self.package, module.plan.name, name, len(dots)) or ""
            stars[(len(dots), name)] = self.exports.get(target)
            behind.append(f"{target}={','.join(sorted(self.exports.get(target, ())))}")
        key = _key(module.text, behind)
        if self.cache is not None and self.cache.is_clean(key):
            self.started.append((module, key, None))
            return
        if self.pool is not None:
            future = self.pool.submit(analyse_text, module.text, stars)
        else:
            future = Future()
            future.set_result(analyse_text(module.text, stars))
        self.started.append((module, key, future))

    def _diagnose(
        self, module: RenderedModule, undefined: tuple[UndefinedName, ...]
    ) -> list[Diagnostic]:
        found = []
        lines = _LineMap(module) if undefined else None
        for use in undefined:
            assert lines is not None
            chunk, cell_line = lines(use.line)
            where = _location(chunk, cell_line, use.column, module)
            if use.maybe_from_star:
                message = (
                    f'"{use.name}" is not defined in module {module.plan.name}; a star import '
                    "nb2pkg cannot see into may define it (the check is blind there)"
                )
                found.append(Diagnostic("NB102", "warning", message, where))
                continue
            when = "when the module is imported" if use.at_import else "when this code runs"
            message = (
                f'"{use.name}" is not defined in module {module.plan.name}: it would raise '
                f"NameError {when}. {_hint(self.project, chunk, use.name)}"
            )
            found.append(Diagnostic("NB101", "error", message, where))
        return found


def undefined_names(
    project: Project, modules: list[RenderedModule], cache: BlockCache | None = None
) -> list[Diagnostic]:
    """Return NB101/NB102 diagnostics for *modules* (all rendered already)."""
    with worker_pool(sum(len(m.text) for m in modules)) as pool:
        scan = UndefinedNameScan(project, cache, pool)
        for module in modules:
            scan.add(module)
        return scan.diagnostics()


def analyse_text(text: str, stars: StarTable) -> tuple[UndefinedName, ...]:
    """Analyse one module's text (runs in a worker process when there are several)."""
    return analyse_module(text, star_names=lambda name, level: stars.get((level, name))).undefined


def _key(text: str, behind: list[str]) -> str:
    """Return what decides NB101 for a module: its text and the names its star imports bring."""
    data = text + "\0" + "\0".join(sorted(behind))
    return hashlib.sha1(data.encode("utf-8", "surrogatepass")).hexdigest()


def resolve_module(package: str, module: str, name: str, level: int) -> str | None:
    """Return the plan's module name that ``from <level dots><name> import …`` means, if ours."""
    if level == 0:
        if name == package or not name.startswith(package + "."):
            return None
        return name[len(package) + 1 :]
    parts = module.split(".")[:-1]  # the module's package, relative to the top package
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *name.split(".")]) if name else ".".join(base) + ".__init__"


class _LineMap:
    """Map a line of a module's text to the chunk it came from and the line in its cell."""

    def __init__(self, module: RenderedModule) -> None:
        _, blocks = split_blocks(module.text)
        by_id = {(b.chunk.notebook, b.chunk.cell_id): b.chunk for b in module.blocks}
        self.starts = [
            (b.marker.line, by_id.get((b.marker.notebook or "", b.marker.cell_id or "")))
            for b in blocks
        ]

    def __call__(self, line: int) -> tuple[Chunk | None, int | None]:
        current: tuple[int, Chunk | None] | None = None
        for start, chunk in self.starts:
            if start < line:
                current = (start, chunk)
        if current is None:
            return None, None
        start, found = current
        if found is None:
            return None, None
        return found, found.body_line - 1 + (line - start)


def _location(
    chunk: Chunk | None, line: int | None, column: int, module: RenderedModule
) -> Location:
    if chunk is None:
        return Location(str(module.plan.path.name))
    return Location(chunk.notebook, chunk.cell_index, chunk.cell_id, line, column)


def _hint(project: Project, chunk: Chunk | None, name: str) -> str:
    """Say which unexported cell defines *name*, if one does: that is the hidden state."""
    if chunk is not None:
        notebook = project.notebook(chunk.notebook)
        for cell in notebook.cells if notebook else ():
            if is_exported(cell) or cell.kind != "code":
                continue
            if name in _cell_bindings(cell):
                return (
                    f"It is defined in unexported cell {cell.index} (id {cell.id}); export that "
                    "cell, or pass it as an argument"
                )
    return "Define or import it in an exported cell"


def is_exported(cell: Cell) -> bool:
    """Tell whether a cell is exported by its directives."""
    return export_kind(cell.directives) is not None


def _cell_bindings(cell: Cell) -> set[str]:
    """Return the names a cell binds (defs, classes, assignments, imports, loop targets)."""
    tree = parse_loosely(cell.body)
    names: set[str] = set()
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def parse_loosely(code: str) -> ast.Module | None:
    """Parse a cell that may hold IPython lines: those lines are blanked first."""
    from .cellcode import ipython_lines

    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        pass
    skip = set(ipython_lines(code))
    cleaned = "".join(
        "\n" if n in skip else line for n, line in enumerate(code.splitlines(keepends=True), 1)
    )
    try:
        return ast.parse(cleaned)
    except (SyntaxError, ValueError):
        return None
