"""``nb2pkg check``: small notebooks in, expected diagnostics (code, cell, line) out."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from nb2pkg.commands.check import check_project
from nb2pkg.commands.export import export_project
from nb2pkg.errors import CheckFailed
from nb2pkg.report import Breaks
from tests.projects import make_project, run_cli, snapshot

# notebook cells (the first is always `#| default_exp core`) → expected (code, cell index, line)
CASES: dict[str, tuple[list[str], list[tuple[str, int, int | None]]]] = {
    "undefined at call time": (
        ["threshold = 3", "#| export\ndef big(x):\n    return x > threshold"],
        [("NB101", 2, 3)],
    ),
    "undefined at import time": (
        ["#| export\nLIMIT = base * 2"],
        [("NB101", 1, 2)],
    ),
    "undefined in a class body": (
        ["#| export\nclass A:\n    size = default_size"],
        [("NB101", 1, 3)],
    ),
    "class attribute is not visible in a method": (
        ["#| export\nclass A:\n    unit = 2\n    def f(self):\n        return unit"],
        [("NB101", 1, 5)],
    ),
    "shadowed by a later unexported cell": (
        ["#| export\ndef clean(s):\n    return s.strip()", "def clean(s):\n    return s"],
        [("NB201", 2, 1)],
    ),
    "mis-typed export directive": (
        ["#| exprot\ndef f():\n    pass"],
        [("NB402", 1, 1)],
    ),
    "old-style export directive": (
        ["# export\ndef f():\n    pass"],
        [("NB404", 1, 1)],
    ),
    "nbdev 1 directives: one diagnostic per notebook": (
        ["# export\ndef f():\n    pass", "#exporti\ndef g():\n    pass", "# hide\nf()"],
        [("NB404", 1, 1)],
    ),
    "a real redefinition next to @patch is still reported": (
        [
            "#| export\nfrom fastcore.basics import patch\nclass A:\n    pass\ndef g():\n    return 1",
            "@patch\ndef g(self: A):\n    return 2",
            "def g():\n    return 3",
        ],
        [("NB201", 3, 1)],
    ),
    "a second plain definition after an @overload is a redefinition": (
        [
            "#| export\nfrom typing import overload\n@overload\ndef p(x: int) -> int: ...\ndef p(x):\n    return x",
            "#| export\ndef p(x):\n    return -x",
        ],
        [("NB602", 2, None)],
    ),
    "unknown directive": (
        ["#| frobnicate\nx = 1"],
        [("NB401", 1, 1)],
    ),
    "mis-cased export directive": (
        ["#| Export\ndef f():\n    pass"],
        [("NB402", 1, 1)],
    ),
    "directive text inside a string is not a directive": (
        ['s = """\n#| export\n"""', "#| export\nT = '''\n#| export\n'''"],
        [],
    ),
    "own import of a name the module does not define": (
        ["#| export other\ndef f():\n    return 1", "#| export\nfrom acme.other import g"],
        [("NB103", 2, 2)],
    ),
    "own import of a module nothing exports": (
        ["#| export\nimport acme.missing"],
        [("NB103", 1, 2)],
    ),
    "blind star import, reported once for all its names": (
        ["#| export\nfrom math import *\nA = sqrt(2)\nB = floor(A)"],
        [("NB102", 1, 2)],
    ),
    "directive after the first code line": (
        ["x = 1\n#| export\ndef f():\n    pass"],
        [("NB403", 1, 2)],
    ),
    "IPython in an exported cell": (
        ["#| export\nimport os\n%time os.getcwd()"],
        [("NB501", 1, 3)],
    ),
    "syntax error in an exported cell": (
        ["#| export\ndef f(:\n    pass"],
        [("NB502", 1, 2)],
    ),
    "same public name twice in a module": (
        ["#| export\ndef f():\n    return 1", "#| export\ndef f():\n    return 2"],
        [("NB602", 2, None)],
    ),
}


def _project(tmp_path: Path, cells: list[str]) -> Path:
    return make_project(tmp_path / "p", {"core.ipynb": ["#| default_exp core", *cells]})


@pytest.mark.parametrize("case", sorted(CASES))
def test_diagnostics(tmp_path: Path, case: str) -> None:
    cells, expected = CASES[case]
    root = _project(tmp_path, cells)
    result = check_project(root)
    got = [(d.code, d.where.cell_index, d.where.line) for d in result.diagnostics if d.where]
    assert got == expected
    assert result.exit_code == (1 if any(d.severity == "error" for d in result.diagnostics) else 0)


def test_hidden_state_names_the_defining_cell(tmp_path: Path) -> None:
    root = _project(tmp_path, ["threshold = 3", "#| export\ndef big(x):\n    return x > threshold"])
    (diagnostic,) = check_project(root).diagnostics
    cell_id = nbformat.read(root / "nbs" / "core.ipynb", as_version=4).cells[1].id
    assert '"threshold" is not defined in module core' in diagnostic.message
    assert (
        f"defined in unexported cell 2 (id {cell_id}); export that cell, or pass it as an argument"
        in diagnostic.message
    )
    assert diagnostic.where is not None and diagnostic.where.column == 16


def test_out_of_order_execution(tmp_path: Path) -> None:
    root = _project(tmp_path, ["#| export\nx = 1", "y = 2", "z = 3"])
    path = root / "nbs" / "core.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell, count in zip(nb.cells, [1, 2, 5, 3]):
        cell.execution_count = count
    nbformat.write(nb, path)
    found = check_project(root).diagnostics
    codes = [(d.code, d.where.cell_index) for d in found if d.where and d.code != "NB702"]
    assert codes == [("NB301", 3)]


def test_import_cycle(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {
            "a.ipynb": [
                "#| default_exp a",
                "#| export\nfrom acme.b import g\ndef f():\n    return g()",
            ],
            "b.ipynb": [
                "#| default_exp b",
                "#| export\nfrom acme.a import f\ndef g():\n    return 1",
            ],
        },
    )
    (diagnostic,) = check_project(root).diagnostics
    assert diagnostic.code == "NB601" and "a → b → a" in diagnostic.message


# Code that must stay silent: each is exported into `core` and nothing may be reported.
FALSE_POSITIVES = {
    "global used in a function defined earlier": [
        "#| export\ndef f():\n    return CONST",
        "#| export\nCONST = 1",
    ],
    "name defined later, used only in a function": [
        "#| export\ndef f():\n    return later()\ndef later():\n    return 1"
    ],
    "class attribute in the class body": ["#| export\nclass A:\n    x = 1\n    y = x + 1"],
    "comprehension variable": [
        "#| export\nSQUARES = [i * i for i in range(3)]\nPAIRS = {k: v for k, v in [(1, 2)]}"
    ],
    "global statement": [
        "#| export\ndef setup():\n    global STATE\n    STATE = 1\ndef use():\n    return STATE"
    ],
    "builtins and dunders": [
        "#| export\nHERE = __file__\nNAME = __name__\nN = len([]) + sum([])\ndef f():\n    return __doc__"
    ],
    "own-package star import": [
        "#| export\nfrom acme.util import *\ndef f():\n    return helper()"
    ],
    "try/except import fallback": [
        "#| export\ntry:\n    import tomllib\nexcept ImportError:\n    tomllib = None"
    ],
    "conditional definition": [
        "#| export\nimport sys\nif sys.platform == 'win32':\n    SEP = '\\\\'\nelse:\n    SEP = '/'\ndef f():\n    return SEP"
    ],
    "imports inside functions": ["#| export\ndef f():\n    import json\n    return json.dumps(1)"],
    "lambda and defaults": ["#| export\nK = 2\ndouble = lambda x, k=K: x * k"],
    "nonlocal": [
        "#| export\ndef outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n        return n\n    return inner"
    ],
    "exception names and with targets": [
        "#| export\ndef f(path):\n    try:\n        with open(path) as fh:\n            return fh.read()\n    except OSError as err:\n        return str(err)"
    ],
    "__all__ and __future__": [
        "#| export\nfrom __future__ import annotations\ndef f(x: Later) -> Later:\n    return x\nclass Later:\n    pass"
    ],
    "decorators defined earlier": [
        "#| export\nimport functools\n@functools.cache\ndef f():\n    return 1"
    ],
    "_all_ lists names defined in other cells": [
        "#| export\ndef f():\n    return 1",
        "#| export\ndef _g():\n    return 2",
        '#| export\n_all_ = ["f", "_g"]',
    ],
    "fastcore @patch in a later unexported cell": [
        "#| export\nfrom fastcore.basics import patch\nclass A:\n    pass\ndef g():\n    return 1",
        "@patch\ndef g(self: A):\n    return 2",
        "@patch_to(A)\ndef g(self):\n    return 3",
        "@patch_property\ndef g(self: A):\n    return 4",
    ],
    "typing.overload across cells": [
        "#| export\nfrom typing import overload\n@overload\ndef p(x: int) -> int: ...",
        "#| export\n@overload\ndef p(x: str) -> str: ...",
        "#| export\ndef p(x):\n    return x",
        "@overload\ndef p(x: bytes) -> bytes: ...",
    ],
    "singledispatch register": [
        "#| export\nimport functools\n@functools.singledispatch\ndef show(x):\n    return 'x'",
        "#| export\n@show.register(int)\ndef show(x):\n    return 'int'",
        "@show.register\ndef show(x: float):\n    return 'float'",
    ],
    "typedispatch and dispatch add cases": [
        "#| export\nfrom acme.util import helper as typedispatch, helper as dispatch\n"
        "@typedispatch\ndef r(x: int):\n    return x",
        "#| export\n@typedispatch\ndef r(x: str):\n    return x",
        "@typedispatch\ndef r(x: float):\n    return x",
        "#| export\n@dispatch\ndef q(x: int):\n    return x",
        "@dispatch\ndef q(x: str):\n    return x",
    ],
    "exportd cells are documentation": [
        "#| export\ndef f():\n    return 1",
        "#| exportd\nf()",
    ],
    "test cells may use anything": [
        "#| export\ndef f():\n    return 1",
        "assert f() == 1\nprint(undefined_in_a_test_cell)",
    ],
}


@pytest.mark.parametrize("case", sorted(FALSE_POSITIVES))
def test_false_positives_stay_silent(tmp_path: Path, case: str) -> None:
    root = make_project(
        tmp_path / "p",
        {
            "core.ipynb": ["#| default_exp core", *FALSE_POSITIVES[case]],
            "util.ipynb": ["#| default_exp util", "#| export\ndef helper():\n    return 1"],
        },
    )
    result = check_project(root)
    assert result.diagnostics == ()
    assert result.exit_code == 0


def test_ignore_in_config_and_per_cell(tmp_path: Path) -> None:
    cells = [
        "threshold = 3",
        "#| export\ndef big(x):\n    return x > threshold",
        "#| frobnicate\nx = 1",
    ]
    root = make_project(
        tmp_path / "p",
        {"core.ipynb": ["#| default_exp core", *cells]},
        tool='[tool.nb2pkg.check]\nignore = ["NB4xx"]\n',
    )
    assert [d.code for d in check_project(root).diagnostics] == ["NB101"]
    path = root / "nbs" / "core.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = "#| export\n#| nb2pkg: ignore NB101\ndef big(x):\n    return x > threshold"
    nbformat.write(nb, path)
    assert check_project(root).diagnostics == ()


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    root = _project(tmp_path, ["#| frobnicate\nx = 1"])
    assert run_cli("check", "--path", root).returncode == 0
    assert run_cli("check", "--path", root, "--strict").returncode == 1


def test_formats(tmp_path: Path) -> None:
    root = _project(tmp_path, ["threshold = 3", "#| export\ndef big(x):\n    return x > threshold"])
    text = run_cli("check", "--path", root)
    assert text.returncode == 1
    assert text.stdout.startswith("nbs/core.ipynb: cell 3 (id ") and "error NB101" in text.stdout
    assert text.stdout.strip().endswith("1 error, 0 warnings")
    data = json.loads(run_cli("check", "--path", root, "--format", "json").stdout)
    assert data["errors"] == 1 and data["diagnostics"][0]["code"] == "NB101"
    location = data["diagnostics"][0]["location"]
    # "cell" counts from 1, as the text says ("cell 3"); the id names the same cell.
    assert (location["file"], location["cell"], location["line"]) == ("nbs/core.ipynb", 3, 3)
    assert text.stdout.startswith(f"nbs/core.ipynb: cell 3 (id {location['cell_id']}): line 3")
    github = run_cli("check", "--path", root, "--format", "github").stdout
    assert github.startswith("::error file=nbs/core.ipynb,title=NB101::cell 3 (id ")


def test_ci_mode(tmp_path: Path) -> None:
    root = _project(tmp_path, ["#| export\ndef f():\n    return 1"])
    export_project(root)
    assert run_cli("check", "--path", root, "--ci").returncode == 0
    path = root / "nbs" / "core.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = "#| export\ndef f():\n    return 2"
    nbformat.write(nb, path)
    stale = run_cli("check", "--path", root, "--ci")
    assert (
        stale.returncode == 1
        and "acme/core.py: error NB901: export would change this file" in stale.stdout
    )
    export_project(root)
    module = root / "acme" / "core.py"
    module.write_text(module.read_text().replace("return 2", "return 3"))
    unsynced = run_cli("check", "--path", root, "--ci")
    assert (
        unsynced.returncode == 1
        and "NB902" in unsynced.stdout
        and "acme/core.py" in unsynced.stdout
    )


def test_check_writes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path, ["#| export\ndef f():\n    return 1"])
    before = snapshot(root)
    run_cli("check", "--path", root, "--ci")
    assert snapshot(root) == before


def test_export_refuses_code_that_fails_at_import(tmp_path: Path) -> None:
    root = _project(tmp_path, ["base = 3", "#| export\nLIMIT = base * 2"])
    before = snapshot(root)
    with pytest.raises(CheckFailed, match="importing the module raises NameError") as info:
        export_project(root)
    assert '"base" is not defined in module core' in str(info.value)
    assert snapshot(root) == before
    refused = run_cli("export", "--path", root, "-q")
    assert refused.returncode == 1 and "--no-check" in refused.stderr
    assert snapshot(root) == before
    assert run_cli("export", "--path", root, "--no-check").returncode == 0
    assert (root / "acme" / "core.py").is_file()


def test_export_writes_code_that_fails_only_when_called_and_build_refuses_it(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path, ["threshold = 3", "#| export\ndef big(x):\n    return x > threshold"])
    exported = run_cli("export", "--path", root, "-q")
    assert exported.returncode == 0 and exported.stdout == ""
    (line,) = exported.stderr.splitlines()  # reported even with -q: it is an error
    assert "error NB101" in line and "calling this code raises NameError" in line
    assert "`nb2pkg build` refuses to ship it" in line
    assert (root / "acme" / "core.py").is_file()
    pyproject = (root / "pyproject.toml").read_bytes()
    built = run_cli("build", "--path", root)
    assert built.returncode == 1 and "Traceback" not in built.stderr
    assert "1 problem would break the package when its code runs" in built.stderr
    assert "threshold" in built.stderr
    assert not (root / "dist").exists() and (root / "pyproject.toml").read_bytes() == pyproject
    assert run_cli("build", "--path", root, "--no-check").returncode == 0
    assert list((root / "dist").glob("*.whl"))


def test_parallel_analysis_finds_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nb2pkg.workers as workers

    notebooks = {
        f"n{i}.ipynb": [
            f"#| default_exp m{i}",
            f"#| export\nfrom acme.m0 import *\ndef f{i}():\n    return missing_{i % 3}",
        ]
        for i in range(6)
    }
    root = make_project(tmp_path / "p", notebooks)
    sequential = check_project(root).diagnostics
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 0)
    parallel = check_project(root).diagnostics
    assert parallel == sequential
    assert sorted({d.message.split('"')[1] for d in parallel}) == [
        "missing_0",
        "missing_1",
        "missing_2",
    ]
    assert {d.breaks for d in parallel} == {Breaks.WHEN_CALLED}
    # Export analyses each module in the job that renders it: the same findings.
    exported = [w for w in export_project(root, dry_run=True).warnings if w.code == "NB101"]
    assert sorted(exported, key=str) == sorted((d for d in parallel if d.code == "NB101"), key=str)


def test_a_no_check_export_does_not_vouch_for_a_checked_one(tmp_path: Path) -> None:
    root = _project(tmp_path, ["threshold = 3", "#| export\nBIG = threshold + 1"])
    assert run_cli("export", "--path", root, "--no-check").returncode == 0
    assert run_cli("export", "--path", root).returncode == 1  # not a stamp hit: checked again


def test_parallel_rendering_reports_bad_cells_located(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nb2pkg.workers as workers
    from nb2pkg.errors import CellError

    root = make_project(
        tmp_path / "p",
        {
            "a.ipynb": ["#| default_exp a", "#| export\ndef f(:\n    pass"],
            "b.ipynb": ["#| default_exp b", "#| export\nX = 1"],
        },
    )
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 0)
    with pytest.raises(CellError) as info:
        export_project(root)
    assert info.value.where is not None
    assert (info.value.where.file, info.value.where.cell_index, info.value.where.line) == (
        "nbs/a.ipynb",
        1,
        2,
    )
    assert not (root / "acme").exists()
    (root / "nbs" / "a.ipynb").unlink()
    result = export_project(root)
    assert (root / "acme" / "b.py").is_file() and result.cells == 1


@pytest.mark.parametrize(
    ("code", "line", "message"),
    [
        ("nonlocal x", 2, "nonlocal declaration not allowed at module level"),
        ("x = 1\nglobal x", 3, "name 'x' is assigned to before global declaration"),
    ],
)
def test_a_module_that_does_not_compile_is_refused_where_it_breaks(
    tmp_path: Path, code: str, line: int, message: str
) -> None:
    """Each cell parses alone; Python refuses the module only when compiling it."""
    root = _project(tmp_path, [f"#| export\n{code}"])
    before = snapshot(root)
    with pytest.raises(CheckFailed, match="NB502") as info:
        export_project(root)
    assert message in str(info.value)
    assert snapshot(root) == before  # nothing written
    found = [d for d in check_project(root).diagnostics if d.code == "NB502"]
    assert len(found) == 1 and found[0].breaks is Breaks.AT_IMPORT
    assert found[0].where is not None
    assert (found[0].where.file, found[0].where.cell_index, found[0].where.line) == (
        "nbs/core.ipynb",
        1,
        line,
    )
    result = run_cli("export", "--path", root)
    assert result.returncode == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("code", "line", "what"),
    [
        ("x = 1\nreturn x", 3, "'return'"),
        ("for i in range(3):\n    yield i", 3, "'yield'"),
        ("data = await fetch()", 2, "'await'"),
        ("class K:\n    v = [await f() for f in fs]", 3, "'await'"),
        ("async with lock:\n    pass", 2, "'async with'"),
    ],
)
def test_code_only_a_function_may_hold_is_refused_at_its_line(
    tmp_path: Path, code: str, line: int, what: str
) -> None:
    """IPython runs top-level `await`, Python refuses it in a module: the cell is named."""
    root = _project(tmp_path, [f"#| export\n{code}", "#| export\nasync def ok():\n    await g()"])
    with pytest.raises(Exception, match=f"{what} outside a function") as info:
        export_project(root)
    assert getattr(info.value, "where", None) is not None
    assert (info.value.where.cell_index, info.value.where.line) == (1, line)  # type: ignore[attr-defined]
    found = [d for d in check_project(root).diagnostics if d.code == "NB502"]
    assert [(d.where.cell_index, d.where.line) for d in found if d.where] == [(1, line)]


def test_a_leftover_conflict_tag_is_nb703_at_its_cell_also_from_the_notebook_cache(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path, ["#| export\nx = 1", "y = 2"])
    notebook = root / "nbs" / "core.ipynb"
    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells[2].metadata["tags"] = ["keep", "nb2pkg-conflict"]
    nbformat.write(nb, str(notebook))
    for _ in range(2):  # read fresh, then (after an export) from the cache of notebooks
        found = [d for d in check_project(root).diagnostics if d.code.startswith("NB70")]
        assert [(d.code, d.where.cell_index if d.where else None) for d in found] == [("NB703", 2)]
        export_project(root)
    nb.cells[2].metadata["tags"] = ["keep"]
    nbformat.write(nb, str(notebook))
    assert not [d for d in check_project(root).diagnostics if d.code == "NB703"]
