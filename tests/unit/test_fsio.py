"""Atomic writes, refused outside the project or when the file changed under us."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.errors import Nb2pkgError
from nb2pkg.fsio import ConcurrentEdit, digest_bytes, remove_file, write_text_atomic


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
