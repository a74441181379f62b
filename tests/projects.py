"""Build real projects on disk for tests: pyproject.toml plus notebooks made with nbformat."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parent.parent

CellSpec = str | tuple[str, str]  # code, or ("markdown", text) / ("code", text)


def make_notebook(cells: Iterable[CellSpec], *, ids: bool = True) -> Any:
    """Return a valid nbformat 4.5 notebook from cell specs (plain strings are code cells)."""
    made = []
    for spec in cells:
        kind, text = ("code", spec) if isinstance(spec, str) else spec
        made.append(new_markdown_cell(text) if kind == "markdown" else new_code_cell(text))
    nb = new_notebook(cells=made)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    if not ids:
        nb.nbformat_minor = 4
        for cell in nb.cells:
            del cell["id"]
    nbformat.validate(nb)
    return nb


def write_notebook(path: Path, nb: Any) -> Path:
    """Write *nb* as Jupyter does, after validating it."""
    nbformat.validate(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def make_project(
    root: Path,
    notebooks: dict[str, Sequence[CellSpec]],
    *,
    name: str = "acme",
    tool: str = "",
    pyproject: str | None = None,
) -> Path:
    """Create a project under *root* with notebooks at ``nbs/<relative path>``."""
    root.mkdir(parents=True, exist_ok=True)
    if pyproject is None:
        pyproject = (
            f'[project]\nname = "{name}"\nversion = "0.1.0"\ndescription = "A test project."\nrequires-python = ">=3.10"\n'
            f'dependencies = []\n\n[tool.nb2pkg]\nnotebooks = "nbs"\n{tool}'
        )
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (root / "nbs").mkdir(exist_ok=True)
    for relative, cells in notebooks.items():
        write_notebook(root / "nbs" / relative, make_notebook(cells))
    return root


def run_cli(
    *args: str | os.PathLike[str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m nb2pkg`` in a subprocess, as a user would."""
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "nb2pkg", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_python(code: str, *, path: Path) -> subprocess.CompletedProcess[str]:
    """Run *code* in a fresh interpreter with *path* first on sys.path."""
    env = dict(os.environ, PYTHONPATH=str(path))
    return subprocess.run(
        [sys.executable, "-c", code], cwd=path, env=env, capture_output=True, text=True, timeout=120
    )


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Return every file under *root* with its bytes and mtime (ns), to prove nothing changed."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def make_venv(folder: Path) -> Path:
    """Create a fresh virtual environment (with pip) and return its folder."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    return folder


def venv_site(venv: Path) -> Path:
    """Return the site-packages folder of *venv*."""
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], check=True, capture_output=True, text=True
    )
    return Path(out.stdout.strip())


def lend_this_environment(venv: Path) -> Path:
    """Let *venv* import what this environment has installed (a .pth file); return that file."""
    import sysconfig

    link = venv_site(venv) / "lent.pth"
    link.write_text(sysconfig.get_paths()["purelib"] + "\n")
    return link


def install_wheel(venv: Path, wheel: Path) -> None:
    """Install *wheel* into *venv* without dependencies, over any copy it can already see."""
    command = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*command, "--force-reinstall", "--ignore-installed", str(wheel)], check=True)


def lend_requirements_of(venv: Path, distribution: str) -> list[str]:
    """Let *venv* import the distributions *distribution* needs, and nothing else.

    Follows the requirements (without extras) from this environment's metadata, links each
    needed distribution's top-level files and its ``.dist-info`` into one folder, and puts
    that folder on the venv's path (a .pth file). Returns the distributions lent.
    """
    from importlib import metadata

    from packaging.requirements import Requirement

    def needs(name: str) -> list[str]:
        found = []
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                found.append(requirement.name)
        return found

    lent: dict[str, metadata.Distribution] = {}
    stack = needs(distribution)
    while stack:
        name = stack.pop()
        key = name.lower().replace("_", "-").replace(".", "-")
        if key in lent:
            continue
        lent[key] = metadata.distribution(name)
        stack.extend(needs(name))
    folder = venv / "lent"
    folder.mkdir()
    for dist in lent.values():
        for file in dist.files or []:
            top = file.parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            link = folder / top
            if not link.exists():
                link.symlink_to(Path(str(dist.locate_file(top))))
    (venv_site(venv) / "lent.pth").write_text(str(folder) + "\n")
    return sorted(lent)
