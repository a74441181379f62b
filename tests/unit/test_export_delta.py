"""An export that redoes only what changed notebooks touch gives what the full export gives.

After an export, an edited notebook is exported again in its project (where the stamp lets
``export_delta`` redo only the modules it touches) and in a copy of the project without
nb2pkg's records (a full export): the package files, the notebooks, the summary, every
warning and every refusal must be the same, over random projects and random edits — and
again after a second and third edit, so that what the short cut records is checked too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell

from nb2pkg.cache_home import CACHE_DIR
from nb2pkg.commands.export import export_project
from nb2pkg.errors import Nb2pkgError
from nb2pkg.export_facts import dependents, own_references
from nb2pkg.export_result import ExportResult
from tests.projects import make_project

MODULES = 4


def _cells(index: int, choices: list[int]) -> list[Any]:
    """The cells of notebook *index*: a title, its default_exp, then cells by *choices*."""
    other = (index + 1) % MODULES
    made: list[Any] = [
        ("markdown", f"# Module {index}\n\n> Summary {index}."),
        f"#| default_exp m{index}",
    ]
    made.append(f"#| export\ndef f{index}():\n    return {index}")
    makers: list[Callable[[int], str]] = [
        lambda k: f"#| export\nC{index}_{k} = {k}",
        lambda k: f"#| export\nfrom acme.m{other} import f{other}",
        lambda k: (
            f"#| export\nfrom acme.m{other} import *\n\ndef uses_{k}():\n    return f{other}()"
        ),
        lambda k: f"#| export\ndef later_{k}():\n    return missing_{k}",
        lambda k: f"hidden_{index} = {k}",
        lambda k: f"#| export\ndef hides_{k}():\n    return hidden_{index}",
        lambda k: f"#| frobnicate\nx_{k} = 1",
        lambda k: f"#| export\ndef f{index}():\n    return {k}",  # defined again: NB602
        lambda k: f"#| export m{other}\ndef sent_{index}_{k}():\n    return {k}",
        lambda k: f"#| export\nfrom acme.extra import *\n\ndef via_{k}():\n    return f0()",
        lambda k: "#| export\nimport acme.m0 as base\n\ndef through():\n    return base.f0()",
        lambda k: f"#| export\nfrom . import m{other}",
    ]
    for k, choice in enumerate(choices):
        made.append(makers[choice % len(makers)](k))
    return made


#: Besides the four modules: a module in a sub-package that star-imports m0 (relative, two
#: dots), and a notebook of prose and scratch code that sends docs to m1.
OTHERS = {
    "sub/04_inner.ipynb": [
        ("markdown", "# Inner\n\n> A module in a sub-package."),
        "#| default_exp sub.inner",
        "#| export\nfrom ..m0 import *\n\ndef inner():\n    return f0()",
    ],
    "05_docs.ipynb": [
        ("markdown", "# Notes"),
        "scratch = 1 + 1",
        "#| exportd m1\nprint('used like this')",
    ],
}


def _make(root: Path, layout: list[list[int]], hand_written: bool) -> Path:
    notebooks = {f"{i:02}_m{i}.ipynb": _cells(i, c) for i, c in enumerate(layout)}
    make_project(root, {**notebooks, **OTHERS})
    if hand_written:
        (root / "acme").mkdir(exist_ok=True)
        (root / "acme" / "extra.py").write_text("from .m0 import *\n", encoding="utf-8")
    return root


EDITS = (
    "value",
    "rename",
    "add_def",
    "delete_cell",
    "warning",
    "undefined",
    "title",
    "send_elsewhere",
    "hand_written",
    "new_notebook",
    "misspelt",
    "nothing",
)


def _edit(root: Path, edit: str, which: int, seed: int) -> None:
    notebooks = sorted((root / "nbs").rglob("*.ipynb"))
    path = notebooks[which % len(notebooks)]
    nb = nbformat.read(str(path), as_version=4)
    named = re.fullmatch(r"\d+_m(\d+)", path.stem)
    index = int(named.group(1)) if named else 0
    cells = nb.cells
    code = [c for c in cells if c.cell_type == "code"]
    if edit == "value":
        numbered = [c for c in code if re.search(r"= \d|return \d", c.source)] or code
        cell = numbered[seed % len(numbered)]
        cell.source = re.sub(r"(= |return )(\d+)", rf"\g<1>{seed + 100}", cell.source, count=1)
    elif edit == "rename":
        for cell in code:
            cell.source = cell.source.replace(f"def f{index}(", f"def g{index}(")
    elif edit == "add_def":
        cells.append(new_code_cell(f"#| export\ndef added_{seed}():\n    return {seed}"))
    elif edit == "delete_cell" and len(cells) > 3:
        del cells[3 + seed % (len(cells) - 3)]
    elif edit == "warning":
        cells.append(new_code_cell(f"#| whatever{seed}\ny = 1"))
    elif edit == "undefined":
        cells.append(new_code_cell(f"#| export\ndef broken_{seed}():\n    return nowhere_{seed}"))
    elif edit == "title":
        cells[0].source = f"# Module {index}, retitled\n\n> Summary {seed}."
    elif edit == "send_elsewhere":
        cells.append(new_code_cell(f"#| export m{(index + 2) % MODULES}\nZ_{seed} = 1"))
    elif edit == "hand_written":
        (root / "acme").mkdir(exist_ok=True)
        (root / "acme" / "extra.py").write_text(
            f"from .m{seed % MODULES} import *\n", encoding="utf-8"
        )
        return
    elif edit == "new_notebook":
        copy = nbformat.v4.new_notebook(
            cells=[new_code_cell(f"#| default_exp copy{seed}"), new_code_cell("#| export\nq = 1")]
        )
        nbformat.write(copy, str(root / "nbs" / f"{90 + seed}_copy.ipynb"))
        return
    elif edit == "misspelt":
        cells.append(new_code_cell("#| exprot\nw = 1"))
    elif edit == "nothing":
        return
    nbformat.write(nb, str(path))


def _outcome(root: Path, check: bool = True) -> tuple[Any, ...]:
    """Export *root*; return what a user sees and every file of the project."""
    try:
        result = export_project(root, check=check)
        shown: tuple[Any, ...] = ("done", result.summary(), [str(w) for w in result.warnings])
    except Nb2pkgError as exc:
        shown = ("refused", type(exc).__name__, str(exc))
    return shown, project_files(root)


def project_files(root: Path) -> dict[str, bytes]:
    """Return every file of the project but nb2pkg's records, by path, as bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and CACHE_DIR not in p.relative_to(root).parts
        and "__pycache__" not in p.parts
    }


def _full_copy(root: Path, target: Path) -> Path:
    """Copy the project without nb2pkg's records: its export is a full one."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(root, target, ignore=shutil.ignore_patterns(CACHE_DIR, "__pycache__"))
    return target


layouts = st.lists(
    st.lists(st.integers(0, 11), min_size=0, max_size=5), min_size=MODULES, max_size=MODULES
)
steps = st.lists(
    st.tuples(st.sampled_from(EDITS), st.integers(0, MODULES), st.integers(0, 50)),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=int(os.environ.get("NB2PKG_DELTA_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(layout=layouts, hand_written=st.booleans(), edits=steps, check=st.booleans())
def test_the_short_cut_exports_what_the_full_export_does(
    layout: list[list[int]], hand_written: bool, edits: list[tuple[str, int, int]], check: bool
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = _make(Path(scratch) / "p", layout, hand_written)
        _outcome(root, check)
        for edit, which, seed in edits:
            _edit(root, edit, which, seed)
            full = _outcome(_full_copy(root, Path(scratch) / "full"), check)
            assert _outcome(root, check) == full, (edit, which, seed)


def _exported(root: Path) -> ExportResult:
    return export_project(root)


def _short_cut_taken(result: ExportResult) -> bool:
    """A result made by the short cut has no project (nothing was loaded whole) but facts."""
    return result.project is None and result.facts is not None


@pytest.mark.parametrize(
    ("edit", "taken"),
    [
        ("value", True),
        ("add_def", True),
        ("warning", True),
        ("title", True),
        ("rename", False),  # m1 imports f0: the export is refused, and the full export says so
        ("send_elsewhere", False),  # the notebook feeds another module now
        ("hand_written", False),
        ("new_notebook", False),
        ("misspelt", False),  # NB402 refuses the export: the full export reports every problem
    ],
)
def test_which_edits_take_the_short_cut(tmp_path: Path, edit: str, taken: bool) -> None:
    root = _make(tmp_path / "p", [[1], [1], [0], [1]], hand_written=False)
    assert not _short_cut_taken(_exported(root))
    _edit(root, edit, 0, 3)
    copy = _full_copy(root, tmp_path / "full")
    try:
        result = _exported(root)
    except Nb2pkgError:
        assert not taken
        return
    assert _short_cut_taken(result) is taken
    assert _outcome(root)[1] == _outcome(copy)[1]  # the files: the same


def test_a_module_importing_a_changed_one_is_checked_again(tmp_path: Path) -> None:
    """m1 imports f0 from m0 inside a function: renaming f0 in notebook 0 breaks m1 only when
    called, so the export goes through — and must report m1's import, although notebook 1
    did not change."""
    cells0 = _cells(0, [])
    cells1 = _cells(1, []) + ["#| export\ndef late():\n    from acme.m0 import f0\n    return f0()"]
    root = make_project(tmp_path / "p", {"00_m0.ipynb": cells0, "01_m1.ipynb": cells1})
    assert export_project(root).warnings == ()
    _edit(root, "rename", 0, 0)
    result = export_project(root)
    assert _short_cut_taken(result)
    assert [w.code for w in result.warnings] == ["NB103"]
    assert result.warnings[0].where is not None
    assert result.warnings[0].where.file == "nbs/01_m1.ipynb"
    assert '"f0" is not defined in acme.m0' in result.warnings[0].message


def test_a_star_import_through_a_hand_written_module_counts(tmp_path: Path) -> None:
    """m1 uses f0 through ``acme.extra`` (hand-written: ``from .m0 import *``): renaming f0
    leaves m1's use undefined — m1 depends on m0 through a file no notebook makes."""
    cells1 = _cells(1, []) + ["#| export\nfrom acme.extra import *\n\ndef via():\n    return f0()"]
    root = make_project(tmp_path / "p", {"00_m0.ipynb": _cells(0, []), "01_m1.ipynb": cells1})
    (root / "acme").mkdir(exist_ok=True)
    (root / "acme" / "extra.py").write_text("from .m0 import *\n", encoding="utf-8")
    assert export_project(root).warnings == ()
    _edit(root, "rename", 0, 0)
    result = export_project(root)
    assert _short_cut_taken(result)
    assert [(w.code, w.where.file if w.where else None) for w in result.warnings] == [
        ("NB101", "nbs/01_m1.ipynb")
    ]


def test_a_module_no_changed_notebook_reaches_keeps_its_recorded_findings(tmp_path: Path) -> None:
    cells1 = _cells(1, []) + ["#| export\ndef later():\n    return missing_name"]
    root = make_project(tmp_path / "p", {"00_m0.ipynb": _cells(0, []), "01_m1.ipynb": cells1})
    first = export_project(root)
    _edit(root, "value", 0, 0)
    second = export_project(root)
    assert _short_cut_taken(second)
    assert [str(w) for w in second.warnings] == [str(w) for w in first.warnings]
    assert [w.code for w in second.warnings] == ["NB101"]


def test_a_damaged_record_costs_a_full_export(tmp_path: Path) -> None:
    root = _make(tmp_path / "p", [[0], [1], [2], [3]], hand_written=False)
    export_project(root)
    stamp = root / CACHE_DIR / "cache" / "export-stamp.json"
    data = json.loads(stamp.read_text(encoding="utf-8"))
    data["facts"]["modules"]["m0"][2] = "not a number"
    stamp.write_text(json.dumps(data), encoding="utf-8")
    _edit(root, "value", 0, 0)
    copy = _full_copy(root, tmp_path / "full")
    result = export_project(root)
    assert not _short_cut_taken(result)
    assert result.summary() == _outcome(copy)[0][1]


@pytest.mark.parametrize(
    ("text", "importer", "expected"),
    [
        ("from . import core", "acme.x", {"acme", "acme.core"}),
        ("from .core import *", "acme.x", {"acme.core"}),
        ("from ..core import f", "acme.sub.x", {"acme.core", "acme.core.f"}),
        ("from .inner import f", "acme.sub", {"acme.sub.inner", "acme.sub.inner.f"}),
        ("from ... import f", "acme.x", set()),  # above the package: nothing
        ("from acme.core import (a,\n  b)", "acme.x", {"acme.core", "acme.core.*"}),
        ("x = 1; from .core import f  # note", "acme.x", {"acme.core", "acme.core.f"}),
        ("import acme.core.deep as d", "acme.x", {"acme.core.deep"}),
        ("importlib.import_module('acme.core')", "acme.x", {"acme.core"}),
        ("import acmeish\nfrom os import path", "acme.x", set()),
        ("from acme import core, helpers as h", "acme.x", {"acme", "acme.core", "acme.helpers"}),
    ],
)
def test_own_references(text: str, importer: str, expected: set[str]) -> None:
    is_package = importer == "acme.sub"
    assert set(own_references(text, importer, is_package, "acme")) == expected


def test_dependents_follow_chains_and_wide_references() -> None:
    refers = {
        "a.core": (),
        "a.x": ("a.core",),
        "a.y": ("a.x.f", "a.x"),
        "a": ("a.y",),
        "a.z": ("a",),
        "a.w": ("a.q",),
        "a.v": ("a.*",),
        "a.sub.inner": ("a.sub.*",),
    }
    assert dependents({"a.core"}, refers) == {"a.x", "a.y", "a", "a.z", "a.v"}
    assert dependents({"a.w"}, refers) == {"a.v"}
    assert dependents({"a.sub.inner"}, refers) == {"a.v", "a.sub.inner"} - {"a.sub.inner"}


def test_a_notebook_saved_while_it_is_read_costs_a_full_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The short cut reads a notebook after hashing it; bytes that changed in between are
    not used (the full export reads everything again)."""
    from nb2pkg import export_delta

    root = _make(tmp_path / "p", [[0], [0], [0], [0]], hand_written=False)
    export_project(root)
    _edit(root, "value", 0, 1)
    original = export_delta.read_notebook

    def saved_meanwhile(path: Path, relpath: str, cache: Any = None) -> Any:
        _edit(root, "value", 0, 2)  # the user saves again after the hash was taken
        monkeypatch.setattr(export_delta, "read_notebook", original)
        return original(path, relpath, cache)

    monkeypatch.setattr(export_delta, "read_notebook", saved_meanwhile)
    result = export_project(root)
    assert not _short_cut_taken(result)
    assert "return 102" in (root / "acme" / "m0.py").read_text(encoding="utf-8")


def test_with_black_the_short_cut_formats_as_the_full_export(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {"00_m0.ipynb": _cells(0, [0]), "01_m1.ipynb": _cells(1, [0])},
        tool="format = true",
    )
    export_project(root)
    path = root / "nbs" / "00_m0.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(new_code_cell("#| export\ndef  spaced( a,b ):\n  return [a,\n b]"))
    nbformat.write(nb, str(path))
    copy = _full_copy(root, tmp_path / "full")
    result = export_project(root)
    assert _short_cut_taken(result)
    assert _outcome(root)[1] == _outcome(copy)[1]
    assert "def spaced(a, b):" in (root / "acme" / "m0.py").read_text(encoding="utf-8")
