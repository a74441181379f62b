"""Files written by a batch are put back, byte for byte and with their times, on failure."""

from __future__ import annotations

import os
from pathlib import Path

from nb2pkg.fsio import remove_file, write_text_atomic
from nb2pkg.rollback import Snapshot
from tests.projects import snapshot


def _project(root: Path) -> Path:
    for relative, text in {
        "acme/core.py": "# generated\nx = 1\n",
        "acme/old.py": "# generated, stale\n",
        "nbs/a.ipynb": "\ufeff{}\r\n",
        "pyproject.toml": "[project]\r\n",
    }.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    (root / "acme" / "core.py").chmod(0o640)
    return root


PLANNED = {
    "acme/core.py": "x = 2\n",
    "acme/old.py": None,
    "acme/sub/new.py": "y = 1\n",
    "nbs/a.ipynb": '{"cells": []}\n',
    "pyproject.toml": "[project]\r\ndependencies = []\r\n",
}


def _apply(root: Path, planned: dict[Path, str | None]) -> None:
    for path, text in planned.items():
        if text is None:
            remove_file(path, root=root)
        else:
            write_text_atomic(path, text, root=root)


def test_restore_puts_every_byte_back(tmp_path: Path) -> None:
    root = _project(tmp_path)
    planned = {root / k: v for k, v in PLANNED.items()}
    before = snapshot(root)
    saved = Snapshot(root, planned)
    _apply(root, planned)
    assert snapshot(root) != before
    assert saved.restore() == []
    assert snapshot(root) == before  # bytes and modification times
    assert (root / "acme" / "core.py").stat().st_mode & 0o777 == 0o640
    assert not (root / "acme" / "sub").exists()


def test_restore_after_a_partial_batch_and_twice(tmp_path: Path) -> None:
    root = _project(tmp_path)
    planned = {root / k: v for k, v in PLANNED.items()}
    before = snapshot(root)
    saved = Snapshot(root, planned)
    _apply(root, dict(list(planned.items())[:2]))  # the batch stopped half-way
    assert saved.restore() == [] and snapshot(root) == before
    assert saved.restore() == [] and snapshot(root) == before


def test_a_file_changed_again_after_the_batch_is_left_alone(tmp_path: Path) -> None:
    root = _project(tmp_path)
    planned = {root / k: v for k, v in PLANNED.items()}
    saved = Snapshot(root, planned)
    _apply(root, planned)
    (root / "acme" / "core.py").write_text("someone saved this meanwhile\n")
    assert saved.restore() == [(root / "acme" / "core.py").resolve()]
    assert (root / "acme" / "core.py").read_text() == "someone saved this meanwhile\n"
    assert (root / "pyproject.toml").read_bytes() == b"[project]\r\n"
