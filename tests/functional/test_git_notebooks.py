"""Notebooks in real git repositories: the clean filter, the notebook diff and the merge driver."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_output

from nb2pkg.clean import CleanOptions
from nb2pkg.clean_io import clean_bytes
from nb2pkg.gitsetup import ATTRIBUTES_LINE, GIT_CONFIG
from tests.gitrepos import git, git_env, nb2pkg, needs_git
from tests.projects import make_project, snapshot

pytestmark = needs_git

CELLS = [
    "#| default_exp core",
    "#| export\ndef greet(name):\n    return f'Hello, {name}!'",
    "print(greet('a'))",
    "#| export\nLIMIT = 3",
]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return git_env(tmp_path / "home")


def _repo(tmp_path: Path, env: dict[str, str], *, hooks: bool = True) -> Path:
    root = make_project(tmp_path / "repo", {"core.ipynb": CELLS})
    git("init", "--quiet", cwd=root, env=env)
    if hooks:
        assert nb2pkg("hooks", "install", cwd=root, env=env).returncode == 0
    git("add", "-A", cwd=root, env=env)
    git("commit", "--quiet", "-m", "start", cwd=root, env=env)
    return root


def _notebook(root: Path) -> Any:
    return nbformat.read(root / "nbs" / "core.ipynb", as_version=4)


def _save(root: Path, nb: Any) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, root / "nbs" / "core.ipynb")


def _rerun(root: Path, text: str, start: int = 1) -> None:
    """What "Restart & Run All" leaves: counts, timings, outputs, the Python version."""
    nb = _notebook(root)
    for number, cell in enumerate(nb.cells, start):
        cell.execution_count = number
        cell.metadata["execution"] = {"iopub.execute_input": f"2024-01-0{start}T00:00:0{number}"}
        cell.outputs = [new_output("stream", name="stdout", text=f"{text}\n")]
    nb.metadata["language_info"] = {"name": "python", "version": f"3.11.{start}"}
    _save(root, nb)


def _edit(root: Path, index: int, source: str) -> None:
    nb = _notebook(root)
    nb.cells[index].source = source
    _save(root, nb)


def _branches(
    root: Path, env: dict[str, str], ours: Any, theirs: Any
) -> subprocess.CompletedProcess[str]:
    """Make branch topic with *theirs*, main with *ours*, and merge topic into main."""
    git("checkout", "--quiet", "-b", "topic", cwd=root, env=env)
    theirs()
    git("commit", "--quiet", "-am", "theirs", cwd=root, env=env)
    git("checkout", "--quiet", "main", cwd=root, env=env)
    ours()
    git("commit", "--quiet", "-am", "ours", cwd=root, env=env)
    return git("merge", "topic", cwd=root, env=env, check=False)


def test_install_and_uninstall(tmp_path: Path, env: dict[str, str]) -> None:
    root = make_project(tmp_path / "repo", {"core.ipynb": CELLS})
    git("init", "--quiet", cwd=root, env=env)
    attributes = root / ".gitattributes"
    attributes.write_bytes(b"*.png binary\r\n*.csv -diff\r\n")
    before = attributes.read_bytes()
    installed = nb2pkg("hooks", "install", cwd=root, env=env)
    assert installed.returncode == 0, installed.stderr
    config = git("config", "--local", "--list", cwd=root, env=env).stdout
    for name, value in GIT_CONFIG:
        assert f"{name}={value}\n" in config
        assert not value.startswith("/") and "python" not in value  # works in every clone
    text = attributes.read_bytes()
    assert text.startswith(before) and text.endswith(ATTRIBUTES_LINE.encode() + b"\r\n")
    again = nb2pkg("hooks", "install", cwd=root, env=env)
    assert again.returncode == 0 and b"nothing to install" in again.stdout
    assert attributes.read_bytes() == text
    assert nb2pkg("hooks", "status", cwd=root, env=env).returncode == 0
    removed = nb2pkg("hooks", "uninstall", cwd=root, env=env)
    assert removed.returncode == 0, removed.stderr
    assert "nb2pkg" not in git("config", "--local", "--list", cwd=root, env=env).stdout
    assert attributes.read_bytes() == before
    assert nb2pkg("hooks", "status", cwd=root, env=env).returncode == 1
    # a .gitattributes install created goes with uninstall; one the user wrote stays
    attributes.unlink()
    nb2pkg("hooks", "install", cwd=root, env=env)
    nb2pkg("hooks", "uninstall", cwd=root, env=env)
    assert not attributes.exists()
    attributes.write_text("*.ipynb filter=nb2pkg diff=nb2pkg merge=nb2pkg -text\n")
    kept = nb2pkg("hooks", "uninstall", cwd=root, env=env)
    assert attributes.read_text().startswith("*.ipynb") and b"line you wrote" in kept.stderr


def test_install_outside_a_repository(tmp_path: Path, env: dict[str, str]) -> None:
    root = make_project(tmp_path / "plain", {"core.ipynb": CELLS})
    before = snapshot(root)
    result = nb2pkg("hooks", "install", cwd=root, env=env)
    assert result.returncode == 2
    assert b"not inside a git repository; run `git init` first" in result.stderr
    assert b"Traceback" not in result.stderr and snapshot(root) == before


def test_commits_store_clean_notebooks(tmp_path: Path, env: dict[str, str]) -> None:
    root = _repo(tmp_path, env)
    _rerun(root, "hello")
    working = (root / "nbs" / "core.ipynb").read_bytes()
    git("commit", "--quiet", "-am", "ran it", cwd=root, env=env)
    blob = git("show", "HEAD:nbs/core.ipynb", cwd=root, env=env).stdout.encode()
    assert blob == clean_bytes(working, "core.ipynb", CleanOptions()).text.encode()
    stored = json.loads(blob)
    assert all(c.get("execution_count") is None for c in stored["cells"])
    assert all("execution" not in c["metadata"] for c in stored["cells"])
    assert stored["cells"][2]["outputs"][0]["text"] == ["hello\n"]  # outputs are kept
    assert "version" not in stored["metadata"]["language_info"]
    assert (root / "nbs" / "core.ipynb").read_bytes() == working  # the work tree is untouched
    _rerun(root, "hello", start=5)  # another run, nothing else: git sees no change
    assert git("status", "--porcelain", cwd=root, env=env).stdout == ""


def test_two_reruns_merge_without_conflict(tmp_path: Path, env: dict[str, str]) -> None:
    root = _repo(tmp_path, env)
    merged = _branches(root, env, lambda: _rerun(root, "ours"), lambda: _rerun(root, "theirs", 3))
    assert merged.returncode == 0, merged.stdout + merged.stderr
    nb = _notebook(root)
    assert nb.cells[2].outputs[0]["text"] == "ours\n"  # the current side's outputs
    assert git("status", "--porcelain", cwd=root, env=env).stdout == ""


def test_edits_to_different_cells_merge(tmp_path: Path, env: dict[str, str]) -> None:
    root = _repo(tmp_path, env)
    merged = _branches(
        root,
        env,
        lambda: _edit(root, 1, "#| export\ndef greet(name):\n    return f'Hi, {name}!'"),
        lambda: _edit(root, 3, "#| export\nLIMIT = 4"),
    )
    assert merged.returncode == 0, merged.stdout + merged.stderr
    nb = _notebook(root)
    assert "Hi, {name}" in nb.cells[1].source and nb.cells[3].source == "#| export\nLIMIT = 4"


def test_same_cell_conflict_stays_a_notebook(tmp_path: Path, env: dict[str, str]) -> None:
    root = _repo(tmp_path, env)
    ids = [cell.id for cell in _notebook(root).cells]
    merged = _branches(
        root,
        env,
        lambda: (_edit(root, 3, "#| export\nLIMIT = 10"), _edit(root, 2, "print(greet('b'))")),
        lambda: _edit(root, 3, "#| export\nLIMIT = 20"),
    )
    assert merged.returncode == 1
    assert "CONFLICT (content): Merge conflict in nbs/core.ipynb" in merged.stdout
    assert git("status", "--porcelain", cwd=root, env=env).stdout == "UU nbs/core.ipynb\n"
    nb = _notebook(root)
    nbformat.validate(nb)
    assert nb.cells[2].source == "print(greet('b'))"  # the other edit merged
    assert nb.cells[3].source == (
        "#| export\n<<<<<<< ours\nLIMIT = 10\n=======\nLIMIT = 20\n>>>>>>> theirs"
    )
    assert nb.cells[3].metadata["tags"] == ["nb2pkg-conflict"]
    assert [c.id for c in nb.cells] == ids
    check = nb2pkg("check", cwd=root, env=env)
    assert check.returncode == 1 and b"error NB701: unresolved merge conflict" in check.stdout
    assert f"cell 4 (id {nb.cells[3].id}): line 2".encode() in check.stdout
    # resolve in the notebook, as a user would, then the usual commands work
    nb.cells[3].source = "#| export\nLIMIT = 20"
    del nb.cells[3].metadata["tags"]
    _save(root, nb)
    git("add", "nbs/core.ipynb", cwd=root, env=env)
    git("commit", "--quiet", "--no-edit", cwd=root, env=env)
    for command in (["export"], ["sync"], ["check", "--ci"]):
        result = nb2pkg(*command, cwd=root, env=env)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    assert "LIMIT = 20" in (root / "acme" / "core.py").read_text()


def test_merge_driver_refuses_what_is_not_a_notebook(tmp_path: Path, env: dict[str, str]) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": CELLS})
    notebook = (root / "nbs" / "core.ipynb").read_bytes()
    (root / "base").write_bytes(notebook)
    (root / "ours").write_bytes(notebook)
    (root / "theirs").write_bytes(b'{"cells": [\n<<<<<<< HEAD\n')
    result = nb2pkg(
        "hooks", "merge", "base", "ours", "theirs", "--path", "nbs/core.ipynb", cwd=root, env=env
    )
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"nbs/core.ipynb (theirs): is not valid JSON" in result.stderr
    assert b"git conflict markers from line 2" in result.stderr
    assert (root / "ours").read_bytes() == notebook


def test_diff_shows_cells(tmp_path: Path, env: dict[str, str]) -> None:
    root = _repo(tmp_path, env)
    _rerun(root, "out")
    _edit(root, 3, "#| export\nLIMIT = 5")
    diff = git("diff", cwd=root, env=env).stdout
    assert "@@ -" in diff and "# %% cell" in diff  # hunk headers name the cell
    assert "-LIMIT = 3\n+LIMIT = 5\n" in diff
    assert "+out\n" in diff  # outputs are shown as text
    assert "execution_count" not in diff and '"source"' not in diff


# .gitattributes, hooks installed in this clone, --ci → NB702 severity (None: not reported)
FILTER_STATES = [
    (False, False, False, "warning"),
    (False, False, True, "warning"),
    (True, False, False, "warning"),
    (True, False, True, "error"),  # CI: the notebook was committed without the filter
    (True, True, True, None),  # git cleans it on commit: the work tree may stay as it is
]


@pytest.mark.parametrize(("declared", "active", "ci", "severity"), FILTER_STATES)
def test_check_reports_notebooks_that_are_not_clean(
    tmp_path: Path,
    env: dict[str, str],
    declared: bool,
    active: bool,
    ci: bool,
    severity: str | None,
) -> None:
    root = _repo(tmp_path, env, hooks=False)
    nb2pkg("export", cwd=root, env=env)
    if declared:
        (root / ".gitattributes").write_text(ATTRIBUTES_LINE + "\n")
    if active:
        nb2pkg("hooks", "install", cwd=root, env=env)
    _rerun(root, "x")
    result = nb2pkg("check", *(["--ci"] if ci else []), cwd=root, env=env)
    lines = [line for line in result.stdout.decode().splitlines() if "NB702" in line]
    if severity is None:
        assert lines == [] and result.returncode == 0
    else:
        assert lines == [
            f'nbs/core.ipynb: {severity} NB702: not clean (notebook metadata "language_info.version", '
            + lines[0].split('language_info.version", ', 1)[1]
        ]
        assert result.returncode == (1 if severity == "error" else 0)


def test_pre_commit_clean_leaves_filtered_notebooks_alone(
    tmp_path: Path, env: dict[str, str]
) -> None:
    root = _repo(tmp_path, env)
    _rerun(root, "x")
    before = (root / "nbs" / "core.ipynb").read_bytes()
    skipped = nb2pkg("clean", "--skip-filtered", "nbs/core.ipynb", cwd=root, env=env)
    assert skipped.returncode == 0 and b"1 left to git's nb2pkg filter" in skipped.stdout
    assert (root / "nbs" / "core.ipynb").read_bytes() == before
    nb2pkg("hooks", "uninstall", cwd=root, env=env)
    cleaned = nb2pkg("clean", "--skip-filtered", "nbs/core.ipynb", cwd=root, env=env)
    assert cleaned.returncode == 0 and b"cleaned nbs/core.ipynb" in cleaned.stdout


def test_text_merge_markers_are_explained(tmp_path: Path, env: dict[str, str]) -> None:
    """Without the merge driver, git's text merge breaks the JSON: nb2pkg says what happened."""
    root = _repo(tmp_path, env, hooks=False)
    _branches(
        root,
        env,
        lambda: _edit(root, 3, "#| export\nLIMIT = 10"),
        lambda: _edit(root, 3, "#| export\nLIMIT = 20"),
    )
    result = nb2pkg("export", cwd=root, env=env)
    assert result.returncode == 2
    assert b"git conflict markers from line" in result.stderr
    assert b"nb2pkg hooks install" in result.stderr


def test_one_filter_process_per_git_command(tmp_path: Path, env: dict[str, str]) -> None:
    root = _repo(tmp_path, env)
    _rerun(root, "x")
    for number in range(4):
        (root / "nbs" / f"copy{number}.ipynb").write_bytes(
            (root / "nbs" / "core.ipynb").read_bytes()
        )
    (root / "nbs" / "broken.ipynb").write_bytes(b'{"cells": [')
    added = git("add", "-A", cwd=root, env={**env, "GIT_TRACE": "1"})
    started = [line for line in added.stderr.splitlines() if "run_command: 'nb2pkg" in line]
    assert len(started) == 1 and "nb2pkg hooks filter" in started[0]
    for number in range(4):
        blob = git("show", f":nbs/copy{number}.ipynb", cwd=root, env=env).stdout.encode()
        assert blob == clean_bytes(blob, "x.ipynb", CleanOptions()).text.encode()
        assert json.loads(blob)["cells"][2]["outputs"][0]["text"] == ["x\n"]
    assert git("show", ":nbs/broken.ipynb", cwd=root, env=env).stdout == '{"cells": ['
    assert "nbs/broken.ipynb: is not valid JSON" in added.stderr
