"""``nb2pkg clean``'s rules: what is removed, what is kept, and Jupyter's exact layout."""

from __future__ import annotations

import copy
import json
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from nb2pkg.clean import CleanOptions, clean_notebook, remove_paths
from nb2pkg.clean_io import clean_bytes
from nb2pkg.errors import NotebookError
from nb2pkg.nbjson import Layout, dumps_jupyter


def _run_notebook() -> Any:
    """A notebook as Jupyter leaves it after "Restart & Run All" (with every volatile key)."""
    code = new_code_cell(
        "#| export\ndef f():\n    return 1",
        execution_count=7,
        outputs=[
            new_output("stream", name="stdout", text="<Foo object at 0x7f3a2b1c>\n"),
            new_output(
                "execute_result",
                data={"text/plain": "<function f at 0x10ab>", "text/html": "<b>f</b>"},
                execution_count=7,
            ),
            new_output("display_data", data={"image/png": "iVBORw0KGgo=\n"}, metadata={"w": 1}),
        ],
    )
    code.metadata.update(
        {
            "tags": ["parameters", "keep-me"],
            "ExecuteTime": {"start_time": "2024-01-01T00:00:00", "end_time": "2024"},
            "execution": {"iopub.status.busy": "2024", "shell.execute_reply": "2024"},
            "collapsed": True,
            "scrolled": "auto",
            "jupyter": {"source_hidden": True, "outputs_hidden": False},
            "papermill": {"duration": 1.2, "status": "completed"},
            "slideshow": {"slide_type": "slide"},
            "heading_collapsed": True,
            "hidden": True,
        }
    )
    markdown = new_markdown_cell("# Title\n![x](attachment:x.png)")
    markdown.attachments = {"x.png": {"image/png": "iVBORw0KGgo=\n"}}
    markdown.metadata["ExecuteTime"] = {"start_time": "x"}
    widget = new_code_cell(
        "slider",
        execution_count=8,
        outputs=[
            new_output(
                "display_data",
                data={"application/vnd.jupyter.widget-view+json": {"model_id": "abc"}},
            ),
            new_output(
                "display_data",
                data={
                    "application/vnd.jupyter.widget-view+json": {"model_id": "def"},
                    "text/plain": "IntSlider(value=0)",
                },
            ),
        ],
    )
    nb = new_notebook(cells=[markdown, code, widget, new_raw_cell("raw text")])
    nb.metadata.update(
        {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python", "version": "3.11.4", "pygments_lexer": "ipython3"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
            "vscode": {"interpreter": {"hash": "abc123"}},
            "papermill": {"parameters": {"n": 3}, "start_time": "2024"},
            "jupytext": {"formats": "ipynb,py:percent"},
        }
    )
    nbformat.validate(nb)
    return nb


def _cleaned(options: CleanOptions | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    nb = _run_notebook()
    result = clean_notebook(json.loads(json.dumps(nb)), options)
    nbformat.validate(nbformat.from_dict(result.notebook))
    return json.loads(json.dumps(nb)), result.notebook


# (where, dotted path, removed by default?) — one row per key the rules decide about.
KEYS = [
    ("cell", "ExecuteTime", True),
    ("cell", "execution", True),
    ("cell", "collapsed", True),
    ("cell", "scrolled", True),
    ("cell", "jupyter", True),
    ("cell", "papermill", True),
    ("cell", "heading_collapsed", True),
    ("cell", "hidden", True),
    ("cell", "tags", False),
    ("cell", "slideshow", False),
    ("notebook", "widgets", True),
    ("notebook", "vscode", True),
    ("notebook", "papermill", True),
    ("notebook", "language_info.version", True),
    ("notebook", "language_info.name", False),
    ("notebook", "kernelspec", False),
    ("notebook", "jupytext", False),
]


def _get(table: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(table, dict) or part not in table:
            return None
        table = table[part]
    return table


@pytest.mark.parametrize(("where", "path", "removed"), KEYS)
def test_each_key(where: str, path: str, removed: bool) -> None:
    before, after = _cleaned()
    old = before["cells"][1]["metadata"] if where == "cell" else before["metadata"]
    new = after["cells"][1]["metadata"] if where == "cell" else after["metadata"]
    assert _get(old, path) is not None
    assert (_get(new, path) is None) is removed


def test_counts_outputs_ids_and_attachments() -> None:
    before, after = _cleaned()
    code = after["cells"][1]
    assert code["execution_count"] is None
    assert [o.get("execution_count") for o in code["outputs"]] == [None, None, None]
    assert code["metadata"]["tags"] == ["parameters", "keep-me"]  # papermill's tag stays
    assert code["source"] == before["cells"][1]["source"]  # directives stay
    assert [c["id"] for c in after["cells"]] == [c["id"] for c in before["cells"]]
    assert after["cells"][0]["attachments"] == before["cells"][0]["attachments"]
    assert code["outputs"][2] == before["cells"][1]["outputs"][2]  # images and their metadata
    assert code["outputs"][0]["text"] == "<Foo object>\n"
    assert code["outputs"][1]["data"]["text/plain"] == "<function f>"
    assert code["outputs"][1]["data"]["text/html"] == "<b>f</b>"


def test_widget_views_go_with_the_widget_state() -> None:
    _, after = _cleaned()
    assert after["cells"][2]["outputs"] == [
        {
            "output_type": "display_data",
            "data": {"text/plain": "IntSlider(value=0)"},
            "metadata": {},
        }
    ]
    _, kept = _cleaned(CleanOptions(keep_metadata=("widgets",)))
    assert len(kept["cells"][2]["outputs"]) == 2
    assert "widgets" in kept["metadata"]


# options → (notebook or cell, path, expected present after cleaning)
OPTIONS = [
    (CleanOptions(outputs=True), "outputs", False),
    (CleanOptions(keep_cell_metadata=("ExecuteTime",)), "cell:ExecuteTime", True),
    (
        CleanOptions(keep_cell_metadata=("jupyter.source_hidden",)),
        "cell:jupyter.source_hidden",
        True,
    ),
    (
        CleanOptions(keep_cell_metadata=("jupyter.source_hidden",)),
        "cell:jupyter.outputs_hidden",
        False,
    ),
    (CleanOptions(strip_cell_metadata=("slideshow",)), "cell:slideshow", False),
    (CleanOptions(strip_cell_metadata=("tags",)), "cell:tags", False),
    (CleanOptions(keep_metadata=("papermill.parameters",)), "notebook:papermill.parameters", True),
    (CleanOptions(keep_metadata=("papermill.parameters",)), "notebook:papermill.start_time", False),
    (CleanOptions(keep_metadata=("language_info",)), "notebook:language_info.version", True),
    (CleanOptions(strip_metadata=("jupytext",)), "notebook:jupytext", False),
    (CleanOptions(keep_object_addresses=True), "address", True),
]


@pytest.mark.parametrize(("options", "what", "present"), OPTIONS)
def test_options(options: CleanOptions, what: str, present: bool) -> None:
    _, after = _cleaned(options)
    code = after["cells"][1]
    if what == "outputs":
        assert (code["outputs"] != []) is present
        assert after["cells"][0]["attachments"]  # attachments are not outputs
    elif what == "address":
        assert ("at 0x" in code["outputs"][0]["text"]) is present
    else:
        where, path = what.split(":")
        table = code["metadata"] if where == "cell" else after["metadata"]
        assert (_get(table, path) is not None) is present


# metadata, strip, keep → metadata after, paths reported removed
PATHS = [
    ({"a": 1, "b": 2}, ["a"], [], {"b": 2}, ["a"]),
    ({"a": {"x": 1}}, ["a.x"], [], {}, ["a.x"]),  # an emptied table goes too
    ({"a": {"x": 1, "y": 2}}, ["a.x"], [], {"a": {"y": 2}}, ["a.x"]),
    ({"a": {"x": 1, "y": 2}}, ["a"], ["a.y"], {"a": {"y": 2}}, ["a"]),
    ({"a": {"x": 1}}, ["a"], ["a.y"], {}, ["a"]),
    ({"a": 1}, ["a"], ["a"], {"a": 1}, []),
    ({"a": {"x": 1}}, ["a.x"], ["a"], {"a": {"x": 1}}, []),
    ({"a.b": 1, "a": {"b": 2}}, ["a.b"], [], {"a": {"b": 2}}, ["a.b"]),  # a key with a dot
    ({"a": 3}, ["a.x"], [], {"a": 3}, []),  # not a table: nothing to reach into
    ({}, ["a"], [], {}, []),
]


@pytest.mark.parametrize(("metadata", "strip", "keep", "after", "removed"), PATHS)
def test_remove_paths(
    metadata: dict[str, Any],
    strip: list[str],
    keep: list[str],
    after: dict[str, Any],
    removed: list[str],
) -> None:
    table = copy.deepcopy(metadata)
    assert remove_paths(table, strip, keep) == removed
    assert table == after


def test_clean_is_idempotent_and_jupyter_resaves_it_unchanged() -> None:
    data = nbformat.writes(_run_notebook()).encode() + b"\n"
    once = clean_bytes(data, "a.ipynb", CleanOptions())
    assert once.changed
    twice = clean_bytes(once.text.encode(), "a.ipynb", CleanOptions())
    assert not twice.changed and twice.text == once.text
    resaved = nbformat.writes(nbformat.reads(once.text, as_version=4)) + "\n"
    assert resaved == once.text


# layouts Jupyter does not write, each cleaned into Jupyter's (line ends and BOM kept)
def test_layouts() -> None:
    nb = new_notebook(cells=[new_code_cell("x = 1\ny = 2")])
    canonical = nbformat.writes(nb) + "\n"
    for text, expected in [
        (json.dumps(nb, indent=2), canonical),  # another indent
        (json.dumps(nb, indent=1, sort_keys=True), canonical),  # no final newline, joined source
        (canonical.replace("\n", "\r\n"), canonical.replace("\n", "\r\n")),  # CRLF kept
        ("\ufeff" + canonical, "\ufeff" + canonical),  # BOM kept
    ]:
        result = clean_bytes(text.encode(), "a.ipynb", CleanOptions())
        assert result.text == expected
        assert result.changed is (text != expected)
    assert Layout.of("a\r\nb\n").newline == "\n"  # mixed endings: Jupyter's


SOURCES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@st.composite
def notebooks(draw: st.DrawFn) -> Any:
    cells = []
    for kind in draw(st.lists(st.sampled_from(["code", "markdown", "raw"]), max_size=5)):
        source = draw(SOURCES)
        if kind == "markdown":
            cells.append(new_markdown_cell(source))
            continue
        if kind == "raw":
            cells.append(new_raw_cell(source))
            continue
        outputs = [
            new_output("stream", name="stdout", text=draw(SOURCES)),
            new_output(
                "execute_result",
                data={"text/plain": draw(SOURCES), "application/json": {"k": draw(SOURCES)}},
                execution_count=draw(st.none() | st.integers(1, 99)),
            ),
        ]
        cell = new_code_cell(source, execution_count=draw(st.none() | st.integers(1, 99)))
        cell.outputs = draw(st.lists(st.sampled_from(outputs), max_size=2))
        cells.append(cell)
    nb = new_notebook(cells=cells)
    nbformat.validate(nb)
    return nb


@settings(max_examples=120, deadline=None)
@given(nb=notebooks(), split=st.booleans())
def test_jupyter_layout_round_trip(nb: Any, split: bool) -> None:
    """What nb2pkg writes is what Jupyter writes, whatever the source looked like."""
    raw = json.loads(nbformat.writes(nb) if split else json.dumps(nb))
    expected = nbformat.writes(nbformat.from_dict(copy.deepcopy(raw))) + "\n"
    assert dumps_jupyter(raw) == expected
    cleaned = clean_bytes(expected.encode(), "a.ipynb", CleanOptions()).text
    assert nbformat.writes(nbformat.reads(cleaned, as_version=4)) + "\n" == cleaned
    assert clean_bytes(cleaned.encode(), "a.ipynb", CleanOptions()).changed is False


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=200) | st.sampled_from([b"", b"[]", b'{"nbformat": 3}', b"{" * 5000])
)
def test_mutated_input_is_a_located_error(data: bytes) -> None:
    try:
        clean_bytes(data, "x.ipynb", CleanOptions())
    except NotebookError as exc:
        assert str(exc).startswith("x.ipynb: ")


@pytest.mark.parametrize("depth", [300, 600, 990, 5000])
def test_deep_nesting_is_cleaned_or_a_located_error(depth: int) -> None:
    text = (
        '{"metadata": {"deep": ' + "[" * depth + "]" * depth + '}, "nbformat": 4, '
        '"nbformat_minor": 5, "cells": []}'
    )
    try:
        result = clean_bytes(text.encode(), "x.ipynb", CleanOptions())
    except NotebookError as exc:
        assert str(exc).startswith("x.ipynb: line 1: nests arrays and objects ")
    else:
        assert json.loads(result.text) == json.loads(text)
