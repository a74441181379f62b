"""``nb2pkg check`` tells the truth: every real break reported, nothing else.

Each case is a small project (notebooks, and hand-written files in the package folder)
with the exact diagnostics expected: (code, notebook, cell index, line). The list must
match exactly, so "nothing else" is part of every case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.commands.check import check_project
from nb2pkg.commands.export import export_project
from nb2pkg.errors import CheckFailed
from nb2pkg.report import Breaks
from tests.projects import make_project, run_cli, run_python, snapshot

Files = dict[str, str]  # hand-written files, relative to the project root
Expected = list[tuple[str, str, int, int | None]]  # code, notebook, cell index, line

FEATURES = {"01_features.ipynb": ["#| default_exp features", "#| export\ndef add_feature(x):\n    return x"]}

# name → (notebooks, hand-written files, expected diagnostics)
BREAKS: dict[str, tuple[dict[str, list[str]], Files, Expected]] = {
    "renamed function still imported by another notebook": (
        {**FEATURES, "02_model.ipynb": ["#| default_exp model", "#| export\nfrom acme.features import add_features"]},
        {},
        [("NB103", "nbs/02_model.ipynb", 1, 2)],
    ),
    "module that no notebook exports": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nimport acme.nomod\nfrom acme.other import f"]},
        {},
        [("NB103", "nbs/00_core.ipynb", 1, 2), ("NB103", "nbs/00_core.ipynb", 1, 3)],
    ),
    "relative import of a missing name, inside a function": (
        {**FEATURES, "00_core.ipynb": ["#| default_exp core", "#| export\ndef f():\n    from .features import gone\n    return gone"]},
        {},
        [("NB103", "nbs/00_core.ipynb", 1, 3)],
    ),
    "relative import above the top-level package": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom .. import x"]},
        {},
        [("NB103", "nbs/00_core.ipynb", 1, 2)],
    ),
    "star import of a missing own module: the import, not each name": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom acme.gone import *\ndef f():\n    return helper()"]},
        {},
        [("NB103", "nbs/00_core.ipynb", 1, 2)],
    ),
    "missing name in a hand-written module": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom acme.helpers import util, utill"]},
        {"acme/helpers.py": "def util():\n    return 1\n"},
        [("NB103", "nbs/00_core.ipynb", 1, 2)],
    ),
    "mis-cased and misspelt export directives": (
        {"00_core.ipynb": ["#| default_exp core", "#| Export\ndef f():\n    pass", "#| exprot\ndef g():\n    pass", "# export\ndef h():\n    pass"]},
        {},
        # nbdev 1's `# export`: NB404, once per notebook, pointing to `nb2pkg migrate`
        [("NB402", "nbs/00_core.ipynb", 1, 1), ("NB402", "nbs/00_core.ipynb", 2, 1), ("NB404", "nbs/00_core.ipynb", 3, 1)],
    ),
    "undefined at import time and inside a function": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nLIMIT = base * 2\ndef f():\n    return later_name"]},
        {},
        [("NB101", "nbs/00_core.ipynb", 1, 2), ("NB101", "nbs/00_core.ipynb", 1, 4)],
    ),
    "a real directive after the first code line": (
        {"00_core.ipynb": ["#| default_exp core", "x = 1\n#| export\ndef f():\n    pass"]},
        {},
        [("NB403", "nbs/00_core.ipynb", 1, 2)],
    ),
    "star import of a compiled module: one NB102 for the import": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom math import *\nROOT = sqrt(2)\ndef f():\n    return floor(pi)"]},
        {},
        [("NB102", "nbs/00_core.ipynb", 1, 2)],
    ),
    "star import of a module that is not installed": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom not_installed_anywhere_xyz import *\nA = thing()\nB = other()"]},
        {},
        [("NB102", "nbs/00_core.ipynb", 1, 2)],
    ),
    "hand-written helper that star-imports a blind module": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom acme.helpers import *\nA = sqrt(2)"]},
        {"acme/helpers.py": "from math import *\n"},
        [("NB102", "nbs/00_core.ipynb", 1, 2)],
    ),
    "a name used before the star import that would bring it": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nP = Path('.')\nfrom pathlib import *"]},
        {},
        [("NB101", "nbs/00_core.ipynb", 1, 2)],
    ),
}


def _make(tmp_path: Path, notebooks: dict[str, list[str]], files: Files) -> Path:
    root = make_project(tmp_path / "p", notebooks)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _found(root: Path) -> Expected:
    result = check_project(root)
    return [
        (d.code, d.where.file, d.where.cell_index or 0, d.where.line)
        for d in result.diagnostics
        if d.where is not None
    ]


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_real_breaks_are_reported(tmp_path: Path, case: str) -> None:
    notebooks, files, expected = BREAKS[case]
    root = _make(tmp_path, notebooks, files)
    assert _found(root) == expected
    assert len(check_project(root).diagnostics) == len(expected)


def test_the_rename_message_suggests_the_new_name_and_build_refuses(tmp_path: Path) -> None:
    notebooks, files, _ = BREAKS["renamed function still imported by another notebook"]
    root = _make(tmp_path, notebooks, files)
    (diagnostic,) = check_project(root).diagnostics
    assert diagnostic.breaks is Breaks.AT_IMPORT
    assert diagnostic.message.startswith('"add_features" is not defined in acme.features')
    assert 'Did you mean "add_feature"?' in diagnostic.message
    before = snapshot(root)
    built = run_cli("build", "--path", root, "-q")
    assert built.returncode == 1 and "error NB103" in built.stderr
    assert snapshot(root) == before


def test_a_name_left_in_an_unexported_cell_is_named(tmp_path: Path) -> None:
    root = _make(
        tmp_path,
        {
            "01_features.ipynb": ["#| default_exp features", "#| export\nX = 1", "def scale(x):\n    return x"],
            "02_model.ipynb": ["#| default_exp model", "#| export\nfrom acme.features import scale"],
        },
        {},
    )
    (diagnostic,) = check_project(root).diagnostics
    assert "defined in unexported cell 3 (id " in diagnostic.message
    assert "of nbs/01_features.ipynb: export that cell" in diagnostic.message


def test_import_inside_a_function_breaks_when_called(tmp_path: Path) -> None:
    notebooks, files, _ = BREAKS["relative import of a missing name, inside a function"]
    root = _make(tmp_path, notebooks, files)
    (diagnostic,) = check_project(root).diagnostics
    assert diagnostic.breaks is Breaks.WHEN_CALLED
    export_project(root)  # written: the module imports
    with pytest.raises(CheckFailed, match="when its code runs"):
        from nb2pkg.commands.build import build_project

        build_project(root)


def test_blind_star_import_names_what_it_cannot_vouch_for(tmp_path: Path) -> None:
    notebooks, files, _ = BREAKS["star import of a compiled module: one NB102 for the import"]
    root = _make(tmp_path, notebooks, files)
    (diagnostic,) = check_project(root).diagnostics
    assert diagnostic.message == (
        "`from math import *` is blind to nb2pkg (math is a compiled module, which has no "
        'source to read), so it cannot tell whether "sqrt", "floor", "pi" are defined: import '
        "them by name"
    )


def test_blind_chain_is_explained(tmp_path: Path) -> None:
    notebooks, files, _ = BREAKS["hand-written helper that star-imports a blind module"]
    root = _make(tmp_path, notebooks, files)
    (diagnostic,) = check_project(root).diagnostics
    assert "acme.helpers star-imports math, and math is a compiled module" in diagnostic.message


def test_module_level_and_function_uses_are_told_apart(tmp_path: Path) -> None:
    notebooks, files, _ = BREAKS["undefined at import time and inside a function"]
    root = _make(tmp_path, notebooks, files)
    at_import, when_called = check_project(root).diagnostics
    assert at_import.breaks is Breaks.AT_IMPORT and when_called.breaks is Breaks.WHEN_CALLED
    assert "importing the module raises NameError" in at_import.message
    assert "calling this code raises NameError" in when_called.message


# Real-world patterns that must stay silent: (notebooks, hand-written files).
HELPERS_NO_ALL = (
    "import os\nimport json as _json\nfrom pathlib import Path\nfrom typing import *\n\n"
    "def util():\n    return 1\n\nclass Helper:\n    pass\n\n_private = 2\n"
)
SILENT: dict[str, tuple[dict[str, list[str]], Files]] = {
    "star import of a hand-written helper without __all__": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom acme.helpers import *\n\ndef f(p: Optional[str]) -> Path:\n    return Path(os.sep) / str(util()) / Helper.__name__"]},
        {"acme/helpers.py": HELPERS_NO_ALL},
    ),
    "star import of hand-written modules with __all__ (literal, +=, extend, append)": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom acme.api import *\nX = [a(), b(), c(), d(), e()]"]},
        {
            "acme/api.py": "from ._impl import a, b, c, d, e\n__all__ = ['a'] + ['b']\n__all__ += ['c']\n__all__.extend(['d'])\n__all__.append('e')\n",
            "acme/_impl.py": "def a(): pass\ndef b(): pass\ndef c(): pass\ndef d(): pass\ndef e(): pass\n",
        },
    ),
    "hand-written re-export chain": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom acme.all import *\nY = util() + len(Path.__name__)"]},
        {"acme/all.py": "from .helpers import *\nfrom .more import *\n", "acme/helpers.py": HELPERS_NO_ALL, "acme/more.py": "from .helpers import *\n"},
    ),
    "hand-written module re-exporting generated modules": (
        {
            "00_base.ipynb": ["#| default_exp base", "#| export\ndef base_fn():\n    return 1"],
            "01_top.ipynb": ["#| default_exp top", "#| export\nfrom acme.reexport import *\nZ = base_fn()"],
        },
        {"acme/reexport.py": "from .base import *\n"},
    ),
    "stdlib star imports": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom typing import *\nfrom os.path import *\nfrom pathlib import *\nfrom collections import *\nfrom dataclasses import *\n\n@dataclass\nclass A:\n    x: Optional[int] = None\n\nP = join(str(Path('.')), 'x')\nC = OrderedDict()\nD = field"]},
        {},
    ),
    "installed package star imports (fastcore)": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom fastcore.basics import *\nfrom fastcore.foundation import *\n\nclass A:\n    def __init__(self, a):\n        store_attr()\n\nITEMS = L([1, 2])"]},
        {},
    ),
    "nbdev _all_ brings a private name": (
        {
            "00_basics.ipynb": ["#| default_exp basics", "#| export\n_all_ = ['_secret']\n_secret = 42"],
            "01_more.ipynb": ["#| default_exp more", "#| export\nfrom acme.basics import *\nS = _secret"],
        },
        {},
    ),
    "try/except ImportError fallbacks": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\ntry:\n    from acme._speedups import fast\nexcept ImportError:\n    fast = None\ntry:\n    import tomllib\nexcept ImportError:\n    import tomli as tomllib\ntry:\n    from yaml import CLoader as Loader\nexcept ImportError:\n    from yaml import Loader"]},
        {},
    ),
    "conditional imports": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nimport sys\nif sys.version_info >= (3, 11):\n    import tomllib\nelse:\n    import tomli as tomllib\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from acme.not_yet import Thing\n\ndef load(b):\n    return tomllib.loads(b)"]},
        {},
    ),
    "own submodules, private names and re-exported imports": (
        {
            "01_features.ipynb": ["#| default_exp features", "#| exporti\ndef _helper():\n    return 1", "#| export\nfrom os.path import join"],
            "sub/02_deep.ipynb": ["#| default_exp sub.deep", "#| export\nDEEP = 1"],
            "00_core.ipynb": ["#| default_exp core", "#| export\nfrom acme import features\nimport acme.features as feat\nimport acme.sub.deep\nfrom acme.sub import deep\nfrom acme.features import _helper, join\nfrom .sub.deep import DEEP\nfrom . import features as f2"],
        },
        {},
    ),
    "hand-written modules: __getattr__, subpackages, compiled extensions": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nfrom acme.lazy import anything\nfrom acme.io.readers import read_csv\nfrom acme._speedups import fast"]},
        {
            "acme/lazy.py": "def __getattr__(name):\n    return name\n",
            "acme/io/__init__.py": "",
            "acme/io/readers.py": "def read_csv(path):\n    return path\n",
            "acme/_speedups.cpython-311-x86_64-linux-gnu.so": "not really a binary",
        },
    ),
    "directive-like text inside strings": (
        {"00_core.ipynb": ["#| default_exp core", "#| export\nTEMPLATE = '''\n#| export\ndef f():\n    pass\n'''", "s = \"\"\"\n#| export\n\"\"\"\nt = '#| export'"]},
        {},
    ),
    "generated modules that star-import each other in a chain": (
        {
            "00_a.ipynb": ["#| default_exp a", "#| export\ndef fa():\n    return 1"],
            "01_b.ipynb": ["#| default_exp b", "#| export\nfrom acme.a import *\ndef fb():\n    return fa()"],
            "02_c.ipynb": ["#| default_exp c", "#| export\nfrom acme.b import *\nfrom acme.a import *\nC = fb() + fa()"],
        },
        {},
    ),
}


@pytest.mark.parametrize("case", sorted(SILENT))
def test_real_world_patterns_stay_silent(tmp_path: Path, case: str) -> None:
    notebooks, files = SILENT[case]
    root = _make(tmp_path, notebooks, files)
    result = check_project(root)
    assert result.diagnostics == (), [str(d) for d in result.diagnostics]
    assert export_project(root).warnings == ()


def test_silent_star_patterns_really_import(tmp_path: Path) -> None:
    """The names the check resolved are the names Python binds: the package imports."""
    for case in (
        "star import of a hand-written helper without __all__",
        "hand-written re-export chain",
        "hand-written module re-exporting generated modules",
        "stdlib star imports",
        "nbdev _all_ brings a private name",
    ):
        notebooks, files = SILENT[case]
        root = _make(tmp_path / case.replace(" ", "_"), notebooks, files)
        export_project(root)
        modules = sorted(p.stem for p in (root / "acme").glob("*.py") if p.stem != "__init__")
        code = "; ".join(f"import acme.{m}" for m in modules)
        result = run_python(code, path=root)
        assert result.returncode == 0, (case, result.stderr)
