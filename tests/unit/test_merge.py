"""The merge as a pure function: (modules, notebooks, bases) -> decisions, as a table.

Everything happens in memory: notebooks are parsed from bytes, modules rendered to text,
and ``merge`` returns values; no file is read or written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nb2pkg.config import Config
from nb2pkg.generate import render_modules
from nb2pkg.merge import ChangeKind, ModuleSource, Prefer, merge
from nb2pkg.notebook import parse_notebook
from nb2pkg.plan import make_plan
from nb2pkg.project import Project
from nb2pkg.render import ExportOptions

ROOT = Path("/project")
BASE = "#| export\ndef f():\n    return 1"


def _notebook(relpath: str, sources: list[str]) -> bytes:
    cells = [new_code_cell(source) for source in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"{Path(relpath).stem}{index:04d}"
    return json.dumps(new_notebook(cells=cells)).encode()


def _project(notebooks: dict[str, list[str]]) -> Project:
    config = Config(ROOT, "nb2pkg", "acme", "0.1.0", "acme", ROOT / "acme", ROOT / "nbs")
    parsed = tuple(
        parse_notebook(_notebook(name, cells), ROOT / name, name)
        for name, cells in notebooks.items()
    )
    return Project(config, parsed)


def _modules(project: Project) -> dict[str, str]:
    plan = make_plan("acme", ROOT / "acme", project.notebooks)
    modules, _ = render_modules(plan, ExportOptions())
    return {m.plan.name: m.text for m in modules}


def _run(
    base: dict[str, list[str]],
    notebooks: dict[str, list[str]],
    edit_module,  # type: ignore[no-untyped-def]
    prefer: Prefer | None = None,
    unchanged: frozenset[str] = frozenset(),
):  # type: ignore[no-untyped-def]
    texts = _modules(_project(base))
    edit_module(texts)
    project = _project(notebooks)
    plan = make_plan("acme", ROOT / "acme", project.notebooks)
    sources = [
        ModuleSource(ROOT / "acme" / f"{name}.py", f"acme/{name}.py", name, text)
        for name, text in sorted(texts.items())
    ]
    return merge(project, plan, sources, ExportOptions(), prefer, unchanged=unchanged)


def _same(texts: dict[str, str]) -> None:
    return None


def _edited(texts: dict[str, str]) -> None:
    texts["core"] = texts["core"].replace("return 1", "return 2")


def _edited_alike(texts: dict[str, str]) -> None:
    texts["core"] = texts["core"].replace("return 1", "return 3")


CORE = "nbs/core.ipynb"
DEFAULT = "#| default_exp core"
# module edit x notebook edit x prefer -> (kinds of the changes, overruled count)
GRID = [
    ("same", _same, BASE, None, [], 0),
    ("notebook only", _same, "#| export\ndef f():\n    return 3", None, [], 0),
    ("module only", _edited, BASE, None, [ChangeKind.EDIT], 0),
    ("module only, prefer notebook", _edited, BASE, Prefer.NOTEBOOK, [ChangeKind.EDIT], 0),
    ("both, to the same code", _edited_alike, "#| export\ndef f():\n    return 3", None, [], 0),
    (
        "both, differently",
        _edited,
        "#| export\ndef f():\n    return 3",
        None,
        [ChangeKind.CONFLICT],
        0,
    ),
    (
        "both, prefer module",
        _edited,
        "#| export\ndef f():\n    return 3",
        Prefer.MODULE,
        [ChangeKind.EDIT],
        0,
    ),
    ("both, prefer notebook", _edited, "#| export\ndef f():\n    return 3", Prefer.NOTEBOOK, [], 1),
    (
        "module edit, cell unexported",
        _edited,
        "def f():\n    return 1",
        None,
        [ChangeKind.CONFLICT],
        0,
    ),
]


@pytest.mark.parametrize(
    ("case", "edit", "cell", "prefer", "kinds", "overruled"), GRID, ids=[row[0] for row in GRID]
)
def test_merge_grid(case, edit, cell, prefer, kinds, overruled) -> None:  # type: ignore[no-untyped-def]
    result = _run({CORE: [DEFAULT, BASE]}, {CORE: [DEFAULT, cell]}, edit, prefer)
    assert [c.kind for c in result.changes] == kinds
    assert result.overruled == overruled
    assert result.problems == ()


def test_deleted_block_removes_the_cell_unless_the_notebook_edited_it() -> None:
    def delete(texts: dict[str, str]) -> None:
        texts["core"] = texts["core"].split("\n\n\n# %%")[0] + "\n"

    removed = _run({CORE: [DEFAULT, BASE]}, {CORE: [DEFAULT, BASE]}, delete)
    assert [c.kind for c in removed.changes] == [ChangeKind.REMOVE]
    edited = "#| export\ndef f():\n    return 9"
    conflict = _run({CORE: [DEFAULT, BASE]}, {CORE: [DEFAULT, edited]}, delete)
    assert [c.kind for c in conflict.changes] == [ChangeKind.CONFLICT]
    kept = _run({CORE: [DEFAULT, BASE]}, {CORE: [DEFAULT, edited]}, delete, Prefer.NOTEBOOK)
    assert (kept.changes, kept.overruled) == ((), 1)


def test_moved_copied_new_and_header_code() -> None:
    util = "nbs/util.ipynb"
    base = {
        CORE: [DEFAULT, BASE, "#| export\ndef g():\n    return 2"],
        util: ["#| default_exp util", "#| export\nX = 1"],
    }

    def edit(texts: dict[str, str]) -> None:
        head, f_block, g_block = texts["core"].rstrip("\n").split("\n\n\n")
        texts["core"] = (
            "import json\n"
            + head
            + "\n\n\n"
            + f_block
            + "\n\n\n"
            + f_block.replace("def f", "def f2")
            + "\n"
        )
        texts["util"] = texts["util"].rstrip("\n") + "\n\n\n" + g_block + "\n\n\n# %%\nY = 2\n"

    result = _run(base, base, edit)
    kinds = sorted(
        (c.kind.value, c.notebook, c.place.notebook if c.place else None) for c in result.changes
    )
    assert kinds == [
        ("add", CORE, CORE),  # the copy f2, after f's cell
        ("add", util, util),  # the new block Y, after g's cell (now in util)
        ("edit", CORE, None),  # import json joins the first cell
        ("move", CORE, util),  # g moved to util
    ]
    edit_change = next(c for c in result.changes if c.kind is ChangeKind.EDIT)
    assert edit_change.after.startswith("import json\n")
    move = next(c for c in result.changes if c.kind is ChangeKind.MOVE)
    assert move.target is None  # util's own default module: a plain `#| export`


def test_syntax_error_in_an_edited_block_is_a_problem() -> None:
    def broken(texts: dict[str, str]) -> None:
        texts["core"] = texts["core"].replace("return 1", "return (")

    result = _run({CORE: [DEFAULT, BASE]}, {CORE: [DEFAULT, BASE]}, broken)
    assert result.changes == () and len(result.problems) == 1
    assert "syntax error" in str(result.problems[0])


UTIL = "nbs/util.ipynb"
TWO = {CORE: [DEFAULT, BASE], UTIL: ["#| default_exp util", "#| export\nX = 1"]}


def _copy_f_into_util(texts: dict[str, str]) -> None:
    f_block = texts["core"].rstrip("\n").split("\n\n\n")[1]
    texts["util"] = texts["util"].rstrip("\n") + "\n\n\n" + f_block.replace("def f", "def h") + "\n"


def _summary(result):  # type: ignore[no-untyped-def]
    return sorted((c.kind, c.notebook, c.cell_id, c.after) for c in result.changes), result.problems


@pytest.mark.parametrize(
    ("case", "edit", "unchanged"),
    [
        ("copy out of a module export left as it was", _copy_f_into_util, {"acme/core.py"}),
        ("edit in one module, the other as exported", _edited, {"acme/util.py"}),
        ("nothing edited, every module as exported", _same, {"acme/core.py", "acme/util.py"}),
    ],
)
def test_modules_left_as_exported_decide_as_if_read(case, edit, unchanged) -> None:  # type: ignore[no-untyped-def]
    """Skipping modules whose bytes export wrote changes no decision: a block of an edited
    module naming a cell of such a module (a copy) still reads that module."""
    full = _run(TWO, TWO, edit)
    trimmed = _run(TWO, TWO, edit, unchanged=frozenset(unchanged))
    assert _summary(trimmed) == _summary(full)
    if case.startswith("copy"):
        assert [c.kind for c in full.changes] == [ChangeKind.ADD]  # a copy, not a move


def test_a_module_left_as_exported_is_not_read() -> None:
    def broken(texts: dict[str, str]) -> None:
        texts["util"] = texts["util"].replace("X = 1", "X = (")

    assert len(_run(TWO, TWO, broken).problems) == 1
    skipped = _run(TWO, TWO, broken, unchanged=frozenset({"acme/util.py"}))
    assert skipped.problems == () and skipped.changes == ()
    assert "acme/util.py" not in skipped.modules
