"""Build wheels and sdists of real projects on disk, install them, import them."""

from __future__ import annotations

import email.parser
import hashlib
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from nb2pkg.deps.pyproject_update import generated_pyproject
from nb2pkg.errors import BuildError
from nb2pkg.wheel import DEFAULT_BUILD_SYSTEM, build_wheel
from tests.projects import snapshot

PYPROJECT = """\
[build-system]
requires = ["flit_core>=3.9,<5"]
build-backend = "flit_core.buildapi"

[project]
name = "acme-tools"
version = "0.1.0"
description = "Acme tools from notebooks"
requires-python = ">=3.10"
dependencies = [
    "attrs>=21",
    "tomli; python_version < \\"3.11\\"",
]

[project.optional-dependencies]
plot = ["matplotlib"]

[project.scripts]
acme = "acme.core:main"

[tool.nb2pkg]
package = "acme"
"""

PACKAGE = {
    "acme/__init__.py": '"""Acme tools."""\n__version__ = "0.1.0"\n',
    "acme/core.py": "def greet(name):\n    return f'hello {name}'\n\ndef main():\n    print(greet('cli'))\n",
    "acme/sub/__init__.py": "",
    "acme/sub/deep.py": "from ..core import greet\n\ndef twice(name):\n    return greet(name) * 2\n",
    "nbs/00_core.ipynb": "{}\n",
}
MODULES = ["acme", "acme.core", "acme.sub", "acme.sub.deep"]


def write_project(root: Path, files: Mapping[str, str], mtime: int | None = None) -> Path:
    """Write *files* under *root*; give them all one modification time if asked."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if mtime is not None:
            os.utime(path, (mtime, mtime))
    return root


def flit_project(root: Path, pyproject: str = PYPROJECT, mtime: int | None = None) -> Path:
    return write_project(root, {"pyproject.toml": pyproject, **PACKAGE}, mtime)


def metadata_of(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(archive.read(name).decode("utf-8"))


def names_in(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the interpreter of one fresh virtual environment shared by this module."""
    folder = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    return folder / "bin" / "python"


def install(venv: Path, distribution: Path) -> None:
    """Install *distribution* alone into *venv*, with this environment's pip."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--force-reinstall",
            str(distribution),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def run_in(venv: Path, code: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(venv), "-c", code],
        cwd=cwd,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# -- flit, in-process ----------------------------------------------------------------------


def test_wheel_installs_imports_and_says_what_it_needs(tmp_path: Path, venv: Path) -> None:
    root = flit_project(tmp_path / "project")
    before = snapshot(root)

    built = build_wheel(root, outdir=Path("dist"))

    assert [b.path.name for b in built] == ["acme_tools-0.1.0-py3-none-any.whl"]
    wheel = built[0]
    assert wheel.path == root / "dist" / wheel.path.name
    assert wheel.size == wheel.path.stat().st_size
    assert wheel.sha256 == hashlib.sha256(wheel.path.read_bytes()).hexdigest()
    assert sorted(n for n in names_in(wheel.path) if n.startswith("acme/")) == [
        "acme/__init__.py",
        "acme/core.py",
        "acme/sub/__init__.py",
        "acme/sub/deep.py",
    ]
    metadata = metadata_of(wheel.path)
    assert metadata["Name"] == "acme-tools"
    assert metadata["Version"] == "0.1.0"
    assert metadata.get_all("Requires-Dist") == [
        "attrs>=21",
        'tomli; python_version < "3.11"',
        'matplotlib ; extra == "plot"',
    ]
    assert metadata.get_all("Provides-Extra") == ["plot"]
    # The user's files are untouched and nothing but dist/ appeared.
    after = snapshot(root)
    assert {k: v for k, v in after.items() if not k.startswith("dist/")} == before
    assert sorted(p.name for p in (root / "dist").iterdir()) == [wheel.path.name]

    install(venv, wheel.path)
    imports = "; ".join(f"import {m}" for m in MODULES)
    out = run_in(
        venv, f"{imports}; print(acme.sub.deep.twice('x')); print(acme.__file__)", tmp_path
    )
    assert out.splitlines()[0] == "hello xhello x"
    assert "site-packages" in out.splitlines()[1]


def test_same_sources_give_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build_wheel(flit_project(tmp_path / "one", mtime=1_600_000_000), outdir=Path("dist"))
    second = build_wheel(
        flit_project(tmp_path / "elsewhere" / "two", mtime=1_700_000_000), outdir=Path("out/x")
    )
    assert first[0].path.read_bytes() == second[0].path.read_bytes()
    assert first[0].sha256 == second[0].sha256
    assert "SOURCE_DATE_EPOCH" not in os.environ  # the build put the environment back
    with zipfile.ZipFile(first[0].path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_an_epoch_from_the_environment_is_used_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    built = build_wheel(flit_project(tmp_path / "p"), outdir=Path("dist"))
    with zipfile.ZipFile(built[0].path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    assert os.environ["SOURCE_DATE_EPOCH"] == "1700000000"


def test_import_name_given_by_the_caller_leaves_the_file_alone(tmp_path: Path) -> None:
    plain = PYPROJECT.replace('[tool.nb2pkg]\npackage = "acme"\n', "")
    root = flit_project(tmp_path / "p", plain)
    built = build_wheel(root, outdir=root / "dist", package="acme")
    assert "acme/core.py" in names_in(built[0].path)
    assert (root / "pyproject.toml").read_text(encoding="utf-8") == plain


def test_a_missing_package_folder_is_a_build_error(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"pyproject.toml": PYPROJECT})
    with pytest.raises(BuildError, match="has no acme/ package folder .*`nb2pkg export`"):
        build_wheel(root, outdir=Path("dist"))
    assert not (root / "dist").exists()  # refused before anything was written


def test_sdist_carries_a_pyproject_that_builds_the_same_wheel(tmp_path: Path) -> None:
    root = flit_project(tmp_path / "p")
    (root / "README.md").write_text("# Acme\n", encoding="utf-8")
    (root / "LICENSE").write_text("Apache-2.0\n", encoding="utf-8")
    text = PYPROJECT.replace("requires-python", 'readme = "README.md"\nrequires-python')
    (root / "pyproject.toml").write_text(text, encoding="utf-8")

    wheel, sdist = build_wheel(root, outdir=Path("dist"), sdist=True)

    assert sdist.path.name == "acme_tools-0.1.0.tar.gz"
    with tarfile.open(sdist.path) as archive:
        names = sorted(archive.getnames())
        archive.extractall(tmp_path / "unpacked", filter="data")
    assert names == sorted(
        f"acme_tools-0.1.0/{n}"
        for n in [
            "LICENSE",
            "PKG-INFO",
            "README.md",
            "acme/__init__.py",
            "acme/core.py",
            "acme/sub/__init__.py",
            "acme/sub/deep.py",
            "pyproject.toml",
        ]
    )
    unpacked = tmp_path / "unpacked" / "acme_tools-0.1.0"
    shipped = (unpacked / "pyproject.toml").read_text(encoding="utf-8")
    assert shipped.startswith(text)  # the user's text, with only what flit needs added
    again = build_wheel(unpacked, outdir=Path("dist"))
    assert again[0].path.read_bytes() == wheel.path.read_bytes()
    assert (root / "pyproject.toml").read_text(encoding="utf-8") == text
    assert not (root / "dist" / "source").exists()


def test_sdist_honours_flit_patterns_and_external_data(tmp_path: Path) -> None:
    text = PYPROJECT + (
        '\n[tool.flit.sdist]\ninclude = ["docs/"]\nexclude = ["docs/draft.md"]\n'
        '\n[tool.flit.external-data]\ndirectory = "share"\n'
    )
    root = flit_project(tmp_path / "p", text)
    write_project(
        root,
        {"docs/guide.md": "# Guide\n", "docs/draft.md": "wip\n", "share/acme/config.json": "{}\n"},
    )

    wheel, sdist = build_wheel(root, outdir=Path("dist"), sdist=True)

    assert "acme_tools-0.1.0.data/data/acme/config.json" in names_in(wheel.path)
    with tarfile.open(sdist.path) as archive:
        names = set(archive.getnames())
    assert "acme_tools-0.1.0/docs/guide.md" in names
    assert "acme_tools-0.1.0/share/acme/config.json" in names
    assert "acme_tools-0.1.0/docs/draft.md" not in names


def test_sdist_is_reproducible(tmp_path: Path) -> None:
    one = build_wheel(flit_project(tmp_path / "a", mtime=1), outdir=Path("dist"), sdist=True)
    two = build_wheel(flit_project(tmp_path / "b", mtime=2), outdir=Path("dist"), sdist=True)
    assert [b.sha256 for b in one] == [b.sha256 for b in two]


def test_nbdev2_project_builds_from_generated_text_and_leaves_only_dist(
    tmp_path: Path, venv: Path
) -> None:
    settings = {
        "lib_name": "nbdev2-demo",
        "lib_path": "demo",
        "version": "1.2.0",
        "description": "demo",
        "requirements": "attrs",
        "console_scripts": "demo=demo.core:main",
        "license": "apache2",
        "min_python": "3.10",
    }
    root = write_project(
        tmp_path / "nbdev2",
        {
            "settings.ini": "[DEFAULT]\nlib_name = nbdev2-demo\nlib_path = demo\nversion = 1.2.0\n",
            "README.md": "# demo\n",
            "demo/__init__.py": "",
            "demo/core.py": "def main():\n    print('demo ran')\n",
            "demo/sub/__init__.py": "",
            "demo/sub/more.py": "X = 1\n",
        },
    )
    before = snapshot(root)
    text = generated_pyproject(settings, ["numpy"], {}, DEFAULT_BUILD_SYSTEM, readme=True)

    wheel, sdist = build_wheel(root, outdir=Path("dist"), pyproject_text=text, sdist=True)

    assert {k: v for k, v in snapshot(root).items() if not k.startswith("dist/")} == before
    assert sorted(p.name for p in (root / "dist").iterdir()) == [
        "nbdev2_demo-1.2.0-py3-none-any.whl",
        "nbdev2_demo-1.2.0.tar.gz",
    ]
    metadata = metadata_of(wheel.path)
    assert (metadata["Name"], metadata["Version"]) == ("nbdev2-demo", "1.2.0")
    assert metadata.get_all("Requires-Dist") == ["attrs", "numpy"]
    assert metadata.get_all("Provides-Extra") is None
    with tarfile.open(sdist.path) as archive:
        member = archive.extractfile("nbdev2_demo-1.2.0/pyproject.toml")
        assert member is not None and member.read().decode("utf-8") == text
    install(venv, wheel.path)
    out = run_in(venv, "import demo.sub.more, demo.core; demo.core.main()", tmp_path)
    assert out == "demo ran\n"
    script = run_in(
        venv,
        "import importlib.metadata as m; print(m.entry_points(group='console_scripts')"
        "['demo'].value)",
        tmp_path,
    )
    assert script == "demo.core:main\n"


def test_outdir_outside_the_project_is_refused(tmp_path: Path) -> None:
    root = flit_project(tmp_path / "p")
    with pytest.raises(BuildError, match="outside the project"):
        build_wheel(root, outdir=tmp_path / "elsewhere")
    with pytest.raises(BuildError, match="outside the project"):
        build_wheel(root, outdir=Path("../dist"))
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "dist").exists()


def test_outdir_inside_the_package_is_refused(tmp_path: Path) -> None:
    root = flit_project(tmp_path / "p")
    with pytest.raises(BuildError, match="inside the package"):
        build_wheel(root, outdir=Path("acme/dist"))
    assert not (root / "acme" / "dist").exists()


def test_no_pyproject_and_no_text_is_a_build_error(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", PACKAGE)
    with pytest.raises(BuildError, match="no pyproject.toml"):
        build_wheel(root, outdir=Path("dist"))


# -- other backends, through PEP 517 -----------------------------------------------------

SHIM = """\
import os
from flit_core import buildapi


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.environ["NB2PKG_SHIM_LOG"], "a") as log:
        log.write(f"{os.getpid()} {os.environ.get('SOURCE_DATE_EPOCH')}\\n")
    return buildapi.build_wheel(wheel_directory, config_settings, metadata_directory)


build_sdist = buildapi.build_sdist
get_requires_for_build_wheel = buildapi.get_requires_for_build_wheel
get_requires_for_build_sdist = buildapi.get_requires_for_build_sdist
"""


def test_another_backend_runs_through_pep517_in_a_subprocess(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An in-tree backend stands for any other: it is called by PEP 517, in another process."""
    log = tmp_path / "log"
    monkeypatch.setenv("NB2PKG_SHIM_LOG", str(log))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    text = PYPROJECT.replace(
        'build-backend = "flit_core.buildapi"',
        'build-backend = "shim"\nbackend-path = ["_backend"]',
    ).replace('[tool.nb2pkg]\npackage = "acme"\n', '[tool.flit.module]\nname = "acme"\n')
    root = write_project(flit_project(tmp_path / "p", text), {"_backend/shim.py": SHIM})

    wheel, sdist = build_wheel(root, outdir=Path("dist"), sdist=True)

    assert wheel.path.name == "acme_tools-0.1.0-py3-none-any.whl"
    assert sdist.path.name == "acme_tools-0.1.0.tar.gz"
    pid, epoch = log.read_text().split()
    assert int(pid) != os.getpid() and epoch == "315532800"
    assert "SOURCE_DATE_EPOCH" not in os.environ


def test_a_backend_that_is_not_installed_is_named_with_its_install_command(tmp_path: Path) -> None:
    text = PYPROJECT.replace(
        'requires = ["flit_core>=3.9,<5"]\nbuild-backend = "flit_core.buildapi"',
        'requires = ["nb2pkg-no-such-backend>=1"]\nbuild-backend = "nb2pkg_no_such_backend.api"',
    )
    root = flit_project(tmp_path / "p", text)
    with pytest.raises(BuildError) as caught:
        build_wheel(root, outdir=Path("dist"))
    assert "nb2pkg_no_such_backend.api" in caught.value.message
    assert 'pip install "nb2pkg-no-such-backend>=1"' in caught.value.message


def test_a_failing_backend_shows_its_output(tmp_path: Path) -> None:
    text = PYPROJECT.replace(
        'build-backend = "flit_core.buildapi"',
        'build-backend = "shim"\nbackend-path = ["_backend"]',
    )
    root = write_project(
        flit_project(tmp_path / "p", text),
        {
            "_backend/shim.py": "def build_wheel(*args):\n    print('backend says no')\n    raise SystemExit(3)\n"
        },
    )
    with pytest.raises(BuildError, match="(?s)shim backend failed.*backend says no"):
        build_wheel(root, outdir=Path("dist"))


def test_without_the_build_package_the_error_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = PYPROJECT.replace(
        'build-backend = "flit_core.buildapi"',
        'build-backend = "shim"\nbackend-path = ["_backend"]',
    )
    root = write_project(flit_project(tmp_path / "p", text), {"_backend/shim.py": SHIM})
    monkeypatch.setitem(sys.modules, "build", None)
    with pytest.raises(BuildError, match="pip install build"):
        build_wheel(root, outdir=Path("dist"))


def test_text_for_another_backend_must_be_the_file_on_disk(tmp_path: Path) -> None:
    root = flit_project(tmp_path / "p")
    other = PYPROJECT.replace('"flit_core.buildapi"', '"setuptools.build_meta"')
    with pytest.raises(BuildError, match="write the file before building"):
        build_wheel(root, outdir=Path("dist"), pyproject_text=other)


def _setuptools_builds_wheels() -> str | None:
    """Return why this environment cannot build with setuptools, or None if it can."""
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return "setuptools is not installed (pip install 'setuptools>=70.1')"
    major_minor = tuple(int(part) for part in version.split(".")[:2])
    if major_minor < (70, 1):
        try:
            importlib.metadata.version("wheel")
        except importlib.metadata.PackageNotFoundError:
            return f"setuptools {version} needs the wheel package (pip install 'setuptools>=70.1')"
    return None


@pytest.mark.skipif(
    _setuptools_builds_wheels() is not None, reason=str(_setuptools_builds_wheels())
)
def test_setuptools_project_builds_through_pep517(tmp_path: Path, venv: Path) -> None:
    text = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "acme-setuptools"
version = "2.0.0"
dependencies = ["attrs"]

[project.optional-dependencies]
plot = ["matplotlib"]
"""
    src_layout = {f"src/{k}": v for k, v in PACKAGE.items() if k.startswith("acme/")}
    root = write_project(tmp_path / "st", {"pyproject.toml": text, **src_layout})
    built = build_wheel(root, outdir=Path("dist"))
    assert built[0].path.name == "acme_setuptools-2.0.0-py3-none-any.whl"
    metadata = metadata_of(built[0].path)
    assert metadata["Name"] == "acme-setuptools"
    assert metadata.get_all("Requires-Dist") == ["attrs", 'matplotlib; extra == "plot"']
    assert metadata.get_all("Provides-Extra") == ["plot"]
    install(venv, built[0].path)
    assert run_in(venv, "import acme.sub.deep as d; print(d.twice('s'))", tmp_path) == (
        "hello shello s\n"
    )


@pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None, reason="hatchling is not installed"
)
def test_hatchling_project_builds_through_pep517(tmp_path: Path) -> None:
    text = (
        PYPROJECT.replace(
            'requires = ["flit_core>=3.9,<5"]\nbuild-backend = "flit_core.buildapi"',
            'requires = ["hatchling"]\nbuild-backend = "hatchling.build"',
        )
        + '\n[tool.hatch.build.targets.wheel]\npackages = ["acme"]\n'
    )
    root = flit_project(tmp_path / "h", text)
    wheel, sdist = build_wheel(root, outdir=Path("dist"), sdist=True)
    assert (wheel.path.name, sdist.path.name) == (
        "acme_tools-0.1.0-py3-none-any.whl",
        "acme_tools-0.1.0.tar.gz",
    )
    metadata = metadata_of(wheel.path)
    assert metadata.get_all("Requires-Dist") == [
        "attrs>=21",
        "tomli; python_version < '3.11'",
        "matplotlib; extra == 'plot'",
    ]
    assert "acme/sub/deep.py" in names_in(wheel.path)
