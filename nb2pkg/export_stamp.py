"""The export stamp: what the last successful export read and left, to skip what it did.

When the configuration, the notebooks and every ``.py`` file of the package are exactly as
the last export left them, a new export cannot change anything: ``stamped_result`` says so
after hashing those files, without parsing a notebook (or importing the export stage).
The record also keeps the digest of every module export wrote or kept
(``exported_digests``): sync reads only the modules that differ from it.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .cache_home import CACHE_DIR, code_fingerprint, read_cache_file, write_cache_file
from .config import Config
from .export_result import ExportResult
from .file_changes import Action, FileChange
from .fsio import digest_bytes, remove_stale_temp_files
from .report import diagnostic_from_json, diagnostic_to_json
from .walk import find_notebooks, python_files

_FORMAT = 3

#: What an export reads and leaves, in order: (project-relative path, sha256 of its bytes
#: or None when it cannot be read, kind: "config", "notebook" or "package").
Inventory = list[tuple[str, "str | None", str]]


@dataclass(frozen=True)
class StampState:
    """The project's inputs and outputs as hashed now, and what the last export recorded."""

    root: Path
    settings: str  # what else decides the output: nb2pkg's code, Python, the options
    files: Inventory
    record: dict[str, Any] | None  # the last export's record, whatever changed since

    @property
    def fingerprint(self) -> str:
        """Hash everything an export reads and leaves."""
        return _hash(self.settings, self.files)

    def unchanged(self) -> bool:
        """Tell whether everything is exactly as the last export left it."""
        return self.record is not None and self.record.get("fingerprint") == self.fingerprint

    def digests(self, kind: str) -> dict[str, str | None]:
        """Return {path: digest} of the files of one kind."""
        return {path: digest for path, digest, k in self.files if k == kind}

    def recorded_files(self) -> Inventory | None:
        """Return the inventory the last export recorded (None: none, or unreadable)."""
        files = self.record.get("files") if self.record else None
        if not isinstance(files, list):
            return None
        try:
            return [(str(p), None if d is None else str(d), str(k)) for p, d, k in files]
        except (TypeError, ValueError):
            return None


def stamp_state(
    config: Config, drop_magics: bool | None = None, check: bool = True
) -> StampState | None:
    """Hash the project's inputs and outputs (None: there is no notebooks folder)."""
    if not config.notebooks_dir.is_dir():
        return None
    stamp = ExportStamp(config.root, config.lib_dir)
    notebooks = find_notebooks(config.notebooks_dir, recursive=config.recursive)
    # A --no-check export may leave modules that a checked one refuses: not interchangeable.
    settings = f"{_FORMAT}\0{code_fingerprint()}\0{sys.version_info[:2]}\0{(drop_magics, check)!r}"
    return StampState(
        config.root, settings, stamp.inventory(config.config_file, notebooks), stamp.last_record()
    )


def stamped_result(
    config: Config, drop_magics: bool | None = None, check: bool = True
) -> ExportResult | None:
    """Return the last export's result if nothing changed since it ran (from its stamp)."""
    state = stamp_state(config, drop_magics, check)
    return up_to_date_result(state) if state is not None else None


def up_to_date_result(state: StampState) -> ExportResult | None:
    """Return the last export's result if *state* says nothing changed since; else None."""
    if state.record is None or not state.unchanged():
        return None
    return _up_to_date(state.root, state.record)


def remember_export(
    result: ExportResult,
    config: Config,
    drop_magics: bool | None = None,
    check: bool = True,
    before: StampState | None = None,
    written: Iterable[Path] = (),
) -> None:
    """Stamp the project as exported: until an input or a package file changes, no work.

    With *before* (the state hashed before the export), only the files the export wrote
    (and the *written* ones: sync's notebooks) are hashed again.
    """
    if before is not None:
        state: StampState | None = _after_writing(before, result, written)
    else:
        # Hash after writing: the export itself just changed the package's files.
        state = stamp_state(config, drop_magics, check)
    if state is not None:
        ExportStamp(config.root, config.lib_dir).save(state.fingerprint, _record(result, state))


def _after_writing(
    before: StampState, result: ExportResult, written: Iterable[Path] = ()
) -> StampState:
    """Return *before* with the files *result* wrote (or removed) and the *written* ones
    hashed again."""
    root = before.root
    paths = [c.path for c in result.changes if c.action is not Action.KEEP] + list(written)
    touched = {path.relative_to(root).as_posix(): path for path in paths}
    files = []
    for relpath, digest, kind in before.files:
        if relpath in touched:
            try:
                digest = digest_bytes(touched[relpath].read_bytes())
            except OSError:
                digest = None
        files.append((relpath, digest, kind))
    return replace(before, files=files)


def up_to_date(config: Config) -> bool:
    """Tell whether notebooks, configuration and package are exactly as the last export left them."""
    state = stamp_state(config)
    return state is not None and state.unchanged()


def _hash(settings: str, files: Inventory) -> str:
    digest = hashlib.sha256(settings.encode())
    for relpath, file_digest, _ in files:
        digest.update(b"\0" + relpath.encode("utf-8", "surrogateescape") + b"\0")
        digest.update((file_digest or "missing").encode())
    return digest.hexdigest()


def _record(result: ExportResult, state: StampState) -> dict[str, Any]:
    root = result.root
    files = state.files
    modules = [c.path for c in result.changes if c.module]
    digests = {path: digest for path, digest, kind in files if kind == "package"}
    record = {
        "notebooks": result.notebooks,
        "cells": result.cells,
        "modules": [path.relative_to(root).as_posix() for path in modules],
        "written": {
            relpath: digests[relpath]
            for relpath in (path.relative_to(root).as_posix() for path in modules)
            if digests.get(relpath)
        },
        "warnings": [diagnostic_to_json(w) for w in result.warnings],
        "files": [list(entry) for entry in files],
        "settings": state.settings,
    }
    if result.facts is not None:
        record["facts"] = result.facts.to_json()
    return record


def exported_digests(config: Config) -> dict[str, str]:
    """Return {module path: digest} of the modules as the last export (or sync) left them.

    A module whose bytes still have that digest holds no edit. Empty when no export was
    recorded (or its record is unreadable): every module must then be read.
    """
    record = ExportStamp(config.root, config.lib_dir).last_record()
    written = record.get("written") if record else None
    if not isinstance(written, dict):
        return {}
    return {str(k): str(v) for k, v in written.items()}


def _up_to_date(root: Path, record: dict[str, Any]) -> ExportResult:
    modules = [FileChange(root / path, Action.KEEP, module=True) for path in record["modules"]]
    return ExportResult(
        root,
        int(record["notebooks"]),
        int(record["cells"]),
        len(modules),
        tuple(modules),
        tuple(diagnostic_from_json(w) for w in record["warnings"]),
        True,
    )


def remove_leftovers(config: Config, before: float) -> list[Path]:
    """Remove the temporary files that runs killed before *before* left where nb2pkg writes."""
    root = config.root
    removed = remove_stale_temp_files([root], root=root, before=before, recursive=False)
    folders = [config.lib_dir, config.notebooks_dir, root / CACHE_DIR]
    return removed + remove_stale_temp_files(folders, root=root, before=before)


class ExportStamp:
    """The record of the last successful export: the digest of every input and of every
    file it left, and what it learnt (``nb2pkg.export_facts``).

    When the notebooks, the configuration and every ``.py`` file of the package are exactly
    as the last export left them, a new export cannot change anything, and the run ends
    after reading and hashing those files, without parsing a notebook.
    """

    def __init__(self, root: Path, lib_dir: Path) -> None:
        self.root = root
        self.lib_dir = lib_dir
        self.path = root / CACHE_DIR / "cache" / "export-stamp.json"

    def inventory(self, config_file: Path, notebooks: list[Path]) -> Inventory:
        """Hash everything an export reads and leaves: configuration, notebooks, package."""
        kinds = [(config_file, "config")] + [(nb, "notebook") for nb in notebooks]
        kinds += [(path, "package") for path in python_files(self.lib_dir)]
        files: Inventory = []
        start = len(os.path.join(self.root, ""))  # all under the root: cut, not relative_to
        for path, kind in kinds:
            name = str(path)
            relpath = name[start:].replace(os.sep, "/")
            try:
                with open(name, "rb") as stream:
                    files.append((relpath, digest_bytes(stream.read()), kind))
            except OSError:
                files.append((relpath, None, kind))
        return files

    def last_record(self) -> dict[str, Any] | None:
        """Return what the last export recorded here, whatever changed since (None: nothing,
        or a record that was not written in this folder: see ``cache_home.home_identity``)."""
        data = read_cache_file(self.path, _FORMAT)
        return data or None

    def save(self, fingerprint: str, record: dict[str, Any]) -> None:
        """Record a successful export."""
        write_cache_file(self.root, self.path, _FORMAT, {"fingerprint": fingerprint, **record})
