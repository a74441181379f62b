"""Static scope analysis: names a module uses where it has not bound them."""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.scope import ScopeReport, UndefinedName, analyse_module

DATA = Path(__file__).parent.parent / "data" / "scope"
EXPECT = re.compile(r"#\s*expect:(.*)$")
STAR_MODULES = {("core", 1): frozenset({"helper", "CONST"}), ("acme.util", 0): frozenset({"tool"})}


def resolve_star(module: str, level: int) -> frozenset[str] | None:
    """Stand in for the caller, which knows the own package's modules."""
    return STAR_MODULES.get((module, level))


def load_cases(name: str) -> list[tuple[str, str]]:
    """Split a data file into (title, code) pairs at its ``### title`` lines."""
    text = (DATA / name).read_text(encoding="utf-8")
    chunks = re.split(r"^### (.*)\n", text, flags=re.MULTILINE)[1:]
    return [(title, code) for title, code in zip(chunks[::2], chunks[1::2])]


def expected_uses(code: str) -> list[tuple[str, int, bool]]:
    """Read the ``# expect: name@import|call`` markers of a positive case."""
    found = []
    for number, line in enumerate(code.splitlines(), start=1):
        marker = EXPECT.search(line)
        for item in marker.group(1).split() if marker else []:
            name, _, when = item.partition("@")
            assert when in ("import", "call"), item
            found.append((name, number, when == "import"))
    return found


def analyse(code: str) -> ScopeReport:
    return analyse_module(code, star_names=resolve_star)


UNDEFINED = load_cases("undefined.txt")
CLEAN = load_cases("clean.txt")


def test_suites_are_large_enough() -> None:
    assert len(UNDEFINED) >= 25
    assert len(CLEAN) >= 40
    assert all(expected_uses(code) for _, code in UNDEFINED)


@pytest.mark.parametrize(("title", "code"), UNDEFINED, ids=[t for t, _ in UNDEFINED])
def test_reports_undefined_names(title: str, code: str) -> None:
    compile(code, title, "exec")  # the case itself must be valid Python
    report = analyse(code)
    assert [(u.name, u.line, u.at_import) for u in report.undefined] == expected_uses(code)


@pytest.mark.parametrize(("title", "code"), CLEAN, ids=[t for t, _ in CLEAN])
def test_reports_nothing_for_sound_code(title: str, code: str) -> None:
    compile(code, title, "exec")
    report = analyse(code)
    assert report.undefined == ()
    assert report.blind_star_imports == ()


def test_columns_are_one_based_characters() -> None:
    report = analyse_module("größe = 1; print(ünbekannt)\n\ndef f():\n    return missing\n")
    assert report.undefined == (
        UndefinedName("ünbekannt", 1, 18, at_import=True),
        UndefinedName("missing", 4, 12, at_import=False),
    )


def test_blind_star_import_flags_what_it_might_provide() -> None:
    code = (
        "early()\nfrom .helpers import *\nfrom pkg.mod import *\nlate()\ndef f():\n    return x\n"
    )
    report = analyse_module(code)
    assert report.blind_star_imports == ((".helpers", 2), ("pkg.mod", 3))
    flags = {(u.name, u.maybe_from_star) for u in report.undefined}
    assert flags == {("early", False), ("late", True), ("x", True)}


def test_star_names_gets_module_and_level() -> None:
    calls: list[tuple[str, int]] = []

    def record(module: str, level: int) -> frozenset[str]:
        calls.append((module, level))
        return frozenset({"made"})

    report = analyse_module("from ..up import *\nfrom . import *\nmade\n", star_names=record)
    assert calls == [("up", 2), ("", 1)]
    assert report.undefined == () and "made" in report.defined


def test_defined_lists_every_module_level_binding() -> None:
    code = """
import a.b
from c import d as e
if e:
    f = 1
else:
    g = 2
try:
    h = 3
except ImportError as err:
    pass
for i, (j, *k) in []:
    pass
with open(__file__) as fh:
    pass
[m := n for n in range(2)]
def func():
    global later
    later = 1
class Klass:
    attr = 1
x: int
"""
    expected = {"a", "e", "f", "g", "h", "err", "i", "j", "k", "fh", "m", "func", "later", "Klass"}
    assert analyse(code).defined == expected


def test_extra_defined_names_count_everywhere() -> None:
    code = "print(injected)\ndef f():\n    return injected\n"
    assert analyse_module(code, extra_defined=frozenset({"injected"})).undefined == ()


def test_name_defined_later_is_reported_and_listed_as_defined() -> None:
    report = analyse("print(later)\nlater = 1\n")
    assert [u.name for u in report.undefined] == ["later"]
    assert "later" in report.defined  # callers tell "defined too late" from "never defined"


def test_deep_expressions_do_not_exhaust_recursion() -> None:
    source = "total = " + " + ".join(["part"] * 2000) + "\nchain = frame" + ".f()" * 1000 + "\n"
    names = [u.name for u in analyse_module(source).undefined]
    assert names == ["part"] * 2000 + ["frame"]


def test_syntax_errors_propagate() -> None:
    with pytest.raises(SyntaxError):
        analyse_module("%time x = 1\n")


def test_collector_state_is_restored() -> None:
    assert gc.isenabled()
    analyse_module("x = 1\n")
    assert gc.isenabled()
    gc.disable()
    try:
        analyse_module("x = 1\n")
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- property: programs built from a small grammar --------------------------------------
# Each statement binds exactly one module name, n<index>. `{now}` runs at import time and
# may only use earlier names; `{later}` runs when a function is called and may use any.
TEMPLATES = [
    "{name} = ({now})",
    "def {name}(arg=({now})):\n    return arg, ({later})",
    "class {name}:\n    attr = ({now})\n\n    def method(self):\n        return self.attr, ({later})",
    "for {name} in [({now})]:\n    pass",
    "{name} = [item for item in [({now})] if item is not None]",
    "{name} = lambda value=({now}): (value, ({later}))",
    "if ({now}):\n    {name} = 1\nelse:\n    {name} = 2",
    "{name}: int = ({now})",
    "with contextlib.nullcontext(({now})) as {name}:\n    pass",
    "try:\n    {name} = ({now})\nexcept ValueError:\n    {name} = None",
    "({name} := ({now}))",
    "match ({now}):\n    case {name}:\n        pass",
    (
        "def {name}():\n    local = ({later})\n\n    def inner():\n"
        "        return local, ({later})\n\n    return inner"
    ),
    "{name} = {{key: ({now}) for key in range(2)}}",
    "def {name}():\n    global g_{name}\n    g_{name} = ({later})",
]


@dataclass(frozen=True)
class Statement:
    template: str
    index: int
    now: tuple[int, ...]
    later: tuple[int, ...]

    def render(self) -> str:
        def names(indexes: tuple[int, ...]) -> str:
            return ", ".join([*(f"n{i}" for i in indexes), "0"])

        return self.template.format(
            name=f"n{self.index}", now=names(self.now), later=names(self.later)
        )


@st.composite
def programs(draw: st.DrawFn) -> list[Statement]:
    count = draw(st.integers(min_value=1, max_value=8))
    statements = []
    for index in range(count):
        template = draw(st.sampled_from(TEMPLATES))
        earlier = st.integers(min_value=0, max_value=index - 1)
        now = draw(st.lists(earlier, max_size=3)) if index and "{now}" in template else []
        any_name = st.integers(min_value=0, max_value=count - 1)
        later = draw(st.lists(any_name, max_size=3)) if "{later}" in template else []
        statements.append(Statement(template, index, tuple(now), tuple(later)))
    return statements


def render(statements: list[Statement]) -> str:
    return "import contextlib\n\n" + "\n\n".join(s.render() for s in statements) + "\n"


@settings(max_examples=150, deadline=None)
@given(programs())
def test_programs_that_define_before_use_report_nothing(statements: list[Statement]) -> None:
    source = render(statements)
    exec(compile(source, "<generated>", "exec"), {})
    assert analyse_module(source).undefined == ()


@settings(max_examples=150, deadline=None)
@given(programs(), st.data())
def test_removing_a_definition_reports_exactly_that_name(
    statements: list[Statement], data: st.DataObject
) -> None:
    removed = data.draw(st.integers(min_value=0, max_value=len(statements) - 1))
    rest = [s for s in statements if s.index != removed]
    source = render(rest)
    expected = {(f"n{removed}", True) for s in rest if removed in s.now}
    expected |= {(f"n{removed}", False) for s in rest if removed in s.later}
    assert {(u.name, u.at_import) for u in analyse_module(source).undefined} == expected
    if any(at_import for _, at_import in expected):
        with pytest.raises(NameError, match=f"n{removed}"):
            exec(compile(source, "<generated>", "exec"), {})
