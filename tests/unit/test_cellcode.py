"""Facts about cell code: __all__ names, IPython lines, syntax errors, future imports."""

from __future__ import annotations

import ast

import pytest

from nb2pkg.cellcode import (
    defined_names,
    extends_name,
    find_code_issue,
    public_names,
    split_future_imports,
)

NAMES_CASES = [
    ("def f(): pass", ["f"]),
    ("async def g(): pass", ["g"]),
    ("class A: pass", ["A"]),
    ("x = 1", ["x"]),
    ("a, (b, c) = 1, (2, 3)", ["a", "b", "c"]),
    ("[d, *e] = [1, 2, 3]", ["d", "e"]),
    ("x = y = 2", ["x", "y"]),
    ("n: int = 3", ["n"]),
    ("m: int", []),  # a bare annotation binds nothing
    ("total += 1", ["total"]),
    ("_private = 1\ndef _helper(): pass", []),
    ("if True:\n    p = 1\nelse:\n    q = 2", ["p", "q"]),
    (
        "try:\n    import json\n    r = 1\nexcept ImportError:\n    s = 2\nfinally:\n    t = 3",
        ["r", "s", "t"],
    ),
    ("@patch\ndef method(self: A): pass", []),
    ("@patch_to(A)\ndef method(self): pass", []),
    ("@fastcore.basics.patch\ndef method(self: A): pass", []),
    ("@patch(as_prop=True)\ndef prop(self: A): pass", []),
    ("@patch_property\ndef size(self: A): pass", []),
    ("@patchify\ndef odd(): pass", []),  # nbdev: any decorator name starting "patch"
    ("@overload\ndef parse(x: int) -> int: ...", ["parse"]),  # in __all__, as nbdev
    ("@functools.cache\ndef cached(): pass", ["cached"]),
    ("_all_ = ['hidden_name', 'other']\n_hidden_name = 1", ["hidden_name", "other"]),
    ("import os\nfrom json import dumps", []),
    ("for i in range(3): pass", []),
    ("def f(): pass\ndef f(): pass", ["f"]),
    ("obj.attr = 1\nd['k'] = 2", []),
    ("with open('x') as fh: pass", []),
]


@pytest.mark.parametrize(("code", "expected"), NAMES_CASES)
def test_public_names(code: str, expected: list[str]) -> None:
    assert public_names(ast.parse(code)) == expected


ISSUE_CASES = [
    ("x = 1\n", None),
    ("%timeit f()\n", (1, "ipython", '"%timeit"')),
    ("import os\n!ls -la\n", (2, "ipython", "shell command")),
    ("files = !ls\n", (1, "ipython", "IPython syntax")),
    ("x = %time f()\n", (1, "ipython", "IPython syntax")),
    ("%%writefile out.txt\nhello\n", (1, "ipython", "cell magic")),
    ("len?\n", (1, "ipython", "help")),
    ("def f(:\n    pass\n", (1, "syntax", "syntax error")),
    ("x = (1 +\n", (1, "syntax", "syntax error")),
    ("x = 1\ny = (a\n% b)\n", None),  # valid Python: % continues an expression
]


@pytest.mark.parametrize(("code", "expected"), ISSUE_CASES)
def test_find_code_issue(code: str, expected: tuple[int, str, str] | None) -> None:
    issue = find_code_issue(code)
    if expected is None:
        assert issue is None
        return
    assert issue is not None
    line, kind, fragment = expected
    assert (issue.line, issue.kind) == (line, kind)
    assert fragment in issue.message


def test_nul_bytes_are_a_syntax_issue_not_a_crash() -> None:
    issue = find_code_issue("x = 1\0\n")
    assert issue is not None and issue.kind == "syntax"


def test_split_future_imports() -> None:
    code = "from __future__ import annotations\nimport os\nx: list[int] = []\n"
    futures, rest = split_future_imports(code, ast.parse(code))
    assert futures == ["annotations"]
    assert rest == "import os\nx: list[int] = []\n"


# code → names it (re)binds for the checks: `_all_` lists define nothing, extending
# decorators (@patch, @overload, @typedispatch, @dispatch, @f.register) rebind nothing
DEFINED_CASES = [
    ("def f(): pass\nx = 1", ["f", "x"]),
    ("_all_ = ['f', 'g']", []),
    ("def f(): pass\n_all_ = ['f', '_h']", ["f"]),
    ("@patch\ndef g(self: A): pass", []),
    ("@overload\ndef p(x: int) -> int: ...", []),
    ("@typing.overload\ndef p(x: int) -> int: ...", []),
    ("@typedispatch\ndef r(x: int): pass", []),
    ("@dispatch(int)\ndef q(x): pass", []),
    ("@show.register\ndef show(x: int): pass", []),
    ("@show.register(int)\ndef show_int(x): pass", []),
    ("@functools.cache\ndef cached(): pass", ["cached"]),
    ("@register\ndef plain(): pass", ["plain"]),  # a plain function named register rebinds
    ("class A: pass", ["A"]),
]


@pytest.mark.parametrize(("code", "expected"), DEFINED_CASES)
def test_defined_names(code: str, expected: list[str]) -> None:
    assert defined_names(ast.parse(code)) == expected


@pytest.mark.parametrize(
    ("code", "extends"),
    [
        ("@patch\ndef f(self: A): pass", True),
        ("@fastcore.basics.patch_to(A)\ndef f(self): pass", True),
        ("@overload\ndef f(): ...", True),
        ("@f.register\ndef _(x: int): pass", True),
        ("@staticmethod\ndef f(): pass", False),
        ("def f(): pass", False),
    ],
)
def test_extends_name(code: str, extends: bool) -> None:
    node = ast.parse(code).body[0]
    assert isinstance(node, ast.FunctionDef)
    assert extends_name(node) is extends
