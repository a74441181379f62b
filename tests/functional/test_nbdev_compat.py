"""nbdev projects work unchanged: nb2pkg writes the modules nbdev writes, on a fresh checkout.

The goldens in tests/data/projects/*/expected_nbdev are what nbdev itself wrote
(``tools/make_nbdev_goldens.py``; see the README there). nb2pkg's export is compared with
them by module set, top-level names, ``__all__``, imports and docstrings, both into an
empty package and over nbdev's files (a fresh clone of an nbdev repository, which holds
the modules nbdev generated). Deliberate differences are listed here and in
docs/migrating-from-nbdev.md.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from nb2pkg.commands.check import check_project
from nb2pkg.commands.export import export_project
from nb2pkg.commands.sync import sync_project
from nb2pkg.notebook import parse_notebook
from tests.projects import REPO, run_cli, run_python, snapshot

PROJECTS = REPO / "tests" / "data" / "projects"
NBDEV_PROJECTS = ["nbdev2_lib", "nbdev3_adopt", "nbdev3_lib"]
MODES = ["into an empty package", "over nbdev's files"]

# Names nb2pkg puts into __all__ where nbdev does not (documented improvements): starred
# targets, and names bound inside top-level if/try blocks.
EXTRA_ALL: dict[str, dict[str, set[str]]] = {
    "nbdev2_lib": {"basics": {"REST", "line_end", "cache"}},
    "nbdev3_lib": {"shapes.polygons": {"np"}},
    "nbdev3_adopt": {},
    "nbdev1_lib": {},
}


def _checkout(tmp_path: Path, name: str, mode: str = MODES[1]) -> Path:
    """Copy a project as its repository holds it: with nbdev's modules, or without them."""
    root = tmp_path / name
    shutil.copytree(PROJECTS / name, root, ignore=shutil.ignore_patterns("expected_nbdev"))
    if mode == MODES[1]:
        shutil.copytree(PROJECTS / name / "expected_nbdev", root, dirs_exist_ok=True)
    return root


def _expected(name: str) -> Path:
    return PROJECTS / name / "expected_nbdev" / name


def _modules(folder: Path) -> dict[str, ast.Module]:
    return {
        ".".join(p.relative_to(folder).with_suffix("").parts): ast.parse(p.read_text())
        for p in sorted(folder.rglob("*.py"))
        if p.name != "__init__.py" and "__pycache__" not in p.parts
    }


def _all(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "__all__" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    return []


def _top_level_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.col_offset == 0
        ):
            names.add(node.name)
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _imports(tree: ast.Module, package: str, module: str) -> list[tuple[str, str]]:
    """Return (bound name, absolute target) for every import: relative and absolute compare equal."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(
                    (
                        alias.asname or alias.name.split(".")[0],
                        alias.name if alias.asname else alias.name.split(".")[0],
                    )
                )
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = importlib.util.resolve_name(
                    "." * node.level + base, f"{package}.{module}".rsplit(".", 1)[0]
                )
            for alias in node.names:
                found.append((alias.asname or alias.name, f"{base}.{alias.name}"))
    return sorted(found)


def _assert_same_package(root: Path, name: str, *, docstrings: bool = True) -> None:
    ours = _modules(root / name)
    theirs = _modules(_expected(name))
    assert sorted(ours) == sorted(theirs)
    for module, expected in theirs.items():
        got = ours[module]
        assert _top_level_names(got) - {"_all_"} == _top_level_names(expected) - {"_all_"}, module
        extra = EXTRA_ALL[name].get(module, set())
        assert set(_all(got)) == set(_all(expected)) | extra, module
        assert _imports(got, name, module) == _imports(expected, name, module), module
        if docstrings:
            assert ast.get_docstring(got, clean=False) == ast.get_docstring(
                expected, clean=False
            ), module


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", NBDEV_PROJECTS)
def test_same_modules_names_all_imports_and_docstrings(
    tmp_path: Path, name: str, mode: str
) -> None:
    root = _checkout(tmp_path, name, mode)
    result = run_cli("export", "--path", root)
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr
    _assert_same_package(root, name)


def test_files_beside_the_generated_modules_are_left_alone(tmp_path: Path) -> None:
    root = _checkout(tmp_path, "nbdev3_adopt")
    package = root / "nbdev3_adopt"
    kept = {p: p.read_bytes() for p in (package / "helpers.py", package / "__init__.py")}
    export_project(root)
    assert {p: p.read_bytes() for p in kept} == kept  # hand-written and nbdev's __init__.py


def test_docstrings_as_nbdev3_builds_them(tmp_path: Path) -> None:
    """The long docstring nbdev writes above its mark, kept whole; none from a title alone."""
    root = _checkout(tmp_path, "nbdev3_adopt")
    export_project(root)
    core = (root / "nbdev3_adopt" / "core.py").read_text()
    expected = (_expected("nbdev3_adopt") / "core.py").read_text()
    docstring = expected[: expected.index('"""\n\n') + 3]
    assert core.startswith(docstring)  # the same text, raw-string prefix included
    assert "```python" in docstring and "## Usage" in docstring
    assert ast.get_docstring(ast.parse((root / "nbdev3_adopt" / "meta.py").read_text())) is None


@pytest.mark.parametrize("name", NBDEV_PROJECTS)
def test_exported_nbdev_package_imports_and_star_imports(tmp_path: Path, name: str) -> None:
    root = _checkout(tmp_path, name, MODES[0])
    export_project(root)
    modules = sorted(_modules(root / name))
    code = "import importlib\n" + "".join(
        f"m = importlib.import_module('{name}.{m}')\nexec('from {name}.{m} import *')\n"
        for m in modules
    )
    result = run_python(code, path=root)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", NBDEV_PROJECTS)
def test_a_fresh_checkout_checks_and_syncs_clean(tmp_path: Path, name: str) -> None:
    root = _checkout(tmp_path, name)
    before = snapshot(root)
    checked = check_project(root)
    # NB7xx say whether notebooks are clean for git (outputs, counts): not about nbdev.
    assert [str(d) for d in checked.diagnostics if not d.code.startswith("NB7")] == []
    assert checked.exit_code == 0
    result = run_cli("sync", "--path", root)
    assert result.returncode == 0, result.stderr
    assert "nothing to sync" in result.stdout
    assert snapshot(root) == before


def test_adopting_nbdev3_exports_checks_and_builds(tmp_path: Path) -> None:
    root = _checkout(tmp_path, "nbdev3_adopt")
    for command in ("export", "check", "sync", "build"):
        result = run_cli(command, "--path", root)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    ci = run_cli("check", "--ci", "--path", root)
    assert ci.returncode == 0, ci.stdout + ci.stderr


def _appended(module: Path, line: str) -> str:
    """Append *line* to the last block of *module*; return the last block's first code line."""
    text = module.read_text()
    last_marker = text.rindex("\n# %%")
    block = text[last_marker + 1 :].split("\n", 1)[1]
    module.write_text(text.rstrip("\n") + f"\n{line}\n")
    return next(code for code in block.splitlines() if code.strip())


def _cells_holding(root: Path, text: str) -> list[tuple[Path, str]]:
    found = []
    for path in sorted((root / "nbs").rglob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
        found.extend((path, c.source) for c in nb.cells if text in c.source)
    return found


@pytest.mark.parametrize(
    ("name", "module"),
    [
        (name, module)
        for name in NBDEV_PROJECTS
        for module in sorted(_modules(PROJECTS / name / "expected_nbdev" / name))
        if module != "helpers"
    ],
)
def test_sync_each_nbdev_module_after_an_edit(tmp_path: Path, name: str, module: str) -> None:
    root = _checkout(tmp_path, name)
    path = root / name / Path(*module.split(".")).with_suffix(".py")
    line = f"EDITED_{module.replace('.', '_').upper()} = 1"
    first_line = _appended(path, line)
    before = snapshot(root)
    # nbdev's markers carry no hash: an edited block cannot be told from an edited cell.
    conflict = run_cli("sync", "--path", root)
    assert conflict.returncode == 1 and "changed on both sides" in conflict.stderr
    assert snapshot(root) == before
    result = run_cli("sync", "--prefer", "module", "--path", root)
    assert result.returncode == 0, result.stderr
    ((_, source),) = _cells_holding(root, line)
    assert first_line in source  # the cell the block came from, its code kept
    assert sync_project(root).summary().startswith("nothing to sync")
    # The module is nb2pkg's now: the next edit syncs without --prefer.
    _appended(path, "SECOND_EDIT = 2")
    result = run_cli("sync", "--path", root)
    assert result.returncode == 0, result.stderr
    ((_, source),) = _cells_holding(root, "SECOND_EDIT = 2")
    assert line in source


# ---------------------------------------------------------------------------- nbdev 1


def test_nbdev1_directives_are_reported_once_per_notebook(tmp_path: Path) -> None:
    root = _checkout(tmp_path, "nbdev1_lib")
    before = snapshot(root)
    result = run_cli("export", "--path", root)
    assert result.returncode == 1
    reports = [line for line in result.stderr.splitlines() if "NB404" in line]
    assert len(reports) == 2, result.stderr
    assert all("nb2pkg migrate" in line for line in reports)
    assert snapshot(root) == before


def test_migrate_then_export_gives_the_modules_nbdev1_wrote(tmp_path: Path) -> None:
    root = _checkout(tmp_path, "nbdev1_lib")
    originals = {p: p.read_text() for p in (root / "nbs").glob("*.ipynb")}
    result = run_cli("migrate", "--path", root)
    assert result.returncode == 0, result.stderr
    assert "migrated 14 directives in 2 notebooks" in result.stdout
    for path, old in originals.items():
        new = path.read_text()
        changed = [(a, b) for a, b in zip(old.splitlines(), new.splitlines()) if a != b]
        assert len(old.splitlines()) == len(new.splitlines())
        assert changed and all(b.lstrip().startswith('"#| ') for _, b in changed), changed
        nb = nbformat.reads(new, as_version=4)
        nbformat.validate(nb)
        assert json.loads(new)["nbformat_minor"] == 4  # no ids added by migrate
    assert "nothing to migrate" in run_cli("migrate", "--path", root).stdout
    result = run_cli("export", "--path", root)
    assert result.returncode == 0, result.stderr
    # nbdev 1 wrote no module docstrings, and commented out `_all_ = [...]` lines.
    _assert_same_package(root, "nbdev1_lib", docstrings=False)


def test_migrate_dry_run_lists_and_writes_nothing(tmp_path: Path) -> None:
    root = _checkout(tmp_path, "nbdev1_lib")
    before = snapshot(root)
    result = run_cli("migrate", "--dry-run", "--path", root)
    assert result.returncode == 0, result.stderr
    assert "nbs/01_shapes.ipynb: cell 4" in result.stdout
    assert "# export core → #| export core" in result.stdout
    assert "would migrate 14 directives" in result.stdout
    assert snapshot(root) == before


@pytest.mark.parametrize("name", NBDEV_PROJECTS)
def test_migrate_leaves_nbdev2_and_nbdev3_projects_alone(tmp_path: Path, name: str) -> None:
    root = _checkout(tmp_path, name)
    before = snapshot(root)
    result = run_cli("migrate", "--path", root)
    assert result.returncode == 0 and "nothing to migrate" in result.stdout
    assert snapshot(root) == before


def test_migrated_notebooks_read_their_directives(tmp_path: Path) -> None:
    root = _checkout(tmp_path, "nbdev1_lib", MODES[0])
    run_cli("migrate", "-q", "--path", root)
    path = root / "nbs" / "01_shapes.ipynb"
    notebook = parse_notebook(path.read_bytes(), path, "nbs/01_shapes.ipynb")
    directives = [[(d.name, d.value) for d in c.directives] for c in notebook.cells]
    assert directives[0] == [("default_exp", "shapes")]
    assert directives[4] == [("export", "core")]
    assert all(c.problems == () for c in notebook.cells)
