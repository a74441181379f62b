"""The CLI starts fast: help texts import typer and nb2pkg's light modules, nothing heavy.

Each command imports its library module inside its function; a module-level import in
``cli.py`` (or a light module importing a heavy one) would show up here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = frozenset({"libcst", "black", "nbformat", "IPython"})


def imported_modules(*args: str) -> set[str]:
    """Return every module ``python -X importtime -m nb2pkg *args`` imports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nb2pkg", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    return {
        line.rpartition("|")[2].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }


@pytest.mark.parametrize("args", [("--help",), ("export", "--help"), ("hooks", "status", "--help")])
def test_help_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    imported = imported_modules(*args)
    assert "nb2pkg.cli" in imported  # the probe sees nb2pkg's own imports
    assert sorted(m for m in imported if m.split(".")[0] in HEAVY) == []
    assert sorted(m for m in imported if m.startswith(("nb2pkg.commands", "nb2pkg.deps"))) == []


def test_an_export_found_up_to_date_loads_no_export_stage(tmp_path: Path) -> None:
    """Past the stamp nothing changed, so nothing that renders or checks is imported."""
    from tests.projects import make_project

    root = make_project(tmp_path / "p", {"core.ipynb": ["#| default_exp core", "#| export\nx = 1"]})
    imported_modules("export", "--path", str(root))  # the real export, which stamps
    imported = imported_modules("export", "--path", str(root))
    assert "nb2pkg.export_stamp" in imported
    stages = {"nb2pkg.generate", "nb2pkg.render", "nb2pkg.plan", "nb2pkg.project", "nb2pkg.scope"}
    assert sorted(stages & imported) == []
