"""The NB101 analysis as export runs it: on the trees rendering made, stars resolved after.

Two equivalences keep the faster path honest, over random modules:

- analysing a module from its parts (the head and each block parsed on their own, with
  their line offsets) reports exactly what analysing its whole text reports;
- analysing with every star import blind and resolving the star imports afterwards
  (``resolve_stars``) reports exactly what analysing with the star imports' names known
  up front reports.
"""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.hidden_state import analyse_parts, resolve_stars
from nb2pkg.namespaces import StarNames
from nb2pkg.plan import Chunk, ModulePlan
from nb2pkg.render import ExportOptions, export_chunk_tree, module_parts, render_module
from nb2pkg.scope import analyse_module

#: What each star import brings (None: nothing can see into it).
STARS = {
    "alpha": frozenset({"a", "shared"}),
    "beta": frozenset({"b", "shared"}),
    "gamma": None,
}

SNIPPETS = [
    "from alpha import *",
    "from beta import *",
    "from gamma import *",
    "x = a + 1",
    "y = b",
    "print(shared, unknown)",
    "def f():\n    return a + b + c + shared",
    "def g(v=b):\n    return missing",
    "class K:\n    z = a\n    def m(self):\n        return gone, shared",
    "c = 3",
    "values = [a for _ in range(2)]",
    "lam = lambda: (b, nowhere)",
    "try:\n    probe\nexcept NameError:\n    pass",
    "if a:\n    from beta import *\nelse:\n    w = 1",
    'text = """\nnot code: a\n"""',
    "async def h():\n    await thing(a)",
    "@decorate(a)\ndef d():\n    pass",
    "import os as a",
    "for item in b:\n    total = item",
    "del a",
    "del shared",
]

blocks = st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=8)


def _module(codes: list[str], futures: bool = False) -> tuple[str, list[tuple[ast.Module, int]]]:
    chunks = tuple(
        Chunk("nbs/m.ipynb", f"c{i:03d}", i, "export", code, 1, ()) for i, code in enumerate(codes)
    )
    if futures:
        chunks = (
            Chunk("nbs/m.ipynb", "fut", 99, "export", "from __future__ import annotations", 1, ()),
            *chunks,
        )
    plan = ModulePlan("m", Path("acme/m.py"), ("nbs/m.ipynb",), "The module.", chunks)
    made = [export_chunk_tree(c, "acme", "m", ExportOptions()) for c in chunks]
    rendered = render_module(plan, [block for block, _ in made])
    parts = module_parts(rendered, {i: tree for i, (_, tree) in enumerate(made)})
    assert parts is not None
    return rendered.text, parts


@settings(max_examples=300, deadline=None)
@given(codes=blocks, futures=st.booleans())
def test_parts_give_the_analysis_of_the_whole_text(codes: list[str], futures: bool) -> None:
    text, parts = _module(codes, futures)
    whole = analyse_module(text)
    assert analyse_module(text, parts=parts) == whole


def _star_table(name: str, level: int) -> frozenset[str] | None:
    return STARS.get(name) if level == 0 else None


@settings(max_examples=300, deadline=None)
@given(codes=blocks)
def test_resolving_stars_afterwards_gives_the_analysis_with_stars_known(codes: list[str]) -> None:
    text, parts = _module(codes)
    known = analyse_module(text, star_names=_star_table)
    found = {
        name: StarNames(names, "unknown" if names is None else "") for name, names in STARS.items()
    }
    uses, stars, deleted, error = analyse_parts(text, parts)
    assert error is None
    assert resolve_stars(uses, stars, found, deleted) == (
        known.undefined,
        known.blind_star_imports,
    )


def test_a_name_deleted_after_its_star_import_is_not_provided() -> None:
    codes = ["from alpha import *", "del a", "x = a + 1", "def f():\n    return a"]
    text, parts = _module(codes)
    found = {name: StarNames(names) for name, names in STARS.items()}
    uses, stars, deleted, error = analyse_parts(text, parts)
    assert error is None
    undefined, _ = resolve_stars(uses, stars, found, deleted)
    assert [(u.name, u.at_import) for u in undefined] == [("a", True), ("a", False)]
    assert undefined == analyse_module(text, star_names=_star_table).undefined


def test_a_block_whose_lines_moved_is_parsed_again() -> None:
    # Own-package imports are rewritten: the tree of the cell is not the block's tree.
    chunk = Chunk("nbs/m.ipynb", "c1", 1, "export", "from acme.core import f\nf()", 1, ())
    block, tree = export_chunk_tree(chunk, "acme", "m", ExportOptions())
    assert block.code.startswith("from .core import f")
    assert tree is None
    plain = Chunk("nbs/m.ipynb", "c2", 2, "export", "x = 1\n\n", 1, ())
    assert export_chunk_tree(plain, "acme", "m", ExportOptions())[1] is not None
