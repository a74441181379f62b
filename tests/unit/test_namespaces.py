"""Tables for nb2pkg.modulefacts and nb2pkg.namespaces: what modules bind, statically."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.modulefacts import module_facts
from nb2pkg.namespaces import Kind, Namespaces, locate_source, relative_target

# source → (names that must be bound, literal __all__ or None, computed?, stars, dynamic?)
FACTS = {
    "plain bindings": (
        "import os.path, json as j\nfrom a import b, c as d\nx = y = 1\n(p, [q, *r]) = 1, [2, 3]\n"
        "n: int = 1\nm: int\nk += 1\ndef f(): pass\nasync def g(): pass\nclass C: pass\n",
        {"os", "j", "b", "d", "x", "y", "p", "q", "r", "n", "k", "f", "g", "C"},
        None,
        False,
        (),
        False,
    ),
    "conditional and loop bindings, not function bodies": (
        "if X:\n    a = 1\nelse:\n    from m import b\ntry:\n    import c\nexcept ImportError as e:\n    c = None\n"
        "for i in []:\n    pass\nwith open('f') as fh:\n    pass\nwhile (w := 0):\n    pass\ndef f():\n    hidden = 1\n",
        {"a", "b", "c", "e", "i", "fh", "w", "f"},
        None,
        False,
        (),
        False,
    ),
    "global inside a function": ("def f():\n    global G\n    G = 1\n", {"f", "G"}, None, False, (), False),
    "literal __all__ built in steps": (
        "__all__ = ['a'] + ['b']\n__all__ += ('c',)\n__all__.extend(['d'])\n__all__.append('e')\n",
        {"__all__"},
        ("a", "b", "c", "d", "e"),
        False,
        (),
        False,
    ),
    "computed __all__": ("from . import core\n__all__ = core.__all__ + ['x']\n", {"core"}, (), True, (), False),
    "star imports in order": ("from .a import *\nif X:\n    from b.c import *\n", set(), None, False, ((1, "a"), (0, "b.c")), False),
    "module __getattr__": ("def __getattr__(name):\n    return name\n", {"__getattr__"}, None, False, (), True),
    "globals() writes": ("for n in 'ab':\n    globals()[n] = 1\n", {"n"}, None, False, (), True),
    "globals().update": ("globals().update(x=1)\n", set(), None, False, (), True),
    "globals() read only": ("x = globals().get('y')\n", {"x"}, None, False, (), False),
    "exec at module level": ("exec('y = 1')\n", set(), None, False, (), True),
}


@pytest.mark.parametrize("case", sorted(FACTS))
def test_module_facts(case: str) -> None:
    source, bound, all_names, computed, stars, dynamic = FACTS[case]
    facts = module_facts(source)
    assert bound <= facts.bindings, bound - facts.bindings
    assert "hidden" not in facts.bindings
    assert facts.all_names == all_names
    assert facts.all_computed == computed
    assert facts.stars == stars
    assert (facts.dynamic is not None) == dynamic


def test_public_names_leave_out_underscores() -> None:
    assert module_facts("_a = 1\nb = 2\nimport _c, d\n").public() == {"b", "d"}


@pytest.mark.parametrize(
    ("importer", "package", "name", "level", "expected"),
    [
        ("acme.core", False, "util", 1, "acme.util"),
        ("acme.sub.inner", False, "", 1, "acme.sub"),
        ("acme.sub.inner", False, "x", 2, "acme.x"),
        ("acme.sub", True, "inner", 1, "acme.sub.inner"),
        ("acme", True, "core", 1, "acme.core"),
        ("acme.core", False, "", 2, None),
        ("acme.core", False, "numpy", 0, "numpy"),
    ],
)
def test_relative_target(
    importer: str, package: bool, name: str, level: int, expected: str | None
) -> None:
    assert relative_target(importer, package, name, level) == expected


def test_locate_source_never_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    (site / "noisy").mkdir(parents=True)
    marker = tmp_path / "imported"
    (site / "noisy" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nfrom .part import *\nfrom ._hidden import secret\n"
    )
    (site / "noisy" / "part.py").write_text("__all__ = ['shown']\nshown = 1\nnot_listed = 2\n")
    (site / "noisy" / "_hidden.py").write_text("secret = 1\n")
    (site / "nsonly" / "portion").mkdir(parents=True)  # a namespace package
    (site / "nsonly" / "portion" / "mod.py").write_text("value = 1\n")
    monkeypatch.syspath_prepend(str(site))
    namespaces = Namespaces("acme", tmp_path / "project" / "acme", [], tmp_path / "project")
    star = namespaces.star("noisy")
    assert star.names == {"shown", "secret"}
    assert namespaces.star("noisy.part").names == {"shown"}
    assert namespaces.star("nsonly").names == frozenset()
    assert namespaces.star("nsonly.portion.mod").names == {"value"}
    assert not marker.exists() and "noisy" not in sys.modules


@pytest.mark.parametrize(
    ("module", "readable", "words"),
    [
        ("typing", True, ""),
        ("os.path", True, ""),  # an alias set by os at import time
        ("json.decoder", True, ""),
        ("sys", False, "compiled into Python"),
        ("math", False, "compiled module"),
        ("surely_not_installed_xyz", False, "not installed where nb2pkg runs"),
        ("json.nope", False, "not installed where nb2pkg runs"),
    ],
)
def test_locate_source(module: str, readable: bool, words: str) -> None:
    path, _, why = locate_source(module, [p for p in sys.path if p])
    assert (path is not None) == readable
    assert words in why


def test_stdlib_star_names_follow_all() -> None:
    namespaces = Namespaces("acme", Path("/nonexistent/acme"), [])
    typing = namespaces.star("typing").names
    assert typing is not None and {"Optional", "Any", "TYPE_CHECKING"} <= typing
    assert "sys" not in typing  # imported by typing, but not in its __all__
    blind = namespaces.star("os")
    assert blind.names is None and "posix" in blind.reason


def test_own_modules_planned_hand_written_folders_and_stale(tmp_path: Path) -> None:
    lib = tmp_path / "acme"
    (lib / "io").mkdir(parents=True)
    (lib / "helpers.py").write_text("from .core import *\nimport os\n_x = 1\ndef util(): pass\n")
    (lib / "io" / "readers.py").write_text("def read(): pass\n")
    (lib / "stale.py").write_text("# Generated by nb2pkg from nbs/x.ipynb: edit the notebook\nX = 1\n")
    (lib / "_fast.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\0")
    namespaces = Namespaces("acme", lib, ["core", "sub.deep"], tmp_path)
    namespaces.add("core", '__all__ = ["f"]\n\ndef f(): pass\ndef _g(): pass\n', ["f"])
    namespaces.add("sub.deep", "__all__ = []\n", [])
    kinds = {
        name: namespaces.kind(name)
        for name in ("acme", "acme.core", "acme.helpers", "acme.io", "acme.io.readers", "acme.sub", "acme.stale", "acme._fast", "acme.nope")
    }
    assert kinds == {
        "acme": Kind.FOLDER,
        "acme.core": Kind.PLANNED,
        "acme.helpers": Kind.HAND_WRITTEN,
        "acme.io": Kind.FOLDER,
        "acme.io.readers": Kind.HAND_WRITTEN,
        "acme.sub": Kind.FOLDER,
        "acme.stale": Kind.MISSING,  # generated earlier, no notebook makes it: export removes it
        "acme._fast": Kind.COMPILED,
        "acme.nope": Kind.MISSING,
    }
    assert namespaces.star("acme.helpers").names == {"f", "os", "util"}
    assert namespaces.star("acme.core").names == {"f"}
    assert all(namespaces.provides("acme.core", n) for n in ("f", "_g"))
    assert not namespaces.provides("acme.core", "h")
    assert namespaces.provides("acme", "io") and namespaces.provides("acme.sub", "deep")
    assert namespaces.provides("acme._fast", "anything")  # compiled: cannot tell, so yes
    assert namespaces.star("acme.nope").missing


def test_star_import_cycles_end(tmp_path: Path) -> None:
    lib = tmp_path / "acme"
    lib.mkdir()
    (lib / "a.py").write_text("from .b import *\nA = 1\n")
    (lib / "b.py").write_text("from .a import *\nB = 1\n")
    namespaces = Namespaces("acme", lib, [], tmp_path)
    assert namespaces.star("acme.a").names == {"A", "B"}


def test_source_with_encoding_cookie(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "latin.py").write_bytes(
        textwrap.dedent("# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n").encode("latin-1")
    )
    monkeypatch.syspath_prepend(str(site))
    assert Namespaces("acme", tmp_path / "acme", []).star("latin").names == {"name"}


# What the static reading says `import *` binds is what Python binds, for modules built
# from unconditional statements (conditional ones are counted on every branch on purpose).
_NAMES = st.sampled_from(["a", "b", "_c", "d_e", "F", "_G"])
_STATEMENTS = st.one_of(
    _NAMES.map(lambda n: f"{n} = 1"),
    _NAMES.map(lambda n: f"def {n}():\n    return 1"),
    _NAMES.map(lambda n: f"class {n}:\n    pass"),
    _NAMES.map(lambda n: f"from os.path import join as {n}"),
    st.just("import json"),
    st.just("import os.path"),
    st.just("from collections import *"),
    st.tuples(_NAMES, _NAMES).map(lambda p: f"{p[0]}, {p[1]} = 1, 2"),
    _NAMES.map(lambda n: f"for {n} in range(2):\n    pass"),
)
_ALL = st.one_of(
    st.none(),
    st.lists(_NAMES, max_size=3).map(lambda names: f"__all__ = {names!r}"),
    st.lists(_NAMES, max_size=2).map(lambda names: f"__all__ = []\n__all__ += {names!r}"),
)


@settings(max_examples=60, deadline=None)
@given(body=st.lists(_STATEMENTS, min_size=1, max_size=6), all_line=_ALL)
def test_static_star_names_match_python(body: list[str], all_line: str | None) -> None:
    import importlib
    import tempfile

    lines = list(body)
    if all_line:
        names_in_all = re.findall(r"'(\w+)'", all_line)
        lines += [f"{n} = 0" for n in names_in_all]  # names in __all__ must exist
        lines.append(all_line)
    source = "\n".join(lines) + "\n"
    with tempfile.TemporaryDirectory() as folder:
        name = f"hyp_{abs(hash(source))}"
        Path(folder, f"{name}.py").write_text(source)
        sys.path.insert(0, folder)
        try:
            static = Namespaces("acme", Path("/nonexistent/acme"), []).star(name).names
            namespace: dict[str, object] = {}
            exec(f"from {name} import *", namespace)  # the test may run code; nb2pkg never does
        finally:
            sys.path.remove(folder)
            sys.modules.pop(name, None)
            importlib.invalidate_caches()
    assert static == set(namespace) - {"__builtins__"}
