"""Tests for the import rewrite pair: data cases both ways, then property tests."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from importlib.util import resolve_name
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.imports import ImportContext, to_notebook_imports, to_package_imports
from tests.casefiles import read_case_file

CASES = Path(__file__).parent.parent / "data" / "imports"


@dataclass(frozen=True)
class Case:
    """One before/after pair read from tests/data/imports (format in its README)."""

    ctx: ImportContext
    notebook: str
    package: str
    canonical: str


def load_case(path: Path) -> Case:
    """Read a case file: header lines, then `=== name` sections."""
    pairs, text = read_case_file(path)
    header = dict(pairs)
    ctx = ImportContext(header.get("package", "acme"), header["module"])
    canonical = text.get("notebook without original", text["notebook"])
    return Case(ctx, text["notebook"], text["package"], canonical)


CASE_FILES = sorted(CASES.glob("*.txt"))


def test_there_are_enough_cases() -> None:
    assert len(CASE_FILES) >= 25


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: path.stem)
def test_case_to_package(path: Path) -> None:
    case = load_case(path)
    assert to_package_imports(case.notebook, case.ctx) == case.package


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: path.stem)
def test_case_to_notebook_with_original(path: Path) -> None:
    case = load_case(path)
    assert to_notebook_imports(case.package, case.ctx, original=case.notebook) == case.notebook


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: path.stem)
def test_case_to_notebook_without_original(path: Path) -> None:
    case = load_case(path)
    assert to_notebook_imports(case.package, case.ctx) == case.canonical


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: path.stem)
def test_case_package_form_is_stable(path: Path) -> None:
    case = load_case(path)
    assert to_package_imports(case.package, case.ctx) == case.package


# ---- behaviour that data cases cannot show ------------------------------------------------

MOD = ImportContext("acme", "mod")
INNER = ImportContext("acme", "sub.inner")


@pytest.mark.parametrize(
    ("module", "path"),
    [
        ("core", ("acme",)),
        ("__init__", ("acme",)),
        ("sub.inner", ("acme", "sub")),
        ("sub.__init__", ("acme", "sub")),
        ("a.b.c", ("acme", "a", "b")),
    ],
)
def test_package_path(module: str, path: tuple[str, ...]) -> None:
    assert ImportContext("acme", module).package_path == path


def test_canonical_inverse_of_aliased_submodule() -> None:
    assert to_notebook_imports("from . import core as c\n", MOD) == "from acme import core as c\n"
    assert to_notebook_imports("from .. import x\n", INNER) == "from acme import x\n"
    assert to_notebook_imports("from ...x import y\n", INNER) == "from ...x import y\n"


def test_inverse_falls_back_to_canonical_for_edited_statements() -> None:
    original = "import acme.core as c\n"
    edited = "from . import core as core_module\n"
    assert to_notebook_imports(edited, MOD, original) == "from acme import core as core_module\n"


def test_inverse_uses_originals_in_order_then_reuses_the_last() -> None:
    original = "from acme import core as c\nimport acme.core as c\n"
    module = "from . import core as c\n" * 3
    expected = "from acme import core as c\nimport acme.core as c\nimport acme.core as c\n"
    assert to_notebook_imports(module, MOD, original) == expected


def test_inverse_keeps_unchanged_statements_around_edits() -> None:
    original = "import acme.core as c\nx = 1\n"
    module = "from . import core as c\nx = 2\nfrom .data import y\n"
    expected = "import acme.core as c\nx = 2\nfrom acme.data import y\n"
    assert to_notebook_imports(module, MOD, original) == expected


def test_inverse_restores_a_split_statement_whole() -> None:
    original = "if True:\n    import os, acme.core as c, sys\n"
    module = to_package_imports(original, MOD)
    assert module == "if True:\n    import os; from . import core as c; import sys\n"
    assert to_notebook_imports(module, MOD, original) == original


def test_inverse_reads_originals_with_ipython_lines() -> None:
    original = "%time import acme.core as c\nimport acme.data as d\n"
    module = "from . import data as d\n"
    assert to_notebook_imports(module, MOD, original) == "import acme.data as d\n"


def test_inverse_falls_back_to_canonical_for_unreadable_originals() -> None:
    original = "!echo it's\nimport acme.core as c\n"
    module = "from . import core as c\n"
    assert to_notebook_imports(module, MOD, original) == "from acme import core as c\n"


def test_crlf_line_endings_survive() -> None:
    code = "from acme.core import (\r\n    x,\r\n)\r\nimport acme.data as d\r\n"
    package = to_package_imports(code, INNER)
    assert package == "from ..core import (\r\n    x,\r\n)\r\nfrom .. import data as d\r\n"
    assert to_notebook_imports(package, INNER, code) == code


@pytest.mark.parametrize(
    "code",
    [
        "from acme.core import (x\n",  # unclosed bracket
        "s = 'unclosed\nfrom acme import y\n",  # unclosed string
        "from acme.core import x y\n",  # the import itself is broken
    ],
)
def test_invalid_code_that_must_be_parsed_raises_value_error(code: str) -> None:
    with pytest.raises(ValueError):
        to_package_imports(code, MOD)


def test_libcst_is_imported_only_when_needed() -> None:
    script = (
        "import sys\n"
        "from nb2pkg.imports import ImportContext, to_package_imports, to_notebook_imports\n"
        "ctx = ImportContext('acme', 'core')\n"
        "assert to_package_imports('import os\\nx = 1\\n', ctx) == 'import os\\nx = 1\\n'\n"
        "assert to_notebook_imports('from os import path\\n', ctx) == 'from os import path\\n'\n"
        "assert 'libcst' not in sys.modules, 'libcst imported'\n"
        "to_package_imports('from acme.x import (y)\\n', ctx)\n"
        "assert 'libcst' in sys.modules\n"
    )
    root = Path(__file__).parent.parent.parent
    subprocess.run([sys.executable, "-c", script], check=True, cwd=root)


# ---- properties -----------------------------------------------------------------------------

PARTS = st.sampled_from(["core", "sub", "inner", "x", "data", "acme"])
NAMES = st.sampled_from(["a", "b", "helper", "Thing"])
ALIASES = st.sampled_from(["c", "m", "y", "alias", "ü"])
# Mostly plain spaces, sometimes odd but valid spacing, a tab or a backslash continuation.
GAPS = st.sampled_from([" "] * 6 + ["  ", "\t", " \\\n        "])
OTHER_IMPORTS = [
    "import os",
    "import numpy as np",
    "from pathlib import Path",
    "import acmefoo.core as af",
    "from acme_x import thing",
    "import xacme.core as xc",
    "from foo.acme import bar",
    "import acme",
    "import acme.core",
    "import acme as top",
]
OTHER_CODE = [
    "value = 1",
    "text = 'from acme.core import x'",
    "# import acme.core as c",
    'doc = """\nfrom acme import y\n"""',
    "items = {'a': 1}; from os import sep",
]


@st.composite
def contexts(draw: st.DrawFn) -> ImportContext:
    parts = draw(st.lists(PARTS, max_size=2))
    last = draw(st.sampled_from(["core", "inner", "x", "__init__"]))
    return ImportContext("acme", ".".join([*parts, last]))


@st.composite
def own_from_imports(draw: st.DrawFn, top_level: bool) -> str:
    module = ".".join(["acme", *draw(st.lists(PARTS, max_size=3))])
    if top_level and draw(st.integers(0, 5)) == 0:
        return f"from {module} import *"
    pairs = draw(st.lists(st.tuples(NAMES, st.none() | ALIASES), min_size=1, max_size=3))
    names = [n if alias is None else f"{n}{draw(GAPS)}as {alias}" for n, alias in pairs]
    start = f"from{draw(GAPS)}{module}{draw(GAPS)}import{draw(GAPS)}"
    style = draw(st.sampled_from(["plain", "brackets", "lines"]))
    if style == "plain":
        return start + ", ".join(names)
    if style == "brackets":
        return start + f"({', '.join(names)})"
    listed = "".join(f"    {name},  # why {n}\n" for name, (n, _) in zip(names, pairs))
    return start + f"(\n{listed})"


@st.composite
def own_plain_imports(draw: st.DrawFn) -> str:
    module = ".".join(["acme", *draw(st.lists(PARTS, min_size=1, max_size=3))])
    alias = f"{draw(GAPS)}as{draw(GAPS)}{draw(ALIASES)}"
    form = draw(st.sampled_from(["alias", "bare", "several"]))
    if form == "alias":
        return f"import{draw(GAPS)}{module}{alias}"
    if form == "bare":
        return f"import {module}"
    return f"import os,{draw(GAPS)}{module}{alias}, sys"


def relative_imports() -> st.SearchStrategy[str]:
    dots = st.integers(1, 4).map(lambda n: "." * n)
    return st.builds(
        lambda d, m, n: f"from {d}{m} import {n}", dots, st.sampled_from(["", "x"]), NAMES
    )


def statements(top_level: bool) -> st.SearchStrategy[str]:
    return st.one_of(
        own_from_imports(top_level),
        own_plain_imports(),
        relative_imports(),
        st.sampled_from(OTHER_IMPORTS),
        st.sampled_from(OTHER_CODE),
    )


def indented(text: str, level: int) -> str:
    return "".join("    " * level + line + "\n" for line in text.split("\n"))


@st.composite
def blocks(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["top", "def", "if", "try", "class", "one line", "semicolons"]))
    if kind == "top":
        return indented(draw(statements(top_level=True)), 0)
    simple = statements(top_level=False).filter(lambda s: "\n" not in s and "#" not in s)
    if kind == "one line":
        return f"if flag: {draw(simple)}\n"
    if kind == "semicolons":
        return "; ".join(draw(st.lists(simple, min_size=2, max_size=3))) + "\n"
    nested = draw(st.lists(statements(top_level=False), max_size=3))
    body = "".join(indented(s, 1) for s in [*nested, "pass"])
    if kind == "def":
        return "def f():\n" + body
    if kind == "if":
        return "if flag:\n" + body + "else:\n    pass\n"
    if kind == "try":
        return "try:\n" + body + "except ImportError:\n" + body
    return "class K:\n" + body


def codes() -> st.SearchStrategy[str]:
    return st.lists(blocks(), min_size=1, max_size=6).map("".join)


def bindings(code: str, ctx: ImportContext) -> list[tuple[str, str, str | None]]:
    """List what each import binds: (name, absolute module, attribute taken from it)."""
    package = ".".join(ctx.package_path)
    nodes = [n for n in ast.walk(ast.parse(code)) if isinstance(n, (ast.Import, ast.ImportFrom))]
    found: list[tuple[str, str, str | None]] = []
    for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parent, _, last = alias.name.rpartition(".")
                if alias.asname:
                    found.append((alias.asname, parent, last))
                else:
                    found.append((alias.name.split(".")[0], alias.name, None))
            continue
        base = "." * node.level + (node.module or "")
        if node.level:
            try:
                base = resolve_name(base, package)
            except ImportError:
                pass  # above the top-level package: left as written on both sides
        found += [(alias.asname or alias.name, base, alias.name) for alias in node.names]
    return found


def absolute_own_imports(code: str, ctx: ImportContext) -> list[str]:
    """Return the own-package imports that the package form should not have."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found += [ast.unparse(node)] if node.module.split(".")[0] == ctx.package else []
        if isinstance(node, ast.Import):
            found += [
                ast.unparse(node)
                for alias in node.names
                if alias.asname and alias.name.startswith(ctx.package + ".")
            ]
    return found


PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@PROPERTY
@given(codes(), contexts())
def test_round_trip_with_original(code: str, ctx: ImportContext) -> None:
    package = to_package_imports(code, ctx)
    assert to_notebook_imports(package, ctx, original=code) == code


@PROPERTY
@given(codes(), contexts())
def test_package_form_is_valid_relative_and_imports_the_same(code: str, ctx: ImportContext) -> None:
    package = to_package_imports(code, ctx)
    assert absolute_own_imports(package, ctx) == []
    assert bindings(package, ctx) == bindings(code, ctx)
    assert to_package_imports(package, ctx) == package


@PROPERTY
@given(codes(), contexts())
def test_round_trip_without_original(code: str, ctx: ImportContext) -> None:
    notebook = to_notebook_imports(to_package_imports(code, ctx), ctx)
    assert bindings(notebook, ctx) == bindings(code, ctx)
    nodes = list(ast.walk(ast.parse(code)))
    relative = [n for n in nodes if isinstance(n, ast.ImportFrom) and n.level]
    submodule_aliases = [
        alias
        for n in nodes
        if isinstance(n, ast.Import)
        for alias in n.names
        if alias.asname and alias.name.startswith("acme.")
    ]
    if not relative and not submodule_aliases:
        assert notebook == code


@PROPERTY
@given(codes())
def test_scan_finds_what_the_parser_finds(code: str) -> None:
    from nb2pkg.imports import _parse_imports, _scan_imports

    assert _scan_imports(code) == _parse_imports(code)


@PROPERTY
@given(
    st.one_of(own_from_imports(top_level=True), own_plain_imports(), relative_imports()), contexts()
)
def test_pattern_rewrites_agree_with_libcst(statement: str, ctx: ImportContext) -> None:
    from nb2pkg import imports

    def no_quick(text: str, ctx: ImportContext) -> None:
        return None

    whole = [(0, len(statement))]
    quick = imports._rewrite_statements(
        statement, whole, ctx, imports._quick_relative, imports._relative_form
    )
    full = imports._rewrite_statements(statement, whole, ctx, no_quick, imports._relative_form)
    assert quick == full
    package = to_package_imports(statement, ctx)
    whole = [(0, len(package))]
    quick = imports._rewrite_statements(
        package, whole, ctx, imports._quick_absolute, imports._absolute_form
    )
    full = imports._rewrite_statements(package, whole, ctx, no_quick, imports._absolute_form)
    assert quick == full
