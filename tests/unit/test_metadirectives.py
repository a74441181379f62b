"""Directives in notebook and cell metadata, read as nbdev reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nb2pkg.directives import export_kind
from nb2pkg.errors import NotebookError
from nb2pkg.notebook import Notebook, parse_notebook
from nb2pkg.plan import make_plan

LIB = Path("/project/acme")


def read(cells: list[Any], metadata: dict[str, Any] | None = None) -> Notebook:
    nb = new_notebook(cells=cells)
    if metadata is not None:
        nb.metadata["nbdev"] = metadata
    nbformat.validate(nb)
    return parse_notebook(nbformat.writes(nb).encode(), Path("/project/nbs/a.ipynb"), "nbs/a.ipynb")


def code(source: str, nbdev: Any = None) -> Any:
    cell = new_code_cell(source)
    if nbdev is not None:
        cell.metadata["nbdev"] = nbdev
    return cell


# cell metadata "nbdev" mapping and source → what export_kind reads
CELL_CASES: dict[str, tuple[str, Any, tuple[str, str | None] | None]] = {
    'export "true" is a bare export': ("x = 1", {"export": "true"}, ("export", None)),
    "a module name as value": ("x = 1", {"export": "util"}, ("export", "util")),
    "exporti": ("x = 1", {"exporti": "true"}, ("exporti", None)),
    "exports": ("x = 1", {"exports": ""}, ("exports", None)),
    "JSON true": ("x = 1", {"export": True}, ("export", None)),
    "JSON false: not exported": ("x = 1", {"export": False}, None),
    'the string "false": not exported': ("x = 1", {"export": "false"}, None),
    "the comment wins over metadata": (
        "#| export other\nx = 1",
        {"export": "util"},
        ("export", "other"),
    ),
    "comment and metadata of different names both count": (
        "#| hide\nx = 1",
        {"export": "true"},
        ("export", None),
    ),
    "other keys are passed through": ("x = 1", {"hide": "true"}, None),
    "an empty mapping": ("x = 1", {}, None),
}


@pytest.mark.parametrize("case", sorted(CELL_CASES))
def test_cell_metadata(case: str) -> None:
    source, nbdev, expected = CELL_CASES[case]
    notebook = read([code(source, nbdev)])
    assert export_kind(notebook.cells[0].directives) == expected


def test_metadata_directives_stand_on_no_line() -> None:
    notebook = read([code("x = 1", {"export": "true"})])
    (directive,) = notebook.cells[0].directives
    assert directive.line == 0
    assert notebook.where(notebook.cells[0], directive.line).line is None
    assert notebook.cells[0].body == "x = 1"  # the source is untouched


def test_notebook_default_exp_goes_to_the_first_code_cell() -> None:
    notebook = read(
        [new_markdown_cell("# Title"), code("import os"), code("#| export\nx = 1")],
        {"default_exp": "util"},
    )
    names = [[d.name for d in cell.directives] for cell in notebook.cells]
    assert names == [[], ["default_exp"], ["export"]]
    plan = make_plan("acme", LIB, [notebook])
    assert [m.name for m in plan.modules] == ["util"]
    assert [c.code for c in plan.modules[0].chunks] == ["x = 1"]


def test_a_cell_default_exp_wins_over_the_notebook_metadata() -> None:
    notebook = read([code("x = 0"), code("#| default_exp core")], {"default_exp": "util"})
    assert [m.name for m in make_plan("acme", LIB, [notebook]).modules] == ["core"]


def test_notebook_metadata_without_code_cells_is_harmless() -> None:
    notebook = read([new_markdown_cell("# Title")], {"default_exp": "util"})
    assert make_plan("acme", LIB, [notebook]).modules == ()


def test_notebook_front_matter_of_other_types_is_passed_over() -> None:
    notebook = read([code("x = 1")], {"categories": ["a", "b"], "order": 3})
    assert notebook.cells[0].directives == ()


def test_markdown_cell_metadata_directives_are_read() -> None:
    cell = new_markdown_cell("Some docs.")
    cell.metadata["nbdev"] = {"export": "true"}
    notebook = read([cell])
    assert [d.name for d in notebook.cells[0].directives] == ["export"]


@pytest.mark.parametrize(
    ("nbdev", "message"),
    [
        ({"export": 1}, 'the value of "export" must be a string'),
        ({"default_exp": None}, 'the value of "default_exp" must be a string'),
        ({"exportd": ["x"]}, 'the value of "exportd" must be a string'),
        (["export"], 'metadata "nbdev" must map directive names to strings'),
    ],
)
def test_bad_metadata_is_a_located_error(nbdev: Any, message: str) -> None:
    with pytest.raises(NotebookError, match=message) as info:
        read([code("x = 0"), code("x = 1", nbdev)])
    where = info.value.where
    assert where is not None and (where.file, where.cell_index) == ("nbs/a.ipynb", 1)
