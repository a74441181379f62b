"""A sync that merges only the edited modules gives what the full sync gives.

After an export, generated modules are edited as a user would (a block changed, added,
deleted, moved or copied to another module, code put above the first block, a docstring
or a block broken) and synced in the project (where the export record lets sync read only
the edited modules' notebooks) and in a copy without nb2pkg's records (the full merge):
the notebooks, the modules, the summary, the notes and every refusal must be the same.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.commands.export import export_project
from nb2pkg.commands.sync import sync_project
from nb2pkg.config import load_config
from nb2pkg.errors import Nb2pkgError
from nb2pkg.export_stamp import stamp_state
from tests.unit.test_export_delta import MODULES, _edit, _full_copy, _make, project_files

MARKER = re.compile(r"^# %% .*$", re.MULTILINE)

MODULE_EDITS = (
    "edit_block",
    "new_block",
    "delete_block",
    "above",
    "move",
    "copy",
    "syntax",
    "docstring",
    "notebook_too",
    "hand_written",
    "nothing",
)


def _blocks(text: str) -> tuple[str, list[str]]:
    """Cut a module's text into its head and its blocks (each from its marker line)."""
    starts = [m.start() for m in MARKER.finditer(text)]
    if not starts:
        return text, []
    ends = starts[1:] + [len(text)]
    return text[: starts[0]], [text[a:b] for a, b in zip(starts, ends)]


def _edit_module(root: Path, edit: str, which: int, seed: int) -> None:
    skipped = ("__init__.py", "extra.py")
    modules = sorted(p for p in (root / "acme").rglob("*.py") if p.name not in skipped)
    path = modules[which % len(modules)]
    other = modules[(which + 1) % len(modules)]
    head, blocks = _blocks(path.read_text(encoding="utf-8"))
    if edit == "edit_block" and blocks:
        block = blocks[seed % len(blocks)]
        changed = re.sub(r"(return |= )(\d+)", rf"\g<1>{seed + 200}", block, count=1)
        blocks[seed % len(blocks)] = changed if changed != block else block + f"EDIT_{seed} = 1\n"
    elif edit == "new_block":
        blocks.append(f"# %%\ndef newer_{seed}():\n    return {seed}\n")
    elif edit == "delete_block" and blocks:
        del blocks[seed % len(blocks)]
    elif edit == "above":
        head += f"ABOVE_{seed} = 1\n"
    elif edit in ("move", "copy") and blocks:
        block = blocks[seed % len(blocks)]
        if edit == "move":
            del blocks[seed % len(blocks)]
        other.write_text(other.read_text(encoding="utf-8") + "\n" + block, encoding="utf-8")
    elif edit == "syntax" and blocks:
        blocks[seed % len(blocks)] += "def broken(:\n"
    elif edit == "docstring":
        head = head.replace('"""', '"""Edited. ', 1)
    elif edit == "notebook_too":
        _edit(root, "value", which, seed)
        if blocks:
            blocks[0] += f"BOTH_{seed} = 1\n"
    elif edit == "hand_written":
        (root / "acme" / "extra.py").write_text(f"X = {seed}\n", encoding="utf-8")
    path.write_text(head + "".join(blocks), encoding="utf-8")


def _outcome(root: Path, prefer: str | None) -> tuple[Any, ...]:
    """Sync *root*; return what a user sees and every file of the project."""
    try:
        result = sync_project(root, prefer=prefer)
        shown: tuple[Any, ...] = ("done", result.summary(), [str(n) for n in result.notes])
    except Nb2pkgError as exc:
        shown = ("refused", type(exc).__name__, str(exc))
    return shown, project_files(root)


layouts = st.lists(
    st.lists(st.integers(0, 11), min_size=0, max_size=4), min_size=MODULES, max_size=MODULES
)
steps = st.lists(
    st.tuples(
        st.sampled_from(MODULE_EDITS),
        st.integers(0, MODULES),
        st.integers(0, 30),
        st.sampled_from([None, "module", "notebook"]),
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=int(os.environ.get("NB2PKG_DELTA_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(layout=layouts, edits=steps)
def test_the_short_cut_syncs_what_the_full_sync_does(
    layout: list[list[int]], edits: list[tuple[str, int, int, str | None]]
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = _make(Path(scratch) / "p", layout, hand_written=False)
        try:
            export_project(root)
        except Nb2pkgError:
            return  # a project export refuses has no modules to edit
        for edit, which, seed, prefer in edits:
            _edit_module(root, edit, which, seed)
            full = _outcome(_full_copy(root, Path(scratch) / "full"), prefer)
            assert _outcome(root, prefer) == full, (edit, which, seed, prefer)


def _taken(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for each sync, whether it merged only the edited modules."""
    from nb2pkg.commands import sync

    seen: list[bool] = []
    original = sync._merge_changed

    def spy(*args: Any) -> Any:
        merged = original(*args)
        seen.append(merged is not None)
        return merged

    monkeypatch.setattr(sync, "_merge_changed", spy)
    return seen


@pytest.mark.parametrize(
    ("edit", "taken"),
    [
        ("edit_block", True),
        ("new_block", True),
        ("delete_block", True),
        ("above", True),
        ("move", True),
        ("copy", True),
        ("syntax", False),  # refused: the full merge reports it
        ("notebook_too", False),  # a notebook changed too: the full merge decides
        ("hand_written", False),
    ],
)
def test_which_module_edits_take_the_short_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str, taken: bool
) -> None:
    root = _make(tmp_path / "p", [[0, 3], [0], [0], [0]], hand_written=False)
    export_project(root)
    seen = _taken(root, monkeypatch)
    _edit_module(root, edit, 0, 1)
    copy = _full_copy(root, tmp_path / "full")
    with contextlib.suppress(Nb2pkgError):  # a refusal is compared below like a sync
        sync_project(root)
    assert seen == [taken]
    assert _outcome(root, None)[1] == _outcome(copy, None)[1]
    state = stamp_state(load_config(root))
    assert state is not None
    if taken:
        assert state.unchanged()  # the record is right: the next sync and export are no-ops
        assert (
            sync_project(root).summary() == "nothing to sync: the modules and the notebooks agree"
        )


def test_an_unchecked_sync_leaves_the_next_export_checking(tmp_path: Path) -> None:
    """`sync --no-check` carries a block that breaks at import into its notebook; the
    export after it must still check the project (and refuse it), not take the sync's
    record for a checked export's."""
    root = _make(tmp_path / "p", [[0], [0], [0], [0]], hand_written=False)
    export_project(root)
    module = root / "acme" / "m0.py"
    head, blocks = _blocks(module.read_text(encoding="utf-8"))
    module.write_text(head + "".join(blocks) + "# %%\nBROKEN = undefined_name\n", encoding="utf-8")
    with pytest.raises(Nb2pkgError, match="NB101"):
        sync_project(root)  # checked: refused, nothing written
    sync_project(root, check=False)
    with pytest.raises(Nb2pkgError, match="NB101"):
        export_project(root)
