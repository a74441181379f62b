"""Bad input: a one-paragraph located error, a user-error exit code, no traceback, no writes.

Also the reader fuzz: mutated notebook JSON never gives a traceback or a half-written package.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.commands.export import export_project
from nb2pkg.errors import Nb2pkgError
from tests.projects import make_notebook, make_project, run_cli, snapshot

GOOD = ["#| default_exp core", "#| export\ndef f():\n    return 1"]


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / "nbs" / name).write_bytes(data)

    return apply


def _pyproject(text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / "pyproject.toml").write_text(text)

    return apply


def _notebook(*cells: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        nbformat.write(make_notebook(cells), root / "nbs" / "bad.ipynb")

    return apply


def _remove_nbs(root: Path) -> None:
    shutil.rmtree(root / "nbs")


def _v5(root: Path) -> None:
    raw = json.loads(nbformat.writes(make_notebook(GOOD)))
    raw["nbformat"] = 5
    (root / "nbs" / "future.ipynb").write_text(json.dumps(raw))


PROJECT = '[project]\nname = "acme"\nversion = "0.1.0"\n'

# (change applied to a good project, fragments the error must contain)
CASES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "missing notebooks folder": (
        _remove_nbs,
        ["pyproject.toml", 'notebooks folder "nbs" does not exist'],
    ),
    "empty notebook": (_write("empty.ipynb", b""), ["nbs/empty.ipynb", "is empty"]),
    "truncated notebook": (
        _write("cut.ipynb", b'{"cells": [{"cell_type": "co'),
        ["nbs/cut.ipynb", "not valid JSON", "truncated"],
    ),
    "non-utf8 notebook": (
        _write("latin.ipynb", '{"cells": [], "x": "é"}'.encode("latin-1")),
        ["nbs/latin.ipynb", "not UTF-8"],
    ),
    "not a notebook": (
        _write("list.ipynb", b"[1, 2, 3]"),
        ["nbs/list.ipynb", "not a Jupyter notebook"],
    ),
    "no cells": (
        _write("nocells.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}'),
        ["nbs/nocells.ipynb", '"cells"'],
    ),
    "unknown nbformat": (_v5, ["nbs/future.ipynb", "nbformat version 5", "3 and 4"]),
    "invalid toml": (
        _pyproject(PROJECT + "[tool.nb2pkg\n"),
        ["pyproject.toml", "line 4", "not valid TOML"],
    ),
    "unknown key": (
        _pyproject(PROJECT + "[tool.nb2pkg]\nnotebok = 'nbs'\n"),
        ["pyproject.toml", "line 5", '"notebok"', 'did you mean "notebooks"'],
    ),
    "module escapes": (
        _notebook("#| default_exp ../../etc/evil"),
        ["nbs/bad.ipynb: cell 1 (id ", "line 1", "leave the package"],
    ),
    "absolute module": (
        _notebook("#| default_exp /tmp/evil"),
        ["nbs/bad.ipynb: cell 1", "leave the package"],
    ),
    "syntax error": (
        _notebook("#| default_exp bad", "#| export\ndef g(:\n    pass"),
        ["nbs/bad.ipynb: cell 2 (id ", "line 2", "syntax error"],
    ),
    "ipython line": (
        _notebook("#| default_exp bad", "#| export\nx = 1\n%time y = 2"),
        ["nbs/bad.ipynb: cell 2", "line 3", '"%time"', "--drop-magics"],
    ),
    "cell magic": (
        _notebook("#| default_exp bad", "#| export\n%%time\nx = 1"),
        ["nbs/bad.ipynb: cell 2", "line 2", "cell magic"],
    ),
    "shell assignment": (
        _notebook("#| default_exp bad", "#| export\nfiles = !ls"),
        ["nbs/bad.ipynb: cell 2", "line 2", "IPython syntax"],
    ),
    "two default_exp": (
        _notebook("#| default_exp core"),
        ["nbs/bad.ipynb: cell 1", "nbs/core.ipynb: cell 1", "two notebooks cannot own one module"],
    ),
    "cell id invalid": (
        _write(
            "ids.ipynb",
            json.dumps(
                {
                    "nbformat": 4,
                    "nbformat_minor": 5,
                    "metadata": {},
                    "cells": [
                        {
                            "cell_type": "code",
                            "id": "bad id!",
                            "source": "",
                            "metadata": {},
                            "outputs": [],
                            "execution_count": None,
                        }
                    ],
                }
            ).encode(),
        ),
        ["nbs/ids.ipynb: cell 1", "invalid id"],
    ),
    "source wrong type": (
        _write(
            "src.ipynb",
            json.dumps(
                {
                    "nbformat": 4,
                    "nbformat_minor": 5,
                    "metadata": {},
                    "cells": [{"cell_type": "code", "id": "a", "source": 5, "metadata": {}}],
                }
            ).encode(),
        ),
        ["nbs/src.ipynb: cell 1 (id a)", '"source" must be a string'],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(tmp_path: Path, case: str) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    change, fragments = CASES[case]
    change(root)
    before = snapshot(root)
    result = run_cli("export", "--path", root)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    for fragment in fragments:
        assert fragment in result.stderr
    assert snapshot(root) == before, "a failed export must not write anything"


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    (root / "nbs" / "empty.ipynb").write_bytes(b"")
    result = run_cli("--debug", "export", "--path", root)
    assert result.returncode == 2 and "Traceback" in result.stderr


def test_problems_in_several_notebooks_are_all_reported(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"core.ipynb": GOOD})
    (root / "nbs" / "a.ipynb").write_bytes(b"")
    (root / "nbs" / "b.ipynb").write_bytes(b"{")
    result = run_cli("export", "--path", root)
    assert "nbs/a.ipynb" in result.stderr and "nbs/b.ipynb" in result.stderr
    assert "2 problems found; nothing was written." in result.stderr


# --- fuzzing the reader ------------------------------------------------------------------


def _base_notebook() -> dict[str, Any]:
    return json.loads(nbformat.writes(make_notebook(GOOD + ["x = 1"])))


_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(),
    st.just("\0"),
    st.just("\ud800"),
    st.just("#| export\nx = 1\0"),
    st.just("#| default_exp ../x"),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(lambda: [["nested"]]),  # a new list each time: `just` would share one object
    st.just("#| export\n" + "(" * 500 + ")" * 500),
)


@st.composite
def mutated_notebooks(draw: st.DrawFn) -> bytes:
    raw = _base_notebook()
    for _ in range(draw(st.integers(1, 4))):
        target: Any = raw
        path = draw(
            st.sampled_from(
                [
                    ("nbformat",),
                    ("nbformat_minor",),
                    ("cells",),
                    ("metadata",),
                    ("cells", 0),
                    ("cells", 1),
                    ("cells", 1, "source"),
                    ("cells", 1, "cell_type"),
                    ("cells", 1, "id"),
                    ("cells", 2, "execution_count"),
                    ("cells", 0, "source"),
                ]
            )
        )
        for key in path[:-1]:
            try:
                target = target[key]
            except (KeyError, IndexError, TypeError):
                break
        else:
            action = draw(st.sampled_from(["set", "delete"]))
            try:
                if action == "delete" and isinstance(target, dict):
                    target.pop(path[-1], None)
                else:
                    target[path[-1]] = draw(_ODD_VALUES)
            except (IndexError, TypeError):
                pass
    text = json.dumps(raw)
    if draw(st.booleans()):  # deeply nested, but balanced, JSON
        depth = draw(st.integers(0, 100_000))
        text = '{"deep": ' + "[" * depth + "]" * depth + ", " + text[1:]
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text.encode("utf-8", "surrogatepass")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=mutated_notebooks(),
    name=st.sampled_from(["a.ipynb", "odd name é.ipynb", "x y/z.ipynb", "-.ipynb"]),
)
def test_mutated_notebooks_never_crash_or_half_write(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, name: str
) -> None:
    root = make_project(tmp_path_factory.mktemp("fuzz"), {"core.ipynb": GOOD})
    target = root / "nbs" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    before = snapshot(root)
    try:
        export_project(root)
    except Nb2pkgError as exc:
        assert str(exc).strip()
        assert snapshot(root) == before
        return
    # Success: every module written is valid Python and the package is complete.
    for module in (root / "acme").rglob("*.py"):
        compile(module.read_text(encoding="utf-8"), str(module), "exec")
    assert (root / "acme" / "core.py").is_file()
