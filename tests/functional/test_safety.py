"""export, build, sync and check read notebooks; they never run a line of them."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.projects import make_project, run_cli

TRAP = (
    "#| export\nimport pathlib\npathlib.Path({sentinel!r}).write_text('ran')\n"
    "def f():\n    pathlib.Path({sentinel!r}).write_text('ran')\n    return 1"
)


def test_no_command_runs_notebook_code(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    cells = [
        "#| default_exp core",
        TRAP.format(sentinel=str(sentinel)),
        f"import pathlib\npathlib.Path({str(sentinel)!r}).write_text('ran')",
    ]
    root = make_project(tmp_path / "p", {"core.ipynb": cells})
    for args in (["export"], ["build"], ["check", "--ci"], ["deps"]):
        result = run_cli(*args, "--path", root)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert (root / "dist" / "acme-0.1.0-py3-none-any.whl").is_file()
    module = root / "acme" / "core.py"
    module.write_text(module.read_text().replace("return 1", "return 2"))
    assert run_cli("sync", "--path", root).returncode == 0
    assert not sentinel.exists(), "a command executed notebook code"


def _project_with_trapped_init(root: Path, sentinel: Path, pyproject: str) -> Path:
    """A project whose hand-written __init__.py would leave *sentinel* if it were imported."""
    make_project(
        root,
        {"core.ipynb": ["#| default_exp core", "#| export\ndef f():\n    return 1"]},
        pyproject=pyproject,
    )
    (root / "acme").mkdir()
    (root / "acme" / "__init__.py").write_text(
        f'"""Acme: tools from notebooks.\n\nMore text."""\nimport pathlib\n'
        f"pathlib.Path({str(sentinel)!r}).write_text('ran')\n__version__ = \"2.3.4\"\n"
    )
    return root


DYNAMIC = (
    '[project]\nname = "acme"\ndynamic = ["version", "description"]\nrequires-python = ">=3.10"\n'
    'dependencies = []\n\n[tool.nb2pkg]\nnotebooks = "nbs"\n'
)


def test_dynamic_version_and_description_are_read_without_importing(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    root = _project_with_trapped_init(tmp_path / "p", sentinel, DYNAMIC)
    result = run_cli("build", "--path", root, "--sdist")
    assert result.returncode == 0, result.stderr
    wheel = root / "dist" / "acme-2.3.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("acme-2.3.4.dist-info/METADATA").decode()
    assert "Summary: Acme: tools from notebooks." in metadata.splitlines()
    assert (root / "dist" / "acme-2.3.4.tar.gz").is_file()
    assert not sentinel.exists(), "the build imported the package"


def test_a_setuptools_attr_version_is_read_without_importing(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    pyproject = (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "acme"\ndynamic = ["version"]\ndescription = "d"\n'
        'requires-python = ">=3.10"\ndependencies = []\n\n[tool.nb2pkg]\nnotebooks = "nbs"\n\n'
        '[tool.setuptools]\npackages = ["acme"]\n\n'
        '[tool.setuptools.dynamic]\nversion = {attr = "acme.__version__"}\n'
    )
    root = _project_with_trapped_init(tmp_path / "p", sentinel, pyproject)
    result = run_cli("build", "--path", root)
    assert result.returncode == 0, result.stderr
    assert (root / "dist" / "acme-2.3.4-py3-none-any.whl").is_file()
    assert not sentinel.exists(), "the build imported the package"
