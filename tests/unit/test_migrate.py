"""``nb2pkg migrate``: nbdev 1 directive lines rewritten, every other line kept."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.commands.migrate import NBDEV1_DIRECTIVES, migrate_project, migrated_source
from nb2pkg.directives import parse_cell
from nb2pkg.errors import Nb2pkgError
from tests.projects import make_notebook, make_project, snapshot

# cell source → the source after migration
CASES = [
    ("# export\nx = 1", "#| export\nx = 1"),
    ("#export\nx = 1", "#| export\nx = 1"),
    ("  #   exports  \nx = 1", "#| exports\nx = 1"),
    ("# exporti\ndef _f(): pass", "#| exporti\ndef _f(): pass"),
    ("# export core\nx = 1", "#| export core\nx = 1"),
    ("# default_exp data.io", "#| default_exp data.io"),
    ("#default-exp core", "#| default_exp core"),
    ("# Export\nx = 1", "#| export\nx = 1"),
    ("# hide\n# export\nx = 1", "#| hide\n#| export\nx = 1"),
    ("#hide_input\n#collapse_show\nplot()", "#| hide_input\n#| collapse_show\nplot()"),
    ("%%time\n# export\nx = 1", "%%time\n#| export\nx = 1"),
    ("\n# export\n\nx = 1", "\n#| export\n\nx = 1"),
    ("#| export\n# hide\nx = 1", "#| export\n#| hide\nx = 1"),
    ("# export\r\nx = 1\r\n", "#| export\r\nx = 1\r\n"),
    # left alone
    ("# export the data to csv\nx = 1", "# export the data to csv\nx = 1"),
    ("# a comment\n# export\nx = 1", "# a comment\n# export\nx = 1"),
    ("x = 1\n# export", "x = 1\n# export"),
    ("# exported = 3", "# exported = 3"),
    ("# slow\nx = 1", "# slow\nx = 1"),  # not a test flag of this project
    ("#| export\nx = 1", "#| export\nx = 1"),
    ("", ""),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_migrated_source(source: str, expected: str) -> None:
    assert migrated_source(source) == expected


def test_test_flags_of_the_project_are_migrated() -> None:
    names = (*NBDEV1_DIRECTIVES, "slow", "cuda")
    assert migrated_source("#slow\n# cuda\nx = 1", names) == "#| slow\n#| cuda\nx = 1"


LINES = st.sampled_from(
    [
        "# export",
        "#export core",
        "# exporti",
        "# hide",
        "#| hide",
        "# a note",
        "x = 1",
        "",
        "%%time",
        "# export the data",
        "def f(): pass",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_only_directive_lines_change_and_twice_is_once(lines: list[str], end: str) -> None:
    source = end.join(lines)
    migrated = migrated_source(source)
    assert migrated_source(migrated) == migrated
    old, new = source.splitlines(keepends=True), migrated.splitlines(keepends=True)
    assert len(old) == len(new)
    for before, after in zip(old, new):
        if before != after:
            assert re.match(r"^\s*#\s*\w", before) and after.startswith("#| ")
            assert after.endswith(end) == before.endswith(end)
    # every rewritten line is read as a directive of the cell
    rewritten = {n for n, (a, b) in enumerate(zip(old, new), 1) if a != b}
    assert rewritten <= {d.line for d in parse_cell(migrated).directives}


def test_a_notebook_changed_while_migrating_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "p", {"a.ipynb": ["# default_exp a", "# export\nx = 1"]})
    import nb2pkg.commands.migrate as migrate

    real = migrate.load_project

    path = root / "nbs" / "a.ipynb"
    saved: list[bytes] = []

    def load_then_save(where: Path | None = None) -> object:
        project = real(where)
        nbformat.write(make_notebook(["# default_exp a", "# export\nx = 2"]), str(path))
        saved.append(path.read_bytes())  # someone saved the notebook meanwhile
        return project

    monkeypatch.setattr(migrate, "load_project", load_then_save)
    with pytest.raises(Nb2pkgError, match="changed on disk"):
        migrate_project(root)
    assert path.read_bytes() == saved[0]


def test_every_notebook_is_decided_before_one_is_written(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        {"a.ipynb": ["# default_exp a", "# export\nx = 1"], "b.ipynb": ["# default_exp b"]},
    )
    (root / "nbs" / "c.ipynb").write_text("{not json")
    before = snapshot(root)
    with pytest.raises(Nb2pkgError, match="not valid JSON"):
        migrate_project(root)
    assert snapshot(root) == before
