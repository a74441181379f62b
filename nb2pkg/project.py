"""Load a project: its configuration and all its notebooks, read and checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .config import Config, load_config
from .errors import ConfigError, Location, Nb2pkgError, raise_all
from .notebook import Notebook, find_notebooks, read_notebook
from .report import Diagnostic


@dataclass(frozen=True)
class Project:
    """A project's configuration and its notebooks, in sorted order."""

    config: Config
    notebooks: tuple[Notebook, ...]

    def notebook(self, relpath: str) -> Notebook | None:
        """Return the notebook at project-relative *relpath*, or None."""
        return next((nb for nb in self.notebooks if nb.relpath == relpath), None)


def load_project(path: Path | None = None, config: Config | None = None) -> Project:
    """Read the configuration (unless given) and every notebook; report all bad ones at once."""
    config = config or load_config(path)
    folder = config.notebooks_dir
    if not folder.is_dir():
        raise ConfigError(
            f'the notebooks folder "{config.relative(folder)}" does not exist; create it, or '
            f"point the configuration at your notebooks ({_setting_name(config)})",
            Location(config.relative(config.config_file)),
        )
    notebooks: list[Notebook] = []
    problems: list[Nb2pkgError] = []
    for path_ in find_notebooks(folder, recursive=config.recursive):
        relpath = config.relative(path_)
        if "\n" in relpath or "\r" in relpath:
            problems.append(
                Nb2pkgError(
                    "a notebook's name cannot hold a line break; rename it", Location(repr(relpath))
                )
            )
            continue
        try:
            notebooks.append(read_notebook(path_, relpath))
        except Nb2pkgError as exc:
            problems.append(exc)
    raise_all(problems)
    return Project(config, tuple(notebooks))


def _setting_name(config: Config) -> str:
    if config.source == "nbdev2":
        return "nbs_path in settings.ini"
    if config.source == "nbdev3":
        return "nbs_path in [tool.nbdev]"
    return 'notebooks = "…" in [tool.nb2pkg]'


def directive_warnings(project: Project, export_severity: str = "warning") -> list[Diagnostic]:
    """Return a diagnostic for every directive-like line nb2pkg will not act on.

    A mis-typed export directive (NB402) is a warning for export, which goes on, and an error
    for check (*export_severity*): the cell is silently not exported.
    """
    found: list[Diagnostic] = []
    flags = set(project.config.test.flags)  # test flags (nb2pkg test) are known directives
    for notebook in project.notebooks:
        for cell in notebook.cells:
            for problem in cell.problems:
                if flags and _directive_name(problem.text) in flags:
                    continue
                fix = f"; write `{problem.suggestion}`" if problem.suggestion else ""
                code = "NB402" if problem.affects_export else "NB401"
                severity = export_severity if problem.affects_export else "warning"
                found.append(
                    Diagnostic(
                        code, severity, problem.message + fix, notebook.where(cell, problem.line)
                    )
                )
    return found


def _directive_name(line: str) -> str | None:
    match = re.match(r"#\s*\|\s*([A-Za-z_][\w-]*)", line)
    return match.group(1) if match else None
