"""Three-way notebook merges by cell id: one case per rule, plus properties over random edits."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nb2pkg.errors import Nb2pkgError
from nb2pkg.gitdrivers import merge_files
from nb2pkg.nbmerge import merge_notebooks

Edit = Callable[[dict[str, Any]], None]


def _base() -> dict[str, Any]:
    cells = [
        new_markdown_cell("# Title"),
        new_code_cell("#| export\ndef f():\n    return 1"),
        new_code_cell("x = f()\nprint(x)"),
        new_code_cell("y = 2"),
    ]
    for cell, cell_id in zip(cells, ["m0", "c1", "c2", "c3"]):
        cell.id = cell_id
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.validate(nb)
    return json.loads(json.dumps(nb))


def _cell(nb: dict[str, Any], cell_id: str) -> dict[str, Any]:
    return next(c for c in nb["cells"] if c["id"] == cell_id)


def _run(count: int, text: str) -> Edit:
    """A re-run: counts, outputs and timings change, the code does not."""

    def edit(nb: dict[str, Any]) -> None:
        for number, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                cell["execution_count"] = count + number
                cell["outputs"] = [new_output("stream", name="stdout", text=f"{text}\n")]
                cell["metadata"]["execution"] = {"iopub.execute_input": f"{text}-{number}"}
        nb["metadata"]["language_info"] = {"name": "python", "version": text}

    return edit


def _source(cell_id: str, text: str) -> Edit:
    return lambda nb: _cell(nb, cell_id).__setitem__("source", text)


def _delete(cell_id: str) -> Edit:
    return lambda nb: nb["cells"].remove(_cell(nb, cell_id))


def _insert(after: str, cell_id: str, text: str) -> Edit:
    def edit(nb: dict[str, Any]) -> None:
        cell = new_code_cell(text)
        cell.id = cell_id
        index = [c["id"] for c in nb["cells"]].index(after)
        nb["cells"].insert(index + 1, json.loads(json.dumps(cell)))

    return edit


def _move_to_end(cell_id: str) -> Edit:
    def edit(nb: dict[str, Any]) -> None:
        cell = _cell(nb, cell_id)
        nb["cells"].remove(cell)
        nb["cells"].append(cell)

    return edit


def _tags(cell_id: str, tags: list[str]) -> Edit:
    return lambda nb: _cell(nb, cell_id)["metadata"].__setitem__("tags", tags)


def _meta(key: str, value: Any) -> Edit:
    return lambda nb: nb["metadata"].__setitem__(key, value)


def _both(*edits: Edit) -> Edit:
    def edit(nb: dict[str, Any]) -> None:
        for one in edits:
            one(nb)

    return edit


# ours' edit, theirs' edit → expected cell ids in order, {id: source}, conflicting ids
CASES: dict[str, tuple[Edit, Edit, list[str], dict[str, str], list[str]]] = {
    "both re-ran the notebook": (
        _run(1, "ours"),
        _run(10, "theirs"),
        ["m0", "c1", "c2", "c3"],
        {},
        [],
    ),
    "different cells edited": (
        _source("c1", "#| export\ndef f():\n    return 2"),
        _source("c3", "y = 3"),
        ["m0", "c1", "c2", "c3"],
        {"c1": "#| export\ndef f():\n    return 2", "c3": "y = 3"},
        [],
    ),
    "different lines of one cell": (
        _source("c1", "#| export\ndef f():\n    return 1\n\nZ = 0"),
        _source("c1", "#| export\ndef g():\n    return 1"),
        ["m0", "c1", "c2", "c3"],
        {"c1": "#| export\ndef g():\n    return 1\n\nZ = 0"},
        [],
    ),
    "same line of one cell": (
        _source("c3", "y = 'ours'"),
        _source("c3", "y = 'theirs'"),
        ["m0", "c1", "c2", "c3"],
        {"c3": "<<<<<<< ours\ny = 'ours'\n=======\ny = 'theirs'\n>>>>>>> theirs"},
        ["c3"],
    ),
    "deleted by theirs, untouched by ours": (
        _run(1, "ours"),
        _delete("c2"),
        ["m0", "c1", "c3"],
        {},
        [],
    ),
    "deleted by ours, edited by theirs: kept, as a conflict": (
        _delete("c2"),
        _source("c2", "x = f() * 2"),
        ["m0", "c1", "c2", "c3"],
        {"c2": "<<<<<<< ours (deleted this cell)\n=======\nx = f() * 2\n>>>>>>> theirs"},
        ["c2"],
    ),
    "deleted by both": (_delete("c2"), _delete("c2"), ["m0", "c1", "c3"], {}, []),
    "new cells on both sides at one place": (
        _insert("c1", "o1", "ours = 1"),
        _insert("c1", "t1", "theirs = 1"),
        ["m0", "c1", "o1", "t1", "c2", "c3"],
        {"o1": "ours = 1", "t1": "theirs = 1"},
        [],
    ),
    "new cells in different places": (
        _insert("m0", "o1", "ours = 1"),
        _insert("c3", "t1", "theirs = 1"),
        ["m0", "o1", "c1", "c2", "c3", "t1"],
        {},
        [],
    ),
    "theirs moved a cell, ours edited it": (
        _source("m0", "# New title"),
        _move_to_end("m0"),
        ["c1", "c2", "c3", "m0"],
        {"m0": "# New title"},
        [],
    ),
    "tags added on both sides": (
        _tags("c2", ["ours"]),
        _tags("c2", ["parameters"]),
        ["m0", "c1", "c2", "c3"],
        {},
        [],
    ),
}


def _merge(ours_edit: Edit, theirs_edit: Edit) -> tuple[dict[str, Any], Any]:
    base = _base()
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours_edit(ours)
    theirs_edit(theirs)
    for nb in (ours, theirs):
        nbformat.validate(nbformat.from_dict(copy.deepcopy(nb)))
    result = merge_notebooks(base, ours, theirs)
    nbformat.validate(nbformat.from_dict(copy.deepcopy(result.notebook)))
    return ours, result


@pytest.mark.parametrize("case", sorted(CASES))
def test_cases(case: str) -> None:
    ours_edit, theirs_edit, order, sources, conflicts = CASES[case]
    _, result = _merge(ours_edit, theirs_edit)
    cells = result.notebook["cells"]
    assert [c["id"] for c in cells] == order
    for cell_id, text in sources.items():
        assert "".join(_cell(result.notebook, cell_id)["source"]) == text
    assert [c.cell_id for c in result.conflicts] == conflicts
    for cell in cells:
        tagged = "nb2pkg-conflict" in cell["metadata"].get("tags", [])
        assert tagged is (cell["id"] in conflicts)


def test_rerun_takes_ours_outputs_and_never_conflicts() -> None:
    ours, result = _merge(_run(1, "ours"), _run(10, "theirs"))
    assert result.conflicts == () and result.notes == ()
    for cell, mine in zip(result.notebook["cells"], ours["cells"]):
        assert cell.get("outputs") == mine.get("outputs")
        assert cell.get("execution_count") == mine.get("execution_count")
    assert result.notebook["metadata"]["language_info"]["version"] == "ours"


def test_outputs_follow_the_source() -> None:
    # theirs edited and re-ran c3; ours re-ran everything: c3 gets theirs' code and outputs
    theirs_edit = _both(_run(10, "theirs"), _source("c3", "y = 3"))
    _, result = _merge(_run(1, "ours"), theirs_edit)
    c3 = _cell(result.notebook, "c3")
    assert c3["source"] == "y = 3" and c3["outputs"][0]["text"] == "theirs\n"
    # both edited c1 in different lines: the merged code ran nowhere, so no outputs
    _, result = _merge(
        _both(_run(1, "o"), _source("c1", "#| export\ndef f():\n    return 1\nZ = 0")),
        _both(_run(5, "t"), _source("c1", "#| export\ndef g():\n    return 1")),
    )
    c1 = _cell(result.notebook, "c1")
    assert c1["outputs"] == [] and c1["execution_count"] is None


def test_tags_merge_as_a_set() -> None:
    _, result = _merge(_tags("c2", ["ours"]), _tags("c2", ["parameters"]))
    assert _cell(result.notebook, "c2")["metadata"]["tags"] == ["ours", "parameters"]


def test_metadata_conflict_keeps_ours_and_says_so() -> None:
    _, result = _merge(
        _meta("kernelspec", {"name": "a", "display_name": "A"}),
        _meta("kernelspec", {"name": "b", "display_name": "B"}),
    )
    assert result.notebook["metadata"]["kernelspec"]["name"] == "a"
    assert result.conflicts == ()
    assert any('"kernelspec.name"' in note for note in result.notes)


def test_added_on_both_sides_without_base() -> None:
    ours, theirs = _base(), _base()
    _source("c3", "y = 'ours'")(ours)
    result = merge_notebooks(None, ours, theirs)
    assert [c.cell_id for c in result.conflicts] == ["c3"]
    nbformat.validate(nbformat.from_dict(result.notebook))


def test_notebooks_without_ids_are_aligned() -> None:
    base = _base()
    for cell in base["cells"]:
        del cell["id"]
    base["nbformat_minor"] = 4
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["cells"][1]["source"] = "#| export\ndef f():\n    return 2"
    theirs["cells"][3]["source"] = "y = 3"
    result = merge_notebooks(base, ours, theirs)
    assert ["".join(c["source"]) for c in result.notebook["cells"]] == [
        "# Title",
        "#| export\ndef f():\n    return 2",
        "x = f()\nprint(x)",
        "y = 3",
    ]
    assert all("id" not in c for c in result.notebook["cells"])
    nbformat.validate(nbformat.from_dict(result.notebook))
    # one side moved to 4.5 (ids added): the result is 4.5, every cell with a unique id
    for number, cell in enumerate(theirs["cells"]):
        cell["id"] = f"t{number}"
    theirs["nbformat_minor"] = 5
    result = merge_notebooks(base, ours, theirs)
    ids = [c["id"] for c in result.notebook["cells"]]
    assert len(ids) == 4 and len(set(ids)) == 4
    nbformat.validate(nbformat.from_dict(result.notebook))


EDITS = st.sampled_from(
    [
        ("source", "c1", "#| export\ndef f():\n    return 5"),
        ("source", "c2", "x = 0"),
        ("source", "c3", "y = 'z'"),
        ("source", "m0", "# Other"),
        ("delete", "c2", ""),
        ("delete", "c3", ""),
        ("insert", "c1", "new"),
        ("insert", "m0", "top"),
        ("move", "m0", ""),
        ("tags", "c3", "t"),
        ("run", "", "r"),
    ]
)


def _apply(nb: dict[str, Any], edits: list[tuple[str, str, str]], side: str) -> None:
    for number, (kind, cell_id, text) in enumerate(edits):
        ids = [c["id"] for c in nb["cells"]]
        if kind == "run":
            _run(number, side)(nb)
        elif cell_id not in ids:
            continue
        elif kind == "source":
            _source(cell_id, text + side)(nb)
        elif kind == "delete":
            _delete(cell_id)(nb)
        elif kind == "insert":
            _insert(cell_id, f"{side}{number}", text)(nb)
        elif kind == "move":
            _move_to_end(cell_id)(nb)
        else:
            _tags(cell_id, [text + side])(nb)


@settings(max_examples=200, deadline=None)
@given(ours_edits=st.lists(EDITS, max_size=4), theirs_edits=st.lists(EDITS, max_size=4))
def test_merges_are_valid_and_keep_what_either_side_changed(
    ours_edits: list[tuple[str, str, str]], theirs_edits: list[tuple[str, str, str]]
) -> None:
    base = _base()
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    _apply(ours, ours_edits, "o")
    _apply(theirs, theirs_edits, "t")
    result = merge_notebooks(base, ours, theirs)
    nbformat.validate(nbformat.from_dict(copy.deepcopy(result.notebook)))
    merged = {c["id"]: c for c in result.notebook["cells"]}
    assert len(merged) == len(result.notebook["cells"])
    base_sources = {c["id"]: c["source"] for c in base["cells"]}
    for side in (ours, theirs):
        for cell in side["cells"]:
            changed = base_sources.get(cell["id"]) != cell["source"]
            if changed:  # never delete a cell one side changed or added
                assert cell["id"] in merged
    # merging with oneself, or with an unchanged side, is the identity (for the cells)
    assert [c["id"] for c in merge_notebooks(base, ours, base).notebook["cells"]] == [
        c["id"] for c in ours["cells"]
    ]
    assert merge_notebooks(base, ours, ours).conflicts == ()


def test_attachments_added_on_one_side_are_kept() -> None:
    def attach(nb: dict[str, Any]) -> None:
        cell = _cell(nb, "m0")
        cell["source"] = "# Title\n![x](attachment:x.png)"
        cell["attachments"] = {"x.png": {"image/png": "iVBORw0KGgo=\n"}}

    _, result = _merge(_source("c3", "y = 5"), attach)
    assert _cell(result.notebook, "m0")["attachments"] == {"x.png": {"image/png": "iVBORw0KGgo=\n"}}
    assert result.conflicts == () and result.notes == ()


MUTATIONS = st.sampled_from(["cut", "byte", "cells", "source", "id", "none"])


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutation=MUTATIONS, position=st.integers(0, 10_000), byte=st.integers(0, 255))
def test_driver_on_mutated_input_merges_or_refuses_cleanly(
    tmp_path: Path, mutation: str, position: int, byte: int
) -> None:
    """The merge driver never raises anything but nb2pkg's errors, and never half-writes."""
    base = _base()
    theirs = copy.deepcopy(base)
    _source("c3", "y = 9")(theirs)
    data = json.dumps(theirs, indent=1).encode()
    if mutation == "cut":
        data = data[: position % (len(data) + 1)]
    elif mutation == "byte":
        index = position % len(data)
        data = data[:index] + bytes([byte]) + data[index + 1 :]
    elif mutation == "cells":
        data = json.dumps({**theirs, "cells": [1, "x", None]}).encode()
    elif mutation == "source":
        theirs["cells"][1]["source"] = [1, 2]
        data = json.dumps(theirs).encode()
    elif mutation == "id":
        theirs["cells"][1]["id"] = theirs["cells"][0]["id"]
        data = json.dumps(theirs).encode()
    files = {name: tmp_path / name for name in ("base", "ours", "theirs")}
    files["base"].write_text(json.dumps(base))
    files["ours"].write_text(json.dumps(base))
    files["theirs"].write_bytes(data)
    before = files["ours"].read_bytes()
    try:
        outcome = merge_files(files["base"], files["ours"], files["theirs"], name="nbs/x.ipynb")
    except Nb2pkgError as exc:
        assert str(exc).startswith("nbs/x.ipynb (theirs): ")
        assert files["ours"].read_bytes() == before
        return
    merged = json.loads(files["ours"].read_text())
    assert outcome.exit_code in (0, 1)
    try:
        nbformat.validate(json.loads(data))
    except nbformat.ValidationError:
        return  # a schema-invalid side merges as it is: nb2pkg adds no invalidity of its own
    nbformat.validate(merged)
