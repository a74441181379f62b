"""Inputs that once crashed or hung a command: each now gives a result or a located error.

One case per input found by fuzzing and by a new user's first hour: a module name no file
system holds, a title full of quotes, an undecodable notebook name, lone surrogates, a
title line of spaces, TOML nested thousands deep, carriage returns in cells, notebook
names with line separators, nbformat 3 and 4.0-4.4 notebooks. Every run is a real
subprocess (``python -m nb2pkg``): no traceback, a user-error exit code with the file (and
cell and line where there is one), and nothing written when the command refuses.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nb2pkg.commands.export import export_project
from nb2pkg.commands.sync import sync_project
from tests.projects import (
    make_notebook,
    make_project,
    run_cli,
    run_python,
    snapshot,
    write_notebook,
)

GOOD = ["#| default_exp core", "#| export\ndef f():\n    return 1"]


def _refused(result: object, *words: str) -> None:
    assert result.returncode in (1, 2), result  # type: ignore[attr-defined]
    output = result.stdout + result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in output and "internal error" not in output
    for word in words:
        assert word in output, output


def test_a_module_name_no_file_system_holds_is_refused_at_its_directive(tmp_path: Path) -> None:
    name = "m" * 300
    root = make_project(
        tmp_path / "p", {"core.ipynb": [f"#| default_exp {name}", "#| export\nx = 1"]}
    )
    before = snapshot(root)
    _refused(run_cli("export", "--path", root), "nbs/core.ipynb", "cell 1", "line 1", "bytes")
    assert snapshot(root) == before


TITLES = [
    '# a """ b \'\'\' c\n\n> """',
    "# back\\slash \\N{BULLET} \\x00 end\\",
    "# nul \x00 and line\u2028separator\u2029 and \x85",
    "# Title" + " " * 6000 + "x",
    "# " + '"' * 50,
]


@pytest.mark.parametrize("title", TITLES, ids=range(len(TITLES)))
def test_any_title_gives_a_module_that_compiles(tmp_path: Path, title: str) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": [("markdown", title), *GOOD]})
    result = run_cli("export", "--path", root)
    assert result.returncode == 0, result.stderr
    module = (root / "acme" / "core.py").read_text(encoding="utf-8")
    compile(module, "core.py", "exec")
    check = run_python("import acme.core as m; print(repr(m.__doc__))", path=root)
    assert check.returncode == 0, check.stderr
    assert run_cli("check", "--ci", "--path", root).returncode == 0


def test_a_title_line_of_a_megabyte_of_spaces_does_not_hang(tmp_path: Path) -> None:
    title = "# Title" + " " * 1_000_000 + "x"
    root = make_project(tmp_path / "p", {"core.ipynb": [("markdown", title), *GOOD]})
    assert run_cli("export", "--path", root).returncode == 0  # run_cli times out at 300 s
    assert run_cli("check", "--path", root).returncode == 0


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses file names that are not UTF-8")
def test_an_undecodable_notebook_name_is_refused_located(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    raw = os.fsencode(root / "nbs") + b"/\xff_other.ipynb"
    with open(raw, "wb") as handle:
        handle.write(nbformat.writes(make_notebook(["#| default_exp other", "x = 1"])).encode())
    before = snapshot(root)
    _refused(run_cli("export", "--path", root), "_other.ipynb", "not UTF-8", "0xff")
    assert snapshot(root) == before
    _refused(run_cli("check", "--path", root), "0xff")


def _with_surrogates(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    data["metadata"]["note"] = "\ud83d"
    data["cells"][1]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": ["half a pair: \ud83d\n"]}
    ]
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")  # ASCII: "\\ud83d" escapes


def test_lone_surrogates_in_outputs_and_metadata_survive_export_and_sync(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD}, name="acme")
    notebook = root / "nbs" / "core.ipynb"
    _with_surrogates(notebook)
    assert run_cli("export", "--path", root).returncode == 0
    module = root / "acme" / "core.py"
    module.write_text(
        module.read_text(encoding="utf-8").replace("return 1", "return 2"), encoding="utf-8"
    )
    result = run_cli("sync", "--path", root)
    assert result.returncode == 0, result.stderr
    data = json.loads(notebook.read_text(encoding="utf-8"))
    assert data["metadata"]["note"] == "\ud83d"  # kept, written as its JSON escape
    assert "return 2" in "".join(data["cells"][1]["source"])
    assert "\\ud83d" in notebook.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["export", "sync", "check", "build", "deps"])
def test_toml_nested_thousands_deep_is_a_located_error_in_every_command(
    tmp_path: Path, command: str
) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8") + "deep = " + "[" * 3000 + "]" * 3000 + "\n",
        encoding="utf-8",
    )
    before = snapshot(root)
    _refused(run_cli(command, "--path", root), "pyproject.toml", "line 10")
    assert snapshot(root) == before


def test_a_notebook_nested_thousands_deep_is_a_located_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    notebook = root / "nbs" / "core.ipynb"
    data = json.loads(notebook.read_text(encoding="utf-8"))
    data["metadata"]["deep"] = "@"
    text = json.dumps(data, indent=1).replace('"@"', "[" * 5000 + "]" * 5000)
    notebook.write_text(text, encoding="utf-8")
    before = snapshot(root)
    _refused(run_cli("export", "--path", root), "nbs/core.ipynb", "levels")
    assert snapshot(root) == before


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_carriage_returns_in_cells_give_clean_modules_and_come_back(
    tmp_path: Path, newline: str
) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    notebook = root / "nbs" / "core.ipynb"
    data = json.loads(notebook.read_text(encoding="utf-8"))
    source = "#| export\ndef f():\n    return 1\n\ndef g():\n    return 2".replace("\n", newline)
    data["cells"][1]["source"] = source
    notebook.write_text(json.dumps(data, indent=1), encoding="utf-8")
    assert run_cli("export", "--path", root).returncode == 0
    module = root / "acme" / "core.py"
    assert "\r" not in module.read_bytes().decode("utf-8")
    assert run_cli("check", "--ci", "--path", root).returncode == 0  # fresh: no NB901
    module.write_text(
        module.read_text(encoding="utf-8").replace("return 2", "return 22"), encoding="utf-8"
    )
    assert run_cli("sync", "--path", root).returncode == 0
    written = json.loads(notebook.read_text(encoding="utf-8"))["cells"][1]["source"]
    assert written == source.replace("return 2", "return 22")  # the cell's own line breaks


@pytest.mark.parametrize("odd", ["\u2028", "\x85", "\u2029", " lead", "tab\there", "back\\slash"])
def test_any_notebook_name_round_trips_through_its_module(tmp_path: Path, odd: str) -> None:
    name = f"my{odd}notes.ipynb"
    root = make_project(tmp_path / "p", {name: GOOD})
    export_project(root)
    module = root / "acme" / "core.py"
    module.write_text(
        module.read_text(encoding="utf-8").replace("return 1", "return 5"), encoding="utf-8"
    )
    result = sync_project(root)
    assert [c.notebook for c in result.changes] == [f"nbs/{name}"]
    cell = nbformat.read(str(root / "nbs" / name), as_version=4).cells[1]
    assert "return 5" in cell.source
    assert sync_project(root).changes == ()


def _v3_notebook(path: Path) -> bytes:
    v3 = {
        "metadata": {"name": "legacy"},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": "#| default_exp legacy",
                        "language": "python",
                        "outputs": [],
                        "metadata": {},
                    },
                    {
                        "cell_type": "code",
                        "input": "#| export\ndef old():\n    return 1",
                        "language": "python",
                        "outputs": [],
                        "metadata": {},
                    },
                ],
                "metadata": {"sheet": "kept"},
            }
        ],
    }
    data = json.dumps(v3, indent=1).encode()
    path.write_bytes(data)
    return data


def test_nbformat_3_is_left_alone_by_export_and_upgraded_by_sync_keeping_its_metadata(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "p", {})
    notebook = root / "nbs" / "legacy.ipynb"
    original = _v3_notebook(notebook)
    result = run_cli("export", "--path", root)
    assert result.returncode == 0, result.stderr
    assert notebook.read_bytes() == original  # export reads it in memory only
    module = root / "acme" / "legacy.py"
    module.write_text(
        module.read_text(encoding="utf-8").replace("return 1", "return 3"), encoding="utf-8"
    )
    synced = run_cli("sync", "--path", root)
    assert synced.returncode == 0, synced.stderr
    assert "NB705" in synced.stdout + synced.stderr
    upgraded = nbformat.read(str(notebook), as_version=4)
    assert (upgraded.nbformat, upgraded.nbformat_minor) == (4, 5)
    assert "return 3" in upgraded.cells[1].source
    assert "legacy" in json.dumps(upgraded.metadata) and "kept" in json.dumps(upgraded.metadata)


def test_ids_go_only_into_notebooks_that_export_cells_and_are_named(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    for name, cells in {
        "core.ipynb": GOOD,
        "index.ipynb": ["1 + 1", ("markdown", "# Home")],
    }.items():
        nb = new_notebook(
            cells=[
                new_markdown_cell(c[1]) if isinstance(c, tuple) else new_code_cell(c) for c in cells
            ]
        )
        nb.nbformat_minor = 4
        for cell in nb.cells:
            cell.pop("id", None)
        (root / "nbs" / name).write_text(nbformat.writes(nb, version=4), encoding="utf-8")
    index_before = (root / "nbs" / "index.ipynb").read_bytes()
    result = run_cli("export", "--path", root)
    assert result.returncode == 0, result.stderr
    assert "added cell ids to nbs/core.ipynb" in result.stdout
    assert (root / "nbs" / "index.ipynb").read_bytes() == index_before
    core = nbformat.read(str(root / "nbs" / "core.ipynb"), as_version=4)
    assert core.nbformat_minor == 5 and all("id" in cell for cell in core.cells)


def test_a_valid_notebook_written_by_hand_keeps_working(tmp_path: Path) -> None:
    """The control case: the helpers above write notebooks nb2pkg reads as usual."""
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    write_notebook(
        root / "nbs" / "more.ipynb", make_notebook(["#| default_exp more", "#| export\ny = 2"])
    )
    assert run_cli("export", "--path", root).returncode == 0
    assert (root / "acme" / "more.py").is_file()
