"""The notebook reader and writer: Jupyter's layout round-trips byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.notebook import dumps_notebook, notebook_with_ids, parse_notebook
from tests.projects import make_notebook

SOURCES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=60
)
CELLS = st.lists(st.tuples(st.sampled_from(["code", "markdown"]), SOURCES), max_size=8)


@settings(max_examples=200, deadline=None)
@given(cells=CELLS)
def test_jupyter_layout_round_trips(cells: list[tuple[str, str]]) -> None:
    data = nbformat.writes(make_notebook(cells)).encode()
    notebook = parse_notebook(data, Path("nbs/x.ipynb"), "nbs/x.ipynb")
    assert not notebook.needs_ids
    assert dumps_notebook(notebook.raw, like=data).encode() == data
    assert [c.source for c in notebook.cells] == [text for _, text in cells]


@settings(max_examples=100, deadline=None)
@given(cells=CELLS, indent=st.sampled_from([1, 2, 4]), sort=st.booleans())
def test_other_layouts_round_trip(cells: list[tuple[str, str]], indent: int, sort: bool) -> None:
    raw = json.loads(nbformat.writes(make_notebook(cells)))
    if not sort:
        raw = dict(reversed(list(raw.items())))
    data = (json.dumps(raw, indent=indent, sort_keys=sort, ensure_ascii=False) + "\n").encode()
    notebook = parse_notebook(data, Path("nbs/x.ipynb"), "nbs/x.ipynb")
    assert dumps_notebook(notebook.raw, like=data).encode() == data


@settings(max_examples=100, deadline=None)
@given(cells=CELLS)
def test_assigned_ids_are_deterministic_and_valid(cells: list[tuple[str, str]]) -> None:
    data = nbformat.writes(make_notebook(cells, ids=False)).encode()
    first = parse_notebook(data, Path("nbs/x.ipynb"), "nbs/x.ipynb")
    second = parse_notebook(data, Path("nbs/x.ipynb"), "nbs/x.ipynb")
    assert [c.id for c in first.cells] == [c.id for c in second.cells]
    assert len({c.id for c in first.cells}) == len(first.cells)
    written = nbformat.reads(notebook_with_ids(first, data), as_version=4)
    nbformat.validate(written)
    assert [c.id for c in written.cells] == [c.id for c in first.cells]


def test_sources_as_strings_or_lists() -> None:
    raw = json.loads(nbformat.writes(make_notebook(["#| export\nx = 1\n", "y"])))
    raw["cells"][0]["source"] = "#| export\nx = 1\n"
    notebook = parse_notebook(json.dumps(raw).encode(), Path("a"), "a")
    assert notebook.cells[0].source == "#| export\nx = 1\n"
    assert notebook.cells[0].body == "x = 1\n"
    assert notebook.cells[1].source == "y"


def test_utf8_bom_is_accepted() -> None:
    data = b"\xef\xbb\xbf" + nbformat.writes(make_notebook(["x = 1"])).encode()
    assert parse_notebook(data, Path("a"), "a").cells[0].source == "x = 1"
