"""``nb2pkg new``: the template, from a checkout and from the installed nb2pkg wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import tomllib

from tests.projects import (
    REPO,
    install_wheel,
    lend_this_environment,
    make_venv,
    run_cli,
    run_python,
    snapshot,
    venv_site,
)


def _check_project(root: Path, package: str) -> None:
    text = "".join(p.read_text() for p in root.rglob("*") if p.is_file())
    assert "{{name}}" not in text and "{{package}}" not in text and "{{description}}" not in text
    config = tomllib.loads((root / "pyproject.toml").read_text())
    assert config["tool"]["nb2pkg"]["package"] == package
    for notebook in (root / "nbs").glob("*.ipynb"):
        nbformat.validate(nbformat.read(notebook, as_version=4))
    for hidden in (
        ".gitignore",
        ".gitattributes",
        ".pre-commit-config.yaml",
        ".github/workflows/ci.yml",
    ):
        assert (root / hidden).is_file(), hidden


def test_new_then_export_then_import(tmp_path: Path) -> None:
    created = run_cli("new", "my-lib", "--description", 'A "quoted" description', cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    root = tmp_path / "my-lib"
    _check_project(root, "my_lib")
    assert (
        tomllib.loads((root / "pyproject.toml").read_text())["project"]["description"]
        == 'A "quoted" description'
    )
    exported = run_cli("export", "--path", root)
    assert exported.returncode == 0, exported.stderr
    check = run_python("from my_lib.core import greet; print(greet('world'))", path=root)
    assert check.stdout.strip() == "Hello, world!", check.stderr


def test_new_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    result = run_cli("new", "taken", cwd=tmp_path)
    assert result.returncode == 2
    assert "is not empty" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["1abc", "bad name", "trailing-"])
def test_new_rejects_names_that_are_not_packages(tmp_path: Path, name: str) -> None:
    result = run_cli("new", name, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: ")
    assert not (tmp_path / name).exists()


def test_template_ships_inside_the_wheel(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = dist.glob("nb2pkg-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for member in (
        "nb2pkg/template/pyproject.toml",
        "nb2pkg/template/nbs/00_core.ipynb",
        "nb2pkg/template/.gitignore",
        "nb2pkg/template/.github/workflows/ci.yml",
    ):
        assert member in names, member

    venv = make_venv(tmp_path / "venv")
    # nb2pkg's own dependencies come from this environment; nb2pkg itself only from the wheel.
    lend_this_environment(venv)
    install_wheel(venv, wheel)
    site = str(venv_site(venv))

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    located = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import nb2pkg; print(nb2pkg.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert located.stdout.startswith(site), located.stdout  # the wheel's copy, not the checkout
    for args in (["new", "demo"], ["export", "--path", "demo"]):
        result = subprocess.run(
            [str(venv / "bin" / "nb2pkg"), *args], cwd=work, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    _check_project(work / "demo", "demo")
    check = run_python("from demo.core import greet; print(greet('wheel'))", path=work / "demo")
    assert check.stdout.strip() == "Hello, wheel!", check.stderr
