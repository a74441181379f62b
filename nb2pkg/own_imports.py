"""NB103: imports of the project's own package that name a module or a name it will not have.

Rename ``add_features`` in one notebook while another still does ``from acme.features
import add_features``, and the package raises ImportError. Every own-package import of
exported code is checked against what the package will hold after export: the generated
modules and the hand-written files in the package folder (``nb2pkg.namespaces``):
``from .x import name``, ``from acme.x import name``, ``import acme.x``, ``from acme.x
import *`` and ``importlib.import_module("acme.x")``.

A name is provided when the module binds it, when it is a submodule, or when the module
may bind names nb2pkg cannot see (then nothing is reported). Imports that are optional
(inside ``try``/``except ImportError``) or only for type checkers are left alone. An import
inside a function breaks only when the function is called: export writes that module,
build refuses it (``Breaks``).

The notebook's own text is scanned (absolute imports, as written), so lines are the cell's.
"""

from __future__ import annotations

import difflib
import re

from .cellcode import ipython_lines
from .deps.scan import FoundImport, find_imports
from .errors import Location, cell_label
from .hidden_state import cell_bindings, is_exported
from .namespaces import Kind, Namespaces
from .project import Project
from .render import RenderedModule
from .report import Breaks, Diagnostic, Severity


def _mentions(package: str) -> re.Pattern[str]:
    """Return a pattern that finds code which may import from *package*."""
    return re.compile(rf"\b{re.escape(package)}\b|from\s+\.|import_module|__import__")


def own_import_problems(
    project: Project, modules: list[RenderedModule], namespaces: Namespaces
) -> list[Diagnostic]:
    """Return an NB103 error for each own-package import that cannot succeed."""
    by_module = own_import_problems_by_module(project, modules, namespaces)
    return [d for found in by_module.values() for d in found]


def own_import_problems_by_module(
    project: Project,
    modules: list[RenderedModule],
    namespaces: Namespaces,
    sources: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, list[Diagnostic]]:
    """Return each module's NB103 errors (by plan name, in the order of *modules*).

    *sources* maps every generated module's import name to its notebooks (where a missing
    name may hide in an unexported cell); by default, those of *modules*.
    """
    if sources is None:
        sources = {namespaces.absolute_of_plan(m.plan.name): m.plan.notebooks for m in modules}
    return {m.plan.name: _module_problems(project, m, namespaces, sources) for m in modules}


def _module_problems(
    project: Project,
    module: RenderedModule,
    namespaces: Namespaces,
    sources: dict[str, tuple[str, ...]],
) -> list[Diagnostic]:
    """Return the NB103 errors of one module's cells."""
    package = project.config.package
    mentions = _mentions(package)
    found: list[Diagnostic] = []
    importer = namespaces.absolute_of_plan(module.plan.name)
    for block in module.blocks:
        chunk = block.chunk
        code = chunk.code
        # Substring tests first: most cells import nothing of the package.
        if package not in code and "from ." not in code and "import_" not in code:
            continue
        if not mentions.search(code):
            continue
        for imported in _imports(code, mentions):
            if imported.optional or imported.type_checking:
                continue
            if not imported.level and imported.top != package:
                continue
            problem = _problem(namespaces, importer, imported)
            if problem is None:
                continue
            problem += _hidden_hint(project, namespaces, imported, importer, sources)
            breaks = Breaks.WHEN_CALLED if imported.deferred else Breaks.AT_IMPORT
            where = Location(
                chunk.notebook,
                chunk.cell_index,
                chunk.cell_id,
                chunk.body_line - 1 + imported.line,
                imported.column,
            )
            found.append(Diagnostic("NB103", Severity.ERROR, problem, where, breaks))
    return found


def _imports(code: str, mentioning: re.Pattern[str]) -> list[FoundImport]:
    """Return the imports of a cell's code in statements *mentioning* matches; IPython
    lines are blanked first, keeping line numbers."""
    try:
        return find_imports(code, mentioning)
    except (SyntaxError, ValueError):
        pass
    skip = set(ipython_lines(code))
    cleaned = "".join(
        "\n" if n in skip else line for n, line in enumerate(code.splitlines(keepends=True), 1)
    )
    try:
        return find_imports(cleaned, mentioning)
    except (SyntaxError, ValueError):
        return []  # export reports the cell (NB501/NB502)


def _problem(namespaces: Namespaces, importer: str, imported: FoundImport) -> str | None:
    """Say why the import cannot succeed, or return None if it can."""
    written = "." * imported.level + imported.module
    target = namespaces.resolve(importer, imported.module, imported.level)
    if target is None:
        return (
            f'"{written}" climbs above the top-level package {namespaces.package}: the import '
            "raises ImportError; use fewer dots, or the absolute name"
        )
    if not imported.names:  # `import acme.x.y`, import_module("acme.x"): every part must exist
        parts = target.split(".")
        for depth in range(2, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            if not namespaces.exists(prefix):
                return _missing_module(namespaces, prefix)
        return None
    if not namespaces.exists(target):
        return _missing_module(namespaces, target)
    missing = [n for n in imported.names if n != "*" and not namespaces.provides(target, n)]
    if not missing:
        return None
    listed = ", ".join(f'"{n}"' for n in missing)
    verb = "is" if len(missing) == 1 else "are"
    close = _close(missing[0], namespaces.defined(target) | _submodules(namespaces, target))
    return (
        f"{listed} {verb} not defined in {target} ({_describe(namespaces, target)}): this "
        f"import raises ImportError.{close}"
    )


def _missing_module(namespaces: Namespaces, target: str) -> str:
    known = namespaces.known_modules()
    close = _close(target, known)
    return (
        f"module {target} does not exist: no notebook exports to it (`#| default_exp` or "
        f"`#| export {target.removeprefix(namespaces.package + '.')}`) and no file in the "
        f"package folder provides it, so this import raises ImportError.{close}"
    )


def _describe(namespaces: Namespaces, target: str) -> str:
    kind = namespaces.kind(target)
    return "a module exported from notebooks" if kind is Kind.PLANNED else kind.value


def _submodules(namespaces: Namespaces, target: str) -> set[str]:
    prefix = target + "."
    return {
        name[len(prefix) :].split(".")[0]
        for name in namespaces.known_modules()
        if name.startswith(prefix)
    }


def _close(name: str, candidates: set[str] | frozenset[str]) -> str:
    found = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return f' Did you mean "{found[0]}"?' if found else ""


def _hidden_hint(
    project: Project,
    namespaces: Namespaces,
    imported: FoundImport,
    importer: str,
    sources: dict[str, tuple[str, ...]],
) -> str:
    """Name the unexported cell that defines a missing name, if one does: hidden state."""
    target = namespaces.resolve(importer, imported.module, imported.level)
    if target is None or not imported.names or namespaces.kind(target) is not Kind.PLANNED:
        return ""
    for relpath in sources.get(target, ()):
        notebook = project.notebook(relpath)
        for cell in notebook.cells if notebook else ():
            if cell.kind != "code" or is_exported(cell):
                continue
            hidden = [n for n in imported.names if n in cell_bindings(cell)]
            if hidden:
                return (
                    f' "{hidden[0]}" is defined in unexported {cell_label(cell.index, cell.id)} '
                    f"of {relpath}: export that cell"
                )
    return ""
