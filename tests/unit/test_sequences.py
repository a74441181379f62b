"""What an edit kept of a sequence: patience matching, fast on large repetitive input.

Sync aligns a cell's lines, and the notebook writer the items of a JSON array (a large
cell's source lines), with ``kept_pairs``. Work is bounded by counting: difflib, which is
quadratic, only ever sees small ranges.
"""

from __future__ import annotations

import difflib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nb2pkg.sequences as sequences
from nb2pkg.jsonlayout import dumps_like
from nb2pkg.sequences import kept_pairs

lines = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "\n", "return x\n"]), max_size=40)


@given(lines, lines)
def test_kept_pairs_are_equal_items_in_order(old: list[str], new: list[str]) -> None:
    pairs = kept_pairs(old, new)
    assert all(old[i] == new[j] for i, j in pairs)
    assert all(a[0] < b[0] and a[1] < b[1] for a, b in zip(pairs, pairs[1:]))
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    assert len(pairs) == sum(block.size for block in matcher.get_matching_blocks())


REPETITIVE = [
    f"def f_{i // 4}():\n" if i % 4 == 0 else "    return total * 2\n" for i in range(40_000)
]


@pytest.mark.parametrize("edit", ["replace", "insert", "delete", "trailing blank lines"])
def test_a_small_edit_of_a_large_repetitive_sequence_keeps_the_rest(
    edit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real = difflib.SequenceMatcher

    def counting(isjunk: object, a: list[str], b: list[str], autojunk: bool) -> object:
        seen.append(len(a) * len(b))
        return real(None, a, b, autojunk=autojunk)

    monkeypatch.setattr(sequences.difflib, "SequenceMatcher", counting)
    new = list(REPETITIVE)
    middle = len(new) // 2 + 1
    if edit == "replace":
        new[middle] = "    return 1 + total * 2\n"
    elif edit == "insert":
        new.insert(middle, "    log(total)\n")
    elif edit == "delete":
        del new[middle]
    else:
        new[middle] = "    return 1 + total * 2\n"
        new += ["\n", "\n"]
    pairs = kept_pairs(REPETITIVE, new)
    unchanged = len(REPETITIVE) - (0 if edit in ("insert",) else 1)
    assert len(pairs) == unchanged
    assert max(seen, default=0) <= sequences._SMALL_RANGE  # difflib never sees a large range


def test_a_one_line_edit_in_a_large_cell_is_a_one_line_change_of_the_file() -> None:
    cell = {
        "cell_type": "code",
        "id": "big",
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": REPETITIVE[:-1] + [REPETITIVE[-1].rstrip("\n")],
    }
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    edited = json.loads(text)
    edited["cells"][0]["source"][20_001] = "    return 1 + total * 2\n"
    edited["cells"][0]["source"] += ["\n"]  # and a line added at the very end
    out = dumps_like(edited, text)
    diff = [
        line
        for line in difflib.unified_diff(text.splitlines(), out.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert diff == [
        '-    "    return total * 2\\n",',
        '+    "    return 1 + total * 2\\n",',
        '-    "    return total * 2"',
        '+    "    return total * 2",',
        '+    "\\n"',
    ]
