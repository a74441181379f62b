"""A refused `nb2pkg build` leaves every byte of the project as it was: one row per cause.

Each project has work pending when the build is refused - modules never exported,
notebooks without cell ids, a dependency to add to pyproject.toml - so a build that wrote
anything before refusing would change a file.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.projects import REPO, make_notebook, make_project, run_cli, snapshot, write_notebook

PROJECTS = REPO / "tests" / "data" / "projects"

NAME_MAP = '[tool.nb2pkg.dependency-map]\nyaml = "PyYAML"\n'
PYPROJECT = (
    '[project]\nname = "acme"\nversion = "0.1.0"\ndescription = "A test project."\n'
    'requires-python = ">=3.10"\ndependencies = []\n\n[tool.nb2pkg]\nnotebooks = "nbs"\n\n'
    + NAME_MAP
)
CELLS = ["#| default_exp core", "#| export\nimport yaml\n\ndef greet(name):\n    return name"]


def project(root: Path, pyproject: str = PYPROJECT, cells: list[str] = CELLS) -> Path:
    """A project whose first build would export, add ids, and add PyYAML to pyproject."""
    make_project(root, {}, pyproject=pyproject)
    write_notebook(root / "nbs" / "00_core.ipynb", make_notebook(cells, ids=False))
    return root


def replace(old: str, new: str) -> str:
    assert old in PYPROJECT
    return PYPROJECT.replace(old, new)


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def side_effect(root: Path) -> str:
    """Code that leaves a file next to the project if anything ever runs it."""
    return f"import pathlib\npathlib.Path({str(root.parent / 'SENTINEL')!r}).write_text('ran')\n"


def computed_version(root: Path) -> list[str]:
    project(root, replace('version = "0.1.0"\n', 'dynamic = ["version"]\n'))
    write(root, "acme/__init__.py", side_effect(root) + "__version__ = str(1)\n")
    return []


def description_from_missing_docstring(root: Path) -> list[str]:
    project(root, replace('description = "A test project."\n', 'dynamic = ["description"]\n'))
    write(root, "acme/__init__.py", side_effect(root) + "__version__ = '0.1.0'\n")
    return []


def setuptools_attr(root: Path) -> list[str]:
    text = (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        + replace('version = "0.1.0"\n', 'dynamic = ["version"]\n')
        + '\n[tool.setuptools.dynamic]\nversion = {attr = "acme.__version__"}\n'
    )
    project(root, text)
    write(root, "acme/__init__.py", side_effect(root) + "__version__ = '.'.join(['0', '1'])\n")
    return []


def setup_py_imports_the_package(root: Path) -> list[str]:
    text = (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
    )
    project(root, text + PYPROJECT)
    write(root, "setup.py", "from setuptools import setup\nimport acme.core\nsetup()\n")
    return []


def hatch_code_version(root: Path) -> list[str]:
    text = (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        + replace('version = "0.1.0"\n', 'dynamic = ["version"]\n')
        + '\n[tool.hatch.version]\nsource = "code"\npath = "acme/__init__.py"\n'
    )
    project(root, text)
    return []


def failing_backend(root: Path) -> list[str]:
    """A backend that fails only once it runs: the files written for it are put back."""
    text = (
        '[build-system]\nrequires = []\nbuild-backend = "shim"\nbackend-path = ["_backend"]\n\n'
        + PYPROJECT
    )
    project(root, text)
    write(
        root,
        "_backend/shim.py",
        "def get_requires_for_build_wheel(config_settings=None):\n    return []\n\n"
        "def build_wheel(*args, **kwargs):\n    print('backend says no')\n    raise SystemExit(3)\n",
    )
    return []


def setuptools_fails(root: Path) -> list[str]:
    """setuptools fails half-way, after writing its .egg-info and build/ folders."""
    text = (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        + PYPROJECT
        + '\n[tool.setuptools]\npackages = ["acme", "acme.missing"]\n'
    )
    project(root, text)
    return []


def unsynced_module_edit(root: Path) -> list[str]:
    """An exported module edited by hand; the build would also add PyYAML to pyproject."""
    project(root)
    assert run_cli("export", "--path", root).returncode == 0
    module = root / "acme" / "core.py"
    module.write_text(module.read_text().replace("return name", "return name.upper()"))
    return []


def read_only_notebook(root: Path) -> list[str]:
    project(root)
    (root / "nbs" / "00_core.ipynb").chmod(0o444)
    return []


def read_only_outdir(root: Path) -> list[str]:
    project(root)
    (root / "dist").mkdir()
    (root / "dist").chmod(0o555)
    return []


def outdir_is_a_file(root: Path) -> list[str]:
    project(root)
    write(root, "dist", "not a folder\n")
    return []


def hand_written_module_in_the_way(root: Path) -> list[str]:
    project(root)
    write(root, "acme/core.py", "# my own module\n")
    return []


def nbdev2_without_version(root: Path) -> list[str]:
    """An nbdev 2 project: settings.ini without `version`, a computed `__version__`."""
    shutil.copytree(PROJECTS / "nbdev2_lib", root, ignore=shutil.ignore_patterns("expected_nbdev"))
    settings = root / "settings.ini"
    settings.write_text(settings.read_text().replace("version = 0.1.0\n", ""))
    write(root, "nbdev2_lib/__init__.py", side_effect(root) + "__version__ = str(1)\n")
    return []


@dataclass(frozen=True)
class Refusal:
    name: str
    setup: Callable[[Path], list[str]]  # makes the project; returns extra CLI arguments
    exit_code: int
    message: str


def plain(
    pyproject: str = PYPROJECT, cells: list[str] = CELLS, *args: str
) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        project(root, pyproject, cells)
        return list(args)

    return setup


REFUSALS = [
    Refusal("a module holds edits not synced", unsynced_module_edit, 1, "nb2pkg sync"),
    Refusal(
        "setuptools fails half-way", setuptools_fails, 2, "the setuptools.build_meta backend failed"
    ),
    Refusal(
        "unresolved import",
        plain(
            PYPROJECT.replace(NAME_MAP, ""),
            ["#| default_exp core", "#| export\nimport surely_not_installed_xyz"],
        ),
        2,
        "[tool.nb2pkg.dependency-map]",
    ),
    Refusal(
        "backend not installed",
        plain(
            '[build-system]\nrequires = ["nb2pkg-no-such-backend"]\nbuild-backend = "nb2pkg_no_such_backend.api"\n\n'
            + PYPROJECT
        ),
        2,
        "install it with `pip install nb2pkg-no-such-backend`",
    ),
    Refusal(
        "backend needs a missing package",
        plain(
            '[build-system]\nrequires = ["hatchling", "nb2pkg-missing-helper>=1"]\nbuild-backend = "hatchling.build"\n\n'
            + PYPROJECT
        ),
        2,
        "also needs nb2pkg-missing-helper>=1",
    ),
    Refusal("backend fails when it runs", failing_backend, 2, "backend says no"),
    Refusal(
        "outdir outside the project",
        plain(PYPROJECT, CELLS, "--outdir", "../elsewhere"),
        2,
        "outside the project",
    ),
    Refusal(
        "outdir inside the package",
        plain(PYPROJECT, CELLS, "--outdir", "acme/dist"),
        2,
        "inside the package",
    ),
    Refusal("outdir is a file", outdir_is_a_file, 2, "dist is a file"),
    Refusal("outdir is read-only", read_only_outdir, 2, "the folder dist is read-only"),
    Refusal(
        "no description",
        plain(replace('description = "A test project."\n', "")),
        2,
        "has no `description`",
    ),
    Refusal(
        "version computed at import", computed_version, 2, 'plain `__version__ = "..."` string'
    ),
    Refusal(
        "description from a missing docstring",
        description_from_missing_docstring,
        2,
        "has no docstring",
    ),
    Refusal(
        "setuptools attr computed at import", setuptools_attr, 2, "setuptools would import acme"
    ),
    Refusal(
        "setup.py imports the package",
        setup_py_imports_the_package,
        2,
        "the build script imports the package acme (line 2)",
    ),
    Refusal("hatch runs code for the version", hatch_code_version, 2, 'source = "code"'),
    Refusal(
        "dynamic dependencies",
        plain(replace("dependencies = []\n", 'dynamic = ["dependencies"]\n')),
        2,
        'lists "dependencies" in `dynamic`',
    ),
    Refusal(
        "undefined name (NB101)",
        plain(PYPROJECT, ["#| default_exp core", "#| export\ndef f():\n    return undefined_name"]),
        1,
        "`nb2pkg build` does not ship it",
    ),
    Refusal(
        "IPython magic in an exported cell",
        plain(PYPROJECT, ["#| default_exp core", "#| export\n%time x = 1"]),
        2,
        "%time",
    ),
    Refusal(
        "hand-written module in the way",
        hand_written_module_in_the_way,
        2,
        "would replace the hand-written file acme/core.py",
    ),
    Refusal("read-only notebook", read_only_notebook, 2, "nbs/00_core.ipynb is read-only"),
    Refusal(
        "nbdev 2 version computed at import",
        nbdev2_without_version,
        2,
        "settings.ini: settings.ini has no `version`",
    ),
    Refusal("invalid pyproject", plain(PYPROJECT + "[broken\n"), 2, "is not valid TOML"),
]


@pytest.mark.parametrize("case", REFUSALS, ids=[r.name for r in REFUSALS])
def test_a_refused_build_changes_nothing(tmp_path: Path, case: Refusal) -> None:
    root = tmp_path / "p"
    sentinel = tmp_path / "SENTINEL"
    args = case.setup(root)
    write(root, "acme_side_effect.txt", "")  # a file nothing may touch, as a control
    before = snapshot(root)

    result = run_cli("build", "--path", root, *args)

    assert (result.returncode, case.message in result.stderr) == (case.exit_code, True), (
        result.stdout + result.stderr
    )
    assert "Traceback" not in result.stderr
    assert snapshot(root) == before, "a refused build changed the project"
    assert not sentinel.exists()
    if (root / "dist").is_dir():
        (root / "dist").chmod(0o755)
    assert not (tmp_path / "elsewhere").exists()


def test_the_projects_build_once_the_cause_is_gone(tmp_path: Path) -> None:
    """The rows' base project is buildable: each refusal is its own cause, not the base's."""
    root = project(tmp_path / "p")
    result = run_cli("build", "--path", root)
    assert result.returncode == 0, result.stderr
    assert "pyproject.toml: added to dependencies: PyYAML" in result.stdout
    assert (root / "dist" / "acme-0.1.0-py3-none-any.whl").is_file()


def test_a_pyproject_saved_during_the_build_is_kept_and_the_rest_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nb2pkg.commands import build
    from nb2pkg.errors import ConcurrentEdit

    root = project(tmp_path / "p")
    before = snapshot(root)
    saved = PYPROJECT + "# saved in an editor while the build ran\n"
    real_apply = build.apply_file_changes

    def apply_then_someone_saves(changes: object, where: Path) -> list[Path]:
        done = real_apply(changes, where)  # type: ignore[arg-type]
        (root / "pyproject.toml").write_text(saved)
        return done

    monkeypatch.setattr(build, "apply_file_changes", apply_then_someone_saves)
    with pytest.raises(ConcurrentEdit) as caught:
        build.build_project(root)
    assert "pyproject.toml" in str(caught.value)
    assert (root / "pyproject.toml").read_text() == saved  # the save wins
    after = snapshot(root)
    del after["pyproject.toml"], before["pyproject.toml"]
    assert after == before  # modules and ids put back, no wheel
