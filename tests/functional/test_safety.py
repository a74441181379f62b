"""export, build, sync and check read notebooks; they never run a line of them."""

from __future__ import annotations

from pathlib import Path

from tests.projects import make_project, run_cli

TRAP = (
    "#| export\nimport pathlib\npathlib.Path({sentinel!r}).write_text('ran')\n"
    "def f():\n    pathlib.Path({sentinel!r}).write_text('ran')\n    return 1"
)


def test_no_command_runs_notebook_code(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    cells = [
        "#| default_exp core",
        TRAP.format(sentinel=str(sentinel)),
        f"import pathlib\npathlib.Path({str(sentinel)!r}).write_text('ran')",
    ]
    root = make_project(tmp_path / "p", {"core.ipynb": cells})
    for args in (["export"], ["build"], ["check", "--ci"], ["deps"]):
        result = run_cli(*args, "--path", root)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert (root / "dist" / "acme-0.1.0-py3-none-any.whl").is_file()
    module = root / "acme" / "core.py"
    module.write_text(module.read_text().replace("return 1", "return 2"))
    assert run_cli("sync", "--path", root).returncode == 0
    assert not sentinel.exists(), "a command executed notebook code"
