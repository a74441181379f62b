"""``nb2pkg test``: real notebooks run in real processes, as a user runs them.

One project holds a notebook per behaviour and is run once with two workers; the other
tests make small runs of their own. No test needs a Jupyter kernel.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_output

from tests.projects import REPO, make_notebook, make_project, run_cli, write_notebook

SUITE = {
    "pass.ipynb": ["x = 1 + 1", "assert x == 2"],
    "fail.ipynb": [
        "values = [1, 2]",
        "print('about to check')\ntotal = sum(values)\nassert total == 4, f'expected 4, got {total}'\nprint('never')",
    ],
    "deep.ipynb": ["def inner():\n    return {}['missing']", "def outer():\n    return inner()", "outer()"],
    "skips.ipynb": [
        "#| eval: false\nraise RuntimeError('eval false ran')",
        "#| slow\nraise RuntimeError('slow ran')",
        "#| notest\nraise RuntimeError('notest ran')",
        "ok = True",
    ],
    "drafts/draft.ipynb": ["raise RuntimeError('draft ran')"],
    "_scratch.ipynb": ["raise RuntimeError('scratch ran')"],
    "_private/hidden.ipynb": ["raise RuntimeError('hidden ran')"],
    "manual/sleepy.ipynb": [
        "import pathlib, subprocess\n"
        "child = subprocess.Popen(['sleep', '60'])\n"
        "pathlib.Path('sleep.pid').write_text(str(child.pid))\n"
        "child.wait()"
    ],
    "magics.ipynb": [
        "%load_ext autoreload\n%autoreload 2",
        "!echo shell-$NB2PKG_TEST",
        "lines = !echo one; echo two\nassert list(lines) == ['one', 'two'], lines",
        "%%capture captured\nprint('hidden')",
        "assert captured.stdout == 'hidden\\n'",
        "x = %time 21 * 2\nassert x == 42",
        "import asyncio\nresult = await asyncio.sleep(0, result=5)\nassert result == 5",
        "from IPython.display import display\ndisplay('shown')\nget_ipython().__class__.__name__",
    ],
    "environment.ipynb": [
        "import os, sys\nfrom pathlib import Path\n"
        "assert os.environ['NB2PKG_TEST'] == '1' and os.environ['IN_TEST'] == '1'\n"
        "assert Path.cwd().name == 'nbs', Path.cwd()\n"
        "from acme.util import VALUE\nassert VALUE == 7\n"
        "assert __name__ == '__main__'",
    ],
    "crash.ipynb": ["import os", "os._exit(3)"],
    "syntax.ipynb": ["x = (1,\ny = 2"],
    "iso/a.ipynb": [
        "import acme.util\nacme.util.VALUE = 99",
        "import colorsys, json, os, sys, types\n"
        "LEAK = 1\n"
        "os.environ['NB2PKG_LEAK'] = '1'\n"
        "sys.path.append('/leak')\n"
        "sys.modules['leaky'] = types.ModuleType('leaky')\n"
        "json.dumps = None\n"
        "os.chdir('/')"
    ],
    "iso/b.ipynb": [
        "import json, os, sys\n"
        "assert 'LEAK' not in globals()\n"
        "assert 'NB2PKG_LEAK' not in os.environ\n"
        "assert '/leak' not in sys.path\n"
        "assert 'leaky' not in sys.modules and 'colorsys' not in sys.modules\n"
        "assert json.dumps is not None\n"
        "assert os.getcwd().endswith('iso'), os.getcwd()",
        "import acme.util\nassert acme.util.VALUE == 7, acme.util.VALUE",
    ],
}
TOOL = '\n[tool.nb2pkg.test]\nflags = ["slow"]\nskip = ["drafts/*", "manual/*"]\n'


def run(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m nb2pkg`` with extra environment variables."""
    if env is None:
        return run_cli(*args)
    full = dict(os.environ, PYTHONPATH=str(REPO), NO_COLOR="1", **env)
    return subprocess.run(
        [sys.executable, "-m", "nb2pkg", *map(str, args)],
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("suite") / "acme", SUITE, tool=TOOL)
    (root / "acme").mkdir()
    (root / "acme" / "__init__.py").write_text("")
    (root / "acme" / "util.py").write_text("VALUE = 7\n")
    return root


@pytest.fixture(scope="module")
def suite_run(suite: Path) -> subprocess.CompletedProcess[str]:
    return run("test", "--path", suite, "-n", "2", "--format", "github")


def lines_of(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Map each notebook to its PASS/FAIL/SKIP line."""
    found = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^(PASS|FAIL|SKIP) (\S+)(.*)$", line)
        if match:
            found[match[2]] = f"{match[1]}{match[3]}"
    return found


def block(result: subprocess.CompletedProcess[str], notebook: str) -> str:
    """Return the failure details printed for *notebook*."""
    blocks = result.stdout.split("\n\n")
    return next(b for b in blocks if b.startswith(f"{notebook}:"))


def test_every_notebook_gets_one_line(suite_run: subprocess.CompletedProcess[str]) -> None:
    assert suite_run.returncode == 1, suite_run.stderr
    found = lines_of(suite_run)
    status = {name: line.split()[0] for name, line in found.items()}
    assert status == {
        "nbs/pass.ipynb": "PASS",
        "nbs/fail.ipynb": "FAIL",
        "nbs/deep.ipynb": "FAIL",
        "nbs/skips.ipynb": "PASS",
        "nbs/drafts/draft.ipynb": "SKIP",
        "nbs/_scratch.ipynb": "SKIP",
        "nbs/manual/sleepy.ipynb": "SKIP",
        "nbs/magics.ipynb": "PASS",
        "nbs/environment.ipynb": "PASS",
        "nbs/crash.ipynb": "FAIL",
        "nbs/syntax.ipynb": "FAIL",
        "nbs/iso/a.ipynb": "PASS",
        "nbs/iso/b.ipynb": "PASS",
    }
    assert "hidden.ipynb" not in suite_run.stdout  # _private/ is not searched at all
    assert re.search(r"^6 passed, 4 failed, 3 skipped in \d+\.\d\d s$", suite_run.stdout, re.M)
    assert re.match(r"PASS \d+\.\d\d s$", found["nbs/pass.ipynb"])


def test_skips_are_explained(suite_run: subprocess.CompletedProcess[str]) -> None:
    found = lines_of(suite_run)
    assert found["nbs/skips.ipynb"].endswith("(3 cells skipped: eval: false, flag notest, flag slow)")
    assert found["nbs/drafts/draft.ipynb"] == 'SKIP (matches skip pattern "drafts/*")'
    assert found["nbs/_scratch.ipynb"] == "SKIP (name starts with _)"
    assert "ran')" not in suite_run.stdout


def test_failure_names_notebook_cell_line_and_shows_the_source(
    suite: Path, suite_run: subprocess.CompletedProcess[str]
) -> None:
    cell_id = nbformat.read(suite / "nbs" / "fail.ipynb", as_version=4).cells[1].id
    text = block(suite_run, "nbs/fail.ipynb")
    assert text.splitlines()[0] == (
        f"nbs/fail.ipynb: cell 2 (id {cell_id}): line 3: AssertionError: expected 4, got 3"
    )
    assert "    > 3 | assert total == 4, f'expected 4, got {total}'" in text
    assert "      2 | total = sum(values)" in text
    assert text.endswith("  Output (last lines):\n    about to check")
    assert "interactiveshell" not in text and "site-packages" not in text


def test_traceback_is_trimmed_to_the_notebooks_cells(suite_run: subprocess.CompletedProcess[str]) -> None:
    text = block(suite_run, "nbs/deep.ipynb")
    assert text.splitlines()[0].endswith("line 1: KeyError: 'missing'")
    frames = [line.strip() for line in text.splitlines() if ", in " in line]
    assert [f.split(", in ")[1] for f in frames] == ["<module>", "outer", "inner"]
    assert frames[0].startswith("nbs/deep.ipynb: cell 3 (id ")
    assert frames[2].startswith("nbs/deep.ipynb: cell 1 (id ") and "line 2" in frames[2]
    assert "return {}['missing']" in text


def test_crash_and_syntax_error(suite_run: subprocess.CompletedProcess[str]) -> None:
    crash = block(suite_run, "nbs/crash.ipynb")
    assert "cell 2 (id " in crash and "exited with code 3 while this cell ran" in crash
    syntax = block(suite_run, "nbs/syntax.ipynb")
    assert "cell 1 (id " in syntax and "SyntaxError" in syntax


def test_github_annotations(suite_run: subprocess.CompletedProcess[str]) -> None:
    annotations = [line for line in suite_run.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 4
    fail = next(a for a in annotations if "nbs/fail.ipynb" in a)
    assert fail.startswith("::error file=nbs/fail.ipynb,title=nb2pkg test::cell 2 (id ")
    assert fail.endswith("line 3: AssertionError: expected 4, got 3")


def test_isolation_in_one_worker(suite: Path) -> None:
    result = run("test", suite / "nbs" / "iso", "-n", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.index("nbs/iso/a.ipynb") < result.stdout.index("nbs/iso/b.ipynb")


def test_flags_run_flagged_cells(suite: Path) -> None:
    result = run("test", suite / "nbs" / "skips.ipynb", "--flags", "slow")
    assert result.returncode == 1
    assert "RuntimeError: slow ran" in result.stdout
    assert "eval false ran" not in result.stdout
    note = run("test", suite / "nbs" / "pass.ipynb", "--flags", "gpu")
    assert note.returncode == 0
    assert "--flags gpu: not a declared test flag" in note.stderr


def test_timeout_kills_the_notebook_and_what_it_started(suite: Path) -> None:
    pid_file = suite / "nbs" / "manual" / "sleep.pid"
    result = run("test", suite / "nbs" / "manual" / "sleepy.ipynb", "--timeout", "1")
    assert result.returncode == 1
    text = block(result, "nbs/manual/sleepy.ipynb")
    assert "cell 1 (id " in text and "timed out: the cell did not finish within 1 s" in text
    pid = int(pid_file.read_text())
    for _ in range(50):
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid), "the notebook's own child process survived the timeout"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


def test_exitfirst_stops_the_run(suite: Path) -> None:
    result = run("test", "--path", suite, "-x", "-n", "1")
    assert result.returncode == 1
    assert "not run (stopped at the first failure)" in result.stdout
    assert len(lines_of(result)) < len(SUITE) - 1


def test_quiet_prints_failures_only(suite: Path) -> None:
    result = run("test", suite / "nbs" / "pass.ipynb", suite / "nbs" / "fail.ipynb", "-q")
    assert result.returncode == 1
    assert set(lines_of(result)) == {"nbs/fail.ipynb"}
    assert "1 passed, 1 failed, 0 skipped" in result.stdout


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the fork server is POSIX only")
def test_spawned_children_without_fork(suite: Path) -> None:
    nbs = suite / "nbs"
    result = run(
        "test",
        nbs / "pass.ipynb",
        nbs / "fail.ipynb",
        nbs / "iso",
        nbs / "manual" / "sleepy.ipynb",
        "--timeout",
        "2",
        env={"NB2PKG_TEST_START": "spawn"},
    )
    status = {name: line.split()[0] for name, line in lines_of(result).items()}
    assert status == {
        "nbs/pass.ipynb": "PASS",
        "nbs/fail.ipynb": "FAIL",
        "nbs/iso/a.ipynb": "PASS",
        "nbs/iso/b.ipynb": "PASS",
        "nbs/manual/sleepy.ipynb": "FAIL",
    }
    assert "expected 4, got 3" in result.stdout and "timed out" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nbs/missing.ipynb"], "nbs/missing.ipynb: no such file or folder"),
        (["pyproject.toml"], "pyproject.toml: is not a notebook (.ipynb)"),
        (["--format", "json"], "choose one of text, github"),
        (["-n", "0"], "Invalid value for '--workers'"),
    ],
)
def test_usage_errors(suite: Path, args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nb2pkg", "test", *args],
        cwd=suite,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_configuration_is_a_located_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.ipynb": ["1"]}, tool="\n[tool.nb2pkg.test]\ntimout = 3\n")
    result = run("test", "--path", root)
    assert result.returncode == 2
    assert 'pyproject.toml: line 12: unknown key "timout" in [tool.nb2pkg.test]; did you mean "timeout"?' in result.stderr


def test_unreadable_notebook_fails_alone(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"good.ipynb": ["1"]})
    (root / "nbs" / "broken.ipynb").write_text('{"cells": [')
    result = run("test", "--path", root)
    assert result.returncode == 1
    assert lines_of(result)["nbs/good.ipynb"].startswith("PASS")
    assert "nbs/broken.ipynb: cannot be read: is not valid JSON" in result.stdout


def test_no_notebooks(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    result = run("test", "--path", root)
    assert result.returncode == 0
    assert "0 passed, 0 failed, 0 skipped" in result.stdout


# --against-package ------------------------------------------------------------------

CORE = [
    ("markdown", "# core"),
    "#| default_exp core",
    "#| export\ndef double(x: int) -> int:\n    return 2 * x",
    "#| export\nimport math\n_cache = {}\nif math.pi > 3:\n    TAU = 2 * math.pi",
    "assert double(2) == 4\nassert TAU > 6 and _cache == {}",
]


def _module(name: str, function: str, test: str) -> list[str]:
    return [f"#| default_exp {name}", f"#| export\n{function}", test]


AGAINST = {
    "00_core.ipynb": CORE,
    "01_edited.ipynb": _module("edited", "def triple(x):\n    return 3 * x", "assert triple(1) == 3"),
    "02_raises.ipynb": _module("raises", "def half(x):\n    return x / 2", "assert half(4) == 2"),
    "03_renamed.ipynb": _module("renamed", "def neg(x):\n    return -x", "assert neg(1) == -1"),
    "04_broken.ipynb": _module("broken", "def one():\n    return 1", "assert one() == 1"),
    "05_use.ipynb": ["from acme.core import double", "assert double(3) == 6"],
}
# module, text in it, replacement: edits made in the modules after export
EDITS = [
    ("edited", "return 3 * x", "return 3 * x + 1"),
    ("raises", "return x / 2", "raise ValueError('edited in the module')"),
    ("renamed", "def neg(", "def negate("),
    ("broken", "return 1", "return ("),
]


@pytest.fixture(scope="module")
def against(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    root = make_project(tmp_path_factory.mktemp("against") / "p", AGAINST)
    result = run_cli("export", "--path", root)
    assert result.returncode == 0, result.stderr
    in_step = run("test", "--path", root, "--against-package")
    assert in_step.returncode == 0, in_step.stdout
    for module, old, new in EDITS:
        path = root / "acme" / f"{module}.py"
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))
    plain = run("test", "--path", root, "-n", "2")
    edited = run("test", "--path", root, "-n", "2", "--against-package")
    return root, plain, edited


def test_plain_mode_runs_the_cells_not_the_modules(against: tuple[Path, subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]) -> None:
    _, plain, _ = against
    assert plain.returncode == 0, plain.stdout
    assert "6 passed, 0 failed" in plain.stdout


def test_against_package_catches_modules_out_of_step(against: tuple[Path, subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]) -> None:
    _, _, edited = against
    assert edited.returncode == 1
    status = {name: line.split()[0] for name, line in lines_of(edited).items()}
    assert status == {
        "nbs/00_core.ipynb": "PASS",
        "nbs/01_edited.ipynb": "FAIL",
        "nbs/02_raises.ipynb": "FAIL",
        "nbs/03_renamed.ipynb": "FAIL",
        "nbs/04_broken.ipynb": "FAIL",
        "nbs/05_use.ipynb": "PASS",
    }
    text = block(edited, "nbs/01_edited.ipynb")
    assert text.startswith("nbs/01_edited.ipynb: cell 3 (id ")
    assert "line 1: AssertionError" in text and "> 1 | assert triple(1) == 3" in text
    text = block(edited, "nbs/02_raises.ipynb")
    assert "ValueError: edited in the module" in text
    assert re.search(r"^    acme/raises\.py, line \d+, in half$", text, re.M)
    text = block(edited, "nbs/03_renamed.ipynb")
    assert text.startswith("nbs/03_renamed.ipynb: cell 2 (id ")
    assert "the cell is exported to acme.renamed, but the module does not define `neg`" in text
    text = block(edited, "nbs/04_broken.ipynb")
    assert "importing acme.broken, which this exported cell is part of, failed: SyntaxError" in text


def test_against_package_before_any_export(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"00_core.ipynb": CORE})
    against = run("test", "--path", root, "--against-package")
    assert against.returncode == 1
    assert "importing acme.core, which this exported cell is part of, failed: ModuleNotFoundError" in against.stdout


# --check-outputs ----------------------------------------------------------------------


def _executed(cells: list[tuple[str, list[dict[str, object]]]]) -> nbformat.NotebookNode:
    nb = make_notebook([source for source, _ in cells])
    for number, (cell, (_, outputs)) in enumerate(zip(nb.cells, cells), 1):
        cell.execution_count = number
        cell.outputs = outputs
    nbformat.validate(nb)
    return nb


VOLATILE = [
    ("class Thing: pass\nThing()", [new_output("execute_result", data={"text/plain": "<__main__.Thing at 0x7f3a2b1c4d90>"}, execution_count=1)]),
    (
        "import datetime, tempfile, time\nstart = time.perf_counter()\nprint(datetime.datetime.now())\n"
        "print(tempfile.mkdtemp())\nprint(f'took {time.perf_counter() - start:.4f} s')",
        [new_output("stream", name="stdout", text="2021-03-04 10:11:12.123456\n/tmp/tmpab12cd\ntook 0.0012 s\n")],
    ),
    ("print('a')\nprint('b')", [new_output("stream", name="stdout", text="a\n"), new_output("stream", name="stdout", text="b\n")]),
    ("#| nb2pkg: ignore-output\nimport random\nrandom.random()", [new_output("execute_result", data={"text/plain": "0.123"}, execution_count=4)]),
    ("import warnings\nx = 6 * 7", []),
    ("x", [new_output("execute_result", data={"text/plain": "42"}, execution_count=6)]),
]


def test_check_outputs(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    notebook = write_notebook(root / "nbs" / "outputs.ipynb", _executed(VOLATILE))
    passed = run("test", notebook, "--check-outputs")
    assert passed.returncode == 0, passed.stdout
    changed = _executed([*VOLATILE[:-1], ("x", [new_output("execute_result", data={"text/plain": "41"}, execution_count=6)])])
    write_notebook(notebook, changed)
    assert run("test", notebook).returncode == 0  # outputs are compared only when asked
    failed = run("test", notebook, "--check-outputs")
    assert failed.returncode == 1
    text = block(failed, "nbs/outputs.ipynb")
    assert text.splitlines()[0].startswith("nbs/outputs.ipynb: cell 6 (id ")
    assert "the outputs differ from those stored in the notebook" in text
    assert "    -41" in text and "    +42" in text


# projects made by nb2pkg new, and nbdev's --------------------------------------------------


def test_new_project_passes_out_of_the_box(tmp_path: Path) -> None:
    assert run_cli("new", "fresh", cwd=tmp_path).returncode == 0
    root = tmp_path / "fresh"
    assert run_cli("export", "--path", root).returncode == 0
    for extra in ([], ["--against-package"]):
        result = run("test", "--path", root, *extra)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "2 passed, 0 failed, 0 skipped" in result.stdout


def test_nbdev_project_flags_and_skip_file_re(tmp_path: Path) -> None:
    root = tmp_path / "nbdev2_lib"
    shutil.copytree(REPO / "tests" / "data" / "projects" / "nbdev2_lib", root, ignore=shutil.ignore_patterns("expected_nbdev"))
    with (root / "settings.ini").open("a") as settings:
        settings.write("skip_file_re = ^index\n")
    write_notebook(
        root / "nbs" / "04_flags.ipynb",
        make_notebook(["#| notest\nraise RuntimeError('notest ran')", "#|eval: false\nraise RuntimeError('eval ran')", "x = 1"]),
    )
    assert run_cli("export", "--path", root).returncode == 0
    result = run("test", "--path", root, "--against-package")
    assert result.returncode == 0, result.stdout + result.stderr
    found = lines_of(result)
    assert found["nbs/index.ipynb"] == 'SKIP (matches skip_file_re "^index")'
    assert found["nbs/04_flags.ipynb"].endswith("(2 cells skipped: eval: false, flag notest)")
    assert found["nbs/00_basics.ipynb"].endswith("(1 cell skipped: calls nbdev_export())")


def test_server_takes_a_job_id_again_after_its_outcome(suite: Path) -> None:
    from nb2pkg.config import load_config
    from nb2pkg.testing.client import ServerProcess
    from nb2pkg.testing.jobs import Planner, TestOptions
    from nb2pkg.testing.protocol import Status

    planner = Planner(load_config(suite), TestOptions())
    jobs = [planner.plan(suite / "nbs" / name).job for name in ("fail.ipynb", "pass.ipynb", "fail.ipynb")]
    seen = []
    with ServerProcess(1, cwd=suite) as server:
        for job in jobs:  # one after another, as the pytest plugin runs them
            assert job is not None
            server.submit("same", job)
            job_id, outcome = server.next_outcome()
            seen.append((job_id, outcome.notebook, outcome.status))
        server.done()
    assert seen == [
        ("same", "nbs/fail.ipynb", Status.FAILED),
        ("same", "nbs/pass.ipynb", Status.PASSED),
        ("same", "nbs/fail.ipynb", Status.FAILED),
    ]


# a module of the package, the note expected (None: imported ahead), seen by the notebook
PRELOADS = [
    ("VALUE = 7\n", None, True),
    ("import threading, time\nthreading.Thread(target=time.sleep, args=(30,), daemon=True).start()\nVALUE = 7\n", "importing the package started a thread", False),
    ("LOG = open(__file__)\nVALUE = 7\n", "importing the package left a file or socket open", False),
    ("raise ImportError('not today')\n", None, False),
]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="only a forking server imports ahead")
@pytest.mark.parametrize(("module", "note", "ahead"), PRELOADS)
def test_package_imported_ahead_only_when_safe(tmp_path: Path, module: str, note: str | None, ahead: bool) -> None:
    notebook = [
        f"import sys\nassert ('acme.util' in sys.modules) is {ahead}",
        "try:\n    import acme.util\nexcept ImportError:\n    pass",
    ]
    root = make_project(tmp_path / "p", {"a.ipynb": notebook, "b.ipynb": notebook})
    (root / "acme").mkdir()
    (root / "acme" / "__init__.py").write_text("")
    (root / "acme" / "util.py").write_text(module)
    result = run("test", "--path", root)
    assert result.returncode == 0, result.stdout + result.stderr
    if note is None:
        assert "note:" not in result.stderr
    else:
        assert f"note: {note}, so the package was not imported once ahead" in result.stderr
