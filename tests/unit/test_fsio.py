"""Atomic writes, refused outside the project or when the file changed under us."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from nb2pkg.errors import Nb2pkgError
from nb2pkg.fsio import (
    ConcurrentEdit,
    check_all_writable,
    check_writable,
    digest_bytes,
    is_temp_name,
    read_text_exact,
    remove_file,
    remove_stale_temp_files,
    write_text_atomic,
)


def test_write_replaces_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "pkg" / "mod.py"
    write_text_atomic(target, "x = 1\n", root=tmp_path)
    write_text_atomic(target, "x = 2\n", root=tmp_path)
    assert target.read_text() == "x = 2\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["mod.py"]


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    target.write_text("original")
    digest = digest_bytes(target.read_bytes())
    target.write_text("someone else's edit")
    with pytest.raises(ConcurrentEdit) as info:
        write_text_atomic(target, "ours", root=tmp_path, expect=digest)
    assert target.read_text() == "someone else's edit"
    assert info.value.exit_code == 1 and "changed on disk" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]


def test_nothing_is_written_outside_the_project(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    with pytest.raises(Nb2pkgError, match="outside the project"):
        write_text_atomic(root / ".." / "escaped.py", "x", root=root)
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(Nb2pkgError, match="outside the project"):
        write_text_atomic(root / "link" / "escaped.py", "x", root=root)
    assert not (tmp_path / "escaped.py").exists()


def test_permissions_of_an_existing_file_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "tool.py"
    target.write_text("a")
    target.chmod(0o755)
    write_text_atomic(target, "b", root=tmp_path)
    assert target.stat().st_mode & 0o777 == 0o755


def test_remove_file_prunes_empty_folders_below_the_root(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.py"
    target.parent.mkdir(parents=True)
    target.write_text("x")
    remove_file(target, root=tmp_path)
    assert not (tmp_path / "a").exists() and tmp_path.exists()


def test_temporary_names_are_exactly_write_text_atomics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    real = os.replace

    def spy(source: str, target: object) -> None:
        made.append(os.path.basename(source))
        real(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", spy)
    for name in ("core.py", "00_core.ipynb", "pyproject.toml", ".gitignore", "x.y.z"):
        write_text_atomic(tmp_path / name, "x", root=tmp_path)
    assert len(made) == 5 and all(is_temp_name(name) for name in made)


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        (".core.py.abcd1234.tmp", True),
        (".00_core.ipynb.a_b_c_d_.tmp", True),
        (".x.y.z.12345678.tmp", True),
        ("core.py.abcd1234.tmp", False),  # no leading dot
        (".core.py.abcd123.tmp", False),  # seven characters
        (".core.py.ABCD1234.tmp", False),  # tempfile's names are lower case
        (".core.py.abcd1234.tmp.bak", False),
        (".notes.tmp", False),
        (".abcd1234.tmp", False),  # no target name
    ],
)
def test_is_temp_name(name: str, ours: bool) -> None:
    assert is_temp_name(name) is ours


def test_stale_temporary_files_go_and_fresh_ones_stay(tmp_path: Path) -> None:
    old, new = time.time() - 60, time.time() + 60
    files = {
        "pkg/.core.py.abcd1234.tmp": old,
        "pkg/sub/.m.py.abcd1234.tmp": old,
        "pkg/.u.py.abcd1234.tmp": new,  # another run, writing right now
        "pkg/.core.py.tmp": old,  # not our pattern
        "pkg/.hidden/.m.py.abcd1234.tmp": old,  # hidden folders are not searched
        ".pyproject.toml.abcd1234.tmp": old,
        "top/.m.py.abcd1234.tmp": old,  # not a folder we were given
    }
    for relative, when in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        os.utime(path, (when, when))
    (tmp_path / "pkg" / "link").symlink_to(tmp_path / "top")
    now = time.time()
    removed = remove_stale_temp_files(
        [tmp_path / "pkg", tmp_path / "missing"], root=tmp_path, before=now
    )
    removed += remove_stale_temp_files([tmp_path], root=tmp_path, before=now, recursive=False)
    gone = {p.relative_to(tmp_path.resolve()).as_posix() for p in removed}
    assert gone == {
        ".pyproject.toml.abcd1234.tmp",
        "pkg/.core.py.abcd1234.tmp",
        "pkg/sub/.m.py.abcd1234.tmp",
    }
    assert len(removed) == len(gone) and all((tmp_path / p).exists() for p in files.keys() - gone)


def test_read_only_files_and_folders_are_refused_before_writing(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    target.write_text("mine")
    target.chmod(0o444)
    for attempt in (
        lambda: check_writable(target, root=tmp_path),
        lambda: write_text_atomic(target, "ours", root=tmp_path),
        lambda: remove_file(target, root=tmp_path),
        lambda: check_all_writable([tmp_path / "other.py", target], root=tmp_path),
    ):
        with pytest.raises(Nb2pkgError) as caught:
            attempt()
        assert "the file nb.ipynb is read-only" in str(caught.value)
        assert "chmod u+w nb.ipynb" in str(caught.value)
    assert target.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == [
        "nb.ipynb"
    ]
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(Nb2pkgError, match="the folder locked is read-only"):
            write_text_atomic(folder / "deep" / "new.py", "x", root=tmp_path)
    finally:
        folder.chmod(0o755)
    assert not (folder / "deep").exists()


def test_read_text_exact_keeps_line_endings_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b"\xef\xbb\xbf[project]\r\nname = 'x'\r\n")
    text = read_text_exact(path)
    assert text == "\ufeff[project]\r\nname = 'x'\r\n"
    write_text_atomic(path, text, root=tmp_path)
    assert path.read_bytes() == b"\xef\xbb\xbf[project]\r\nname = 'x'\r\n"
