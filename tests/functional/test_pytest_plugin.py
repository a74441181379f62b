"""``pytest --nb2pkg``: notebooks as test items, with and without pytest-xdist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import REPO, make_project

NOTEBOOKS = {
    "good.ipynb": ["x = 2", "assert x * 2 == 4"],
    "bad.ipynb": ["items = []", "assert items, 'no items were loaded'"],
    "_draft.ipynb": ["raise RuntimeError('draft ran')"],
    "flagged.ipynb": ["#| slow\nraise RuntimeError('slow ran')", "y = 1"],
    "_build/copy.ipynb": ["raise RuntimeError('copy ran')"],
}
PYTEST = '\n[tool.nb2pkg.test]\nflags = ["slow"]\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run pytest in *root* in a fresh process, as CI would."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *args],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("plugin") / "acme", NOTEBOOKS, tool=PYTEST)
    (root / "tests").mkdir()
    (root / "tests" / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    return root


def counts(result: subprocess.CompletedProcess[str]) -> str:
    last = result.stdout.strip().splitlines()[-1]
    return re.sub(r" in [\d.]+s.*", "", last.strip("= "))


def test_notebooks_become_test_items(project: Path) -> None:
    # Without --nb2pkg the plugin collects nothing: this very test suite, whose data holds
    # notebooks, runs with it installed.
    result = pytest_in(project, "--nb2pkg", "-v")
    assert result.returncode == 1, result.stdout + result.stderr
    assert counts(result) == "1 failed, 3 passed, 1 skipped", result.stdout
    assert re.search(r"nbs/good\.ipynb::good\.ipynb PASSED", result.stdout)
    assert re.search(r"nbs/bad\.ipynb::bad\.ipynb FAILED", result.stdout)
    assert re.search(r"SKIPPED \[1\] .*name starts with _", result.stdout)
    assert "copy.ipynb" not in result.stdout  # _build/ is not searched
    assert "nbs/bad.ipynb: cell 2 (id " in result.stdout
    assert "AssertionError: no items were loaded" in result.stdout
    assert "> 1 | assert items, 'no items were loaded'" in result.stdout
    assert "slow ran" not in result.stdout and "draft ran" not in result.stdout
    assert "site-packages" not in result.stdout  # the failure is the notebook's, not a traceback of the plugin


def test_options_mirror_the_command(project: Path) -> None:
    result = pytest_in(project, "--nb2pkg", "--nb2pkg-flags", "slow", "nbs/flagged.ipynb", "nbs/_draft.ipynb")
    assert result.returncode == 1
    assert counts(result) == "2 failed", result.stdout  # a notebook named on the command line runs whatever its name
    assert "RuntimeError: slow ran" in result.stdout and "RuntimeError: draft ran" in result.stdout


def test_with_xdist(project: Path) -> None:
    pytest.importorskip("xdist")
    result = pytest_in(project, "--nb2pkg", "-n", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert counts(result) == "1 failed, 3 passed, 1 skipped", result.stdout
    assert "AssertionError: no items were loaded" in result.stdout
