"""nbdev projects export unchanged: same modules, names, __all__ and imports as nbdev-export.

The goldens in tests/data/projects/*/expected_nbdev are what nbdev itself wrote (see the
README there). Deliberate differences are listed here and in docs/migrating-from-nbdev.md.
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
from pathlib import Path

import pytest

from nb2pkg.export import export_project
from tests.projects import REPO, run_python

PROJECTS = REPO / "tests" / "data" / "projects"

# Names nb2pkg puts into __all__ where nbdev does not (documented improvements): starred
# targets, and names bound inside top-level if/try blocks.
EXTRA_ALL = {
    "nbdev2_lib": {"basics": {"REST", "line_end", "cache"}},
    "nbdev3_lib": {"shapes.polygons": {"np"}},
}


def _export(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(PROJECTS / name, root, ignore=shutil.ignore_patterns("expected_nbdev"))
    export_project(root)
    return root


def _modules(folder: Path) -> dict[str, ast.Module]:
    return {
        ".".join(p.relative_to(folder).with_suffix("").parts): ast.parse(p.read_text())
        for p in sorted(folder.rglob("*.py"))
        if p.name != "__init__.py"
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


@pytest.mark.parametrize("name", ["nbdev2_lib", "nbdev3_lib"])
def test_same_modules_names_all_and_imports(tmp_path: Path, name: str) -> None:
    root = _export(tmp_path, name)
    ours = _modules(root / name)
    theirs = _modules(PROJECTS / name / "expected_nbdev" / name)
    assert sorted(ours) == sorted(theirs)
    for module, expected in theirs.items():
        got = ours[module]
        assert _top_level_names(got) == _top_level_names(expected), module
        extra = EXTRA_ALL[name].get(module, set())
        assert set(_all(got)) == set(_all(expected)) | extra, module
        assert _imports(got, name, module) == _imports(expected, name, module), module


@pytest.mark.parametrize("name", ["nbdev2_lib", "nbdev3_lib"])
def test_exported_nbdev_package_imports_and_star_imports(tmp_path: Path, name: str) -> None:
    root = _export(tmp_path, name)
    modules = sorted(_modules(root / name))
    code = "import importlib\n" + "".join(
        f"m = importlib.import_module('{name}.{m}')\nexec('from {name}.{m} import *')\n"
        for m in modules
    )
    result = run_python(code, path=root)
    assert result.returncode == 0, result.stderr
