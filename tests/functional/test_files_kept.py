"""Files nb2pkg edits keep their bytes; leftovers of killed runs go; read-only files stay.

* a notebook in any layout, after a module edit and `nb2pkg sync`, differs from before by
  exactly the edited line of the edited cell;
* a CRLF / BOM / tab-indented pyproject.toml keeps all of that when `build` adds to it;
* temporary files of a killed run are removed by the next export or build, and never
  packaged (not even a fresh one another run is writing right now);
* a read-only notebook is never replaced: the command refuses and names it.
"""

from __future__ import annotations

import difflib
import json
import os
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nb2pkg.fsio import is_temp_name
from tests.projects import make_notebook, make_project, run_cli, snapshot

CELLS = [
    ("markdown", "# Café\n\n> Tools for the café."),
    "#| default_exp core",
    "#| export\ndef f():\n    return 1",
    "f()",
    "#| export\ndef g():\n    return 'é'",
]
JUPYTER = {"indent": 1, "sort_keys": True, "ensure_ascii": False, "separators": (",", ": ")}


def _notebook() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(nbformat.writes(make_notebook(CELLS)))
    raw["cells"][3]["execution_count"] = 3
    raw["cells"][3]["outputs"] = [
        {
            "data": {"text/plain": ["1"]},
            "execution_count": 3,
            "metadata": {},
            "output_type": "execute_result",
        }
    ]
    raw["metadata"]["sizes"] = [100000.0, 0.0025]
    nbformat.validate(nbformat.from_dict(raw))
    return raw


def _unsorted(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {k: _unsorted(v) for k, v in reversed(list(raw.items()))}
    if isinstance(raw, list):
        return [_unsorted(v) for v in raw]
    return raw


def _layouts() -> dict[str, bytes]:
    raw = _notebook()
    plain = json.dumps(raw, **JUPYTER) + "\n"
    return {
        "jupyter": plain.encode(),
        "crlf": plain.replace("\n", "\r\n").encode(),
        "tabs": (json.dumps(raw, indent="\t", sort_keys=True, ensure_ascii=False) + "\n").encode(),
        "minified": json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode(),
        "unsorted": (json.dumps(_unsorted(raw), indent=2, ensure_ascii=False) + "\n").encode(),
        "escapes": (json.dumps(raw, indent=1, sort_keys=True) + "\n").encode(),
        "numbers": plain.replace("100000.0", "1E5").replace("0.0025", "2.5e-3").encode(),
        "bom": b"\xef\xbb\xbf" + plain.encode(),
    }


LAYOUTS = _layouts()


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_synced_edit_changes_only_its_line_in_every_layout(tmp_path: Path, layout: str) -> None:
    root = make_project(tmp_path / "p", {})
    notebook = root / "nbs" / "00_core.ipynb"
    original = LAYOUTS[layout]
    notebook.write_bytes(original)
    assert run_cli("export", "--path", root).returncode == 0
    assert notebook.read_bytes() == original  # the cells had ids: export leaves it alone
    module = root / "acme" / "core.py"
    module.write_text(module.read_text().replace("return 1", "return 2"))

    result = run_cli("sync", "--path", root)

    assert result.returncode == 0, result.stderr
    written = notebook.read_bytes()
    assert written == original.replace(b"return 1", b"return 2")  # one line, nothing else
    before, after = original.decode("utf-8"), written.decode("utf-8")
    diff = difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True))
    changed = [line for line in diff if line[:2] in ("- ", "+ ")]
    assert len(changed) == 2 and all("return" in line for line in changed)
    read = nbformat.reads(written.decode("utf-8-sig"), as_version=4)
    nbformat.validate(read)
    assert read.cells[2].source == "#| export\ndef f():\n    return 2"
    assert read.cells[3].outputs[0]["data"]["text/plain"] == "1"


def test_a_crlf_pyproject_with_a_bom_and_tabs_keeps_them(tmp_path: Path) -> None:
    pyproject = (
        '\ufeff[project]\r\nname = "acme"\r\nversion = "0.1.0"\r\ndescription = "d"\r\n'
        'requires-python = ">=3.10"\r\nkeywords = [\r\n\t"x",\r\n]\r\ndependencies = []\r\n\r\n'
        '[tool.nb2pkg]\r\nnotebooks = "nbs"\r\n\r\n[tool.nb2pkg.dependency-map]\r\nyaml = "PyYAML"'
    )
    root = make_project(
        tmp_path / "p",
        {"00_core.ipynb": ["#| default_exp core", "#| export\nimport yaml"]},
        pyproject=pyproject,
    )
    (root / "pyproject.toml").write_bytes(pyproject.encode("utf-8"))

    result = run_cli("build", "--path", root)

    assert result.returncode == 0, result.stderr
    data = (root / "pyproject.toml").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf[build-system]\r\n")
    assert b'dependencies = [\r\n\t"PyYAML",\r\n]\r\n' in data
    assert b"\n" not in data.replace(b"\r\n", b"")  # no bare LF anywhere
    assert data.endswith(b'yaml = "PyYAML"')  # and still no final newline
    for line in pyproject.encode("utf-8").splitlines(keepends=True)[1:]:
        assert line in data or line == b"dependencies = []\r\n"  # opened up, as documented
    check = run_cli("build", "--path", root, "--check")
    assert check.returncode == 0, check.stdout + check.stderr


def _age(path: Path, seconds: float) -> Path:
    """Set *path*'s times *seconds* into the past (negative: into the future)."""
    when = time.time() - seconds
    os.utime(path, (when, when))
    return path


def _leftover(path: Path, seconds: float = 3600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("half a file")
    return _age(path, seconds)


def test_leftovers_of_a_killed_run_go_and_are_never_packaged(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p", {"00_core.ipynb": ["#| default_exp core", "#| export\nX = 1"]}
    )
    assert run_cli("export", "--path", root).returncode == 0
    stale = [
        _leftover(root / "acme" / ".core.py.abcd1234.tmp"),
        _leftover(root / "acme" / ".__init__.py.x_9yz0k2.tmp"),
        _leftover(root / "nbs" / ".00_core.ipynb.q1w2e3r4.tmp"),
        _leftover(root / ".pyproject.toml.zxcvbnm1.tmp"),
        _leftover(root / ".nb2pkg" / "cache" / ".blocks.json.a1b2c3d4.tmp"),
    ]
    staging = root / "dist" / ".nb2pkg-build-k3j4h5g6"
    _leftover(staging / "wheel.partial")
    _age(staging, 3600)
    writing_now = _leftover(root / "acme" / ".core.py.n0w1ng2x.tmp", -60)  # another run's
    not_ours = [
        _leftover(root / "acme" / ".notes.tmp"),
        _leftover(root / "acme" / ".core.py.toolong99.tmp.bak"),
        _leftover(root / "nbs" / ".hidden" / ".x.ipynb.abcd1234.tmp"),
    ]

    result = run_cli("build", "--path", root, "--sdist")

    assert result.returncode == 0, result.stderr
    assert [p for p in stale if p.exists()] == [] and not staging.exists()
    assert writing_now.exists() and all(p.exists() for p in not_ours)
    with zipfile.ZipFile(root / "dist" / "acme-0.1.0-py3-none-any.whl") as wheel:
        names = wheel.namelist()
    with tarfile.open(root / "dist" / "acme-0.1.0.tar.gz") as sdist:
        names += sdist.getnames()
    assert not [n for n in names if is_temp_name(n.rsplit("/", 1)[-1])]
    assert "acme/core.py" in names and "acme-0.1.0/acme/core.py" in names
    assert "acme/.notes.tmp" in names  # the user's own file: packaged as flit would


def test_an_up_to_date_export_still_removes_leftovers(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p", {"00_core.ipynb": ["#| default_exp core", "#| export\nX = 1"]}
    )
    assert run_cli("export", "--path", root).returncode == 0
    leftover = _leftover(root / "acme" / ".core.py.abcd1234.tmp")
    result = run_cli("export", "--path", root)
    assert result.returncode == 0 and "0 written" in result.stdout
    assert not leftover.exists()


def test_a_read_only_notebook_is_never_replaced(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    notebook = root / "nbs" / "00_core.ipynb"
    nbformat.write(make_notebook(["#| default_exp core", "#| export\nX = 1"], ids=False), notebook)
    notebook.chmod(0o444)
    before = snapshot(root)

    export = run_cli("export", "--path", root)

    assert export.returncode == 2 and "Traceback" not in export.stderr
    assert "nbs/00_core.ipynb is read-only" in export.stderr and "chmod u+w" in export.stderr
    assert snapshot(root) == before
    notebook.chmod(0o644)
    assert run_cli("export", "--path", root).returncode == 0  # writes the ids
    module = root / "acme" / "core.py"
    module.write_text(module.read_text().replace("X = 1", "X = 2"))
    notebook.chmod(0o444)
    before = snapshot(root)

    sync = run_cli("sync", "--path", root)

    assert sync.returncode == 2 and "nbs/00_core.ipynb is read-only" in sync.stderr
    assert snapshot(root) == before


def test_a_backend_that_packs_a_running_writes_temporary_file_publishes_nothing(
    tmp_path: Path,
) -> None:
    pyproject = (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "acme"\nversion = "0.1.0"\ndescription = "d"\n'
        'requires-python = ">=3.10"\ndependencies = []\n\n[tool.nb2pkg]\nnotebooks = "nbs"\n\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["acme"]\n'
    )
    root = make_project(
        tmp_path / "p",
        {"00_core.ipynb": ["#| default_exp core", "#| export\nX = 1"]},
        pyproject=pyproject,
    )
    assert run_cli("export", "--path", root).returncode == 0
    writing_now = _leftover(root / "acme" / ".core.py.n0w1ng2x.tmp", -60)

    result = run_cli("build", "--path", root)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "acme/.core.py.n0w1ng2x.tmp, a temporary file of an nb2pkg" in result.stderr
    assert writing_now.exists() and not list((root / "dist").glob("*.whl"))
