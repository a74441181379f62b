"""No false word: names Python cannot import, config errors, one report per problem, cells
counted from 1, and options that exist on every command that needs them.

The docs themselves are checked by ``test_docs.py``; configuration errors one by one by
``tests/unit/test_config.py``; names by ``tests/unit/test_identifiers.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
import typer
from typer.main import get_command

from nb2pkg.cli import app
from tests.projects import make_notebook, make_project, run_cli, snapshot

GOOD = ["#| default_exp core", "#| export\ndef f():\n    return 1"]
BOM = b"\xef\xbb\xbf"


# -- names Python cannot import (item 8) -------------------------------------------------

NEW_NAMES = [
    ("class", '"class" is a Python keyword'),
    ("import", '"import" is a Python keyword'),
    ("1st-try", '"1st_try" starts with a digit'),
]


@pytest.mark.parametrize(("name", "reason"), NEW_NAMES)
def test_new_says_why_a_name_cannot_be_imported(tmp_path: Path, name: str, reason: str) -> None:
    made = run_cli("new", name, "--no-git", cwd=tmp_path)
    assert made.returncode == 2 and "Traceback" not in made.stderr
    assert reason in made.stderr and "start it with a letter" not in made.stderr
    assert not (tmp_path / name).exists()


# directive text → the reason export gives; the notebook also has good cells
BAD_MODULES = [
    ("#| default_exp \ufb01le", 'read by Python as "file"'),
    ("#| default_exp class", '"class" is a Python keyword'),
    ("#| default_exp data.\uff43lass", 'read by Python as "class"'),
    ("#| default_exp 2nd", "starts with a digit"),
]


@pytest.mark.parametrize(("directive", "reason"), BAD_MODULES)
def test_export_refuses_module_names_python_would_import_as_another(
    tmp_path: Path, directive: str, reason: str
) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD, "bad.ipynb": [directive]})
    before = snapshot(root)
    result = run_cli("export", "--path", root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert reason in result.stderr
    assert result.stderr.startswith("error: nbs/bad.ipynb: cell 1 (id ")
    assert snapshot(root) == before


def test_package_class_is_refused_with_its_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD}, tool='package = "class"\n')
    result = run_cli("export", "--path", root)
    assert result.returncode == 2
    assert result.stderr.startswith(
        'error: pyproject.toml: line 10: [tool.nb2pkg] package "class" is not an import name: '
        '"class" is a Python keyword'
    )


# -- pyproject.toml as editors save it, nbdev's settings (item 9) ------------------------


def test_a_pyproject_with_a_byte_order_mark_builds_and_keeps_the_mark(tmp_path: Path) -> None:
    cells = ["#| default_exp core", "#| export\nimport yaml\n\ndef f():\n    return yaml"]
    plain = make_project(tmp_path / "plain", {"core.ipynb": cells})
    root = make_project(tmp_path / "p", {"core.ipynb": cells})
    path = root / "pyproject.toml"
    path.write_bytes(BOM + path.read_bytes())
    assert run_cli("export", "--path", root).returncode == 0
    built = run_cli("build", "--path", root)
    assert built.returncode == 0, built.stderr
    assert run_cli("build", "--path", plain).returncode == 0
    # The same insertions as without the mark, and the mark kept in front.
    edited = (plain / "pyproject.toml").read_bytes()
    assert b"PyYAML" in edited and path.read_bytes() == BOM + edited
    assert "note NB803: pyproject.toml starts with a byte order mark" in built.stderr
    assert run_cli("check", "--path", root, "--ci").returncode == 0
    assert list((root / "dist").glob("acme-0.1.0-*.whl"))
    assert run_cli("check", "--path", root, "--ci").returncode == 0


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[tool.nbdev]\nnbs_path = ["nbs"]\n', "line 7: [tool.nbdev] nbs_path must be a string"),
        ('[tool.nbdev]\nlib_path = ["acme"]\n', "line 7: [tool.nbdev] lib_path must be a string"),
    ],
)
def test_nbdev_paths_must_be_strings(tmp_path: Path, table: str, message: str) -> None:
    pyproject = '[project]\nname = "acme"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n\n'
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD}, pyproject=pyproject + table)
    result = run_cli("export", "--path", root)
    assert result.returncode == 2 and message in result.stderr
    assert "does not exist" not in result.stderr


# -- config errors: a line and the closest key, every table (item 10) ---------------------


def test_config_errors_name_line_and_closest_key_in_one_run(tmp_path: Path) -> None:
    tool = (
        'format = "yes"\n'  # line 10
        "[tool.nb2pkg.check]\nignroe = []\n"  # line 12
        "[tool.nb2pkg.clean]\noutput = true\n"  # line 14
    )
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD}, tool=tool)
    for command in ("export", "check", "build", "sync", "deps", "clean"):
        result = run_cli(command, "--path", root)
        assert result.returncode == 2, (command, result.stderr)
        lines = result.stderr.splitlines()
        assert lines[0] == (
            'error: pyproject.toml: line 10: [tool.nb2pkg] format must be true or false, not "yes"'
        )
        assert lines[1].startswith(
            'error: pyproject.toml: line 12: unknown key "ignroe" in [tool.nb2pkg.check]; '
            'did you mean "ignore"?'
        )
        assert lines[2].startswith('error: pyproject.toml: line 14: unknown key "output"')
        assert lines[3] == "3 problems found; nothing was written."


@pytest.mark.parametrize("command", ["build", "deps"])
def test_a_bad_requires_python_names_its_line(tmp_path: Path, command: str) -> None:
    pyproject = '[project]\nname = "acme"\nversion = "0.1.0"\n\nrequires-python = "3.10"\n'
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD}, pyproject=pyproject)
    result = run_cli(command, "--path", root)
    assert result.returncode == 2
    assert result.stderr.startswith("error: pyproject.toml: line 5: requires-python '3.10'")


# -- each problem once, all in one run (item 11) -----------------------------------------


def test_a_refused_default_exp_is_one_error_not_one_per_cell(tmp_path: Path) -> None:
    bad = ["#| default_exp class", "#| export\nx = 1", "#| exporti\ny = 2", "#| export\nz = 3"]
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD, "bad.ipynb": bad})
    result = run_cli("export", "--path", root)
    assert result.returncode == 2
    assert result.stderr.count("error:") == 1, result.stderr
    assert "no `#| default_exp NAME` cell" not in result.stderr


def test_every_ipython_line_of_a_cell_is_reported(tmp_path: Path) -> None:
    cell = "#| export\n%%time\nx = 1\n%time y = 2\n!ls\nfiles = !ls\nz = 3"
    root = make_project(tmp_path / "p", {"core.ipynb": ["#| default_exp core", cell]})
    result = run_cli("export", "--path", root)
    assert result.returncode == 2
    found = re.findall(r"nbs/core\.ipynb: cell 2 \(id \w+\): line (\d+):", result.stderr)
    assert found == ["2", "4", "5", "6"], result.stderr
    assert "4 problems found; nothing was written." in result.stderr
    data = json.loads(run_cli("check", "--path", root, "--format", "json").stdout)
    nb501 = [d["location"]["line"] for d in data["diagnostics"] if d["code"] == "NB501"]
    assert nb501 == [2, 4, 5, 6]


def test_plan_and_cell_problems_come_in_one_run(tmp_path: Path) -> None:
    notebooks = {
        "core.ipynb": ["#| default_exp core", "#| export\nx = 1\n%time y = 2"],
        "bad.ipynb": ["#| default_exp 9lives", "#| export\nz = 1"],
    }
    root = make_project(tmp_path / "p", notebooks)
    result = run_cli("export", "--path", root)
    assert result.returncode == 2
    assert '"9lives" starts with a digit' in result.stderr
    assert "nbs/core.ipynb: cell 2 (id " in result.stderr and '"%time"' in result.stderr
    assert "2 problems found" in result.stderr


def test_with_drop_magics_a_syntax_error_keeps_the_cells_line_numbers(tmp_path: Path) -> None:
    cell = "#| export\n%time x = 1\n!ls\ndef f(:\n    pass"
    root = make_project(tmp_path / "p", {"core.ipynb": ["#| default_exp core", cell]})
    result = run_cli("export", "--path", root, "--drop-magics")
    assert result.returncode == 2
    assert re.search(r"cell 2 \(id \w+\): line 4: syntax error", result.stderr), result.stderr


# -- cells counted from 1 (item 13) -------------------------------------------------------


def test_cell_number_and_id_name_the_same_cell(tmp_path: Path) -> None:
    cells = [
        ("markdown", "# Core"),
        "#| default_exp core",
        "base = 3",
        "#| export\nLIMIT = base * 2",
    ]
    root = make_project(tmp_path / "p", {"core.ipynb": cells})
    nb = nbformat.read(root / "nbs" / "core.ipynb", as_version=4)
    third, fourth = nb.cells[2].id, nb.cells[3].id
    text = run_cli("check", "--path", root).stdout
    assert f"nbs/core.ipynb: cell 4 (id {fourth}): line 2" in text
    assert f"defined in unexported cell 3 (id {third})" in text
    data = json.loads(run_cli("check", "--path", root, "--format", "json").stdout)
    location = data["diagnostics"][0]["location"]
    assert (location["cell"], location["cell_id"]) == (4, fourth)
    github = run_cli("check", "--path", root, "--format", "github").stdout
    assert f"::cell 4 (id {fourth}), line 2: " in github
    diff = run_cli("hooks", "textconv", root / "nbs" / "core.ipynb").stdout
    headers = [line for line in diff.splitlines() if line.startswith("# %% cell")]
    assert headers[0].startswith("# %% cell 1 [markdown]")
    assert f"# %% cell 4 [code] id {fourth}" in diff


def test_reader_errors_count_cells_from_1(tmp_path: Path) -> None:
    raw = json.loads(nbformat.writes(make_notebook(GOOD + ["x = 1"])))
    raw["cells"][2]["id"] = raw["cells"][0]["id"]
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    (root / "nbs" / "dup.ipynb").write_text(json.dumps(raw))
    result = run_cli("export", "--path", root)
    assert result.returncode == 2
    assert re.search(
        r"nbs/dup\.ipynb: cell 3 \(id \w+\): the cell shares its id .* with cell 1", result.stderr
    )


# -- options: uniform and true (item 15) -------------------------------------------------

#: Commands git runs with git's own arguments (registered by `hooks install`): no project
#: path, nothing to make quiet or verbose. Every other command takes all of COMMON.
GIT_DRIVERS = {"hooks filter", "hooks merge", "hooks textconv"}
COMMON = {"--path", "-p", "--quiet", "-q", "--verbose", "-v", "--debug", "--help"}


def _commands() -> dict[str, set[str]]:
    root = get_command(app)
    ctx = typer.Context(root)
    found: dict[str, set[str]] = {}

    def walk(group: Any, prefix: str) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if hasattr(command, "list_commands"):
                walk(command, f"{prefix}{name} ")
                continue
            found[f"{prefix}{name}"] = {
                o for p in command.params for o in (*p.opts, *p.secondary_opts)
            } | {"--help"}

    walk(root, "")
    return found


def test_every_command_takes_the_common_options() -> None:
    commands = _commands()
    assert {"export", "sync", "check", "build", "deps", "new", "clean"} <= set(commands)
    for name, options in commands.items():
        expected = {"--debug", "--help"} if name in GIT_DRIVERS else COMMON
        assert expected <= options, f"nb2pkg {name} lacks {sorted(expected - options)}"


@pytest.mark.parametrize("args", [("export", "--debug"), ("--debug", "export")])
def test_debug_before_or_after_the_command(tmp_path: Path, args: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    (root / "nbs" / "empty.ipynb").write_bytes(b"")
    result = run_cli(*args, "--path", root)
    assert result.returncode == 2 and "Traceback" in result.stderr
    assert "No such option" not in result.stderr
    quiet = run_cli("export", "--path", root)
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr


def test_new_path_is_the_folder_to_create_the_project_in(tmp_path: Path) -> None:
    made = run_cli("new", "demo", "--path", tmp_path / "work", "--no-git", "-v", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "work" / "demo" / "pyproject.toml").is_file()
    assert "  create  nbs/00_core.ipynb" in made.stdout
    assert f"next: nb2pkg export --path {tmp_path / 'work' / 'demo'}" in made.stdout
    assert not (tmp_path / "demo").exists()
    assert run_cli("export", "--path", tmp_path / "work" / "demo").returncode == 0


def test_new_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("mine")
    made = run_cli("new", "demo", "--path", tmp_path / "afile", "--no-git")
    assert made.returncode == 2 and "Traceback" not in made.stderr
    assert "afile/demo: cannot be created: Not a directory" in made.stderr
    assert (tmp_path / "afile").read_text() == "mine"


def test_build_verbose_lists_the_modules_written(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    built = run_cli("build", "--path", root, "-v")
    assert built.returncode == 0, built.stderr
    assert "  create  acme/core.py" in built.stdout
    assert "built acme-0.1.0-py3-none-any.whl" in built.stdout
    assert run_cli("build", "--path", root, "-q").stdout == ""


def test_check_verbose_lists_what_is_ignored(tmp_path: Path) -> None:
    cells = ["#| default_exp core", "#| frobnicate\nx = 1"]
    tool = '[tool.nb2pkg.check]\nignore = ["NB401"]\n'
    root = make_project(tmp_path / "p", {"core.ipynb": cells}, tool=tool)
    plain = run_cli("check", "--path", root)
    assert plain.returncode == 0 and "NB401" not in plain.stdout
    verbose = run_cli("check", "--path", root, "-v")
    assert re.search(r"cell 2 \(id \w+\): line 1: warning NB401: .* \(ignored\)", verbose.stdout)
    assert verbose.stdout.strip().endswith("0 errors, 0 warnings")


def test_deps_quiet_and_verbose(tmp_path: Path) -> None:
    notebooks = {
        "core.ipynb": ["#| default_exp core", "#| export\nimport json", "#| export\nimport json"],
        "more.ipynb": ["#| default_exp more", "#| export\nimport frobnitz_unknown"],
    }
    root = make_project(tmp_path / "p", notebooks)
    table = run_cli("deps", "--path", root)
    assert table.returncode == 1 and "(+1 more)" in table.stdout
    verbose = run_cli("deps", "--path", root, "-v")
    assert "(+1 more)" not in verbose.stdout
    assert len(re.findall(r"nbs/core\.ipynb: cell \d", verbose.stdout)) == 2
    quiet = run_cli("deps", "--path", root, "-q")
    assert quiet.returncode == 1
    assert "frobnitz_unknown" in quiet.stdout and "json" not in quiet.stdout
    assert not quiet.stdout.startswith("import  kind")


def test_sync_no_check_is_the_flag_its_refusal_names(tmp_path: Path) -> None:
    cells = ["#| default_exp core", "#| export\nLIMIT = 3"]
    root = make_project(tmp_path / "p", {"core.ipynb": cells})
    assert run_cli("export", "--path", root).returncode == 0
    module = root / "acme" / "core.py"
    module.write_text(module.read_text().replace("LIMIT = 3", "LIMIT = base * 3"))
    before = snapshot(root)
    refused = run_cli("sync", "--path", root)
    assert refused.returncode == 1 and "pass --no-check" in refused.stderr
    assert snapshot(root) == before
    forced = run_cli("sync", "--path", root, "--no-check")
    assert forced.returncode == 0, forced.stderr
    nb = nbformat.read(root / "nbs" / "core.ipynb", as_version=4)
    assert nb.cells[1].source == "#| export\nLIMIT = base * 3"


def test_hooks_verbose_and_quiet(tmp_path: Path) -> None:
    import shutil

    if shutil.which("git") is None:
        pytest.skip("git is not on PATH")
    made = run_cli("new", "demo", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    root = tmp_path / "demo"
    again = run_cli("hooks", "install", "--path", root, "-v")
    assert "  already: git config filter.nb2pkg.clean" in again.stdout
    status = run_cli("hooks", "status", "--path", root, "-v")
    assert "  nbs/00_core.ipynb: cleaned by git on every add and commit" in status.stdout
    assert run_cli("hooks", "status", "--path", root, "-q").stdout == "installed\n"


def test_deps_reads_past_unsynced_edits_instead_of_naming_a_flag_it_lacks(tmp_path: Path) -> None:
    cells = ["#| default_exp core", "#| export\nimport json\nLIMIT = 3"]
    root = make_project(tmp_path / "p", {"core.ipynb": cells})
    assert run_cli("export", "--path", root).returncode == 0
    module = root / "acme" / "core.py"
    module.write_text(module.read_text().replace("LIMIT = 3", "LIMIT = 4"))
    before = snapshot(root)
    table = run_cli("deps", "--path", root)
    assert table.returncode == 0 and "--discard-edits" not in table.stderr
    assert "json" in table.stdout and snapshot(root) == before
    refused = run_cli("export", "--path", root)  # export, which has the flag, names it
    assert refused.returncode == 1 and "--discard-edits" in refused.stderr
