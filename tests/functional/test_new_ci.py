"""A project made by ``nb2pkg new`` is a git repository with hooks, and passes its own CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.gitrepos import git, git_env, nb2pkg, needs_git
from tests.projects import REPO

pytestmark = needs_git

WORKFLOW = REPO / "template" / ".github" / "workflows" / "ci.yml"


def _steps() -> list[dict[str, str]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    return [step for step in workflow["jobs"]["test"]["steps"] if "run" in step]


def test_the_workflow_runs_the_steps_in_order() -> None:
    commands = [step["run"] for step in _steps()]
    expected = [
        "python -m pip install -e .",
        "nb2pkg clean --check",
        "nb2pkg check --ci",
        "nb2pkg test --against-package",
        "nb2pkg build",
        "importlib.import_module(name)",
    ]
    found = [next(i for i, run in enumerate(commands) if text in run) for text in expected]
    assert found == sorted(found) and len(set(found)) == len(found)


def _has_test_command(env: dict[str, str], cwd: Path) -> bool:
    return nb2pkg("test", "--help", cwd=cwd, env=env).returncode == 0


def test_new_project_passes_its_own_ci(tmp_path: Path) -> None:
    env = git_env(tmp_path / "home")
    python = Path(env["PATH"].split(os.pathsep)[0]) / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    env["PIP_NO_INDEX"] = "1"  # offline: the template project has no dependencies
    work = tmp_path / "work"
    work.mkdir()
    made = nb2pkg("new", "demo", cwd=work, env=env)
    assert made.returncode == 0, made.stderr
    assert b"registered in a new git repository" in made.stdout
    root = work / "demo"
    assert nb2pkg("hooks", "status", cwd=root, env=env).returncode == 0
    # what a developer does before pushing: build (export, dependencies, wheel), commit
    assert nb2pkg("build", cwd=root, env=env).returncode == 0
    git("add", "-A", cwd=root, env=env)
    git("commit", "--quiet", "-m", "first", cwd=root, env=env)
    # CI works on a fresh clone, where git has no nb2pkg settings
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(root), str(clone), cwd=tmp_path, env=env)
    ran = []
    for step in _steps():
        script = step["run"]
        if "pip install" in script and "nb2pkg" in script.split("pip install", 1)[1]:
            continue  # installs nb2pkg from PyPI: here, this checkout is on PATH instead
        if "nb2pkg test" in script and not _has_test_command(env, clone):
            continue  # `nb2pkg test` is not part of this version of nb2pkg yet
        result = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, (step["name"], result.stdout, result.stderr)
        ran.append(step["name"])
        if "import_module" in script:
            assert "imported demo.core" in result.stdout
    assert "Notebooks are stored clean" in ran and "Build the wheel" in ran
    assert any("Import every module" in name for name in ran)


def test_new_without_git(tmp_path: Path) -> None:
    env = git_env(tmp_path / "home")
    bin_only = tmp_path / "home" / "bin"
    env["PATH"] = str(bin_only)  # the nb2pkg shim, and no git
    assert shutil.which("git", path=env["PATH"]) is None
    made = nb2pkg("new", "demo", cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    assert b"git is not on PATH, so no repository was made" in made.stdout
    assert not (tmp_path / "demo" / ".git").exists()
    env = git_env(tmp_path / "home")
    skipped = nb2pkg("new", "other", "--no-git", cwd=tmp_path, env=env)
    assert skipped.returncode == 0 and not (tmp_path / "other" / ".git").exists()


def test_new_inside_a_repository_uses_that_repository(tmp_path: Path) -> None:
    env = git_env(tmp_path / "home")
    outer = tmp_path / "outer"
    outer.mkdir()
    git("init", "--quiet", cwd=outer, env=env)
    made = nb2pkg("new", "demo", cwd=outer, env=env)
    assert made.returncode == 0, made.stderr
    assert b"registered in the enclosing repository" in made.stdout
    assert not (outer / "demo" / ".git").exists()
    config = git("config", "--local", "--get", "merge.nb2pkg.driver", cwd=outer, env=env)
    assert config.stdout.startswith("nb2pkg hooks merge")
    attributes = git(
        "check-attr", "filter", "merge", "--", "demo/nbs/00_core.ipynb", cwd=outer, env=env
    )
    assert attributes.stdout.splitlines() == [
        "demo/nbs/00_core.ipynb: filter: nb2pkg",
        "demo/nbs/00_core.ipynb: merge: nb2pkg",
    ]
