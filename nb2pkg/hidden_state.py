"""NB101/NB102: names exported code uses that its module never defines — hidden state.

``UndefinedNameScan`` takes rendered modules one by one, analyses each with
``scope.analyse_module`` and turns what it finds into located diagnostics. On a machine
with several cores and a large project, the analysis runs in forked worker processes
*while* the remaining modules are still being rendered (export hands each module over as
soon as it is ready), so the check adds little to an export's wall time. A module found
clean before — same text, same names behind its star imports — is skipped (block cache).

Star imports are resolved statically by ``nb2pkg.namespaces``: own modules (generated or
hand-written), installed and standard-library modules. A module's star targets are found
once, when it arrives; a module that star-imports a generated module not rendered yet
(directly, or through hand-written modules) waits for exactly those modules. A star
import nothing can see into is *blind*: one NB102 per such import, naming the names the
check cannot vouch for, never one per name.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from .cache import BlockCache
from .directives import export_kind
from .errors import Location, cell_label
from .markers import split_blocks
from .namespaces import Namespaces, StarNames
from .notebook import Cell
from .plan import Chunk
from .project import Project
from .render import RenderedModule
from .report import Breaks, Diagnostic, Severity
from .scope import UndefinedName, analyse_module
from .workers import worker_pool

StarTable = dict[tuple[int, str], frozenset[str] | None]
Analysis = tuple[tuple[UndefinedName, ...], tuple[tuple[str, int], ...]]

# Within one line (`\s*` would run over every blank line after each line start), and each
# run of spaces and dots read one way only (the module part starts right after the spaces,
# its name right after the dots): linear on any text.
_STAR_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+(?=[.\w])(\.*)((?:\w+(?:\.\w+)*)?)[ \t]+import[ \t]+\*", re.MULTILINE
)
_SHOWN_NAMES = 6


@dataclass(frozen=True)
class _Star:
    """One ``from X import *`` of a module, found once when the module arrives."""

    written: str  # as the module spells it: "..util", "numpy"
    level: int
    name: str
    target: str | None  # the absolute module name; None above the top-level package


@dataclass
class _Waiting:
    module: RenderedModule
    stars: list[_Star]
    missing: set[str]  # planned modules not rendered yet


class UndefinedNameScan:
    """Collect modules as they are rendered; analyse them, in parallel when it pays."""

    def __init__(
        self,
        project: Project,
        cache: BlockCache | None,
        pool: ProcessPoolExecutor | None = None,
        planned: Iterable[str] = (),
    ) -> None:
        config = project.config
        self.project = project
        self.cache = cache
        self.pool = pool  # None: analyse in this process
        self.namespaces = Namespaces(config.package, config.lib_dir, planned, config.root)
        self.added: set[str] = set()
        self.waiting: dict[str, _Waiting] = {}  # by module name
        self.waited_for: dict[str, list[str]] = {}  # planned module -> modules waiting for it
        self.started: list[
            tuple[RenderedModule, str, Future[Analysis] | None, dict[str, StarNames]]
        ] = []

    def add(self, module: RenderedModule) -> None:
        """Take one rendered module; start its analysis once its star imports are known."""
        name = module.plan.name
        self.namespaces.add(name, module.text, module.exports)
        self.added.add(name)
        stars = self._stars(module)
        missing: set[str] = set()
        for star in stars:
            if star.target is not None:
                missing |= self.namespaces.waits_on(star.target)
        missing -= self.added
        if missing:
            self.waiting[name] = _Waiting(module, stars, missing)
            for target in missing:
                self.waited_for.setdefault(target, []).append(name)
        else:
            self._start(module, stars)
        for waiter in self.waited_for.pop(name, []):
            entry = self.waiting[waiter]
            entry.missing.discard(name)
            if not entry.missing:
                del self.waiting[waiter]
                self._start(entry.module, entry.stars)

    def diagnostics(self) -> list[Diagnostic]:
        """Finish every analysis and return the diagnostics, in module order."""
        for entry in self.waiting.values():  # waiting for a module that failed to render
            self._start(entry.module, entry.stars)
        self.waiting = {}
        found: list[Diagnostic] = []
        for module, key, future, stars in sorted(self.started, key=lambda s: s[0].plan.name):
            undefined, blind = future.result() if future is not None else ((), ())
            if not undefined and self.cache is not None:
                self.cache.mark_clean(key)
            found.extend(self._diagnose(module, undefined, blind, stars))
        return found

    def _stars(self, module: RenderedModule) -> list[_Star]:
        importer = self.namespaces.absolute_of_plan(module.plan.name)
        stars = []
        for dots, name in _STAR_IMPORT.findall(module.text):
            target = self.namespaces.resolve(importer, name, len(dots))
            stars.append(_Star(dots + name, len(dots), name, target))
        return stars

    def _start(self, module: RenderedModule, stars: list[_Star]) -> None:
        table: StarTable = {}
        behind = []
        found: dict[str, StarNames] = {}
        for star in stars:
            if star.target is None:
                result = StarNames(None, "it climbs above the top-level package", missing=True)
            else:
                result = self.namespaces.star(star.target)
            found[star.written] = result
            table[(star.level, star.name)] = result.names
            names = "?" if result.names is None else ",".join(sorted(result.names))
            behind.append(f"{star.target}={names}")
        key = _key(module.text, behind)
        if self.cache is not None and self.cache.is_clean(key):
            self.started.append((module, key, None, found))
            return
        future: Future[Analysis]
        if self.pool is not None:
            future = self.pool.submit(analyse_text, module.text, table)
        else:
            future = Future()
            future.set_result(analyse_text(module.text, table))
        self.started.append((module, key, future, found))

    def _diagnose(
        self,
        module: RenderedModule,
        undefined: tuple[UndefinedName, ...],
        blind: tuple[tuple[str, int], ...],
        stars: dict[str, StarNames],
    ) -> list[Diagnostic]:
        found = []
        lines = _LineMap(module) if undefined else None
        behind_blind: dict[tuple[str, int], list[str]] = {}
        for use in undefined:
            assert lines is not None
            if use.maybe_from_star:
                for written, line in blind:
                    if not use.at_import or line < use.line:
                        names = behind_blind.setdefault((written, line), [])
                        if use.name not in names:
                            names.append(use.name)
                continue
            chunk, cell_line = lines(use.line)
            where = _location(chunk, cell_line, use.column, module)
            hint = _hint(self.project, chunk, use.name)
            if use.at_import:
                what, breaks = "importing the module raises NameError", Breaks.AT_IMPORT
            else:
                what = (
                    "calling this code raises NameError (it runs only inside a function, so "
                    "the module imports and `nb2pkg export` writes it; `nb2pkg build` refuses "
                    "to ship it)"
                )
                breaks = Breaks.WHEN_CALLED
            message = f'"{use.name}" is not defined in module {module.plan.name}: {what}. {hint}'
            found.append(Diagnostic("NB101", Severity.ERROR, message, where, breaks))
        for (written, line), names in behind_blind.items():
            star = stars.get(written)
            if star is None or star.missing:
                continue  # a missing own module: NB103 reports the import itself
            assert lines is not None
            chunk, cell_line = lines(line)
            found.append(
                Diagnostic(
                    "NB102",
                    Severity.WARNING,
                    _blind_message(written, star.reason, names),
                    _location(chunk, cell_line, 1, module),
                )
            )
        return found


def _blind_message(written: str, reason: str, names: list[str]) -> str:
    shown = ", ".join(f'"{n}"' for n in names[:_SHOWN_NAMES])
    if len(names) > _SHOWN_NAMES:
        shown += f" and {len(names) - _SHOWN_NAMES} more"
    return (
        f"`from {written} import *` is blind to nb2pkg ({reason}), so it cannot tell whether "
        f"{shown} {'is' if len(names) == 1 else 'are'} defined: import "
        f"{'it' if len(names) == 1 else 'them'} by name"
    )


def undefined_names(
    project: Project, modules: list[RenderedModule], cache: BlockCache | None = None
) -> tuple[list[Diagnostic], Namespaces]:
    """Return NB101/NB102 diagnostics for *modules* (all rendered already), and what the
    scan learnt about the package's modules (for the own-import check)."""
    with worker_pool(sum(len(m.text) for m in modules)) as pool:
        scan = UndefinedNameScan(project, cache, pool, [m.plan.name for m in modules])
        for module in modules:
            scan.add(module)
        return scan.diagnostics(), scan.namespaces


def analyse_text(text: str, stars: StarTable) -> Analysis:
    """Analyse one module's text (runs in a worker process when there are several)."""
    report = analyse_module(text, star_names=lambda name, level: stars.get((level, name)))
    return report.undefined, report.blind_star_imports


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
            if name in cell_bindings(cell):
                return (
                    f"It is defined in unexported {cell_label(cell.index, cell.id)}; export that "
                    "cell, or pass it as an argument"
                )
    return "Define or import it in an exported cell"


def is_exported(cell: Cell) -> bool:
    """Tell whether a cell is exported by its directives."""
    return export_kind(cell.directives) is not None


def cell_bindings(cell: Cell) -> set[str]:
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
