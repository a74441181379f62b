"""The line merge inside a cell: the same answers as ``git merge-file``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.textmerge import Markers, conflict_text, merge_texts

# base, ours, theirs → merged text, or None where a conflict is expected
CASES = {
    "only ours changed": ("a\nb\nc\n", "a\nB\nc\n", "a\nb\nc\n", "a\nB\nc\n"),
    "only theirs changed": ("a\nb\nc\n", "a\nb\nc\n", "a\nb\nC\n", "a\nb\nC\n"),
    "same change on both": ("a\nb\n", "a\nX\n", "a\nX\n", "a\nX\n"),
    "distant changes": ("a\nb\nc\nd\ne\n", "A\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n", "A\nb\nc\nd\nE\n"),
    "adjacent changes conflict, as in git": ("a\nb\nc\nd\n", "a\nB\nc\nd\n", "a\nb\nC\nd\n", None),
    "same line changed differently": ("x = 1\n", "x = 2\n", "x = 3\n", None),
    "insertions at one place": ("a\nb\n", "a\nX\nb\n", "a\nY\nb\n", None),
    "deleted by ours, kept by theirs": ("a\nb\nc\n", "a\nc\n", "a\nb\nc\n", "a\nc\n"),
    "deleted by ours, edited by theirs": ("a\nb\nc\n", "a\nc\n", "a\nB\nc\n", None),
    "appended on both ends": ("m\n", "top\nm\n", "m\nbottom\n", "top\nm\nbottom\n"),
    "empty base, same text": ("", "a\n", "a\n", "a\n"),
    "empty base, different text": ("", "a\n", "b\n", None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cases(case: str) -> None:
    base, ours, theirs, expected = CASES[case]
    merged = merge_texts(base, ours, theirs)
    if expected is None:
        assert merged.conflicts >= 1
        assert "<<<<<<< ours\n" in merged.text and ">>>>>>> theirs" in merged.text
    else:
        assert merged == type(merged)(expected, 0)


def _git_merge_file(tmp: Path, base: str, ours: str, theirs: str, diff3: bool) -> tuple[str, int]:
    for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
        (tmp / name).write_text(text)
    style = ["--diff3"] if diff3 else []
    result = subprocess.run(
        [
            "git",
            "merge-file",
            "-p",
            *style,
            "-L",
            "ours",
            "-L",
            "base",
            "-L",
            "theirs",
            "ours",
            "base",
            "theirs",
        ],
        cwd=tmp,
        capture_output=True,
        text=True,
    )
    return result.stdout, result.returncode


LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d\n", "e\n"]), max_size=7)
BASES = st.lists(
    st.sampled_from(["a\n", "b\n", "c\n", "d\n", "e\n", "f\n"]), max_size=6, unique=True
)
NEW = st.lists(st.sampled_from(["x\n", "y\n", "z\n"]), max_size=2)


@st.composite
def edited(draw: st.DrawFn, base: list[str]) -> list[str]:
    """Delete, keep or replace each base line and insert new ones: one way to align it."""
    out = draw(NEW)
    for line in base:
        if draw(st.sampled_from(["keep", "keep", "delete", "replace"])) == "keep":
            out.append(line)
        out += draw(NEW)
    return out


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), base=BASES, diff3=st.booleans())
def test_agrees_with_git_merge_file(
    tmp_path: Path, data: st.DataObject, base: list[str], diff3: bool
) -> None:
    """Where the changes can be aligned one way only, conflicts and texts are git's.

    (With repeated lines two aligners may pair lines differently, and then git and
    difflib may differ on whether edits touch: both answers are merges.)
    """
    ours, theirs = data.draw(edited(base)), data.draw(edited(base))
    texts = ["".join(lines) for lines in (base, ours, theirs)]
    merged = merge_texts(*texts, Markers(diff3=diff3))
    expected, conflicts = _git_merge_file(tmp_path, *texts, diff3)
    assert (merged.conflicts > 0) == (conflicts > 0)
    if not conflicts:
        assert merged.text == expected


@given(base=LINES, other=LINES)
def test_one_sided_changes_merge_cleanly(base: list[str], other: list[str]) -> None:
    b, o = "".join(base), "".join(other)
    assert merge_texts(b, o, b).text == o
    assert merge_texts(b, b, o).text == o
    assert merge_texts(b, o, o).text == o


# cell sources rarely end with a newline: the ending follows the side that changed it
ENDINGS = [
    ("a\nb", "a\nb\nc", "A\nb", "A\nb\nc"),
    ("a\nb\n", "a\nb", "a\nb\n", "a\nb"),
    ("a\nb", "a\nb", "a\nb\n", "a\nb\n"),
    ("x", "y", "x", "y"),
]


@pytest.mark.parametrize(("base", "ours", "theirs", "expected"), ENDINGS)
def test_final_newline(base: str, ours: str, theirs: str, expected: str) -> None:
    assert merge_texts(base, ours, theirs).text == expected


def test_markers() -> None:
    merged = merge_texts("x = 1", "x = 2", "x = 3", Markers("HEAD", "base", "topic", 9, diff3=True))
    assert merged.text == (
        "<<<<<<<<< HEAD\nx = 2\n||||||||| base\nx = 1\n=========\nx = 3\n>>>>>>>>> topic"
    )
    assert conflict_text("a", "a", "") == "<<<<<<< ours\na\n=======\n>>>>>>> theirs\n"
