"""Planning: modules from all notebooks at once, conflicts reported up front."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.errors import Nb2pkgError, PlanError
from nb2pkg.notebook import Notebook, parse_notebook
from nb2pkg.plan import check_module_name, make_plan, plan_with_problems
from tests.projects import make_notebook

LIB = Path("/project/acme")


def notebook(relpath: str, *cells: str) -> Notebook:
    import nbformat

    data = nbformat.writes(make_notebook(cells)).encode()
    return parse_notebook(data, Path("/project") / relpath, relpath)


def test_export_to_a_module_declared_by_a_later_notebook() -> None:
    first = notebook("nbs/00_a.ipynb", "#| default_exp a", "#| export other\ndef g(): pass")
    second = notebook("nbs/01_other.ipynb", "#| default_exp other", "#| export\ndef h(): pass")
    for order in ([first, second], [second, first]):
        plan = make_plan("acme", LIB, order)
        other = plan.module("other")
        assert other is not None
        assert {c.code for c in other.chunks} == {"def g(): pass", "def h(): pass"}
        assert other.path == LIB / "other.py"


def test_export_to_a_module_nobody_declares_creates_it() -> None:
    plan = make_plan(
        "acme", LIB, [notebook("nbs/a.ipynb", "#| default_exp a", "#| export util.io\nx = 1")]
    )
    module = plan.module("util.io")
    assert module is not None and module.path == LIB / "util" / "io.py"


def test_two_notebooks_one_default_exp_names_both() -> None:
    first = notebook("nbs/a.ipynb", "#| default_exp core")
    second = notebook("nbs/b.ipynb", "#| default_exp core")
    with pytest.raises(PlanError) as info:
        make_plan("acme", LIB, [first, second])
    message = str(info.value)
    assert message.startswith("nbs/b.ipynb: cell 1")
    assert "nbs/a.ipynb: cell 1" in message


def test_export_without_target() -> None:
    with pytest.raises(PlanError, match="without a target module") as info:
        make_plan("acme", LIB, [notebook("nbs/a.ipynb", "x = 0", "#| export\nx = 1")])
    assert info.value.where is not None
    assert (info.value.where.cell_index, info.value.where.line) == (1, 1)


def test_all_problems_are_reported_together() -> None:
    bad = notebook("nbs/a.ipynb", "#| export\nx = 1", "#| export ../evil\ny = 2")
    other = notebook("nbs/b.ipynb", "#| default_exp 1x")
    with pytest.raises(Nb2pkgError) as info:
        make_plan("acme", LIB, [bad, other])
    text = str(info.value)
    assert (
        "without a target module" in text
        and "leave the package" in text
        and '"1x" starts with a digit' in text
    )


# the refused declaration, in cell 1 → the one problem reported, not one per exported cell
REFUSED = [
    ("#| default_exp 1x", '"1x" starts with a digit'),
    ("#| default_exp class", '"class" is a Python keyword'),
    ("#| default_exp \ufb01le", 'read by Python as "file"'),
    ("#| default_exp ../evil", "leave the package"),
    ("#| default_exp core", "two notebooks cannot own one module"),  # core.ipynb has it
]


@pytest.mark.parametrize(("declaration", "reason"), REFUSED)
def test_a_refused_default_exp_is_reported_once(declaration: str, reason: str) -> None:
    owner = notebook("nbs/core.ipynb", "#| default_exp core")
    cells = [declaration, "#| export\nx = 1", "#| exporti\ny = 2", "#| export\nz = 3"]
    with pytest.raises(PlanError) as info:  # one problem: not a ProblemsFound
        make_plan("acme", LIB, [owner, notebook("nbs/b.ipynb", *cells)])
    assert reason in str(info.value) and "without a target module" not in str(info.value)
    assert info.value.where is not None and info.value.where.cell_number == 1
    _, problems = plan_with_problems("acme", LIB, [owner, notebook("nbs/b.ipynb", *cells)])
    assert len(problems) == 1


def test_module_and_package_of_the_same_name_collide() -> None:
    nb = notebook("nbs/a.ipynb", "#| default_exp sub", "#| export sub.inner\nx = 1")
    with pytest.raises(PlanError, match='export "sub" as "sub.__init__"'):
        make_plan("acme", LIB, [nb])


def test_init_modules() -> None:
    nb = notebook(
        "nbs/a.ipynb",
        "#| default_exp sub.__init__",
        "#| export\nx = 1",
        "#| export sub.inner\ny = 1",
    )
    plan = make_plan("acme", LIB, [nb])
    assert plan.module("sub.__init__").path == LIB / "sub" / "__init__.py"  # type: ignore[union-attr]


def test_title_from_first_markdown_cell() -> None:
    import nbformat

    nb = make_notebook([("markdown", "# Core\n\n> Greeting people"), "#| default_exp core"])
    parsed = parse_notebook(
        nbformat.writes(nb).encode(), Path("/project/nbs/c.ipynb"), "nbs/c.ipynb"
    )
    plan = make_plan("acme", LIB, [parsed])
    assert plan.module("core").title == "Greeting people"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("core", True),
        ("data.loaders", True),
        ("sub.__init__", True),
        ("__init__", True),
        ("", False),
        ("../x", False),
        ("/abs", False),
        (".rel", False),
        ("a..b", False),
        ("a-b", False),
        ("class", False),
        ("1x", False),
        ("a.__init__.b", False),
        ("a/b", False),
    ],
)
def test_module_names(name: str, ok: bool) -> None:
    assert (check_module_name(name) is None) is ok
