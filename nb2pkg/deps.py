"""Find the imports in exported code and say which distribution each one needs.

Two pure stages, used by ``nb2pkg build`` and ``nb2pkg deps``:

``find_imports(code)``
    every import in a piece of code, at any depth, with its line and column:
    ``import a.b``, ``from a import b``, relative imports, and
    ``importlib.import_module("a")`` / ``import_module("a")`` / ``__import__("a")``
    called with a literal string (a computed name cannot be known statically and is
    skipped). Relative imports are reported with ``top=""`` and their ``level``.

    *optional*: the import sits in the body of a ``try`` that has a handler for
    ``ImportError`` or ``ModuleNotFoundError`` (alone, dotted as ``builtins.ImportError``,
    or in a tuple, ``except*`` too). A bare ``except:`` or ``except Exception`` does not
    count: such handlers usually guard other code, and calling a needed dependency
    optional would break installs, while the opposite mistake only installs a little
    more. Imports in a function defined inside the ``try`` are not guarded by it.

    *fallback_for*: an import in the body of such an ``ImportError`` handler runs only
    when the guarded imports fail; it records their top-level names, so ``tomli`` as the
    fallback for ``tomllib`` is needed only where ``tomllib`` is not standard library.

    *type_checking*: under ``if TYPE_CHECKING:`` or ``if <module>.TYPE_CHECKING:`` (or
    the ``else`` of ``if not TYPE_CHECKING:``); these never run.

``classify(found, ...)``
    first-party (the project's package, or relative), stdlib (on *every* Python the
    project supports, from the shipped lists in ``nb2pkg.stdlib``), or third-party with
    a distribution found in this order: the user's ``[tool.nb2pkg.dependency-map]``,
    the installed distributions' metadata (namespace packages such as ``google`` are
    settled by the distributions' file lists), then nb2pkg's tables in
    ``nb2pkg.curated``. Nothing is guessed and no package index is asked: an import
    nothing resolves is a ``DependencyError`` that names the config line to add.
    A module that is stdlib on only some supported Pythons gets a PEP 508 marker for the
    others (``setuptools; python_version >= "3.12"`` for ``distutils``), or is an error
    when nothing provides it there and the import is not optional.
"""

from __future__ import annotations

import ast
import gc
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Literal

from .curated import (
    CURATED,
    STDLIB_HINTS,
    STDLIB_REPLACEMENTS,
    Installed,
    Matches,
    installed_distributions,
    installed_matches,
    table_matches,
)
from .errors import DependencyError, Location
from .stdlib import (
    Version,
    describe_versions,
    python_version_marker,
    stdlib_versions,
    supported_versions,
    version_text,
)

Kind = Literal["first-party", "stdlib", "third-party"]


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


@dataclass(frozen=True)
class Dependency:
    """What one import needs, and why: the answer behind ``nb2pkg deps --why``.

    A third-party dependency with ``distribution=None`` needs nothing installed (it only
    runs under ``TYPE_CHECKING``, or as a fallback that no supported Python reaches).
    """

    import_name: str
    kind: Kind
    distribution: str | None
    reason: str
    marker: str | None = None
    optional: bool = False
    used_in: tuple[Location, ...] = ()

    @property
    def requirement(self) -> str | None:
        """Return the PEP 508 requirement for pyproject, e.g. ``PyYAML`` (None if none)."""
        if self.distribution is None:
            return None
        return f"{self.distribution}; {self.marker}" if self.marker else self.distribution


def find_imports(code: str) -> list[FoundImport]:
    """Return every import in ``code``, in source order; raise ``SyntaxError`` if it has one."""
    if "import" not in code:  # every form spells it, so most cells are done here
        return []
    finder = _Finder(code)
    with _collector_paused():
        try:
            # Parsing dominates the cost, so only top-level statements that mention
            # "import" are parsed (what a statement holds depends on nothing before it).
            for first_line, text in _top_level_statements(code):
                if "import" in text:
                    finder.visit_module(ast.parse(text), first_line)
        except SyntaxError:
            # A statement split in the wrong place, or a real error: the whole text decides.
            finder.found.clear()
            finder.visit_module(ast.parse(code), 0)
    return sorted(finder.found, key=lambda f: (f.line, f.column))


# Comments and string literals, which may hold anything, including "import" at column 0.
# Kept as text: ``re`` compiles and caches them on first use, not at import time.
_STRINGS_AND_COMMENTS = (
    r"#[^\r\n]*"
    r"|'''(?:\\.|[^\\])*?'''"
    r'|"""(?:\\.|[^\\])*?"""'
    r"|'(?:\\.|[^\\'\r\n])*'"
    r'|"(?:\\.|[^\\"\r\n])*"'
)
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: it halves the time ``ast.parse`` takes.

    An AST holds no reference cycles, so the collections that its many new objects
    trigger free nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class _Context:
    optional: bool = False
    type_checking: bool = False
    fallback_for: tuple[str, ...] = ()


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
                ctx = _Context(type_checking=ctx.type_checking)  # runs later, unguarded
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


def classify(
    found: FoundImport,
    *,
    package: str,
    requires_python: str | None,
    dependency_map: Mapping[str, str],
    where: Location | None = None,
    installed: Installed | None = None,
) -> Dependency:
    """Say what ``found`` needs on the Pythons that ``requires_python`` admits, and why.

    ``where`` locates the scanned code (a notebook cell) for the ``DependencyError``
    raised when the import cannot be resolved; the import's own line and column are
    filled in when it has none. ``installed`` defaults to the running environment. A
    ``requires_python`` that does not parse, or admits no Python from 3.8 to 3.14, is a
    ``ConfigError``.
    """
    name = "." * found.level + found.module
    if found.level or found.module == package or found.module.startswith(package + "."):
        why = "relative import" if found.level else f"the project's own package {package!r}"
        return Dependency(name, "first-party", None, why, optional=found.optional)
    supported = supported_versions(requires_python)
    on = [v for v in supported if v in stdlib_versions(found.top)]
    if on == list(supported):
        why = f"stdlib on every supported Python ({describe_versions(supported, supported)})"
        return Dependency(name, "stdlib", None, why, optional=found.optional)
    kind: Kind = "stdlib" if on else "third-party"
    if found.type_checking:
        why = "imported only under TYPE_CHECKING, so not needed at run time"
        return Dependency(name, kind, None, why, optional=found.optional)
    needed = _needed_versions(found, supported, on)
    if not needed:
        guards = ", ".join(repr(g) for g in found.fallback_for)
        why = f"fallback for {guards}, which every supported Python has: never needed"
        return Dependency(name, kind, None, why, optional=found.optional)
    resolved = _resolve(found, dependency_map, installed or installed_distributions(), where)
    if resolved is None and on and found.optional:
        why = (
            f"stdlib on Python {describe_versions(on, supported)}; elsewhere the import is "
            "optional (inside try/except ImportError)"
        )
        return Dependency(name, "stdlib", None, why, optional=True)
    if resolved is None:
        raise DependencyError(
            _unresolved_message(found, requires_python, supported, on, needed, installed),
            _locate(where, found),
        )
    distribution, why = resolved
    marker = None
    if len(needed) < len(supported):
        marker = python_version_marker(needed, supported)
        missing = f"where {found.top!r} is not stdlib" if on else "where the guarded import fails"
        why += f"; needed only on Python {describe_versions(needed, supported)}, {missing}"
    return Dependency(name, "third-party", distribution, why, marker, found.optional)


def _needed_versions(
    found: FoundImport, supported: Sequence[Version], on: Sequence[Version]
) -> list[Version]:
    """Return the supported versions where the import runs and is not stdlib."""
    reached = set(supported)
    if found.fallback_for:
        # The handler runs where any guarded import fails, i.e. is not stdlib there.
        reached = {v for v in supported for g in found.fallback_for if v not in stdlib_versions(g)}
    return [v for v in supported if v not in on and v in reached]


def _locate(where: Location | None, found: FoundImport) -> Location | None:
    """Return ``where`` with the import's line and column, unless it has a line already."""
    if where is None or where.line is not None:
        return where
    return replace(where, line=found.line, column=found.column)


def _paths(found: FoundImport) -> list[str]:
    """Return the dotted paths that identify the import: ``a.b`` and ``a.b.name``s."""
    names = [n for n in found.names if n != "*"]
    return [f"{found.module}.{n}" for n in names] or [found.module]


def _resolve(
    found: FoundImport,
    dependency_map: Mapping[str, str],
    installed: Installed,
    where: Location | None,
) -> tuple[str, str] | None:
    """Return ``(distribution, reason)`` from the first source that knows the import."""
    paths = _paths(found)
    replacement = STDLIB_REPLACEMENTS.get(found.top)
    sources: list[tuple[Callable[[], Matches], str]] = [
        (
            lambda: table_matches(dependency_map, paths),
            'from [tool.nb2pkg.dependency-map] ({toml_key} = "{dist}")',
        ),
        (
            lambda: installed_matches(found.top, paths, installed),
            "installed distribution {dist!r} provides {key!r}",
        ),
        (
            lambda: [(found.top, replacement)] if replacement else [],
            "{dist!r} provides {key!r} (nb2pkg's table of standard-library replacements)",
        ),
        (lambda: table_matches(CURATED, paths), "curated: {key!r} is provided by {dist!r}"),
    ]
    for matches, reason in sources:
        offered = matches()
        if len(offered) > 1:
            several = ", ".join(repr(dist) for _, dist in offered)
            raise DependencyError(
                f"'from {found.module} import {', '.join(found.names)}' needs several "
                f"distributions ({several}); import from each in its own statement",
                _locate(where, found),
            )
        if offered:
            key, dist = offered[0]
            return dist, reason.format(key=key, dist=dist, toml_key=_toml_key(key))
    return None


def _unresolved_message(
    found: FoundImport,
    requires_python: str | None,
    supported: Sequence[Version],
    on: Sequence[Version],
    needed: Sequence[Version],
    installed: Installed | None,
) -> str:
    """Explain an import that nothing resolves, and how to fix it."""
    if on:
        spec = requires_python or "(any)"
        hint = STDLIB_HINTS.get(found.top, "make the import optional with try/except ImportError")
        return (
            f"{found.top!r} is in the standard library only on Python "
            f"{describe_versions(on, supported)}, but requires-python {spec!r} also admits "
            f"{describe_versions(needed, supported)}, where it is missing and no distribution "
            f"is known to provide it: {hint}, {_narrowing(on, supported)}, or name a "
            f'distribution under [tool.nb2pkg.dependency-map] ({found.top} = "...")'
        )
    providers = sorted(set((installed or installed_distributions()).providers.get(found.top, ())))
    key, several = found.top, ""
    if len(providers) > 1:
        key = _paths(found)[0]
        several = f" (installed distributions providing {found.top!r}: {', '.join(providers)})"
    return (
        f"cannot tell which distribution provides {found.module!r}{several}: nb2pkg does "
        "not guess from the import name. Name it in pyproject.toml under "
        f'[tool.nb2pkg.dependency-map], e.g. {_toml_key(key)} = "distribution-name", or '
        "install it in this environment and build again"
    )


def _toml_key(key: str) -> str:
    """Return ``key`` as written on the left of a TOML ``=`` (dotted names need quotes)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _narrowing(on: Sequence[Version], supported: Sequence[Version]) -> str:
    """Suggest a requires-python that keeps only the versions that have the module."""
    if on[0] == supported[0]:
        after = (on[-1][0], on[-1][1] + 1)
        return f"add '<{version_text(after)}' to requires-python"
    return f"raise requires-python to '>={version_text(on[0])}'"
