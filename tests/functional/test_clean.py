"""``nb2pkg clean`` on real files: --check, writes, --stdin, settings, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_output

from tests.projects import REPO, make_project, run_cli, snapshot


def _run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for number, cell in enumerate(nb.cells, 1):
        cell.execution_count = number
        cell.metadata["ExecuteTime"] = {"end_time": "2024-05-01T10:00:00"}
        cell.outputs = [new_output("stream", name="stdout", text="done\n")]
    nbformat.validate(nb)
    nbformat.write(nb, path)


def _project(tmp_path: Path, tool: str = "") -> Path:
    root = make_project(
        tmp_path / "p",
        {"a.ipynb": ["x = 1"], "b.ipynb": ["y = 2"], "sub/c.ipynb": ["z = 3"]},
        tool=tool,
    )
    _run(root / "nbs" / "a.ipynb")
    _run(root / "nbs" / "sub" / "c.ipynb")
    return root


def test_check_then_clean(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = snapshot(root)
    checked = run_cli("clean", "--check", "--path", root)
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [
        "not clean: nbs/a.ipynb",
        "not clean: nbs/sub/c.ipynb",
        "2 notebooks not clean (1 clean): run `nb2pkg clean`",
    ]
    assert snapshot(root) == before  # --check writes nothing
    cleaned = run_cli("clean", "-v", "--path", root)
    assert cleaned.returncode == 0, cleaned.stderr
    assert "cleaned " in cleaned.stdout and "execution counts" in cleaned.stdout
    assert cleaned.stdout.strip().endswith("cleaned 2 notebooks (1 already clean)")
    after = snapshot(root)
    assert after["nbs/b.ipynb"] == before["nbs/b.ipynb"]  # a clean notebook is not rewritten
    for name in ("nbs/a.ipynb", "nbs/sub/c.ipynb"):
        nb = nbformat.reads(after[name][0].decode(), as_version=4)
        nbformat.validate(nb)
        assert nb.cells[0].execution_count is None and nb.cells[0].outputs[0]["text"] == "done\n"
        assert "ExecuteTime" not in nb.cells[0].metadata
    assert run_cli("clean", "--check", "--path", root).returncode == 0
    again = run_cli("clean", "--path", root)
    assert again.stdout.strip() == "cleaned 0 notebooks (3 already clean)"
    assert snapshot(root) == after


def test_named_files_and_folders_outside_projects(tmp_path: Path) -> None:
    root = _project(tmp_path)
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "n.ipynb").write_bytes((root / "nbs" / "a.ipynb").read_bytes())
    result = run_cli("clean", loose, root / "nbs" / "sub", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["cleaned loose/n.ipynb", "cleaned p/nbs/sub/c.ipynb"]
    assert run_cli("clean", "--check", root / "nbs" / "a.ipynb").returncode == 1


def test_outputs_from_settings_and_flags(tmp_path: Path) -> None:
    root = _project(tmp_path, tool="\n[tool.nb2pkg.clean]\noutputs = true\n")
    assert run_cli("clean", "--keep-outputs", "--path", root).returncode == 0
    assert nbformat.read(root / "nbs" / "a.ipynb", 4).cells[0].outputs != []
    assert run_cli("clean", "--path", root).returncode == 0
    assert nbformat.read(root / "nbs" / "a.ipynb", 4).cells[0].outputs == []


def test_one_bad_notebook_stops_every_write(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "nbs" / "broken.ipynb").write_text('{"cells": [')
    (root / "nbs" / "old.ipynb").write_text('{"nbformat": 3, "worksheets": []}')
    before = snapshot(root)
    result = run_cli("clean", "--path", root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nbs/broken.ipynb: is not valid JSON (the file looks truncated)" in result.stderr
    assert "nbs/old.ipynb: is an nbformat 3 notebook" in result.stderr
    assert "2 problems found; nothing was written" in result.stderr
    assert snapshot(root) == before
    missing = run_cli("clean", root / "nope.ipynb")
    assert missing.returncode == 2 and "nope.ipynb: does not exist" in missing.stderr


def _stdin(data: bytes, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "nb2pkg", "clean", "--stdin", *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def test_stdin(tmp_path: Path) -> None:
    root = _project(tmp_path, tool='\n[tool.nb2pkg.clean]\nkeep-cell-metadata = ["ExecuteTime"]\n')
    data = (root / "nbs" / "a.ipynb").read_bytes()
    plain = _stdin(data, cwd=tmp_path)
    assert plain.returncode == 0 and plain.stderr == b""
    cell = json.loads(plain.stdout)["cells"][0]
    assert cell["execution_count"] is None and "ExecuteTime" not in cell["metadata"]
    # --path names the file: its project's settings apply (here: keep ExecuteTime)
    named = _stdin(data, "--path", "nbs/a.ipynb", cwd=root)
    assert "ExecuteTime" in json.loads(named.stdout)["cells"][0]["metadata"]
    assert _stdin(plain.stdout, cwd=tmp_path).stdout == plain.stdout  # idempotent
    dirty = _stdin(data, "--check", cwd=tmp_path)
    assert (dirty.returncode, dirty.stdout) == (1, b"")
    assert _stdin(plain.stdout, "--check", cwd=tmp_path).returncode == 0
    bad = b'{"cells": [\n<<<<<<< HEAD\n'
    passed = _stdin(bad, "--path", "x.ipynb", cwd=tmp_path)
    assert passed.returncode == 2 and passed.stdout == bad  # a filter never loses its input
    assert (
        b"x.ipynb: is not valid JSON" in passed.stderr
        and b"passed through unchanged" in passed.stderr
    )
