"""Tables and properties for nb2pkg.deps: finding imports and classifying them."""

from __future__ import annotations

import ast
import gc
import keyword
import sys
import sysconfig
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.deps import distributions
from nb2pkg.deps.classify import Declared, Dependency, FoundImport, classify, find_imports
from nb2pkg.deps.distributions import CURATED, STDLIB_REPLACEMENTS, Installed, canonical_name
from nb2pkg.deps.scan import _Finder
from nb2pkg.errors import DependencyError, Location
from nb2pkg.stdlib import KNOWN_VERSIONS, stdlib_versions

# ---------------------------------------------------------------------------------------
# find_imports

Row = tuple[str, int, int]  # module, line, column


def rows(code: str) -> list[Row]:
    return [(f.module, f.line, f.column) for f in find_imports(textwrap.dedent(code))]


def only(code: str) -> FoundImport:
    (found,) = find_imports(textwrap.dedent(code))
    return found


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("x = 1\n", []),
        ("import os\n", [("os", 1, 1)]),
        ("import os.path as p, sys\n", [("os.path", 1, 1), ("sys", 1, 1)]),
        ("from a.b import c, d as e\n", [("a.b", 1, 1)]),
        ("x = 1; import os\n", [("os", 1, 8)]),
        ("s = 'é'; import os\n", [("os", 1, 10)]),  # characters, not UTF-8 bytes
        ("def f():\n    import os\n", [("os", 2, 5)]),
        ("class C:\n    def m(self):\n        import os\n", [("os", 3, 9)]),
        ("if x:\n    pass\nelse:\n    import os\n", [("os", 4, 5)]),
        ("for i in x:\n    import a\nelse:\n    import b\n", [("a", 2, 5), ("b", 4, 5)]),
        ("while x:\n    import a\n", [("a", 2, 5)]),
        ("with x as y:\n    import a\n", [("a", 2, 5)]),
        ("async def f():\n    async with x:\n        import a\n", [("a", 3, 9)]),
        ("match x:\n    case 1:\n        import a\n", [("a", 3, 9)]),
        ("@deco\ndef f():\n    import a\n", [("a", 3, 5)]),
        ("@deco(\n    'import',\n)\n@other\ndef f():\n    import a\n", [("a", 6, 5)]),
        ("from a \\\n    import b\n", [("a", 1, 1)]),
        ("from a import (\nb,\n)\nimport c\n", [("a", 1, 1), ("c", 4, 1)]),
        ("import a\r\nimport b\r\n", [("a", 1, 1), ("b", 2, 1)]),
        ("import a\rimport b\r", [("a", 1, 1), ("b", 2, 1)]),
        # Text that only looks like an import, at column 0 inside strings and comments.
        ('s = """\nimport fake\n"""\nimport real\n', [("real", 4, 1)]),
        ("s = '''\nfrom fake import x\n'''\n", []),
        ('def f():\n    """Example:\n\nimport fake\n"""\n    import real\n', [("real", 6, 5)]),
        ("# import fake\nx = 'import fake'\n", []),
        ("x = [\nimportant,\n]\n", []),
        ('s = "a\\\nimport fake"\n', []),
        # Dynamic imports with a literal name.
        (
            "import importlib\nm = importlib.import_module('a.b')\n",
            [("importlib", 1, 1), ("a.b", 2, 5)],
        ),
        (
            "from importlib import import_module\nimport_module('a')\n",
            [("importlib", 1, 1), ("a", 2, 1)],
        ),
        ("m = __import__('a')\n", [("a", 1, 5)]),
        ("f(lambda: __import__('a'))\n", [("a", 1, 11)]),
        ("m = __import__(name)\n", []),
        ("m = importlib.import_module(f'a{x}')\n", []),
        ("x = [\nimportlib.import_module('a'),\n]\n", [("a", 2, 1)]),
    ],
)
def test_find_imports(code: str, expected: list[Row]) -> None:
    assert rows(code) == expected


def test_relative_imports_have_no_top() -> None:
    found = find_imports("from . import a\nfrom ..b.c import d\nimport_module('.e')\n")
    assert [(f.module, f.top, f.level, f.names) for f in found] == [
        ("", "", 1, ("a",)),
        ("b.c", "", 2, ("d",)),
        ("e", "", 1, ()),
    ]


def test_from_import_keeps_names() -> None:
    assert only("from google.cloud import storage, bigquery as bq\n").names == (
        "storage",
        "bigquery",
    )


@pytest.mark.parametrize(
    ("handler", "optional"),
    [
        ("except ImportError:", True),
        ("except ModuleNotFoundError:", True),
        ("except (ValueError, ImportError):", True),
        ("except builtins.ImportError:", True),
        ("except ImportError as exc:", True),
        ("except ValueError:", False),
        ("except:", False),  # too broad to mean "this import is optional"
        ("except Exception:", False),
        ("except BaseException:", False),
    ],
)
def test_optional_depends_on_the_handler(handler: str, optional: bool) -> None:
    assert only(f"try:\n    import a\n{handler}\n    pass\n").optional is optional


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is new in 3.11")
def test_except_star_import_error_is_optional() -> None:
    assert only("try:\n    import a\nexcept* ImportError:\n    pass\n").optional


def test_what_a_try_guards() -> None:
    code = """\
        try:
            import a
            def later():
                import b
            class Now:
                import c
        except ImportError:
            import d
        else:
            import e
        finally:
            import f
        """
    found = {f.module: f for f in find_imports(textwrap.dedent(code))}
    assert {m for m, f in found.items() if f.optional} == {"a", "c"}
    assert found["d"].fallback_for == ("a", "c")
    assert {m for m, f in found.items() if f.fallback_for} == {"d"}


def test_nested_try_keeps_outer_optional() -> None:
    code = "try:\n    try:\n        import a\n    except ValueError:\n        import b\n"
    code += "except ImportError:\n    pass\n"
    assert [f.optional for f in find_imports(code)] == [True, True]


@pytest.mark.parametrize(
    ("code", "flags"),
    [
        ("if TYPE_CHECKING:\n    import a\nelse:\n    import b\n", [True, False]),
        ("if typing.TYPE_CHECKING:\n    import a\n", [True]),
        ("if t.TYPE_CHECKING:\n    def f():\n        import a\n", [True]),
        ("if not TYPE_CHECKING:\n    import a\nelse:\n    import b\n", [False, True]),
        ("if TYPE_CHECKING or x:\n    import a\n", [False]),
        ("if DEBUG:\n    import a\n", [False]),
    ],
)
def test_type_checking(code: str, flags: list[bool]) -> None:
    assert [f.type_checking for f in find_imports(code)] == flags


def test_syntax_error_reports_the_real_line() -> None:
    with pytest.raises(SyntaxError) as info:
        find_imports("import a\n\nx = (\nimport b\n")
    assert info.value.lineno is not None and info.value.lineno >= 3


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collector_state_is_restored(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        find_imports("import os\n")
        with pytest.raises(SyntaxError):
            find_imports("import (\n")
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def reference(code: str) -> list[FoundImport]:
    """Find imports by parsing the whole text at once: what the fast path must match."""
    finder = _Finder(code)
    finder.visit_module(ast.parse(code), 0)
    return sorted(finder.found, key=lambda f: (f.line, f.column))


def test_fast_path_matches_a_full_parse_on_real_code() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.glob("*.py"))[::8]:
        code = path.read_text(encoding="utf-8")
        assert find_imports(code) == reference(code), path.name


# A random program is a tree of blocks; the expected flags follow from the nesting.

IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s) and not keyword.issoftkeyword(s)
)
MODULE = st.lists(IDENT, min_size=1, max_size=3).map(".".join)
CONTAINERS = {
    "def": (["def f():"], False),
    "class": (["class C:"], False),
    "if": (["if x:"], False),
    "for": (["for i in y:"], False),
    "while": (["while x:"], False),
    "with": (["with x:"], False),
    "try-import": (["try:"], True),
    "try-value": (["try:"], False),
    "try-bare": (["try:"], False),
    "type-checking": (["if TYPE_CHECKING:"], False),
}
HANDLERS = {
    "try-import": "except ImportError:",
    "try-value": "except ValueError:",
    "try-bare": "except:",
}
FILLERS = [
    ["x = 1"],
    ['s = """', "import fake", '"""'],
    ["y = [", "1,", "]"],
    ["z = f(", "    'import fake',", ")"],
    ["x = 2  # import fake"],
]


@dataclass
class Program:
    lines: list[str] = field(default_factory=list)
    expected: list[tuple[str, int, bool, bool]] = field(default_factory=list)


@st.composite
def blocks(
    draw: st.DrawFn, program: Program, indent: int, optional: bool, typing: bool, depth: int
) -> None:
    """Append 1-3 random statements to ``program``, recording the imports expected."""
    choices = ["import", "from", "dynamic", "filler"] + (["container"] * (depth < 4))
    for _ in range(draw(st.integers(1, 3))):
        pad = " " * indent
        choice = draw(st.sampled_from(choices))
        if choice == "container":
            kind = draw(st.sampled_from(sorted(CONTAINERS)))
            header, guards = CONTAINERS[kind]
            program.lines += [pad + line for line in header]
            # A function body runs later, outside the try that defines it.
            inner_optional = (optional or guards) and kind != "def"
            inner_typing = typing or kind == "type-checking"
            draw(blocks(program, indent + 4, inner_optional, inner_typing, depth + 1))
            if kind in HANDLERS:
                program.lines += [pad + HANDLERS[kind], pad + "    pass"]
        elif choice == "filler":
            filler = draw(st.sampled_from(FILLERS))
            program.lines += [pad + filler[0]] + filler[1:]
        else:
            module = draw(MODULE)
            text = {
                "import": f"import {module}",
                "from": f"from {module} import name",
                "dynamic": f"m = __import__({module!r})",
            }[choice]
            program.lines.append(pad + text)
            program.expected.append((module, len(program.lines), optional, typing))


@st.composite
def programs(draw: st.DrawFn) -> Program:
    program = Program()
    draw(blocks(program, 0, False, False, 0))
    return program


@settings(max_examples=300, deadline=None)
@given(programs())
def test_random_programs(program: Program) -> None:
    code = "\n".join(program.lines) + "\n"
    found = find_imports(code)
    assert [(f.module, f.line, f.optional, f.type_checking) for f in found] == program.expected
    assert found == reference(code)


# ---------------------------------------------------------------------------------------
# classify

NOTHING_INSTALLED = Installed(providers={}, files=lambda _: ())


def fake_installed(files: Mapping[str, Sequence[str]]) -> Installed:
    """Build an environment from distribution -> files (the providers follow from them)."""
    providers: dict[str, list[str]] = {}
    for distribution, paths in files.items():
        for path in paths:
            top = PurePosixPath(path).parts[0].split(".")[0]
            if distribution not in providers.setdefault(top, []):
                providers[top].append(distribution)
    return Installed(providers=providers, files=lambda d: tuple(files.get(d, ())))


def run(
    module: str,
    requires_python: str | None = ">=3.10",
    dependency_map: Mapping[str, str] | None = None,
    installed: Installed = NOTHING_INSTALLED,
    **found: object,
) -> Dependency:
    top = "" if found.get("level") else module.partition(".")[0]
    args: dict[str, object] = {"module": module, "top": top, "line": 1, "column": 1}
    return classify(
        FoundImport(**(args | found)),  # type: ignore[arg-type]
        package="acme",
        requires_python=requires_python,
        dependency_map=dependency_map or {},
        installed=installed,
    )


@pytest.mark.parametrize(
    ("module", "requires", "kind", "reason"),
    [
        ("os", ">=3.10", "stdlib", "stdlib on every supported Python (3.10–3.14)"),
        ("os.path", None, "stdlib", "stdlib on every supported Python (3.8–3.14)"),
        ("tomllib", ">=3.11", "stdlib", "stdlib on every supported Python (3.11–3.14)"),
        ("distutils", ">=3.8,<3.12", "stdlib", "stdlib on every supported Python (3.8–3.11)"),
        ("acme", ">=3.10", "first-party", "the project's own package 'acme'"),
        ("acme.core.x", ">=3.10", "first-party", "the project's own package 'acme'"),
    ],
)
def test_stdlib_and_first_party(module: str, requires: str, kind: str, reason: str) -> None:
    dependency = run(module, requires)
    assert (dependency.kind, dependency.distribution, dependency.reason) == (kind, None, reason)
    assert dependency.requirement is None


def test_relative_import_is_first_party() -> None:
    dependency = run("core", level=2, names=("x",))
    assert (dependency.import_name, dependency.kind, dependency.reason) == (
        "..core",
        "first-party",
        "relative import",
    )


def test_a_prefix_of_the_package_name_is_not_first_party() -> None:
    with pytest.raises(DependencyError):
        run("acmetools")


# Written out again on purpose: a change to the curated table must be a deliberate one.
EXPECTED_CURATED = {
    "sklearn": "scikit-learn", "skimage": "scikit-image", "skvideo": "scikit-video",
    "PIL": "pillow", "cv2": "opencv-python", "Bio": "biopython", "pywt": "PyWavelets",
    "umap": "umap-learn", "faiss": "faiss-cpu", "talib": "TA-Lib",
    "pycrfsuite": "python-crfsuite", "absl": "absl-py", "pylab": "matplotlib",
    "mpl_toolkits.mplot3d": "matplotlib", "mpl_toolkits.axes_grid1": "matplotlib",
    "osgeo": "GDAL", "shapefile": "pyshp", "pyximport": "Cython",
    "yaml": "PyYAML", "ruamel.yaml": "ruamel.yaml", "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil", "attr": "attrs", "docx": "python-docx",
    "pptx": "python-pptx", "odf": "odfpy", "fitz": "PyMuPDF", "magic": "python-magic",
    "slugify": "python-slugify", "dotenv": "python-dotenv", "decouple": "python-decouple",
    "gflags": "python-gflags", "speech_recognition": "SpeechRecognition",
    "vlc": "python-vlc",
    "Crypto": "pycryptodome", "Cryptodome": "pycryptodomex", "OpenSSL": "pyOpenSSL",
    "nacl": "PyNaCl", "jwt": "PyJWT", "jose": "python-jose",
    "dns": "dnspython", "socks": "PySocks", "zmq": "pyzmq", "websocket": "websocket-client",
    "socketio": "python-socketio", "engineio": "python-engineio", "kafka": "kafka-python",
    "ldap": "python-ldap", "memcache": "python-memcached", "snappy": "python-snappy",
    "nmap": "python-nmap", "paho.mqtt": "paho-mqtt", "grpc": "grpcio",
    "MySQLdb": "mysqlclient", "snowflake.connector": "snowflake-connector-python",
    "git": "GitPython", "github": "PyGithub", "gitlab": "python-gitlab",
    "jenkins": "python-jenkins", "telegram": "python-telegram-bot", "discord": "discord.py",
    "google.protobuf": "protobuf", "google.auth": "google-auth", "google.oauth2": "google-auth",
    "google.cloud.storage": "google-cloud-storage",
    "google.cloud.bigquery": "google-cloud-bigquery",
    "googleapiclient": "google-api-python-client",
    "azure.storage.blob": "azure-storage-blob", "azure.identity": "azure-identity",
    "rest_framework": "djangorestframework", "corsheaders": "django-cors-headers",
    "debug_toolbar": "django-debug-toolbar", "django_filters": "django-filter",
    "crispy_forms": "django-crispy-forms", "storages": "django-storages",
    "allauth": "django-allauth",
    "serial": "pyserial", "usb": "pyusb", "can": "python-can", "snap7": "python-snap7",
    "RPi.GPIO": "RPi.GPIO", "Xlib": "python-xlib", "wx": "wxPython", "gi": "PyGObject",
    "cairo": "pycairo", "OpenGL": "PyOpenGL", "jnius": "pyjnius", "objc": "pyobjc-core",
    "AppKit": "pyobjc-framework-Cocoa", "Foundation": "pyobjc-framework-Cocoa",
    "Quartz": "pyobjc-framework-Quartz", "win32api": "pywin32", "win32con": "pywin32",
    "win32gui": "pywin32", "win32com": "pywin32", "pythoncom": "pywin32",
    "pywintypes": "pywin32",
    "pkg_resources": "setuptools", "hamcrest": "PyHamcrest", "_pytest": "pytest",
}  # fmt: skip


def test_curated_table_is_the_reviewed_one() -> None:
    assert dict(CURATED) == EXPECTED_CURATED


@pytest.mark.parametrize(("name", "distribution"), sorted(EXPECTED_CURATED.items()))
def test_every_curated_entry(name: str, distribution: str) -> None:
    top = name.partition(".")[0]
    assert canonical_name(top) != canonical_name(distribution), "identity names are not listed"
    assert not stdlib_versions(top), "a stdlib name cannot come from a distribution"
    for module in (name, f"{name}.sub"):
        dependency = run(module)
        assert (dependency.kind, dependency.distribution) == ("third-party", distribution)
        assert dependency.reason == f"curated: {name!r} is provided by {distribution!r}"


def test_curated_namespace_entry_matches_from_import_names() -> None:
    assert run("google.cloud", names=("storage",)).distribution == "google-cloud-storage"


@pytest.mark.parametrize("name", sorted(STDLIB_REPLACEMENTS))
def test_replacements_are_for_modules_some_python_lacks(name: str) -> None:
    assert stdlib_versions(name) and stdlib_versions(name) != frozenset(KNOWN_VERSIONS)


def test_dependency_map_beats_every_other_source() -> None:
    installed = fake_installed({"PyYAML": ["yaml/__init__.py"]})
    dependency = run("yaml", dependency_map={"yaml": "my-yaml"}, installed=installed)
    assert (dependency.distribution, dependency.reason) == (
        "my-yaml",
        'from [tool.nb2pkg.dependency-map] (yaml = "my-yaml")',
    )
    assert run("distutils", dependency_map={"distutils": "standard-distutils"}).distribution == (
        "standard-distutils"
    )


def test_dependency_map_takes_the_longest_dotted_key() -> None:
    mapping = {"google": "wrong", "google.cloud.storage": "google-cloud-storage"}
    assert run("google.cloud.storage.blob", dependency_map=mapping).distribution == (
        "google-cloud-storage"
    )
    assert run("google.cloud", dependency_map=mapping, names=("storage",)).distribution == (
        "google-cloud-storage"
    )


def test_dependency_map_cannot_turn_stdlib_into_a_dependency() -> None:
    assert run("json", dependency_map={"json": "simplejson"}).kind == "stdlib"


def test_installed_metadata_beats_the_curated_table() -> None:
    installed = fake_installed({"opencv-python-headless": ["cv2/__init__.py"]})
    dependency = run("cv2", installed=installed)
    assert (dependency.distribution, dependency.reason) == (
        "opencv-python-headless",
        "installed distribution 'opencv-python-headless' provides 'cv2'",
    )


def test_the_running_environment_is_read() -> None:
    pytest.importorskip("yaml")
    dependency = classify(
        FoundImport("yaml", "yaml", 1, 1),
        package="acme",
        requires_python=">=3.10",
        dependency_map={},
    )
    assert canonical_name(dependency.distribution or "") == "pyyaml"
    assert dependency.reason.startswith("installed distribution")


def test_environment_is_read_through_importlib_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    @dataclass
    class FakeDistribution:
        files: list[PurePosixPath]

    dists = {
        "protobuf": FakeDistribution([PurePosixPath("google/protobuf/message.py")]),
        "google-api-core": FakeDistribution([PurePosixPath("google/api_core/__init__.py")]),
    }
    monkeypatch.setattr(
        metadata, "packages_distributions", lambda: {"google": ["protobuf", "google-api-core"]}
    )
    monkeypatch.setattr(metadata, "distribution", lambda name: dists[name])
    distributions.installed_distributions.cache_clear()
    try:
        found = FoundImport("google.protobuf.message", "google", 1, 1)
        dependency = classify(found, package="acme", requires_python=None, dependency_map={})
    finally:
        distributions.installed_distributions.cache_clear()
    assert dependency.distribution == "protobuf"


GOOGLE = fake_installed(
    {
        "protobuf": ["google/protobuf/__init__.py", "google/protobuf/message.py"],
        "googleapis-common-protos": ["google/api/annotations_pb2.py", "google/rpc/code.proto"],
        "google-cloud-storage": ["google/cloud/storage/__init__.py"],
        "google-cloud-bigquery": ["google/cloud/bigquery/__init__.py"],
        "google-crc32c": ["google_crc32c/__init__.py", "google/_crc.cpython-311-x86_64.so"],
    }
)


@pytest.mark.parametrize(
    ("module", "names", "distribution", "owned"),
    [
        ("google.protobuf.message", (), "protobuf", "google.protobuf.message"),
        ("google", ("protobuf",), "protobuf", "google.protobuf"),
        (
            "google.api.annotations_pb2",
            (),
            "googleapis-common-protos",
            "google.api.annotations_pb2",
        ),
        ("google.cloud.storage", (), "google-cloud-storage", "google.cloud.storage"),
        ("google.cloud", ("bigquery",), "google-cloud-bigquery", "google.cloud.bigquery"),
        ("google._crc", (), "google-crc32c", "google._crc"),  # an extension module
    ],
)
def test_namespace_packages_are_settled_by_files(
    module: str, names: tuple[str, ...], distribution: str, owned: str
) -> None:
    dependency = run(module, installed=GOOGLE, names=names)
    assert dependency.distribution == distribution
    assert dependency.reason == f"installed distribution {distribution!r} provides {owned!r}"


def test_a_lone_namespace_portion_does_not_own_the_namespace() -> None:
    installed = fake_installed({"protobuf": ["google/protobuf/__init__.py"]})
    assert run("google.protobuf", installed=installed).distribution == "protobuf"
    dependency = run("google.cloud.storage", installed=installed)
    assert (dependency.distribution, dependency.reason) == (
        "google-cloud-storage",
        "curated: 'google.cloud.storage' is provided by 'google-cloud-storage'",
    )


def test_the_regular_package_beats_plugins_that_install_into_it() -> None:
    installed = fake_installed(
        {"pkg": ["pkg/__init__.py", "pkg/core.py"], "pkg-plugin": ["pkg/plugins/extra.py"]}
    )
    assert run("pkg", installed=installed).distribution == "pkg"
    assert run("pkg.core", installed=installed).distribution == "pkg"
    assert run("pkg.plugins.extra", installed=installed).distribution == "pkg-plugin"


def test_a_regular_package_owns_everything_below_it() -> None:
    installed = fake_installed({"PyYAML": ["yaml/__init__.py", "yaml/loader.py"]})
    assert run("yaml", names=("safe_load",), installed=installed).reason == (
        "installed distribution 'PyYAML' provides 'yaml'"
    )
    assert run("yaml.nothing.here", installed=installed).distribution == "PyYAML"


@pytest.mark.parametrize(
    ("module", "key"), [("google", "google"), ("google.unknown", '"google.unknown"')]
)
def test_namespace_package_without_an_owner_is_ambiguous(module: str, key: str) -> None:
    with pytest.raises(DependencyError) as info:
        run(module, installed=GOOGLE)
    message = str(info.value)
    assert "installed distributions providing 'google': google-cloud-bigquery, " in message
    assert f'{key} = "distribution-name"' in message


def test_dotted_dependency_map_key_is_quoted_in_the_reason() -> None:
    mapping = {"google.cloud.storage": "google-cloud-storage"}
    assert run("google.cloud.storage", dependency_map=mapping).reason == (
        'from [tool.nb2pkg.dependency-map] ("google.cloud.storage" = "google-cloud-storage")'
    )


def test_one_statement_needing_two_distributions() -> None:
    with pytest.raises(DependencyError, match="import from each in its own statement"):
        run("google.cloud", installed=GOOGLE, names=("storage", "bigquery"))


def test_unresolved_import_names_the_fix() -> None:
    found = find_imports("import os\nimport numpy as np\n")[1]
    where = Location("nbs/00_core.ipynb", cell_index=3, cell_id="c0ffee12")
    with pytest.raises(DependencyError) as info:
        classify(
            found,
            package="acme",
            requires_python=">=3.10",
            dependency_map={},
            where=where,
            installed=NOTHING_INSTALLED,
        )
    text = str(info.value)
    assert text.startswith("nbs/00_core.ipynb: cell 4 (id c0ffee12): line 2, column 1: ")
    assert "'numpy'" in text
    assert "[tool.nb2pkg.dependency-map]" in text
    assert 'numpy = "distribution-name"' in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("module", "requires", "distribution", "marker"),
    [
        ("distutils", ">=3.10", "setuptools", 'python_version >= "3.12"'),
        ("distutils", None, "setuptools", 'python_version >= "3.12"'),
        ("distutils.core", ">=3.12", "setuptools", None),
        ("asyncore", ">=3.11", "pyasyncore", 'python_version >= "3.12"'),
        ("asynchat", ">=3.10", "pyasynchat", 'python_version >= "3.12"'),
        ("smtpd", ">=3.9", "standard-smtpd", 'python_version >= "3.12"'),
        ("cgi", ">=3.10", "legacy-cgi", 'python_version >= "3.13"'),
        ("cgitb", ">=3.12", "legacy-cgi", 'python_version >= "3.13"'),
        ("audioop", ">=3.9,<3.14", "audioop-lts", 'python_version >= "3.13"'),
        ("telnetlib", ">=3.13", "standard-telnetlib", None),
        ("graphlib", ">=3.8", "graphlib-backport", 'python_version < "3.9"'),
    ],
)
def test_modules_stdlib_on_some_versions(
    module: str, requires: str | None, distribution: str, marker: str | None
) -> None:
    dependency = run(module, requires)
    assert (dependency.kind, dependency.distribution, dependency.marker) == (
        "third-party",
        distribution,
        marker,
    )
    expected = distribution + (f"; {marker}" if marker else "")
    assert dependency.requirement == expected


def test_partly_stdlib_reason_says_where() -> None:
    assert run("distutils").reason == (
        "'setuptools' provides 'distutils' (nb2pkg's table of standard-library replacements); "
        "needed only on Python 3.12–3.14, where 'distutils' is not stdlib"
    )


@pytest.mark.parametrize(
    ("module", "requires", "words"),
    [
        ("imp", ">=3.10", ["'imp'", "3.10–3.11", "3.12–3.14", "importlib", "'<3.12'"]),
        ("tomllib", ">=3.10", ["3.11–3.14", "also admits 3.10", "'>=3.11'", "tomli"]),
        ("lib2to3", ">=3.12", ["libcst", "'<3.13'"]),
        ("annotationlib", ">=3.12", ["'>=3.14'", "try/except ImportError"]),
    ],
)
def test_partly_stdlib_without_a_provider_is_an_error(
    module: str, requires: str, words: list[str]
) -> None:
    with pytest.raises(DependencyError) as info:
        run(module, requires)
    for word in words:
        assert word in str(info.value)


def test_partly_stdlib_but_optional_is_fine() -> None:
    dependency = run("tomllib", optional=True)
    assert (dependency.kind, dependency.distribution, dependency.optional) == (
        "stdlib",
        None,
        True,
    )
    assert "optional" in dependency.reason


@pytest.mark.parametrize(
    ("requires", "distribution", "marker"),
    [
        (">=3.10", "tomli", 'python_version < "3.11"'),
        (">=3.8,<3.12", "tomli", 'python_version < "3.11"'),
        (">=3.11", None, None),  # the fallback never runs
    ],
)
def test_fallback_is_needed_only_where_the_guarded_import_fails(
    requires: str, distribution: str | None, marker: str | None
) -> None:
    code = "try:\n    import tomllib\nexcept ImportError:\n    import tomli as tomllib\n"
    found = find_imports(code)[1]
    dependency = classify(
        found,
        package="acme",
        requires_python=requires,
        dependency_map={"tomli": "tomli"},
        installed=NOTHING_INSTALLED,
    )
    assert (dependency.distribution, dependency.marker) == (distribution, marker)


@pytest.mark.parametrize(
    ("code", "distribution", "words"),
    [
        # A fallback for another distribution stands in for it: never a hard dependency.
        (
            "try:\n    import ujson as json\nexcept ImportError:\n    import yaml\n",
            None,
            ["fallback for 'ujson'", "never a hard dependency"],
        ),
        (
            "try:\n    from packaging.version import parse\nexcept ImportError:\n"
            "    from pip._vendor.packaging.version import parse\n",
            None,
            ["fallback for 'packaging'", "declares the guarded import instead"],
        ),
        # The same distribution, guarded for one name and imported again: always needed.
        (
            "try:\n    from yaml import CLoader as Loader\nexcept ImportError:\n"
            "    from yaml import Loader\n",
            "PyYAML",
            ["curated"],
        ),
    ],
)
def test_fallback_for_a_third_party_import(
    code: str, distribution: str | None, words: list[str]
) -> None:
    dependency = classify(
        find_imports(code)[1],
        package="acme",
        requires_python=">=3.10",
        dependency_map={},
        installed=NOTHING_INSTALLED,
    )
    assert (dependency.distribution, dependency.marker, dependency.optional) == (
        distribution,
        None,
        False,
    )
    for word in words:
        assert word in dependency.reason


def test_type_checking_imports_need_nothing() -> None:
    dependency = run("pandas", type_checking=True)
    assert (dependency.kind, dependency.distribution) == ("third-party", None)
    assert "TYPE_CHECKING" in dependency.reason
    assert run("tomllib", type_checking=True).kind == "stdlib"


def test_optional_flag_is_carried() -> None:
    assert run("yaml", optional=True).optional
    assert not run("yaml").optional


# ---------------------------------------------------------------------------------------
# declared requirements resolve first (where CI has installed nothing but nb2pkg)

DS_DECLARED = Declared.of(
    [
        "pandas>=2",
        "scikit-learn",
        "PyYAML>=6",
        'tomli; python_version < "3.11"',
        "google-cloud-storage",
        "fancy-dist",
    ]
)


@pytest.mark.parametrize(
    ("code", "distribution", "marker", "words"),
    [
        ("import pandas as pd\n", "pandas", None, ["'pandas>=2'", "the distribution's name"]),
        ("from sklearn.linear_model import Ridge\n", "scikit-learn", None, ["curated table"]),
        ("import yaml\n", "PyYAML", None, ["'PyYAML>=6'", "curated table says it provides 'yaml'"]),
        ("from google.cloud import storage\n", "google-cloud-storage", None, ["distribution's name"]),
        ("import fancy\n", "fancy-dist", None, ["its installed files provide 'fancy'"]),
        (
            "try:\n    import tomllib\nexcept ImportError:\n    import tomli as tomllib\n",
            "tomli",
            'python_version < "3.11"',
            ["'tomli; python_version < \"3.11\"'", "needed only on Python 3.10"],
        ),
    ],
)
def test_declared_requirements_resolve_imports_that_are_not_installed(
    code: str, distribution: str, marker: str | None, words: list[str]
) -> None:
    installed = fake_installed({"fancy-dist": ["fancy/__init__.py"], "other": ["fancy/x.py"]})
    found = find_imports(code)[-1]
    dependency = classify(
        found,
        package="acme",
        requires_python=">=3.10",
        dependency_map={},
        installed=installed,
        declared=DS_DECLARED,
    )
    assert (dependency.distribution, dependency.marker) == (distribution, marker)
    assert dependency.reason.startswith("declared in pyproject.toml (")
    for word in words:
        assert word in dependency.reason


def test_the_user_map_still_comes_first_and_undeclared_imports_still_fail() -> None:
    mapped = classify(
        FoundImport("pandas", "pandas", 1, 1),
        package="acme",
        requires_python=">=3.10",
        dependency_map={"pandas": "pandas-fork"},
        installed=NOTHING_INSTALLED,
        declared=DS_DECLARED,
    )
    assert mapped.distribution == "pandas-fork"
    with pytest.raises(DependencyError, match="cannot tell which distribution provides 'torch'"):
        classify(
            FoundImport("torch", "torch", 1, 1),
            package="acme",
            requires_python=">=3.10",
            dependency_map={},
            installed=NOTHING_INSTALLED,
            declared=DS_DECLARED,
        )
