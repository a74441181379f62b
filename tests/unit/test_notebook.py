"""The notebook reader and writer: Jupyter's layout round-trips byte for byte."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell

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


JUPYTER = {"indent": 1, "sort_keys": True, "ensure_ascii": False, "separators": (",", ": ")}


def _edit_notebook(raw: dict[str, Any], data: st.DataObject) -> None:
    """Make random edits of the kinds sync and export make, in place."""
    cells = raw["cells"]
    for _ in range(data.draw(st.integers(1, 3))):
        action = data.draw(st.sampled_from(["source", "insert", "delete", "metadata", "output"]))
        if action == "insert" or not cells:
            cell = new_code_cell(data.draw(SOURCES))
            cell["id"] = f"new{len(cells)}"
            cell["source"] = cell["source"].splitlines(keepends=True)
            cells.insert(data.draw(st.integers(0, len(cells))), json.loads(json.dumps(cell)))
            continue
        cell = cells[data.draw(st.integers(0, len(cells) - 1))]
        if action == "source":
            cell["source"] = data.draw(SOURCES).splitlines(keepends=True)
        elif action == "delete":
            cells.remove(cell)
        elif action == "metadata":
            key, value = data.draw(st.sampled_from([("tags", ["x"]), ("editable", False)]))
            cell["metadata"][key] = value
        elif cell["cell_type"] == "code":
            cell["outputs"].append({"name": "stdout", "output_type": "stream", "text": ["hi\n"]})


@settings(max_examples=200, deadline=None)
@given(cells=CELLS, data=st.data())
def test_edits_of_a_jupyter_notebook_give_what_jupyter_writes(
    cells: list[tuple[str, str]], data: st.DataObject
) -> None:
    original = (nbformat.writes(make_notebook(cells)) + "\n").encode()
    raw = json.loads(original)
    _edit_notebook(raw, data)
    written = dumps_notebook(raw, like=original)
    assert written == json.dumps(raw, **JUPYTER) + "\n"  # byte for byte what Jupyter writes
    nbformat.validate(nbformat.reads(written, as_version=4))


def _layouts() -> dict[str, bytes]:
    nb = make_notebook(["#| export\nx = 'café'\n", ("markdown", "# Title"), "y = 1E5"], ids=False)
    raw = json.loads(nbformat.writes(nb))
    raw["metadata"]["widths"] = [1e5, 2.5e-3]
    plain = json.dumps(raw, **JUPYTER) + "\n"
    unsorted = dict(reversed(list(raw.items())))
    unsorted["cells"] = [dict(reversed(list(c.items()))) for c in raw["cells"]]
    return {
        "jupyter": plain.encode(),
        "crlf": plain.replace("\n", "\r\n").encode(),
        "tabs": (json.dumps(raw, indent="\t", sort_keys=True) + "\n").encode(),
        "minified": json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode(),
        "unsorted": (json.dumps(unsorted, indent=2, ensure_ascii=False) + "\n").encode(),
        "escapes": (json.dumps(raw, indent=1, sort_keys=True, ensure_ascii=True) + "\n").encode(),
        "numbers": plain.replace("100000.0", "1E5").replace("0.0025", "2.5e-3").encode(),
        "bom": b"\xef\xbb\xbf" + plain.encode(),
    }


@pytest.mark.parametrize("layout", sorted(_layouts()))
def test_ids_are_added_without_rewriting_the_rest(layout: str) -> None:
    original = _layouts()[layout]
    notebook = parse_notebook(original, Path("nbs/x.ipynb"), "nbs/x.ipynb")
    assert notebook.needs_ids
    written = notebook_with_ids(notebook, original).encode()
    read = nbformat.reads(written.decode("utf-8-sig"), as_version=4)
    nbformat.validate(read)
    assert [c.id for c in read.cells] == [c.id for c in notebook.cells]
    assert written.startswith(b"\xef\xbb\xbf") == (layout == "bom")
    if layout == "minified":
        assert written.count(b"\n") == 0
        return
    before = original.decode("utf-8").splitlines(keepends=True)
    after = written.decode("utf-8").splitlines(keepends=True)
    hunks = [
        (before[i1:i2], after[j1:j2])
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after).get_opcodes()
        if tag != "equal"
    ]
    ids = [(old, new) for old, new in hunks if any('"id": ' in line for line in new)]
    assert len(ids) == 3 and len(hunks) == 4
    for old, new in ids:
        # A key added after the last one (unsorted cells) puts a comma on the line before:
        # JSON has no trailing commas. Sorted cells get the id line alone.
        assert len(new) == 1 + len(old) and (not old or new[0] == old[0].replace("\n", ",\n"))
    (minor,) = [(old, new) for old, new in hunks if (old, new) not in ids]
    assert [line.replace("4", "5") for line in minor[0]] == minor[1]
    ending = b"\r\n" if layout == "crlf" else b"\n"
    assert all(line.endswith(ending.decode()) for line in after[:-1])
