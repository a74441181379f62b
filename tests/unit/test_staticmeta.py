"""Reading versions and docstrings statically, and refusing backends that would import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nb2pkg.backendguard import check_backend
from nb2pkg.errors import BuildError, Location
from nb2pkg.staticmeta import SourceTree, flit_dynamic, literal_assignment, module_file

HERE = Location("pyproject.toml")


@pytest.mark.parametrize(
    ("source", "found", "value"),
    [
        ('__version__ = "1.2"', True, "1.2"),
        ('__version__: str = "1.2"', True, "1.2"),
        ('a = __version__ = "1.2"', True, "1.2"),
        ("__version__ = (1, 2)", True, (1, 2)),
        ('"""Doc."""\nimport os\n__version__ = "3"\n__version__ = "4"', True, "3"),  # the first
        ("__version__ = get()", False, None),
        ('__version__ = "1" + "2"', False, None),
        ('if True:\n    __version__ = "1"', False, None),  # not at the top level
        ('def f():\n    __version__ = "1"', False, None),
        ("__version__: str", False, None),
        ("version = '1'", False, None),
        ("this is not python", False, None),
        ("", False, None),
    ],
)
def test_literal_assignment(source: str, found: bool, value: Any) -> None:
    assert literal_assignment(source.encode(), "__version__") == (found, value)


def _tree(
    tmp_path: Path, files: dict[str, str], planned: dict[str, str | None] | None = None
) -> SourceTree:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return SourceTree(tmp_path, {tmp_path / k: v for k, v in (planned or {}).items()})


def test_planned_files_are_seen_before_they_are_written(tmp_path: Path) -> None:
    tree = _tree(
        tmp_path,
        {"acme/__init__.py": "__version__ = 'disk'", "acme/old.py": ""},
        {"acme/__init__.py": "__version__ = 'planned'", "acme/old.py": None, "new/x.py": "y"},
    )
    assert tree.source(tmp_path / "acme" / "__init__.py") == b"__version__ = 'planned'"
    assert not tree.is_file(tmp_path / "acme" / "old.py")
    assert tree.is_dir(tmp_path / "new") and not (tmp_path / "new").exists()
    assert module_file(tree, "new") == (tmp_path / "new" / "__init__.py", True)
    assert module_file(tree, "missing") is None


@pytest.mark.parametrize(
    ("files", "version"),
    [
        ({"acme/__init__.py": "__version__ = '1.0'"}, "1.0"),
        ({"src/acme/__init__.py": "__version__ = '1.1'"}, "1.1"),
        ({"acme.py": "__version__ = '1.2'"}, "1.2"),
        (
            {
                "acme/__init__.py": "from ._version import __version__",
                "acme/_version.py": "__version__ = '2.0'",
            },
            "2.0",
        ),
        (
            {"acme/__init__.py": "__version__ = '3.0'", "acme/version.py": "__version__ = '2.0'"},
            "3.0",
        ),
    ],
)
def test_flit_version_is_found_where_flit_looks(
    tmp_path: Path, files: dict[str, str], version: str
) -> None:
    assert flit_dynamic(_tree(tmp_path, files), "acme", {"version"}, HERE) == {"version": version}


@pytest.mark.parametrize(
    ("init", "dynamic", "message"),
    [
        ("import x\n__version__ = x.v", {"version"}, 'plain `__version__ = "..."` string'),
        ("__version__ = 1", {"version"}, 'plain `__version__ = "..."` string'),
        ("", {"version"}, 'or `__version__ = "0.1.0"` as a literal in acme/__init__.py'),
        ("__version__ = '1'", {"description"}, "acme/__init__.py has no docstring"),
        ('"""   """', {"description"}, "has no docstring"),
    ],
)
def test_flit_dynamic_fields_that_cannot_be_read_statically_are_refused(
    tmp_path: Path, init: str, dynamic: set[str], message: str
) -> None:
    with pytest.raises(BuildError) as caught:
        flit_dynamic(_tree(tmp_path, {"acme/__init__.py": init}), "acme", dynamic, HERE)
    assert message in caught.value.message and caught.value.where == HERE


def test_the_description_is_the_docstrings_first_line(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"acme/__init__.py": '"""\n  Acme tools.\n\n  More."""'})
    assert flit_dynamic(tree, "acme", {"description"}, HERE) == {"description": "Acme tools."}


SETUPTOOLS = "setuptools.build_meta"
ATTR = {"tool": {"setuptools": {"dynamic": {"version": {"attr": "acme.__version__"}}}}}


@pytest.mark.parametrize(
    ("files", "data", "backend", "message"),
    [
        ({"acme/__init__.py": "__version__ = '1'"}, ATTR, SETUPTOOLS, None),
        (
            {"acme/__init__.py": "__version__ = v()"},
            ATTR,
            SETUPTOOLS,
            "does not assign __version__ a plain literal",
        ),
        ({}, ATTR, SETUPTOOLS, "no file of the project is the module acme"),
        (
            {"lib/acme/__init__.py": "__version__ = '1'"},
            {"tool": {"setuptools": {**ATTR["tool"]["setuptools"], "package-dir": {"": "lib"}}}},
            SETUPTOOLS,
            None,
        ),
        (
            {
                "acme/__init__.py": "__version__ = v()",
                "setup.cfg": "[metadata]\nversion = attr: acme.__version__\n",
            },
            {},
            SETUPTOOLS,
            "setup.cfg [metadata] version",
        ),
        (
            {
                "src/acme/__init__.py": "V = '1'",
                "setup.cfg": "[metadata]\nversion = attr: acme.V\n[options]\npackage_dir =\n    =src\n",
            },
            {},
            SETUPTOOLS,
            None,
        ),
        ({"setup.py": "from setuptools import setup\nsetup()"}, {}, SETUPTOOLS, None),
        (
            {"setup.py": "import acme\nsetup()"},
            {},
            SETUPTOOLS,
            "the build script imports the package acme (line 1)",
        ),
        ({"setup.py": "from acme.core import x"}, {}, SETUPTOOLS, "imports the package acme"),
        (
            {"setup.py": "import importlib\nimportlib.import_module('acme.core')"},
            {},
            SETUPTOOLS,
            "(line 2)",
        ),
        ({"setup.py": "from . import acme"}, {}, SETUPTOOLS, None),
        ({"setup.py": "import acme"}, {}, "hatchling.build", None),  # hatchling does not run it
        (
            {},
            {"tool": {"hatch": {"version": {"source": "code"}}}},
            "hatchling.build",
            'source = "code"',
        ),
        (
            {},
            {"tool": {"hatch": {"version": {"path": "acme/__init__.py"}}}},
            "hatchling.build",
            None,
        ),
        (
            {"hatch_build.py": "import acme"},
            {"tool": {"hatch": {"build": {"hooks": {"custom": {}}}}}},
            "hatchling.build",
            "imports the package acme",
        ),
        (
            {"hooks/meta.py": "import acme"},
            {"tool": {"hatch": {"metadata": {"hooks": {"custom": {"path": "hooks/meta.py"}}}}}},
            "hatchling.build",
            "imports the package",
        ),
        (
            {},
            {"tool": {"pdm": {"version": {"source": "call", "getter": "acme:v"}}}},
            "pdm.backend",
            'source = "call"',
        ),
        ({"pdm_build.py": "import acme.core"}, {}, "pdm.backend", "imports the package"),
        (
            {"_b/shim.py": "import acme"},
            {"build-system": {"backend-path": ["_b"]}},
            "shim",
            "imports the package",
        ),
    ],
)
def test_backend_settings_that_would_import_the_package_are_refused(
    tmp_path: Path, files: dict[str, str], data: dict[str, Any], backend: str, message: str | None
) -> None:
    tree = _tree(tmp_path, files)
    if message is None:
        check_backend(tree, data, backend, "acme")
        return
    with pytest.raises(BuildError) as caught:
        check_backend(tree, data, backend, "acme")
    assert message in str(caught.value)
