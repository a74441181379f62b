"""Plan the package: which cell goes into which module, for all notebooks at once.

The plan is computed before anything is written, so the order in which notebooks are read
never matters: ``#| export other`` works whichever notebook declares ``other``, and creates
``other`` if none does. Problems are collected and raised together, each located.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .directives import default_module, export_kind
from .errors import Location, Nb2pkgError, PlanError, raise_all
from .fsio import name_problem
from .identifiers import identifier_problem
from .moduledoc import DocRules, doc_target, exportd_part, module_docstring
from .notebook import Cell, Notebook


@dataclass(frozen=True)
class Chunk:
    """One exported cell, addressable for sync."""

    notebook: str  # project-relative path of the notebook
    cell_id: str
    cell_index: int
    directive: str  # "export", "exporti" or "exports"
    code: str  # the cell's body, as written in the notebook
    body_line: int  # line of the cell source where ``code`` starts
    magic_lines: tuple[int, ...] = ()  # cell magics in the directive block


@dataclass(frozen=True)
class ModulePlan:
    """One module of the package and the chunks it is made of, in order."""

    name: str  # dotted, relative to the package: "core", "sub.inner", "__init__"
    path: Path
    notebooks: tuple[str, ...]  # the notebooks it is generated from, in order
    title: str | None  # the module docstring's text (moduledoc.py), or None for none
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True)
class ExportPlan:
    """Every module nb2pkg will generate, computed before any file is written."""

    package: str
    lib_dir: Path
    modules: tuple[ModulePlan, ...]

    def module(self, name: str) -> ModulePlan | None:
        """Return the module called *name*, or None."""
        return next((m for m in self.modules if m.name == name), None)


def module_path(lib_dir: Path, name: str) -> Path:
    """Return the file of module *name* ("sub.inner" → lib/sub/inner.py)."""
    parts = name.split(".")
    return lib_dir.joinpath(*parts[:-1], parts[-1] + ".py")


def module_name(lib_dir: Path, path: Path) -> str:
    """Return the dotted module name of *path* inside the package ("sub/inner.py" → "sub.inner")."""
    return ".".join(path.relative_to(lib_dir).with_suffix("").parts)


@lru_cache(maxsize=4096)
def check_module_name(name: str) -> str | None:
    """Return why *name* is not a valid module name inside the package, or None (pure:
    asked once per name)."""
    if not name:
        return "the module name is empty"
    if name.startswith(".") or "/" in name or "\\" in name or ".." in name:
        return (
            f'module "{name}" would leave the package; use a dotted name inside it, '
            'such as "core" or "data.loaders"'
        )
    parts = name.split(".")
    for position, part in enumerate(parts):
        if part == "__init__" and position == len(parts) - 1:
            continue
        if part == "__init__":
            return f'module "{name}": "__init__" can only be the last part of a module name'
        problem = identifier_problem(part)
        if problem:
            return f'module "{name}" cannot be imported: "{part}" {problem}'
    return None


MAX_DEPTH = 100  # package folders inside each other: far beyond use, well within recursion


@lru_cache(maxsize=4096)
def check_module_file(lib_dir: Path, name: str) -> str | None:
    """Return why module *name*'s file cannot be written, or None (asked once per module)."""
    depth = name.count(".") + 1
    if depth > MAX_DEPTH:
        return f'module "{name[:60]}…" is {depth} packages deep; nb2pkg nests packages up to {MAX_DEPTH} deep: use a shorter name'
    problem = name_problem(module_path(lib_dir, name))
    return f'module "{name}": {problem}; use a shorter name' if problem else None


def make_plan(
    package: str, lib_dir: Path, notebooks: Iterable[Notebook], docs: DocRules | None = None
) -> ExportPlan:
    """Compute the export plan for *notebooks*; raise every problem found, together.

    *docs* says how module docstrings are built (``moduledoc.doc_rules``; default: nbdev 3's
    rules without a docs url).
    """
    plan, problems = plan_with_problems(package, lib_dir, notebooks, docs)
    raise_all(problems)
    return plan


def plan_with_problems(
    package: str, lib_dir: Path, notebooks: Iterable[Notebook], docs: DocRules | None = None
) -> tuple[ExportPlan, list[Nb2pkgError]]:
    """Compute the export plan and every problem found; the plan leaves out what is wrong.

    Callers that must say everything in one run (export) judge the cells of that partial
    plan too, before they raise. *docs* as for ``make_plan``.
    """
    docs = docs or DocRules()
    notebooks = list(notebooks)
    problems: list[Nb2pkgError] = []
    declared, refused = _declared_modules(notebooks, lib_dir, problems)
    chunks: dict[str, list[Chunk]] = {}
    for notebook in notebooks:
        default = declared.get(notebook.relpath)
        for cell in notebook.cells:
            # A notebook whose default_exp was refused has one problem, reported there: its
            # cells are not also "without a default_exp".
            target = _target(
                notebook, cell, default, lib_dir, problems, notebook.relpath in refused
            )
            if target is not None:
                chunks.setdefault(target[0], []).append(target[1])
    owners = {module: relpath for relpath, module in declared.items()}
    by_path = {nb.relpath: nb for nb in notebooks}
    sent = _docs_sent(notebooks)
    modules = []
    for name in sorted(set(chunks) | set(owners)):
        module_chunks = tuple(chunks.get(name, ()))
        owner = [owners[name]] if name in owners else []
        sources = _unique(owner + [c.notebook for c in module_chunks])
        extra = tuple(sent.get(name, ()))
        if name in owners:
            title = module_docstring(by_path[owners[name]], docs, extra)
        else:
            title = "\n\n".join(extra) or None
        modules.append(
            ModulePlan(name, module_path(lib_dir, name), tuple(sources), title, module_chunks)
        )
    _check_collisions(modules, lib_dir, problems)
    return ExportPlan(package, lib_dir, tuple(modules)), problems


def _declared_modules(
    notebooks: list[Notebook], lib_dir: Path, problems: list[Nb2pkgError]
) -> tuple[dict[str, str], set[str]]:
    """Map each notebook to its ``default_exp`` module; report clashes between notebooks.

    Also return the notebooks whose every ``default_exp`` was refused (already reported).
    """
    declared: dict[str, str] = {}
    refused: set[str] = set()
    first_owner: dict[str, tuple[Notebook, Cell]] = {}
    for notebook in notebooks:
        for cell in notebook.cells:
            directive = default_module(cell.directives) if cell.kind == "code" else None
            if directive is None:
                continue
            name = directive.value.strip()
            where = notebook.where(cell, directive.line)
            reason = check_module_name(name) or check_module_file(lib_dir, name)
            if reason:
                problems.append(PlanError(f"default_exp: {reason}", where))
                refused.add(notebook.relpath)
                continue
            if notebook.relpath in declared:
                if declared[notebook.relpath] != name:
                    problems.append(
                        PlanError(
                            f'a second default_exp ("{name}") in one notebook, which already '
                            f'exports to "{declared[notebook.relpath]}"; keep one',
                            where,
                        )
                    )
                continue
            if name in first_owner:
                other, other_cell = first_owner[name]
                problems.append(
                    PlanError(
                        f'default_exp "{name}" is also declared by {other.where(other_cell)}; '
                        "two notebooks cannot own one module: rename one, or use "
                        f"`#| export {name}` in cells of the second notebook",
                        where,
                    )
                )
                refused.add(notebook.relpath)
                continue
            first_owner[name] = (notebook, cell)
            declared[notebook.relpath] = name
    return declared, refused - set(declared)


def _target(
    notebook: Notebook,
    cell: Cell,
    default: str | None,
    lib_dir: Path,
    problems: list[Nb2pkgError],
    default_refused: bool = False,
) -> tuple[str, Chunk] | None:
    if cell.kind != "code":
        return None
    kind = export_kind(cell.directives)
    if kind is None:
        return None
    directive, module = kind
    line = next(d.line for d in cell.directives if d.name == directive)
    where = notebook.where(cell, line)
    if module is None:
        if default is None and default_refused:
            return None
        if default is None:
            problems.append(
                PlanError(
                    f"#| {directive} without a target module: the notebook has no "
                    f"`#| default_exp NAME` cell; add one, or write `#| {directive} NAME`",
                    where,
                )
            )
            return None
        module = default
    reason = check_module_name(module) or check_module_file(lib_dir, module)
    if reason:
        problems.append(PlanError(f"{directive}: {reason}", where))
        return None
    chunk = Chunk(
        notebook.relpath,
        cell.id,
        cell.index,
        directive,
        cell.body,
        cell.body_line,
        cell.magic_lines,
    )
    return module, chunk


def _check_collisions(
    modules: list[ModulePlan], lib_dir: Path, problems: list[Nb2pkgError]
) -> None:
    """A module ``sub`` and a module ``sub.inner`` cannot both exist (file vs. folder)."""
    names = {m.name for m in modules}
    for module in modules:
        parts = module.name.split(".")
        for depth in range(1, len(parts)):
            parent = ".".join(parts[:depth])
            if parent in names:
                problems.append(
                    PlanError(
                        f'module "{parent}" and module "{module.name}" cannot both exist: '
                        f'"{parent}" is a package folder; export "{parent}" as '
                        f'"{parent}.__init__" instead',
                        _first_location(module),
                    )
                )


def _first_location(module: ModulePlan) -> Location | None:
    if module.chunks:
        chunk = module.chunks[0]
        return Location(chunk.notebook, chunk.cell_index, chunk.cell_id)
    return Location(module.notebooks[0]) if module.notebooks else None


def _docs_sent(notebooks: list[Notebook]) -> dict[str, list[str]]:
    """Collect the ``#| exportd NAME`` cells: each adds its fenced code to NAME's docstring."""
    sent: dict[str, list[str]] = {}
    for notebook in notebooks:
        for cell in notebook.cells:
            if cell.kind != "code":
                continue
            marked, target = doc_target(cell.directives)
            if marked and target is not None:
                sent.setdefault(target, []).append(exportd_part(cell))
    return sent


def notebook_targets(plan: ExportPlan, notebooks: Iterable[Notebook]) -> dict[str, set[str]]:
    """Return, for each of *notebooks*, the modules it sends anything to: cells, its
    ``default_exp`` module (docstring) and ``#| exportd`` docs."""
    notebooks = list(notebooks)
    targets: dict[str, set[str]] = {nb.relpath: set() for nb in notebooks}
    for module in plan.modules:
        for relpath in module.notebooks:
            targets.setdefault(relpath, set()).add(module.name)
    for notebook in notebooks:
        for cell in notebook.cells:
            if cell.kind == "code":
                marked, target = doc_target(cell.directives)
                if marked and target is not None:
                    targets[notebook.relpath].add(target)
    return targets


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
