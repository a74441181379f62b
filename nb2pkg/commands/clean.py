"""``nb2pkg clean``: clean notebook files, check them, or clean one notebook as a git filter.

    options = clean_options(config)           # [tool.nb2pkg.clean], nbdev's clean settings
    cleaned = [clean_bytes(file) for file]    # every notebook read and cleaned in memory
    with --check: report; otherwise write the changed ones (atomically, guarded)

A notebook that cannot be read stops the run before anything is written. As a git filter
(``--stdin``), a notebook that cannot be cleaned is passed through unchanged, with the error
on stderr: a filter must never lose what it was given.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..clean import CleanOptions
from ..clean_io import CleanText, clean_bytes, clean_options, project_config
from ..config import Config, load_config, notebooks_setting
from ..errors import ConfigError, Location, Nb2pkgError, NotebookError, raise_all
from ..exit_codes import ExitCode
from ..fsio import write_text_atomic
from ..report import count
from ..walk import find_notebooks


@dataclass(frozen=True)
class NotebookClean:
    """A notebook file and the outcome of cleaning it."""

    path: Path
    shown: str  # the path as messages show it
    root: Path  # writes stay inside this folder
    digest: str  # of the bytes read, to refuse a write over a concurrent edit
    result: CleanText


@dataclass(frozen=True)
class CleanResult:
    """Every notebook looked at, and whether the changed ones were written."""

    notebooks: tuple[NotebookClean, ...]
    skipped: tuple[str, ...]  # left to git's filter (--skip-filtered)
    written: bool

    @property
    def changed(self) -> tuple[NotebookClean, ...]:
        """Return the notebooks that were (or would be) cleaned."""
        return tuple(nb for nb in self.notebooks if nb.result.changed)

    @property
    def exit_code(self) -> ExitCode:
        """Return 1 if a check found notebooks that are not clean."""
        return ExitCode.found_if(self.changed and not self.written)

    def summary(self) -> str:
        """Return the one-line summary."""
        changed = len(self.changed)
        clean = len(self.notebooks) - changed
        if self.written:
            text = f"cleaned {count(changed, 'notebook')} ({clean} already clean)"
        elif changed:
            text = f"{count(changed, 'notebook')} not clean ({clean} clean): run `nb2pkg clean`"
        else:
            text = f"{count(clean, 'notebook')} clean"
        if self.skipped:
            text += f"; {len(self.skipped)} left to git's nb2pkg filter"
        return text


@dataclass(frozen=True)
class StreamResult:
    """The bytes a filter writes, and the error that made it pass its input through."""

    output: bytes
    error: Nb2pkgError | None = None


def clean_stream(
    data: bytes, path: Path | None = None, outputs: bool | None = None
) -> StreamResult:
    """Clean the notebook in *data* (a git filter's input); pass it through if that fails."""
    shown = path.as_posix() if path else "<stdin>"
    try:
        config = project_config(path.resolve() if path else Path.cwd())
        result = clean_bytes(data, shown, clean_options(config, outputs))
    except Nb2pkgError as exc:
        return StreamResult(data, exc)
    return StreamResult(result.text.encode("utf-8"))


def clean_files(
    path: Path | None = None,
    paths: Sequence[Path] = (),
    *,
    check: bool = False,
    outputs: bool | None = None,
    skip_filtered: bool = False,
) -> CleanResult:
    """Clean the notebooks named by *paths* (files or folders), or else the project's."""
    targets = _targets(path, paths)
    skipped: list[str] = []
    if skip_filtered:
        targets, skipped = _without_filtered(targets)
    found: list[NotebookClean] = []
    problems: list[Nb2pkgError] = []
    options: dict[Path, CleanOptions] = {}
    for file, shown, root, config in targets:
        try:
            data = file.read_bytes()
        except OSError as exc:
            problems.append(NotebookError(f"cannot be read: {exc.strerror}", Location(shown)))
            continue
        if root not in options:
            options[root] = clean_options(config, outputs)
        try:
            result = clean_bytes(data, shown, options[root])
        except Nb2pkgError as exc:
            problems.append(exc)
            continue
        found.append(NotebookClean(file, shown, root, hashlib.sha256(data).hexdigest(), result))
    raise_all(problems)
    if not check:
        for notebook in found:
            if notebook.result.changed:
                write_text_atomic(
                    notebook.path, notebook.result.text, root=notebook.root, expect=notebook.digest
                )
    return CleanResult(tuple(found), tuple(skipped), written=not check)


Target = tuple[Path, str, Path, Config | None]  # file, shown, write root, its project


def _targets(path: Path | None, paths: Sequence[Path]) -> list[Target]:
    if not paths:
        own = load_config(path)
        if not own.notebooks_dir.is_dir():
            raise ConfigError(
                f'the notebooks folder "{own.relative(own.notebooks_dir)}" does not exist',
                notebooks_setting(own),
            )
        files = find_notebooks(own.notebooks_dir, recursive=own.recursive)
        return [(file, own.relative(file), own.root, own) for file in files]
    targets: list[Target] = []
    configs: dict[Path, Config | None] = {}
    problems: list[Nb2pkgError] = []
    for given in paths:
        if given.is_dir():
            files = find_notebooks(given, recursive=True)
        elif given.is_file():
            files = [given]
        else:
            problems.append(Nb2pkgError("does not exist", Location(str(given))))
            continue
        for file in files:
            folder = file.resolve().parent
            if folder not in configs:
                configs[folder] = project_config(folder)
            config = configs[folder]
            root = config.root if config else folder
            targets.append((file.resolve(), _shown(file), root, config))
    raise_all(problems)
    return targets


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), Path.cwd()).replace(os.sep, "/")
    except ValueError:  # another drive (Windows)
        return path.as_posix()


def _without_filtered(targets: list[Target]) -> tuple[list[Target], list[str]]:
    """Leave out notebooks that git's nb2pkg filter cleans on every add and commit."""
    from ..gitsetup import FilterUse, filter_use

    by_root: dict[Path, list[Target]] = {}
    for target in targets:
        by_root.setdefault(target[2], []).append(target)
    kept: list[Target] = []
    skipped: list[str] = []
    for root, group in by_root.items():
        use = filter_use(root, [target[0] for target in group])
        for target in group:
            if use[target[0].resolve()] is FilterUse.ACTIVE:
                skipped.append(target[1])
            else:
                kept.append(target)
    return kept, skipped
