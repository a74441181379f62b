"""[tool.nb2pkg.test] and nbdev's tst_flags / skip_file_re, validated at the boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.config import TestSettings, load_config
from nb2pkg.errors import ConfigError

PROJECT = '[project]\nname = "acme"\nversion = "0.1.0"\n\n[tool.nb2pkg]\n'

# the [tool.nb2pkg.test] table as written, the settings expected
VALID = [
    ("", TestSettings()),
    ('flags = ["slow", "gpu-only"]\n', TestSettings(flags=("slow", "gpu-only"))),
    ('skip = ["drafts/*", "*_scratch.ipynb"]\n', TestSettings(skip=("drafts/*", "*_scratch.ipynb"))),
    ("timeout = 30\n", TestSettings(timeout=30.0)),
    ("timeout = 2.5\n", TestSettings(timeout=2.5)),
    ("timeout = 0\n", TestSettings(timeout=None)),
    (
        "[tool.nb2pkg.test.sanitize]\n'\\d+ rows' = \"N rows\"\n'id=\\w+' = \"id=ID\"\n",
        TestSettings(sanitize=((r"\d+ rows", "N rows"), (r"id=\w+", "id=ID"))),
    ),
]


@pytest.mark.parametrize(("table", "expected"), VALID)
def test_valid_settings(tmp_path: Path, table: str, expected: TestSettings) -> None:
    header = "" if table.startswith("[") else "[tool.nb2pkg.test]\n"
    (tmp_path / "pyproject.toml").write_text(PROJECT + header + table)
    assert load_config(tmp_path).test == expected


def test_no_table_means_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    settings = load_config(tmp_path).test
    assert settings == TestSettings()
    assert settings.timeout == 600.0


# the table's lines, fragments of the message, the line the error names
ERRORS = [
    ("flag = []\n", ['unknown key "flag" in [tool.nb2pkg.test]', 'did you mean "flags"?'], 8),
    ("timout = 3\n", ['did you mean "timeout"?', "known keys: flags, sanitize, skip, timeout"], 8),
    ("skips = []\n", ['did you mean "skip"?'], 8),
    ('flags = "slow"\n', ["[tool.nb2pkg.test] flags must be a list of non-empty strings"], 8),
    ("flags = [1]\n", ["flags must be a list of non-empty strings"], 8),
    ('flags = ["two words"]\n', ['"two words" is not a directive name'], 8),
    ('skip = [""]\n', ["skip must be a list of non-empty strings"], 8),
    ("timeout = true\n", ["timeout must be a number of seconds"], 8),
    ('timeout = "60"\n', ["timeout must be a number of seconds"], 8),
    ("timeout = -1\n", ["timeout must be a number of seconds, 0 for none"], 8),
    ('sanitize = ["x"]\n', ["sanitize must be a table"], 8),
    ("\n[tool.nb2pkg.test.sanitize]\n'(unclosed' = \"x\"\n", ["'(unclosed' is not a valid regular expression"], 10),
    ("\n[tool.nb2pkg.test.sanitize]\n'ok' = 1\n", ["the replacement for 'ok' must be a string"], 10),
]


@pytest.mark.parametrize(("table", "fragments", "line"), ERRORS)
def test_errors_name_key_and_line(
    tmp_path: Path, table: str, fragments: list[str], line: int
) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT + "\n[tool.nb2pkg.test]\n" + table)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert message.startswith("pyproject.toml")
    for fragment in fragments:
        assert fragment in message
    assert info.value.where is not None and info.value.where.line == line


def test_test_must_be_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT + "test = 1\n")
    with pytest.raises(ConfigError, match=r"\[tool.nb2pkg\] test must be a table"):
        load_config(tmp_path)


NBDEV = [
    # settings.ini [DEFAULT] lines, expected flags, expected skip_re
    ("tst_flags = notest\n", ("notest",), None),
    ("tst_flags = notest|slow\n", ("notest", "slow"), None),
    ("tst_flags = slow cuda\nskip_file_re = ^old\n", ("slow", "cuda"), "^old"),
    ("", (), None),
]


@pytest.mark.parametrize(("lines", "flags", "skip_re"), NBDEV)
def test_nbdev2_test_settings(
    tmp_path: Path, lines: str, flags: tuple[str, ...], skip_re: str | None
) -> None:
    (tmp_path / "settings.ini").write_text("[DEFAULT]\nlib_name = acme\n" + lines)
    settings = load_config(tmp_path).test
    assert (settings.flags, settings.skip_re) == (flags, skip_re)


def test_nbdev3_test_settings_and_nb2pkg_on_top(tmp_path: Path) -> None:
    nbdev = '[project]\nname = "acme"\n[tool.nbdev]\ntst_flags = "notest slow"\nskip_file_re = "^x"\n'
    (tmp_path / "pyproject.toml").write_text(nbdev)
    settings = load_config(tmp_path).test
    assert (settings.flags, settings.skip_re) == (("notest", "slow"), "^x")
    (tmp_path / "pyproject.toml").write_text(nbdev + '[tool.nb2pkg.test]\nflags = ["gpu"]\n')
    settings = load_config(tmp_path).test
    assert (settings.flags, settings.skip_re) == (("gpu",), "^x")


def test_nbdev_bad_skip_file_re(tmp_path: Path) -> None:
    (tmp_path / "settings.ini").write_text("[DEFAULT]\nlib_name = acme\nskip_file_re = (\n")
    with pytest.raises(ConfigError, match="settings.ini: skip_file_re '\\(' is not a valid"):
        load_config(tmp_path)


def test_declared_flags_are_known_directives(tmp_path: Path) -> None:
    from nb2pkg.project import directive_warnings, load_project
    from tests.projects import make_project

    tool = '\n[tool.nb2pkg.test]\nflags = ["gpu"]\n'
    root = make_project(tmp_path / "p", {"a.ipynb": ["#| gpu\nx = 1", "#| gpux\ny = 2"]}, tool=tool)
    found = [d.message for d in directive_warnings(load_project(root))]
    assert found == ['unknown directive "gpux"; nb2pkg passes it through unchanged']
