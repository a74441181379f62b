"""``nb2pkg deps`` and dependency resolution on real projects: every import answered."""

from __future__ import annotations

from pathlib import Path

import tomllib

from tests.projects import make_project, run_cli

PYPROJECT = """[project]
name = "acme"
version = "0.1.0"
description = "Declares its dependencies."
requires-python = ">=3.10"
dependencies = [
    "packaging>=22",
    'tomli; python_version < "3.11"',
]

[tool.nb2pkg]
notebooks = "nbs"
"""


def test_deps_lists_unresolved_imports_as_rows(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {"00_core.ipynb": ["#| default_exp core", "#| export\nimport json\nimport torchy_not_real\n"]},
    )
    table = run_cli("deps", "--path", root)
    assert table.returncode == 1, table.stderr
    rows = {line.split()[0]: line for line in table.stdout.splitlines()[1:3]}
    assert "stdlib" in rows["json"]
    assert "UNRESOLVED" in rows["torchy_not_real"]
    assert (
        "error NB801: cannot tell which distribution provides 'torchy_not_real'" in table.stdout
    )
    assert table.stdout.strip().endswith("2 imports; requires: nothing; 1 unresolved")
    assert run_cli("deps", "--path", root, "--allow-unresolved").returncode == 0

    story = run_cli("deps", "--path", root, "--why", "torchy_not_real")
    assert story.returncode == 1
    assert story.stdout.startswith("torchy_not_real: third-party\n  distribution: UNRESOLVED")
    assert "nbs/00_core.ipynb: cell 2 (id " in story.stdout
    stdlib = run_cli("deps", "--path", root, "--why", "json")
    assert stdlib.returncode == 0 and "stdlib on every supported Python" in stdlib.stdout
    nothing = run_cli("deps", "--path", root, "--why", "numpy")
    assert (nothing.returncode, nothing.stdout.strip()) == (1, 'no exported code imports "numpy"')


def test_tomllib_idiom_with_a_declared_backport_reports_nothing(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {
            "00_core.ipynb": [
                "#| default_exp core",
                "#| export\ntry:\n    import tomllib\nexcept ImportError:\n    import tomli as tomllib\n",
                "#| export\ntry:\n    from packaging.version import parse\nexcept ImportError:\n"
                "    from pip._vendor.packaging.version import parse\n",
                "#| export\nfrom packaging.version import Version\n",
            ]
        },
        pyproject=PYPROJECT,
    )
    built = run_cli("build", "--path", root)
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""  # no "cannot tell", no NB802 note
    assert "added to dependencies" not in built.stdout
    assert "optional-dependencies" not in built.stdout
    declared = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert declared["dependencies"] == ["packaging>=22", 'tomli; python_version < "3.11"']
    assert "optional-dependencies" not in declared  # pip, a fallback, is never added
    story = run_cli("deps", "--path", root, "--why", "tomli")
    assert story.returncode == 0, story.stdout
    assert "declared in pyproject.toml ('tomli; python_version < \"3.11\"')" in story.stdout
    pip = run_cli("deps", "--path", root, "--why", "pip")
    assert pip.returncode == 0 and "a fallback is never a hard dependency" in pip.stdout
    checked = run_cli("check", "--path", root, "--ci")
    assert checked.returncode == 0, checked.stdout
