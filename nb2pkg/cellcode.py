"""Static facts about one cell's code: syntax, IPython lines, public names, future imports.

Everything here uses ``ast`` (fast) and never runs the code.
"""

from __future__ import annotations

import ast
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from .sourcelines import source_lines

_PATCH_DECORATORS = frozenset({"patch", "patch_to", "patch_property"})
#: The way out for IPython syntax in an exported cell, true whichever command reports it.
DROP_MAGICS_FIX = (
    "move it to an unexported cell, or set drop-magics = true in [tool.nb2pkg] to leave "
    "such lines out (`nb2pkg export --drop-magics` for one export)"
)
#: Decorators that add a case to the object a name holds instead of replacing it:
#: typing's ``overload``, fastcore's ``typedispatch``, plum's / multipledispatch's ``dispatch``.
_EXTENDING_DECORATORS = frozenset({"overload", "typedispatch", "dispatch"})
#: Comments and string literals, matched left to right so that neither hides in the other.
#: Kept as text: ``re`` compiles and caches it on first use, not at import time.
#: A string left open runs to the end of its line (a triple-quoted one to the end of the
#: text): consumed once, it is not scanned again from every quote inside it, which made
#: the search quadratic. Use with re.DOTALL.
STRINGS_AND_COMMENTS = (
    r"#[^\r\n]*"
    r"|'''(?:\\.|[^\\])*?(?:'''|\\?\Z)"
    r'|"""(?:\\.|[^\\])*?(?:"""|\\?\Z)'
    r"|'(?:\\.|[^\\'\r\n])*(?:'|(?=[\r\n])|\\?\Z)"
    r'|"(?:\\.|[^\\"\r\n])*(?:"|(?=[\r\n])|\\?\Z)'
)
# Each space can be read one way only: a target's inner spaces (`a, b = !ls`) come before
# more of the target, its trailing ones belong to `\s*`. (Spaces in the target's character
# class made the match cubic on a long line of spaces.)
_IPYTHON_LINE = re.compile(
    r"""^\s*(?:
        %{1,2}\w                              # %magic, %%cell_magic
      | !                                     # !shell command
      | [\w.\[\]'",]+(?:[ ]+[\w.\[\]'",]+)*\s*=\s*[!%]  # x = !ls, x = %time f()
      | [\w.]+\?{1,2}\s*$                     # obj? help
      | \?{1,2}[\w.]+\s*$                     # ?obj help
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class CodeIssue:
    """A line that cannot go into a module; ``line`` counts from 1 within the code."""

    line: int
    kind: str  # "ipython" or "syntax"
    text: str
    message: str


def find_code_issue(code: str) -> CodeIssue | None:
    """Return the first IPython line or syntax error in *code*, or None if it is clean."""
    return parse_code(code)[1]


@lru_cache(maxsize=4)
def parse_code(code: str) -> tuple[ast.Module | None, CodeIssue | None]:
    """Parse *code*; return its tree, or the first IPython line or syntax error in it.

    The last few results are kept (treat the tree as read-only): sync checks an edited
    block and then exports the same code, and a large cell should be parsed once.
    """
    try:
        with collector_paused():
            return ast.parse(code), None
    except SyntaxError as exc:
        error = exc
    except ValueError as exc:  # NUL bytes
        return None, CodeIssue(1, "syntax", "", f"the code cannot be parsed: {exc}")
    except (RecursionError, MemoryError):
        return None, CodeIssue(1, "syntax", "", "the code is nested too deeply to be parsed")
    for number, line in enumerate(source_lines(code), 1):
        if _IPYTHON_LINE.match(line.rstrip("\r\n")):
            return None, CodeIssue(number, "ipython", line.strip(), _ipython_message(line.strip()))
    text = (error.text or "").strip()
    return None, CodeIssue(error.lineno or 1, "syntax", text, f"syntax error: {error.msg}")


def ipython_issues(code: str) -> list[CodeIssue]:
    """Return one issue per line of *code* that holds IPython syntax, in order."""
    return [
        CodeIssue(number, "ipython", line.strip(), _ipython_message(line.strip()))
        for number, line in enumerate(code.splitlines(), 1)
        if _IPYTHON_LINE.match(line)
    ]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: it halves the time ``ast.parse`` takes.

    An AST holds no reference cycles, so the collections that its many new objects
    trigger free nothing (and each scans every object nb2pkg holds, such as notebooks).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def might_hold_ipython(code: str) -> bool:
    """Tell whether a line of *code* looks like IPython syntax (it may sit in a string)."""
    return any(_IPYTHON_LINE.match(line.rstrip("\r\n")) for line in source_lines(code))


def ipython_lines(code: str) -> list[int]:
    """Return the numbers of the lines that hold IPython syntax (for --drop-magics)."""
    lines = enumerate(source_lines(code), 1)
    return [n for n, line in lines if _IPYTHON_LINE.match(line.rstrip("\r\n"))]


def blank_ipython_lines(code: str) -> str:
    """Return *code* with its IPython lines blanked, line numbers kept (for a loose parse)."""
    skip = set(ipython_lines(code))
    return "".join("\n" if n in skip else line for n, line in enumerate(source_lines(code), 1))


def parse_loosely(code: str) -> ast.Module | None:
    """Parse a cell that may hold IPython lines (blanked first); None if it still fails."""
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        pass
    try:
        return ast.parse(blank_ipython_lines(code))
    except (SyntaxError, ValueError):
        return None


def comment_lines(code: str) -> list[tuple[int, str]]:
    """Return the lines (1-based number, text) that are comments from their first character
    on: a ``#`` inside a string literal (``s = \"\"\"\n#| export\n\"\"\"``) starts none."""
    if "#" not in code:
        return []
    found = []
    line, line_start, seen = 1, 0, 0  # counted up to *seen*, each character once
    for match in re.finditer(STRINGS_AND_COMMENTS, code, flags=re.DOTALL):
        text = match.group()
        if not text.startswith("#"):
            continue
        start = match.start()
        line += code.count("\n", seen, start)
        line_start = max(line_start, code.rfind("\n", seen, start) + 1)
        line_start = max(line_start, code.rfind("\r", seen, start) + 1)
        seen = start
        if not code[line_start:start].strip():
            found.append((line, text))
    return found


def drop_lines(code: str, numbers: list[int]) -> str:
    """Return *code* without the given 1-based lines."""
    skip = set(numbers)
    return "".join(line for n, line in enumerate(source_lines(code), 1) if n not in skip)


def _ipython_message(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("%%"):
        what = f'cell magic "{stripped.split()[0]}"'
    elif stripped.startswith("%"):
        what = f'IPython magic "{stripped.split()[0]}"'
    elif stripped.startswith("!"):
        what = f'shell command "{stripped}"'
    elif "?" in stripped and "=" not in stripped:
        what = f'IPython help "{stripped}"'
    else:
        what = f'IPython syntax "{stripped}"'
    return f"{what} cannot be exported; {DROP_MAGICS_FIX}"


_FUNCTION_ONLY: dict[type[ast.AST], str] = {
    ast.Return: "'return'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield from'",
    ast.Await: "'await'",
    ast.AsyncFor: "'async for'",
    ast.AsyncWith: "'async with'",
}


def outside_function(tree: ast.Module) -> tuple[int, str] | None:
    """Return the first statement or expression only a function may hold (line, what),
    found outside any: the cell parses, and IPython runs top-level ``await``, but Python
    refuses to compile a module holding it."""
    found: list[tuple[int, str]] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        what = _FUNCTION_ONLY.get(type(node))
        if what is not None:
            found.append((getattr(node, "lineno", 1), what))
            continue
        stack.extend(ast.iter_child_nodes(node))
    return min(found) if found else None


def public_names(tree: ast.Module) -> list[str]:
    """Return the public top-level names *tree* binds, in order, plus those in ``_all_``.

    Counts defs, classes and assignment targets (also nested tuple unpacking, annotated and
    augmented assignments) at top level or inside top-level ``if``/``try`` blocks; skips
    ``_private`` names and functions patched onto a class with fastcore's ``@patch`` (as
    nbdev does: a decorator whose name starts with ``patch``).
    """
    names: dict[str, None] = {}  # ordered, and a set: a cell may bind thousands of names
    for node in _top_level(tree.body):
        for name in _bound_names(node):
            if not name.startswith("_"):
                names.setdefault(name, None)
    for name in _all_names(tree):
        names.setdefault(name, None)
    return list(names)


def defined_names(tree: ast.Module) -> list[str]:
    """Return the public top-level names *tree* (re)binds, for the checks that compare cells.

    Like ``public_names`` without the names ``_all_`` lists (``_all_`` adds a name to
    ``__all__``, it defines nothing) and without functions whose decorator adds to what a
    name holds rather than replacing it (``extends_name``).
    """
    names: dict[str, None] = {}  # in order, each once (a list would be quadratic)
    for node in _top_level(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and extends_name(node):
            continue
        for name in _bound_names(node):
            if not name.startswith("_"):
                names.setdefault(name, None)
    return list(names)


def extends_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Tell whether a decorator leaves the function's name to what it held before.

    fastcore's ``@patch`` / ``@patch_to`` / ``@patch_property`` add a method to a class;
    ``@overload``, ``@typedispatch`` and ``@dispatch`` add a case under the same name;
    ``@f.register`` (``functools.singledispatch``) adds a case to ``f``. None of them
    replaces the object the package exports under that name.
    """
    if _is_patch(node):
        return True
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "register":
            return True
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in _EXTENDING_DECORATORS:
            return True
    return False


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    found: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            found.extend(_top_level(node.body) + _top_level(node.orelse))
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            inner = list(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                inner.extend(handler.body)
            inner.extend(node.orelse + node.finalbody)  # type: ignore[attr-defined]
            found.extend(_top_level(inner))
        else:
            found.append(node)
    return found


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [] if _is_patch(node) else [node.name]
    if isinstance(node, ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [name for target in node.targets for name in _target_names(target)]
    if isinstance(node, ast.AnnAssign):
        # A bare annotation (`x: int`) binds nothing; in __all__ it would break `import *`.
        return _target_names(node.target) if node.value is not None else []
    if isinstance(node, ast.AugAssign):
        return _target_names(node.target)
    return []


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _is_patch(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in _PATCH_DECORATORS:
            return True
        # nbdev leaves out of __all__ every function whose decorator's name starts "patch"
        if isinstance(target, ast.Name) and target.id.startswith("patch"):
            return True
    return False


def _all_names(tree: ast.Module) -> list[str]:
    """Return the names listed in nbdev's ``_all_ = [...]`` (strings or bare names)."""
    names: list[str] = []
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, (ast.List, ast.Tuple)):
            continue
        if not any(isinstance(t, ast.Name) and t.id == "_all_" for t in node.targets):
            continue
        for element in node.value.elts:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                names.append(element.value)
            elif isinstance(element, ast.Name):
                names.append(element.id)
    return names


def split_future_imports(code: str, tree: ast.Module) -> tuple[list[str], str]:
    """Take top-level ``from __future__`` imports out of *code*; return (names, the rest)."""
    futures: list[str] = []
    drop: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__" and node.level == 0:
            futures.extend(alias.name for alias in node.names)
            drop.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    if not drop:
        return [], code
    rest = "".join(line for n, line in enumerate(source_lines(code), 1) if n not in drop)
    return futures, rest.lstrip("\n")


ImportRef = tuple[int, str, tuple[str, ...]]  # (level, module, names); names empty for `import`


def import_time_imports(tree: ast.Module) -> tuple[ImportRef, ...]:
    """Return the imports that run when a module is imported: top level, or in if/try there.

    Imports under ``if TYPE_CHECKING:`` and inside functions and classes do not run then.
    """
    found: list[ImportRef] = []
    for node in _import_time_statements(tree.body):
        if isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", tuple(a.name for a in node.names)))
        else:
            found.extend((0, alias.name, ()) for alias in node.names)
    return tuple(found)


def _import_time_statements(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node.test):
            found.extend(_import_time_statements(node.body + node.orelse))
        elif isinstance(node, ast.Try):
            inner = node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                inner = inner + handler.body
            found.extend(_import_time_statements(inner))
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )
