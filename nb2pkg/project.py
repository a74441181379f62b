"""Load a project: its configuration and all its notebooks, read and checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import Config, load_config, notebooks_setting
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
            notebooks_setting(config),
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


def directive_warnings(project: Project, export_severity: str = "error") -> list[Diagnostic]:
    """Return a diagnostic for every directive-like line nb2pkg will not act on.

    A mis-typed, mis-cased or old-style export directive (NB402) is an error (the cell would
    silently be left out of the package): ``export`` and ``build`` refuse it unless told
    ``--no-check``. Other unknown directives (NB401) are warnings.
    """
    found: list[Diagnostic] = []
    for notebook in project.notebooks:
        for cell in notebook.cells:
            for problem in cell.problems:
                fix = f"; write `{problem.suggestion}`" if problem.suggestion else ""
                code = "NB402" if problem.affects_export else "NB401"
                severity = export_severity if problem.affects_export else "warning"
                found.append(
                    Diagnostic(
                        code, severity, problem.message + fix, notebook.where(cell, problem.line)
                    )
                )
    return found
