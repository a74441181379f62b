"""Decide what runs: which notebooks, and in each which cells run, are skipped or imported.

    select_notebooks(config, paths)   the notebooks to test, each with a reason to skip or not
    plan_notebook(notebook, ...)      a Job for the child (or a reason to skip the notebook)
    exported_cells(project)           --against-package: (notebook, cell id) → module

Everything here is static: notebooks are read, never run.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import Location, Nb2pkgError
from ..notebook import Cell, Notebook, read_notebook
from ..plan import make_plan
from ..project import Project, load_project
from .bindings import cell_bindings
from .outputs import stored_outputs
from .protocol import Action, Job, Step

#: Always a test flag, whatever the configuration says: nbdev's convention.
BUILTIN_FLAGS = ("notest",)
RAISES_TAG = "raises-exception"  # nbclient's and nbval's cell tag for an expected error
_FALSE = frozenset({"false", "no", "0", "off"})
_SKIP_EXEC = re.compile(r"^\s*-?\s*skip_exec\s*:\s*true\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class TestOptions:
    """How to run the notebooks; None means "as configured"."""

    __test__ = False  # a value, not a test class, for pytest's collector

    flags: tuple[str, ...] = ()  # run cells with these test flags too
    timeout: float | None = None  # seconds per cell; 0 for no limit
    against_package: bool = False
    check_outputs: bool = False


def split_flags(values: Iterable[str]) -> tuple[str, ...]:
    """Accept `--flags slow --flags cuda` as well as nbdev's `--flags "slow cuda"`."""
    return tuple(f for value in values for f in re.split(r"[\s,|]+", value) if f)


@dataclass(frozen=True)
class Selected:
    """A notebook chosen for the run; ``skip`` says why it will not run, if it will not."""

    path: Path
    relpath: str
    skip: str = ""


@dataclass(frozen=True)
class Planned:
    """A notebook ready to run (``job``), skipped (``skip``) or unreadable (``problem``)."""

    relpath: str
    job: Job | None
    skip: str = ""
    skipped_cells: tuple[tuple[str, int], ...] = ()  # (reason, how many cells)
    problem: Nb2pkgError | None = None


def select_notebooks(config: Config, paths: Iterable[Path] = ()) -> list[Selected]:
    """Return the notebooks to test, sorted: all of the project's, or those under *paths*.

    A notebook named ``_*``, matching a ``skip`` glob or nbdev's ``skip_file_re``, or in a
    folder holding a ``.notest`` file is skipped — unless it was named on the command line.
    Folders named ``_*`` or ``.*`` are not searched.
    """
    chosen: dict[Path, Selected] = {}
    paths = list(paths)
    for start in paths or [config.notebooks_dir]:
        target = start.resolve()
        if not target.exists():
            raise Nb2pkgError("no such file or folder", Location(str(start)))
        if target != config.root and config.root not in target.parents:
            raise Nb2pkgError(
                f"is outside the project ({config.root}); name notebooks inside it",
                Location(str(start)),
            )
        if target.is_file():
            if target.suffix != ".ipynb":
                raise Nb2pkgError("is not a notebook (.ipynb)", Location(str(start)))
            chosen[target] = Selected(target, config.relative(target))
            continue
        for found in _walk(target, config.recursive):
            if found not in chosen:
                chosen[found] = Selected(found, config.relative(found), skip_reason(config, found))
    return sorted(chosen.values(), key=lambda s: s.relpath)


def is_hidden(config: Config, path: Path) -> bool:
    """Tell whether *path* lies in a folder that is never searched (``_*``, ``.*``)."""
    try:
        folders = path.resolve().relative_to(config.root).parts[:-1]
    except ValueError:
        return False
    return any(part.startswith(("_", ".")) for part in folders)


def _walk(folder: Path, recursive: bool) -> list[Path]:
    found = []
    for path in folder.glob("**/*.ipynb" if recursive else "*.ipynb"):
        folders = path.relative_to(folder).parts[:-1]
        if any(part.startswith(("_", ".")) for part in folders) or path.name.startswith("."):
            continue
        if path.is_file():
            found.append(path)
    return found


def skip_reason(config: Config, path: Path) -> str:
    """Return why the notebook at *path* is skipped when found in a folder, or ""."""
    settings = config.test
    if path.name.startswith("_"):
        return "name starts with _"
    names = {path.name, config.relative(path)}
    try:
        names.add(path.relative_to(config.notebooks_dir).as_posix())
    except ValueError:
        pass
    for pattern in settings.skip:
        if any(fnmatch.fnmatch(name, pattern) for name in names):
            return f'matches skip pattern "{pattern}"'
    if settings.skip_re and re.search(settings.skip_re, path.name):
        return f'matches skip_file_re "{settings.skip_re}"'
    for folder in path.parents:
        if (folder / ".notest").exists():
            return f"{config.relative(folder / '.notest')} exists"
        if folder == config.root:
            break
    return ""


def exported_cells(project: Project) -> dict[tuple[str, str], str]:
    """Map each exported cell (notebook, cell id) to the dotted module it is exported to."""
    config = project.config
    plan = make_plan(config.package, config.lib_dir, project.notebooks)
    found = {}
    for module in plan.modules:
        parts = [config.package, *module.name.split(".")]
        dotted = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for chunk in module.chunks:
            found[(chunk.notebook, chunk.cell_id)] = dotted
    return found


class Planner:
    """Plan jobs for one project with one set of options (the export plan is made once)."""

    def __init__(self, config: Config, options: TestOptions) -> None:
        self.config = config
        self.options = options
        self.skip_flags = frozenset((*BUILTIN_FLAGS, *config.test.flags)) - set(options.flags)
        given = options.timeout
        self.timeout = config.test.timeout if given is None else (given or None)
        self._project: Project | None = None
        self._exported: dict[tuple[str, str], str] | None = None

    def prepare(self) -> None:
        """--against-package: read every notebook and plan the export (raises its problems)."""
        if self.options.against_package and self._project is None:
            self._project = load_project(config=self.config)
            self._exported = exported_cells(self._project)

    def plan(self, path: Path) -> Planned:
        """Read the notebook at *path* and plan its job (or say why it cannot run)."""
        self.prepare()
        relpath = self.config.relative(path)
        notebook = self._project.notebook(relpath) if self._project is not None else None
        try:
            notebook = notebook or read_notebook(path, relpath)
        except Nb2pkgError as exc:
            return Planned(relpath, None, problem=exc)
        return plan_notebook(
            notebook,
            self.config,
            skip_flags=self.skip_flags,
            exported=self._exported,
            check_outputs=self.options.check_outputs,
            timeout=self.timeout,
        )


def plan_notebook(
    notebook: Notebook,
    config: Config,
    *,
    skip_flags: frozenset[str],
    exported: dict[tuple[str, str], str] | None,
    check_outputs: bool,
    timeout: float | None,
) -> Planned:
    """Turn *notebook* into a job: the code cells to run, in order, and what is left out."""
    reason = _notebook_skip(notebook)
    if reason:
        return Planned(notebook.relpath, None, reason)
    steps: list[Step] = []
    skipped: Counter[str] = Counter()
    cells = notebook.raw.get("cells", [])
    for cell in notebook.cells:
        if cell.kind != "code" or not cell.source.strip():
            continue
        why = cell_skip_reason(cell, skip_flags)
        if why:
            skipped[why] += 1
            continue
        raw = cells[cell.index] if cell.index < len(cells) else {}
        module = exported.get((notebook.relpath, cell.id)) if exported is not None else None
        steps.append(_step(cell, raw, module, check_outputs))
    job = Job(
        notebook=notebook.relpath,
        path=str(notebook.path.resolve()),
        root=str(config.root),
        steps=tuple(steps),
        timeout=timeout,
        sanitizers=config.test.sanitize,
    )
    return Planned(notebook.relpath, job, skipped_cells=tuple(sorted(skipped.items())))


def _notebook_skip(notebook: Notebook) -> str:
    metadata = notebook.raw.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    for key in ("kernelspec", "language_info"):
        info = metadata.get(key)
        language = (
            info.get("language" if key == "kernelspec" else "name")
            if isinstance(info, dict)
            else None
        )
        if isinstance(language, str) and language.lower() not in ("python", "python3", ""):
            return f"a {language} notebook"
    first = next((c for c in notebook.cells if c.source.strip()), None)
    if first is not None and first.kind in ("raw", "markdown") and _SKIP_EXEC.search(first.source):
        return "front matter says skip_exec: true"
    return ""


def cell_skip_reason(cell: Cell, skip_flags: frozenset[str]) -> str:
    """Return why a code cell is not run (``eval: false``, a test flag, ...), or ""."""
    for directive in cell.directives:
        if directive.name == "eval" and directive.value.strip().lower() in _FALSE:
            return "eval: false"
        if directive.name in skip_flags:
            return f"flag {directive.name}"
    if "nbdev_export(" in cell.body:
        return "calls nbdev_export()"  # nbdev's runner skips these too: they write the package
    return ""


def _step(cell: Cell, raw: Any, module: str | None, check_outputs: bool) -> Step:
    metadata = raw.get("metadata") if isinstance(raw, dict) else None
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    may_raise = isinstance(tags, list) and RAISES_TAG in tags
    if module is not None:
        required, optional, stars = cell_bindings(cell.body)
        return Step(
            cell.index,
            cell.id,
            cell.source,
            Action.IMPORT,
            module=module,
            names=required,
            optional=optional,
            star_imports=stars,
        )
    expected = None
    if check_outputs and not _ignores_output(cell):
        outputs = raw.get("outputs") if isinstance(raw, dict) else None
        if outputs or cell.execution_count is not None:  # never run: nothing to compare with
            expected = stored_outputs(outputs)
    return Step(cell.index, cell.id, cell.source, may_raise=may_raise, expected=expected)


def _ignores_output(cell: Cell) -> bool:
    return any(d.name == "nb2pkg" and "ignore-output" in d.value.split() for d in cell.directives)
