"""Tests for the pyproject.toml update: data cases, then special cases and properties."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg import toml_text
from nb2pkg.deps import pyproject_update
from nb2pkg.deps.pyproject_update import (
    canonical_name,
    generated_pyproject,
    requirement_name,
    update_pyproject,
)
from nb2pkg.errors import ConfigError
from tests.casefiles import read_case_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = Path(__file__).parent.parent / "data" / "pyprojects"
CASE_FILES = sorted(CASES.glob("*.txt"))
FLIT = {"requires": ["flit_core>=3.9,<5"], "build-backend": "flit_core.buildapi"}
REGENERATE = os.environ.get("NB2PKG_REGENERATE") == "1"


@dataclass
class Case:
    """One case read from tests/data/pyprojects (format in its README)."""

    path: Path
    before: str
    after: str | None
    required: list[str] = field(default_factory=list)
    optional: dict[str, list[str]] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)
    touched: int = 0
    error: str | None = None
    error_line: int | None = None


def load_case(path: Path) -> Case:
    """Read a case file: header lines, then `=== name` sections."""
    header, text = read_case_file(path)
    case = Case(path, text["before"], text.get("after"))
    for key, value in header:
        if key == "required":
            case.required.append(value)
        elif key.startswith("optional "):
            case.optional.setdefault(key.split(maxsplit=1)[1], []).append(value)
        elif key == "unused":
            case.unused.append(value)
        elif key == "touched":
            case.touched = int(value)
        elif key == "error":
            case.error = value
        elif key == "error-line":
            case.error_line = int(value)
        else:
            raise AssertionError(f"{path.name}: unknown header {key!r}")
    return case


def run(case: Case, text: str | None = None) -> pyproject_update.DependencyChanges:
    return update_pyproject(
        case.before if text is None else text,
        required=case.required,
        optional=case.optional,
        default_build_system=FLIT,
    )


def changed_lines(old: str, new: str) -> list[str]:
    """Return the old lines that do not survive, in order, in *new* (greedy, as a subsequence)."""
    new_lines, position, lost = new.splitlines(), 0, []
    for line in old.splitlines():
        try:
            position = new_lines.index(line, position) + 1
        except ValueError:
            lost.append(line)
    return lost


def regenerate(case: Case, after: str) -> None:
    text = case.path.read_text(encoding="utf-8")
    head = text.split("=== after\n")[0]
    if after != case.before:
        head += "=== after\n" + after
    case.path.write_text(head, encoding="utf-8")


def test_there_are_enough_cases() -> None:
    assert len(CASE_FILES) >= 25


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: path.stem)
def test_case(path: Path) -> None:
    case = load_case(path)
    if case.error is not None:
        with pytest.raises(ConfigError) as caught:
            run(case)
        assert case.error in caught.value.message
        assert caught.value.where is not None
        assert caught.value.where.file == "pyproject.toml"
        assert caught.value.where.line == case.error_line
        return
    changes = run(case)
    if REGENERATE:
        regenerate(case, changes.text)
        case = load_case(path)
    expected = case.before if case.after is None else case.after
    assert changes.text == expected
    assert changes.changed == (expected != case.before)
    assert list(changes.unused) == case.unused


@pytest.mark.parametrize(
    "path", [p for p in CASE_FILES if "error:" not in p.read_text()], ids=lambda p: p.stem
)
def test_case_only_inserts_and_is_stable(path: Path) -> None:
    case = load_case(path)
    first = run(case)
    assert len(changed_lines(case.before, first.text)) == case.touched
    again = run(case, first.text)
    assert not again.changed
    assert again.text == first.text
    assert again.added == () and again.added_optional == {} and not again.build_system_added


def test_what_was_added_is_reported() -> None:
    changes = update_pyproject(
        '[project]\nname = "acme"\ndependencies = ["zlib-ng"]\n',
        required=["requests", "attrs>=21", "requests"],
        optional={"plot": ["matplotlib", "attrs"], "test": []},
        default_build_system=FLIT,
    )
    assert changes.added == ("attrs>=21", "requests")
    assert changes.added_optional == {"plot": ("matplotlib",)}
    assert changes.build_system_added
    assert changes.unused == ("zlib-ng",)
    assert changes.changed


def test_windows_line_endings_are_kept() -> None:
    before = '[project]\r\nname = "acme"\r\ndependencies = [\r\n    "a",\r\n]\r\n'
    changes = update_pyproject(
        before, required=["b"], optional={"x": ["c"]}, default_build_system=FLIT
    )
    assert "\n" not in changes.text.replace("\r\n", "")
    assert changes.text.startswith('[build-system]\r\nrequires = ["flit_core>=3.9,<5"]\r\n')
    assert '    "a",\r\n    "b",\r\n]\r\n' in changes.text
    assert tomllib.loads(changes.text)["project"]["optional-dependencies"] == {"x": ["c"]}


def test_a_file_without_final_newline_keeps_that_habit() -> None:
    before = '[build-system]\nrequires = []\n\n[project]\nname = "acme"'
    changes = update_pyproject(before, required=["numpy"], optional={}, default_build_system=FLIT)
    assert changes.text == before + '\ndependencies = [\n    "numpy",\n]'
    crlf = before.replace("\n", "\r\n")
    changes = update_pyproject(crlf, required=["numpy"], optional={}, default_build_system=FLIT)
    assert changes.text == crlf + '\r\ndependencies = [\r\n    "numpy",\r\n]'


def test_a_byte_order_mark_stays_in_front() -> None:
    before = '\ufeff[project]\r\nname = "acme"\r\ndependencies = []\r\n'
    changes = update_pyproject(before, required=["numpy"], optional={}, default_build_system=FLIT)
    assert changes.text == (
        '\ufeff[build-system]\r\nrequires = ["flit_core>=3.9,<5"]\r\n'
        'build-backend = "flit_core.buildapi"\r\n\r\n[project]\r\nname = "acme"\r\n'
        'dependencies = [\r\n    "numpy",\r\n]\r\n'
    )


@pytest.mark.parametrize(
    ("before", "unit"),
    [
        ('[project]\nname = "acme"\nkeywords = [\n\t"x",\n]\ndependencies = []\n', "\t"),
        ('[project]\nname = "acme"\nkeywords = [\n  "x",\n]\ndependencies = []\n', "  "),
        ('[project]\n\tname = "acme"\n\tdependencies = []\n', "\t"),
        ('[project]\nname = "acme"\ndependencies = []\n', "    "),
    ],
)
def test_new_lines_indent_with_the_files_own_unit(before: str, unit: str) -> None:
    changes = update_pyproject(
        before, required=["numpy"], optional={"opt": ["rich"]}, default_build_system=FLIT
    )
    key_indent = "\t" if "\tdependencies" in before else ""
    assert f'dependencies = [\n{key_indent}{unit}"numpy",\n{key_indent}]' in changes.text
    assert f'opt = [\n{unit}"rich",\n]' in changes.text


def test_nothing_detected_and_build_system_present_changes_nothing() -> None:
    before = '[build-system]\nrequires = ["hatchling"]\n[project]\nname = "acme"\n'
    changes = update_pyproject(before, required=[], optional={}, default_build_system=FLIT)
    assert not changes.changed and changes.text == before


def test_a_project_without_header_line_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"`\[project\]` header"):
        update_pyproject(
            'project = { name = "acme" }\n', required=["a"], optional={}, default_build_system=FLIT
        )


def test_dynamic_optional_dependencies_refuse_optional_additions() -> None:
    before = '[project]\nname = "acme"\ndynamic = ["optional-dependencies"]\n'
    with pytest.raises(ConfigError, match='"optional-dependencies" in `dynamic`'):
        update_pyproject(before, required=[], optional={"x": ["rich"]}, default_build_system=FLIT)
    kept = update_pyproject(before, required=["numpy"], optional={}, default_build_system=FLIT)
    assert tomllib.loads(kept.text)["project"]["dependencies"] == ["numpy"]


def test_a_detected_string_that_is_no_requirement_is_a_bug() -> None:
    with pytest.raises(ValueError, match="not a requirement"):
        update_pyproject(
            '[project]\nname = "a"\n', required=["; x"], optional={}, default_build_system=FLIT
        )


def test_the_check_catches_an_editor_that_rewrites_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real_apply = toml_text.Editor.apply

    def sloppy(self: Any) -> str:
        return str(real_apply(self)).replace('name = "acme"', "name = 'acme'")

    monkeypatch.setattr(toml_text.Editor, "apply", sloppy)
    with pytest.raises(RuntimeError, match="lost some of the old text|changed line"):
        update_pyproject(
            '[project]\nname = "acme"\n', required=["a"], optional={}, default_build_system=FLIT
        )


def test_the_check_catches_an_editor_that_says_something_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_apply = toml_text.Editor.apply
    monkeypatch.setattr(toml_text.Editor, "apply", lambda self: real_apply(self) + "x = 1\n")
    with pytest.raises(RuntimeError, match="does not say what was intended"):
        update_pyproject(
            '[project]\nname = "acme"\n', required=["a"], optional={}, default_build_system=FLIT
        )


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("PyYAML", "pyyaml"),
        ("scikit_learn", "scikit-learn"),
        ("Zope.Interface", "zope-interface"),
        ("a__b--c", "a-b-c"),
    ],
)
def test_canonical_name(name: str, canonical: str) -> None:
    assert canonical_name(name) == canonical


@pytest.mark.parametrize(
    ("requirement", "name"),
    [
        ("numpy", "numpy"),
        ("Requests[socks]>=2", "requests"),
        ("a.b ; python_version<'3'", "a-b"),
        ("pkg @ https://x/y.whl", "pkg"),
        ("  spaced == 1", "spaced"),
        (">=1", None),
    ],
)
def test_requirement_name(requirement: str, name: str | None) -> None:
    assert requirement_name(requirement) == name


# -- properties ---------------------------------------------------------------------------

NAMES = st.from_regex(r"[a-z][a-z0-9]{0,5}([-_.][a-z0-9]{1,3})?", fullmatch=True)
PINS = st.sampled_from(
    ["", ">=1.0", "==2.3", "<3,>=1", "[extra]", ' ; python_version >= "3.9"', "[a,b]>=1"]
)
COMMENTS = st.sampled_from(["", "  # why", "# note", "  # ] , [ ' \""])


def respell(name: str, data: st.DataObject) -> str:
    """Return *name* with another case and separators: the same distribution."""
    upper = data.draw(st.booleans())
    separator = data.draw(st.sampled_from(["-", "_", "."]))
    spelled = re.sub(r"[-_.]", separator, name)
    return spelled.upper() if upper else spelled


def quote(value: str, literal: bool) -> str:
    if literal and "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dependencies(entries: Sequence[str], data: st.DataObject) -> tuple[str, bool]:
    """Return a `dependencies = ...` block in a random style; say whether it is one line."""
    layout = data.draw(st.sampled_from(["multi", "multi", "one-line", "missing"]))
    literal = [data.draw(st.booleans()) for _ in entries]
    if layout == "missing" and not entries:
        return "", False
    if layout == "one-line" or (layout == "missing" and entries):
        body = ", ".join(quote(e, lit) for e, lit in zip(entries, literal))
        return f"dependencies = [{body}]{data.draw(COMMENTS)}\n", True
    indent = data.draw(st.sampled_from(["    ", "  ", "\t", ""]))
    trailing = data.draw(st.booleans())
    lines = [f"dependencies = [{data.draw(COMMENTS)}"]
    for number, (entry, lit) in enumerate(zip(entries, literal)):
        if data.draw(st.booleans()):
            lines.append(f"{indent}# comment {number}")
        if data.draw(st.booleans()):
            lines.append("")
        comma = "," if number < len(entries) - 1 or trailing else ""
        lines.append(f"{indent}{quote(entry, lit)}{comma}{data.draw(COMMENTS)}")
    lines.append(f"]{data.draw(COMMENTS)}")
    return "\n".join(lines) + "\n", False


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_insert_only_complete_and_stable(data: st.DataObject) -> None:
    names = data.draw(st.lists(NAMES, max_size=6, unique_by=canonical_name))
    declared = [name + data.draw(PINS) for name in names]
    block, one_line = render_dependencies(declared, data)
    before = f'# head\n[project]\nname = "acme"\n{block}version = "1"\n\n[tool.x]\ny = 1\n'
    if data.draw(st.booleans()):
        before = '[build-system]\nrequires = ["x"]\n\n' + before
    kept = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    fresh = data.draw(st.lists(NAMES, max_size=5))
    required = [respell(n, data) for n in kept] + fresh
    optional = {"optional": data.draw(st.lists(NAMES, max_size=3))}

    changes = update_pyproject(
        before, required=required, optional=optional, default_build_system=FLIT
    )

    lost = changed_lines(before, changes.text)
    assert lost == ([block.splitlines()[0]] if one_line and lost else [])
    parsed = tomllib.loads(changes.text)
    deps = parsed["project"].get("dependencies", [])
    extras = parsed["project"].get("optional-dependencies", {})
    all_names = [requirement_name(r) for r in deps] + [
        requirement_name(r) for entries in extras.values() for r in entries
    ]
    for requirement in required + optional["optional"]:
        assert all_names.count(requirement_name(requirement)) == 1
    remaining = iter(deps)
    assert all(entry in remaining for entry in declared)  # the user's entries, in their order
    assert sorted(deps) == sorted(declared + list(changes.added))
    again = update_pyproject(
        changes.text, required=required, optional=optional, default_build_system=FLIT
    )
    assert not again.changed


# -- generated pyproject for nbdev 2 -------------------------------------------------------

SETTINGS: Mapping[str, Any] = {
    "lib_name": "acme-tools",
    "lib_path": "acme",
    "version": "0.2.0",
    "description": "Tools from notebooks",
    "min_python": "3.10",
    "license": "apache2",
    "author": "Ada Example",
    "author_email": "ada@example.com",
    "keywords": "nbdev jupyter",
    "requirements": "fastcore>=1.5 'pandas; python_version >= \"3.10\"'",
    "pip_requirements": "rich",
    "dev_requirements": "pytest",
    "console_scripts": "acme=acme.cli:main  acme-check=acme.cli:check",
    "git_url": "https://github.com/example/acme-tools",
}


def test_generated_pyproject_for_nbdev2() -> None:
    text = generated_pyproject(
        SETTINGS,
        ["numpy", "Pandas", "FastCore"],
        {"optional": ["matplotlib", "pytest"]},
        FLIT,
        readme=True,
    )
    assert tomllib.loads(text) == {
        "build-system": FLIT,
        "project": {
            "name": "acme-tools",
            "version": "0.2.0",
            "description": "Tools from notebooks",
            "readme": "README.md",
            "requires-python": ">=3.10",
            "license": "Apache-2.0",
            "authors": [{"name": "Ada Example", "email": "ada@example.com"}],
            "keywords": ["nbdev", "jupyter"],
            "dependencies": [
                "fastcore>=1.5",
                'pandas; python_version >= "3.10"',
                "rich",
                "numpy",
            ],
            "optional-dependencies": {"dev": ["pytest"], "optional": ["matplotlib"]},
            "urls": {"Repository": "https://github.com/example/acme-tools"},
            "scripts": {"acme": "acme.cli:main", "acme-check": "acme.cli:check"},
        },
        "tool": {"flit": {"module": {"name": "acme"}}},
    }
    assert 'authors = [{name = "Ada Example", email = "ada@example.com"}]' in text
    assert 'dependencies = [\n    "fastcore>=1.5",\n' in text


def test_generated_pyproject_minimal() -> None:
    text = generated_pyproject({"lib_name": "acme"}, [], {}, FLIT)
    assert tomllib.loads(text) == {
        "build-system": FLIT,
        "project": {"name": "acme", "dynamic": ["version"], "description": "", "dependencies": []},
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("apache2", "Apache-2.0"),
        ("MIT", "MIT"),
        ("gpl3", "GPL-3.0-only"),
        ("bsd3", "BSD-3-Clause"),
        ("mit", "MIT"),
        ("apache-2.0", "Apache-2.0"),
        ("Apache-2.0 OR MIT", "Apache-2.0 OR MIT"),
        ("my own licence", {"text": "my own licence"}),
    ],
)
def test_generated_license(value: str, expected: Any) -> None:
    text = generated_pyproject({"lib_name": "a", "version": "1", "license": value}, [], {}, FLIT)
    assert tomllib.loads(text)["project"]["license"] == expected


def test_generated_flit_module_only_when_the_import_name_differs() -> None:
    same = generated_pyproject({"lib_name": "acme-tools", "version": "1"}, [], {}, FLIT)
    assert "tool" not in tomllib.loads(same)
    other = generated_pyproject(
        {"lib_name": "acme-tools", "version": "1"}, [], {}, FLIT, package="acme"
    )
    assert tomllib.loads(other)["tool"] == {"flit": {"module": {"name": "acme"}}}


def test_generated_rejects_a_bad_console_script() -> None:
    with pytest.raises(ConfigError, match="name=module:function") as caught:
        generated_pyproject({"lib_name": "a", "console_scripts": "acme"}, [], {}, FLIT)
    assert caught.value.where is not None and caught.value.where.file == "settings.ini"


def test_generated_needs_a_name() -> None:
    with pytest.raises(ConfigError, match="lib_name"):
        generated_pyproject({}, [], {}, FLIT)
