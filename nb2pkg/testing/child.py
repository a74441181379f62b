"""Run one notebook in this process: the body of every test child.

The process was made for this one notebook (forked from the server, or started fresh) and
ends after it, so nothing a notebook does — globals, imported modules, ``sys.path``, the
working folder, the environment — can reach another notebook. The child reports to the
server over its channel, one JSON line per message: ``{"cell": N}`` as each cell starts
(so a timeout can name it), then ``{"outcome": ...}``.

    main()      the spawned form: the job arrives on stdin, and stdout becomes the channel
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .outputs import compile_sanitizers, difference
from .protocol import (
    Action,
    Failure,
    FailureKind,
    Frame,
    Job,
    Mismatch,
    Outcome,
    Status,
    Step,
    TextOutput,
    dumps,
    job_from_json,
    outcome_to_json,
)
from .shell import TestShell, capture

Send = Callable[[dict[str, Any]], None]
# Bound now: the notebook may replace what it likes in os, but the report must still go out.
_WRITE = os.write
_EXIT = os._exit
OUTPUT_TAIL = 20  # lines of the failing cell's output shown with a failure
_HIDDEN_PARTS = frozenset({"site-packages", "dist-packages"})


def prepare_process(job: Job) -> None:
    """Make this process the notebook's: its folder as cwd, the project importable, flags set."""
    folder = str(Path(job.path).parent)
    os.chdir(folder)
    # As in Jupyter, '' (the working folder) comes first; the project root makes its package
    # importable whether or not it is installed.
    rest = [p for p in sys.path if p not in ("", job.root, folder)]
    sys.path[:] = ["", job.root, *rest]
    sys.argv = [""]
    test_environment()


def forget_bootstrap() -> None:
    """Take out the sys.path entry that found nb2pkg for this process: it is not the notebook's."""
    parent = str(Path(__file__).resolve().parents[2])
    if sys.path and sys.path[0] == parent:
        del sys.path[0]


def test_environment() -> None:
    """Set the variables a notebook under test sees."""
    os.environ["NB2PKG_TEST"] = "1"
    os.environ["IN_TEST"] = "1"  # what nbdev's own test runner sets; nbdev projects check it
    if "MPLBACKEND" not in os.environ:
        inline = find_spec("matplotlib_inline") is not None
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline" if inline else "agg"


@dataclass
class _Run:
    """The state of one notebook's run."""

    job: Job
    shell: TestShell
    send: Send
    cells_run: int = 0
    failure: Failure | None = None
    mismatches: list[Mismatch] = field(default_factory=list)
    names: dict[str, tuple[int, str]] = field(default_factory=dict)  # code name → cell


def run_job(job: Job, shell: TestShell, send: Send) -> Outcome:
    """Run the notebook's cells top to bottom; stop at the first error."""
    run = _Run(job, shell, send)
    compare = any(step.expected is not None for step in job.steps)
    sanitizers = compile_sanitizers(job.sanitizers) if compare else []
    compiler: Any = shell.compile
    current: list[str] = [""]
    compiler.get_code_name = lambda raw, transformed, number: current[0]
    with capture(shell):
        for step in job.steps:
            send({"cell": step.index})
            current[0] = f"<{job.notebook}, cell {step.index}>"
            run.names[current[0]] = (step.index, step.cell_id)
            if step.action is Action.IMPORT:
                run.failure = _bind_from_package(run, step)
            else:
                run.failure = _run_cell(run, step, sanitizers)
            run.cells_run += 1
            if run.failure is not None:
                break
    failed = run.failure is not None or bool(run.mismatches)
    return Outcome(
        notebook=job.notebook,
        status=Status.FAILED if failed else Status.PASSED,
        cells_run=run.cells_run,
        failure=run.failure,
        mismatches=tuple(run.mismatches),
    )


def _run_cell(run: _Run, step: Step, sanitizers: Any) -> Failure | None:
    shell = run.shell
    result = shell.run_cell(  # type: ignore[no-untyped-call]
        step.source, store_history=True, cell_id=step.cell_id
    )
    fresh = shell.cell_outputs.take()
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        fresh.append(TextOutput("error", f"{type(error).__name__}: {error}"))
    if step.expected is not None:
        diff = difference(step.expected, fresh, sanitizers)
        if diff is not None:
            run.mismatches.append(Mismatch(step.index, step.cell_id, diff))
    if error is None or step.may_raise:
        return None
    return _failure(run, step, error, fresh)


def _failure(run: _Run, step: Step, error: BaseException, fresh: list[TextOutput]) -> Failure:
    frames = trim_traceback(error, run.names, Path(run.job.root))
    line = next((f.line for f in reversed(frames) if f.cell_index == step.index), None)
    if line is None and isinstance(error, SyntaxError) and error.lineno:
        line = error.lineno
    printed = "".join(o.text for o in fresh if o.kind in ("stdout", "stderr"))
    tail = "\n".join(printed.rstrip("\n").split("\n")[-OUTPUT_TAIL:]) if printed.strip() else ""
    return Failure(
        FailureKind.ERROR,
        _exception_text(error),
        step.index,
        step.cell_id,
        line,
        frames,
        tail,
    )


def _exception_text(error: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(error), error)).rstrip("\n")
    if isinstance(error, SyntaxError):
        # The first lines repeat the offending source, which the report shows already.
        text = text.split("\n")[-1]
    return text


def trim_traceback(
    error: BaseException, names: dict[str, tuple[int, str]], root: Path
) -> tuple[Frame, ...]:
    """Keep the frames in the notebook's cells and in the project's own files."""
    kept = []
    for summary in traceback.extract_tb(error.__traceback__):
        cell = names.get(summary.filename)
        text = (summary.line or "").strip()
        line = summary.lineno or 0
        if cell is not None:
            kept.append(Frame(summary.filename, line, summary.name, text, cell[0], cell[1]))
            continue
        relative = _project_file(summary.filename, root)
        if relative is not None:
            kept.append(Frame(relative, line, summary.name, text))
    return tuple(kept)


def _project_file(filename: str, root: Path) -> str | None:
    try:
        relative = Path(filename).resolve().relative_to(root)
    except (ValueError, OSError):
        return None
    parts = relative.parts
    if any(part.startswith(".") or part in _HIDDEN_PARTS for part in parts[:-1]):
        return None  # a virtual environment inside the project is not the project's code
    return relative.as_posix()


def _bind_from_package(run: _Run, step: Step) -> Failure | None:
    """--against-package: give the notebook the exported cell's names from its module."""
    namespace = run.shell.user_ns
    try:
        module = importlib.import_module(step.module)
    except Exception as exc:  # noqa: BLE001 - any error the module raises is the test's failure
        frames = trim_traceback(exc, run.names, Path(run.job.root))
        return Failure(
            FailureKind.ERROR,
            f"importing {step.module}, which this exported cell is part of, failed: "
            f"{_exception_text(exc)}",
            step.index,
            step.cell_id,
            None,
            frames,
        )
    missing = [name for name in step.names if not hasattr(module, name)]
    if missing:
        listed = ", ".join(f"`{name}`" for name in missing)
        return Failure(
            FailureKind.ERROR,
            f"the cell is exported to {step.module}, but the module does not define {listed}: "
            "the package is out of step with the notebook; run `nb2pkg export` (or "
            "`nb2pkg sync` if the module was edited)",
            step.index,
            step.cell_id,
        )
    for name in (*step.names, *step.optional):
        if hasattr(module, name):
            namespace[name] = getattr(module, name)
    for statement in step.star_imports:
        exec(statement, namespace)  # a `from x import *` line of the cell, as written
    return None


def finish(outcome: Outcome, send: Send) -> None:
    """Report the outcome, run the exit handlers the notebook registered, and end."""
    send({"outcome": outcome_to_json(outcome)})
    try:
        atexit._run_exitfuncs()
    finally:
        _EXIT(0)


def channel_writer(fd: int) -> Send:
    """Return a function that writes one message to the channel *fd*."""

    def send(message: dict[str, Any]) -> None:
        view = memoryview(dumps(message))
        while view:
            view = view[_WRITE(fd, view) :]

    return send


def main() -> None:
    """The spawned child: the job arrives on stdin; stdout becomes the channel."""
    from .shell import make_shell

    forget_bootstrap()
    job = job_from_json(json.loads(sys.stdin.readline()))
    channel = os.dup(1)
    os.dup2(2, 1)  # anything written to fd 1 from now on goes to the log, not the channel
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    send = channel_writer(channel)
    prepare_process(job)
    shell = make_shell()
    finish(run_job(job, shell, send), send)
