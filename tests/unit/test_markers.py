"""The marker format: one owner, parsed back exactly, nbdev's forms understood."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nb2pkg.markers import block_digest, format_marker, parse_marker, split_blocks

PARSE_CASES = [
    (
        "# %% nbs/00_core.ipynb #c0ffee12 4f1a9b2e",
        ("nbs/00_core.ipynb", "c0ffee12", None, "4f1a9b2e", "nb2pkg"),
    ),
    (
        "# %% nbs/my notes/a b.ipynb #x-1_y 0123abcd",
        ("nbs/my notes/a b.ipynb", "x-1_y", None, "0123abcd", "nb2pkg"),
    ),
    ("# %% ../nbs/00_core.ipynb 3", ("../nbs/00_core.ipynb", None, 3, None, "nbdev")),
    (
        "# %% ../nbs/00_core.ipynb #a1b2c3d4",
        ("../nbs/00_core.ipynb", "a1b2c3d4", None, None, "nbdev"),
    ),
    ("# %% auto 0", (None, None, 0, None, "auto")),
    ("# %%", (None, None, None, None, "new")),
    ("# %%   ", (None, None, None, None, "new")),
    ("# %% nbs/00_core.ipynb", ("nbs/00_core.ipynb", None, None, None, "new")),
]


@pytest.mark.parametrize(("line", "expected"), PARSE_CASES)
def test_parse_marker(line: str, expected: tuple[object, ...]) -> None:
    marker = parse_marker(line, 7)
    assert marker is not None
    assert (
        marker.notebook,
        marker.cell_id,
        marker.cell_index,
        marker.digest,
        marker.kind,
    ) == expected
    assert marker.line == 7


@pytest.mark.parametrize(
    "line", ["#%% x", "# %%x", "x = 1  # %% nbs/a.ipynb #id 01234567", "# comment"]
)
def test_not_markers(line: str) -> None:
    assert parse_marker(line, 1) is None


@given(
    notebook=st.from_regex(r"nbs/[A-Za-z0-9 _./-]{1,30}\.ipynb", fullmatch=True),
    cell_id=st.from_regex(r"[a-zA-Z0-9_-]{1,64}", fullmatch=True),
    code=st.text(),
)
def test_format_then_parse_is_identity(notebook: str, cell_id: str, code: str) -> None:
    digest = block_digest(code)
    marker = parse_marker(format_marker(notebook, cell_id, digest), 1)
    assert marker is not None
    assert (marker.notebook, marker.cell_id, marker.digest) == (notebook, cell_id, digest)


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("x = 1\n", "x = 1   \n\n\n", True),  # white space at the very end: the file's layout
        ("x = 1\n", "x = 2\n", False),
        ("if a:\n    x = 1\n", "if a:\nx = 1\n", False),
        ('s = """a \nb"""\n', 's = """a\nb"""\n', False),  # trailing space inside a string
        ("x = 1\n", "\nx = 1\n", False),  # a blank line added above the code
        ("x = [1,2]\n", "x = [1, 2]\n", False),  # formatting
    ],
)
def test_digest_is_exact_but_for_the_end(left: str, right: str, same: bool) -> None:
    assert (block_digest(left) == block_digest(right)) is same


def test_split_blocks() -> None:
    text = (
        '"""Doc."""\n\n__all__ = ["f"]\n\n\n'
        "# %% nbs/a.ipynb #one 01234567\ndef f():\n    return 1\n\n\n"
        "# %% nbs/a.ipynb #two 89abcdef\nx = 2\n"
    )
    head, blocks = split_blocks(text)
    assert head == '"""Doc."""\n\n__all__ = ["f"]\n\n\n'
    assert [b.marker.cell_id for b in blocks] == ["one", "two"]
    assert blocks[0].code == "def f():\n    return 1\n"
    assert blocks[1].code == "x = 2\n"
