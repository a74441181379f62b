"""``nb2pkg build``: dependencies into pyproject.toml, a wheel installed into a fresh venv."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import tomllib

from nb2pkg.commands.build import build_project
from nb2pkg.errors import DependencyError
from tests.projects import (
    REPO,
    install_wheel,
    lend_this_environment,
    make_project,
    make_venv,
    run_cli,
    snapshot,
)

PROJECTS = REPO / "tests" / "data" / "projects"

NOTEBOOKS = {
    "00_core.ipynb": [
        "#| default_exp core",
        "#| export\nimport json\nimport yaml\nfrom acme.util import helper\n\ndef greet(name):\n    return helper(name)",
        "#| export\ntry:\n    import tomli\nexcept ImportError:\n    tomli = None",
        "#| export\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas",
    ],
    "sub/01_util.ipynb": [
        "#| default_exp tools.util",
        "#| export util\ndef helper(name):\n    import importlib\n    np = importlib.import_module('numpy')\n    return 'hi ' + name",
    ],
}
MAP = '[tool.nb2pkg.dependency-map]\nyaml = "PyYAML"\nnumpy = "numpy"\ntomli = "tomli"\n'


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment (without nb2pkg) to install built wheels into."""
    return make_venv(tmp_path_factory.mktemp("venv") / "venv")


def _install_and_run(venv: Path, wheel: Path, code: str) -> str:
    install_wheel(venv, wheel)
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        capture_output=True,
        text=True,
        cwd=venv,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _metadata(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return [
            line
            for line in archive.read(name).decode().splitlines()
            if line and ":" in line and not line.startswith(" ")
        ]


def test_build_installs_into_a_fresh_venv(tmp_path: Path, venv: Path) -> None:
    root = make_project(tmp_path / "p", NOTEBOOKS, tool=MAP)
    result = run_cli("build", "--path", root)
    assert result.returncode == 0, result.stderr
    assert "pyproject.toml: added to dependencies: numpy, PyYAML" in result.stdout
    assert "pyproject.toml: added to optional-dependencies.optional: tomli" in result.stdout
    assert "built acme-0.1.0-py3-none-any.whl (" in result.stdout
    (wheel,) = (root / "dist").glob("*.whl")
    assert _metadata(wheel) == [
        "Metadata-Version: 2.5",
        "Name: acme",
        "Version: 0.1.0",
        "Summary: A test project.",
        "Requires-Python: >=3.10",
        "Requires-Dist: numpy",
        "Requires-Dist: PyYAML",
        'Requires-Dist: tomli ; extra == "optional"',
        "Provides-Extra: optional",
        "Import-Name: acme",
    ]
    names = zipfile.ZipFile(wheel).namelist()
    assert {"acme/__init__.py", "acme/core.py", "acme/util.py"} <= set(names)
    # yaml and numpy are not in the venv: import only what does not need them at import time.
    out = _install_and_run(
        venv, wheel, "import acme, acme.util as u; print(u.helper.__name__, u.__all__)"
    )
    assert out == "helper ['helper']"


def test_every_module_and_subpackage_ships(tmp_path: Path, venv: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {
            "a.ipynb": ["#| default_exp a", "#| export\ndef f():\n    return 'a'"],
            "b.ipynb": [
                "#| default_exp deep.er.b",
                "#| export\nfrom acme.a import f\ndef g():\n    return f() + 'b'",
            ],
        },
    )
    result = build_project(root)
    wheel = result.distributions[0].path
    out = _install_and_run(venv, wheel, "import acme.a, acme.deep.er.b as b; print(b.g())")
    assert out == "ab"
    assert "acme/deep/er/__init__.py" in zipfile.ZipFile(wheel).namelist()


def test_builds_are_reproducible(tmp_path: Path) -> None:
    one = make_project(tmp_path / "one", NOTEBOOKS, tool=MAP)
    build_project(one)
    two = tmp_path / "elsewhere" / "two"
    shutil.copytree(one, two, ignore=shutil.ignore_patterns("dist", ".nb2pkg"))
    for path in two.rglob("*"):
        if path.is_file():
            import os

            os.utime(path, (1_000_000_000, 1_000_000_000))
    build_project(two)
    first = (one / "dist" / "acme-0.1.0-py3-none-any.whl").read_bytes()
    second = (two / "dist" / "acme-0.1.0-py3-none-any.whl").read_bytes()
    assert first == second
    build_project(one)
    assert (one / "dist" / "acme-0.1.0-py3-none-any.whl").read_bytes() == first


def test_user_pins_and_comments_survive(tmp_path: Path) -> None:
    pyproject = (
        "# my project\n[project]\nname = 'acme'  # the name\nversion = \"0.1.0\"\n"
        'description = "d"\nrequires-python = ">=3.10"\n'
        "dependencies = [\n    'pyyaml>=6,<7',  # pinned on purpose\n    \"requests\",\n]\n\n"
        '[tool.nb2pkg]\nnotebooks = "nbs"\n\n' + MAP
    )
    root = make_project(tmp_path / "p", NOTEBOOKS, pyproject=pyproject)
    result = build_project(root)
    text = (root / "pyproject.toml").read_text()
    old_lines = pyproject.splitlines()
    it = iter(text.splitlines())
    assert all(any(line == new for new in it) for line in old_lines), "user lines kept, in order"
    deps = tomllib.loads(text)["project"]["dependencies"]
    assert deps[:2] == ["pyyaml>=6,<7", "requests"] and "numpy" in deps and "PyYAML" not in deps
    assert result.changes is not None and result.changes.unused == ("requests",)
    assert any("requests" in n.message for n in result.notes)


def test_check_mode_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", NOTEBOOKS, tool=MAP)
    before = snapshot(root)
    result = run_cli("build", "--path", root, "--check")
    assert result.returncode == 1 and "would add to dependencies" in result.stdout
    assert snapshot(root) == before
    assert run_cli("build", "--path", root).returncode == 0
    assert run_cli("build", "--path", root, "--check").returncode == 0


def test_unresolved_import_is_a_located_error(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {"a.ipynb": ["#| default_exp a", "#| export\nimport surely_not_installed_xyz"]},
    )
    with pytest.raises(DependencyError) as info:
        build_project(root)
    assert info.value.where is not None and (
        info.value.where.file,
        info.value.where.cell_index,
    ) == ("nbs/a.ipynb", 1)
    cli = run_cli("build", "--path", root)
    assert (
        cli.returncode == 2
        and "[tool.nb2pkg.dependency-map]" in cli.stderr
        and "Traceback" not in cli.stderr
    )
    assert not (root / "dist").exists()
    allowed = run_cli("build", "--path", root, "--allow-unresolved")
    assert allowed.returncode == 0 and "surely_not_installed_xyz" in allowed.stderr


def test_outdir_and_sdist(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", NOTEBOOKS, tool=MAP)
    result = run_cli("build", "--path", root, "--outdir", "out", "--sdist")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (root / "out").iterdir()) == [
        "acme-0.1.0-py3-none-any.whl",
        "acme-0.1.0.tar.gz",
    ]
    outside = run_cli("build", "--path", root, "--outdir", str(tmp_path / "elsewhere"))
    assert outside.returncode == 2 and "outside the project" in outside.stderr


def test_nbdev2_project_builds_from_settings_ini(tmp_path: Path, venv: Path) -> None:
    root = tmp_path / "nbdev2_lib"
    shutil.copytree(PROJECTS / "nbdev2_lib", root, ignore=shutil.ignore_patterns("expected_nbdev"))
    before = (root / "settings.ini").read_text(), (root / "pyproject.toml").read_text()
    result = build_project(root)
    assert ((root / "settings.ini").read_text(), (root / "pyproject.toml").read_text()) == before
    wheel = result.distributions[0].path
    assert wheel.name == "nbdev2_lib-0.1.0-py3-none-any.whl"
    assert "Requires-Dist: fastcore" in _metadata(wheel)
    link = lend_this_environment(venv)  # fastcore from here
    try:
        out = _install_and_run(
            venv, wheel, "import nbdev2_lib.basics as b, nbdev2_lib.sub.deep; print(b.greet('x'))"
        )
    finally:
        link.unlink()
    assert out == "Hello, x!"


def test_nbdev3_project_builds_through_its_own_backend(tmp_path: Path) -> None:
    root = tmp_path / "nbdev3_lib"
    shutil.copytree(PROJECTS / "nbdev3_lib", root, ignore=shutil.ignore_patterns("expected_nbdev"))
    (root / "nbdev3_lib").mkdir()
    shutil.copy(
        PROJECTS / "nbdev3_lib" / "expected_nbdev" / "nbdev3_lib" / "__init__.py",
        root / "nbdev3_lib",
    )
    with (root / "pyproject.toml").open("a") as fh:
        fh.write('\n[tool.nb2pkg.dependency-map]\nnumpy = "numpy"\n')
    result = build_project(root)
    assert result.distributions[0].path.name == "nbdev3_lib-0.0.1-py3-none-any.whl"
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["project"]["dependencies"] == ["fastcore"]
    assert data["project"]["optional-dependencies"] == {"optional": ["numpy"]}
    # The project's own setuptools settings (packages.find include = ["nbdev3_lib"]) decide
    # what this backend packs: the top-level modules, not the subpackage.
    names = zipfile.ZipFile(result.distributions[0].path).namelist()
    assert {"nbdev3_lib/core.py", "nbdev3_lib/utils.py"} <= set(names)
