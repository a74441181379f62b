"""NB101/NB102: names exported code uses that its module never defines — hidden state.

The analysis of a module (``scope.analyse_module``) depends on its text alone: every star
import in it is taken as blind, and the names those imports may provide are kept, flagged
with their place. So it can run where the module is rendered, on the syntax trees
rendering made (``analyse_parts``, in a worker process on a large project), and its result
does not change when another module does. ``UndefinedNameScan`` then resolves the star
imports — own modules (generated or hand-written), installed and standard-library modules,
by ``nb2pkg.namespaces``, once all modules are known — and turns what is left into located
diagnostics. A module found clean before (same text, same names behind its star imports)
is not analysed again (block cache). A star import nothing can see into is *blind*: one
NB102 per such import, naming the names the check cannot vouch for, never one per name.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .cache import BlockCache
from .cellcode import parse_loosely
from .directives import export_kind
from .errors import Location, cell_label
from .markers import split_blocks
from .namespaces import Namespaces, StarNames
from .notebook import Cell
from .plan import Chunk
from .project import Project
from .render import RenderedModule
from .report import Breaks, Diagnostic, Severity
from .scope import Parts, UndefinedName, analyse_module
from .workers import worker_pool

if TYPE_CHECKING:
    from concurrent.futures import Future

#: A module's analysis before star imports are resolved: the uses of names it does not
#: bind, every ``from X import *`` in it (as written, line), its unconditional
#: module-level ``del`` statements (name, line), and what stops Python compiling it (line,
#: message) when something does: each cell parses alone, but ``return`` or ``nonlocal``
#: outside a function only fails when the module is compiled.
Analysis = tuple[
    tuple[UndefinedName, ...],
    tuple[tuple[str, int], ...],
    tuple[tuple[str, int], ...],
    tuple[int, str] | None,
]

# Within one line (`\s*` would run over every blank line after each line start), and each
# run of spaces and dots read one way only (the module part starts right after the spaces,
# its name right after the dots): linear on any text.
_STAR_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+(?=[.\w])(\.*)((?:\w+(?:\.\w+)*)?)[ \t]+import[ \t]+\*", re.MULTILINE
)
_SHOWN_NAMES = 6


class UndefinedNameScan:
    """Collect rendered modules (with their analyses, when rendering made them); resolve
    star imports and report once all are in."""

    def __init__(
        self,
        project: Project,
        cache: BlockCache | None,
        planned: Iterable[str] = (),
    ) -> None:
        config = project.config
        self.project = project
        self.cache = cache
        self.namespaces = Namespaces(config.package, config.lib_dir, planned, config.root)
        self.modules: list[tuple[RenderedModule, Analysis | None]] = []

    def add(self, module: RenderedModule, analysis: Analysis | None = None) -> None:
        """Take one rendered module, and its analysis if it was made while rendering."""
        self.namespaces.add(module.plan.name, module.text, module.exports)
        self.modules.append((module, analysis))

    def diagnostics(self) -> list[Diagnostic]:
        """Analyse what is left, resolve star imports, and return the diagnostics in
        module order."""
        return [d for found in self.diagnostics_by_module().values() for d in found]

    def diagnostics_by_module(self) -> dict[str, list[Diagnostic]]:
        """Return the diagnostics of each module (by plan name, in name order)."""
        entries = []
        for module, analysis in sorted(self.modules, key=lambda m: m[0].plan.name):
            behind, found = self._star_names(module)
            key = _key(module.text, behind)
            if self.cache is None or not self.cache.is_clean(key):
                entries.append((module, key, analysis, found))
        left = sum(len(module.text) for module, _, analysis, _ in entries if analysis is None)
        with worker_pool(left) as pool:  # workers only for the analyses rendering left
            outcomes: list[Future[Analysis] | Analysis] = [
                analysis
                if analysis is not None
                else pool.submit(analyse_parts, module.text)
                if pool is not None
                else analyse_parts(module.text)
                for module, _, analysis, _ in entries
            ]
            diagnostics: dict[str, list[Diagnostic]] = {}
            for (module, key, _, found), outcome in zip(entries, outcomes):
                uses, stars, deleted, error = (
                    outcome if isinstance(outcome, tuple) else outcome.result()
                )
                if error is not None:
                    diagnostics[module.plan.name] = [_compile_error(module, *error)]
                    continue
                undefined, blind = resolve_stars(uses, stars, found, deleted)
                if not undefined and self.cache is not None:
                    self.cache.mark_clean(key)
                diagnostics[module.plan.name] = self._diagnose(module, undefined, blind, found)
        return diagnostics

    def _star_names(self, module: RenderedModule) -> tuple[list[str], dict[str, StarNames]]:
        """Find the module's star imports once; return what decides them (for the cache
        key) and what each brings, by the import as written."""
        importer = self.namespaces.absolute_of_plan(module.plan.name)
        behind: list[str] = []
        found: dict[str, StarNames] = {}
        for dots, name in _STAR_IMPORT.findall(module.text):
            target = self.namespaces.resolve(importer, name, len(dots))
            if target is None:
                result = StarNames(None, "it climbs above the top-level package", missing=True)
            else:
                result = self.namespaces.star(target)
            found[dots + name] = result
            names = "?" if result.names is None else ",".join(sorted(result.names))
            behind.append(f"{target}={names}")
        return behind, found

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


def _compile_error(module: RenderedModule, line: int, message: str) -> Diagnostic:
    """NB502 for a module Python cannot compile although each of its cells parses."""
    chunk, cell_line = _LineMap(module)(line)
    return Diagnostic(
        "NB502",
        Severity.ERROR,
        f"module {module.plan.name} does not compile: {message} (importing it raises "
        "SyntaxError); move this code into a function, or out of the exported cell",
        _location(chunk, cell_line, 1, module),
        Breaks.AT_IMPORT,
    )


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
    project: Project,
    modules: list[RenderedModule],
    cache: BlockCache | None = None,
    analyses: Sequence[Analysis | None] = (),
) -> tuple[list[Diagnostic], Namespaces]:
    """Return NB101/NB102 diagnostics for *modules* (all rendered already, with their
    *analyses* where rendering made them), and what the scan learnt about the package's
    modules (for the own-import check)."""
    scan = UndefinedNameScan(project, cache, [m.plan.name for m in modules])
    made = list(analyses) + [None] * (len(modules) - len(analyses))
    for module, analysis in zip(modules, made):
        scan.add(module, analysis)
    return scan.diagnostics(), scan.namespaces  # workers for the modules not found clean


def analyse_parts(text: str, parts: Parts | None = None) -> Analysis:
    """Analyse one module's text, every star import taken as blind (runs in a worker
    process when there are several); *parts* are its syntax trees if rendering made them."""
    try:
        report = analyse_module(text, parts=parts)
    except SyntaxError as exc:
        return (), (), (), (exc.lineno or 1, exc.msg)
    return report.undefined, report.blind_star_imports, report.deleted, None


def resolve_stars(
    uses: tuple[UndefinedName, ...],
    stars: tuple[tuple[str, int], ...],
    found: dict[str, StarNames],
    deleted: tuple[tuple[str, int], ...] = (),
) -> tuple[tuple[UndefinedName, ...], tuple[tuple[str, int], ...]]:
    """Return the uses no star import provides, and the star imports that stay blind.

    A use at import time can only be provided by a star import above it; a use inside a
    function (at call time) by any — unless the module deletes the name after the last
    star import providing it (and before the use, at import time). A use that a blind
    star import could provide stays flagged ``maybe_from_star``; one that no star import
    before it could provide is not.
    """
    names = {written: found[written].names if written in found else None for written, _ in stars}
    kept = []
    for use in uses:
        if not use.maybe_from_star:
            kept.append(use)
            continue
        before = [(w, line) for w, line in stars if not use.at_import or line < use.line]
        providing = [line for w, line in before if use.name in (names[w] or ())]
        if providing:
            last = max(providing)
            end = use.line if use.at_import else float("inf")
            if not any(name == use.name and last < line < end for name, line in deleted):
                continue
        kept.append(replace(use, maybe_from_star=any(names[w] is None for w, _ in before)))
    blind = tuple((written, line) for written, line in stars if names[written] is None)
    return tuple(kept), blind


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
