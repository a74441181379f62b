"""Configuration: nb2pkg's own table, nbdev 3's [tool.nbdev], nbdev 2's settings.ini."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.config import load_config
from nb2pkg.errors import ConfigError, ProblemsFound

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


# pyproject text → fragments the error must hold, and the line it must name
ERROR_CASES = [
    (
        PROJECT + "[tool.nb2pkg]\nnotebook = 'nbs'\n",
        ['unknown key "notebook"', 'did you mean "notebooks"'],
        6,
    ),
    (PROJECT + "[tool.nb2pkg]\ndrop_magics = true\n", ['did you mean "drop-magics"'], 6),
    (PROJECT + "[tool.nb2pkg]\nformat = 'yes'\n", ['format must be true or false, not "yes"'], 6),
    (PROJECT + "[tool.nb2pkg]\n\nrecursive = 1\n", ["recursive must be true or false"], 7),
    (PROJECT + "[tool.nb2pkg]\nnotebooks = ['nbs']\n", ["notebooks must be a string"], 6),
    (PROJECT + "[tool.nb2pkg]\ncheck = ['NB101']\n", ["check must be a table"], 6),
    (
        PROJECT + "[tool.nb2pkg]\npackage = 'not-valid'\n",
        ['package "not-valid" is not an import name', '"-"'],
        6,
    ),
    (
        PROJECT + "[tool.nb2pkg]\npackage = 'class'\n",
        ['package "class" is not an import name', "Python keyword"],
        6,
    ),
    (
        PROJECT + "[tool.nb2pkg]\npackage = '\ufb01le'\n",  # the "fi" ligature
        ['read by Python as "file"', "NFKC", 'write "file"'],
        6,
    ),
    (
        '[project]\nname = "class"\n',
        ['[project] name "class" makes the import name "class"', "keyword", "package = "],
        2,
    ),
    (PROJECT + "[tool.nb2pkg]\nnotebooks = '../elsewhere'\n", ["outside the project"], 6),
    (PROJECT + "[tool.nb2pkg\n", ["not valid TOML"], 5),
    ("[tool.nb2pkg]\n", ["needs a `name`"], None),
    ('[project]\nversion = "1"\n[tool.nb2pkg]\n', ["needs a `name`"], 1),
    ("[build-system]\nrequires = []\n", ["neither a [project]"], None),
    (
        PROJECT + "[tool.nb2pkg.dependency-map]\nyaml = 1\n",
        ["yaml must be a distribution name string", "not 1"],
        6,
    ),
    (
        PROJECT + "[tool.nb2pkg.dependency-map]\nscikit-learn = 'sklearn'\n",
        ['"scikit-learn" is not an import name', 'sklearn = "scikit-learn"'],
        6,
    ),
    (
        PROJECT + "[tool.nb2pkg.check]\nignroe = ['NB101']\n",
        ['unknown key "ignroe" in [tool.nb2pkg.check]', 'did you mean "ignore"?'],
        6,
    ),
    (
        PROJECT + "[tool.nb2pkg.check]\nignore = ['NB101']\n\nstrict = 'yes'\n",
        ['[tool.nb2pkg.check] strict must be true or false, not "yes"'],
        8,
    ),
    (
        PROJECT + "[tool.nb2pkg.check]\nignore = ['E501']\n",
        ["[tool.nb2pkg.check] ignore must be a list of check codes", '["E501"]'],
        6,
    ),
    (  # dotted keys and inline tables are found too
        PROJECT + "[tool.nb2pkg]\ncheck.ignroe = []\n",
        ['unknown key "ignroe" in [tool.nb2pkg.check]'],
        6,
    ),
    (
        PROJECT + "[tool.nb2pkg]\n\nclean = { outputs = true, kep-metadata = [] }\n",
        ['unknown key "kep-metadata" in [tool.nb2pkg.clean]', '"keep-metadata"'],
        7,
    ),
    (PROJECT + "[tool.nb2pkg]\noptional-extra = 'a b'\n", ["not an extra name"], 6),
    (PROJECT + "[tool.nb2pkg.tset]\nx = 1\n", ['unknown key "tset" in [tool.nb2pkg]'], 5),
    (  # nbdev 3 writes lists for some settings; these two must be strings
        PROJECT + "[tool.nbdev]\nnbs_path = ['nbs']\n",
        ['[tool.nbdev] nbs_path must be a string naming one folder, e.g. "nbs", not ["nbs"]'],
        6,
    ),
    (PROJECT + "[tool.nbdev]\nlib_path = 3\n", ["[tool.nbdev] lib_path must be a string"], 6),
    (
        PROJECT + "[tool.nbdev]\nlib_path = 'src/class'\n",
        ['lib_path "src/class" ends in "class"', "keyword"],
        6,
    ),
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


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PROJECT + "[tool.nb2pkg]\nformat = 'yes'\n"  # line 6
        "[tool.nb2pkg.check]\nignroe = []\n"  # line 8
        "[tool.nb2pkg.clean]\noutput = true\n"  # line 10
        "[tool.nb2pkg.dependency-map]\nyaml = 3\n"  # line 12
    )
    with pytest.raises(ProblemsFound) as info:
        load_config(tmp_path)
    lines = [problem.where.line for problem in info.value.problems if problem.where]
    assert lines == [6, 8, 10, 12]
    assert all(isinstance(problem, ConfigError) for problem in info.value.problems)


def test_nbdev2_errors_name_their_line(tmp_path: Path) -> None:
    (tmp_path / "settings.ini").write_text(
        "[DEFAULT]\nlib_name = acme\n# the package\nlib_path = src/class\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith('settings.ini: line 4: lib_path "src/class" ends in "class"')


@pytest.mark.parametrize("body", [PROJECT + "[tool.nb2pkg]\n", PROJECT + "[tool.nbdev]\n"])
def test_a_byte_order_mark_is_read_past(tmp_path: Path, body: str) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert load_config(tmp_path).package.lower() == "acme_tools"
    (tmp_path / "pyproject.toml").write_bytes(
        b"\xef\xbb\xbf" + (body + "recursiv = true\n").encode()
    )
    if "nbdev" not in body:  # a located error keeps its line with the mark in front
        with pytest.raises(ConfigError, match="line 6: unknown key"):
            load_config(tmp_path)


def test_non_utf8_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path)


def test_no_project_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no pyproject.toml or settings.ini"):
        load_config(tmp_path)
