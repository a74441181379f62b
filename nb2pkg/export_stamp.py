"""The export stamp: what the last successful export read and left, to skip what it did.

When the configuration, the notebooks and every ``.py`` file of the package are exactly as
the last export left them, a new export cannot change anything: ``stamped_result`` says so
after hashing those files, without parsing a notebook (or importing the export stage).
The record also keeps the digest of every module export wrote or kept
(``exported_digests``): sync reads only the modules that differ from it.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from .cache_home import CACHE_DIR, code_fingerprint, read_cache_file, write_cache_file
from .config import Config
from .export_result import ExportResult
from .file_changes import Action, FileChange
from .fsio import digest_bytes, remove_stale_temp_files
from .report import diagnostic_from_json, diagnostic_to_json
from .walk import find_notebooks, python_files

_FORMAT = 2


def stamped_result(
    config: Config, drop_magics: bool | None = None, check: bool = True
) -> ExportResult | None:
    """Return the last export's result if nothing changed since it ran (from its stamp)."""
    stamp = ExportStamp(config.root, config.lib_dir)
    fingerprint = _fingerprint(stamp, config, drop_magics, check)
    previous = None if fingerprint is None else stamp.load(fingerprint)
    return None if previous is None else _up_to_date(config.root, previous)


def remember_export(
    result: ExportResult, config: Config, drop_magics: bool | None = None, check: bool = True
) -> None:
    """Stamp the project as exported: until an input or a package file changes, no work."""
    stamp = ExportStamp(config.root, config.lib_dir)
    # Hash after writing: the export itself just changed the package's files.
    fingerprint = _fingerprint(stamp, config, drop_magics, check)
    if fingerprint is not None:
        stamp.save(fingerprint, _record(result))


def up_to_date(config: Config) -> bool:
    """Tell whether notebooks, configuration and package are exactly as the last export left them."""
    stamp = ExportStamp(config.root, config.lib_dir)
    fingerprint = _fingerprint(stamp, config, None, True)
    return fingerprint is not None and stamp.load(fingerprint) is not None


def _fingerprint(
    stamp: ExportStamp, config: Config, drop_magics: bool | None, check: bool
) -> str | None:
    """Hash the inputs and outputs of an export with these options (None: no notebooks)."""
    if not config.notebooks_dir.is_dir():
        return None
    notebooks = find_notebooks(config.notebooks_dir, recursive=config.recursive)
    # A --no-check export may leave modules that a checked one refuses: not interchangeable.
    return stamp.fingerprint(config.config_file, notebooks, repr((drop_magics, check)))


def _record(result: ExportResult) -> dict[str, Any]:
    root = result.root
    modules = [c.path for c in result.changes if c.module]
    return {
        "notebooks": result.notebooks,
        "cells": result.cells,
        "modules": [path.relative_to(root).as_posix() for path in modules],
        "written": _digests(root, modules),
        "warnings": [diagnostic_to_json(w) for w in result.warnings],
    }


def _digests(root: Path, paths: list[Path]) -> dict[str, str]:
    """Return the digest of each file as it is now (just written or kept by the export)."""
    found = {}
    for path in paths:
        try:
            found[path.relative_to(root).as_posix()] = digest_bytes(path.read_bytes())
        except OSError:
            continue
    return found


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
    """The fingerprint of the last successful export: its inputs and the files it left.

    When the notebooks, the configuration and every ``.py`` file of the package are exactly
    as the last export left them, a new export cannot change anything, and the run ends
    after reading and hashing those files, without parsing a notebook.
    """

    def __init__(self, root: Path, lib_dir: Path) -> None:
        self.root = root
        self.lib_dir = lib_dir
        self.path = root / CACHE_DIR / "cache" / "export-stamp.json"

    def fingerprint(self, config_file: Path, notebooks: list[Path], options: str) -> str:
        """Hash everything an export reads: configuration, notebooks, package files."""
        digest = hashlib.sha256()
        digest.update(
            f"{_FORMAT}\0{code_fingerprint()}\0{sys.version_info[:2]}\0{options}\0".encode()
        )

        files = [config_file, *notebooks, *python_files(self.lib_dir)]
        for path in files:
            digest.update(path.relative_to(self.root).as_posix().encode("utf-8", "surrogateescape"))
            try:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                digest.update(b"\0missing")
        return digest.hexdigest()

    def load(self, fingerprint: str) -> dict[str, Any] | None:
        """Return what the last export recorded, if its fingerprint is *fingerprint*."""
        data = self.last_record()
        if data is None or data.get("fingerprint") != fingerprint:
            return None
        return data

    def last_record(self) -> dict[str, Any] | None:
        """Return what the last export recorded here, whatever changed since (None: nothing,
        or a record that was not written in this folder: see ``cache_home.home_identity``)."""
        data = read_cache_file(self.path, _FORMAT)
        return data or None

    def save(self, fingerprint: str, record: dict[str, Any]) -> None:
        """Record a successful export."""
        write_cache_file(self.root, self.path, _FORMAT, {"fingerprint": fingerprint, **record})
