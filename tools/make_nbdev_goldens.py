"""Regenerate ``expected_nbdev/`` of the nbdev test projects with nbdev itself.

Usage::

    python tools/make_nbdev_goldens.py                   # every project
    python tools/make_nbdev_goldens.py nbdev3_adopt      # some projects
    python tools/make_nbdev_goldens.py --venvs /tmp/nbdev-venvs   # reuse the environments

Each project under ``tests/data/projects/`` is exported by the nbdev major version its
name says (``nbdev1_*``, ``nbdev2_*``, ``nbdev3_*``), installed from PyPI into a fresh
virtual environment of its own, with the versions pinned below (each nbdev needs the
fastcore of its time). The project is copied to a temporary folder without its
``expected_nbdev/``, nbdev's exporter runs there, and every ``.py`` file of the package
folder (nbdev's index ``_modidx.py`` / ``_nbdev.py`` left out) is copied, byte for byte,
into ``expected_nbdev/<package>/``. The tests then need no network and no nbdev.

A user configuration of nbdev would leak into the output, so the exporters run with
``HOME`` and ``XDG_CONFIG_HOME`` pointing into the temporary folder. Apart from the random
marker ids nbdev 2 gives cells without ids, running the script twice leaves ``git diff``
empty; anything else means the projects or nbdev changed, and the new output is to be
reviewed like code.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

PROJECTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "projects"

#: nbdev major version -> (pip requirements, exporter command).
NBDEV = {
    "1": (["nbdev==1.2.11", "fastcore==1.4.5"], "nbdev_build_lib"),
    "2": (["nbdev==2.4.14", "execnb==0.1.18", "fastcore==1.14.5"], "nbdev_export"),
    "3": (["nbdev==3.3.26", "fastcore==2.2.41"], "nbdev-export"),
}
_INDEX_FILES = {"_modidx.py", "_nbdev.py"}


def main(argv: list[str] | None = None) -> int:
    """Regenerate the goldens of the projects named on the command line (default: all)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", nargs="*", help="project folder names (default: all)")
    parser.add_argument(
        "--venvs", type=Path, help="keep the nbdev environments in this folder and reuse them"
    )
    args = parser.parse_args(argv)
    names = args.projects or sorted(p.name for p in PROJECTS.glob("nbdev*_*") if p.is_dir())
    with tempfile.TemporaryDirectory(prefix="nbdev-goldens-") as scratch:
        venvs = args.venvs or Path(scratch) / "venvs"
        for name in names:
            project = PROJECTS / name
            if not project.is_dir():
                print(f"no project {name} under {PROJECTS}", file=sys.stderr)
                return 2
            major = name[len("nbdev")]
            exporter = _environment(venvs, major)
            package = _export(project, exporter, Path(scratch) / name)
            _collect(Path(scratch) / name / package, project / "expected_nbdev" / package)
            print(f"{name}: exported by nbdev {major}")
    return 0


def _environment(venvs: Path, major: str) -> Path:
    """Create (once) the environment of nbdev *major*; return its exporter's path."""
    requirements, command = NBDEV[major]
    home = venvs / f"nbdev{major}"
    scripts = home / ("Scripts" if os.name == "nt" else "bin")
    if not (scripts / command).exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        subprocess.run(
            [str(scripts / "python"), "-m", "pip", "install", "-q", *requirements], check=True
        )
    return scripts / command


def _export(project: Path, exporter: Path, work: Path) -> str:
    """Copy *project* to *work* without its goldens, run nbdev there; return the package."""
    shutil.copytree(project, work, ignore=shutil.ignore_patterns("expected_nbdev"))
    config = work / "config-home"
    env = dict(os.environ, HOME=str(config), XDG_CONFIG_HOME=str(config))
    subprocess.run([str(exporter)], cwd=work, env=env, check=True)
    return _package(work)


def _package(work: Path) -> str:
    """Return the package folder nbdev wrote: the one holding its index file."""
    for index in _INDEX_FILES:
        found = sorted(work.glob(f"*/{index}"))
        if found:
            return found[0].parent.name
    raise SystemExit(f"nbdev wrote no {' or '.join(sorted(_INDEX_FILES))} under {work}")


def _collect(package: Path, target: Path) -> None:
    """Replace *target* with the ``.py`` files nbdev wrote (index files left out)."""
    if target.parent.exists():
        shutil.rmtree(target.parent)
    for path in sorted(package.rglob("*.py")):
        if path.name in _INDEX_FILES or "__pycache__" in path.parts:
            continue
        destination = target / path.relative_to(package)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(path.read_bytes())


if __name__ == "__main__":
    raise SystemExit(main())
