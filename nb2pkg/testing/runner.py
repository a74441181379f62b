"""``nb2pkg test``: run notebooks top to bottom as tests, each in a fresh process, in parallel.

    config = load_config(path)
    selected = select_notebooks(config, paths)        # skips by name, glob, skip_file_re
    server = ServerProcess(workers)                   # starts (IPython import) while we plan
    planned = plan each notebook                      # cells run / skipped / imported
    submit jobs; collect outcomes as they end         # -x: stop at the first failure

The command's own process never imports IPython and never runs notebook code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import Config, load_config
from ..exit_codes import ExitCode
from ..report import count
from .bindings import package_modules
from .client import ServerProcess, default_workers
from .jobs import BUILTIN_FLAGS, Planned, Planner, TestOptions, select_notebooks
from .protocol import Failure, FailureKind, Job, Outcome, Status

OnOutcome = Callable[[Outcome], None]


@dataclass(frozen=True)
class TestRun:
    """The outcome of every notebook, and what they add up to."""

    __test__ = False

    outcomes: tuple[Outcome, ...]
    jobs: dict[str, Job]  # by notebook, for showing the source of a failing cell
    seconds: float
    not_run: int = 0  # notebooks never started because -x stopped the run
    notes: tuple[str, ...] = ()

    def number(self, status: Status) -> int:
        """Return how many notebooks ended with *status*."""
        return sum(o.status is status for o in self.outcomes)

    @property
    def exit_code(self) -> ExitCode:
        """Return 1 if any notebook failed, else 0."""
        return ExitCode.found_if(self.number(Status.FAILED))

    def summary(self) -> str:
        """Return "3 passed, 1 failed, 2 skipped in 1.2 s"."""
        text = (
            f"{self.number(Status.PASSED)} passed, {self.number(Status.FAILED)} failed, "
            f"{self.number(Status.SKIPPED)} skipped in {self.seconds:.2f} s"
        )
        if self.not_run:
            text += f"; {count(self.not_run, 'notebook')} not run (stopped at the first failure)"
        return text


def test_project(
    path: Path | None = None,
    *,
    paths: Sequence[Path] = (),
    workers: int | None = None,
    options: TestOptions | None = None,
    exitfirst: bool = False,
    on_outcome: OnOutcome | None = None,
) -> TestRun:
    """Run the project's notebooks (or those under *paths*) and return every outcome."""
    started = time.perf_counter()
    options = options or TestOptions()
    config = load_config(path or (paths[0] if paths else None))
    selected = select_notebooks(config, paths)
    notes = _flag_notes(config, options.flags)
    emit = on_outcome or (lambda outcome: None)
    outcomes: list[Outcome] = []
    for skipped in (s for s in selected if s.skip):
        outcomes.append(Outcome(skipped.relpath, Status.SKIPPED, skip_reason=skipped.skip))
        emit(outcomes[-1])
    if len(outcomes) == len(selected):
        return TestRun(tuple(outcomes), {}, time.perf_counter() - started, notes=notes)
    size = min(workers or default_workers(), len(selected) - len(outcomes))
    with ServerProcess(size, cwd=config.root) as server:
        planner = Planner(config, options)
        planned = [planner.plan(s.path) for s in selected if not s.skip]
        jobs = {p.relpath: p.job for p in planned if p.job is not None}
        server.preload(package_modules(jobs.values(), config), config.root, config.notebooks_dir)
        for plan in planned:
            if plan.job is None:
                outcomes.append(_unplanned(plan))
                emit(outcomes[-1])
        by_id = {str(n): p for n, p in enumerate(planned) if p.job is not None}
        if exitfirst and any(o.status is Status.FAILED for o in outcomes):
            by_id = {}  # an unreadable notebook is the first failure
        for job_id, plan in by_id.items():
            assert plan.job is not None
            server.submit(job_id, plan.job)
        if not by_id:
            server.done()
        stopped = False
        for job_id, outcome in server.outcomes():
            plan = by_id.pop(job_id)
            outcomes.append(replace(outcome, skipped_cells=plan.skipped_cells))
            emit(outcomes[-1])
            if not by_id:
                server.done()  # the server ends after the last outcome
            elif exitfirst and outcome.status is Status.FAILED and not stopped:
                stopped = True
                server.stop()  # kills what still runs: those notebooks count as not run
        if server.preloaded not in ("", "ok"):
            notes += (
                f"note: {server.preloaded}, so the package was not imported once ahead of the "
                "notebooks: each imports it itself (slower; see docs/test.md)",
            )
    return TestRun(
        tuple(outcomes),
        jobs,
        time.perf_counter() - started,
        not_run=len(selected) - len(outcomes),
        notes=notes,
    )


def _unplanned(plan: Planned) -> Outcome:
    """A notebook that will not run: skipped by its metadata, or unreadable (a failure)."""
    if plan.problem is not None:
        where = plan.problem.where
        failure = Failure(
            FailureKind.ERROR,
            f"cannot be read: {plan.problem.message}",
            where.cell_index if where else None,
            where.cell_id if where else None,
        )
        return Outcome(plan.relpath, Status.FAILED, failure=failure)
    return Outcome(plan.relpath, Status.SKIPPED, skip_reason=plan.skip)


def _flag_notes(config: Config, flags: Sequence[str]) -> tuple[str, ...]:
    known = {*BUILTIN_FLAGS, *config.test.flags}
    unknown = [flag for flag in flags if flag not in known]
    if not unknown:
        return ()
    declared = ", ".join(sorted(known))
    return (
        f"note: --flags {' '.join(unknown)}: not a declared test flag (declared: {declared}; "
        "declare flags in [tool.nb2pkg.test] flags)",
    )
