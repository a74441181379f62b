"""Read, from a module's source alone, which names it binds and what ``import *`` takes.

``module_facts(source)`` walks the module's top-level statements, and the bodies of the
``if``/``try``/``for``/``while``/``with``/``match`` statements among them (a conditional
binding counts: nb2pkg cannot tell which branch runs), never a function or class body.
It notes

* every name bound there: ``def``, ``class``, assignments (also unpacking, annotated with
  a value, augmented, loop and ``with`` targets, ``:=``), imports, and names that
  functions bind through ``global``;
* ``__all__``, when the code spells it out: a list or tuple of strings, extended by
  ``+``, ``+=``, ``.extend([...])`` or ``.append("x")``. Anything else (``__all__ =
  core.__all__ + [...]``, a comprehension) makes it *computed*;
* the module's own star imports, in order, to be resolved by the caller;
* why names may appear that the source does not show: a module-level ``__getattr__``
  (PEP 562), writes through ``globals()`` or ``vars()``, ``exec`` at module level.

Nothing is imported or run. Pure: source text in, a frozen value out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)
_TRY_STAR: tuple[type[ast.AST], ...] = (ast.TryStar,) if hasattr(ast, "TryStar") else ()
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_NAMESPACE_WRITES = frozenset({"update", "setdefault", "__setitem__"})


@dataclass(frozen=True)
class ModuleFacts:
    """What one module's source says about its namespace."""

    bindings: frozenset[str]  # every name bound at module level (not via star imports)
    all_names: tuple[str, ...] | None  # the literal ``__all__``; None when there is none
    all_computed: bool  # ``__all__`` is built in a way nb2pkg does not evaluate
    stars: tuple[tuple[int, str], ...]  # module-level ``from <level dots><name> import *``
    dynamic: str | None  # why names may exist that the source does not show

    def public(self) -> frozenset[str]:
        """Return the bound names ``import *`` takes when there is no ``__all__``."""
        return frozenset(name for name in self.bindings if not name.startswith("_"))


def module_facts(source: str) -> ModuleFacts:
    """Return the facts of ``source``; raise ``SyntaxError`` (or ``ValueError``) if it does not parse."""
    return facts_of_tree(ast.parse(source))


def facts_of_tree(tree: ast.Module) -> ModuleFacts:
    """Return the facts of an already parsed module."""
    reader = _Reader()
    reader.statements(tree.body)
    through_global, writes = _whole_tree(tree)
    return ModuleFacts(
        frozenset(reader.bindings | through_global),
        tuple(dict.fromkeys(reader.all_names)) if reader.has_all else None,
        reader.all_computed,
        tuple(reader.stars),
        reader.dynamic or writes,
    )


class _Reader:
    """Collect the facts while walking the top-level statements once."""

    def __init__(self) -> None:
        self.bindings: set[str] = set()
        self.all_names: list[str] = []
        self.has_all = False
        self.all_computed = False
        self.stars: list[tuple[int, str]] = []
        self.dynamic: str | None = None

    def statements(self, body: list[ast.stmt]) -> None:
        for node in body:
            self.statement(node)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.bindings.add(node.name)
            if node.name == "__getattr__" and not isinstance(node, ast.ClassDef):
                self.dynamic = "it defines a module-level __getattr__"
            return
        if isinstance(node, ast.Import):
            self.bindings.update(a.asname or a.name.partition(".")[0] for a in node.names)
            return
        if isinstance(node, ast.ImportFrom):
            if node.names[0].name == "*":
                self.stars.append((node.level, node.module or ""))
            else:
                self.bindings.update(a.asname or a.name for a in node.names)
            return
        if self.all_statement(node):
            return
        for target in _targets(node):
            self.bindings.update(_names_in_target(target))
        self.bindings.update(_walrus_names(node))
        if _is_exec_call(node):
            self.dynamic = "it runs exec() at module level"
        if isinstance(node, _COMPOUND + _TRY_STAR):
            for field in ("body", "orelse", "finalbody"):
                self.statements(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                if handler.name:
                    self.bindings.add(handler.name)
                self.statements(handler.body)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                self.statements(case.body)

    def all_statement(self, node: ast.stmt) -> bool:
        """Read a statement that builds ``__all__``; return False for any other statement."""
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                return False
            self.bindings.add("__all__")
            self.has_all = True
            self.all_names = []
            self.extend_all(node.value)
            return True
        if (
            isinstance(node, ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "__all__"
        ):
            self.extend_all(node.value)
            return True
        call = node.value if isinstance(node, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "__all__"
            and call.func.attr in ("extend", "append")
            and len(call.args) == 1
        ):
            argument = call.args[0]
            if call.func.attr == "append":
                argument = ast.List(elts=[argument], ctx=ast.Load())
            self.extend_all(argument)
            return True
        return False

    def extend_all(self, value: ast.expr | None) -> None:
        names = _literal_strings(value)
        if names is None:
            self.all_computed = True
        else:
            self.all_names.extend(names)


def _literal_strings(value: ast.expr | None) -> list[str] | None:
    """Evaluate a list or tuple of strings, or a sum of them; None for anything else."""
    if isinstance(value, (ast.List, ast.Tuple)):
        names = []
        for element in value.elts:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                names.append(element.value)
            elif isinstance(element, ast.Starred):
                inner = _literal_strings(element.value)
                if inner is None:
                    return None
                names.extend(inner)
            else:
                return None
        return names
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        left, right = _literal_strings(value.left), _literal_strings(value.right)
        return None if left is None or right is None else left + right
    return None


def _targets(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AnnAssign):
        return [node.target] if node.value is not None else []
    if isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor)):
        return [node.target]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in node.items if item.optional_vars is not None]
    return []


def _names_in_target(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names_in_target(element)
    elif isinstance(target, ast.Starred):
        yield from _names_in_target(target.value)


def _expressions(node: ast.stmt) -> Iterator[ast.AST]:
    """Yield the parts of a statement that are not nested statements."""
    for field, value in ast.iter_fields(node):
        if field in ("body", "orelse", "finalbody", "handlers", "cases"):
            continue
        for part in value if isinstance(value, list) else [value]:
            if isinstance(part, ast.AST):
                yield part


def _walrus_names(node: ast.stmt) -> Iterator[str]:
    """Yield names bound by ``:=`` in the statement's own expressions (not in lambdas)."""
    if isinstance(node, _SCOPES):
        return
    for part in _expressions(node):
        stack = [part]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.NamedExpr) and isinstance(current.target, ast.Name):
                yield current.target.id
            if not isinstance(current, ast.Lambda):
                stack.extend(ast.iter_child_nodes(current))


def _is_exec_call(node: ast.stmt) -> bool:
    call = node.value if isinstance(node, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "exec"


def _whole_tree(tree: ast.Module) -> tuple[set[str], str | None]:
    """Return the names functions declare ``global``, and why, if the code writes module
    names through ``globals()`` or ``vars()`` (one walk over the whole tree)."""
    names: set[str] = set()
    writes: str | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            names.update(node.names)
            continue
        base: ast.expr | None = None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            base = node.value
        elif isinstance(node, ast.Attribute) and node.attr in _NAMESPACE_WRITES:
            base = node.value
        if (
            writes is None
            and isinstance(base, ast.Call)
            and isinstance(base.func, ast.Name)
            and base.func.id in ("globals", "vars")
            and not base.args
        ):
            writes = f"it writes module names through {base.func.id}()"
    return names, writes
