"""Find the names a generated module uses but never defines.

A notebook runs every cell in one namespace, so an exported cell can lean on a name that
only an unexported cell defined; the generated module then raises ``NameError`` at import
or call time. ``analyse_module`` finds such names statically in one module's source.

The compiler's symbol tables (``symtable``) say what each name refers to, since they apply
every scoping rule (class bodies, comprehensions, ``global``, ``nonlocal``, closures) as the
interpreter does; ``ast`` gives positions and execution order. Two passes:

1. Import time: module statements, class bodies, decorators, defaults, evaluated
   annotations and comprehensions run top to bottom, so a name must be bound before its
   use. Function and lambda bodies are set aside.
2. Call time: those bodies may use any name the module binds anywhere (and does not delete
   unconditionally). A body whose symbol tables mention only known names is not walked.

Decisions: conditional bindings (``if``, ``try``, loops, ``with``, ``match``) count, but
not those under ``if TYPE_CHECKING:``, which never runs. Generator expressions count as
import-time code, since they are nearly always consumed at once. A star import that
``star_names`` cannot resolve is *blind*: it is listed in ``blind_star_imports`` and names
it might provide are still reported, flagged ``maybe_from_star`` so callers can downgrade
them. Annotations are checked where every Python before 3.14 evaluates them eagerly
(module and class level, signatures), never under ``from __future__ import annotations``,
and string annotations never. Uses in a ``try`` body whose handler names ``NameError`` are
deliberate probes and not reported. Names reached only through strings (``globals()["x"]``,
``exec``) are invisible.
"""

from __future__ import annotations

import ast
import builtins
import gc
import re
import symtable
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

StarNames = Callable[[str, int], frozenset[str] | None]
Table = symtable.SymbolTable
_Capture = ast.MatchAs | ast.MatchStar | ast.MatchMapping

#: Names every module namespace has, besides builtins (``__path__`` only in packages).
_DUNDERS = "__name__ __doc__ __file__ __spec__ __loader__ __package__ __path__ __cached__"
MODULE_DUNDERS = frozenset([*_DUNDERS.split(), "__builtins__", "__annotations__"])
_CLASS_DUNDERS = frozenset({"__module__", "__qualname__"})
_ALWAYS = frozenset(dir(builtins)) | MODULE_DUNDERS
_COMPREHENSIONS: dict[type[ast.AST], str] = {
    ast.ListComp: "listcomp",
    ast.SetComp: "setcomp",
    ast.DictComp: "dictcomp",
    ast.GeneratorExp: "genexpr",
}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, *_COMPREHENSIONS)
# Cheap gate for the costly scan of every symbol table: no `global`, nothing to find.
_GLOBAL_STATEMENT = re.compile(r"global\s+[^\W\d]")


@dataclass(frozen=True)
class UndefinedName:
    """A use of a name that the module does not bind where the use runs."""

    name: str
    line: int  # 1-based
    column: int  # 1-based, in characters
    at_import: bool  # runs when the module is imported, not only when a function is called
    maybe_from_star: bool = False  # a blind star import could provide it


@dataclass(frozen=True)
class ScopeReport:
    """What ``analyse_module`` found in one module."""

    undefined: tuple[UndefinedName, ...]
    defined: frozenset[str]  # every name the module binds at module level, anywhere
    blind_star_imports: tuple[tuple[str, int], ...]  # (module as written, line)
    deleted: tuple[tuple[str, int], ...] = ()  # unconditional module-level `del` (name, line)


def no_star_names(module: str, level: int) -> frozenset[str] | None:
    """Resolve no star import: each ``from X import *`` stays blind."""
    return None


#: A module's syntax tree in consecutive parts: each part's tree, parsed on its own, and
#: the number of module lines before the part (its line numbers count from 1).
Parts = list[tuple[ast.Module, int]]


def analyse_module(
    source: str,
    *,
    star_names: StarNames = no_star_names,
    extra_defined: frozenset[str] = frozenset(),
    parts: Parts | None = None,
) -> ScopeReport:
    """Report the names ``source`` uses where the module has not bound them.

    ``star_names(module, level)`` gives the names ``from <level dots><module> import *``
    binds, or None when unknown. ``extra_defined`` names count as bound everywhere.
    *parts*, when given, are the syntax trees of the source's consecutive parts (trees
    made while rendering its blocks): the source is then not parsed again into a tree.
    Raises ``SyntaxError`` when the source does not compile.
    """
    collecting = gc.isenabled()
    gc.disable()  # the collector would rescan the growing syntax tree again and again
    try:  # the tree is freed by reference counting before collection resumes
        return _analyse(source, star_names, extra_defined, parts)
    finally:
        if collecting:
            gc.enable()


def _analyse(
    source: str, star_names: StarNames, extra_defined: frozenset[str], parts: Parts | None
) -> ScopeReport:
    """Run both passes over ``source`` and collect their findings."""
    if parts is None:
        parts = [(ast.parse(source), 0)]
    module = symtable.symtable(source, "<module>", "exec")
    through_global = _bound_through_global(module, source)
    walker = _Walker(module, _ALWAYS | extra_defined | through_global, star_names)
    walker.evaluates_annotations = not any(_has_future_annotations(tree) for tree, _ in parts)
    walker.run_import_time([(node, offset) for tree, offset in parts for node in tree.body])
    walker.run_call_time()
    return ScopeReport(
        undefined=_located(walker.uses, source),
        defined=frozenset(walker.ever_bound | through_global),
        blind_star_imports=tuple(walker.blind),
        deleted=tuple(walker.deleted),
    )


class _Walker:
    """Walk code in execution order and note uses of names the module lacks there."""

    def __init__(self, module: Table, always: frozenset[str], star_names: StarNames) -> None:
        self.module = module
        self.always = always
        self.star_names = star_names
        self.evaluates_annotations = True
        self.children: dict[int, defaultdict[tuple[str, int], deque[Table]]] = {}
        self.bound: set[str] = set()  # bound at this point of the import-time pass
        self.ever_bound: set[str] = set()
        self.blind: list[tuple[str, int]] = []
        self.uses: list[UndefinedName] = []
        self.deferred: list[tuple[list[Any], Table, int]] = []
        self.offset = 0  # module lines before the part of the tree being walked
        self.deleted: list[tuple[str, int]] = []
        self.at_import = True
        self.star_seen = False
        self.guards = 0  # depth of `try` bodies that catch NameError
        self.top: ast.stmt | None = None
        # Handlers are the `visit_<node class>` functions, looked up once by exact type (not
        # bound methods: those would tie the walker into a reference cycle, and commands run
        # without the cycle collector, so every module's tree would stay in memory).
        self.handlers: dict[type[ast.AST], Callable[[_Walker, Any, Table], None]] = _HANDLERS

    def run_import_time(self, body: list[tuple[ast.stmt, int]]) -> None:
        """Run the module's statements (each with its part's line offset) in order,
        setting function bodies aside."""
        for statement, offset in body:
            self.top, self.offset = statement, offset
            self.visit(statement, self.module)

    def run_call_time(self) -> None:
        """Walk the bodies set aside, against everything the module ends up binding."""
        self.at_import, self.star_seen = False, bool(self.blind)
        known = self.always | self.bound
        for body, table, offset in self.deferred:
            self.offset = offset
            if _mentions_unknown(table, known):
                for node in body:
                    self.visit(node, table)

    def visit(self, node: ast.AST, table: Table) -> None:
        """Dispatch on each node's type; nodes without a handler just pass through."""
        # An explicit stack, in source order: long call chains or `a + b + ...` sums nest
        # deeper than Python's recursion limit allows.
        stack = [node]
        while stack:
            current = stack.pop()
            handler = self.handlers.get(type(current))
            if handler is not None:
                handler(self, current, table)
            else:
                stack.extend(reversed(list(ast.iter_child_nodes(current))))

    def visit_each(self, nodes: Iterable[ast.AST | None], table: Table) -> None:
        """Visit each node in order, skipping absent optional fields."""
        for node in nodes:
            if node is not None:
                self.visit(node, table)

    def use(self, node: ast.Name, table: Table) -> None:
        """Record ``node`` if it resolves to the module namespace and is unbound there."""
        name = node.id
        if name in self.always or name in self.bound or self.guards:
            return
        if table is not self.module:
            if table.get_type() == "class" and name in _CLASS_DUNDERS:
                return
            symbol = _lookup(table, name)
            if symbol is None or not symbol.is_global():
                return
        line = node.lineno + self.offset
        found = UndefinedName(name, line, node.col_offset, self.at_import, self.star_seen)
        self.uses.append(found)

    def bind(self, name: str, table: Table) -> None:
        """Note a module-level binding made while importing."""
        if not self.at_import:
            return  # call-time bindings are either local or came through `global`
        if table is not self.module:
            if table.get_type() == "class" and name not in self.always:
                return  # cheap exit: `global` names are in `always`, class attributes not
            symbol = _lookup(table, name)
            if symbol is None or not symbol.is_declared_global():
                return
        self.bound.add(name)
        self.ever_bound.add(name)

    def child(self, parent: Table, name: str, line: int) -> Table | None:
        """Return the next unclaimed table the compiler made for ``name`` at ``line``."""
        queues = self.children.get(parent.get_id())
        if queues is None:
            queues = self.children[parent.get_id()] = defaultdict(deque)
            for table in _scopes_below(parent):
                queues[(table.get_name(), table.get_lineno())].append(table)
        queue = queues.get((name, line))
        return queue.popleft() if queue else None

    def body(self, nodes: list[Any], table: Table | None) -> None:
        """Set a function body aside while importing; walk it at call time."""
        if table is None:
            return  # no matching symbol table: stay silent rather than guess
        if self.at_import:
            self.deferred.append((nodes, table, self.offset))
        else:
            self.visit_each(nodes, table)

    def visit_Name(self, node: ast.Name, table: Table) -> None:
        if isinstance(node.ctx, ast.Store):
            self.bind(node.id, table)
        else:
            self.use(node, table)

    def visit_NamedExpr(self, node: ast.NamedExpr, table: Table) -> None:
        self.visit(node.value, table)
        self.bind(node.target.id, table)

    def visit_Lambda(self, node: ast.Lambda, table: Table) -> None:
        self.visit_each([*node.args.defaults, *node.args.kw_defaults], table)
        self.body([node.body], self.child(table, "lambda", node.lineno + self.offset))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, table: Table) -> None:
        # Same order as the compiler's symbol table pass, so child tables line up.
        self.visit_each([*node.args.defaults, *node.args.kw_defaults], table)
        if self.evaluates_annotations:
            self.visit_each(_signature_annotations(node), table)
        self.visit_each(node.decorator_list, table)
        self.body(node.body, self.child(table, node.name, node.lineno + self.offset))
        self.bind(node.name, table)

    def visit_ClassDef(self, node: ast.ClassDef, table: Table) -> None:
        self.visit_each([*node.bases, *node.keywords, *node.decorator_list], table)
        child = self.child(table, node.name, node.lineno + self.offset)
        if child is not None:
            self.visit_each(node.body, child)  # a class body runs when its statement does
        self.bind(node.name, table)

    def visit_ListComp(self, node: Any, table: Table) -> None:
        first, *rest = node.generators
        self.visit(first.iter, table)  # the outermost iterable runs in the enclosing scope
        child = self.child(table, _COMPREHENSIONS[type(node)], node.lineno + self.offset)
        if child is None:
            return
        self.visit_each([first.target, *first.ifs], child)
        for generator in rest:
            self.visit_each([generator.target, generator.iter, *generator.ifs], child)
        parts = [node.value, node.key] if isinstance(node, ast.DictComp) else [node.elt]
        self.visit_each(parts, child)

    def visit_Import(self, node: ast.Import, table: Table) -> None:
        for alias in node.names:
            self.bind(alias.asname or alias.name.partition(".")[0], table)

    def visit_ImportFrom(self, node: ast.ImportFrom, table: Table) -> None:
        if node.names[0].name != "*":
            for alias in node.names:
                self.bind(alias.asname or alias.name, table)
            return
        names = self.star_names(node.module or "", node.level)
        if names is None:
            self.blind.append(("." * node.level + (node.module or ""), node.lineno + self.offset))
            self.star_seen = True
        else:
            for name in sorted(names):
                self.bind(name, table)

    def visit_Assign(self, node: ast.Assign, table: Table) -> None:
        self.visit(node.value, table)
        self.visit_each(node.targets, table)

    def visit_AugAssign(self, node: ast.AugAssign, table: Table) -> None:
        if isinstance(node.target, ast.Name):  # `x += 1` reads x before binding it
            self.use(node.target, table)
            self.visit(node.value, table)
            self.bind(node.target.id, table)
        else:
            self.visit_each([node.target, node.value], table)

    def visit_AnnAssign(self, node: ast.AnnAssign, table: Table) -> None:
        # Only module and class level annotations run; those in function bodies never do.
        if self.evaluates_annotations and (table is self.module or table.get_type() == "class"):
            self.visit(node.annotation, table)
        if node.value is not None:
            self.visit_each([node.value, node.target], table)
        elif not isinstance(node.target, ast.Name):
            self.visit(node.target, table)  # `a.b: int` evaluates `a`; `x: int` binds nothing

    def visit_For(self, node: ast.For | ast.AsyncFor | ast.While, table: Table) -> None:
        if not isinstance(node, ast.While):
            self.visit(node.iter, table)  # evaluated once, before the first iteration
        if self.at_import and table is self.module:
            # A later iteration may use what an earlier one bound.
            self.bound.update(_bound_in([*node.body, *node.orelse]))
        self.visit(node.test if isinstance(node, ast.While) else node.target, table)
        self.visit_each([*node.body, *node.orelse], table)

    def visit_If(self, node: ast.If, table: Table) -> None:
        self.visit(node.test, table)
        if not _is_type_checking(node.test):  # such a block never runs
            self.visit_each(node.body, table)
        self.visit_each(node.orelse, table)

    def visit_Try(self, node: ast.Try, table: Table) -> None:
        guarded = any(_catches_name_error(handler.type) for handler in node.handlers)
        self.guards += guarded
        self.visit_each(node.body, table)
        self.guards -= guarded
        self.visit_each([*node.handlers, *node.orelse, *node.finalbody], table)

    def visit_ExceptHandler(self, node: ast.ExceptHandler, table: Table) -> None:
        name = node.name or ""
        fresh = name not in self.bound
        self.visit_each([node.type], table)
        if name:
            self.bind(name, table)
        self.visit_each(node.body, table)
        if name and fresh and table is self.module and self.at_import:
            self.bound.discard(name)  # Python deletes the name when the handler ends

    def visit_Delete(self, node: ast.Delete, table: Table) -> None:
        self.visit_each(node.targets, table)
        if self.at_import and node is self.top:  # only unconditional deletes unbind
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            self.bound.difference_update(names)
            self.deleted.extend((name, node.lineno + self.offset) for name in names)

    def visit_MatchAs(self, node: _Capture, table: Table) -> None:
        self.visit_each(ast.iter_child_nodes(node), table)
        name = node.rest if isinstance(node, ast.MatchMapping) else node.name
        if name is not None:
            self.bind(name, table)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp
    visit_AsyncFor = visit_While = visit_For
    visit_MatchStar = visit_MatchMapping = visit_MatchAs


_HANDLERS: dict[type[ast.AST], Callable[[_Walker, Any, Table], None]] = {
    getattr(ast, name[6:]): getattr(_Walker, name)
    for name in dir(_Walker)
    if name.startswith("visit_") and hasattr(ast, name[6:])
}


def _scopes_below(table: Table) -> Iterator[Table]:
    """Yield the function and class tables under ``table``, looking through helper scopes.

    Newer Pythons wrap some scopes in annotation or type-parameter scopes that have no
    statement of their own; looking through them keeps the matching by name and line.
    """
    for child in table.get_children():
        if child.get_type() in ("function", "class"):
            yield child
        else:
            yield from _scopes_below(child)


def _lookup(table: Table, name: str) -> symtable.Symbol | None:
    """Return the symbol for ``name``, or None (private names appear mangled in classes)."""
    try:
        return table.lookup(name)
    except KeyError:
        return None


def _mentions_unknown(table: Table, known: frozenset[str]) -> bool:
    """Tell whether ``table`` or a scope inside it refers to a global outside ``known``."""
    stack = [table]
    while stack:
        current = stack.pop()
        if isinstance(current, symtable.Function):
            names: Iterable[str] = current.get_globals()
        else:
            names = [s.get_name() for s in current.get_symbols() if s.is_global()]
        if not known.issuperset(names):
            return True
        stack.extend(current.get_children())
    return False


def _bound_through_global(module: Table, source: str) -> frozenset[str]:
    """Return names that functions or classes bind in the module via ``global``."""
    if not _GLOBAL_STATEMENT.search(source):
        return frozenset()
    names: set[str] = set()
    stack = list(module.get_children())
    while stack:
        table = stack.pop()
        stack.extend(table.get_children())
        if table.get_name() in _COMPREHENSIONS.values():
            continue  # a walrus there binds at import time; the first pass orders it
        for symbol in table.get_symbols():
            if symbol.is_declared_global() and (symbol.is_assigned() or symbol.is_imported()):
                names.add(symbol.get_name())
    return frozenset(names)


def _bound_in(statements: list[ast.stmt]) -> Iterator[str]:
    """Yield names the statements bind in their own scope (not in nested scopes)."""
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id
        elif isinstance(node, ast.alias) and node.name != "*":
            yield node.asname or node.name.partition(".")[0]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def _signature_annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.expr]:
    """Yield the annotations a ``def`` statement evaluates."""
    args = node.args
    for arg in [*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg]:
        if arg is not None and arg.annotation is not None:
            yield arg.annotation
    if node.returns is not None:
        yield node.returns


def _is_type_checking(test: ast.expr) -> bool:
    """Tell whether an ``if`` test is ``TYPE_CHECKING`` (bare or as an attribute)."""
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def _catches_name_error(kind: ast.expr | None) -> bool:
    """Tell whether an ``except`` clause names ``NameError``."""
    if isinstance(kind, ast.Tuple):
        return any(_catches_name_error(element) for element in kind.elts)
    return isinstance(kind, ast.Name) and kind.id == "NameError"


def _has_future_annotations(tree: ast.Module) -> bool:
    """Tell whether the module postpones the evaluation of annotations."""
    futures = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    return any(alias.name == "annotations" for node in futures for alias in node.names)


def _located(uses: list[UndefinedName], source: str) -> tuple[UndefinedName, ...]:
    """Turn byte offsets into 1-based character columns and sort by position."""
    lines = source.split("\n") if uses else []
    located = []
    for found in uses:
        text = lines[found.line - 1] if found.line <= len(lines) else ""
        prefix = text.encode("utf-8")[: found.column].decode("utf-8", "replace")
        located.append(replace(found, column=len(prefix) + 1))
    return tuple(sorted(located, key=lambda found: (found.line, found.column, found.name)))
