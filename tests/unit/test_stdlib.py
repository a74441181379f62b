"""Tables for nb2pkg.stdlib: the shipped lists, requires-python and markers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nb2pkg.errors import ConfigError
from nb2pkg.stdlib import (
    KNOWN_VERSIONS,
    describe_versions,
    python_version_marker,
    stdlib_versions,
    supported_versions,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "nb2pkg" / "data" / "stdlib"


def span(first: int, last: int) -> frozenset[tuple[int, int]]:
    return frozenset((3, minor) for minor in range(first, last + 1))


@pytest.mark.parametrize(
    ("name", "versions"),
    [
        ("os", span(8, 14)),
        ("os.path", span(8, 14)),
        ("sys", span(8, 14)),
        ("_thread", span(8, 14)),  # private modules count too
        ("__future__", span(8, 14)),
        ("__main__", span(8, 14)),
        ("msvcrt", span(8, 14)),  # Windows-only modules are stdlib as well
        ("tomllib", span(11, 14)),
        ("distutils", span(8, 11)),
        ("imp", span(8, 11)),
        ("asyncore", span(8, 11)),
        ("asynchat", span(8, 11)),
        ("smtpd", span(8, 11)),
        ("cgi", span(8, 12)),
        ("telnetlib", span(8, 12)),
        ("lib2to3", span(8, 12)),
        ("graphlib", span(9, 14)),
        ("zoneinfo", span(9, 14)),
        ("dummy_threading", span(8, 8)),
        ("formatter", span(8, 9)),
        ("parser", span(8, 9)),
        ("binhex", span(8, 10)),
        ("_compression", span(8, 13)),
        ("annotationlib", span(14, 14)),
        ("compression", span(14, 14)),
        ("numpy", frozenset()),
        ("yaml", frozenset()),
        ("test", frozenset()),  # CPython's own test suite is not for import
        ("site-packages", frozenset()),
        ("", frozenset()),
    ],
)
def test_stdlib_versions(name: str, versions: frozenset[tuple[int, int]]) -> None:
    assert stdlib_versions(name) == versions


def test_one_list_per_known_version() -> None:
    assert sorted(p.name for p in DATA.glob("*.txt")) == sorted(
        f"{major}.{minor}.txt" for major, minor in KNOWN_VERSIONS
    )


@pytest.mark.parametrize("path", sorted(DATA.glob("*.txt")), ids=lambda p: p.name)
def test_list_files_are_sorted_identifiers(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    names = [line for line in lines if not line.startswith("#")]
    assert header == lines[:2] and "make_stdlib_lists.py" in header[1]
    assert names == sorted(set(names))
    assert all(name.isidentifier() for name in names)
    assert 250 < len(names) < 350


@pytest.mark.skipif(sys.version_info < (3, 10), reason="no sys.stdlib_module_names")
def test_running_interpreter_agrees_with_its_list() -> None:
    # Patch releases may add private helpers (3.13.2 added _apple_support); public
    # modules only change between minor versions.
    running = (sys.version_info[0], sys.version_info[1])
    if running not in KNOWN_VERSIONS:
        pytest.skip("no list for this Python")
    public = {name for name in sys.stdlib_module_names if not name.startswith("_")}
    shipped = {name for name in public | {"os"} if running in stdlib_versions(name)}
    assert shipped == public


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, span(8, 14)),
        ("", span(8, 14)),
        (">=3.10", span(10, 14)),
        (">= 3.10", span(10, 14)),
        (">=3.9,<3.13", span(9, 12)),
        (">3.10", span(10, 14)),  # 3.10.1 satisfies it
        (">=3.10.4", span(10, 14)),
        ("<=3.11", span(8, 11)),
        ("<3.11.2", span(8, 11)),
        ("==3.11.*", span(11, 11)),
        ("==3.11", span(11, 11)),
        (">=3.10,!=3.11.*", span(10, 14) - {(3, 11)}),
        ("~=3.10", span(10, 14)),
        ("~=3.10.2", span(10, 10)),
        (">=3", span(8, 14)),
        (">=3.12,<4", span(12, 14)),
    ],
)
def test_supported_versions(spec: str | None, expected: frozenset[tuple[int, int]]) -> None:
    assert supported_versions(spec) == tuple(sorted(expected))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("<3.8", "admits none of the Python versions"),
        (">=3.15", "admits none of the Python versions"),
        ("3.10", "not a valid version specifier"),
        (">=3.10;", "not a valid version specifier"),
    ],
)
def test_bad_requires_python(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        supported_versions(spec)


@pytest.mark.parametrize(
    ("versions", "within", "marker"),
    [
        (span(12, 14), span(10, 14), 'python_version >= "3.12"'),
        (span(10, 10), span(10, 14), 'python_version < "3.11"'),
        (span(8, 10), span(8, 14), 'python_version < "3.11"'),
        (span(11, 12), span(10, 14), 'python_version >= "3.11" and python_version < "3.13"'),
        (span(12, 12), span(9, 12), 'python_version >= "3.12"'),  # <3.13 is implied
        (
            span(8, 8) | span(12, 14),
            span(8, 14),
            'python_version < "3.9" or python_version >= "3.12"',
        ),
        # Versions the project leaves out do not break a run.
        (span(12, 14), span(8, 10) | span(12, 14), 'python_version >= "3.12"'),
    ],
)
def test_python_version_marker(
    versions: frozenset[tuple[int, int]], within: frozenset[tuple[int, int]], marker: str
) -> None:
    assert python_version_marker(versions, within) == marker


@pytest.mark.parametrize("versions", [span(10, 14), frozenset()])
def test_marker_needs_some_but_not_all_versions(versions: frozenset[tuple[int, int]]) -> None:
    with pytest.raises(ValueError):
        python_version_marker(versions, span(10, 14))


@pytest.mark.parametrize(
    ("versions", "within", "text"),
    [
        (span(10, 14), span(10, 14), "3.10–3.14"),
        (span(12, 12), span(10, 14), "3.12"),
        (span(8, 8) | span(12, 13), span(8, 14), "3.8, 3.12–3.13"),
    ],
)
def test_describe_versions(
    versions: frozenset[tuple[int, int]], within: frozenset[tuple[int, int]], text: str
) -> None:
    assert describe_versions(versions, within) == text


def _interpreters_available() -> bool:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_stdlib_lists as tool
    finally:
        sys.path.pop(0)
    return all(tool.find_interpreter(v) for v in KNOWN_VERSIONS if v != (3, 14))


@pytest.mark.skipif(not _interpreters_available(), reason="needs CPython 3.8-3.13 installed")
def test_generator_reproduces_the_shipped_lists() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_stdlib_lists.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
