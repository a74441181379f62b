"""Configuration: nb2pkg's own table, nbdev 3's [tool.nbdev], nbdev 2's settings.ini."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.config import load_config
from nb2pkg.errors import ConfigError

PROJECT = '[project]\nname = "Acme-Tools"\nversion = "1.2.3"\nrequires-python = ">=3.10"\n'

# pyproject text (None: no pyproject), settings.ini text (None: none), expected values
CASES = [
    (PROJECT + "[tool.nb2pkg]\n", None, "nb2pkg", "acme_tools", "acme_tools", "nbs", True),
    (PROJECT, None, "defaults", "acme_tools", "acme_tools", "nbs", True),
    (
        PROJECT + '[tool.nb2pkg]\nnotebooks = "notebooks"\npackage = "acme"\nrecursive = false\n',
        None,
        "nb2pkg",
        "acme",
        "acme",
        "notebooks",
        False,
    ),
    (PROJECT + "[tool.nbdev]\n", None, "nbdev3", "Acme_Tools", "Acme_Tools", "nbs", True),
    (
        PROJECT
        + '[tool.nbdev]\nlib_path = "src/acme"\nnbs_path = "notebooks"\nrecursive = false\n',
        None,
        "nbdev3",
        "acme",
        "src/acme",
        "notebooks",
        False,
    ),
    (
        None,
        "[DEFAULT]\nlib_name = acme-tools\nlib_path = acme_tools\nnbs_path = nbs\nversion = 0.0.3\n"
        "min_python = 3.9\nrecursive = True\n",
        "nbdev2",
        "acme_tools",
        "acme_tools",
        "nbs",
        True,
    ),
    (
        None,
        "[DEFAULT]\nlib_name = tiny\nversion = 0.1\n",
        "nbdev2",
        "tiny",
        "tiny",
        "nbs",
        True,
    ),
]


@pytest.mark.parametrize(
    ("pyproject", "settings", "source", "package", "lib", "nbs", "recursive"), CASES
)
def test_sources(
    tmp_path: Path,
    pyproject: str | None,
    settings: str | None,
    source: str,
    package: str,
    lib: str,
    nbs: str,
    recursive: bool,
) -> None:
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    if settings is not None:
        (tmp_path / "settings.ini").write_text(settings)
    config = load_config(tmp_path)
    assert config.source == source
    assert config.package == package
    assert config.lib_dir == (tmp_path / lib).resolve()
    assert config.notebooks_dir == (tmp_path / nbs).resolve()
    assert config.recursive is recursive


def test_nbdev2_metadata(tmp_path: Path) -> None:
    (tmp_path / "settings.ini").write_text(
        "[DEFAULT]\nlib_name = acme\nversion = 0.0.3\nmin_python = 3.9\n"
    )
    config = load_config(tmp_path)
    assert (config.name, config.version, config.requires_python) == ("acme", "0.0.3", ">=3.9")


def test_found_by_walking_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    deep = tmp_path / "nbs" / "sub"
    deep.mkdir(parents=True)
    assert load_config(deep).root == tmp_path.resolve()


def test_nb2pkg_settings_on_top_of_nbdev(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PROJECT + '[tool.nbdev]\nlib_path = "src/acme"\n[tool.nb2pkg]\nformat = true\n'
        '[tool.nb2pkg.dependency-map]\nfitz = "PyMuPDF"\n'
    )
    config = load_config(tmp_path)
    assert (config.source, config.package, config.format) == ("nbdev3", "acme", True)
    assert config.dependency_map == {"fitz": "PyMuPDF"}
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "settings.ini").write_text("[DEFAULT]\nlib_name = tiny\n")
    (tmp_path / "pyproject.toml").write_text(
        PROJECT + '[tool.nb2pkg.dependency-map]\nyaml = "PyYAML"\n'
    )
    config = load_config(tmp_path)
    assert (config.source, config.package, dict(config.dependency_map)) == (
        "nbdev2",
        "tiny",
        {"yaml": "PyYAML"},
    )


def test_nb2pkg_table_wins_over_nbdev(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PROJECT + '[tool.nb2pkg]\npackage = "x"\n[tool.nbdev]\n'
    )
    (tmp_path / "settings.ini").write_text("[DEFAULT]\nlib_name = y\n")
    assert load_config(tmp_path).package == "x"


ERROR_CASES = [
    (
        PROJECT + "[tool.nb2pkg]\nnotebook = 'nbs'\n",
        ['unknown key "notebook"', 'did you mean "notebooks"'],
        6,
    ),
    (PROJECT + "[tool.nb2pkg]\ndrop_magics = true\n", ['did you mean "drop-magics"'], 6),
    (PROJECT + "[tool.nb2pkg]\nformat = 'yes'\n", ["format must be a boolean"], 6),
    (PROJECT + "[tool.nb2pkg]\npackage = 'not-valid'\n", ["import name"], None),
    (PROJECT + "[tool.nb2pkg]\nnotebooks = '../elsewhere'\n", ["outside the project"], None),
    (PROJECT + "[tool.nb2pkg\n", ["not valid TOML"], 5),
    ("[tool.nb2pkg]\n", ["needs a `name`"], None),
    ("[build-system]\nrequires = []\n", ["neither a [project]"], None),
    (PROJECT + "[tool.nb2pkg.dependency-map]\nyaml = 1\n", ["distribution name string"], None),
]


@pytest.mark.parametrize(("pyproject", "fragments", "line"), ERROR_CASES)
def test_errors_name_the_problem(
    tmp_path: Path, pyproject: str, fragments: list[str], line: int | None
) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert message.startswith("pyproject.toml")
    for fragment in fragments:
        assert fragment in message
    assert info.value.where is not None
    assert info.value.where.line == line


def test_non_utf8_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path)


def test_no_project_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no pyproject.toml or settings.ini"):
        load_config(tmp_path)
