"""``[tool.nb2pkg.clean]`` and nbdev's clean settings become ``CleanOptions``."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.clean import CleanOptions
from nb2pkg.clean_io import clean_options, project_config
from nb2pkg.config import load_config
from nb2pkg.errors import ConfigError

PROJECT = '[project]\nname = "acme"\nversion = "0.1.0"\n'

# pyproject text, settings.ini text (or None) → expected options
CASES = [
    (PROJECT, None, CleanOptions()),
    (PROJECT + "[tool.nb2pkg.clean]\noutputs = true\n", None, CleanOptions(outputs=True)),
    (
        PROJECT
        + '[tool.nb2pkg.clean]\nkeep-metadata = ["widgets"]\nkeep-cell-metadata = ["ExecuteTime"]\n'
        'strip-metadata = ["colab"]\nstrip-cell-metadata = ["outputId"]\nkeep-object-addresses = true\n',
        None,
        CleanOptions(
            keep_metadata=("widgets",),
            keep_cell_metadata=("ExecuteTime",),
            strip_metadata=("colab",),
            strip_cell_metadata=("outputId",),
            keep_object_addresses=True,
        ),
    ),
    (  # nbdev 3: nbdev's names, honoured
        PROJECT + '[tool.nbdev]\nallowed_metadata_keys = ["widgets"]\n'
        'allowed_cell_metadata_keys = ["scrolled"]\nclear_all = true\nclean_ids = false\n',
        None,
        CleanOptions(
            outputs=True,
            keep_metadata=("widgets",),
            keep_cell_metadata=("scrolled",),
            keep_object_addresses=True,
        ),
    ),
    (  # nbdev 3 with nb2pkg's own table on top: lists add up, nb2pkg's booleans win
        PROJECT + '[tool.nbdev]\nallowed_cell_metadata_keys = ["scrolled"]\nclear_all = true\n'
        '[tool.nb2pkg.clean]\nkeep-cell-metadata = ["collapsed"]\noutputs = false\n',
        None,
        CleanOptions(keep_cell_metadata=("scrolled", "collapsed")),
    ),
    (  # nbdev 2: settings.ini strings
        None,
        "[DEFAULT]\nlib_name = acme\nallowed_metadata_keys = widgets\n"
        "allowed_cell_metadata_keys = ExecuteTime, scrolled\nclear_all = True\nclean_ids = False\n",
        CleanOptions(
            outputs=True,
            keep_metadata=("widgets",),
            keep_cell_metadata=("ExecuteTime", "scrolled"),
            keep_object_addresses=True,
        ),
    ),
    (
        None,
        "[DEFAULT]\nlib_name = acme\nallowed_metadata_keys =\nclear_all = False\n",
        CleanOptions(),
    ),
]


@pytest.mark.parametrize(("pyproject", "settings", "expected"), CASES)
def test_options_from_settings(
    tmp_path: Path, pyproject: str | None, settings: str | None, expected: CleanOptions
) -> None:
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    if settings is not None:
        (tmp_path / "settings.ini").write_text(settings)
    assert clean_options(load_config(tmp_path)) == expected


# table body → words the error must hold (key named, closest key, line)
BAD = [
    ("output = true\n", ['unknown key "output"', 'did you mean "outputs"', "line 5"]),
    ("\nkeep-metadta = []\n", ['unknown key "keep-metadta"', '"keep-metadata"', "line 6"]),
    ("colour = 1\n", ['unknown key "colour"', "known keys: outputs"]),
    ('outputs = "yes"\n', ["outputs must be true or false", "line 5"]),
    ("keep-metadata = [1]\n", ["keep-metadata must be a list of key names"]),
    ('keep-metadata = "widgets"\n', ["keep-metadata must be a list of key names"]),
    ('keep-metadata = [""]\n', ["keep-metadata must be a list of key names"]),
]


@pytest.mark.parametrize(("body", "words"), BAD)
def test_bad_settings_are_located_errors(tmp_path: Path, body: str, words: list[str]) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT + "[tool.nb2pkg.clean]\n" + body)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    message = str(caught.value)
    assert message.startswith("pyproject.toml")
    for word in words:
        assert word in message


def test_a_pyproject_of_another_tool_means_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    assert project_config(tmp_path / "nbs") is None
    (tmp_path / "pyproject.toml").write_text(PROJECT + "[tool.nb2pkg.clean]\noutput = 1\n")
    with pytest.raises(ConfigError):
        project_config(tmp_path)
