"""``pytest --nb2pkg``: the project's notebooks as test items, one per notebook.

Each item runs its notebook as ``nb2pkg test`` does — in a fresh process forked from a
test server that this pytest process starts on first use — so ``pytest -n auto``
(pytest-xdist) spreads notebooks over cores, and CI needs only pytest. A failure is
reported as ``nb2pkg test`` reports it: notebook, cell, line, source, trimmed traceback.

The plugin is registered for every pytest run (entry point ``pytest11``) and does nothing
without ``--nb2pkg``; it imports nothing of nb2pkg until then.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..config import Config
    from .client import ServerProcess
    from .jobs import Planned, Planner
    from .protocol import Job, Outcome


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --nb2pkg and the options that mirror `nb2pkg test`'s."""
    group = parser.getgroup("nb2pkg", "notebooks as tests (nb2pkg)")
    group.addoption(
        "--nb2pkg",
        action="store_true",
        help="collect notebooks (.ipynb) as tests, one item per notebook; the project's "
        "notebooks folder is collected even when testpaths leave it out",
    )
    group.addoption(
        "--nb2pkg-flags",
        action="append",
        default=[],
        metavar="FLAG",
        help="also run cells carrying this test flag (repeatable)",
    )
    group.addoption(
        "--nb2pkg-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds a cell may run; 0 for no limit (default: [tool.nb2pkg.test] timeout)",
    )
    group.addoption(
        "--nb2pkg-against-package",
        action="store_true",
        help="import exported cells' names from the package instead of running the cells",
    )
    group.addoption(
        "--nb2pkg-check-outputs",
        action="store_true",
        help="fail when a cell's text output differs from the stored one",
    )


_STATE = pytest.StashKey["_Notebooks"]()


def pytest_configure(config: pytest.Config) -> None:
    """With --nb2pkg: remember the options and make sure the notebooks folder is collected."""
    if not config.getoption("nb2pkg"):
        return
    state = _Notebooks(config)
    config.stash[_STATE] = state
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        state.add_notebooks_folder(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop this process's test server."""
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect a notebook as a file holding one test item."""
    state = parent.config.stash.get(_STATE, None)
    if state is None or file_path.suffix != ".ipynb" or not state.wanted(file_path):
        return None
    notebook: NotebookFile = NotebookFile.from_parent(parent, path=file_path)
    return notebook


class NotebookFailed(Exception):
    """A notebook's outcome was a failure."""

    def __init__(self, outcome: Outcome, job: Job | None) -> None:
        super().__init__(outcome.notebook)
        self.outcome = outcome
        self.job = job


class NotebookFile(pytest.File):
    """A notebook: one item that runs it top to bottom."""

    def collect(self) -> list[pytest.Item]:
        item: NotebookItem = NotebookItem.from_parent(self, name=self.path.name)
        return [item]


class NotebookItem(pytest.Item):
    """Run one notebook in a fresh process; fail with nb2pkg's report of what went wrong."""

    def runtest(self) -> None:
        from .protocol import Status

        state: _Notebooks = self.config.stash[_STATE]
        planned = state.plan(self.path)
        if planned.skip:
            pytest.skip(planned.skip)
        outcome = state.run(planned)
        skipped = ", ".join(f"{n} × {reason}" for reason, n in planned.skipped_cells)
        if skipped:
            self.add_report_section("call", "nb2pkg", f"cells skipped: {skipped}")
        if outcome.status is Status.FAILED:
            raise NotebookFailed(outcome, planned.job)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """Show the failure as `nb2pkg test` does, not as a traceback of the plugin."""
        from ..errors import Nb2pkgError
        from .report import failure_text

        if isinstance(excinfo.value, NotebookFailed):
            return failure_text(excinfo.value.outcome, excinfo.value.job)
        if isinstance(excinfo.value, Nb2pkgError):
            return f"error: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"notebook {self.path.name}"


class _Notebooks:
    """This pytest process's view of the projects its notebooks belong to, and its server."""

    def __init__(self, config: pytest.Config) -> None:
        from .jobs import TestOptions, split_flags

        self.options = TestOptions(
            flags=split_flags(config.getoption("nb2pkg_flags")),
            timeout=config.getoption("nb2pkg_timeout"),
            against_package=config.getoption("nb2pkg_against_package"),
            check_outputs=config.getoption("nb2pkg_check_outputs"),
        )
        self.explicit = {Path(arg.split("::")[0]).resolve() for arg in config.args}
        self._planners: dict[Path, Planner] = {}
        self._server: ServerProcess | None = None
        self._runs = 0

    def add_notebooks_folder(self, config: pytest.Config) -> None:
        """Add the rootdir project's notebooks folder to what pytest collects."""
        from ..errors import Nb2pkgError

        try:
            notebooks = self.project(config.rootpath).notebooks_dir
        except Nb2pkgError:
            return  # not an nb2pkg or nbdev project: collect what pytest was told to
        collected = [Path(arg.split("::")[0]).resolve() for arg in config.args]
        if notebooks.is_dir() and not any(
            notebooks == c or c in notebooks.parents for c in collected
        ):
            config.args.append(str(notebooks))

    def project(self, path: Path) -> Config:
        """Return the configuration of the project holding *path* (read once per project)."""
        return self.planner(path).config

    def planner(self, path: Path) -> Planner:
        from ..config import find_project_root, load_config
        from .jobs import Planner

        root = find_project_root(path)
        if root not in self._planners:
            self._planners[root] = Planner(load_config(root), self.options)
        return self._planners[root]

    def wanted(self, path: Path) -> bool:
        """Tell whether pytest should collect the notebook at *path* (not in a _ or . folder)."""
        from ..errors import Nb2pkgError
        from .jobs import is_hidden

        try:
            config = self.project(path)
        except Nb2pkgError:
            return path.resolve() in self.explicit  # a notebook outside any project
        return path.resolve() in self.explicit or not is_hidden(config, path)

    def plan(self, path: Path) -> Planned:
        """Plan the notebook's job, or say why it is skipped."""
        from .jobs import Planned, skip_reason

        path = path.resolve()
        planner = self.planner(path)
        reason = "" if path in self.explicit else skip_reason(planner.config, path)
        if reason:
            return Planned(planner.config.relative(path), None, reason)
        planned = planner.plan(path)
        if planned.problem is not None:
            raise planned.problem
        return planned

    def run(self, planned: Planned) -> Outcome:
        """Run one planned notebook and return its outcome."""
        assert planned.job is not None
        if self._server is None:
            self._server = self._start(planned.job)
        self._runs += 1
        job_id = str(self._runs)
        self._server.submit(job_id, planned.job)
        received, outcome = self._server.next_outcome()
        assert received == job_id, (received, job_id)
        return outcome

    def _start(self, job: Job) -> ServerProcess:
        """Start this process's server; import ahead what the project's notebooks import."""
        from .bindings import package_modules
        from .client import ServerProcess
        from .jobs import select_notebooks

        server = ServerProcess(1, cwd=Path(job.root))
        planner = self.planner(Path(job.path))
        config = planner.config
        jobs = [planner.plan(s.path).job for s in select_notebooks(config) if not s.skip]
        found = package_modules([j for j in jobs if j is not None], config)
        server.preload(found, config.root, config.notebooks_dir)
        return server

    def close(self) -> None:
        if self._server is not None:
            self._server.done()
            self._server.close()
            self._server = None
