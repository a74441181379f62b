"""tools/make_nbdev_goldens.py: what it keeps of nbdev's output (no network: no nbdev run)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.projects import REPO


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_nbdev_goldens", REPO / "tools" / "make_nbdev_goldens.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_golden_project_names_an_nbdev_the_tool_installs() -> None:
    tool = _tool()
    projects = sorted(p.name for p in tool.PROJECTS.glob("nbdev*_*") if p.is_dir())
    assert projects == ["nbdev1_lib", "nbdev2_lib", "nbdev3_adopt", "nbdev3_lib"]
    for name in projects:
        assert name[len("nbdev")] in tool.NBDEV
        assert (tool.PROJECTS / name / "expected_nbdev" / name).is_dir()


def test_collect_keeps_every_module_but_nbdevs_index(tmp_path: Path) -> None:
    tool = _tool()
    work = tmp_path / "work"
    package = work / "acme"
    for relative, text in {
        "__init__.py": '__version__ = "0.0.1"\n',
        "_modidx.py": "d = {}\n",
        "core.py": "x = 1\n",
        "sub/__init__.py": "",
        "sub/deep.py": "y = 2\n",
        "__pycache__/core.cpython-311.py": "",
    }.items():
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_text(text)
    assert tool._package(work) == "acme"
    target = tmp_path / "expected_nbdev" / "acme"
    (target / "stale.py").parent.mkdir(parents=True)
    (target / "stale.py").write_text("old output\n")
    tool._collect(package, target)
    kept = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert kept == ["__init__.py", "core.py", "sub/__init__.py", "sub/deep.py"]
    assert (target / "core.py").read_bytes() == b"x = 1\n"


def test_a_run_that_wrote_no_index_stops(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="wrote no"):
        _tool()._package(tmp_path)
