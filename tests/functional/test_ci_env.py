"""A CI job installs only nb2pkg: a data-science project must still build, list and check.

The venv here holds nb2pkg (from its wheel) and what nb2pkg itself needs, nothing else:
pandas and scikit-learn are declared by the project but not installed, as in the CI
workflow ``nb2pkg new`` writes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import (
    REPO,
    install_wheel,
    lend_requirements_of,
    make_notebook,
    make_venv,
    write_notebook,
)

DS_CELLS = [
    "#| default_exp model",
    "#| export\nimport pandas as pd\nimport yaml\nfrom sklearn.linear_model import LinearRegression\n\n"
    "def fit(frame: pd.DataFrame, config: str) -> LinearRegression:\n"
    "    settings = yaml.safe_load(config)\n"
    "    return LinearRegression(**settings).fit(frame[['x']], frame['y'])",
    "#| export\ntry:\n    import tomllib\nexcept ImportError:\n    import tomli as tomllib",
]


@pytest.fixture(scope="module")
def ci_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with nb2pkg installed from its wheel, and only nb2pkg's own requirements."""
    work = tmp_path_factory.mktemp("ci")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(work), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = work.glob("nb2pkg-*.whl")
    venv = make_venv(work / "venv")
    lent = lend_requirements_of(venv, "nb2pkg")
    assert "pandas" not in lent and "scikit-learn" not in lent
    install_wheel(venv, wheel)
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_venv_has_nb2pkg_and_not_the_projects_dependencies(ci_venv: Path, tmp_path: Path) -> None:
    probe = "import importlib.util as u; print([bool(u.find_spec(m)) for m in ('nb2pkg', 'pandas', 'sklearn')])"
    result = _run(ci_venv, "python", "-c", probe, cwd=tmp_path)
    assert result.stdout.strip() == "[True, False, False]", result.stderr


def test_data_science_project_passes_in_a_venv_with_only_nb2pkg(ci_venv: Path, tmp_path: Path) -> None:
    assert _run(ci_venv, "nb2pkg", "new", "ds", cwd=tmp_path).returncode == 0
    root = tmp_path / "ds"
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(
        text.replace(
            "dependencies = []",
            'dependencies = [\n    "pandas>=2",\n    "scikit-learn",\n    "PyYAML",\n'
            '    \'tomli; python_version < "3.11"\',\n]',
        )
    )
    write_notebook(root / "nbs" / "01_model.ipynb", make_notebook(DS_CELLS))
    for command in (["export"], ["build"], ["deps"], ["check", "--ci"]):
        result = _run(ci_venv, "nb2pkg", *command, cwd=root)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        assert "cannot tell" not in result.stdout + result.stderr
        if command == ["deps"]:
            assert "declared in pyproject.toml ('pandas>=2')" in result.stdout
            assert "declared in pyproject.toml ('scikit-learn')" in result.stdout
    assert pyproject.read_text().count("pandas") == 1  # nothing added twice


def test_template_project_passes_in_a_venv_with_only_nb2pkg(ci_venv: Path, tmp_path: Path) -> None:
    assert _run(ci_venv, "nb2pkg", "new", "plain", cwd=tmp_path).returncode == 0
    root = tmp_path / "plain"
    for command in (["export"], ["build"], ["deps"], ["check", "--ci"]):
        result = _run(ci_venv, "nb2pkg", *command, cwd=root)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
