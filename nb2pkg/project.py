"""Load a project: its configuration and all its notebooks, read and checked."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .cache_home import CACHE_DIR, code_fingerprint
from .config import Config, load_config, notebooks_setting
from .errors import ConfigError, Location, Nb2pkgError, NotebookError, raise_all
from .notebook import Notebook, parse_notebook
from .notebook_cache import NotebookCache
from .report import Diagnostic, Severity
from .walk import find_notebooks


@dataclass(frozen=True)
class Project:
    """A project's configuration and its notebooks, in sorted order."""

    config: Config
    notebooks: tuple[Notebook, ...]
    # The notebooks as read, for the next run; saved by the commands that write.
    read_cache: NotebookCache | None = field(default=None, compare=False, repr=False)

    def notebook(self, relpath: str) -> Notebook | None:
        """Return the notebook at project-relative *relpath*, or None."""
        return self._by_relpath.get(relpath)

    @cached_property
    def _by_relpath(self) -> dict[str, Notebook]:
        return {nb.relpath: nb for nb in self.notebooks}


def load_project(
    path: Path | None = None, config: Config | None = None, *, cached: bool = True
) -> Project:
    """Read the configuration (unless given) and every notebook; report all bad ones at once.

    With *cached*, a notebook whose bytes are as when it was last read comes from the
    cache of notebooks read before (``nb2pkg.notebook_cache``) instead of being parsed.
    """
    config = config or load_config(path)
    folder = config.notebooks_dir
    if not folder.is_dir():
        raise ConfigError(
            f'the notebooks folder "{config.relative(folder)}" does not exist; create it, or '
            f"point the configuration at your notebooks ({_setting_name(config)})",
            notebooks_setting(config),
        )
    notebooks: list[Notebook] = []
    problems: list[Nb2pkgError] = []
    cache = _notebook_cache(config) if cached else None
    for path_ in find_notebooks(folder, recursive=config.recursive):
        relpath = config.relative(path_)
        undecodable = undecodable_name(relpath)
        if undecodable is not None:
            problems.append(undecodable)
            continue
        try:
            notebooks.append(read_notebook(path_, relpath, cache))
        except Nb2pkgError as exc:
            problems.append(exc)
    raise_all(problems)
    return Project(config, tuple(notebooks), cache)


def _notebook_cache(config: Config) -> NotebookCache:
    return NotebookCache(config.root, CACHE_DIR, code_fingerprint())


def read_notebook(path: Path, relpath: str, cache: NotebookCache | None = None) -> Notebook:
    """Read one notebook, from *cache* when its bytes are as they were read before."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotebookError(f"cannot be read: {exc.strerror}", Location(relpath)) from None
    found = None if cache is None else cache.lookup(path, relpath, hashlib.sha256(data).hexdigest())
    if found is None:
        found = parse_notebook(data, path, relpath)
        if cache is not None:
            cache.store(found)
        # The JSON (outputs and all) is most of a notebook's memory and few commands need
        # it: ``Notebook.raw`` reads it again from the same bytes when one does.
        object.__setattr__(found, "loaded", None)
    return found


def undecodable_name(relpath: str) -> NotebookError | None:
    """Refuse a file name holding bytes that are not UTF-8 (``os.fsdecode`` made them
    surrogates): the notebook's name goes into the modules, which are UTF-8 text."""
    try:
        relpath.encode("utf-8")
    except UnicodeEncodeError as exc:
        raw = relpath.encode("utf-8", "surrogateescape")
        shown = raw.decode("utf-8", "backslashreplace")
        byte = relpath[exc.start].encode("utf-8", "surrogateescape")[0]
        return NotebookError(
            f"the file name is not UTF-8 (it holds the byte 0x{byte:02x}): nb2pkg writes "
            "notebook names into the modules it generates, which are UTF-8 text; rename the "
            "notebook",
            Location(shown),
        )
    return None


def _setting_name(config: Config) -> str:
    if config.source == "nbdev2":
        return "nbs_path in settings.ini"
    if config.source == "nbdev3":
        return "nbs_path in [tool.nbdev]"
    return 'notebooks = "…" in [tool.nb2pkg]'


def directive_warnings(
    project: Project, export_severity: Severity = Severity.ERROR
) -> list[Diagnostic]:
    """Return a diagnostic for every directive-like line nb2pkg will not act on.

    A mis-typed or mis-cased export directive (NB402) is an error (the cell would silently
    be left out of the package): ``export`` and ``build`` refuse it unless told
    ``--no-check``. nbdev 1's directives (``# export``) are one diagnostic per notebook
    (NB404, an error when they mark cells for export), pointing to ``nb2pkg migrate``.
    Other unknown directives (NB401) are warnings.
    """
    return [
        found
        for notebook in project.notebooks
        for found in notebook_directive_warnings(project.config, notebook, export_severity)
    ]


def notebook_directive_warnings(
    config: Config, notebook: Notebook, export_severity: Severity = Severity.ERROR
) -> list[Diagnostic]:
    """Return ``directive_warnings`` for one notebook."""
    found: list[Diagnostic] = []
    flags = config.test.flags  # test flags (nb2pkg test) are known directives
    old_style = nbdev1_directives(notebook, export_severity)
    if old_style is not None:
        found.append(old_style)
    for cell in notebook.cells:
        for problem in cell.problems:
            if problem.old_style:
                continue
            if flags and _directive_name(problem.text) in flags:
                continue
            fix = f"; write `{problem.suggestion}`" if problem.suggestion else ""
            code = "NB402" if problem.affects_export else "NB401"
            severity = export_severity if problem.affects_export else Severity.WARNING
            found.append(
                Diagnostic(
                    code, severity, problem.message + fix, notebook.where(cell, problem.line)
                )
            )
    return found


def nbdev1_directives(
    notebook: Notebook, export_severity: Severity = Severity.ERROR
) -> Diagnostic | None:
    """NB404: one diagnostic for all of a notebook's nbdev 1 directives (``# export``), or None.

    They are not read (nbdev 2 and 3 do not read them either), so the cells they mark are
    not exported; ``nb2pkg migrate`` rewrites them to the ``#|`` form in place.
    """
    found = [(cell, p) for cell in notebook.cells for p in cell.problems if p.old_style]
    if not found:
        return None
    forms = list(dict.fromkeys(problem.text for _, problem in found))
    shown = ", ".join(f"`{form}`" for form in forms[:4]) + (", …" if len(forms) > 4 else "")
    exporting = any(problem.affects_export for _, problem in found)
    what = "the cells they mark are not exported" if exporting else "they have no effect"
    cell, problem = found[0]
    return Diagnostic(
        "NB404",
        export_severity if exporting else Severity.WARNING,
        f"{len(found)} nbdev 1 directive{'s' if len(found) > 1 else ''} ({shown}) not read: "
        f"{what} (nb2pkg, like nbdev 2 and 3, reads the `#| export` form); run "
        "`nb2pkg migrate` to rewrite them in place",
        notebook.where(cell, problem.line),
    )


def _directive_name(line: str) -> str | None:
    match = re.match(r"#\s*\|\s*([A-Za-z_][\w-]*)", line)
    return match.group(1) if match else None
