"""Nothing a user writes is lost: every module edit reaches a notebook, or the command stops.

Each case builds a real project, edits real files as a user (or an IDE) would, runs the
command, and reads the notebooks back with nbformat.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg import fsio
from nb2pkg.commands.export import export_project
from nb2pkg.commands.sync import sync_project
from nb2pkg.errors import ConcurrentEdit, Nb2pkgError, UnsyncedEdits
from tests.projects import make_project, run_cli, snapshot

CORE = [
    ("markdown", "# Core\n\n> Greeting people."),
    "#| default_exp core",
    "#| export\ndef greet(name):\n    return 'hello ' + name",
    "greet('x')",
    "#| export\nLIMIT = 3",
    "#| export\ndef shout(text):\n    return text.upper()",
]
UTIL = [
    "#| default_exp util",
    "#| export\ndef helper():\n    return 1",
]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "proj", {"00_core.ipynb": CORE, "01_util.ipynb": UTIL})
    export_project(root)
    return root


def module(root: Path, name: str = "core.py") -> Path:
    return root / "acme" / name


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def read(root: Path, name: str = "00_core.ipynb") -> nbformat.NotebookNode:
    nb = nbformat.read(root / "nbs" / name, as_version=4)
    nbformat.validate(nb)
    return nb


def sources(root: Path, name: str = "00_core.ipynb") -> list[str]:
    return [c.source for c in read(root, name).cells]


def block_of(text: str, needle: str) -> str:
    """Return the marker line and code of the block holding *needle*."""
    blocks = re.split(r"\n\n\n(?=# %%)", text)
    return next(b for b in blocks if needle in b and b.startswith("# %%")).rstrip("\n") + "\n"


# --- 1. export and build refuse to overwrite unsynced module edits -----------------------


@pytest.mark.parametrize("command", [["export"], ["build"], ["export", "--dry-run"]])
def test_export_and_build_refuse_edited_modules(project: Path, command: list[str]) -> None:
    replace_in(module(project), "'hello '", "'hi '")
    before = snapshot(project)
    result = run_cli(*command, "--path", project)
    assert result.returncode == 1, result.stderr
    assert "acme/core.py" in result.stderr
    assert "run `nb2pkg sync` first" in result.stderr
    assert "edited" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before


def test_discard_edits_overwrites_on_purpose(project: Path) -> None:
    replace_in(module(project), "'hello '", "'hi '")
    result = run_cli("export", "--discard-edits", "--path", project)
    assert result.returncode == 0, result.stderr
    assert "'hi '" not in module(project).read_text()


def test_check_ci_advises_sync_not_export_for_edited_module(project: Path) -> None:
    replace_in(module(project), "'hello '", "'hi '")
    result = run_cli("check", "--ci", "--path", project)
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if "acme/core.py" in line]
    assert lines and all("NB902" in line and "nb2pkg sync" in line for line in lines)
    assert "NB901" not in result.stdout


# --- 2. stale generated modules holding edits are not deleted ----------------------------


def test_edited_copy_of_a_module_is_not_deleted(project: Path) -> None:
    copy = module(project, "core_v2.py")
    copy.write_text(module(project).read_text().replace("'hello '", "'v2 '"))
    before = snapshot(project)
    result = run_cli("export", "--path", project)
    assert result.returncode == 1
    assert "core_v2.py" in result.stderr and "no notebook exports this module" in result.stderr
    assert snapshot(project) == before


def test_unedited_copy_of_a_module_is_removed(project: Path) -> None:
    copy = module(project, "core_v2.py")
    copy.write_text(module(project).read_text())
    assert run_cli("export", "--path", project).returncode == 0
    assert not copy.exists()


def test_module_of_a_deleted_notebook_with_edits_is_kept(project: Path) -> None:
    replace_in(module(project, "util.py"), "return 1", "return 2")
    (project / "nbs" / "01_util.ipynb").unlink()
    result = run_cli("export", "--path", project)
    assert result.returncode == 1
    assert "util.py" in result.stderr
    assert "return 2" in module(project, "util.py").read_text()


# --- 3./4. moved and copied blocks -----------------------------------------------------------


def test_block_moved_to_another_module_moves_its_cell(project: Path) -> None:
    core = module(project).read_text()
    block = block_of(core, "def shout")
    module(project).write_text(core.replace("\n\n\n" + block.rstrip("\n"), ""))
    util = module(project, "util.py")
    util.write_text(util.read_text() + "\n\n" + block)
    result = run_cli("sync", "--path", project)
    assert result.returncode == 0, result.stderr
    assert "1 moved" in result.stdout
    assert not any("def shout" in s for s in sources(project))
    moved = [s for s in sources(project, "01_util.ipynb") if "def shout" in s]
    assert moved == ["#| export\ndef shout(text):\n    return text.upper()"]
    assert "def shout" in util.read_text() and "def shout" not in module(project).read_text()
    assert run_cli("check", "--ci", "--path", project).returncode == 0


def test_block_moved_within_a_notebook_module_keeps_cell_id(project: Path) -> None:
    # core.py's block moves to a module no notebook declares: the directive names it.
    core = module(project).read_text()
    block = block_of(core, "def shout")
    module(project).write_text(core.replace("\n\n\n" + block.rstrip("\n"), ""))
    cell_id = read(project).cells[5].id
    extra = module(project, "extra.py")
    extra.write_text(core.split("\n\n\n# %%")[0] + "\n\n\n" + block)
    result = run_cli("sync", "--path", project)
    assert result.returncode == 0, result.stderr
    cell = read(project).cells[5]
    assert cell.id == cell_id and cell.source.startswith("#| export extra\n")
    assert "def shout" in extra.read_text()


def test_copied_block_becomes_a_new_cell(project: Path) -> None:
    core = module(project).read_text()
    block = block_of(core, "def shout")
    copy = block.replace("def shout", "def whisper").replace("upper", "lower")
    module(project).write_text(core.rstrip("\n") + "\n\n\n" + copy)
    result = run_cli("sync", "--path", project)
    assert result.returncode == 0, result.stderr
    cells = sources(project)
    assert "#| export\ndef shout(text):\n    return text.upper()" in cells
    assert cells[cells.index("#| export\ndef shout(text):\n    return text.upper()") + 1] == (
        "#| export\ndef whisper(text):\n    return text.lower()"
    )
    text = module(project).read_text()
    assert "def shout" in text and "def whisper" in text


# --- 5. edits compare exactly ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "old", "new"),
    [
        ('#| export\nDOC = """\nline\n"""', "line\n", "line   \n"),  # trailing spaces in a string
        ('#| export\ndef f():\n    """Doc.\n\n    More.\n    """', "    More.", "      More."),
        ("#| export\nX = [1,2]", "X = [1,2]", "X = [1, 2]"),  # formatting is an edit
    ],
)
def test_edits_that_change_values_reach_the_notebook(
    tmp_path: Path, cell: str, old: str, new: str
) -> None:
    root = make_project(tmp_path / "p", {"00_core.ipynb": ["#| default_exp core", cell]})
    export_project(root)
    replace_in(module(root), old, new)
    assert sync_project(root).summary().startswith("synced 1 edited")
    assert new in read(root).cells[1].source
    assert sync_project(root).summary().startswith("nothing to sync")
    assert run_cli("check", "--ci", "--path", root).returncode == 0


# --- 6. code above the first block --------------------------------------------------------------


def test_import_added_at_the_top_goes_into_the_first_cell(project: Path) -> None:
    text = module(project).read_text()
    module(project).write_text("import json\n" + text)
    assert run_cli("export", "--path", project).returncode == 1  # export would delete it
    result = run_cli("sync", "--path", project)
    assert result.returncode == 0, result.stderr
    assert read(project).cells[2].source == (
        "#| export\nimport json\n\ndef greet(name):\n    return 'hello ' + name"
    )
    assert "import json" in module(project).read_text()
    assert run_cli("check", "--ci", "--path", project).returncode == 0


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        ('"""Greeting people."""', '"""Other."""', "first markdown cell"),
        ('__all__ = ["greet", "LIMIT", "shout"]', '__all__ = ["greet"]', "_all_"),
    ],
)
def test_generated_head_edits_are_refused(project: Path, old: str, new: str, place: str) -> None:
    replace_in(module(project), old, new)
    before = snapshot(project)
    for command in ("sync", "export"):
        result = run_cli(command, "--path", project)
        assert result.returncode == 1
        assert place in result.stderr
    assert snapshot(project) == before


# --- 7. a sync stopped between writes converges --------------------------------------------------


def _edits(root: Path) -> None:
    """Edit a block, add a new block and an import: sync writes a notebook and a module."""
    replace_in(module(root), "'hello '", "'hi '")
    text = module(root).read_text()
    module(root).write_text(
        "import json\n" + text.rstrip("\n") + "\n\n\n# %%\ndef added():\n    return 2\n"
    )


@pytest.mark.parametrize("fail_at", [1, 2])
def test_interrupted_sync_converges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    layout = {"00_core.ipynb": CORE, "01_util.ipynb": UTIL}
    reference = make_project(tmp_path / "ref", layout)
    export_project(reference)
    _edits(reference)
    root = tmp_path / "crash"
    shutil.copytree(reference, root)  # the same cell ids on both sides
    sync_project(reference)
    expected = (snapshot(reference / "nbs"), snapshot(reference / "acme"))
    calls = {"n": 0}
    original = fsio.write_text_atomic

    def failing(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise KeyboardInterrupt
        original(*args, **kwargs)  # type: ignore[arg-type]

    for name in ("nb2pkg.commands.sync.write_text_atomic", "nb2pkg.file_changes.write_text_atomic"):
        monkeypatch.setattr(name, failing)
    with pytest.raises(KeyboardInterrupt):
        sync_project(root)
    monkeypatch.undo()
    sync_project(root)
    result = (snapshot(root / "nbs"), snapshot(root / "acme"))
    assert [{k: v[0] for k, v in side.items()} for side in result] == [
        {k: v[0] for k, v in side.items()} for side in expected
    ]
    assert sum("def added" in s for s in sources(root)) == 1


# --- 8. a module saved during sync is not overwritten --------------------------------------------


def test_module_saved_during_sync_is_not_overwritten(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replace_in(module(project), "'hello '", "'hi '")
    import nb2pkg.commands.sync as sync_module

    original = sync_module.apply_changes

    def editor_saves(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        replace_in(module(project), "return text.upper()", "return text.upper()  # saved")
        return result

    monkeypatch.setattr(sync_module, "apply_changes", editor_saves)
    with pytest.raises(ConcurrentEdit):
        sync_project(project)
    assert "# saved" in module(project).read_text()


# --- 9. dropped IPython lines return to their places ---------------------------------------------


def test_dropped_magic_lines_return_to_their_places(tmp_path: Path) -> None:
    cell = "#| export\nx = 1\n%time y = x + 1\nz = 3"
    root = make_project(
        tmp_path / "p",
        {"00_core.ipynb": ["#| default_exp core", cell]},
        tool="drop-magics = true\n",
    )
    export_project(root)
    replace_in(module(root), "z = 3", "z = 4")
    sync_project(root)
    assert read(root).cells[1].source == "#| export\nx = 1\n%time y = x + 1\nz = 4"


def test_future_import_returns_to_its_place(tmp_path: Path) -> None:
    cell = "#| export\nfrom __future__ import annotations\nimport os\nX = 1"
    root = make_project(tmp_path / "p", {"00_core.ipynb": ["#| default_exp core", cell]})
    export_project(root)
    replace_in(module(root), "X = 1", "X = 2")
    sync_project(root)
    assert read(root).cells[1].source == (
        "#| export\nfrom __future__ import annotations\nimport os\nX = 2"
    )


# --- 10. `# %%` inside cell text is code, not a marker ---------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "#| export\ndef f():\n    return 1\n# %%\ndef g():\n    return 2",  # a VS Code cell line
        '#| export\nDOC = """\n# %%\ntext\n"""',  # inside a string
        '#| export\nDOC = """\n# %% Title\n"""\nY = 1',
    ],
)
def test_marker_lines_inside_cells_are_code(tmp_path: Path, cell: str) -> None:
    root = make_project(tmp_path / "p", {"00_core.ipynb": ["#| default_exp core", cell]})
    export_project(root)
    assert run_cli("check", "--ci", "--path", root).returncode == 0
    assert sync_project(root).summary().startswith("nothing to sync")
    text = module(root).read_text()
    last = text.rstrip("\n").splitlines()[-1]
    module(root).write_text(text.rstrip("\n") + "  # edited\n")
    sync_project(root)
    cells = sources(root)
    assert len(cells) == 2 and cells[1].endswith(last + "  # edited")


# --- 12. a refused command changes nothing ------------------------------------------------------


def test_symlink_out_of_the_project_stops_export_before_any_write(
    project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("# not ours\n")
    (project / "nbs" / "02_b.ipynb").write_bytes((project / "nbs" / "01_util.ipynb").read_bytes())
    nb = read(project, "02_b.ipynb")
    nb.cells[0].source = "#| default_exp b"
    nb.cells[1].id = "other1"
    nb.cells[0].id = "other0"
    nbformat.write(nb, project / "nbs" / "02_b.ipynb")
    replace_in(project / "nbs" / "00_core.ipynb", "hello ", "hey ")
    os.symlink(outside, module(project, "b.py"))
    before = snapshot(project)
    result = run_cli("export", "--path", project)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert snapshot(project) == before
    assert outside.read_text() == "# not ours\n"


# --- 14. a read-only notebook is not replaced --------------------------------------------------


def test_read_only_notebook_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    replace_in(module(project), "'hello '", "'hi '")
    path = project / "nbs" / "00_core.ipynb"
    path.chmod(0o444)
    real_access = os.access
    if real_access(path, os.W_OK):  # root may write anything: answer as for another user
        monkeypatch.setattr(
            fsio.os,
            "access",
            lambda p, mode: not (Path(p).resolve() == path.resolve() and mode & os.W_OK)
            and real_access(p, mode),
        )
    before = snapshot(project)
    with pytest.raises(Nb2pkgError, match="read-only") as info:
        sync_project(project)
    assert "00_core.ipynb" in str(info.value)
    assert snapshot(project) == before
    path.chmod(0o644)


# --- the whole table in one place: an edit kind and what sync does with it ---------------------

Edit = Callable[[Path], None]


def _append_to_block(root: Path) -> None:
    replace_in(module(root), "return text.upper()", "return text.upper()\n\n\nEXTRA = 1")


def _new_block(root: Path) -> None:
    path = module(root)
    path.write_text(path.read_text().rstrip("\n") + "\n\n\n# %%\nNEW = 2\n")


def _delete_block(root: Path) -> None:
    text = module(root).read_text()
    module(root).write_text(text.replace("\n\n\n" + block_of(text, "LIMIT = 3").rstrip("\n"), ""))


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (
            _append_to_block,
            lambda s: "#| export\ndef shout(text):\n    return text.upper()\n\n\nEXTRA = 1" in s,
        ),
        (_new_block, lambda s: s[-1] == "#| export\nNEW = 2"),
        (_delete_block, lambda s: not any("LIMIT" in c for c in s)),
    ],
)
def test_edit_kinds(project: Path, edit: Edit, expect: Callable[[list[str]], bool]) -> None:
    edit(project)
    assert sync_project(project).summary().startswith("synced")
    assert expect(sources(project))
    assert sync_project(project).summary().startswith("nothing to sync")
    assert run_cli("check", "--ci", "--path", project).returncode == 0


def test_unsynced_edits_error_is_exit_1() -> None:
    assert UnsyncedEdits("x").exit_code == 1


# --- property: random module edits, moves, copies and header code lose no function ----------

FUNCS = {
    "00_core.ipynb": ["#| default_exp core"]
    + [f'#| export\ndef f{i}(x):\n    """Doc {i}."""\n    return x + {i}' for i in range(4)],
    "01_util.ipynb": ["#| default_exp util"]
    + [f'#| export\ndef u{i}(x):\n    """Doc {i}."""\n    return x * {i}' for i in range(3)],
}


def _functions(texts: list[str]) -> dict[str, str]:
    """Return every top-level function of *texts* with its exact source."""
    import ast

    found: dict[str, str] = {}
    for text in texts:
        tree = ast.parse(text)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found[node.name] = ast.get_source_segment(text, node) or ""
    return found


def _blocks(text: str) -> tuple[str, list[str]]:
    head, *blocks = re.split(r"\n\n\n(?=# %%)", text.rstrip("\n"))
    return head, blocks


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["edit", "space", "format", "move", "copy", "header", "new"]),
        st.integers(0, 20),
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_random_module_edits_lose_no_function(
    tmp_path_factory: pytest.TempPathFactory, operations: list[tuple[str, int]]
) -> None:
    root = make_project(tmp_path_factory.mktemp("lose"), FUNCS)
    export_project(root)
    files = {name: module(root, name) for name in ("core.py", "util.py")}
    parts = {name: _blocks(path.read_text()) for name, path in files.items()}
    fresh = 0
    for operation, pick in operations:
        name = ("core.py", "util.py")[pick % 2]
        head, blocks = parts[name]
        if not blocks:
            continue
        index = pick % len(blocks)
        block = blocks[index]
        if operation == "edit":
            blocks[index] = block + f"\n    # edit {pick}"
        elif operation == "space":
            blocks[index] = re.sub(r'"""Doc (\d+)\."""', r'"""Doc \1.   """', block, count=1)
        elif operation == "format":
            blocks[index] = block.replace("return x", "return  (x)", 1)
        elif operation == "move":
            other = "util.py" if name == "core.py" else "core.py"
            parts[other][1].append(blocks.pop(index))
        elif operation == "copy":
            fresh += 1
            blocks.insert(
                index + 1, re.sub(r"def (\w+)\(", rf"def \1_copy{fresh}(", block, count=1)
            )
        elif operation == "header":
            fresh += 1
            parts[name] = (f"import json as json{fresh}\n" + head, blocks)
        elif operation == "new":
            fresh += 1
            blocks.append(f"# %%\ndef new{fresh}(x):\n    return x - {fresh}")
    written = {}
    for name, (head, blocks) in parts.items():
        written[name] = "\n\n\n".join([head, *blocks]) + "\n"
        files[name].write_text(written[name])
    wanted = _functions(list(written.values()))

    sync_project(root)
    export_project(root)
    final = _functions([path.read_text() for path in files.values()])
    assert final == wanted  # every function, exactly as the user wrote it
    for text in written.values():
        for line in text.splitlines():
            if line.startswith("import json as"):
                assert any(line in path.read_text() for path in files.values())
    for notebook in FUNCS:
        read(root, notebook)
    assert sync_project(root).summary().startswith("nothing to sync")
