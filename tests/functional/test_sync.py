"""``nb2pkg sync`` on real projects: edit generated modules, read the notebooks back with nbformat."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.commands.export import export_project
from nb2pkg.commands.sync import sync_project
from nb2pkg.errors import SyncConflict
from nb2pkg.markers import split_blocks
from tests.projects import make_project, run_cli, run_python, snapshot

CORE = [
    ("markdown", "# Core\n\n> Greeting people."),
    "#| default_exp core",
    "#| export\ndef greet(name):\n    return 'hello ' + name",
    "greet('x')",
    "#| export\n#| hide\nLIMIT = 3",
    "#| exporti\ndef _helper():\n    return 1",
]
UTIL = [
    "#| default_exp sub.util",
    "#| export\nfrom acme.core import greet\n\ndef loud(name):\n    return greet(name).upper()",
]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "proj", {"00_core.ipynb": CORE, "01_util.ipynb": UTIL})
    # Outputs and execution counts on cells, to prove sync keeps them.
    path = root / "nbs" / "00_core.ipynb"
    nb = nbformat.read(path, as_version=4)
    for index in (2, 3):
        nb.cells[index].execution_count = index
        nb.cells[index].outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=f"out {index}\n")
        ]
    nbformat.write(nb, path)
    export_project(root)
    return root


def read(root: Path, name: str = "00_core.ipynb") -> nbformat.NotebookNode:
    nb = nbformat.read(root / "nbs" / name, as_version=4)
    nbformat.validate(nb)
    return nb


def edit(root: Path, module: str, old: str, new: str) -> None:
    path = root / "acme" / module
    text = path.read_text()
    assert old in text, f"{old!r} not in {module}"
    path.write_text(text.replace(old, new, 1))


def edit_cell(root: Path, index: int, source: str, name: str = "00_core.ipynb") -> None:
    nb = read(root, name)
    nb.cells[index].source = source
    nbformat.write(nb, root / "nbs" / name)


def test_edit_inside_a_block_goes_into_its_cell(project: Path) -> None:
    before = read(project)
    edit(project, "core.py", "return 'hello ' + name", "return 'hi ' + name")
    result = run_cli("sync", "--path", project)
    assert result.returncode == 0, result.stderr
    assert "synced 1 edited, 0 added and 0 removed cells into 1 notebook" in result.stdout
    after = read(project)
    assert after.cells[2].source == "#| export\ndef greet(name):\n    return 'hi ' + name"
    assert after.cells[2].id == before.cells[2].id
    assert after.cells[2].outputs == before.cells[2].outputs
    assert after.cells[2].execution_count == 2
    assert after.cells[3] == before.cells[3]  # untouched cell, outputs and all
    assert [c.id for c in after.cells] == [c.id for c in before.cells]


def test_only_the_edited_cells_lines_change_in_the_json(project: Path) -> None:
    path = project / "nbs" / "00_core.ipynb"
    old_lines = path.read_text().splitlines()
    edit(project, "core.py", "return 'hello ' + name", "return 'hi ' + name")
    sync_project(project)
    new_lines = path.read_text().splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert changed == [("    \"    return 'hello ' + name\"", "    \"    return 'hi ' + name\"")]


def test_code_appended_to_a_block_belongs_to_its_cell(project: Path) -> None:
    edit(project, "core.py", "LIMIT = 3\n", "LIMIT = 3\nTIMEOUT = 10\n")
    sync_project(project)
    assert read(project).cells[4].source == "#| export\n#| hide\nLIMIT = 3\nTIMEOUT = 10"
    assert '"TIMEOUT"' in (project / "acme" / "core.py").read_text()  # __all__ re-exported


def test_new_block_becomes_a_new_cell_after_the_previous_one(project: Path) -> None:
    edit(
        project,
        "core.py",
        "LIMIT = 3\n",
        "LIMIT = 3\n\n\n# %%\ndef farewell(name):\n    return 'bye ' + name\n",
    )
    result = sync_project(project)
    assert result.summary().startswith("synced 0 edited, 1 added")
    cells = read(project).cells
    assert cells[5].source == "#| export\ndef farewell(name):\n    return 'bye ' + name"
    assert cells[6].source.startswith("#| exporti")
    check = run_python("import acme.core as c; print(c.farewell('x'))", path=project)
    assert check.stdout.strip() == "bye x", check.stderr
    assert sync_project(project).summary().startswith("nothing to sync")


def test_new_block_in_a_module_of_another_notebook_names_the_module(project: Path) -> None:
    edit(
        project,
        "sub/util.py",
        "return greet(name).upper()\n",
        "return greet(name).upper()\n\n\n# %%\nQUIET = 1\n",
    )
    sync_project(project)
    cells = read(project, "01_util.ipynb").cells
    assert cells[-1].source == "#| export\nQUIET = 1"


def test_removed_block_removes_its_cell(project: Path) -> None:
    text = (project / "acme" / "core.py").read_text()
    start = text.index("# %% nbs/00_core.ipynb #" + read(project).cells[4].id)
    end = text.index("# %%", start + 1)
    (project / "acme" / "core.py").write_text(text[:start] + text[end:])
    dry = run_cli("sync", "--path", project, "--dry-run")
    assert "remove nbs/00_core.ipynb: cell 5" in dry.stdout
    result = sync_project(project)
    assert result.summary().startswith("synced 0 edited, 0 added and 1 removed")
    assert "LIMIT" not in "".join(c.source for c in read(project).cells)


def test_import_edits_go_back_in_absolute_form(project: Path) -> None:
    edit(project, "sub/util.py", "from ..core import greet\n", "from ..core import greet, LIMIT\n")
    sync_project(project)
    assert (
        read(project, "01_util.ipynb")
        .cells[1]
        .source.startswith("#| export\nfrom acme.core import greet, LIMIT\n")
    )


def test_formatting_is_an_edit_and_reaches_the_notebook(project: Path) -> None:
    # With format = false (the default), code compares exactly: a module run through black
    # gives formatted notebooks, and sync, export and check --ci then agree.
    edit(project, "core.py", "return 'hello ' + name", 'return "hello " + name')
    assert sync_project(project).summary().startswith("synced 1 edited")
    assert 'return "hello " + name' in read(project).cells[2].source
    assert sync_project(project).summary().startswith("nothing to sync")
    assert run_cli("check", "--ci", "--path", project).returncode == 0


def test_notebook_only_edit_is_left_to_export(project: Path) -> None:
    edit_cell(project, 2, "#| export\ndef greet(name):\n    return 'hey ' + name")
    before = snapshot(project / "nbs")
    sync_project(project)
    assert snapshot(project / "nbs") == before
    assert "'hey '" not in (project / "acme" / "core.py").read_text()
    export_project(project)
    assert "'hey '" in (project / "acme" / "core.py").read_text()


def test_both_sides_same_edit_is_a_no_op(project: Path) -> None:
    edit_cell(project, 2, "#| export\ndef greet(name):\n    return 'hey ' + name")
    edit(project, "core.py", "return 'hello ' + name", "return 'hey ' + name")
    before = snapshot(project / "nbs")
    sync_project(project)
    assert snapshot(project / "nbs") == before


def test_conflict_writes_nothing_and_shows_both_versions(project: Path) -> None:
    edit_cell(project, 2, "#| export\ndef greet(name):\n    return 'hey ' + name")
    edit(project, "core.py", "return 'hello ' + name", "return 'yo ' + name")
    edit(
        project, "sub/util.py", ".upper()", ".lower()"
    )  # a clean edit elsewhere: not written either
    before = snapshot(project)
    result = run_cli("sync", "--path", project)
    assert result.returncode == 1
    assert "1 cell changed on both sides; nothing was written." in result.stderr
    assert re.search(r"nbs/00_core.ipynb: cell 3 \(id \w+\): edited both", result.stderr)
    assert (
        "-    return 'hey ' + name" in result.stderr and "+    return 'yo ' + name" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before


def test_prefer_module_and_prefer_notebook(project: Path, tmp_path: Path) -> None:
    edit_cell(project, 2, "#| export\ndef greet(name):\n    return 'hey ' + name")
    edit(project, "core.py", "return 'hello ' + name", "return 'yo ' + name")
    assert run_cli("sync", "--path", project, "--prefer", "module").returncode == 0
    assert "'yo '" in read(project).cells[2].source
    edit_cell(project, 2, "#| export\ndef greet(name):\n    return 'hey ' + name")
    edit(project, "core.py", "return 'yo ' + name", "return 'sup ' + name")
    assert run_cli("sync", "--path", project, "--prefer", "notebook").returncode == 0
    assert "'hey '" in read(project).cells[2].source
    assert "'hey '" in (project / "acme" / "core.py").read_text()  # re-exported


def test_nbdev_modules_without_base_hash(project: Path) -> None:
    nb = read(project)
    text = (project / "acme" / "core.py").read_text()
    # Rewrite the module as nbdev writes it: markers relative to the module, cell index, no hash.
    text = re.sub(
        r"# %% nbs/00_core.ipynb #(\w+) \w+",
        lambda m: f"# %% ../nbs/00_core.ipynb {[c.id for c in nb.cells].index(m.group(1))}",
        text,
    )
    text = re.sub(
        r"# Generated by nb2pkg.*",
        "# AUTOGENERATED! DO NOT EDIT! File to edit: ../nbs/00_core.ipynb.",
        text,
    )
    text = re.sub(r"# nb2pkg cells: .*\n", "", text)
    (project / "acme" / "core.py").write_text(text)
    assert sync_project(project).summary().startswith("nothing to sync")
    edit(project, "core.py", "return 'hello ' + name", "return 'nbdev ' + name")
    with pytest.raises(SyncConflict, match="no base hash"):
        sync_project(project)
    sync_project(project, prefer="module")
    assert "'nbdev '" in read(project).cells[2].source


def test_marker_with_an_unknown_cell_id(project: Path) -> None:
    text = (project / "acme" / "core.py").read_text()
    cell_id = read(project).cells[2].id
    (project / "acme" / "core.py").write_text(text.replace(f"#{cell_id} ", "#gone1234 "))
    assert (
        sync_project(project).summary().startswith("nothing to sync")
    )  # unchanged block: export's job
    edit(project, "core.py", "return 'hello ' + name", "return 'lost ' + name")
    with pytest.raises(SyncConflict, match="cell was deleted from the notebook"):
        sync_project(project)


def test_malformed_marker_is_a_located_error(project: Path) -> None:
    edit(project, "core.py", "# %% nbs/00_core.ipynb", "# %% nbs/nowhere.ipynb")
    edit(project, "core.py", "return 'hello ' + name", "return 'x ' + name")
    before = snapshot(project)
    result = run_cli("sync", "--path", project)
    assert result.returncode == 2
    assert re.search(
        r"error: acme/core.py: line \d+: the marker names the notebook \"nbs/nowhere.ipynb\"",
        result.stderr,
    )
    assert snapshot(project) == before


def test_reordered_blocks_reorder_their_cells(project: Path) -> None:
    path = project / "acme" / "core.py"
    head, blocks = split_blocks(path.read_text())
    swapped = [blocks[1], blocks[0], *blocks[2:]]
    path.write_text(
        head
        + "".join(
            f"# %% {b.marker.notebook} #{b.marker.cell_id} {b.marker.digest}\n{b.code}\n\n"
            for b in swapped
        )
    )
    ids = [c.id for c in read(project).cells]
    result = run_cli("sync", "--path", project)
    assert result.returncode == 0, result.stderr
    after = read(project)
    # The cell of the block now first stays; the other follows it, directives untouched.
    assert [c.id for c in after.cells] == [ids[0], ids[1], ids[3], ids[4], ids[2], ids[5]]
    assert after.cells[4].source.startswith("#| export\n")
    assert sync_project(project).summary().startswith("nothing to sync")


def test_docstring_edits_are_refused_with_the_place_to_make_them(project: Path) -> None:
    edit(project, "core.py", '"""Greeting people."""', '"""Something else."""')
    before = snapshot(project)
    result = run_cli("sync", "--path", project)
    assert result.returncode == 1
    assert "docstring" in result.stderr and "first markdown cell" in result.stderr
    assert snapshot(project) == before


def test_syntax_error_in_a_block_is_refused(project: Path) -> None:
    edit(project, "core.py", "return 'hello ' + name", "return 'hello ' +")
    result = run_cli("sync", "--path", project)
    assert (
        result.returncode == 2
        and "syntax error" in result.stderr
        and "acme/core.py: line" in result.stderr
    )


def test_dry_run_prints_diffs_and_writes_nothing(project: Path) -> None:
    edit(project, "core.py", "return 'hello ' + name", "return 'hi ' + name")
    before = snapshot(project)
    result = run_cli("sync", "--path", project, "--dry-run")
    assert result.returncode == 0
    assert "+    return 'hi ' + name" in result.stdout and result.stdout.strip().endswith(
        "1 module re-exported"
    )
    assert snapshot(project) == before


def test_sync_after_sync_is_a_no_op_and_export_keeps_the_code(project: Path) -> None:
    edit(project, "core.py", "return 'hello ' + name", "return 'hi ' + name")
    edited = (project / "acme" / "core.py").read_text()
    sync_project(project)
    def strip(text: str) -> str:
        text = re.sub(r"# nb2pkg cells: .*\n", "", text)
        return re.sub(r"(# %% .* )\w{8}\n", r"\1\n", text)
    assert strip((project / "acme" / "core.py").read_text()) == strip(edited)
    before = snapshot(project / "nbs")
    assert sync_project(project).summary().startswith("nothing to sync")
    export_project(project)
    assert snapshot(project / "nbs") == before


# --- properties ---------------------------------------------------------------------------

BODIES = st.lists(
    st.one_of(
        st.integers(0, 10**6).map(lambda n: f"value = {n}"),
        st.from_regex(r"[a-z]{1,8}", fullmatch=True).map(
            lambda s: f"def fn_{s}():\n    return {s!r}"
        ),
        st.from_regex(r"[a-z]{1,8}", fullmatch=True).map(lambda s: f"# note {s}\nname_{s} = '{s}'"),
        st.just("from acme.core import greet"),
    ),
    min_size=1,
    max_size=3,
).map("\n".join)


def _project(root: Path, bodies: list[str]) -> Path:
    cells = ["#| default_exp core", "#| export\ndef greet(name):\n    return name"]
    cells += [f"#| export\n{body}" for body in bodies]
    return make_project(
        root,
        {
            "00_core.ipynb": cells,
            "01_more.ipynb": [
                "#| default_exp more",
                "#| export\nfrom acme.core import greet\nX = 1",
            ],
        },
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bodies=st.lists(BODIES, min_size=1, max_size=3), data=st.data())
def test_random_module_edits_round_trip(
    tmp_path_factory: pytest.TempPathFactory, bodies: list[str], data: st.DataObject
) -> None:
    root = _project(tmp_path_factory.mktemp("prop"), bodies)
    export_project(root)
    path = root / "acme" / "core.py"
    head, blocks = split_blocks(path.read_text())
    targets = data.draw(st.sets(st.integers(1, len(blocks) - 1), min_size=1))
    codes = []
    for index, block in enumerate(blocks):
        code = block.code
        if index in targets:
            code = (
                data.draw(BODIES).replace("from acme.core import greet", "X_ALIAS = greet") + "\n"
            )
        codes.append(code)
    path.write_text(
        head
        + "\n\n".join(
            f"# %% {b.marker.notebook} #{b.marker.cell_id} {b.marker.digest}\n{c}"
            for b, c in zip(blocks, codes)
        )
    )
    sync_project(root)
    export_project(root)
    _, after = split_blocks(path.read_text())
    assert [b.code for b in after] == codes
    for name in ("00_core.ipynb", "01_more.ipynb"):
        nbformat.validate(nbformat.read(root / "nbs" / name, as_version=4))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bodies=st.lists(BODIES, min_size=1, max_size=4))
def test_sync_without_edits_leaves_notebooks_byte_identical(
    tmp_path_factory: pytest.TempPathFactory, bodies: list[str]
) -> None:
    root = _project(tmp_path_factory.mktemp("noop"), bodies)
    export_project(root)
    before = {p: p.read_bytes() for p in (root / "nbs").glob("*.ipynb")}
    sync_project(root)
    assert {p: p.read_bytes() for p in (root / "nbs").glob("*.ipynb")} == before


def test_json_layout_of_other_writers_is_kept(project: Path) -> None:
    path = project / "nbs" / "00_core.ipynb"
    raw = json.loads(path.read_text())
    path.write_text(json.dumps(raw, indent=2, sort_keys=True, ensure_ascii=False))
    export_project(project)
    edit(project, "core.py", "return 'hello ' + name", "return 'hi ' + name")
    sync_project(project)
    text = path.read_text()
    assert text.splitlines()[1].startswith('  "')  # still indented by two
    assert json.loads(text)["cells"][2]["source"][-1] == "    return 'hi ' + name"


# --- fuzzing the module reader -------------------------------------------------------------

NOISE = st.one_of(
    st.text(max_size=30),
    st.sampled_from([
        "# %%", "# %% nbs/00_core.ipynb", "# %% nbs/nowhere.ipynb #abc 01234567", "# %% ../nbs/00_core.ipynb 99",
        "# %% nbs/00_core.ipynb #", "# %% auto 0", "# nb2pkg cells: nbs/00_core.ipynb zz:00000000", "def (:",
        "\x00", "\ud800", "    indented = 1", "from ..nowhere import x", "__all__ = 5", '"""',
    ]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mangled_modules_never_crash_sync_or_half_write(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    from nb2pkg.commands.check import check_project
    from nb2pkg.errors import Nb2pkgError

    root = make_project(tmp_path_factory.mktemp("fuzz"), {"00_core.ipynb": CORE})
    export_project(root)
    path = root / "acme" / "core.py"
    lines = path.read_text().splitlines()
    for _ in range(data.draw(st.integers(1, 5))):
        position = data.draw(st.integers(0, len(lines)))
        if lines and data.draw(st.booleans()):
            del lines[min(position, len(lines) - 1)]
        else:
            lines.insert(position, data.draw(NOISE))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    before = snapshot(root / "nbs")
    try:
        sync_project(root)
    except Nb2pkgError as exc:
        assert str(exc).strip()
        assert snapshot(root / "nbs") == before
    for name in ("00_core.ipynb",):
        nbformat.validate(nbformat.read(root / "nbs" / name, as_version=4))
    try:
        check_project(root, ci=True)
    except Nb2pkgError as exc:
        assert str(exc).strip()


@pytest.mark.parametrize("ending", ["", "\n", "\n\n\n", "\n  \n", " "])
@pytest.mark.parametrize("module_end", ["", "\n\n\n"])
def test_sync_keeps_the_white_space_that_closes_a_cell(
    tmp_path: Path, ending: str, module_end: str
) -> None:
    """Blank lines (or none) at the end of a cell are its layout: an edit elsewhere in the
    block, or blank lines added at the block's end in the module, leave them as they are."""
    body = "def f():\n    return 1\n\n\ndef g():\n    return 2"
    root = make_project(
        tmp_path / "p", {"core.ipynb": ["#| default_exp core", "#| export\n" + body + ending]}
    )
    export_project(root)
    module = root / "acme" / "core.py"
    module.write_text(
        module.read_text(encoding="utf-8").replace("return 1", "return 11").rstrip("\n")
        + "\n"
        + module_end,
        encoding="utf-8",
    )
    sync_project(root)
    cell = nbformat.read(str(root / "nbs" / "core.ipynb"), as_version=4).cells[1]
    assert cell.source == "#| export\n" + body.replace("return 1", "return 11") + ending
    again = snapshot(root)
    assert sync_project(root).changes == ()
    assert snapshot(root) == again
