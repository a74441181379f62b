"""Static facts about the cells a notebook test runs: names they bind, modules they import.

    cell_bindings(code)        --against-package: the names an exported cell must get from
                               its module (always, conditionally, star imports)
    package_modules(jobs, …)   the project's modules the notebooks import, to import ahead

Everything here reads code with ``ast``; nothing runs it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from ..cellcode import blank_ipython_lines, parse_loosely
from ..config import Config
from ..deps.scan import FoundImport, find_imports
from .protocol import Action, Job

_PATCH = frozenset({"patch", "patch_to", "patch_property"})


def package_modules(jobs: Iterable[Job], config: Config) -> tuple[str, ...]:
    """Return the project's own modules that the jobs import: worth importing once, ahead.

    Found statically: imports of the package in the cells that run, and the modules of
    cells bound from the package (--against-package). Only names that are files of the
    package count.
    """
    found: set[str] = set()
    for job in jobs:
        for step in job.steps:
            if step.action is Action.IMPORT:
                found.add(step.module)
                continue
            for imported in _imports(step.source):
                if imported.top != config.package or imported.type_checking or imported.level:
                    continue
                found.add(imported.module)
                found.update(f"{imported.module}.{name}" for name in imported.names)
    return tuple(sorted(name for name in found if _is_module(config, name)))


def _imports(code: str) -> list[FoundImport]:
    try:
        return find_imports(code)
    except (SyntaxError, ValueError):
        pass
    try:
        return find_imports(blank_ipython_lines(code))
    except (SyntaxError, ValueError):
        return []


def _is_module(config: Config, dotted: str) -> bool:
    parts = dotted.split(".")[1:]
    if not parts:
        return config.lib_dir.is_dir()
    place = config.lib_dir.joinpath(*parts)
    return place.with_suffix(".py").is_file() or (place / "__init__.py").is_file()


def cell_bindings(code: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return the names an exported cell binds at top level: (always, conditionally, star imports).

    ``always`` are bound by the cell's own top-level statements (a module without one of
    them is out of step with its cell); ``conditionally`` only inside ``if``, ``try``,
    loops or ``with``, or by fastcore's ``@patch``; star imports are kept as written.
    """
    tree = parse_loosely(code)
    if tree is None:
        return (), (), ()
    required: list[str] = []
    optional: list[str] = []
    stars: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            stars.append(ast.get_source_segment(code, node) or "")
        elif isinstance(node, ast.Delete):
            gone = {n for target in node.targets for n in _targets(target)}
            required = [n for n in required if n not in gone]
        elif _is_patch(node):
            optional.extend(_direct(node))
        else:
            required.extend(_direct(node))
            optional.extend(_nested(node))
    unique_required = tuple(dict.fromkeys(required))
    unique_optional = tuple(n for n in dict.fromkeys(optional) if n not in unique_required)
    return unique_required, unique_optional, tuple(s for s in stars if s)


def _direct(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [name for target in node.targets for name in _targets(target)]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        has_value = not isinstance(node, ast.AnnAssign) or node.value is not None
        return _targets(node.target) if has_value else []
    if isinstance(node, ast.Import):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [a.asname or a.name for a in node.names if a.name != "*"]
    return []


def _nested(node: ast.stmt) -> list[str]:
    """Names bound inside a top-level compound statement (not inside defs or classes)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    names: list[str] = []
    if isinstance(node, (ast.For, ast.AsyncFor)):
        names.extend(_targets(node.target))
    if isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                names.extend(_targets(item.optional_vars))
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        for handler in node.handlers:  # type: ignore[attr-defined]
            if handler.name:
                names.append(handler.name)
    for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
        for child in getattr(node, field_name, []) or []:
            inner = getattr(child, "body", None) if not isinstance(child, ast.stmt) else None
            for statement in inner if inner is not None else [child]:
                if isinstance(statement, ast.stmt):
                    names.extend(_direct(statement))
                    names.extend(_nested(statement))
    return names


def _targets(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _targets(element)]
    if isinstance(target, ast.Starred):
        return _targets(target.value)
    return []


def _is_patch(node: ast.stmt) -> bool:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in _PATCH:
            return True
    return False
