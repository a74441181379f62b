"""Find the imports in a piece of code, with where they are and what guards them.

``find_imports(code)`` returns every import in the code, at any depth, with its line and
column: ``import a.b``, ``from a import b``, relative imports, and
``importlib.import_module("a")`` / ``import_module("a")`` / ``__import__("a")`` called
with a literal string (a computed name cannot be known statically and is skipped).
Relative imports are reported with ``top=""`` and their ``level``. Each ``FoundImport``
also says:

*optional*: the import sits in the body of a ``try`` that has a handler for
``ImportError`` or ``ModuleNotFoundError`` (alone, dotted as ``builtins.ImportError``, or
in a tuple, ``except*`` too). A bare ``except:`` or ``except Exception`` does not count:
such handlers usually guard other code, and calling a needed dependency optional would
break installs, while the opposite mistake only installs a little more. Imports in a
function defined inside the ``try`` are not guarded by it.

*fallback_for*: an import in the body of such an ``ImportError`` handler runs only when
the guarded imports fail; it records their top-level names, so ``tomli`` as the fallback
for ``tomllib`` is needed only where ``tomllib`` is not standard library.

*deferred*: inside a function or method body, so it runs when that is called, not when
the module is imported.

*type_checking*: under ``if TYPE_CHECKING:`` or ``if <module>.TYPE_CHECKING:`` (or the
``else`` of ``if not TYPE_CHECKING:``); these never run.

``nb2pkg.deps.classify`` then says which distribution each import needs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from ..cellcode import STRINGS_AND_COMMENTS, collector_paused


@dataclass(frozen=True)
class FoundImport:
    """One import in a piece of code; ``line`` and ``column`` are 1-based."""

    module: str  # dotted name as written; for a relative import the part after the dots
    top: str  # first component of ``module``; "" for a relative import
    line: int
    column: int
    optional: bool = False
    type_checking: bool = False
    level: int = 0  # leading dots of a relative import
    names: tuple[str, ...] = ()  # what ``from module import ...`` imports
    fallback_for: tuple[str, ...] = ()  # guarded top-level names, in an ImportError handler
    deferred: bool = False  # inside a function: runs when it is called, not at import


def find_imports(code: str, mentioning: re.Pattern[str] | None = None) -> list[FoundImport]:
    """Return every import in ``code``, in source order; raise ``SyntaxError`` if it has one.

    With *mentioning*, only top-level statements whose text it matches are looked at (a
    caller after some imports only, such as those of the own package, skips the rest).
    """
    if "import" not in code:  # every form spells it, so most cells are done here
        return []
    finder = _Finder(code)
    with collector_paused():
        try:
            # Parsing dominates the cost, so only top-level statements that mention
            # "import" are parsed (what a statement holds depends on nothing before it).
            for first_line, text in _top_level_statements(code):
                if "import" in text and (mentioning is None or mentioning.search(text)):
                    finder.visit_module(ast.parse(text), first_line)
        except SyntaxError:
            # A statement split in the wrong place, or a real error: the whole text decides.
            finder.found.clear()
            finder.visit_module(ast.parse(code), 0)
    return sorted(finder.found, key=lambda f: (f.line, f.column))


# Comments and string literals, which may hold anything, including "import" at column 0.
_STRINGS_AND_COMMENTS = STRINGS_AND_COMMENTS
_LINES = r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$"
_NOT_NEWLINE = r"[^\r\n]"
_CLAUSE = r"(?:else|elif|except|finally)\b"


def _top_level_statements(code: str) -> Iterator[tuple[int, str]]:
    """Split ``code`` into top-level statements: ``(index of first line, text)``.

    A statement starts on a line that begins in column 0 outside any string, bracket or
    backslash continuation, is no ``else``/``except``/... clause and follows no
    decorator. Strings and comments are blanked first so their text cannot look like
    code. A split that is still wrong makes a piece that does not parse, and the caller
    then parses the whole text.
    """
    lines = re.findall(_LINES, code)
    blanked = re.findall(_LINES, re.sub(_STRINGS_AND_COMMENTS, _blank, code, flags=re.DOTALL))
    start, depth, continued, decorated = 0, 0, False, False
    for index, line in enumerate(blanked):
        if not depth and not continued and line[:1] not in ("", " ", "\t", "\f", "\r", "\n"):
            if index > start and not decorated and not re.match(_CLAUSE, line):
                yield start, "".join(lines[start:index])
                start = index
            decorated = line.startswith("@")  # the def or class that follows belongs to it
        depth += sum(map(line.count, "([{")) - sum(map(line.count, ")]}"))
        if line.strip():
            continued = line.rstrip().endswith("\\")
    yield start, "".join(lines[start:])


def _blank(match: re.Match[str]) -> str:
    """Return a string or comment as spaces, keeping its line breaks."""
    text = match.group()
    return re.sub(_NOT_NEWLINE, " ", text) if "\n" in text or "\r" in text else " " * len(text)


@dataclass(frozen=True)
class _Context:
    optional: bool = False
    type_checking: bool = False
    fallback_for: tuple[str, ...] = ()
    deferred: bool = False


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
# ``try``/``except*`` (3.11+) has the same fields as ``try``.
_TRIES: tuple[type[ast.Try], ...] = (ast.Try, getattr(ast, "TryStar", ast.Try))


class _Finder:
    """Walk the statements for imports, and their expressions for import calls."""

    def __init__(self, code: str) -> None:
        # Expressions are searched only when the text could hold an import call:
        # walking every expression of a large notebook costs as much as parsing it.
        self.dynamic = "import_module" in code or "__import__" in code
        self.code = code
        self.lines: list[bytes] | None = None
        self.line_offset = 0
        self.found: list[FoundImport] = []

    def visit_module(self, module: ast.Module, first_line: int) -> None:
        self.line_offset = first_line
        self.visit_body(module.body, _Context())

    def visit_body(self, body: Iterable[ast.AST], ctx: _Context) -> None:
        for node in body:
            self.visit(node, ctx)

    def visit(self, node: ast.AST, ctx: _Context) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.add(node, alias.name, 0, (), ctx)
            return
        if isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            self.add(node, node.module or "", node.level, names, ctx)
            return
        if self.dynamic:
            self.visit_calls(node, ctx)
        if isinstance(node, _TRIES):
            self.visit_try(node, ctx)
        elif isinstance(node, ast.If) and (in_body := _type_checking_test(node.test)) is not None:
            self.visit_body(node.body, replace(ctx, type_checking=ctx.type_checking or in_body))
            self.visit_body(
                node.orelse, replace(ctx, type_checking=ctx.type_checking or not in_body)
            )
        else:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # runs later, unguarded
                ctx = _Context(type_checking=ctx.type_checking, deferred=True)
            for field in _body_fields(type(node)):
                self.visit_body(getattr(node, field), ctx)

    def visit_calls(self, node: ast.AST, ctx: _Context) -> None:
        """Look for import calls in the parts of ``node`` that are not statement bodies."""
        for field, value in ast.iter_fields(node):
            if field in _BODIES:
                continue
            for part in value if isinstance(value, list) else [value]:
                if isinstance(part, ast.AST):
                    for inner in ast.walk(part):
                        if isinstance(inner, ast.Call):
                            self.visit_call(inner, ctx)

    def visit_try(self, node: ast.Try, ctx: _Context) -> None:
        guards = any(_catches_import_error(h.type) for h in node.handlers)
        first = len(self.found)
        self.visit_body(node.body, replace(ctx, optional=True) if guards else ctx)
        # What the handlers stand in for: the guarded imports just found (not those in
        # functions defined here, which the try does not guard).
        guarded = tuple(dict.fromkeys(f.top for f in self.found[first:] if f.optional and f.top))
        for handler in node.handlers:
            inner = ctx
            if _catches_import_error(handler.type) and guarded:
                inner = replace(ctx, fallback_for=guarded)
            self.visit_body(handler.body, inner)
        self.visit_body(node.orelse, ctx)
        self.visit_body(node.finalbody, ctx)

    def visit_call(self, node: ast.Call, ctx: _Context) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in ("import_module", "__import__") or not node.args:
            return
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
            target = arg.value
            level = len(target) - len(target.lstrip("."))
            self.add(node, target[level:], level, (), ctx)

    def add(
        self,
        node: ast.stmt | ast.expr,
        module: str,
        level: int,
        names: tuple[str, ...],
        ctx: _Context,
    ) -> None:
        top = "" if level else module.partition(".")[0]
        self.found.append(
            FoundImport(
                module=module,
                top=top,
                line=node.lineno + self.line_offset,
                column=self.column(node),
                optional=ctx.optional,
                type_checking=ctx.type_checking,
                level=level,
                names=names,
                fallback_for=ctx.fallback_for,
                deferred=ctx.deferred,
            )
        )

    def column(self, node: ast.stmt | ast.expr) -> int:
        """Return the 1-based character column (ast counts UTF-8 bytes)."""
        if self.code.isascii():
            return node.col_offset + 1
        if self.lines is None:
            self.lines = [line.encode() for line in re.split(r"\r\n|\r|\n", self.code)]
        prefix = self.lines[node.lineno + self.line_offset - 1][: node.col_offset]
        return len(prefix.decode("utf-8", errors="replace")) + 1


_BODY_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _body_fields(node_type: type[ast.AST]) -> tuple[str, ...]:
    """Return the fields of a node type that hold statements (none for most)."""
    fields = _BODY_FIELDS.get(node_type)
    if fields is None:
        fields = _BODY_FIELDS[node_type] = tuple(f for f in node_type._fields if f in _BODIES)
    return fields


def _type_checking_test(test: ast.expr) -> bool | None:
    """Return True for ``TYPE_CHECKING``, False for ``not TYPE_CHECKING``, else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _type_checking_test(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return isinstance(test.value, ast.Name) or None
    return None


def _catches_import_error(handler_type: ast.expr | None) -> bool:
    """Tell whether an ``except`` clause names ImportError or ModuleNotFoundError."""
    if isinstance(handler_type, ast.Tuple):
        return any(_catches_import_error(element) for element in handler_type.elts)
    if isinstance(handler_type, ast.Name):
        return handler_type.id in _IMPORT_ERRORS
    if isinstance(handler_type, ast.Attribute):
        return handler_type.attr in _IMPORT_ERRORS
    return False
