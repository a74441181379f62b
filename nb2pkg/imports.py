"""Rewrite imports of the project's own package between notebook form and package form.

A notebook runs outside its package, so it imports the package absolutely
(``from acme.core import x``); the exported module imports it relatively
(``from .core import x``). ``to_package_imports`` makes such imports relative and
``to_notebook_imports`` turns them back, at any nesting depth, keeping every other byte.

Decisions:

- ``import acme.core as c`` becomes ``from . import core as c``. In a statement importing
  several names, each aliased name of the own package becomes its own ``from`` statement
  on the same line and the other names keep their order: ``import os, acme.core as c`` →
  ``import os; from . import core as c``.
- ``import acme``, ``import acme.core`` and ``import acme as a`` stay: they bind the name of
  the package itself, which no relative import can do.
- The inverse restores the notebook's exact statement when ``original`` holds a statement
  whose package form is the one being reversed (copies are used in order; once used up,
  the last is reused). Otherwise it writes ``from acme.core import x``; so without
  ``original`` an ``import acme.core as c``, or a relative import written in the notebook
  itself, comes back in that form.
- Relative imports reaching above the top-level package are left alone.

For speed, code is never parsed whole unless needed. A regular-expression scan finds the
import statements outside strings and comments; plain one-line forms are rewritten by
pattern and the rest with libcst. When the scan is unsure (an unclosed quote, or a found
text that is not one import statement) the code is parsed with ``ast`` instead, which
raises ``ValueError`` if it is not valid Python. Callers check syntax first: a syntax
error away from the rewritten imports may go unnoticed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

Span = tuple[int, int]  # where one import statement is in the code
Edit = tuple[int, int, str]  # a span and the text that replaces it


@dataclass(frozen=True)
class ImportContext:
    """Where exported code lives: the top-level package and a dotted module inside it."""

    package: str  # e.g. "acme"
    module: str  # e.g. "core", "sub.inner", "__init__", "sub.__init__"

    @property
    def package_path(self) -> tuple[str, ...]:
        """Return the package that holds the module, e.g. ("acme", "sub") for "sub.inner"."""
        # An __init__ module is the last part of its own package's path, so dropping the
        # last part is right for plain modules and __init__ modules alike.
        return (self.package, *self.module.split(".")[:-1])


def to_package_imports(code: str, ctx: ImportContext) -> str:
    """Make absolute imports of the own package in `code` relative to `ctx.module`."""
    if ctx.package not in code or not _patterns(ctx.package)[0].search(code):
        return code
    edits = _package_edits(code, ctx)
    return _splice(code, [edit for edit in edits if edit[2] != code[edit[0] : edit[1]]])


def to_notebook_imports(code: str, ctx: ImportContext, original: str | None = None) -> str:
    """Make relative imports in `code` absolute again, as `original` wrote them if given.

    When `original` cannot be read (an IPython line with a lone quote, say), the canonical
    form is used instead of failing.
    """
    if not _RELATIVE.search(code):
        return code
    restorer = _Restorer.of(original, ctx)

    def plan(spans: list[Span]) -> list[Edit] | None:
        edits: list[Edit] = []
        pending: list[Span] = []
        used: Counter[str] = Counter()
        i = 0
        while i < len(spans):
            count, text = restorer.match(code, spans, i, used)
            if count:
                edits.append((spans[i][0], spans[i + count - 1][1], text))
                i += count
                continue
            if _RELATIVE.match(code, *spans[i]):
                pending.append(spans[i])
            i += 1
        absolute = _rewrite_statements(code, pending, ctx, _quick_absolute, _absolute_form)
        return None if absolute is None else sorted(edits + absolute)

    return _splice(code, _plan_edits(code, plan))


@dataclass(frozen=True)
class _Restorer:
    """The notebook's own statements, keyed by their package form."""

    originals: dict[str, tuple[str, ...]]
    longest: int  # most statements one package form spans (a split import spans several)

    @classmethod
    def of(cls, original: str | None, ctx: ImportContext) -> _Restorer:
        """Collect every statement of `original` that the export changes or keeps relative."""
        found: dict[str, list[str]] = {}
        if original is not None and (ctx.package in original or _RELATIVE.search(original)):
            try:
                edits = _package_edits(original, ctx)
            except ValueError:
                # A cell may hold IPython lines that export drops; then nothing is restored
                # and the canonical form is used, rather than failing the whole sync.
                edits = []
            for start, end, key in edits:
                found.setdefault(key, []).append(original[start:end])
        longest = max((key.count(";") + 1 for key in found), default=0)
        return cls({key: tuple(texts) for key, texts in found.items()}, longest)

    def match(self, code: str, spans: list[Span], i: int, used: Counter[str]) -> tuple[int, str]:
        """Return how many statements from `spans[i]` an original replaces, and its text."""
        for count in range(min(self.longest, len(spans) - i), 0, -1):
            key = code[spans[i][0] : spans[i + count - 1][1]]
            texts = self.originals.get(key)
            if texts is not None:
                used[key] += 1
                return count, texts[min(used[key], len(texts)) - 1]
        return 0, ""


def _package_edits(code: str, ctx: ImportContext) -> list[Edit]:
    """Plan the package form of each own-package import; relative ones map to themselves."""
    own = _patterns(ctx.package)[0]

    def plan(spans: list[Span]) -> list[Edit] | None:
        wanted = [span for span in spans if own.search(code, *span)]
        edits = _rewrite_statements(code, wanted, ctx, _quick_relative, _relative_form)
        kept = [(s, e, code[s:e]) for s, e in spans if _RELATIVE.match(code, s, e)]
        return None if edits is None else sorted(edits + kept)

    return _plan_edits(code, plan)


def _plan_edits(code: str, plan: Callable[[list[Span]], list[Edit] | None]) -> list[Edit]:
    """Run `plan` on the scanned import statements, or on parsed ones if the scan misled."""
    spans = _scan_imports(code)
    edits = None if spans is None else plan(spans)
    if edits is None:
        edits = plan(_parse_imports(code))
    if edits is None:
        raise ValueError("the code's import statements cannot be parsed")
    return edits


def _splice(code: str, edits: list[Edit]) -> str:
    """Return `code` with each span replaced by its text; `edits` are in order."""
    pieces: list[str] = []
    last = 0
    for start, end, text in edits:
        pieces += [code[last:start], text]
        last = end
    pieces.append(code[last:])
    return "".join(pieces)


# ---- finding import statements --------------------------------------------------------

# Lookbehinds come after the leading word so that the search can skip ahead to that word.
_RELATIVE = re.compile(r"from(?<![\w.]from)(?:\s|\\)*\.")
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Strings, comments and backslash continuations are consumed whole so that text inside
# them is never taken for a statement; `from`/`import` count only right after a line
# break, `;` or `:` (a one-line `if x: import y`), where nothing but a statement can start.
# (A Python 3.12 f-string nesting its own quotes reads as several strings; the code between
# them could only be misread if it began a line with `from` or `import`.)
_TOKENS = re.compile(
    r"""
      (?:\A|[\r\n;:])[ \t\f]*(?:\\(?:\r\n|\r|\n)[ \t\f]*)*(?P<keyword>from|import)\b
    | \\(?:\r\n|\r|\n)? | [^\#'"\\\r\n;:]+ | [\r\n;:] | \#[^\r\n]*
    | '''(?:[^'\\]|\\(?:\r\n|.)|'(?!''))*''' | \"\"\"(?:[^"\\]|\\(?:\r\n|.)|"(?!""))*\"\"\"
    | '(?:[^'\\\r\n]|\\(?:\r\n|.))*' | "(?:[^"\\\r\n]|\\(?:\r\n|.))*"
    | (?P<unclosed>['"])
    """,
    re.VERBOSE | re.DOTALL,
)
# An import statement has no strings; its only brackets hold the names of a `from` import,
# where comments may sit. It ends at a line break, `;` or a comment outside them. A comment
# runs to the end of its line: read one way only, the match stays linear.
_EXTENT = re.compile(
    r"(?:[^\\\r\n;#()'\"]|\\(?:\r\n|\r|\n))*(?:\((?:[^()'\"#]|#[^\r\n]*(?![^\r\n]))*\))?"
)


def _scan_imports(code: str) -> list[Span] | None:
    """Find import statements with a regular-expression scan; None if unsure."""
    spans = []
    for token in _TOKENS.finditer(code):
        if token.lastgroup == "unclosed":
            return None
        if token.lastgroup == "keyword":
            start = token.start("keyword")
            extent = _EXTENT.match(code, start)
            assert extent is not None  # the pattern matches the empty string too
            spans.append((start, start + len(extent.group().rstrip(" \t\f\\\r\n"))))
    return spans


def _parse_imports(code: str) -> list[Span]:
    """Find import statements by parsing the whole code with ast."""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError) as error:
        raise ValueError(f"not valid Python: {error}") from error
    nodes: list[ast.stmt] = []
    stack: list[ast.AST] = [tree]
    while stack:
        parent = stack.pop()
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(parent, field, ()):
                (nodes if isinstance(child, (ast.Import, ast.ImportFrom)) else stack).append(child)
    starts = [0] + [match.end() for match in _NEWLINE.finditer(code)] + [len(code)]

    def offset(line: int, column: int) -> int:
        # ast counts columns in UTF-8 bytes
        text = code[starts[line - 1] : starts[line]]
        return starts[line - 1] + len(text.encode()[:column].decode())

    return sorted(
        (offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset))
        for node in nodes
        if node.end_lineno is not None and node.end_col_offset is not None
    )


# ---- rewriting statements ---------------------------------------------------------------


Quick = Callable[[str, ImportContext], "str | None"]
Full = Callable[["cst.BaseSmallStatement", ImportContext], "list[cst.BaseSmallStatement] | None"]


def _rewrite_statements(
    code: str, spans: list[Span], ctx: ImportContext, quick: Quick, full: Full
) -> list[Edit] | None:
    """Plan new text for the statements in `spans`; None if one is not an import statement.

    `quick` rewrites plain one-line forms by pattern, or gives None; `full` uses libcst.
    """
    edits: list[Edit] = []
    slow: list[Span] = []
    for start, end in spans:
        text = quick(code[start:end], ctx)
        if text is None:
            slow.append((start, end))
        elif text != code[start:end]:
            edits.append((start, end, text))
    if not slow:
        return edits
    import libcst as cst

    try:
        # One parse for all statements: each is complete in itself, so they can be lines.
        module = cst.parse_module("\n".join(code[start:end] for start, end in slow))
    except cst.ParserSyntaxError:
        return None
    if len(module.body) != len(slow):
        return None
    for (start, end), line in zip(slow, module.body):
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return None
        changed = full(line.body[0], ctx)
        if changed is not None:
            edits.append((start, end, "; ".join(module.code_for_node(n) for n in changed)))
    return sorted(edits)


_NAMES = r"(?:\*|\w+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*\w+(?:[ \t]+as[ \t]+\w+)?)*)"
_PLAIN_RELATIVE = re.compile(
    rf"from(?P<gap>[ \t]+)(?P<dots>\.+)(?P<module>\w+(?:\.\w+)*)?(?P<rest>[ \t]+import[ \t]+{_NAMES})"
)


@cache
def _patterns(package: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Compile the patterns for imports of `package`.

    They match: text that every import the export rewrites contains; a plain
    `from acme.core import x, y as z`; a plain `import acme.core as c`.
    """
    name = re.escape(package)
    dotted = rf"{name}(?<![\w.]{name})(?:\s|\\)*\.(?:\s|\\)*\w+(?:(?:\s|\\)*\.(?:\s|\\)*\w+)*"
    return (
        re.compile(rf"from(?<![\w.]from)(?:\s|\\)+{name}(?!\w)|{dotted}(?:\s|\\)+as(?!\w)"),
        re.compile(
            rf"from(?P<gap>[ \t]+)(?P<module>{name}(?:\.\w+)*)(?P<rest>[ \t]+import[ \t]+{_NAMES})"
        ),
        re.compile(
            rf"import(?P<gap>[ \t]+)(?P<module>{name}(?:\.\w+)+)(?P<rest>[ \t]+as[ \t]+\w+)"
        ),
    )


def _quick_relative(text: str, ctx: ImportContext) -> str | None:
    """Return the package form of a plain one-line import; None for other forms."""
    _, plain_from, plain_import = _patterns(ctx.package)
    if found := plain_from.fullmatch(text):
        dots, rest = _relative_path(tuple(found["module"].split(".")), ctx.package_path)
        return f"from{found['gap']}{'.' * dots}{'.'.join(rest)}{found['rest']}"
    if found := plain_import.fullmatch(text):
        *parent, last = found["module"].split(".")
        dots, rest = _relative_path(tuple(parent), ctx.package_path)
        return f"from {'.' * dots}{'.'.join(rest)} import{found['gap']}{last}{found['rest']}"
    return None


def _quick_absolute(text: str, ctx: ImportContext) -> str | None:
    """Return the notebook form of a plain one-line relative import; None for other forms."""
    if not (found := _PLAIN_RELATIVE.fullmatch(text)):
        return None
    module = tuple(found["module"].split(".")) if found["module"] else ()
    target = _absolute_path(len(found["dots"]), module, ctx.package_path)
    return text if target is None else f"from{found['gap']}{'.'.join(target)}{found['rest']}"


def _relative_form(
    node: cst.BaseSmallStatement, ctx: ImportContext
) -> list[cst.BaseSmallStatement] | None:
    """Return the package form of an absolute import of the own package, else None."""
    import libcst as cst

    if isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None:
        target = _dotted(node.module)
        if target[0] != ctx.package:
            return None
        dots, rest = _relative_path(target, ctx.package_path)
        return [node.with_changes(relative=[cst.Dot()] * dots, module=_name_node(rest))]
    if not isinstance(node, cst.Import):
        return None
    parts: list[cst.BaseSmallStatement] = []
    kept: list[cst.ImportAlias] = []
    for alias in node.names:
        target = _dotted(alias.name)
        if alias.asname is None or len(target) < 2 or target[0] != ctx.package:
            kept.append(alias)
            continue
        if kept:
            parts.append(_import_only(node, kept))
            kept = []
        dots, rest = _relative_path(target[:-1], ctx.package_path)
        name = alias.with_changes(name=cst.Name(target[-1]), comma=cst.MaybeSentinel.DEFAULT)
        parts.append(
            cst.ImportFrom(
                module=_name_node(rest),
                names=[name],
                relative=[cst.Dot()] * dots,
                whitespace_after_import=node.whitespace_after_import,
            )
        )
    if parts and kept:
        parts.append(_import_only(node, kept))
    return parts or None


def _import_only(node: cst.Import, names: list[cst.ImportAlias]) -> cst.Import:
    """Return `node` importing only `names`, with no comma after the last one."""
    import libcst as cst

    last = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(names=[*names[:-1], last])


def _absolute_form(
    node: cst.BaseSmallStatement, ctx: ImportContext
) -> list[cst.BaseSmallStatement] | None:
    """Return the notebook form of a relative import inside the package, else None."""
    import libcst as cst

    if not isinstance(node, cst.ImportFrom) or not node.relative:
        return None
    module = _dotted(node.module) if node.module else ()
    target = _absolute_path(len(node.relative), module, ctx.package_path)
    if target is None:
        return None
    # `from.core` and `from .import x` are valid, but a name needs space on both sides
    gaps = {
        field: getattr(node, field) if getattr(node, field).value else cst.SimpleWhitespace(" ")
        for field in ("whitespace_after_from", "whitespace_before_import")
    }
    return [node.with_changes(relative=[], module=_name_node(target), **gaps)]


def _relative_path(target: tuple[str, ...], here: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
    """Return the dots and the names of the shortest way from package `here` to `target`."""
    common = 0
    while common < min(len(target), len(here)) and target[common] == here[common]:
        common += 1
    return len(here) - common + 1, target[common:]


def _absolute_path(
    dots: int, names: tuple[str, ...], here: tuple[str, ...]
) -> tuple[str, ...] | None:
    """Resolve `dots` and `names` against package `here`; None above the top-level package."""
    up = dots - 1
    return None if up >= len(here) else here[: len(here) - up] + names


def _dotted(name: cst.BaseExpression) -> tuple[str, ...]:
    """Return the parts of a dotted name such as `acme . core`."""
    from libcst.helpers import get_full_name_for_node

    full = get_full_name_for_node(name)
    assert full is not None  # an import names only names and attributes
    return tuple(full.split("."))


def _name_node(parts: tuple[str, ...]) -> cst.Attribute | cst.Name | None:
    """Build the libcst node of a dotted name; None for no parts."""
    import libcst as cst

    node: cst.Attribute | cst.Name | None = None
    for part in parts:
        node = cst.Name(part) if node is None else cst.Attribute(value=node, attr=cst.Name(part))
    return node
