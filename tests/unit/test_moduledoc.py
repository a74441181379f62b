"""Module docstrings as nbdev builds them: one case per rule, and literals that read back."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.moduledoc import (
    DocRules,
    DocStyle,
    docs_url,
    docstring_literal,
    fenced,
    module_docstring,
)
from nb2pkg.notebook import Notebook, parse_notebook
from nb2pkg.plan import make_plan
from tests.projects import CellSpec, make_notebook

NBS = Path("/project/nbs")
NBDEV3 = DocRules()
NBDEV2 = DocRules(DocStyle.NBDEV2)
WITH_URL = DocRules(DocStyle.NBDEV3, "https://ada.github.io/acme", NBS)


def notebook(*cells: CellSpec, relpath: str = "nbs/00_core.ipynb") -> Notebook:
    data = nbformat.writes(make_notebook(cells)).encode()
    return parse_notebook(data, Path("/project") / relpath, relpath)


def md(text: str) -> CellSpec:
    return ("markdown", text)


# cells of the notebook → the docstring nbdev 3 writes (None: no docstring)
NBDEV3_CASES: dict[str, tuple[list[CellSpec], str | None]] = {
    "title and one-line summary": ([md("# Core\n> Greeting people.")], "Greeting people."),
    "every summary line, the title left out": (
        [md("# Core\n\n> First line,\n> second line.\n\nNot the summary.")],
        "First line,\nsecond line.",
    ),
    "only the first run of summary lines": (
        [md("# Core\n> one\n\n> two")],
        "one",
    ),
    "leading > and spaces stripped as nbdev does": ([md("# Core\n> > quoted  ")], "quoted"),
    "a title alone gives no docstring": ([md("# Core")], None),
    "no title: no docstring, even with exported markdown": (
        [md("#| export\nSome words."), "#| exportd\nf()"],
        None,
    ),
    "the title is the first markdown cell starting with '# '": (
        [md("Intro text."), md("## Section\n> not a title"), md("# Core\n> The summary.")],
        "The summary.",
    ),
    "leading blank lines before the title are skipped": (
        [md("\n\n# Core\n> After blanks.")],
        "After blanks.",
    ),
    "markdown marked export joins, without its directive": (
        [md("# Core\n> Summary."), md("#| export\n## Usage\n\nCall it."), md("Not exported.")],
        "Summary.\n\n## Usage\n\nCall it.",
    ),
    "markdown marked exportd joins too": (
        [md("# Core\n> Summary."), md("#|exportd\nMore.")],
        "Summary.\n\nMore.",
    ),
    "markdown export: false does not": (
        [md("# Core\n> Summary."), md("#| export: false\nHidden.")],
        "Summary.",
    ),
    "exportd code is fenced": (
        [md("# Core\n> Summary."), "#| exportd\nf(1)\n"],
        "Summary.\n\n```python\nf(1)\n```",
    ),
    "a fence longer than the backticks inside": (
        [md("# Core\n> S."), '#| exportd\nprint("```")'],
        'S.\n\n````python\nprint("```")\n````',
    ),
    "exportd to another module is not in this one": (
        [md("# Core\n> Summary."), "#| exportd other\nf()"],
        "Summary.",
    ),
    "no summary, but exported markdown": (
        [md("# Core"), md("#| export\nDetails.")],
        "Details.",
    ),
    "parts in notebook order": (
        [md("# Core\n> S."), "#| exportd\na()", md("#| export\nB."), "#| exportd\nc()"],
        "S.\n\n```python\na()\n```\n\nB.\n\n```python\nc()\n```",
    ),
}


@pytest.mark.parametrize("case", sorted(NBDEV3_CASES))
def test_nbdev3_rules(case: str) -> None:
    cells, expected = NBDEV3_CASES[case]
    assert module_docstring(notebook(*cells), NBDEV3) == expected


NBDEV2_CASES: dict[str, tuple[list[CellSpec], str | None]] = {
    "the first summary line only": ([md("# Core\n> one\n> two")], "one"),
    "a title alone": ([md("# Core")], None),
}


@pytest.mark.parametrize("case", sorted(NBDEV2_CASES))
def test_nbdev2_rule(case: str) -> None:
    cells, expected = NBDEV2_CASES[case]
    assert module_docstring(notebook(*cells), NBDEV2) == expected


@pytest.mark.parametrize(
    ("relpath", "url"),
    [
        ("nbs/00_core.ipynb", "https://ada.github.io/acme/core.html.md"),
        ("nbs/index.ipynb", "https://ada.github.io/acme/index.html.md"),
        ("nbs/sub/02a_Deep.ipynb", "https://ada.github.io/acme/sub/deep.html.md"),
        ("nbs/sub/x_y.ipynb", "https://ada.github.io/acme/sub/x_y.html.md"),
        ("other/00_core.ipynb", None),
    ],
)
def test_docs_url_names_the_page_as_nbdev(relpath: str, url: str | None) -> None:
    assert docs_url(WITH_URL, Path("/project") / relpath) == url


def test_docs_url_joins_the_docstring_only_with_a_title() -> None:
    titled = notebook(md("# Core"))
    assert module_docstring(titled, WITH_URL) == "Docs: https://ada.github.io/acme/core.html.md"
    summary = notebook(md("# Core\n> S."))
    assert module_docstring(summary, WITH_URL) == (
        "S.\n\nDocs: https://ada.github.io/acme/core.html.md"
    )
    assert module_docstring(notebook(md("No title.")), WITH_URL) is None


def test_exportd_to_another_module_goes_into_its_docstring() -> None:
    owner = notebook(md("# Util\n> Helpers."), "#| default_exp util", relpath="nbs/01_util.ipynb")
    sender = notebook(
        "#| default_exp core", "#| export\nx = 1", "#| exportd util\nuse(x)", relpath="nbs/c.ipynb"
    )
    plan = make_plan("acme", Path("/project/acme"), [owner, sender])
    util = plan.module("util")
    core = plan.module("core")
    assert util is not None and core is not None
    assert util.title == "Helpers.\n\n```python\nuse(x)\n```"
    assert core.title is None


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("Plain.", '"""Plain."""'),
        ("Two\nlines.", '"""Two\nlines."""'),
        ("A path C:\\Users", 'r"""A path C:\\Users"""'),
        ('Ends with a quote"', '"""Ends with a quote\\""""'),
        ('Holds """ inside', '"""Holds \\"\\"\\" inside"""'),
        ("Ends with a backslash\\", '"""Ends with a backslash\\\\"""'),
        ("Bell \x07 char", '"""Bell \\x07 char"""'),
    ],
)
def test_docstring_literal(text: str, literal: str) -> None:
    assert docstring_literal(text) == literal
    assert ast.literal_eval(literal) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_every_docstring_literal_reads_back(text: str) -> None:
    literal = docstring_literal(text)
    tree = ast.parse(literal + "\n")
    assert ast.get_docstring(tree, clean=False) == text


@given(st.text(max_size=40))
def test_fenced_text_never_closes_early(text: str) -> None:
    block = fenced(text, "python")
    fence = block.split("\n", 1)[0].removesuffix("python")
    assert set(fence) == {"`"} and len(fence) >= 3
    assert fence not in text
