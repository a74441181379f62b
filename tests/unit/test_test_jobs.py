"""Which notebooks run, which cells run, are skipped or come from the package (static)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbformat.v4 import new_output

from nb2pkg.config import load_config
from nb2pkg.errors import Nb2pkgError
from nb2pkg.notebook import read_notebook
from nb2pkg.project import load_project
from nb2pkg.testing.bindings import cell_bindings
from nb2pkg.testing.jobs import (
    Planner,
    TestOptions,
    cell_skip_reason,
    exported_cells,
    select_notebooks,
)
from nb2pkg.testing.protocol import (
    Action,
    Failure,
    FailureKind,
    Frame,
    Job,
    Mismatch,
    Outcome,
    Status,
    Step,
    TextOutput,
    job_from_json,
    job_to_json,
    outcome_from_json,
    outcome_to_json,
)
from tests.projects import make_notebook, make_project, write_notebook

# an exported cell's code, the names it always binds, conditionally, its star imports
BINDINGS = [
    ("def f(): pass", ("f",), (), ()),
    ("async def f(): pass\nclass C: pass", ("f", "C"), (), ()),
    ("x = y = 1\na, (b, *c) = 1, (2, 3)", ("x", "y", "a", "b", "c"), (), ()),
    ("n: int = 1\nm: int\nk += 1", ("n", "k"), (), ()),
    ("import os.path\nimport numpy as np\nfrom a import b, c as d", ("os", "np", "b", "d"), (), ()),
    ("from acme.core import *\nx = 1", ("x",), (), ("from acme.core import *",)),
    ("_private = 1\n__all__ = ['x']\n_all_ = ['_private']", ("_private", "__all__", "_all_"), (), ()),
    ("if X:\n    def f(): pass\nelse:\n    g = 1", (), ("f", "g"), ()),
    ("try:\n    import numpy\nexcept ImportError as e:\n    numpy = None", (), ("e", "numpy"), ()),
    ("for i in range(3):\n    total = i", (), ("i", "total"), ()),
    ("with open(p) as fh:\n    data = fh.read()", (), ("fh", "data"), ()),
    ("def f():\n    local = 1\n    return local", ("f",), (), ()),
    ("class C:\n    attribute = 1", ("C",), (), ()),
    ("@patch\ndef method(self: C): pass", (), ("method",), ()),
    ("@patch(as_prop=True)\ndef prop(self: C): pass", (), ("prop",), ()),
    ("x = 1\ndel x\ny = 2", ("y",), (), ()),
    ("x = 1\nx = 2", ("x",), (), ()),
    ("match v:\n    case 1:\n        one = 1", (), ("one",), ()),
    ("print('no names')", (), (), ()),
    ("!ls\nx = 1", ("x",), (), ()),  # exported with drop-magics: the line is not in the module
    ("def (:", (), (), ()),
]


@pytest.mark.parametrize(("code", "always", "maybe", "stars"), BINDINGS)
def test_cell_bindings(
    code: str, always: tuple[str, ...], maybe: tuple[str, ...], stars: tuple[str, ...]
) -> None:
    assert cell_bindings(code) == (always, maybe, stars)


# a cell's source, the flags to skip, the reason it is skipped ("" = it runs)
SKIPS = [
    ("x = 1", frozenset(), ""),
    ("#| eval: false\nx = 1", frozenset(), "eval: false"),
    ("#| eval:false\nx = 1", frozenset(), "eval: false"),
    ("#| eval: False\nx = 1", frozenset(), "eval: false"),
    ("#| eval: true\nx = 1", frozenset(), ""),
    ("#| slow\nx = 1", frozenset({"slow"}), "flag slow"),
    ("# | slow\nx = 1", frozenset({"slow"}), "flag slow"),
    ("#| slow\nx = 1", frozenset(), ""),
    ("#| hide\n#| cuda\nx = 1", frozenset({"slow", "cuda"}), "flag cuda"),
    ("#| hide\nimport nbdev; nbdev.nbdev_export()", frozenset(), "calls nbdev_export()"),
    ("# slow\nx = 1", frozenset({"slow"}), ""),  # a comment, not a directive
]


@pytest.mark.parametrize(("source", "flags", "reason"), SKIPS)
def test_cell_skip_reason(tmp_path: Path, source: str, flags: frozenset[str], reason: str) -> None:
    path = write_notebook(tmp_path / "n.ipynb", make_notebook([source]))
    cell = read_notebook(path, "n.ipynb").cells[0]
    assert cell_skip_reason(cell, flags) == reason


@pytest.fixture
def project(tmp_path: Path) -> Path:
    tool = '\n[tool.nb2pkg.test]\nskip = ["drafts/*", "*_wip.ipynb"]\n'
    root = make_project(
        tmp_path / "p",
        {
            "00_core.ipynb": ["#| default_exp core", "#| export\ndef f(): return 1", "assert f() == 1"],
            "_private.ipynb": ["1"],
            "a_wip.ipynb": ["1"],
            "drafts/x.ipynb": ["1"],
            "_hidden/y.ipynb": ["1"],
            "quiet/z.ipynb": ["1"],
            "sub/inner.ipynb": ["1"],
        },
        tool=tool,
    )
    (root / "nbs" / "quiet" / ".notest").write_text("")
    (root / "nbs" / ".ipynb_checkpoints").mkdir()
    write_notebook(root / "nbs" / ".ipynb_checkpoints" / "00_core-checkpoint.ipynb", make_notebook(["1"]))
    return root


def test_select_all(project: Path) -> None:
    selected = {s.relpath: s.skip for s in select_notebooks(load_config(project))}
    assert selected == {
        "nbs/00_core.ipynb": "",
        "nbs/_private.ipynb": "name starts with _",
        "nbs/a_wip.ipynb": 'matches skip pattern "*_wip.ipynb"',
        "nbs/drafts/x.ipynb": 'matches skip pattern "drafts/*"',
        "nbs/quiet/z.ipynb": "nbs/quiet/.notest exists",
        "nbs/sub/inner.ipynb": "",
    }


def test_named_notebooks_run_whatever_their_name(project: Path) -> None:
    config = load_config(project)
    named = [project / "nbs" / "_private.ipynb", project / "nbs" / "drafts" / "x.ipynb"]
    assert [(s.relpath, s.skip) for s in select_notebooks(config, named)] == [
        ("nbs/_private.ipynb", ""),
        ("nbs/drafts/x.ipynb", ""),
    ]
    folder = [project / "nbs" / "sub"]
    assert [s.relpath for s in select_notebooks(config, folder)] == ["nbs/sub/inner.ipynb"]


def test_skip_file_re(tmp_path: Path) -> None:
    (tmp_path / "settings.ini").write_text("[DEFAULT]\nlib_name = acme\nskip_file_re = ^old\n")
    write_notebook(tmp_path / "nbs" / "old_one.ipynb", make_notebook(["1"]))
    write_notebook(tmp_path / "nbs" / "new_one.ipynb", make_notebook(["1"]))
    selected = {s.relpath: s.skip for s in select_notebooks(load_config(tmp_path))}
    assert selected == {
        "nbs/new_one.ipynb": "",
        "nbs/old_one.ipynb": 'matches skip_file_re "^old"',
    }


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.ipynb", "no such file or folder"),
        ("pyproject.toml", r"is not a notebook \(\.ipynb\)"),
        ("..", "is outside the project"),
    ],
)
def test_bad_paths(project: Path, name: str, message: str) -> None:
    with pytest.raises(Nb2pkgError, match=message):
        select_notebooks(load_config(project), [project / name])


def test_exported_cells_map_to_modules(project: Path) -> None:
    loaded = load_project(project)
    cell = loaded.notebook("nbs/00_core.ipynb").cells[1]  # type: ignore[union-attr]
    assert exported_cells(loaded) == {("nbs/00_core.ipynb", cell.id): "acme.core"}


def test_init_module_is_the_package(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"i.ipynb": ["#| default_exp sub.__init__", "#| export\nx = 1"]})
    assert set(exported_cells(load_project(root)).values()) == {"acme.sub"}


def test_plan_against_package(project: Path) -> None:
    planner = Planner(load_config(project), TestOptions(against_package=True))
    planned = planner.plan(project / "nbs" / "00_core.ipynb")
    assert planned.job is not None
    actions = [(s.action, s.module, s.names) for s in planned.job.steps]
    assert actions == [
        (Action.RUN, "", ()),
        (Action.IMPORT, "acme.core", ("f",)),
        (Action.RUN, "", ()),
    ]


def test_plan_skips_flags_and_honours_options(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {"n.ipynb": ["#| slow\n1", "#| notest\n2", "#| gpu\n3", "#| eval: false\n4", "", "5"]},
        tool='\n[tool.nb2pkg.test]\nflags = ["slow", "gpu"]\ntimeout = 9\n',
    )
    path = root / "nbs" / "n.ipynb"
    planned = Planner(load_config(root), TestOptions()).plan(path)
    assert planned.job is not None and [s.source for s in planned.job.steps] == ["5"]
    assert planned.skipped_cells == (("eval: false", 1), ("flag gpu", 1), ("flag notest", 1), ("flag slow", 1))
    assert planned.job.timeout == 9
    planned = Planner(load_config(root), TestOptions(flags=("slow", "notest"), timeout=0)).plan(path)
    assert planned.job is not None
    assert [s.source for s in planned.job.steps] == ["#| slow\n1", "#| notest\n2", "5"]
    assert planned.job.timeout is None


def test_plan_expected_outputs(tmp_path: Path) -> None:
    nb = make_notebook(["print(1)", "#| nb2pkg: ignore-output\nprint(2)", "x = 3", "4"])
    nb.cells[0].outputs = [new_output("stream", name="stdout", text="1\n")]
    nb.cells[0].execution_count = 1
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="2\n")]
    nb.cells[2].execution_count = 3  # ran, printed nothing: expects nothing
    nb.cells[3].metadata["tags"] = ["raises-exception"]  # never ran: nothing to compare
    root = make_project(tmp_path / "p", {})
    write_notebook(root / "nbs" / "o.ipynb", nb)
    planner = Planner(load_config(root), TestOptions(check_outputs=True))
    job = planner.plan(root / "nbs" / "o.ipynb").job
    assert job is not None
    assert [s.expected for s in job.steps] == [(TextOutput("stdout", "1\n"),), None, (), None]
    assert [s.may_raise for s in job.steps] == [False, False, False, True]


@pytest.mark.parametrize(
    ("metadata", "first", "reason"),
    [
        ({"kernelspec": {"language": "R", "name": "ir", "display_name": "R"}}, "1", "a R notebook"),
        ({"language_info": {"name": "julia"}}, "1", "a julia notebook"),
        ({}, ("raw", "---\nskip_exec: true\n---"), "front matter says skip_exec: true"),
        ({}, ("markdown", "# Title\n\n- skip_exec: true"), "front matter says skip_exec: true"),
        ({}, ("markdown", "# Title"), ""),
    ],
)
def test_notebook_level_skips(tmp_path: Path, metadata: dict, first: object, reason: str) -> None:
    root = make_project(tmp_path / "p", {})
    kind, text = ("code", first) if isinstance(first, str) else first
    cells = [("markdown", text) if kind == "markdown" else text] if kind != "raw" else []
    nb = make_notebook([*cells, "2"])
    if kind == "raw":
        from nbformat.v4 import new_raw_cell

        nb.cells.insert(0, new_raw_cell(text))
    nb.metadata.update(metadata)
    write_notebook(root / "nbs" / "n.ipynb", nb)
    planned = Planner(load_config(root), TestOptions()).plan(root / "nbs" / "n.ipynb")
    assert planned.skip == reason
    assert (planned.job is None) is bool(reason)


def test_unreadable_notebook_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    (root / "nbs" / "bad.ipynb").write_text("{not json")
    planned = Planner(load_config(root), TestOptions()).plan(root / "nbs" / "bad.ipynb")
    assert planned.job is None and planned.problem is not None
    assert "is not valid JSON" in planned.problem.message


text = st.text(max_size=20)
steps = st.builds(
    Step,
    index=st.integers(0, 99),
    cell_id=text,
    source=text,
    action=st.sampled_from(Action),
    module=text,
    names=st.tuples(text),
    optional=st.tuples(),
    star_imports=st.tuples(text),
    may_raise=st.booleans(),
    expected=st.none() | st.tuples(st.builds(TextOutput, text, text)),
)
jobs = st.builds(
    Job,
    notebook=text,
    path=text,
    root=text,
    steps=st.lists(steps, max_size=3).map(tuple),
    timeout=st.none() | st.floats(0.1, 100),
    sanitizers=st.lists(st.tuples(text, text), max_size=2).map(tuple),
)
failures = st.builds(
    Failure,
    kind=st.sampled_from(FailureKind),
    message=text,
    cell_index=st.none() | st.integers(0, 9),
    cell_id=st.none() | text,
    line=st.none() | st.integers(1, 9),
    frames=st.lists(st.builds(Frame, text, st.integers(1, 9), text, text), max_size=2).map(tuple),
    output=text,
)
outcomes = st.builds(
    Outcome,
    notebook=text,
    status=st.sampled_from(Status),
    seconds=st.floats(0, 100),
    cells_run=st.integers(0, 9),
    skipped_cells=st.lists(st.tuples(text, st.integers(1, 9)), max_size=2).map(tuple),
    skip_reason=text,
    failure=st.none() | failures,
    mismatches=st.lists(st.builds(Mismatch, st.integers(0, 9), text, text), max_size=2).map(tuple),
)


@given(jobs)
def test_jobs_round_trip_through_json(job: Job) -> None:
    import json

    assert job_from_json(json.loads(json.dumps(job_to_json(job)))) == job


@given(outcomes)
def test_outcomes_round_trip_through_json(outcome: Outcome) -> None:
    import json

    assert outcome_from_json(json.loads(json.dumps(outcome_to_json(outcome)))) == outcome
