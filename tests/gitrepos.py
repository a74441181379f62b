"""Real git repositories for tests, with `nb2pkg` on PATH running this checkout's code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import REPO

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git_env(home: Path) -> dict[str, str]:
    """Return an environment with a private git configuration and nb2pkg first on PATH.

    The `nb2pkg` git runs (filter, textconv, merge driver) is a shim that starts this
    checkout with the test's interpreter, whatever is installed elsewhere.
    """
    bin_dir = home / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "nb2pkg"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m nb2pkg "$@"\n')
    shim.chmod(0o755)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(REPO),
        NO_COLOR="1",
    )
    return env


def git(
    *args: str, cwd: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run git; fail the test with git's output if *check* and git fails."""
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def nb2pkg(
    *args: str | os.PathLike[str], cwd: Path, env: dict[str, str], stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `nb2pkg` as git would find it on PATH (bytes in, bytes out)."""
    return subprocess.run(
        ["nb2pkg", *map(str, args)],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=300,
    )
